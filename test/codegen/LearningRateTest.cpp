// The learning-rate policies of SPEC 12 against hand-computed values. Each
// `lr` is written in a solver section and checked by the front end, so the
// test sees the Value nnc train sees (defaults filled, products flattened).
#include "codegen/Trainer.h"
#include "test/unit/TestUtil.h"

#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <utility>
#include <vector>

using namespace nnc;

namespace {

/// The checked value of `lr = <text>` in a minimal trainable file.
Value lrOf(const std::string &text) {
  test::TempDir dir;
  test::Checked c = test::checkText("nn 1\n"
                                    "\n"
                                    "network n {\n"
                                    "  input x: f32[N, 4]\n"
                                    "  input label: i32[N]\n"
                                    "  output loss = softmax_cross_entropy(dense(x, out=3), label)\n"
                                    "}\n"
                                    "\n"
                                    "solver {\n"
                                    "  method = sgd()\n"
                                    "  lr = " + text + "\n"
                                    "}\n",
                                    dir);
  EXPECT_EQ(c.errors(), 0u) << text << ": " << c.firstMessage();
  EXPECT_TRUE(c.program.solver.present);
  return c.program.solver.lr;
}

/// Checks learningRate(lr, t) at each (t, expected) pair.
void expectRates(const std::string &text, const std::vector<std::pair<int64_t, double>> &expected) {
  Value lr = lrOf(text);
  ASSERT_FALSE(lr.isError()) << text;
  for (auto [t, want] : expected)
    EXPECT_NEAR(learningRate(lr, t), want, 1e-12 + 1e-9 * std::fabs(want)) << text << " at t = " << t;
}

TEST(LearningRate, PlainNumber) {
  expectRates("0.01", {{0, 0.01}, {1, 0.01}, {1000000, 0.01}});
}

TEST(LearningRate, Fixed) {
  expectRates("0.1 * fixed()", {{0, 0.1}, {1, 0.1}, {99999, 0.1}});
}

TEST(LearningRate, NumbersMultiplyIntoTheBase) {
  expectRates("0.5 * 0.2", {{0, 0.1}, {7, 0.1}});
  expectRates("0.5 * fixed() * 0.2", {{0, 0.1}, {7, 0.1}});
}

TEST(LearningRate, Step) {
  // gamma^floor(t / step)
  expectRates("0.1 * step(gamma=0.5, step=10)",
              {{0, 0.1}, {1, 0.1}, {9, 0.1}, {10, 0.05}, {19, 0.05}, {20, 0.025}, {25, 0.025}});
}

TEST(LearningRate, Multistep) {
  // gamma^k, k the number of steps <= t
  expectRates("0.1 * multistep(gamma=0.1, steps=[5, 8])",
              {{0, 0.1}, {1, 0.1}, {4, 0.1}, {5, 0.01}, {7, 0.01}, {8, 0.001}, {100, 0.001}});
}

TEST(LearningRate, Exp) {
  // gamma^t
  expectRates("0.1 * exp(gamma=0.9)", {{0, 0.1}, {1, 0.09}, {2, 0.081}, {10, 0.03486784401}});
}

TEST(LearningRate, Inv) {
  // (1 + gamma t)^-power
  expectRates("0.1 * inv(gamma=0.5, power=2.0)",
              {{0, 0.1}, {1, 0.1 / 2.25}, {2, 0.025}, {6, 0.00625}});
}

TEST(LearningRate, Poly) {
  // (1 - min(t, max_iter) / max_iter)^power
  expectRates("0.1 * poly(power=2.0, max_iter=10)",
              {{0, 0.1}, {1, 0.081}, {5, 0.025}, {9, 0.001}, {10, 0}, {20, 0}});
}

TEST(LearningRate, Sigmoid) {
  // 1 / (1 + e^(-gamma (t - step)))
  expectRates("0.1 * sigmoid(gamma=0.5, step=4)",
              {{0, 0.011920292202211758}, {1, 0.018242552380635636}, {4, 0.05}, {8, 0.08807970779778825}});
}

TEST(LearningRate, Cosine) {
  // (1 + cos(pi min(t, max_iter) / max_iter)) / 2; (1 + cos(pi / 10)) / 2 = 0.97552825814757677
  expectRates("0.1 * cosine(max_iter=10)",
              {{0, 0.1}, {1, 0.09755282581475769}, {5, 0.05}, {10, 0}, {15, 0}});
}

TEST(LearningRate, CosineWithMinLr) {
  // r + (1 - r) c with r = min_lr / base: decays from the base to min_lr.
  expectRates("0.1 * cosine(max_iter=10, min_lr=0.01)",
              {{0, 0.1}, {1, 0.09779754323328191}, {5, 0.055}, {10, 0.01}, {15, 0.01}});
  // The base is the product of every number of lr.
  expectRates("0.5 * cosine(max_iter=10, min_lr=0.01) * 0.2", {{0, 0.1}, {5, 0.055}, {10, 0.01}, {11, 0.01}});
  // A policy alone has base 1.
  expectRates("cosine(max_iter=10, min_lr=0.01)", {{0, 1}, {1, 0.9757729755661011}, {5, 0.505}, {10, 0.01}, {40, 0.01}});
  // min_lr = 0 is the plain cosine.
  expectRates("0.1 * cosine(max_iter=10, min_lr=0.0)", {{0, 0.1}, {5, 0.05}, {10, 0}});
}

TEST(LearningRate, Warmup) {
  // min(1, (t + 1) / iters)
  expectRates("0.1 * warmup(iters=4)", {{0, 0.025}, {1, 0.05}, {2, 0.075}, {3, 0.1}, {4, 0.1}, {100, 0.1}});
}

TEST(LearningRate, WarmupTimesCosine) {
  expectRates("0.1 * warmup(iters=4) * cosine(max_iter=10)",
              {{0, 0.025}, {1, 0.048776412907378844}, {3, 0.1 * 0.5 * (1 + std::cos(M_PI * 0.3))},
               {5, 0.05}, {10, 0}, {12, 0}});
  // With min_lr, the other factors still multiply the cosine's floor.
  expectRates("0.1 * warmup(iters=4) * cosine(max_iter=10, min_lr=0.01)",
              {{0, 0.025}, {1, 0.048898771616640954}, {5, 0.055}, {10, 0.01}, {12, 0.01}});
}

TEST(LearningRate, EveryPolicyTogether) {
  // Factors multiply: at t = 0 every one of these but warmup and sigmoid is 1.
  std::string all = "0.1 * warmup(iters=2) * cosine(max_iter=100) * step(gamma=0.1, step=50) * "
                    "multistep(gamma=0.5, steps=[10]) * exp(gamma=1.0) * inv(gamma=0.0, power=1.0) * "
                    "poly(power=1.0, max_iter=100) * sigmoid(gamma=100.0, step=0) * fixed()";
  double sig0 = 1 / (1 + std::exp(0.0)); // 0.5
  expectRates(all, {{0, 0.1 * 0.5 * sig0}});
  // t = 10: warmup 1, cosine (1 + cos(pi / 10)) / 2, step 1, multistep 0.5, poly 0.9, sigmoid ~1.
  double c = 0.5 * (1 + std::cos(M_PI / 10));
  expectRates(all, {{10, 0.1 * c * 0.5 * 0.9 / (1 + std::exp(-1000.0))}});
}

} // namespace
