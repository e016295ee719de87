//===- BoundPrimitive.cpp -------------------------------------------------===//
#include "runtime/BoundPrimitive.h"

#include <oneapi/dnnl/dnnl_debug.h>

namespace nnc::rt {

using dnnl::memory;

BoundPrimitive::BoundPrimitive(const dnnl::primitive_desc &pd, const dnnl::engine &engine)
    : pd_(pd), engine_(engine) {}

void BoundPrimitive::bind(int arg, const memory::desc &user, bool isOutput) {
  UserArg u{arg, isOutput, memory(user, engine_, DNNL_MEMORY_NONE), {}, {}, {}};
  memory::desc want = pd_.query_md(dnnl::query::exec_arg_md, arg);
  if (want != user) {
    u.inner = memory(want, engine_);
    u.reorder = isOutput ? dnnl::reorder(u.inner, u.user) : dnnl::reorder(u.user, u.inner);
    const memory &from = isOutput ? u.inner : u.user;
    const memory &to = isOutput ? u.user : u.inner;
    u.reorderArgs[0] = {DNNL_ARG_FROM, from.get()};
    u.reorderArgs[1] = {DNNL_ARG_TO, to.get()};
  }
  users_.push_back(u);
}

void BoundPrimitive::input(int arg, const memory::desc &user) { bind(arg, user, false); }
void BoundPrimitive::output(int arg, const memory::desc &user) { bind(arg, user, true); }

void BoundPrimitive::owned(int arg, const memory &mem) {
  owned_.push_back(mem);
  args_.push_back({arg, mem.get()});
}

void BoundPrimitive::finish() {
  prim_ = dnnl::primitive(pd_);
  memory::desc scratch = pd_.scratchpad_desc();
  if (scratch.get_size() > 0)
    owned(DNNL_ARG_SCRATCHPAD, memory(scratch, engine_));
  for (const UserArg &u : users_)
    args_.push_back({u.arg, u.inner ? u.inner.get() : u.user.get()});
}

int BoundPrimitive::reorderCount() const {
  int n = 0;
  for (const UserArg &u : users_)
    n += u.inner ? 1 : 0;
  return n;
}

static std::string statusMessage(const char *what, dnnl_status_t st) {
  return std::string(what) + " failed: " + dnnl_status2str(st);
}

std::string BoundPrimitive::run(const dnnl::stream &stream,
                                std::initializer_list<const void *> buffers) {
  if (!prim_)
    return "primitive not initialized";
  if (buffers.size() != users_.size())
    return "internal error: wrong number of buffers";
  size_t i = 0;
  for (const void *p : buffers) {
    if (!p)
      return "null buffer for argument " + std::to_string(i + 1);
    dnnl_status_t st =
        dnnl_memory_set_data_handle_v2(users_[i++].user.get(), const_cast<void *>(p), nullptr);
    if (st != dnnl_success)
      return statusMessage("setting a buffer", st);
  }
  dnnl_stream_t s = stream.get();
  for (const UserArg &u : users_)
    if (u.inner && !u.isOutput)
      if (dnnl_status_t st = dnnl_primitive_execute(u.reorder.get(), s, 2, u.reorderArgs))
        return statusMessage("input reorder", st);
  if (dnnl_status_t st = dnnl_primitive_execute(prim_.get(), s, static_cast<int>(args_.size()),
                                                args_.data()))
    return statusMessage("primitive", st);
  for (const UserArg &u : users_)
    if (u.inner && u.isOutput)
      if (dnnl_status_t st = dnnl_primitive_execute(u.reorder.get(), s, 2, u.reorderArgs))
        return statusMessage("output reorder", st);
  if (dnnl_status_t st = dnnl_stream_wait(s))
    return statusMessage("stream wait", st);
  return {};
}

} // namespace nnc::rt
