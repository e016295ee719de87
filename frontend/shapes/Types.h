//===- Types.h - Tensor types shared by the front end and the dialect -----===//
//
// Element types and tensor types with concrete and symbolic dimensions. This
// library is free of MLIR and LLVM so that the front end, the language server
// and the nn dialect's type inference all call the same rules.
//
//===----------------------------------------------------------------------===//
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace nnc::shapes {

enum class DType { F32, F16, BF16, I32, I64, Bool };

/// "f32", "i64", ...
const char *dtypeName(DType t);
/// Parses "f32" etc.; nullopt for anything else.
std::optional<DType> parseDType(const std::string &name);
bool isFloat(DType t);
bool isInteger(DType t);

/// One dimension: a known extent (>= 0) or a named symbol such as N.
struct Dim {
  int64_t value = 0;  // meaningful when symbol is empty
  std::string symbol; // non-empty for a symbolic dimension

  static Dim known(int64_t v) { return Dim{v, {}}; }
  static Dim sym(std::string s) { return Dim{0, std::move(s)}; }
  bool isKnown() const { return symbol.empty(); }
  bool operator==(const Dim &o) const {
    return symbol == o.symbol && (!isKnown() || value == o.value);
  }
  bool operator!=(const Dim &o) const { return !(*this == o); }
  std::string str() const;
};

struct TensorType {
  DType dtype = DType::F32;
  std::vector<Dim> dims;

  int64_t rank() const { return (int64_t)dims.size(); }
  bool operator==(const TensorType &o) const {
    return dtype == o.dtype && dims == o.dims;
  }
  bool operator!=(const TensorType &o) const { return !(*this == o); }
  /// "f32[N, 1, 28, 28]"; a scalar prints as "f32[]".
  std::string str() const;
  /// "[N, 1, 28, 28]".
  std::string shapeStr() const;
  /// Element count with every symbolic dimension taken as 1 (per example).
  int64_t numelPerExample() const;
};

/// A parameter that an op owns, e.g. a convolution's "weight" of [O, I/g, kh, kw].
struct ParamSpec {
  std::string name; // "weight", "bias", "running_mean", ...
  std::vector<int64_t> shape;
  bool trainable = true;
  int64_t numel() const;
};

/// What a shape rule returns: the result type, the op's parameters and its
/// FLOPs per example (symbolic dimensions taken as 1), or an error.
struct ShapeResult {
  std::optional<TensorType> type;
  std::vector<ParamSpec> params;
  double flopsPerExample = 0;
  std::string error; // non-empty on failure
  int operand = -1;  // tensor operand the error is about, -1 for attributes

  bool ok() const { return error.empty(); }
  static ShapeResult failure(std::string msg, int operand = -1) {
    ShapeResult r;
    r.error = std::move(msg);
    r.operand = operand;
    return r;
  }
};

} // namespace nnc::shapes
