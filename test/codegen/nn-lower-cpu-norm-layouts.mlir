// RUN: nnc-opt %s -split-input-file -nn-lower-cpu=channel-block=16 -canonicalize | FileCheck %s
// RUN: nnc-opt %s -split-input-file -nn-lower-cpu=channel-block=16 | FileCheck %s --check-prefix=VIEWS
// RUN: nnc-opt %s -split-input-file "-nn-lower-cpu=channel-block=16 granularity=fine" -canonicalize | FileCheck %s --check-prefix=FINE

// batch_norm and the activations on the library path keep conv ->
// batch_norm -> relu -> conv in nChw16c, forward and backward: every
// activation between the two convolutions is blocked, so no call reorders.
// Masks (Runtime.h): conv2d c1 2 (y) | 16 (dy of the backward filter) = 18;
// batch_norm and relu 1 (x, y) | 2 (dy, x, dx of the backward) = 3; conv2d
// c2 1 (x) | 8 (dx of the backward data) = 9: its output (flattened for the
// dense layer) and its gradient (a reshape of dense's) are plain. @eval_step
// has its own sites, inference ones: batch_norm and relu 1, conv2d 2 and 1.
// CHECK-LABEL: func.func @eval_step(
// CHECK:         call @nnc_cpu_conv2d_fwd(%arg0, %c5_i64,
// CHECK:         call @nnc_cpu_batch_norm_fwd_inference(%arg0, %c6_i64,
// CHECK:         call @nnc_cpu_eltwise_fwd(%arg0, %c7_i64,
// CHECK:         call @nnc_cpu_conv2d_fwd(%arg0, %c8_i64,
// CHECK-LABEL: func.func @train_step(
// CHECK:         call @nnc_cpu_conv2d_fwd(%arg0, %c0_i64,
// CHECK:         call @nnc_cpu_batch_norm_fwd_training(%arg0, %c1_i64,
// CHECK:         call @nnc_cpu_eltwise_fwd(%arg0, %c2_i64,
// CHECK:         call @nnc_cpu_conv2d_fwd(%arg0, %c3_i64,
// CHECK:         call @nnc_cpu_conv2d_bwd_data(%arg0, %c3_i64,
// CHECK:         call @nnc_cpu_conv2d_bwd_filter(%arg0, %c3_i64,
// CHECK:         call @nnc_cpu_eltwise_bwd(%arg0, %c2_i64,
// CHECK:         call @nnc_cpu_batch_norm_bwd(%arg0, %c1_i64,
// CHECK:         call @nnc_cpu_conv2d_bwd_filter(%arg0, %c0_i64,
// CHECK-NOT:     scf.for
// CHECK:         return
// conv2d: (..., has_bias, block, blocked); batch_norm: (n, c, h, w, eps,
// momentum, affine, training, block, blocked); eltwise: (kind, slope, n, c,
// h, w, training, block, blocked).
// CHECK-LABEL: func.func @init(
// CHECK:         call @nnc_cpu_conv2d_init(%arg0, %c0_i64, {{.*}}, %c16_i64, %c18_i64)
// CHECK-NEXT:    call @nnc_cpu_batch_norm_init(%arg0, %c1_i64, %c2_i64, %c16_i64, %c6_i64, %c6_i64, %{{.*}}, %{{.*}}, %c1_i64, %c1_i64, %c16_i64, %c3_i64)
// CHECK-NEXT:    call @nnc_cpu_eltwise_init(%arg0, %c2_i64, %c0_i64, %{{.*}}, %c2_i64, %c16_i64, %c6_i64, %c6_i64, %c1_i64, %c16_i64, %c3_i64)
// CHECK-NEXT:    call @nnc_cpu_conv2d_init(%arg0, %c3_i64, {{.*}}, %c16_i64, %c9_i64)
// CHECK-NEXT:    call @nnc_cpu_dense_init(%arg0, %c4_i64,
// CHECK-NEXT:    call @nnc_cpu_conv2d_init(%arg0, %c5_i64, {{.*}}, %c16_i64, %c2_i64)
// CHECK-NEXT:    call @nnc_cpu_batch_norm_init(%arg0, %c6_i64, %c2_i64, %c16_i64, %c6_i64, %c6_i64, %{{.*}}, %{{.*}}, %c1_i64, %c0_i64, %c16_i64, %c1_i64)
// CHECK-NEXT:    call @nnc_cpu_eltwise_init(%arg0, %c7_i64, %c0_i64, %{{.*}}, %c2_i64, %c16_i64, %c6_i64, %c6_i64, %c0_i64, %c16_i64, %c1_i64)
// CHECK-NEXT:    call @nnc_cpu_conv2d_init(%arg0, %c8_i64, {{.*}}, %c16_i64, %c1_i64)
// CHECK-NEXT:    call @nnc_cpu_dense_init(%arg0, %c9_i64,

