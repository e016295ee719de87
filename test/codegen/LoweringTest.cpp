// Every op of the CPU slice, forward and backward, through the whole
// compiler (emission, autodiff, SGD, lowering, JIT, runtime) against the
// reference evaluator interpreting the same nn functions in double.
//
// Gradients are read back from the SGD update: with lr 1, no momentum and
// no decay, w' = w - g.
//
// Every network runs twice (SPEC 14): with --granularity=coarse (conv2d,
// max_pool, dense, lrn, the activations, softmax and batch_norm as oneDNN
// calls, activations kept in the host's channel-blocked layout between them
// where they can) and fine (generated loops, no library call left in the
// module).
#include "codegen/Compiler.h"
#include "codegen/Jit.h"
#include "frontend/Frontend.h"
#include "frontend/emit/DiagnosticBridge.h"
#include "frontend/emit/Emitter.h"
#include "ir/Evaluator.h"
#include "passes/Passes.h"
#include "runtime/Runtime.h"
#include "test/codegen/CodegenTestUtil.h"
#include "tools/RegisterNNC.h"

#include "mlir/IR/MLIRContext.h"
#include "mlir/Pass/PassManager.h"

#include <cctype>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <set>
#include <gtest/gtest.h>
#include <unistd.h>

using namespace nnc;

