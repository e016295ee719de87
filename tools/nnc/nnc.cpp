//===- nnc.cpp - The nnc driver ---------------------------------------------===//
//
// Parses the command line and calls the libraries; no compiler logic here.
// Exit codes: 0 success, 1 errors in the input, 2 bad usage.
//
//===----------------------------------------------------------------------===//
#include "codegen/CompileCache.h"
#include "codegen/Compiler.h"
#include "codegen/Trainer.h"
#include "frontend/Formatter.h"
#include "frontend/emit/DiagnosticBridge.h"
#include "frontend/emit/Emitter.h"
#include "tools/RegisterNNC.h"
#include "frontend/Frontend.h"
#include "frontend/Parser.h"
#include "frontend/ShapeReport.h"

#include "mlir/IR/MLIRContext.h"
#include "mlir/Target/LLVMIR/Dialect/Builtin/BuiltinToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/LLVMIR/LLVMToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Export.h"

#include "llvm/IR/LLVMContext.h"
#include "llvm/IR/Module.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <fstream>
#include <iostream>
#include <sstream>
#include <sys/stat.h>
#include <unistd.h>

using namespace llvm;

namespace {

cl::OptionCategory kCategory("nnc options");

cl::SubCommand kCheck("check", "Check .nn files: syntax, names, types and shapes");
cl::SubCommand kFmt("fmt", "Rewrite .nn files in the canonical layout");
cl::SubCommand kUpgrade("upgrade", "Rewrite .nn files to the newest language version");
cl::SubCommand kCompile("compile", "Compile a network and print the IR of a pipeline stage");
cl::SubCommand kTrain("train", "Compile a network and train it as its solver and data sections say");
cl::SubCommand kRun("run", "Evaluate a network once on its data, compiled or interpreted");
cl::SubCommand kEval("eval", "Evaluate a checkpoint on the whole test split: each output's average");
cl::SubCommand kPredict("predict", "Print a checkpoint's prediction for each image of an IDX file, one line each");
cl::SubCommand kBench("bench", "Time the training step per layer (forward, backward) on synthetic data");

cl::list<std::string> kCheckFiles(cl::Positional, cl::OneOrMore, cl::desc("<file.nn>..."),
                                  cl::sub(kCheck), cl::cat(kCategory));
cl::opt<std::string> kFile(cl::Positional, cl::Required, cl::desc("<file.nn>"), cl::sub(kCompile),
                           cl::sub(kTrain), cl::sub(kRun), cl::sub(kEval), cl::sub(kPredict), cl::sub(kBench),
                           cl::cat(kCategory));
cl::opt<bool> kInterp("interp", cl::desc("Use the reference evaluator (double) instead of compiled code"),
                      cl::sub(kRun), cl::cat(kCategory));
cl::opt<int64_t> kExamples("examples", cl::desc("How many examples to evaluate"), cl::init(256),
                           cl::sub(kRun), cl::cat(kCategory));

enum class Emit { Mlir, Llvm };
cl::opt<Emit> kEmit("emit", cl::desc("What to print"),
                    cl::values(clEnumValN(Emit::Mlir, "mlir", "MLIR after --stage"),
                               clEnumValN(Emit::Llvm, "llvm", "LLVM IR of the CPU code")),
                    cl::init(Emit::Mlir), cl::sub(kCompile), cl::cat(kCategory));
cl::opt<std::string> kStage("stage",
                            cl::desc("Pipeline stage for --emit=mlir: nn, autodiff, solver, lowered, llvm"),
                            cl::init("nn"), cl::sub(kCompile), cl::cat(kCategory));
cl::opt<int64_t> kBatch("batch", cl::desc("Static batch size from --stage=lowered on (default: the solver's)"),
                        cl::init(0), cl::sub(kCompile), cl::cat(kCategory));
cl::opt<bool> kLocations("locations", cl::desc("Print each op's location in the .nn source"),
                          cl::sub(kCompile), cl::cat(kCategory));
cl::opt<std::string> kOutput("o", cl::desc("Write the output to a file (nnc predict: atomically, once all is done)"),
                             cl::value_desc("file"), cl::sub(kCompile), cl::sub(kPredict), cl::cat(kCategory));

cl::opt<int64_t> kEpochs("epochs", cl::desc("Epochs to train (default: the solver's)"), cl::init(0),
                         cl::sub(kTrain), cl::cat(kCategory));
cl::opt<int64_t> kSeed("seed", cl::desc("Seed of initialization and data order (default: the solver's; "
                                        "nnc eval and predict: the checkpoint's)"),
                       cl::init(-1), cl::sub(kTrain), cl::sub(kRun), cl::sub(kEval), cl::sub(kPredict), cl::sub(kBench),
                       cl::cat(kCategory));
cl::opt<int> kThreads("threads", cl::desc("Worker threads (default: all cores)"), cl::init(0),
                      cl::sub(kTrain), cl::sub(kRun), cl::sub(kEval), cl::sub(kPredict), cl::sub(kBench),
                      cl::cat(kCategory));
cl::opt<std::string> kData("data", cl::desc("Directory searched for the data section's files"),
                           cl::value_desc("dir"), cl::sub(kTrain), cl::sub(kRun), cl::sub(kEval),
                           cl::cat(kCategory));
cl::opt<int64_t> kTrainLimit("train-examples", cl::desc("Train on the first N examples only"),
                             cl::init(0), cl::sub(kTrain), cl::cat(kCategory));
cl::opt<int64_t> kTestLimit("test-examples", cl::desc("Test on the first N examples only"),
                            cl::init(0), cl::sub(kTrain), cl::sub(kEval), cl::cat(kCategory));
cl::opt<std::string> kSave("save", cl::desc("Write a checkpoint to this file after each epoch"),
                          cl::value_desc("path"), cl::sub(kTrain), cl::cat(kCategory));
cl::opt<std::string> kResume("resume",
                            cl::desc("Continue training from this checkpoint (--epochs counts all epochs)"),
                            cl::value_desc("path"), cl::sub(kTrain), cl::cat(kCategory));
cl::opt<std::string> kWeights("weights", cl::desc("Evaluate with the parameters of this checkpoint"),
                             cl::value_desc("path"), cl::sub(kRun), cl::sub(kEval), cl::sub(kPredict),
                             cl::cat(kCategory));
cl::opt<std::string> kInput("input", cl::desc("IDX file of the images to predict (gzip-compressed or not)"),
                           cl::value_desc("path"), cl::sub(kPredict), cl::cat(kCategory));
cl::opt<std::string> kLabels("labels", cl::desc("IDX file of their labels: print the accuracy at the end"),
                            cl::value_desc("path"), cl::sub(kPredict), cl::cat(kCategory));
cl::opt<std::string> kPredictOutput("output",
                                   cl::desc("The value to print: a binding of the network (default: the "
                                            "classifier's logits, printed as classes and probabilities)"),
                                   cl::value_desc("name"), cl::sub(kPredict), cl::cat(kCategory));
cl::opt<int64_t> kTop("top", cl::desc("The K best classes per line (default: 1)"), cl::init(1),
                      cl::value_desc("K"), cl::sub(kPredict), cl::cat(kCategory));
cl::opt<bool> kRaw("raw", cl::desc("Print a classifier's values instead of its best classes"), cl::sub(kPredict),
                   cl::cat(kCategory));
cl::opt<int64_t> kBenchBatch("batch", cl::desc("Batch size (default: the solver's)"), cl::init(0), cl::sub(kBench),
                             cl::cat(kCategory));
cl::opt<int64_t> kIterations("iterations", cl::desc("Timed training steps (default: 20)"), cl::init(20),
                             cl::sub(kBench), cl::cat(kCategory));
cl::opt<int64_t> kWarmup("warmup", cl::desc("Untimed training steps before them (default: 2)"), cl::init(2),
                         cl::sub(kBench), cl::cat(kCategory));
cl::opt<bool> kNoCache("no-cache",
                       cl::desc("Compile afresh and keep nothing (compiled models are otherwise kept in "
                                "$NNC_CACHE_DIR, $XDG_CACHE_HOME/nnc or ~/.cache/nnc)"),
                       cl::sub(kTrain), cl::sub(kRun), cl::sub(kEval), cl::sub(kPredict), cl::sub(kBench),
                       cl::cat(kCategory));
enum class Granularity { Auto, Coarse, Fine };
cl::opt<Granularity> kGranularity(
    "granularity",
    cl::desc("How ops oneDNN has (conv2d, max_pool, dense, lrn, batch_norm, softmax, activations) are "
             "implemented where no @coarse or @fine decides (SPEC 14)"),
    cl::values(clEnumValN(Granularity::Auto, "auto", "nnc chooses: oneDNN calls, but generated max_pool"),
               clEnumValN(Granularity::Coarse, "coarse", "oneDNN calls"),
               clEnumValN(Granularity::Fine, "fine", "generated loops")),
    cl::init(Granularity::Auto), cl::sub(kCompile), cl::sub(kTrain), cl::sub(kRun), cl::sub(kEval), cl::sub(kPredict),
    cl::sub(kBench), cl::cat(kCategory));

// Channel block of the layout kept between library calls (docs/pipeline.md):
// for benchmarks and debugging; -1 is the host's (16 with AVX-512, else 8).
cl::opt<int> kChannelBlock("channel-block", cl::desc("Channel block between library calls: 0 (NCHW), 8 or 16"),
                           cl::init(-1), cl::Hidden, cl::sub(kCompile), cl::sub(kTrain), cl::sub(kRun),
                           cl::sub(kEval), cl::sub(kPredict), cl::sub(kBench));

const char *granularityName() {
  return kGranularity == Granularity::Fine ? "fine" : kGranularity == Granularity::Coarse ? "coarse" : "auto";
}

cl::list<std::string> kFmtFiles(cl::Positional, cl::OneOrMore, cl::desc("<file.nn>..."),
                                cl::sub(kFmt), cl::sub(kUpgrade), cl::cat(kCategory));

cl::opt<bool> kShapes("shapes",
                      cl::desc("Print each binding's type, parameter count and FLOPs per example"),
                      cl::sub(kCheck), cl::cat(kCategory));
cl::opt<bool> kFmtCheck("check",
                        cl::desc("Change nothing; exit 1 and name the files that would change"),
                        cl::sub(kFmt), cl::sub(kUpgrade), cl::cat(kCategory));
cl::opt<bool> kFmtStdout("stdout", cl::desc("Print the result instead of rewriting the file"),
                         cl::sub(kFmt), cl::sub(kUpgrade), cl::cat(kCategory));

enum class DiagFormat { Text, Json };
cl::opt<DiagFormat> kDiagFormat(
    "diagnostics-format", cl::desc("How errors and warnings are printed"),
    cl::values(clEnumValN(DiagFormat::Text, "text", "file:line:col: error: ... with the source line"),
               clEnumValN(DiagFormat::Json, "json", "a JSON array per file, for tools")),
    cl::init(DiagFormat::Text), cl::sub(kCheck), cl::sub(kFmt), cl::sub(kUpgrade), cl::sub(kCompile),
    cl::sub(kTrain), cl::sub(kRun), cl::sub(kEval), cl::sub(kPredict), cl::sub(kBench), cl::cat(kCategory));

enum class Color { Auto, Always, Never };
cl::opt<Color> kColor("color", cl::desc("Colour diagnostics"),
                      cl::values(clEnumValN(Color::Auto, "auto", "on a terminal only"),
                                 clEnumValN(Color::Always, "always", "always"),
                                 clEnumValN(Color::Never, "never", "never")),
                      cl::init(Color::Auto), cl::sub(kCheck), cl::sub(kFmt), cl::sub(kUpgrade),
                      cl::sub(kCompile), cl::sub(kTrain), cl::sub(kRun), cl::sub(kEval), cl::sub(kPredict),
                      cl::sub(kBench), cl::cat(kCategory));

cl::opt<std::string> kStdlib("stdlib", cl::desc("Directory of the standard library (std/*.nn)"),
                             cl::value_desc("dir"), cl::sub(kCheck), cl::sub(kFmt),
                             cl::sub(kUpgrade), cl::sub(kCompile), cl::sub(kTrain), cl::sub(kRun),
                             cl::sub(kEval), cl::sub(kPredict), cl::sub(kBench), cl::cat(kCategory));

bool useColor() {
  if (kColor == Color::Always) return true;
  if (kColor == Color::Never) return false;
  const char *term = std::getenv("TERM");
  return ::isatty(2) && !std::getenv("NO_COLOR") && !(term && std::string(term) == "dumb");
}

std::string stdlibDir(const char *argv0) {
  if (!kStdlib.empty()) return kStdlib;
  if (const char *env = std::getenv("NNC_STDLIB_DIR")) return env;
  std::string exe = sys::fs::getMainExecutable(argv0, (void *)&stdlibDir);
  SmallString<256> installed(sys::path::parent_path(sys::path::parent_path(exe)));
  sys::path::append(installed, "share", "nnc", "stdlib");
  if (sys::fs::is_directory(installed)) return std::string(installed);
  return NNC_STDLIB_DIR;
}

void printDiags(const nnc::DiagnosticEngine &diags) {
  if (kDiagFormat == DiagFormat::Json) nnc::printDiagnosticsJson(std::cout, diags);
  else nnc::printDiagnostics(std::cerr, diags, useColor());
}

/// For compile, train and run: the check's warnings go out before the work
/// starts (text only: JSON is one array per file, printed at the end);
/// finishDiags then prints what came later.
size_t printCheckDiags(const nnc::DiagnosticEngine &diags) {
  if (kDiagFormat == DiagFormat::Json) return 0;
  nnc::printDiagnostics(std::cerr, diags, useColor());
  std::cerr.flush();
  return diags.diagnostics().size();
}

void finishDiags(const nnc::DiagnosticEngine &diags, size_t printed) {
  if (kDiagFormat == DiagFormat::Json) nnc::printDiagnosticsJson(std::cout, diags);
  else nnc::printDiagnostics(std::cerr, diags, useColor(), printed);
}

/// Prints the check's warnings, runs `work` (which reports to `diags`), then
/// what it reported; the exit status is 0 or 1.
template <typename Work> int withDiagnostics(const nnc::DiagnosticEngine &diags, Work &&work) {
  size_t printed = printCheckDiags(diags);
  bool ok = work();
  finishDiags(diags, printed);
  return ok ? 0 : 1;
}

int runCheck(const char *argv0) {
  int status = 0;
  for (const std::string &file : kCheckFiles) {
    nnc::Frontend fe({stdlibDir(argv0)});
    nnc::Program program = fe.check(file);
    printDiags(fe.diags());
    if (fe.diags().errorCount()) {
      status = 1;
      continue;
    }
    if (kShapes)
      for (const nnc::Graph &g : program.networks) nnc::printShapeReport(std::cout, g);
  }
  return status;
}

/// Replaces `path` with `text` without a window in which the file is
/// truncated: temporary file in the same directory, fsync, rename.
bool writeAtomically(const std::string &path, const std::string &text, std::string &error) {
  struct stat st;
  mode_t mode = ::stat(path.c_str(), &st) == 0 ? st.st_mode & 07777 : 0644;
  std::string tmp = path + ".nnc-tmp";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC, mode);
  if (fd < 0) {
    error = "cannot write '" + tmp + "': " + std::strerror(errno);
    return false;
  }
  size_t done = 0;
  while (done < text.size()) {
    ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    done += n;
  }
  bool ok = done == text.size() && ::fsync(fd) == 0;
  int savedErrno = errno;
  ok &= ::close(fd) == 0;
  if (!ok || ::rename(tmp.c_str(), path.c_str()) != 0) {
    error = "cannot write '" + path + "': " + std::strerror(ok ? errno : savedErrno);
    ::unlink(tmp.c_str());
    return false;
  }
  return true;
}

