//===- Dropout.h - The dropout mask, shared by runtime and evaluator ------===//
//
// Element i of a dropout site's mask at a training step is a pure function
// of (seed, stream, step, i): Philox4x32-10 keyed by the seed, counter
// (i / 4, step, stream low, stream high), word i % 4, uniform in [0, 1) from
// its top 24 bits; the element is kept (1) when that uniform is >= rate,
// dropped (0) otherwise. `stream` names the site (the compiler derives it
// from the op's name), `step` is the training iteration (32 bits used), so a
// run is reproducible on any thread count and the reference evaluator can
// draw the very same mask.
//
//===----------------------------------------------------------------------===//
#pragma once

#include "runtime/Philox.h"

#include <cstdint>

namespace nnc {

/// Fills mask[begin, end) with the 0/1 keep decisions (T: float or double).
template <typename T>
void dropoutMask(uint64_t seed, uint64_t stream, uint64_t step, float rate, int64_t begin, int64_t end, T *mask) {
  Philox::Key key{uint32_t(seed), uint32_t(seed >> 32)};
  for (int64_t i = begin; i < end;) {
    uint64_t blockIndex = uint64_t(i) / 4;
    Philox::Counter words =
        Philox::block({uint32_t(blockIndex), uint32_t(step), uint32_t(stream), uint32_t(stream >> 32)}, key);
    for (int64_t w = i % 4; w < 4 && i < end; ++w, ++i) mask[i] = Philox::uniform(words[w]) >= rate ? T(1) : T(0);
  }
}

} // namespace nnc
