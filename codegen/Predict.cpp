//===- Predict.cpp - nnc predict: which value, and the network cut to it ---===//
#include "codegen/Predict.h"

#include <algorithm>
#include <cmath>
#include <fmt/format.h>
#include <iterator>
#include <limits>
#include <numeric>

namespace nnc {

namespace {

/// needed[i]: node `node` reads node i, directly or through others (or is it).
std::vector<bool> neededBy(const Graph &g, int node) {
  std::vector<bool> needed(g.nodes.size());
  needed[node] = true;
  for (int i = node; i >= 0; --i) // operands come before the nodes that read them
    if (needed[i])
      for (int o : g.nodes[i].operands) needed[o] = true;
  return needed;
}

/// Node `id` read as class scores: 1 for the logits a softmax_cross_entropy
/// or accuracy reads, 2 for a softmax's probabilities of an [N, K] value, 0
/// for neither.
int classScores(const Graph &g, int id) {
  const Node &n = g.nodes[id];
  if (n.type.rank() != 2) return 0;
  if (n.op == "softmax") {
    const Value *axis = n.attr("axis");
    if (axis && (axis->i == 1 || axis->i == -1)) return 2;
  }
  for (const Node &user : g.nodes)
    if ((user.op == "softmax_cross_entropy" || user.op == "accuracy") && !user.operands.empty() &&
        user.operands[0] == id)
      return 1;
  return 0;
}

/// The classifier output nnc predict prints by default, or -1.
int defaultPrediction(const Graph &g) {
  for (const char *op : {"softmax_cross_entropy", "accuracy"})
    for (int i = (int)g.nodes.size() - 1; i >= 0; --i)
      if (g.nodes[i].op == op) return g.nodes[i].operands[0];
  for (int i = (int)g.nodes.size() - 1; i >= 0; --i)
    if (classScores(g, i) == 2) return i;
  return -1;
}

} // namespace

bool choosePrediction(const Graph &g, const std::string &name, DiagnosticEngine &diags, PredictionTarget &target) {
  int node = -1;
  if (name.empty()) {
    node = defaultPrediction(g);
    if (node < 0) {
      diags.report(Diag::CompileError, g.loc,
                   fmt::format("network '{}' has no classifier output (the logits of a softmax_cross_entropy or "
                               "accuracy, or a softmax of [N, K]); name the value to print with --output NAME",
                               g.name));
      return false;
    }
  } else {
    for (size_t i = 0; i < g.nodes.size(); ++i)
      if (g.nodes[i].name == name) node = (int)i;
    if (node < 0) {
      std::vector<std::string> bindings;
      for (const BindingRow &r : g.rows) bindings.push_back(r.name);
      std::string hint = suggestName(name, bindings);
      std::string list;
      for (const std::string &b : bindings) list += (list.empty() ? "" : ", ") + b;
      diags.report(Diag::CompileError, g.loc,
                   fmt::format("--output '{}': network '{}' has no value of that name{}; its bindings are {}", name,
                               g.name, hint.empty() ? "" : " (" + hint + ")", list));
      return false;
    }
  }

  const Node &n = g.nodes[node];
  if (g.inputs.empty()) {
    diags.report(Diag::CompileError, g.loc, fmt::format("network '{}' has no input for nnc predict to feed", g.name));
    return false;
  }
  const auto &[imageName, imageId] = g.inputs[0];
  const Node &image = g.nodes[imageId];
  if (image.type.dtype != shapes::DType::F32 || image.type.rank() < 1 || image.type.dims[0].isKnown()) {
    diags.report(Diag::CompileError, image.loc,
                 fmt::format("nnc predict feeds the first input as f32 images [N, ...]; '{}' is declared {}",
                             imageName, image.type.str()));
    return false;
  }
  std::vector<bool> needed = neededBy(g, node);
  for (const auto &[inputName, id] : g.inputs)
    if (id != imageId && needed[id]) {
      Diagnostic &d = diags.report(
          Diag::CompileError, n.loc,
          fmt::format("'{}' depends on input '{}', but nnc predict feeds only the images ('{}'); name a value "
                      "computed from them alone with --output",
                      n.name, inputName, imageName));
      d.notes.push_back({g.nodes[id].loc, fmt::format("input '{}' is declared here", inputName)});
      return false;
    }
  bool perExampleShape = n.type.rank() >= 1 && n.type.dims[0] == image.type.dims[0];
  for (size_t i = 1; i < n.type.dims.size(); ++i) perExampleShape &= n.type.dims[i].isKnown();
  if (n.type.dtype != shapes::DType::F32 || !perExampleShape || !needed[imageId]) {
    diags.report(Diag::CompileError, n.loc,
                 fmt::format("'{}' is {}; nnc predict prints f32 values with one row per image, [{}, ...]", n.name,
                             n.type.str(), image.type.dims[0].str()));
    return false;
  }

  int scores = classScores(g, node);
  target.node = node;
  target.name = n.name;
  target.perExample = n.type.numelPerExample();
  target.classifier = scores != 0;
  target.probabilities = scores == 2;
  return true;
}

Graph pruneTo(const Graph &g, int node) {
  std::vector<bool> needed = neededBy(g, node);
  Graph pruned;
  pruned.name = g.name;
  pruned.loc = g.loc;
  std::vector<int> newId(g.nodes.size(), -1);
  for (size_t i = 0; i < g.nodes.size(); ++i) {
    if (!needed[i]) continue;
    newId[i] = (int)pruned.nodes.size();
    pruned.nodes.push_back(g.nodes[i]);
    for (int &o : pruned.nodes.back().operands) o = newId[o];
  }
  for (const auto &[name, id] : g.inputs)
    if (needed[id]) pruned.inputs.push_back({name, newId[id]});
  pruned.outputs.push_back({g.nodes[node].name, newId[node]});
  return pruned;
}

bool labelInTopK(const float *scores, int64_t classes, int32_t label, int64_t k) {
  if (label < 0 || label >= classes) return false;
  int64_t atLeast = 0; // other classes scoring at least the label's
  for (int64_t c = 0; c < classes; ++c) atLeast += c != label && scores[c] >= scores[label];
  return atLeast < k;
}

std::string predictionLine(int64_t index, const float *values, const PredictionTarget &target, int64_t top,
                           bool raw) {
  std::string line = std::to_string(index);
  auto out = std::back_inserter(line);
  int64_t count = target.perExample;
  if (raw || !target.classifier) {
    for (int64_t i = 0; i < count; ++i) fmt::format_to(out, "\t{}", values[i]);
    return line;
  }
  std::vector<double> probs(values, values + count);
  if (!target.probabilities) { // softmax, shifted by the largest score so that exp cannot overflow
    double max = *std::max_element(probs.begin(), probs.end()), sum = 0;
    for (double &p : probs) sum += p = std::exp(p - max);
    for (double &p : probs) p /= sum;
  }
  // Best first by score, ties to the lower class; a NaN score ranks last.
  auto key = [&](int64_t c) { return std::isnan(values[c]) ? -std::numeric_limits<float>::infinity() : values[c]; };
  std::vector<int64_t> order(count);
  std::iota(order.begin(), order.end(), 0);
  top = std::min(top, count);
  std::partial_sort(order.begin(), order.begin() + top, order.end(),
                    [&](int64_t a, int64_t b) { return key(a) > key(b) || (key(a) == key(b) && a < b); });
  for (int64_t j = 0; j < top; ++j) fmt::format_to(out, "\t{}\t{:.6f}", order[j], probs[order[j]]);
  return line;
}

} // namespace nnc
