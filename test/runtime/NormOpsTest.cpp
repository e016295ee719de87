//===- NormOpsTest.cpp - eltwise, softmax and batch norm wrappers ---------===//
//
// Against the reference kernels (in double), each element within a tolerance
// relative to its scale: the sum of the magnitudes of the terms it is made
// of. The blocked variants (nChw8c, nChw16c, per `blocked` bit) must give the
// plain layout's results, with zero padding.
//
//===----------------------------------------------------------------------===//
#include "BlockedLayout.h"
#include "RuntimeTestUtil.h"

#include "ir/reference/Kernels.h"

#include <functional>
#include <ostream>

using namespace nnc::test;
using RefTensor = nnc::ref::Tensor<double>;

namespace {

// oneDNN's vector exp, erf and tanh are good to a few float ulps; batch norm
// sums M values in float for its statistics.
constexpr double kEltwiseTol = 1e-5, kSoftmaxTol = 1e-5, kBatchNormTol = 1e-5;

RefTensor toRef(const std::vector<float> &v, std::vector<int64_t> shape) {
  return RefTensor(std::move(shape), std::vector<double>(v.begin(), v.end()));
}

/// A reference result whose element i has scale scaleOf(i).
template <typename F> Reference reference(const std::vector<double> &value, F scaleOf) {
  Reference r(value.size());
  r.value = value;
  for (size_t i = 0; i < value.size(); ++i)
    r.magnitude[i] = scaleOf(i);
  return r;
}

/// A plain run's result as what a blocked run must give, with `ref`'s scales.
Reference sameAs(const std::vector<float> &plain, const Reference &ref) {
  Reference r = ref;
  r.value.assign(plain.begin(), plain.end());
  return r;
}

/// The caller's side of an init's `block` and `blocked`: the tensors of a set
/// bit go in and come back blocked. Outputs start poisoned, so every element
/// (padding included) must be written.
struct Layouts {
  BlockedLayout shape;
  int64_t blocked = 0;

