//===- RefTestUtil.h - Helpers for the reference-kernel tests -------------===//
//
// A fixed-seed splitmix64 generator (no std distributions, so the data is the
// same on every platform), random tensors, and a central finite-difference
// gradient checker.
//
//===----------------------------------------------------------------------===//
#ifndef NNC_TEST_REFERENCE_REFTESTUTIL_H
#define NNC_TEST_REFERENCE_REFTESTUTIL_H

#include "ir/reference/Kernels.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace nnc::ref::test {

/// splitmix64 (Steele, Lea, Flood 2014).
class SplitMix64 {
public:
  explicit SplitMix64(uint64_t seed) : state_(seed) {}
  uint64_t next() {
    uint64_t z = (state_ += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  /// Uniform in [0, 1) with 53 random bits.
  double unit() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }
  /// Uniform in [lo, hi).
  double uniform(double lo, double hi) { return lo + (hi - lo) * unit(); }
  /// Uniform integer in [0, n).
  int64_t below(int64_t n) {
    return static_cast<int64_t>(next() % static_cast<uint64_t>(n));
  }

private:
  uint64_t state_;
};

inline Tensor<double> randomTensor(SplitMix64 &rng,
                                   const std::vector<int64_t> &shape,
                                   double lo = -1.0, double hi = 1.0) {
  Tensor<double> t = Tensor<double>::zeros(shape);
  for (double &v : t.data)
    v = rng.uniform(lo, hi);
  return t;
}

/// Values with magnitude in [lo, hi) and a random sign (for divisors).
inline Tensor<double> randomAwayFromZero(SplitMix64 &rng,
                                         const std::vector<int64_t> &shape,
                                         double lo, double hi) {
  Tensor<double> t = randomTensor(rng, shape, lo, hi);
  for (double &v : t.data)
    if (rng.next() & 1)
      v = -v;
  return t;
}

inline Tensor<float> toFloat(const Tensor<double> &t) {
  Tensor<float> f;
  f.shape = t.shape;
  f.data.assign(t.data.begin(), t.data.end());
  return f;
}

inline double dot(const Tensor<double> &a, const Tensor<double> &b) {
  double s = 0;
  for (size_t i = 0; i < a.data.size() && i < b.data.size(); ++i)
    s += a.data[i] * b.data[i];
  return s;
}

/// Central finite differences of L(x) = <f(x), r> against `analytic`,
/// which must be dL/dx. f must not fail. Tolerance is
/// rtol * max(1, |analytic|, |numeric|) per element.
inline void expectGradient(const std::function<Tensor<double>(
                               const Tensor<double> &)> &f,
                           const Tensor<double> &x, const Tensor<double> &r,
                           const Tensor<double> &analytic,
                           const std::string &what, double eps = 1e-6,
                           double rtol = 2e-6) {
  SCOPED_TRACE(what);
  ASSERT_TRUE(analytic.wellFormed()) << "analytic gradient is an error";
  ASSERT_EQ(analytic.shape, x.shape);
  {
    Tensor<double> y = f(x);
    ASSERT_TRUE(y.wellFormed());
    ASSERT_EQ(y.shape, r.shape);
  }
  Tensor<double> xp = x;
  int failures = 0;
  for (size_t i = 0; i < x.data.size(); ++i) {
    xp.data[i] = x.data[i] + eps;
    double lp = dot(f(xp), r);
    xp.data[i] = x.data[i] - eps;
    double lm = dot(f(xp), r);
    xp.data[i] = x.data[i];
    double numeric = (lp - lm) / (2 * eps);
    double a = analytic.data[i];
    double tol =
        rtol * std::max({1.0, std::fabs(a), std::fabs(numeric)});
    if (!(std::fabs(numeric - a) <= tol) && failures++ < 5)
      ADD_FAILURE() << what << ": element " << i << " analytic " << a
                    << " numeric " << numeric;
  }
  EXPECT_EQ(failures, 0) << what << ": " << failures << " of "
                         << x.data.size() << " elements differ";
}

/// Element-wise comparison with tolerance atol + rtol*|expected|.
template <typename A, typename B>
void expectClose(const Tensor<A> &actual, const Tensor<B> &expected,
                 double rtol, double atol, const std::string &what = "") {
  SCOPED_TRACE(what);
  ASSERT_TRUE(actual.wellFormed());
  ASSERT_TRUE(expected.wellFormed());
  ASSERT_EQ(actual.shape, expected.shape);
  int failures = 0;
  for (size_t i = 0; i < actual.data.size(); ++i) {
    double a = static_cast<double>(actual.data[i]);
    double e = static_cast<double>(expected.data[i]);
    if (!(std::fabs(a - e) <= atol + rtol * std::fabs(e)) && failures++ < 5)
      ADD_FAILURE() << what << ": element " << i << " got " << a
                    << " expected " << e;
  }
  EXPECT_EQ(failures, 0);
}

inline Tensor<double> mk(std::vector<int64_t> shape, std::vector<double> data) {
  return Tensor<double>(std::move(shape), std::move(data));
}

} // namespace nnc::ref::test

#endif // NNC_TEST_REFERENCE_REFTESTUTIL_H
