//===- Batcher.h - Batches of IDX examples in a per-epoch order -----------===//
//
// Yields (float images [B, 1, rows, cols] times a scale, int32 labels [B]).
// With shuffling, each epoch's order is a Fisher-Yates permutation driven by
// Philox(seed, epoch): the same on every machine, different across epochs.
//
//===----------------------------------------------------------------------===//
#pragma once

#include "runtime/Idx.h"

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace nnc {

struct BatcherOptions {
  int64_t batchSize = 64;
  float scale = 1.0f;
  bool shuffle = true;
  bool dropLast = false; // skip a last batch smaller than batchSize
  uint64_t seed = 0;
};

class Batcher {
public:
  /// Fails (null, with a message) on mismatched counts or a bad batch size.
  static std::unique_ptr<Batcher> create(IdxImages images, IdxLabels labels,
                                         const BatcherOptions &options, std::string &error);

  int64_t examples() const { return images_.count; }
  int64_t rows() const { return images_.rows; }
  int64_t cols() const { return images_.cols; }
  int64_t batchesPerEpoch() const;

  /// Sets the order for `epoch` and rewinds to its first batch.
  void startEpoch(int64_t epoch);
  /// Writes the next batch of the epoch into images [B,1,rows,cols] and
  /// labels [B]; returns B (0 once the epoch is done).
  int64_t next(float *images, int32_t *labels);
  /// This epoch's order: example indices.
  const std::vector<int64_t> &order() const { return order_; }

  /// The permutation of [0, count) that shuffling uses for (seed, epoch).
  static std::vector<int64_t> shuffledOrder(int64_t count, uint64_t seed, int64_t epoch);

private:
  Batcher(IdxImages images, IdxLabels labels, const BatcherOptions &options);

  IdxImages images_;
  IdxLabels labels_;
  BatcherOptions options_;
  std::vector<int64_t> order_;
  int64_t position_ = 0;
};

} // namespace nnc
