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

def NNSgd : Pass<"nn-sgd", "::mlir::ModuleOp"> {
  let summary = "Replaces @train_step's gradients by the SGD update of the parameters";
  let description = [{
    Reads `nn.solver` (momentum, weight decay, Nesterov) and each parameter's
    multipliers, adds the learning rate (`nn.hyper = "lr"`) and one velocity
    per parameter as arguments, and returns the updated parameters and
    velocities. `nn.updates` maps each result to the argument it replaces, so
    that the update can happen in place in the state arena.
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
