//===- Batcher.h - Batches of examples in a per-epoch order ---------------===//
//
// Yields batches (float images [B, ...], int32 labels [B]) of an example
// source after the split's per-example transforms (Transforms.h). With
// shuffling, each epoch's order is a Fisher-Yates permutation driven by
// Philox(seed, epoch): the same on every machine, different across epochs.
//
//===----------------------------------------------------------------------===//
#pragma once

#include "runtime/Idx.h"
#include "runtime/Transforms.h"

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace nnc {

/// Where examples come from: an image field of floats and an integer label
/// per example. example() must be safe to call from any one thread at a time
/// (the prefetch thread calls it); it is const and touches no shared state.
class ExampleSource {
public:
  virtual ~ExampleSource() = default;
  virtual int64_t count() const = 0;
  /// The image field's per-example shape, e.g. [1, rows, cols].
  virtual const std::vector<int64_t> &shape() const = 0;
  /// Writes example e's image (numel(shape()) floats) and label.
  virtual void example(int64_t e, float *image, int32_t *label) const = 0;
};

/// IDX images as f32 [1, rows, cols] with the raw byte values 0 to 255.
class IdxExamples : public ExampleSource {
public:
  /// Fails (null, with a message) when the counts or buffer sizes disagree.
  static std::unique_ptr<IdxExamples> create(IdxImages images, IdxLabels labels, std::string &error);
  int64_t count() const override { return images_.count; }
  const std::vector<int64_t> &shape() const override { return shape_; }
  void example(int64_t e, float *image, int32_t *label) const override;

private:
  IdxExamples(IdxImages images, IdxLabels labels);
  IdxImages images_;
  IdxLabels labels_;
  std::vector<int64_t> shape_;
};

/// synthetic(count, classes): floats uniform in [0, 1) and labels uniform in
/// [0, classes), example e drawn from Philox(seed, stream) from block
/// e * (size + 1) on: the same on every machine, in any order.
class SyntheticExamples : public ExampleSource {
public:
  SyntheticExamples(int64_t count, int64_t classes, std::vector<int64_t> shape, uint64_t seed,
                    uint64_t stream);
  int64_t count() const override { return count_; }
  const std::vector<int64_t> &shape() const override { return shape_; }
  void example(int64_t e, float *image, int32_t *label) const override;

private:
  int64_t count_, classes_, size_;
  std::vector<int64_t> shape_;
  uint64_t seed_, stream_;
};

struct BatcherOptions {
  int64_t batchSize = 64;
  bool shuffle = true;
  bool dropLast = false; // skip a last batch smaller than batchSize
  uint64_t seed = 0;     // of the order and of the random transforms
  std::vector<Transform> transforms; // per example, in the order written
};

class Batcher {
public:
  /// Fails (null, with a message) on a bad batch size or a transform that
  /// does not fit the examples.
  static std::unique_ptr<Batcher> create(std::unique_ptr<ExampleSource> source,
                                         const BatcherOptions &options, std::string &error);
  /// IdxExamples::create, then the above.
  static std::unique_ptr<Batcher> create(IdxImages images, IdxLabels labels,
                                         const BatcherOptions &options, std::string &error);

  int64_t examples() const { return source_->count(); }
  /// The shape of a transformed example, and its floats.
  const std::vector<int64_t> &exampleShape() const { return pipeline_.outShape(); }
  int64_t exampleSize() const { return pipeline_.outSize(); }
  int64_t batchSize() const { return options_.batchSize; }
  int64_t batchesPerEpoch() const;
  const ExampleSource &source() const { return *source_; }

  /// Sets the order for `epoch` and rewinds to its first batch; the random
  /// transforms draw for this epoch.
  void startEpoch(int64_t epoch);
  int64_t epoch() const { return epoch_; }
  /// Writes the next batch of the epoch into images [B, exampleShape()] and
  /// labels [B]; returns B (0 once the epoch is done).
  int64_t next(float *images, int32_t *labels);
  /// This epoch's order: example indices.
  const std::vector<int64_t> &order() const { return order_; }

  /// The permutation of [0, count) that shuffling uses for (seed, epoch).
  static std::vector<int64_t> shuffledOrder(int64_t count, uint64_t seed, int64_t epoch);

private:
  Batcher(std::unique_ptr<ExampleSource> source, const BatcherOptions &options);

  std::unique_ptr<ExampleSource> source_;
  BatcherOptions options_;
  ExamplePipeline pipeline_;
  std::vector<int64_t> order_;
  std::vector<float> buffer_, scratch_; // for transforms that change the shape
  int64_t position_ = 0, epoch_ = 0;
};

} // namespace nnc
