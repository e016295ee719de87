//===- ForwardTest.cpp - Hand-computed forward results; float vs double ---===//
#include "RefTestUtil.h"

#include <limits>

using namespace nnc::ref;
using namespace nnc::ref::test;

namespace {

Tensor<double> iota(std::vector<int64_t> shape, double start = 0) {
  Tensor<double> t = Tensor<double>::zeros(std::move(shape));
  for (size_t i = 0; i < t.data.size(); ++i)
    t.data[i] = start + static_cast<double>(i);
  return t;
}

// -------------------------------------------------------------- tensor

TEST(Tensor, NullScalarAndEmpty) {
  Tensor<double> null;
  EXPECT_FALSE(null.wellFormed());
  EXPECT_TRUE(Tensor<double>::scalar(3).wellFormed());
  EXPECT_EQ(Tensor<double>::scalar(3).item(), 3);
  Tensor<double> empty = Tensor<double>::zeros({0, 3});
  EXPECT_TRUE(empty.wellFormed());
  EXPECT_EQ(empty.numel(), 0);
  EXPECT_FALSE(Tensor<double>::zeros({-1, 3}).wellFormed());
  EXPECT_FALSE(Tensor<double>::zeros({1 << 20, 1 << 20}).wellFormed());
  EXPECT_EQ(checkedNumel({2, 3, 4}), 24);
  EXPECT_EQ(checkedNumel({}), 1);
  EXPECT_EQ(checkedNumel({int64_t(1) << 40, 0}), -1);
  Tensor<double> t = iota({2, 3, 4});
  EXPECT_EQ(t.at(1, 2, 3), 23);
  EXPECT_EQ(t.at(0, 1, 0), 4);
}

// ---------------------------------------------------------------- conv

TEST(Conv2dForward, OneChannel3x3) {
  Tensor<double> x = iota({1, 1, 3, 3}, 1); // 1..9
  // 2x2 kernel [[1,0],[0,-1]]: x[i][j] - x[i+1][j+1] = -4 everywhere.
  Tensor<double> w = mk({1, 1, 2, 2}, {1, 0, 0, -1});
  Tensor<double> b = mk({1}, {0.5});
  std::string err = "stale";
  Tensor<double> y = conv2d(x, w, &b, Conv2dAttrs{}, &err);
  EXPECT_EQ(err, "");
  expectClose(y, mk({1, 1, 2, 2}, {-3.5, -3.5, -3.5, -3.5}), 0, 1e-15);

  // 3x3 box filter with padding 1: neighbourhood sums.
  Tensor<double> ones = mk({1, 1, 3, 3}, std::vector<double>(9, 1.0));
  Conv2dAttrs pad1;
  pad1.ph = pad1.pw = 1;
  expectClose(conv2d(x, ones, nullptr, pad1),
              mk({1, 1, 3, 3}, {12, 21, 16, 27, 45, 33, 24, 39, 28}), 0, 1e-15);
}

TEST(Conv2dForward, DilatedStrided) {
  Tensor<double> x = iota({1, 1, 5, 5});
  Tensor<double> w = mk({1, 1, 2, 2}, {1, 1, 1, 1});
  Conv2dAttrs a;
  a.sh = a.sw = 2;
  a.dh = a.dw = 2;
  // Taps at (0,0),(0,2),(2,0),(2,2) from each 2-strided origin.
  expectClose(conv2d(x, w, nullptr, a), mk({1, 1, 2, 2}, {24, 32, 64, 72}), 0,
              0);
  // H and W with different stride, pad and dilation (catches mixed-up axes):
  // y[oh][ow] = sum w[i][j] * x[2*oh - 1 + i][ow + 2*j] over real cells.
  Tensor<double> x45 = iota({1, 1, 4, 5});
  Tensor<double> w4 = mk({1, 1, 2, 2}, {1, 10, 100, 1000});
  Conv2dAttrs mixed;
  mixed.sh = 2, mixed.sw = 1, mixed.ph = 1, mixed.pw = 0;
  mixed.dh = 1, mixed.dw = 2;
  expectClose(conv2d(x45, w4, nullptr, mixed),
              mk({1, 1, 3, 3},
                 {2000, 3100, 4200, 13075, 14186, 15297, 185, 196, 207}),
              0, 0);
  EXPECT_EQ(convOutputSize(227, 11, 4, 0, 1), 55); // AlexNet conv1
  EXPECT_EQ(convOutputSize(7, 3, 1, 2, 2), 7);
}

TEST(Conv2dForward, GroupsKeepChannelsApart) {
  Tensor<double> x = mk({1, 2, 1, 1}, {2, 3});
  Tensor<double> w = mk({2, 1, 1, 1}, {10, 100});
  Conv2dAttrs a;
  a.groups = 2;
  expectClose(conv2d(x, w, nullptr, a), mk({1, 2, 1, 1}, {20, 300}), 0, 0);
}

TEST(BiasBackward, SumsAllButDim1) {
  Tensor<double> dy = iota({2, 3, 2});
  // channel c: sum over n, i of (n*6 + c*2 + i)
  expectClose(biasBackward(dy), mk({3}, {14, 22, 30}), 0, 0);
  expectClose(biasBackward(mk({2, 2}, {1, 2, 3, 4})), mk({2}, {4, 6}), 0, 0);
}

// ------------------------------------------------------------- pooling

TEST(MaxPoolForward, FourByFour) {
  Tensor<double> x = iota({1, 1, 4, 4}, 1); // 1..16
  PoolAttrs a;
  a.kh = a.kw = a.sh = a.sw = 2;
  expectClose(maxPool(x, a), mk({1, 1, 2, 2}, {6, 8, 14, 16}), 0, 0);
  expectClose(avgPool(x, a), mk({1, 1, 2, 2}, {3.5, 5.5, 11.5, 13.5}), 0, 0);
}

TEST(MaxPoolForward, TiesRouteToFirstMaxInScanOrder) {
  Tensor<double> x = mk({1, 1, 4, 4}, {1, 3, 3, 0, //
                                       3, 2, 0, 0, //
                                       4, 4, 1, 1, //
                                       4, 4, 1, 1});
  PoolAttrs a;
  a.kh = a.kw = a.sh = a.sw = 2;
  expectClose(maxPool(x, a), mk({1, 1, 2, 2}, {3, 3, 4, 1}), 0, 0);
  Tensor<double> dy = mk({1, 1, 2, 2}, {1, 2, 3, 4});
  expectClose(maxPoolBackward(x, dy, a), mk({1, 1, 4, 4}, {0, 1, 2, 0, //
                                                           0, 0, 0, 0, //
                                                           3, 0, 4, 0, //
                                                           0, 0, 0, 0}),
              0, 0);
}

TEST(MaxPoolForward, PaddingNeverWins) {
  Tensor<double> x = mk({1, 1, 2, 2}, {-1, -2, -3, -4});
  PoolAttrs a;
  a.kh = a.kw = 2;
  a.sh = a.sw = 1;
  a.ph = a.pw = 1;
  expectClose(maxPool(x, a),
              mk({1, 1, 3, 3}, {-1, -1, -2, -1, -1, -2, -3, -3, -4}), 0, 0);
}

TEST(MaxPoolForward, NaNPropagatesLikePyTorch) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  Tensor<double> x = mk({1, 1, 2, 2}, {1, nan, 3, nan});
  PoolAttrs a;
  a.kh = a.kw = a.sh = a.sw = 2;
  Tensor<double> y = maxPool(x, a);
  ASSERT_TRUE(y.wellFormed());
  EXPECT_TRUE(std::isnan(y.item()));
  // The last NaN in scan order is the argmax.
  expectClose(maxPoolBackward(x, mk({1, 1, 1, 1}, {5}), a),
              mk({1, 1, 2, 2}, {0, 0, 0, 5}), 0, 0);
}

