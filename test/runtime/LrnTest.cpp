//===- LrnTest.cpp - lrn wrappers against the reference kernels -----------===//
#include "BlockedLayout.h"
#include "RuntimeTestUtil.h"

#include "ir/reference/Kernels.h"

#include <ostream>

using namespace nnc::test;

namespace {

struct LrnCase {
  const char *name;
  int64_t n, c, h, w, size;
  double alpha, beta, k;
};
std::ostream &operator<<(std::ostream &os, const LrnCase &k) { return os << k.name; }

class LrnTest : public ::testing::TestWithParam<LrnCase> {};

TEST_P(LrnTest, ForwardAndBackwardMatchTheReferenceKernels) {
  const LrnCase k = GetParam();
  size_t count = size_t(k.n * k.c * k.h * k.w);
  std::vector<float> x = randomVector(count, 21, -2, 2), dy = randomVector(count, 22);
  nnc::ref::Tensor<double> rx({k.n, k.c, k.h, k.w}, std::vector<double>(x.begin(), x.end()));
  nnc::ref::Tensor<double> rdy({k.n, k.c, k.h, k.w}, std::vector<double>(dy.begin(), dy.end()));
  nnc::ref::LrnAttrs attrs{k.size, k.alpha, k.beta, k.k};
  std::string error;
  nnc::ref::Tensor<double> ry = nnc::ref::lrn(rx, attrs, &error), rdx = nnc::ref::lrnBackward(rx, rdy, attrs, &error);
  ASSERT_EQ(error, "");
  Reference y(count), dx(count);
  for (size_t i = 0; i < count; ++i) {
    y.add(i, ry.data[i]);
    dx.add(i, rdx.data[i]);
    dx.magnitude[i] += std::fabs(dy[i]); // the scale of dx's terms
  }

  CtxPtr ctx = makeCtx();
  nnc_cpu_lrn_init(ctx.get(), 3, k.n, k.c, k.h, k.w, k.size, float(k.alpha), float(k.beta), float(k.k), 1, 0, 0);
  std::vector<float> gy(count, 1e30f), gdx(count, 1e30f);
  nnc_cpu_lrn_fwd(ctx.get(), 3, x.data(), gy.data());
  nnc_cpu_lrn_bwd(ctx.get(), 3, x.data(), dy.data(), gdx.data());
  ASSERT_EQ(errorOf(ctx.get()), "");
  expectClose(gy, y, "y");
  expectClose(gdx, dx, "dx");

  // Every tensor blocked (Runtime.h): the same results, padding kept zero.
  for (int64_t block : {8, 16}) {
    SCOPED_TRACE("block " + std::to_string(block));
    BlockedLayout l{k.n, k.c, k.h, k.w, block};
    int64_t site = 10 + block;
    nnc_cpu_lrn_init(ctx.get(), site, k.n, k.c, k.h, k.w, k.size, float(k.alpha), float(k.beta), float(k.k), 1,
                     block, 15);
    std::vector<float> bx = l.toBlocked(x), bdy = l.toBlocked(dy), by(l.size(), 1e30f), bdx(l.size(), 1e30f);
    nnc_cpu_lrn_fwd(ctx.get(), site, bx.data(), by.data());
    nnc_cpu_lrn_bwd(ctx.get(), site, bx.data(), bdy.data(), bdx.data());
    ASSERT_EQ(errorOf(ctx.get()), "");
    EXPECT_EQ(l.nonZeroPadding(by), 0);
    EXPECT_EQ(l.nonZeroPadding(bdx), 0);
    expectClose(l.toPlain(by), y, "blocked y");
    expectClose(l.toPlain(bdx), dx, "blocked dx");
  }

  // An inference site computes the same forward and refuses a backward.
  nnc_cpu_lrn_init(ctx.get(), 4, k.n, k.c, k.h, k.w, k.size, float(k.alpha), float(k.beta), float(k.k), 0, 0, 0);
  std::vector<float> iy(count, 1e30f);
  nnc_cpu_lrn_fwd(ctx.get(), 4, x.data(), iy.data());
  ASSERT_EQ(errorOf(ctx.get()), "");
  expectClose(iy, y, "inference y");
  nnc_cpu_lrn_bwd(ctx.get(), 4, x.data(), dy.data(), gdx.data());
  EXPECT_NE(errorOf(ctx.get()).find("no training forward"), std::string::npos);
}

// name, n, c, h, w, size, alpha, beta, k
INSTANTIATE_TEST_SUITE_P(
    Cases, LrnTest,
    ::testing::Values(LrnCase{"alexnet_like", 2, 16, 5, 7, 5, 1e-4, 0.75, 1},
                      LrnCase{"size3_strong", 2, 6, 3, 3, 3, 0.5, 0.75, 2},
                      LrnCase{"window_wider_than_c", 1, 3, 4, 4, 7, 0.3, 0.6, 1},
                      LrnCase{"size1", 3, 4, 2, 5, 1, 0.2, 0.5, 1.5},
                      LrnCase{"rank2_as_hw1", 8, 32, 1, 1, 5, 0.1, 0.75, 1}),
    [](const ::testing::TestParamInfo<LrnCase> &i) { return std::string(i.param.name); });

} // namespace
