//===- OneDnnNormOps.cpp - eltwise, softmax and batch norm on oneDNN ------===//
//
// Same pattern as OneDnnOps.cpp: each init validates the static shapes and
// creates its primitives once (user scratchpad, buffers bound), so calls only
// swap in the caller's pointers. Where oneDNN's kernel for the caller's plain
// layout is a slow reference loop, the primitive runs on a channel-blocked
// layout and BoundPrimitive reorders to and from it (timings in the comments:
// [64, 96, 27, 27], one thread, AVX-512).
//
//===----------------------------------------------------------------------===//
#include "runtime/OneDnnSupport.h"

#include <cmath>
#include <iterator>

using namespace nnc::rt;
using dnnl::algorithm;
using dnnl::memory;
using dnnl::prop_kind;
using tag = memory::format_tag;

namespace {

struct EltwiseSite : Site {
  const char *kind() const override { return "eltwise"; }
  bool training = false;
  BoundPrimitive fwd, bwd;
};

struct SoftmaxSite : Site {
  const char *kind() const override { return "softmax"; }
  bool training = false;
  BoundPrimitive fwd, bwd;
};

struct BatchNormSite : Site {
  const char *kind() const override { return "batch_norm"; }
  bool training = false, affine = false, haveForward = false;
  int64_t channels = 0;
  // The running-statistics update, in the generated lowering's f32 constants.
  float eps = 0, keep = 0, mix = 0, unbias = 1;
  memory variance;            // training: the last forward's biased variance
  const float *var = nullptr; // its buffer
  memory unusedShift;         // see nnc_cpu_batch_norm_init
  BoundPrimitive fwd, bwd;
};

prop_kind forwardKind(bool training) {
  return training ? prop_kind::forward_training : prop_kind::forward_inference;
}

/// The error for a call the site was not initialized for.
void wrongMode(nnc_ctx *ctx, const char *fn, int64_t site, const char *what) {
  fail(ctx, fn, site, std::string("the site was initialized ") + what);
}

/// The layout batch norm runs in for a plain [n, c, h, w] tensor: oneDNN's
/// plain-layout kernel is a C++ loop (training forward / backward 12.1 /
/// 17.1 ms), its nChw16c kernel takes 2.4 / 2.9 ms, 7.6 / 10.7 with the
/// reorders. With h = w = 1 nchw is nhwc byte for byte, which has a fast
/// kernel of its own: no reorders.
memory::desc batchNormInner(const memory::dims &dims) {
  return plain(dims, dims[2] * dims[3] == 1 ? tag::nhwc : tag::nChw16c);
}

} // namespace