// The blocked activations' buffers: [N, C/16, H, W, 16]; batch_norm's mean
// and invstd stay plain [C], as does the second convolution's output.
// VIEWS-LABEL: func.func @train_step(
// VIEWS:         memref.view %arg2[{{.*}}] : memref<?xi8> to memref<2x1x6x6x16xf32>
// VIEWS-NEXT:    arith.constant
// VIEWS-NEXT:    memref.view %arg2[{{.*}}] : memref<?xi8> to memref<2x1x6x6x16xf32>
// VIEWS-NEXT:    arith.constant
// VIEWS-NEXT:    memref.view %arg2[{{.*}}] : memref<?xi8> to memref<16xf32>
// VIEWS-NEXT:    arith.constant
// VIEWS-NEXT:    memref.view %arg2[{{.*}}] : memref<?xi8> to memref<16xf32>
// VIEWS-NEXT:    arith.constant
// VIEWS-NEXT:    memref.view %arg2[{{.*}}] : memref<?xi8> to memref<2x1x6x6x16xf32>
// VIEWS-NEXT:    arith.constant
// VIEWS-NEXT:    memref.view %arg2[{{.*}}] : memref<?xi8> to memref<2x8x4x4xf32>

// granularity=fine: no library call, no site; batch_norm's and relu's loops.
// FINE:          nn.sites = 0 : i64
// FINE-NOT:      call @nnc_cpu_
// FINE-LABEL:    func.func @train_step(
// FINE:          math.sqrt
// FINE:          arith.maximumf
// FINE-LABEL:    func.func @init(
// FINE-NEXT:       return
module {
  nn.parameter @c1.weight : tensor<16x3x3x3xf32> {decay_mult = 1.000000e+00 : f64, init = "xavier()", lr_mult = 1.000000e+00 : f64}
  nn.parameter @n1.weight : tensor<16xf32> {decay_mult = 1.000000e+00 : f64, init = "constant(value=1)", lr_mult = 1.000000e+00 : f64}
  nn.parameter @n1.bias : tensor<16xf32> {decay_mult = 1.000000e+00 : f64, init = "constant(value=0)", lr_mult = 1.000000e+00 : f64}
  nn.parameter @n1.running_mean : tensor<16xf32> {decay_mult = 1.000000e+00 : f64, frozen, init = "constant(value=0)", lr_mult = 1.000000e+00 : f64}
  nn.parameter @n1.running_var : tensor<16xf32> {decay_mult = 1.000000e+00 : f64, frozen, init = "constant(value=1)", lr_mult = 1.000000e+00 : f64}
  nn.parameter @c2.weight : tensor<8x16x3x3xf32> {decay_mult = 1.000000e+00 : f64, init = "xavier()", lr_mult = 1.000000e+00 : f64}
  nn.parameter @loss.weight : tensor<4x128xf32> {decay_mult = 1.000000e+00 : f64, init = "xavier()", lr_mult = 1.000000e+00 : f64}
  func.func @forward(%arg0: tensor<2x3x6x6xf32> {nn.input = "x"}, %arg1: tensor<2xi32> {nn.input = "label"}, %arg2: tensor<16x3x3x3xf32> {nn.param = @c1.weight}, %arg3: tensor<16xf32> {nn.param = @n1.weight}, %arg4: tensor<16xf32> {nn.param = @n1.bias}, %arg5: tensor<16xf32> {nn.param = @n1.running_mean}, %arg6: tensor<16xf32> {nn.param = @n1.running_var}, %arg7: tensor<8x16x3x3xf32> {nn.param = @c2.weight}, %arg8: tensor<4x128xf32> {nn.param = @loss.weight}) -> tensor<f32> attributes {nn.loss = 0 : i64} {
    %0 = nn.conv2d %arg0, %arg2 {dilation = array<i64: 1, 1>, groups = 1 : i64, nn.name = "c1", pad = array<i64: 1, 1>, stride = array<i64: 1, 1>} : (tensor<2x3x6x6xf32>, tensor<16x3x3x3xf32>) -> tensor<2x16x6x6xf32>
    %result, %mean, %invstd = nn.batch_norm %0, %arg3, %arg4, %arg5, %arg6 {eps = 1.000000e-05 : f64, momentum = 9.000000e-01 : f64, nn.name = "n1"} : (tensor<2x16x6x6xf32>, tensor<16xf32>, tensor<16xf32>, tensor<16xf32>, tensor<16xf32>) -> (tensor<2x16x6x6xf32>, tensor<16xf32>, tensor<16xf32>)
    %1 = nn.relu %result {nn.name = "r1"} : tensor<2x16x6x6xf32> -> tensor<2x16x6x6xf32>
    %2 = nn.conv2d %1, %arg7 {dilation = array<i64: 1, 1>, groups = 1 : i64, nn.name = "c2", pad = array<i64: 0, 0>, stride = array<i64: 1, 1>} : (tensor<2x16x6x6xf32>, tensor<8x16x3x3xf32>) -> tensor<2x8x4x4xf32>
    %3 = nn.flatten %2 {axis = 1 : i64, nn.name = "loss.flatten0"} : tensor<2x8x4x4xf32> -> tensor<2x128xf32>
    %4 = nn.dense %3, %arg8 {nn.name = "loss.dense0"} : (tensor<2x128xf32>, tensor<4x128xf32>) -> tensor<2x4xf32>
    %5 = nn.softmax_cross_entropy %4, %arg1 {nn.name = "loss"} : tensor<2x4xf32>, tensor<2xi32> -> tensor<f32>
    return %5 : tensor<f32>
  }
  func.func @train_step(%arg0: tensor<2x3x6x6xf32> {nn.input = "x"}, %arg1: tensor<2xi32> {nn.input = "label"}, %arg2: tensor<16x3x3x3xf32> {nn.param = @c1.weight}, %arg3: tensor<16xf32> {nn.param = @n1.weight}, %arg4: tensor<16xf32> {nn.param = @n1.bias}, %arg5: tensor<16xf32> {nn.param = @n1.running_mean}, %arg6: tensor<16xf32> {nn.param = @n1.running_var}, %arg7: tensor<8x16x3x3xf32> {nn.param = @c2.weight}, %arg8: tensor<4x128xf32> {nn.param = @loss.weight}) -> (tensor<f32>, tensor<16x3x3x3xf32>, tensor<16xf32>, tensor<16xf32>, tensor<8x16x3x3xf32>, tensor<4x128xf32>) attributes {nn.loss = 0 : i64} {
    %0 = nn.conv2d %arg0, %arg2 {dilation = array<i64: 1, 1>, groups = 1 : i64, nn.name = "c1", pad = array<i64: 1, 1>, stride = array<i64: 1, 1>} : (tensor<2x3x6x6xf32>, tensor<16x3x3x3xf32>) -> tensor<2x16x6x6xf32>
    %result, %mean, %invstd = nn.batch_norm %0, %arg3, %arg4, %arg5, %arg6 {eps = 1.000000e-05 : f64, momentum = 9.000000e-01 : f64, nn.name = "n1"} : (tensor<2x16x6x6xf32>, tensor<16xf32>, tensor<16xf32>, tensor<16xf32>, tensor<16xf32>) -> (tensor<2x16x6x6xf32>, tensor<16xf32>, tensor<16xf32>)
    %1 = nn.relu %result {nn.name = "r1"} : tensor<2x16x6x6xf32> -> tensor<2x16x6x6xf32>
    %2 = nn.conv2d %1, %arg7 {dilation = array<i64: 1, 1>, groups = 1 : i64, nn.name = "c2", pad = array<i64: 0, 0>, stride = array<i64: 1, 1>} : (tensor<2x16x6x6xf32>, tensor<8x16x3x3xf32>) -> tensor<2x8x4x4xf32>
    %3 = nn.flatten %2 {axis = 1 : i64, nn.name = "loss.flatten0"} : tensor<2x8x4x4xf32> -> tensor<2x128xf32>
    %4 = nn.dense %3, %arg8 {nn.name = "loss.dense0"} : (tensor<2x128xf32>, tensor<4x128xf32>) -> tensor<2x4xf32>
    %5 = nn.softmax_cross_entropy %4, %arg1 {nn.name = "loss"} : tensor<2x4xf32>, tensor<2xi32> -> tensor<f32>
    %cst = arith.constant dense<1.000000e+00> : tensor<f32>
    %6 = nn.softmax_cross_entropy_backward %4, %arg1, %cst {nn.vjp_of = "loss"} : (tensor<2x4xf32>, tensor<2xi32>, tensor<f32>) -> tensor<2x4xf32>
    %7 = nn.dense_backward_data %6, %arg8 {nn.vjp_of = "loss.dense0"} : (tensor<2x4xf32>, tensor<4x128xf32>) -> tensor<2x128xf32>
    %weight_grad = nn.dense_backward_weights %3, %6 {nn.vjp_of = "loss.dense0"} : (tensor<2x128xf32>, tensor<2x4xf32>) -> tensor<4x128xf32>
    %8 = nn.reshape %7 {nn.vjp_of = "loss.flatten0"} : (tensor<2x128xf32>) -> tensor<2x8x4x4xf32>
    %9 = nn.conv2d_backward_data %8, %arg7 {dilation = array<i64: 1, 1>, groups = 1 : i64, nn.vjp_of = "c2", pad = array<i64: 0, 0>, stride = array<i64: 1, 1>} : (tensor<2x8x4x4xf32>, tensor<8x16x3x3xf32>) -> tensor<2x16x6x6xf32>
    %weight_grad_0 = nn.conv2d_backward_filter %1, %8 {dilation = array<i64: 1, 1>, groups = 1 : i64, nn.vjp_of = "c2", pad = array<i64: 0, 0>, stride = array<i64: 1, 1>} : (tensor<2x16x6x6xf32>, tensor<2x8x4x4xf32>) -> tensor<8x16x3x3xf32>
    %10 = nn.relu_backward %9, %result {nn.vjp_of = "r1"} : (tensor<2x16x6x6xf32>, tensor<2x16x6x6xf32>) -> tensor<2x16x6x6xf32>
    %result_1, %param_grads:2 = nn.batch_norm_backward %10, %0, %arg3, %mean, %invstd {nn.vjp_of = "n1"} : (tensor<2x16x6x6xf32>, tensor<2x16x6x6xf32>, tensor<16xf32>, tensor<16xf32>, tensor<16xf32>) -> (tensor<2x16x6x6xf32>, tensor<16xf32>, tensor<16xf32>)
    %weight_grad_2 = nn.conv2d_backward_filter %arg0, %result_1 {dilation = array<i64: 1, 1>, groups = 1 : i64, nn.vjp_of = "c1", pad = array<i64: 1, 1>, stride = array<i64: 1, 1>} : (tensor<2x3x6x6xf32>, tensor<2x16x6x6xf32>) -> tensor<16x3x3x3xf32>
    return %5, %weight_grad_2, %param_grads#0, %param_grads#1, %weight_grad_0, %weight_grad : tensor<f32>, tensor<16x3x3x3xf32>, tensor<16xf32>, tensor<16xf32>, tensor<8x16x3x3xf32>, tensor<4x128xf32>
  }
}


