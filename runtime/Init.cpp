//===- Init.cpp - Parameter initializers ----------------------------------===//
#include "runtime/Init.h"
#include "runtime/Philox.h"

#include <algorithm>
#include <cmath>

namespace nnc {

void initTensor(float *p, int64_t n, const InitSpec &spec, int64_t fanIn, int64_t fanOut,
                uint64_t seed, uint64_t stream) {
  double fan = double(std::max<int64_t>(fanIn, 1));
  auto uniformFill = [&](double low, double high) {
    for (int64_t i = 0; i < n; ++i)
      p[i] = float(low + (high - low) * Philox::uniform(Philox::at(seed, stream, i)[0]));
  };
  auto gaussianFill = [&](double mean, double std) {
    for (int64_t i = 0; i < n; ++i) {
      Philox::Counter r = Philox::at(seed, stream, i);
      p[i] = float(mean + std * Philox::normal(r[0], r[1]));
    }
  };
  switch (spec.kind) {
  case InitSpec::Kind::Constant:
    std::fill(p, p + std::max<int64_t>(n, 0), float(spec.a));
    break;
  case InitSpec::Kind::Uniform:
    uniformFill(spec.a, spec.b);
    break;
  case InitSpec::Kind::Gaussian:
    gaussianFill(spec.a, spec.b);
    break;
  case InitSpec::Kind::Xavier: {
    double a = std::sqrt(3.0 / fan);
    uniformFill(-a, a);
    break;
  }
  case InitSpec::Kind::Msra:
    gaussianFill(0.0, std::sqrt(2.0 / fan));
    break;
  }
}

} // namespace nnc
