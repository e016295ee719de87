//===- GeneratedKernels.cpp - conv2d, max_pool and dense as loops ----------===//
//
// Plain scf loops, written for the loop vectorizer rather than tuned:
//
// - convolution forward and backward data: per (image, channel pair, kernel
//   tap), an axpy over the output cells the tap reads inside the input. The
//   range of those cells is computed per tap (affine.max/min of ceil and
//   floor divisions), so padding costs no test in the inner loops;
// - convolution backward filter, dense forward and the bias gradients:
//   dot products kept in registers (scf.for iter_args);
// - dense backward: axpys over contiguous rows;
// - max_pool: each window clipped to the input, scanned in order, on NCHW or
//   on the channel-blocked layout [N, C/B, H, W, B] (lanes innermost); the
//   backward recomputes the argmax from the saved input and writes each
//   window's cells (sequential loops: overlapping windows add without races).
//
// The accumulating additions carry `reassoc` and `contract`: LLVM may
// vectorize the sums and use fused multiply-adds. Results then differ from
// the reference kernels by rounding only.
//
//===----------------------------------------------------------------------===//
#include "codegen/GeneratedKernels.h"

#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"

#include <tuple>
#include <utility>

using namespace mlir;

namespace nnc::cpu {
namespace {

using Body = function_ref<void(OpBuilder &, Location, Value)>;
using SumBody = function_ref<Value(OpBuilder &, Location, Value, Value)>;

ArrayRef<int64_t> shapeOf(Value memref) { return cast<MemRefType>(memref.getType()).getShape(); }
Value cidx(OpBuilder &b, Location l, int64_t v) { return b.create<arith::ConstantIndexOp>(l, v); }
Value zero(OpBuilder &b, Location l) { return b.create<arith::ConstantOp>(l, b.getF32FloatAttr(0)); }

/// for iv in [lb, ub): body(iv). No iteration when ub <= lb.
void forRange(OpBuilder &b, Location l, Value lb, Value ub, Body body) {
  b.create<scf::ForOp>(l, lb, ub, cidx(b, l, 1), ValueRange{}, [&](OpBuilder &nb, Location il, Value iv, ValueRange) {
    body(nb, il, iv);
    nb.create<scf::YieldOp>(il);
  });
}
void forN(OpBuilder &b, Location l, int64_t n, Body body) { forRange(b, l, cidx(b, l, 0), cidx(b, l, n), body); }

/// forN whose iterations write disjoint memory: an scf.parallel, which
/// nn-outline-parallel may split across threads.
void parallelN(OpBuilder &b, Location l, int64_t n, Body body) {
  b.create<scf::ParallelOp>(l, ValueRange{cidx(b, l, 0)}, ValueRange{cidx(b, l, n)}, ValueRange{cidx(b, l, 1)},
                            [&](OpBuilder &nb, Location il, ValueRange iv) { body(nb, il, iv[0]); });
}

/// acc = init; for iv in [lb, ub): acc = body(iv, acc). Returns acc.
Value sumRange(OpBuilder &b, Location l, Value lb, Value ub, Value init, SumBody body) {
  auto loop = b.create<scf::ForOp>(l, lb, ub, cidx(b, l, 1), ValueRange{init},
                                   [&](OpBuilder &nb, Location il, Value iv, ValueRange acc) {
    nb.create<scf::YieldOp>(il, ValueRange{body(nb, il, iv, acc[0])});
  });
  return loop.getResult(0);
}
Value sumN(OpBuilder &b, Location l, int64_t n, Value init, SumBody body) {
  return sumRange(b, l, cidx(b, l, 0), cidx(b, l, n), init, body);
}

/// acc + p * q; LLVM may reassociate the sum it belongs to and fuse the two.
Value mulAdd(OpBuilder &b, Location l, Value acc, Value p, Value q) {
  auto fm = arith::FastMathFlagsAttr::get(b.getContext(), arith::FastMathFlags::reassoc | arith::FastMathFlags::contract);
  return b.create<arith::AddFOp>(l, acc, b.create<arith::MulFOp>(l, p, q, fm), fm);
}
Value add(OpBuilder &b, Location l, Value acc, Value v) {
  auto fm = arith::FastMathFlagsAttr::get(b.getContext(), arith::FastMathFlags::reassoc | arith::FastMathFlags::contract);
  return b.create<arith::AddFOp>(l, acc, v, fm);
}

Value load(OpBuilder &b, Location l, Value m, ValueRange at) { return b.create<memref::LoadOp>(l, m, at); }
void store(OpBuilder &b, Location l, Value v, Value m, ValueRange at) { b.create<memref::StoreOp>(l, v, m, at); }

AffineExpr dim(OpBuilder &b, unsigned i) { return getAffineDimExpr(i, b.getContext()); }
AffineExpr constant(OpBuilder &b, int64_t v) { return getAffineConstantExpr(v, b.getContext()); }
Value apply(OpBuilder &b, Location l, AffineExpr e, ValueRange operands) {
  return b.create<affine::AffineApplyOp>(l, AffineMap::get(operands.size(), 0, e), operands);
}
Value maxOf(OpBuilder &b, Location l, ArrayRef<AffineExpr> es, ValueRange operands) {
  return b.create<affine::AffineMaxOp>(l, AffineMap::get(operands.size(), 0, es, b.getContext()), operands);
}
Value minOf(OpBuilder &b, Location l, ArrayRef<AffineExpr> es, ValueRange operands) {
  return b.create<affine::AffineMinOp>(l, AffineMap::get(operands.size(), 0, es, b.getContext()), operands);
}

void fillZero(OpBuilder &b, Location l, Value m) {
  b.create<linalg::FillOp>(l, ValueRange{zero(b, l)}, ValueRange{m});
}

/// y[n, o, ...] = bias[o].
void fillWithBias(OpBuilder &b, Location l, Value bias, Value y) {
  int64_t rank = shapeOf(y).size();
  SmallVector<AffineMap> maps = {AffineMap::get(rank, 0, {dim(b, 1)}, b.getContext()), b.getMultiDimIdentityMap(rank)};
  SmallVector<utils::IteratorType> iters(rank, utils::IteratorType::parallel);
  b.create<linalg::GenericOp>(l, TypeRange{}, ValueRange{bias}, ValueRange{y}, maps, iters,
                              [](OpBuilder &nb, Location il, ValueRange a) { nb.create<linalg::YieldOp>(il, a[0]); });
}

/// db[o] = the sum of dy[n, o, ...] over every n and the trailing dims.
void biasGradient(OpBuilder &b, Location l, Value dy, Value db) {
  ArrayRef<int64_t> s = shapeOf(dy);
  parallelN(b, l, s[1], [&](OpBuilder &b1, Location l1, Value o) {
    Value sum = sumN(b1, l1, s[0], zero(b1, l1), [&](OpBuilder &b2, Location l2, Value n, Value acc) {
      if (s.size() == 2) return add(b2, l2, acc, load(b2, l2, dy, {n, o}));
      return sumN(b2, l2, s[2], acc, [&](OpBuilder &b3, Location l3, Value h, Value acc3) {
        return sumN(b3, l3, s[3], acc3, [&](OpBuilder &b4, Location l4, Value w, Value acc4) {
          return add(b4, l4, acc4, load(b4, l4, dy, {n, o, h, w}));
        });
      });
    });
    store(b1, l1, sum, db, {o});
  });
}

// ---- conv2d ----

struct ConvGeom {
  int64_t N, C, H, W, O, Cg, Og, kh, kw, Ho, Wo;
  ConvAttrs a;
};

ConvGeom geometry(Value x, Value w, Value y, const ConvAttrs &a) {
  ArrayRef<int64_t> xs = shapeOf(x), ws = shapeOf(w), ys = shapeOf(y);
  return {xs[0], xs[1], xs[2], xs[3], ws[0], ws[1], ws[0] / a.groups, ws[2], ws[3], ys[2], ys[3], a};
}

/// The output positions [lo, hi) at which kernel tap t reads inside the
/// input along one axis: 0 <= o s + t d - p < in, 0 <= o < out.
std::pair<Value, Value> tapRange(OpBuilder &b, Location l, Value t, int64_t s, int64_t d, int64_t p, int64_t in,
                                 int64_t out) {
  AffineExpr t0 = dim(b, 0);
  Value lo = maxOf(b, l, {constant(b, 0), (constant(b, p) - t0 * d).ceilDiv(s)}, t);
  Value hi = minOf(b, l, {constant(b, out), (constant(b, in - 1 + p) - t0 * d).floorDiv(s) + 1}, t);
  return {lo, hi};
}

/// The input position o s + t d - p.
Value inputAt(OpBuilder &b, Location l, Value o, Value t, int64_t s, int64_t d, int64_t p) {
  return apply(b, l, dim(b, 0) * s + dim(b, 1) * d - p, {o, t});
}

/// The output cells of one kernel tap (i, j) that read inside the input.
struct Tap {
  Value i, j, ohLo, ohHi, owLo, owHi;
};

/// for i < kh, j < kw: body(tap).
void forEachTap(OpBuilder &b, Location l, const ConvGeom &g, function_ref<void(OpBuilder &, Location, const Tap &)> body) {
  forN(b, l, g.kh, [&](OpBuilder &b1, Location l1, Value i) {
    std::pair<Value, Value> rows = tapRange(b1, l1, i, g.a.sh, g.a.dh, g.a.ph, g.H, g.Ho);
    forN(b1, l1, g.kw, [&](OpBuilder &b2, Location l2, Value j) {
      std::pair<Value, Value> cols = tapRange(b2, l2, j, g.a.sw, g.a.dw, g.a.pw, g.W, g.Wo);
      body(b2, l2, Tap{i, j, rows.first, rows.second, cols.first, cols.second});
    });
  });
}

/// for each output cell (oh, ow) of the tap: body(oh, ow, ih, iw).
void forEachCell(OpBuilder &b, Location l, const ConvGeom &g, const Tap &t,
                 function_ref<void(OpBuilder &, Location, ValueRange)> body) {
  forRange(b, l, t.ohLo, t.ohHi, [&](OpBuilder &b1, Location l1, Value oh) {
    Value ih = inputAt(b1, l1, oh, t.i, g.a.sh, g.a.dh, g.a.ph);
    forRange(b1, l1, t.owLo, t.owHi, [&](OpBuilder &b2, Location l2, Value ow) {
      body(b2, l2, {oh, ow, ih, inputAt(b2, l2, ow, t.j, g.a.sw, g.a.dw, g.a.pw)});
    });
  });
}

/// The first input channel of output channel o's group.
Value groupBase(OpBuilder &b, Location l, const ConvGeom &g, Value o) {
  return apply(b, l, dim(b, 0).floorDiv(g.Og) * g.Cg, {o});
}

} // namespace

void buildConv2d(OpBuilder &b, Location l, Value x, Value w, Value bias, Value y, const ConvAttrs &a) {
  ConvGeom g = geometry(x, w, y, a);
  if (bias) fillWithBias(b, l, bias, y);
  else fillZero(b, l, y);
  // y[n, o] += w[o, ci, i, j] * (x[n, c] shifted by the tap), c = o's group's ci-th channel.
  parallelN(b, l, g.N, [&](OpBuilder &b1, Location l1, Value n) {
    forN(b1, l1, g.O, [&](OpBuilder &b2, Location l2, Value o) {
      Value base = groupBase(b2, l2, g, o);
      forN(b2, l2, g.Cg, [&](OpBuilder &b3, Location l3, Value ci) {
        Value c = b3.create<arith::AddIOp>(l3, base, ci);
        forEachTap(b3, l3, g, [&](OpBuilder &b4, Location l4, const Tap &t) {
          Value wv = load(b4, l4, w, {o, ci, t.i, t.j});
          forEachCell(b4, l4, g, t, [&](OpBuilder &b5, Location l5, ValueRange at) {
            SmallVector<Value> yi = {n, o, at[0], at[1]};
            Value xv = load(b5, l5, x, {n, c, at[2], at[3]});
            store(b5, l5, mulAdd(b5, l5, load(b5, l5, y, yi), wv, xv), y, yi);
          });
        });
      });
    });
  });
}

void buildConv2dBackwardData(OpBuilder &b, Location l, Value dy, Value w, Value dx, const ConvAttrs &a) {
  ConvGeom g = geometry(dx, w, dy, a);
  fillZero(b, l, dx);
  // dx[n, c] (shifted by the tap) += w[o, ci, i, j] * dy[n, o], o over c's group.
  parallelN(b, l, g.N, [&](OpBuilder &b1, Location l1, Value n) {
    forN(b1, l1, g.C, [&](OpBuilder &b2, Location l2, Value c) {
      Value ci = apply(b2, l2, dim(b2, 0) % g.Cg, {c});
      Value firstOut = apply(b2, l2, dim(b2, 0).floorDiv(g.Cg) * g.Og, {c});
      forN(b2, l2, g.Og, [&](OpBuilder &b3, Location l3, Value og) {
        Value o = b3.create<arith::AddIOp>(l3, firstOut, og);
        forEachTap(b3, l3, g, [&](OpBuilder &b4, Location l4, const Tap &t) {
          Value wv = load(b4, l4, w, {o, ci, t.i, t.j});
          forEachCell(b4, l4, g, t, [&](OpBuilder &b5, Location l5, ValueRange at) {
            SmallVector<Value> xi = {n, c, at[2], at[3]};
            Value g5 = load(b5, l5, dy, {n, o, at[0], at[1]});
            store(b5, l5, mulAdd(b5, l5, load(b5, l5, dx, xi), wv, g5), dx, xi);
          });
        });
      });
    });
  });
}

void buildConv2dBackwardFilter(OpBuilder &b, Location l, Value x, Value dy, Value dw, Value db, const ConvAttrs &a) {
  ConvGeom g = geometry(x, dw, dy, a);
  // dw[o, ci, i, j] = the sum over n and the tap's cells of x[n, c, ih, iw] dy[n, o, oh, ow].
  parallelN(b, l, g.O, [&](OpBuilder &b1, Location l1, Value o) {
    Value base = groupBase(b1, l1, g, o);
    forN(b1, l1, g.Cg, [&](OpBuilder &b2, Location l2, Value ci) {
      Value c = b2.create<arith::AddIOp>(l2, base, ci);
      forEachTap(b2, l2, g, [&](OpBuilder &b3, Location l3, const Tap &t) {
        Value sum = sumN(b3, l3, g.N, zero(b3, l3), [&](OpBuilder &b4, Location l4, Value n, Value acc) {
          return sumRange(b4, l4, t.ohLo, t.ohHi, acc, [&](OpBuilder &b5, Location l5, Value oh, Value acc5) {
            Value ih = inputAt(b5, l5, oh, t.i, g.a.sh, g.a.dh, g.a.ph);
            return sumRange(b5, l5, t.owLo, t.owHi, acc5, [&](OpBuilder &b6, Location l6, Value ow, Value acc6) {
              Value iw = inputAt(b6, l6, ow, t.j, g.a.sw, g.a.dw, g.a.pw);
              return mulAdd(b6, l6, acc6, load(b6, l6, x, {n, c, ih, iw}), load(b6, l6, dy, {n, o, oh, ow}));
            });
          });
        });
        store(b3, l3, sum, dw, {o, ci, t.i, t.j});
      });
    });
  });
  if (db) biasGradient(b, l, dy, db);
}

// ---- max_pool ----

namespace {

/// The cells [lo, hi) of output position o's window inside the input.
std::pair<Value, Value> window(OpBuilder &b, Location l, Value o, int64_t k, int64_t s, int64_t p, int64_t in) {
  AffineExpr start = dim(b, 0) * s - p;
  return {maxOf(b, l, {start, constant(b, 0)}, o), minOf(b, l, {start + k, constant(b, in)}, o)};
}

/// A max_pool operand seen in lanes of B channels, [N, C/B, H, W, B]: a
/// blocked buffer as it is; an NCHW one at channel cb * B + lane, whose lanes
/// past its C channels read 0 and are not written (blocked padding is 0).
struct Lanes {
  Value m;
  int64_t B, C;

