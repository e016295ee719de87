// RUN: nnc-opt %s -split-input-file -nn-solver -verify-diagnostics | FileCheck %s

// Adam and AdamW (SPEC 12): the learning rate (nn.hyper = "lr"), then the
// completed step count t for the bias correction (nn.hyper = "step"), then
// per parameter, in nn.grad_of order, its first and second moments m and s
// (nn.state_of, nn.state) become trailing arguments. One nn.adam_update per
// parameter with beta1, beta2, eps and weight_decay from nn.solver and the
// parameter's multipliers; `decoupled` tells AdamW. The results: outputs,
// new parameters, then new states in argument order.

// CHECK-LABEL: func.func @train_step(
// CHECK-SAME:      %[[W:[^:]*]]: tensor<3x4xf32> {nn.param = @w},
// CHECK-SAME:      %[[B:[^:]*]]: tensor<3xf32> {nn.param = @b},
// CHECK-SAME:      %[[LR:[^:]*]]: tensor<f32> {nn.hyper = "lr"},
// CHECK-SAME:      %[[T:[^:]*]]: tensor<f32> {nn.hyper = "step"},
// CHECK-SAME:      %[[WM:[^:]*]]: tensor<3x4xf32> {nn.state = "m", nn.state_of = @w},
// CHECK-SAME:      %[[WS:[^:]*]]: tensor<3x4xf32> {nn.state = "s", nn.state_of = @w},
// CHECK-SAME:      %[[BM:[^:]*]]: tensor<3xf32> {nn.state = "m", nn.state_of = @b},
// CHECK-SAME:      %[[BS:[^:]*]]: tensor<3xf32> {nn.state = "s", nn.state_of = @b})
// CHECK-SAME:      -> (tensor<f32>, tensor<3x4xf32>, tensor<3xf32>, tensor<3x4xf32>, tensor<3x4xf32>, tensor<3xf32>, tensor<3xf32>)
// CHECK-SAME:      attributes {nn.loss = 0 : i64, nn.updates = array<i64: -1, 0, 1, 4, 5, 6, 7>} {
// CHECK:         %[[GW:.*]] = nn.relu %[[W]]
// CHECK-NEXT:    %[[GB:.*]] = nn.relu %[[B]]
// CHECK-NEXT:    %[[NW:.*]], %[[NWM:.*]], %[[NWS:.*]] = nn.adam_update %[[W]], %[[GW]], %[[WM]], %[[WS]], %[[LR]], %[[T]]
// CHECK-SAME:        {beta1 = 7.500000e-01 : f64, beta2 = 8.750000e-01 : f64, decay_mult = 1.000000e+00 : f64, decoupled = false, eps = 1.250000e-01 : f64, lr_mult = 1.000000e+00 : f64, weight_decay = 5.000000e-01 : f64}
// CHECK-SAME:        : (tensor<3x4xf32>, tensor<3x4xf32>, tensor<3x4xf32>, tensor<3x4xf32>, tensor<f32>, tensor<f32>) -> (tensor<3x4xf32>, tensor<3x4xf32>, tensor<3x4xf32>)
// CHECK-NEXT:    %[[NB:.*]], %[[NBM:.*]], %[[NBS:.*]] = nn.adam_update %[[B]], %[[GB]], %[[BM]], %[[BS]], %[[LR]], %[[T]]
// CHECK-SAME:        {beta1 = 7.500000e-01 : f64, beta2 = 8.750000e-01 : f64, decay_mult = 0.000000e+00 : f64, decoupled = false, eps = 1.250000e-01 : f64, lr_mult = 2.000000e+00 : f64, weight_decay = 5.000000e-01 : f64}
// CHECK-NEXT:    return %{{.*}}, %[[NW]], %[[NB]], %[[NWM]], %[[NWS]], %[[NBM]], %[[NBS]] :
// CHECK-NOT:     nn.grad_of
module attributes {nn.solver = {batch = 64 : i64, beta1 = 7.500000e-01 : f64, beta2 = 8.750000e-01 : f64, eps = 1.250000e-01 : f64, method = "adam", weight_decay = 5.000000e-01 : f64}} {
  nn.parameter @w : tensor<3x4xf32> {decay_mult = 1.0 : f64, init = "xavier()", lr_mult = 1.0 : f64}
  nn.parameter @b : tensor<3xf32> {decay_mult = 0.0 : f64, init = "constant(value=0)", lr_mult = 2.0 : f64}
  func.func @train_step(%w: tensor<3x4xf32> {nn.param = @w}, %b: tensor<3xf32> {nn.param = @b}) -> (tensor<f32>, tensor<3x4xf32>, tensor<3xf32>)
      attributes {nn.grad_of = [@w, @b], nn.loss = 0 : i64} {
    %loss = arith.constant dense<0.0> : tensor<f32>
    %gw = nn.relu %w : tensor<3x4xf32> -> tensor<3x4xf32>
    %gb = nn.relu %b : tensor<3xf32> -> tensor<3xf32>
    return %loss, %gw, %gb : tensor<f32>, tensor<3x4xf32>, tensor<3xf32>
  }
}

