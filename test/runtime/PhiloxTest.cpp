//===- PhiloxTest.cpp - Philox4x32-10 known answers -----------------------===//
#include "runtime/Philox.h"

#include <gtest/gtest.h>

#include <cmath>

using nnc::Philox;

namespace {

// Known-answer vectors of Random123's kat_vectors (philox4x32, 10 rounds).
TEST(Philox, KnownAnswers) {
  EXPECT_EQ(Philox::block({0, 0, 0, 0}, {0, 0}),
            (Philox::Counter{0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8}));
  EXPECT_EQ(Philox::block({0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff},
                          {0xffffffff, 0xffffffff}),
            (Philox::Counter{0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd}));
  EXPECT_EQ(Philox::block({0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344},
                          {0xa4093822, 0x299f31d0}),
            (Philox::Counter{0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1}));
}

TEST(Philox, BlockIsAConstantExpression) {
  static_assert(Philox::block({0, 0, 0, 0}, {0, 0})[0] == 0x6627e8d5u);
  static_assert(nnc::stableHash("") == 0xcbf29ce484222325ull);
}

TEST(Philox, CounterLayout) {
  // Key = seed, counter = (index, stream), low words first.
  EXPECT_EQ(Philox::at(0xffffffffffffffffull, 0xffffffffffffffffull, 0xffffffffffffffffull),
            (Philox::Counter{0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd}));
  EXPECT_EQ(Philox::at(0x299f31d0a4093822ull, 0x0370734413198a2eull, 0x85a308d3243f6a88ull),
            (Philox::Counter{0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1}));
}

TEST(Philox, SequentialGeneratorWalksTheBlocks) {
  Philox g(0, 0);
  EXPECT_EQ(g.next32(), 0x6627e8d5u);
  EXPECT_EQ(g.next32(), 0xe169c58du);
  EXPECT_EQ(g.next64(), 0x9b00dbd8bc57ac4cull);
  EXPECT_EQ(g.next32(), Philox::at(0, 0, 1)[0]);
}

TEST(Philox, FloatConversions) {
  EXPECT_EQ(Philox::uniform(0), 0.0f);
  EXPECT_LT(Philox::uniform(0xffffffff), 1.0f);
  EXPECT_EQ(Philox::uniform(0xffffffff), 1.0f - 0x1p-24f);
  EXPECT_EQ(Philox::uniform(0x6627e8d5), float(0x6627e8) * 0x1p-24f);
  // u1 = 1 gives radius 0; u1 at its smallest stays finite.
  EXPECT_EQ(Philox::normal(0xffffffff, 0), 0.0f);
  EXPECT_TRUE(std::isfinite(Philox::normal(0, 0)));
  EXPECT_NEAR(Philox::normal(0, 0), std::sqrt(-2.0 * std::log(0x1p-24)), 1e-5);
}

} // namespace
