// The fine path's kernels (codegen/GeneratedKernels.cpp) one at a time,
// compiled alone into a function on memrefs and run against the reference
// kernels: convolutions over a sweep of strides, pads, dilations and groups;
// max_pool on inputs full of ties and NaNs, where the argmax rule shows
// (whole networks hide it: tied cells rarely differ in their gradients);
// dense with and without bias.
#include "codegen/GeneratedKernels.h"
#include "codegen/Jit.h"
#include "codegen/Passes.h"
#include "ir/reference/Kernels.h"
#include "test/codegen/CodegenTestUtil.h"
#include "test/runtime/BlockedLayout.h"
#include "tools/RegisterNNC.h"

#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/Verifier.h"
#include "mlir/Pass/PassManager.h"

#include <cmath>
#include <functional>
#include <gtest/gtest.h>

using namespace nnc;
using MValue = mlir::Value;

namespace {

using Shape = std::vector<int64_t>;
using Tensor = ref::Tensor<float>;
using Build = std::function<void(mlir::OpBuilder &, mlir::Location, mlir::ValueRange)>;

/// Compiles `void k(memref<shapes[0]>, ...)` whose body `build` emits, runs
/// it on `buffers` (in place) and returns whether that worked.
bool runKernel(const std::vector<Shape> &shapes, std::vector<std::vector<float>> &buffers, const Build &build) {
  mlir::DialectRegistry registry;
  registerDialects(registry);
  mlir::MLIRContext ctx(registry);
  ctx.loadAllAvailableDialects();
  mlir::OpBuilder b(&ctx);
  mlir::Location loc = b.getUnknownLoc();
  mlir::OwningOpRef<mlir::ModuleOp> module = mlir::ModuleOp::create(loc);
  b.setInsertionPointToEnd(module->getBody());
  llvm::SmallVector<mlir::Type> types;
  for (const Shape &s : shapes) types.push_back(mlir::MemRefType::get(s, b.getF32Type()));
  auto f = b.create<mlir::func::FuncOp>(loc, "k", b.getFunctionType(types, {}));
  f->setAttr("llvm.emit_c_interface", b.getUnitAttr());
  mlir::Block *entry = f.addEntryBlock();
  b.setInsertionPointToStart(entry);
  build(b, loc, entry->getArguments());
  b.create<mlir::func::ReturnOp>(loc);
  (*module)->setAttr("nn.manifest", b.getArrayAttr({}));
  (*module)->setAttr("nn.state_bytes", b.getI64IntegerAttr(0));
  (*module)->setAttr("nn.workspace_bytes", b.getI64IntegerAttr(0));
  EXPECT_TRUE(mlir::succeeded(mlir::verify(*module)));
  mlir::PassManager pm(&ctx);
  buildCpuToLlvmPipeline(pm);
  if (mlir::failed(pm.run(*module))) {
    ADD_FAILURE() << "lowering to LLVM failed";
    return false;
  }
  std::string error;
  auto jit = JitModel::create(*module, error);
  if (!jit) {
    ADD_FAILURE() << error;
    return false;
  }
  std::vector<MemRefDescriptor> descriptors;
  for (size_t i = 0; i < shapes.size(); ++i) descriptors.emplace_back(buffers[i].data(), shapes[i]);
  std::vector<void *> pointers, args;
  for (MemRefDescriptor &d : descriptors) pointers.push_back(d.get());
  for (void *&p : pointers) args.push_back(&p);
  bool ok = jit->call("k", args, error);
  EXPECT_TRUE(ok) << error;
  return ok;
}

int64_t numel(const Shape &s) {
  int64_t n = 1;
  for (int64_t d : s) n *= d;
  return n;
}

Tensor random(const Shape &s, uint64_t &seed) {
  Tensor t = Tensor::zeros(s);
  for (float &v : t.data) v = (float)test::uniform(seed);
  return t;
}

/// |got - want| within 1e-5 of the largest |want| (float sums, reordered).
void expectClose(const Tensor &want, const std::vector<float> &got, const std::string &what) {
  ASSERT_EQ(want.data.size(), got.size()) << what;
  float maxAbs = 1;
  for (float v : want.data) maxAbs = std::max(maxAbs, std::abs(v));
  for (size_t i = 0; i < got.size(); ++i)
    ASSERT_NEAR(got[i], want.data[i], 1e-5f * maxAbs) << what << ", element " << i;
}

/// Bit for bit, NaN equal to NaN.
void expectSame(const Tensor &want, const std::vector<float> &got, const std::string &what) {
  ASSERT_EQ(want.data.size(), got.size()) << what;
  for (size_t i = 0; i < got.size(); ++i) {
    if (std::isnan(want.data[i])) ASSERT_TRUE(std::isnan(got[i])) << what << ", element " << i << " is " << got[i];
    else ASSERT_EQ(got[i], want.data[i]) << what << ", element " << i;
  }
}

struct ConvCase {
  Shape x;                  // N, C, H, W
  int64_t out, kh, kw;
  ref::Conv2dAttrs a;
  bool bias;
};

std::string describe(const ConvCase &c) {
  return "x [" + std::to_string(c.x[0]) + "," + std::to_string(c.x[1]) + "," + std::to_string(c.x[2]) + "," +
         std::to_string(c.x[3]) + "] out " + std::to_string(c.out) + " kernel " + std::to_string(c.kh) + "x" +
         std::to_string(c.kw) + " stride " + std::to_string(c.a.sh) + "," + std::to_string(c.a.sw) + " pad " +
         std::to_string(c.a.ph) + "," + std::to_string(c.a.pw) + " dilation " + std::to_string(c.a.dh) + "," +
         std::to_string(c.a.dw) + " groups " + std::to_string(c.a.groups) + (c.bias ? " bias" : "");
}

TEST(GeneratedKernels, Conv2dForwardAndBackward) {
  auto attrs = [](int64_t sh, int64_t sw, int64_t ph, int64_t pw, int64_t dh, int64_t dw, int64_t g) {
    ref::Conv2dAttrs a;
    a.sh = sh, a.sw = sw, a.ph = ph, a.pw = pw, a.dh = dh, a.dw = dw, a.groups = g;
    return a;
  };
  const ConvCase cases[] = {
      {{2, 3, 7, 6}, 4, 3, 3, attrs(1, 1, 0, 0, 1, 1, 1), true},  // plain
      {{2, 3, 9, 9}, 4, 3, 3, attrs(2, 2, 1, 1, 1, 1, 1), true},  // stride and pad
      {{1, 4, 8, 7}, 6, 3, 2, attrs(2, 1, 2, 1, 1, 2, 2), false}, // rectangular, grouped, dilated
      {{2, 6, 7, 7}, 6, 3, 3, attrs(1, 1, 1, 1, 1, 1, 6), true},  // depthwise
      {{1, 2, 8, 8}, 3, 2, 2, attrs(3, 3, 1, 1, 1, 1, 1), true},  // stride beyond the kernel
      {{1, 2, 5, 6}, 2, 2, 2, attrs(2, 2, 3, 3, 1, 1, 1), true},  // pad beyond the kernel: cells of padding only
      {{2, 3, 5, 5}, 2, 1, 1, attrs(1, 1, 0, 0, 1, 1, 1), false}, // 1x1
      {{1, 2, 9, 4}, 2, 3, 4, attrs(1, 1, 0, 0, 4, 1, 1), true},  // the kernel as wide as the input, dilation 4
      {{1, 4, 6, 6}, 4, 5, 5, attrs(1, 2, 4, 4, 2, 2, 2), true},  // dilated and padded past the input
  };
  uint64_t seed = 5;
  for (const ConvCase &c : cases) {
    SCOPED_TRACE(describe(c));
    int64_t Ho = ref::convOutputSize(c.x[2], c.kh, c.a.sh, c.a.ph, c.a.dh);
    int64_t Wo = ref::convOutputSize(c.x[3], c.kw, c.a.sw, c.a.pw, c.a.dw);
    Shape ws = {c.out, c.x[1] / c.a.groups, c.kh, c.kw}, ys = {c.x[0], c.out, Ho, Wo}, bs = {c.out};
    Tensor x = random(c.x, seed), w = random(ws, seed), bias = random(bs, seed), dy = random(ys, seed);
    nnc::cpu::ConvAttrs a{c.a.sh, c.a.sw, c.a.ph, c.a.pw, c.a.dh, c.a.dw, c.a.groups};

    std::vector<std::vector<float>> fwd = {x.data, w.data, bias.data, std::vector<float>(numel(ys), 7.f)};
    ASSERT_TRUE(runKernel({c.x, ws, bs, ys}, fwd, [&](mlir::OpBuilder &b, mlir::Location l, mlir::ValueRange v) {
      cpu::buildConv2d(b, l, v[0], v[1], c.bias ? v[2] : MValue(), v[3], a);
    }));
    expectClose(ref::conv2d(x, w, c.bias ? &bias : nullptr, c.a), fwd[3], "conv2d");

    std::vector<std::vector<float>> data = {dy.data, w.data, std::vector<float>(numel(c.x), 7.f)};
    ASSERT_TRUE(runKernel({ys, ws, c.x}, data, [&](mlir::OpBuilder &b, mlir::Location l, mlir::ValueRange v) {
      cpu::buildConv2dBackwardData(b, l, v[0], v[1], v[2], a);
    }));
    expectClose(ref::conv2dBackwardData(dy, w, c.x, c.a), data[2], "conv2d_backward_data");

    std::vector<std::vector<float>> filter = {x.data, dy.data, std::vector<float>(numel(ws), 7.f),
                                              std::vector<float>(c.out, 7.f)};
    ASSERT_TRUE(runKernel({c.x, ys, ws, bs}, filter, [&](mlir::OpBuilder &b, mlir::Location l, mlir::ValueRange v) {
      cpu::buildConv2dBackwardFilter(b, l, v[0], v[1], v[2], c.bias ? v[3] : MValue(), a);
    }));
    expectClose(ref::conv2dBackwardFilter(x, dy, ws, c.a), filter[2], "conv2d_backward_filter");
    if (c.bias) expectClose(ref::biasBackward(dy), filter[3], "bias gradient");
    else EXPECT_EQ(filter[3], std::vector<float>(c.out, 7.f)) << "no bias: its buffer is left alone";
  }
}

TEST(GeneratedKernels, MaxPoolTiesAndNaNsAsTheReference) {
  struct Case {
    Shape x;
    ref::PoolAttrs a;
  };
  auto attrs = [](int64_t kh, int64_t kw, int64_t sh, int64_t sw, int64_t ph, int64_t pw, bool ceil) {
    ref::PoolAttrs a;
    a.kh = kh, a.kw = kw, a.sh = sh, a.sw = sw, a.ph = ph, a.pw = pw, a.ceil = ceil;
    return a;
  };
  const Case cases[] = {
      {{2, 2, 6, 6}, attrs(2, 2, 2, 2, 0, 0, false)}, // tiling windows
      {{1, 3, 7, 7}, attrs(3, 3, 2, 2, 1, 1, true)},  // overlapping, padded, ceil
      {{1, 2, 6, 5}, attrs(3, 3, 2, 2, 0, 0, true)},  // a ceil window clipped by the input
      {{1, 2, 5, 5}, attrs(1, 1, 3, 3, 0, 0, true)},  // ceil's dropped window; stride beyond the kernel
      {{2, 1, 7, 6}, attrs(3, 2, 1, 2, 2, 1, false)}, // stride 1, pads of two rows
      {{1, 2, 4, 9}, attrs(2, 4, 3, 1, 1, 3, true)},  // rectangular, every pad, ceil
  };
  uint64_t seed = 9;
  for (const Case &c : cases) {
    SCOPED_TRACE(::testing::Message() << "kernel " << c.a.kh << "x" << c.a.kw << " stride " << c.a.sh << ","
                                      << c.a.sw << " pad " << c.a.ph << "," << c.a.pw << " ceil " << c.a.ceil);
    for (int variant = 0; variant < 3; ++variant) {
      // Three values only (ties everywhere), all equal (one tie per window),
      // and then some NaNs among the ties.
      Tensor x = Tensor::zeros(c.x);
      for (float &v : x.data) {
        uint64_t r = test::splitmix(seed);
        v = variant == 1 ? -1.f : (float)(r % 3) - 1.f;
        if (variant == 2 && r % 7 == 0) v = NAN;
      }
      int64_t Ho = ref::poolOutputSize(c.x[2], c.a.kh, c.a.sh, c.a.ph, c.a.ceil);
      int64_t Wo = ref::poolOutputSize(c.x[3], c.a.kw, c.a.sw, c.a.pw, c.a.ceil);
      Shape ys = {c.x[0], c.x[1], Ho, Wo};
      Tensor dy = Tensor::zeros(ys);
      for (size_t i = 0; i < dy.data.size(); ++i) dy.data[i] = (float)(i + 1); // every route visible
      cpu::PoolAttrs a{c.a.kh, c.a.kw, c.a.sh, c.a.sw, c.a.ph, c.a.pw};

      std::vector<std::vector<float>> fwd = {x.data, std::vector<float>(numel(ys), 7.f)};
      ASSERT_TRUE(runKernel({c.x, ys}, fwd, [&](mlir::OpBuilder &b, mlir::Location l, mlir::ValueRange v) {
        cpu::buildMaxPool(b, l, v[0], v[1], a);
      }));
      expectSame(ref::maxPool(x, c.a), fwd[1], "max_pool, variant " + std::to_string(variant));

      std::vector<std::vector<float>> bwd = {x.data, dy.data, std::vector<float>(numel(c.x), 7.f)};
      ASSERT_TRUE(runKernel({c.x, ys, c.x}, bwd, [&](mlir::OpBuilder &b, mlir::Location l, mlir::ValueRange v) {
        cpu::buildMaxPoolBackward(b, l, v[0], v[1], v[2], a);
      }));
      expectSame(ref::maxPoolBackward(x, dy, c.a), bwd[2], "max_pool_backward, variant " + std::to_string(variant));

      // The same with each tensor NCHW or channel-blocked, [N, C/8, H, W, 8]
      // (padded lanes zero), in every combination: x, then y (forward) or dy
      // and dx (backward), bit i set = blocked.
      test::BlockedLayout xl{c.x[0], c.x[1], c.x[2], c.x[3], 8}, yl{ys[0], ys[1], ys[2], ys[3], 8};
      Shape xb = {c.x[0], xl.blocks(), c.x[2], c.x[3], 8}, yb = {ys[0], yl.blocks(), ys[2], ys[3], 8};
      Tensor wantY = ref::maxPool(x, c.a), wantDx = ref::maxPoolBackward(x, dy, c.a);
      for (int layouts = 1; layouts < 8; ++layouts) {
        bool bx = layouts & 1, by = layouts & 2, bdx = layouts & 4;
        std::string what = " (x " + std::string(bx ? "blocked" : "NCHW") + ", y/dy " + (by ? "blocked" : "NCHW") +
                           ", dx " + (bdx ? "blocked" : "NCHW") + "), variant " + std::to_string(variant);
        std::vector<float> xin = bx ? xl.toBlocked(x.data) : x.data, dyin = by ? yl.toBlocked(dy.data) : dy.data;
        if (layouts < 4) {
          std::vector<std::vector<float>> fwdb = {xin, std::vector<float>(by ? yl.size() : numel(ys), 7.f)};
          ASSERT_TRUE(runKernel({bx ? xb : c.x, by ? yb : ys}, fwdb,
                                [&](mlir::OpBuilder &b, mlir::Location l, mlir::ValueRange v) { cpu::buildMaxPool(b, l, v[0], v[1], a); }));
          if (by) EXPECT_EQ(yl.nonZeroPadding(fwdb[1]), 0) << what;
          expectSame(wantY, by ? yl.toPlain(fwdb[1]) : fwdb[1], "max_pool" + what);
        }
        std::vector<std::vector<float>> bwdb = {xin, dyin, std::vector<float>(bdx ? xl.size() : numel(c.x), 7.f)};
        ASSERT_TRUE(runKernel({bx ? xb : c.x, by ? yb : ys, bdx ? xb : c.x}, bwdb,
                              [&](mlir::OpBuilder &b, mlir::Location l, mlir::ValueRange v) {
          cpu::buildMaxPoolBackward(b, l, v[0], v[1], v[2], a);
        }));
        if (bdx) EXPECT_EQ(xl.nonZeroPadding(bwdb[2]), 0) << what;
        expectSame(wantDx, bdx ? xl.toPlain(bwdb[2]) : bwdb[2], "max_pool_backward" + what);
      }
    }
  }
}

TEST(GeneratedKernels, DenseForwardAndBackward) {
  struct Case {
    int64_t n, k, o;
    bool bias;
  };
  uint64_t seed = 3;
  for (Case c : {Case{4, 7, 5, true}, Case{3, 1, 2, false}, Case{1, 33, 1, true}, Case{5, 64, 17, false}}) {
    SCOPED_TRACE(::testing::Message() << "N " << c.n << " K " << c.k << " O " << c.o << (c.bias ? " bias" : ""));
    Shape xs = {c.n, c.k}, ws = {c.o, c.k}, bs = {c.o}, ys = {c.n, c.o};
    Tensor x = random(xs, seed), w = random(ws, seed), bias = random(bs, seed), dy = random(ys, seed);

    std::vector<std::vector<float>> fwd = {x.data, w.data, bias.data, std::vector<float>(numel(ys), 7.f)};
    ASSERT_TRUE(runKernel({xs, ws, bs, ys}, fwd, [&](mlir::OpBuilder &b, mlir::Location l, mlir::ValueRange v) {
      cpu::buildDense(b, l, v[0], v[1], c.bias ? v[2] : MValue(), v[3]);
    }));
    expectClose(ref::dense(x, w, c.bias ? &bias : nullptr), fwd[3], "dense");

    std::vector<std::vector<float>> data = {dy.data, w.data, std::vector<float>(numel(xs), 7.f)};
    ASSERT_TRUE(runKernel({ys, ws, xs}, data, [&](mlir::OpBuilder &b, mlir::Location l, mlir::ValueRange v) {
      cpu::buildDenseBackwardData(b, l, v[0], v[1], v[2]);
    }));
    expectClose(ref::denseBackwardData(dy, w), data[2], "dense_backward_data");

    std::vector<std::vector<float>> weights = {x.data, dy.data, std::vector<float>(numel(ws), 7.f),
                                               std::vector<float>(c.o, 7.f)};
    ASSERT_TRUE(runKernel({xs, ys, ws, bs}, weights, [&](mlir::OpBuilder &b, mlir::Location l, mlir::ValueRange v) {
      cpu::buildDenseBackwardWeights(b, l, v[0], v[1], v[2], c.bias ? v[3] : MValue());
    }));
    expectClose(ref::denseBackwardWeights(x, dy), weights[2], "dense_backward_weights");
    if (c.bias) expectClose(ref::biasBackward(dy), weights[3], "bias gradient");
  }
}

} // namespace
