//===- Value.h - Compile-time values of the elaborator ---------------------===//
//
// What an nn expression evaluates to while a network is elaborated: numbers,
// strings, lists, symbolic dimensions, tensors (a node of the graph), and
// calls of solver, data and initializer functions kept as data.
//
//===----------------------------------------------------------------------===//
#pragma once

#include "frontend/shapes/Types.h"

#include <string>
#include <vector>

namespace nnc {

struct Value {
  enum class Kind {
    Error,    // an error was already reported; silences follow-up errors
    None,     // an optional argument that was not given
    Int, Float, Bool, String,
    List,     // elems
    Symbol,   // a symbolic dimension such as N (str)
    Tensor,   // node + type
    Call,     // a function value: str = name, elems = arguments (names in argNames)
    Product,  // lr = 0.01 * inv(...): elems are the factors
    Pipeline, // a data source followed by transforms: elems are Calls
  };
  Kind kind = Kind::Error;
  int64_t i = 0;
  double f = 0;
  bool b = false;
  std::string str;
  std::vector<Value> elems;
  std::vector<std::string> argNames;
  int node = -1;
  shapes::TensorType type;

  static Value error() { return {}; }
  static Value none() { Value v; v.kind = Kind::None; return v; }
  static Value ofInt(int64_t x) { Value v; v.kind = Kind::Int; v.i = x; return v; }
  static Value ofFloat(double x) { Value v; v.kind = Kind::Float; v.f = x; return v; }
  static Value ofBool(bool x) { Value v; v.kind = Kind::Bool; v.b = x; return v; }
  static Value ofString(std::string s) { Value v; v.kind = Kind::String; v.str = std::move(s); return v; }
  static Value ofSymbol(std::string s) { Value v; v.kind = Kind::Symbol; v.str = std::move(s); return v; }
  static Value ofList(std::vector<Value> xs) { Value v; v.kind = Kind::List; v.elems = std::move(xs); return v; }
  static Value ofTensor(int node, shapes::TensorType t) {
    Value v; v.kind = Kind::Tensor; v.node = node; v.type = std::move(t); return v;
  }

  bool isError() const { return kind == Kind::Error; }
  bool isNumber() const { return kind == Kind::Int || kind == Kind::Float; }
  double number() const { return kind == Kind::Int ? (double)i : f; }
  /// An argument of a Call by name, or nullptr.
  const Value *arg(const std::string &name) const {
    for (size_t k = 0; k < argNames.size(); ++k)
      if (argNames[k] == name) return &elems[k];
    return nullptr;
  }
  /// For messages: "int 3", "float 0.5", "f32[N, 10]", "list [1, 2]".
  std::string describe() const;
  /// Source-like text: 3, 0.5, "s", [1, 2], xavier(), 0.01 * inv(gamma=0.0001, power=0.75).
  std::string str_() const;
};

} // namespace nnc
