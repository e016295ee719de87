//===- Passes.td - Lowering nn to CPU code ----------------------*- tablegen -*-===//
#ifndef NNC_CODEGEN_PASSES
#define NNC_CODEGEN_PASSES

include "mlir/Pass/PassBase.td"

def NNLowerToCpu : Pass<"nn-lower-cpu", "::mlir::ModuleOp"> {
  let summary = "Plans memory and lowers statically shaped nn functions to CPU code";
  let description = [{
    Lays out the state arena (parameters, then velocities) and, per function,
    places every tensor in one workspace arena by liveness. conv2d, max_pool
    and dense (forward and backward) become calls into the runtime's oneDNN
    wrappers, numbered by call site and created once in a generated `@init`;
    everything else becomes linalg.generic or scf loops on memrefs.

    `@train_step` and `@forward` become
    `@train_step(ctx, state, workspace, inputs..., hyper, metrics)` and
    `@eval_step(ctx, state, workspace, inputs..., metrics)`; the module keeps
    `nn.manifest` (names, kinds, offsets, shapes, initializers) and the arena
    sizes `nn.state_bytes` and `nn.workspace_bytes`.
  }];
  let dependentDialects = ["::mlir::arith::ArithDialect", "::mlir::func::FuncDialect",
    "::mlir::linalg::LinalgDialect", "::mlir::memref::MemRefDialect",
    "::mlir::scf::SCFDialect", "::mlir::math::MathDialect", "::mlir::LLVM::LLVMDialect"];
}

#endif // NNC_CODEGEN_PASSES
