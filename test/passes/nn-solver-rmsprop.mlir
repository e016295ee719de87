// RUN: nnc-opt %s -split-input-file -nn-solver -verify-diagnostics | FileCheck %s

// RMSprop (SPEC 12) keeps the running mean of squares s per parameter, and
// a momentum buffer b only when momentum != 0: no buffer is allocated for
// nothing. It needs no step count: only lr is a hyperparameter argument.

// CHECK-LABEL: func.func @train_step(
// CHECK-SAME:      %[[W:[^:]*]]: tensor<3x4xf32> {nn.param = @w},
// CHECK-SAME:      %[[B:[^:]*]]: tensor<3xf32> {nn.param = @b},
// CHECK-SAME:      %[[LR:[^:]*]]: tensor<f32> {nn.hyper = "lr"},
// CHECK-SAME:      %[[WS:[^:]*]]: tensor<3x4xf32> {nn.state = "s", nn.state_of = @w},
// CHECK-SAME:      %[[BS:[^:]*]]: tensor<3xf32> {nn.state = "s", nn.state_of = @b})
// CHECK-SAME:      -> (tensor<f32>, tensor<3x4xf32>, tensor<3xf32>, tensor<3x4xf32>, tensor<3xf32>)
// CHECK-SAME:      attributes {nn.loss = 0 : i64, nn.updates = array<i64: -1, 0, 1, 3, 4>} {
// CHECK-NOT:     nn.hyper = "step"
// CHECK:         %[[GW:.*]] = nn.relu %[[W]]
// CHECK-NEXT:    %[[GB:.*]] = nn.relu %[[B]]
// CHECK-NEXT:    %[[NW:.*]], %[[NWS:.*]] = nn.rmsprop_update %[[W]], %[[GW]], %[[WS]], %[[LR]]
// CHECK-SAME:        {decay = 7.500000e-01 : f64, decay_mult = 1.000000e+00 : f64, eps = 1.250000e-01 : f64, lr_mult = 1.000000e+00 : f64, momentum = 0.000000e+00 : f64, weight_decay = 5.000000e-01 : f64}
// CHECK-SAME:        : (tensor<3x4xf32>, tensor<3x4xf32>, tensor<3x4xf32>, tensor<f32>) -> (tensor<3x4xf32>, tensor<3x4xf32>)
// CHECK-NEXT:    %[[NB:.*]], %[[NBS:.*]] = nn.rmsprop_update %[[B]], %[[GB]], %[[BS]], %[[LR]]
// CHECK-SAME:        lr_mult = 2.000000e+00 : f64
// CHECK-NEXT:    return %{{.*}}, %[[NW]], %[[NB]], %[[NWS]], %[[NBS]] :
module attributes {nn.solver = {batch = 64 : i64, decay = 7.500000e-01 : f64, eps = 1.250000e-01 : f64, method = "rmsprop", momentum = 0.000000e+00 : f64, weight_decay = 5.000000e-01 : f64}} {
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

// With momentum: s then b per parameter.

// CHECK-LABEL: func.func @train_step(
// CHECK-SAME:      %[[W:[^:]*]]: tensor<3x4xf32> {nn.param = @w},
// CHECK-SAME:      %[[B:[^:]*]]: tensor<3xf32> {nn.param = @b},
// CHECK-SAME:      %[[LR:[^:]*]]: tensor<f32> {nn.hyper = "lr"},
// CHECK-SAME:      %[[WS:[^:]*]]: tensor<3x4xf32> {nn.state = "s", nn.state_of = @w},
// CHECK-SAME:      %[[WB:[^:]*]]: tensor<3x4xf32> {nn.state = "b", nn.state_of = @w},
// CHECK-SAME:      %[[BS:[^:]*]]: tensor<3xf32> {nn.state = "s", nn.state_of = @b},
// CHECK-SAME:      %[[BB:[^:]*]]: tensor<3xf32> {nn.state = "b", nn.state_of = @b})
// CHECK-SAME:      nn.updates = array<i64: -1, 0, 1, 3, 4, 5, 6>
// CHECK:         %[[NW:.*]], %[[NWS:.*]], %[[NWB:.*]] = nn.rmsprop_update %[[W]], %{{.*}}, %[[WS]], %[[WB]], %[[LR]]
// CHECK-SAME:        momentum = 5.000000e-01 : f64
// CHECK-SAME:        : (tensor<3x4xf32>, tensor<3x4xf32>, tensor<3x4xf32>, tensor<3x4xf32>, tensor<f32>) -> (tensor<3x4xf32>, tensor<3x4xf32>, tensor<3x4xf32>)
// CHECK-NEXT:    %[[NB:.*]], %[[NBS:.*]], %[[NBB:.*]] = nn.rmsprop_update %[[B]], %{{.*}}, %[[BS]], %[[BB]], %[[LR]]
// CHECK-NEXT:    return %{{.*}}, %[[NW]], %[[NB]], %[[NWS]], %[[NWB]], %[[NBS]], %[[NBB]] :
module attributes {nn.solver = {batch = 64 : i64, decay = 7.500000e-01 : f64, eps = 1.250000e-01 : f64, method = "rmsprop", momentum = 5.000000e-01 : f64, weight_decay = 0.000000e+00 : f64}} {
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
