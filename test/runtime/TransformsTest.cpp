//===- TransformsTest.cpp - Data transforms and the prefetch thread -------===//
//
// The kernels on small images with exact expected pixels, the pipeline's
// shape checks and messages, the draws (pinned, deterministic, different per
// epoch), the Batcher applying them, and the Prefetcher delivering exactly
// the Batcher's batches while stopping cleanly wherever it is.
//
//===----------------------------------------------------------------------===//
#include "runtime/Batcher.h"
#include "runtime/Philox.h"
#include "runtime/Prefetcher.h"
#include "runtime/Transforms.h"

#include <gtest/gtest.h>

#include <chrono>
#include <numeric>
#include <set>
#include <thread>

using namespace nnc;

namespace {

std::vector<float> iota(int64_t n, float first = 1) {
  std::vector<float> v(static_cast<size_t>(n));
  std::iota(v.begin(), v.end(), first);
  return v;
}

// --- Kernels ----------------------------------------------------------------

TEST(Transforms, CropWithPadding) {
  // 1 2 3        padded:  0 0 0 0 0
  // 4 5 6                 0 1 2 3 0
  // 7 8 9                 0 4 5 6 0
  //                       0 7 8 9 0
  //                       0 0 0 0 0
  std::vector<float> x = iota(9), out(9, -1);
  cropExample(x.data(), 1, 3, 3, /*pad=*/1, /*size=*/3, /*top=*/0, /*left=*/0, out.data());
  EXPECT_EQ(out, (std::vector<float>{0, 0, 0, 0, 1, 2, 0, 4, 5}));
  cropExample(x.data(), 1, 3, 3, 1, 3, 2, 1, out.data());
  EXPECT_EQ(out, (std::vector<float>{4, 5, 6, 7, 8, 9, 0, 0, 0}));
  cropExample(x.data(), 1, 3, 3, 1, 3, 1, 2, out.data());
  EXPECT_EQ(out, (std::vector<float>{2, 3, 0, 5, 6, 0, 8, 9, 0}));
  cropExample(x.data(), 1, 3, 3, 1, 3, 1, 1, out.data()); // the centre: the image itself
  EXPECT_EQ(out, x);
  // A window larger than the image: zeros all around.
  std::vector<float> big(25, -1);
  cropExample(x.data(), 1, 3, 3, 1, 5, 0, 0, big.data());
  EXPECT_EQ(big, (std::vector<float>{0, 0, 0, 0, 0, 0, 1, 2, 3, 0, 0, 4, 5, 6, 0, 0, 7, 8, 9, 0, 0, 0, 0, 0, 0}));
  // Padding wider than the window: a window of zeros only.
  std::vector<float> zeros(4, -1);
  cropExample(x.data(), 1, 3, 3, 3, 2, 0, 0, zeros.data());
  EXPECT_EQ(zeros, (std::vector<float>(4, 0)));
}

TEST(Transforms, CropWithoutPaddingAndChannels) {
  //  1  2  3  4 | 13 14 15 16
  //  5  6  7  8 | 17 18 19 20
  //  9 10 11 12 | 21 22 23 24
  std::vector<float> x = iota(24), out(8, -1);
  cropExample(x.data(), 2, 3, 4, 0, 2, 1, 2, out.data());
  EXPECT_EQ(out, (std::vector<float>{7, 8, 11, 12, 19, 20, 23, 24}));
  cropExample(x.data(), 2, 3, 4, 0, 2, 0, 0, out.data());
  EXPECT_EQ(out, (std::vector<float>{1, 2, 5, 6, 13, 14, 17, 18}));
}

TEST(Transforms, Mirror) {
  std::vector<float> x = iota(12);
  mirrorExample(x.data(), 2, 2, 3);
  EXPECT_EQ(x, (std::vector<float>{3, 2, 1, 6, 5, 4, 9, 8, 7, 12, 11, 10}));
  mirrorExample(x.data(), 2, 2, 3);
  EXPECT_EQ(x, iota(12));
}

TEST(Transforms, NormalizePerChannelAndScalar) {
  std::vector<float> x = {3, 5, 6, 10};
  normalizeExample(x.data(), 2, 2, {1, 2}, {2, 4});
  EXPECT_EQ(x, (std::vector<float>{1, 2, 1, 2}));
  std::vector<float> y = {3, 5, 6, 10};
  normalizeExample(y.data(), 2, 2, {1}, {2});
  EXPECT_EQ(y, (std::vector<float>{1, 2, 2.5f, 4.5f}));
  std::vector<float> z = {0.3f, 0.5f};
  normalizeExample(z.data(), 1, 2, {0.1f}, {0.3f});
  EXPECT_EQ(z[0], (0.3f - 0.1f) / 0.3f); // (x - mean) / std, not times 1/std
  EXPECT_EQ(z[1], (0.5f - 0.1f) / 0.3f);
}

TEST(Transforms, Scale) {
  std::vector<float> x = {255, 0, 51};
  scaleExample(x.data(), 3, 1.0f / 255);
  EXPECT_EQ(x, (std::vector<float>{255 * (1.0f / 255), 0, 51 * (1.0f / 255)}));
}

// --- The pipeline's checks ----------------------------------------------------

std::string initError(std::vector<int64_t> shape, std::vector<Transform> ts) {
  ExamplePipeline p;
  std::string error;
  EXPECT_FALSE(p.init(std::move(shape), std::move(ts), error));
  return error;
}

TEST(Transforms, PipelineShapes) {
  ExamplePipeline p;
  std::string error;
  ASSERT_TRUE(p.init({1, 28, 28},
                     {Transform::scale(0.5f), Transform::randomCrop(24, 0), Transform::mirror(),
                      Transform::randomCrop(32, 4), Transform::normalize({0.5f}, {2})},
                     error))
      << error;
  EXPECT_EQ(p.outShape(), (std::vector<int64_t>{1, 32, 32}));
  EXPECT_EQ(p.maxSize(), 32 * 32);
  EXPECT_FALSE(p.inPlace());
  ASSERT_TRUE(p.init({3, 8, 8}, {Transform::normalize({1, 2, 3}, {1, 1, 1}), Transform::mirror()}, error));
  EXPECT_TRUE(p.inPlace());
  EXPECT_EQ(p.outShape(), (std::vector<int64_t>{3, 8, 8}));
  // normalize on [784]: one "channel" per value (the first per-example axis).
  ASSERT_TRUE(p.init({4}, {Transform::normalize({1, 2, 3, 4}, {1})}, error));
}

TEST(Transforms, PipelineErrors) {
  EXPECT_EQ(initError({1, 28, 28}, {Transform::normalize({0.5f, 0.5f, 0.5f}, {0.2f})}),
            "normalize has 3 mean values, but the examples [1, 28, 28] have 1 channel: expected one "
            "number, or a list of 1 (one per channel)");
  EXPECT_EQ(initError({3, 8, 8}, {Transform::normalize({0.5f}, {0.2f, 0.3f})}),
            "normalize has 2 std values, but the examples [3, 8, 8] have 3 channels: expected one "
            "number, or a list of 3 (one per channel)");
  EXPECT_EQ(initError({3, 8, 8}, {Transform::normalize({0.5f}, {1, 0, 1})}),
            "normalize's std must not be 0 (channel 1)");
  EXPECT_EQ(initError({1, 28, 28}, {Transform::randomCrop(40, 4)}),
            "random_crop(size=40, pad=4) does not fit examples [1, 28, 28]: padded they are 36x36, "
            "smaller than 40x40");
  // The shape that reaches a transform is checked, after earlier crops.
  EXPECT_EQ(initError({1, 28, 28}, {Transform::randomCrop(10, 0), Transform::randomCrop(12, 0)}),
            "random_crop(size=12, pad=0) does not fit examples [1, 10, 10]: padded they are 10x10, "
            "smaller than 12x12");
  EXPECT_EQ(initError({784}, {Transform::randomCrop(24, 0)}),
            "random_crop needs examples [C, H, W], got [784]");
  EXPECT_EQ(initError({784}, {Transform::mirror()}), "mirror needs examples [C, H, W], got [784]");
  EXPECT_EQ(initError({1, 28, 28}, {Transform::randomCrop(0, 0)}),
            "random_crop needs 1 <= size <= 16384 and 0 <= pad <= 16384, got size=0, pad=0");
  EXPECT_EQ(initError({1, 28, 28}, {Transform::randomCrop(100000, 50000)}),
            "random_crop needs 1 <= size <= 16384 and 0 <= pad <= 16384, got size=100000, pad=50000");
}

// --- Draws ----------------------------------------------------------------

TEST(Transforms, DrawsArePinned) {
  // The same on every machine and in every later version: a change here
  // changes every augmented training run.
  Transform crop = Transform::randomCrop(28, 4), flip = Transform::mirror();
  std::vector<int64_t> tops, lefts;
  std::vector<int> flips;
  for (int64_t e = 0; e < 6; ++e) {
    int64_t top, left;
    cropOffsets(transformDraw(1, crop.stream, 0, e), 28, 28, 28, 4, top, left);
    tops.push_back(top);
    lefts.push_back(left);
    flips.push_back(mirrorFlips(transformDraw(1, flip.stream, 0, e)));
  }
  EXPECT_EQ(tops, (std::vector<int64_t>{6, 6, 6, 2, 6, 8}));
  EXPECT_EQ(lefts, (std::vector<int64_t>{2, 7, 3, 6, 6, 5}));
  EXPECT_EQ(flips, (std::vector<int>{0, 1, 1, 1, 0, 0}));
}

TEST(Transforms, DrawsDependOnEverything) {
  uint64_t s = transformStream("random_crop", 0);
  auto same = [](TransformDraw a, TransformDraw b) {
    return std::equal(std::begin(a.w), std::end(a.w), std::begin(b.w));
  };
  TransformDraw d = transformDraw(7, s, 3, 11);
  EXPECT_TRUE(same(d, transformDraw(7, s, 3, 11)));
  EXPECT_FALSE(same(d, transformDraw(8, s, 3, 11)));
  EXPECT_FALSE(same(d, transformDraw(7, s + 1, 3, 11)));
  EXPECT_FALSE(same(d, transformDraw(7, s, 4, 11)));
  EXPECT_FALSE(same(d, transformDraw(7, s, 3, 12)));
  EXPECT_NE(transformStream("random_crop", 0), transformStream("random_crop", 1));
  EXPECT_NE(transformStream("random_crop", 0), transformStream("mirror", 0));
}

TEST(Transforms, DrawsCoverEveryWindowAndFlipHalfTheTime) {
  Transform crop = Transform::randomCrop(3, 1), flip = Transform::mirror();
  std::set<std::pair<int64_t, int64_t>> windows;
  int flips = 0;
  for (int64_t e = 0; e < 1000; ++e) {
    int64_t top, left;
    cropOffsets(transformDraw(5, crop.stream, 2, e), 3, 3, 3, 1, top, left);
    ASSERT_GE(top, 0);
    ASSERT_LE(top, 2);
    ASSERT_GE(left, 0);
    ASSERT_LE(left, 2);
    windows.insert({top, left});
    flips += mirrorFlips(transformDraw(5, flip.stream, 2, e));
  }
  EXPECT_EQ(windows.size(), 9u);
  EXPECT_GT(flips, 430); // 1000 fair coins: 500 +- 4.4 sigma
  EXPECT_LT(flips, 570);
}

// --- The Batcher applying them ------------------------------------------------

// count examples [1, 6, 6]: example e's pixel i is (e * 7 + i) % 256; label e % 10.
void makeData(int64_t count, IdxImages &im, IdxLabels &lb) {
  im.count = lb.count = count;
  im.rows = im.cols = 6;
  im.pixels.resize(size_t(count * 36));
  lb.labels.resize(size_t(count));
  for (int64_t e = 0; e < count; ++e) {
    for (int64_t i = 0; i < 36; ++i)
      im.pixels[size_t(e * 36 + i)] = uint8_t((e * 7 + i) % 256);
    lb.labels[size_t(e)] = uint8_t(e % 10);
  }
}

BatcherOptions augmented(int64_t batch, uint64_t seed) {
  BatcherOptions o;
  o.batchSize = batch;
  o.seed = seed;
  o.shuffle = true;
  o.transforms = {Transform::scale(1.0f / 255), Transform::randomCrop(6, 2), Transform::mirror(),
                  Transform::normalize({0.5f}, {0.25f})};
  return o;
}

std::unique_ptr<Batcher> makeBatcher(int64_t count, const BatcherOptions &o) {
  IdxImages im;
  IdxLabels lb;
  makeData(count, im, lb);
  std::string error;
  auto b = Batcher::create(std::move(im), std::move(lb), o, error);
  EXPECT_NE(b, nullptr) << error;
  return b;
}

// Every batch of one epoch, concatenated: (images, labels).
std::pair<std::vector<float>, std::vector<int32_t>> drain(Batcher &b, int64_t epoch) {
  b.startEpoch(epoch);
  std::vector<float> images(size_t(b.batchSize() * b.exampleSize())), all;
  std::vector<int32_t> labels(size_t(b.batchSize())), allLabels;
  while (int64_t n = b.next(images.data(), labels.data())) {
    all.insert(all.end(), images.begin(), images.begin() + n * b.exampleSize());
    allLabels.insert(allLabels.end(), labels.begin(), labels.begin() + n);
  }
  return {all, allLabels};
}

TEST(Transforms, BatcherAppliesThemPerExample) {
  auto b = makeBatcher(50, augmented(8, 3));
  EXPECT_EQ(b->exampleShape(), (std::vector<int64_t>{1, 6, 6}));
  auto [images, labels] = drain(*b, 4);
  ASSERT_EQ(labels.size(), 50u);
  std::vector<int64_t> order = Batcher::shuffledOrder(50, 3, 4);
  Transform crop = Transform::randomCrop(6, 2), flip = Transform::mirror();
  for (int64_t k = 0; k < 50; ++k) {
    int64_t e = order[size_t(k)];
    EXPECT_EQ(labels[size_t(k)], e % 10);
    std::vector<float> x(36), y(36);
    for (int64_t i = 0; i < 36; ++i)
      x[size_t(i)] = float((e * 7 + i) % 256) * (1.0f / 255);
    int64_t top, left;
    cropOffsets(transformDraw(3, crop.stream, 4, e), 6, 6, 6, 2, top, left);
    cropExample(x.data(), 1, 6, 6, 2, 6, top, left, y.data());
    if (mirrorFlips(transformDraw(3, flip.stream, 4, e)))
      mirrorExample(y.data(), 1, 6, 6);
    for (float &v : y)
      v = (v - 0.5f) / 0.25f;
    EXPECT_EQ(std::vector<float>(images.begin() + k * 36, images.begin() + (k + 1) * 36), y) << "example " << e;
  }
}

TEST(Transforms, SameSeedSameBatchesAnyBatchSize) {
  auto a = makeBatcher(100, augmented(8, 9)), b = makeBatcher(100, augmented(8, 9));
  auto c = makeBatcher(100, augmented(33, 9));
  for (int64_t epoch : {0, 1, 5}) {
    auto da = drain(*a, epoch);
    EXPECT_EQ(da, drain(*b, epoch));
    EXPECT_EQ(da, drain(*c, epoch)); // draws are per example, not per batch
  }
  // Resuming at an epoch boundary: a fresh Batcher started at epoch 5 gives
  // what a Batcher that went through epochs 0 to 4 gives.
  auto fresh = makeBatcher(100, augmented(8, 9));
  EXPECT_EQ(drain(*fresh, 5), drain(*a, 5));
}

TEST(Transforms, EpochsAndSeedsGiveDifferentCrops) {
  BatcherOptions o = augmented(16, 1);
  o.shuffle = false; // the same example at each position: only the crops differ
  auto b = makeBatcher(16, o);
  auto e0 = drain(*b, 0).first, e1 = drain(*b, 1).first;
  EXPECT_NE(e0, e1);
  int differing = 0;
  for (int64_t k = 0; k < 16; ++k)
    differing += !std::equal(e0.begin() + k * 36, e0.begin() + (k + 1) * 36, e1.begin() + k * 36);
  EXPECT_GE(differing, 8); // 25 windows x 2 flips: a repeat has probability 1/50
  o.seed = 2;
  auto other = makeBatcher(16, o);
  EXPECT_NE(drain(*other, 0).first, e0);
}

TEST(Transforms, BatcherRejectsTransformsThatDoNotFit) {
  IdxImages im;
  IdxLabels lb;
  makeData(4, im, lb);
  BatcherOptions o;
  o.transforms = {Transform::normalize({0, 0, 0}, {1})};
  std::string error;
  EXPECT_EQ(Batcher::create(im, lb, o, error), nullptr);
  EXPECT_EQ(error, "normalize has 3 mean values, but the examples [1, 6, 6] have 1 channel: expected one "
                   "number, or a list of 1 (one per channel)");
}

TEST(Transforms, SyntheticExamplesArePinned) {
  // What nnc train's synthetic source always drew: example e from block e * (size + 1).
  SyntheticExamples s(10, 7, {2, 3}, 42, 99);
  std::vector<float> x(6);
  int32_t label;
  s.example(4, x.data(), &label);
  Philox rng(42, 99, 4 * 7);
  for (float v : x)
    EXPECT_EQ(v, rng.nextUniform());
  EXPECT_EQ(label, int32_t(rng.next32() % 7));
}

// --- The prefetch thread ------------------------------------------------------

TEST(Prefetcher, SameBatchesAsTheBatcher) {
  for (int64_t batch : {1, 7, 16, 100}) {
    auto direct = makeBatcher(100, augmented(batch, 11)), source = makeBatcher(100, augmented(batch, 11));
    Prefetcher pf(*source);
    for (int64_t epoch : {0, 1, 2, 7}) {
      auto want = drain(*direct, epoch);
      pf.startEpoch(epoch);
      std::vector<float> images;
      std::vector<int32_t> labels;
      float *x;
      int32_t *y;
      int64_t batches = 0;
      while (int64_t n = pf.next(x, y)) {
        images.insert(images.end(), x, x + n * 36);
        labels.insert(labels.end(), y, y + n);
        std::fill(x, x + n * 36, -1.0f); // the caller's to overwrite
        if (++batches % 3 == 0)
          std::this_thread::sleep_for(std::chrono::microseconds(200)); // a slow step
      }
      EXPECT_EQ(images, want.first) << "batch " << batch << " epoch " << epoch;
      EXPECT_EQ(labels, want.second);
      EXPECT_EQ(pf.next(x, y), 0); // the end stays the end
    }
    EXPECT_GE(pf.waitSeconds(), 0.0);
    EXPECT_EQ(pf.error(), "");
  }
}

TEST(Prefetcher, AbandonedEpochsAndEarlyExit) {
  auto direct = makeBatcher(200, augmented(8, 4)), source = makeBatcher(200, augmented(8, 4));
  {
    Prefetcher pf(*source);
    float *x;
    int32_t *y;
    EXPECT_EQ(pf.next(x, y), 0); // no epoch started
    for (int round = 0; round < 50; ++round) {
      pf.startEpoch(round % 4);
      for (int k = 0; k < round % 5; ++k)
        ASSERT_EQ(pf.next(x, y), 8); // then abandon the epoch midway
    }
    // Abandoning leaves nothing behind: the next epoch is whole and exact.
    pf.startEpoch(3);
    std::vector<float> images;
    while (int64_t n = pf.next(x, y))
      images.insert(images.end(), x, x + n * 36);
    EXPECT_EQ(images, drain(*direct, 3).first);
    pf.startEpoch(1);
    ASSERT_EQ(pf.next(x, y), 8);
  } // destroyed mid-epoch, the worker possibly writing a batch: joins cleanly
  for (int k = 0; k < 20; ++k) {
    Prefetcher pf(*source); // destroyed right after starting, or before any epoch
    if (k % 2)
      pf.startEpoch(k);
  }
}

} // namespace
