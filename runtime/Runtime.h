//===- Runtime.h - The C ABI that generated code calls ---------------------===//
//
// nnc's thin CPU runtime. Generated code (JIT or AOT) calls only these C
// functions; the runtime depends on none of the compiler. Layouts are plain
// NCHW activations and OIHW weights (dense weights are [out, in]); wrappers may
// reorder internally. Every pointer is a dense row-major float32 buffer.
//
// Layouts between library calls: an init's `block` (8 or 16) and `blocked`
// bit mask say which of its activation tensors the compiler keeps in oneDNN's
// channel-blocked layout nChw<block>c instead of NCHW, so that consecutive
// library calls skip the reorders. Such a buffer holds N x ceil(C / block) *
// block x H x W floats; its padded channels hold zeros (library calls write
// them so and read them so). Each init documents its bits; a site with
// blocked == 0 uses plain layouts only.
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

// Convolution, NCHW x OIHW(/groups) -> NCHW, bias optional (has_bias); with
// `relu`, the forward writes max(y, 0) (the backward ops are unchanged: the
// compiler applies ReLU's gradient, from y, before them). Blocked bits: 0 x
// (forward and backward filter), 1 y, 2 dy of the backward data, 3 dx, 4 dy
// of the backward filter.
void nnc_cpu_conv2d_init(nnc_ctx *ctx, int64_t site, int64_t n, int64_t c, int64_t h, int64_t w,
                         int64_t out, int64_t kh, int64_t kw, int64_t sh, int64_t sw, int64_t ph,
                         int64_t pw, int64_t dh, int64_t dw, int64_t groups, int64_t has_bias,
                         int64_t relu, int64_t block, int64_t blocked);
void nnc_cpu_conv2d_fwd(nnc_ctx *ctx, int64_t site, const float *x, const float *w,
                        const float *b, float *y);
void nnc_cpu_conv2d_bwd_data(nnc_ctx *ctx, int64_t site, const float *dy, const float *w,
                             float *dx);
/// dw (and db when the site has a bias) are overwritten, not accumulated.
void nnc_cpu_conv2d_bwd_filter(nnc_ctx *ctx, int64_t site, const float *x, const float *dy,
                               float *dw, float *db);

// Max pooling; ceil-mode rounding arrives as extra bottom/right padding
// (pad_b, pad_r), padded cells never win. Blocked bits: 0 x, 1 y, 2 dy, 3 dx.
void nnc_cpu_max_pool_init(nnc_ctx *ctx, int64_t site, int64_t n, int64_t c, int64_t h,
                           int64_t w, int64_t kh, int64_t kw, int64_t sh, int64_t sw, int64_t pt,
                           int64_t pl, int64_t pb, int64_t pr, int64_t block, int64_t blocked);
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
// `training` sites keep the forward's workspace for the backward. Blocked
// bits: 0 x (forward and backward), 1 y, 2 dy, 3 dx.
void nnc_cpu_lrn_init(nnc_ctx *ctx, int64_t site, int64_t n, int64_t c, int64_t h, int64_t w,
                      int64_t size, float alpha, float beta, float k, int64_t training,
                      int64_t block, int64_t blocked);
void nnc_cpu_lrn_fwd(nnc_ctx *ctx, int64_t site, const float *x, float *y);
void nnc_cpu_lrn_bwd(nnc_ctx *ctx, int64_t site, const float *x, const float *dy, float *dx);

// Elementwise activations, batch normalization and softmax. Activations and
// batch norm take any rank as [n, c, h, w] (trailing dims folded into h,
// w = 1; [n, c] is n, c, 1, 1). Their `blocked` bits: bit 0 x and y of the
// forward, bit 1 dy, dx and x of the backward. Only `training` sites have a
// backward.

/// Eltwise kinds; `alpha` is leaky_relu's slope, ignored by the others.
enum {
  NNC_ELTWISE_RELU = 0,
  NNC_ELTWISE_LEAKY_RELU = 1,
  NNC_ELTWISE_SIGMOID = 2,
  NNC_ELTWISE_TANH = 3,
  NNC_ELTWISE_GELU = 4, // the exact erf form
};
void nnc_cpu_eltwise_init(nnc_ctx *ctx, int64_t site, int64_t kind, float alpha, int64_t n,
                          int64_t c, int64_t h, int64_t w, int64_t training, int64_t block,
                          int64_t blocked);