TEST(PoolShape, CeilRule) {
  EXPECT_EQ(poolOutputSize(55, 3, 2, 0, false), 27);  // AlexNet pool1
  EXPECT_EQ(poolOutputSize(112, 3, 2, 0, true), 56);  // GoogLeNet pool1
  EXPECT_EQ(poolOutputSize(6, 3, 2, 0, false), 2);
  EXPECT_EQ(poolOutputSize(6, 3, 2, 0, true), 3);
  EXPECT_EQ(poolOutputSize(6, 3, 2, 1, true), 4);
  // Ceil gives 4, but window 3 would start at 6 - 1 >= H + p - 1: dropped.
  EXPECT_EQ(poolOutputSize(5, 2, 2, 1, true), 3);
  // p == 0, s > k: PyTorch's rule (Caffe would say 3, a window outside x).
  EXPECT_EQ(poolOutputSize(5, 1, 3, 0, true), 2);
  PoolAttrs a;
  a.kh = a.kw = 1;
  a.sh = a.sw = 3;
  a.ceil = true;
  EXPECT_EQ(maxPool(iota({1, 1, 5, 5}), a).shape,
            (std::vector<int64_t>{1, 1, 2, 2}));
}

TEST(AvgPoolForward, CountIncludePad) {
  Tensor<double> x = mk({1, 1, 2, 2}, {1, 2, 3, 4});
  PoolAttrs a;
  a.kh = a.kw = 2;
  a.sh = a.sw = 1;
  a.ph = a.pw = 1;
  expectClose(avgPool(x, a),
              mk({1, 1, 3, 3},
                 {0.25, 0.75, 0.5, 1, 2.5, 1.5, 0.75, 1.75, 1}),
              0, 1e-15);
}

