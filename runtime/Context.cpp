//===- Context.cpp - Context, errors and the parallel-for -----------------===//
//
// The parallel-for calls libgomp's ABI directly instead of `#pragma omp`:
// oneDNN here runs on libgomp, and clang's OpenMP codegen would bring a second
// runtime (libomp) whose thread pool fights libgomp's on two cores.
//
//===----------------------------------------------------------------------===//
#include "runtime/Context.h"

#include <algorithm>
#include <new>

// libgomp's stable ABI (GOMP_4.0 / OMP_1.0), declared here so that no OpenMP
// compiler flags are needed.
extern "C" {
void GOMP_parallel(void (*fn)(void *), void *data, unsigned numThreads, unsigned flags);
int omp_get_thread_num(void);
int omp_get_num_threads(void);
int omp_get_max_threads(void);
int omp_in_parallel(void);
void omp_set_num_threads(int n);
}

namespace nnc::rt {

thread_local int libraryCallDepth = 0;

void fail(nnc_ctx *ctx, const char *fn, int64_t site, const std::string &message) {
  if (!ctx || !ctx->error.empty())
    return;
  ctx->error = std::string(fn) + " (site " + std::to_string(site) + "): " + message;
}

} // namespace nnc::rt

extern "C" {

nnc_ctx *nnc_ctx_create(int32_t threads) {
  auto *ctx = new (std::nothrow) nnc_ctx;
  if (!ctx)
    return nullptr;
  ctx->threads = std::max<int32_t>(threads, 0);
  // oneDNN sizes its parallel regions by omp_get_max_threads().
  if (ctx->threads > 0)
    omp_set_num_threads(ctx->threads);
  try {
    ctx->engine = dnnl::engine(dnnl::engine::kind::cpu, 0);
    ctx->stream = dnnl::stream(ctx->engine);
  } catch (const std::exception &e) {
    ctx->error = std::string("nnc_ctx_create: oneDNN: ") + e.what();
  }
  return ctx;
}

void nnc_ctx_destroy(nnc_ctx *ctx) { delete ctx; }

const char *nnc_ctx_error(nnc_ctx *ctx) {
  if (!ctx)
    return "null nnc_ctx";
  return ctx->error.empty() ? nullptr : ctx->error.c_str();
}

namespace {
struct ForJob {
  void (*fn)(void *, int64_t, int64_t);
  void *arg;
  int64_t n;
};

// Thread t of T gets the t-th of T contiguous chunks whose sizes differ by at
// most one: the same split for the same n and T on every run.
void forChunk(void *data) {
  auto *job = static_cast<ForJob *>(data);
  int64_t t = omp_get_thread_num(), T = omp_get_num_threads();
  int64_t chunk = job->n / T, rem = job->n % T;
  int64_t begin = t * chunk + std::min(t, rem);
  int64_t end = begin + chunk + (t < rem ? 1 : 0);
  if (begin < end)
    job->fn(job->arg, begin, end);
}
} // namespace

void nnc_parallel_for(nnc_ctx *ctx, int64_t n, void (*fn)(void *arg, int64_t begin, int64_t end),
                      void *arg) {
  if (!ctx || !ctx->error.empty() || n <= 0 || !fn)
    return;
  int64_t threads = ctx->threads > 0 ? ctx->threads : omp_get_max_threads();
  threads = std::min<int64_t>(threads, n);
  if (threads <= 1 || omp_in_parallel()) {
    fn(arg, 0, n);
    return;
  }
  ForJob job{fn, arg, n};
  GOMP_parallel(forChunk, &job, static_cast<unsigned>(threads), 0);
}

void nnc_parallel_kernel(nnc_ctx *ctx, int64_t n, nnc_kernel_fn kernel, void *state, int64_t state_bytes,
                         void *ws, int64_t ws_bytes, void *scalars, int64_t scalars_bytes) {
  struct Job {
    nnc_kernel_fn kernel;
    void *state, *ws, *scalars;
    int64_t stateBytes, wsBytes, scalarsBytes;
  } job{kernel, state, ws, scalars, state_bytes, ws_bytes, scalars_bytes};
  auto chunk = [](void *arg, int64_t begin, int64_t end) {
    auto *j = static_cast<Job *>(arg);
    j->kernel(j->state, j->state, 0, j->stateBytes, 1, j->ws, j->ws, 0, j->wsBytes, 1, j->scalars, j->scalars, 0,
              j->scalarsBytes, 1, begin, end);
  };
  nnc_parallel_for(ctx, n, chunk, &job);
}

} // extern "C"
