//===- Emitter.h - Elaborated network -> nn dialect ------------------------===//
#pragma once

#include "frontend/Diagnostics.h"
#include "frontend/Graph.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/OwningOpRef.h"

namespace nnc {

/// Builds the nn-dialect module of one network: an `nn.parameter` symbol per
/// parameter and `func.func @forward(inputs..., parameters...) -> outputs`
/// with FileLineColLoc locations into the .nn source. Solver settings travel
/// as module attributes (`nn.solver`) so that passes can run on the module
/// alone. Ops that the dialect cannot express yet are reported as E0090 at
/// their line; the result is then null.
mlir::OwningOpRef<mlir::ModuleOp> emitModule(mlir::MLIRContext &ctx, const Graph &g,
                                             const SolverConfig &solver, DiagnosticEngine &diags);

} // namespace nnc