int runFormat(const char *argv0, bool upgrade) {
  int status = 0;
  for (const std::string &file : kFmtFiles) {
    nnc::Frontend fe({stdlibDir(argv0)});
    const nnc::LoadedModule *m = fe.parseOnly(file);
    if (!m || fe.diags().errorCount()) {
      printDiags(fe.diags());
      errs() << "nnc: not formatting '" << file << "': it has errors\n";
      status = 1;
      continue;
    }
    const nnc::SourceFile &src = fe.sources().file(m->ast->file);
    if (upgrade) m->ast->version = nnc::kLanguageVersion; // v1 is the newest: nothing else to rewrite
    std::string text = nnc::formatModule(*m->ast, src);
    if (kFmtStdout) {
      outs() << text;
      continue;
    }
    if (text == src.text()) continue;
    if (kFmtCheck) {
      errs() << "nnc: '" << file << "' would be " << (upgrade ? "upgraded" : "reformatted") << "\n";
      status = 1;
      continue;
    }
    std::string error;
    if (!writeAtomically(file, text, error)) {
      errs() << "nnc: error: " << error << "\n";
      status = 1;
      continue;
    }
    errs() << (upgrade ? "upgraded " : "formatted ") << file << "\n";
  }
  return status;
}

/// Checks one file for compile or train; prints diagnostics. Null on errors.
std::unique_ptr<nnc::Frontend> checkOne(const char *argv0, nnc::Program &program) {
  auto fe = std::make_unique<nnc::Frontend>(nnc::FrontendOptions{stdlibDir(argv0)});
  program = fe->check(kFile);
  if (fe->diags().errorCount()) {
    printDiags(fe->diags());
    return nullptr;
  }
  return fe;
}