namespace {

using test::splitmix;
using test::uniform;

/// Whether the network's source applies op `name` (`name(` or `| name`,
/// not as the end of a longer name such as leaky_relu).
bool mentions(const std::string &source, const std::string &name) {
  auto word = [](char ch) { return std::isalnum((unsigned char)ch) || ch == '_'; };
  for (size_t at = source.find(name); at != std::string::npos; at = source.find(name, at + 1)) {
    size_t end = at + name.size();
    char before = at ? source[at - 1] : ' ', after = end < source.size() ? source[end] : ' ';
    if (word(before) || word(after)) continue;
    if (after == '(' || (at >= 2 && source.compare(at - 2, 2, "| ") == 0)) return true;
  }
  return false;
}

/// What a coarse compilation must contain beyond one forward call per
/// library op kind: these runtime functions, and these inits with a
/// nonzero `blocked` mask (the last argument).
struct Expect {
  std::vector<std::string> calls, blocked;
};

struct Compiled {
  std::unique_ptr<mlir::MLIRContext> ctx;
  std::unique_ptr<Frontend> fe;
  Program program;
  mlir::OwningOpRef<mlir::ModuleOp> reference; // after autodiff, batch specialized
  std::unique_ptr<JitModel> jit;
};

Compiled compile(const std::string &source, int64_t batch, const std::string &granularity,
                 const Expect &expect = {}) {
  Compiled c;
  unsigned errors = test::checkSource(source, c.fe, c.program, c.ctx);
  EXPECT_EQ(errors, 0u);
  if (errors) return c;
  DiagnosticBridge bridge(*c.ctx, c.fe->diags());
  const Graph &g = c.program.networks.at(0);
  c.reference = emitModule(*c.ctx, g, c.program.solver, c.fe->diags());
  if (!c.reference) {
    ADD_FAILURE() << "emission failed";
    return c;
  }
  mlir::PassManager pm(c.ctx.get());
  pm.addPass(createNNAutoDiff());
  pm.addPass(createNNSpecializeBatch(NNSpecializeBatchOptions{batch}));
  EXPECT_TRUE(mlir::succeeded(pm.run(*c.reference)));
  auto lowered = emitModule(*c.ctx, g, c.program.solver, c.fe->diags());
  PipelineOptions po;
  po.batch = batch;
  po.granularity = granularity;
  EXPECT_TRUE(mlir::succeeded(runPipeline(*lowered, po)));
  // The path asked for, where no attribute says otherwise: no library call
  // at all (fine), or one for each library op kind in the network (coarse).
  std::set<std::string> calls, blocked;
  lowered->walk([&](mlir::LLVM::LLVMFuncOp f) {
    if (f.getName().starts_with("nnc_cpu_")) calls.insert(f.getName().str());
  });
  lowered->walk([&](mlir::LLVM::CallOp call) {
    auto callee = call.getCallee();
    if (!callee || !callee->ends_with("_init") || callee->starts_with("nnc_cpu_dense") ||
        callee->starts_with("nnc_cpu_softmax"))
      return;
    auto mask = call.getArgOperands().back().getDefiningOp<mlir::LLVM::ConstantOp>();
    auto value = mask ? mlir::dyn_cast<mlir::IntegerAttr>(mask.getValue()) : nullptr;
    if (value && value.getInt() != 0) blocked.insert(callee->str());
  });
  if (source.find("@coarse") != std::string::npos || source.find("@fine") != std::string::npos) {
  } else if (granularity == "fine") {
    EXPECT_TRUE(calls.empty()) << "a library call is left: " << *calls.begin();
  } else {
    std::pair<const char *, const char *> kinds[] = {
        {"conv2d", "conv2d_fwd"}, {"max_pool", "max_pool_fwd"}, {"dense", "dense_fwd"},
        {"lrn", "lrn_fwd"}, {"softmax", "softmax_fwd"}, {"batch_norm", "batch_norm_fwd_training"},
        // A relu fused into its conv2d keeps a site (for its backward ops) but no forward call.
        {"batch_norm", "batch_norm_fwd_inference"}, {"relu", "eltwise_init"}, {"leaky_relu", "eltwise_fwd"},
        {"sigmoid", "eltwise_fwd"}, {"tanh", "eltwise_fwd"}, {"gelu", "eltwise_fwd"}};
    for (auto [op, fn] : kinds)
      if (mentions(source, op))
        EXPECT_TRUE(calls.count(std::string("nnc_cpu_") + fn)) << op << " is not a library call (" << fn << ")";
    for (const std::string &fn : expect.calls)
      EXPECT_TRUE(calls.count("nnc_cpu_" + fn)) << "no call of nnc_cpu_" << fn;
    for (const std::string &fn : expect.blocked)
      EXPECT_TRUE(blocked.count("nnc_cpu_" + fn)) << "no nnc_cpu_" << fn << " with blocked tensors";
  }
  std::string error;
  c.jit = JitModel::create(*lowered, error);
  EXPECT_TRUE(c.jit) << error;
  return c;
}

void expectNear(const ref::Tensor<double> &want, const float *got, const std::string &what) {
  // Relative error, with elements far below the tensor's largest counted
  // against 1% of it: float sums of many terms lose the smallest digits.
  double maxAbs = 0;
  for (double v : want.data) maxAbs = std::max(maxAbs, std::abs(v));
  double worst = 0;
  size_t at = 0;
  for (size_t i = 0; i < want.data.size(); ++i) {
    double err = std::abs(want.data[i] - got[i]) / std::max({std::abs(want.data[i]), 1e-2 * maxAbs, 1e-12});
    if (err > worst) worst = err, at = i;
  }
  EXPECT_LT(worst, 2e-3) << what << ": element " << at << " is " << got[at] << ", reference "
                         << want.data[at];
}

/// Checks the reference gradients (the VJPs, evaluated in double) against
/// central differences of `forward`'s loss; gradient k belongs to argument
/// paramArgs[k].
void expectFiniteDifferences(mlir::func::FuncOp forward, std::vector<ref::Tensor<double>> args,
                             const std::vector<size_t> &paramArgs, const std::vector<ref::Tensor<double>> &grads) {
  int64_t lossIndex = mlir::cast<mlir::IntegerAttr>(forward->getAttr("nn.loss")).getInt();
  auto loss = [&]() {
    std::vector<ref::Tensor<double>> out;
    std::string error;
    EXPECT_TRUE(evaluate(forward, args, out, error)) << error;
    return out.empty() ? 0.0 : out[lossIndex].item();
  };
  const double h = 1e-5;
  for (size_t k = 0; k < grads.size(); ++k) {
    double maxAbs = 0;
    for (double g : grads[k].data) maxAbs = std::max(maxAbs, std::abs(g));
    for (size_t i = 0; i < grads[k].data.size(); ++i) {
      double &w = args[paramArgs[k]].data[i], w0 = w;
      w = w0 + h;
      double up = loss();
      w = w0 - h;
      double down = loss();
      w = w0;
      EXPECT_NEAR(grads[k].data[i], (up - down) / (2 * h), 1e-6 + 1e-4 * maxAbs)
          << "parameter " << k << ", element " << i;
    }
  }
}

/// What one checked training step saw: the state arena before and after it,
/// its manifest and the evaluator's arguments (inputs, then parameters).
struct StepRecord {
  std::vector<char> before, after;
  std::vector<ManifestEntry> manifest;
  std::vector<ref::Tensor<double>> args;
  const float *at(const std::vector<char> &state, const std::string &name) const {
    for (const ManifestEntry &e : manifest)
      if (e.name == name) return (const float *)(state.data() + e.offset);
    ADD_FAILURE() << "no state entry " << name;
    static float none[1024] = {};
    return none;
  }
};

/// Runs one train_step and compares the outputs and every gradient; with
/// `finiteDifferences`, checks the reference gradients themselves too. Then
/// runs eval_step on the state before the step against @forward.
void checkNetworkWith(const std::string &granularity, const std::string &body, int64_t batch, int64_t classes,
                      bool finiteDifferences, StepRecord *record, const Expect &expect) {
  std::string source = "nn 1\nnetwork t {\n" + body +
                       "\n}\nsolver {\n  method = sgd()\n  lr = 1\n}\n";
  Compiled c = compile(source, batch, granularity, expect);
  ASSERT_TRUE(c.reference && c.jit);
  const Graph &g = c.program.networks.at(0);
  auto train = c.reference->lookupSymbol<mlir::func::FuncOp>("train_step");
  ASSERT_TRUE(train);

  // Random inputs, labels and parameters, the same for both sides.
  uint64_t seed = 11;
  std::vector<ref::Tensor<double>> args;
  std::vector<std::vector<float>> inputs;
  for (auto [name, id] : g.inputs) {
    ref::Tensor<double> t;
    for (const shapes::Dim &d : g.nodes[id].type.dims) t.shape.push_back(d.isKnown() ? d.value : batch);
    int64_t n = 1;
    for (int64_t d : t.shape) n *= d;
    bool isLabel = shapes::isInteger(g.nodes[id].type.dtype);
    for (int64_t i = 0; i < n; ++i)
      t.data.push_back(isLabel ? (double)(splitmix(seed) % classes) : uniform(seed));
    inputs.emplace_back(t.data.begin(), t.data.end());
    args.push_back(t);
  }
  std::vector<char> state(c.jit->stateBytes + 64), workspace(c.jit->workspaceBytes + 64);
  std::vector<const ManifestEntry *> params; // the trainable ones
  std::vector<size_t> paramArgs;            // their arguments
  for (const ManifestEntry &e : c.jit->manifest) {
    // Parameters and running statistics are arguments, in declaration order.
    if (e.kind != "param" && e.kind != "running") continue;
    bool runningVar = e.kind == "running" && e.name.size() >= 4 && e.name.substr(e.name.size() - 4) == "_var";
    if (e.kind == "param") {
      params.push_back(&e);
      paramArgs.push_back(args.size());
    }
    ref::Tensor<double> t;
    t.shape = e.shape;
    float *p = (float *)(state.data() + e.offset);
    double scale = 1 / std::sqrt((double)e.numel() / e.shape[0] + 1); // roughly 1/sqrt(fan_in)
    if (e.kind == "running") scale = 0.5;
    for (int64_t i = 0; i < e.numel(); ++i) {
      p[i] = (float)(scale * uniform(seed) + (runningVar ? 1.0 : 0.0)); // a variance stays positive
      t.data.push_back(p[i]);
    }
    args.push_back(t);
  }
  bool batchNorm = source.find("batch_norm(") != std::string::npos;
  std::vector<ref::Tensor<double>> want;
  std::string error;
  ASSERT_TRUE(evaluate(train, args, want, error)) << error;
  // Training batch_norm normalizes with the batch statistics, @forward with
  // the running ones: differentiate the training step's loss then.
  if (finiteDifferences)
    expectFiniteDifferences(batchNorm ? train : c.reference->lookupSymbol<mlir::func::FuncOp>("forward"), args,
                            paramArgs, {want.begin() + g.outputs.size(), want.end()});

  if (source.find("dropout(") != std::string::npos) {
    // Training must really drop: @forward (dropout the identity) gives another loss.
    std::vector<ref::Tensor<double>> eval;
    auto forward = c.reference->lookupSymbol<mlir::func::FuncOp>("forward");
    ASSERT_TRUE(evaluate(forward, args, eval, error)) << error;
    int64_t lossIndex = mlir::cast<mlir::IntegerAttr>(forward->getAttr("nn.loss")).getInt();
    EXPECT_GT(std::abs(eval[lossIndex].item() - want[lossIndex].item()), 1e-6);
  }

  std::vector<char> before = state;
  nnc_ctx *rt = nnc_ctx_create(1);
  void *ctx = rt;
  ASSERT_TRUE(c.jit->call("init", {&ctx}, error)) << error;
  std::vector<int32_t> labels(inputs[1].begin(), inputs[1].end());
  // hyper = [lr, step, seed low, seed high]: step 0 and seed 0, the dropout
  // masks the evaluator draws (runtime/Dropout.h).
  std::vector<float> metrics(g.outputs.size()), hyper = {1.0f, 0.0f, 0.0f, 0.0f};
  MemRefDescriptor s(state.data(), {c.jit->stateBytes}), w(workspace.data(), {c.jit->workspaceBytes}),
      x(inputs[0].data(), args[0].shape), l(labels.data(), {batch}), h(hyper.data(), {4}),
      m(metrics.data(), {(int64_t)metrics.size()});
  void *p[] = {s.get(), w.get(), x.get(), l.get(), h.get(), m.get()};
  ASSERT_TRUE(c.jit->call("train_step", {&ctx, &p[0], &p[1], &p[2], &p[3], &p[4], &p[5]}, error)) << error;
  ASSERT_EQ(nnc_ctx_error(rt), nullptr) << nnc_ctx_error(rt);

  // The evaluation step on the state before training, against @forward
  // (dropout the identity, batch_norm with the running statistics).
  {
    std::vector<char> evalState = before;
    std::vector<float> evalMetrics(std::max<size_t>(g.outputs.size(), c.jit->evalMetrics));
    MemRefDescriptor es(evalState.data(), {c.jit->stateBytes}), em(evalMetrics.data(), {(int64_t)evalMetrics.size()});
    void *q[] = {es.get(), w.get(), x.get(), l.get(), em.get()};
    ASSERT_TRUE(c.jit->call("eval_step", {&ctx, &q[0], &q[1], &q[2], &q[3], &q[4]}, error)) << error;
    ASSERT_EQ(nnc_ctx_error(rt), nullptr) << nnc_ctx_error(rt);
    std::vector<ref::Tensor<double>> eval;
    ASSERT_TRUE(evaluate(c.reference->lookupSymbol<mlir::func::FuncOp>("forward"), args, eval, error)) << error;
    for (size_t i = 0; i < g.outputs.size(); ++i)
      EXPECT_NEAR(evalMetrics[i], eval[i].item(), 1e-3 * (1 + std::abs(eval[i].item())))
          << "eval_step " << g.outputs[i].first;
    EXPECT_TRUE(evalState == before) << "eval_step changed the state";
  }
  nnc_ctx_destroy(rt);
  if (record) *record = {before, state, c.jit->manifest, args};

  for (size_t i = 0; i < g.outputs.size(); ++i)
    EXPECT_NEAR(metrics[i], want[i].item(), 1e-3 * (1 + std::abs(want[i].item()))) << g.outputs[i].first;
  for (size_t k = 0; k < params.size(); ++k) {
    const ManifestEntry &e = *params[k];
    std::vector<float> grad(e.numel());
    const float *b = (const float *)((const char *)before.data() + e.offset);
    const float *a = (const float *)(state.data() + e.offset);
    for (int64_t i = 0; i < e.numel(); ++i) grad[i] = b[i] - a[i];
    expectNear(want[g.outputs.size() + k], grad.data(), "gradient of " + e.name);
  }
}

/// Runs each test with the granularity its parameter names; the reference
/// gradients' finite differences (independent of it) only once.
class Lowering : public ::testing::TestWithParam<const char *> {
protected:
  void checkNetwork(const std::string &body, int64_t batch, int64_t classes, bool finiteDifferences = false,
                    StepRecord *record = nullptr, const Expect &expect = {}) {
    std::string granularity = GetParam();
    checkNetworkWith(granularity, body, batch, classes, finiteDifferences && granularity == "coarse", record,
                     expect);
  }
};

INSTANTIATE_TEST_SUITE_P(Granularity, Lowering, ::testing::Values("coarse", "fine"),
                         [](const ::testing::TestParamInfo<const char *> &info) { return std::string(info.param); });

TEST_P(Lowering, ConvPoolDenseReluFlatten) {
  checkNetwork(R"(  input x: f32[N, 3, 9, 9]
  input label: i32[N]
  c = conv2d(x, out=4, kernel=3, stride=2, pad=1)
  p = max_pool(relu(c), kernel=2, stride=2, ceil=true)
  f = dense(flatten(p), out=5)
  output loss = softmax_cross_entropy(f, label)
  output accuracy = accuracy(f, label))", 4, 5);
}

TEST_P(Lowering, GroupedDilatedConvWithoutBias) {
  checkNetwork(R"(  input x: f32[N, 4, 10, 10]
  input label: i32[N]
  c = conv2d(x, out=6, kernel=3, dilation=2, groups=2, bias=false)
  p = max_pool(c, kernel=3, stride=2, pad=1)
  output loss = softmax_cross_entropy(dense(flatten(p), out=3, bias=false), label))", 3, 3);
}

TEST_P(Lowering, ConvStridesPaddingDilationGroups) {
  // Rectangular kernels, strides, pads and dilations; three groups with a
  // bias; a stride beyond the kernel (input cells no window reads); a pad
  // beyond the kernel (output cells that read only padding: the bias).
  checkNetwork(R"(  input x: f32[N, 6, 8, 7]
  input label: i32[N]
  a = conv2d(x, out=9, kernel=[3, 2], stride=[2, 1], pad=[2, 1], dilation=[1, 2], groups=3)
  b = conv2d(x, out=4, kernel=2, stride=3, pad=1, groups=2, bias=false)
  c = conv2d(x, out=2, kernel=[1, 3], pad=[0, 2], dilation=[1, 3])
  d = conv2d(x, out=2, kernel=2, stride=2, pad=3)
  y = dense(flatten(a), out=4) + dense(flatten(b), out=4) + dense(flatten(c), out=4) + dense(flatten(d), out=4)
  output loss = softmax_cross_entropy(y, label))", 3, 4, true);
}

TEST_P(Lowering, MaxPoolCeilPaddingOverlapAndTies) {
  // Overlapping windows with padding and ceil rounding; a ceil window
  // clipped by the input; a dropped last window (ceil, W: 5 -> 2); a stride
  // beyond the kernel; ties (relu's zeros, the values a stride-1 pool
  // repeats), which go to the first maximum in scan order.
  checkNetwork(R"(  input x: f32[N, 3, 7, 6]
  input label: i32[N]
  c = conv2d(x, out=3, kernel=2)
  a = max_pool(c, kernel=3, stride=2, pad=1, ceil=true)
  b = max_pool(c, kernel=[2, 3], stride=[3, 1])
  e = max_pool(c, kernel=2, stride=2, ceil=true)
  f = max_pool(c, kernel=[2, 1], stride=[2, 3], ceil=true)
  t = max_pool(max_pool(relu(c), kernel=2, stride=1), kernel=3, stride=1, pad=1)
  y = dense(flatten(a), out=4) + dense(flatten(b), out=4) + dense(flatten(e), out=4) + dense(flatten(f), out=4)
  output loss = softmax_cross_entropy(y + dense(flatten(t), out=4), label))", 4, 4);
}

TEST_P(Lowering, CoarseAndFineStatementsInOneNetwork) {
  // @coarse and @fine statements beside ops the flag decides; two dense
  // layers on one input, one of each kind, and a generated pool after a
  // library convolution (and the reverse).
  checkNetwork(R"(  input x: f32[N, 2, 6, 6]
  input label: i32[N]
  @coarse c = conv2d(x, out=3, kernel=3, pad=1)
  @fine p = max_pool(c, kernel=2)
  @fine d = conv2d(x, out=3, kernel=3, pad=1)
  @coarse q = max_pool(d, kernel=2)
  h = flatten(p + q)
  @fine a = dense(h, out=4)
  @coarse b = dense(h, out=4)
  output loss = softmax_cross_entropy(a + b + dense(h, out=4), label))", 3, 4);
}

TEST_P(Lowering, ElementwiseScaleAddMul) {
  checkNetwork(R"(  input x: f32[N, 6]
  input label: i32[N]
  a = dense(x, out=4)
  b = dense(x, out=4)
  y = a * 0.5 + relu(b) * a + b
  output loss = softmax_cross_entropy(y, label)
  output top2 = accuracy(y, label, top_k=2))", 5, 4);
}

TEST_P(Lowering, Activations) {
  checkNetwork(R"(  input x: f32[N, 6]
  input label: i32[N]
  a = dense(x, out=4)
  b = dense(x, out=4)
  y = sigmoid(a * 3) * 2 + tanh(b * 3) * gelu(a * 3) - leaky_relu(b, slope=0.1) + gelu(b * -2)
  output loss = softmax_cross_entropy(y, label))", 5, 4, true);
}

TEST_P(Lowering, ActivationsAndSoftmaxOfRankThree) {
  // [N, 4, 9] after a reshape: the activations fold it to [n, c, 9, 1],
  // softmax to [outer, axis, inner] around the middle and the last axis.
  checkNetwork(R"(  input x: f32[N, 2, 5, 5]
  input label: i32[N]
  c = conv2d(x, out=4, kernel=3)
  r = reshape(c, [N, 4, -1])
  a = tanh(r) * gelu(r * 2) + sigmoid(r) - leaky_relu(r, slope=0.3) * relu(r * -1)
  s = softmax(a, axis=1) + softmax(a * 2, axis=2) * a
  output loss = softmax_cross_entropy(dense(flatten(s), out=4), label))", 3, 4, true, nullptr,
               {{"eltwise_bwd", "softmax_bwd"}, {}});
}

