// RUN: nnc-opt %s -split-input-file -verify-diagnostics

// Regression test (fixed) (missing verifier): nothing checks that an argument's `nn.param = @name`
// names an nn.parameter of the argument's type. The passes trust it:
// - an unknown name is trained like any parameter by nn-autodiff, then
//   nn-sgd dereferences the missing nn.parameter (segmentation fault in
//   Sgd::runOnOperation) and nn-lower-cpu aborts with an uncaught
//   std::out_of_range (map::at of the state layout);
// - a type that differs from the declaration gets the declared type's room in
//   the state arena but a view of the argument's type: below, a 400-byte view
//   at offset 0 of a 128-byte arena (nn.state_bytes = 128).
// The nn dialect should verify the attribute (verifyRegionArgAttribute) at
// the function; the messages are left to the fix.

module {
  nn.parameter @w : tensor<3xf32> {decay_mult = 1.0 : f64, init = "xavier()", lr_mult = 1.0 : f64}
  // expected-error @+1 {{nn.param}}
  func.func @forward(%x: tensor<3xf32> {nn.param = @nope}) -> tensor<3xf32> {
    %0 = nn.relu %x : tensor<3xf32> -> tensor<3xf32>
    return %0 : tensor<3xf32>
  }
}

// -----

module {
  nn.parameter @w : tensor<3xf32> {decay_mult = 1.0 : f64, init = "xavier()", lr_mult = 1.0 : f64}
  nn.parameter @v : tensor<3xf32> {decay_mult = 1.0 : f64, init = "xavier()", lr_mult = 1.0 : f64}
  // expected-error @+1 {{nn.param}}
  func.func @forward(%w: tensor<100xf32> {nn.param = @w}) -> tensor<100xf32> {
    %0 = nn.relu %w : tensor<100xf32> -> tensor<100xf32>
    return %0 : tensor<100xf32>
  }
}

// -----

// A symbol that is not an nn.parameter.
module {
  // expected-error @+1 {{nn.param}}
  func.func @forward(%x: tensor<3xf32> {nn.param = @forward}) -> tensor<3xf32> {
    return %x : tensor<3xf32>
  }
}