TEST(AvgPoolForward, CeilWindowsClippedAtInputPlusPad) {
  PoolAttrs a;
  a.kh = 1, a.kw = 2, a.sh = 1, a.sw = 2, a.ceil = true;
  // Last window [4, 6) is clipped to [4, 5): divisor 1.
  expectClose(avgPool(iota({1, 1, 1, 5}, 1), a),
              mk({1, 1, 1, 3}, {1.5, 3.5, 5}), 0, 1e-15);
  a.kw = 3, a.pw = 1;
  // Windows start at -1, 1, 3, 5; the last one [5, 8) is clipped to
  // [5, 7) = H + p: divisor 2, one real cell.
  expectClose(avgPool(iota({1, 1, 1, 6}, 1), a),
              mk({1, 1, 1, 4}, {1, 3, 5, 3}), 0, 1e-15);
  // The backward spreads dy/divisor over the real cells only.
  expectClose(avgPoolBackward({1, 1, 1, 6}, mk({1, 1, 1, 4}, {3, 3, 3, 2}), a),
              mk({1, 1, 1, 6}, {1, 2, 1, 2, 1, 2}), 0, 1e-15);
}

// ---------------------------------------------------------------- dense

TEST(DenseForward, Small) {
  Tensor<double> x = mk({2, 2}, {1, 2, 3, 4});
  Tensor<double> w = mk({3, 2}, {1, 0, 0, 1, 1, 1});
  Tensor<double> b = mk({3}, {0, 0, 1});
  expectClose(dense(x, w, &b), mk({2, 3}, {1, 2, 4, 3, 4, 8}), 0, 0);
  expectClose(dense(x, w, nullptr), mk({2, 3}, {1, 2, 3, 3, 4, 7}), 0, 0);
}

// ---------------------------------------------------------- elementwise

TEST(ElementwiseForward, Broadcasting) {
  Tensor<double> a = iota({2, 3, 4});
  Tensor<double> b = mk({3, 1}, {100, 200, 300});
  Tensor<double> y = add(a, b);
  ASSERT_EQ(y.shape, (std::vector<int64_t>{2, 3, 4}));
  for (int64_t i = 0; i < 2; ++i)
    for (int64_t j = 0; j < 3; ++j)
      for (int64_t k = 0; k < 4; ++k)
        EXPECT_EQ(y.at(i, j, k), a.at(i, j, k) + 100 * (j + 1));
  Tensor<double> c = mk({2, 1, 4}, {1, 2, 3, 4, 5, 6, 7, 8});
  Tensor<double> z = mul(a, c);
  for (int64_t i = 0; i < 2; ++i)
    for (int64_t j = 0; j < 3; ++j)
      for (int64_t k = 0; k < 4; ++k)
        EXPECT_EQ(z.at(i, j, k), a.at(i, j, k) * c.at(i, 0, k));
  expectClose(sub(mk({1}, {10}), mk({2}, {1, 2})), mk({2}, {9, 8}), 0, 0);
  expectClose(div(mk({2}, {1, 2}), mk({}, {4})), mk({2}, {0.25, 0.5}), 0, 0);
  // Both operands broadcast: [3,1] x [1,2] -> [3,2].
  expectClose(add(mk({3, 1}, {1, 2, 3}), mk({1, 2}, {10, 20})),
              mk({3, 2}, {11, 21, 12, 22, 13, 23}), 0, 0);
  // 1 vs 0 gives 0.
  EXPECT_EQ(add(Tensor<double>::zeros({0, 3}), mk({1, 3}, {1, 2, 3})).shape,
            (std::vector<int64_t>{0, 3}));
}

