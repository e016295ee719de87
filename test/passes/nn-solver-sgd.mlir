// RUN: nnc-opt %s -split-input-file -nn-solver -verify-diagnostics | FileCheck %s

// SGD (nn-solver with method = "sgd"): one sgd_update per gradient, in nn.grad_of order: lr_mult and decay_mult
// come from the parameter, momentum, weight_decay and nesterov from the
// module's nn.solver. The learning rate (nn.hyper = "lr") and then one
// velocity per parameter (nn.state_of, nn.state = "velocity") become new
// trailing arguments; SGD needs no step count. The
// results are the outputs, then the new parameters, then the new velocities;
// nn.updates names the argument each result replaces (-1 for an output) and
// nn.grad_of is gone. A frozen parameter (no gradient) gets no update.

// CHECK-LABEL: func.func @forward(
// CHECK-SAME:      -> (tensor<f32>, tensor<f32>) attributes {nn.loss = 0 : i64}
// CHECK-NOT:     nn.sgd_update
// CHECK:         return

// CHECK-LABEL: func.func @train_step(
// CHECK-SAME:      %[[X:[^:]*]]: tensor<?x4xf32> {nn.input = "x"}, %[[LABEL:[^:]*]]: tensor<?xi32> {nn.input = "label"},
// CHECK-SAME:      %[[W:[^:]*]]: tensor<3x4xf32> {nn.param = @fc.weight},
// CHECK-SAME:      %[[MEAN:[^:]*]]: tensor<3xf32> {nn.param = @mean},
// CHECK-SAME:      %[[B:[^:]*]]: tensor<3xf32> {nn.param = @fc.bias},
// CHECK-SAME:      %[[LR:[^:]*]]: tensor<f32> {nn.hyper = "lr"},
// CHECK-SAME:      %[[VW:[^:]*]]: tensor<3x4xf32> {nn.state = "velocity", nn.state_of = @fc.weight},
// CHECK-SAME:      %[[VB:[^:]*]]: tensor<3xf32> {nn.state = "velocity", nn.state_of = @fc.bias})
// CHECK-SAME:      -> (tensor<f32>, tensor<f32>, tensor<3x4xf32>, tensor<3xf32>, tensor<3x4xf32>, tensor<3xf32>)
// CHECK-SAME:      attributes {nn.loss = 0 : i64, nn.updates = array<i64: -1, -1, 2, 4, 6, 7>} {
// CHECK:         %[[DW:.*]], %[[DB:.*]] = nn.dense_backward_weights
// CHECK-NEXT:    %[[NW:.*]], %[[NVW:.*]] = nn.sgd_update %[[W]], %[[DW]], %[[VW]], %[[LR]]
// CHECK-SAME:        {decay_mult = 1.000000e+00 : f64, lr_mult = 1.000000e+00 : f64, momentum = 9.000000e-01 : f64, nesterov = true, weight_decay = 5.000000e-04 : f64}
// CHECK-SAME:        : (tensor<3x4xf32>, tensor<3x4xf32>, tensor<3x4xf32>, tensor<f32>) -> (tensor<3x4xf32>, tensor<3x4xf32>)
// CHECK-NEXT:    %[[NB:.*]], %[[NVB:.*]] = nn.sgd_update %[[B]], %[[DB]], %[[VB]], %[[LR]]
// CHECK-SAME:        {decay_mult = 0.000000e+00 : f64, lr_mult = 2.000000e+00 : f64, momentum = 9.000000e-01 : f64, nesterov = true, weight_decay = 5.000000e-04 : f64}
// CHECK-SAME:        : (tensor<3xf32>, tensor<3xf32>, tensor<3xf32>, tensor<f32>) -> (tensor<3xf32>, tensor<3xf32>)
// CHECK-NEXT:    return %[[LOSS:.*]], %[[ACC:.*]], %[[NW]], %[[NB]], %[[NVW]], %[[NVB]] : tensor<f32>, tensor<f32>, tensor<3x4xf32>, tensor<3xf32>, tensor<3x4xf32>, tensor<3xf32>
// CHECK-NOT:     nn.grad_of
module attributes {nn.solver = {batch = 64 : i64, method = "sgd", momentum = 9.000000e-01 : f64, nesterov = true, weight_decay = 5.000000e-04 : f64}} {
  nn.parameter @fc.weight : tensor<3x4xf32> {decay_mult = 1.0 : f64, init = "xavier()", lr_mult = 1.0 : f64}
  nn.parameter @mean : tensor<3xf32> {decay_mult = 1.0 : f64, init = "constant(value=0)", lr_mult = 1.0 : f64, frozen}
  nn.parameter @fc.bias : tensor<3xf32> {decay_mult = 0.0 : f64, init = "constant(value=0)", lr_mult = 2.0 : f64}
  func.func @forward(%x: tensor<?x4xf32> {nn.input = "x"}, %label: tensor<?xi32> {nn.input = "label"},
                     %w: tensor<3x4xf32> {nn.param = @fc.weight}, %mean: tensor<3xf32> {nn.param = @mean},
                     %b: tensor<3xf32> {nn.param = @fc.bias}) -> (tensor<f32>, tensor<f32>) attributes {nn.loss = 0 : i64} {
    %0 = nn.dense %x, %w, %b : (tensor<?x4xf32>, tensor<3x4xf32>, tensor<3xf32>) -> tensor<?x3xf32>
    %1 = nn.add %0, %mean : tensor<?x3xf32>, tensor<3xf32> -> tensor<?x3xf32>
    %2 = nn.softmax_cross_entropy %1, %label : tensor<?x3xf32>, tensor<?xi32> -> tensor<f32>
    %3 = nn.accuracy %1, %label {top_k = 1 : i64} : tensor<?x3xf32>, tensor<?xi32> -> tensor<f32>
    return %2, %3 : tensor<f32>, tensor<f32>
  }
  func.func @train_step(%x: tensor<?x4xf32> {nn.input = "x"}, %label: tensor<?xi32> {nn.input = "label"},
                        %w: tensor<3x4xf32> {nn.param = @fc.weight}, %mean: tensor<3xf32> {nn.param = @mean},
                        %b: tensor<3xf32> {nn.param = @fc.bias}) -> (tensor<f32>, tensor<f32>, tensor<3x4xf32>, tensor<3xf32>)
      attributes {nn.grad_of = [@fc.weight, @fc.bias], nn.loss = 0 : i64} {
    %0 = nn.dense %x, %w, %b : (tensor<?x4xf32>, tensor<3x4xf32>, tensor<3xf32>) -> tensor<?x3xf32>
    %1 = nn.add %0, %mean : tensor<?x3xf32>, tensor<3xf32> -> tensor<?x3xf32>
    %2 = nn.softmax_cross_entropy %1, %label : tensor<?x3xf32>, tensor<?xi32> -> tensor<f32>
    %3 = nn.accuracy %1, %label {top_k = 1 : i64} : tensor<?x3xf32>, tensor<?xi32> -> tensor<f32>
    %cst = arith.constant dense<1.000000e+00> : tensor<f32>
    %4 = nn.softmax_cross_entropy_backward %1, %label, %cst : (tensor<?x3xf32>, tensor<?xi32>, tensor<f32>) -> tensor<?x3xf32>
    %weight_grad, %bias_grad = nn.dense_backward_weights %x, %4 : (tensor<?x4xf32>, tensor<?x3xf32>) -> (tensor<3x4xf32>, tensor<3xf32>)
    return %2, %3, %weight_grad, %bias_grad : tensor<f32>, tensor<f32>, tensor<3x4xf32>, tensor<3xf32>
  }
}

