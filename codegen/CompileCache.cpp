#include "codegen/CompileCache.h"

#include "mlir/AsmParser/AsmParser.h"
#include "mlir/IR/BuiltinAttributes.h"

#include "llvm/Config/llvm-config.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/SHA256.h"
#include "llvm/Support/raw_ostream.h"
#include "llvm/ADT/StringExtras.h"

#include <algorithm>
#include <cstdlib>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>
#include <vector>

namespace nnc {

namespace {

constexpr const char *kFormat = "nnc-cache 1";
constexpr size_t kMaxEntries = 64;

std::string sha256(llvm::StringRef data) {
  return llvm::toHex(llvm::SHA256::hash(llvm::arrayRefFromStringRef(data)), /*LowerCase=*/true);
}

/// The compiler that made an object: this binary (path, size, mtime) and LLVM.
std::string compilerId() {
  std::string id = "llvm " LLVM_VERSION_STRING;
  char path[4096];
  ssize_t n = ::readlink("/proc/self/exe", path, sizeof path - 1);
  struct stat st;
  if (n > 0) {
    path[n] = 0;
    if (::stat(path, &st) == 0)
      id += fmt::format(" {} {} {}.{}", path, (long long)st.st_size, (long long)st.st_mtim.tv_sec,
                        (long long)st.st_mtim.tv_nsec);
  }
  return id;
}

std::string cacheKey(mlir::ModuleOp module, const PipelineOptions &options) {
  std::string text;
  llvm::raw_string_ostream os(text);
  os << kFormat << "\n" << compilerId() << "\n" << hostCpuId() << "\n";
  os << "batch " << options.batch << " training " << options.training << "\n";
  os << "profile " << options.profile << "\n";
  os << "granularity " << options.granularity << " channel-block " << channelBlockOf(options) << "\n";
  module.print(os);
  return sha256(text);
}

bool readFile(const std::string &path, std::string &out) {
  auto buffer = llvm::MemoryBuffer::getFile(path, /*IsText=*/false, /*RequiresNullTerminator=*/false);
  if (!buffer) return false;
  out = (*buffer)->getBuffer().str();
  return true;
}

/// Writes a file whole or not at all (a temporary renamed into place).
bool writeFileAtomically(const std::string &path, llvm::StringRef data) {
  std::string tmp = fmt::format("{}.tmp.{}", path, (long)::getpid());
  {
    std::error_code ec;
    llvm::raw_fd_ostream os(tmp, ec);
    if (ec) return false;
    os << data;
    os.close();
    if (os.has_error()) {
      os.clear_error();
      llvm::sys::fs::remove(tmp);
      return false;
    }
  }
  if (llvm::sys::fs::rename(tmp, path)) {
    llvm::sys::fs::remove(tmp);
    return false;
  }
  return true;
}

/// Keeps the newest kMaxEntries models.
void prune(const std::string &dir) {
  std::vector<std::pair<llvm::sys::TimePoint<>, std::string>> entries;
  std::error_code ec;
  for (llvm::sys::fs::directory_iterator it(dir, ec), end; it != end && !ec; it.increment(ec)) {
    if (llvm::sys::path::extension(it->path()) != ".o") continue;
    llvm::sys::fs::file_status st;
    if (!llvm::sys::fs::status(it->path(), st)) entries.push_back({st.getLastModificationTime(), it->path()});
  }
  if (entries.size() <= kMaxEntries) return;
  std::sort(entries.begin(), entries.end());
  for (size_t i = 0; i + kMaxEntries < entries.size(); ++i) {
    llvm::SmallString<256> manifest(entries[i].second);
    llvm::sys::path::replace_extension(manifest, ".manifest");
    llvm::sys::fs::remove(manifest);
    llvm::sys::fs::remove(entries[i].second);
  }
}

/// A cached model, or null when there is none or it is damaged.
std::unique_ptr<JitModel> lookup(const std::string &base, mlir::MLIRContext *ctx) {
  std::string object, manifest;
  if (!readFile(base + ".o", object) || !readFile(base + ".manifest", manifest)) return nullptr;
  // First line: the format and the object's hash; then the manifest attribute.
  size_t eol = manifest.find('\n');
  if (eol == std::string::npos || manifest.substr(0, eol) != fmt::format("{} {}", kFormat, sha256(object)))
    return nullptr;
  mlir::Attribute attr = mlir::parseAttribute(llvm::StringRef(manifest).drop_front(eol + 1), ctx);
  auto dict = mlir::dyn_cast_or_null<mlir::DictionaryAttr>(attr);
  if (!dict) return nullptr;
  std::string error;
  return JitModel::load(object, dict, error);
}

} // namespace

std::string defaultCacheDir() {
  if (const char *d = std::getenv("NNC_CACHE_DIR")) return std::string(d) == "off" ? "" : d;
  if (const char *x = std::getenv("XDG_CACHE_HOME"); x && *x) return std::string(x) + "/nnc";
  if (const char *h = std::getenv("HOME"); h && *h) return std::string(h) + "/.cache/nnc";
  return "";
}

std::unique_ptr<JitModel> compileModel(mlir::ModuleOp module, const PipelineOptions &options,
                                       const std::string &cacheDir, bool &cached, std::string &error) {
  cached = false;
  std::string base;
  if (!cacheDir.empty()) {
    base = cacheDir + "/" + cacheKey(module, options);
    if (auto model = lookup(base, module.getContext())) {
      cached = true;
      return model;
    }
  }
  if (failed(runPipeline(module, options))) return nullptr;
  std::string object;
  if (!emitObject(module, object, error)) return nullptr;
  mlir::DictionaryAttr manifest = manifestOf(module);
  auto model = JitModel::load(object, manifest, error);
  if (model && !base.empty() && !llvm::sys::fs::create_directories(cacheDir)) {
    std::string text;
    llvm::raw_string_ostream os(text);
    os << kFormat << " " << sha256(object) << "\n" << manifest;
    if (writeFileAtomically(base + ".o", object) && writeFileAtomically(base + ".manifest", text)) prune(cacheDir);
  }
  return model;
}

} // namespace nnc
