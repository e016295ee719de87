// RUN: nnc-opt %s -split-input-file -verify-diagnostics

// Regression test (fixed): nn.max_pool and nn.max_pool_backward have no verifier for the length
// of kernel, stride and pad. Inference reads a missing second value as 1
// (pairOf in ir/NNOps.cpp), so `kernel = array<i64: 2>` verifies as a 2x1
// window, and nn-lower-cpu then reads kernel[1] out of bounds (garbage such
// as 93902837306144 in the nnc_cpu_max_pool_init call). conv2d rejects the
// same mistake ("stride, pad and dilation need two values [h, w]"); max_pool
// should too, in a verifier (so that it is the only error).

func.func @max_pool_kernel_one_value(%x: tensor<2x3x4x4xf32>) {
  // expected-error @+1 {{need two values [h, w]}}
  %0 = nn.max_pool %x {ceil = false, kernel = array<i64: 2>, pad = array<i64: 0, 0>, stride = array<i64: 2>} : tensor<2x3x4x4xf32> -> tensor<2x3x2x4xf32>
  return
}

// -----

func.func @max_pool_pad_three_values(%x: tensor<2x3x4x4xf32>) {
  // expected-error @+1 {{need two values [h, w]}}
  %0 = nn.max_pool %x {ceil = false, kernel = array<i64: 2, 2>, pad = array<i64: 0, 0, 0>, stride = array<i64: 2, 2>} : tensor<2x3x4x4xf32> -> tensor<2x3x2x2xf32>
  return
}

// -----

func.func @max_pool_backward_kernel_one_value(%x: tensor<2x3x4x4xf32>, %g: tensor<2x3x2x4xf32>) {
  // expected-error @+1 {{need two values [h, w]}}
  %0 = nn.max_pool_backward %x, %g {ceil = false, kernel = array<i64: 2>, pad = array<i64: 0, 0>, stride = array<i64: 2>} : (tensor<2x3x4x4xf32>, tensor<2x3x2x4xf32>) -> tensor<2x3x4x4xf32>
  return
}
