// RUN: nnc-opt %s -split-input-file -verify-diagnostics

// Regression test (fixed): SgdUpdateOp::verify checks that param, grad and velocity have one type
// but not the results. nn-lower-cpu updates the parameter and the velocity in
// place (the results alias the state arena views), so results of another
// type would write a differently shaped tensor over them.

func.func @sgd_update_result_types(%w: tensor<3xf32>, %g: tensor<3xf32>, %v: tensor<3xf32>, %lr: tensor<f32>) {
  // expected-error @+1 {{must have one type}}
  %0:2 = nn.sgd_update %w, %g, %v, %lr {decay_mult = 1.0 : f64, lr_mult = 1.0 : f64, momentum = 0.9 : f64, nesterov = false, weight_decay = 0.0 : f64} : (tensor<3xf32>, tensor<3xf32>, tensor<3xf32>, tensor<f32>) -> (tensor<4xf32>, tensor<3xf32>)
  return
}

// -----

func.func @sgd_update_velocity_result(%w: tensor<3xf32>, %g: tensor<3xf32>, %v: tensor<3xf32>, %lr: tensor<f32>) {
  // expected-error @+1 {{must have one type}}
  %0:2 = nn.sgd_update %w, %g, %v, %lr {decay_mult = 1.0 : f64, lr_mult = 1.0 : f64, momentum = 0.9 : f64, nesterov = false, weight_decay = 0.0 : f64} : (tensor<3xf32>, tensor<3xf32>, tensor<3xf32>, tensor<f32>) -> (tensor<3xf32>, tensor<3xf16>)
  return
}
