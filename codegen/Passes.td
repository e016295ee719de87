//===- Passes.td - Lowering nn to CPU code ----------------------*- tablegen -*-===//
#ifndef NNC_CODEGEN_PASSES
#define NNC_CODEGEN_PASSES

include "mlir/Pass/PassBase.td"

def NNLowerToCpu : Pass<"nn-lower-cpu", "::mlir::ModuleOp"> {
  let summary = "Plans memory and lowers statically shaped nn functions to CPU code";
  let description = [{
    Lays out the state arena (parameters, then velocities) and, per function,
    places every tensor in one workspace arena by liveness. conv2d,
    max_pool, dense, lrn, batch_norm, softmax and the activations relu,
    leaky_relu, sigmoid, tanh and gelu (forward and backward) become calls
    into the runtime's oneDNN wrappers, numbered by call site and created
    once in a generated `@init` (coarse; each lowered function makes its own
    sites, so `@eval_step`'s batch_norm is an inference site), or loops
    (fine): as each op's `nn.granularity` says, else as the `granularity`
    option says (auto: coarse, but max_pool fine); a backward op goes coarse
    only when a coarse forward op serves it, and an activation of rank 0 or
    1 stays generated. A library relu whose input is a library conv2d's
    output, read by nothing else but relu_backward ops, is fused into the
    convolution as a oneDNN post-op. Everything else becomes linalg.generic
    or scf loops on memrefs.

    `@train_step` and `@forward` become
    `@train_step(ctx, state, workspace, inputs..., hyper, metrics)` and
    `@eval_step(ctx, state, workspace, inputs..., metrics)`; the module keeps
    `nn.manifest` (names, kinds, offsets, shapes, initializers) and the arena
    sizes `nn.state_bytes` and `nn.workspace_bytes`. `@eval_step` writes
    each f32 scalar output i to metrics[i] and copies each f32 tensor output
    to metrics after them: `nn.eval_outputs` gives each output's offset in
    floats (-1: not written), `nn.eval_metrics` the floats metrics needs.
    (`@train_step` writes its scalar outputs only.)

    With `channel-block`, a rank-4 activation that layout-aware ops
    (library calls, generated max_pool) write and only they read stays in
    oneDNN's channel-blocked layout (Runtime.h), its buffer padded to whole
    channel blocks: no reorders between consecutive library calls.

    With `profile`, each op's code is bracketed by `nnc_prof_begin(ctx, id)`
    and `nnc_prof_end(ctx, id)`, and `nn.profile_sites` lists per id the
    function, the layer (the op's nn.name, or for a backward op the nn.vjp_of
    autodiff left on it) and the phase (forward, backward or update).
  }];
  let options = [
    Option<"profile", "profile", "bool", /*default=*/"false",
           "Time each op through nnc_prof_begin/nnc_prof_end (nnc bench)">,
    Option<"granularity", "granularity", "std::string", /*default=*/"\"auto\"",
           "Ops the library has (conv2d, max_pool, dense, lrn, batch_norm, softmax, activations) without nn.granularity: coarse (oneDNN calls), fine (loops), auto (coarse but generated max_pool)">,
    Option<"channelBlock", "channel-block", "int64_t", /*default=*/"0",
           "Keep activations that only library calls read in nChw<8|16>c between them (0: plain NCHW)">,
  ];
  let dependentDialects = ["::mlir::arith::ArithDialect", "::mlir::func::FuncDialect",
    "::mlir::linalg::LinalgDialect", "::mlir::memref::MemRefDialect",
    "::mlir::scf::SCFDialect", "::mlir::math::MathDialect", "::mlir::LLVM::LLVMDialect",
    "::mlir::affine::AffineDialect"];
}

def NNOutlineParallel : Pass<"nn-outline-parallel", "::mlir::ModuleOp"> {
  let summary = "Runs generated parallel loops on the runtime's threads";
  let description = [{
    In the functions nn-lower-cpu made (`nn.lowered`), each outermost
    `scf.parallel` with enough work (2^14 innermost iterations) becomes a
    private kernel `(state, workspace, scalars, begin, end)` over a range of
    its first dimension, and a call `nnc_parallel_kernel(ctx, n, kernel,
    state, bytes, workspace, bytes, scalars, bytes)` that splits [0, n)
    statically across the context's threads. The kernel rebuilds what the
    loop reads from the arenas (constants, pure index math, views); scratch
    stack rows only the loop uses become per-thread; other scalars are
    stored in a stack buffer of 8-byte slots. Loops that read anything else
    (an input argument's buffer) stay sequential.
  }];
  let dependentDialects = ["::mlir::arith::ArithDialect", "::mlir::func::FuncDialect",
    "::mlir::memref::MemRefDialect", "::mlir::scf::SCFDialect", "::mlir::LLVM::LLVMDialect"];
}

#endif // NNC_CODEGEN_PASSES
