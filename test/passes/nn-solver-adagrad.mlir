// RUN: nnc-opt %s -nn-solver -verify-diagnostics | FileCheck %s

// Adagrad (SPEC 12) keeps the sum of squared gradients s per parameter; only
// lr is a hyperparameter argument.

// CHECK-LABEL: func.func @train_step(
// CHECK-SAME:      %[[W:[^:]*]]: tensor<3x4xf32> {nn.param = @w},
// CHECK-SAME:      %[[B:[^:]*]]: tensor<3xf32> {nn.param = @b},
// CHECK-SAME:      %[[LR:[^:]*]]: tensor<f32> {nn.hyper = "lr"},
// CHECK-SAME:      %[[WS:[^:]*]]: tensor<3x4xf32> {nn.state = "s", nn.state_of = @w},
// CHECK-SAME:      %[[BS:[^:]*]]: tensor<3xf32> {nn.state = "s", nn.state_of = @b})
// CHECK-SAME:      -> (tensor<f32>, tensor<3x4xf32>, tensor<3xf32>, tensor<3x4xf32>, tensor<3xf32>)
// CHECK-SAME:      attributes {nn.loss = 0 : i64, nn.updates = array<i64: -1, 0, 1, 3, 4>} {
// CHECK:         %[[GW:.*]] = nn.relu %[[W]]
// CHECK-NEXT:    %[[GB:.*]] = nn.relu %[[B]]
// CHECK-NEXT:    %[[NW:.*]], %[[NWS:.*]] = nn.adagrad_update %[[W]], %[[GW]], %[[WS]], %[[LR]]
// CHECK-SAME:        {decay_mult = 1.000000e+00 : f64, eps = 1.250000e-01 : f64, lr_mult = 1.000000e+00 : f64, weight_decay = 5.000000e-01 : f64}
// CHECK-SAME:        : (tensor<3x4xf32>, tensor<3x4xf32>, tensor<3x4xf32>, tensor<f32>) -> (tensor<3x4xf32>, tensor<3x4xf32>)
// CHECK-NEXT:    %[[NB:.*]], %[[NBS:.*]] = nn.adagrad_update %[[B]], %[[GB]], %[[BS]], %[[LR]]
// CHECK-SAME:        {decay_mult = 0.000000e+00 : f64, eps = 1.250000e-01 : f64, lr_mult = 2.000000e+00 : f64, weight_decay = 5.000000e-01 : f64}
// CHECK-NEXT:    return %{{.*}}, %[[NW]], %[[NB]], %[[NWS]], %[[NBS]] :
module attributes {nn.solver = {batch = 64 : i64, eps = 1.250000e-01 : f64, method = "adagrad", weight_decay = 5.000000e-01 : f64}} {
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
