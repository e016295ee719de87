// RUN: nnc-opt %s -split-input-file -verify-diagnostics

// Verifier errors of every nn op, and the result-type inference failures.
// Forward ops infer their result type with the shape rules that `nnc check`
// uses (frontend/shapes), so their messages are the front end's; MLIR then
// adds "failed to infer returned types".

//===----------------------------------------------------------------------===//
// nn.conv2d
//===----------------------------------------------------------------------===//

func.func @conv2d_channels(%x: tensor<?x3x8x8xf32>, %w: tensor<4x2x3x3xf32>) {
  // expected-error @+1 {{'nn.conv2d' op weight expects 2 input channels, the input has 3}}
  %0 = nn.conv2d %x, %w {dilation = array<i64: 1, 1>, groups = 1 : i64, pad = array<i64: 0, 0>, stride = array<i64: 1, 1>} : (tensor<?x3x8x8xf32>, tensor<4x2x3x3xf32>) -> tensor<?x4x6x6xf32>
  return
}

// -----

// With groups, the weight's second dimension is the channel count per group.
func.func @conv2d_channels_groups(%x: tensor<?x3x8x8xf32>, %w: tensor<4x2x3x3xf32>) {
  // expected-error @+1 {{'nn.conv2d' op weight expects 4 input channels, the input has 3}}
  %0 = nn.conv2d %x, %w {dilation = array<i64: 1, 1>, groups = 2 : i64, pad = array<i64: 0, 0>, stride = array<i64: 1, 1>} : (tensor<?x3x8x8xf32>, tensor<4x2x3x3xf32>) -> tensor<?x4x6x6xf32>
  return
}

// -----

func.func @conv2d_bias_size(%x: tensor<?x3x8x8xf32>, %w: tensor<4x3x3x3xf32>, %b: tensor<5xf32>) {
  // expected-error @+1 {{'nn.conv2d' op bias must be 1-D with one value per output channel}}
  %0 = nn.conv2d %x, %w, %b {dilation = array<i64: 1, 1>, groups = 1 : i64, pad = array<i64: 0, 0>, stride = array<i64: 1, 1>} : (tensor<?x3x8x8xf32>, tensor<4x3x3x3xf32>, tensor<5xf32>) -> tensor<?x4x6x6xf32>
  return
}

// -----

func.func @conv2d_bias_rank(%x: tensor<?x3x8x8xf32>, %w: tensor<4x3x3x3xf32>, %b: tensor<4x1xf32>) {
  // expected-error @+1 {{'nn.conv2d' op bias must be 1-D with one value per output channel}}
  %0 = nn.conv2d %x, %w, %b {dilation = array<i64: 1, 1>, groups = 1 : i64, pad = array<i64: 0, 0>, stride = array<i64: 1, 1>} : (tensor<?x3x8x8xf32>, tensor<4x3x3x3xf32>, tensor<4x1xf32>) -> tensor<?x4x6x6xf32>
  return
}

// -----

func.func @conv2d_stride_one_value(%x: tensor<?x3x8x8xf32>, %w: tensor<4x3x3x3xf32>) {
  // expected-error @+1 {{'nn.conv2d' op stride, pad and dilation need two values [h, w]}}
  %0 = nn.conv2d %x, %w {dilation = array<i64: 1, 1>, groups = 1 : i64, pad = array<i64: 0, 0>, stride = array<i64: 1>} : (tensor<?x3x8x8xf32>, tensor<4x3x3x3xf32>) -> tensor<?x4x6x6xf32>
  return
}

// -----

func.func @conv2d_pad_three_values(%x: tensor<?x3x8x8xf32>, %w: tensor<4x3x3x3xf32>) {
  // expected-error @+1 {{'nn.conv2d' op stride, pad and dilation need two values [h, w]}}
  %0 = nn.conv2d %x, %w {dilation = array<i64: 1, 1>, groups = 1 : i64, pad = array<i64: 0, 0, 0>, stride = array<i64: 1, 1>} : (tensor<?x3x8x8xf32>, tensor<4x3x3x3xf32>) -> tensor<?x4x6x6xf32>
  return
}

// -----

func.func @conv2d_dilation_empty(%x: tensor<?x3x8x8xf32>, %w: tensor<4x3x3x3xf32>) {
  // expected-error @+1 {{'nn.conv2d' op stride, pad and dilation need two values [h, w]}}
  %0 = nn.conv2d %x, %w {dilation = array<i64>, groups = 1 : i64, pad = array<i64: 0, 0>, stride = array<i64: 1, 1>} : (tensor<?x3x8x8xf32>, tensor<4x3x3x3xf32>) -> tensor<?x4x6x6xf32>
  return
}

