//===- ShapeRules.cpp - Shape rules of every nn op
//-------------------------===//
//
// Conventions: NCHW activations, OIHW weights. Symbolic dimensions pass
// through unchanged unless the op needs a concrete extent. Every input may be
// hostile: all integer arithmetic on user values is overflow-checked and
// reported as "too large" instead of wrapping.
//
// An error's operand is the tensor operand whose type is at fault (including
// "the kernel does not fit this input"); pure attribute errors use -1.
//
//===----------------------------------------------------------------------===//

#include "frontend/shapes/ShapeRules.h"

#include <algorithm>
#include <cmath>
#include <iterator>
#include <sstream>

namespace nnc::shapes {
namespace {

using Err = std::optional<ShapeResult>;
#define TRY(check)                                                             \
  if (Err err_ = (check))                                                      \
  return *err_

std::string S(int64_t v) { return std::to_string(v); }
std::string S(Pair p) { return S(p.h) + "x" + S(p.w); }
std::string S(double v) {
  std::ostringstream os; // shortest natural form: 1, 0.0001, inf, nan
  os << v;
  return os.str();
}
std::string S(const std::vector<Dim> &dims) {
  return TensorType{DType::F32, dims}.shapeStr();
}

ShapeResult fail(std::string msg, int operand = -1) {
  return ShapeResult::failure(std::move(msg), operand);
}
ShapeResult tooLarge(const char *op, int operand = -1) {
  return fail(std::string(op) + " sizes are too large (int64 overflow)",
              operand);
}

/// int64 arithmetic that remembers overflow instead of wrapping.
struct Safe {
  int64_t v = 0;
  bool bad = false;
  Safe(int64_t x = 0) : v(x) {}
};
Safe operator+(Safe a, Safe b) {
  Safe r;
  r.bad = a.bad || b.bad || __builtin_add_overflow(a.v, b.v, &r.v);
  return r;
}
Safe operator-(Safe a, Safe b) {
  Safe r;
  r.bad = a.bad || b.bad || __builtin_sub_overflow(a.v, b.v, &r.v);
  return r;
}
Safe operator*(Safe a, Safe b) {
  Safe r;
  r.bad = a.bad || b.bad || __builtin_mul_overflow(a.v, b.v, &r.v);
  return r;
}

/// Product of xs; nullopt on overflow. A zero factor wins regardless of order.
std::optional<int64_t> product(const std::vector<int64_t> &xs) {
  if (std::count(xs.begin(), xs.end(), 0))
    return 0;
  Safe p = 1;
  for (int64_t v : xs)
    p = p * v;
  return p.bad ? std::nullopt : std::optional<int64_t>(p.v);
}
/// Known extents of dims[from:] (symbols skipped, i.e. taken as 1).
std::vector<int64_t> knownExtents(const std::vector<Dim> &dims,
                                  size_t from = 0) {
  std::vector<int64_t> out;
  for (size_t i = from; i < dims.size(); ++i)
    if (dims[i].isKnown())
      out.push_back(dims[i].value);
  return out;
}
std::vector<std::string> symbols(const std::vector<Dim> &dims) {
  std::vector<std::string> out;
  for (const Dim &d : dims)
    if (!d.isKnown())
      out.push_back(d.symbol);
  std::sort(out.begin(), out.end());
  return out;
}

//===-- Operand checks ----------------------------------------------------===//

/// Rejects negative extents and element counts beyond int64.
Err wellFormed(const char *op, const TensorType &x, int operand) {
  for (const Dim &d : x.dims)
    if (d.isKnown() && d.value < 0)
      return fail(std::string(op) + " got a negative dimension in " + x.str(),
                  operand);
  if (!product(knownExtents(x.dims)))
    return fail(std::string(op) + " operand " + x.str() + " is too large",
                operand);
  return std::nullopt;
}
/// `what` is e.g. "a float input" or "float logits".
Err needFloat(const char *op, const TensorType &x, int operand,
              const char *what = "a float input") {
  if (isFloat(x.dtype))
    return std::nullopt;
  return fail(std::string(op) + " expects " + what +
                  " (f32, f16 or bf16), got " + x.str(),
              operand);
}
/// `what` is e.g. "a 4-D input [N, C, H, W]".
Err needRank(const char *op, const TensorType &x, int64_t rank,
             const char *what, int operand = 0, const char *hint = "") {
  if (x.rank() == rank)
    return std::nullopt;
  return fail(std::string(op) + " expects " + what + ", got " + x.str() + hint,
              operand);
}
/// `what` is e.g. "a known channel count".
Err needKnown(const char *op, const TensorType &x, size_t d, const char *what,
              int operand = 0) {
  if (x.dims[d].isKnown())
    return std::nullopt;
  return fail(std::string(op) + " needs " + what + "; dimension " +
                  S((int64_t)d) + " is " + x.dims[d].str(),
              operand);
}
Err atLeast(const char *op, const char *attr, Pair p, int64_t min) {
  if (p.h >= min && p.w >= min)
    return std::nullopt;
  return fail(std::string(op) + " " + attr + " must be >= " + S(min) +
              ", got " + S(p));
}
/// Normalizes a possibly negative axis into [0, rank + extra).
Err normalizeAxis(const char *op, int64_t &axis, int64_t rank,
                  const TensorType &x, int64_t extra = 0) {
  int64_t hi = rank + extra;
  if (axis < -rank || axis >= hi)
    return fail(std::string(op) + " axis " + S(axis) + " is out of range [" +
                S(-rank) + ", " + S(hi - 1) + "] for " + x.str());
  if (axis < 0)
    axis += rank;
  return std::nullopt;
}

/// Packs a successful result after checking that nothing overflows int64.
ShapeResult done(const char *op, TensorType t,
                 std::vector<ParamSpec> params = {}, double flops = 0) {
  if (!product(knownExtents(t.dims)))
    return tooLarge(op);
  for (const ParamSpec &p : params)
    if (!product(p.shape))
      return tooLarge(op);
  ShapeResult r;
  r.type = std::move(t);
  r.params = std::move(params);
  r.flopsPerExample = flops;
  return r;
}
/// Elements of t as a double (symbols as 1), the base of per-element FLOPs.
double elems(const TensorType &t) {
  double n = 1;
  for (int64_t v : knownExtents(t.dims))
    n *= (double)v;
  return n;
}
/// Same type out, `perElement` FLOPs for every element.
ShapeResult elementwise(const char *op, const TensorType &x,
                        double perElement) {
  return done(op, x, {}, perElement * elems(x));
}

/// Output extent of a window sliding over one spatial dim: `bad` on overflow,
/// 0 if the (dilated) window does not fit the padded input, else >= 1.
Safe windowExtent(int64_t in, int64_t k, int64_t s, int64_t p, int64_t d,
                  bool ceil) {
  Safe padded = Safe(in) + Safe(p) * 2, eff = Safe(d) * (k - 1) + 1;
  if (padded.bad || eff.bad)
    return padded + eff; // carries the overflow
  if (padded.v < eff.v)
    return 0;
  int64_t span = padded.v - eff.v; // >= 0, so integer division floors
  Safe out = span / s + 1;
  if (ceil && span % s != 0) {
    out = out + 1;
    // Drop a last window that would start past the input (in the right
    // padding or beyond), as PyTorch does; Caffe checks this only when p > 0
    // and would keep windows lying wholly outside the input. An overflowing
    // start is certainly past the input.
    Safe start = (out - 1) * s;
    if (start.bad || start.v >= in + p)
      out = out - 1;
  }
  return out;
}

/// Output H and W of a conv or pool window; `dilated` adds the effective
/// kernel size to the message (conv only).
Err windowFits(const char *op, int64_t H, int64_t W, Pair k, Pair s, Pair p,
               Pair d, bool ceil, bool dilated, int64_t &ho, int64_t &wo) {
  Safe h = windowExtent(H, k.h, s.h, p.h, d.h, ceil),
       w = windowExtent(W, k.w, s.w, p.w, d.w, ceil);
  if (h.bad || w.bad)
    return tooLarge(op, 0);
  if (h.v == 0 || w.v == 0) { // no overflow above, so these sizes fit int64
    std::string eff = S(Pair{d.h * (k.h - 1) + 1, d.w * (k.w - 1) + 1});
    return fail("kernel " + S(k) + (dilated ? " (dilated " + eff + ")" : "") +
                    " does not fit the padded input " +
                    S(Pair{H + 2 * p.h, W + 2 * p.w}),
                0);
  }
  ho = h.v, wo = w.v;
  return std::nullopt;
}

//===-- Shared rule bodies ------------------------------------------------===//

/// FLOPs per example as SPEC 11 states them: max_pool compares each window
/// element, C*Ho*Wo*kh*kw; avg_pool also divides once per output element,
/// C*Ho*Wo*(kh*kw + 1).
ShapeResult pool(const char *op, const TensorType &x, const PoolAttrs &a,
                 bool average) {
  TRY(wellFormed(op, x, 0));
  TRY(needFloat(op, x, 0));
  TRY(needRank(op, x, 4, "a 4-D input [N, C, H, W]"));
  TRY(atLeast(op, "kernel", a.kernel, 1));
  TRY(atLeast(op, "stride", a.stride, 1));
  TRY(atLeast(op, "pad", a.pad, 0));
  // A pad as large as the kernel would allow windows made of padding only.
  if (a.pad.h >= a.kernel.h)
    return fail(std::string(op) + " pad height (" + S(a.pad.h) +
                ") must be smaller than the kernel height (" + S(a.kernel.h) +
                ")");
  if (a.pad.w >= a.kernel.w)
    return fail(std::string(op) + " pad width (" + S(a.pad.w) +
                ") must be smaller than the kernel width (" + S(a.kernel.w) +
                ")");
  TRY(needKnown(op, x, 2, "a known height"));
  TRY(needKnown(op, x, 3, "a known width"));
  int64_t ho, wo;
  TRY(windowFits(op, x.dims[2].value, x.dims[3].value, a.kernel, a.stride,
                 a.pad, {1, 1}, a.ceil, false, ho, wo));
  TensorType t{x.dtype, {x.dims[0], x.dims[1], Dim::known(ho), Dim::known(wo)}};
  double c = x.dims[1].isKnown() ? (double)x.dims[1].value : 1;
  double window = (double)a.kernel.h * a.kernel.w + (average ? 1 : 0);
  return done(op, t, {}, window * c * ho * wo);
}

/// logits [N, K] float with K >= 1, labels [N] integer; returns K.
Err lossOperands(const char *op, const TensorType &logits,
                 const TensorType &labels, int64_t &K) {
  TRY(wellFormed(op, logits, 0));
  TRY(wellFormed(op, labels, 1));
  TRY(needFloat(op, logits, 0, "float logits"));
  TRY(needRank(op, logits, 2, "2-D logits [N, classes]", 0));
  TRY(needKnown(op, logits, 1, "a known class count", 0));
  K = logits.dims[1].value;
  if (K < 1)
    return fail(
        std::string(op) + " needs at least 1 class, got " + logits.str(), 0);
  if (!isInteger(labels.dtype))
    return fail(std::string(op) + " expects integer labels (i32 or i64), got " +
                    labels.str(),
                1);
  TRY(needRank(op, labels, 1, "1-D labels [N]", 1));
  if (labels.dims[0] != logits.dims[0])
    return fail("labels have batch " + labels.dims[0].str() +
                    " but logits have batch " + logits.dims[0].str(),
                1);
  return std::nullopt;
}

} // namespace

//===-- Rules -------------------------------------------------------------===//

ShapeResult conv2d(const TensorType &x, const Conv2dAttrs &a) {
  const char *op = "conv2d";
  TRY(wellFormed(op, x, 0));
  TRY(needFloat(op, x, 0));
  TRY(needRank(op, x, 4, "a 4-D input [N, C, H, W]"));
  if (a.out <= 0)
    return fail("conv2d out must be positive, got " + S(a.out));
  TRY(atLeast(op, "kernel", a.kernel, 1));
  TRY(atLeast(op, "stride", a.stride, 1));
  TRY(atLeast(op, "dilation", a.dilation, 1));
  TRY(atLeast(op, "pad", a.pad, 0));
  if (a.groups < 1)
    return fail("conv2d groups must be >= 1, got " + S(a.groups));
  TRY(needKnown(op, x, 1, "a known channel count"));
  TRY(needKnown(op, x, 2, "a known height"));
  TRY(needKnown(op, x, 3, "a known width"));
  int64_t C = x.dims[1].value;
  if (C % a.groups)
    return fail("input channels (" + S(C) + ") are not divisible by groups (" +
                    S(a.groups) + ")",
                0);
  if (a.out % a.groups)
    return fail("output channels (" + S(a.out) +
                ") are not divisible by groups (" + S(a.groups) + ")");
  int64_t ho, wo;
  TRY(windowFits(op, x.dims[2].value, x.dims[3].value, a.kernel, a.stride,
                 a.pad, a.dilation, false, true, ho, wo));
  int64_t cg = C / a.groups;
  std::vector<ParamSpec> params{
      {"weight", {a.out, cg, a.kernel.h, a.kernel.w}, true}};
  double outElems = (double)a.out * ho * wo;
  double flops = 2.0 * cg * a.kernel.h * a.kernel.w * outElems;
  if (a.bias) {
    params.push_back({"bias", {a.out}, true});
    flops += outElems;
  }
  return done(
      op,
      {x.dtype, {x.dims[0], Dim::known(a.out), Dim::known(ho), Dim::known(wo)}},
      params, flops);
}

ShapeResult dense(const TensorType &x, const DenseAttrs &a) {
  const char *op = "dense";
  TRY(wellFormed(op, x, 0));
  TRY(needFloat(op, x, 0));
  TRY(needRank(op, x, 2, "a 2-D input [N, features]", 0,
               x.rank() > 2 ? "; flatten it first" : ""));
  if (a.out <= 0)
    return fail("dense out must be positive, got " + S(a.out));
  TRY(needKnown(op, x, 1, "a known feature count"));
  int64_t K = x.dims[1].value;
  std::vector<ParamSpec> params{{"weight", {a.out, K}, true}};
  double flops = 2.0 * K * a.out;
  if (a.bias) {
    params.push_back({"bias", {a.out}, true});
    flops += a.out;
  }
  return done(op, {x.dtype, {x.dims[0], Dim::known(a.out)}}, params, flops);
}

ShapeResult maxPool(const TensorType &x, const PoolAttrs &a) {
  return pool("max_pool", x, a, false);
}
ShapeResult avgPool(const TensorType &x, const PoolAttrs &a) {
  return pool("avg_pool", x, a, true);
}

ShapeResult lrn(const TensorType &x, const LrnAttrs &a) {
  const char *op = "lrn";
  TRY(wellFormed(op, x, 0));
  TRY(needFloat(op, x, 0));
  TRY(needRank(op, x, 4, "a 4-D input [N, C, H, W]"));
  if (a.size < 1)
    return fail("lrn size must be >= 1, got " + S(a.size));
  if (a.size % 2 == 0) // the window is centred on the channel
    return fail("lrn size must be odd, got " + S(a.size));
  if (!std::isfinite(a.alpha) || !std::isfinite(a.beta) || !std::isfinite(a.k))
    return fail("lrn alpha, beta and k must be finite, got " + S(a.alpha) +
                ", " + S(a.beta) + ", " + S(a.k));
  // Per element (SPEC 11): `size` multiply-adds for the windowed sum of
  // squares (2 each), then scale by alpha, add k, pow beta and divide:
  // 2*size + 4.
  return elementwise(op, x, 2.0 * a.size + 4);
}

ShapeResult batchNorm(const TensorType &x, const BatchNormAttrs &a) {
  const char *op = "batch_norm";
  TRY(wellFormed(op, x, 0));
  TRY(needFloat(op, x, 0));
  if (x.rank() != 2 && x.rank() != 4)
    return fail("batch_norm expects a 2-D input [N, C] or a 4-D input [N, C, "
                "H, W], got " +
                    x.str(),
                0);
  if (!(a.eps > 0) || !std::isfinite(a.eps))
    return fail("batch_norm eps must be positive, got " + S(a.eps));
  if (!(a.momentum >= 0 && a.momentum <= 1))
    return fail("batch_norm momentum must be in [0, 1], got " + S(a.momentum));
  TRY(needKnown(op, x, 1, "a known channel count"));
  int64_t C = x.dims[1].value;
  std::vector<ParamSpec> params;
  if (a.affine)
    params = {{"weight", {C}, true}, {"bias", {C}, true}};
  params.push_back({"running_mean", {C}, false});
  params.push_back({"running_var", {C}, false});
  // Evaluation mode (SPEC 11): the statistics fold into one multiply-add
  // per element, 2*numel.
  return done(op, x, params, 2 * elems(x));
}

ShapeResult dropout(const TensorType &x, double rate) {
  TRY(wellFormed("dropout", x, 0));
  TRY(needFloat("dropout", x, 0));
  if (!(rate >= 0 && rate < 1)) // also rejects NaN
    return fail("dropout rate must be in [0, 1), got " + S(rate));
  return elementwise("dropout", x, 0); // the identity in evaluation mode
}

ShapeResult activation(const char *opName, const TensorType &x) {
  TRY(wellFormed(opName, x, 0));
  TRY(needFloat(opName, x, 0));
  return elementwise(opName, x, 1);
}

ShapeResult softmax(const TensorType &x, int64_t axis) {
  const char *op = "softmax";
  TRY(wellFormed(op, x, 0));
  TRY(needFloat(op, x, 0));
  TRY(normalizeAxis(op, axis, x.rank(), x));
  TRY(needKnown(op, x, (size_t)axis, "a known class count"));
  // exp, sum and divide per element (the max subtraction is not counted).
  return elementwise(op, x, 3);
}

ShapeResult softmaxCrossEntropy(const TensorType &logits,
                                const TensorType &labels) {
  const char *op = "softmax_cross_entropy";
  int64_t K;
  TRY(lossOperands(op, logits, labels, K));
  // Per example: softmax's 3 per logit plus the log-sum-exp subtraction.
  return done(op, {DType::F32, {}}, {}, 4.0 * K);
}

ShapeResult accuracy(const TensorType &logits, const TensorType &labels,
                     int64_t topK) {
  const char *op = "accuracy";
  int64_t K;
  TRY(lossOperands(op, logits, labels, K));
  if (topK < 1 || topK > K)
    return fail("accuracy top_k must be in [1, " + S(K) + "], got " + S(topK));
  // SPEC 11: K per example (each score is compared with the label's once).
  return done(op, {DType::F32, {}}, {}, (double)K);
}

ShapeResult flatten(const TensorType &x, int64_t axis) {
  const char *op = "flatten";
  TRY(wellFormed(op, x, 0));
  TRY(normalizeAxis(op, axis, x.rank(), x, 1)); // axis == rank appends a 1
  std::vector<Dim> dims(x.dims.begin(), x.dims.begin() + axis);
  if (x.rank() - axis == 1) {
    dims.push_back(x.dims[axis]); // a single dim is kept, even a symbol
  } else {
    for (int64_t i = axis; i < x.rank(); ++i)
      TRY(needKnown(op, x, (size_t)i, "known dimensions to merge"));
    auto n = product(knownExtents(x.dims, (size_t)axis));
    if (!n)
      return tooLarge(op, 0);
    dims.push_back(Dim::known(*n));
  }
  return done(op, {x.dtype, dims});
}

ShapeResult reshape(const TensorType &x, const std::vector<Dim> &shape) {
  const char *op = "reshape";
  TRY(wellFormed(op, x, 0));
  int64_t infer = -1;
  std::vector<Dim> rest; // the target without its -1
  for (size_t i = 0; i < shape.size(); ++i) {
    if (shape[i].isKnown() && shape[i].value == -1) {
      if (infer >= 0)
        return fail("reshape allows at most one -1, got " + S(shape));
      infer = (int64_t)i;
      continue;
    }
    if (shape[i].isKnown() && shape[i].value < 0)
      return fail("reshape dims must be >= 0 or -1, got " + S(shape));
    rest.push_back(shape[i]);
  }
  auto inKnown = product(knownExtents(x.dims)),
       outKnown = product(knownExtents(rest));
  if (!inKnown || !outKnown)
    return tooLarge(op);
  std::vector<std::string> inSyms = symbols(x.dims), outSyms = symbols(rest);
  auto count = [](const std::vector<std::string> &syms, int64_t known) {
    std::string s;
    for (const std::string &sym : syms)
      s += sym + "*";
    return syms.empty() || known != 1 ? s + S(known)
                                      : s.substr(0, s.size() - 1);
  };
  std::string what =
      "reshape cannot turn " + x.str() + " into " + S(shape) + ": ";
  std::string counts = count(inSyms, *inKnown) + " vs " +
                       count(outSyms, *outKnown) + " elements";
  std::vector<Dim> dims = shape;
  if (infer < 0) {
    if (inSyms != outSyms || *inKnown != *outKnown)
      return fail(what + "element counts differ (" + counts + ")", 0);
  } else if (inSyms == outSyms) {
    if (*outKnown == 0 || *inKnown % *outKnown)
      return fail(what + "-1 cannot be inferred (" + counts + ")", 0);
    dims[infer] = Dim::known(*inKnown / *outKnown);
  } else {
    // Extension: [N, 1, 28, 28] -> [-1, 784] infers -1 = N when exactly one
    // symbol of the input is missing from the target and the rest matches.
    std::vector<std::string> extra;
    std::set_difference(inSyms.begin(), inSyms.end(), outSyms.begin(),
                        outSyms.end(), std::back_inserter(extra));
    if (extra.size() != 1 || inSyms.size() != outSyms.size() + 1 ||
        *inKnown != *outKnown)
      return fail(what + "-1 cannot be inferred (" + counts + ")", 0);
    dims[infer] = Dim::sym(extra[0]);
  }
  return done(op, {x.dtype, dims});
}

ShapeResult transpose(const TensorType &x, const std::vector<int64_t> &perm) {
  TRY(wellFormed("transpose", x, 0));
  std::vector<bool> seen(x.dims.size());
  bool ok = (int64_t)perm.size() == x.rank();
  for (size_t i = 0; ok && i < perm.size(); ++i) {
    ok = perm[i] >= 0 && perm[i] < x.rank() && !seen[perm[i]];
    if (ok)
      seen[perm[i]] = true;
  }
  if (!ok) {
    std::string p = "[";
    for (size_t i = 0; i < perm.size(); ++i)
      p += (i ? ", " : "") + S(perm[i]);
    return fail("transpose perm " + p + "] is not a permutation of 0.." +
                S(x.rank() - 1));
  }
  std::vector<Dim> dims;
  for (int64_t p : perm)
    dims.push_back(x.dims[p]);
  return done("transpose", {x.dtype, dims});
}

ShapeResult concat(const std::vector<TensorType> &xs, int64_t axis) {
  const char *op = "concat";
  if (xs.empty())
    return fail("concat needs at least one input");
  for (size_t i = 0; i < xs.size(); ++i)
    TRY(wellFormed(op, xs[i], (int)i));
  const TensorType &x0 = xs[0];
  if (x0.rank() == 0)
    return fail("concat needs inputs of rank >= 1, got " + x0.str(), 0);
  TRY(normalizeAxis(op, axis, x0.rank(), x0));
  Safe sum = 0;
  for (size_t i = 0; i < xs.size(); ++i) {
    const TensorType &x = xs[i];
    std::string vs = " (" + x.str() + " vs " + x0.str() + ")";
    if (x.rank() != x0.rank() || x.dtype != x0.dtype)
      return fail("concat input " + S((int64_t)i) + " has a different " +
                      (x.rank() != x0.rank() ? "rank" : "element type") +
                      " than input 0" + vs,
                  (int)i);
    for (int64_t d = 0; d < x.rank(); ++d)
      if (d != axis && x.dims[d] != x0.dims[d])
        return fail("concat input " + S((int64_t)i) +
                        " differs from input 0 in dimension " + S(d) + ": " +
                        x.dims[d].str() + " vs " + x0.dims[d].str() + vs,
                    (int)i);
    TRY(needKnown(op, x, (size_t)axis, "known extents on the concat axis",
                  (int)i));
    sum = sum + x.dims[axis].value;
  }
  if (sum.bad)
    return tooLarge(op);
  std::vector<Dim> dims = x0.dims;
  dims[axis] = Dim::known(sum.v);
  return done(op, {x0.dtype, dims});
}

ShapeResult broadcast(const char *opName, const TensorType &a,
                      const TensorType &b) {
  TRY(wellFormed(opName, a, 0));
  TRY(wellFormed(opName, b, 1));
  if (a.dtype != b.dtype)
    return fail(std::string(opName) +
                    " expects operands of the same element type, got " +
                    a.str() + " and " + b.str(),
                1);
  if (std::string(opName) == "div") { // SPEC 11.4: float tensors only
    TRY(needFloat(opName, a, 0, "float tensors"));
    TRY(needFloat(opName, b, 1, "float tensors"));
  }
  size_t r = std::max(a.dims.size(), b.dims.size());
  std::vector<Dim> dims(r);
  for (size_t i = 0; i < r; ++i) {
    // Right-aligned: a missing leading dim behaves like a known 1.
    size_t offA = r - a.dims.size(), offB = r - b.dims.size();
    Dim da = i >= offA ? a.dims[i - offA] : Dim::known(1);
    Dim db = i >= offB ? b.dims[i - offB] : Dim::known(1);
    if (da == db || db == Dim::known(1))
      dims[i] = da;
    else if (da == Dim::known(1))
      dims[i] = db;
    else
      return fail("cannot broadcast " + a.str() + " and " + b.str() +
                      ": dimension " + S((int64_t)i) + " is " + da.str() +
                      " vs " + db.str(),
                  1);
  }
  TensorType t{a.dtype, dims};
  return elementwise(opName, t, 1);
}

ShapeResult scale(const TensorType &x, double factor) {
  TRY(wellFormed("scale", x, 0));
  TRY(needFloat("scale", x, 0));
  if (!std::isfinite(factor))
    return fail("scale factor must be finite, got " + S(factor));
  return elementwise("scale", x, 1);
}

} // namespace nnc::shapes
