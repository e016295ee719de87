//===- Philox.h - Philox4x32-10 counter-based random numbers --------------===//
//
// Salmon et al., "Parallel random numbers: as easy as 1, 2, 3" (SC 2011).
// A draw is a pure function of (key, counter), so element i of a tensor gets
// the same value on every thread count, machine and device. Floats are made
// here rather than by std:: distributions, whose output varies by library.
//
//===----------------------------------------------------------------------===//
#pragma once

#include <array>
#include <cmath>
#include <cstdint>
#include <string_view>

namespace nnc {

class Philox {
public:
  using Counter = std::array<uint32_t, 4>;
  using Key = std::array<uint32_t, 2>;

  /// The ten-round Philox4x32 block function.
  static constexpr Counter block(Counter c, Key k) {
    for (int round = 0; round < 10; ++round) {
      if (round > 0) {
        k[0] += 0x9E3779B9u;
        k[1] += 0xBB67AE85u;
      }
      uint64_t p0 = uint64_t(0xD2511F53u) * c[0], p1 = uint64_t(0xCD9E8D57u) * c[2];
      c = {uint32_t(p1 >> 32) ^ c[1] ^ k[0], uint32_t(p1), uint32_t(p0 >> 32) ^ c[3] ^ k[1],
           uint32_t(p0)};
    }
    return c;
  }

  /// The block for position `index` of `stream` under `seed`: key = seed,
  /// counter = (index, stream), both split into little-endian 32-bit words.
  static constexpr Counter at(uint64_t seed, uint64_t stream, uint64_t index) {
    return block({uint32_t(index), uint32_t(index >> 32), uint32_t(stream), uint32_t(stream >> 32)},
                 {uint32_t(seed), uint32_t(seed >> 32)});
  }

  /// Uniform in [0, 1) from the top 24 bits (exact in float).
  static float uniform(uint32_t bits) { return float(bits >> 8) * 0x1p-24f; }

  /// Standard normal by Box-Muller (the cosine branch) from two words.
  static float normal(uint32_t a, uint32_t b) {
    double u1 = double((a >> 8) + 1) * 0x1p-24; // (0, 1]: log stays finite
    double u2 = double(b >> 8) * 0x1p-24;
    return float(std::sqrt(-2.0 * std::log(u1)) * std::cos(6.283185307179586 * u2));
  }

  /// A sequential generator over one (seed, stream), starting at block `index`.
  Philox(uint64_t seed, uint64_t stream, uint64_t index = 0)
      : seed_(seed), stream_(stream), index_(index) {}

  uint32_t next32() {
    if (used_ == 4) {
      words_ = at(seed_, stream_, index_++);
      used_ = 0;
    }
    return words_[used_++];
  }
  uint64_t next64() {
    uint64_t lo = next32();
    return lo | uint64_t(next32()) << 32;
  }
  float nextUniform() { return uniform(next32()); }
  float nextNormal() {
    uint32_t a = next32();
    return normal(a, next32());
  }
  /// Uniform integer in [0, bound), bound >= 1 (bias below 2^-32 for bound < 2^32).
  uint64_t below(uint64_t bound) { return next64() % bound; }

private:
  uint64_t seed_, stream_, index_;
  Counter words_{};
  int used_ = 4;
};

/// A stable 64-bit name hash (FNV-1a) for deriving streams, e.g. from a
/// parameter name, so that adding a layer does not move the others' draws.
constexpr uint64_t stableHash(std::string_view s) {
  uint64_t h = 0xcbf29ce484222325ull;
  for (char ch : s)
    h = (h ^ uint8_t(ch)) * 0x100000001b3ull;
  return h;
}

} // namespace nnc