// -----

// The written result type disagrees with the inferred one (a 3x3 kernel
// without padding turns 8x8 into 6x6).
func.func @conv2d_result_type(%x: tensor<?x3x8x8xf32>, %w: tensor<4x3x3x3xf32>) {
  // expected-error @+2 {{'nn.conv2d' op inferred type(s) 'tensor<?x4x6x6xf32>' are incompatible with return type(s) of operation 'tensor<?x4x8x8xf32>'}}
  // expected-error @+1 {{'nn.conv2d' op failed to infer returned types}}
  %0 = nn.conv2d %x, %w {dilation = array<i64: 1, 1>, groups = 1 : i64, pad = array<i64: 0, 0>, stride = array<i64: 1, 1>} : (tensor<?x3x8x8xf32>, tensor<4x3x3x3xf32>) -> tensor<?x4x8x8xf32>
  return
}

// -----

// The batch is part of the type: a static result for a dynamic batch is wrong.
func.func @conv2d_result_batch(%x: tensor<?x3x8x8xf32>, %w: tensor<4x3x3x3xf32>) {
  // expected-error @+2 {{'nn.conv2d' op inferred type(s) 'tensor<?x4x6x6xf32>' are incompatible with return type(s) of operation 'tensor<2x4x6x6xf32>'}}
  // expected-error @+1 {{'nn.conv2d' op failed to infer returned types}}
  %0 = nn.conv2d %x, %w {dilation = array<i64: 1, 1>, groups = 1 : i64, pad = array<i64: 0, 0>, stride = array<i64: 1, 1>} : (tensor<?x3x8x8xf32>, tensor<4x3x3x3xf32>) -> tensor<2x4x6x6xf32>
  return
}

// -----

func.func @conv2d_weight_rank(%x: tensor<?x3x8x8xf32>, %w: tensor<4x3x3xf32>) {
  // expected-error @+2 {{conv2d weight must be 4-D [O, C/groups, kh, kw]}}
  // expected-error @+1 {{'nn.conv2d' op failed to infer returned types}}
  %0 = nn.conv2d %x, %w {dilation = array<i64: 1, 1>, groups = 1 : i64, pad = array<i64: 0, 0>, stride = array<i64: 1, 1>} : (tensor<?x3x8x8xf32>, tensor<4x3x3xf32>) -> tensor<?x4x6x6xf32>
  return
}

// -----

func.func @conv2d_kernel_too_large(%x: tensor<?x3x4x4xf32>, %w: tensor<4x3x5x5xf32>) {
  // expected-error @+2 {{kernel 5x5 (dilated 5x5) does not fit the padded input 4x4}}
  // expected-error @+1 {{'nn.conv2d' op failed to infer returned types}}
  %0 = nn.conv2d %x, %w {dilation = array<i64: 1, 1>, groups = 1 : i64, pad = array<i64: 0, 0>, stride = array<i64: 1, 1>} : (tensor<?x3x4x4xf32>, tensor<4x3x5x5xf32>) -> tensor<?x4x1x1xf32>
  return
}

// -----

func.func @conv2d_dilated_kernel_too_large(%x: tensor<?x3x4x4xf32>, %w: tensor<4x3x3x3xf32>) {
  // expected-error @+2 {{kernel 3x3 (dilated 5x5) does not fit the padded input 4x4}}
  // expected-error @+1 {{'nn.conv2d' op failed to infer returned types}}
  %0 = nn.conv2d %x, %w {dilation = array<i64: 2, 2>, groups = 1 : i64, pad = array<i64: 0, 0>, stride = array<i64: 1, 1>} : (tensor<?x3x4x4xf32>, tensor<4x3x3x3xf32>) -> tensor<?x4x1x1xf32>
  return
}

// -----

func.func @conv2d_groups_out(%x: tensor<?x4x8x8xf32>, %w: tensor<3x2x3x3xf32>) {
  // expected-error @+2 {{output channels (3) are not divisible by groups (2)}}
  // expected-error @+1 {{'nn.conv2d' op failed to infer returned types}}
  %0 = nn.conv2d %x, %w {dilation = array<i64: 1, 1>, groups = 2 : i64, pad = array<i64: 0, 0>, stride = array<i64: 1, 1>} : (tensor<?x4x8x8xf32>, tensor<3x2x3x3xf32>) -> tensor<?x3x6x6xf32>
  return
}

