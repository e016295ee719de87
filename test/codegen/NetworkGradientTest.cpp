// Whole-network gradient checks: the train_step that nn-autodiff builds,
// interpreted by the reference evaluator in double, against central
// differences of the same train_step's loss, for every element of every
// trainable parameter and of the input image.
//
// The per-op gradient tests (test/reference/GradientTest.cpp) check each
// backward kernel alone; LoweringTest checks small networks. These check that
// the VJPs compose across a reused block (inception modules: one input
// feeding four branches whose gradients are summed, concat, batch_norm with
// batch statistics, max and average pooling) and across an AlexNet-like
// stack (lrn, grouped convolution, ceil max pooling, dropout).
//
// Dropout: in train_step the evaluator draws its mask from the runtime's
// counter-based generator with seed 0 and step 0 (ir/Evaluator.cpp), the same
// mask on every evaluation, so the loss is a smooth function of the
// parameters with that mask fixed and finite differences apply.
//
// The input gradient: nn-autodiff returns a gradient for every argument
// tagged nn.param that is not frozen. The tests tag the image argument with a
// made-up nn.parameter (@"input.<name>") after batch specialization, so
// train_step returns its gradient too.
#include "frontend/Frontend.h"
#include "frontend/emit/DiagnosticBridge.h"
#include "frontend/emit/Emitter.h"
#include "ir/Evaluator.h"
#include "ir/NNOps.h"
#include "passes/Passes.h"
#include "test/codegen/CodegenTestUtil.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Pass/PassManager.h"

#include <cmath>
#include <functional>
#include <gtest/gtest.h>
#include <limits>
#include <map>

using namespace nnc;

