// RUN: nnc-opt %s -split-input-file -nn-lower-cpu=channel-block=16 -canonicalize | FileCheck %s
// RUN: nnc-opt %s -split-input-file -nn-lower-cpu -canonicalize | FileCheck %s --check-prefix=PLAIN

// With channel-block, an activation that layout-aware ops (library calls,
// generated max_pool) write and read stays in nChw16c: each init gets
// (block, blocked bits). Here conv1 -> pool1 -> conv2 stay blocked; pool2 is
// generated and feeds a relu (a library call) whose result is returned (plain,
// NCHW): relu's input shares its layout, so pool2's output is plain, while
// pool2 reads conv2's output blocked (a generated max_pool takes each tensor
// in either layout): conv2's mask is 3.
// The returned tensor (2x8x1x1) is copied into metrics after the one
// scalar slot: nn.eval_outputs gives its offset.
// CHECK-LABEL: module attributes
// CHECK-SAME:      nn.eval_metrics = 17 : i64, nn.eval_outputs = array<i64: 1>
// CHECK-LABEL: func.func @eval_step(
// CHECK:         %[[OUT:.*]] = memref.reinterpret_cast %arg4 to offset: [1], sizes: [2, 8, 1, 1], strides: [8, 1, 1, 1]
// CHECK:         linalg.generic {{.*}} outs(%[[OUT]] :
// CHECK-LABEL: func.func @init(
// CHECK:         call @nnc_cpu_conv2d_init(%arg0, %c0_i64, {{.*}}, %c16_i64, %c2_i64)
// CHECK-NEXT:    call @nnc_cpu_max_pool_init(%arg0, %c1_i64, {{.*}}, %c16_i64, %c3_i64)
// CHECK-NEXT:    call @nnc_cpu_conv2d_init(%arg0, %c2_i64, {{.*}}, %c16_i64, %c3_i64)
// PLAIN-LABEL: func.func @init(
// PLAIN:         call @nnc_cpu_conv2d_init({{.*}}, %c0_i64, %c0_i64)
// PLAIN-NEXT:    call @nnc_cpu_max_pool_init({{.*}}, %c0_i64, %c0_i64)
// PLAIN-NEXT:    call @nnc_cpu_conv2d_init({{.*}}, %c0_i64, %c0_i64)
module {
  nn.parameter @c1.weight : tensor<16x3x3x3xf32> {decay_mult = 1.0 : f64, init = "xavier()", lr_mult = 1.0 : f64}
  nn.parameter @c2.weight : tensor<8x16x3x3xf32> {decay_mult = 1.0 : f64, init = "xavier()", lr_mult = 1.0 : f64}
  func.func @forward(%x: tensor<2x3x10x10xf32> {nn.input = "x"}, %w1: tensor<16x3x3x3xf32> {nn.param = @c1.weight},
                     %w2: tensor<8x16x3x3xf32> {nn.param = @c2.weight}) -> tensor<2x8x1x1xf32> {
    %0 = nn.conv2d %x, %w1 {dilation = array<i64: 1, 1>, groups = 1 : i64, pad = array<i64: 0, 0>, stride = array<i64: 1, 1>} : (tensor<2x3x10x10xf32>, tensor<16x3x3x3xf32>) -> tensor<2x16x8x8xf32>
    %1 = nn.max_pool %0 {ceil = false, kernel = array<i64: 2, 2>, pad = array<i64: 0, 0>, stride = array<i64: 2, 2>, nn.granularity = "coarse"} : tensor<2x16x8x8xf32> -> tensor<2x16x4x4xf32>
    %2 = nn.conv2d %1, %w2 {dilation = array<i64: 1, 1>, groups = 1 : i64, pad = array<i64: 0, 0>, stride = array<i64: 1, 1>} : (tensor<2x16x4x4xf32>, tensor<8x16x3x3xf32>) -> tensor<2x8x2x2xf32>
    %3 = nn.max_pool %2 {ceil = false, kernel = array<i64: 2, 2>, pad = array<i64: 0, 0>, stride = array<i64: 2, 2>, nn.granularity = "fine"} : tensor<2x8x2x2xf32> -> tensor<2x8x1x1xf32>
    %4 = nn.relu %3 : tensor<2x8x1x1xf32> -> tensor<2x8x1x1xf32>
    return %4 : tensor<2x8x1x1xf32>
  }
}

// -----

// A generated max_pool between two convolutions works on the blocked buffers
// ([N, C/16, H, W, 16] views, channels padded to 16): no reorder around it.
// CHECK-LABEL: func.func @eval_step(
// CHECK:         %[[C1:.*]] = memref.view %arg2[%c0][] : memref<?xi8> to memref<2x1x8x8x16xf32>
// CHECK:         %[[P1:.*]] = memref.view %arg2[%c8192][] : memref<?xi8> to memref<2x1x4x4x16xf32>
// CHECK:         call @nnc_cpu_conv2d_fwd(%arg0, %c0_i64,
// CHECK:         memref.load %[[C1]]
// CHECK:         memref.store %{{.*}}, %[[P1]]
// CHECK:         call @nnc_cpu_conv2d_fwd(%arg0, %c1_i64,
// CHECK-LABEL: func.func @init(
// CHECK:         call @nnc_cpu_conv2d_init(%arg0, %c0_i64, {{.*}}, %c16_i64, %c2_i64)
// CHECK-NEXT:    call @nnc_cpu_conv2d_init(%arg0, %c1_i64, {{.*}}, %c16_i64, %c1_i64)
// -----
module {
  nn.parameter @c1.weight : tensor<16x3x3x3xf32> {decay_mult = 1.0 : f64, init = "xavier()", lr_mult = 1.0 : f64}
  nn.parameter @c2.weight : tensor<8x16x3x3xf32> {decay_mult = 1.0 : f64, init = "xavier()", lr_mult = 1.0 : f64}
  func.func @forward(%x: tensor<2x3x10x10xf32> {nn.input = "x"}, %w1: tensor<16x3x3x3xf32> {nn.param = @c1.weight},
                     %w2: tensor<8x16x3x3xf32> {nn.param = @c2.weight}) -> tensor<2x8x2x2xf32> {
    %0 = nn.conv2d %x, %w1 {dilation = array<i64: 1, 1>, groups = 1 : i64, pad = array<i64: 0, 0>, stride = array<i64: 1, 1>} : (tensor<2x3x10x10xf32>, tensor<16x3x3x3xf32>) -> tensor<2x16x8x8xf32>
    %1 = nn.max_pool %0 {ceil = false, kernel = array<i64: 2, 2>, pad = array<i64: 0, 0>, stride = array<i64: 2, 2>, nn.granularity = "fine"} : tensor<2x16x8x8xf32> -> tensor<2x16x4x4xf32>
    %2 = nn.conv2d %1, %w2 {dilation = array<i64: 1, 1>, groups = 1 : i64, pad = array<i64: 0, 0>, stride = array<i64: 1, 1>} : (tensor<2x16x4x4xf32>, tensor<8x16x3x3xf32>) -> tensor<2x8x2x2xf32>
    %3 = nn.relu %2 : tensor<2x8x2x2xf32> -> tensor<2x8x2x2xf32>
    return %3 : tensor<2x8x2x2xf32>
  }
}
