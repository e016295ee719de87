//===- OneDnnOps.cpp - conv2d, max_pool, dense and lrn on oneDNN ----------===//
//
// Each init validates the static shapes, creates the forward and backward
// primitives once (with a user scratchpad, so calls allocate no buffers) and
// binds them to the ABI's layouts: OIHW / [out, in] weights, activations in
// NCHW or, where the compiler asks (Runtime.h), channel-blocked.
//
//===----------------------------------------------------------------------===//
#include "runtime/OneDnnSupport.h"

#include <initializer_list>
#include <utility>

using namespace nnc::rt;
using dnnl::algorithm;
using dnnl::memory;
using dnnl::prop_kind;
using tag = memory::format_tag;

namespace {

// ----------------------------------------------------------------- sites --

struct ConvSite : Site {
  const char *kind() const override { return "conv2d"; }
  bool hasBias = false;
  BoundPrimitive fwd, bwdData, bwdWeights;
};

struct DenseSite : Site {
  const char *kind() const override { return "dense"; }
  bool hasBias = false;
  BoundPrimitive fwd, bwdData, bwdWeights;
};

struct PoolSite : Site {
  const char *kind() const override { return "max_pool"; }
  bool haveForward = false; // the workspace holds a forward's argmax
  BoundPrimitive fwd, bwd;
};

struct LrnSite : Site {
  const char *kind() const override { return "lrn"; }
  bool training = false, haveForward = false;
  BoundPrimitive fwd, bwd;
};

} // namespace

