//===- Dropout.cpp - nnc_dropout_mask -------------------------------------===//
#include "runtime/Dropout.h"

#include "runtime/Context.h"
#include "runtime/Runtime.h"

namespace {

struct MaskJob {
  uint64_t seed, stream, step;
  float rate;
  float *mask;
};

void maskChunk(void *arg, int64_t begin, int64_t end) {
  auto *j = static_cast<MaskJob *>(arg);
  nnc::dropoutMask(j->seed, j->stream, j->step, j->rate, begin, end, j->mask);
}

} // namespace

extern "C" void nnc_dropout_mask(nnc_ctx *ctx, int64_t stream, uint64_t seed, uint64_t step, float rate,
                                 int64_t n, float *mask) {
  if (!ctx || !ctx->error.empty() || n <= 0) return;
  if (!mask) return nnc::rt::fail(ctx, "nnc_dropout_mask", stream, "null mask");
  if (!(rate >= 0 && rate < 1)) return nnc::rt::fail(ctx, "nnc_dropout_mask", stream, "rate must be in [0, 1)");
  MaskJob job{seed, (uint64_t)stream, step, rate, mask};
  // Chunks start on multiples of 4 elements only for speed: any split gives the same mask.
  nnc_parallel_for(ctx, n, maskChunk, &job);
}
