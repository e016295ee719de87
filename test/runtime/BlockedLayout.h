//===- BlockedLayout.h - nChw<block>c copies of NCHW buffers for tests -----===//
//
// The channel-blocked layout between library calls (runtime/Runtime.h):
// N x ceil(C / block) x H x W x block floats, channel c of a pixel at block
// c / block, lane c % block; the lanes past C are padding and read as zero.
//
//===----------------------------------------------------------------------===//
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace nnc::test {

struct BlockedLayout {
  int64_t n, c, h, w, block;

  int64_t blocks() const { return (c + block - 1) / block; }
  std::size_t size() const { return std::size_t(n * blocks() * block * h * w); }
  /// Where plain element (in, ic, iy, ix) lives.
  std::size_t at(int64_t in, int64_t ic, int64_t iy, int64_t ix) const {
    return std::size_t((((in * blocks() + ic / block) * h + iy) * w + ix) * block + ic % block);
  }

  /// A blocked copy of a plain NCHW buffer, padded channels zero.
  std::vector<float> toBlocked(const std::vector<float> &plain) const {
    std::vector<float> out(size(), 0.0f);
    forEach([&](std::size_t p, std::size_t b) { out[b] = plain[p]; });
    return out;
  }
  /// The plain NCHW buffer of a blocked one (padding dropped).
  std::vector<float> toPlain(const std::vector<float> &blocked) const {
    std::vector<float> out(std::size_t(n * c * h * w));
    forEach([&](std::size_t p, std::size_t b) { out[p] = blocked[b]; });
    return out;
  }
  /// How many padded lanes of a blocked buffer are not zero.
  int nonZeroPadding(const std::vector<float> &blocked) const {
    int bad = 0;
    for (int64_t in = 0; in < n; ++in)
      for (int64_t ic = c; ic < blocks() * block; ++ic)
        for (int64_t iy = 0; iy < h; ++iy)
          for (int64_t ix = 0; ix < w; ++ix)
            bad += blocked[at(in, ic, iy, ix)] != 0.0f;
    return bad;
  }

private:
  /// f(plain index, blocked index) for every real element.
  template <typename F> void forEach(F f) const {
    std::size_t p = 0;
    for (int64_t in = 0; in < n; ++in)
      for (int64_t ic = 0; ic < c; ++ic)
        for (int64_t iy = 0; iy < h; ++iy)
          for (int64_t ix = 0; ix < w; ++ix)
            f(p++, at(in, ic, iy, ix));
  }
};

} // namespace nnc::test