namespace {

using test::splitmix;
using test::uniform;
using DTensor = ref::Tensor<double>;

constexpr double kEps = 1e-6;  // central-difference step
constexpr double kRtol = 1e-5; // relative tolerance
constexpr double kAtol = 1e-8; // absolute floor (rounding of the loss / 2 eps)

struct Network {
  std::unique_ptr<mlir::MLIRContext> ctx;
  std::unique_ptr<Frontend> fe;
  Program program;
  mlir::OwningOpRef<mlir::ModuleOp> module; // batch specialized, then differentiated
  mlir::func::FuncOp train, forward;
};

/// Checks and emits `source`, specializes the batch, tags the input
/// `gradInput` (if not empty) as a parameter and runs nn-autodiff.
Network build(const std::string &source, int64_t batch, const std::string &gradInput) {
  Network n;
  unsigned errors = test::checkSource(source, n.fe, n.program, n.ctx);
  EXPECT_EQ(errors, 0u) << source;
  if (errors) return n;
  DiagnosticBridge bridge(*n.ctx, n.fe->diags());
  n.module = emitModule(*n.ctx, n.program.networks.at(0), n.program.solver, n.fe->diags());
  if (!n.module) {
    ADD_FAILURE() << "emission failed";
    return n;
  }
  {
    mlir::PassManager pm(n.ctx.get());
    pm.addPass(createNNSpecializeBatch(NNSpecializeBatchOptions{batch}));
    if (mlir::failed(pm.run(*n.module))) {
      ADD_FAILURE() << "nn-specialize-batch failed";
      n.module = nullptr;
      return n;
    }
  }
  auto forward = n.module->lookupSymbol<mlir::func::FuncOp>("forward");
  if (!gradInput.empty()) {
    bool found = false;
    for (unsigned i = 0; i < forward.getNumArguments(); ++i) {
      auto in = forward.getArgAttrOfType<mlir::StringAttr>(i, "nn.input");
      if (!in || in.getValue() != gradInput) continue;
      mlir::OpBuilder b(n.ctx.get());
      b.setInsertionPointToStart(n.module->getBody());
      std::string name = "input." + gradInput;
      b.create<nn::ParameterOp>(forward.getLoc(), b.getStringAttr(name),
                                mlir::TypeAttr::get(forward.getArgument(i).getType()),
                                b.getStringAttr("constant(value=0)"), b.getF64FloatAttr(1.0),
                                b.getF64FloatAttr(1.0), nullptr);
      forward.setArgAttr(i, "nn.param", mlir::FlatSymbolRefAttr::get(b.getStringAttr(name)));
      found = true;
    }
    EXPECT_TRUE(found) << "no input " << gradInput;
  }
  mlir::PassManager pm(n.ctx.get());
  pm.addPass(createNNAutoDiff());
  if (mlir::failed(pm.run(*n.module))) {
    ADD_FAILURE() << "nn-autodiff failed";
    n.module = nullptr;
    return n;
  }
  n.train = n.module->lookupSymbol<mlir::func::FuncOp>("train_step");
  n.forward = n.module->lookupSymbol<mlir::func::FuncOp>("forward");
  EXPECT_TRUE(n.train && n.forward);
  return n;
}

/// One argument per train_step argument: uniform inputs, labels in
/// [0, classes), weights of about 1/sqrt(fan_in), batch_norm scales near 1,
/// running statistics at their initial values (unused in training).
std::vector<DTensor> makeArgs(mlir::func::FuncOp f, mlir::ModuleOp module, int64_t classes, uint64_t seed) {
  std::vector<DTensor> args;
  for (unsigned i = 0; i < f.getNumArguments(); ++i) {
    auto type = mlir::cast<mlir::RankedTensorType>(f.getArgument(i).getType());
    DTensor t = DTensor::zeros({type.getShape().begin(), type.getShape().end()});
    auto param = f.getArgAttrOfType<mlir::FlatSymbolRefAttr>(i, "nn.param");
    nn::ParameterOp p = param ? module.lookupSymbol<nn::ParameterOp>(param.getAttr()) : nn::ParameterOp();
    std::string name = param ? param.getValue().str() : "";
    auto endsWith = [&](const std::string &s) {
      return name.size() >= s.size() && name.compare(name.size() - s.size(), s.size(), s) == 0;
    };
    if (!param || name.rfind("input.", 0) == 0) {
      bool isLabel = mlir::isa<mlir::IntegerType>(type.getElementType());
      for (double &v : t.data) v = isLabel ? (double)(splitmix(seed) % classes) : uniform(seed);
    } else if (p && p.getFrozen()) {
      for (double &v : t.data) v = endsWith(".running_var") ? 1.0 : 0.0;
    } else if (t.rank() == 1 && endsWith(".weight")) { // batch_norm's scale
      for (double &v : t.data) v = 1 + 0.5 * uniform(seed);
    } else {
      double scale = 1 / std::sqrt((double)t.data.size() / (double)t.shape[0] + 1);
      for (double &v : t.data) v = scale * uniform(seed);
    }
    args.push_back(std::move(t));
  }
  return args;
}

/// The loss of `f` on `args`: evaluation stops at the op that computes it.
double lossOf(mlir::func::FuncOp f, const std::vector<DTensor> &args) {
  int64_t lossIndex = mlir::cast<mlir::IntegerAttr>(f->getAttr("nn.loss")).getInt();
  auto ret = mlir::cast<mlir::func::ReturnOp>(f.getBody().front().getTerminator());
  mlir::Operation *lossOp = ret.getOperand(lossIndex).getDefiningOp();
  double loss = std::numeric_limits<double>::quiet_NaN();
  std::vector<DTensor> out;
  std::string error;
  EXPECT_TRUE(evaluate<double>(f, args, out, error, [&](mlir::Operation *op, const DTensor &t) {
    if (op != lossOp) return true;
    loss = t.item();
    return false;
  })) << error;
  return loss;
}

struct Options {
  int64_t batch = 2, classes = 4;
  std::string gradInput; // an input whose gradient is checked too
  uint64_t seed = 1;
  /// Parameters whose gradient may be exactly zero (it must still match the
  /// central differences); every other one must have a nonzero gradient.
  std::function<bool(const std::string &)> mayBeZero = [](const std::string &) { return false; };
};

struct Summary {
  size_t checked = 0, params = 0, zero = 0;
  bool input = false; // the input's gradient was checked
  double worst = 0; // largest |g - fd| / bound
};

/// Evaluates train_step once, then compares each gradient it returns with
/// central differences of its loss.
Summary checkNetwork(const std::string &body, const Options &o, Network *out = nullptr) {
  Summary s;
  std::string source = "nn 1\n" + body + "\nsolver {\n  method = sgd()\n  lr = 0.1\n}\n";
  Network n = build(source, o.batch, o.gradInput);
  if (!n.module) return s;
  std::vector<DTensor> args = makeArgs(n.train, *n.module, o.classes, o.seed);

  std::vector<DTensor> results;
  std::string error;
  EXPECT_TRUE(evaluate<double>(n.train, args, results, error)) << error;
  auto gradOf = n.train->getAttrOfType<mlir::ArrayAttr>("nn.grad_of");
  EXPECT_TRUE(gradOf);
  if (!gradOf || results.size() < gradOf.size()) return s;
  size_t outputs = results.size() - gradOf.size();
  int64_t lossIndex = mlir::cast<mlir::IntegerAttr>(n.train->getAttr("nn.loss")).getInt();
  double loss = lossOf(n.train, args);
  EXPECT_EQ(loss, results[lossIndex].item()) << "the loss stopped early differs from train_step's";
  EXPECT_TRUE(std::isfinite(loss));

  // Argument index of each gradient's parameter.
  std::map<std::string, unsigned> argOf;
  for (unsigned i = 0; i < n.train.getNumArguments(); ++i)
    if (auto p = n.train.getArgAttrOfType<mlir::FlatSymbolRefAttr>(i, "nn.param")) argOf[p.getValue().str()] = i;

  for (auto [k, sym] : llvm::enumerate(gradOf)) {
    std::string name = mlir::cast<mlir::FlatSymbolRefAttr>(sym).getValue().str();
    SCOPED_TRACE("gradient of " + name);
    if (!argOf.count(name)) {
      ADD_FAILURE() << "no argument for " << name;
      continue;
    }
    unsigned a = argOf[name];
    const DTensor &g = results[outputs + k];
    EXPECT_EQ(g.shape, args[a].shape);
    if (g.data.size() != args[a].data.size()) continue;
    double maxAbs = 0;
    for (double v : g.data) maxAbs = std::max(maxAbs, std::abs(v));
    // Not a vacuous check: the gradients are not zero, except where the
    // network's structure makes them so.
    if (!o.mayBeZero(name)) EXPECT_GT(maxAbs, 1e-6) << name << " has an all-zero gradient";
    else s.zero += maxAbs < 1e-12;
    bool isInput = name.rfind("input.", 0) == 0;
    int bad = 0;
    for (size_t i = 0; i < g.data.size(); ++i) {
      double &w = args[a].data[i], w0 = w;
      w = w0 + kEps;
      double up = lossOf(n.train, args);
      w = w0 - kEps;
      double down = lossOf(n.train, args);
      w = w0;
      double fd = (up - down) / (2 * kEps);
      // Relative to the larger of the two, floored at a thousandth of the
      // tensor's largest gradient (tiny elements lose relative digits to
      // the rounding of the loss), plus an absolute floor.
      double bound = kRtol * std::max({std::abs(g.data[i]), std::abs(fd), 1e-3 * maxAbs}) + kAtol;
      double err = std::abs(g.data[i] - fd);
      s.worst = std::max(s.worst, err / bound);
      ++s.checked;
      if (!(err <= bound) && ++bad <= 5)
        ADD_FAILURE() << name << "[" << i << "]: train_step " << g.data[i] << ", central difference " << fd
                      << " (error " << err << ", bound " << bound << ")";
    }
    EXPECT_EQ(bad, 0) << name << ": " << bad << " elements differ";
    if (isInput) s.input = true;
    else ++s.params;
  }
  if (out) *out = std::move(n);
  return s;
}

// An inception block built for the test: 1x1, 3x3 and 5x5 branches (the
// latter two after 1x1 reductions) and a max-pool projection, each
// convolution followed by batch_norm (batch statistics in train_step) and
// relu, concatenated on channels. Convolutions before batch_norm have no
// bias (its gradient would be zero: the mean absorbs it).
const char *kInception = R"(
block conv_bn(x, out: int, kernel: int, pad: int = 0) {
  return conv2d(x, out, kernel, pad=pad, bias=false) | batch_norm | relu
}

block inception(x, c1: int, c3r: int, c3: int, c5r: int, c5: int, pp: int) {
  b1 = conv_bn(x, c1, 1)
  b3 = conv_bn(x, c3r, 1) | conv_bn(c3, 3, pad=1)
  b5 = conv_bn(x, c5r, 1) | conv_bn(c5, 5, pad=2)
  proj = max_pool(x, kernel=3, stride=1, pad=1) | conv_bn(pp, 1)
  return concat(b1, b3, b5, proj, axis=1)
}

network inception_net {
  input image: f32[N, 3, 8, 8]
  input label: i32[N]
  stem = conv2d(image, 4, 3, pad=1) | relu
  i1 = inception(stem, 2, 2, 3, 1, 2, 2)
  p1 = max_pool(i1, kernel=3, stride=2, ceil=true)
  i2 = inception(p1, 3, 2, 3, 2, 2, 2)
  gap = avg_pool(i2, kernel=4)
  logits = dense(flatten(gap), 4)
  output loss = softmax_cross_entropy(logits, label)
  output accuracy = accuracy(logits, label)
})";

