//===- Types.cpp - Tensor types shared by the front end and the dialect ---===//

#include "frontend/shapes/Types.h"

#include <limits>

namespace nnc::shapes {

const char *dtypeName(DType t) {
  switch (t) {
  case DType::F32:
    return "f32";
  case DType::F16:
    return "f16";
  case DType::BF16:
    return "bf16";
  case DType::I32:
    return "i32";
  case DType::I64:
    return "i64";
  case DType::Bool:
    return "bool";
  }
  return "?"; // unreachable for valid enumerators
}

std::optional<DType> parseDType(const std::string &name) {
  for (DType t : {DType::F32, DType::F16, DType::BF16, DType::I32, DType::I64,
                  DType::Bool})
    if (name == dtypeName(t))
      return t;
  return std::nullopt;
}

bool isFloat(DType t) {
  return t == DType::F32 || t == DType::F16 || t == DType::BF16;
}
bool isInteger(DType t) { return t == DType::I32 || t == DType::I64; }

std::string Dim::str() const {
  return isKnown() ? std::to_string(value) : symbol;
}

std::string TensorType::shapeStr() const {
  std::string s = "[";
  for (size_t i = 0; i < dims.size(); ++i)
    s += (i ? ", " : "") + dims[i].str();
  return s + "]";
}

std::string TensorType::str() const { return dtypeName(dtype) + shapeStr(); }

// Saturating product: the shape rules reject sizes this large with a proper
// message; these accessors only must not invoke undefined behaviour.
static int64_t saturatingProduct(const std::vector<int64_t> &xs) {
  for (int64_t v : xs)
    if (v == 0)
      return 0; // exact even when the other factors would overflow
  int64_t p = 1;
  for (int64_t v : xs)
    if (__builtin_mul_overflow(p, v, &p))
      return std::numeric_limits<int64_t>::max();
  return p;
}

int64_t TensorType::numelPerExample() const {
  std::vector<int64_t> known;
  for (const Dim &d : dims)
    if (d.isKnown())
      known.push_back(d.value);
  return saturatingProduct(known);
}

int64_t ParamSpec::numel() const { return saturatingProduct(shape); }

} // namespace nnc::shapes