int runCompile(const char *argv0) {
  nnc::Program program;
  auto fe = checkOne(argv0, program);
  if (!fe) return 1;
  std::optional<nnc::Stage> stage = nnc::parseStage(kStage);
  if (!stage) {
    errs() << "nnc compile: unknown --stage '" << kStage << "'; expected nn, autodiff, solver, lowered or llvm\n";
    return 2;
  }
  size_t printed = printCheckDiags(fe->diags());
  if (program.networks.size() != 1) {
    errs() << "nnc compile: '" << kFile << "' has " << program.networks.size()
           << " networks; compile needs exactly one\n";
    return 1;
  }
  mlir::DialectRegistry registry;
  nnc::registerDialects(registry);
  mlir::MLIRContext ctx(registry);
  ctx.loadAllAvailableDialects();
  int status = 0;
  {
    nnc::DiagnosticBridge bridge(ctx, fe->diags());
    auto module = nnc::emitModule(ctx, program.networks[0], program.solver, fe->diags());
    nnc::PipelineOptions po;
    po.stage = kEmit == Emit::Llvm ? nnc::Stage::LLVM : *stage;
    po.batch = kBatch > 0 ? kBatch : program.solver.batch;
    po.training = program.solver.present;
    po.granularity = granularityName();
    po.channelBlock = kChannelBlock;
    if (!module || failed(nnc::runPipeline(*module, po))) {
      status = 1;
    } else {
      std::error_code ec;
      raw_fd_ostream file(kOutput.empty() ? std::string("-") : std::string(kOutput), ec);
      if (ec) {
        errs() << "nnc compile: cannot write '" << kOutput << "': " << ec.message() << "\n";
        return 1;
      }
      if (kEmit == Emit::Llvm) {
        mlir::registerBuiltinDialectTranslation(ctx);
        mlir::registerLLVMDialectTranslation(ctx);
        llvm::LLVMContext llvmCtx;
        auto llvmModule = mlir::translateModuleToLLVMIR(*module, llvmCtx);
        if (!llvmModule) status = 1;
        else llvmModule->print(file, nullptr);
      } else {
        mlir::OpPrintingFlags flags;
        if (kLocations) flags.enableDebugInfo(true, /*prettyForm=*/false).useLocalScope();
        module->print(file, flags);
      }
    }
  }
  finishDiags(fe->diags(), printed);
  return status ? status : (fe->diags().errorCount() ? 1 : 0);
}

