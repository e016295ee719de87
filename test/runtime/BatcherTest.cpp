//===- BatcherTest.cpp - Batches and per-epoch shuffling ------------------===//
#include "runtime/Batcher.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <numeric>

using namespace nnc;

namespace {

// Example e has pixels (e % 256, e / 256, 255, ...) and label e % 10.
void makeData(int64_t count, IdxImages &im, IdxLabels &lb) {
  im.count = lb.count = count;
  im.rows = 2;
  im.cols = 3;
  im.pixels.assign(size_t(count * 6), 255);
  lb.labels.resize(size_t(count));
  for (int64_t e = 0; e < count; ++e) {
    im.pixels[size_t(e * 6)] = uint8_t(e % 256);
    im.pixels[size_t(e * 6 + 1)] = uint8_t(e / 256);
    lb.labels[size_t(e)] = uint8_t(e % 10);
  }
}

std::unique_ptr<Batcher> makeBatcher(int64_t count, BatcherOptions opt) {
  IdxImages im;
  IdxLabels lb;
  makeData(count, im, lb);
  std::string err;
  auto b = Batcher::create(std::move(im), std::move(lb), opt, err);
  EXPECT_NE(b, nullptr) << err;
  return b;
}

// The examples of one epoch in the order the batches delivered them.
std::vector<int64_t> drainEpoch(Batcher &b, int64_t epoch, int64_t batchSize,
                                std::vector<int64_t> *sizes = nullptr) {
  b.startEpoch(epoch);
  std::vector<float> images(size_t(batchSize * 6));
  std::vector<int32_t> labels(static_cast<size_t>(batchSize));
  std::vector<int64_t> seen;
  while (int64_t n = b.next(images.data(), labels.data())) {
    if (sizes)
      sizes->push_back(n);
    for (int64_t k = 0; k < n; ++k) {
      int64_t e = int64_t(images[size_t(k * 6)] * 255 + 0.5f) +
                  256 * int64_t(images[size_t(k * 6 + 1)] * 255 + 0.5f);
      EXPECT_EQ(labels[size_t(k)], e % 10);
      EXPECT_FLOAT_EQ(images[size_t(k * 6 + 2)], 1.0f); // 255 * (1/255)
      seen.push_back(e);
    }
  }
  return seen;
}

TEST(Batcher, EveryExampleOncePerEpochInADifferentOrder) {
  BatcherOptions opt;
  opt.batchSize = 64;
  opt.transforms = {Transform::scale(1.0f / 255)};
  opt.seed = 42;
  auto b = makeBatcher(1000, opt);
  std::vector<int64_t> sizes;
  auto e0 = drainEpoch(*b, 0, 64, &sizes), e1 = drainEpoch(*b, 1, 64);
  EXPECT_EQ(b->batchesPerEpoch(), 16);
  EXPECT_EQ(sizes.size(), 16u);
  EXPECT_EQ(sizes.back(), 1000 - 15 * 64);
  EXPECT_NE(e0, e1);
  for (auto order : {e0, e1}) {
    std::sort(order.begin(), order.end());
    std::vector<int64_t> all(1000);
    std::iota(all.begin(), all.end(), 0);
    EXPECT_EQ(order, all);
  }
}

TEST(Batcher, OrderIsDeterministic) {
  BatcherOptions opt;
  opt.batchSize = 7;
  opt.transforms = {Transform::scale(1.0f / 255)};
  opt.seed = 5;
  auto a = makeBatcher(300, opt), b = makeBatcher(300, opt);
  EXPECT_EQ(drainEpoch(*a, 3, 7), drainEpoch(*b, 3, 7));
  EXPECT_EQ(drainEpoch(*a, 0, 7), drainEpoch(*b, 0, 7));
  opt.seed = 6;
  auto c = makeBatcher(300, opt);
  EXPECT_NE(drainEpoch(*a, 0, 7), drainEpoch(*c, 0, 7));
}

TEST(Batcher, PinnedOrder) {
  // The same on every machine and in every later version: a change here
  // changes every shuffled training run.
  EXPECT_EQ(Batcher::shuffledOrder(10, 1, 0),
            (std::vector<int64_t>{7, 1, 6, 5, 0, 4, 8, 3, 2, 9}));
}

TEST(Batcher, DropLastAndNoShuffle) {
  BatcherOptions opt;
  opt.batchSize = 4;
  opt.transforms = {Transform::scale(1.0f / 255)};
  opt.shuffle = false;
  opt.dropLast = true;
  auto b = makeBatcher(10, opt);
  std::vector<int64_t> sizes;
  EXPECT_EQ(drainEpoch(*b, 0, 4, &sizes), (std::vector<int64_t>{0, 1, 2, 3, 4, 5, 6, 7}));
  EXPECT_EQ(sizes, (std::vector<int64_t>{4, 4}));
  EXPECT_EQ(b->batchesPerEpoch(), 2);
}

TEST(Batcher, RejectsMismatchedData) {
  IdxImages im;
  IdxLabels lb;
  makeData(5, im, lb);
  lb.count = 4;
  lb.labels.resize(4);
  std::string err;
  EXPECT_EQ(Batcher::create(im, lb, BatcherOptions(), err), nullptr);
  EXPECT_EQ(err, "label count 4 does not match image count 5");
  makeData(5, im, lb);
  BatcherOptions opt;
  opt.batchSize = 0;
  EXPECT_EQ(Batcher::create(im, lb, opt, err), nullptr);
  EXPECT_EQ(err, "batch size must be at least 1, got 0");
}

} // namespace
