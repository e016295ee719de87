#include "frontend/Value.h"

#include "frontend/Graph.h"

#include <fmt/format.h>

namespace nnc {

static std::string fmtNumber(double f) {
  std::string s = fmt::format("{}", f);
  return s;
}

std::string Value::describe() const {
  switch (kind) {
  case Kind::Error: return "an invalid value";
  case Kind::None: return "nothing";
  case Kind::Int: return fmt::format("int {}", i);
  case Kind::Float: return fmt::format("float {}", fmtNumber(f));
  case Kind::Bool: return b ? "true" : "false";
  case Kind::String: return fmt::format("string {}", str_());
  case Kind::List: return fmt::format("list {}", str_());
  case Kind::Symbol: return fmt::format("dimension {}", str);
  case Kind::Tensor: return fmt::format("tensor {}", type.str());
  case Kind::Call: return str_();
  case Kind::Product: return str_();
  case Kind::Pipeline: return fmt::format("pipeline {}", str_());
  }
  return "a value";
}

std::string Value::str_() const {
  switch (kind) {
  case Kind::Error: return "<error>";
  case Kind::None: return "none";
  case Kind::Int: return std::to_string(i);
  case Kind::Float: return fmtNumber(f);
  case Kind::Bool: return b ? "true" : "false";
  case Kind::String: {
    std::string s = "\"";
    for (char c : str) {
      if (c == '"' || c == '\\') s += '\\';
      if (c == '\n') { s += "\\n"; continue; }
      if (c == '\t') { s += "\\t"; continue; }
      s += c;
    }
    return s + "\"";
  }
  case Kind::Symbol: return str;
  case Kind::Tensor: return type.str();
  case Kind::List:
  case Kind::Call:
  case Kind::Product:
  case Kind::Pipeline: {
    const char *sep = kind == Kind::Product ? " * " : kind == Kind::Pipeline ? " | " : ", ";
    std::string s = kind == Kind::List ? "[" : kind == Kind::Call ? str + "(" : "";
    for (size_t k = 0; k < elems.size(); ++k) {
      if (k) s += sep;
      if (kind == Kind::Call && k < argNames.size()) s += argNames[k] + "=";
      s += elems[k].str_();
    }
    return s + (kind == Kind::List ? "]" : kind == Kind::Call ? ")" : "");
  }
  }
  return "";
}

int64_t Graph::parameterCount(bool trainableOnly) const {
  int64_t n = 0;
  for (const Node &node : nodes)
    for (const shapes::ParamSpec &p : node.params)
      if (p.trainable || !trainableOnly) n += p.numel();
  return n;
}

double Graph::flopsPerExample() const {
  double f = 0;
  for (const Node &node : nodes) f += node.flops;
  return f;
}

} // namespace nnc