/// The options every command that compiles a model shares.
nnc::TrainOptions commonOptions() {
  nnc::TrainOptions o;
  o.seed = kSeed;
  o.threads = kThreads;
  o.dataDir = kData;
  o.cacheDir = kNoCache ? "" : nnc::defaultCacheDir();
  o.granularity = granularityName();
  o.channelBlock = kChannelBlock;
  return o;
}

int runTrain(const char *argv0) {
  nnc::Program program;
  auto fe = checkOne(argv0, program);
  if (!fe) return 1;
  nnc::TrainOptions o = commonOptions();
  o.epochs = kEpochs;
  o.trainLimit = kTrainLimit;
  o.testLimit = kTestLimit;
  o.savePath = kSave;
  o.resumePath = kResume;
  if (kEpochs < 0 || kThreads < 0 || kTrainLimit < 0 || kTestLimit < 0) {
    errs() << "nnc train: --epochs, --threads, --train-examples and --test-examples must not be negative\n";
    return 2;
  }
  for (auto *flag : {&kSave, &kResume})
    if (flag->getNumOccurrences() && flag->empty()) {
      errs() << "nnc train: --" << flag->ArgStr << " needs a file name\n";
      return 2;
    }
  nnc::TrainResult result;
  return withDiagnostics(fe->diags(), [&] {
    return nnc::train(kFile, program, fe->diags(), o, std::cout, result);
  });
}

