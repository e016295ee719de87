//===- DiagnosticBridge.h - MLIR diagnostics in nnc's format ---------------===//
#pragma once

#include "frontend/Diagnostics.h"

#include "mlir/IR/Diagnostics.h"

namespace nnc {

/// While alive, MLIR errors and warnings (passes, verifiers) are reported to
/// `diags` at the .nn source position their FileLineColLoc names, so they
/// print like every other nnc diagnostic.
class DiagnosticBridge {
public:
  DiagnosticBridge(mlir::MLIRContext &ctx, DiagnosticEngine &diags);
  ~DiagnosticBridge();

private:
  mlir::MLIRContext &ctx_;
  mlir::DiagnosticEngine::HandlerID id_;
};

} // namespace nnc