  std::vector<float> in(const std::vector<float> &plain, int bit) const {
    return blocked & bit ? shape.toBlocked(plain) : plain;
  }
  std::vector<float> output(int bit) const {
    return std::vector<float>(
        blocked & bit ? shape.size() : size_t(shape.n * shape.c * shape.h * shape.w), 1e30f);
  }
  std::vector<float> back(const std::vector<float> &out, int bit) const {
    if (!(blocked & bit))
      return out;
    EXPECT_EQ(shape.nonZeroPadding(out), 0) << "padded channels must read as zero";
    return shape.toPlain(out);
  }
};

/// Calls f(block, blocked) for nChw8c and nChw16c and each bit mask.
template <typename F> void forEachBlocking(F f) {
  for (int64_t block : {8, 16})
    for (int64_t blocked : {1, 2, 3}) {
      SCOPED_TRACE("block " + std::to_string(block) + ", blocked " + std::to_string(blocked));
      f(block, blocked);
    }
}

// --------------------------------------------------------------- eltwise --

struct EltwiseCase {
  const char *name;
  int64_t kind;
  float alpha;
  int64_t n, c, h, w;
};
std::ostream &operator<<(std::ostream &os, const EltwiseCase &k) { return os << k.name; }

struct EltwiseRun {
  std::vector<float> y, dx, dxFromY; // dxFromY: relu's backward fed y
};

EltwiseRun runEltwise(const EltwiseCase &k, const Layouts &l, const std::vector<float> &x,
                      const std::vector<float> &dy) {
  CtxPtr ctx = makeCtx();
  nnc_cpu_eltwise_init(ctx.get(), 5, k.kind, k.alpha, k.n, k.c, k.h, k.w, 1, l.shape.block,
                       l.blocked);
  std::vector<float> fx = l.in(x, 1), bx = l.in(x, 2), bdy = l.in(dy, 2);
  std::vector<float> y = l.output(1), dx = l.output(2);
  nnc_cpu_eltwise_fwd(ctx.get(), 5, fx.data(), y.data());
  nnc_cpu_eltwise_bwd(ctx.get(), 5, bx.data(), bdy.data(), dx.data());
  EltwiseRun r{l.back(y, 1), l.back(dx, 2), {}};
  if (k.kind == NNC_ELTWISE_RELU) {
    std::vector<float> by = l.in(r.y, 2), dxFromY = l.output(2);
    nnc_cpu_eltwise_bwd(ctx.get(), 5, by.data(), bdy.data(), dxFromY.data());
    r.dxFromY = l.back(dxFromY, 2);
  }
  EXPECT_EQ(errorOf(ctx.get()), "");
  return r;
}

class EltwiseTest : public ::testing::TestWithParam<EltwiseCase> {};

TEST_P(EltwiseTest, ForwardAndBackwardMatchTheReferenceKernels) {
  const EltwiseCase k = GetParam();
  size_t count = size_t(k.n * k.c * k.h * k.w);
  std::vector<float> x = randomVector(count, 31, -4, 4), dy = randomVector(count, 32);
  x[0] = 0; // relu' at 0 is 0
  RefTensor rx = toRef(x, {k.n, k.c, k.h, k.w}), rdy = toRef(dy, {k.n, k.c, k.h, k.w}), ry, rdx;
  std::string error;
  switch (k.kind) {
  case NNC_ELTWISE_RELU:
    ry = nnc::ref::relu(rx, &error), rdx = nnc::ref::reluBackward(rx, rdy, &error);
    break;
  case NNC_ELTWISE_LEAKY_RELU:
    ry = nnc::ref::leakyRelu(rx, k.alpha, &error);
    rdx = nnc::ref::leakyReluBackward(rx, rdy, k.alpha, &error);
    break;
  case NNC_ELTWISE_SIGMOID:
    ry = nnc::ref::sigmoid(rx, &error), rdx = nnc::ref::sigmoidBackward(rx, rdy, &error);
    break;
  case NNC_ELTWISE_TANH:
    ry = nnc::ref::tanh(rx, &error), rdx = nnc::ref::tanhBackward(rx, rdy, &error);
    break;
  case NNC_ELTWISE_GELU:
    ry = nnc::ref::gelu(rx, &error), rdx = nnc::ref::geluBackward(rx, rdy, &error);
    break;
  }
  ASSERT_EQ(error, "");
  // Every kind's y is at most |x| off |y|, its derivative at most about 1.
  Reference y =
      reference(ry.data, [&](size_t i) { return std::fabs(ry.data[i]) + std::fabs(x[i]); });
  Reference dx =
      reference(rdx.data, [&](size_t i) { return std::fabs(rdx.data[i]) + std::fabs(dy[i]); });

  Layouts plainLayout{{k.n, k.c, k.h, k.w, 16}, 0};
  EltwiseRun plain = runEltwise(k, plainLayout, x, dy);
  expectClose(plain.y, y, "y", kEltwiseTol);
  expectClose(plain.dx, dx, "dx", kEltwiseTol);
  if (k.kind == NNC_ELTWISE_RELU)
    expectClose(plain.dxFromY, sameAs(plain.dx, dx), "dx from y", 0);

  // The plain run's values, up to rounding: oneDNN's sigmoid forward on
  // blocked layouts differs from its plain one in the last bit.
  forEachBlocking([&](int64_t block, int64_t blocked) {
    EltwiseRun r = runEltwise(k, Layouts{{k.n, k.c, k.h, k.w, block}, blocked}, x, dy);
    expectClose(r.y, sameAs(plain.y, y), "blocked y", kEltwiseTol);
    expectClose(r.dx, sameAs(plain.dx, dx), "blocked dx", kEltwiseTol);
    if (k.kind == NNC_ELTWISE_RELU)
      expectClose(r.dxFromY, sameAs(plain.dx, dx), "blocked dx from y", 0);
  });
}

// name, kind, alpha, n, c, h, w
INSTANTIATE_TEST_SUITE_P(
    NormOps, EltwiseTest,
    ::testing::Values(EltwiseCase{"relu", NNC_ELTWISE_RELU, 0, 2, 20, 5, 7},
                      // relu ignores alpha.
                      EltwiseCase{"relu_alpha_ignored", NNC_ELTWISE_RELU, 0.5f, 2, 16, 3, 3},
                      EltwiseCase{"relu_rank2", NNC_ELTWISE_RELU, 0, 8, 20, 1, 1},
                      EltwiseCase{"leaky_relu", NNC_ELTWISE_LEAKY_RELU, 0.1f, 2, 20, 5, 7},
                      EltwiseCase{"leaky_relu_steep", NNC_ELTWISE_LEAKY_RELU, 2.5f, 1, 3, 4, 4},
                      EltwiseCase{"sigmoid", NNC_ELTWISE_SIGMOID, 0, 2, 20, 5, 7},
                      EltwiseCase{"sigmoid_rank2", NNC_ELTWISE_SIGMOID, 0, 8, 10, 1, 1},
                      EltwiseCase{"tanh", NNC_ELTWISE_TANH, 0, 2, 20, 5, 7},
                      EltwiseCase{"gelu", NNC_ELTWISE_GELU, 0, 2, 20, 5, 7},
                      EltwiseCase{"gelu_rank2", NNC_ELTWISE_GELU, 0, 4, 33, 1, 1}),
    [](const ::testing::TestParamInfo<EltwiseCase> &i) { return std::string(i.param.name); });

// --------------------------------------------------------------- softmax --

struct SoftmaxCase {
  const char *name;
  int64_t outer, axis, inner;
};
std::ostream &operator<<(std::ostream &os, const SoftmaxCase &k) { return os << k.name; }

class SoftmaxTest : public ::testing::TestWithParam<SoftmaxCase> {};

TEST_P(SoftmaxTest, ForwardAndBackwardMatchTheReferenceKernels) {
  const SoftmaxCase k = GetParam();
  size_t count = size_t(k.outer * k.axis * k.inner);
  std::vector<int64_t> shape{k.outer, k.axis, k.inner};
  std::vector<float> x = randomVector(count, 51, -5, 5), dy = randomVector(count, 52);
  std::string error;
  RefTensor ry = nnc::ref::softmax(toRef(x, shape), 1, &error);
  ASSERT_EQ(error, "");

  CtxPtr ctx = makeCtx();
  nnc_cpu_softmax_init(ctx.get(), 6, k.outer, k.axis, k.inner, 1);
  std::vector<float> y(count, 1e30f), dx(count, 1e30f);
  nnc_cpu_softmax_fwd(ctx.get(), 6, x.data(), y.data());
  // The backward's reference starts from the same (float) y the call gets.
  RefTensor rdx = nnc::ref::softmaxBackward(toRef(y, shape), toRef(dy, shape), 1, &error);
  nnc_cpu_softmax_bwd(ctx.get(), 6, y.data(), dy.data(), dx.data());
  ASSERT_EQ(errorOf(ctx.get()), "");
  ASSERT_EQ(error, "");
  expectClose(y, reference(ry.data, [&](size_t i) { return ry.data[i]; }), "y", kSoftmaxTol);
  // dx = y * (dy - sum over the axis of dy * y)
  auto rowSum = [&](size_t i) {
    size_t o = i / size_t(k.axis * k.inner), in = i % size_t(k.inner);
    double sum = 0;
    for (int64_t a = 0; a < k.axis; ++a) {
      size_t j = (o * size_t(k.axis) + size_t(a)) * size_t(k.inner) + in;
      sum += std::fabs(dy[j] * y[j]);
    }
    return sum;
  };
  expectClose(dx,
              reference(rdx.data, [&](size_t i) { return y[i] * (std::fabs(dy[i]) + rowSum(i)); }),
              "dx", kSoftmaxTol);

  // An inference site computes the same forward and refuses a backward.
  nnc_cpu_softmax_init(ctx.get(), 7, k.outer, k.axis, k.inner, 0);
  std::vector<float> iy(count, 1e30f);
  nnc_cpu_softmax_fwd(ctx.get(), 7, x.data(), iy.data());
  ASSERT_EQ(errorOf(ctx.get()), "");
  expectClose(iy, sameAs(y, Reference(count)), "inference y", 0);
}

// name, outer, axis, inner: logits [n, classes]; channels [n, c, h * w];
// axis_of_one: y = 1, dx = 0.
INSTANTIATE_TEST_SUITE_P(
    NormOps, SoftmaxTest,
    ::testing::Values(SoftmaxCase{"logits", 8, 10, 1}, SoftmaxCase{"channels", 4, 20, 6},
                      SoftmaxCase{"wide_odd", 2, 37, 9}, SoftmaxCase{"middle_axis", 3, 5, 16},
                      SoftmaxCase{"axis_of_one", 3, 1, 5}),
    [](const ::testing::TestParamInfo<SoftmaxCase> &i) { return std::string(i.param.name); });

// ------------------------------------------------------------ batch norm --

struct BatchNormCase {
  const char *name;
  int64_t n, c, h, w;
  bool affine;
};
std::ostream &operator<<(std::ostream &os, const BatchNormCase &k) { return os << k.name; }

constexpr float kEps = 1e-5f;
constexpr double kMomentum = 0.9; // the op's f64 attribute, as the compiler passes it

struct BatchNormInputs {
  std::vector<float> x, dy, weight, bias, runningMean, runningVar;
};

struct BatchNormRun {
  std::vector<float> y, mean, invstd, runningMean, runningVar, dx, dweight, dbias, inferenceY;
};

/// A training site's forward and backward, then an inference site's forward
/// from the initial running statistics.
BatchNormRun runBatchNorm(const BatchNormCase &k, const Layouts &l, const BatchNormInputs &in) {
  CtxPtr ctx = makeCtx();
  size_t c = size_t(k.c);
  const float *w = k.affine ? in.weight.data() : nullptr, *b = k.affine ? in.bias.data() : nullptr;
  BatchNormRun r;
  r.mean = r.invstd = r.dweight = r.dbias = std::vector<float>(c, 1e30f); // poisoned
  r.runningMean = in.runningMean;
  r.runningVar = in.runningVar;
  nnc_cpu_batch_norm_init(ctx.get(), 8, k.n, k.c, k.h, k.w, kEps, kMomentum, k.affine, 1,
                          l.shape.block, l.blocked);
  std::vector<float> fx = l.in(in.x, 1), y = l.output(1);
  nnc_cpu_batch_norm_fwd_training(ctx.get(), 8, fx.data(), w, b, y.data(), r.mean.data(),
                                  r.invstd.data(), r.runningMean.data(), r.runningVar.data());
  std::vector<float> bx = l.in(in.x, 2), bdy = l.in(in.dy, 2), dx = l.output(2);
  nnc_cpu_batch_norm_bwd(ctx.get(), 8, bx.data(), bdy.data(), w, r.mean.data(), dx.data(),
                         k.affine ? r.dweight.data() : nullptr,
                         k.affine ? r.dbias.data() : nullptr);

  nnc_cpu_batch_norm_init(ctx.get(), 9, k.n, k.c, k.h, k.w, kEps, kMomentum, k.affine, 0,
                          l.shape.block, l.blocked & 1);
  std::vector<float> iy = l.output(1);
  nnc_cpu_batch_norm_fwd_inference(ctx.get(), 9, fx.data(), w, b, in.runningMean.data(),
                                   in.runningVar.data(), iy.data());
  EXPECT_EQ(errorOf(ctx.get()), "");
  r.y = l.back(y, 1);
  r.dx = l.back(dx, 2);
  r.inferenceY = l.back(iy, 1);
  return r;
}

class BatchNormTest : public ::testing::TestWithParam<BatchNormCase> {};

TEST_P(BatchNormTest, TrainingInferenceAndBackwardMatchTheReference) {
  const BatchNormCase k = GetParam();
  size_t count = size_t(k.n * k.c * k.h * k.w), C = size_t(k.c), S = size_t(k.h * k.w);
  double M = double(k.n * k.h * k.w), eps = kEps, m = kMomentum;
  std::vector<int64_t> shape{k.n, k.c, k.h, k.w};
  BatchNormInputs in{randomVector(count, 41, -2, 3),
                     randomVector(count, 42),
                     randomVector(C, 43, 0.5, 1.5),
                     randomVector(C, 44),
                     randomVector(C, 45),
                     randomVector(C, 46, 0.5, 2)};
  auto channelOf = [&](size_t i) { return (i / S) % C; };
  std::vector<float> ones(C, 1.0f), zeros(C, 0.0f);
  const std::vector<float> &gamma = k.affine ? in.weight : ones, &beta = k.affine ? in.bias : zeros;

  std::string error;
  RefTensor rx = toRef(in.x, shape), rg = toRef(gamma, {k.c});
  nnc::ref::BatchNormResult<double> fwd =
      nnc::ref::batchNormTraining(rx, rg, toRef(beta, {k.c}), eps, &error);
  ASSERT_EQ(error, "");
  nnc::ref::BatchNormGrads<double> bwd =
      nnc::ref::batchNormTrainingBackward(rx, rg, toRef(in.dy, shape), eps, &error);
  ASSERT_EQ(error, "");

  // Per channel: the batch's invstd, and the sums of |x|, |dy| and |dy xhat|.
  std::vector<double> invstd(C), sumX(C, 0), sumDy(C, 0), sumDyXhat(C, 0), xhat(count);
  for (size_t c = 0; c < C; ++c)
    invstd[c] = 1 / std::sqrt(fwd.var.data[c] + eps);
  for (size_t i = 0; i < count; ++i) {
    size_t c = channelOf(i);
    xhat[i] = (in.x[i] - fwd.mean.data[c]) * invstd[c];
    sumX[c] += std::fabs(in.x[i]);
    sumDy[c] += std::fabs(in.dy[i]);
    sumDyXhat[c] += std::fabs(in.dy[i] * xhat[i]);
  }
  double unbias = M > 1 ? M / (M - 1) : 1;
  std::vector<double> runningMean(C), runningVar(C), inferenceY(count);
  for (size_t c = 0; c < C; ++c) {
    runningMean[c] = m * in.runningMean[c] + (1 - m) * fwd.mean.data[c];
    runningVar[c] = m * in.runningVar[c] + (1 - m) * fwd.var.data[c] * unbias;
  }
  auto runningInvstd = [&](size_t c) { return 1 / std::sqrt(in.runningVar[c] + eps); };
  for (size_t i = 0; i < count; ++i) {
    size_t c = channelOf(i);
    inferenceY[i] = (in.x[i] - in.runningMean[c]) * runningInvstd(c) * gamma[c] + beta[c];
  }

  Reference y = reference(fwd.y.data, [&](size_t i) {
    size_t c = channelOf(i);
    return gamma[c] * (std::fabs(in.x[i]) + std::fabs(fwd.mean.data[c])) * invstd[c] +
           std::fabs(beta[c]);
  });
  Reference mean = reference(fwd.mean.data, [&](size_t c) { return sumX[c] / M; });
  Reference invstdRef = reference(invstd, [&](size_t c) { return invstd[c]; });
  Reference runningMeanRef = reference(runningMean, [&](size_t c) {
    return m * std::fabs(in.runningMean[c]) + (1 - m) * sumX[c] / M;
  });
  Reference runningVarRef =
      reference(runningVar, [&](size_t c) { return std::fabs(runningVar[c]); });
  Reference dx = reference(bwd.dx.data, [&](size_t i) {
    size_t c = channelOf(i);
    return gamma[c] * invstd[c] / M *
           (M * std::fabs(in.dy[i]) + sumDy[c] + std::fabs(xhat[i]) * sumDyXhat[c]);
  });
  Reference dweight = reference(bwd.dgamma.data, [&](size_t c) { return sumDyXhat[c]; });
  Reference dbias = reference(bwd.dbeta.data, [&](size_t c) { return sumDy[c]; });
  Reference inference = reference(inferenceY, [&](size_t i) {
    size_t c = channelOf(i);
    return gamma[c] * (std::fabs(in.x[i]) + std::fabs(in.runningMean[c])) * runningInvstd(c) +
           std::fabs(beta[c]);
  });

  BatchNormRun plain = runBatchNorm(k, Layouts{{k.n, k.c, k.h, k.w, 16}, 0}, in);
  expectClose(plain.y, y, "y", kBatchNormTol);
  expectClose(plain.mean, mean, "mean", kBatchNormTol);
  expectClose(plain.invstd, invstdRef, "invstd", kBatchNormTol);
  expectClose(plain.runningMean, runningMeanRef, "running_mean", kBatchNormTol);
  expectClose(plain.runningVar, runningVarRef, "running_var", kBatchNormTol);
  expectClose(plain.dx, dx, "dx", kBatchNormTol);
  if (k.affine) {
    expectClose(plain.dweight, dweight, "dweight", kBatchNormTol);
    expectClose(plain.dbias, dbias, "dbias", kBatchNormTol);
  }
  expectClose(plain.inferenceY, inference, "inference y", kBatchNormTol);

  // Blocked runs sum in another order: equal to the plain run within the tolerance.
  forEachBlocking([&](int64_t block, int64_t blocked) {
    BatchNormRun r = runBatchNorm(k, Layouts{{k.n, k.c, k.h, k.w, block}, blocked}, in);
    expectClose(r.y, sameAs(plain.y, y), "blocked y", kBatchNormTol);
    expectClose(r.mean, sameAs(plain.mean, mean), "blocked mean", kBatchNormTol);
    expectClose(r.invstd, sameAs(plain.invstd, invstdRef), "blocked invstd", kBatchNormTol);
    expectClose(r.runningVar, sameAs(plain.runningVar, runningVarRef), "blocked running_var",
                kBatchNormTol);
    expectClose(r.dx, sameAs(plain.dx, dx), "blocked dx", kBatchNormTol);
    if (k.affine) {
      expectClose(r.dweight, sameAs(plain.dweight, dweight), "blocked dweight", kBatchNormTol);
      expectClose(r.dbias, sameAs(plain.dbias, dbias), "blocked dbias", kBatchNormTol);
    }
    expectClose(r.inferenceY, sameAs(plain.inferenceY, inference), "blocked inference y",
                kBatchNormTol);
  });
}

// name, n, c, h, w, affine
INSTANTIATE_TEST_SUITE_P(
    NormOps, BatchNormTest,
    ::testing::Values(BatchNormCase{"conv_c20", 4, 20, 5, 7, true},
                      BatchNormCase{"conv_c16", 2, 16, 3, 3, true},
                      BatchNormCase{"no_affine", 3, 6, 4, 4, false},
                      BatchNormCase{"rank2", 16, 20, 1, 1, true},
                      BatchNormCase{"rank2_no_affine", 8, 5, 1, 1, false},
                      BatchNormCase{"one_value_per_channel", 1, 3, 1, 1, true}), // M = 1
    [](const ::testing::TestParamInfo<BatchNormCase> &i) { return std::string(i.param.name); });

TEST(NormOpsRunningStatistics, EachBatchNormTrainingForwardUpdatesThemInPlace) {
  CtxPtr ctx = makeCtx();
  const int64_t n = 2, c = 3, hw = 4;
  nnc_cpu_batch_norm_init(ctx.get(), 1, n, c, 2, 2, kEps, kMomentum, 0, 1, 16, 0);
  std::vector<float> x = randomVector(size_t(n * c * hw), 61), y(x.size()), mean(c), invstd(c);
  std::vector<float> runningMean{1, 2, 3}, runningVar{4, 5, 6};
  std::vector<double> wantMean(runningMean.begin(), runningMean.end()),
      wantVar(runningVar.begin(), runningVar.end());
  for (int step = 0; step < 3; ++step) {
    nnc_cpu_batch_norm_fwd_training(ctx.get(), 1, x.data(), nullptr, nullptr, y.data(), mean.data(),
                                    invstd.data(), runningMean.data(), runningVar.data());
    ASSERT_EQ(errorOf(ctx.get()), "");
    for (int64_t ch = 0; ch < c; ++ch) {
      double sum = 0, sq = 0, M = double(n * hw);
      for (int64_t i = 0; i < n; ++i)
        for (int64_t j = 0; j < hw; ++j)
          sum += x[size_t((i * c + ch) * hw + j)];
      for (int64_t i = 0; i < n; ++i)
        for (int64_t j = 0; j < hw; ++j) {
          double d = x[size_t((i * c + ch) * hw + j)] - sum / M;
          sq += d * d;
        }
      wantMean[size_t(ch)] = kMomentum * wantMean[size_t(ch)] + (1 - kMomentum) * sum / M;
      wantVar[size_t(ch)] = kMomentum * wantVar[size_t(ch)] + (1 - kMomentum) * sq / (M - 1);
      EXPECT_NEAR(runningMean[size_t(ch)], wantMean[size_t(ch)], 1e-5) << "step " << step;
      EXPECT_NEAR(runningVar[size_t(ch)], wantVar[size_t(ch)], 1e-5) << "step " << step;
    }
  }
}

/// The running update in the generated lowering's f32 constants: momentum
/// and 1 - momentum, the latter computed in double from the f64 momentum (for
/// 0.9: 0.1f, where 1 - 0.9f would give 0.100000024f). Bit for bit, so that
/// the library and the generated path make the same running mean from the
/// same batch mean.
TEST(NormOpsRunningStatistics, TheUpdateUsesTheGeneratedLoweringsConstants) {
  for (double momentum : {0.9, 0.99, 0.1, 0.75}) {
    SCOPED_TRACE("momentum " + std::to_string(momentum));
    CtxPtr ctx = makeCtx();
    const int64_t n = 3, c = 4, hw = 5;
    nnc_cpu_batch_norm_init(ctx.get(), 1, n, c, hw, 1, kEps, momentum, 0, 1, 16, 0);
    std::vector<float> x = randomVector(size_t(n * c * hw), 62), y(x.size()), mean(c), invstd(c);
    std::vector<float> runningMean = randomVector(size_t(c), 63), runningVar(size_t(c), 1.5f);
    std::vector<float> before = runningMean;
    nnc_cpu_batch_norm_fwd_training(ctx.get(), 1, x.data(), nullptr, nullptr, y.data(), mean.data(),
                                    invstd.data(), runningMean.data(), runningVar.data());
    ASSERT_EQ(errorOf(ctx.get()), "");
    const float keep = float(momentum), mix = float(1.0 - momentum);
    for (int64_t ch = 0; ch < c; ++ch) {
      volatile float kept = before[size_t(ch)] * keep, mixed = mean[size_t(ch)] * mix; // no FMA
      EXPECT_EQ(runningMean[size_t(ch)], kept + mixed) << "channel " << ch;
    }
  }
}

// ---------------------------------------------------------------- errors --

TEST(NormOpsErrors, InvalidInitArgumentsAreReported) {
  struct Case {
    void (*init)(nnc_ctx *);
    const char *message;
  };
  const Case cases[] = {
      {[](nnc_ctx *c) { nnc_cpu_eltwise_init(c, 1, 5, 0, 1, 1, 1, 1, 1, 16, 0); },
       "nnc_cpu_eltwise_init (site 1): unknown eltwise kind 5"},
      {[](nnc_ctx *c) { nnc_cpu_eltwise_init(c, 1, -1, 0, 1, 1, 1, 1, 1, 16, 0); },
       "nnc_cpu_eltwise_init (site 1): unknown eltwise kind -1"},
      {[](nnc_ctx *c) { nnc_cpu_eltwise_init(c, 1, 0, 0, 1, 1, 1, 1, 1, 4, 1); },
       "nnc_cpu_eltwise_init (site 1): block must be 8 or 16, got 4"},
      {[](nnc_ctx *c) { nnc_cpu_eltwise_init(c, 1, 0, 0, 1, 1, 1, 1, 1, 16, 4); },
       "nnc_cpu_eltwise_init (site 1): blocked must be a mask of 2 bits, got 4"},
      {[](nnc_ctx *c) { nnc_cpu_eltwise_init(c, 1, 0, 0, 1, 0, 1, 1, 1, 16, 0); },
       "nnc_cpu_eltwise_init (site 1): c must be at least 1, got 0"},
      {[](nnc_ctx *c) { nnc_cpu_softmax_init(c, 2, 4, 0, 1, 1); },
       "nnc_cpu_softmax_init (site 2): axis must be at least 1, got 0"},
      {[](nnc_ctx *c) { nnc_cpu_batch_norm_init(c, 3, 2, 4, 3, 3, 1e-5f, 0.9, 1, 1, 32, 2); },
       "nnc_cpu_batch_norm_init (site 3): block must be 8 or 16, got 32"},
      {[](nnc_ctx *c) { nnc_cpu_batch_norm_init(c, 3, 2, 4, 3, 3, -1, 0.9, 1, 1, 16, 0); },
       "nnc_cpu_batch_norm_init (site 3): eps must not be negative"},
      {[](nnc_ctx *c) { nnc_cpu_batch_norm_init(c, 3, 0, 4, 3, 3, 1e-5f, 0.9, 1, 1, 16, 0); },
       "nnc_cpu_batch_norm_init (site 3): n must be at least 1, got 0"},
  };
  for (const Case &k : cases) {
    CtxPtr ctx = makeCtx();
    k.init(ctx.get());
    EXPECT_EQ(errorOf(ctx.get()), k.message);
  }
}

TEST(NormOpsErrors, BatchNormBackwardBeforeForwardIsAnError) {
  CtxPtr ctx = makeCtx();
  nnc_cpu_batch_norm_init(ctx.get(), 4, 1, 2, 2, 2, 1e-5f, 0.9, 0, 1, 16, 0);
  std::vector<float> x(8), dy(8), mean(2), dx(8);
  nnc_cpu_batch_norm_bwd(ctx.get(), 4, x.data(), dy.data(), nullptr, mean.data(), dx.data(),
                         nullptr, nullptr);
  EXPECT_EQ(errorOf(ctx.get()),
            "nnc_cpu_batch_norm_bwd (site 4): no training forward to go back through: call "
            "nnc_cpu_batch_norm_fwd_training on a training site first");
}

TEST(NormOpsErrors, CallsTheSiteIsNotMadeForAreErrors) {
  std::vector<float> a(8, 1), b(8, 1), c(8), s1(2, 1), s2(2, 1), s3(2), s4(2);
  struct Case {
    std::function<void(nnc_ctx *)> calls;
    std::string message;
  };
  const Case cases[] = {
      {[&](nnc_ctx *ctx) {
         nnc_cpu_eltwise_init(ctx, 1, 0, 0, 1, 2, 2, 2, 0, 16, 0);
         nnc_cpu_eltwise_bwd(ctx, 1, a.data(), b.data(), c.data());
       },
       "nnc_cpu_eltwise_bwd (site 1): the site was initialized for inference: it has no backward"},
      {[&](nnc_ctx *ctx) {
         nnc_cpu_softmax_init(ctx, 2, 2, 4, 1, 0);
         nnc_cpu_softmax_bwd(ctx, 2, a.data(), b.data(), c.data());
       },
       "nnc_cpu_softmax_bwd (site 2): the site was initialized for inference: it has no backward"},
      {[&](nnc_ctx *ctx) {
         nnc_cpu_softmax_init(ctx, 2, 2, 4, 1, 1);
         nnc_cpu_eltwise_fwd(ctx, 2, a.data(), c.data());
       },
       "nnc_cpu_eltwise_fwd (site 2): site was initialized as softmax"},
      {[&](nnc_ctx *ctx) {
         nnc_cpu_batch_norm_init(ctx, 3, 1, 2, 2, 2, 1e-5f, 0.9, 0, 0, 16, 0);
         nnc_cpu_batch_norm_fwd_training(ctx, 3, a.data(), nullptr, nullptr, c.data(), s3.data(),
                                         s4.data(), s1.data(), s2.data());
       },
       "nnc_cpu_batch_norm_fwd_training (site 3): the site was initialized for inference: call "
       "nnc_cpu_batch_norm_fwd_inference"},
      {[&](nnc_ctx *ctx) {
         nnc_cpu_batch_norm_init(ctx, 3, 1, 2, 2, 2, 1e-5f, 0.9, 0, 1, 16, 0);
         nnc_cpu_batch_norm_fwd_inference(ctx, 3, a.data(), nullptr, nullptr, s1.data(), s2.data(),
                                          c.data());
       },
       "nnc_cpu_batch_norm_fwd_inference (site 3): the site was initialized for training: call "
       "nnc_cpu_batch_norm_fwd_training"},
      {[&](nnc_ctx *ctx) {
         nnc_cpu_batch_norm_init(ctx, 3, 1, 2, 2, 2, 1e-5f, 0.9, 1, 1, 16, 0);
         nnc_cpu_batch_norm_fwd_training(ctx, 3, a.data(), nullptr, s2.data(), c.data(), s3.data(),
                                         s4.data(), s1.data(), s2.data());
       },
       "nnc_cpu_batch_norm_fwd_training (site 3): null buffer for argument 2"},
      {[&](nnc_ctx *ctx) {
         nnc_cpu_batch_norm_init(ctx, 3, 1, 2, 2, 2, 1e-5f, 0.9, 0, 1, 16, 0);
         nnc_cpu_batch_norm_fwd_training(ctx, 3, a.data(), nullptr, nullptr, c.data(), s3.data(),
                                         nullptr, s1.data(), s2.data());
       },
       "nnc_cpu_batch_norm_fwd_training (site 3): null invstd or running statistics buffer"},
  };
  for (const Case &k : cases) {
    CtxPtr ctx = makeCtx();
    k.calls(ctx.get());
    EXPECT_EQ(errorOf(ctx.get()), k.message);
  }
}

} // namespace
