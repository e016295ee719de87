//===- RegisterNNC.h - The dialects and passes nnc uses ---------*- C++ -*-===//
//
// One place that says which dialects and passes exist in nnc's tools. Only
// what nnc uses is registered: registering all of MLIR costs build time.
//
//===----------------------------------------------------------------------===//
#pragma once

#include "codegen/Passes.h"
#include "ir/NNDialect.h"
#include "passes/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/ControlFlow/IR/ControlFlow.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Transforms/Passes.h"

namespace nnc {

inline void registerDialects(mlir::DialectRegistry &registry) {
  registry.insert<nn::NNDialect, mlir::arith::ArithDialect, mlir::func::FuncDialect,
                  mlir::linalg::LinalgDialect, mlir::memref::MemRefDialect, mlir::scf::SCFDialect,
                  mlir::math::MathDialect, mlir::cf::ControlFlowDialect,
                  mlir::LLVM::LLVMDialect, mlir::tensor::TensorDialect,
                  mlir::bufferization::BufferizationDialect>();
}

inline void registerPasses() {
  mlir::registerCanonicalizerPass();
  mlir::registerCSEPass();
  registerNNPasses();
  registerCodegenPasses();
}

} // namespace nnc
