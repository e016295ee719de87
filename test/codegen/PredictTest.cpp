// nnc predict's parts that need no JIT: which value it prints, the network
// cut down to it, the accuracy rule and the lines (codegen/Predict.h).
// test/e2e/predict.test runs the command.
#include "codegen/Predict.h"
#include "test/unit/TestUtil.h"

#include <gtest/gtest.h>

#include <cmath>
#include <string>

using namespace nnc;

namespace {

/// A network with a classifier head and a side branch that needs the labels.
const char *kTwoHeads = "nn 1\n"
                        "\n"
                        "network two {\n"
                        "  input x: f32[N, 8]\n"
                        "  input label: i32[N]\n"
                        "  hidden = relu(dense(x, out=6))\n"
                        "  logits = dense(hidden, out=4)\n"
                        "  output probs = softmax(logits, axis=1)\n"
                        "  side = dense(x, out=3)\n"
                        "  output loss = softmax_cross_entropy(logits, label)\n"
                        "  output side_loss = softmax_cross_entropy(side, label)\n"
                        "}\n";

struct Choice {
  test::Checked checked;
  PredictionTarget target;
  bool ok = false;
};

Choice choose(const std::string &text, const std::string &output) {
  Choice c{test::checkText(text), {}, false};
  EXPECT_EQ(c.checked.errors(), 0u) << c.checked.firstMessage();
  c.ok = choosePrediction(c.checked.net(), output, c.checked.fe->diags(), c.target);
  return c;
}

TEST(Predict, DefaultIsTheLastSoftmaxCrossEntropysLogits) {
  Choice c = choose(kTwoHeads, "");
  ASSERT_TRUE(c.ok) << c.checked.firstMessage();
  EXPECT_EQ(c.target.name, "side");
  EXPECT_EQ(c.target.perExample, 3);
  EXPECT_TRUE(c.target.classifier);
  EXPECT_FALSE(c.target.probabilities);
}

TEST(Predict, OutputPicksAnyValueAndKnowsClassScores) {
  Choice logits = choose(kTwoHeads, "logits");
  ASSERT_TRUE(logits.ok);
  EXPECT_TRUE(logits.target.classifier);
  Choice probs = choose(kTwoHeads, "probs");
  ASSERT_TRUE(probs.ok);
  EXPECT_TRUE(probs.target.classifier);
  EXPECT_TRUE(probs.target.probabilities);
  Choice hidden = choose(kTwoHeads, "hidden");
  ASSERT_TRUE(hidden.ok);
  EXPECT_FALSE(hidden.target.classifier);
  EXPECT_EQ(hidden.target.perExample, 6);
}

TEST(Predict, ValuesThatNeedTheLabelsOrDoNotExistAreErrors) {
  Choice loss = choose(kTwoHeads, "loss");
  EXPECT_FALSE(loss.ok);
  EXPECT_NE(loss.checked.firstMessage().find("depends on input 'label'"), std::string::npos)
      << loss.checked.firstMessage();
  Choice typo = choose(kTwoHeads, "hiden");
  EXPECT_FALSE(typo.ok);
  EXPECT_NE(typo.checked.firstMessage().find("did you mean 'hidden'?"), std::string::npos)
      << typo.checked.firstMessage();
}

TEST(Predict, WithoutAClassifierOutputNameTheValue) {
  Choice c = choose("nn 1\n"
                    "\n"
                    "network regress {\n"
                    "  input x: f32[N, 8]\n"
                    "  output y = dense(x, out=2)\n"
                    "}\n",
                    "");
  EXPECT_FALSE(c.ok);
  EXPECT_NE(c.checked.firstMessage().find("--output NAME"), std::string::npos) << c.checked.firstMessage();
}

TEST(Predict, PruningKeepsWhatTheValueNeedsAndDropsTheLabels) {
  Choice c = choose(kTwoHeads, "logits");
  ASSERT_TRUE(c.ok);
  Graph pruned = pruneTo(c.checked.net(), c.target.node);
  ASSERT_EQ(pruned.inputs.size(), 1u);
  EXPECT_EQ(pruned.inputs[0].first, "x");
  ASSERT_EQ(pruned.outputs.size(), 1u);
  EXPECT_EQ(pruned.outputs[0].first, "logits");
  EXPECT_EQ(pruned.nodes[pruned.outputs[0].second].name, "logits");
  for (const Node &n : pruned.nodes) {
    EXPECT_NE(n.op, "softmax_cross_entropy");
    EXPECT_NE(n.name, "side");
    for (int o : n.operands) EXPECT_LT(o, (int)(&n - &pruned.nodes[0])) << n.name;
  }
  EXPECT_EQ(pruned.parameterCount(), 8 * 6 + 6 + 6 * 4 + 4);
}

TEST(Predict, TiesCountAgainstTheLabelAsInAccuracy) {
  float scores[] = {1, 3, 3, 0};
  EXPECT_FALSE(labelInTopK(scores, 4, 1, 1)); // class 2 scores as much
  EXPECT_TRUE(labelInTopK(scores, 4, 1, 2));
  EXPECT_FALSE(labelInTopK(scores, 4, 0, 2));
  EXPECT_TRUE(labelInTopK(scores, 4, 0, 3));
  EXPECT_FALSE(labelInTopK(scores, 4, 7, 4)); // not a class
}

TEST(Predict, LinesGiveTheBestClassesWithTheirProbabilities) {
  PredictionTarget t;
  t.perExample = 3;
  t.classifier = true;
  float logits[] = {0, std::log(3.0f), 0};
  EXPECT_EQ(predictionLine(7, logits, t, 1, false), "7\t1\t0.600000");
  // Ties go to the lower class.
  EXPECT_EQ(predictionLine(7, logits, t, 3, false), "7\t1\t0.600000\t0\t0.200000\t2\t0.200000");
  EXPECT_EQ(predictionLine(0, logits, t, 1, true), "0\t0\t1.0986123\t0");
  t.probabilities = true;
  float probs[] = {0.25f, 0.5f, 0.25f};
  EXPECT_EQ(predictionLine(2, probs, t, 2, false), "2\t1\t0.500000\t0\t0.250000");
  float nan[] = {NAN, 0.5f, 0.25f};
  EXPECT_EQ(predictionLine(2, nan, t, 1, false), "2\t1\t0.500000");
}

TEST(Predict, OtherValuesAreRaw) {
  PredictionTarget t;
  t.perExample = 2;
  float values[] = {-1.5f, 0.1f};
  EXPECT_EQ(predictionLine(3, values, t, 1, false), "3\t-1.5\t0.1");
}

} // namespace
