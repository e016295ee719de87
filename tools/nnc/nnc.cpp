//===- nnc.cpp - The nnc driver ---------------------------------------------===//
//
// Parses the command line and calls the libraries; no compiler logic here.
// Exit codes: 0 success, 1 errors in the input, 2 bad usage.
//
//===----------------------------------------------------------------------===//
#include "frontend/Formatter.h"
#include "frontend/Frontend.h"
#include "frontend/Parser.h"
#include "frontend/ShapeReport.h"

#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <iostream>
#include <sys/stat.h>
#include <unistd.h>

using namespace llvm;

namespace {

cl::OptionCategory kCategory("nnc options");

cl::SubCommand kCheck("check", "Check .nn files: syntax, names, types and shapes");
cl::SubCommand kFmt("fmt", "Rewrite .nn files in the canonical layout");
cl::SubCommand kUpgrade("upgrade", "Rewrite .nn files to the newest language version");

cl::list<std::string> kCheckFiles(cl::Positional, cl::OneOrMore, cl::desc("<file.nn>..."),
                                  cl::sub(kCheck), cl::cat(kCategory));
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
    cl::init(DiagFormat::Text), cl::sub(kCheck), cl::sub(kFmt), cl::sub(kUpgrade),
    cl::cat(kCategory));

enum class Color { Auto, Always, Never };
cl::opt<Color> kColor("color", cl::desc("Colour diagnostics"),
                      cl::values(clEnumValN(Color::Auto, "auto", "on a terminal only"),
                                 clEnumValN(Color::Always, "always", "always"),
                                 clEnumValN(Color::Never, "never", "never")),
                      cl::init(Color::Auto), cl::sub(kCheck), cl::sub(kFmt), cl::sub(kUpgrade),
                      cl::cat(kCategory));

cl::opt<std::string> kStdlib("stdlib", cl::desc("Directory of the standard library (std/*.nn)"),
                             cl::value_desc("dir"), cl::sub(kCheck), cl::sub(kFmt),
                             cl::sub(kUpgrade), cl::cat(kCategory));

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
  if (kCheck) return runCheck(argv[0]);
  if (kFmt) return runFormat(argv[0], /*upgrade=*/false);
  if (kUpgrade) return runFormat(argv[0], /*upgrade=*/true);
  cl::PrintHelpMessage();
  return 2;
}
