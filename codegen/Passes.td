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
    wrappers, numbered by call site and created once in a generated `@init`
    (coarse), or scf loops (fine): as each op's `nn.granularity` says, else
    as the `granularity` option says (auto: the library); a backward op goes
    coarse only when a coarse forward op serves it. Everything else becomes
    linalg.generic or scf loops on memrefs.

    `@train_step` and `@forward` become
    `@train_step(ctx, state, workspace, inputs..., hyper, metrics)` and
    `@eval_step(ctx, state, workspace, inputs..., metrics)`; the module keeps
    `nn.manifest` (names, kinds, offsets, shapes, initializers) and the arena
    sizes `nn.state_bytes` and `nn.workspace_bytes`.

    With `profile`, each op's code is bracketed by `nnc_prof_begin(ctx, id)`
    and `nnc_prof_end(ctx, id)`, and `nn.profile_sites` lists per id the
    function, the layer (the op's nn.name, or for a backward op the nn.vjp_of
    autodiff left on it) and the phase (forward, backward or update).
  }];
  let options = [
    Option<"profile", "profile", "bool", /*default=*/"false",
           "Time each op through nnc_prof_begin/nnc_prof_end (nnc bench)">,
    Option<"granularity", "granularity", "std::string", /*default=*/"\"auto\"",
           "conv2d, max_pool and dense without nn.granularity: auto or coarse (oneDNN calls), fine (loops)">,
  ];
  let dependentDialects = ["::mlir::arith::ArithDialect", "::mlir::func::FuncDialect",
    "::mlir::linalg::LinalgDialect", "::mlir::memref::MemRefDialect",
    "::mlir::scf::SCFDialect", "::mlir::math::MathDialect", "::mlir::LLVM::LLVMDialect",
    "::mlir::affine::AffineDialect"];
}

#endif // NNC_CODEGEN_PASSES