TEST(ActivationForward, KnownValues) {
  Tensor<double> x = mk({4}, {-2, 0, 1, 3});
  expectClose(relu(x), mk({4}, {0, 0, 1, 3}), 0, 0);
  expectClose(leakyRelu(x, 0.1), mk({4}, {-0.2, 0, 1, 3}), 0, 1e-15);
  expectClose(sigmoid(mk({3}, {0, 1000, -1000})), mk({3}, {0.5, 1, 0}), 0, 0);
  expectClose(nnc::ref::tanh(mk({1}, {0})), mk({1}, {0}), 0, 0);
  expectClose(gelu(mk({2}, {1, 0})), mk({2}, {0.8413447460685429, 0}), 1e-15,
              0);
  expectClose(scale(x, 0.5), mk({4}, {-1, 0, 0.5, 1.5}), 0, 0);
  // relu's gradient at exactly 0 is 0; leaky's is the slope.
  expectClose(reluBackward(x, mk({4}, {1, 1, 1, 1})), mk({4}, {0, 0, 1, 1}),
              0, 0);
  expectClose(leakyReluBackward(x, mk({4}, {1, 1, 1, 1}), 0.1),
              mk({4}, {0.1, 0.1, 1, 1}), 0, 1e-15);
}

TEST(SoftmaxForward, RowsSumToOneAndStable) {
  Tensor<double> y = softmax(mk({2, 3}, {1000, 1000, 1000, 0, 0, std::log(2)}), 1);
  expectClose(y, mk({2, 3}, {1. / 3, 1. / 3, 1. / 3, 0.25, 0.25, 0.5}), 1e-15,
              1e-15);
  Tensor<double> z = softmax(mk({2, 2}, {0, 0, 0, std::log(3)}), 0);
  expectClose(z, mk({2, 2}, {0.5, 0.25, 0.5, 0.75}), 1e-15, 1e-15);
}

TEST(ShapeOps, FlattenReshapeTranspose) {
  Tensor<double> x = iota({2, 3, 4});
  EXPECT_EQ(flatten(x).shape, (std::vector<int64_t>{2, 12}));
  EXPECT_EQ(flatten(x, 0).shape, (std::vector<int64_t>{24}));
  EXPECT_EQ(flatten(x, 0, 1).shape, (std::vector<int64_t>{6, 4}));
  EXPECT_EQ(reshape(x, {4, -1}).shape, (std::vector<int64_t>{4, 6}));
  EXPECT_EQ(reshape(x, {4, -1}).data, x.data);
  Tensor<double> t = transpose(mk({2, 3}, {1, 2, 3, 4, 5, 6}), {1, 0});
  expectClose(t, mk({3, 2}, {1, 4, 2, 5, 3, 6}), 0, 0);
  Tensor<double> p = transpose(x, {2, 0, 1});
  ASSERT_EQ(p.shape, (std::vector<int64_t>{4, 2, 3}));
  for (int64_t i = 0; i < 2; ++i)
    for (int64_t j = 0; j < 3; ++j)
      for (int64_t k = 0; k < 4; ++k)
        EXPECT_EQ(p.at(k, i, j), x.at(i, j, k));
  expectClose(transposeBackward(p, {2, 0, 1}), x, 0, 0);
}

// ---------------------------------------------------- loss and metrics

