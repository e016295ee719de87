//===- NNOps.h - Ops of the nn dialect --------------------------*- C++ -*-===//
#pragma once

#include "ir/NNDialect.h"
#include "frontend/shapes/Types.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/OpDefinition.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/IR/SymbolTable.h"
#include "mlir/Interfaces/InferTypeOpInterface.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

#include "ir/VjpInterface.h.inc"

#define GET_OP_CLASSES
#include "ir/NNOps.h.inc"

namespace nnc::nn {

/// Tensor types between MLIR and the shared shape rules: a dynamic
/// dimension is the symbol "?" (the batch).
shapes::TensorType toShapes(mlir::RankedTensorType t);
mlir::RankedTensorType fromShapes(const shapes::TensorType &t, mlir::MLIRContext *ctx);
mlir::Type elementTypeOf(shapes::DType d, mlir::MLIRContext *ctx);

} // namespace nnc::nn
