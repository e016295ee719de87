//===- Trainer.cpp - nnc train ---------------------------------------------===//
#include "codegen/Trainer.h"

#include "codegen/CompileCache.h"
#include "codegen/Compiler.h"
#include "codegen/Divergence.h"
#include "codegen/Jit.h"
#include "codegen/Predict.h"
#include "frontend/emit/DiagnosticBridge.h"
#include "frontend/emit/Emitter.h"
#include "ir/Evaluator.h"
#include "ir/NNOps.h"
#include "passes/Passes.h"
#include "tools/RegisterNNC.h"

#include "runtime/Checkpoint.h"
#include "runtime/Host.h"

#include "mlir/IR/MLIRContext.h"
#include "mlir/Pass/PassManager.h"

#include <chrono>
#include <map>
#include <optional>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <fmt/format.h>
#include <ostream>
#include <sys/stat.h>
#include <unistd.h>

namespace nnc {

double learningRate(const Value &lr, int64_t it) {
  if (lr.isNumber()) return lr.number();
  double rate = 1;
  // A view, not a copy: the host evaluates this every step, and a step allocates nothing.
  llvm::ArrayRef<Value> factors = lr.kind == Value::Kind::Product ? llvm::ArrayRef<Value>(lr.elems)
                                                                  : llvm::ArrayRef<Value>(lr);
  // The base rate: the product of the plain numbers (cosine's min_lr is relative to it).
  double base = 1;
  for (const Value &f : factors)
    if (f.isNumber()) base *= f.number();
  for (const Value &f : factors) {
    if (f.isNumber()) {
      rate *= f.number();
      continue;
    }
    auto num = [&](const char *n) { const Value *v = f.arg(n); return v && v->isNumber() ? v->number() : 0.0; };
    double t = (double)it;
    const std::string &p = f.str;
    if (p == "step") rate *= std::pow(num("gamma"), std::floor(t / std::max(1.0, num("step"))));
    else if (p == "multistep") {
      int passed = 0;
      if (const Value *steps = f.arg("steps"))
        for (const Value &s : steps->elems) passed += it >= s.i;
      rate *= std::pow(num("gamma"), passed);
    } else if (p == "exp") rate *= std::pow(num("gamma"), t);
    else if (p == "inv") rate *= std::pow(1 + num("gamma") * t, -num("power"));
    else if (p == "poly") rate *= std::pow(std::max(0.0, 1 - t / std::max(1.0, num("max_iter"))), num("power"));
    else if (p == "sigmoid") rate *= 1 / (1 + std::exp(-num("gamma") * (t - num("step"))));
    else if (p == "cosine") {
      double max = std::max(1.0, num("max_iter")), c = 0.5 * (1 + std::cos(M_PI * std::min(t, max) / max));
      double r = base != 0 ? num("min_lr") / base : 0; // decays to min_lr, not to 0
      rate *= r + (1 - r) * c;
    } else if (p == "warmup") rate *= std::min(1.0, (t + 1) / std::max(1.0, num("iters")));
  }
  return rate;
}

namespace {

bool exists(const std::string &p) {
  struct stat st;
  return ::stat(p.c_str(), &st) == 0;
}

/// "0:42", "12:05", "1:02:03".
std::string clockTime(double seconds) {
  int64_t s = std::llround(std::max(0.0, seconds));
  return s >= 3600 ? fmt::format("{}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60)
                   : fmt::format("{}:{:02}", s / 60, s % 60);
}

/// "=========>          ": `done` of `total` in 20 characters.
std::string progressBar(int64_t done, int64_t total) {
  constexpr int kBar = 20;
  int filled = (int)(done * kBar / std::max<int64_t>(total, 1));
  return std::string(filled, '=') + (filled < kBar ? ">" : "") + std::string(std::max(0, kBar - filled - 1), ' ');
}

std::string dirOf(const std::string &path) {
  size_t slash = path.rfind('/');
  return slash == std::string::npos ? "." : path.substr(0, slash);
}

/// Bare data file names: next to the .nn file, in --data, then Debian's Fashion-MNIST.
std::string findData(const std::string &name, const std::string &nnFile, const std::string &dataDir) {
  if (!name.empty() && name[0] == '/') return name;
  std::vector<std::string> dirs = {dirOf(nnFile)};
  if (!dataDir.empty()) dirs.push_back(dataDir);
  dirs.push_back("/usr/share/datasets/fashion-mnist");
  for (const std::string &d : dirs)
    if (exists(d + "/" + name)) return d + "/" + name;
  return dirOf(nnFile) + "/" + name;
}

/// Parses an initializer as the front end prints it: "gaussian(mean=0, std=0.01)".
InitSpec initSpec(const std::string &s) {
  auto arg = [&](const char *name, double def) {
    size_t at = s.find(std::string(name) + "=");
    return at == std::string::npos ? def : std::strtod(s.c_str() + at + std::strlen(name) + 1, nullptr);
  };
  if (s.rfind("xavier", 0) == 0) return InitSpec::xavier();
  if (s.rfind("msra", 0) == 0) return InitSpec::msra();
  if (s.rfind("uniform", 0) == 0) return InitSpec::uniform(arg("low", -0.05), arg("high", 0.05));
  if (s.rfind("gaussian", 0) == 0) return InitSpec::gaussian(arg("mean", 0), arg("std", 0.01));
  return InitSpec::constant(arg("value", 0));
}

/// One split's batches (runtime/Batcher.h). In training and evaluation a
/// background thread prepares the next batch while a step runs
/// (runtime/Prefetcher.h); nnc run reads its one batch directly.
class Split {
public:
  Split(std::unique_ptr<Batcher> b, bool prefetch) : b_(std::move(b)) {
    if (prefetch) {
      pf_ = std::make_unique<Prefetcher>(*b_);
    } else {
      images_.resize(b_->batchSize() * b_->exampleSize());
      labels_.resize(b_->batchSize());
    }
  }
  int64_t examples() const { return b_->examples(); }
  void startEpoch(int64_t epoch) { pf_ ? pf_->startEpoch(epoch) : b_->startEpoch(epoch); }
  /// The next batch, in a buffer that is the caller's until the next call; 0 at the end.
  int64_t next(float *&images, int32_t *&labels) {
    if (pf_) return pf_->next(images, labels);
    images = images_.data();
    labels = labels_.data();
    return b_->next(images, labels);
  }
  /// Seconds next() waited for batches not ready yet.
  double waitSeconds() const { return pf_ ? pf_->waitSeconds() : 0; }
  std::string error() { return pf_ ? pf_->error() : std::string(); }

private:
  std::unique_ptr<Batcher> b_;
  std::unique_ptr<Prefetcher> pf_; // after b_: stopped before the Batcher goes
  std::vector<float> images_;
  std::vector<int32_t> labels_;
};

struct AlignedBuffer {
  void *p = nullptr;
  explicit AlignedBuffer(int64_t bytes) {
    p = std::aligned_alloc(64, std::max<int64_t>(64, (bytes + 63) / 64 * 64));
    if (p) std::memset(p, 0, std::max<int64_t>(64, (bytes + 63) / 64 * 64));
  }
  ~AlignedBuffer() { std::free(p); }
};

class Session {
public:
  Session(const std::string &file, const Program &p, DiagnosticEngine &diags, const TrainOptions &o,
          std::ostream &out)
      : file_(file), p_(p), g_(p.networks.at(0)), diags_(diags), o_(o), out_(out) {
    mlir::DialectRegistry registry;
    registerDialects(registry);
    ctx_.appendDialectRegistry(registry);
    ctx_.loadAllAvailableDialects();
  }
  ~Session() {
    if (rt_) nnc_ctx_destroy(rt_);
    if (rtTail_) nnc_ctx_destroy(rtTail_);
  }

  bool run(TrainResult &result) {
    if (!p_.solver.present) return fail(fmt::format("'{}' has no solver section; nnc train needs one", file_));
    batch_ = p_.solver.batch;
    if (!checkSavePath() || (!o_.resumePath.empty() && !readResume())) return false;
    auto t0 = std::chrono::steady_clock::now();
    model_ = compile(batch_, true); // before the data: a model that cannot compile needs none
    if (!model_ || (ckpt_ && !matchManifest(o_.resumePath, /*ignoreSolverState=*/false)) || !checkAndLoad())
      return false;
    int64_t tail = test_ ? test_->examples() % batch_ : 0;
    if (tail) {
      tailModel_ = compile(tail, false);
      if (!tailModel_) return false;
    }
    printCompiled(t0);
    allocateState();
    if (ckpt_) restoreState();
    if (getenv("NNC_DEBUG_STATE")) dumpState("init");
    return callInits() && loop(result);
  }

  /// One forward pass over the first `examples` examples (nnc run).
  bool runOnce(int64_t examples, bool interp) {
    if (!p_.data.present) return fail(fmt::format("'{}' has no data section; nnc run needs one", file_));
    if (!checkInputs("nnc run")) return false;
    if (!o_.weightsPath.empty()) {
      std::string error;
      ckpt_.emplace();
      if (!readCheckpoint(o_.weightsPath, *ckpt_, error)) return fail(error);
    }
    bool hasTest = p_.data.test.kind == Value::Kind::Pipeline;
    const Value &split = hasTest ? p_.data.test : p_.data.train;
    batch_ = examples;
    if (!loadSplit(split, hasTest ? p_.data.testLoc : p_.data.trainLoc, examples, false, test_, "evaluation"))
      return false;
    int64_t b = std::min(examples, test_->examples());
    batch_ = b;
    float *batchImages;
    int32_t *batchLabels;
    test_->startEpoch(0);
    test_->next(batchImages, batchLabels);
    std::vector<float> images(batchImages, batchImages + b * exampleSize());
    std::vector<int32_t> labels(batchLabels, batchLabels + b);
    std::vector<double> outputs;
    if (interp ? !interpret(b, images, labels, outputs) : !jit(b, images, labels, outputs)) return false;
    for (size_t i = 0; i < g_.outputs.size(); ++i)
      if (g_.nodes[g_.outputs[i].second].type.rank() == 0)
        out_ << fmt::format("{} {:.6f}\n", g_.outputs[i].first, outputs[i]);
    out_ << fmt::format("({} examples, {}, {})\n", b,
                        ckpt_ ? fmt::format("parameters of '{}'", o_.weightsPath) : "initial parameters",
                        interp ? "reference evaluator in double" : "compiled code");
    return true;
  }

  /// nnc eval: every scalar output averaged over the whole test split (the
  /// training split without one), with the parameters of checkpoint
  /// `weightsPath`, batch by batch as nnc train evaluates after each epoch.
  bool evalCheckpoint() {
    if (!p_.data.present) return fail(fmt::format("'{}' has no data section; nnc eval needs one", file_));
    SourceRange at;
    const char *what = nullptr;
    const Value *split = evaluationSplit(at, what);
    if (!split)
      return fail(
          fmt::format("'{}' has no 'test = ...' or 'train = ...' in its data section; nnc eval needs one", file_));
    if (!checkInputs("nnc eval")) return false;
    std::string error;
    ckpt_.emplace();
    if (!readCheckpoint(o_.weightsPath, *ckpt_, error)) return fail(error);
    // The checkpoint's seed (unless --seed): the same synthetic examples and
    // transforms as the evaluations of the run that saved it.
    if (o_.seed < 0) o_.seed = (int64_t)ckpt_->seed;
    evalOnly_ = true;
    auto load = [&] { return loadSplit(*split, at, o_.testLimit, true, test_, what); };
    batch_ = p_.solver.present ? p_.solver.batch : 64;
    if (!load()) return false;
    if (test_->examples() == 0) return fail(fmt::format("the {} data of '{}' has no examples", what, file_));
    if (test_->examples() < batch_) { // one batch of all examples
      batch_ = test_->examples();
      if (!load()) return false;
    }
    auto t0 = std::chrono::steady_clock::now();
    model_ = compile(batch_, false);
    if (!model_ || !matchManifest(o_.weightsPath, /*ignoreSolverState=*/true)) return false;
    if (int64_t tail = test_->examples() % batch_) {
      tailModel_ = compile(tail, false);
      if (!tailModel_) return false;
    }
    printCompiled(t0);
    allocateState();
    restoreState();
    std::vector<double> means;
    int64_t seen = 0;
    double seconds = 0;
    if (!callInits() || !averageOutputs(means, seen, seconds, "evaluation")) return false;
    for (size_t i = 0; i < g_.outputs.size(); ++i)
      if (g_.nodes[g_.outputs[i].second].type.rank() == 0)
        out_ << fmt::format("{} {:.4f}\n", g_.outputs[i].first, means[i]);
    out_ << fmt::format("({} {} examples, parameters of '{}' after epoch {} (iteration {}), {:.0f} images/s)\n", seen,
                        what, o_.weightsPath, ckpt_->epoch, ckpt_->iteration, seen / std::max(seconds, 1e-9));
    return true;
  }

  /// nnc predict: `target`'s values for every image of --input, one line
  /// each, with the parameters of checkpoint `weightsPath`. g_ is `network`
  /// pruned to the target (pruneTo); the checkpoint must hold `network`'s
  /// parameters all the same, as for nnc eval.
  bool predict(const Graph &network, const PredictionTarget &target, const PredictOptions &po, std::ostream &lines) {
    std::string error;
    ckpt_.emplace();
    if (!readCheckpoint(o_.weightsPath, *ckpt_, error)) return fail(error);
    {
      DiagnosticBridge bridge(ctx_, diags_);
      mlir::OwningOpRef<mlir::ModuleOp> whole = emitModule(ctx_, network, p_.solver, diags_);
      if (!whole) return false;
      if (!matchCheckpoint(o_.weightsPath, *ckpt_, network.name, expectedTensors(parameterEntries(*whole)),
                           /*ignoreSolverState=*/true, error))
        return fail(error);
    }
    if (o_.seed < 0) o_.seed = (int64_t)ckpt_->seed; // random transforms draw as in nnc eval
    batch_ = p_.solver.present ? p_.solver.batch : 64; // as nnc eval's
    bool labeled = !po.labelsPath.empty();
    if (!loadInput(po, target)) return false;
    auto t0 = std::chrono::steady_clock::now();
    model_ = compile(batch_, false);
    if (!model_) return false;
    // eval_step copies the one output, [batch, ...], into metrics at evalOutputs[0].
    int64_t at = model_->evalOutputs.empty() ? -1 : model_->evalOutputs[0];
    if (at < 0 || at + batch_ * target.perExample > (int64_t)evalMetricsSize())
      return fail(fmt::format("the compiled eval_step does not return '{}' to the host", target.name));
    printCompiled(t0);
    allocateState();
    restoreState();
    if (!callInits()) return false;

    // Live progress on a terminal (log is stderr) unless the lines go to it
    // too (o_.progress is off then); a line every 200 batches in a log file.
    bool live = o_.progress && ::isatty(2), periodic = !::isatty(2);
    int64_t count = test_->examples(), batches = (count + batch_ - 1) / batch_;
    int64_t seen = 0, correct = 0, correctTop = 0;
    std::vector<float> metrics(evalMetricsSize()), padded; // sized once: a step allocates nothing
    const float *values = metrics.data() + at;
    float *images;
    int32_t *labels;
    test_->startEpoch(0);
    auto start = std::chrono::steady_clock::now();
    for (int64_t i = 1; int64_t b = test_->next(images, labels); ++i) {
      if (b < batch_) { // the last, partial batch: padded with zeros, whose values are dropped
        padded.assign(batch_ * exampleSize(), 0.0f);
        std::copy(images, images + b * exampleSize(), padded.begin());
        images = padded.data();
      }
      if (!step(*model_, "eval_step", batch_, images, nullptr, 0, metrics)) return false;
      for (int64_t e = 0; e < b; ++e) {
        const float *v = values + e * target.perExample;
        lines << predictionLine(seen + e, v, target, po.top, po.raw) << '\n';
        if (labeled) {
          correct += labelInTopK(v, target.perExample, labels[e], 1);
          correctTop += labelInTopK(v, target.perExample, labels[e], po.top);
        }
      }
      seen += b;
      double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      std::string stats = fmt::format("{:>{}}/{} examples  {:.0f} img/s  ETA {}", seen, std::to_string(count).size(),
                                      count, seen / std::max(secs, 1e-9), clockTime(secs / seen * (count - seen)));
      if (live && (i % 10 == 0 || i == batches))
        out_ << fmt::format("\rpredict [{}] {}\x1b[K", progressBar(i, batches), stats) << std::flush;
      else if (periodic && i % 200 == 0)
        out_ << fmt::format("predict {}\n", stats) << std::flush;
    }
    double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    if (live) out_ << "\n";
    if (std::string e = test_->error(); !e.empty()) return fail("input data: " + e);
    if (!lines.flush()) return fail("cannot write the predictions");
    if (labeled) {
      out_ << fmt::format("accuracy {:.4f} ({} of {} correct)\n", (double)correct / seen, correct, seen);
      if (po.top > 1)
        out_ << fmt::format("top-{} accuracy {:.4f} ({} of {} correct)\n", po.top, (double)correctTop / seen,
                            correctTop, seen);
    }
    out_ << fmt::format("({} examples of '{}': '{}' with the parameters of '{}' after epoch {} (iteration {}), "
                        "{:.0f} images/s)\n",
                        seen, po.inputPath, target.name, o_.weightsPath, ckpt_->epoch, ckpt_->iteration,
                        seen / std::max(seconds, 1e-9));
    return true;
  }

  /// nnc bench: `iterations` steps of train_step on one synthetic batch
  /// shaped like the inputs, after `warmup` untimed ones, compiled with the
  /// pipeline option `profile`; prints each layer's forward and backward
  /// milliseconds per iteration, the solver's update, and the totals.
  bool bench(int64_t batch, int64_t iterations, int64_t warmup) {
    if (!p_.solver.present)
      return fail(fmt::format("'{}' has no solver section; nnc bench times the training step it defines", file_));
    if (!checkInputs("nnc bench")) return false;
    batch_ = batch > 0 ? batch : p_.solver.batch;
    profile_ = true;
    auto t0 = std::chrono::steady_clock::now();
    model_ = compile(batch_, true);
    if (!model_) return false;
    printCompiled(t0);
    allocateState();
    return callInits() && timeSteps(iterations, warmup);
  }

private:
  void printCompiled(std::chrono::steady_clock::time_point t0) {
    double compileSeconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    out_ << fmt::format("compiled {} ({} parameters) in {:.2f}s{}; batch {}, {} threads\n", g_.name,
                        g_.parameterCount(), compileSeconds, allCached_ ? " (cached)" : "", batch_,
                        o_.threads ? o_.threads : (int)sysconf(_SC_NPROCESSORS_ONLN));
  }

  /// One runtime context per compiled model (each numbers its library sites
  /// from 0; the destructor frees them), the state arena with fresh
  /// parameters, and one workspace that serves both models.
  void allocateState() {
    rt_ = nnc_ctx_create(o_.threads);
    rtTail_ = tailModel_ ? nnc_ctx_create(o_.threads) : nullptr;
    state_ = std::make_unique<AlignedBuffer>(model_->stateBytes);
    workspace_ = std::make_unique<AlignedBuffer>(
        std::max(model_->workspaceBytes, tailModel_ ? tailModel_->workspaceBytes : 0));
    initState();
  }

  bool callInits() { return callInit(*model_, rt_) && (!tailModel_ || callInit(*tailModel_, rtTail_)); }

  /// The class count of the network's softmax_cross_entropy (0 without one).
  int64_t classCount() const {
    for (const Node &n : g_.nodes)
      if (n.op == "softmax_cross_entropy") return g_.nodes[n.operands[0]].type.dims[1].value;
    return 0;
  }

  /// Floats eval_step's metrics argument needs: the scalar outputs, then
  /// any tensor output (JitModel::evalMetrics).
  size_t evalMetricsSize() const {
    int64_t n = g_.outputs.size();
    for (JitModel *m : {model_.get(), tailModel_.get()})
      if (m) n = std::max(n, m->evalMetrics);
    return n;
  }

  /// Every output averaged over the examples of test_ (scalar outputs; 0 for
  /// the others), and the seconds the steps took.
  bool averageOutputs(std::vector<double> &means, int64_t &seen, double &seconds, const char *what) {
    test_->startEpoch(0); // random transforms draw as in every evaluation of nnc train
    float *images;
    int32_t *labels;
    std::vector<float> metrics(evalMetricsSize());
    means.assign(g_.outputs.size(), 0);
    seen = 0;
    auto start = std::chrono::steady_clock::now();
    while (int64_t b = test_->next(images, labels)) {
      JitModel &m = b == batch_ ? *model_ : *tailModel_;
      if (!step(m, "eval_step", b, images, labels, 0, metrics)) return false;
      for (size_t i = 0; i < means.size(); ++i) means[i] += metrics[i] * b;
      seen += b;
    }
    seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    if (std::string e = test_->error(); !e.empty()) return fail(fmt::format("{} data: {}", what, e));
    for (double &m : means) m /= std::max<int64_t>(seen, 1);
    return true;
  }

  /// nnc bench's loop and table (see bench()).
  bool timeSteps(int64_t iterations, int64_t warmup) {
    // A batch like the data section's synthetic source: uniform [0, 1) values,
    // labels uniform over the loss's classes.
    std::vector<int64_t> shape = inputShape(1);
    shape.erase(shape.begin());
    SyntheticExamples source(batch_, std::max<int64_t>(1, classCount()), shape, seed(), stableHash("synthetic bench"));
    std::vector<float> images(batch_ * exampleSize());
    std::vector<int32_t> labels(batch_);
    for (int64_t e = 0; e < batch_; ++e) source.example(e, images.data() + e * exampleSize(), labels.data() + e);
    std::vector<float> metrics(g_.outputs.size());
    int lossIdx = outputIndex(p_.solver.minimize);
    bool finite = true;
    double seconds = 0;
    for (int64_t it = 0; it < warmup + iterations; ++it) {
      if (it == warmup) nnc_prof_reset(rt_);
      float lr = (float)learningRate(p_.solver.lr, it);
      auto start = std::chrono::steady_clock::now();
      if (!step(*model_, "train_step", batch_, images.data(), labels.data(), lr, metrics, it)) return false;
      if (it >= warmup) seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      finite &= lossIdx < 0 || std::isfinite(metrics[lossIdx]);
    }

    // Rows: the layers (the binding an op's name starts with) in the order
    // their forward ops run, then the solver's update.
    struct Row { std::string name; double fwd = 0, bwd = 0, upd = 0; bool hasFwd = false, hasBwd = false; };
    std::vector<Row> rows;
    std::map<std::string, size_t> rowOf;
    auto row = [&](const std::string &name) -> Row & {
      auto [it, inserted] = rowOf.try_emplace(name, rows.size());
      if (inserted) rows.push_back({name});
      return rows[it->second];
    };
    std::string method = p_.solver.method.str.empty() ? "solver" : p_.solver.method.str;
    std::string updateRow = "update (" + method + ")";
    auto layerRow = [&](const ProfileSite &s) -> Row & {
      return s.phase == "update" ? row(updateRow) : row(s.layer.empty() ? "(other)" : s.layer.substr(0, s.layer.find('.')));
    };
    for (const ProfileSite &s : model_->profileSites) // forward rows first, in order
      if (s.fn == "train_step" && s.phase == "forward") layerRow(s);
    double perIt = 1e3 / std::max<int64_t>(iterations, 1), fwd = 0, bwd = 0, upd = 0;
    for (size_t i = 0; i < model_->profileSites.size(); ++i) {
      const ProfileSite &s = model_->profileSites[i];
      if (s.fn != "train_step") continue;
      double ms = nnc_prof_seconds(rt_, (int64_t)i) * perIt;
      Row &r = layerRow(s);
      if (s.phase == "forward") r.fwd += ms, r.hasFwd = true, fwd += ms;
      else if (s.phase == "backward") r.bwd += ms, r.hasBwd = true, bwd += ms;
      else r.upd += ms, upd += ms;
    }
    size_t width = 5;
    for (const Row &r : rows) width = std::max(width, r.name.size());
    auto cell = [](bool has, double ms) { return has ? fmt::format("{:>12.3f}", ms) : fmt::format("{:>12}", "-"); };
    out_ << fmt::format("{} warm-up and {} timed iteration{} of train_step on synthetic data; ms per iteration:\n",
                        warmup, iterations, iterations == 1 ? "" : "s");
    out_ << fmt::format("{:<{}}  {:>12}{:>12}{:>12}\n", "layer", width, "forward", "backward", "update");
    for (const Row &r : rows) {
      bool isUpdate = r.name == updateRow;
      out_ << fmt::format("{:<{}}  {}{}{}\n", r.name, width, cell(r.hasFwd, r.fwd), cell(r.hasBwd, r.bwd),
                          cell(isUpdate, r.upd));
    }
    out_ << fmt::format("{:<{}}  {}{}{}\n", "total", width, cell(true, fwd), cell(true, bwd), cell(true, upd));
    double step = seconds * perIt;
    out_ << fmt::format("train_step {:.3f} ms per iteration ({:.3f} ms in the ops above), {:.0f} images/s\n", step,
                        fwd + bwd + upd, batch_ * iterations / std::max(seconds, 1e-9));
    if (!finite)
      out_ << "note: the loss was not finite on the synthetic batch, so some steps skipped the solver's update\n";
    return true;
  }

  bool jit(int64_t b, std::vector<float> &images, std::vector<int32_t> &labels, std::vector<double> &outputs) {
    model_ = compile(b, false);
    if (!model_) return false;
    allocateState();
    if (ckpt_) {
      if (!matchManifest(o_.weightsPath, /*ignoreSolverState=*/true)) return false;
      restoreState();
    }
    std::vector<float> metrics(evalMetricsSize());
    bool ok = callInits() && step(*model_, "eval_step", b, images.data(), labels.data(), 0, metrics);
    outputs.assign(metrics.begin(), metrics.begin() + g_.outputs.size());
    return ok;
  }

  bool interpret(int64_t b, std::vector<float> &images, std::vector<int32_t> &labels, std::vector<double> &outputs) {
    DiagnosticBridge bridge(ctx_, diags_);
    mlir::OwningOpRef<mlir::ModuleOp> module = emitModule(ctx_, g_, p_.solver, diags_);
    if (!module) return false;
    mlir::PassManager pm(&ctx_);
    pm.addPass(createNNSpecializeBatch(NNSpecializeBatchOptions{b}));
    if (mlir::failed(pm.run(*module))) return fail("batch specialization failed");
    auto forward = module->lookupSymbol<mlir::func::FuncOp>("forward");
    std::vector<ref::Tensor<double>> args(2);
    args[0].shape = inputShape(b);
    args[0].data.assign(images.begin(), images.end());
    args[1].shape = {b};
    args[1].data.assign(labels.begin(), labels.end());
    std::vector<ManifestEntry> params = parameterEntries(*module);
    std::string error;
    if (ckpt_ && !matchCheckpoint(o_.weightsPath, *ckpt_, g_.name, expectedTensors(params), true, error))
      return fail(error);
    for (const ManifestEntry &e : params) {
      std::vector<float> values(e.numel());
      if (ckpt_) values = savedValues(e.name);
      else initEntry(e, values.data());
      args.push_back({e.shape, std::vector<double>(values.begin(), values.end())});
    }
    std::vector<ref::Tensor<double>> results;
    if (!::nnc::evaluate(forward, args, results, error)) return fail("reference evaluator: " + error);
    for (const auto &r : results) outputs.push_back(r.item());
    return true;
  }

  /// The parameters of an emitted module, as a compiled model's manifest
  /// lists them (without offsets).
  static std::vector<ManifestEntry> parameterEntries(mlir::ModuleOp module) {
    std::vector<ManifestEntry> params;
    for (nn::ParameterOp p : module.getOps<nn::ParameterOp>()) {
      ManifestEntry e;
      e.name = p.getSymName().str();
      e.kind = p.getFrozen() ? "running" : "param";
      e.init = p.getInit().str();
      auto shape = mlir::cast<mlir::RankedTensorType>(p.getType()).getShape();
      e.shape.assign(shape.begin(), shape.end());
      params.push_back(e);
    }
    return params;
  }

  bool fail(const std::string &msg, SourceRange at = {}) {
    diags_.report(Diag::CompileError, at, msg);
    return false;
  }

  /// The image input's shape for a batch of b.
  std::vector<int64_t> inputShape(int64_t b) const {
    std::vector<int64_t> shape = {b};
    const Node &in = g_.nodes[g_.inputs[0].second];
    for (size_t i = 1; i < in.type.dims.size(); ++i) shape.push_back(in.type.dims[i].value);
    return shape;
  }

  /// Floats per example of the image input.
  int64_t exampleSize() const {
    int64_t n = 1;
    const Node &in = g_.nodes[g_.inputs[0].second];
    for (size_t i = 1; i < in.type.dims.size(); ++i) n *= in.type.dims[i].value;
    return n;
  }

  /// One split: its source, then its transforms in the order written (SPEC 13).
  /// Problems with the pipeline are reported at its setting (`at`), those of
  /// the network's inputs at the input.
  bool loadSplit(const Value &pipeline, SourceRange at, int64_t limit, bool prefetch, std::unique_ptr<Split> &out,
                 const char *what) {
    if (!at.valid()) at = p_.data.loc;
    const Value &src = pipeline.elems[0];
    BatcherOptions bo;
    if (!batcherOptions(pipeline, at, what, bo)) return false;
    std::unique_ptr<ExampleSource> examples;
    std::string origin; // where the examples come from, for messages
    std::string error;
    if (src.str == "synthetic") {
      int64_t count = src.arg("count")->i, classes = src.arg("classes")->i;
      if (limit > 0) count = std::min(count, limit);
      if (count < 1 || classes < 1)
        return fail(fmt::format("synthetic data needs count and classes of at least 1, got {} and {}", count, classes),
                    at);
      // Shaped like the network's input (SPEC 13): train and test draw different examples.
      std::vector<int64_t> shape = inputShape(1);
      shape.erase(shape.begin());
      examples = std::make_unique<SyntheticExamples>(count, classes, shape, seed(), stableHash(std::string("synthetic ") + what));
      origin = fmt::format("the {} examples are synthetic {}", what, shapeText(shape));
    } else if (src.str == "idx") {
      IdxImages images;
      IdxLabels labels;
      std::string ip = findData(src.arg("images")->str, file_, o_.dataDir);
      std::string lp = findData(src.arg("labels")->str, file_, o_.dataDir);
      for (const char *role : {"images", "labels"}) {
        const std::string &name = src.arg(role)->str;
        if (name.find('/') == std::string::npos && !exists(role[0] == 'i' ? ip : lp))
          return fail(fmt::format("{} data: cannot find the {} file '{}': looked in '{}'{} and "
                                  "'/usr/share/datasets/fashion-mnist'{}",
                                  what, role, name, dirOf(file_), o_.dataDir.empty() ? "" : ", '" + o_.dataDir + "',",
                                  o_.dataDir.empty() ? " (--data DIR adds a directory)" : ""),
                      at);
      }
      if (!readIdxDataset(ip, lp, images, labels, error)) return fail(fmt::format("{} data: {}", what, error), at);
      if (limit > 0 && limit < images.count) {
        images.count = labels.count = limit;
        images.pixels.resize(limit * images.rows * images.cols);
        labels.labels.resize(limit);
      }
      if (!checkLabels(labels, lp, classCount(), g_.nodes[g_.inputs[1].second].loc, what)) return false;
      origin = idxOrigin(images, ip, what);
      examples = IdxExamples::create(std::move(images), std::move(labels), error);
      if (!examples) return fail(fmt::format("{} data: {}", what, error), at);
    } else {
      return fail(fmt::format("data source '{}' is not supported by nnc train yet", src.str), at);
    }
    return makeSplit(std::move(examples), bo, origin, at, prefetch, out, what);
  }

  /// A split's batching: its transforms in the order written (SPEC 13) and
  /// whether it shuffles; problems are reported at its setting `at`.
  bool batcherOptions(const Value &pipeline, SourceRange at, const char *what, BatcherOptions &bo) {
    bo.batchSize = batch_;
    bo.shuffle = false;
    bo.seed = seed();
    bo.dropLast = std::string(what) == "training" && !evalOnly_; // the loop trains on full batches only
    std::map<std::string, int> occurrences; // random transforms of one kind draw from separate streams
    auto floats = [](const Value &v) {
      std::vector<float> xs;
      if (v.kind == Value::Kind::List)
        for (const Value &e : v.elems) xs.push_back((float)e.number());
      else
        xs.push_back((float)v.number());
      return xs;
    };
    for (size_t i = 1; i < pipeline.elems.size(); ++i) {
      const Value &t = pipeline.elems[i];
      int occurrence = occurrences[t.str]++;
      if (t.str == "scale") bo.transforms.push_back(Transform::scale((float)t.arg("factor")->number()));
      else if (t.str == "normalize") bo.transforms.push_back(Transform::normalize(floats(*t.arg("mean")), floats(*t.arg("std"))));
      else if (t.str == "shuffle") bo.shuffle = true;
      else if (t.str == "random_crop") bo.transforms.push_back(Transform::randomCrop(t.arg("size")->i, t.arg("pad")->i, occurrence));
      else if (t.str == "mirror") bo.transforms.push_back(Transform::mirror(occurrence));
      else return fail(fmt::format("data transform '{}' is not supported by nnc train yet", t.str), at);
    }
    return true;
  }

  /// Every label must be one of the network's `classes` (0: any); reported at `at`.
  bool checkLabels(const IdxLabels &labels, const std::string &path, int64_t classes, SourceRange at,
                   const char *what) {
    for (int64_t i = 0; i < labels.count; ++i)
      if (classes && labels.labels[i] >= classes)
        return fail(fmt::format("{} label {} of example {} in '{}' is not below the {} classes of the network", what,
                                (int)labels.labels[i], i, path, classes),
                    at);
    return true;
  }

  static std::string idxOrigin(const IdxImages &images, const std::string &path, const char *what) {
    return fmt::format("the {} images in '{}' are {}x{} ({})", what, path, images.rows, images.cols,
                       shapeText({1, images.rows, images.cols}));
  }

  /// Batches `examples` into `out` once they fit the network's image input:
  /// they are reshaped to its per-example shape, so the element counts must
  /// agree. `origin` says where they come from; `at`, where the split is
  /// defined (a note, when valid).
  bool makeSplit(std::unique_ptr<ExampleSource> examples, const BatcherOptions &bo, const std::string &origin,
                 SourceRange at, bool prefetch, std::unique_ptr<Split> &out, const char *what) {
    std::string error;
    auto batcher = Batcher::create(std::move(examples), bo, error);
    if (!batcher) return fail(fmt::format("{} data: {}", what, error), at);
    if (batcher->exampleSize() != exampleSize()) {
      const Node &in = g_.nodes[g_.inputs[0].second];
      std::vector<int64_t> want = inputShape(1);
      want.erase(want.begin());
      const Transform *crop = nullptr; // the last one makes the shape
      for (const Transform &t : bo.transforms)
        if (t.kind == TransformKind::RandomCrop) crop = &t;
      std::string found = crop ? fmt::format("random_crop(size={}, pad={}) makes the {} examples {}", crop->size,
                                             crop->pad, what, shapeText(batcher->exampleShape()))
                               : origin;
      std::string hint;
      if (crop && want.size() == 3 && want[1] == want[2])
        hint = fmt::format("; random_crop's size must be {} for this input", want[1]);
      Diagnostic &d = diags_.report(Diag::CompileError, in.loc,
                                    fmt::format("input '{}' is {}, but {}: expected {} values per example ({}), got {}{}",
                                                g_.inputs[0].first, in.type.str(), found, exampleSize(), shapeText(want),
                                                batcher->exampleSize(), hint));
      if (at.valid()) d.notes.push_back({at, fmt::format("the {} data is defined here", what)});
      return false;
    }
    out = std::make_unique<Split>(std::move(batcher), prefetch);
    return true;
  }

  /// The split nnc eval evaluates, whose transforms nnc predict applies too:
  /// the test split, else the training split; null when there is neither.
  const Value *evaluationSplit(SourceRange &at, const char *&what) const {
    if (p_.data.test.kind == Value::Kind::Pipeline) {
      at = p_.data.testLoc, what = "test";
      return &p_.data.test;
    }
    if (p_.data.train.kind == Value::Kind::Pipeline) {
      at = p_.data.trainLoc, what = "training";
      return &p_.data.train;
    }
    return nullptr;
  }

  /// nnc predict's examples, in the file's order: the images of --input and
  /// the labels of --labels (zeros without) through the transforms nnc eval
  /// applies (none without a data section). The batch shrinks to the count.
  bool loadInput(const PredictOptions &po, const PredictionTarget &target) {
    const char *what = "input";
    IdxImages images;
    IdxLabels labels;
    std::string error;
    bool ok = po.labelsPath.empty() ? readIdxImages(po.inputPath, images, error)
                                    : readIdxDataset(po.inputPath, po.labelsPath, images, labels, error);
    if (!ok) return fail(fmt::format("{} data: {}", what, error));
    if (po.labelsPath.empty()) {
      labels.count = images.count;
      labels.labels.assign(images.count, 0);
    } else if (!checkLabels(labels, po.labelsPath, target.perExample, {}, what)) {
      return false;
    }
    batch_ = std::min(batch_, images.count);
    SourceRange at;
    const char *split = nullptr;
    const Value *pipeline = evaluationSplit(at, split);
    BatcherOptions bo;
    if (!batcherOptions(pipeline ? *pipeline : Value(), at, what, bo)) return false;
    bo.shuffle = false; // one line per image, in order
    std::string origin = idxOrigin(images, po.inputPath, what);
    auto examples = IdxExamples::create(std::move(images), std::move(labels), error);
    if (!examples) return fail(fmt::format("{} data: {}", what, error));
    return makeSplit(std::move(examples), bo, origin, {}, /*prefetch=*/true, test_, what);
  }

  /// A resumed run keeps its checkpoint's seed: the same data order and dropout masks.
  uint64_t seed() const {
    if (ckpt_ && !o_.resumePath.empty()) return ckpt_->seed;
    return o_.seed >= 0 ? (uint64_t)o_.seed : (uint64_t)p_.solver.seed;
  }

  // --- Checkpoints ----------------------------------------------------------

  /// --save must name a file in an existing directory: found out before training.
  bool checkSavePath() {
    if (o_.savePath.empty()) return true;
    struct stat st;
    if (::stat(o_.savePath.c_str(), &st) == 0 && S_ISDIR(st.st_mode))
      return fail(fmt::format("cannot write checkpoint '{}': it is a directory", o_.savePath));
    std::string dir = dirOf(o_.savePath);
    if (::stat(dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode))
      return fail(fmt::format("cannot write checkpoint '{}': directory '{}' does not exist", o_.savePath, dir));
    return true;
  }

  bool readResume() {
    std::string error;
    ckpt_.emplace();
    if (!readCheckpoint(o_.resumePath, *ckpt_, error)) return fail(error);
    if (o_.seed >= 0 && (uint64_t)o_.seed != ckpt_->seed)
      return fail(fmt::format("--seed {} differs from the seed {} that checkpoint '{}' was trained with; leave "
                              "--seed out to resume",
                              o_.seed, ckpt_->seed, o_.resumePath));
    return true;
  }

  static std::vector<CheckpointTensor> expectedTensors(const std::vector<ManifestEntry> &manifest) {
    std::vector<CheckpointTensor> tensors;
    for (const ManifestEntry &e : manifest) tensors.push_back({e.name, e.kind, e.shape, {}});
    return tensors;
  }

  /// The checkpoint must hold exactly the compiled model's state (evaluation: its parameters).
  bool matchManifest(const std::string &path, bool ignoreSolverState) {
    std::string error;
    if (!matchCheckpoint(path, *ckpt_, g_.name, expectedTensors(model_->manifest), ignoreSolverState, error))
      return fail(error);
    return true;
  }

  const std::vector<float> &savedValues(const std::string &name) const {
    for (const CheckpointTensor &t : ckpt_->tensors)
      if (t.name == name) return t.values;
    static const std::vector<float> none;
    return none; // not reached: matchManifest found every entry
  }

  /// Copies the checkpoint's tensors into the state arena.
  void restoreState() {
    for (const ManifestEntry &e : model_->manifest) {
      const std::vector<float> &v = savedValues(e.name);
      std::memcpy((char *)state_->p + e.offset, v.data(), v.size() * sizeof(float));
    }
  }

  /// Writes the whole state arena and the position after `epochsDone` epochs.
  bool saveCheckpoint(int64_t epochsDone, int64_t iteration) {
    Checkpoint c;
    c.network = g_.name;
    c.iteration = iteration;
    c.epoch = epochsDone;
    c.seed = seed();
    for (const ManifestEntry &e : model_->manifest) {
      const float *p = (const float *)((const char *)state_->p + e.offset);
      c.tensors.push_back({e.name, e.kind, e.shape, std::vector<float>(p, p + e.numel())});
    }
    std::string error;
    if (!writeCheckpoint(o_.savePath, c, error)) return fail(error);
    out_ << fmt::format("saved checkpoint '{}' (epoch {}, iteration {})\n", o_.savePath, epochsDone, iteration);
    return true;
  }

  /// The data sources feed two inputs: f32 examples first, then i32 labels.
  bool checkInputs(const char *cmd) {
    if (g_.inputs.size() != 2)
      return fail(fmt::format("{} feeds an image input and a label input; network '{}' has {} inputs", cmd,
                              g_.name, g_.inputs.size()), g_.loc);
    const Node &img = g_.nodes[g_.inputs[0].second], &lab = g_.nodes[g_.inputs[1].second];
    if (img.type.dtype != shapes::DType::F32)
      return fail(fmt::format("{} feeds the first input as f32 examples; '{}' is declared {}", cmd,
                              g_.inputs[0].first, img.type.str()), img.loc);
    bool intLabels = lab.type.dtype == shapes::DType::I32 || lab.type.dtype == shapes::DType::I64;
    if (!intLabels || lab.type.rank() != 1)
      return fail(fmt::format("{} feeds the second input as class labels (i32[N] or i64[N]); '{}' is declared {}", cmd,
                              g_.inputs[1].first, lab.type.str()), lab.loc);
    return true;
  }

  bool checkAndLoad() {
    if (!p_.solver.present) return fail(fmt::format("'{}' has no solver section; nnc train needs one", file_));
    if (!p_.data.present || p_.data.train.kind != Value::Kind::Pipeline)
      return fail(fmt::format("'{}' has no 'train = ...' in a data section; nnc train needs one", file_));
    if (!checkInputs("nnc train")) return false;
    if (!loadSplit(p_.data.train, p_.data.trainLoc, o_.trainLimit, true, train_, "training")) return false;
    if (p_.data.test.kind == Value::Kind::Pipeline &&
        !loadSplit(p_.data.test, p_.data.testLoc, o_.testLimit, true, test_, "test"))
      return false;
    return true;
  }

  std::unique_ptr<JitModel> compile(int64_t batch, bool training) {
    DiagnosticBridge bridge(ctx_, diags_);
    mlir::OwningOpRef<mlir::ModuleOp> module = emitModule(ctx_, g_, p_.solver, diags_);
    if (!module) return nullptr;
    PipelineOptions po;
    po.batch = batch;
    po.training = training;
    po.profile = profile_;
    po.granularity = o_.granularity;
    po.channelBlock = o_.channelBlock;
    std::string error;
    bool cached = false;
    auto model = compileModel(*module, po, o_.cacheDir, cached, error);
    if (!model && !diags_.errorCount()) fail(error.empty() ? "compilation failed" : "JIT compilation failed: " + error);
    allCached_ &= cached;
    return model;
  }

  /// Parameters are keyed by seed and name: the same values on every machine.
  /// fan_in and fan_out come from the shape [out, in, kh, kw] of the
  /// parameter, and for a bias from its op's weight (SPEC 11.1).
  void initEntry(const ManifestEntry &e, float *p) const {
    std::vector<int64_t> shape = e.shape;
    size_t dot = e.name.rfind('.');
    if (dot != std::string::npos && e.name.compare(dot + 1, std::string::npos, "bias") == 0)
      for (const Node &n : g_.nodes)
        if (n.paramPrefix == e.name.substr(0, dot))
          for (const shapes::ParamSpec &w : n.params)
            if (w.name == "weight" && w.shape.size() >= 2) shape = w.shape;
    int64_t fanIn = 1, fanOut = shape.empty() ? 1 : shape[0];
    for (size_t i = 1; i < shape.size(); ++i) fanIn *= shape[i];
    for (size_t i = 2; i < shape.size(); ++i) fanOut *= shape[i];
    initTensor(p, e.numel(), initSpec(e.init), fanIn, fanOut, seed(), stableHash(e.name));
  }

  void initState() {
    for (const ManifestEntry &e : model_->manifest) initEntry(e, (float *)((char *)state_->p + e.offset));
  }

  void dumpState(const char *when) {
    for (const ManifestEntry &e : model_->manifest) {
      float *p = (float *)((char *)state_->p + e.offset);
      double s = 0; for (int64_t i = 0; i < e.numel(); ++i) s += (double)p[i] * p[i];
      out_ << when << " " << e.name << " norm " << std::sqrt(s) << " first " << p[0] << "\n";
    }
  }

  bool callInit(JitModel &m, nnc_ctx *rt) {
    void *ctx = rt;
    std::string error;
    if (!m.call("init", {&ctx}, error)) return fail(error);
    return runtimeOk(rt);
  }

  bool runtimeOk(nnc_ctx *rt) {
    if (const char *e = nnc_ctx_error(rt)) return fail(std::string("runtime: ") + e);
    return true;
  }

  /// Calls train_step or eval_step on one batch; metrics get the scalar
  /// outputs, and from eval_step the tensor outputs after them
  /// (JitModel::evalOutputs; nnc predict's one output). A network without a
  /// label input (nnc predict's, pruned) takes no labels.
  /// hyper = [lr, iteration, seed low, seed high]; the last three carry the
  /// bits of 32-bit unsigned words (dropout draws its masks from them).
  bool step(JitModel &m, const char *fn, int64_t b, float *images, int32_t *labels, float lr,
            llvm::MutableArrayRef<float> metrics, int64_t iteration = 0) {
    // Nothing here touches the heap: a step allocates no memory (AllocationTest).
    int64_t imageShape[MemRefDescriptor::kMaxRank];
    const auto &dims = g_.nodes[g_.inputs[0].second].type.dims;
    size_t rank = std::min(dims.size(), MemRefDescriptor::kMaxRank);
    imageShape[0] = b;
    for (size_t i = 1; i < rank; ++i) imageShape[i] = dims[i].value;
    int64_t stateBytes = model_->stateBytes,
            wsBytes = std::max(model_->workspaceBytes, tailModel_ ? tailModel_->workspaceBytes : 0);
    MemRefDescriptor state(state_->p, {stateBytes}), ws(workspace_->p, {wsBytes});
    bool hasLabels = g_.inputs.size() > 1;
    void *labelData = labels;
    if (hasLabels && g_.nodes[g_.inputs[1].second].type.dtype == shapes::DType::I64) {
      labels64_.assign(labels, labels + b);
      labelData = labels64_.data();
    }
    MemRefDescriptor img(images, llvm::ArrayRef<int64_t>(imageShape, rank)), lab(labelData, {b});
    float hyper[4] = {lr, 0, 0, 0};
    uint64_t sd = seed();
    uint32_t words[3] = {uint32_t(iteration), uint32_t(sd), uint32_t(sd >> 32)};
    std::memcpy(&hyper[1], words, sizeof words);
    MemRefDescriptor hyp(hyper, {4}), met(metrics.data(), {(int64_t)metrics.size()});
    nnc_ctx *rt = &m == model_.get() ? rt_ : rtTail_;
    void *ctx = rt;
    void *p[] = {state.get(), ws.get(), img.get(), lab.get(), hyp.get(), met.get()};
    void *trainArgs[] = {&ctx, &p[0], &p[1], &p[2], &p[3], &p[4], &p[5]};
    void *evalArgs[] = {&ctx, &p[0], &p[1], &p[2], &p[3], &p[5]};
    void *unlabeledArgs[] = {&ctx, &p[0], &p[1], &p[2], &p[5]};
    bool training = std::strcmp(fn, "train_step") == 0;
    llvm::ArrayRef<void *> args = training ? llvm::ArrayRef<void *>(trainArgs)
                                  : hasLabels ? llvm::ArrayRef<void *>(evalArgs)
                                              : llvm::ArrayRef<void *>(unlabeledArgs);
    std::string error;
    if (!m.call(fn, args, error)) return fail(error);
    return runtimeOk(rt);
  }

  int outputIndex(const std::string &name) const {
    for (size_t i = 0; i < g_.outputs.size(); ++i)
      if (g_.outputs[i].first == name) return (int)i;
    return -1;
  }

  bool evaluate(double &accuracy, double &loss) {
    int acc = -1;
    for (const Node &n : g_.nodes)
      if (n.op == "accuracy")
        for (size_t i = 0; i < g_.outputs.size(); ++i)
          if (g_.outputs[i].second == (int)(&n - &g_.nodes[0]) && acc < 0) acc = (int)i;
    std::vector<double> means;
    int64_t seen = 0;
    double seconds = 0;
    if (!averageOutputs(means, seen, seconds, "test")) return false;
    accuracy = acc >= 0 ? means[acc] : -1;
    loss = means[outputIndex(p_.solver.minimize)];
    return true;
  }

  bool loop(TrainResult &result) {
    int64_t epochs = o_.epochs > 0 ? o_.epochs : p_.solver.epochs;
    int64_t perEpoch = train_->examples() / batch_;
    if (perEpoch == 0)
      return fail(fmt::format("{} training examples are fewer than one batch of {} (the solver's batch){}",
                              train_->examples(), batch_,
                              o_.trainLimit > 0 ? "; raise --train-examples or lower the batch" : "; lower the batch"),
                  p_.data.trainLoc);
    int lossIdx = outputIndex(p_.solver.minimize);
    int accIdx = outputIndex("accuracy");
    float *images;
    int32_t *labels;
    std::vector<float> metrics(g_.outputs.size());
    bool tty = o_.progress && ::isatty(1);
    // A resumed run goes on where the checkpoint stopped: the epoch picks the
    // data order, the iteration the learning rate and the dropout masks.
    int64_t firstEpoch = ckpt_ ? ckpt_->epoch : 0, it = ckpt_ ? ckpt_->iteration : 0;
    if (ckpt_) {
      if (firstEpoch >= epochs)
        return fail(fmt::format("checkpoint '{}' has already trained {} of {} epochs; --epochs counts all epochs, "
                                "so pass a larger number to train on",
                                o_.resumePath, firstEpoch, epochs));
      out_ << fmt::format("resumed from '{}' after epoch {} (iteration {})\n", o_.resumePath, firstEpoch, it);
    }
    double totalSeconds = 0;
    int64_t totalImages = 0;
    double evalSeconds = -1; // the last evaluation's, for the ETA
    for (int64_t epoch = firstEpoch; epoch < epochs; ++epoch) {
      train_->startEpoch(epoch);
      double waitedBefore = train_->waitSeconds();
      double sumLoss = 0, sumAcc = 0;
      int64_t n = 0;
      auto start = std::chrono::steady_clock::now();
      for (int64_t i = 0; i < perEpoch; ++i, ++it) {
        if (train_->next(images, labels) != batch_) break;
        float lr = (float)learningRate(p_.solver.lr, it);
        if (!step(*model_, "train_step", batch_, images, labels, lr, metrics, it)) return false;
        float loss = metrics[lossIdx];
        if (getenv("NNC_DEBUG_STATE") && it < 3) { out_ << "loss " << loss << "\n"; dumpState("step"); }
        if (!std::isfinite(loss)) {
          // train_step skipped its update: the state is the one this batch diverged from.
          std::string cause = findNonFinite(ctx_, g_, p_.solver, diags_, model_->manifest, static_cast<const char *>(state_->p), images,
                                            inputShape(batch_), labels);
          return fail(fmt::format("the loss became {} at iteration {} (epoch {}){}; lower the learning rate{}", loss,
                                  it, epoch + 1, cause.empty() ? "" : ": " + cause,
                                  !exists(o_.savePath) ? "" : fmt::format("; '{}' keeps the last saved state", o_.savePath)));
        }
        sumLoss += loss;
        if (accIdx >= 0) sumAcc += metrics[accIdx];
        ++n;
        double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        if ((tty && (i % 10 == 9 || i + 1 == perEpoch)) || (!tty && (i % 200 == 199))) {
          // Time left at this epoch's pace: its remaining steps, then the
          // remaining epochs and evaluations (the last one's time, or a guess
          // of a third of a step per batch before the first).
          double perStep = secs / n;
          double evalGuess = !test_             ? 0
                             : evalSeconds >= 0 ? evalSeconds
                                                : perStep / 3 * (double)test_->examples() / batch_;
          double epochLeft = perStep * (perEpoch - i - 1);
          double runLeft = epochLeft + evalGuess + (epochs - epoch - 1) * (perStep * perEpoch + evalGuess);
          std::string eta = fmt::format("ETA {} (run {})", clockTime(epochLeft), clockTime(runLeft));
          std::string stats = fmt::format("loss {:.4f}{}  lr {:.5f}  {:.0f} img/s  {}", sumLoss / n,
                                          accIdx >= 0 ? fmt::format("  acc {:.4f}", sumAcc / n) : "", lr,
                                          n * batch_ / std::max(secs, 1e-9), eta);
          if (tty) {
            out_ << fmt::format("\repoch {}/{} [{}] {:>5}/{}  {}\x1b[K", epoch + 1, epochs, progressBar(i + 1, perEpoch),
                                i + 1, perEpoch, stats)
                 << std::flush;
          } else {
            out_ << fmt::format("epoch {}/{}  iter {:>5}/{}  {}\n", epoch + 1, epochs, i + 1, perEpoch, stats)
                 << std::flush;
          }
        }
      }
      if (std::string e = train_->error(); !e.empty()) return fail("training data: " + e);
      double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      double waited = train_->waitSeconds() - waitedBefore; // steps waiting for the next batch
      totalSeconds += secs;
      totalImages += n * batch_;
      if (tty) out_ << "\n";
      result.trainLoss = sumLoss / std::max<int64_t>(n, 1);
      result.epochTrainLoss.push_back(result.trainLoss);
      out_ << fmt::format("epoch {}/{}: train loss {:.4f}, {:.0f} images/s", epoch + 1, epochs, result.trainLoss,
                          n * batch_ / std::max(secs, 1e-9));
      if (test_) {
        double acc, loss;
        auto evalStart = std::chrono::steady_clock::now();
        if (!evaluate(acc, loss)) return false;
        evalSeconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - evalStart).count();
        result.testAccuracy = acc;
        result.testLoss = loss;
        out_ << fmt::format(", test loss {:.4f}", loss);
        if (acc >= 0) out_ << fmt::format(", test accuracy {:.4f} ({} images)", acc, test_->examples());
      }
      out_ << fmt::format(", data wait {:.0f} ms ({:.1f}%)", waited * 1e3, 100 * waited / std::max(secs, 1e-9));
      out_ << "\n" << std::flush;
      if (test_ && !std::isfinite(result.testLoss))
        return fail(fmt::format("the test loss became {} after epoch {}: the parameters diverged; lower the learning "
                                "rate{}", result.testLoss, epoch + 1,
                                o_.savePath.empty() ? "" : fmt::format(" (no checkpoint written: '{}' keeps the last saved state)", o_.savePath)));
      if (!o_.savePath.empty() && !saveCheckpoint(epoch + 1, it)) return false;
    }
    result.imagesPerSecond = totalImages / std::max(totalSeconds, 1e-9);
    return true;
  }

  std::string file_;
  const Program &p_;
  const Graph &g_;
  DiagnosticEngine &diags_;
  TrainOptions o_;
  std::ostream &out_;
  mlir::MLIRContext ctx_;
  std::unique_ptr<Split> train_, test_;
  std::unique_ptr<JitModel> model_, tailModel_;
  bool allCached_ = true;           // every model came from the compile cache
  bool profile_ = false;            // nnc bench: models time each op
  bool evalOnly_ = false;           // nnc eval: a training split is evaluated whole
  std::vector<int64_t> labels64_; // labels widened for networks that declare i64
  int64_t batch_ = 64;
  nnc_ctx *rt_ = nullptr, *rtTail_ = nullptr;
  std::unique_ptr<AlignedBuffer> state_, workspace_;
  std::optional<Checkpoint> ckpt_; // --resume or --weights
};

} // namespace

bool train(const std::string &file, const Program &program, DiagnosticEngine &diags,
           const TrainOptions &options, std::ostream &out, TrainResult &result) {
  if (program.networks.size() != 1) {
    diags.report(Diag::NoNetwork, {}, fmt::format("nnc train needs exactly one network in '{}'", file));
    return false;
  }
  return Session(file, program, diags, options, out).run(result);
}

bool evaluateCheckpoint(const std::string &file, const Program &program, DiagnosticEngine &diags,
                        const TrainOptions &options, std::ostream &out) {
  if (program.networks.size() != 1) {
    diags.report(Diag::NoNetwork, {}, fmt::format("nnc eval needs exactly one network in '{}'", file));
    return false;
  }
  return Session(file, program, diags, options, out).evalCheckpoint();
}

bool predict(const std::string &file, const Program &program, DiagnosticEngine &diags, const TrainOptions &options,
             const PredictOptions &po, std::ostream &lines, std::ostream &log) {
  if (program.networks.size() != 1) {
    diags.report(Diag::NoNetwork, {}, fmt::format("nnc predict needs exactly one network in '{}'", file));
    return false;
  }
  const Graph &network = program.networks[0];
  PredictionTarget target;
  if (!choosePrediction(network, po.output, diags, target)) return false;
  const Node &n = network.nodes[target.node];
  auto fail = [&](const std::string &message) {
    diags.report(Diag::CompileError, n.loc, message);
    return false;
  };
  if (!target.classifier && (po.top > 1 || !po.labelsPath.empty()))
    return fail(fmt::format("--{} needs class scores [N, K] (the logits of a softmax_cross_entropy or accuracy, or a "
                            "softmax): '{}' is {}, printed as raw values",
                            po.top > 1 ? "top" : "labels", target.name, n.type.str()));
  if (target.classifier && po.top > target.perExample)
    return fail(fmt::format("--top {} is more than the {} classes of '{}'", po.top, target.perExample, target.name));
  Program pruned = program;
  pruned.networks = {pruneTo(network, target.node)};
  return Session(file, pruned, diags, options, log).predict(network, target, po, lines);
}

bool bench(const std::string &file, const Program &program, DiagnosticEngine &diags, const TrainOptions &options,
           int64_t batch, int64_t iterations, int64_t warmup, std::ostream &out) {
  if (program.networks.size() != 1) {
    diags.report(Diag::NoNetwork, {}, fmt::format("nnc bench needs exactly one network in '{}'", file));
    return false;
  }
  return Session(file, program, diags, options, out).bench(batch, iterations, warmup);
}

bool runOnce(const std::string &file, const Program &program, DiagnosticEngine &diags,
             const TrainOptions &options, int64_t examples, bool interp, std::ostream &out) {
  if (program.networks.size() != 1) {
    diags.report(Diag::NoNetwork, {}, fmt::format("nnc run needs exactly one network in '{}'", file));
    return false;
  }
  return Session(file, program, diags, options, out).runOnce(examples, interp);
}

} // namespace nnc