  bool blocked() const { return shapeOf(m).size() == 5; }
  /// Whether some lane has no channel in an NCHW buffer.
  bool ragged() const { return !blocked() && C % B != 0; }
  SmallVector<Value> at(OpBuilder &b, Location l, ValueRange nchw, Value lane, bool clamp) const {
    if (blocked()) return {nchw[0], nchw[1], nchw[2], nchw[3], lane};
    AffineExpr c = dim(b, 0) * B + dim(b, 1);
    Value channel = clamp ? minOf(b, l, {c, constant(b, C - 1)}, {nchw[1], lane}) : apply(b, l, c, {nchw[1], lane});
    return {nchw[0], channel, nchw[2], nchw[3]};
  }
  Value inside(OpBuilder &b, Location l, Value cb, Value lane) const {
    Value c = apply(b, l, dim(b, 0) * B + dim(b, 1), {cb, lane});
    return b.create<arith::CmpIOp>(l, arith::CmpIPredicate::slt, c, cidx(b, l, C));
  }
  Value read(OpBuilder &b, Location l, ValueRange nchw, Value lane) const {
    Value v = load(b, l, m, at(b, l, nchw, lane, ragged()));
    return ragged() ? b.create<arith::SelectOp>(l, inside(b, l, nchw[1], lane), v, zero(b, l)) : v;
  }
  void write(OpBuilder &b, Location l, Value v, ValueRange nchw, Value lane) const {
    if (!ragged()) return store(b, l, v, m, at(b, l, nchw, lane, false));
    auto guard = b.create<scf::IfOp>(l, inside(b, l, nchw[1], lane), /*withElseRegion=*/false);
    OpBuilder tb = guard.getThenBodyBuilder();
    store(tb, l, v, m, at(tb, l, nchw, lane, false));
  }
};

/// The operands of one max_pool (forward or backward) as Lanes: B is the
/// channel block of any blocked one (1 when all are NCHW), C the channel
/// count of any NCHW one.
SmallVector<Lanes> lanesOf(ArrayRef<Value> operands) {
  int64_t B = 1, C = -1;
  for (Value m : operands) {
    ArrayRef<int64_t> s = shapeOf(m);
    if (s.size() == 5) B = s[4];
    else C = s[1];
  }
  if (C < 0) C = shapeOf(operands[0])[1] * B;
  SmallVector<Lanes> lanes;
  for (Value m : operands) lanes.push_back({m, B, C});
  return lanes;
}

/// Per output cell (n, channel block, oh, ow) of the pooling of x into y:
/// body(the cell, the window's rows and columns in the input).
void forEachWindow(OpBuilder &b, Location l, const Lanes &x, const Lanes &y, const PoolAttrs &a,
                   function_ref<void(OpBuilder &, Location, ValueRange, std::pair<Value, Value>, std::pair<Value, Value>)> body) {
  ArrayRef<int64_t> xs = shapeOf(x.m), ys = shapeOf(y.m);
  // Images and channel blocks write disjoint cells; windows may overlap.
  Value zero = cidx(b, l, 0), one = cidx(b, l, 1);
  Value blocks = cidx(b, l, (x.C + x.B - 1) / x.B);
  b.create<scf::ParallelOp>(l, ValueRange{zero, zero}, ValueRange{cidx(b, l, ys[0]), blocks}, ValueRange{one, one},
                            [&](OpBuilder &b1, Location l1, ValueRange nc) {
    forN(b1, l1, ys[2], [&](OpBuilder &b2, Location l2, Value oh) {
      forN(b2, l2, ys[3], [&](OpBuilder &b3, Location l3, Value ow) {
        body(b3, l3, {nc[0], nc[1], oh, ow}, window(b3, l3, oh, a.kh, a.sh, a.ph, xs[2]),
             window(b3, l3, ow, a.kw, a.sw, a.pw, xs[3]));
      });
    });
  });
}

/// For each lane (channel within the block), the first maximum of x over the
/// window in scan order, a NaN replacing any value (ir/reference/Kernels.cpp's
/// argmaxInWindow), into the stack rows `best` and, when given, `arg` (the
/// cell's h * W + w). The lane loop is innermost: it vectorizes.
void argmaxRows(OpBuilder &b, Location l, const Lanes &x, ValueRange at, std::pair<Value, Value> rows,
                std::pair<Value, Value> cols, Value best, Value arg) {
  int64_t width = shapeOf(x.m)[3];
  auto cell = [&](OpBuilder &nb, Location il, Value h, Value w) {
    return apply(nb, il, dim(nb, 0) * width + dim(nb, 1), {h, w});
  };
  forN(b, l, x.B, [&](OpBuilder &nb, Location il, Value c) {
    store(nb, il, x.read(nb, il, {at[0], at[1], rows.first, cols.first}, c), best, {c});
    if (arg) store(nb, il, cell(nb, il, rows.first, cols.first), arg, {c});
  });
  forRange(b, l, rows.first, rows.second, [&](OpBuilder &b1, Location l1, Value h) {
    forRange(b1, l1, cols.first, cols.second, [&](OpBuilder &b2, Location l2, Value w) {
      Value here = arg ? cell(b2, l2, h, w) : Value();
      forN(b2, l2, x.B, [&](OpBuilder &b3, Location l3, Value c) {
        Value v = x.read(b3, l3, {at[0], at[1], h, w}, c), cur = load(b3, l3, best, {c});
        Value greater = b3.create<arith::CmpFOp>(l3, arith::CmpFPredicate::OGT, v, cur);
        Value isNan = b3.create<arith::CmpFOp>(l3, arith::CmpFPredicate::UNO, v, v);
        Value take = b3.create<arith::OrIOp>(l3, greater, isNan);
        store(b3, l3, b3.create<arith::SelectOp>(l3, take, v, cur), best, {c});
        if (arg) store(b3, l3, b3.create<arith::SelectOp>(l3, take, here, load(b3, l3, arg, {c})), arg, {c});
      });
    });
  });
}

Value stackRow(OpBuilder &b, Location l, int64_t n, Type t) {
  return b.create<memref::AllocaOp>(l, MemRefType::get({n}, t));
}

} // namespace

void buildMaxPool(OpBuilder &b, Location l, Value xm, Value ym, const PoolAttrs &a) {
  SmallVector<Lanes> ops = lanesOf({xm, ym});
  const Lanes &x = ops[0], &y = ops[1];
  Value best = stackRow(b, l, x.B, b.getF32Type());
  forEachWindow(b, l, x, y, a, [&](OpBuilder &nb, Location il, ValueRange at, auto rows, auto cols) {
    argmaxRows(nb, il, x, at, rows, cols, best, Value());
    forN(nb, il, x.B, [&](OpBuilder &b1, Location l1, Value c) { y.write(b1, l1, load(b1, l1, best, {c}), at, c); });
  });
}

void buildMaxPoolBackward(OpBuilder &b, Location l, Value xm, Value dym, Value dxm, const PoolAttrs &a) {
  SmallVector<Lanes> ops = lanesOf({xm, dym, dxm});
  const Lanes &x = ops[0], &dy = ops[1], &dx = ops[2];
  ArrayRef<int64_t> xs = shapeOf(xm), ys = shapeOf(dym);
  // Windows that tile the input (stride = kernel, the last one reaching the
  // end) write each cell of dx exactly once: no zero fill, no accumulation.
  bool disjoint = a.sh >= a.kh && a.sw >= a.kw;
  bool tiles = a.sh == a.kh && a.sw == a.kw && (ys[2] - 1) * a.sh - a.ph + a.kh >= xs[2] &&
               (ys[3] - 1) * a.sw - a.pw + a.kw >= xs[3];
  if (!tiles) fillZero(b, l, dxm);
  Value best = stackRow(b, l, x.B, b.getF32Type()), arg = stackRow(b, l, x.B, b.getIndexType());
  forEachWindow(b, l, x, dy, a, [&](OpBuilder &nb, Location il, ValueRange at, auto rows, auto cols) {
    argmaxRows(nb, il, x, at, rows, cols, best, arg);
    forRange(nb, il, rows.first, rows.second, [&](OpBuilder &b1, Location l1, Value h) {
      forRange(b1, l1, cols.first, cols.second, [&](OpBuilder &b2, Location l2, Value w) {
        Value here = apply(b2, l2, dim(b2, 0) * xs[3] + dim(b2, 1), {h, w});
        forN(b2, l2, x.B, [&](OpBuilder &b3, Location l3, Value c) {
          SmallVector<Value> xi = {at[0], at[1], h, w};
          Value won = b3.create<arith::CmpIOp>(l3, arith::CmpIPredicate::eq, load(b3, l3, arg, {c}), here);
          Value g = b3.create<arith::SelectOp>(l3, won, dy.read(b3, l3, at, c), zero(b3, l3));
          dx.write(b3, l3, disjoint ? g : add(b3, l3, dx.read(b3, l3, xi, c), g), xi, c);
        });
      });
    });
  });
}

// ---- dense ----

void buildDense(OpBuilder &b, Location l, Value x, Value w, Value bias, Value y) {
  ArrayRef<int64_t> xs = shapeOf(x), ws = shapeOf(w);
  parallelN(b, l, xs[0], [&](OpBuilder &b1, Location l1, Value n) {
    forN(b1, l1, ws[0], [&](OpBuilder &b2, Location l2, Value o) {
      Value init = bias ? load(b2, l2, bias, {o}) : zero(b2, l2);
      Value sum = sumN(b2, l2, xs[1], init, [&](OpBuilder &b3, Location l3, Value k, Value acc) {
        return mulAdd(b3, l3, acc, load(b3, l3, x, {n, k}), load(b3, l3, w, {o, k}));
      });
      store(b2, l2, sum, y, {n, o});
    });
  });
}

void buildDenseBackwardData(OpBuilder &b, Location l, Value dy, Value w, Value dx) {
  ArrayRef<int64_t> ws = shapeOf(w), ds = shapeOf(dy);
  fillZero(b, l, dx);
  // Row n of dx += dy[n, o] * row o of w.
  parallelN(b, l, ds[0], [&](OpBuilder &b1, Location l1, Value n) {
    forN(b1, l1, ws[0], [&](OpBuilder &b2, Location l2, Value o) {
      Value g = load(b2, l2, dy, {n, o});
      forN(b2, l2, ws[1], [&](OpBuilder &b3, Location l3, Value k) {
        store(b3, l3, mulAdd(b3, l3, load(b3, l3, dx, {n, k}), g, load(b3, l3, w, {o, k})), dx, {n, k});
      });
    });
  });
}

void buildDenseBackwardWeights(OpBuilder &b, Location l, Value x, Value dy, Value dw, Value db) {
  ArrayRef<int64_t> xs = shapeOf(x), ds = shapeOf(dy);
  fillZero(b, l, dw);
  // Row o of dw += dy[n, o] * row n of x.
  parallelN(b, l, ds[1], [&](OpBuilder &b1, Location l1, Value o) {
    forN(b1, l1, xs[0], [&](OpBuilder &b2, Location l2, Value n) {
      Value g = load(b2, l2, dy, {n, o});
      forN(b2, l2, xs[1], [&](OpBuilder &b3, Location l3, Value k) {
        store(b3, l3, mulAdd(b3, l3, load(b3, l3, dw, {o, k}), g, load(b3, l3, x, {n, k})), dw, {o, k});
      });
    });
  });
  if (db) biasGradient(b, l, dy, db);
}

} // namespace nnc::cpu