// -----

func.func @conv2d_stride_zero(%x: tensor<?x3x8x8xf32>, %w: tensor<4x3x3x3xf32>) {
  // expected-error @+2 {{conv2d stride must be >= 1}}
  // expected-error @+1 {{'nn.conv2d' op failed to infer returned types}}
  %0 = nn.conv2d %x, %w {dilation = array<i64: 1, 1>, groups = 1 : i64, pad = array<i64: 0, 0>, stride = array<i64: 0, 1>} : (tensor<?x3x8x8xf32>, tensor<4x3x3x3xf32>) -> tensor<?x4x6x6xf32>
  return
}

// -----

func.func @conv2d_dynamic_channels(%x: tensor<?x?x8x8xf32>, %w: tensor<4x2x3x3xf32>) {
  // expected-error @+2 {{conv2d needs a known channel count; dimension 1 is ?}}
  // expected-error @+1 {{'nn.conv2d' op failed to infer returned types}}
  %0 = nn.conv2d %x, %w {dilation = array<i64: 1, 1>, groups = 1 : i64, pad = array<i64: 0, 0>, stride = array<i64: 1, 1>} : (tensor<?x?x8x8xf32>, tensor<4x2x3x3xf32>) -> tensor<?x4x6x6xf32>
  return
}

//===----------------------------------------------------------------------===//
// nn.max_pool
//===----------------------------------------------------------------------===//

// -----

func.func @max_pool_kernel_too_large(%x: tensor<?x3x2x2xf32>) {
  // expected-error @+2 {{kernel 3x3 does not fit the padded input 2x2}}
  // expected-error @+1 {{'nn.max_pool' op failed to infer returned types}}
  %0 = nn.max_pool %x {ceil = false, kernel = array<i64: 3, 3>, pad = array<i64: 0, 0>, stride = array<i64: 1, 1>} : tensor<?x3x2x2xf32> -> tensor<?x3x1x1xf32>
  return
}

// -----

func.func @max_pool_pad(%x: tensor<?x3x8x8xf32>) {
  // expected-error @+2 {{max_pool pad height (2) must be smaller than the kernel height (2)}}
  // expected-error @+1 {{'nn.max_pool' op failed to infer returned types}}
  %0 = nn.max_pool %x {ceil = false, kernel = array<i64: 2, 2>, pad = array<i64: 2, 0>, stride = array<i64: 2, 2>} : tensor<?x3x8x8xf32> -> tensor<?x3x6x4xf32>
  return
}

// -----

// ceil rounds 5x5 / 2 up to 3x3: a 2x2 result is the floor mode's.
func.func @max_pool_ceil_result(%x: tensor<?x3x5x5xf32>) {
  // expected-error @+2 {{'nn.max_pool' op inferred type(s) 'tensor<?x3x3x3xf32>' are incompatible with return type(s) of operation 'tensor<?x3x2x2xf32>'}}
  // expected-error @+1 {{'nn.max_pool' op failed to infer returned types}}
  %0 = nn.max_pool %x {ceil = true, kernel = array<i64: 2, 2>, pad = array<i64: 0, 0>, stride = array<i64: 2, 2>} : tensor<?x3x5x5xf32> -> tensor<?x3x2x2xf32>
  return
}

// -----

func.func @max_pool_rank(%x: tensor<?x8x8xf32>) {
  // expected-error @+2 {{max_pool expects a 4-D input [N, C, H, W], got f32[?, 8, 8]}}
  // expected-error @+1 {{'nn.max_pool' op failed to infer returned types}}
  %0 = nn.max_pool %x {ceil = false, kernel = array<i64: 2, 2>, pad = array<i64: 0, 0>, stride = array<i64: 2, 2>} : tensor<?x8x8xf32> -> tensor<?x4x4xf32>
  return
}

//===----------------------------------------------------------------------===//
// nn.dense
//===----------------------------------------------------------------------===//

// -----

func.func @dense_features(%x: tensor<?x5xf32>, %w: tensor<4x6xf32>) {
  // expected-error @+1 {{'nn.dense' op weight expects 6 input features, the input has 5}}
  %0 = nn.dense %x, %w : (tensor<?x5xf32>, tensor<4x6xf32>) -> tensor<?x4xf32>
  return
}

// -----

