//===- DropoutTest.cpp - nnc_dropout_mask ---------------------------------===//
#include "runtime/Dropout.h"
#include "runtime/Runtime.h"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

namespace {

std::vector<float> draw(int32_t threads, int64_t stream, uint64_t seed, uint64_t step, float rate, int64_t n) {
  nnc_ctx *ctx = nnc_ctx_create(threads);
  std::vector<float> mask(n, -1.0f);
  nnc_dropout_mask(ctx, stream, seed, step, rate, n, mask.data());
  EXPECT_EQ(nnc_ctx_error(ctx), nullptr);
  nnc_ctx_destroy(ctx);
  return mask;
}

TEST(Dropout, SameMaskOnEveryThreadCountAndCall) {
  // An odd length: chunks split mid-block.
  auto one = draw(1, 7, 42, 3, 0.5f, 10007);
  EXPECT_EQ(one, draw(1, 7, 42, 3, 0.5f, 10007));
  EXPECT_EQ(one, draw(2, 7, 42, 3, 0.5f, 10007));
  EXPECT_EQ(one, draw(3, 7, 42, 3, 0.5f, 10007));
  // The header's function (what the reference evaluator uses) gives it too.
  std::vector<double> ref(10007);
  nnc::dropoutMask(42, 7, 3, 0.5f, 0, 10007, ref.data());
  for (size_t i = 0; i < ref.size(); ++i) ASSERT_EQ(ref[i], one[i]) << i;
  // A prefix is the same whatever the length.
  auto shorter = draw(2, 7, 42, 3, 0.5f, 13);
  EXPECT_TRUE(std::equal(shorter.begin(), shorter.end(), one.begin()));
}

TEST(Dropout, StepStreamAndSeedEachChangeTheMask) {
  auto base = draw(1, 7, 42, 3, 0.5f, 4096);
  for (auto other : {draw(1, 7, 42, 4, 0.5f, 4096), draw(1, 8, 42, 3, 0.5f, 4096), draw(1, 7, 43, 3, 0.5f, 4096)}) {
    int64_t same = 0;
    for (size_t i = 0; i < base.size(); ++i) same += base[i] == other[i];
    // Independent halves agree about half the time (4 sigma = 128).
    EXPECT_NEAR(same, 2048, 128);
  }
}

TEST(Dropout, KeepsOneMinusRate) {
  const int64_t n = 1 << 18;
  for (float rate : {0.1f, 0.25f, 0.5f, 0.9f}) {
    auto m = draw(2, 1, 0, 0, rate, n);
    double kept = 0;
    for (float v : m) {
      ASSERT_TRUE(v == 0.0f || v == 1.0f);
      kept += v;
    }
    double p = 1 - rate, sigma = std::sqrt(n * p * (1 - p));
    EXPECT_NEAR(kept, n * p, 5 * sigma) << "rate " << rate;
    // Neighbours are independent: pairs both kept about p^2 of the time.
    double both = 0;
    for (int64_t i = 0; i + 1 < n; i += 2) both += m[i] * m[i + 1];
    double pairs = n / 2.0, q = p * p;
    EXPECT_NEAR(both, pairs * q, 5 * std::sqrt(pairs * q * (1 - q))) << "rate " << rate;
  }
  auto all = draw(1, 1, 0, 0, 0.0f, 1000);
  for (float v : all) EXPECT_EQ(v, 1.0f);
}

TEST(Dropout, RejectsARateOfOne) {
  nnc_ctx *ctx = nnc_ctx_create(1);
  std::vector<float> mask(8, -1.0f);
  nnc_dropout_mask(ctx, 0, 0, 0, 1.0f, 8, mask.data());
  EXPECT_NE(nnc_ctx_error(ctx), nullptr);
  nnc_ctx_destroy(ctx);
}

} // namespace
