//===- Graph.h - An elaborated network --------------------------------------===//
//
// What semantic analysis produces for each network: blocks inlined, names
// resolved, every op with its evaluated attributes, inferred type, owned
// parameters and source location. The `nn` dialect is emitted from this.
//
//===----------------------------------------------------------------------===//
#pragma once

#include "frontend/Source.h"
#include "frontend/Value.h"

#include <map>
#include <string>
#include <vector>

namespace nnc {

enum class Granularity { Auto, Coarse, Fine };

struct Node {
  std::string op;   // "input", "conv2d", ...
  std::string name; // unique within the graph: "c1", "i3a.b2", "f1.dense0"
  std::vector<int> operands;
  std::vector<std::string> attrNames; // every parameter of the op, defaults filled
  std::vector<Value> attrs;
  shapes::TensorType type;
  std::vector<shapes::ParamSpec> params; // names are local ("weight")
  std::string paramPrefix;               // full names are paramPrefix + "." + name
  double flops = 0;                      // per example
  SourceRange loc;
  std::string instance; // block instance path, "" at network level
  Granularity granularity = Granularity::Auto;

  const Value *attr(const std::string &n) const {
    for (size_t k = 0; k < attrNames.size(); ++k)
      if (attrNames[k] == n) return &attrs[k];
    return nullptr;
  }
};

/// One network-level statement, for `nnc check --shapes`.
struct BindingRow {
  std::string name;
  std::string kind; // "input", "output" or ""
  std::string type; // the value's type or description
  int64_t params = 0;
  double flops = 0;
};

struct Graph {
  std::string name;
  SourceRange loc;
  std::vector<Node> nodes;
  std::vector<std::pair<std::string, int>> inputs;  // name -> node
  std::vector<std::pair<std::string, int>> outputs; // name -> node
  std::vector<BindingRow> rows;

  int64_t parameterCount(bool trainableOnly = true) const;
  double flopsPerExample() const;
};

struct SolverConfig {
  bool present = false;
  SourceRange loc;
  Value method, lr;
  double weightDecay = 0, clipNorm = 0;
  int64_t batch = 64, epochs = 1, seed = 0;
  std::string minimize;
};

struct DataConfig {
  bool present = false;
  SourceRange loc;
  Value train, test; // Pipeline values (Error when absent)
  SourceRange trainLoc, testLoc; // their settings, for nnc train's messages
};

/// Everything `nnc check` learns from a root file.
struct Program {
  std::vector<Graph> networks;
  SolverConfig solver;
  DataConfig data;
};

} // namespace nnc
