//===- RuntimeTestUtil.h - Helpers for the runtime's unit tests -----------===//
#pragma once

#include "runtime/Philox.h"
#include "runtime/Runtime.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace nnc::test {

/// Uniform values in [lo, hi) from Philox, so inputs are the same everywhere.
inline std::vector<float> randomVector(size_t n, uint64_t stream, float lo = -1, float hi = 1) {
  std::vector<float> v(n);
  for (size_t i = 0; i < n; ++i)
    v[i] = lo + (hi - lo) * Philox::uniform(Philox::at(1234, stream, i)[0]);
  return v;
}

/// A reference result in double with, per element, the sum of the absolute
/// values of its terms: the scale a float rounding error is relative to.
struct Reference {
  std::vector<double> value, magnitude;
  explicit Reference(size_t n) : value(n, 0.0), magnitude(n, 0.0) {}
  void add(size_t i, double term) {
    value[i] += term;
    magnitude[i] += std::fabs(term);
  }
};

/// Expects |got - ref| <= tol * magnitude for every element.
inline void expectClose(const std::vector<float> &got, const Reference &ref, const char *what,
                        double tol = 1e-4) {
  ASSERT_EQ(got.size(), ref.value.size()) << what;
  int bad = 0;
  for (size_t i = 0; i < got.size(); ++i) {
    double err = std::fabs(double(got[i]) - ref.value[i]);
    if (!(err <= tol * ref.magnitude[i] + 1e-30)) {
      if (++bad <= 5)
        ADD_FAILURE() << what << "[" << i << "]: got " << got[i] << ", expected " << ref.value[i]
                      << " (error " << err << ", scale " << ref.magnitude[i] << ")";
    }
  }
  EXPECT_EQ(bad, 0) << what << ": " << bad << " of " << got.size() << " elements differ";
}

struct CtxDeleter {
  void operator()(nnc_ctx *c) const { nnc_ctx_destroy(c); }
};
using CtxPtr = std::unique_ptr<nnc_ctx, CtxDeleter>;

inline CtxPtr makeCtx(int32_t threads = 0) {
  CtxPtr ctx(nnc_ctx_create(threads));
  EXPECT_NE(ctx, nullptr);
  EXPECT_EQ(nnc_ctx_error(ctx.get()), nullptr);
  return ctx;
}

inline std::string errorOf(nnc_ctx *ctx) {
  const char *e = nnc_ctx_error(ctx);
  return e ? e : "";
}

} // namespace nnc::test
