// The example models against their published architectures: every layer's
// shape and the total parameter count.
#include "TestUtil.h"

#include <gtest/gtest.h>

using namespace nnc;

namespace {

test::Checked example(const char *name) {
  return test::checkFile(std::string(NNC_SOURCE_DIR) + "/examples/" + name);
}

std::map<std::string, std::string> rowTypes(const Graph &g) {
  std::map<std::string, std::string> m;
  for (const BindingRow &r : g.rows) m[r.name] = r.type;
  return m;
}

TEST(Examples, LeNetIsCaffesLeNet) {
  auto c = example("lenet.nn");
  ASSERT_EQ(c.errors() + c.warnings(), 0u) << c.firstMessage();
  auto t = rowTypes(c.net());
  EXPECT_EQ(t["conv1"], "f32[N, 20, 24, 24]");
  EXPECT_EQ(t["pool1"], "f32[N, 20, 12, 12]");
  EXPECT_EQ(t["conv2"], "f32[N, 50, 8, 8]");
  EXPECT_EQ(t["pool2"], "f32[N, 50, 4, 4]");
  EXPECT_EQ(t["ip1"], "f32[N, 500]");
  EXPECT_EQ(t["ip2"], "f32[N, 10]");
  EXPECT_EQ(t["loss"], "f32[]");
  EXPECT_EQ(c.net().parameterCount(), 431080);
  EXPECT_TRUE(c.program.solver.present);
  EXPECT_EQ(c.program.solver.batch, 64);
}

TEST(Examples, MlpIs784x512x512x10) {
  auto c = example("mlp.nn");
  ASSERT_EQ(c.errors() + c.warnings(), 0u) << c.firstMessage();
  EXPECT_EQ(c.net().parameterCount(), 784 * 512 + 512 + 512 * 512 + 512 + 512 * 10 + 10);
}

TEST(Examples, AlexNetIsBvlcAlexNet) {
  auto c = example("alexnet.nn");
  ASSERT_EQ(c.errors() + c.warnings(), 0u) << c.firstMessage();
  auto t = rowTypes(c.net());
  EXPECT_EQ(t["conv1"], "f32[N, 96, 55, 55]");
  EXPECT_EQ(t["pool1"], "f32[N, 96, 27, 27]");
  EXPECT_EQ(t["conv2"], "f32[N, 256, 27, 27]");
  EXPECT_EQ(t["pool2"], "f32[N, 256, 13, 13]");
  EXPECT_EQ(t["conv3"], "f32[N, 384, 13, 13]");
  EXPECT_EQ(t["conv4"], "f32[N, 384, 13, 13]");
  EXPECT_EQ(t["conv5"], "f32[N, 256, 13, 13]");
  EXPECT_EQ(t["pool5"], "f32[N, 256, 6, 6]");
  EXPECT_EQ(t["fc6"], "f32[N, 4096]");
  EXPECT_EQ(t["fc8"], "f32[N, 1000]");
  // Per layer, with the grouped convolutions' halved filters.
  std::map<std::string, int64_t> params;
  for (const BindingRow &r : c.net().rows) params[r.name] = r.params;
  EXPECT_EQ(params["conv1"], 96 * 3 * 11 * 11 + 96);
  EXPECT_EQ(params["conv2"], 256 * 48 * 5 * 5 + 256);
  EXPECT_EQ(params["conv3"], 384 * 256 * 3 * 3 + 384);
  EXPECT_EQ(params["conv4"], 384 * 192 * 3 * 3 + 384);
  EXPECT_EQ(params["conv5"], 256 * 192 * 3 * 3 + 256);
  EXPECT_EQ(params["fc6"], 4096 * 9216 + 4096);
  EXPECT_EQ(params["fc7"], 4096 * 4096 + 4096);
  EXPECT_EQ(params["fc8"], 1000 * 4096 + 1000);
  EXPECT_EQ(c.net().parameterCount(), 60965224);
}

TEST(Examples, GoogLeNetIsInceptionV1) {
  auto c = example("googlenet.nn");
  ASSERT_EQ(c.errors() + c.warnings(), 0u) << c.firstMessage();
  auto t = rowTypes(c.net());
  EXPECT_EQ(t["conv1"], "f32[N, 64, 112, 112]");
  EXPECT_EQ(t["pool1"], "f32[N, 64, 56, 56]"); // Caffe's ceil rounding
  EXPECT_EQ(t["i3a"], "f32[N, 256, 28, 28]");
  EXPECT_EQ(t["i3b"], "f32[N, 480, 28, 28]");
  EXPECT_EQ(t["i4a"], "f32[N, 512, 14, 14]");
  EXPECT_EQ(t["i4e"], "f32[N, 832, 14, 14]");
  EXPECT_EQ(t["i5b"], "f32[N, 1024, 7, 7]");
  EXPECT_EQ(t["pool5"], "f32[N, 1024, 1, 1]");
  // Inception module parameters (weights + biases) from the module widths of
  // Szegedy et al., Table 1.
  auto inception = [](int64_t in, int64_t c1, int64_t c3r, int64_t c3, int64_t c5r, int64_t c5, int64_t pp) {
    return (in * c1 + c1) + (in * c3r + c3r) + (c3r * c3 * 9 + c3) + (in * c5r + c5r) +
           (c5r * c5 * 25 + c5) + (in * pp + pp);
  };
  std::map<std::string, int64_t> params;
  for (const BindingRow &r : c.net().rows) params[r.name] = r.params;
  EXPECT_EQ(params["i3a"], inception(192, 64, 96, 128, 16, 32, 32));
  EXPECT_EQ(params["i4e"], inception(528, 256, 160, 320, 32, 128, 128));
  EXPECT_EQ(params["i5b"], inception(832, 384, 192, 384, 48, 128, 128));
  EXPECT_EQ(c.net().parameterCount(), 6998552);
}

TEST(Examples, StdlibChecksOnItsOwn) {
  auto c = test::checkFile(test::stdlibDir() + "/std/blocks.nn");
  EXPECT_EQ(c.errors() + c.warnings(), 0u) << c.firstMessage();
}

} // namespace
