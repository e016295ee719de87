//===- Evaluator.h - The reference evaluator of the nn dialect -*- C++ -*-===//
//
// Interprets an nn function on plain tensors with the reference kernels
// (ir/reference): the oracle that lowerings and gradients are tested
// against, and `nnc run --interp`. Integer tensors (labels) travel as T.
//
//===----------------------------------------------------------------------===//
#pragma once

#include "ir/reference/Kernels.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"

#include <functional>
#include <string>
#include <vector>

namespace nnc {

/// Sees each op's results as they are computed; returning false stops the
/// evaluation early (evaluate then returns true with no results).
template <typename T>
using EvalObserver = std::function<bool(mlir::Operation *, const ref::Tensor<T> &)>;

/// Runs `f` on `args` (one per function argument, shapes matching the static
/// or batch-specialized types); false with a message naming the op on error.
template <typename T>
bool evaluate(mlir::func::FuncOp f, const std::vector<ref::Tensor<T>> &args,
              std::vector<ref::Tensor<T>> &results, std::string &error,
              const EvalObserver<T> &observer = nullptr);

} // namespace nnc