TEST(NetworkGradient, TwoInceptionBlocks) {
  Options o;
  o.gradInput = "image";
  // The bias of the last batch_norm of each branch of the first block: its
  // shift passes relu unchanged wherever relu passes at all, max_pool keeps
  // it, and every path then meets a 1x1 convolution (a per-channel constant
  // shift) followed by batch_norm, which subtracts it again. Its gradient
  // is the part of dL/dy under relu's zeros that reaches it, and is zero
  // whenever each pooling window holds a positive value, as here.
  o.mayBeZero = [](const std::string &name) {
    auto ends = [&](const char *s) {
      std::string t = s;
      return name.size() >= t.size() && name.compare(name.size() - t.size(), t.size(), t) == 0;
    };
    return name.rfind("i1.", 0) == 0 && ends("batch_norm0.bias") && name.find("conv_bn0") == std::string::npos;
  };
  Network n;
  Summary s = checkNetwork(kInception, o, &n);
  ASSERT_TRUE(n.module);
  // stem weight and bias; per block six convolutions (weight) and six
  // batch_norms (weight, bias); the dense weight and bias.
  EXPECT_EQ(s.params, 2u + 2 * (6 + 6 * 2) + 2);
  EXPECT_GT(s.checked, 0u);
  EXPECT_TRUE(s.input) << "no gradient of the image";
  // The two blocks are separate instances: their concat has 9 and 10 channels.
  int concats = 0;
  n.train.walk([&](nn::ConcatOp c) {
    auto t = mlir::cast<mlir::RankedTensorType>(c.getResult().getType());
    EXPECT_EQ(c.getInputs().size(), 4u);
    EXPECT_EQ(t.getDimSize(1), concats++ == 0 ? 9 : 10);
  });
  EXPECT_EQ(concats, 2);
  EXPECT_LE(s.zero, 4u);
  std::printf("[ inception ] %zu parameters (%zu with a zero gradient), %zu elements checked, worst error %.3g "
              "of the bound\n",
              s.params, s.zero, s.checked, s.worst);
}