int runRun(const char *argv0) {
  nnc::Program program;
  auto fe = checkOne(argv0, program);
  if (!fe) return 1;
  if (kExamples < 1 || kThreads < 0) {
    errs() << "nnc run: --examples must be at least 1 and --threads not negative\n";
    return 2;
  }
  if (kWeights.getNumOccurrences() && kWeights.empty()) {
    errs() << "nnc run: --weights needs a file name\n";
    return 2;
  }
  nnc::TrainOptions o = commonOptions();
  o.weightsPath = kWeights;
  return withDiagnostics(fe->diags(), [&] {
    return nnc::runOnce(kFile, program, fe->diags(), o, kExamples, kInterp, std::cout);
  });
}

int runEval(const char *argv0) {
  if (!kWeights.getNumOccurrences() || kWeights.empty()) {
    errs() << "nnc eval: --weights PATH is required: the checkpoint whose parameters to evaluate (nnc train --save "
              "writes one)\n";
    return 2;
  }
  if (kThreads < 0 || kTestLimit < 0) {
    errs() << "nnc eval: --threads and --test-examples must not be negative\n";
    return 2;
  }
  nnc::Program program;
  auto fe = checkOne(argv0, program);
  if (!fe) return 1;
  nnc::TrainOptions o = commonOptions();
  o.testLimit = kTestLimit;
  o.weightsPath = kWeights;
  return withDiagnostics(fe->diags(), [&] {
    return nnc::evaluateCheckpoint(kFile, program, fe->diags(), o, std::cout);
  });
}

