//===- BoundPrimitive.h - A oneDNN primitive with its arguments bound -----===//
//
// Built once by a site's init: the primitive, the memory objects for the
// caller's plain-layout buffers, and, where the primitive chose another
// layout, a buffer in that layout plus the cached reorder into or out of it.
// A call only swaps in the caller's pointers and executes through the C API:
// it allocates no buffers (oneDNN still builds a small argument map inside
// each execute).
//
//===----------------------------------------------------------------------===//
#pragma once

#include <oneapi/dnnl/dnnl.hpp>

#include <initializer_list>
#include <string>
#include <vector>

namespace nnc::rt {

class BoundPrimitive {
public:
  BoundPrimitive() = default;
  /// Starts binding for `pd` (created with a user scratchpad).
  BoundPrimitive(const dnnl::primitive_desc &pd, const dnnl::engine &engine);

  /// Caller buffers, in the order run() receives them. `user` is the caller's
  /// layout; the primitive's own layout comes from the primitive descriptor.
  void input(int arg, const dnnl::memory::desc &user);
  void output(int arg, const dnnl::memory::desc &user);
  /// A runtime-owned buffer (a workspace shared with another primitive).
  void owned(int arg, const dnnl::memory &mem);
  /// Creates the primitive and the scratchpad; call after every bind.
  void finish();

  /// Runs on `stream` and waits. Returns an error message, empty on success.
  std::string run(const dnnl::stream &stream, std::initializer_list<const void *> buffers);

  /// How many caller buffers need a reorder (for tests and --explain).
  int reorderCount() const;

private:
  struct UserArg {
    int arg;
    bool isOutput;
    dnnl::memory user;  // no buffer of its own: the caller's pointer per call
    dnnl::memory inner; // the primitive's layout; null when it is the user's
    dnnl::primitive reorder;
    dnnl_exec_arg_t reorderArgs[2];
  };
  void bind(int arg, const dnnl::memory::desc &user, bool isOutput);

  dnnl::primitive_desc pd_;
  dnnl::engine engine_;
  dnnl::primitive prim_;
  std::vector<UserArg> users_;
  std::vector<dnnl::memory> owned_;
  std::vector<dnnl_exec_arg_t> args_;
};

} // namespace nnc::rt