void nnc_cpu_eltwise_fwd(nnc_ctx *ctx, int64_t site, const float *x, float *y);
/// From the forward input x; relu may pass the forward output y instead
/// (the same result: y > 0 exactly where x > 0).
void nnc_cpu_eltwise_bwd(nnc_ctx *ctx, int64_t site, const float *x, const float *dy, float *dx);

/// Softmax over axis 1 of an [outer, axis, inner] view; plain layouts only.
void nnc_cpu_softmax_init(nnc_ctx *ctx, int64_t site, int64_t outer, int64_t axis, int64_t inner,
                          int64_t training);
void nnc_cpu_softmax_fwd(nnc_ctx *ctx, int64_t site, const float *x, float *y);
/// From the forward output y: dx = y * (dy - sum over the axis of dy * y).
void nnc_cpu_softmax_bwd(nnc_ctx *ctx, int64_t site, const float *y, const float *dy, float *dx);

/// Batch normalization per channel over M = n * h * w values (NN_BatchNormOp):
/// y = (x - mean) * invstd * weight + bias, invstd = 1 / sqrt(var + eps);
/// without `affine` weight and bias are absent (pass null). Statistics are
/// plain [c] buffers whatever `blocked` says. `momentum` is the op's f64
/// attribute as it is: the running update uses the f32 constants momentum and
/// 1 - momentum (computed in double), as the generated lowering does.
void nnc_cpu_batch_norm_init(nnc_ctx *ctx, int64_t site, int64_t n, int64_t c, int64_t h,
                             int64_t w, float eps, double momentum, int64_t affine,
                             int64_t training, int64_t block, int64_t blocked);
/// Training sites: the batch's mean and biased var; writes y, mean and invstd,
/// keeps var in the site for the backward, and updates in place running =
/// momentum * running + (1 - momentum) * batch, with var * M / (M - 1) (var
/// when M == 1) for running_var.
void nnc_cpu_batch_norm_fwd_training(nnc_ctx *ctx, int64_t site, const float *x,
                                     const float *weight, const float *bias, float *y,
                                     float *mean, float *invstd, float *running_mean,
                                     float *running_var);
/// Inference sites: normalizes with the running statistics.
void nnc_cpu_batch_norm_fwd_inference(nnc_ctx *ctx, int64_t site, const float *x,
                                      const float *weight, const float *bias,
                                      const float *running_mean, const float *running_var,
                                      float *y);
/// After a training forward on the site (its var): dx, and with `affine`
/// dweight = sum dy * xhat and dbias = sum dy (overwritten; null otherwise).
void nnc_cpu_batch_norm_bwd(nnc_ctx *ctx, int64_t site, const float *x, const float *dy,
                            const float *weight, const float *mean, float *dx, float *dweight,
                            float *dbias);

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

/// A loop nn-outline-parallel outlined: its iterations [begin, end) with the
/// state and workspace arenas and a buffer of scalars, each passed as MLIR
/// passes a memref<?xi8> (allocated and aligned pointer, offset, size, stride).
typedef void (*nnc_kernel_fn)(void *state, void *state_aligned, int64_t state_offset, int64_t state_bytes,
                              int64_t state_stride, void *ws, void *ws_aligned, int64_t ws_offset, int64_t ws_bytes,
                              int64_t ws_stride, void *scalars, void *scalars_aligned, int64_t scalars_offset,
                              int64_t scalars_bytes, int64_t scalars_stride, int64_t begin, int64_t end);
/// Runs kernel over [0, n) split statically across the context's threads.
void nnc_parallel_kernel(nnc_ctx *ctx, int64_t n, nnc_kernel_fn kernel, void *state, int64_t state_bytes,
                         void *ws, int64_t ws_bytes, void *scalars, int64_t scalars_bytes);

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