TEST_P(Lowering, SoftmaxAxes) {
  checkNetwork(R"(  input x: f32[N, 2, 5, 5]
  input label: i32[N]
  c = conv2d(x, out=3, kernel=3)
  f = dense(flatten(softmax(c, axis=1) + softmax(c * 2, axis=-1) * c), out=4)
  y = softmax(f * 3) * 3 + f
  output loss = softmax_cross_entropy(y, label))", 3, 4, true);
}

TEST_P(Lowering, BroadcastingSubDivAddMul) {
  // [N, 4] against [N, 1], each side broadcast in turn.
  checkNetwork(R"(  input x: f32[N, 6]
  input label: i32[N]
  a = dense(x, out=4)
  b = dense(x, out=4)
  s = dense(x, out=1)
  y = (a - s) / sigmoid(s * 2) + tanh(s) / sigmoid(b) - s * b + (s + a) - (s - b) / (s * s + sigmoid(b))
  output loss = softmax_cross_entropy(y, label))", 5, 4, true);
}

TEST_P(Lowering, BroadcastingScalar) {
  // A loss (f32[]) broadcast against [N, 4]: its gradient is summed to a scalar.
  checkNetwork(R"(  input x: f32[N, 6]
  input label: i32[N]
  a = dense(x, out=4)
  inner = softmax_cross_entropy(dense(x, out=4), label)
  y = a * inner + a - inner / sigmoid(a)
  output loss = softmax_cross_entropy(y, label)
  output inner_loss = inner)", 4, 4, true);
}

