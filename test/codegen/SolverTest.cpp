// Every solver method of SPEC 12, with and without global-norm clipping,
// through the whole compiler (emission, autodiff, nn-solver, lowering, JIT):
// five training steps of a small network, each checked against a plain C++
// implementation of SPEC 12's formulas written here, from the state the JIT
// started the step from.
//
// The formulas are fed the JIT's own gradients, read from a probe model of
// the same network trained with plain SGD at lr 1 and no decay: its velocity
// is exactly lr_mult * g (the multipliers are powers of two), so that
// adaptive methods, which magnify small differences of g near eps, are
// compared on the same inputs. The reference evaluator's update (the
// nn-solver module, interpreted in double) is checked against the same
// formulas fed with the evaluator's gradients.
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

#include <cmath>
#include <cstring>
#include <fstream>
#include <gtest/gtest.h>
#include <map>
#include <unistd.h>

using namespace nnc;

namespace {

using test::splitmix;
using test::uniform;

/// A method and its settings as SPEC 12 states them (the defaults there).
struct Method {
  std::string name = "sgd";
  double momentum = 0, beta1 = 0.9, beta2 = 0.999, eps = 1e-8, decay = 0.99;
  bool nesterov = false;
};

/// The state names SPEC 12's method keeps per parameter.
std::vector<std::string> stateNames(const Method &m) {
  if (m.name == "sgd") return {"velocity"};
  if (m.name == "adam" || m.name == "adamw") return {"m", "s"};
  if (m.name == "rmsprop") return m.momentum != 0 ? std::vector<std::string>{"s", "b"} : std::vector<std::string>{"s"};
  return {"s"};
}

/// One parameter's update at step t (SPEC 12), in double. `state` holds
/// the method's state by name; `g` is already clipped.
void update(const Method &m, double lr, double weightDecay, double lrMult, double decayMult, int64_t t,
            std::vector<double> &w, std::map<std::string, std::vector<double>> &state, std::vector<double> g) {
  double eta = lr * lrMult, lambda = weightDecay * decayMult;
  for (size_t i = 0; i < w.size(); ++i) {
    if (m.name != "adamw") g[i] += lambda * w[i];
    if (m.name == "sgd") {
      double &v = state["velocity"][i], v1 = m.momentum * v + eta * g[i];
      w[i] -= m.nesterov ? (1 + m.momentum) * v1 - m.momentum * v : v1;
      v = v1;
    } else if (m.name == "adam" || m.name == "adamw") {
      double &mm = state["m"][i], &s = state["s"][i];
      mm = m.beta1 * mm + (1 - m.beta1) * g[i];
      s = m.beta2 * s + (1 - m.beta2) * g[i] * g[i];
      double mhat = mm / (1 - std::pow(m.beta1, t + 1)), shat = s / (1 - std::pow(m.beta2, t + 1));
      double u = mhat / (std::sqrt(shat) + m.eps);
      if (m.name == "adamw") u += lambda * w[i];
      w[i] -= eta * u;
    } else if (m.name == "rmsprop") {
      double &s = state["s"][i];
      s = m.decay * s + (1 - m.decay) * g[i] * g[i];
      double q = g[i] / (std::sqrt(s) + m.eps);
      if (m.momentum != 0) {
        double &b = state["b"][i];
        b = m.momentum * b + q;
        q = b;
      }
      w[i] -= eta * q;
    } else { // adagrad
      double &s = state["s"][i];
      s += g[i] * g[i];
      w[i] -= eta * g[i] / (std::sqrt(s) + m.eps);
    }
  }
}

/// The network's parameters with the multipliers its source gives them.
struct ParamSpec {
  const char *name;
  double lrMult, decayMult;
};
const ParamSpec kParams[] = {{"fc1.weight", 2, 0.5}, {"fc1.bias", 1, 0}, {"fc2.weight", 1, 1}, {"fc2.bias", 4, 1}};
constexpr int64_t kBatch = 4, kFeatures = 5, kClasses = 3;

std::string source(const std::string &method, double weightDecay, double clipNorm) {
  std::string s = "nn 1\nnetwork t {\n"
                  "  input x: f32[N, 5]\n"
                  "  input label: i32[N]\n"
                  "  fc1 = dense(x, out=4, lr_mult=2, decay_mult=0.5, bias_decay_mult=0)\n"
                  "  fc2 = dense(tanh(fc1), out=3, bias_lr_mult=4)\n"
                  "  output loss = softmax_cross_entropy(fc2, label)\n"
                  "}\nsolver {\n  method = " +
                  method + "\n  lr = 0.05\n  weight_decay = " + std::to_string(weightDecay) + "\n";
  if (clipNorm > 0) s += "  clip_norm = " + std::to_string(clipNorm) + "\n";
  return s + "}\n";
}

struct Compiled {
  std::unique_ptr<mlir::MLIRContext> ctx;
  std::unique_ptr<Frontend> fe;
  Program program;
  mlir::OwningOpRef<mlir::ModuleOp> gradients; // after autodiff: train_step returns the gradients
  mlir::OwningOpRef<mlir::ModuleOp> solver;    // after nn-solver: train_step returns the updates
  std::unique_ptr<JitModel> jit;
};

Compiled compile(const std::string &text) {
  Compiled c;
  unsigned errors = test::checkSource(text, c.fe, c.program, c.ctx);
  EXPECT_EQ(errors, 0u) << text;
  if (errors) return c;
  DiagnosticBridge bridge(*c.ctx, c.fe->diags());
  const Graph &g = c.program.networks.at(0);
  for (bool withSolver : {false, true}) {
    auto m = emitModule(*c.ctx, g, c.program.solver, c.fe->diags());
    if (!m) {
      ADD_FAILURE() << "emission failed";
      return c;
    }
    mlir::PassManager pm(c.ctx.get());
    pm.addPass(createNNAutoDiff());
    if (withSolver) pm.addPass(createNNSolver());
    pm.addPass(createNNSpecializeBatch(NNSpecializeBatchOptions{kBatch}));
    EXPECT_TRUE(mlir::succeeded(pm.run(*m)));
    (withSolver ? c.solver : c.gradients) = std::move(m);
  }
  auto lowered = emitModule(*c.ctx, g, c.program.solver, c.fe->diags());
  PipelineOptions po;
  po.batch = kBatch;
  EXPECT_TRUE(mlir::succeeded(runPipeline(*lowered, po)));
  std::string error;
  c.jit = JitModel::create(*lowered, error);
  EXPECT_TRUE(c.jit) << error;
  return c;
}

/// |got - want| within `tol` of |want|, small elements measured against
/// 1e-2 of the tensor's largest: f32 state that sums terms of both signs
/// (momentum buffers) loses digits relative to its small elements.
void expectClose(const std::vector<double> &want, const float *got, const std::string &what, double tol = 1e-5) {
  double maxAbs = 0;
  for (double v : want) maxAbs = std::max(maxAbs, std::abs(v));
  double worst = 0;
  size_t at = 0;
  for (size_t i = 0; i < want.size(); ++i) {
    double err = std::abs(want[i] - got[i]) / std::max({std::abs(want[i]), 1e-2 * maxAbs, 1e-30});
    if (!(err <= worst)) worst = err, at = i;
  }
  EXPECT_LE(worst, tol) << what << ": element " << at << " is " << got[at] << ", expected " << want[at];
}

struct Case {
  std::string method;
  Method m;
  double weightDecay = 0.01, clipNorm = 0;
  bool expectClipping = false; // the global norm exceeds clip_norm at step 0
};

/// Calls train_step on `state` with hyper = [lr, bits of t, 0, 0]; returns the loss.
float trainStep(JitModel &jit, nnc_ctx *rt, std::vector<char> &state, std::vector<float> &x,
                std::vector<int32_t> &labels, float lr, int64_t t) {
  std::vector<char> workspace(jit.workspaceBytes + 64);
  std::vector<float> metrics(1);
  float hyper[4] = {lr, 0, 0, 0};
  uint32_t bits = (uint32_t)t;
  std::memcpy(&hyper[1], &bits, 4);
  MemRefDescriptor s(state.data(), {jit.stateBytes}), w(workspace.data(), {jit.workspaceBytes}),
      xd(x.data(), {kBatch, kFeatures}), ld(labels.data(), {kBatch}), hd(hyper, {4}), md(metrics.data(), {1});
  void *ctx = rt;
  void *p[] = {s.get(), w.get(), xd.get(), ld.get(), hd.get(), md.get()};
  std::string error;
  EXPECT_TRUE(jit.call("train_step", {&ctx, &p[0], &p[1], &p[2], &p[3], &p[4], &p[5]}, error)) << error;
  EXPECT_EQ(nnc_ctx_error(rt), nullptr) << nnc_ctx_error(rt);
  return metrics[0];
}

/// Each parameter and state entry after one step of SPEC 12 (clipping, then
/// the method) from `before`, with gradients `grads` and learning rate lr.
std::map<std::string, std::vector<double>> expectedStep(const Case &k, std::map<std::string, std::vector<double>> before,
                                                        std::map<std::string, std::vector<double>> grads, double lr,
                                                        int64_t t, bool *clipped = nullptr) {
  double sum = 0;
  for (auto &[name, g] : grads)
    for (double v : g) sum += v * v;
  double norm = std::sqrt(sum), factor = k.clipNorm > 0 && norm > k.clipNorm ? k.clipNorm / norm : 1;
  if (clipped) *clipped |= factor < 1;
  std::map<std::string, std::vector<double>> after;
  for (const ParamSpec &p : kParams) {
    std::vector<double> w = before[p.name], g = grads[p.name];
    for (double &v : g) v *= factor;
    std::map<std::string, std::vector<double>> st;
    for (const std::string &s : stateNames(k.m)) st[s] = before[std::string(p.name) + "." + s];
    update(k.m, lr, k.weightDecay, p.lrMult, p.decayMult, t, w, st, g);
    after[p.name] = w;
    for (auto &[s, v] : st) after[std::string(p.name) + "." + s] = v;
  }
  return after;
}

/// Runs five steps, each from the JIT's state, and checks every parameter
/// and every state entry after each.
void checkSolver(const Case &k) {
  Compiled c = compile(source(k.method, k.weightDecay, k.clipNorm));
  Compiled probe = compile(source("sgd()", 0, 0));
  ASSERT_TRUE(c.gradients && c.solver && c.jit && probe.jit);
  auto gradStep = c.gradients->lookupSymbol<mlir::func::FuncOp>("train_step");
  auto solverStep = c.solver->lookupSymbol<mlir::func::FuncOp>("train_step");
  ASSERT_TRUE(gradStep && solverStep);

  // The manifest: the parameters, then exactly the method's state.
  std::map<std::string, const ManifestEntry *> entries, probeEntries;
  for (const ManifestEntry &e : c.jit->manifest) entries[e.name] = &e;
  for (const ManifestEntry &e : probe.jit->manifest) probeEntries[e.name] = &e;
  size_t expected = 0;
  for (const ParamSpec &p : kParams) {
    ASSERT_TRUE(entries.count(p.name)) << p.name;
    ASSERT_TRUE(probeEntries.count(p.name) && probeEntries.count(std::string(p.name) + ".velocity")) << p.name;
    EXPECT_EQ(entries[p.name]->kind, "param");
    ++expected;
    for (const std::string &s : stateNames(k.m)) {
      std::string name = std::string(p.name) + "." + s;
      ASSERT_TRUE(entries.count(name)) << name;
      EXPECT_EQ(entries[name]->kind, "solver");
      EXPECT_EQ(entries[name]->shape, entries[p.name]->shape);
      ++expected;
    }
  }
  EXPECT_EQ(c.jit->manifest.size(), expected);

  // Fixed inputs and random parameters; the state starts at zero.
  uint64_t seed = 7;
  std::vector<float> x(kBatch * kFeatures);
  for (float &v : x) v = (float)uniform(seed);
  std::vector<int32_t> labels(kBatch);
  for (int32_t &l : labels) l = (int32_t)(splitmix(seed) % kClasses);
  std::vector<char> state(c.jit->stateBytes + 64, 0), probeState(probe.jit->stateBytes + 64);
  auto at = [&](const std::string &name) { return (float *)(state.data() + entries.at(name)->offset); };
  auto probeAt = [&](const std::string &name) { return (float *)(probeState.data() + probeEntries.at(name)->offset); };
  for (const ParamSpec &p : kParams) {
    const ManifestEntry &e = *entries[p.name];
    for (int64_t i = 0; i < e.numel(); ++i) at(p.name)[i] = (float)(0.5 * uniform(seed));
  }
  auto read = [&](const std::string &name) {
    const float *p = at(name);
    return std::vector<double>(p, p + entries.at(name)->numel());
  };
  auto tensor = [&](const std::string &name) { return ref::Tensor<double>{entries.at(name)->shape, read(name)}; };

  nnc_ctx *rt = nnc_ctx_create(1), *probeRt = nnc_ctx_create(1);
  std::string error;
  void *ctx = rt, *probeCtx = probeRt;
  ASSERT_TRUE(c.jit->call("init", {&ctx}, error)) << error;
  ASSERT_TRUE(probe.jit->call("init", {&probeCtx}, error)) << error;
  ref::Tensor<double> xt{{kBatch, kFeatures}, std::vector<double>(x.begin(), x.end())};
  ref::Tensor<double> lt{{kBatch}, std::vector<double>(labels.begin(), labels.end())};
  bool clipped = false;
  for (int64_t t = 0; t < 5; ++t) {
    SCOPED_TRACE("step " + std::to_string(t));
    float lr = 0.05f * (1 + 0.25f * t); // as if from a policy
    std::map<std::string, std::vector<double>> before;
    for (const ManifestEntry &e : c.jit->manifest) before[e.name] = read(e.name);

    // The JIT's gradients: the probe's velocity after one step at lr 1 from
    // the same parameters is lr_mult * g, exactly.
    std::fill(probeState.begin(), probeState.end(), 0);
    for (const ParamSpec &p : kParams) std::memcpy(probeAt(p.name), at(p.name), 4 * entries[p.name]->numel());
    float probeLoss = trainStep(*probe.jit, probeRt, probeState, x, labels, 1.0f, 0);
    std::map<std::string, std::vector<double>> jitGrads;
    for (const ParamSpec &p : kParams) {
      const float *v = probeAt(std::string(p.name) + ".velocity");
      for (int64_t i = 0; i < entries[p.name]->numel(); ++i) jitGrads[p.name].push_back(v[i] / p.lrMult);
    }

    // The evaluator's gradients (double), by parameter name.
    std::vector<ref::Tensor<double>> args = {xt, lt}, out;
    for (unsigned i = 2; i < gradStep.getNumArguments(); ++i) {
      auto p = gradStep.getArgAttrOfType<mlir::FlatSymbolRefAttr>(i, "nn.param");
      ASSERT_TRUE(p);
      args.push_back(tensor(p.getValue().str()));
    }
    ASSERT_TRUE(evaluate(gradStep, args, out, error)) << error;
    auto gradOf = gradStep->getAttrOfType<mlir::ArrayAttr>("nn.grad_of");
    size_t outputs = out.size() - gradOf.size();
    std::map<std::string, std::vector<double>> grads;
    for (auto [k, sym] : llvm::enumerate(gradOf))
      grads[mlir::cast<mlir::FlatSymbolRefAttr>(sym).getValue().str()] = out[outputs + k].data;
    ASSERT_EQ(grads.size(), std::size(kParams));
    for (const ParamSpec &p : kParams) {
      std::vector<float> g(jitGrads[p.name].begin(), jitGrads[p.name].end());
      expectClose(grads[p.name], g.data(), std::string("gradient of ") + p.name, 1e-3);
    }

    // The reference evaluator's update: the nn-solver module, interpreted.
    std::vector<ref::Tensor<double>> sargs;
    for (unsigned i = 0; i < solverStep.getNumArguments(); ++i) {
      if (auto in = solverStep.getArgAttrOfType<mlir::StringAttr>(i, "nn.input")) {
        sargs.push_back(in.getValue() == "x" ? xt : lt);
      } else if (auto p = solverStep.getArgAttrOfType<mlir::FlatSymbolRefAttr>(i, "nn.param")) {
        sargs.push_back(tensor(p.getValue().str()));
      } else if (auto h = solverStep.getArgAttrOfType<mlir::StringAttr>(i, "nn.hyper")) {
        ASSERT_TRUE(h.getValue() == "lr" || h.getValue() == "step") << h.getValue().str();
        sargs.push_back(ref::Tensor<double>::scalar(h.getValue() == "lr" ? (double)lr : (double)t));
      } else if (auto p = solverStep.getArgAttrOfType<mlir::FlatSymbolRefAttr>(i, "nn.state_of")) {
        auto s = solverStep.getArgAttrOfType<mlir::StringAttr>(i, "nn.state");
        ASSERT_TRUE(s);
        sargs.push_back(tensor((p.getValue() + "." + s.getValue()).str()));
      } else {
        FAIL() << "unexpected argument " << i << " of the solver's train_step";
      }
    }
    std::vector<ref::Tensor<double>> sout;
    ASSERT_TRUE(evaluate(solverStep, sargs, sout, error)) << error;
    auto updates = solverStep->getAttrOfType<mlir::DenseI64ArrayAttr>("nn.updates");
    ASSERT_EQ((size_t)updates.size(), sout.size());
    std::map<std::string, std::vector<float>> evaluated;
    for (size_t r = 0; r < sout.size(); ++r) {
      if (updates[r] < 0) continue;
      unsigned a = updates[r];
      std::string name;
      if (auto p = solverStep.getArgAttrOfType<mlir::FlatSymbolRefAttr>(a, "nn.param")) name = p.getValue().str();
      else
        name = (solverStep.getArgAttrOfType<mlir::FlatSymbolRefAttr>(a, "nn.state_of").getValue() + "." +
                solverStep.getArgAttrOfType<mlir::StringAttr>(a, "nn.state").getValue()).str();
      evaluated[name].assign(sout[r].data.begin(), sout[r].data.end());
    }
    std::map<std::string, std::vector<double>> wantEval = expectedStep(k, before, grads, lr, t);
    ASSERT_EQ(evaluated.size(), wantEval.size());
    for (auto &[name, w] : wantEval) {
      ASSERT_TRUE(evaluated.count(name)) << name;
      expectClose(w, evaluated[name].data(), "evaluator: " + name);
    }

    // The JIT's step, in place in the state arena, against the formulas fed
    // with its own gradients.
    std::map<std::string, std::vector<double>> want = expectedStep(k, before, jitGrads, lr, t, &clipped);
    float loss = trainStep(*c.jit, rt, state, x, labels, lr, t);
    EXPECT_EQ(loss, probeLoss);
    EXPECT_NEAR(loss, out[0].item(), 1e-5 * (1 + std::abs(out[0].item()))) << "loss";
    for (auto &[name, w] : want) expectClose(w, at(name), "jit: " + name);
  }
  nnc_ctx_destroy(rt);
  nnc_ctx_destroy(probeRt);
  EXPECT_EQ(clipped, k.expectClipping);
}

Method sgd(double momentum = 0, bool nesterov = false) {
  Method m;
  m.momentum = momentum;
  m.nesterov = nesterov;
  return m;
}
Method adam(const char *name, double beta1 = 0.9, double beta2 = 0.999, double eps = 1e-8) {
  Method m;
  m.name = name;
  m.beta1 = beta1, m.beta2 = beta2, m.eps = eps;
  return m;
}
Method rmsprop(double decay = 0.99, double eps = 1e-8, double momentum = 0) {
  Method m;
  m.name = "rmsprop";
  m.decay = decay, m.eps = eps, m.momentum = momentum;
  return m;
}
Method adagrad(double eps = 1e-8) {
  Method m;
  m.name = "adagrad";
  m.eps = eps;
  return m;
}

TEST(Solver, SgdPlain) { checkSolver({"sgd()", sgd()}); }
TEST(Solver, SgdMomentum) { checkSolver({"sgd(momentum=0.9)", sgd(0.9)}); }
TEST(Solver, SgdNesterov) { checkSolver({"sgd(momentum=0.8, nesterov=true)", sgd(0.8, true), 0.05}); }
TEST(Solver, AdamDefaults) { checkSolver({"adam()", adam("adam")}); }
TEST(Solver, Adam) { checkSolver({"adam(beta1=0.8, beta2=0.95, eps=1e-6)", adam("adam", 0.8, 0.95, 1e-6), 0.1}); }
TEST(Solver, AdamW) { checkSolver({"adamw(beta1=0.85, eps=1e-7)", adam("adamw", 0.85, 0.999, 1e-7), 0.1}); }
TEST(Solver, RmspropWithoutMomentum) { checkSolver({"rmsprop(decay=0.9)", rmsprop(0.9)}); }
TEST(Solver, RmspropWithMomentum) {
  checkSolver({"rmsprop(decay=0.95, eps=1e-6, momentum=0.5)", rmsprop(0.95, 1e-6, 0.5)});
}
TEST(Solver, Adagrad) { checkSolver({"adagrad(eps=1e-6)", adagrad(1e-6), 0.02}); }

// Clipping: a small clip_norm clips every step; a large one none.
TEST(Solver, ClippedSgdMomentum) { checkSolver({"sgd(momentum=0.9)", sgd(0.9), 0.01, 0.05, true}); }
TEST(Solver, ClippedAdam) { checkSolver({"adam()", adam("adam"), 0.01, 0.02, true}); }
TEST(Solver, ClippedRmsprop) { checkSolver({"rmsprop(momentum=0.5)", rmsprop(0.99, 1e-8, 0.5), 0.01, 0.1, true}); }
TEST(Solver, ClipNormAboveTheNormChangesNothing) { checkSolver({"adagrad()", adagrad(), 0.01, 1000, false}); }

} // namespace