/// -o's file: a regular file (or a new one) is replaced atomically; anything
/// else (/dev/stdout, a named pipe) is written in place, as renaming onto it
/// would replace the device or pipe itself.
bool writeOutputFile(const std::string &path, const std::string &text, std::string &error) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0 || S_ISREG(st.st_mode)) return writeAtomically(path, text, error);
  std::ofstream file(path, std::ios::binary);
  file << text << std::flush;
  if (!file) error = "cannot write '" + path + "': " + std::strerror(errno);
  return bool(file);
}

/// Where -o may not go, found out before any work: a directory, or a file
/// in a directory that does not exist.
bool checkOutputPath(const std::string &path, std::string &error) {
  if (sys::fs::is_directory(path)) {
    error = "cannot write '" + path + "': it is a directory";
    return false;
  }
  SmallString<256> dir(sys::path::parent_path(path));
  if (dir.empty()) dir = ".";
  if (!sys::fs::is_directory(dir)) {
    error = "cannot write '" + path + "': directory '" + std::string(dir) + "' does not exist";
    return false;
  }
  return true;
}

int runPredict(const char *argv0) {
  for (auto *flag : {&kWeights, &kInput})
    if (!flag->getNumOccurrences() || flag->empty()) {
      errs() << "nnc predict: --" << flag->ArgStr << " PATH is required: "
             << (flag == &kWeights ? "the checkpoint whose parameters to use (nnc train --save writes one)"
                                   : "the IDX file of the images to predict")
             << "\n";
      return 2;
    }
  for (auto *flag : {&kLabels, &kPredictOutput, &kOutput})
    if (flag->getNumOccurrences() && flag->empty()) {
      errs() << "nnc predict: -" << (flag == &kOutput ? "" : "-") << flag->ArgStr << " needs a "
             << (flag == &kPredictOutput ? "name" : "file name") << "\n";
      return 2;
    }
  if (kTop < 1 || kThreads < 0) {
    errs() << "nnc predict: --top must be at least 1 and --threads not negative\n";
    return 2;
  }
  if (kRaw && kTop.getNumOccurrences()) {
    errs() << "nnc predict: --raw prints values, not classes: leave out --top\n";
    return 2;
  }
  std::string error;
  if (!kOutput.empty() && !checkOutputPath(kOutput, error)) {
    errs() << "nnc: error: " << error << "\n";
    return 1;
  }
  nnc::Program program;
  auto fe = checkOne(argv0, program);
  if (!fe) return 1;
  nnc::TrainOptions o = commonOptions();
  o.weightsPath = kWeights;
  // A live progress line on stderr would tear the lines on the same terminal.
  o.progress = !kOutput.empty() || !::isatty(1);
  nnc::PredictOptions po;
  po.inputPath = kInput;
  po.labelsPath = kLabels;
  po.output = kPredictOutput;
  po.top = kTop;
  po.raw = kRaw;
  // Lines go to stdout as they come, or all at once to -o's file.
  std::ostringstream buffered;
  std::ostream &lines = kOutput.empty() ? std::cout : buffered;
  int status = withDiagnostics(fe->diags(), [&] {
    return nnc::predict(kFile, program, fe->diags(), o, po, lines, std::cerr);
  });
  if (status == 0 && !kOutput.empty() && !writeOutputFile(kOutput, buffered.str(), error)) {
    errs() << "nnc: error: " << error << "\n";
    return 1;
  }
  return status;
}

