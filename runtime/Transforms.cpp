//===- Transforms.cpp -----------------------------------------------------===//
#include "runtime/Transforms.h"
#include "runtime/Philox.h"

#include <algorithm>
#include <cstring>
#include <utility>

namespace nnc {

// Larger windows are taken for mistakes, not allocated.
constexpr int64_t kMaxSide = 16384;

Transform Transform::scale(float factor) {
  Transform t;
  t.kind = TransformKind::Scale;
  t.factor = factor;
  return t;
}

Transform Transform::normalize(std::vector<float> mean, std::vector<float> std) {
  Transform t;
  t.kind = TransformKind::Normalize;
  t.mean = std::move(mean);
  t.std = std::move(std);
  return t;
}

Transform Transform::randomCrop(int64_t size, int64_t pad, int occurrence) {
  Transform t;
  t.kind = TransformKind::RandomCrop;
  t.size = size;
  t.pad = pad;
  t.stream = transformStream("random_crop", occurrence);
  return t;
}

Transform Transform::mirror(int occurrence) {
  Transform t;
  t.kind = TransformKind::Mirror;
  t.stream = transformStream("mirror", occurrence);
  return t;
}

const char *Transform::name() const {
  switch (kind) {
  case TransformKind::Scale: return "scale";
  case TransformKind::Normalize: return "normalize";
  case TransformKind::RandomCrop: return "random_crop";
  case TransformKind::Mirror: return "mirror";
  }
  return "?";
}

uint64_t transformStream(const char *name, int occurrence) {
  return stableHash(std::string("nnc.data.") + name) + uint64_t(occurrence);
}

TransformDraw transformDraw(uint64_t seed, uint64_t stream, int64_t epoch, int64_t example) {
  uint64_t index = uint64_t(uint32_t(example)) | uint64_t(uint32_t(epoch)) << 32;
  Philox::Counter c = Philox::at(seed, stream, index);
  return {{c[0], c[1], c[2], c[3]}};
}

void cropOffsets(const TransformDraw &d, int64_t height, int64_t width, int64_t size, int64_t pad,
                 int64_t &top, int64_t &left) {
  uint32_t rows = uint32_t(height + 2 * pad - size + 1), cols = uint32_t(width + 2 * pad - size + 1);
  top = int64_t(d.w[0] % rows);
  left = int64_t(d.w[1] % cols);
}

void scaleExample(float *x, int64_t n, float factor) {
  for (int64_t i = 0; i < n; ++i)
    x[i] *= factor;
}

void normalizeExample(float *x, int64_t channels, int64_t plane, const std::vector<float> &mean,
                      const std::vector<float> &std) {
  for (int64_t c = 0; c < channels; ++c) {
    float m = mean.size() == 1 ? mean[0] : mean[size_t(c)];
    float s = std.size() == 1 ? std[0] : std[size_t(c)];
    float *p = x + c * plane;
    for (int64_t i = 0; i < plane; ++i)
      p[i] = (p[i] - m) / s;
  }
}

void cropExample(const float *x, int64_t channels, int64_t height, int64_t width, int64_t pad,
                 int64_t size, int64_t top, int64_t left, float *out) {
  // Output row r, column j reads padded (top + r, left + j), i.e. source
  // (top + r - pad, left + j - pad) where that lies inside the example.
  int64_t j0 = std::clamp<int64_t>(pad - left, 0, size);          // first column inside
  int64_t j1 = std::clamp<int64_t>(width + pad - left, j0, size); // one past the last
  for (int64_t c = 0; c < channels; ++c) {
    const float *src = x + c * height * width;
    float *dst = out + c * size * size;
    for (int64_t r = 0; r < size; ++r) {
      float *row = dst + r * size;
      int64_t y = top + r - pad;
      if (y < 0 || y >= height) {
        std::fill(row, row + size, 0.0f);
        continue;
      }
      std::fill(row, row + j0, 0.0f);
      if (j1 > j0)
        std::memcpy(row + j0, src + y * width + (left + j0 - pad), size_t(j1 - j0) * sizeof(float));
      std::fill(row + j1, row + size, 0.0f);
    }
  }
}

void mirrorExample(float *x, int64_t channels, int64_t height, int64_t width) {
  for (int64_t r = 0; r < channels * height; ++r)
    std::reverse(x + r * width, x + (r + 1) * width);
}

int64_t ExamplePipeline::numel(const std::vector<int64_t> &shape) {
  int64_t n = 1;
  for (int64_t d : shape)
    n *= d;
  return n;
}

std::string shapeText(const std::vector<int64_t> &shape) {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i)
    s += (i ? ", " : "") + std::to_string(shape[i]);
  return s + "]";
}

