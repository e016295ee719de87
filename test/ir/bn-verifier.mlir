// RUN: nnc-opt %s -split-input-file -verify-diagnostics
// Verifiers and type inference of batch_norm and batch_norm_backward.

func.func @roundtrip(%x: tensor<4x3x2x2xf32>, %w: tensor<3xf32>, %b: tensor<3xf32>, %m: tensor<3xf32>, %v: tensor<3xf32>) {
  %y, %mean, %invstd = nn.batch_norm %x, %w, %b, %m, %v {eps = 1.0e-05 : f64, momentum = 9.0e-01 : f64} : (tensor<4x3x2x2xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>) -> (tensor<4x3x2x2xf32>, tensor<3xf32>, tensor<3xf32>)
  %dx, %dwb:2 = nn.batch_norm_backward %y, %x, %w, %mean, %invstd : (tensor<4x3x2x2xf32>, tensor<4x3x2x2xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>) -> (tensor<4x3x2x2xf32>, tensor<3xf32>, tensor<3xf32>)
  %dx2 = nn.batch_norm_backward %y, %x, %mean, %invstd : (tensor<4x3x2x2xf32>, tensor<4x3x2x2xf32>, tensor<3xf32>, tensor<3xf32>) -> tensor<4x3x2x2xf32>
  return
}

// -----

func.func @rank_three(%x: tensor<4x3x2xf32>, %m: tensor<3xf32>, %v: tensor<3xf32>) {
  // expected-error @+2 {{batch_norm expects a 2-D input [N, C] or a 4-D input}}
  // expected-error @+1 {{failed to infer returned types}}
  %y, %mean, %invstd = nn.batch_norm %x, %m, %v {eps = 1.0e-05 : f64, momentum = 9.0e-01 : f64} : (tensor<4x3x2xf32>, tensor<3xf32>, tensor<3xf32>) -> (tensor<4x3x2xf32>, tensor<3xf32>, tensor<3xf32>)
  return
}

// -----

func.func @weight_without_bias(%x: tensor<4x3xf32>, %w: tensor<3xf32>, %m: tensor<3xf32>, %v: tensor<3xf32>) {
  // expected-error @+1 {{takes a weight and a bias (affine) or neither, got 1}}
  %y, %mean, %invstd = nn.batch_norm %x, %w, %m, %v {eps = 1.0e-05 : f64, momentum = 9.0e-01 : f64} : (tensor<4x3xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>) -> (tensor<4x3xf32>, tensor<3xf32>, tensor<3xf32>)
  return
}

// -----

func.func @running_stats_wrong_channels(%x: tensor<4x3xf32>, %m: tensor<5xf32>, %v: tensor<5xf32>) {
  // expected-error @+1 {{weight, bias and running statistics must be 1-D with one value per channel}}
  %y, %mean, %invstd = nn.batch_norm %x, %m, %v {eps = 1.0e-05 : f64, momentum = 9.0e-01 : f64} : (tensor<4x3xf32>, tensor<5xf32>, tensor<5xf32>) -> (tensor<4x3xf32>, tensor<3xf32>, tensor<3xf32>)
  return
}

// -----

func.func @momentum_out_of_range(%x: tensor<4x3xf32>, %m: tensor<3xf32>, %v: tensor<3xf32>) {
  // expected-error @+2 {{batch_norm momentum must be in [0, 1]}}
  // expected-error @+1 {{failed to infer returned types}}
  %y, %mean, %invstd = nn.batch_norm %x, %m, %v {eps = 1.0e-05 : f64, momentum = 2.0 : f64} : (tensor<4x3xf32>, tensor<3xf32>, tensor<3xf32>) -> (tensor<4x3xf32>, tensor<3xf32>, tensor<3xf32>)
  return
}

// -----

func.func @backward_grads_without_weight(%g: tensor<4x3xf32>, %x: tensor<4x3xf32>, %m: tensor<3xf32>, %s: tensor<3xf32>) {
  // expected-error @+1 {{has a weight and a bias gradient exactly when it has a weight}}
  %dx, %dwb:2 = nn.batch_norm_backward %g, %x, %m, %s : (tensor<4x3xf32>, tensor<4x3xf32>, tensor<3xf32>, tensor<3xf32>) -> (tensor<4x3xf32>, tensor<3xf32>, tensor<3xf32>)
  return
}

// -----

func.func @backward_stats_wrong_channels(%g: tensor<4x3xf32>, %x: tensor<4x3xf32>, %m: tensor<4xf32>, %s: tensor<3xf32>) {
  // expected-error @+1 {{weight, mean and invstd must be 1-D with one value per channel}}
  %dx = nn.batch_norm_backward %g, %x, %m, %s : (tensor<4x3xf32>, tensor<4x3xf32>, tensor<4xf32>, tensor<3xf32>) -> tensor<4x3xf32>
  return
}