// -----

// A value a generated op reads is plain, and so is every value sharing a
// layout with it: bn's output feeds a scale (generated loops), so bn's x and
// y are plain and so is c2's output; relu between the convolutions is fused
// into c1 (a oneDNN post-op: conv2d_init's relu flag 1; the relu's site, kept
// for backward ops, gets no forward call) and stays blocked (masks: c1 2,
// relu 1, c2 1, batch_norm 0). A rank-1 relu stays
// generated; a rank-2 one is a library call on [n, c, 1, 1], plain.
// CHECK-LABEL: func.func @eval_step(
// CHECK:         call @nnc_cpu_conv2d_fwd(%arg0, %c0_i64,
// CHECK-NOT:     call @nnc_cpu_eltwise_fwd(%arg0, %c1_i64,
// CHECK:         call @nnc_cpu_conv2d_fwd(%arg0, %c2_i64,
// CHECK:         call @nnc_cpu_batch_norm_fwd_inference(%arg0, %c3_i64,
// CHECK:         linalg.generic
// CHECK:         arith.mulf
// CHECK:         linalg.generic
// CHECK:         arith.maximumf
// CHECK:         call @nnc_cpu_eltwise_fwd(%arg0, %c4_i64,
// CHECK-LABEL: func.func @init(
// CHECK:         call @nnc_cpu_conv2d_init(%arg0, %c0_i64, {{.*}}, %c1_i64, %c16_i64, %c2_i64)
// CHECK-NEXT:    call @nnc_cpu_eltwise_init(%arg0, %c1_i64, %c0_i64, %{{.*}}, %c2_i64, %c16_i64, %c4_i64, %c4_i64, %c0_i64, %c16_i64, %c1_i64)
// CHECK-NEXT:    call @nnc_cpu_conv2d_init(%arg0, %c2_i64, {{.*}}, %c16_i64, %c1_i64)
// CHECK-NEXT:    call @nnc_cpu_batch_norm_init(%arg0, %c3_i64, %c2_i64, %c16_i64, %c2_i64, %c2_i64, %{{.*}}, %{{.*}}, %c0_i64, %c0_i64, %c0_i64, %c0_i64)
// CHECK-NEXT:    call @nnc_cpu_eltwise_init(%arg0, %c4_i64, %c0_i64, %{{.*}}, %c2_i64, %c3_i64, %c1_i64, %c1_i64, %c0_i64, %c0_i64, %c0_i64)
// CHECK-NEXT:    return
module {
  nn.parameter @c1.weight : tensor<16x3x3x3xf32> {decay_mult = 1.0 : f64, init = "xavier()", lr_mult = 1.0 : f64}
  nn.parameter @c2.weight : tensor<16x16x3x3xf32> {decay_mult = 1.0 : f64, init = "xavier()", lr_mult = 1.0 : f64}
  nn.parameter @n.running_mean : tensor<16xf32> {decay_mult = 1.0 : f64, frozen, init = "constant(value=0)", lr_mult = 1.0 : f64}
  nn.parameter @n.running_var : tensor<16xf32> {decay_mult = 1.0 : f64, frozen, init = "constant(value=1)", lr_mult = 1.0 : f64}
  func.func @forward(%x: tensor<2x3x6x6xf32> {nn.input = "x"}, %v: tensor<5xf32> {nn.input = "v"}, %m: tensor<2x3xf32> {nn.input = "m"},
                     %w1: tensor<16x3x3x3xf32> {nn.param = @c1.weight}, %w2: tensor<16x16x3x3xf32> {nn.param = @c2.weight},
                     %rm: tensor<16xf32> {nn.param = @n.running_mean}, %rv: tensor<16xf32> {nn.param = @n.running_var})
      -> (tensor<2x16x2x2xf32>, tensor<5xf32>, tensor<2x3xf32>) {
    %0 = nn.conv2d %x, %w1 {dilation = array<i64: 1, 1>, groups = 1 : i64, pad = array<i64: 0, 0>, stride = array<i64: 1, 1>} : (tensor<2x3x6x6xf32>, tensor<16x3x3x3xf32>) -> tensor<2x16x4x4xf32>
    %1 = nn.relu %0 : tensor<2x16x4x4xf32> -> tensor<2x16x4x4xf32>
    %2 = nn.conv2d %1, %w2 {dilation = array<i64: 1, 1>, groups = 1 : i64, pad = array<i64: 0, 0>, stride = array<i64: 1, 1>} : (tensor<2x16x4x4xf32>, tensor<16x16x3x3xf32>) -> tensor<2x16x2x2xf32>
    %y, %mean, %invstd = nn.batch_norm %2, %rm, %rv {eps = 1.0e-05 : f64, momentum = 0.9 : f64} : (tensor<2x16x2x2xf32>, tensor<16xf32>, tensor<16xf32>) -> (tensor<2x16x2x2xf32>, tensor<16xf32>, tensor<16xf32>)
    %3 = nn.scale %y {factor = 2.0 : f64} : tensor<2x16x2x2xf32> -> tensor<2x16x2x2xf32>
    %4 = nn.relu %v : tensor<5xf32> -> tensor<5xf32>
    %5 = nn.relu %m : tensor<2x3xf32> -> tensor<2x3xf32>
    return %3, %4, %5 : tensor<2x16x2x2xf32>, tensor<5xf32>, tensor<2x3xf32>
  }
}