TEST_P(Lowering, LeNetShapes) {
  checkNetwork(R"(  input image: f32[N, 1, 28, 28]
  input label: i32[N]
  conv1 = conv2d(image, out=20, kernel=5)
  pool1 = max_pool(conv1, kernel=2, stride=2)
  conv2 = conv2d(pool1, out=50, kernel=5)
  pool2 = max_pool(conv2, kernel=2, stride=2)
  ip1 = relu(dense(flatten(pool2), out=500))
  ip2 = dense(ip1, out=10)
  output loss = softmax_cross_entropy(ip2, label)
  output accuracy = accuracy(ip2, label))", 16, 10);
}

TEST_P(Lowering, AvgPool) {
  // Padding counted in the divisor, a ceil window clipped at the padding, overlapping windows.
  checkNetwork(R"(  input x: f32[N, 2, 7, 7]
  input label: i32[N]
  c = conv2d(x, out=3, kernel=2)
  a = avg_pool(c, kernel=3, stride=2, pad=1, ceil=true)
  b = avg_pool(c * c, kernel=2)
  output loss = softmax_cross_entropy(dense(flatten(a), out=4) + dense(flatten(b), out=4), label))", 3, 4, true);
}

TEST_P(Lowering, Lrn) {
  // A large alpha so the normalization matters; size 3 and 5 (window wider than half the channels).
  checkNetwork(R"(  input x: f32[N, 3, 5, 5]
  input label: i32[N]
  c = conv2d(x, out=6, kernel=3)
  l = lrn(c, size=3, alpha=2.0, beta=0.75, k=1.5)
  m = lrn(c * 2, size=5, alpha=0.5, beta=0.6, k=1.0)
  output loss = softmax_cross_entropy(dense(flatten(l + m), out=4), label))", 3, 4, true);
}