// -----

// AdamW: the same state and arguments, decoupled = true.

// CHECK-LABEL: func.func @train_step(
// CHECK-SAME:      %[[W:[^:]*]]: tensor<3xf32> {nn.param = @w}, %[[LR:[^:]*]]: tensor<f32> {nn.hyper = "lr"}, %[[T:[^:]*]]: tensor<f32> {nn.hyper = "step"},
// CHECK-SAME:      %[[M:[^:]*]]: tensor<3xf32> {nn.state = "m", nn.state_of = @w}, %[[S:[^:]*]]: tensor<3xf32> {nn.state = "s", nn.state_of = @w})
// CHECK-SAME:      nn.updates = array<i64: -1, 0, 3, 4>
// CHECK:         nn.adam_update %[[W]], %{{.*}}, %[[M]], %[[S]], %[[LR]], %[[T]] {{{.*}}decoupled = true{{.*}}weight_decay = 2.500000e-01 : f64}
module attributes {nn.solver = {batch = 64 : i64, beta1 = 9.000000e-01 : f64, beta2 = 9.990000e-01 : f64, eps = 1.000000e-08 : f64, method = "adamw", weight_decay = 2.500000e-01 : f64}} {
  nn.parameter @w : tensor<3xf32> {decay_mult = 1.0 : f64, init = "xavier()", lr_mult = 1.0 : f64}
  func.func @train_step(%w: tensor<3xf32> {nn.param = @w}) -> (tensor<f32>, tensor<3xf32>) attributes {nn.grad_of = [@w], nn.loss = 0 : i64} {
    %g = nn.relu %w : tensor<3xf32> -> tensor<3xf32>
    %loss = arith.constant dense<0.0> : tensor<f32>
    return %loss, %g : tensor<f32>, tensor<3xf32>
  }
}

// -----

// SPEC 12's defaults when nn.solver names only the method (hand-written modules).

// CHECK-LABEL: func.func @train_step(
// CHECK:         nn.adam_update {{.*}} {beta1 = 9.000000e-01 : f64, beta2 = 0.99899999999999999 : f64, decay_mult = 1.000000e+00 : f64, decoupled = false, eps = 1.000000e-08 : f64, lr_mult = 1.000000e+00 : f64, weight_decay = 0.000000e+00 : f64}
module attributes {nn.solver = {method = "adam"}} {
  nn.parameter @w : tensor<3xf32> {decay_mult = 1.0 : f64, init = "xavier()", lr_mult = 1.0 : f64}
  func.func @train_step(%w: tensor<3xf32> {nn.param = @w}) -> (tensor<f32>, tensor<3xf32>) attributes {nn.grad_of = [@w], nn.loss = 0 : i64} {
    %g = nn.relu %w : tensor<3xf32> -> tensor<3xf32>
    %loss = arith.constant dense<0.0> : tensor<f32>
    return %loss, %g : tensor<f32>, tensor<3xf32>
  }
}