extern "C" {

// ---------------------------------------------------------------- conv2d --

void nnc_cpu_conv2d_init(nnc_ctx *ctx, int64_t site, int64_t n, int64_t c, int64_t h, int64_t w,
                         int64_t out, int64_t kh, int64_t kw, int64_t sh, int64_t sw, int64_t ph,
                         int64_t pw, int64_t dh, int64_t dw, int64_t groups, int64_t has_bias,
                         int64_t relu, int64_t block, int64_t blocked) {
  const char *fn = "nnc_cpu_conv2d_init";
  guarded(ctx, fn, site, [&] {
    Checker ck;
    ck.atLeast({{"n", n}, {"c", c}, {"h", h}, {"w", w}, {"out", out}, {"kh", kh}, {"kw", kw},
                {"sh", sh}, {"sw", sw}, {"dh", dh}, {"dw", dw}, {"groups", groups}},
               1);
    ck.atLeast({{"ph", ph}, {"pw", pw}}, 0);
    ck.require(groups < 1 || (c % groups == 0 && out % groups == 0),
               "groups (" + std::to_string(groups) + ") must divide c (" + std::to_string(c) +
                   ") and out (" + std::to_string(out) + ")");
    int64_t spanH = h + 2 * ph - dh * (kh - 1) - 1, spanW = w + 2 * pw - dw * (kw - 1) - 1;
    ck.require(spanH >= 0 && spanW >= 0, "the dilated kernel is larger than the padded input");
    ck.layouts(block, blocked, 5);
    if (!ck.report(ctx, fn, site))
      return;
    int64_t oh = spanH / sh + 1, ow = spanW / sw + 1;

    memory::dims xDims{n, c, h, w}, yDims{n, out, oh, ow}, bDims{out};
    // Plain OIHW with g groups is exactly goihw with out/g filters per group.
    memory::dims wDims = groups > 1 ? memory::dims{groups, out / groups, c / groups, kh, kw}
                                    : memory::dims{out, c, kh, kw};
    auto act = [&](const memory::dims &dims, int bit) { return activation(dims, block, blocked, bit); };
    memory::desc xUser = act(xDims, 0), yUser = act(yDims, 1), dyData = act(yDims, 2),
                 dxUser = act(xDims, 3), dyWeights = act(yDims, 4),
                 wUser = plain(wDims, groups > 1 ? tag::goihw : tag::oihw),
                 bUser = plain(bDims, tag::x);
    // Layouts of oneDNN's choice (blocked), reordered from and to the plain
    // buffers per call: still faster on LeNet (1.4 vs 2.3 ms for conv1, 7.3 vs
    // 8.2 ms for conv2 per step at batch 64, one thread, reorders included).
    memory::desc xAny = any(xDims), yAny = any(yDims), wAny = any(wDims), bAny = any(bDims);
    memory::dims strides{sh, sw}, dilation{dh - 1, dw - 1}, pad{ph, pw}; // oneDNN: 0 = dense
    auto attr = userScratchpad();
    const dnnl::engine &eng = ctx->engine;

    auto s = std::make_unique<ConvSite>();
    s->hasBias = has_bias != 0;
    using Fwd = dnnl::convolution_forward;
    Fwd::desc fwdDesc =
        s->hasBias ? Fwd::desc(prop_kind::forward_training, algorithm::convolution_direct, xAny,
                               wAny, bAny, yAny, strides, dilation, pad, pad)
                   : Fwd::desc(prop_kind::forward_training, algorithm::convolution_direct, xAny,
                               wAny, yAny, strides, dilation, pad, pad);
    Fwd::primitive_desc fwdPd(fwdDesc, attr, eng);
    if (relu) {
      // A fused ReLU: the forward writes max(y, 0), in the same pass; the
      // backward ops keep fwdPd, without post-ops, as their hint. (A
      // primitive_attr is a handle: a copy of attr would share the post-ops.)
      auto fusedAttr = userScratchpad();
      dnnl::post_ops ops;
      ops.append_eltwise(1.0f, algorithm::eltwise_relu, 0.0f, 0.0f);
      fusedAttr.set_post_ops(ops);
      s->fwd = BoundPrimitive(Fwd::primitive_desc(fwdDesc, fusedAttr, eng), eng);
    } else {
      s->fwd = BoundPrimitive(fwdPd, eng);
    }
    s->fwd.input(DNNL_ARG_SRC, xUser);
    s->fwd.input(DNNL_ARG_WEIGHTS, wUser);
    if (s->hasBias)
      s->fwd.input(DNNL_ARG_BIAS, bUser);
    s->fwd.output(DNNL_ARG_DST, yUser);
    s->fwd.finish();

    using Bwd = dnnl::convolution_backward_data;
    Bwd::primitive_desc bwdPd(Bwd::desc(algorithm::convolution_direct, xAny, wAny, yAny, strides,
                                        dilation, pad, pad),
                              attr, eng, fwdPd);
    s->bwdData = BoundPrimitive(bwdPd, eng);
    s->bwdData.input(DNNL_ARG_DIFF_DST, dyData);
    s->bwdData.input(DNNL_ARG_WEIGHTS, wUser);
    s->bwdData.output(DNNL_ARG_DIFF_SRC, dxUser);
    s->bwdData.finish();

    using Bww = dnnl::convolution_backward_weights;
    Bww::primitive_desc bwwPd(
        s->hasBias ? Bww::desc(algorithm::convolution_direct, xAny, wAny, bAny, yAny, strides,
                               dilation, pad, pad)
                   : Bww::desc(algorithm::convolution_direct, xAny, wAny, yAny, strides,
                               dilation, pad, pad),
        attr, eng, fwdPd);
    s->bwdWeights = BoundPrimitive(bwwPd, eng);
    s->bwdWeights.input(DNNL_ARG_SRC, xUser);
    s->bwdWeights.input(DNNL_ARG_DIFF_DST, dyWeights);
    s->bwdWeights.output(DNNL_ARG_DIFF_WEIGHTS, wUser);
    if (s->hasBias)
      s->bwdWeights.output(DNNL_ARG_DIFF_BIAS, bUser);
    s->bwdWeights.finish();
    ctx->sites[site] = std::move(s);
  });
}

void nnc_cpu_conv2d_fwd(nnc_ctx *ctx, int64_t site, const float *x, const float *w,
                        const float *b, float *y) {
  const char *fn = "nnc_cpu_conv2d_fwd";
  guarded(ctx, fn, site, [&] {
    if (auto *s = findSite<ConvSite>(ctx, fn, site)) {
      if (s->hasBias)
        runOrFail(ctx, fn, site, s->fwd, {x, w, b, y});
      else
        runOrFail(ctx, fn, site, s->fwd, {x, w, y});
    }
  });
}

void nnc_cpu_conv2d_bwd_data(nnc_ctx *ctx, int64_t site, const float *dy, const float *w,
                             float *dx) {
  const char *fn = "nnc_cpu_conv2d_bwd_data";
  guarded(ctx, fn, site, [&] {
    if (auto *s = findSite<ConvSite>(ctx, fn, site))
      runOrFail(ctx, fn, site, s->bwdData, {dy, w, dx});
  });
}

void nnc_cpu_conv2d_bwd_filter(nnc_ctx *ctx, int64_t site, const float *x, const float *dy,
                               float *dw, float *db) {
  const char *fn = "nnc_cpu_conv2d_bwd_filter";
  guarded(ctx, fn, site, [&] {
    if (auto *s = findSite<ConvSite>(ctx, fn, site)) {
      if (s->hasBias)
        runOrFail(ctx, fn, site, s->bwdWeights, {x, dy, dw, db});
      else
        runOrFail(ctx, fn, site, s->bwdWeights, {x, dy, dw});
    }
  });
}

// -------------------------------------------------------------- max_pool --

void nnc_cpu_max_pool_init(nnc_ctx *ctx, int64_t site, int64_t n, int64_t c, int64_t h,
                           int64_t w, int64_t kh, int64_t kw, int64_t sh, int64_t sw, int64_t pt,
                           int64_t pl, int64_t pb, int64_t pr, int64_t block, int64_t blocked) {
  const char *fn = "nnc_cpu_max_pool_init";
  guarded(ctx, fn, site, [&] {
    Checker ck;
    ck.atLeast({{"n", n}, {"c", c}, {"h", h}, {"w", w}, {"kh", kh}, {"kw", kw}, {"sh", sh},
                {"sw", sw}},
               1);
    ck.atLeast({{"pt", pt}, {"pl", pl}, {"pb", pb}, {"pr", pr}}, 0);
    ck.require(pt < kh && pl < kw, "top/left padding must be smaller than the kernel");
    int64_t spanH = h + pt + pb - kh, spanW = w + pl + pr - kw;
    ck.require(spanH >= 0 && spanW >= 0, "the kernel is larger than the padded input");
    ck.layouts(block, blocked, 4);
    if (!ck.report(ctx, fn, site))
      return;
    int64_t oh = spanH / sh + 1, ow = spanW / sw + 1;
    // Every window must start inside the input or the top/left padding, so
    // that padded cells never win (Caffe's ceil rule drops the others).
    ck.require((oh - 1) * sh < h + pt && (ow - 1) * sw < w + pl,
               "the last window would lie entirely in the bottom/right padding");
    if (!ck.report(ctx, fn, site))
      return;

    memory::dims xDims{n, c, h, w}, yDims{n, c, oh, ow};
    auto act = [&](const memory::dims &dims, int bit) { return activation(dims, block, blocked, bit); };
    memory::desc xUser = act(xDims, 0), yUser = act(yDims, 1), dyUser = act(yDims, 2), dxUser = act(xDims, 3);
    // oneDNN pools NCHW slowly (0.8 ms vs 0.1 ms blocked for LeNet's pool1):
    // with any tensor blocked, the primitive works blocked throughout.
    memory::desc xPrim = blocked ? activation(xDims, block, 1, 0) : xUser;
    memory::dims strides{sh, sw}, kernel{kh, kw}, padL{pt, pl}, padR{pb, pr};
    auto attr = userScratchpad();
    const dnnl::engine &eng = ctx->engine;

    auto s = std::make_unique<PoolSite>();
    using Fwd = dnnl::pooling_forward;
    Fwd::primitive_desc fwdPd(Fwd::desc(prop_kind::forward_training, algorithm::pooling_max,
                                        xPrim, any(yDims), strides, kernel, padL, padR),
                              attr, eng);
    memory workspace(fwdPd.workspace_desc(), eng);
    s->fwd = BoundPrimitive(fwdPd, eng);
    s->fwd.input(DNNL_ARG_SRC, xUser);
    s->fwd.output(DNNL_ARG_DST, yUser);
    s->fwd.owned(DNNL_ARG_WORKSPACE, workspace);
    s->fwd.finish();

    using Bwd = dnnl::pooling_backward;
    Bwd::primitive_desc bwdPd(
        Bwd::desc(algorithm::pooling_max, any(xDims), any(yDims), strides, kernel, padL, padR),
        attr, eng, fwdPd);
    s->bwd = BoundPrimitive(bwdPd, eng);
    s->bwd.input(DNNL_ARG_DIFF_DST, dyUser);
    s->bwd.output(DNNL_ARG_DIFF_SRC, dxUser);
    s->bwd.owned(DNNL_ARG_WORKSPACE, workspace);
    s->bwd.finish();
    ctx->sites[site] = std::move(s);
  });
}

void nnc_cpu_max_pool_fwd(nnc_ctx *ctx, int64_t site, const float *x, float *y) {
  const char *fn = "nnc_cpu_max_pool_fwd";
  guarded(ctx, fn, site, [&] {
    if (auto *s = findSite<PoolSite>(ctx, fn, site)) {
      runOrFail(ctx, fn, site, s->fwd, {x, y});
      s->haveForward = ctx->error.empty();
    }
  });
}

void nnc_cpu_max_pool_bwd(nnc_ctx *ctx, int64_t site, const float *dy, float *dx) {
  const char *fn = "nnc_cpu_max_pool_bwd";
  guarded(ctx, fn, site, [&] {
    auto *s = findSite<PoolSite>(ctx, fn, site);
    if (!s)
      return;
    if (!s->haveForward)
      return fail(ctx, fn, site, "no forward result to go back through: call "
                                 "nnc_cpu_max_pool_fwd on this site first");
    runOrFail(ctx, fn, site, s->bwd, {dy, dx});
  });
}

// ----------------------------------------------------------------- dense --

void nnc_cpu_dense_init(nnc_ctx *ctx, int64_t site, int64_t n, int64_t in, int64_t out,
                        int64_t has_bias) {
  const char *fn = "nnc_cpu_dense_init";
  guarded(ctx, fn, site, [&] {
    Checker ck;
    ck.atLeast({{"n", n}, {"in", in}, {"out", out}}, 1);
    if (!ck.report(ctx, fn, site))
      return;
    memory::dims xDims{n, in}, wDims{out, in}, bDims{out}, yDims{n, out};
    memory::desc xUser = plain(xDims, tag::nc), wUser = plain(wDims, tag::oi),
                 bUser = plain(bDims, tag::x), yUser = plain(yDims, tag::nc);
    // Plain layouts throughout: oneDNN's gemm on them matched its blocked
    // brgemm kernels on LeNet's layers, and blocked weights cost a reorder of
    // the whole matrix in each of the three calls (measured: 0.8 ms a step).
    auto attr = userScratchpad();
    const dnnl::engine &eng = ctx->engine;

    auto s = std::make_unique<DenseSite>();
    s->hasBias = has_bias != 0;
    using Fwd = dnnl::inner_product_forward;
    auto training = prop_kind::forward_training;
    Fwd::primitive_desc fwdPd(s->hasBias ? Fwd::desc(training, xUser, wUser, bUser, yUser)
                                         : Fwd::desc(training, xUser, wUser, yUser),
                              attr, eng);
    s->fwd = BoundPrimitive(fwdPd, eng);
    s->fwd.input(DNNL_ARG_SRC, xUser);
    s->fwd.input(DNNL_ARG_WEIGHTS, wUser);
    if (s->hasBias)
      s->fwd.input(DNNL_ARG_BIAS, bUser);
    s->fwd.output(DNNL_ARG_DST, yUser);
    s->fwd.finish();

    using Bwd = dnnl::inner_product_backward_data;
    Bwd::primitive_desc bwdPd(Bwd::desc(xUser, wUser, yUser), attr, eng, fwdPd);
    s->bwdData = BoundPrimitive(bwdPd, eng);
    s->bwdData.input(DNNL_ARG_DIFF_DST, yUser);
    s->bwdData.input(DNNL_ARG_WEIGHTS, wUser);
    s->bwdData.output(DNNL_ARG_DIFF_SRC, xUser);
    s->bwdData.finish();

    using Bww = dnnl::inner_product_backward_weights;
    Bww::primitive_desc bwwPd(s->hasBias ? Bww::desc(xUser, wUser, bUser, yUser)
                                         : Bww::desc(xUser, wUser, yUser),
                              attr, eng, fwdPd);
    s->bwdWeights = BoundPrimitive(bwwPd, eng);
    s->bwdWeights.input(DNNL_ARG_SRC, xUser);
    s->bwdWeights.input(DNNL_ARG_DIFF_DST, yUser);
    s->bwdWeights.output(DNNL_ARG_DIFF_WEIGHTS, wUser);
    if (s->hasBias)
      s->bwdWeights.output(DNNL_ARG_DIFF_BIAS, bUser);
    s->bwdWeights.finish();
    ctx->sites[site] = std::move(s);
  });
}

void nnc_cpu_dense_fwd(nnc_ctx *ctx, int64_t site, const float *x, const float *w,
                       const float *b, float *y) {
  const char *fn = "nnc_cpu_dense_fwd";
  guarded(ctx, fn, site, [&] {
    if (auto *s = findSite<DenseSite>(ctx, fn, site)) {
      if (s->hasBias)
        runOrFail(ctx, fn, site, s->fwd, {x, w, b, y});
      else
        runOrFail(ctx, fn, site, s->fwd, {x, w, y});
    }
  });
}

void nnc_cpu_dense_bwd_data(nnc_ctx *ctx, int64_t site, const float *dy, const float *w,
                            float *dx) {
  const char *fn = "nnc_cpu_dense_bwd_data";
  guarded(ctx, fn, site, [&] {
    if (auto *s = findSite<DenseSite>(ctx, fn, site))
      runOrFail(ctx, fn, site, s->bwdData, {dy, w, dx});
  });
}

void nnc_cpu_dense_bwd_weights(nnc_ctx *ctx, int64_t site, const float *x, const float *dy,
                               float *dw, float *db) {
  const char *fn = "nnc_cpu_dense_bwd_weights";
  guarded(ctx, fn, site, [&] {
    if (auto *s = findSite<DenseSite>(ctx, fn, site)) {
      if (s->hasBias)
        runOrFail(ctx, fn, site, s->bwdWeights, {x, dy, dw, db});
      else
        runOrFail(ctx, fn, site, s->bwdWeights, {x, dy, dw});
    }
  });
}

} // extern "C"

