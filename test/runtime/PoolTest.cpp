//===- PoolTest.cpp - max_pool wrappers against naive loops ---------------===//
#include "BlockedLayout.h"
#include "RuntimeTestUtil.h"

#include <limits>
#include <ostream>

using namespace nnc::test;

namespace {

struct PoolCase {
  const char *name;
  int64_t n, c, h, w, kh, kw, sh, sw, pt, pl, pb, pr;
  int64_t oh() const { return (h + pt + pb - kh) / sh + 1; }
  int64_t ow() const { return (w + pl + pr - kw) / sw + 1; }
};
std::ostream &operator<<(std::ostream &os, const PoolCase &k) { return os << k.name; }

class PoolTest : public ::testing::TestWithParam<PoolCase> {};

TEST_P(PoolTest, ForwardAndBackwardMatchNaiveLoops) {
  const PoolCase k = GetParam();
  int64_t oh = k.oh(), ow = k.ow();
  size_t xs = size_t(k.n * k.c * k.h * k.w), ys = size_t(k.n * k.c * oh * ow);
  // Values far below zero: a padded cell taken as 0 would win and show up.
  std::vector<float> x = randomVector(xs, 11, -3, -1), dy = randomVector(ys, 12);

  Reference y(ys), dx(xs);
  for (int64_t p = 0; p < k.n * k.c; ++p)
    for (int64_t oy = 0; oy < oh; ++oy)
      for (int64_t ox = 0; ox < ow; ++ox) {
        float best = -std::numeric_limits<float>::infinity();
        size_t arg = 0;
        for (int64_t i = 0; i < k.kh; ++i)
          for (int64_t j = 0; j < k.kw; ++j) {
            int64_t iy = oy * k.sh - k.pt + i, ix = ox * k.sw - k.pl + j;
            if (iy < 0 || iy >= k.h || ix < 0 || ix >= k.w)
              continue; // padding never wins
            size_t at = size_t((p * k.h + iy) * k.w + ix);
            if (x[at] > best)
              best = x[at], arg = at;
          }
        size_t out = size_t((p * oh + oy) * ow + ox);
        y.add(out, best);
        dx.add(arg, dy[out]);
      }

  CtxPtr ctx = makeCtx();
  nnc_cpu_max_pool_init(ctx.get(), 2, k.n, k.c, k.h, k.w, k.kh, k.kw, k.sh, k.sw, k.pt, k.pl,
                        k.pb, k.pr, 0, 0);
  std::vector<float> gy(ys, 1e30f), gdx(xs, 1e30f);
  nnc_cpu_max_pool_fwd(ctx.get(), 2, x.data(), gy.data());
  nnc_cpu_max_pool_bwd(ctx.get(), 2, dy.data(), gdx.data());
  ASSERT_EQ(errorOf(ctx.get()), "");
  expectClose(gy, y, "y", 0);
  expectClose(gdx, dx, "dx");

  // Blocked layouts (Runtime.h): all four tensors, and only the input and the
  // input gradient (the others plain, reordered inside).
  for (int64_t block : {8, 16})
    for (int64_t bits : {15, 9}) {
      SCOPED_TRACE("block " + std::to_string(block) + ", bits " + std::to_string(bits));
      int64_t site = 10 * block + bits;
      nnc_cpu_max_pool_init(ctx.get(), site, k.n, k.c, k.h, k.w, k.kh, k.kw, k.sh, k.sw, k.pt, k.pl,
                            k.pb, k.pr, block, bits);
      bool yBlocked = bits & 2;
      BlockedLayout xl{k.n, k.c, k.h, k.w, block}, yl{k.n, k.c, oh, ow, block};
      float nan = std::numeric_limits<float>::quiet_NaN();
      std::vector<float> bx = xl.toBlocked(x), bdy = yBlocked ? yl.toBlocked(dy) : dy;
      std::vector<float> by(yBlocked ? yl.size() : ys, nan), bdx(xl.size(), nan);
      nnc_cpu_max_pool_fwd(ctx.get(), site, bx.data(), by.data());
      nnc_cpu_max_pool_bwd(ctx.get(), site, bdy.data(), bdx.data());
      ASSERT_EQ(errorOf(ctx.get()), "");
      if (yBlocked)
        EXPECT_EQ(yl.nonZeroPadding(by), 0);
      EXPECT_EQ(xl.nonZeroPadding(bdx), 0);
      expectClose(yBlocked ? yl.toPlain(by) : by, y, "blocked y", 0);
      expectClose(xl.toPlain(bdx), dx, "blocked dx");
    }
}

// name, n, c, h, w, kh, kw, sh, sw, pt, pl, pb, pr
INSTANTIATE_TEST_SUITE_P(
    Shapes, PoolTest,
    ::testing::Values(PoolCase{"LeNet", 4, 20, 24, 24, 2, 2, 2, 2, 0, 0, 0, 0},
                      // 3/2 windows overlap; ceil mode adds a bottom/right row.
                      PoolCase{"Overlap3s2Ceil", 2, 3, 14, 14, 3, 3, 2, 2, 0, 0, 1, 1},
                      PoolCase{"Overlap3s2Floor", 2, 3, 13, 13, 3, 3, 2, 2, 0, 0, 0, 0},
                      PoolCase{"PaddedCeil", 2, 2, 8, 9, 3, 3, 2, 2, 1, 1, 2, 1},
                      PoolCase{"OddShapes", 1, 3, 7, 10, 2, 3, 1, 2, 0, 1, 0, 1},
                      PoolCase{"Global", 2, 5, 6, 6, 6, 6, 1, 1, 0, 0, 0, 0}),
    [](const ::testing::TestParamInfo<PoolCase> &info) { return std::string(info.param.name); });

TEST(PoolErrors, BackwardBeforeForwardIsAnError) {
  CtxPtr ctx = makeCtx();
  nnc_cpu_max_pool_init(ctx.get(), 4, 1, 1, 4, 4, 2, 2, 2, 2, 0, 0, 0, 0, 0, 0);
  std::vector<float> dy(4, 1), dx(16);
  nnc_cpu_max_pool_bwd(ctx.get(), 4, dy.data(), dx.data());
  EXPECT_EQ(errorOf(ctx.get()), "nnc_cpu_max_pool_bwd (site 4): no forward result to go back "
                                "through: call nnc_cpu_max_pool_fwd on this site first");
}

TEST(PoolErrors, WindowInsidePaddingIsRejected) {
  CtxPtr ctx = makeCtx();
  nnc_cpu_max_pool_init(ctx.get(), 1, 1, 1, 4, 4, 2, 2, 2, 2, 0, 0, 2, 0, 0, 0);
  EXPECT_NE(errorOf(ctx.get()).find("entirely in the bottom/right padding"), std::string::npos)
      << errorOf(ctx.get());
  ctx = makeCtx();
  nnc_cpu_max_pool_init(ctx.get(), 1, 1, 1, 4, 4, 2, 2, 2, 2, 2, 0, 0, 0, 0, 0);
  EXPECT_NE(errorOf(ctx.get()).find("smaller than the kernel"), std::string::npos)
      << errorOf(ctx.get());
}

} // namespace
