//===- Runtime.h - The C ABI that generated code calls ---------------------===//
//
// nnc's thin CPU runtime. Generated code (JIT or AOT) calls only these C
// functions; the runtime depends on none of the compiler. Layouts are plain
// NCHW activations and OIHW weights (dense weights are [out, in]); wrappers may
// reorder internally. Every pointer is a dense row-major float32 buffer.
//
// Library primitives live in "sites": the compiler numbers each library call
// site, generated `init` code creates its primitive once with the static
// shapes, and each call passes only the site id and pointers. A site also owns
// the library's workspace (max-pool indices), so a backward call finds what
// its forward call saved.
//
//===----------------------------------------------------------------------===//
#pragma once

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct nnc_ctx nnc_ctx;

/// A context with `threads` worker threads (0: the OpenMP default).
nnc_ctx *nnc_ctx_create(int32_t threads);
void nnc_ctx_destroy(nnc_ctx *ctx);
/// The first error a runtime call hit (a library failure), or NULL. Calls
/// after an error do nothing.
const char *nnc_ctx_error(nnc_ctx *ctx);

// Convolution, NCHW x OIHW(/groups) -> NCHW, bias optional (has_bias).
void nnc_cpu_conv2d_init(nnc_ctx *ctx, int64_t site, int64_t n, int64_t c, int64_t h, int64_t w,
                         int64_t out, int64_t kh, int64_t kw, int64_t sh, int64_t sw, int64_t ph,
                         int64_t pw, int64_t dh, int64_t dw, int64_t groups, int64_t has_bias);
void nnc_cpu_conv2d_fwd(nnc_ctx *ctx, int64_t site, const float *x, const float *w,
                        const float *b, float *y);
void nnc_cpu_conv2d_bwd_data(nnc_ctx *ctx, int64_t site, const float *dy, const float *w,
                             float *dx);
/// dw (and db when the site has a bias) are overwritten, not accumulated.
void nnc_cpu_conv2d_bwd_filter(nnc_ctx *ctx, int64_t site, const float *x, const float *dy,
                               float *dw, float *db);

// Max pooling; ceil-mode rounding arrives as extra bottom/right padding
// (pad_b, pad_r), padded cells never win.
void nnc_cpu_max_pool_init(nnc_ctx *ctx, int64_t site, int64_t n, int64_t c, int64_t h,
                           int64_t w, int64_t kh, int64_t kw, int64_t sh, int64_t sw, int64_t pt,
                           int64_t pl, int64_t pb, int64_t pr);
/// Training forward: keeps the argmax workspace in the site for the backward.
void nnc_cpu_max_pool_fwd(nnc_ctx *ctx, int64_t site, const float *x, float *y);
void nnc_cpu_max_pool_bwd(nnc_ctx *ctx, int64_t site, const float *dy, float *dx);

// Fully connected: y[n, out] = x[n, in] * w[out, in]^T + b[out].
void nnc_cpu_dense_init(nnc_ctx *ctx, int64_t site, int64_t n, int64_t in, int64_t out,
                        int64_t has_bias);
void nnc_cpu_dense_fwd(nnc_ctx *ctx, int64_t site, const float *x, const float *w,
                       const float *b, float *y);
void nnc_cpu_dense_bwd_data(nnc_ctx *ctx, int64_t site, const float *dy, const float *w,
                            float *dx);
void nnc_cpu_dense_bwd_weights(nnc_ctx *ctx, int64_t site, const float *x, const float *dy,
                               float *dw, float *db);

// Local response normalization across channels (Caffe's window and alpha /
// size), on [n, c, h, w]; other ranks fold their trailing dims into h.
// `training` sites keep the forward's workspace for the backward.
void nnc_cpu_lrn_init(nnc_ctx *ctx, int64_t site, int64_t n, int64_t c, int64_t h, int64_t w,
                      int64_t size, float alpha, float beta, float k, int64_t training);
void nnc_cpu_lrn_fwd(nnc_ctx *ctx, int64_t site, const float *x, float *y);
void nnc_cpu_lrn_bwd(nnc_ctx *ctx, int64_t site, const float *x, const float *dy, float *dx);

/// Dropout's 0/1 keep mask of `n` elements (1 with probability 1 - rate) for
/// one dropout op (`stream`, a name the compiler derives from the op) at one
/// training `step` under `seed`: a pure function of (seed, stream, step, i),
/// whatever the thread count (runtime/Dropout.h states the draw).
void nnc_dropout_mask(nnc_ctx *ctx, int64_t stream, uint64_t seed, uint64_t step, float rate,
                      int64_t n, float *mask);

/// Runs fn(arg, begin, end) over [0, n) split statically across the context's
/// threads, on the same OpenMP runtime oneDNN uses.
void nnc_parallel_for(nnc_ctx *ctx, int64_t n, void (*fn)(void *arg, int64_t begin, int64_t end),
                      void *arg);

// Profiling (compiled with the pipeline option `profile`, for nnc bench): the
// lowering brackets each op with begin/end of its profile id (an index into the
// module's nn.profile_sites); the context sums the steady-clock time per id.
void nnc_prof_begin(nnc_ctx *ctx, int64_t id);
void nnc_prof_end(nnc_ctx *ctx, int64_t id);
/// Seconds and completed begin/end pairs accumulated for `id` since the last
/// reset (0 for an id never seen).
double nnc_prof_seconds(nnc_ctx *ctx, int64_t id);
int64_t nnc_prof_calls(nnc_ctx *ctx, int64_t id);
void nnc_prof_reset(nnc_ctx *ctx);

#ifdef __cplusplus
}
#endif