TEST(SoftmaxCrossEntropyForward, KnownValue2x3) {
  Tensor<double> logits = mk({2, 3}, {1, 2, 3, 1, 1, 1});
  std::vector<int64_t> labels{2, 0};
  std::string err = "stale";
  Tensor<double> loss = softmaxCrossEntropy(logits, labels, &err);
  EXPECT_EQ(err, "");
  ASSERT_EQ(loss.shape, std::vector<int64_t>{});
  // row 0: log(e + e^2 + e^3) - 3; row 1: log 3.
  EXPECT_NEAR(loss.item(), 0.753109126556245, 1e-15);
  // Stable for huge logits.
  Tensor<double> big = softmaxCrossEntropy(
      mk({2, 3}, {1001, 1002, 1003, 1e4, 1e4, 1e4}), labels);
  EXPECT_NEAR(big.item(), 0.753109126556245, 1e-12);
  Tensor<double> d = softmaxCrossEntropyBackward(logits, labels, 2.0);
  // row 1: (1/3 - onehot(0)) * 2 / 2
  EXPECT_NEAR(d.at(1, 0), -2.0 / 3, 1e-15);
  EXPECT_NEAR(d.at(1, 1), 1.0 / 3, 1e-15);
  double rowSum = d.at(0, 0) + d.at(0, 1) + d.at(0, 2);
  EXPECT_NEAR(rowSum, 0, 1e-15);
}

TEST(AccuracyForward, TieRules) {
  Tensor<double> logits = mk({4, 3}, {1, 3, 3,  //
                                      2, 2, 2,  //
                                      5, 1, 0,  //
                                      0, 1, 2});
  std::vector<int64_t> labels{1, 0, 0, 0};
  // Caffe (the default: >= counts against): row 0 has one tie, row 1 two.
  EXPECT_DOUBLE_EQ(accuracy(logits, labels, 1).item(), 0.25);
  EXPECT_DOUBLE_EQ(accuracy(logits, labels, 2).item(), 0.5);
  EXPECT_DOUBLE_EQ(accuracy(logits, labels, 3).item(), 1.0);
  // Strictly greater: rows 0-2 have no strictly greater logit.
  auto strict = AccuracyTies::StrictlyGreater;
  EXPECT_DOUBLE_EQ(accuracy(logits, labels, 1, strict).item(), 0.75);
  EXPECT_DOUBLE_EQ(accuracy(logits, labels, 2, strict).item(), 0.75);
  EXPECT_DOUBLE_EQ(accuracy(logits, labels, 3, strict).item(), 1.0);
}

TEST(LrnForward, CaffeWindowAndAlphaOverSize) {
  LrnAttrs a;
  a.size = 3, a.alpha = 3, a.beta = 1, a.k = 1; // alpha/size = 1
  // scale = 1 + sum of squares over channels {c-1, c, c+1} clipped.
  expectClose(lrn(mk({1, 3, 1, 1}, {1, 2, 3}), a),
              mk({1, 3, 1, 1}, {1.0 / 6, 2.0 / 15, 3.0 / 14}), 1e-15, 0);
  a.size = 1, a.alpha = 1, a.beta = 0.5, a.k = 0;
  // size 1, k 0, beta 0.5: x / |x|.
  expectClose(lrn(mk({1, 2, 2}, {-2, 3, 4, -5}), a),
              mk({1, 2, 2}, {-1, 1, 1, -1}), 1e-15, 0);
}

TEST(BatchNormForward, StatisticsAndOutput) {
  Tensor<double> x = mk({4, 1}, {1, 2, 3, 4});
  BatchNormResult<double> r =
      batchNormTraining(x, mk({1}, {2}), mk({1}, {1}), 0.0);
  expectClose(r.mean, mk({1}, {2.5}), 0, 0);
  expectClose(r.var, mk({1}, {1.25}), 0, 0); // biased
  double s = std::sqrt(1.25);
  expectClose(r.y,
              mk({4, 1}, {2 * -1.5 / s + 1, 2 * -0.5 / s + 1,
                          2 * 0.5 / s + 1, 2 * 1.5 / s + 1}),
              1e-15, 1e-15);
  // Per channel over N and spatial dims.
  Tensor<double> x2 = mk({2, 2, 2}, {0, 2, 10, 10, 4, 6, 30, 30});
  BatchNormResult<double> r2 =
      batchNormTraining(x2, mk({2}, {1, 1}), mk({2}, {0, 0}), 1e-5);
  expectClose(r2.mean, mk({2}, {3, 20}), 0, 0);
  expectClose(r2.var, mk({2}, {5, 100}), 0, 0);
}

TEST(DropoutForward, InvertedScaling) {
  Tensor<double> x = mk({4}, {1, 2, 3, 4}), m = mk({4}, {1, 0, 1, 0});
  expectClose(dropout(x, m, 0.5), mk({4}, {2, 0, 6, 0}), 0, 0);
  expectClose(dropout(x, m, 0.0), mk({4}, {1, 0, 3, 0}), 0, 0);
  expectClose(dropout(x, mk({4}, {1, 1, 1, 1}), 1.0), mk({4}, {0, 0, 0, 0}),
              0, 0);
  expectClose(dropoutBackward(x, m, 0.75), mk({4}, {4, 0, 12, 0}), 0, 0);
}