func.func @dense_bias(%x: tensor<?x6xf32>, %w: tensor<4x6xf32>, %b: tensor<3xf32>) {
  // expected-error @+1 {{'nn.dense' op bias must be 1-D with one value per output feature}}
  %0 = nn.dense %x, %w, %b : (tensor<?x6xf32>, tensor<4x6xf32>, tensor<3xf32>) -> tensor<?x4xf32>
  return
}

// -----

func.func @dense_input_rank(%x: tensor<?x2x3xf32>, %w: tensor<4x6xf32>) {
  // expected-error @+2 {{dense expects a 2-D input [N, features], got f32[?, 2, 3]; flatten it first}}
  // expected-error @+1 {{'nn.dense' op failed to infer returned types}}
  %0 = nn.dense %x, %w : (tensor<?x2x3xf32>, tensor<4x6xf32>) -> tensor<?x4xf32>
  return
}

// -----

func.func @dense_result_type(%x: tensor<?x6xf32>, %w: tensor<4x6xf32>) {
  // expected-error @+2 {{'nn.dense' op inferred type(s) 'tensor<?x4xf32>' are incompatible with return type(s) of operation 'tensor<?x6xf32>'}}
  // expected-error @+1 {{'nn.dense' op failed to infer returned types}}
  %0 = nn.dense %x, %w : (tensor<?x6xf32>, tensor<4x6xf32>) -> tensor<?x6xf32>
  return
}

// -----

// A weight that is not 2-D is the inference's error.
func.func @dense_weight_3d_with_bias(%x: tensor<?x6xf32>, %w: tensor<4x6x1xf32>, %b: tensor<4xf32>) {
  // expected-error @+2 {{dense weight must be 2-D [out, in]}}
  // expected-error @+1 {{'nn.dense' op failed to infer returned types}}
  %0 = nn.dense %x, %w, %b : (tensor<?x6xf32>, tensor<4x6x1xf32>, tensor<4xf32>) -> tensor<?x4xf32>
  return
}

//===----------------------------------------------------------------------===//
// Elementwise ops, flatten
//===----------------------------------------------------------------------===//

// -----

func.func @relu_integer(%x: tensor<4x3xi32>) {
  // expected-error @+2 {{relu expects a float input (f32, f16 or bf16), got i32[4, 3]}}
  // expected-error @+1 {{'nn.relu' op failed to infer returned types}}
  %0 = nn.relu %x : tensor<4x3xi32> -> tensor<4x3xi32>
  return
}

// -----

func.func @relu_result_type(%x: tensor<4x3xf32>) {
  // expected-error @+2 {{'nn.relu' op inferred type(s) 'tensor<4x3xf32>' are incompatible with return type(s) of operation 'tensor<4x3xf16>'}}
  // expected-error @+1 {{'nn.relu' op failed to infer returned types}}
  %0 = nn.relu %x : tensor<4x3xf32> -> tensor<4x3xf16>
  return
}

// -----

func.func @add_broadcast(%x: tensor<4x3xf32>, %y: tensor<5xf32>) {
  // expected-error @+2 {{cannot broadcast f32[4, 3] and f32[5]: dimension 1 is 3 vs 5}}
  // expected-error @+1 {{'nn.add' op failed to infer returned types}}
  %0 = nn.add %x, %y : tensor<4x3xf32>, tensor<5xf32> -> tensor<4x3xf32>
  return
}

// -----

func.func @mul_broadcast_result(%x: tensor<4x3xf32>, %y: tensor<3xf32>) {
  // expected-error @+2 {{'nn.mul' op inferred type(s) 'tensor<4x3xf32>' are incompatible with return type(s) of operation 'tensor<3xf32>'}}
  // expected-error @+1 {{'nn.mul' op failed to infer returned types}}
  %0 = nn.mul %x, %y : tensor<4x3xf32>, tensor<3xf32> -> tensor<3xf32>
  return
}

// -----

func.func @scale_not_finite(%x: tensor<4x3xf32>) {
  // expected-error @+2 {{scale factor must be finite, got inf}}
  // expected-error @+1 {{'nn.scale' op failed to infer returned types}}
  %0 = nn.scale %x {factor = 0x7FF0000000000000 : f64} : tensor<4x3xf32> -> tensor<4x3xf32>
  return
}

// -----

func.func @flatten_axis(%x: tensor<4x3xf32>) {
  // expected-error @+2 {{flatten axis 5 is out of range [-2, 2] for f32[4, 3]}}
  // expected-error @+1 {{'nn.flatten' op failed to infer returned types}}
  %0 = nn.flatten %x {axis = 5 : i64} : tensor<4x3xf32> -> tensor<4x3xf32>
  return
}