bool ExamplePipeline::init(std::vector<int64_t> inShape, std::vector<Transform> transforms,
                           std::string &error) {
  in_ = std::move(inShape);
  ts_ = std::move(transforms);
  std::vector<int64_t> shape = in_;
  max_ = numel(shape);
  inPlace_ = true;
  shapes_.clear();
  for (const Transform &t : ts_) {
    shapes_.push_back(shape);
    switch (t.kind) {
    case TransformKind::Scale:
      break;
    case TransformKind::Normalize: {
      int64_t channels = shape.empty() ? 1 : shape[0];
      for (const auto *values : {&t.mean, &t.std}) {
        const char *what = values == &t.mean ? "mean" : "std";
        if (values->size() != 1 && int64_t(values->size()) != channels) {
          error = "normalize has " + std::to_string(values->size()) + " " + what +
                  " values, but the examples " + shapeText(shape) + " have " + std::to_string(channels) +
                  " channel" + (channels == 1 ? "" : "s") + ": expected one number, or a list of " +
                  std::to_string(channels) + " (one per channel)";
          return false;
        }
      }
      for (size_t c = 0; c < t.std.size(); ++c)
        if (t.std[c] == 0.0f) {
          error = "normalize's std must not be 0" +
                  (t.std.size() > 1 ? " (channel " + std::to_string(c) + ")" : std::string());
          return false;
        }
      break;
    }
    case TransformKind::RandomCrop: {
      if (shape.size() != 3) {
        error = "random_crop needs examples [C, H, W], got " + shapeText(shape);
        return false;
      }
      if (t.size < 1 || t.pad < 0 || t.size > kMaxSide || t.pad > kMaxSide) {
        error = "random_crop needs 1 <= size <= " + std::to_string(kMaxSide) + " and 0 <= pad <= " +
                std::to_string(kMaxSide) + ", got size=" + std::to_string(t.size) +
                ", pad=" + std::to_string(t.pad);
        return false;
      }
      int64_t h = shape[1] + 2 * t.pad, w = shape[2] + 2 * t.pad;
      if (t.size > h || t.size > w) {
        error = "random_crop(size=" + std::to_string(t.size) + ", pad=" + std::to_string(t.pad) +
                ") does not fit examples " + shapeText(shape) + ": padded they are " +
                std::to_string(h) + "x" + std::to_string(w) + ", smaller than " +
                std::to_string(t.size) + "x" + std::to_string(t.size);
        return false;
      }
      shape = {shape[0], t.size, t.size};
      inPlace_ = false;
      break;
    }
    case TransformKind::Mirror:
      if (shape.size() != 3) {
        error = "mirror needs examples [C, H, W], got " + shapeText(shape);
        return false;
      }
      break;
    }
    max_ = std::max(max_, numel(shape));
  }
  out_ = shape;
  return true;
}

void ExamplePipeline::apply(float *x, float *scratch, uint64_t seed, int64_t epoch,
                            int64_t example) const {
  for (size_t k = 0; k < ts_.size(); ++k) {
    const Transform &t = ts_[k];
    const std::vector<int64_t> &shape = shapes_[k];
    switch (t.kind) {
    case TransformKind::Scale:
      scaleExample(x, numel(shape), t.factor);
      break;
    case TransformKind::Normalize: {
      int64_t channels = shape.empty() ? 1 : shape[0];
      normalizeExample(x, channels, numel(shape) / channels, t.mean, t.std);
      break;
    }
    case TransformKind::RandomCrop: {
      int64_t top, left;
      cropOffsets(transformDraw(seed, t.stream, epoch, example), shape[1], shape[2], t.size, t.pad,
                  top, left);
      cropExample(x, shape[0], shape[1], shape[2], t.pad, t.size, top, left, scratch);
      std::memcpy(x, scratch, size_t(shape[0] * t.size * t.size) * sizeof(float));
      break;
    }
    case TransformKind::Mirror:
      if (mirrorFlips(transformDraw(seed, t.stream, epoch, example)))
        mirrorExample(x, shape[0], shape[1], shape[2]);
      break;
    }
  }
}

} // namespace nnc
