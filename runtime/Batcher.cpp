//===- Batcher.cpp --------------------------------------------------------===//
#include "runtime/Batcher.h"
#include "runtime/Philox.h"

#include <algorithm>
#include <cstring>
#include <numeric>
#include <utility>

namespace nnc {

// Data order draws from its own Philox streams, apart from initializers'.
static const uint64_t kShuffleStream = stableHash("nnc.data.shuffle");

std::unique_ptr<IdxExamples> IdxExamples::create(IdxImages images, IdxLabels labels,
                                                 std::string &error) {
  if (images.count != labels.count) {
    error = "label count " + std::to_string(labels.count) + " does not match image count " +
            std::to_string(images.count);
    return nullptr;
  }
  if (images.pixels.size() != size_t(images.count * images.rows * images.cols) ||
      labels.labels.size() != size_t(labels.count)) {
    error = "image or label buffer does not match its stated size";
    return nullptr;
  }
  return std::unique_ptr<IdxExamples>(new IdxExamples(std::move(images), std::move(labels)));
}

IdxExamples::IdxExamples(IdxImages images, IdxLabels labels)
    : images_(std::move(images)), labels_(std::move(labels)),
      shape_{1, images_.rows, images_.cols} {}

void IdxExamples::example(int64_t e, float *image, int32_t *label) const {
  int64_t size = images_.rows * images_.cols;
  const uint8_t *src = images_.pixels.data() + e * size;
  for (int64_t i = 0; i < size; ++i)
    image[i] = float(src[i]);
  *label = labels_.labels[size_t(e)];
}

SyntheticExamples::SyntheticExamples(int64_t count, int64_t classes, std::vector<int64_t> shape,
                                     uint64_t seed, uint64_t stream)
    : count_(count), classes_(classes), size_(ExamplePipeline::numel(shape)),
      shape_(std::move(shape)), seed_(seed), stream_(stream) {}

void SyntheticExamples::example(int64_t e, float *image, int32_t *label) const {
  Philox rng(seed_, stream_, uint64_t(e) * uint64_t(size_ + 1));
  for (int64_t i = 0; i < size_; ++i)
    image[i] = rng.nextUniform();
  *label = int32_t(rng.next32() % uint32_t(classes_));
}

std::unique_ptr<Batcher> Batcher::create(IdxImages images, IdxLabels labels,
                                         const BatcherOptions &options, std::string &error) {
  auto source = IdxExamples::create(std::move(images), std::move(labels), error);
  if (!source)
    return nullptr;
  return create(std::move(source), options, error);
}

std::unique_ptr<Batcher> Batcher::create(std::unique_ptr<ExampleSource> source,
                                         const BatcherOptions &options, std::string &error) {
  if (options.batchSize < 1) {
    error = "batch size must be at least 1, got " + std::to_string(options.batchSize);
    return nullptr;
  }
  ExamplePipeline pipeline;
  if (!pipeline.init(source->shape(), options.transforms, error))
    return nullptr;
  std::unique_ptr<Batcher> b(new Batcher(std::move(source), options));
  b->pipeline_ = std::move(pipeline);
  if (!b->pipeline_.inPlace()) {
    b->buffer_.resize(size_t(b->pipeline_.maxSize()));
    b->scratch_.resize(size_t(b->pipeline_.maxSize()));
  }
  return b;
}

Batcher::Batcher(std::unique_ptr<ExampleSource> source, const BatcherOptions &options)
    : source_(std::move(source)), options_(options) {
  startEpoch(0);
}

int64_t Batcher::batchesPerEpoch() const {
  int64_t n = examples(), b = options_.batchSize;
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
    order_ = shuffledOrder(examples(), options_.seed, epoch);
  } else {
    order_.resize(size_t(examples()));
    std::iota(order_.begin(), order_.end(), int64_t(0));
  }
  position_ = 0;
  epoch_ = epoch;
}

int64_t Batcher::next(float *images, int32_t *labels) {
  int64_t left = examples() - position_;
  int64_t b = std::min(options_.batchSize, left);
  if (b <= 0 || (options_.dropLast && b < options_.batchSize))
    return 0;
  int64_t size = exampleSize();
  for (int64_t k = 0; k < b; ++k) {
    int64_t e = order_[size_t(position_ + k)];
    float *dst = images + k * size;
    if (pipeline_.inPlace()) {
      source_->example(e, dst, &labels[k]);
      pipeline_.apply(dst, nullptr, options_.seed, epoch_, e);
    } else {
      source_->example(e, buffer_.data(), &labels[k]);
      pipeline_.apply(buffer_.data(), scratch_.data(), options_.seed, epoch_, e);
      std::memcpy(dst, buffer_.data(), size_t(size) * sizeof(float));
    }
  }
  position_ += b;
  return b;
}

} // namespace nnc
