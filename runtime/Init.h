//===- Init.h - Parameter initializers ------------------------------------===//
//
// The initializers of lang/SPEC.md §11. Element i draws from Philox counter
// (i, stream) under the seed, so values do not depend on the thread count and
// are the same on every machine.
//
//===----------------------------------------------------------------------===//
#pragma once

#include <cstdint>

namespace nnc {

struct InitSpec {
  enum class Kind { Constant, Uniform, Gaussian, Xavier, Msra };
  Kind kind = Kind::Constant;
  double a = 0, b = 0; // constant: value; uniform: low, high; gaussian: mean, std

  static InitSpec constant(double value) { return {Kind::Constant, value, 0}; }
  static InitSpec uniform(double low, double high) { return {Kind::Uniform, low, high}; }
  static InitSpec gaussian(double mean, double std) { return {Kind::Gaussian, mean, std}; }
  /// Caffe's default xavier: uniform in ±sqrt(3 / fan_in).
  static InitSpec xavier() { return {Kind::Xavier, 0, 0}; }
  /// He et al.: normal with std sqrt(2 / fan_in).
  static InitSpec msra() { return {Kind::Msra, 0, 0}; }
};

/// Fills p[0, n). fanIn is the inputs per output element ((C/groups)·kh·kw for
/// conv2d, K for dense); fanOut is accepted for initializers that use it.
void initTensor(float *p, int64_t n, const InitSpec &spec, int64_t fanIn, int64_t fanOut,
                uint64_t seed, uint64_t stream);

} // namespace nnc
