//===- OneDnnSupport.h - Helpers shared by the oneDNN wrappers (internal) -===//
//
// Argument checks, memory descriptors (plain, and the channel-blocked layouts
// between library calls that Runtime.h describes) and running a bound
// primitive with its error reported through the context.
//
//===----------------------------------------------------------------------===//
#pragma once

#include "runtime/BoundPrimitive.h"
#include "runtime/Context.h"

#include <initializer_list>
#include <string>
#include <utility>

namespace nnc::rt {

inline constexpr auto f32 = dnnl::memory::data_type::f32;

inline dnnl::memory::desc plain(const dnnl::memory::dims &dims, dnnl::memory::format_tag t) {
  return dnnl::memory::desc(dims, f32, t);
}
inline dnnl::memory::desc any(const dnnl::memory::dims &dims) {
  return dnnl::memory::desc(dims, f32, dnnl::memory::format_tag::any);
}

/// Activation tensor `bit` of a site (see Runtime.h): nChw<block>c when the
/// bit is set in `blocked`, else NCHW (`block` checked by Checker::layouts).
inline dnnl::memory::desc activation(const dnnl::memory::dims &dims, int64_t block, int64_t blocked,
                                     int bit) {
  using tag = dnnl::memory::format_tag;
  if (!(blocked >> bit & 1))
    return plain(dims, tag::nchw);
  return plain(dims, block == 8 ? tag::nChw8c : tag::nChw16c);
}

inline dnnl::primitive_attr userScratchpad() {
  dnnl::primitive_attr attr;
  attr.set_scratchpad_mode(dnnl::scratchpad_mode::user);
  return attr;
}

/// Collects the first invalid argument; report() records it in the context.
struct Checker {
  std::string problem;
  void atLeast(std::initializer_list<std::pair<const char *, int64_t>> values, int64_t min) {
    for (auto [name, v] : values)
      if (problem.empty() && v < min)
        problem = std::string(name) + " must be at least " + std::to_string(min) + ", got " +
                  std::to_string(v);
  }
  void require(bool ok, const std::string &what) {
    if (problem.empty() && !ok)
      problem = what;
  }
  /// An init's `block` and `blocked` (Runtime.h): a mask of the site's
  /// `bits` tensors, and a block of 8 or 16 when any is set.
  void layouts(int64_t block, int64_t blocked, int bits) {
    require(blocked >= 0 && blocked < (int64_t(1) << bits),
            "blocked must be a mask of " + std::to_string(bits) + " bits, got " +
                std::to_string(blocked));
    require(blocked == 0 || block == 8 || block == 16,
            "block must be 8 or 16, got " + std::to_string(block));
  }
  bool report(nnc_ctx *ctx, const char *fn, int64_t site) {
    if (!problem.empty())
      fail(ctx, fn, site, problem);
    return problem.empty();
  }
};

inline void runOrFail(nnc_ctx *ctx, const char *fn, int64_t site, BoundPrimitive &p,
                      std::initializer_list<const void *> buffers) {
  std::string err = p.run(ctx->stream, buffers);
  if (!err.empty())
    fail(ctx, fn, site, err);
}

} // namespace nnc::rt
