//===- Profile.cpp - Per-op timing for nnc bench ---------------------------===//
//
// Generated code compiled with the pipeline option `profile` calls
// nnc_prof_begin(ctx, id) before and nnc_prof_end(ctx, id) after each op; id
// indexes the module's nn.profile_sites (layer, phase). Ops run one after the
// other on the calling thread (each may fan out inside), so the time between
// the two calls is the op's wall time.
//
//===----------------------------------------------------------------------===//
#include "runtime/Context.h"

namespace {

nnc::rt::ProfileCounter *counter(nnc_ctx *ctx, int64_t id) {
  if (!ctx || id < 0)
    return nullptr;
  if ((size_t)id >= ctx->profile.size()) {
    try {
      ctx->profile.resize(id + 1);
    } catch (...) {
      return nullptr;
    }
  }
  return &ctx->profile[id];
}

} // namespace

extern "C" {

void nnc_prof_begin(nnc_ctx *ctx, int64_t id) {
  if (auto *c = counter(ctx, id)) {
    c->open = true;
    c->start = std::chrono::steady_clock::now();
  }
}

void nnc_prof_end(nnc_ctx *ctx, int64_t id) {
  auto now = std::chrono::steady_clock::now();
  if (auto *c = counter(ctx, id); c && c->open) {
    c->seconds += std::chrono::duration<double>(now - c->start).count();
    ++c->calls;
    c->open = false;
  }
}

double nnc_prof_seconds(nnc_ctx *ctx, int64_t id) {
  return ctx && id >= 0 && (size_t)id < ctx->profile.size() ? ctx->profile[id].seconds : 0;
}

int64_t nnc_prof_calls(nnc_ctx *ctx, int64_t id) {
  return ctx && id >= 0 && (size_t)id < ctx->profile.size() ? ctx->profile[id].calls : 0;
}

void nnc_prof_reset(nnc_ctx *ctx) {
  if (ctx)
    ctx->profile.clear();
}

} // extern "C"
