// RUN: nnc-opt %s -nn-solver -verify-diagnostics

// Regression test (fixed): the solver pass (then nn-sgd) looked up the nn.parameter of each nn.grad_of entry and used it
// unchecked: when the symbol names no nn.parameter, Sgd::runOnOperation
// dereferenced a null op (segmentation fault). It should be an error at
// @train_step naming the symbol (or a verifier error on the nn.param
// attribute, see test/ir/verifier-param-attr.mlir).

module attributes {nn.solver = {method = "sgd"}} {
  nn.parameter @w : tensor<3xf32> {decay_mult = 1.0 : f64, init = "xavier()", lr_mult = 1.0 : f64}
  // expected-error @+1 {{nope}}
  func.func @train_step(%w: tensor<3xf32> {nn.param = @nope}) -> (tensor<f32>, tensor<3xf32>) attributes {nn.grad_of = [@nope], nn.loss = 0 : i64} {
    %loss = arith.constant dense<0.0> : tensor<f32>
    %g = nn.relu %w : tensor<3xf32> -> tensor<3xf32>
    return %loss, %g : tensor<f32>, tensor<3xf32>
  }
}
