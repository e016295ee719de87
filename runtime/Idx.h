//===- Idx.h - Reading IDX data files (MNIST, Fashion-MNIST) --------------===//
//
// IDX files of unsigned bytes: images (magic 0x00000803, [N, rows, cols]) and
// labels (magic 0x00000801, [N]), gzip-compressed or raw. Every failure comes
// back as a message naming the file and the problem; nothing throws.
//
//===----------------------------------------------------------------------===//
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace nnc {

struct IdxImages {
  int64_t count = 0, rows = 0, cols = 0;
  std::vector<uint8_t> pixels; // count * rows * cols, row-major
};

struct IdxLabels {
  int64_t count = 0;
  std::vector<uint8_t> labels;
};

/// Limits past which a header is taken as corrupt rather than trusted.
constexpr int64_t kIdxMaxSide = 16384;
constexpr int64_t kIdxMaxCount = (int64_t(1) << 31) - 1;
constexpr int64_t kIdxMaxBytes = int64_t(1) << 34;

bool readIdxImages(const std::string &path, IdxImages &out, std::string &error);
bool readIdxLabels(const std::string &path, IdxLabels &out, std::string &error);
/// Both files of a data set; fails unless they hold the same number of examples.
bool readIdxDataset(const std::string &imagesPath, const std::string &labelsPath,
                    IdxImages &images, IdxLabels &labels, std::string &error);

} // namespace nnc
