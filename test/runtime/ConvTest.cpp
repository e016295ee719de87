//===- ConvTest.cpp - conv2d wrappers against naive loops -----------------===//
#include "BlockedLayout.h"
#include "RuntimeTestUtil.h"

#include <algorithm>
#include <limits>
#include <ostream>

using namespace nnc::test;

namespace {

struct ConvCase {
  const char *name;
  int64_t n, c, h, w, out, kh, kw, sh, sw, ph, pw, dh, dw, groups;
  bool bias;
  int64_t oh() const { return (h + 2 * ph - dh * (kh - 1) - 1) / sh + 1; }
  int64_t ow() const { return (w + 2 * pw - dw * (kw - 1) - 1) / sw + 1; }
};
std::ostream &operator<<(std::ostream &os, const ConvCase &k) { return os << k.name; }

// Calls f(n, o, y, x, ci, i, j, inputChannel, iy, ix) for every term of the
// convolution whose input cell lies inside the (unpadded) input.
template <typename F> void forEachTerm(const ConvCase &k, F f) {
  int64_t og = k.out / k.groups, cg = k.c / k.groups;
  for (int64_t n = 0; n < k.n; ++n)
    for (int64_t o = 0; o < k.out; ++o)
      for (int64_t y = 0; y < k.oh(); ++y)
        for (int64_t x = 0; x < k.ow(); ++x)
          for (int64_t ci = 0; ci < cg; ++ci)
            for (int64_t i = 0; i < k.kh; ++i)
              for (int64_t j = 0; j < k.kw; ++j) {
                int64_t iy = y * k.sh - k.ph + i * k.dh, ix = x * k.sw - k.pw + j * k.dw;
                if (iy < 0 || iy >= k.h || ix < 0 || ix >= k.w)
                  continue;
                f(n, o, y, x, ci, i, j, (o / og) * cg + ci, iy, ix);
              }
}

class ConvTest : public ::testing::TestWithParam<ConvCase> {};

TEST_P(ConvTest, ForwardAndBackwardMatchNaiveLoops) {
  const ConvCase k = GetParam();
  int64_t cg = k.c / k.groups, oh = k.oh(), ow = k.ow();
  auto xIdx = [&](int64_t n, int64_t c, int64_t y, int64_t x) {
    return size_t(((n * k.c + c) * k.h + y) * k.w + x);
  };
  auto yIdx = [&](int64_t n, int64_t o, int64_t y, int64_t x) {
    return size_t(((n * k.out + o) * oh + y) * ow + x);
  };
  auto wIdx = [&](int64_t o, int64_t ci, int64_t i, int64_t j) {
    return size_t(((o * cg + ci) * k.kh + i) * k.kw + j);
  };
  size_t xs = size_t(k.n * k.c * k.h * k.w), ys = size_t(k.n * k.out * oh * ow),
         ws = size_t(k.out * cg * k.kh * k.kw);
  std::vector<float> x = randomVector(xs, 1), w = randomVector(ws, 2), b = randomVector(k.out, 3),
                     dy = randomVector(ys, 4);

  Reference y(ys), dx(xs), dw(ws), db(size_t(k.out));
  forEachTerm(k, [&](int64_t n, int64_t o, int64_t oy, int64_t ox, int64_t ci, int64_t i,
                     int64_t j, int64_t c, int64_t iy, int64_t ix) {
    y.add(yIdx(n, o, oy, ox), double(x[xIdx(n, c, iy, ix)]) * w[wIdx(o, ci, i, j)]);
    dx.add(xIdx(n, c, iy, ix), double(dy[yIdx(n, o, oy, ox)]) * w[wIdx(o, ci, i, j)]);
    dw.add(wIdx(o, ci, i, j), double(dy[yIdx(n, o, oy, ox)]) * x[xIdx(n, c, iy, ix)]);
  });
  for (int64_t n = 0; n < k.n; ++n)
    for (int64_t o = 0; o < k.out; ++o)
      for (int64_t p = 0; p < oh * ow; ++p) {
        size_t at = yIdx(n, o, 0, 0) + size_t(p);
        if (k.bias)
          y.add(at, b[size_t(o)]);
        db.add(size_t(o), dy[at]);
      }

  CtxPtr ctx = makeCtx();
  nnc_cpu_conv2d_init(ctx.get(), 7, k.n, k.c, k.h, k.w, k.out, k.kh, k.kw, k.sh, k.sw, k.ph,
                      k.pw, k.dh, k.dw, k.groups, k.bias, 0, 0, 0);
  // Poisoned outputs: every element must be written.
  std::vector<float> gy(ys, 1e30f), gdx(xs, 1e30f), gdw(ws, 1e30f), gdb(size_t(k.out), 1e30f);
  nnc_cpu_conv2d_fwd(ctx.get(), 7, x.data(), w.data(), k.bias ? b.data() : nullptr, gy.data());
  nnc_cpu_conv2d_bwd_data(ctx.get(), 7, dy.data(), w.data(), gdx.data());
  nnc_cpu_conv2d_bwd_filter(ctx.get(), 7, x.data(), dy.data(), gdw.data(),
                            k.bias ? gdb.data() : nullptr);
  ASSERT_EQ(errorOf(ctx.get()), "");
  expectClose(gy, y, "y");
  expectClose(gdx, dx, "dx");
  expectClose(gdw, dw, "dw");
  if (k.bias)
    expectClose(gdb, db, "db");

  // A second round with other data reuses the site's primitives and buffers.
  std::vector<float> x2 = randomVector(xs, 5), gy2(ys);
  nnc_cpu_conv2d_fwd(ctx.get(), 7, x2.data(), w.data(), k.bias ? b.data() : nullptr, gy2.data());
  Reference y2(ys);
  forEachTerm(k, [&](int64_t n, int64_t o, int64_t oy, int64_t ox, int64_t ci, int64_t i,
                     int64_t j, int64_t c, int64_t iy, int64_t ix) {
    y2.add(yIdx(n, o, oy, ox), double(x2[xIdx(n, c, iy, ix)]) * w[wIdx(o, ci, i, j)]);
  });
  if (k.bias)
    for (size_t i = 0; i < ys; ++i)
      y2.add(i, b[(i / size_t(oh * ow)) % size_t(k.out)]);
  expectClose(gy2, y2, "y (second call)");

  // Every activation in nChw<block>c (Runtime.h's blocked layout): the same
  // results, and outputs whose padded channels hold zeros, as inputs must.
  // Block 16 also fuses a ReLU into the forward: y becomes max(y, 0), the
  // backward ops stay as they are.
  Reference yRelu = y;
  for (size_t i = 0; i < ys; ++i)
    yRelu.value[i] = std::max(0.0, yRelu.value[i]);
  for (int64_t block : {8, 16}) {
    SCOPED_TRACE("block " + std::to_string(block));
    int64_t site = 100 + block;
    bool relu = block == 16;
    nnc_cpu_conv2d_init(ctx.get(), site, k.n, k.c, k.h, k.w, k.out, k.kh, k.kw, k.sh, k.sw, k.ph,
                        k.pw, k.dh, k.dw, k.groups, k.bias, relu, block, 31);
    BlockedLayout xl{k.n, k.c, k.h, k.w, block}, yl{k.n, k.out, oh, ow, block};
    float nan = std::numeric_limits<float>::quiet_NaN();
    std::vector<float> bx = xl.toBlocked(x), bdy = yl.toBlocked(dy);
    std::vector<float> by(yl.size(), nan), bdx(xl.size(), nan), bdw(ws, nan), bdb(size_t(k.out), nan);
    nnc_cpu_conv2d_fwd(ctx.get(), site, bx.data(), w.data(), k.bias ? b.data() : nullptr, by.data());
    nnc_cpu_conv2d_bwd_data(ctx.get(), site, bdy.data(), w.data(), bdx.data());
    nnc_cpu_conv2d_bwd_filter(ctx.get(), site, bx.data(), bdy.data(), bdw.data(), k.bias ? bdb.data() : nullptr);
    ASSERT_EQ(errorOf(ctx.get()), "");
    EXPECT_EQ(yl.nonZeroPadding(by), 0);
    EXPECT_EQ(xl.nonZeroPadding(bdx), 0);
    expectClose(yl.toPlain(by), relu ? yRelu : y, "blocked y");
    expectClose(xl.toPlain(bdx), dx, "blocked dx");
    expectClose(bdw, dw, "blocked dw");
    if (k.bias)
      expectClose(bdb, db, "blocked db");
  }
}

// name, n, c, h, w, out, kh, kw, sh, sw, ph, pw, dh, dw, groups, bias
INSTANTIATE_TEST_SUITE_P(
    Shapes, ConvTest,
    ::testing::Values(ConvCase{"LeNetConv1", 4, 1, 28, 28, 20, 5, 5, 1, 1, 0, 0, 1, 1, 1, true},
                      ConvCase{"LeNetConv2", 4, 20, 12, 12, 50, 5, 5, 1, 1, 0, 0, 1, 1, 1, true},
                      ConvCase{"OddStridePad", 2, 3, 7, 9, 5, 3, 2, 2, 3, 1, 2, 1, 1, 1, false},
                      ConvCase{"Dilated", 2, 3, 11, 10, 4, 3, 3, 1, 2, 2, 1, 2, 3, 1, true},
                      ConvCase{"Groups2", 2, 4, 9, 9, 6, 3, 3, 2, 2, 1, 1, 1, 1, 2, true},
                      ConvCase{"Groups2DilatedNoBias", 3, 6, 8, 7, 4, 3, 2, 1, 1, 0, 1, 2, 1, 2,
                               false},
                      ConvCase{"AlexNetLikeStride4", 1, 3, 31, 31, 8, 11, 11, 4, 4, 2, 2, 1, 1, 1,
                               true},
                      ConvCase{"Pointwise", 2, 16, 5, 5, 32, 1, 1, 1, 1, 0, 0, 1, 1, 1, true},
                      ConvCase{"Groups2Wide", 2, 32, 6, 6, 64, 3, 3, 1, 1, 1, 1, 1, 1, 2, true},
                      ConvCase{"Single", 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 1, 1, 1, true}),
    [](const ::testing::TestParamInfo<ConvCase> &info) { return std::string(info.param.name); });

TEST(ConvErrors, InvalidShapesAreReported) {
  CtxPtr ctx = makeCtx();
  nnc_cpu_conv2d_init(ctx.get(), 1, 1, 3, 8, 8, 4, 3, 3, 1, 1, 0, 0, 1, 1, 2, 1, 0, 0, 0);
  EXPECT_NE(errorOf(ctx.get()).find("groups (2) must divide c (3)"), std::string::npos)
      << errorOf(ctx.get());

  ctx = makeCtx();
  nnc_cpu_conv2d_init(ctx.get(), 1, 1, 3, 4, 4, 4, 5, 5, 1, 1, 0, 0, 1, 1, 1, 1, 0, 0, 0);
  EXPECT_NE(errorOf(ctx.get()).find("larger than the padded input"), std::string::npos)
      << errorOf(ctx.get());

  ctx = makeCtx();
  nnc_cpu_conv2d_init(ctx.get(), 1, 1, 3, 4, 4, 4, 3, 3, 0, 1, 0, 0, 1, 1, 1, 1, 0, 0, 0);
  EXPECT_NE(errorOf(ctx.get()).find("sh must be at least 1, got 0"), std::string::npos)
      << errorOf(ctx.get());
}

TEST(ConvErrors, MissingBiasBufferIsReported) {
  CtxPtr ctx = makeCtx();
  nnc_cpu_conv2d_init(ctx.get(), 3, 1, 1, 4, 4, 2, 3, 3, 1, 1, 0, 0, 1, 1, 1, 1, 0, 0, 0);
  std::vector<float> x(16), w(18), y(8);
  nnc_cpu_conv2d_fwd(ctx.get(), 3, x.data(), w.data(), nullptr, y.data());
  EXPECT_EQ(errorOf(ctx.get()), "nnc_cpu_conv2d_fwd (site 3): null buffer for argument 3");
}

} // namespace
