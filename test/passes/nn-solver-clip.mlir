// RUN: nnc-opt %s -split-input-file -nn-solver -verify-diagnostics | FileCheck %s

// With clip_norm (SPEC 12), one nn.clip_by_global_norm takes every gradient,
// in nn.grad_of order, before any update (and so before weight decay is
// added); each update reads its clipped gradient.

// CHECK-LABEL: func.func @train_step(
// CHECK-SAME:      %[[W:[^:]*]]: tensor<3x4xf32> {nn.param = @w},
// CHECK-SAME:      %[[B:[^:]*]]: tensor<3xf32> {nn.param = @b},
// CHECK-SAME:      %[[LR:[^:]*]]: tensor<f32> {nn.hyper = "lr"},
// CHECK-SAME:      %[[VB:[^:]*]]: tensor<3xf32> {nn.state = "velocity", nn.state_of = @b},
// CHECK-SAME:      %[[VW:[^:]*]]: tensor<3x4xf32> {nn.state = "velocity", nn.state_of = @w})
// CHECK:         %[[GW:.*]] = nn.relu %[[W]]
// CHECK-NEXT:    %[[GB:.*]] = nn.relu %[[B]]
// CHECK-NEXT:    %[[C:.*]]:2 = nn.clip_by_global_norm %[[GB]], %[[GW]] {max_norm = 2.500000e-01 : f64} : (tensor<3xf32>, tensor<3x4xf32>) -> (tensor<3xf32>, tensor<3x4xf32>)
// CHECK-NEXT:    nn.sgd_update %[[B]], %[[C]]#0, %[[VB]], %[[LR]]
// CHECK-NEXT:    nn.sgd_update %[[W]], %[[C]]#1, %[[VW]], %[[LR]]
// CHECK-NEXT:    return
module attributes {nn.solver = {batch = 64 : i64, clip_norm = 2.500000e-01 : f64, method = "sgd", momentum = 9.000000e-01 : f64, nesterov = false, weight_decay = 5.000000e-04 : f64}} {
  nn.parameter @w : tensor<3x4xf32> {decay_mult = 1.0 : f64, init = "xavier()", lr_mult = 1.0 : f64}
  nn.parameter @b : tensor<3xf32> {decay_mult = 0.0 : f64, init = "constant(value=0)", lr_mult = 2.0 : f64}
  func.func @train_step(%w: tensor<3x4xf32> {nn.param = @w}, %b: tensor<3xf32> {nn.param = @b}) -> (tensor<f32>, tensor<3xf32>, tensor<3x4xf32>)
      attributes {nn.grad_of = [@b, @w], nn.loss = 0 : i64} {
    %loss = arith.constant dense<0.0> : tensor<f32>
    %gw = nn.relu %w : tensor<3x4xf32> -> tensor<3x4xf32>
    %gb = nn.relu %b : tensor<3xf32> -> tensor<3xf32>
    return %loss, %gb, %gw : tensor<f32>, tensor<3xf32>, tensor<3x4xf32>
  }
}

// -----

// Clipping composes with every method: here Adam.

// CHECK-LABEL: func.func @train_step(
// CHECK:         %[[C:.*]] = nn.clip_by_global_norm %{{.*}} {max_norm = 1.000000e+00 : f64} : (tensor<3xf32>) -> tensor<3xf32>
// CHECK-NEXT:    nn.adam_update %{{.*}}, %[[C]],

// Without clip_norm there is no clipping op.
// CHECK-LABEL: func.func @train_step(
// CHECK-NOT:     nn.clip_by_global_norm
// CHECK:         nn.adagrad_update
module attributes {nn.solver = {clip_norm = 1.000000e+00 : f64, method = "adam"}} {
  nn.parameter @w : tensor<3xf32> {decay_mult = 1.0 : f64, init = "xavier()", lr_mult = 1.0 : f64}
  func.func @train_step(%w: tensor<3xf32> {nn.param = @w}) -> (tensor<f32>, tensor<3xf32>) attributes {nn.grad_of = [@w], nn.loss = 0 : i64} {
    %g = nn.relu %w : tensor<3xf32> -> tensor<3xf32>
    %loss = arith.constant dense<0.0> : tensor<f32>
    return %loss, %g : tensor<f32>, tensor<3xf32>
  }
}

// -----

module attributes {nn.solver = {method = "adagrad"}} {
  nn.parameter @w : tensor<3xf32> {decay_mult = 1.0 : f64, init = "xavier()", lr_mult = 1.0 : f64}
  func.func @train_step(%w: tensor<3xf32> {nn.param = @w}) -> (tensor<f32>, tensor<3xf32>) attributes {nn.grad_of = [@w], nn.loss = 0 : i64} {
    %g = nn.relu %w : tensor<3xf32> -> tensor<3xf32>
    %loss = arith.constant dense<0.0> : tensor<f32>
    return %loss, %g : tensor<f32>, tensor<3xf32>
  }
}