TEST_P(Lowering, ConcatTransposeReshape) {
  checkNetwork(R"(  input x: f32[N, 2, 5, 5]
  input label: i32[N]
  a = conv2d(x, out=3, kernel=3)
  b = conv2d(x, out=2, kernel=3, pad=1)
  j = concat(a, relu(a), max_pool(b, kernel=3, stride=1), axis=1)
  t = transpose(j, perm=[0, 2, 3, 1])
  r = reshape(t, [N, -1])
  s = concat(dense(r, out=3), transpose(dense(r, out=2) * 2, perm=[0, 1]), axis=-1)
  output loss = softmax_cross_entropy(dense(s, out=4), label))", 3, 4, true);
}

TEST_P(Lowering, DropoutSharesTheEvaluatorsMask) {
  // The JIT's runtime and the evaluator draw the same mask (seed 0, step 0,
  // the op's stream; runtime/Dropout.h), so the training step must agree
  // exactly in the kept elements and the 1/(1 - rate) scaling, forward and
  // backward. No finite differences: @forward makes dropout the identity.
  checkNetwork(R"(  input x: f32[N, 6]
  input label: i32[N]
  h = dropout(relu(dense(x, out=16)), rate=0.5)
  g = dropout(dense(x, out=4), rate=0.25)
  output loss = softmax_cross_entropy(dense(h, out=4) + g, label))", 5, 4);
}

