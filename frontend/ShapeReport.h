//===- ShapeReport.h - The table `nnc check --shapes` prints ---------------===//
#pragma once

#include "frontend/Graph.h"

#include <iosfwd>

namespace nnc {

/// One row per network-level binding: its type, trainable parameters and
/// FLOPs per example (ops inside block instances count toward the binding
/// that called the block), then totals.
void printShapeReport(std::ostream &os, const Graph &g);

/// 1234567 -> "1,234,567".
std::string withThousands(int64_t n);
/// 2.27e9 -> "2.27G".
std::string humanFlops(double flops);

} // namespace nnc
