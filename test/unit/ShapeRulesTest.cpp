//===- ShapeRulesTest.cpp - Shape rules of the nn ops ---------------------===//
//
// Every rule with real numbers, every error it reports, and the layer shapes
// and parameter counts of published networks (LeNet, AlexNet, GoogLeNet).
//
//===----------------------------------------------------------------------===//

#include "frontend/shapes/ShapeRules.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <sstream>

using namespace nnc::shapes;

namespace {

constexpr int64_t kMax = std::numeric_limits<int64_t>::max();

/// "[N, -1, 28]" -> dims; numbers are known extents, anything else a symbol.
std::vector<Dim> D(const std::string &s) {
  std::vector<Dim> dims;
  std::stringstream ss(s.substr(1, s.size() - 2));
  std::string tok;
  while (std::getline(ss, tok, ',')) {
    tok.erase(0, tok.find_first_not_of(' '));
    if (tok.empty())
      continue;
    bool num = std::isdigit((unsigned char)tok[0]) || tok[0] == '-';
    dims.push_back(num ? Dim::known(std::stoll(tok)) : Dim::sym(tok));
  }
  return dims;
}
/// "f32[N, 1, 28, 28]" -> TensorType.
TensorType T(const std::string &s) {
  size_t lb = s.find('[');
  return TensorType{*parseDType(s.substr(0, lb)), D(s.substr(lb))};
}
/// The result type, or the error, as one comparable string.
std::string ty(const ShapeResult &r) {
  return r.ok() ? (r.type ? r.type->str() : "<no type>") : "error: " + r.error;
}
/// "weight[20, 1, 5, 5] bias[20]"; a trailing ~ marks a non-trainable one.
std::string params(const ShapeResult &r) {
  std::string s;
  for (const ParamSpec &p : r.params) {
    std::vector<Dim> dims;
    for (int64_t v : p.shape)
      dims.push_back(Dim::known(v));
    s += (s.empty() ? "" : " ") + p.name +
         TensorType{DType::F32, dims}.shapeStr() + (p.trainable ? "" : "~");
  }
  return s;
}
int64_t numParams(const ShapeResult &r) {
  int64_t n = 0;
  for (const ParamSpec &p : r.params)
    n += p.numel();
  return n;
}
/// The rule failed, its message contains `msg`, and it blames `operand`.
::testing::AssertionResult fails(const ShapeResult &r, const std::string &msg,
                                 int operand) {
  if (r.ok())
    return ::testing::AssertionFailure() << "succeeded with " << ty(r);
  if (r.error.find(msg) == std::string::npos)
    return ::testing::AssertionFailure()
           << "error \"" << r.error << "\" lacks \"" << msg << "\"";
  if (r.operand != operand)
    return ::testing::AssertionFailure()
           << "operand " << r.operand << " instead of " << operand << " ("
           << r.error << ")";
  if (r.type || !r.params.empty())
    return ::testing::AssertionFailure()
           << "a failure carries a type or params";
  return ::testing::AssertionSuccess();
}

Conv2dAttrs conv(int64_t out, int64_t k, int64_t stride = 1, int64_t pad = 0,
                 int64_t groups = 1) {
  Conv2dAttrs a;
  a.out = out, a.kernel = {k, k}, a.stride = {stride, stride},
  a.pad = {pad, pad};
  a.groups = groups;
  return a;
}
PoolAttrs pool(int64_t k, int64_t s, int64_t p = 0, bool ceil = false) {
  PoolAttrs a;
  a.kernel = {k, k}, a.stride = {s, s}, a.pad = {p, p}, a.ceil = ceil;
  return a;
}
DenseAttrs fc(int64_t out, bool bias = true) { return DenseAttrs{out, bias}; }

//===-- Types -------------------------------------------------------------===//

TEST(Types, DTypeNamesRoundTrip) {
  for (DType t : {DType::F32, DType::F16, DType::BF16, DType::I32, DType::I64,
                  DType::Bool})
    EXPECT_EQ(parseDType(dtypeName(t)), t);
  EXPECT_STREQ(dtypeName(DType::BF16), "bf16");
  EXPECT_STREQ(dtypeName(DType::Bool), "bool");
  for (const char *bad : {"f64", "", "F32", "int32", "f32 ", "i8"})
    EXPECT_FALSE(parseDType(bad)) << bad;
}

TEST(Types, FloatAndIntegerClasses) {
  EXPECT_TRUE(isFloat(DType::F32) && isFloat(DType::F16) &&
              isFloat(DType::BF16));
  EXPECT_FALSE(isFloat(DType::I32) || isFloat(DType::I64) ||
               isFloat(DType::Bool));
  EXPECT_TRUE(isInteger(DType::I32) && isInteger(DType::I64));
  EXPECT_FALSE(isInteger(DType::Bool) || isInteger(DType::F32) ||
               isInteger(DType::BF16));
}

TEST(Types, DimAndTensorPrinting) {
  EXPECT_EQ(Dim::known(28).str(), "28");
  EXPECT_EQ(Dim::sym("N").str(), "N");
  EXPECT_EQ(Dim::sym("N"), Dim::sym("N"));
  EXPECT_NE(Dim::sym("N"), Dim::sym("M"));
  EXPECT_NE(Dim::sym("N"), Dim::known(0));
  TensorType x{DType::F32,
               {Dim::sym("N"), Dim::known(1), Dim::known(28), Dim::known(28)}};
  EXPECT_EQ(x.str(), "f32[N, 1, 28, 28]");
  EXPECT_EQ(x.shapeStr(), "[N, 1, 28, 28]");
  EXPECT_EQ(x.rank(), 4);
  EXPECT_EQ(TensorType({DType::F32, {}}).str(), "f32[]");
  EXPECT_EQ(TensorType({DType::I64, {}}).shapeStr(), "[]");
  EXPECT_EQ(T("i64[N]").str(), "i64[N]");
}

TEST(Types, NumelPerExampleTakesSymbolsAsOne) {
  EXPECT_EQ(T("f32[N, 1, 28, 28]").numelPerExample(), 784);
  EXPECT_EQ(T("f32[64, 1, 28, 28]").numelPerExample(), 50176);
  EXPECT_EQ(T("f32[]").numelPerExample(), 1);
  EXPECT_EQ(T("f32[N, 0, 5]").numelPerExample(), 0);
  EXPECT_EQ(T("f32[N, M]").numelPerExample(), 1);
  // Saturates instead of overflowing; a zero still wins.
  EXPECT_EQ(T("f32[4294967296, 4294967296]").numelPerExample(), kMax);
  EXPECT_EQ(T("f32[4294967296, 4294967296, 0]").numelPerExample(), 0);
}

TEST(Types, ParamNumel) {
  EXPECT_EQ((ParamSpec{"weight", {20, 1, 5, 5}, true}.numel()), 500);
  EXPECT_EQ((ParamSpec{"bias", {20}, true}.numel()), 20);
  EXPECT_EQ((ParamSpec{"scalar", {}, true}.numel()), 1);
  EXPECT_EQ((ParamSpec{"huge", {kMax, 2}, true}.numel()), kMax);
}

//===-- conv2d ------------------------------------------------------------===//

TEST(Conv2d, LeNetConv1) {
  ShapeResult r = conv2d(T("f32[N, 1, 28, 28]"), conv(20, 5));
  EXPECT_EQ(ty(r), "f32[N, 20, 24, 24]");
  EXPECT_EQ(params(r), "weight[20, 1, 5, 5] bias[20]");
  EXPECT_EQ(numParams(r), 520);
  EXPECT_DOUBLE_EQ(r.flopsPerExample, 2.0 * 20 * 1 * 25 * 576 + 20 * 576);
  EXPECT_EQ(r.operand, -1);
}

TEST(Conv2d, StridePadDilationAndRectangularKernels) {
  EXPECT_EQ(ty(conv2d(T("f32[N, 3, 32, 32]"), conv(8, 3, 1, 1))),
            "f32[N, 8, 32, 32]");
  EXPECT_EQ(ty(conv2d(T("f32[N, 3, 32, 32]"), conv(8, 3, 2, 1))),
            "f32[N, 8, 16, 16]");
  EXPECT_EQ(ty(conv2d(T("f32[N, 3, 33, 33]"), conv(8, 3, 2, 0))),
            "f32[N, 8, 16, 16]");
  Conv2dAttrs d = conv(8, 3);
  d.dilation = {2, 2}; // effective kernel 5
  EXPECT_EQ(ty(conv2d(T("f32[N, 3, 32, 32]"), d)), "f32[N, 8, 28, 28]");
  Conv2dAttrs r = conv(8, 1);
  r.kernel = {1, 7}, r.pad = {0, 3}, r.stride = {2, 1};
  ShapeResult rr = conv2d(T("f32[N, 3, 32, 32]"), r);
  EXPECT_EQ(ty(rr), "f32[N, 8, 16, 32]");
  EXPECT_EQ(params(rr), "weight[8, 3, 1, 7] bias[8]");
}

TEST(Conv2d, KeepsBatchDtypeAndHonoursNoBias) {
  Conv2dAttrs a = conv(16, 3);
  a.bias = false;
  ShapeResult r = conv2d(T("bf16[64, 4, 10, 10]"), a);
  EXPECT_EQ(ty(r), "bf16[64, 16, 8, 8]");
  EXPECT_EQ(params(r), "weight[16, 4, 3, 3]");
  EXPECT_DOUBLE_EQ(r.flopsPerExample,
                   2.0 * 16 * 4 * 9 * 64); // the 64 batch is not counted
  EXPECT_EQ(ty(conv2d(T("f16[B, 4, 10, 10]"), a)), "f16[B, 16, 8, 8]");
}

TEST(Conv2d, GroupsAndDepthwise) {
  ShapeResult r = conv2d(T("f32[N, 32, 8, 8]"), conv(32, 3, 1, 1, 32));
  EXPECT_EQ(ty(r), "f32[N, 32, 8, 8]");
  EXPECT_EQ(params(r), "weight[32, 1, 3, 3] bias[32]");
  EXPECT_DOUBLE_EQ(r.flopsPerExample, 2.0 * 32 * 1 * 9 * 64 + 32 * 64);
}

TEST(Conv2d, InputErrors) {
  EXPECT_EQ(conv2d(T("f32[N, 784]"), conv(20, 5)).error,
            "conv2d expects a 4-D input [N, C, H, W], got f32[N, 784]");
  EXPECT_TRUE(fails(conv2d(T("f32[N, 784]"), conv(20, 5)), "4-D", 0));
  EXPECT_TRUE(fails(conv2d(T("f32[]"), conv(20, 5)), "got f32[]", 0));
  EXPECT_TRUE(fails(
      conv2d(T("i32[N, 1, 28, 28]"), conv(20, 5)),
      "conv2d expects a float input (f32, f16 or bf16), got i32[N, 1, 28, 28]",
      0));
  EXPECT_TRUE(fails(conv2d(T("bool[N, 1, 28, 28]"), conv(20, 5)), "float", 0));
  EXPECT_EQ(conv2d(T("f32[N, N, 28, 28]"), conv(20, 5)).error,
            "conv2d needs a known channel count; dimension 1 is N");
  EXPECT_TRUE(fails(conv2d(T("f32[N, C, 28, 28]"), conv(20, 5)),
                    "dimension 1 is C", 0));
  EXPECT_TRUE(fails(conv2d(T("f32[N, 1, H, 28]"), conv(20, 5)),
                    "known height; dimension 2 is H", 0));
  EXPECT_TRUE(fails(conv2d(T("f32[N, 1, 28, W]"), conv(20, 5)),
                    "known width; dimension 3 is W", 0));
  EXPECT_TRUE(fails(conv2d(T("f32[N, -1, 28, 28]"), conv(20, 5)),
                    "negative dimension", 0));
}

TEST(Conv2d, AttributeErrors) {
  TensorType x = T("f32[N, 3, 32, 32]");
  EXPECT_TRUE(
      fails(conv2d(x, conv(0, 3)), "conv2d out must be positive, got 0", -1));
  EXPECT_TRUE(fails(conv2d(x, conv(-5, 3)), "got -5", -1));
  EXPECT_TRUE(
      fails(conv2d(x, conv(8, 0)), "conv2d kernel must be >= 1, got 0x0", -1));
  Conv2dAttrs a = conv(8, 3);
  a.kernel = {3, -1};
  EXPECT_TRUE(fails(conv2d(x, a), "kernel must be >= 1, got 3x-1", -1));
  EXPECT_TRUE(fails(conv2d(x, conv(8, 3, 0)),
                    "conv2d stride must be >= 1, got 0x0", -1));
  EXPECT_TRUE(fails(conv2d(x, conv(8, 3, 1, -1)),
                    "conv2d pad must be >= 0, got -1x-1", -1));
  a = conv(8, 3);
  a.dilation = {1, 0};
  EXPECT_TRUE(fails(conv2d(x, a), "conv2d dilation must be >= 1, got 1x0", -1));
  EXPECT_TRUE(fails(conv2d(x, conv(8, 3, 1, 0, 0)),
                    "conv2d groups must be >= 1, got 0", -1));
  EXPECT_TRUE(
      fails(conv2d(x, conv(8, 3, 1, 0, -2)), "groups must be >= 1", -1));
}

TEST(Conv2d, GroupDivisibility) {
  EXPECT_TRUE(fails(conv2d(T("f32[N, 3, 32, 32]"), conv(8, 3, 1, 0, 2)),
                    "input channels (3) are not divisible by groups (2)", 0));
  EXPECT_TRUE(fails(conv2d(T("f32[N, 8, 32, 32]"), conv(10, 3, 1, 0, 4)),
                    "output channels (10) are not divisible by groups (4)",
                    -1));
}

TEST(Conv2d, KernelMustFitThePaddedInput) {
  EXPECT_TRUE(fails(
      conv2d(T("f32[N, 3, 8, 8]"), conv(8, 11)),
      "kernel 11x11 (dilated 11x11) does not fit the padded input 8x8", 0));
  Conv2dAttrs d = conv(8, 3);
  d.dilation = {5, 1};
  EXPECT_TRUE(
      fails(conv2d(T("f32[N, 3, 8, 8]"), d),
            "kernel 3x3 (dilated 11x3) does not fit the padded input 8x8", 0));
  // Padding can make it fit: 8 + 2*2 = 12 >= 11 gives 2.
  EXPECT_EQ(ty(conv2d(T("f32[N, 3, 8, 8]"), conv(8, 11, 1, 2))),
            "f32[N, 8, 2, 2]");
  // Exactly fitting gives 1; a zero-sized input never fits a kernel.
  EXPECT_EQ(ty(conv2d(T("f32[N, 3, 11, 11]"), conv(8, 11))), "f32[N, 8, 1, 1]");
  EXPECT_TRUE(fails(conv2d(T("f32[N, 3, 0, 0]"), conv(8, 1)),
                    "does not fit the padded input 0x0", 0));
}

TEST(Conv2d, HostileSizesReportTooLarge) {
  TensorType x = T("f32[N, 3, 32, 32]");
  EXPECT_TRUE(fails(conv2d(x, conv(kMax, 3)), "too large", -1));
  EXPECT_TRUE(fails(conv2d(x, conv(8, 3, 1, kMax)), "too large", 0));
  Conv2dAttrs d = conv(8, 3);
  d.dilation = {kMax, 1};
  EXPECT_TRUE(fails(conv2d(x, d), "too large", 0));
  // A kernel of kMax does not overflow; it just does not fit.
  EXPECT_TRUE(fails(conv2d(x, conv(8, kMax)), "does not fit", 0));
  EXPECT_TRUE(
      fails(conv2d(T("f32[N, 3, 9223372036854775807, 32]"), conv(8, 3, 1, 1)),
            "too large", 0));
  EXPECT_TRUE(
      fails(conv2d(T("f32[N, 4294967296, 4294967296, 4294967296]"), conv(8, 3)),
            "too large", 0));
  // Huge but representable: stride kMax leaves a single window.
  EXPECT_EQ(ty(conv2d(x, conv(8, 3, kMax))), "f32[N, 8, 1, 1]");
}

//===-- dense -------------------------------------------------------------===//

TEST(Dense, LeNetIp1) {
  ShapeResult r = dense(T("f32[N, 800]"), fc(500));
  EXPECT_EQ(ty(r), "f32[N, 500]");
  EXPECT_EQ(params(r), "weight[500, 800] bias[500]");
  EXPECT_EQ(numParams(r), 400500);
  EXPECT_DOUBLE_EQ(r.flopsPerExample, 2.0 * 800 * 500 + 500);
}

TEST(Dense, NoBiasAndKnownBatch) {
  ShapeResult r = dense(T("f16[32, 10]"), fc(3, false));
  EXPECT_EQ(ty(r), "f16[32, 3]");
  EXPECT_EQ(params(r), "weight[3, 10]");
  EXPECT_DOUBLE_EQ(r.flopsPerExample, 60);
}

TEST(Dense, Errors) {
  EXPECT_EQ(dense(T("f32[N, 50, 4, 4]"), fc(500)).error,
            "dense expects a 2-D input [N, features], got f32[N, 50, 4, 4]; "
            "flatten it first");
  EXPECT_TRUE(
      fails(dense(T("f32[N, 50, 4, 4]"), fc(500)), "flatten it first", 0));
  EXPECT_EQ(dense(T("f32[800]"), fc(500)).error,
            "dense expects a 2-D input [N, features], got f32[800]");
  EXPECT_TRUE(fails(dense(T("i64[N, 800]"), fc(500)),
                    "dense expects a float input", 0));
  EXPECT_TRUE(fails(dense(T("f32[N, 800]"), fc(0)),
                    "dense out must be positive, got 0", -1));
  EXPECT_TRUE(fails(dense(T("f32[N, 800]"), fc(-1)), "got -1", -1));
  EXPECT_TRUE(fails(dense(T("f32[N, K]"), fc(10)),
                    "dense needs a known feature count; dimension 1 is K", 0));
  EXPECT_TRUE(fails(dense(T("f32[N, 4]"), fc(kMax)), "too large", -1));
}

//===-- pools -------------------------------------------------------------===//

TEST(Pool, LeNetPools) {
  ShapeResult r = maxPool(T("f32[N, 20, 24, 24]"), pool(2, 2));
  EXPECT_EQ(ty(r), "f32[N, 20, 12, 12]");
  EXPECT_TRUE(r.params.empty());
  EXPECT_DOUBLE_EQ(r.flopsPerExample, 4.0 * 20 * 144);
  EXPECT_EQ(ty(maxPool(T("f32[N, 50, 8, 8]"), pool(2, 2))), "f32[N, 50, 4, 4]");
}

TEST(Pool, AvgPoolFlopsCountTheDivision) {
  // SPEC 11: avg_pool is C*Ho*Wo*(kh*kw + 1), max_pool C*Ho*Wo*kh*kw.
  EXPECT_DOUBLE_EQ(avgPool(T("f32[N, 2, 4, 4]"), pool(2, 2)).flopsPerExample, 2.0 * 4 * 5);
  EXPECT_DOUBLE_EQ(maxPool(T("f32[N, 2, 4, 4]"), pool(2, 2)).flopsPerExample, 2.0 * 4 * 4);
  EXPECT_DOUBLE_EQ(avgPool(T("f32[N, 1024, 7, 7]"), pool(7, 1)).flopsPerExample, 1024.0 * 50);
}

TEST(Pool, FloorPaddingAndSymbolicChannels) {
  EXPECT_EQ(ty(avgPool(T("f32[N, 8, 7, 7]"), pool(3, 1, 1))),
            "f32[N, 8, 7, 7]");
  EXPECT_EQ(ty(avgPool(T("f32[N, 1024, 7, 7]"), pool(7, 1))),
            "f32[N, 1024, 1, 1]");
  EXPECT_EQ(ty(maxPool(T("f32[N, 8, 7, 7]"), pool(2, 2))),
            "f32[N, 8, 3, 3]"); // floor drops a row
  ShapeResult r = maxPool(T("f32[N, C, 4, 4]"), pool(2, 2));
  EXPECT_EQ(ty(r), "f32[N, C, 2, 2]");
  EXPECT_DOUBLE_EQ(r.flopsPerExample, 4.0 * 1 * 4); // C counts as 1
  PoolAttrs rect = pool(1, 1);
  rect.kernel = {3, 1}, rect.stride = {2, 1};
  EXPECT_EQ(ty(maxPool(T("f32[N, 2, 9, 5]"), rect)), "f32[N, 2, 4, 5]");
}

TEST(Pool, CaffeCeilRounding) {
  // GoogLeNet: 112 -> 56 with Caffe's ceil, 55 with floor.
  EXPECT_EQ(ty(maxPool(T("f32[N, 64, 112, 112]"), pool(3, 2, 0, true))),
            "f32[N, 64, 56, 56]");
  EXPECT_EQ(ty(maxPool(T("f32[N, 64, 112, 112]"), pool(3, 2, 0, false))),
            "f32[N, 64, 55, 55]");
  EXPECT_EQ(ty(maxPool(T("f32[N, 192, 56, 56]"), pool(3, 2, 0, true))),
            "f32[N, 192, 28, 28]");
  EXPECT_EQ(ty(maxPool(T("f32[N, 480, 28, 28]"), pool(3, 2, 0, true))),
            "f32[N, 480, 14, 14]");
  EXPECT_EQ(ty(maxPool(T("f32[N, 832, 14, 14]"), pool(3, 2, 0, true))),
            "f32[N, 832, 7, 7]");
  // Exact division: ceil and floor agree.
  EXPECT_EQ(ty(maxPool(T("f32[N, 1, 6, 6]"), pool(2, 2, 0, true))),
            "f32[N, 1, 3, 3]");
  // 5 + 2*1 - 2 = 5, ceil(5/2) + 1 = 4, but the 4th window would start at 6 >=
  // 5 + 1, i.e. in the padding only, so Caffe clips it to 3.
  EXPECT_EQ(ty(maxPool(T("f32[N, 1, 5, 5]"), pool(2, 2, 1, true))),
            "f32[N, 1, 3, 3]");
  EXPECT_EQ(ty(maxPool(T("f32[N, 1, 5, 5]"), pool(2, 2, 1, false))),
            "f32[N, 1, 3, 3]");
  // Without the clip condition the extra window stays: 6 + 2 - 3 = 5 -> 4.
  EXPECT_EQ(ty(avgPool(T("f32[N, 1, 6, 6]"), pool(3, 2, 1, true))),
            "f32[N, 1, 4, 4]");
  EXPECT_EQ(ty(avgPool(T("f32[N, 1, 6, 6]"), pool(3, 2, 1, false))),
            "f32[N, 1, 3, 3]");
}

TEST(Pool, Errors) {
  TensorType x = T("f32[N, 8, 6, 6]");
  EXPECT_TRUE(fails(maxPool(T("f32[N, 36]"), pool(2, 2)),
                    "max_pool expects a 4-D input [N, C, H, W], got f32[N, 36]",
                    0));
  EXPECT_TRUE(fails(avgPool(T("i32[N, 8, 6, 6]"), pool(2, 2)),
                    "avg_pool expects a float input", 0));
  EXPECT_TRUE(fails(maxPool(x, pool(0, 2)),
                    "max_pool kernel must be >= 1, got 0x0", -1));
  EXPECT_TRUE(fails(maxPool(x, pool(2, 0)),
                    "max_pool stride must be >= 1, got 0x0", -1));
  PoolAttrs p = pool(2, 2);
  p.pad = {0, -1};
  EXPECT_TRUE(fails(avgPool(x, p), "avg_pool pad must be >= 0, got 0x-1", -1));
  EXPECT_TRUE(fails(
      maxPool(x, pool(3, 1, 3)),
      "max_pool pad height (3) must be smaller than the kernel height (3)",
      -1));
  p = pool(3, 1);
  p.pad = {1, 4};
  EXPECT_TRUE(fails(
      maxPool(x, p),
      "max_pool pad width (4) must be smaller than the kernel width (3)", -1));
  EXPECT_TRUE(fails(maxPool(T("f32[N, 8, H, 6]"), pool(2, 2)),
                    "max_pool needs a known height; dimension 2 is H", 0));
  EXPECT_TRUE(
      fails(maxPool(T("f32[N, 8, 6, W]"), pool(2, 2)), "dimension 3 is W", 0));
  EXPECT_TRUE(fails(maxPool(T("f32[N, 8, 2, 2]"), pool(3, 1)),
                    "kernel 3x3 does not fit the padded input 2x2", 0));
  EXPECT_TRUE(fails(maxPool(T("f32[N, 8, -2, 2]"), pool(3, 1)),
                    "negative dimension", 0));
}

TEST(Pool, HostileSizes) {
  // One window, whatever the stride; ceil with a huge stride must not overflow.
  EXPECT_EQ(ty(maxPool(T("f32[N, 1, 5, 5]"), pool(2, kMax))),
            "f32[N, 1, 1, 1]");
  EXPECT_EQ(ty(maxPool(T("f32[N, 1, 5, 5]"), pool(2, kMax, 1, true))),
            "f32[N, 1, 1, 1]");
  EXPECT_TRUE(fails(maxPool(T("f32[N, 1, 5, 5]"), pool(kMax, 1, kMax - 1)),
                    "too large", 0));
  EXPECT_TRUE(
      fails(maxPool(T("f32[N, 1, 5, 5]"), pool(kMax, 1)), "does not fit", 0));
}

//===-- lrn, batch_norm, dropout, activations, scale ----------------------===//

TEST(Lrn, AlexNetNorm1) {
  ShapeResult r = lrn(T("f32[N, 96, 55, 55]"), LrnAttrs{});
  EXPECT_EQ(ty(r), "f32[N, 96, 55, 55]");
  EXPECT_TRUE(r.params.empty());
  EXPECT_DOUBLE_EQ(r.flopsPerExample, 14.0 * 96 * 55 * 55); // SPEC 11: 2*size + 4
}

TEST(Lrn, Errors) {
  TensorType x = T("f32[N, 96, 55, 55]");
  EXPECT_TRUE(fails(lrn(x, LrnAttrs{4}), "lrn size must be odd, got 4", -1));
  EXPECT_TRUE(fails(lrn(x, LrnAttrs{0}), "lrn size must be >= 1, got 0", -1));
  EXPECT_TRUE(fails(lrn(x, LrnAttrs{-3}), "got -3", -1));
  EXPECT_TRUE(fails(lrn(x, LrnAttrs{5, NAN}), "must be finite", -1));
  EXPECT_TRUE(fails(lrn(x, LrnAttrs{5, 1e-4, INFINITY}), "must be finite", -1));
  EXPECT_TRUE(fails(lrn(x, LrnAttrs{5, 1e-4, 0.75, -INFINITY}), "-inf", -1));
  EXPECT_TRUE(
      fails(lrn(T("f32[N, 96]"), LrnAttrs{}), "lrn expects a 4-D input", 0));
  EXPECT_TRUE(fails(lrn(T("i32[N, 96, 5, 5]"), LrnAttrs{}),
                    "lrn expects a float input", 0));
  EXPECT_EQ(ty(lrn(T("f32[N, C, H, W]"), LrnAttrs{1})), "f32[N, C, H, W]");
}

TEST(BatchNorm, ParamsAndRanks) {
  ShapeResult r = batchNorm(T("f32[N, 64, 56, 56]"), BatchNormAttrs{});
  EXPECT_EQ(ty(r), "f32[N, 64, 56, 56]");
  EXPECT_EQ(params(r),
            "weight[64] bias[64] running_mean[64]~ running_var[64]~");
  EXPECT_DOUBLE_EQ(r.flopsPerExample, 2.0 * 64 * 56 * 56); // SPEC 11: 2*numel
  BatchNormAttrs noAffine;
  noAffine.affine = false;
  ShapeResult r2 = batchNorm(T("f16[N, 10]"), noAffine);
  EXPECT_EQ(ty(r2), "f16[N, 10]");
  EXPECT_EQ(params(r2), "running_mean[10]~ running_var[10]~");
  EXPECT_TRUE(batchNorm(T("f32[N, 10]"), BatchNormAttrs{0, 1e-3}).ok());
  EXPECT_TRUE(batchNorm(T("f32[N, 10]"), BatchNormAttrs{1, 1e-3}).ok());
}

TEST(BatchNorm, Errors) {
  TensorType x = T("f32[N, 64, 8, 8]");
  EXPECT_TRUE(fails(batchNorm(T("f32[N, 64, 8]"), {}),
                    "batch_norm expects a 2-D input [N, C] or a 4-D input [N, "
                    "C, H, W], got f32[N, 64, 8]",
                    0));
  EXPECT_TRUE(fails(batchNorm(T("i64[N, 64]"), {}),
                    "batch_norm expects a float input", 0));
  EXPECT_TRUE(fails(batchNorm(x, BatchNormAttrs{0.9, 0}),
                    "batch_norm eps must be positive, got 0", -1));
  EXPECT_TRUE(fails(batchNorm(x, BatchNormAttrs{0.9, -1e-5}),
                    "eps must be positive", -1));
  EXPECT_TRUE(fails(batchNorm(x, BatchNormAttrs{0.9, NAN}), "got nan", -1));
  EXPECT_TRUE(fails(batchNorm(x, BatchNormAttrs{0.9, INFINITY}),
                    "eps must be positive", -1));
  EXPECT_TRUE(fails(batchNorm(x, BatchNormAttrs{1.5}),
                    "batch_norm momentum must be in [0, 1], got 1.5", -1));
  EXPECT_TRUE(fails(batchNorm(x, BatchNormAttrs{-0.1}),
                    "momentum must be in [0, 1]", -1));
  EXPECT_TRUE(fails(batchNorm(x, BatchNormAttrs{NAN}), "momentum", -1));
  EXPECT_TRUE(fails(batchNorm(T("f32[N, C, 8, 8]"), {}),
                    "batch_norm needs a known channel count; dimension 1 is C",
                    0));
}

TEST(Dropout, RateRange) {
  ShapeResult r = dropout(T("f32[N, 4096]"), 0.5);
  EXPECT_EQ(ty(r), "f32[N, 4096]");
  EXPECT_DOUBLE_EQ(r.flopsPerExample, 0); // SPEC 11: the identity when evaluating
  EXPECT_TRUE(dropout(T("f32[N, 10]"), 0).ok());
  EXPECT_TRUE(fails(dropout(T("f32[N, 10]"), 1),
                    "dropout rate must be in [0, 1), got 1", -1));
  EXPECT_TRUE(fails(dropout(T("f32[N, 10]"), -0.1), "got -0.1", -1));
  EXPECT_TRUE(fails(dropout(T("f32[N, 10]"), NAN), "dropout rate", -1));
  EXPECT_TRUE(
      fails(dropout(T("i32[N, 10]"), 0.5), "dropout expects a float input", 0));
}

TEST(Activation, FloatOnlyOneFlopPerElement) {
  ShapeResult r = activation("relu", T("f32[N, 20, 24, 24]"));
  EXPECT_EQ(ty(r), "f32[N, 20, 24, 24]");
  EXPECT_DOUBLE_EQ(r.flopsPerExample, 20.0 * 24 * 24);
  EXPECT_EQ(ty(activation("tanh", T("bf16[]"))), "bf16[]");
  EXPECT_DOUBLE_EQ(activation("sigmoid", T("f32[]")).flopsPerExample, 1);
  EXPECT_TRUE(fails(
      activation("gelu", T("bool[N, 3]")),
      "gelu expects a float input (f32, f16 or bf16), got bool[N, 3]", 0));
  EXPECT_TRUE(
      fails(activation("leaky_relu", T("i64[N]")), "leaky_relu expects", 0));
}

TEST(Scale, FiniteFactor) {
  ShapeResult r = scale(T("f32[N, 3, 4]"), 0.5);
  EXPECT_EQ(ty(r), "f32[N, 3, 4]");
  EXPECT_DOUBLE_EQ(r.flopsPerExample, 12);
  EXPECT_TRUE(fails(scale(T("f32[N]"), INFINITY),
                    "scale factor must be finite, got inf", -1));
  EXPECT_TRUE(fails(scale(T("f32[N]"), NAN), "got nan", -1));
  EXPECT_TRUE(fails(scale(T("i32[N]"), 2), "scale expects a float input", 0));
}

//===-- softmax and losses ------------------------------------------------===//

TEST(Softmax, AxesAndErrors) {
  ShapeResult r = softmax(T("f32[N, 10]"), -1);
  EXPECT_EQ(ty(r), "f32[N, 10]");
  EXPECT_DOUBLE_EQ(r.flopsPerExample, 30);
  EXPECT_EQ(ty(softmax(T("f32[N, 10]"), 1)), "f32[N, 10]");
  EXPECT_EQ(ty(softmax(T("f32[4, N, 10]"), -3)), "f32[4, N, 10]");
  EXPECT_TRUE(fails(softmax(T("f32[N, 10]"), 2),
                    "softmax axis 2 is out of range [-2, 1] for f32[N, 10]",
                    -1));
  EXPECT_TRUE(
      fails(softmax(T("f32[N, 10]"), -3), "axis -3 is out of range", -1));
  EXPECT_TRUE(fails(softmax(T("f32[]"), 0), "out of range", -1));
  EXPECT_TRUE(fails(softmax(T("f32[N, 10]"), 0),
                    "softmax needs a known class count; dimension 0 is N", 0));
  EXPECT_TRUE(
      fails(softmax(T("i32[N, 10]"), 1), "softmax expects a float input", 0));
}

TEST(SoftmaxCrossEntropy, ScalarF32) {
  ShapeResult r = softmaxCrossEntropy(T("f32[N, 10]"), T("i64[N]"));
  EXPECT_EQ(ty(r), "f32[]");
  EXPECT_TRUE(r.params.empty());
  EXPECT_DOUBLE_EQ(r.flopsPerExample, 40);
  EXPECT_EQ(ty(softmaxCrossEntropy(T("bf16[64, 1000]"), T("i32[64]"))),
            "f32[]");
}

TEST(SoftmaxCrossEntropy, Errors) {
  const auto sce = softmaxCrossEntropy;
  EXPECT_TRUE(fails(sce(T("f32[64, 10]"), T("i64[N]")),
                    "labels have batch N but logits have batch 64", 1));
  EXPECT_EQ(sce(T("f32[64, 10]"), T("i64[N]")).error,
            "labels have batch N but logits have batch 64");
  EXPECT_TRUE(fails(sce(T("f32[N, 10]"), T("i64[M]")),
                    "labels have batch M but logits have batch N", 1));
  EXPECT_TRUE(fails(sce(T("f32[32, 10]"), T("i64[64]")),
                    "batch 64 but logits have batch 32", 1));
  EXPECT_TRUE(fails(sce(T("f32[N, 10, 3]"), T("i64[N]")),
                    "softmax_cross_entropy expects 2-D logits [N, classes], "
                    "got f32[N, 10, 3]",
                    0));
  EXPECT_TRUE(fails(sce(T("i32[N, 10]"), T("i64[N]")),
                    "softmax_cross_entropy expects float logits", 0));
  EXPECT_TRUE(fails(sce(T("f32[N, K]"), T("i64[N]")),
                    "needs a known class count; dimension 1 is K", 0));
  EXPECT_TRUE(fails(sce(T("f32[N, 0]"), T("i64[N]")),
                    "needs at least 1 class, got f32[N, 0]", 0));
  EXPECT_TRUE(fails(
      sce(T("f32[N, 10]"), T("f32[N]")),
      "softmax_cross_entropy expects integer labels (i32 or i64), got f32[N]",
      1));
  EXPECT_TRUE(fails(sce(T("f32[N, 10]"), T("bool[N]")), "integer labels", 1));
  EXPECT_TRUE(fails(sce(T("f32[N, 10]"), T("i64[N, 10]")),
                    "expects 1-D labels [N], got i64[N, 10]", 1));
  EXPECT_TRUE(fails(sce(T("f32[N, 10]"), T("i64[]")), "1-D labels", 1));
}

TEST(Accuracy, TopK) {
  ShapeResult r = accuracy(T("f32[N, 1000]"), T("i32[N]"), 5);
  EXPECT_EQ(ty(r), "f32[]");
  EXPECT_DOUBLE_EQ(r.flopsPerExample, 1000); // SPEC 11: K, whatever top_k
  EXPECT_TRUE(accuracy(T("f32[N, 10]"), T("i64[N]"), 10).ok());
  EXPECT_TRUE(fails(accuracy(T("f32[N, 10]"), T("i64[N]"), 0),
                    "accuracy top_k must be in [1, 10], got 0", -1));
  EXPECT_TRUE(fails(accuracy(T("f32[N, 10]"), T("i64[N]"), 11), "got 11", -1));
  EXPECT_TRUE(fails(accuracy(T("f32[N, 10]"), T("i64[B]"), 1),
                    "labels have batch B", 1));
  EXPECT_TRUE(fails(accuracy(T("f32[N, 10]"), T("f32[N]"), 1),
                    "accuracy expects integer labels", 1));
  EXPECT_TRUE(fails(accuracy(T("f32[N]"), T("i64[N]"), 1),
                    "accuracy expects 2-D logits", 0));
}

//===-- flatten, reshape, transpose, concat -------------------------------===//

TEST(Flatten, Axes) {
  EXPECT_EQ(ty(flatten(T("f32[N, 50, 4, 4]"), 1)), "f32[N, 800]");
  EXPECT_EQ(ty(flatten(T("f32[N, 50, 4, 4]"), -3)), "f32[N, 800]");
  EXPECT_EQ(ty(flatten(T("f32[N, 50, 4, 4]"), 2)), "f32[N, 50, 16]");
  EXPECT_EQ(ty(flatten(T("f32[N, 50, 4, 4]"), 3)), "f32[N, 50, 4, 4]");
  EXPECT_EQ(ty(flatten(T("f32[N, 50, 4, 4]"), 4)), "f32[N, 50, 4, 4, 1]");
  EXPECT_EQ(ty(flatten(T("f32[64, 50, 4, 4]"), 0)), "f32[51200]");
  EXPECT_EQ(ty(flatten(T("f32[N]"), 0)),
            "f32[N]"); // a single dim is kept, even symbolic
  EXPECT_EQ(ty(flatten(T("f32[N, C]"), -1)), "f32[N, C]");
  EXPECT_EQ(ty(flatten(T("i64[]"), 0)), "i64[1]");
  EXPECT_DOUBLE_EQ(flatten(T("f32[N, 50, 4, 4]"), 1).flopsPerExample, 0);
}

TEST(Flatten, Errors) {
  EXPECT_TRUE(fails(flatten(T("f32[N, 50, 4, 4]"), 5),
                    "flatten axis 5 is out of range [-4, 4]", -1));
  EXPECT_TRUE(
      fails(flatten(T("f32[N, 50, 4, 4]"), -5), "axis -5 is out of range", -1));
  EXPECT_TRUE(fails(flatten(T("f32[]"), 1), "out of range [0, 0]", -1));
  EXPECT_TRUE(fails(flatten(T("f32[N, 50, 4, 4]"), 0),
                    "flatten needs known dimensions to merge; dimension 0 is N",
                    0));
  EXPECT_TRUE(fails(flatten(T("f32[N, C, H, W]"), 1), "dimension 1 is C", 0));
  EXPECT_TRUE(
      fails(flatten(T("f32[N, 4294967296, 4294967296]"), 1), "too large", 0));
}

TEST(Reshape, KnownAndInferred) {
  EXPECT_EQ(ty(reshape(T("f32[N, 784]"), D("[N, 1, 28, 28]"))),
            "f32[N, 1, 28, 28]");
  EXPECT_EQ(ty(reshape(T("f32[N, 1, 28, 28]"), D("[N, -1]"))), "f32[N, 784]");
  EXPECT_EQ(ty(reshape(T("f32[64, 784]"), D("[-1, 28, 28]"))),
            "f32[64, 28, 28]");
  EXPECT_EQ(ty(reshape(T("f32[N, 6, 4]"), D("[4, N, -1]"))), "f32[4, N, 6]");
  EXPECT_EQ(ty(reshape(T("f32[]"), D("[1, 1]"))), "f32[1, 1]");
  EXPECT_EQ(ty(reshape(T("f32[1]"), D("[]"))), "f32[]");
  EXPECT_EQ(ty(reshape(T("f32[N, 0]"), D("[0, N, 5]"))), "f32[0, N, 5]");
  EXPECT_EQ(ty(reshape(T("f32[N]"), D("[N, -1]"))), "f32[N, 1]");
  // Extension: the -1 stands for the one symbol the target leaves out.
  EXPECT_EQ(ty(reshape(T("f32[N, 1, 28, 28]"), D("[-1, 784]"))), "f32[N, 784]");
  EXPECT_DOUBLE_EQ(
      reshape(T("f32[N, 784]"), D("[N, 1, 28, 28]")).flopsPerExample, 0);
}

TEST(Reshape, Errors) {
  TensorType x = T("f32[N, 784]");
  EXPECT_TRUE(fails(reshape(x, D("[-1, -1]")),
                    "reshape allows at most one -1, got [-1, -1]", -1));
  EXPECT_TRUE(fails(reshape(x, D("[N, -2]")),
                    "reshape dims must be >= 0 or -1, got [N, -2]", -1));
  EXPECT_TRUE(fails(reshape(x, D("[N, 28, 29]")),
                    "reshape cannot turn f32[N, 784] into [N, 28, 29]: element "
                    "counts differ (N*784 vs N*812 elements)",
                    0));
  EXPECT_TRUE(fails(reshape(x, D("[M, 784]")),
                    "element counts differ (N*784 vs M*784 elements)", 0));
  EXPECT_TRUE(fails(reshape(x, D("[784]")), "(N*784 vs 784 elements)", 0));
  EXPECT_TRUE(fails(reshape(T("f32[N, 10]"), D("[N, -1, 3]")),
                    "reshape cannot turn f32[N, 10] into [N, -1, 3]: -1 cannot "
                    "be inferred (N*10 vs N*3 elements)",
                    0));
  EXPECT_TRUE(fails(reshape(T("f32[N, 0]"), D("[N, 0, -1]")),
                    "-1 cannot be inferred", 0));
  EXPECT_TRUE(fails(reshape(T("f32[N, 10]"), D("[N, 0, -1]")),
                    "-1 cannot be inferred", 0));
  EXPECT_TRUE(fails(reshape(T("f32[N, M, 4]"), D("[-1, 4]")),
                    "-1 cannot be inferred (M*N*4 vs 4 elements)", 0));
  EXPECT_TRUE(fails(reshape(T("f32[N, 2, 392]"), D("[-1, 392]")),
                    "-1 cannot be inferred", 0));
  EXPECT_TRUE(
      fails(reshape(x, D("[N, 4611686018427387904, 4]")), "too large", -1));
}

TEST(Transpose, Permutations) {
  EXPECT_EQ(ty(transpose(T("f32[N, 3, 32, 24]"), {0, 2, 3, 1})),
            "f32[N, 32, 24, 3]");
  EXPECT_EQ(ty(transpose(T("i32[A, B]"), {1, 0})), "i32[B, A]");
  EXPECT_EQ(ty(transpose(T("f32[]"), {})), "f32[]");
  EXPECT_TRUE(fails(transpose(T("f32[N, 3, 4]"), {0, 2, 2}),
                    "transpose perm [0, 2, 2] is not a permutation of 0..2",
                    -1));
  EXPECT_EQ(transpose(T("f32[N, 3, 4]"), {0, 2, 2}).error,
            "transpose perm [0, 2, 2] is not a permutation of 0..2");
  EXPECT_TRUE(
      fails(transpose(T("f32[N, 3, 4]"), {0, 1}), "perm [0, 1] is not", -1));
  EXPECT_TRUE(fails(transpose(T("f32[N, 3, 4]"), {0, 1, 2, 3}),
                    "not a permutation", -1));
  EXPECT_TRUE(
      fails(transpose(T("f32[N, 3, 4]"), {0, -1, 2}), "not a permutation", -1));
  EXPECT_TRUE(
      fails(transpose(T("f32[N, 3, 4]"), {0, 1, 3}), "not a permutation", -1));
  EXPECT_TRUE(fails(transpose(T("f32[N, 3, 4]"), {0, 1, kMax}),
                    "not a permutation", -1));
}

TEST(Concat, GoogLeNetInception3a) {
  std::vector<TensorType> xs{T("f32[N, 64, 28, 28]"), T("f32[N, 128, 28, 28]"),
                             T("f32[N, 32, 28, 28]"), T("f32[N, 32, 28, 28]")};
  ShapeResult r = concat(xs, 1);
  EXPECT_EQ(ty(r), "f32[N, 256, 28, 28]");
  EXPECT_DOUBLE_EQ(r.flopsPerExample, 0);
  EXPECT_EQ(ty(concat(xs, -3)), "f32[N, 256, 28, 28]");
  EXPECT_EQ(ty(concat({T("i64[N, 3]")}, 1)), "i64[N, 3]");
  EXPECT_EQ(ty(concat({T("f32[2, N]"), T("f32[5, N]")}, 0)), "f32[7, N]");
}

TEST(Concat, Errors) {
  EXPECT_TRUE(fails(concat({}, 0), "concat needs at least one input", -1));
  EXPECT_TRUE(fails(concat({T("f32[]")}, 0),
                    "concat needs inputs of rank >= 1, got f32[]", 0));
  EXPECT_TRUE(fails(concat({T("f32[N, 3]"), T("f32[N, 3]")}, 2),
                    "concat axis 2 is out of range [-2, 1]", -1));
  EXPECT_TRUE(
      fails(concat({T("f32[N, 3]"), T("f32[N, 3]"), T("f32[N, 3, 1]")}, 1),
            "concat input 2 has a different rank than input 0 (f32[N, 3, 1] vs "
            "f32[N, 3])",
            2));
  EXPECT_TRUE(fails(concat({T("f32[N, 3]"), T("i32[N, 3]")}, 1),
                    "concat input 1 has a different element type", 1));
  EXPECT_TRUE(fails(concat({T("f32[N, 3, 4]"), T("f32[N, 5, 6]")}, 1),
                    "concat input 1 differs from input 0 in dimension 2: 6 vs "
                    "4 (f32[N, 5, 6] vs f32[N, 3, 4])",
                    1));
  EXPECT_TRUE(fails(concat({T("f32[N, 3]"), T("f32[M, 3]")}, 1),
                    "dimension 0: M vs N", 1));
  EXPECT_TRUE(fails(
      concat({T("f32[N, 3]"), T("f32[N, C]")}, 1),
      "concat needs known extents on the concat axis; dimension 1 is C", 1));
  EXPECT_TRUE(fails(concat({T("f32[N, 3]"), T("f32[N, 3]")}, 0),
                    "dimension 0 is N", 0));
  EXPECT_TRUE(fails(concat({T("f32[9223372036854775807]"), T("f32[1]")}, 0),
                    "too large", -1));
  EXPECT_TRUE(fails(concat({T("f32[N, 3]"), T("f32[N, -3]")}, 1),
                    "negative dimension", 1));
}

//===-- broadcast ---------------------------------------------------------===//

TEST(Broadcast, NumPyRules) {
  ShapeResult r = broadcast("add", T("f32[N, 10]"), T("f32[10]"));
  EXPECT_EQ(ty(r), "f32[N, 10]");
  EXPECT_DOUBLE_EQ(r.flopsPerExample, 10);
  EXPECT_EQ(ty(broadcast("mul", T("f32[3, 1]"), T("f32[1, 4]"))), "f32[3, 4]");
  EXPECT_EQ(ty(broadcast("sub", T("f32[N, 1]"), T("f32[1, 5]"))), "f32[N, 5]");
  EXPECT_EQ(ty(broadcast("div", T("f32[]"), T("f32[N, 2, 3]"))),
            "f32[N, 2, 3]");
  EXPECT_EQ(ty(broadcast("add", T("f32[1]"), T("f32[N]"))), "f32[N]");
  EXPECT_EQ(ty(broadcast("add", T("i32[N, 3, 1, 5]"), T("i32[4, 1]"))),
            "i32[N, 3, 4, 5]");
  EXPECT_EQ(ty(broadcast("add", T("f32[0, 1]"), T("f32[1, 3]"))), "f32[0, 3]");
  EXPECT_EQ(ty(broadcast("add", T("f32[2, 3]"), T("f32[4, 2, 1]"))),
            "f32[4, 2, 3]");
  EXPECT_DOUBLE_EQ(
      broadcast("add", T("f32[2, 1]"), T("f32[1, 3]")).flopsPerExample, 6);
}

TEST(Broadcast, DivTakesFloatTensorsOnly) {
  // SPEC 11.4: "div takes float tensors only"; add, sub and mul take any.
  EXPECT_TRUE(fails(broadcast("div", T("i32[N, 4]"), T("i32[N, 4]")),
                    "div expects float tensors (f32, f16 or bf16), got i32[N, 4]", 0));
  EXPECT_TRUE(fails(broadcast("div", T("i64[2]"), T("i64[2]")), "float tensors", 0));
  EXPECT_TRUE(broadcast("mul", T("i32[N, 4]"), T("i32[N, 4]")).ok());
  EXPECT_EQ(ty(broadcast("div", T("bf16[N, 4]"), T("bf16[4]"))), "bf16[N, 4]");
}

TEST(Broadcast, Errors) {
  EXPECT_EQ(
      broadcast("add", T("f32[N, 10]"), T("f32[N, 20]")).error,
      "cannot broadcast f32[N, 10] and f32[N, 20]: dimension 1 is 10 vs 20");
  EXPECT_TRUE(fails(broadcast("add", T("f32[N, 10]"), T("f32[N, 20]")),
                    "dimension 1 is 10 vs 20", 1));
  EXPECT_TRUE(fails(broadcast("add", T("f32[N]"), T("f32[M]")),
                    "dimension 0 is N vs M", 1));
  EXPECT_TRUE(fails(broadcast("add", T("f32[N, 3]"), T("f32[3, 3]")),
                    "dimension 0 is N vs 3", 1));
  EXPECT_TRUE(fails(broadcast("mul", T("f32[N, 3]"), T("i32[N, 3]")),
                    "mul expects operands of the same element type, got f32[N, "
                    "3] and i32[N, 3]",
                    1));
  EXPECT_TRUE(
      fails(broadcast("add", T("f32[4294967296, 1]"), T("f32[1, 4294967296]")),
            "too large", -1));
  EXPECT_TRUE(fails(broadcast("add", T("f32[-1]"), T("f32[1]")),
                    "negative dimension", 0));
}

//===-- Published architectures -------------------------------------------===//

TEST(Architectures, LeNetCaffeMnist) {
  ShapeResult c1 = conv2d(T("f32[N, 1, 28, 28]"), conv(20, 5));
  ShapeResult p1 = maxPool(*c1.type, pool(2, 2));
  ShapeResult c2 = conv2d(*p1.type, conv(50, 5));
  ShapeResult p2 = maxPool(*c2.type, pool(2, 2));
  ShapeResult f = flatten(*p2.type, 1);
  ShapeResult d1 = dense(*f.type, fc(500));
  ShapeResult a = activation("relu", *d1.type);
  ShapeResult d2 = dense(*a.type, fc(10));
  ShapeResult loss = softmaxCrossEntropy(*d2.type, T("i32[N]"));
  EXPECT_EQ(ty(c1), "f32[N, 20, 24, 24]");
  EXPECT_EQ(ty(p1), "f32[N, 20, 12, 12]");
  EXPECT_EQ(ty(c2), "f32[N, 50, 8, 8]");
  EXPECT_EQ(ty(p2), "f32[N, 50, 4, 4]");
  EXPECT_EQ(ty(f), "f32[N, 800]");
  EXPECT_EQ(ty(d1), "f32[N, 500]");
  EXPECT_EQ(ty(d2), "f32[N, 10]");
  EXPECT_EQ(ty(loss), "f32[]");
  EXPECT_EQ(numParams(c1), 520);
  EXPECT_EQ(numParams(c2), 25050);
  EXPECT_EQ(numParams(d1), 400500);
  EXPECT_EQ(numParams(d2), 5010);
  EXPECT_EQ(numParams(c1) + numParams(c2) + numParams(d1) + numParams(d2),
            431080);
}

TEST(Architectures, AlexNetBvlc) {
  ShapeResult c1 = conv2d(T("f32[N, 3, 227, 227]"), conv(96, 11, 4));
  ShapeResult n1 = lrn(*c1.type, LrnAttrs{5});
  ShapeResult p1 = maxPool(*n1.type, pool(3, 2));
  ShapeResult c2 = conv2d(*p1.type, conv(256, 5, 1, 2, 2));
  ShapeResult p2 = maxPool(*c2.type, pool(3, 2));
  ShapeResult c3 = conv2d(*p2.type, conv(384, 3, 1, 1));
  ShapeResult c4 = conv2d(*c3.type, conv(384, 3, 1, 1, 2));
  ShapeResult c5 = conv2d(*c4.type, conv(256, 3, 1, 1, 2));
  ShapeResult p5 = maxPool(*c5.type, pool(3, 2));
  ShapeResult f = flatten(*p5.type, 1);
  ShapeResult fc6 = dense(*f.type, fc(4096));
  ShapeResult fc7 = dense(*fc6.type, fc(4096));
  ShapeResult fc8 = dense(*fc7.type, fc(1000));
  EXPECT_EQ(ty(c1), "f32[N, 96, 55, 55]");
  EXPECT_EQ(ty(p1), "f32[N, 96, 27, 27]");
  EXPECT_EQ(ty(c2), "f32[N, 256, 27, 27]");
  EXPECT_EQ(ty(p2), "f32[N, 256, 13, 13]");
  EXPECT_EQ(ty(c3), "f32[N, 384, 13, 13]");
  EXPECT_EQ(ty(c4), "f32[N, 384, 13, 13]");
  EXPECT_EQ(ty(c5), "f32[N, 256, 13, 13]");
  EXPECT_EQ(ty(p5), "f32[N, 256, 6, 6]");
  EXPECT_EQ(ty(f), "f32[N, 9216]");
  EXPECT_EQ(ty(fc8), "f32[N, 1000]");
  EXPECT_EQ(params(c2), "weight[256, 48, 5, 5] bias[256]");
  EXPECT_EQ(numParams(c1), 34944);
  EXPECT_EQ(numParams(c2), 307456);
  EXPECT_EQ(numParams(c3), 885120);
  EXPECT_EQ(numParams(c4), 663936);
  EXPECT_EQ(numParams(c5), 442624);
  EXPECT_EQ(numParams(fc6), 37752832);
  EXPECT_EQ(numParams(fc7), 16781312);
  EXPECT_EQ(numParams(fc8), 4097000);
  int64_t total = 0;
  for (const ShapeResult *r : {&c1, &c2, &c3, &c4, &c5, &fc6, &fc7, &fc8})
    total += numParams(*r);
  EXPECT_EQ(total, 60965224);
  // conv1: 2 * 96 * 3 * 121 * 55 * 55 multiply-adds plus the bias adds.
  EXPECT_DOUBLE_EQ(c1.flopsPerExample, 2.0 * 96 * 3 * 121 * 3025 + 96 * 3025);
}

TEST(Architectures, GoogLeNetStemCeilPooling) {
  ShapeResult c1 = conv2d(T("f32[N, 3, 224, 224]"), conv(64, 7, 2, 3));
  EXPECT_EQ(ty(c1), "f32[N, 64, 112, 112]");
  EXPECT_EQ(ty(maxPool(*c1.type, pool(3, 2, 0, true))), "f32[N, 64, 56, 56]");
  EXPECT_EQ(ty(maxPool(*c1.type, pool(3, 2, 0, false))), "f32[N, 64, 55, 55]");
}

} // namespace
