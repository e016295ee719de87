//===- Divergence.h - Finding where a diverging step went non-finite -*- C++ -*-===//
#pragma once

#include "codegen/Jit.h"
#include "frontend/Diagnostics.h"
#include "frontend/Graph.h"

#include "mlir/IR/MLIRContext.h"

#include <string>
#include <vector>

namespace nnc {

struct SolverConfig;

/// Explains a non-finite loss: the first parameter or running statistic of
/// `state` that holds a non-finite value, else the first op (in program
/// order) whose output is non-finite when the reference evaluator runs the
/// forward pass in f32 on the first examples of the batch with `state`'s
/// parameters. Returns "" when it finds neither.
std::string findNonFinite(mlir::MLIRContext &ctx, const Graph &g, const SolverConfig &solver, DiagnosticEngine &diags,
                          const std::vector<ManifestEntry> &manifest, const char *state, const float *images,
                          const std::vector<int64_t> &imageShape, const int32_t *labels);

} // namespace nnc