TEST_P(Lowering, AlexNetShapes) {
  // A small AlexNet: grouped convolutions, lrn, overlapping max pooling, dropout.
  checkNetwork(R"(  input image: f32[N, 3, 23, 23]
  input label: i32[N]
  c1 = relu(conv2d(image, out=8, kernel=5, stride=2))
  n1 = lrn(max_pool(c1, kernel=3, stride=2), size=5, alpha=1e-2, beta=0.75)
  c2 = relu(conv2d(n1, out=8, kernel=3, pad=1, groups=2))
  n2 = lrn(c2, size=5, alpha=1e-2, beta=0.75)
  f = dropout(relu(dense(flatten(max_pool(n2, kernel=2, stride=1)), out=12)), rate=0.5)
  y = dense(f, out=5)
  output loss = softmax_cross_entropy(y, label)
  output accuracy = accuracy(y, label))", 4, 5);
}

// A bias right before batch_norm has a zero gradient (the mean absorbs it),
// which float rounding cannot match relatively: the networks leave it out.
TEST_P(Lowering, BatchNormAfterConv) {
  checkNetwork(R"(  input x: f32[N, 2, 6, 6]
  input label: i32[N]
  c = conv2d(x, out=3, kernel=3, bias=false)
  b = batch_norm(c, momentum=0.8) | relu
  output loss = softmax_cross_entropy(dense(flatten(b), out=4), label))", 4, 4, true);
}

TEST_P(Lowering, BatchNormWithoutAffineAfterConv) {
  checkNetwork(R"(  input x: f32[N, 2, 5, 5]
  input label: i32[N]
  c = conv2d(x, out=3, kernel=2, bias=false)
  b = batch_norm(c, affine=false, eps=1e-3)
  output loss = softmax_cross_entropy(dense(flatten(b * b + b), out=4), label))", 3, 4, true);
}

TEST_P(Lowering, BatchNormAfterDense) {
  checkNetwork(R"(  input x: f32[N, 6]
  input label: i32[N]
  h = batch_norm(dense(x, out=5, bias=false)) | relu
  y = batch_norm(dense(h, out=4, bias=false), affine=false)
  output loss = softmax_cross_entropy(y * 2 + dense(h, out=4), label)
  output accuracy = accuracy(y, label))", 6, 4, true);
}

// Five convolutions, the first two followed by batch_norm (with and without
// affine), each by an activation: with 16 channels the tensors between
// library calls stay in nChw16c (nChw8c without AVX-512), forward and
// backward, so batch_norm, relu, leaky_relu, sigmoid and tanh run blocked.
// The last activation (gelu) feeds flatten: its tensors, and the last
// convolution's output, are plain.
TEST_P(Lowering, ConvBatchNormActivationChainsStayBlocked) {
  checkNetwork(R"(  input x: f32[N, 3, 6, 6]
  input label: i32[N]
  n1 = batch_norm(conv2d(x, out=16, kernel=3, pad=1, bias=false), momentum=0.8)
  c1 = relu(n1)
  n2 = batch_norm(conv2d(c1, out=16, kernel=3, pad=1, bias=false), affine=false)
  c2 = leaky_relu(n2, slope=0.2)
  c3 = sigmoid(conv2d(c2, out=16, kernel=3, pad=1))
  c4 = tanh(conv2d(c3, out=16, kernel=3, pad=1))
  c5 = gelu(conv2d(c4, out=8, kernel=3))
  output loss = softmax_cross_entropy(dense(flatten(c5), out=4), label))", 4, 4, false, nullptr,
               {{"eltwise_bwd", "batch_norm_bwd", "conv2d_bwd_data"}, {"batch_norm_init", "eltwise_init", "conv2d_init"}});
}