// -----

// The gradients follow nn.grad_of, not the argument order: each update takes
// the parameter that its gradient belongs to.

// CHECK-LABEL: func.func @train_step(
// CHECK-SAME:      %[[A:[^:]*]]: tensor<2xf32> {nn.param = @a},
// CHECK-SAME:      %[[B:[^:]*]]: tensor<5xf32> {nn.param = @b},
// CHECK-SAME:      %[[LR:[^:]*]]: tensor<f32> {nn.hyper = "lr"},
// CHECK-SAME:      %[[VB:[^:]*]]: tensor<5xf32> {nn.state = "velocity", nn.state_of = @b},
// CHECK-SAME:      %[[VA:[^:]*]]: tensor<2xf32> {nn.state = "velocity", nn.state_of = @a})
// CHECK-SAME:      -> (tensor<f32>, tensor<5xf32>, tensor<2xf32>, tensor<5xf32>, tensor<2xf32>)
// CHECK-SAME:      nn.updates = array<i64: -1, 1, 0, 3, 4>
// CHECK-NEXT:    %[[LOSS:.*]] = arith.constant
// CHECK-NEXT:    %[[GA:.*]] = nn.relu %[[A]]
// CHECK-NEXT:    %[[GB:.*]] = nn.relu %[[B]]
// CHECK-NEXT:    %[[NB:.*]], %[[NVB:.*]] = nn.sgd_update %[[B]], %[[GB]], %[[VB]], %[[LR]] {{{.*}}lr_mult = 3.000000e+00 : f64
// CHECK-NEXT:    %[[NA:.*]], %[[NVA:.*]] = nn.sgd_update %[[A]], %[[GA]], %[[VA]], %[[LR]] {{{.*}}lr_mult = 1.000000e+00 : f64
// CHECK-NEXT:    return %[[LOSS]], %[[NB]], %[[NA]], %[[NVB]], %[[NVA]] :
module attributes {nn.solver = {method = "sgd", momentum = 9.000000e-01 : f64}} {
  nn.parameter @a : tensor<2xf32> {decay_mult = 1.0 : f64, init = "xavier()", lr_mult = 1.0 : f64}
  nn.parameter @b : tensor<5xf32> {decay_mult = 1.0 : f64, init = "xavier()", lr_mult = 3.0 : f64}
  func.func @train_step(%a: tensor<2xf32> {nn.param = @a}, %b: tensor<5xf32> {nn.param = @b})
      -> (tensor<f32>, tensor<5xf32>, tensor<2xf32>) attributes {nn.grad_of = [@b, @a], nn.loss = 0 : i64} {
    %loss = arith.constant dense<0.0> : tensor<f32>
    %ga = nn.relu %a : tensor<2xf32> -> tensor<2xf32>
    %gb = nn.relu %b : tensor<5xf32> -> tensor<5xf32>
    return %loss, %gb, %ga : tensor<f32>, tensor<5xf32>, tensor<2xf32>
  }
}

