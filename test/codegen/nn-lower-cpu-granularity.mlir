// RUN: nnc-opt %s -nn-lower-cpu | FileCheck %s --check-prefix=AUTO
// RUN: nnc-opt %s -nn-lower-cpu=granularity=coarse | FileCheck %s --check-prefix=AUTO
// RUN: nnc-opt %s -nn-lower-cpu=granularity=fine | FileCheck %s --check-prefix=FINE
// RUN: not nnc-opt %s -nn-lower-cpu=granularity=medium 2>&1 | FileCheck %s --check-prefix=BAD

// nn-lower-cpu's `granularity` decides the conv2d, max_pool and dense ops
// without nn.granularity; a backward op is a library call only when it wants
// one and a library forward op serves it. Here the convolution is "fine" and
// the dense layer "coarse"; their backward ops carry no attribute.

// AUTO:       nn.sites = 1 : i64
// AUTO-LABEL: func.func @train_step(
// AUTO-NOT:     call @nnc_cpu_conv2d
// AUTO:         call @nnc_cpu_dense_fwd(
// AUTO:         call @nnc_cpu_dense_bwd_data(
// AUTO:         call @nnc_cpu_dense_bwd_weights(
// AUTO-NOT:     call @nnc_cpu_conv2d
// AUTO-LABEL: func.func @init(

// FINE:       nn.sites = 1 : i64
// FINE-LABEL: func.func @train_step(
// FINE-NOT:     call @nnc_cpu_conv2d
// FINE:         call @nnc_cpu_dense_fwd(
// FINE-NOT:     call @nnc_cpu_
// FINE-LABEL: func.func @init(

// BAD: granularity must be auto, coarse or fine, not 'medium'

module {
  nn.parameter @conv.weight : tensor<2x1x3x3xf32> {decay_mult = 1.000000e+00 : f64, init = "xavier()", lr_mult = 1.000000e+00 : f64}
  nn.parameter @fc.weight : tensor<3x32xf32> {decay_mult = 1.000000e+00 : f64, init = "xavier()", lr_mult = 1.000000e+00 : f64}
  func.func @train_step(%x: tensor<4x1x6x6xf32> {nn.input = "x"}, %label: tensor<4xi32> {nn.input = "label"}, %w: tensor<2x1x3x3xf32> {nn.param = @conv.weight}, %fw: tensor<3x32xf32> {nn.param = @fc.weight}) -> (tensor<f32>, tensor<2x1x3x3xf32>, tensor<3x32xf32>) attributes {nn.loss = 0 : i64} {
    %0 = nn.conv2d %x, %w {dilation = array<i64: 1, 1>, groups = 1 : i64, pad = array<i64: 0, 0>, stride = array<i64: 1, 1>, nn.granularity = "fine"} : (tensor<4x1x6x6xf32>, tensor<2x1x3x3xf32>) -> tensor<4x2x4x4xf32>
    %1 = nn.flatten %0 {axis = 1 : i64} : tensor<4x2x4x4xf32> -> tensor<4x32xf32>
    %2 = nn.dense %1, %fw {nn.granularity = "coarse"} : (tensor<4x32xf32>, tensor<3x32xf32>) -> tensor<4x3xf32>
    %3 = nn.softmax_cross_entropy %2, %label : tensor<4x3xf32>, tensor<4xi32> -> tensor<f32>
    %cst = arith.constant dense<1.000000e+00> : tensor<f32>
    %4 = nn.softmax_cross_entropy_backward %2, %label, %cst : (tensor<4x3xf32>, tensor<4xi32>, tensor<f32>) -> tensor<4x3xf32>
    %5 = nn.dense_backward_data %4, %fw : (tensor<4x3xf32>, tensor<3x32xf32>) -> tensor<4x32xf32>
    %dfw = nn.dense_backward_weights %1, %4 : (tensor<4x32xf32>, tensor<4x3xf32>) -> tensor<3x32xf32>
    %6 = nn.reshape %5 : (tensor<4x32xf32>) -> tensor<4x2x4x4xf32>
    %dw = nn.conv2d_backward_filter %x, %6 {dilation = array<i64: 1, 1>, groups = 1 : i64, pad = array<i64: 0, 0>, stride = array<i64: 1, 1>} : (tensor<4x1x6x6xf32>, tensor<4x2x4x4xf32>) -> tensor<2x1x3x3xf32>
    return %3, %dw, %dfw : tensor<f32>, tensor<2x1x3x3xf32>, tensor<3x32xf32>
  }
}
