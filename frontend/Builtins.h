//===- Builtins.h - Ops and functions every nn file can call ---------------===//
//
// One table: each op's parameters with kinds and defaults, and the adapter
// from evaluated arguments to the shared shape rule. The same table serves
// initializers, solver methods, learning-rate policies and data functions.
//
//===----------------------------------------------------------------------===//
#pragma once

#include "frontend/Value.h"
#include "frontend/shapes/Types.h"

#include <initializer_list>
#include <string>
#include <vector>

namespace nnc {

enum class ArgKind {
  Tensor,
  Tensors,  // variadic tensors: all leading positional arguments (concat)
  Int,
  Float,    // an int is accepted and converted
  Bool,
  String,
  IntPair,  // an int or a list of two ints (kernel, stride, pad, dilation)
  IntList,  // a list of ints (transpose perm, multistep steps)
  DimList,  // a list of ints and symbolic dimensions (reshape)
  FloatOrList,
  Init,     // an initializer call: xavier(), constant(0.1), ...
};
const char *argKindName(ArgKind k);

enum class BuiltinKind { Op, Initializer, SolverMethod, LrPolicy, DataSource, DataTransform };

struct ParamDef {
  const char *name;
  ArgKind kind;
  bool required = false;
  Value defaultValue = Value::none(); // None: optional, no default
};

using ShapeAdapter = shapes::ShapeResult (*)(const std::vector<Value> &args);

struct BuiltinDef {
  const char *name;
  BuiltinKind kind;
  std::vector<ParamDef> params;
  ShapeAdapter shape = nullptr; // ops only
  const char *summary = "";

  int paramIndex(const std::string &n) const;
  /// True for ops that own trainable parameters (conv2d, dense, batch_norm).
  bool ownsParams() const;
};

/// Looks a name up among the builtins of the given kinds: the context decides
/// (`scale` is an op in a network and a transform in the data section).
const BuiltinDef *findBuiltin(const std::string &name, std::initializer_list<BuiltinKind> kinds);
const std::vector<BuiltinDef> &allBuiltins();
/// Names of builtins of one kind (for "did you mean" suggestions).
std::vector<std::string> builtinNames(BuiltinKind kind);

/// Checks and converts `v` to `kind` (int -> float, int -> pair). Returns an
/// error text when `v` does not fit, else "".
std::string coerceArg(ArgKind kind, Value &v);

} // namespace nnc