/// momentum * initial + (1 - momentum) * the batch's statistics of `v`
/// ([N, C, S] flattened), checked against the state after the step.
void expectRunning(const StepRecord &r, const std::string &name, const std::vector<double> &v, int64_t N, int64_t C,
                   int64_t S, double momentum) {
  const float *mean0 = r.at(r.before, name + ".running_mean"), *var0 = r.at(r.before, name + ".running_var");
  const float *mean1 = r.at(r.after, name + ".running_mean"), *var1 = r.at(r.after, name + ".running_var");
  double M = double(N * S);
  for (int64_t c = 0; c < C; ++c) {
    double sum = 0, sq = 0;
    for (int64_t n = 0; n < N; ++n)
      for (int64_t i = 0; i < S; ++i) sum += v[(n * C + c) * S + i];
    double mean = sum / M;
    for (int64_t n = 0; n < N; ++n)
      for (int64_t i = 0; i < S; ++i) sq += (v[(n * C + c) * S + i] - mean) * (v[(n * C + c) * S + i] - mean);
    double unbiased = sq / (M - 1);
    double wantMean = momentum * mean0[c] + (1 - momentum) * mean;
    double wantVar = momentum * var0[c] + (1 - momentum) * unbiased;
    EXPECT_NEAR(mean1[c], wantMean, 1e-5 * (1 + std::abs(wantMean))) << name << " running_mean[" << c << "]";
    EXPECT_NEAR(var1[c], wantVar, 1e-5 * (1 + std::abs(wantVar))) << name << " running_var[" << c << "]";
    EXPECT_NE(var1[c], var0[c]) << name << " running_var[" << c << "] was not updated";
  }
}

TEST_P(Lowering, BatchNormRunningStatisticsOfAnImage) {
  StepRecord r;
  checkNetwork(R"(  input x: f32[N, 3, 4, 4]
  input label: i32[N]
  a = batch_norm(x, momentum=0.7)
  output loss = softmax_cross_entropy(dense(flatten(conv2d(a, out=2, kernel=3)), out=4), label))", 5, 4, false, &r);
  ASSERT_FALSE(r.args.empty());
  expectRunning(r, "a", r.args[0].data, 5, 3, 16, 0.7);
}

TEST_P(Lowering, BatchNormRunningStatisticsBlocked) {
  // max_pool with a 1x1 window copies x into the blocked layout (16
  // channels), where batch_norm (training and inference sites) reads it.
  StepRecord r;
  checkNetwork(R"(  input x: f32[N, 16, 3, 3]
  input label: i32[N]
  p = max_pool(x, kernel=1)
  n = batch_norm(p, momentum=0.9)
  output loss = softmax_cross_entropy(dense(flatten(conv2d(relu(n), out=4, kernel=3)), out=4), label))", 4, 4,
               false, &r, {{"batch_norm_bwd", "eltwise_bwd"}, {"batch_norm_init", "eltwise_init", "max_pool_init"}});
  ASSERT_FALSE(r.args.empty());
  expectRunning(r, "n", r.args[0].data, 4, 16, 9, 0.9);
}

TEST_P(Lowering, BatchNormRunningStatisticsAfterDense) {
  StepRecord r;
  checkNetwork(R"(  input x: f32[N, 6]
  input label: i32[N]
  d = dense(x, out=4, bias=false)
  b = batch_norm(d, momentum=0.6, affine=false)
  output loss = softmax_cross_entropy(b, label))", 7, 4, false, &r);
  ASSERT_FALSE(r.args.empty());
  // d = x w^T, from the weight before the step.
  const float *w = r.at(r.before, "d.weight");
  std::vector<double> d(7 * 4);
  for (int64_t n = 0; n < 7; ++n)
    for (int64_t o = 0; o < 4; ++o) {
      double acc = 0;
      for (int64_t k = 0; k < 6; ++k) acc += (double)(float)r.args[0].data[n * 6 + k] * w[o * 6 + k];
      d[n * 4 + o] = acc;
    }
  expectRunning(r, "b", d, 7, 4, 1, 0.6);
}

