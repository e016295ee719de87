//===- Batcher.cpp --------------------------------------------------------===//
#include "runtime/Batcher.h"
#include "runtime/Philox.h"

#include <algorithm>
#include <numeric>
#include <utility>

namespace nnc {

// Data order draws from its own Philox streams, apart from initializers'.
static const uint64_t kShuffleStream = stableHash("nnc.data.shuffle");

std::unique_ptr<Batcher> Batcher::create(IdxImages images, IdxLabels labels,
                                         const BatcherOptions &options, std::string &error) {
  if (images.count != labels.count) {
    error = "label count " + std::to_string(labels.count) + " does not match image count " +
            std::to_string(images.count);
    return nullptr;
  }
  if (options.batchSize < 1) {
    error = "batch size must be at least 1, got " + std::to_string(options.batchSize);
    return nullptr;
  }
  if (images.pixels.size() != size_t(images.count * images.rows * images.cols) ||
      labels.labels.size() != size_t(labels.count)) {
    error = "image or label buffer does not match its stated size";
    return nullptr;
  }
  return std::unique_ptr<Batcher>(new Batcher(std::move(images), std::move(labels), options));
}

Batcher::Batcher(IdxImages images, IdxLabels labels, const BatcherOptions &options)
    : images_(std::move(images)), labels_(std::move(labels)), options_(options) {
  startEpoch(0);
}

int64_t Batcher::batchesPerEpoch() const {
  int64_t n = images_.count, b = options_.batchSize;
  return options_.dropLast ? n / b : (n + b - 1) / b;
}

std::vector<int64_t> Batcher::shuffledOrder(int64_t count, uint64_t seed, int64_t epoch) {
  std::vector<int64_t> order(size_t(std::max<int64_t>(count, 0)));
  std::iota(order.begin(), order.end(), int64_t(0));
  Philox gen(seed, kShuffleStream ^ uint64_t(epoch));
  for (int64_t i = count - 1; i > 0; --i)
    std::swap(order[size_t(i)], order[size_t(gen.below(uint64_t(i) + 1))]);
  return order;
}

void Batcher::startEpoch(int64_t epoch) {
  if (options_.shuffle) {
    order_ = shuffledOrder(images_.count, options_.seed, epoch);
  } else {
    order_.resize(size_t(images_.count));
    std::iota(order_.begin(), order_.end(), int64_t(0));
  }
  position_ = 0;
}

int64_t Batcher::next(float *images, int32_t *labels) {
  int64_t left = images_.count - position_;
  int64_t b = std::min(options_.batchSize, left);
  if (b <= 0 || (options_.dropLast && b < options_.batchSize))
    return 0;
  int64_t size = images_.rows * images_.cols;
  for (int64_t k = 0; k < b; ++k) {
    int64_t e = order_[size_t(position_ + k)];
    const uint8_t *src = images_.pixels.data() + e * size;
    float *dst = images + k * size;
    for (int64_t i = 0; i < size; ++i)
      dst[i] = float(src[i]) * options_.scale;
    labels[k] = labels_.labels[size_t(e)];
  }
  position_ += b;
  return b;
}

} // namespace nnc