//===----------------------------------------------------------------------===//
// Losses and metrics
//===----------------------------------------------------------------------===//

// -----

func.func @softmax_cross_entropy_batch(%x: tensor<4x10xf32>, %l: tensor<5xi32>) {
  // expected-error @+2 {{labels have batch 5 but logits have batch 4}}
  // expected-error @+1 {{'nn.softmax_cross_entropy' op failed to infer returned types}}
  %0 = nn.softmax_cross_entropy %x, %l : tensor<4x10xf32>, tensor<5xi32> -> tensor<f32>
  return
}

// -----

// A dynamic batch against a static one is a mismatch too.
func.func @softmax_cross_entropy_dynamic_batch(%x: tensor<?x10xf32>, %l: tensor<4xi32>) {
  // expected-error @+2 {{labels have batch 4 but logits have batch ?}}
  // expected-error @+1 {{'nn.softmax_cross_entropy' op failed to infer returned types}}
  %0 = nn.softmax_cross_entropy %x, %l : tensor<?x10xf32>, tensor<4xi32> -> tensor<f32>
  return
}

// -----

func.func @softmax_cross_entropy_float_labels(%x: tensor<4x10xf32>, %l: tensor<4xf32>) {
  // expected-error @+2 {{softmax_cross_entropy expects integer labels (i32 or i64), got f32[4]}}
  // expected-error @+1 {{'nn.softmax_cross_entropy' op failed to infer returned types}}
  %0 = nn.softmax_cross_entropy %x, %l : tensor<4x10xf32>, tensor<4xf32> -> tensor<f32>
  return
}

// -----

func.func @softmax_cross_entropy_integer_logits(%x: tensor<4x10xi32>, %l: tensor<4xi32>) {
  // expected-error @+2 {{softmax_cross_entropy expects float logits (f32, f16 or bf16), got i32[4, 10]}}
  // expected-error @+1 {{'nn.softmax_cross_entropy' op failed to infer returned types}}
  %0 = nn.softmax_cross_entropy %x, %l : tensor<4x10xi32>, tensor<4xi32> -> tensor<f32>
  return
}

// -----

// The loss is a scalar.
func.func @softmax_cross_entropy_result(%x: tensor<4x10xf32>, %l: tensor<4xi32>) {
  // expected-error @+2 {{'nn.softmax_cross_entropy' op inferred type(s) 'tensor<f32>' are incompatible with return type(s) of operation 'tensor<4xf32>'}}
  // expected-error @+1 {{'nn.softmax_cross_entropy' op failed to infer returned types}}
  %0 = nn.softmax_cross_entropy %x, %l : tensor<4x10xf32>, tensor<4xi32> -> tensor<4xf32>
  return
}

// -----

func.func @accuracy_top_k(%x: tensor<4x10xf32>, %l: tensor<4xi32>) {
  // expected-error @+2 {{accuracy top_k must be in [1, 10], got 11}}
  // expected-error @+1 {{'nn.accuracy' op failed to infer returned types}}
  %0 = nn.accuracy %x, %l {top_k = 11 : i64} : tensor<4x10xf32>, tensor<4xi32> -> tensor<f32>
  return
}

//===----------------------------------------------------------------------===//
// nn.reshape, nn.reduce_to
//===----------------------------------------------------------------------===//

// -----

func.func @reshape_element_count(%x: tensor<?x6xf32>) {
  // expected-error @+1 {{'nn.reshape' op element count differs: 'tensor<?x6xf32>' vs 'tensor<?x2x2xf32>'}}
  %0 = nn.reshape %x : (tensor<?x6xf32>) -> tensor<?x2x2xf32>
  return
}

// -----

// A dynamic batch cannot become a static size.
func.func @reshape_dynamic_to_static(%x: tensor<?x6xf32>) {
  // expected-error @+1 {{'nn.reshape' op element count differs: 'tensor<?x6xf32>' vs 'tensor<2x6xf32>'}}
  %0 = nn.reshape %x : (tensor<?x6xf32>) -> tensor<2x6xf32>
  return
}

// -----

func.func @reshape_element_type(%x: tensor<?x6xf32>) {
  // expected-error @+1 {{'nn.reshape' op cannot change the element type}}
  %0 = nn.reshape %x : (tensor<?x6xf32>) -> tensor<?x6xf16>
  return
}

// -----

func.func @reduce_to_rank(%x: tensor<6xf32>) {
  // expected-error @+1 {{'nn.reduce_to' op result rank exceeds the input's}}
  %0 = nn.reduce_to %x : (tensor<6xf32>) -> tensor<2x6xf32>
  return
}

