//===- InitTest.cpp - Initializer statistics and determinism --------------===//
#include "runtime/Init.h"
#include "runtime/Philox.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <vector>

using nnc::InitSpec;
using nnc::initTensor;

namespace {

constexpr int64_t kSamples = 100000;

struct Stats {
  double mean = 0, std = 0, min = 1e300, max = -1e300;
};

Stats statsOf(const std::vector<float> &v) {
  Stats s;
  for (float x : v) {
    s.mean += x;
    s.min = std::min<double>(s.min, x);
    s.max = std::max<double>(s.max, x);
  }
  s.mean /= double(v.size());
  for (float x : v)
    s.std += (x - s.mean) * (x - s.mean);
  s.std = std::sqrt(s.std / double(v.size()));
  return s;
}

std::vector<float> draw(const InitSpec &spec, int64_t fanIn = 1, uint64_t seed = 7,
                        uint64_t stream = 3, int64_t n = kSamples) {
  std::vector<float> v(size_t(n), -12345.0f);
  initTensor(v.data(), n, spec, fanIn, 1, seed, stream);
  return v;
}

// Mean within 5 standard errors, standard deviation within 1.5%.
void expectStats(const std::vector<float> &v, double mean, double std) {
  Stats s = statsOf(v);
  EXPECT_NEAR(s.mean, mean, 5 * std / std::sqrt(double(v.size())));
  EXPECT_NEAR(s.std, std, 0.015 * std);
}

TEST(Init, Constant) {
  auto v = draw(InitSpec::constant(0.25), 1, 7, 3, 1000);
  EXPECT_TRUE(std::all_of(v.begin(), v.end(), [](float x) { return x == 0.25f; }));
}

TEST(Init, Uniform) {
  auto v = draw(InitSpec::uniform(-2, 3));
  expectStats(v, 0.5, 5 / std::sqrt(12.0));
  Stats s = statsOf(v);
  EXPECT_GE(s.min, -2.0);
  EXPECT_LT(s.max, 3.0);
  EXPECT_LT(s.min, -1.99);
  EXPECT_GT(s.max, 2.99);
}

TEST(Init, Gaussian) {
  auto v = draw(InitSpec::gaussian(1, 0.5));
  expectStats(v, 1, 0.5);
  // Tails: about 0.27% of normal draws lie beyond 3 standard deviations.
  auto beyond3 = std::count_if(v.begin(), v.end(), [](float x) { return std::fabs(x - 1) > 1.5; });
  EXPECT_NEAR(double(beyond3) / kSamples, 0.0027, 0.001);
}

TEST(Init, XavierIsCaffesFanInUniform) {
  int64_t fanIn = 50;
  double a = std::sqrt(3.0 / fanIn);
  auto v = draw(InitSpec::xavier(), fanIn);
  expectStats(v, 0, a / std::sqrt(3.0));
  Stats s = statsOf(v);
  EXPECT_GE(s.min, -a);
  EXPECT_LE(s.max, a);
}

TEST(Init, Msra) {
  auto v = draw(InitSpec::msra(), 50);
  expectStats(v, 0, std::sqrt(2.0 / 50));
}

TEST(Init, DeterministicAndIndependentOfLength) {
  auto a = draw(InitSpec::gaussian(0, 1), 1, 7, 3, 1000);
  auto b = draw(InitSpec::gaussian(0, 1), 1, 7, 3, 10);
  EXPECT_EQ(a, draw(InitSpec::gaussian(0, 1), 1, 7, 3, 1000));
  EXPECT_TRUE(std::equal(b.begin(), b.end(), a.begin())) << "element i depends only on i";
  EXPECT_NE(a, draw(InitSpec::gaussian(0, 1), 1, 7, 4, 1000)) << "streams differ";
  EXPECT_NE(a, draw(InitSpec::gaussian(0, 1), 1, 8, 3, 1000)) << "seeds differ";
}

TEST(Init, XavierAndMsraOtherFans) {
  // A conv2d weight [O, C/groups, kh, kw] has fan_in (C/groups)·kh·kw: 3·5·5.
  int64_t conv = 75;
  double a = std::sqrt(3.0 / conv);
  auto x = draw(InitSpec::xavier(), conv);
  expectStats(x, 0, a / std::sqrt(3.0));
  Stats s = statsOf(x);
  EXPECT_GE(s.min, -a);
  EXPECT_LE(s.max, a);
  EXPECT_LT(s.min, -0.99 * a);
  EXPECT_GT(s.max, 0.99 * a);
  expectStats(draw(InitSpec::msra(), 1), 0, std::sqrt(2.0));
  expectStats(draw(InitSpec::msra(), 800), 0, std::sqrt(2.0 / 800));
  // A fan_in below 1 counts as 1.
  EXPECT_EQ(draw(InitSpec::xavier(), 0, 7, 3, 1000), draw(InitSpec::xavier(), 1, 7, 3, 1000));
}

TEST(Init, FanInConventionIgnoresFanOut) {
  // SPEC 11.1: xavier and msra scale with fan_in alone (Caffe's FAN_IN); the same
  // draws scaled by sqrt(fan_in ratio).
  for (InitSpec spec : {InitSpec::xavier(), InitSpec::msra()}) {
    std::vector<float> a(1000), b(1000), c(1000);
    initTensor(a.data(), 1000, spec, 50, 1, 7, 3);
    initTensor(b.data(), 1000, spec, 50, 4096, 7, 3);
    initTensor(c.data(), 1000, spec, 200, 1, 7, 3);
    EXPECT_EQ(a, b);
    for (size_t i = 0; i < a.size(); ++i) ASSERT_NEAR(c[i], 0.5 * a[i], 1e-6 * std::fabs(a[i]) + 1e-12);
  }
}

TEST(Init, EveryInitializerIsDeterministic) {
  struct Case {
    const char *name;
    InitSpec spec;
  };
  for (const Case &c : {Case{"constant", InitSpec::constant(0.5)}, Case{"uniform", InitSpec::uniform(-1, 1)},
                        Case{"gaussian", InitSpec::gaussian(0, 1)}, Case{"xavier", InitSpec::xavier()},
                        Case{"msra", InitSpec::msra()}}) {
    auto a = draw(c.spec, 20, 11, 5, 4096), b = draw(c.spec, 20, 11, 5, 4096);
    EXPECT_EQ(std::memcmp(a.data(), b.data(), a.size() * sizeof(float)), 0) << c.name << ": same seed, same bits";
    if (c.spec.kind == InitSpec::Kind::Constant) continue;
    auto otherSeed = draw(c.spec, 20, 12, 5, 4096), otherStream = draw(c.spec, 20, 11, 6, 4096);
    EXPECT_NE(a, otherSeed) << c.name << ": seeds differ";
    EXPECT_NE(a, otherStream) << c.name << ": streams (parameter names) differ";
    // Not just a few elements: different seeds give unrelated draws.
    size_t same = 0;
    for (size_t i = 0; i < a.size(); ++i) same += a[i] == otherSeed[i];
    EXPECT_LT(same, a.size() / 100) << c.name;
    // Seeds that differ only in the high 32 bits differ too.
    EXPECT_NE(a, draw(c.spec, 20, 11 + (uint64_t(1) << 32), 5, 4096)) << c.name;
  }
}

TEST(Init, PinnedValues) {
  // Element 0 of seed 0, stream 0 uses Philox's first known-answer block.
  float u = 0;
  initTensor(&u, 1, InitSpec::uniform(0, 1), 1, 1, 0, 0);
  EXPECT_EQ(u, float(0x6627e8) * 0x1p-24f);
  float g = 0;
  initTensor(&g, 1, InitSpec::gaussian(0, 1), 1, 1, 0, 0);
  EXPECT_EQ(g, nnc::Philox::normal(0x6627e8d5, 0xe169c58d));
  EXPECT_NEAR(g, 0.991137, 1e-5); // sqrt(-2 ln(0x6627e9 / 2^24)) cos(2 pi 0xe169c5 / 2^24)
}

} // namespace
