// End to end: LeNet trains on Fashion-MNIST to a stated accuracy (the
// dataset comes from Debian's dataset-fashion-mnist, which tools/setup.sh
// installs).
#include "codegen/Trainer.h"
#include "frontend/Frontend.h"

#include <gtest/gtest.h>
#include <sstream>
#include <sys/stat.h>

using namespace nnc;

namespace {

const char *kData = "/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz";

TrainResult trainLeNet(TrainOptions o) {
  std::string file = std::string(NNC_SOURCE_DIR) + "/examples/lenet.nn";
  Frontend fe({std::string(NNC_SOURCE_DIR) + "/stdlib"});
  Program p = fe.check(file);
  EXPECT_EQ(fe.diags().errorCount(), 0u);
  std::ostringstream out;
  o.progress = false;
  TrainResult r;
  bool ok = train(file, p, fe.diags(), o, out, r);
  EXPECT_TRUE(ok) << out.str() << (fe.diags().diagnostics().empty() ? "" : fe.diags().diagnostics()[0].message);
  std::cout << out.str();
  return r;
}

bool haveData() {
  struct stat st;
  return ::stat(kData, &st) == 0;
}

TEST(Train, LeNetOn2000ImagesReaches70Percent) {
  if (!haveData()) GTEST_SKIP() << "no Fashion-MNIST at " << kData;
  TrainOptions o;
  o.epochs = 5;
  o.trainLimit = 2000;
  TrainResult r = trainLeNet(o);
  EXPECT_GE(r.testAccuracy, 0.70);
}

TEST(Train, LeNetReaches86Point5PercentAfterTwoEpochs) {
  if (!haveData()) GTEST_SKIP() << "no Fashion-MNIST at " << kData;
  TrainOptions o;
  o.epochs = 2;
  TrainResult r = trainLeNet(o);
  EXPECT_GE(r.testAccuracy, 0.865);
}

TEST(Train, SameSeedSameResult) {
  if (!haveData()) GTEST_SKIP() << "no Fashion-MNIST at " << kData;
  TrainOptions o;
  o.epochs = 1;
  o.trainLimit = 640;
  o.testLimit = 500;
  o.threads = 1;
  TrainResult a = trainLeNet(o), b = trainLeNet(o);
  EXPECT_EQ(a.trainLoss, b.trainLoss);
  EXPECT_EQ(a.testAccuracy, b.testAccuracy);
}

} // namespace
