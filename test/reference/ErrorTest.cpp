//===- ErrorTest.cpp - Invalid input gives an error, never a crash --------===//
#include "RefTestUtil.h"

using namespace nnc::ref;
using namespace nnc::ref::test;

namespace {

// Checks that a kernel returned the null tensor and an error message that
// names the kernel and contains `needle`; clears `err` for the next call.
template <typename U>
void expectFailed(const Tensor<U> &r, std::string &err, const std::string &op,
                  const std::string &needle) {
  EXPECT_FALSE(r.wellFormed()) << op;
  EXPECT_TRUE(r.shape.empty() && r.data.empty()) << op << ": not null";
  EXPECT_EQ(err.rfind(op + ": ", 0), 0u) << "message: " << err;
  EXPECT_NE(err.find(needle), std::string::npos)
      << "message '" << err << "' lacks '" << needle << "'";
  err = "stale";
}

Tensor<double> ones(std::vector<int64_t> shape) {
  Tensor<double> t = Tensor<double>::zeros(std::move(shape));
  for (double &v : t.data)
    v = 1;
  return t;
}

TEST(Errors, SuccessClearsTheMessage) {
  std::string err = "stale";
  Tensor<double> y = relu(ones({2}), &err);
  EXPECT_TRUE(y.wellFormed());
  EXPECT_EQ(err, "");
  std::vector<int64_t> out;
  err = "stale";
  EXPECT_TRUE(broadcastShapes({2, 1}, {3}, out, &err));
  EXPECT_EQ(err, "");
  EXPECT_EQ(out, (std::vector<int64_t>{2, 3}));
}

TEST(Errors, MalformedTensors) {
  std::string err;
  Tensor<double> null;
  expectFailed(relu(null, &err), err, "relu", "holds 0 elements");
  Tensor<double> shortData({2, 3}, {1, 2, 3});
  expectFailed(sigmoid(shortData, &err), err, "sigmoid", "expected 6");
  Tensor<double> negative({-1, 3}, {});
  expectFailed(gelu(negative, &err), err, "gelu", "invalid shape");
  Tensor<double> huge({int64_t(1) << 40, 0}, {});
  expectFailed(nnc::ref::tanh(huge, &err), err, "tanh", "invalid shape");
  Tensor<double> tooMany({int64_t(1) << 20, int64_t(1) << 20}, {});
  expectFailed(scale(tooMany, 2.0, &err), err, "scale", "2^28");
  // Works without an error pointer too.
  EXPECT_FALSE(relu(null).wellFormed());
}

TEST(Errors, Conv2d) {
  std::string err;
  Tensor<double> x = ones({1, 4, 5, 5}), w = ones({2, 4, 3, 3});
  Conv2dAttrs a;
  expectFailed(conv2d(ones({4, 5, 5}), w, nullptr, a, &err), err, "conv2d",
               "[N,C,H,W]");
  expectFailed(conv2d(x, ones({2, 3, 3, 3}), nullptr, a, &err), err, "conv2d",
               "input channels");
  Tensor<double> b = ones({3});
  expectFailed(conv2d(x, w, &b, a, &err), err, "conv2d", "b [3]");
  Conv2dAttrs g3;
  g3.groups = 3;
  expectFailed(conv2d(x, w, nullptr, g3, &err), err, "conv2d", "groups");
  Conv2dAttrs g2;
  g2.groups = 2;
  expectFailed(conv2d(x, ones({3, 2, 3, 3}), nullptr, g2, &err), err, "conv2d",
               "groups");
  Conv2dAttrs s0;
  s0.sh = 0;
  expectFailed(conv2d(x, w, nullptr, s0, &err), err, "conv2d", "stride h");
  Conv2dAttrs pneg;
  pneg.pw = -1;
  expectFailed(conv2d(x, w, nullptr, pneg, &err), err, "conv2d", "pad w");
  Conv2dAttrs d0;
  d0.dw = 0;
  expectFailed(conv2d(x, w, nullptr, d0, &err), err, "conv2d", "dilation w");
  Conv2dAttrs hugePad;
  hugePad.ph = int64_t(1) << 40;
  expectFailed(conv2d(x, w, nullptr, hugePad, &err), err, "conv2d", "pad h");
  Conv2dAttrs bigPad;
  bigPad.ph = bigPad.pw = int64_t(1) << 20; // output would be 2^42 cells
  expectFailed(conv2d(x, w, nullptr, bigPad, &err), err, "conv2d", "2^28");
  expectFailed(conv2d(x, ones({2, 4, 6, 3}), nullptr, a, &err), err, "conv2d",
               "too small");
  Conv2dAttrs dil;
  dil.dh = 3; // effective kernel 7 > 5
  expectFailed(conv2d(x, w, nullptr, dil, &err), err, "conv2d", "too small");
  expectFailed(conv2d(x, ones({2, 4, 0, 3}), nullptr, a, &err), err, "conv2d",
               "1x1");

  Tensor<double> dy = ones({1, 2, 3, 3});
  expectFailed(conv2dBackwardData(ones({1, 2, 3, 2}), w, x.shape, a, &err), err,
               "conv2dBackwardData", "dy [1,2,3,2] must be [1,2,3,3]");
  expectFailed(conv2dBackwardData(dy, w, {1, 4, -5, 5}, a, &err), err,
               "conv2dBackwardData", "invalid shape");
  expectFailed(conv2dBackwardFilter(x, dy, {2, 4, 3}, a, &err), err,
               "conv2dBackwardFilter", "[O,C/groups,kh,kw]");
  expectFailed(conv2dBackwardFilter(x, ones({1, 3, 3, 3}), w.shape, a, &err),
               err, "conv2dBackwardFilter", "must be [1,2,3,3]");
  expectFailed(biasBackward(ones({3}), &err), err, "biasBackward", "rank >= 2");
}

TEST(Errors, Pooling) {
  std::string err;
  Tensor<double> x = ones({1, 2, 4, 4});
  PoolAttrs a;
  a.kh = a.kw = 2, a.sh = a.sw = 2;
  PoolAttrs padTooBig = a;
  padTooBig.ph = 2;
  expectFailed(maxPool(x, padTooBig, &err), err, "maxPool", "padding");
  PoolAttrs k0 = a;
  k0.kw = 0;
  expectFailed(avgPool(x, k0, &err), err, "avgPool", "kernel w");
  PoolAttrs s0 = a;
  s0.sh = 0;
  expectFailed(maxPool(x, s0, &err), err, "maxPool", "stride h");
  PoolAttrs big = a;
  big.kh = 5;
  expectFailed(maxPool(x, big, &err), err, "maxPool", "larger than");
  expectFailed(maxPool(ones({2, 4, 4}), a, &err), err, "maxPool", "[N,C,H,W]");
  expectFailed(maxPool(ones({1, 1, 0, 4}), a, &err), err, "maxPool", "H, W");
  expectFailed(maxPoolBackward(x, ones({1, 2, 3, 2}), a, &err), err,
               "maxPoolBackward", "must be [1,2,2,2]");
  expectFailed(avgPoolBackward({1, 2, 4}, ones({1, 2, 2, 2}), a, &err), err,
               "avgPoolBackward", "[N,C,H,W]");
  expectFailed(avgPoolBackward({1, 2, 4, 4}, ones({1, 2, 2, 3}), a, &err), err,
               "avgPoolBackward", "must be [1,2,2,2]");
}

TEST(Errors, Dense) {
  std::string err;
  Tensor<double> x = ones({2, 3}), w = ones({4, 3});
  expectFailed(dense(x, ones({4, 2}), nullptr, &err), err, "dense", "[O,3]");
  expectFailed(dense(ones({2, 3, 1}), w, nullptr, &err), err, "dense",
               "rank 2");
  Tensor<double> b = ones({3});
  expectFailed(dense(x, w, &b, &err), err, "dense", "must be [4]");
  expectFailed(denseBackwardData(ones({2, 5}), w, &err), err,
               "denseBackwardData", "rows");
  expectFailed(denseBackwardWeights(x, ones({3, 4}), &err), err,
               "denseBackwardWeights", "batch size");
}

TEST(Errors, Broadcasting) {
  std::string err;
  expectFailed(add(ones({2, 3}), ones({4}), &err), err, "add",
               "do not broadcast");
  expectFailed(mul(ones({2, 3, 4}), ones({3, 2}), &err), err, "mul",
               "do not broadcast");
  BinaryGrads<double> g = addBackward({2, 3}, {3}, ones({2, 2}), &err);
  EXPECT_FALSE(g.da.wellFormed());
  EXPECT_FALSE(g.db.wellFormed());
  EXPECT_NE(err.find("broadcast shape [2,3]"), std::string::npos) << err;
  g = divBackward(ones({2}), ones({3}), ones({2}), &err);
  EXPECT_FALSE(g.da.wellFormed());
  EXPECT_NE(err.find("do not broadcast"), std::string::npos) << err;
  g = mulBackward(Tensor<double>{}, ones({2}), ones({2}), &err);
  EXPECT_FALSE(g.db.wellFormed());
  EXPECT_EQ(err.rfind("mulBackward: ", 0), 0u) << err;
  expectFailed(reduceToShape(ones({2, 3}), {2}, &err), err, "reduceToShape",
               "does not broadcast");
  // Would need 2^40 elements.
  expectFailed(add(ones({1 << 20, 1}), ones({1, 1 << 20}), &err), err, "add",
               "2^28");
}

TEST(Errors, UnaryBackwardShapes) {
  std::string err;
  expectFailed(reluBackward(ones({2}), ones({3}), &err), err, "reluBackward",
               "same shape");
  expectFailed(geluBackward(ones({2, 1}), ones({2}), &err), err,
               "geluBackward", "same shape");
}

TEST(Errors, SoftmaxAndShapeOps) {
  std::string err;
  expectFailed(softmax(ones({2, 3}), 2, &err), err, "softmax", "axis 2");
  expectFailed(softmax(ones({2, 3}), -3, &err), err, "softmax", "axis -3");
  expectFailed(softmax(Tensor<double>::scalar(1), 0, &err), err, "softmax",
               "rank 0");
  expectFailed(softmaxBackward(ones({2, 3}), ones({3, 2}), 1, &err), err,
               "softmaxBackward", "same shape");
  expectFailed(reshape(ones({2, 3}), {4, 2}, &err), err, "reshape",
               "does not hold");
  expectFailed(reshape(ones({2, 3}), {-1, -1}, &err), err, "reshape",
               "more than one -1");
  expectFailed(reshape(ones({2, 3}), {4, -1}, &err), err, "reshape",
               "cannot infer");
  expectFailed(reshape(ones({2, 3}), {-2, -3}, &err), err, "reshape",
               "invalid shape");
  expectFailed(flatten(ones({2, 3}), 1, 0, &err), err, "flatten",
               "startDim");
  expectFailed(flatten(ones({2, 3}), 5, -1, &err), err, "flatten", "axis 5");
  expectFailed(transpose(ones({2, 3}), {0, 0}, &err), err, "transpose",
               "not a permutation");
  expectFailed(transpose(ones({2, 3}), {0, 1, 2}, &err), err, "transpose",
               "not a permutation");
  expectFailed(transpose(ones({2, 3}), {-1, 0}, &err), err, "transpose",
               "not a permutation");
  expectFailed(transposeBackward(ones({2, 3}), {2, 0}, &err), err,
               "transposeBackward", "not a permutation");
  expectFailed(transposeBackward(ones({2, 3}), {2, 0, 1}, &err), err,
               "transposeBackward", "not a permutation of the 2 dims");
}

TEST(Errors, LossAndAccuracy) {
  std::string err;
  Tensor<double> logits = ones({2, 3});
  expectFailed(softmaxCrossEntropy(logits, {0, 3}, &err), err,
               "softmaxCrossEntropy", "label 3 of row 1 is outside [0, 3)");
  expectFailed(softmaxCrossEntropy(logits, {-1, 0}, &err), err,
               "softmaxCrossEntropy", "label -1");
  expectFailed(softmaxCrossEntropy(logits, {0}, &err), err,
               "softmaxCrossEntropy", "expected 2 labels");
  expectFailed(softmaxCrossEntropy(ones({0, 3}), {}, &err), err,
               "softmaxCrossEntropy", "N, K >= 1");
  expectFailed(softmaxCrossEntropy(ones({2, 3, 1}), {0, 0}, &err), err,
               "softmaxCrossEntropy", "rank 2");
  expectFailed(softmaxCrossEntropyBackward(logits, {0, 7}, 1.0, &err), err,
               "softmaxCrossEntropyBackward", "label 7");
  expectFailed(accuracy(logits, {0, 1}, 0, AccuracyTies::StrictlyGreater, &err),
               err, "accuracy", "topK = 0");
  expectFailed(accuracy(logits, {0, 1}, 4, AccuracyTies::StrictlyGreater, &err),
               err, "accuracy", "topK = 4");
  expectFailed(
      accuracy(logits, {0, 99}, 1, AccuracyTies::CaffeGreaterOrEqual, &err),
      err, "accuracy", "label 99");
  // float instantiation takes the same path.
  Tensor<float> lf({1, 2}, {0.f, 1.f});
  expectFailed(softmaxCrossEntropy(lf, {2}, &err), err, "softmaxCrossEntropy",
               "label 2");
}

TEST(Errors, Normalizers) {
  std::string err;
  LrnAttrs even;
  even.size = 4;
  expectFailed(lrn(ones({1, 5, 2, 2}), even, &err), err, "lrn", "odd");
  LrnAttrs zero;
  zero.size = 0;
  expectFailed(lrnBackward(ones({1, 5}), ones({1, 5}), zero, &err), err,
               "lrnBackward", "size");
  expectFailed(lrn(ones({5}), LrnAttrs{}, &err), err, "lrn", "rank >= 2");
  expectFailed(lrnBackward(ones({1, 5}), ones({5}), LrnAttrs{}, &err), err,
               "lrnBackward", "same shape");

  Tensor<double> x = ones({2, 3, 2});
  BatchNormResult<double> r =
      batchNormTraining(x, ones({2}), ones({3}), 1e-5, &err);
  EXPECT_FALSE(r.y.wellFormed());
  EXPECT_FALSE(r.mean.wellFormed());
  EXPECT_NE(err.find("gamma [2] must be [C] = [3]"), std::string::npos) << err;
  r = batchNormTraining(x, ones({3}), ones({2}), 1e-5, &err);
  EXPECT_NE(err.find("same shape"), std::string::npos) << err;
  r = batchNormTraining(x, ones({3}), ones({3}), -1.0, &err);
  EXPECT_NE(err.find("eps"), std::string::npos) << err;
  r = batchNormTraining(ones({0, 3}), ones({3}), ones({3}), 1e-5, &err);
  EXPECT_NE(err.find("at least one value"), std::string::npos) << err;
  r = batchNormTraining(ones({3}), ones({3}), ones({3}), 1e-5, &err);
  EXPECT_NE(err.find("rank >= 2"), std::string::npos) << err;
  BatchNormGrads<double> g =
      batchNormTrainingBackward(x, ones({3}), ones({2, 3}), 1e-5, &err);
  EXPECT_FALSE(g.dx.wellFormed());
  EXPECT_FALSE(g.dgamma.wellFormed());
  EXPECT_NE(err.find("same shape"), std::string::npos) << err;
}

TEST(Errors, DropoutConcatSgd) {
  std::string err;
  expectFailed(dropout(ones({2}), ones({3}), 0.5, &err), err, "dropout",
               "same shape");
  expectFailed(dropout(ones({2}), ones({2}), 1.5, &err), err, "dropout",
               "rate");
  expectFailed(dropoutBackward(ones({2}), ones({2}), -0.1, &err), err,
               "dropoutBackward", "rate");
  expectFailed(dropout(ones({2}), ones({2}), std::nan(""), &err), err,
               "dropout", "rate");

  expectFailed(concat<double>({}, 0, &err), err, "concat", "at least one");
  expectFailed(concat<double>({ones({2, 3}), ones({3, 3})}, 1, &err), err,
               "concat", "does not match");
  expectFailed(concat<double>({ones({2, 3}), ones({2, 3, 1})}, 0, &err), err,
               "concat", "does not match");
  expectFailed(concat<double>({ones({2, 3})}, 2, &err), err, "concat",
               "axis 2");
  std::vector<Tensor<double>> parts =
      concatBackward(ones({2, 5}), {{2, 2}, {2, 2}}, 1, &err);
  EXPECT_TRUE(parts.empty());
  EXPECT_NE(err.find("add up to 4"), std::string::npos) << err;
  parts = concatBackward(ones({2, 5}), {{2, 2}, {3, 3}}, 1, &err);
  EXPECT_TRUE(parts.empty());
  EXPECT_NE(err.find("does not match"), std::string::npos) << err;
  parts = concatBackward(ones({2, 5}), {}, 1, &err);
  EXPECT_TRUE(parts.empty());
  EXPECT_NE(err.find("at least one"), std::string::npos) << err;

  SgdResult<double> s =
      sgdStep(ones({2}), ones({3}), ones({2}), SgdAttrs{}, &err);
  EXPECT_FALSE(s.w.wellFormed());
  EXPECT_FALSE(s.v.wellFormed());
  EXPECT_NE(err.find("sgdStep: w [2] and v [3]"), std::string::npos) << err;
  s = sgdStep(ones({2}), ones({2}), ones({1}), SgdAttrs{}, &err);
  EXPECT_NE(err.find("w [2] and g [1]"), std::string::npos) << err;
}

// Every kernel on every kind of garbage: no crash (run under ASan/UBSan).
TEST(Errors, FuzzShapesNeverCrash) {
  SplitMix64 rng(0xF022);
  auto randomShape = [&]() {
    std::vector<int64_t> s(static_cast<size_t>(rng.below(6)));
    for (int64_t &d : s)
      d = rng.below(4) == 0 ? rng.below(3) - 1 : rng.below(5);
    return s;
  };
  auto randomT = [&]() {
    std::vector<int64_t> s = randomShape();
    int64_t n = checkedNumel(s);
    // Usually consistent, sometimes not.
    size_t count = n >= 0 && rng.below(5) != 0 ? static_cast<size_t>(n)
                                               : static_cast<size_t>(rng.below(7));
    Tensor<double> t(s, std::vector<double>(count, 0.5));
    return t;
  };
  for (int iter = 0; iter < 3000; ++iter) {
    Tensor<double> a = randomT(), b = randomT(), c = randomT();
    int64_t i1 = rng.below(7) - 3, i2 = rng.below(7) - 3;
    Conv2dAttrs ca;
    ca.sh = rng.below(4), ca.sw = rng.below(3), ca.ph = rng.below(4) - 1;
    ca.pw = rng.below(3), ca.dh = rng.below(3), ca.dw = rng.below(3);
    ca.groups = rng.below(4);
    PoolAttrs pa;
    pa.kh = rng.below(4), pa.kw = rng.below(4), pa.sh = rng.below(3);
    pa.sw = rng.below(3), pa.ph = rng.below(3) - 1, pa.pw = rng.below(2);
    pa.ceil = rng.below(2);
    std::vector<int64_t> labels(static_cast<size_t>(rng.below(4)));
    for (int64_t &l : labels)
      l = rng.below(6) - 1;
    std::string err;
    (void)conv2d(a, b, rng.below(2) ? &c : nullptr, ca, &err);
    (void)conv2dBackwardData(a, b, c.shape, ca, &err);
    (void)conv2dBackwardFilter(a, b, c.shape, ca, &err);
    (void)biasBackward(a, &err);
    (void)maxPool(a, pa, &err);
    (void)maxPoolBackward(a, b, pa, &err);
    (void)avgPool(a, pa, &err);
    (void)avgPoolBackward(a.shape, b, pa, &err);
    (void)dense(a, b, rng.below(2) ? &c : nullptr, &err);
    (void)denseBackwardData(a, b, &err);
    (void)denseBackwardWeights(a, b, &err);
    (void)add(a, b, &err);
    (void)divBackward(a, b, c, &err);
    (void)subBackward(a.shape, b.shape, c, &err);
    (void)reduceToShape(a, b.shape, &err);
    (void)reluBackward(a, b, &err);
    (void)softmax(a, i1, &err);
    (void)softmaxBackward(a, b, i1, &err);
    (void)flatten(a, i1, i2, &err);
    (void)reshape(a, b.shape, &err);
    (void)transpose(a, b.shape, &err);
    (void)transposeBackward(a, b.shape, &err);
    (void)softmaxCrossEntropy(a, labels, &err);
    (void)softmaxCrossEntropyBackward(a, labels, 1.0, &err);
    (void)accuracy(a, labels, i1, AccuracyTies::CaffeGreaterOrEqual, &err);
    LrnAttrs la;
    la.size = i1;
    (void)lrn(a, la, &err);
    (void)lrnBackward(a, b, la, &err);
    (void)batchNormTraining(a, b, c, 1e-5, &err);
    (void)batchNormTrainingBackward(a, b, c, 1e-5, &err);
    (void)dropout(a, b, 0.5, &err);
    (void)concat<double>({a, b, c}, i1, &err);
    (void)concatBackward(a, {b.shape, c.shape}, i1, &err);
    (void)sgdStep(a, b, c, SgdAttrs{}, &err);
  }
  SUCCEED();
}

} // namespace