// ------------------------------------------------------------------- lrn --

void nnc_cpu_lrn_init(nnc_ctx *ctx, int64_t site, int64_t n, int64_t c, int64_t h, int64_t w,
                      int64_t size, float alpha, float beta, float k, int64_t training, int64_t block,
                      int64_t blocked) {
  const char *fn = "nnc_cpu_lrn_init";
  guarded(ctx, fn, site, [&] {
    Checker ck;
    ck.atLeast({{"n", n}, {"c", c}, {"h", h}, {"w", w}, {"size", size}}, 1);
    ck.require(k > 0, "k must be positive");
    ck.layouts(block, blocked, 4);
    if (!ck.report(ctx, fn, site))
      return;
    memory::dims dims{n, c, h, w};
    auto act = [&](int bit) { return activation(dims, block, blocked, bit); };
    memory::desc x = act(0), y = act(1), dy = act(2), dx = act(3);
    // oneDNN's fast LRN kernels work on channel blocks (its plain-layout
    // backward is a reference loop, 20x slower on AlexNet's norm1); the
    // reorders to and from the blocked layout cost less than that.
    memory::desc inner = activation(dims, blocked ? block : 16, 1, 0);
    auto attr = userScratchpad();
    const dnnl::engine &eng = ctx->engine;
    auto s = std::make_unique<LrnSite>();
    s->training = training != 0;
    // oneDNN's across-channel window and alpha / size are Caffe's (and nnc's).
    using Fwd = dnnl::lrn_forward;
    Fwd::primitive_desc fwdPd(Fwd::desc(s->training ? prop_kind::forward_training : prop_kind::forward_inference,
                                        algorithm::lrn_across_channels, inner, size, alpha, beta, k),
                              attr, eng);
    s->fwd = BoundPrimitive(fwdPd, eng);
    s->fwd.input(DNNL_ARG_SRC, x);
    s->fwd.output(DNNL_ARG_DST, y);
    if (s->training) {
      memory workspace(fwdPd.workspace_desc(), eng);
      if (fwdPd.workspace_desc().get_size())
        s->fwd.owned(DNNL_ARG_WORKSPACE, workspace);
      s->fwd.finish();
      using Bwd = dnnl::lrn_backward;
      Bwd::primitive_desc bwdPd(Bwd::desc(algorithm::lrn_across_channels, inner, inner, size, alpha, beta, k), attr,
                                eng, fwdPd);
      s->bwd = BoundPrimitive(bwdPd, eng);
      s->bwd.input(DNNL_ARG_SRC, x);
      s->bwd.input(DNNL_ARG_DIFF_DST, dy);
      s->bwd.output(DNNL_ARG_DIFF_SRC, dx);
      if (fwdPd.workspace_desc().get_size())
        s->bwd.owned(DNNL_ARG_WORKSPACE, workspace);
      s->bwd.finish();
    } else {
      s->fwd.finish();
    }
    ctx->sites[site] = std::move(s);
  });
}

void nnc_cpu_lrn_fwd(nnc_ctx *ctx, int64_t site, const float *x, float *y) {
  const char *fn = "nnc_cpu_lrn_fwd";
  guarded(ctx, fn, site, [&] {
    if (auto *s = findSite<LrnSite>(ctx, fn, site)) {
      runOrFail(ctx, fn, site, s->fwd, {x, y});
      s->haveForward = ctx->error.empty();
    }
  });
}

void nnc_cpu_lrn_bwd(nnc_ctx *ctx, int64_t site, const float *x, const float *dy, float *dx) {
  const char *fn = "nnc_cpu_lrn_bwd";
  guarded(ctx, fn, site, [&] {
    auto *s = findSite<LrnSite>(ctx, fn, site);
    if (!s)
      return;
    if (!s->training || !s->haveForward)
      return fail(ctx, fn, site, "no training forward to go back through: call nnc_cpu_lrn_fwd on a "
                                 "training site first");
    runOrFail(ctx, fn, site, s->bwd, {x, dy, dx});
  });
}
