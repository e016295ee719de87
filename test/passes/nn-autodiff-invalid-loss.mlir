// RUN: nnc-opt %s -split-input-file -nn-autodiff -verify-diagnostics

// Regression test (fixed): nn-autodiff trusts @forward's nn.loss attribute: an index past the
// results asserts in OperandRange (getOperand(3) of a one-operand return)
// and a non-integer value asserts in cast<IntegerAttr>; both crash nnc-opt.
// Either should be an error at @forward (from the pass or from a dialect
// attribute verifier); the messages are left to the fix.

module {
  nn.parameter @w : tensor<3x4xf32> {decay_mult = 1.0 : f64, init = "xavier()", lr_mult = 1.0 : f64}
  // expected-error @+1 {{nn.loss}}
  func.func @forward(%x: tensor<?x4xf32> {nn.input = "x"}, %label: tensor<?xi32> {nn.input = "label"},
                     %w: tensor<3x4xf32> {nn.param = @w}) -> tensor<f32> attributes {nn.loss = 3 : i64} {
    %0 = nn.dense %x, %w : (tensor<?x4xf32>, tensor<3x4xf32>) -> tensor<?x3xf32>
    %1 = nn.softmax_cross_entropy %0, %label : tensor<?x3xf32>, tensor<?xi32> -> tensor<f32>
    return %1 : tensor<f32>
  }
}

// -----

module {
  nn.parameter @w : tensor<3x4xf32> {decay_mult = 1.0 : f64, init = "xavier()", lr_mult = 1.0 : f64}
  // expected-error @+1 {{nn.loss}}
  func.func @forward(%x: tensor<?x4xf32> {nn.input = "x"}, %label: tensor<?xi32> {nn.input = "label"},
                     %w: tensor<3x4xf32> {nn.param = @w}) -> tensor<f32> attributes {nn.loss = "loss"} {
    %0 = nn.dense %x, %w : (tensor<?x4xf32>, tensor<3x4xf32>) -> tensor<?x3xf32>
    %1 = nn.softmax_cross_entropy %0, %label : tensor<?x3xf32>, tensor<?xi32> -> tensor<f32>
    return %1 : tensor<f32>
  }
}
