//===- GradientTest.cpp - Every backward kernel vs finite differences -----===//
//
// For each op, L(x) = <forward(x), r> with a random projection r; the
// backward kernel fed dy = r must equal dL/dx from central differences
// (double, eps 1e-6, relative tolerance 2e-6).
//
//===----------------------------------------------------------------------===//
#include "RefTestUtil.h"

using namespace nnc::ref;
using namespace nnc::ref::test;

namespace {

// ------------------------------------------------------------------ conv

struct ConvCase {
  const char *name;
  std::vector<int64_t> x, w;
  Conv2dAttrs a;
};

class ConvGradient : public ::testing::TestWithParam<ConvCase> {};

TEST_P(ConvGradient, DataFilterBias) {
  const ConvCase &c = GetParam();
  SplitMix64 rng(0xC0417 + c.x[1] * 31 + c.w[0]);
  Tensor<double> x = randomTensor(rng, c.x), w = randomTensor(rng, c.w);
  Tensor<double> b = randomTensor(rng, {c.w[0]});
  std::string err;
  Tensor<double> y = conv2d(x, w, &b, c.a, &err);
  ASSERT_TRUE(y.wellFormed()) << err;
  Tensor<double> r = randomTensor(rng, y.shape);

  expectGradient([&](const Tensor<double> &v) { return conv2d(v, w, &b, c.a); },
                 x, r, conv2dBackwardData(r, w, x.shape, c.a, &err), "dx");
  EXPECT_EQ(err, "");
  expectGradient([&](const Tensor<double> &v) { return conv2d(x, v, &b, c.a); },
                 w, r, conv2dBackwardFilter(x, r, w.shape, c.a, &err), "dw");
  EXPECT_EQ(err, "");
  expectGradient([&](const Tensor<double> &v) { return conv2d(x, w, &v, c.a); },
                 b, r, biasBackward(r, &err), "db");
  EXPECT_EQ(err, "");
}

Conv2dAttrs conv(int64_t sh, int64_t sw, int64_t ph, int64_t pw, int64_t dh,
                 int64_t dw, int64_t groups) {
  Conv2dAttrs a;
  a.sh = sh, a.sw = sw, a.ph = ph, a.pw = pw, a.dh = dh, a.dw = dw;
  a.groups = groups;
  return a;
}

INSTANTIATE_TEST_SUITE_P(
    Reference, ConvGradient,
    ::testing::Values(
        ConvCase{"Plain3x3", {2, 3, 5, 6}, {4, 3, 3, 3}, conv(1, 1, 0, 0, 1, 1, 1)},
        ConvCase{"Stride2Pad1", {2, 3, 7, 6}, {4, 3, 3, 3}, conv(2, 2, 1, 1, 1, 1, 1)},
        ConvCase{"Dilation2Pad2", {1, 2, 7, 8}, {3, 2, 3, 3}, conv(1, 2, 2, 2, 2, 2, 1)},
        ConvCase{"Asymmetric", {2, 2, 6, 7}, {3, 2, 2, 3}, conv(2, 1, 1, 0, 1, 2, 1)},
        ConvCase{"Groups2", {2, 4, 5, 5}, {6, 2, 3, 3}, conv(1, 1, 1, 1, 1, 1, 2)},
        ConvCase{"Groups2Strided", {1, 4, 6, 6}, {4, 2, 2, 2}, conv(2, 2, 0, 1, 1, 1, 2)},
        ConvCase{"Depthwise", {2, 3, 5, 5}, {3, 1, 3, 3}, conv(1, 1, 1, 1, 1, 1, 3)},
        ConvCase{"DepthwiseMultiplier2", {1, 3, 6, 5}, {6, 1, 3, 3}, conv(2, 1, 1, 1, 2, 1, 3)},
        ConvCase{"OneByOne", {3, 4, 3, 3}, {5, 4, 1, 1}, conv(1, 1, 0, 0, 1, 1, 1)},
        ConvCase{"StrideLargerThanKernel", {1, 2, 8, 8}, {2, 2, 2, 2}, conv(3, 3, 1, 0, 1, 1, 1)}),
    [](const ::testing::TestParamInfo<ConvCase> &i) { return i.param.name; });

// --------------------------------------------------------------- pooling

struct PoolCase {
  const char *name;
  std::vector<int64_t> x;
  PoolAttrs a;
};

PoolAttrs pool(int64_t kh, int64_t kw, int64_t sh, int64_t sw, int64_t ph,
               int64_t pw, bool ceil) {
  PoolAttrs a;
  a.kh = kh, a.kw = kw, a.sh = sh, a.sw = sw, a.ph = ph, a.pw = pw;
  a.ceil = ceil;
  return a;
}

class PoolGradient : public ::testing::TestWithParam<PoolCase> {};

TEST_P(PoolGradient, MaxAndAvg) {
  const PoolCase &c = GetParam();
  SplitMix64 rng(0x9001 + c.x[2] * 7 + c.a.kh);
  // Random data: ties (where max pool is not differentiable) do not occur.
  Tensor<double> x = randomTensor(rng, c.x);
  std::string err;
  Tensor<double> y = maxPool(x, c.a, &err);
  ASSERT_TRUE(y.wellFormed()) << err;
  Tensor<double> r = randomTensor(rng, y.shape);
  expectGradient([&](const Tensor<double> &v) { return maxPool(v, c.a); }, x,
                 r, maxPoolBackward(x, r, c.a, &err), "max");
  EXPECT_EQ(err, "");
  expectGradient([&](const Tensor<double> &v) { return avgPool(v, c.a); }, x,
                 r, avgPoolBackward(x.shape, r, c.a, &err), "avg");
  EXPECT_EQ(err, "");
}

INSTANTIATE_TEST_SUITE_P(
    Reference, PoolGradient,
    ::testing::Values(
        PoolCase{"K2S2", {2, 2, 4, 6}, pool(2, 2, 2, 2, 0, 0, false)},
        PoolCase{"K3S2Pad1", {1, 3, 7, 7}, pool(3, 3, 2, 2, 1, 1, false)},
        PoolCase{"K3S1Overlap", {2, 1, 5, 4}, pool(3, 3, 1, 1, 0, 0, false)},
        PoolCase{"K3S2Ceil", {2, 2, 6, 8}, pool(3, 3, 2, 2, 0, 0, true)},
        PoolCase{"K3S2Pad1Ceil", {1, 2, 6, 6}, pool(3, 3, 2, 2, 1, 1, true)},
        PoolCase{"K2S2Pad1CeilDecrement", {1, 2, 5, 5}, pool(2, 2, 2, 2, 1, 1, true)},
        PoolCase{"Rect3x2S1x2Ceil", {2, 1, 5, 7}, pool(3, 2, 1, 2, 1, 1, true)},
        PoolCase{"K1S3CeilNoPad", {1, 1, 5, 5}, pool(1, 1, 3, 3, 0, 0, true)}),
    [](const ::testing::TestParamInfo<PoolCase> &i) { return i.param.name; });

// ----------------------------------------------------------------- dense

TEST(DenseGradient, DataWeightsBias) {
  SplitMix64 rng(0xDE05E);
  Tensor<double> x = randomTensor(rng, {3, 5}), w = randomTensor(rng, {4, 5});
  Tensor<double> b = randomTensor(rng, {4}), r = randomTensor(rng, {3, 4});
  expectGradient([&](const Tensor<double> &v) { return dense(v, w, &b); }, x,
                 r, denseBackwardData(r, w), "dx");
  expectGradient([&](const Tensor<double> &v) { return dense(x, v, &b); }, w,
                 r, denseBackwardWeights(x, r), "dw");
  expectGradient([&](const Tensor<double> &v) { return dense(x, w, &v); }, b,
                 r, biasBackward(r), "db");
}

// ----------------------------------------------------------- elementwise

struct BroadcastCase {
  const char *name;
  std::vector<int64_t> a, b;
};

class BinaryGradient : public ::testing::TestWithParam<BroadcastCase> {};

TEST_P(BinaryGradient, AddSubMulDiv) {
  const BroadcastCase &c = GetParam();
  SplitMix64 rng(0xB1A + c.a.size() * 13 + c.b.size());
  Tensor<double> a = randomTensor(rng, c.a);
  Tensor<double> b = randomAwayFromZero(rng, c.b, 0.5, 1.5);
  std::string err;
  Tensor<double> y = add(a, b, &err);
  ASSERT_TRUE(y.wellFormed()) << err;
  Tensor<double> r = randomTensor(rng, y.shape);

  using Fwd = Tensor<double> (*)(const Tensor<double> &, const Tensor<double> &,
                                 std::string *);
  auto check = [&](const char *name, Fwd f, const BinaryGrads<double> &g) {
    expectGradient([&](const Tensor<double> &v) { return f(v, b, nullptr); },
                   a, r, g.da, std::string(name) + " da");
    expectGradient([&](const Tensor<double> &v) { return f(a, v, nullptr); },
                   b, r, g.db, std::string(name) + " db");
  };
  check("add", add<double>, addBackward(a.shape, b.shape, r));
  check("sub", sub<double>, subBackward(a.shape, b.shape, r));
  check("mul", mul<double>, mulBackward(a, b, r));
  check("div", div<double>, divBackward(a, b, r));
}

INSTANTIATE_TEST_SUITE_P(
    Reference, BinaryGradient,
    ::testing::Values(BroadcastCase{"Same", {2, 3, 4}, {2, 3, 4}},
                      BroadcastCase{"Trailing3x1", {2, 3, 4}, {3, 1}},
                      BroadcastCase{"One", {2, 3, 4}, {1}},
                      BroadcastCase{"Middle1", {2, 3, 4}, {2, 1, 4}},
                      BroadcastCase{"LeftSmaller", {3, 1}, {2, 3, 4}},
                      BroadcastCase{"BothBroadcast", {2, 1, 4}, {3, 1}},
                      BroadcastCase{"Scalar", {}, {2, 3}}),
    [](const ::testing::TestParamInfo<BroadcastCase> &i) {
      return i.param.name;
    });

TEST(ReduceToShape, SumsBroadcastDims) {
  Tensor<double> t = mk({2, 3}, {1, 2, 3, 4, 5, 6});
  expectClose(reduceToShape(t, {3}), mk({3}, {5, 7, 9}), 0, 0);
  expectClose(reduceToShape(t, {2, 1}), mk({2, 1}, {6, 15}), 0, 0);
  expectClose(reduceToShape(t, {}), mk({}, {21}), 0, 0);
  expectClose(reduceToShape(t, {2, 3}), t, 0, 0);
}

// ------------------------------------------------------------ activations

TEST(UnaryGradient, AllActivations) {
  SplitMix64 rng(0xAC7);
  Tensor<double> x = randomTensor(rng, {2, 3, 4}, -3.0, 3.0);
  Tensor<double> r = randomTensor(rng, x.shape);
  using Fwd = Tensor<double> (*)(const Tensor<double> &, std::string *);
  using Bwd = Tensor<double> (*)(const Tensor<double> &,
                                 const Tensor<double> &, std::string *);
  struct Op {
    const char *name;
    Fwd f;
    Bwd b;
  } ops[] = {{"relu", relu<double>, reluBackward<double>},
             {"sigmoid", sigmoid<double>, sigmoidBackward<double>},
             {"tanh", nnc::ref::tanh<double>, tanhBackward<double>},
             {"gelu", gelu<double>, geluBackward<double>}};
  for (const Op &op : ops)
    expectGradient([&](const Tensor<double> &v) { return op.f(v, nullptr); },
                   x, r, op.b(x, r, nullptr), op.name);
  expectGradient([&](const Tensor<double> &v) { return leakyRelu(v, 0.1); },
                 x, r, leakyReluBackward(x, r, 0.1), "leakyRelu");
  expectGradient([&](const Tensor<double> &v) { return scale(v, -2.5); }, x,
                 r, scaleBackward(r, -2.5), "scale");
}

// ---------------------------------------------------------------- softmax

TEST(SoftmaxGradient, EveryAxis) {
  SplitMix64 rng(0x50F7);
  Tensor<double> x = randomTensor(rng, {2, 3, 4}, -2.0, 2.0);
  Tensor<double> r = randomTensor(rng, x.shape);
  for (int64_t axis : {0, 1, 2, -1, -3}) {
    Tensor<double> y = softmax(x, axis);
    expectGradient([&](const Tensor<double> &v) { return softmax(v, axis); },
                   x, r, softmaxBackward(y, r, axis),
                   "axis " + std::to_string(axis));
  }
}

TEST(SoftmaxCrossEntropyGradient, Logits) {
  SplitMix64 rng(0xCE);
  Tensor<double> logits = randomTensor(rng, {4, 5}, -3.0, 3.0);
  std::vector<int64_t> labels{0, 4, 2, 2};
  const double dloss = 1.7;
  Tensor<double> r = mk({}, {dloss});
  expectGradient(
      [&](const Tensor<double> &v) { return softmaxCrossEntropy(v, labels); },
      logits, r, softmaxCrossEntropyBackward(logits, labels, dloss),
      "dlogits");
}

// ------------------------------------------------------ shape-only ops

TEST(TransposeGradient, Permutations) {
  SplitMix64 rng(0x7A);
  Tensor<double> x = randomTensor(rng, {2, 3, 4});
  for (std::vector<int64_t> perm :
       {std::vector<int64_t>{2, 0, 1}, {1, 2, 0}, {0, 2, 1}, {0, 1, 2}}) {
    Tensor<double> r = randomTensor(rng, transpose(x, perm).shape);
    expectGradient([&](const Tensor<double> &v) { return transpose(v, perm); },
                   x, r, transposeBackward(r, perm), "transpose");
  }
}

TEST(ReshapeGradient, FlattenAndReshapeKeepData) {
  SplitMix64 rng(0xF1A7);
  Tensor<double> x = randomTensor(rng, {2, 3, 2, 2});
  Tensor<double> f = flatten(x);
  EXPECT_EQ(f.shape, (std::vector<int64_t>{2, 12}));
  EXPECT_EQ(f.data, x.data);
  Tensor<double> r = randomTensor(rng, f.shape);
  expectGradient([&](const Tensor<double> &v) { return flatten(v); }, x, r,
                 reshape(r, x.shape), "flatten");
}

// ------------------------------------------------------------ normalizers

TEST(LrnGradient, Sizes) {
  SplitMix64 rng(0x1F2);
  Tensor<double> x = randomTensor(rng, {2, 7, 2, 3}, -2.0, 2.0);
  Tensor<double> r = randomTensor(rng, x.shape);
  for (int64_t size : {1, 3, 5, 9}) {
    LrnAttrs a;
    a.size = size, a.alpha = 0.7, a.beta = 0.75, a.k = 2.0;
    expectGradient([&](const Tensor<double> &v) { return lrn(v, a); }, x, r,
                   lrnBackward(x, r, a), "size " + std::to_string(size));
  }
}

TEST(LrnGradient, Rank2AndCaffeDefaults) {
  SplitMix64 rng(0x1F3);
  Tensor<double> x = randomTensor(rng, {3, 6}, -5.0, 5.0);
  Tensor<double> r = randomTensor(rng, x.shape);
  LrnAttrs a; // size 5, alpha 1e-4, beta 0.75, k 1
  a.alpha = 1.0; // Caffe's default alpha, large enough to matter
  expectGradient([&](const Tensor<double> &v) { return lrn(v, a); }, x, r,
                 lrnBackward(x, r, a), "rank 2");
}

TEST(BatchNormGradient, XGammaBeta) {
  SplitMix64 rng(0xB7);
  for (std::vector<int64_t> shape :
       {std::vector<int64_t>{3, 2, 2, 3}, {4, 3}, {1, 2, 5}}) {
    Tensor<double> x = randomTensor(rng, shape, -2.0, 3.0);
    int64_t C = shape[1];
    Tensor<double> gamma = randomTensor(rng, {C}, 0.5, 1.5);
    Tensor<double> beta = randomTensor(rng, {C});
    Tensor<double> r = randomTensor(rng, shape);
    const double eps = 1e-5;
    BatchNormGrads<double> g = batchNormTrainingBackward(x, gamma, r, eps);
    expectGradient(
        [&](const Tensor<double> &v) {
          return batchNormTraining(v, gamma, beta, eps).y;
        },
        x, r, g.dx, "dx");
    expectGradient(
        [&](const Tensor<double> &v) {
          return batchNormTraining(x, v, beta, eps).y;
        },
        gamma, r, g.dgamma, "dgamma");
    expectGradient(
        [&](const Tensor<double> &v) {
          return batchNormTraining(x, gamma, v, eps).y;
        },
        beta, r, g.dbeta, "dbeta");
  }
}

// ------------------------------------------------- dropout and concat

TEST(DropoutGradient, Mask) {
  SplitMix64 rng(0xD0);
  Tensor<double> x = randomTensor(rng, {3, 4});
  Tensor<double> mask = Tensor<double>::zeros(x.shape);
  for (double &m : mask.data)
    m = static_cast<double>(rng.next() & 1);
  Tensor<double> r = randomTensor(rng, x.shape);
  expectGradient([&](const Tensor<double> &v) { return dropout(v, mask, 0.3); },
                 x, r, dropoutBackward(r, mask, 0.3), "dropout");
}

TEST(ConcatGradient, EveryAxis) {
  SplitMix64 rng(0xCA7);
  for (int64_t axis : {0, 1, 2, -1}) {
    std::vector<std::vector<int64_t>> shapes{{2, 3, 4}, {2, 3, 4}, {2, 3, 4}};
    int64_t ax = axis < 0 ? axis + 3 : axis;
    shapes[1][ax] = 1;
    shapes[2][ax] = 2;
    std::vector<Tensor<double>> in;
    for (auto &s : shapes)
      in.push_back(randomTensor(rng, s));
    Tensor<double> r = randomTensor(rng, concat(in, axis).shape);
    std::vector<Tensor<double>> parts = concatBackward(r, shapes, axis);
    ASSERT_EQ(parts.size(), 3u);
    for (size_t k = 0; k < in.size(); ++k)
      expectGradient(
          [&](const Tensor<double> &v) {
            std::vector<Tensor<double>> copy = in;
            copy[k] = v;
            return concat(copy, axis);
          },
          in[k], r, parts[k],
          "axis " + std::to_string(axis) + " input " + std::to_string(k));
  }
}

} // namespace
