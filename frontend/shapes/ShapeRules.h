//===- ShapeRules.h - Shape rules of every nn op ---------------------------===//
//
// One function per op: the result type, owned parameters and FLOPs per example
// for given operand types and attributes. Attributes are plain structs so that
// the dialect can fill them from MLIR attributes. Errors say what was expected
// and what was found, in the user's terms ("expected a 4-D input [N, C, H, W]").
//
// FLOPs count a multiply-add as 2, a comparison or addition as 1; they are per
// example: every symbolic dimension (the batch) counts as 1.
//
//===----------------------------------------------------------------------===//
#pragma once

#include "frontend/shapes/Types.h"

namespace nnc::shapes {

struct Pair {
  int64_t h = 1, w = 1;
};

struct Conv2dAttrs {
  int64_t out = 0;
  Pair kernel, stride{1, 1}, pad{0, 0}, dilation{1, 1};
  int64_t groups = 1;
  bool bias = true;
};
ShapeResult conv2d(const TensorType &x, const Conv2dAttrs &a);

struct DenseAttrs {
  int64_t out = 0;
  bool bias = true;
};
ShapeResult dense(const TensorType &x, const DenseAttrs &a);

struct PoolAttrs {
  Pair kernel, stride, pad{0, 0};
  bool ceil = false; // Caffe's rounding: ceil, clipped so a window starts inside the input
};
ShapeResult maxPool(const TensorType &x, const PoolAttrs &a);
ShapeResult avgPool(const TensorType &x, const PoolAttrs &a);

struct LrnAttrs {
  int64_t size = 5;
  double alpha = 1e-4, beta = 0.75, k = 1.0;
};
ShapeResult lrn(const TensorType &x, const LrnAttrs &a);

struct BatchNormAttrs {
  double momentum = 0.9, eps = 1e-5;
  bool affine = true;
};
ShapeResult batchNorm(const TensorType &x, const BatchNormAttrs &a);

ShapeResult dropout(const TensorType &x, double rate);

/// relu, leaky_relu, sigmoid, tanh, gelu: float input, same type out.
ShapeResult activation(const char *opName, const TensorType &x);
ShapeResult softmax(const TensorType &x, int64_t axis);

/// logits [N, K] float, labels [N] integer -> f32[] (mean over the batch).
ShapeResult softmaxCrossEntropy(const TensorType &logits, const TensorType &labels);
ShapeResult accuracy(const TensorType &logits, const TensorType &labels, int64_t topK);

ShapeResult flatten(const TensorType &x, int64_t axis);
/// Target dims: known extents, symbols, and at most one -1 (inferred).
ShapeResult reshape(const TensorType &x, const std::vector<Dim> &shape);
ShapeResult transpose(const TensorType &x, const std::vector<int64_t> &perm);
ShapeResult concat(const std::vector<TensorType> &xs, int64_t axis);

/// add, sub, mul, div with NumPy broadcasting (dims aligned on the right).
ShapeResult broadcast(const char *opName, const TensorType &a, const TensorType &b);
/// x * factor.
ShapeResult scale(const TensorType &x, double factor);

} // namespace nnc::shapes