// -----

// Without nn.solver: plain SGD (no momentum, no weight decay, no Nesterov).

// CHECK-LABEL: func.func @train_step(
// CHECK-SAME:      %[[W:[^:]*]]: tensor<3xf32> {nn.param = @w}, %[[LR:[^:]*]]: tensor<f32> {nn.hyper = "lr"}, %[[V:[^:]*]]: tensor<3xf32> {nn.state = "velocity", nn.state_of = @w})
// CHECK:         nn.sgd_update %[[W]], %{{.*}}, %[[V]], %[[LR]] {decay_mult = 1.000000e+00 : f64, lr_mult = 1.000000e+00 : f64, momentum = 0.000000e+00 : f64, nesterov = false, weight_decay = 0.000000e+00 : f64}
module {
  nn.parameter @w : tensor<3xf32> {decay_mult = 1.0 : f64, init = "xavier()", lr_mult = 1.0 : f64}
  func.func @train_step(%w: tensor<3xf32> {nn.param = @w}) -> (tensor<f32>, tensor<3xf32>) attributes {nn.grad_of = [@w], nn.loss = 0 : i64} {
    %g = nn.relu %w : tensor<3xf32> -> tensor<3xf32>
    %loss = arith.constant dense<0.0> : tensor<f32>
    return %loss, %g : tensor<f32>, tensor<3xf32>
  }
}

// -----

// A solver method nn-solver does not know is an error (the front end only
// emits SPEC 12's).

// expected-error @+1 {{unknown solver method 'lbfgs'; expected sgd, adam, adamw, rmsprop or adagrad}}
module attributes {nn.solver = {method = "lbfgs", momentum = 9.000000e-01 : f64}} {
  nn.parameter @w : tensor<3xf32> {decay_mult = 1.0 : f64, init = "xavier()", lr_mult = 1.0 : f64}
  func.func @train_step(%w: tensor<3xf32> {nn.param = @w}) -> (tensor<f32>, tensor<3xf32>) attributes {nn.grad_of = [@w], nn.loss = 0 : i64} {
    %g = nn.relu %w : tensor<3xf32> -> tensor<3xf32>
    %loss = arith.constant dense<0.0> : tensor<f32>
    return %loss, %g : tensor<f32>, tensor<3xf32>
  }
}

// -----

// nn-solver runs after nn-autodiff: it needs @train_step with nn.grad_of.

// expected-error @+1 {{nn-solver needs @train_step from nn-autodiff}}
module attributes {nn.solver = {method = "sgd"}} {
  nn.parameter @w : tensor<3xf32> {decay_mult = 1.0 : f64, init = "xavier()", lr_mult = 1.0 : f64}
  func.func @forward(%w: tensor<3xf32> {nn.param = @w}) -> tensor<f32> attributes {nn.loss = 0 : i64} {
    %loss = arith.constant dense<0.0> : tensor<f32>
    return %loss : tensor<f32>
  }
}

// -----

// expected-error @+1 {{nn-solver needs @train_step from nn-autodiff}}
module attributes {nn.solver = {method = "sgd"}} {
  nn.parameter @w : tensor<3xf32> {decay_mult = 1.0 : f64, init = "xavier()", lr_mult = 1.0 : f64}
  func.func @train_step(%w: tensor<3xf32> {nn.param = @w}) -> tensor<3xf32> {
    return %w : tensor<3xf32>
  }
}