TEST(ConcatForward, AlongAxis1) {
  Tensor<double> a = mk({2, 1}, {1, 2}), b = mk({2, 2}, {3, 4, 5, 6});
  Tensor<double> y = concat<double>({a, b}, 1);
  expectClose(y, mk({2, 3}, {1, 3, 4, 2, 5, 6}), 0, 0);
  std::vector<Tensor<double>> parts = concatBackward(y, {{2, 1}, {2, 2}}, -1);
  ASSERT_EQ(parts.size(), 2u);
  expectClose(parts[0], a, 0, 0);
  expectClose(parts[1], b, 0, 0);
  expectClose(concat<double>({a, mk({1, 1}, {9})}, 0), mk({3, 1}, {1, 2, 9}),
              0, 0);
}

TEST(SgdStep, CaffeUpdate) {
  SgdAttrs a;
  a.lr = 0.1, a.momentum = 0.9, a.weightDecay = 0.01;
  SgdResult<double> r =
      sgdStep(mk({2}, {1, -2}), mk({2}, {0.5, 0}), mk({2}, {2, 0}), a);
  // v = 0.9*0.5 + 0.1*(2 + 0.01*1) = 0.651; w = 1 - 0.651
  // v = 0 + 0.1*(0 + 0.01*-2) = -0.002;     w = -2 + 0.002
  expectClose(r.v, mk({2}, {0.651, -0.002}), 1e-14, 0);
  expectClose(r.w, mk({2}, {0.349, -1.998}), 1e-14, 0);
}

// ------------------------------------------------- float vs double

template <typename U> Tensor<U> as(const Tensor<double> &t) {
  Tensor<U> r;
  r.shape = t.shape;
  r.data.assign(t.data.begin(), t.data.end());
  return r;
}

// Runs `f` (a generic lambda taking a float or double tag) in both
// precisions and compares.
template <typename F>
void floatMatchesDouble(const std::string &what, F f, double rtol = 1e-4,
                        double atol = 1e-5) {
  Tensor<float> lo = f(float{});
  Tensor<double> hi = f(double{});
  ASSERT_TRUE(hi.wellFormed()) << what;
  expectClose(lo, hi, rtol, atol, what);
}

#define BOTH(what, expr)                                                       \
  floatMatchesDouble(what, [&](auto tag) {                                     \
    using U = decltype(tag);                                                   \
    (void)sizeof(U);                                                           \
    return expr;                                                               \
  })