int runBench(const char *argv0) {
  if (kBenchBatch < 0 || kIterations < 1 || kWarmup < 0 || kThreads < 0) {
    errs() << "nnc bench: --iterations must be at least 1, and --batch, --warmup and --threads not negative\n";
    return 2;
  }
  nnc::Program program;
  auto fe = checkOne(argv0, program);
  if (!fe) return 1;
  nnc::TrainOptions o = commonOptions();
  return withDiagnostics(fe->diags(), [&] {
    return nnc::bench(kFile, program, fe->diags(), o, kBenchBatch, kIterations, kWarmup, std::cout);
  });
}

} // namespace

int main(int argc, char **argv) {
  cl::HideUnrelatedOptions(kCategory);
  cl::SetVersionPrinter([](raw_ostream &os) {
    os << "nnc " NNC_VERSION " (language version " << nnc::kLanguageVersion << ", LLVM "
       << LLVM_VERSION_STRING << ")\n";
  });
  std::string parseErrors;
  raw_string_ostream errStream(parseErrors);
  if (!cl::ParseCommandLineOptions(argc, argv,
                                   "nnc: a compiler for neural networks written in .nn files\n",
                                   &errStream)) {
    errs() << errStream.str();
    return 2;
  }
  if (kChannelBlock != -1 && kChannelBlock != 0 && kChannelBlock != 8 && kChannelBlock != 16) {
    errs() << "nnc: --channel-block must be 0, 8 or 16, not " << kChannelBlock << "\n";
    return 2;
  }
  if (kCheck) return runCheck(argv[0]);
  if (kFmt) return runFormat(argv[0], /*upgrade=*/false);
  if (kUpgrade) return runFormat(argv[0], /*upgrade=*/true);
  if (kCompile) return runCompile(argv[0]);
  if (kTrain) return runTrain(argv[0]);
  if (kRun) return runRun(argv[0]);
  if (kEval) return runEval(argv[0]);
  if (kPredict) return runPredict(argv[0]);
  if (kBench) return runBench(argv[0]);
  cl::PrintHelpMessage();
  return 2;
}