// @eval_step hands the host every f32 output: the scalars at metrics[i], the
// tensors copied after them at nn.eval_outputs (JitModel::evalOutputs), in
// row-major order; nn.eval_metrics (evalMetrics) is the scalar slots plus
// the tensors' sizes. A rank-4 output that library calls write and read
// (coarse: conv2d -> batch_norm -> relu -> max_pool, blocked where they
// can) arrives plain, as @forward returns it.
TEST_P(Lowering, EvalStepReturnsTensorOutputs) {
  const int64_t batch = 3, classes = 5;
  std::string source = "nn 1\nnetwork t {\n"
                       "  input x: f32[N, 16, 4, 4]\n"
                       "  input label: i32[N]\n"
                       "  output feat = relu(batch_norm(conv2d(x, out=16, kernel=3, pad=1)))\n"
                       "  output logits = dense(flatten(max_pool(feat, kernel=2)), out=5)\n"
                       "  output loss = softmax_cross_entropy(logits, label)\n"
                       "}\nsolver {\n  method = sgd()\n  lr = 1\n}\n";
  Compiled c = compile(source, batch, GetParam());
  ASSERT_TRUE(c.reference && c.jit);
  const Graph &g = c.program.networks.at(0);
  ASSERT_EQ(g.outputs.size(), 3u);
  const int64_t featSize = batch * 16 * 4 * 4, logitsSize = batch * classes;
  ASSERT_EQ(c.jit->evalOutputs.size(), 3u);
  EXPECT_EQ(c.jit->evalOutputs[0], 3);             // after the three scalar slots
  EXPECT_EQ(c.jit->evalOutputs[1], 3 + featSize); // then the next tensor
  EXPECT_EQ(c.jit->evalOutputs[2], 2);             // the scalar at its index
  EXPECT_EQ(c.jit->evalMetrics, 3 + featSize + logitsSize);

  // Random inputs, labels and parameters (running variances positive).
  uint64_t seed = 5;
  std::vector<ref::Tensor<double>> args;
  std::vector<float> images;
  std::vector<int32_t> labels;
  for (auto [name, id] : g.inputs) {
    ref::Tensor<double> t;
    for (const shapes::Dim &d : g.nodes[id].type.dims) t.shape.push_back(d.isKnown() ? d.value : batch);
    int64_t n = 1;
    for (int64_t d : t.shape) n *= d;
    bool isLabel = shapes::isInteger(g.nodes[id].type.dtype);
    for (int64_t i = 0; i < n; ++i) {
      t.data.push_back(isLabel ? (double)(splitmix(seed) % classes) : (double)(float)uniform(seed));
      if (isLabel) labels.push_back((int32_t)t.data.back());
      else images.push_back((float)t.data.back());
    }
    args.push_back(t);
  }
  std::vector<char> state(c.jit->stateBytes + 64), workspace(c.jit->workspaceBytes + 64);
  for (const ManifestEntry &e : c.jit->manifest) {
    if (e.kind != "param" && e.kind != "running") continue;
    bool runningVar = e.kind == "running" && e.name.size() >= 4 && e.name.substr(e.name.size() - 4) == "_var";
    ref::Tensor<double> t;
    t.shape = e.shape;
    float *p = (float *)(state.data() + e.offset);
    double scale = e.kind == "running" ? 0.5 : 1 / std::sqrt((double)e.numel() / e.shape[0] + 1);
    for (int64_t i = 0; i < e.numel(); ++i) {
      p[i] = (float)(scale * uniform(seed) + (runningVar ? 1.0 : 0.0));
      t.data.push_back(p[i]);
    }
    args.push_back(t);
  }
  std::vector<ref::Tensor<double>> want;
  std::string error;
  ASSERT_TRUE(evaluate(c.reference->lookupSymbol<mlir::func::FuncOp>("forward"), args, want, error)) << error;
  ASSERT_EQ(want.size(), 3u);
  ASSERT_EQ((int64_t)want[0].data.size(), featSize);
  ASSERT_EQ((int64_t)want[1].data.size(), logitsSize);

  // Metrics exactly evalMetrics long, then guard floats eval_step must not touch.
  const float guard = -12345.0f;
  std::vector<float> metrics(c.jit->evalMetrics + 16, guard);
  nnc_ctx *rt = nnc_ctx_create(1);
  void *ctx = rt;
  ASSERT_TRUE(c.jit->call("init", {&ctx}, error)) << error;
  MemRefDescriptor s(state.data(), {c.jit->stateBytes}), w(workspace.data(), {c.jit->workspaceBytes}),
      x(images.data(), args[0].shape), l(labels.data(), {batch}), m(metrics.data(), {c.jit->evalMetrics});
  void *q[] = {s.get(), w.get(), x.get(), l.get(), m.get()};
  ASSERT_TRUE(c.jit->call("eval_step", {&ctx, &q[0], &q[1], &q[2], &q[3], &q[4]}, error)) << error;
  ASSERT_EQ(nnc_ctx_error(rt), nullptr) << nnc_ctx_error(rt);
  nnc_ctx_destroy(rt);

  expectNear(want[0], metrics.data() + c.jit->evalOutputs[0], "feat (rank 4)");
  expectNear(want[1], metrics.data() + c.jit->evalOutputs[1], "logits (rank 2)");
  EXPECT_NEAR(metrics[c.jit->evalOutputs[2]], want[2].item(), 1e-3 * (1 + std::abs(want[2].item()))) << "loss";
  for (size_t i = c.jit->evalMetrics; i < metrics.size(); ++i)
    EXPECT_EQ(metrics[i], guard) << "eval_step wrote past evalMetrics at " << i;
}

} // namespace
