// RUN: nnc-opt %s -split-input-file -verify-diagnostics
// Verifiers and type inference of the second op slice.

func.func @dropout_rate_one(%x: tensor<2x3xf32>) {
  // expected-error @+1 {{rate must be in [0, 1)}}
  %0, %1 = nn.dropout %x {rate = 1.0 : f64, stream = 0 : i64} : tensor<2x3xf32> -> tensor<2x3xf32>, tensor<2x3xf32>
  return
}

// -----

func.func @avg_pool_kernel_one_value(%x: tensor<2x3x4x4xf32>) {
  // expected-error @+1 {{kernel, stride and pad need two values [h, w]}}
  %0 = nn.avg_pool %x {ceil = false, kernel = array<i64: 2>, pad = array<i64: 0, 0>, stride = array<i64: 2, 2>} : tensor<2x3x4x4xf32> -> tensor<2x3x2x4xf32>
  return
}

// -----

func.func @concat_backward_slices_do_not_sum(%g: tensor<2x5xf32>) {
  // expected-error @+1 {{the slices' extents along the axis sum to 4, not 5}}
  %0:2 = nn.concat_backward %g {axis = 1 : i64} : (tensor<2x5xf32>) -> (tensor<2x2xf32>, tensor<2x2xf32>)
  return
}

// -----

func.func @concat_mismatch(%a: tensor<2x3xf32>, %b: tensor<3x3xf32>) {
  // expected-error @+2 {{differs from input 0}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = nn.concat %a, %b {axis = 1 : i64} : (tensor<2x3xf32>, tensor<3x3xf32>) -> tensor<2x6xf32>
  return
}

// -----

func.func @transpose_not_a_permutation(%x: tensor<2x3xf32>) {
  // expected-error @+2 {{perm}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = nn.transpose %x {perm = array<i64: 0, 0>} : tensor<2x3xf32> -> tensor<2x2xf32>
  return
}

// -----

func.func @reshape_count(%x: tensor<2x3xf32>) {
  // expected-error @+1 {{element count differs}}
  %0 = nn.reshape %x : (tensor<2x3xf32>) -> tensor<7xf32>
  return
}

// -----

func.func @lrn_even_size(%x: tensor<2x3x4x4xf32>) {
  // expected-error @+2 {{size}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = nn.lrn %x {alpha = 1.0e-04 : f64, beta = 7.5e-01 : f64, k = 1.0 : f64, size = 4 : i64} : tensor<2x3x4x4xf32> -> tensor<2x3x4x4xf32>
  return
}