// A small AlexNet: lrn with a large alpha (so the normalization matters),
// ceil max pooling that adds a window (6 -> 3, floor 2), grouped
// convolutions, and dropout on the fully connected layers.
const char *kAlexNet = R"(
network alexnet_small {
  input image: f32[N, 3, 15, 15]
  input label: i32[N]
  c1 = conv2d(image, 6, 5, stride=2) | relu
  n1 = lrn(c1, size=5, alpha=0.5, beta=0.75, k=2.0)
  p1 = max_pool(n1, kernel=3, stride=2, ceil=true)
  c2 = conv2d(p1, 8, 3, pad=1, groups=2) | relu
  n2 = lrn(c2, size=3, alpha=0.3, beta=0.75, k=1.5)
  c3 = conv2d(n2, 4, 3, pad=1, groups=2) | relu
  p2 = max_pool(c3, kernel=2, stride=1)
  f1 = dense(flatten(p2), 12) | relu | dropout(rate=0.5)
  f2 = dense(f1, 10) | relu | dropout(rate=0.25)
  logits = dense(f2, 4)
  output loss = softmax_cross_entropy(logits, label)
  output accuracy = accuracy(logits, label)
})";

TEST(NetworkGradient, SmallAlexNetWithDropout) {
  Options o;
  o.gradInput = "image";
  o.seed = 3;
  Network n;
  Summary s = checkNetwork(kAlexNet, o, &n);
  ASSERT_TRUE(n.module);
  EXPECT_EQ(s.params, 12u); // three convolutions and three dense layers, weight and bias
  EXPECT_GT(s.checked, 0u);
  EXPECT_TRUE(s.input) << "no gradient of the image";

  // Shapes: the ceil pool adds a window; the groups are there.
  bool ceilPool = false;
  n.train.walk([&](nn::MaxPoolOp p) {
    auto in = mlir::cast<mlir::RankedTensorType>(p.getInput().getType());
    auto out = mlir::cast<mlir::RankedTensorType>(p.getResult().getType());
    if (p.getCeil()) {
      ceilPool = true;
      EXPECT_EQ(in.getDimSize(2), 6);
      EXPECT_EQ(out.getDimSize(2), 3);
    }
  });
  EXPECT_TRUE(ceilPool);
  int grouped = 0;
  n.train.walk([&](nn::Conv2dOp c) { grouped += c.getGroups() == 2; });
  EXPECT_EQ(grouped, 2);

  // The dropout masks really drop (and keep), and are the same on every
  // evaluation: the finite differences above rely on it.
  std::vector<DTensor> args = makeArgs(n.train, *n.module, o.classes, o.seed);
  auto masks = [&]() {
    std::vector<std::vector<double>> m;
    std::vector<DTensor> out;
    std::string error;
    EXPECT_TRUE(evaluate<double>(n.train, args, out, error, [&](mlir::Operation *op, const DTensor &t) {
      auto d = mlir::dyn_cast<nn::DropoutOp>(op);
      // Called once per result, in order: the second is the mask.
      if (d && !m.empty() && m.back().empty()) m.back() = t.data;
      else if (d) m.emplace_back();
      return true;
    })) << error;
    return m;
  };
  std::vector<std::vector<double>> first = masks(), second = masks();
  ASSERT_EQ(first.size(), 2u);
  EXPECT_EQ(first, second);
  for (const std::vector<double> &m : first) {
    size_t kept = 0;
    for (double v : m) {
      EXPECT_TRUE(v == 0 || v == 1);
      kept += v == 1;
    }
    EXPECT_GT(kept, 0u);
    EXPECT_LT(kept, m.size());
  }
  // And training differs from evaluation (@forward: dropout the identity).
  EXPECT_GT(std::abs(lossOf(n.train, args) - lossOf(n.forward, args)), 1e-6);
  std::printf("[ alexnet ] %zu parameters, %zu elements checked, worst error %.3g of the bound\n", s.params,
              s.checked, s.worst);
}

} // namespace
