// RUN: nnc-opt %s -nn-lower-cpu -canonicalize | FileCheck %s

// Regression test (fixed): nn-lower-cpu finds the library site of conv2d_backward_data (and of
// dense_backward_data) by the weight alone, so when one weight is applied to
// inputs of different shapes (a shared-weight, multi-scale network) the
// gradient of the second use runs the first use's primitive, built for a
// 6x6 input, on an 8x8 one. The site should be the forward op's whose input
// and result types match the backward op's result and gradient. (Version 1
// of the language never shares weights, so only hand-written or future IR
// meets this.)

// CHECK-LABEL: func.func @train_step(
// CHECK-SAME:      %[[CTX:[^:]*]]: !llvm.ptr
// CHECK:         call @nnc_cpu_conv2d_fwd(%[[CTX]], %c0_i64,
// CHECK:         call @nnc_cpu_conv2d_fwd(%[[CTX]], %c1_i64,
// CHECK:         call @nnc_cpu_conv2d_bwd_data(%[[CTX]], %c1_i64,
// CHECK:         call @nnc_cpu_conv2d_bwd_data(%[[CTX]], %c0_i64,
// CHECK-LABEL: func.func @init(
// CHECK:         call @nnc_cpu_conv2d_init(%{{.*}}, %c0_i64, %c2_i64, %c1_i64, %c6_i64, %c6_i64,
// CHECK:         call @nnc_cpu_conv2d_init(%{{.*}}, %c1_i64, %c2_i64, %c1_i64, %c8_i64, %c8_i64,
module {
  nn.parameter @w : tensor<2x1x3x3xf32> {decay_mult = 1.0 : f64, init = "xavier()", lr_mult = 1.0 : f64}
  func.func @train_step(%g1: tensor<2x2x4x4xf32> {nn.input = "g1"}, %g2: tensor<2x2x6x6xf32> {nn.input = "g2"},
                        %x1: tensor<2x1x6x6xf32> {nn.input = "x1"}, %x2: tensor<2x1x8x8xf32> {nn.input = "x2"},
                        %w: tensor<2x1x3x3xf32> {nn.param = @w}) -> (tensor<2x1x8x8xf32>, tensor<2x1x6x6xf32>) {
    %0 = nn.conv2d %x1, %w {dilation = array<i64: 1, 1>, groups = 1 : i64, pad = array<i64: 0, 0>, stride = array<i64: 1, 1>} : (tensor<2x1x6x6xf32>, tensor<2x1x3x3xf32>) -> tensor<2x2x4x4xf32>
    %1 = nn.conv2d %x2, %w {dilation = array<i64: 1, 1>, groups = 1 : i64, pad = array<i64: 0, 0>, stride = array<i64: 1, 1>} : (tensor<2x1x8x8xf32>, tensor<2x1x3x3xf32>) -> tensor<2x2x6x6xf32>
    %2 = nn.conv2d_backward_data %g2, %w {dilation = array<i64: 1, 1>, groups = 1 : i64, pad = array<i64: 0, 0>, stride = array<i64: 1, 1>} : (tensor<2x2x6x6xf32>, tensor<2x1x3x3xf32>) -> tensor<2x1x8x8xf32>
    %3 = nn.conv2d_backward_data %g1, %w {dilation = array<i64: 1, 1>, groups = 1 : i64, pad = array<i64: 0, 0>, stride = array<i64: 1, 1>} : (tensor<2x2x4x4xf32>, tensor<2x1x3x3xf32>) -> tensor<2x1x6x6xf32>
    return %2, %3 : tensor<2x1x8x8xf32>, tensor<2x1x6x6xf32>
  }
}