extern "C" {

// --------------------------------------------------------------- eltwise --

void nnc_cpu_eltwise_init(nnc_ctx *ctx, int64_t site, int64_t kind, float alpha, int64_t n,
                          int64_t c, int64_t h, int64_t w, int64_t training, int64_t block,
                          int64_t blocked) {
  const char *fn = "nnc_cpu_eltwise_init";
  guarded(ctx, fn, site, [&] {
    // Indexed by the NNC_ELTWISE_* kinds; relu is leaky relu with slope 0.
    static const algorithm algorithms[] = {algorithm::eltwise_relu, algorithm::eltwise_relu,
                                           algorithm::eltwise_logistic, algorithm::eltwise_tanh,
                                           algorithm::eltwise_gelu_erf};
    Checker ck;
    ck.require(kind >= 0 && kind < int64_t(std::size(algorithms)),
               "unknown eltwise kind " + std::to_string(kind));
    ck.atLeast({{"n", n}, {"c", c}, {"h", h}, {"w", w}}, 1);
    ck.layouts(block, blocked, 2);
    if (!ck.report(ctx, fn, site))
      return;
    algorithm alg = algorithms[kind];
    float slope = kind == NNC_ELTWISE_LEAKY_RELU ? alpha : 0.0f;
    memory::dims dims{n, c, h, w};
    // Elementwise kernels are as fast on any layout: the caller's, no reorders.
    memory::desc fwdData = activation(dims, block, blocked, 0),
                 bwdData = activation(dims, block, blocked, 1);
    auto attr = userScratchpad();
    const dnnl::engine &eng = ctx->engine;

    auto s = std::make_unique<EltwiseSite>();
    s->training = training != 0;
    using Fwd = dnnl::eltwise_forward;
    Fwd::primitive_desc fwdPd(Fwd::desc(forwardKind(s->training), alg, fwdData, slope), attr, eng);
    s->fwd = BoundPrimitive(fwdPd, eng);
    s->fwd.input(DNNL_ARG_SRC, fwdData);
    s->fwd.output(DNNL_ARG_DST, fwdData);
    s->fwd.finish();
    if (s->training) {
      // From the forward input x (DNNL_ARG_SRC). For relu a y in its place
      // gives the same dx: oneDNN's relu' is (src > 0 ? 1 : slope).
      using Bwd = dnnl::eltwise_backward;
      Bwd::primitive_desc bwdPd(Bwd::desc(alg, bwdData, bwdData, slope), attr, eng, fwdPd);
      s->bwd = BoundPrimitive(bwdPd, eng);
      s->bwd.input(DNNL_ARG_SRC, bwdData);
      s->bwd.input(DNNL_ARG_DIFF_DST, bwdData);
      s->bwd.output(DNNL_ARG_DIFF_SRC, bwdData);
      s->bwd.finish();
    }
    ctx->sites[site] = std::move(s);
  });
}

void nnc_cpu_eltwise_fwd(nnc_ctx *ctx, int64_t site, const float *x, float *y) {
  const char *fn = "nnc_cpu_eltwise_fwd";
  guarded(ctx, fn, site, [&] {
    if (auto *s = findSite<EltwiseSite>(ctx, fn, site))
      runOrFail(ctx, fn, site, s->fwd, {x, y});
  });
}

void nnc_cpu_eltwise_bwd(nnc_ctx *ctx, int64_t site, const float *x, const float *dy, float *dx) {
  const char *fn = "nnc_cpu_eltwise_bwd";
  guarded(ctx, fn, site, [&] {
    auto *s = findSite<EltwiseSite>(ctx, fn, site);
    if (!s)
      return;
    if (!s->training)
      return wrongMode(ctx, fn, site, "for inference: it has no backward");
    runOrFail(ctx, fn, site, s->bwd, {x, dy, dx});
  });
}

// --------------------------------------------------------------- softmax --

void nnc_cpu_softmax_init(nnc_ctx *ctx, int64_t site, int64_t outer, int64_t axis, int64_t inner,
                          int64_t training) {
  const char *fn = "nnc_cpu_softmax_init";
  guarded(ctx, fn, site, [&] {
    Checker ck;
    ck.atLeast({{"outer", outer}, {"axis", axis}, {"inner", inner}}, 1);
    if (!ck.report(ctx, fn, site))
      return;
    memory::dims dims{outer, axis, inner};
    memory::desc user = plain(dims, tag::abc);
    // With inner > 1 oneDNN's plain kernel is a reference loop (500 / 855 ms
    // forward / backward); with the axis in blocks of 16 its vector kernel
    // takes 2.8 / 2.0 ms, 8.1 / 11.1 with the reorders. inner == 1: plain is
    // fast as it is.
    memory::desc inside = inner == 1 ? user : plain(dims, tag::aBc16b);
    auto attr = userScratchpad();
    const dnnl::engine &eng = ctx->engine;

    auto s = std::make_unique<SoftmaxSite>();
    s->training = training != 0;
    using Fwd = dnnl::softmax_forward;
    Fwd::primitive_desc fwdPd(Fwd::desc(forwardKind(s->training), inside, 1), attr, eng);
    s->fwd = BoundPrimitive(fwdPd, eng);
    s->fwd.input(DNNL_ARG_SRC, user);
    s->fwd.output(DNNL_ARG_DST, user);
    s->fwd.finish();
    if (s->training) {
      using Bwd = dnnl::softmax_backward;
      Bwd::primitive_desc bwdPd(Bwd::desc(inside, inside, 1), attr, eng, fwdPd);
      s->bwd = BoundPrimitive(bwdPd, eng);
      s->bwd.input(DNNL_ARG_DST, user);
      s->bwd.input(DNNL_ARG_DIFF_DST, user);
      s->bwd.output(DNNL_ARG_DIFF_SRC, user);
      s->bwd.finish();
    }
    ctx->sites[site] = std::move(s);
  });
}

void nnc_cpu_softmax_fwd(nnc_ctx *ctx, int64_t site, const float *x, float *y) {
  const char *fn = "nnc_cpu_softmax_fwd";
  guarded(ctx, fn, site, [&] {
    if (auto *s = findSite<SoftmaxSite>(ctx, fn, site))
      runOrFail(ctx, fn, site, s->fwd, {x, y});
  });
}

void nnc_cpu_softmax_bwd(nnc_ctx *ctx, int64_t site, const float *y, const float *dy, float *dx) {
  const char *fn = "nnc_cpu_softmax_bwd";
  guarded(ctx, fn, site, [&] {
    auto *s = findSite<SoftmaxSite>(ctx, fn, site);
    if (!s)
      return;
    if (!s->training)
      return wrongMode(ctx, fn, site, "for inference: it has no backward");
    runOrFail(ctx, fn, site, s->bwd, {y, dy, dx});
  });
}

// ------------------------------------------------------------ batch norm --

void nnc_cpu_batch_norm_init(nnc_ctx *ctx, int64_t site, int64_t n, int64_t c, int64_t h, int64_t w,
                             float eps, double momentum, int64_t affine, int64_t training,
                             int64_t block, int64_t blocked) {
  const char *fn = "nnc_cpu_batch_norm_init";
  guarded(ctx, fn, site, [&] {
    Checker ck;
    ck.atLeast({{"n", n}, {"c", c}, {"h", h}, {"w", w}}, 1);
    ck.require(eps >= 0, "eps must not be negative");
    ck.layouts(block, blocked, 2);
    if (!ck.report(ctx, fn, site))
      return;
    memory::dims dims{n, c, h, w};
    memory::desc fwdUser = activation(dims, block, blocked, 0),
                 bwdUser = activation(dims, block, blocked, 1);
    memory::desc fwdInner = blocked & 1 ? fwdUser : batchNormInner(dims),
                 bwdInner = blocked & 2 ? bwdUser : batchNormInner(dims);
    memory::desc stat = plain({c}, tag::x);
    auto attr = userScratchpad();
    const dnnl::engine &eng = ctx->engine;

    auto s = std::make_unique<BatchNormSite>();
    s->training = training != 0;
    s->affine = affine != 0;
    s->channels = c;
    s->eps = eps;
    // As codegen's lowerBatchNorm: f32 constants momentum, 1 - momentum and
    // M / (M - 1) (1 when M == 1), the last two computed in double from the
    // op's f64 momentum (a float momentum would round 1 - momentum twice).
    double count = double(n) * double(h) * double(w);
    s->keep = float(momentum);
    s->mix = float(1.0 - momentum);
    s->unbias = count > 1 ? float(count / (count - 1)) : 1.0f;

    // weight and bias are separate [c] buffers (no packed scale_shift copy).
    using Flags = dnnl::normalization_flags;
    Flags affineFlags = s->affine ? Flags::use_scale | Flags::use_shift : Flags::none;
    using Fwd = dnnl::batch_normalization_forward;
    Flags fwdFlags = s->training ? affineFlags : affineFlags | Flags::use_global_stats;
    Fwd::primitive_desc fwdPd(Fwd::desc(forwardKind(s->training), fwdInner, eps, fwdFlags), attr,
                              eng);
    // Bound in the order of the calls' arguments.
    s->fwd = BoundPrimitive(fwdPd, eng);
    s->fwd.input(DNNL_ARG_SRC, fwdUser);
    if (s->affine) {
      s->fwd.input(DNNL_ARG_SCALE, stat);
      s->fwd.input(DNNL_ARG_SHIFT, stat);
    }
    if (s->training) {
      s->variance = memory(stat, eng);
      s->var = static_cast<const float *>(s->variance.get_data_handle());
      s->fwd.output(DNNL_ARG_DST, fwdUser);
      s->fwd.output(DNNL_ARG_MEAN, stat);
      s->fwd.owned(DNNL_ARG_VARIANCE, s->variance);
    } else {
      s->fwd.input(DNNL_ARG_MEAN, stat);
      s->fwd.input(DNNL_ARG_VARIANCE, stat);
      s->fwd.output(DNNL_ARG_DST, fwdUser);
    }
    s->fwd.finish();

    if (s->training) {
      // With affine, prop_kind::backward also computes dweight and dbias.
      using Bwd = dnnl::batch_normalization_backward;
      Bwd::primitive_desc bwdPd(
          Bwd::desc(s->affine ? prop_kind::backward : prop_kind::backward_data, bwdInner, bwdInner,
                    eps, affineFlags),
          attr, eng, fwdPd);
      s->bwd = BoundPrimitive(bwdPd, eng);
      s->bwd.input(DNNL_ARG_SRC, bwdUser);
      s->bwd.input(DNNL_ARG_DIFF_DST, bwdUser);
      if (s->affine)
        s->bwd.input(DNNL_ARG_SCALE, stat);
      s->bwd.input(DNNL_ARG_MEAN, stat);
      s->bwd.output(DNNL_ARG_DIFF_SRC, bwdUser);
      if (s->affine) {
        s->bwd.output(DNNL_ARG_DIFF_SCALE, stat);
        s->bwd.output(DNNL_ARG_DIFF_SHIFT, stat);
        // oneDNN 2.6 wants a shift with use_shift (needed for dbias) although
        // the backward does not read it: a buffer of the site's, not the caller's.
        s->unusedShift = memory(stat, eng);
        s->bwd.owned(DNNL_ARG_SHIFT, s->unusedShift);
      }
      s->bwd.owned(DNNL_ARG_VARIANCE, s->variance);
      s->bwd.finish();
    }
    ctx->sites[site] = std::move(s);
  });
}

void nnc_cpu_batch_norm_fwd_training(nnc_ctx *ctx, int64_t site, const float *x,
                                     const float *weight, const float *bias, float *y, float *mean,
                                     float *invstd, float *running_mean, float *running_var) {
  const char *fn = "nnc_cpu_batch_norm_fwd_training";
  guarded(ctx, fn, site, [&] {
    auto *s = findSite<BatchNormSite>(ctx, fn, site);
    if (!s)
      return;
    if (!s->training)
      return wrongMode(ctx, fn, site, "for inference: call nnc_cpu_batch_norm_fwd_inference");
    if (!invstd || !running_mean || !running_var)
      return fail(ctx, fn, site, "null invstd or running statistics buffer");
    s->haveForward = false;
    if (s->affine)
      runOrFail(ctx, fn, site, s->fwd, {x, weight, bias, y, mean});
    else
      runOrFail(ctx, fn, site, s->fwd, {x, y, mean});
    if (!ctx->error.empty())
      return;
    // The same f32 arithmetic as the generated lowering, one rounding per
    // operation (no fused multiply-adds, which the generated code has none of).
    for (int64_t c = 0; c < s->channels; ++c) {
#pragma STDC FP_CONTRACT OFF
      float var = s->var[c];
      invstd[c] = 1.0f / std::sqrt(var + s->eps);
      running_mean[c] = running_mean[c] * s->keep + mean[c] * s->mix;
      running_var[c] = running_var[c] * s->keep + var * s->unbias * s->mix;
    }
    s->haveForward = true;
  });
}

void nnc_cpu_batch_norm_fwd_inference(nnc_ctx *ctx, int64_t site, const float *x,
                                      const float *weight, const float *bias,
                                      const float *running_mean, const float *running_var,
                                      float *y) {
  const char *fn = "nnc_cpu_batch_norm_fwd_inference";
  guarded(ctx, fn, site, [&] {
    auto *s = findSite<BatchNormSite>(ctx, fn, site);
    if (!s)
      return;
    if (s->training)
      return wrongMode(ctx, fn, site, "for training: call nnc_cpu_batch_norm_fwd_training");
    if (s->affine)
      runOrFail(ctx, fn, site, s->fwd, {x, weight, bias, running_mean, running_var, y});
    else
      runOrFail(ctx, fn, site, s->fwd, {x, running_mean, running_var, y});
  });
}

void nnc_cpu_batch_norm_bwd(nnc_ctx *ctx, int64_t site, const float *x, const float *dy,
                            const float *weight, const float *mean, float *dx, float *dweight,
                            float *dbias) {
  const char *fn = "nnc_cpu_batch_norm_bwd";
  guarded(ctx, fn, site, [&] {
    auto *s = findSite<BatchNormSite>(ctx, fn, site);
    if (!s)
      return;
    if (!s->training || !s->haveForward)
      return fail(ctx, fn, site,
                  "no training forward to go back through: call "
                  "nnc_cpu_batch_norm_fwd_training on a training site first");
    if (s->affine)
      runOrFail(ctx, fn, site, s->bwd, {x, dy, weight, mean, dx, dweight, dbias});
    else
      runOrFail(ctx, fn, site, s->bwd, {x, dy, mean, dx});
  });
}

} // extern "C"
