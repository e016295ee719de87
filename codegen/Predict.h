//===- Predict.h - nnc predict: which value, and the network cut to it -*- C++ -*-===//
//
// nnc predict runs a trained network on images alone: it picks the value to
// print (the classifier's logits unless --output names another), cuts the
// network down to what that value needs (no label input, no loss), and
// prints one line per example. The session itself lives in Trainer.cpp with
// nnc eval's; this file holds the parts that need no JIT.
//
//===----------------------------------------------------------------------===//
#pragma once

#include "frontend/Diagnostics.h"
#include "frontend/Graph.h"

#include <cstdint>
#include <string>

namespace nnc {

/// The value nnc predict prints and how its lines read.
struct PredictionTarget {
  int node = -1;            // in the whole network's graph
  std::string name;         // the node's name: "ip2", "i3a.b1"
  int64_t perExample = 0;   // values per example (the classes of a classifier)
  bool classifier = false;  // [N, K] class scores: lines give the top classes
  bool probabilities = false; // the scores are a softmax's output already
};

/// Picks the value: the node named `name`, else the logits of the network's
/// last softmax_cross_entropy, else those of its last accuracy, else its
/// last softmax of an [N, K] value. The value must be f32 with the batch
/// first and computed from the first (image) input alone. Reports to `diags`
/// and returns false when there is no such value.
bool choosePrediction(const Graph &g, const std::string &name, DiagnosticEngine &diags, PredictionTarget &target);

/// `g` cut down to the nodes `node` needs, with that node as its only output
/// (named after it) and only the inputs it reads. Compiled, its eval_step
/// copies that output, [batch, ...], into its metrics argument at
/// JitModel::evalOutputs[0] (after the one scalar slot).
Graph pruneTo(const Graph &g, int node);

/// Whether `label` is among the `k` best of `scores` by nnc's accuracy rule
/// (SPEC 11.3, Caffe's: ties count against the example).
bool labelInTopK(const float *scores, int64_t classes, int32_t label, int64_t k);

/// One example's line, without the newline: "index<TAB>class<TAB>probability"
/// for each of the `top` best classes of a classifier (probabilities: the
/// softmax of the scores, or the scores when they are probabilities already),
/// else "index<TAB>value<TAB>value..." (shortest round-trip decimals).
std::string predictionLine(int64_t index, const float *values, const PredictionTarget &target, int64_t top,
                           bool raw);

} // namespace nnc