TEST(FloatVsDouble, EveryKernel) {
  SplitMix64 rng(0xF10A7);
  Tensor<double> x = randomTensor(rng, {2, 4, 6, 6});
  Tensor<double> w = randomTensor(rng, {6, 2, 3, 3});
  Tensor<double> b = randomTensor(rng, {6});
  Conv2dAttrs ca;
  ca.sh = 2, ca.ph = 1, ca.pw = 1, ca.dw = 2, ca.groups = 2;
  Tensor<double> dyc = randomTensor(rng, conv2d(x, w, &b, ca).shape);
  BOTH("conv2d", conv2d(as<U>(x), as<U>(w), nullptr, ca));
  BOTH("conv2dBackwardData",
       conv2dBackwardData(as<U>(dyc), as<U>(w), x.shape, ca));
  BOTH("conv2dBackwardFilter",
       conv2dBackwardFilter(as<U>(x), as<U>(dyc), w.shape, ca));
  BOTH("biasBackward", biasBackward(as<U>(dyc)));

  PoolAttrs pa;
  pa.kh = pa.kw = 3, pa.sh = pa.sw = 2, pa.ph = pa.pw = 1, pa.ceil = true;
  Tensor<double> dyp = randomTensor(rng, maxPool(x, pa).shape);
  BOTH("maxPool", maxPool(as<U>(x), pa));
  BOTH("maxPoolBackward", maxPoolBackward(as<U>(x), as<U>(dyp), pa));
  BOTH("avgPool", avgPool(as<U>(x), pa));
  BOTH("avgPoolBackward", avgPoolBackward(x.shape, as<U>(dyp), pa));

  Tensor<double> xd = randomTensor(rng, {3, 7}), wd = randomTensor(rng, {5, 7});
  Tensor<double> bd = randomTensor(rng, {5}), dyd = randomTensor(rng, {3, 5});
  BOTH("dense", dense(as<U>(xd), as<U>(wd), nullptr));
  BOTH("denseBackwardData", denseBackwardData(as<U>(dyd), as<U>(wd)));
  BOTH("denseBackwardWeights", denseBackwardWeights(as<U>(xd), as<U>(dyd)));

  Tensor<double> ea = randomTensor(rng, {2, 3, 4});
  Tensor<double> eb = randomAwayFromZero(rng, {2, 1, 4}, 0.5, 1.5);
  Tensor<double> ey = randomTensor(rng, {2, 3, 4});
  BOTH("add", add(as<U>(ea), as<U>(eb)));
  BOTH("sub", sub(as<U>(ea), as<U>(eb)));
  BOTH("mul", mul(as<U>(ea), as<U>(eb)));
  BOTH("div", div(as<U>(ea), as<U>(eb)));
  BOTH("divBackward da", divBackward(as<U>(ea), as<U>(eb), as<U>(ey)).da);
  BOTH("divBackward db", divBackward(as<U>(ea), as<U>(eb), as<U>(ey)).db);
  BOTH("mulBackward db", mulBackward(as<U>(ea), as<U>(eb), as<U>(ey)).db);
  BOTH("relu", relu(as<U>(ea)));
  BOTH("leakyRelu", leakyRelu(as<U>(ea), 0.2));
  BOTH("sigmoid", sigmoid(as<U>(ea)));
  BOTH("sigmoidBackward", sigmoidBackward(as<U>(ea), as<U>(ey)));
  BOTH("tanh", nnc::ref::tanh(as<U>(ea)));
  BOTH("tanhBackward", tanhBackward(as<U>(ea), as<U>(ey)));
  BOTH("gelu", gelu(as<U>(ea)));
  BOTH("geluBackward", geluBackward(as<U>(ea), as<U>(ey)));
  BOTH("softmax", softmax(as<U>(ea), 1));
  BOTH("softmaxBackward",
       softmaxBackward(softmax(as<U>(ea), 1), as<U>(ey), 1));
  BOTH("transpose", transpose(as<U>(ea), {2, 0, 1}));

  Tensor<double> logits = randomTensor(rng, {4, 5}, -3, 3);
  std::vector<int64_t> labels{1, 0, 4, 2};
  BOTH("softmaxCrossEntropy", softmaxCrossEntropy(as<U>(logits), labels));
  BOTH("softmaxCrossEntropyBackward",
       softmaxCrossEntropyBackward(as<U>(logits), labels, U(0.5)));
  BOTH("accuracy", accuracy(as<U>(logits), labels, 2));

  LrnAttrs la;
  la.size = 3, la.alpha = 0.5, la.beta = 0.75, la.k = 2;
  BOTH("lrn", lrn(as<U>(x), la));
  BOTH("lrnBackward", lrnBackward(as<U>(x), as<U>(x), la));

  Tensor<double> gamma = randomTensor(rng, {4}, 0.5, 1.5);
  Tensor<double> beta = randomTensor(rng, {4});
  BOTH("batchNorm y",
       batchNormTraining(as<U>(x), as<U>(gamma), as<U>(beta), 1e-5).y);
  BOTH("batchNorm var",
       batchNormTraining(as<U>(x), as<U>(gamma), as<U>(beta), 1e-5).var);
  BOTH("batchNorm dx",
       batchNormTrainingBackward(as<U>(x), as<U>(gamma), as<U>(x), 1e-5).dx);
  BOTH("batchNorm dgamma",
       batchNormTrainingBackward(as<U>(x), as<U>(gamma), as<U>(x), 1e-5)
           .dgamma);

  SgdAttrs sa;
  sa.lr = 0.05, sa.momentum = 0.9, sa.weightDecay = 5e-4;
  BOTH("sgd w", sgdStep(as<U>(ea), as<U>(ey), as<U>(ey), sa).w);
  BOTH("sgd v", sgdStep(as<U>(ea), as<U>(ey), as<U>(ey), sa).v);
}

} // namespace
