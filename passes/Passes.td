//===- Passes.td - Passes over the nn dialect -------------------*- tablegen -*-===//
#ifndef NNC_PASSES
#define NNC_PASSES

include "mlir/Pass/PassBase.td"

def NNAutoDiff : Pass<"nn-autodiff", "::mlir::ModuleOp"> {
  let summary = "Builds @train_step: the forward pass plus every parameter's gradient";
  let description = [{
    Clones `@forward` (the function with an `nn.loss` result) into
    `@train_step` and appends, in reverse order, each op's vector-Jacobian
    product through VjpOpInterface; gradients of values used several times
    are summed. `@train_step` returns the forward outputs followed by one
    gradient per trainable parameter (`nn.grad_of` names them). A parameter
    that no gradient reaches gets zeros and a warning.
  }];
  let dependentDialects = ["::mlir::arith::ArithDialect"];
}

def NNSolver : Pass<"nn-solver", "::mlir::ModuleOp"> {
  let summary = "Replaces @train_step's gradients by the solver's update of the parameters";
  let description = [{
    Reads `nn.solver` (method and its settings, weight decay, clip_norm) and
    each parameter's multipliers (SPEC 12). Adds the learning rate
    (`nn.hyper = "lr"`), for adam and adamw the completed step count
    (`nn.hyper = "step"`), and the method's state per parameter
    (`nn.state_of = @param`, `nn.state` = "velocity" for sgd, "m" and "s"
    for adam and adamw, "s" and, with momentum, "b" for rmsprop, "s" for
    adagrad) as arguments. With `clip_norm`, one `nn.clip_by_global_norm`
    scales all gradients first. Then one update op per parameter
    (`nn.sgd_update`, `nn.adam_update`, `nn.rmsprop_update`,
    `nn.adagrad_update`); `@train_step` returns the outputs, the updated
    parameters and the updated state. `nn.updates` maps each result to the
    argument it replaces, so that the update can happen in place in the
    state arena.
  }];
}

def NNSpecializeBatch : Pass<"nn-specialize-batch", "::mlir::ModuleOp"> {
  let summary = "Replaces the dynamic batch dimension by a static size";
  let description = [{
    The batch is the only dynamic dimension; after this pass every tensor is
    statically shaped, so that memory can be planned and library primitives
    created once.
  }];
  let options = [Option<"batch", "batch", "int64_t", "64", "The batch size">];
}

#endif // NNC_PASSES
