// Every op of the CPU slice, forward and backward, through the whole
// compiler (emission, autodiff, SGD, lowering, JIT, runtime) against the
// reference evaluator interpreting the same nn functions in double.
//
// Gradients are read back from the SGD update: with lr 1, no momentum and
// no decay, w' = w - g.
#include "codegen/Compiler.h"
#include "codegen/Jit.h"
#include "frontend/Frontend.h"
#include "frontend/emit/DiagnosticBridge.h"
#include "frontend/emit/Emitter.h"
#include "ir/Evaluator.h"
#include "passes/Passes.h"
#include "runtime/Runtime.h"
#include "tools/RegisterNNC.h"

#include "mlir/IR/MLIRContext.h"
#include "mlir/Pass/PassManager.h"

#include <cmath>
#include <cstdlib>
#include <fstream>
#include <gtest/gtest.h>
#include <unistd.h>

using namespace nnc;

namespace {

uint64_t splitmix(uint64_t &s) {
  uint64_t z = (s += 0x9E3779B97F4A7C15ULL);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}
double uniform(uint64_t &s) { return (splitmix(s) >> 11) * (1.0 / 9007199254740992.0) * 2 - 1; }

struct Compiled {
  std::unique_ptr<mlir::MLIRContext> ctx;
  std::unique_ptr<Frontend> fe;
  Program program;
  mlir::OwningOpRef<mlir::ModuleOp> reference; // after autodiff, batch specialized
  std::unique_ptr<JitModel> jit;
};

Compiled compile(const std::string &source, int64_t batch) {
  Compiled c;
  char dir[] = "/tmp/nnc-lowering-XXXXXX";
  std::string path = std::string(::mkdtemp(dir)) + "/t.nn";
  std::ofstream(path) << source;
  c.fe = std::make_unique<Frontend>(FrontendOptions{std::string(NNC_SOURCE_DIR) + "/stdlib"});
  c.program = c.fe->check(path);
  std::remove(path.c_str());
  ::rmdir(dir);
  EXPECT_EQ(c.fe->diags().errorCount(), 0u);
  if (c.fe->diags().errorCount()) return c;
  mlir::DialectRegistry registry;
  registerDialects(registry);
  c.ctx = std::make_unique<mlir::MLIRContext>(registry);
  c.ctx->loadAllAvailableDialects();
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
  EXPECT_TRUE(mlir::succeeded(runPipeline(*lowered, po)));
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
/// central differences of @forward's loss.
void expectFiniteDifferences(mlir::func::FuncOp forward, std::vector<ref::Tensor<double>> args, size_t firstParam,
                             const std::vector<ref::Tensor<double>> &grads) {
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
      double &w = args[firstParam + k].data[i], w0 = w;
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

/// Runs one train_step and compares the outputs and every gradient; with
/// `finiteDifferences`, checks the reference gradients themselves too.
void checkNetwork(const std::string &body, int64_t batch, int64_t classes, bool finiteDifferences = false) {
  std::string source = "nn 1\nnetwork t {\n" + body +
                       "\n}\nsolver {\n  method = sgd()\n  lr = 1\n}\n";
  Compiled c = compile(source, batch);
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
  std::vector<const ManifestEntry *> params;
  for (const ManifestEntry &e : c.jit->manifest) {
    if (e.kind != "param") continue;
    params.push_back(&e);
    ref::Tensor<double> t;
    t.shape = e.shape;
    float *p = (float *)(state.data() + e.offset);
    double scale = 1 / std::sqrt((double)e.numel() / e.shape[0] + 1); // roughly 1/sqrt(fan_in)
    for (int64_t i = 0; i < e.numel(); ++i) {
      p[i] = (float)(scale * uniform(seed));
      t.data.push_back(p[i]);
    }
    args.push_back(t);
  }
  std::vector<ref::Tensor<double>> want;
  std::string error;
  ASSERT_TRUE(evaluate(train, args, want, error)) << error;
  if (finiteDifferences)
    expectFiniteDifferences(c.reference->lookupSymbol<mlir::func::FuncOp>("forward"), args, g.inputs.size(),
                            {want.begin() + g.outputs.size(), want.end()});

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
  nnc_ctx_destroy(rt);

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

TEST(Lowering, ConvPoolDenseReluFlatten) {
  checkNetwork(R"(  input x: f32[N, 3, 9, 9]
  input label: i32[N]
  c = conv2d(x, out=4, kernel=3, stride=2, pad=1)
  p = max_pool(relu(c), kernel=2, stride=2, ceil=true)
  f = dense(flatten(p), out=5)
  output loss = softmax_cross_entropy(f, label)
  output accuracy = accuracy(f, label))", 4, 5);
}

TEST(Lowering, GroupedDilatedConvWithoutBias) {
  checkNetwork(R"(  input x: f32[N, 4, 10, 10]
  input label: i32[N]
  c = conv2d(x, out=6, kernel=3, dilation=2, groups=2, bias=false)
  p = max_pool(c, kernel=3, stride=2, pad=1)
  output loss = softmax_cross_entropy(dense(flatten(p), out=3, bias=false), label))", 3, 3);
}

TEST(Lowering, ElementwiseScaleAddMul) {
  checkNetwork(R"(  input x: f32[N, 6]
  input label: i32[N]
  a = dense(x, out=4)
  b = dense(x, out=4)
  y = a * 0.5 + relu(b) * a + b
  output loss = softmax_cross_entropy(y, label)
  output top2 = accuracy(y, label, top_k=2))", 5, 4);
}

TEST(Lowering, Activations) {
  checkNetwork(R"(  input x: f32[N, 6]
  input label: i32[N]
  a = dense(x, out=4)
  b = dense(x, out=4)
  y = sigmoid(a * 3) * 2 + tanh(b * 3) * gelu(a * 3) - leaky_relu(b, slope=0.1) + gelu(b * -2)
  output loss = softmax_cross_entropy(y, label))", 5, 4, true);
}

TEST(Lowering, SoftmaxAxes) {
  checkNetwork(R"(  input x: f32[N, 2, 5, 5]
  input label: i32[N]
  c = conv2d(x, out=3, kernel=3)
  f = dense(flatten(softmax(c, axis=1) + softmax(c * 2, axis=-1) * c), out=4)
  y = softmax(f * 3) * 3 + f
  output loss = softmax_cross_entropy(y, label))", 3, 4, true);
}

TEST(Lowering, BroadcastingSubDivAddMul) {
  // [N, 4] against [N, 1], each side broadcast in turn.
  checkNetwork(R"(  input x: f32[N, 6]
  input label: i32[N]
  a = dense(x, out=4)
  b = dense(x, out=4)
  s = dense(x, out=1)
  y = (a - s) / sigmoid(s * 2) + tanh(s) / sigmoid(b) - s * b + (s + a) - (s - b) / (s * s + sigmoid(b))
  output loss = softmax_cross_entropy(y, label))", 5, 4, true);
}

TEST(Lowering, BroadcastingScalar) {
  // A loss (f32[]) broadcast against [N, 4]: its gradient is summed to a scalar.
  checkNetwork(R"(  input x: f32[N, 6]
  input label: i32[N]
  a = dense(x, out=4)
  inner = softmax_cross_entropy(dense(x, out=4), label)
  y = a * inner + a - inner / sigmoid(a)
  output loss = softmax_cross_entropy(y, label)
  output inner_loss = inner)", 4, 4, true);
}

TEST(Lowering, LeNetShapes) {
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

TEST(Lowering, AvgPool) {
  // Padding counted in the divisor, a ceil window clipped at the padding, overlapping windows.
  checkNetwork(R"(  input x: f32[N, 2, 7, 7]
  input label: i32[N]
  c = conv2d(x, out=3, kernel=2)
  a = avg_pool(c, kernel=3, stride=2, pad=1, ceil=true)
  b = avg_pool(c * c, kernel=2)
  output loss = softmax_cross_entropy(dense(flatten(a), out=4) + dense(flatten(b), out=4), label))", 3, 4, true);
}

TEST(Lowering, Lrn) {
  // A large alpha so the normalization matters; size 3 and 5 (window wider than half the channels).
  checkNetwork(R"(  input x: f32[N, 3, 5, 5]
  input label: i32[N]
  c = conv2d(x, out=6, kernel=3)
  l = lrn(c, size=3, alpha=2.0, beta=0.75, k=1.5)
  m = lrn(c * 2, size=5, alpha=0.5, beta=0.6, k=1.0)
  output loss = softmax_cross_entropy(dense(flatten(l + m), out=4), label))", 3, 4, true);
}

TEST(Lowering, ConcatTransposeReshape) {
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

TEST(Lowering, DropoutSharesTheEvaluatorsMask) {
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

TEST(Lowering, AlexNetShapes) {
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

} // namespace
