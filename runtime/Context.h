//===- Context.h - The runtime context behind the C ABI (internal) --------===//
//
// nnc_ctx owns the oneDNN engine and stream, the library call sites and the
// first error. Runtime code only: generated code sees an opaque pointer.
//
//===----------------------------------------------------------------------===//
#pragma once

#include "runtime/Runtime.h"

#include <oneapi/dnnl/dnnl.hpp>

#include <chrono>
#include <exception>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

namespace nnc::rt {

/// A library call site: the primitives, reorders and buffers created by init.
struct Site {
  virtual ~Site() = default;
  virtual const char *kind() const = 0;
};

/// One profile id's time (nnc_prof_begin/end).
struct ProfileCounter {
  std::chrono::steady_clock::time_point start;
  double seconds = 0;
  int64_t calls = 0;
  bool open = false;
};

} // namespace nnc::rt

struct nnc_ctx {
  int32_t threads = 0; // 0: the OpenMP default
  dnnl::engine engine;
  dnnl::stream stream;
  std::unordered_map<int64_t, std::unique_ptr<nnc::rt::Site>> sites;
  std::string error; // the first error; empty while none
  std::vector<nnc::rt::ProfileCounter> profile; // by profile id
};

namespace nnc::rt {

/// Records `fn (site N): message` unless an earlier error is recorded.
void fail(nnc_ctx *ctx, const char *fn, int64_t site, const std::string &message);

/// How deep this thread is in calls into vendor libraries: what those do
/// inside a call is theirs (tests that count nnc's allocations skip it).
extern thread_local int libraryCallDepth;

/// The site's object if it exists and has type T; records an error otherwise.
template <typename T> T *findSite(nnc_ctx *ctx, const char *fn, int64_t site) {
  auto it = ctx->sites.find(site);
  if (it == ctx->sites.end()) {
    fail(ctx, fn, site, "unknown site (its init was not called)");
    return nullptr;
  }
  if (auto *s = dynamic_cast<T *>(it->second.get()))
    return s;
  fail(ctx, fn, site, std::string("site was initialized as ") + it->second->kind());
  return nullptr;
}

/// Runs body() unless the context already failed; turns exceptions into the
/// context's error, so that none crosses the C ABI.
template <typename F> void guarded(nnc_ctx *ctx, const char *fn, int64_t site, F &&body) {
  if (!ctx || !ctx->error.empty())
    return;
  ++libraryCallDepth;
  struct Leave {
    ~Leave() { --libraryCallDepth; }
  } leave;
  try {
    body();
  } catch (const dnnl::error &e) {
    fail(ctx, fn, site, std::string("oneDNN: ") + e.what());
  } catch (const std::exception &e) {
    fail(ctx, fn, site, e.what());
  } catch (...) {
    fail(ctx, fn, site, "unknown exception");
  }
}

} // namespace nnc::rt