// -----

func.func @reduce_to_dimension(%x: tensor<?x6xf32>) {
  // expected-error @+1 {{'nn.reduce_to' op dimension 0 of the result neither is 1 nor matches the input}}
  %0 = nn.reduce_to %x : (tensor<?x6xf32>) -> tensor<5xf32>
  return
}

// -----

// Dimensions are aligned on the right, as in broadcasting.
func.func @reduce_to_dimension_aligned(%x: tensor<4x3x6xf32>) {
  // expected-error @+1 {{'nn.reduce_to' op dimension 1 of the result neither is 1 nor matches the input}}
  %0 = nn.reduce_to %x : (tensor<4x3x6xf32>) -> tensor<3x4xf32>
  return
}

//===----------------------------------------------------------------------===//
// nn.sgd_update
//===----------------------------------------------------------------------===//

// -----

func.func @sgd_update_grad_type(%w: tensor<3xf32>, %g: tensor<4xf32>, %v: tensor<3xf32>, %lr: tensor<f32>) {
  // expected-error @+1 {{'nn.sgd_update' op param, grad and velocity must have one type}}
  %0:2 = nn.sgd_update %w, %g, %v, %lr {decay_mult = 1.0 : f64, lr_mult = 1.0 : f64, momentum = 0.9 : f64, nesterov = false, weight_decay = 0.0 : f64} : (tensor<3xf32>, tensor<4xf32>, tensor<3xf32>, tensor<f32>) -> (tensor<3xf32>, tensor<3xf32>)
  return
}

// -----

func.func @sgd_update_velocity_type(%w: tensor<3xf32>, %g: tensor<3xf32>, %v: tensor<3xf16>, %lr: tensor<f32>) {
  // expected-error @+1 {{'nn.sgd_update' op param, grad and velocity must have one type}}
  %0:2 = nn.sgd_update %w, %g, %v, %lr {decay_mult = 1.0 : f64, lr_mult = 1.0 : f64, momentum = 0.9 : f64, nesterov = false, weight_decay = 0.0 : f64} : (tensor<3xf32>, tensor<3xf32>, tensor<3xf16>, tensor<f32>) -> (tensor<3xf32>, tensor<3xf32>)
  return
}

// -----

func.func @sgd_update_lr_not_scalar(%w: tensor<3xf32>, %g: tensor<3xf32>, %v: tensor<3xf32>, %lr: tensor<1xf32>) {
  // expected-error @+1 {{'nn.sgd_update' op lr must be a scalar tensor}}
  %0:2 = nn.sgd_update %w, %g, %v, %lr {decay_mult = 1.0 : f64, lr_mult = 1.0 : f64, momentum = 0.9 : f64, nesterov = false, weight_decay = 0.0 : f64} : (tensor<3xf32>, tensor<3xf32>, tensor<3xf32>, tensor<1xf32>) -> (tensor<3xf32>, tensor<3xf32>)
  return
}

//===----------------------------------------------------------------------===//
// nn.parameter
//===----------------------------------------------------------------------===//

// -----

// expected-error @+1 {{'nn.parameter' op type must be a statically shaped tensor}}
nn.parameter @dynamic : tensor<?x3xf32> {decay_mult = 1.0 : f64, init = "xavier()", lr_mult = 1.0 : f64}

// -----

// expected-error @+1 {{'nn.parameter' op type must be a statically shaped tensor}}
nn.parameter @scalar : f32 {decay_mult = 1.0 : f64, init = "xavier()", lr_mult = 1.0 : f64}

// -----

// expected-error @+1 {{'nn.parameter' op lr_mult and decay_mult must be >= 0}}
nn.parameter @negative_lr : tensor<3xf32> {decay_mult = 1.0 : f64, init = "xavier()", lr_mult = -1.0 : f64}

// -----

// expected-error @+1 {{'nn.parameter' op lr_mult and decay_mult must be >= 0}}
nn.parameter @negative_decay : tensor<3xf32> {decay_mult = -0.5 : f64, init = "xavier()", lr_mult = 1.0 : f64}

// -----

// Parameters are module-level symbols.
func.func @parameter_in_function() {
  // expected-error @+1 {{'nn.parameter' op expects parent op 'builtin.module'}}
  nn.parameter @nested : tensor<3xf32> {decay_mult = 1.0 : f64, init = "xavier()", lr_mult = 1.0 : f64}
  return
}
