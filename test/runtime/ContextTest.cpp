//===- ContextTest.cpp - Errors at the C ABI and the parallel-for ---------===//
#include "RuntimeTestUtil.h"

#include <algorithm>
#include <atomic>
#include <mutex>
#include <utility>

using namespace nnc::test;

namespace {

TEST(Context, UnknownSiteIsAnErrorNotACrash) {
  CtxPtr ctx = makeCtx();
  std::vector<float> buf(64);
  nnc_cpu_conv2d_bwd_data(ctx.get(), 42, buf.data(), buf.data(), buf.data());
  EXPECT_EQ(errorOf(ctx.get()),
            "nnc_cpu_conv2d_bwd_data (site 42): unknown site (its init was not called)");
}

TEST(Context, EveryEntryPointReportsAnUnknownSite) {
  auto check = [](void (*call)(nnc_ctx *), const char *name) {
    CtxPtr ctx = makeCtx();
    call(ctx.get());
    EXPECT_EQ(errorOf(ctx.get()), std::string(name) + " (site 9): unknown site (its init was "
                                                      "not called)");
  };
  check([](nnc_ctx *c) { float v[4] = {}; nnc_cpu_conv2d_fwd(c, 9, v, v, v, v); },
        "nnc_cpu_conv2d_fwd");
  check([](nnc_ctx *c) { float v[4] = {}; nnc_cpu_conv2d_bwd_filter(c, 9, v, v, v, v); },
        "nnc_cpu_conv2d_bwd_filter");
  check([](nnc_ctx *c) { float v[4] = {}; nnc_cpu_max_pool_fwd(c, 9, v, v); },
        "nnc_cpu_max_pool_fwd");
  check([](nnc_ctx *c) { float v[4] = {}; nnc_cpu_max_pool_bwd(c, 9, v, v); },
        "nnc_cpu_max_pool_bwd");
  check([](nnc_ctx *c) { float v[4] = {}; nnc_cpu_dense_fwd(c, 9, v, v, v, v); },
        "nnc_cpu_dense_fwd");
  check([](nnc_ctx *c) { float v[4] = {}; nnc_cpu_dense_bwd_data(c, 9, v, v, v); },
        "nnc_cpu_dense_bwd_data");
  check([](nnc_ctx *c) { float v[4] = {}; nnc_cpu_dense_bwd_weights(c, 9, v, v, v, v); },
        "nnc_cpu_dense_bwd_weights");
}

TEST(Context, WrongKindOfSiteIsAnError) {
  CtxPtr ctx = makeCtx();
  nnc_cpu_max_pool_init(ctx.get(), 1, 1, 1, 4, 4, 2, 2, 2, 2, 0, 0, 0, 0, 0, 0);
  std::vector<float> buf(64);
  nnc_cpu_dense_fwd(ctx.get(), 1, buf.data(), buf.data(), buf.data(), buf.data());
  EXPECT_EQ(errorOf(ctx.get()),
            "nnc_cpu_dense_fwd (site 1): site was initialized as max_pool");
}

TEST(Context, FirstErrorStaysAndLaterCallsDoNothing) {
  CtxPtr ctx = makeCtx();
  std::vector<float> x(16, 1), y(4, -7);
  nnc_cpu_max_pool_fwd(ctx.get(), 5, x.data(), y.data()); // unknown site
  std::string first = errorOf(ctx.get());
  ASSERT_NE(first, "");
  nnc_cpu_max_pool_init(ctx.get(), 5, 1, 1, 4, 4, 2, 2, 2, 2, 0, 0, 0, 0, 0, 0);
  nnc_cpu_max_pool_fwd(ctx.get(), 5, x.data(), y.data());
  EXPECT_EQ(errorOf(ctx.get()), first);
  EXPECT_EQ(y, std::vector<float>(4, -7)); // untouched
  int calls = 0;
  nnc_parallel_for(
      ctx.get(), 10, [](void *a, int64_t, int64_t) { ++*static_cast<int *>(a); }, &calls);
  EXPECT_EQ(calls, 0);
}

TEST(Context, NullContext) {
  EXPECT_STREQ(nnc_ctx_error(nullptr), "null nnc_ctx");
  nnc_cpu_dense_init(nullptr, 0, 1, 1, 1, 0); // ignored, no crash
  nnc_ctx_destroy(nullptr);
}

struct Chunks {
  std::mutex m;
  std::vector<std::pair<int64_t, int64_t>> ranges;
};

std::vector<std::pair<int64_t, int64_t>> chunksOf(nnc_ctx *ctx, int64_t n) {
  Chunks c;
  nnc_parallel_for(
      ctx, n,
      [](void *a, int64_t b, int64_t e) {
        auto *c = static_cast<Chunks *>(a);
        std::lock_guard<std::mutex> lock(c->m);
        c->ranges.emplace_back(b, e);
      },
      &c);
  std::sort(c.ranges.begin(), c.ranges.end());
  return c.ranges;
}

TEST(ParallelFor, StaticContiguousChunksCoverTheRangeOnce) {
  for (int32_t threads : {1, 2, 3}) {
    CtxPtr ctx = makeCtx(threads);
    for (int64_t n : {0, 1, 2, 5, 1000, 1001}) {
      auto ranges = chunksOf(ctx.get(), n);
      int64_t next = 0, smallest = n, largest = 0;
      for (auto [b, e] : ranges) {
        EXPECT_EQ(b, next) << "threads " << threads << " n " << n;
        EXPECT_LT(b, e);
        smallest = std::min(smallest, e - b);
        largest = std::max(largest, e - b);
        next = e;
      }
      EXPECT_EQ(next, n) << "threads " << threads;
      EXPECT_LE(int64_t(ranges.size()), std::min<int64_t>(threads, n));
      if (n > 0) {
        EXPECT_LE(largest - smallest, 1) << "chunks are equal";
      }
      EXPECT_EQ(ranges, chunksOf(ctx.get(), n)) << "deterministic";
    }
  }
}

TEST(ParallelFor, UsesTheContextsThreads) {
  CtxPtr ctx = makeCtx(2);
  auto ranges = chunksOf(ctx.get(), 100);
  ASSERT_EQ(ranges.size(), 2u);
  EXPECT_EQ(ranges[0], std::make_pair(int64_t(0), int64_t(50)));
  EXPECT_EQ(ranges[1], std::make_pair(int64_t(50), int64_t(100)));
}

TEST(ParallelFor, NestedCallRunsInline) {
  CtxPtr ctx = makeCtx(2);
  struct Arg {
    nnc_ctx *ctx;
    std::atomic<int64_t> sum{0}, inner{0};
  } arg{ctx.get()};
  nnc_parallel_for(
      ctx.get(), 4,
      [](void *p, int64_t b, int64_t e) {
        auto *a = static_cast<Arg *>(p);
        for (int64_t i = b; i < e; ++i)
          nnc_parallel_for(
              a->ctx, 10,
              [](void *q, int64_t b2, int64_t e2) {
                auto *a2 = static_cast<Arg *>(q);
                a2->inner += 1;
                for (int64_t j = b2; j < e2; ++j)
                  a2->sum += j;
              },
              a);
      },
      &arg);
  EXPECT_EQ(arg.sum.load(), 4 * 45);
  EXPECT_EQ(arg.inner.load(), 4); // one inline call per outer iteration
}

} // namespace
