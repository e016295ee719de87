//===- DenseTest.cpp - dense wrappers against naive loops -----------------===//
#include "RuntimeTestUtil.h"

#include <ostream>

using namespace nnc::test;

namespace {

struct DenseCase {
  const char *name;
  int64_t n, in, out;
  bool bias;
};
std::ostream &operator<<(std::ostream &os, const DenseCase &k) { return os << k.name; }

class DenseTest : public ::testing::TestWithParam<DenseCase> {};

TEST_P(DenseTest, ForwardAndBackwardMatchNaiveLoops) {
  const DenseCase k = GetParam();
  size_t xs = size_t(k.n * k.in), ws = size_t(k.out * k.in), ys = size_t(k.n * k.out);
  std::vector<float> x = randomVector(xs, 21), w = randomVector(ws, 22),
                     b = randomVector(size_t(k.out), 23), dy = randomVector(ys, 24);
  Reference y(ys), dx(xs), dw(ws), db(size_t(k.out));
  for (int64_t n = 0; n < k.n; ++n)
    for (int64_t o = 0; o < k.out; ++o) {
      size_t yo = size_t(n * k.out + o);
      for (int64_t i = 0; i < k.in; ++i) {
        size_t xi = size_t(n * k.in + i), wi = size_t(o * k.in + i);
        y.add(yo, double(x[xi]) * w[wi]);
        dx.add(xi, double(dy[yo]) * w[wi]);
        dw.add(wi, double(dy[yo]) * x[xi]);
      }
      if (k.bias)
        y.add(yo, b[size_t(o)]);
      db.add(size_t(o), dy[yo]);
    }

  CtxPtr ctx = makeCtx();
  nnc_cpu_dense_init(ctx.get(), 0, k.n, k.in, k.out, k.bias);
  std::vector<float> gy(ys, 1e30f), gdx(xs, 1e30f), gdw(ws, 1e30f), gdb(size_t(k.out), 1e30f);
  nnc_cpu_dense_fwd(ctx.get(), 0, x.data(), w.data(), k.bias ? b.data() : nullptr, gy.data());
  nnc_cpu_dense_bwd_data(ctx.get(), 0, dy.data(), w.data(), gdx.data());
  nnc_cpu_dense_bwd_weights(ctx.get(), 0, x.data(), dy.data(), gdw.data(),
                            k.bias ? gdb.data() : nullptr);
  ASSERT_EQ(errorOf(ctx.get()), "");
  expectClose(gy, y, "y");
  expectClose(gdx, dx, "dx");
  expectClose(gdw, dw, "dw");
  if (k.bias)
    expectClose(gdb, db, "db");
}

// name, n, in, out, bias
INSTANTIATE_TEST_SUITE_P(
    Shapes, DenseTest,
    ::testing::Values(DenseCase{"LeNetIp1", 64, 800, 500, true},
                      DenseCase{"LeNetIp2", 64, 500, 10, true}, DenseCase{"Odd", 3, 7, 5, false},
                      DenseCase{"Wide", 5, 33, 130, true}, DenseCase{"Single", 1, 1, 1, true}),
    [](const ::testing::TestParamInfo<DenseCase> &info) { return std::string(info.param.name); });

} // namespace
