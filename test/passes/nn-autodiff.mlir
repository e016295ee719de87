// RUN: nnc-opt %s -split-input-file -nn-autodiff -verify-diagnostics | FileCheck %s

// The pass is idempotent: a module that already has @train_step is left alone.
// RUN: nnc-opt %s -split-input-file -nn-autodiff -verify-diagnostics > %t.once
// RUN: nnc-opt %s -split-input-file -nn-autodiff -nn-autodiff -verify-diagnostics > %t.twice
// RUN: diff %t.once %t.twice
// RUN: nnc-opt %s -split-input-file -nn-autodiff -nn-autodiff -verify-diagnostics | FileCheck %s

// conv2d with and without a bias. The second convolution's input gradient
// feeds the first one's filter gradient; the first one's input gradient (the
// image's) is dead and removed. flatten's gradient is a reshape, the loss is
// seeded with 1.

// CHECK-LABEL: func.func @forward
// CHECK-NOT:     nn.conv2d_backward
// CHECK-NOT:     nn.grad_of
// CHECK:         return

// CHECK-LABEL: func.func @train_step(
// CHECK-SAME:      %[[X:[^:]*]]: tensor<?x1x6x6xf32> {nn.input = "x"}, %[[LABEL:[^:]*]]: tensor<?xi32> {nn.input = "label"}
// CHECK-SAME:      %[[W1:[^:]*]]: tensor<2x1x3x3xf32> {nn.param = @conv1.weight}
// CHECK-SAME:      %[[W2:[^:]*]]: tensor<3x2x4x4xf32> {nn.param = @conv2.weight}
// CHECK-SAME:      %[[B2:[^:]*]]: tensor<3xf32> {nn.param = @conv2.bias})
// CHECK-SAME:      -> (tensor<f32>, tensor<2x1x3x3xf32>, tensor<3x2x4x4xf32>, tensor<3xf32>)
// CHECK-SAME:      attributes {nn.grad_of = [@conv1.weight, @conv2.weight, @conv2.bias], nn.loss = 0 : i64}
// CHECK-NEXT:    %[[C1:.*]] = nn.conv2d %[[X]], %[[W1]] {
// CHECK-NEXT:    %[[C2:.*]] = nn.conv2d %[[C1]], %[[W2]], %[[B2]] {
// CHECK-NEXT:    %[[FLAT:.*]] = nn.flatten %[[C2]]
// CHECK-NEXT:    %[[LOSS:.*]] = nn.softmax_cross_entropy %[[FLAT]], %[[LABEL]]
// CHECK-NEXT:    %[[SEED:.*]] = arith.constant dense<1.000000e+00> : tensor<f32>
// CHECK-NEXT:    %[[DFLAT:.*]] = nn.softmax_cross_entropy_backward %[[FLAT]], %[[LABEL]], %[[SEED]] : (tensor<?x3xf32>, tensor<?xi32>, tensor<f32>) -> tensor<?x3xf32>
// CHECK-NEXT:    %[[DC2:.*]] = nn.reshape %[[DFLAT]] : (tensor<?x3xf32>) -> tensor<?x3x1x1xf32>
// CHECK-NEXT:    %[[DC1:.*]] = nn.conv2d_backward_data %[[DC2]], %[[W2]] {dilation = array<i64: 1, 1>, groups = 1 : i64, pad = array<i64: 0, 0>, stride = array<i64: 1, 1>} : (tensor<?x3x1x1xf32>, tensor<3x2x4x4xf32>) -> tensor<?x2x4x4xf32>
// CHECK-NEXT:    %[[DW2:.*]], %[[DB2:.*]] = nn.conv2d_backward_filter %[[C1]], %[[DC2]] {dilation = array<i64: 1, 1>, groups = 1 : i64, pad = array<i64: 0, 0>, stride = array<i64: 1, 1>} : (tensor<?x2x4x4xf32>, tensor<?x3x1x1xf32>) -> (tensor<3x2x4x4xf32>, tensor<3xf32>)
// CHECK-NOT:     nn.conv2d_backward_data
// CHECK-NEXT:    %[[DW1:.*]] = nn.conv2d_backward_filter %[[X]], %[[DC1]] {dilation = array<i64: 1, 1>, groups = 1 : i64, pad = array<i64: 0, 0>, stride = array<i64: 1, 1>} : (tensor<?x1x6x6xf32>, tensor<?x2x4x4xf32>) -> tensor<2x1x3x3xf32>
// CHECK-NEXT:    return %[[LOSS]], %[[DW1]], %[[DW2]], %[[DB2]] : tensor<f32>, tensor<2x1x3x3xf32>, tensor<3x2x4x4xf32>, tensor<3xf32>

module {
  nn.parameter @conv1.weight : tensor<2x1x3x3xf32> {decay_mult = 1.0 : f64, init = "xavier()", lr_mult = 1.0 : f64}
  nn.parameter @conv2.weight : tensor<3x2x4x4xf32> {decay_mult = 1.0 : f64, init = "xavier()", lr_mult = 1.0 : f64}
  nn.parameter @conv2.bias : tensor<3xf32> {decay_mult = 1.0 : f64, init = "constant(value=0)", lr_mult = 2.0 : f64}
  func.func @forward(%x: tensor<?x1x6x6xf32> {nn.input = "x"}, %label: tensor<?xi32> {nn.input = "label"},
                     %w1: tensor<2x1x3x3xf32> {nn.param = @conv1.weight}, %w2: tensor<3x2x4x4xf32> {nn.param = @conv2.weight},
                     %b2: tensor<3xf32> {nn.param = @conv2.bias}) -> tensor<f32> attributes {nn.loss = 0 : i64} {
    %0 = nn.conv2d %x, %w1 {dilation = array<i64: 1, 1>, groups = 1 : i64, pad = array<i64: 0, 0>, stride = array<i64: 1, 1>} : (tensor<?x1x6x6xf32>, tensor<2x1x3x3xf32>) -> tensor<?x2x4x4xf32>
    %1 = nn.conv2d %0, %w2, %b2 {dilation = array<i64: 1, 1>, groups = 1 : i64, pad = array<i64: 0, 0>, stride = array<i64: 1, 1>} : (tensor<?x2x4x4xf32>, tensor<3x2x4x4xf32>, tensor<3xf32>) -> tensor<?x3x1x1xf32>
    %2 = nn.flatten %1 {axis = 1 : i64} : tensor<?x3x1x1xf32> -> tensor<?x3xf32>
    %3 = nn.softmax_cross_entropy %2, %label : tensor<?x3xf32>, tensor<?xi32> -> tensor<f32>
    return %3 : tensor<f32>
  }
}

// -----

// conv2d keeps its stride, pad, dilation and groups in both backward ops.

// CHECK-LABEL: func.func @train_step(
// CHECK-SAME:      %[[X:[^:]*]]: tensor<?x4x5x5xf32>
// CHECK-SAME:      %[[W1:[^:]*]]: tensor<4x4x1x1xf32> {nn.param = @a.weight}
// CHECK-SAME:      %[[W2:[^:]*]]: tensor<2x2x3x3xf32> {nn.param = @b.weight}
// CHECK:         %[[C1:.*]] = nn.conv2d %[[X]], %[[W1]]
// CHECK:         %[[DC2:.*]] = nn.reshape
// CHECK-NEXT:    %[[DC1:.*]] = nn.conv2d_backward_data %[[DC2]], %[[W2]] {dilation = array<i64: 2, 2>, groups = 2 : i64, pad = array<i64: 1, 1>, stride = array<i64: 2, 2>} : (tensor<?x2x2x2xf32>, tensor<2x2x3x3xf32>) -> tensor<?x4x5x5xf32>
// CHECK-NEXT:    %[[DW2:.*]] = nn.conv2d_backward_filter %[[C1]], %[[DC2]] {dilation = array<i64: 2, 2>, groups = 2 : i64, pad = array<i64: 1, 1>, stride = array<i64: 2, 2>} : (tensor<?x4x5x5xf32>, tensor<?x2x2x2xf32>) -> tensor<2x2x3x3xf32>
// CHECK-NEXT:    %[[DW1:.*]] = nn.conv2d_backward_filter %[[X]], %[[DC1]] {{.*}} -> tensor<4x4x1x1xf32>
// CHECK-NEXT:    return %{{.*}}, %[[DW1]], %[[DW2]] :
module {
  nn.parameter @a.weight : tensor<4x4x1x1xf32> {decay_mult = 1.0 : f64, init = "xavier()", lr_mult = 1.0 : f64}
  nn.parameter @b.weight : tensor<2x2x3x3xf32> {decay_mult = 1.0 : f64, init = "xavier()", lr_mult = 1.0 : f64}
  func.func @forward(%x: tensor<?x4x5x5xf32> {nn.input = "x"}, %label: tensor<?xi32> {nn.input = "label"},
                     %w1: tensor<4x4x1x1xf32> {nn.param = @a.weight}, %w2: tensor<2x2x3x3xf32> {nn.param = @b.weight}) -> tensor<f32> attributes {nn.loss = 0 : i64} {
    %0 = nn.conv2d %x, %w1 {dilation = array<i64: 1, 1>, groups = 1 : i64, pad = array<i64: 0, 0>, stride = array<i64: 1, 1>} : (tensor<?x4x5x5xf32>, tensor<4x4x1x1xf32>) -> tensor<?x4x5x5xf32>
    %1 = nn.conv2d %0, %w2 {dilation = array<i64: 2, 2>, groups = 2 : i64, pad = array<i64: 1, 1>, stride = array<i64: 2, 2>} : (tensor<?x4x5x5xf32>, tensor<2x2x3x3xf32>) -> tensor<?x2x2x2xf32>
    %2 = nn.flatten %1 {axis = 1 : i64} : tensor<?x2x2x2xf32> -> tensor<?x8xf32>
    %3 = nn.softmax_cross_entropy %2, %label : tensor<?x8xf32>, tensor<?xi32> -> tensor<f32>
    return %3 : tensor<f32>
  }
}

// -----

// max_pool: the backward op takes the forward input and keeps every attribute.

// CHECK-LABEL: func.func @train_step(
// CHECK-SAME:      %[[X:[^:]*]]: tensor<?x1x6x6xf32>
// CHECK-SAME:      %[[W:[^:]*]]: tensor<2x1x2x2xf32> {nn.param = @conv.weight}
// CHECK:         %[[C:.*]] = nn.conv2d %[[X]], %[[W]]
// CHECK-NEXT:    %[[P:.*]] = nn.max_pool %[[C]]
// CHECK:         %[[DP:.*]] = nn.reshape %{{.*}} : (tensor<?x18xf32>) -> tensor<?x2x3x3xf32>
// CHECK-NEXT:    %[[DC:.*]] = nn.max_pool_backward %[[C]], %[[DP]] {ceil = true, kernel = array<i64: 2, 2>, pad = array<i64: 0, 0>, stride = array<i64: 2, 2>} : (tensor<?x2x5x5xf32>, tensor<?x2x3x3xf32>) -> tensor<?x2x5x5xf32>
// CHECK-NEXT:    %[[DW:.*]] = nn.conv2d_backward_filter %[[X]], %[[DC]] {{.*}} -> tensor<2x1x2x2xf32>
// CHECK-NEXT:    return %{{.*}}, %[[DW]] : tensor<f32>, tensor<2x1x2x2xf32>
module {
  nn.parameter @conv.weight : tensor<2x1x2x2xf32> {decay_mult = 1.0 : f64, init = "xavier()", lr_mult = 1.0 : f64}
  func.func @forward(%x: tensor<?x1x6x6xf32> {nn.input = "x"}, %label: tensor<?xi32> {nn.input = "label"},
                     %w: tensor<2x1x2x2xf32> {nn.param = @conv.weight}) -> tensor<f32> attributes {nn.loss = 0 : i64} {
    %0 = nn.conv2d %x, %w {dilation = array<i64: 1, 1>, groups = 1 : i64, pad = array<i64: 0, 0>, stride = array<i64: 1, 1>} : (tensor<?x1x6x6xf32>, tensor<2x1x2x2xf32>) -> tensor<?x2x5x5xf32>
    %1 = nn.max_pool %0 {ceil = true, kernel = array<i64: 2, 2>, pad = array<i64: 0, 0>, stride = array<i64: 2, 2>} : tensor<?x2x5x5xf32> -> tensor<?x2x3x3xf32>
    %2 = nn.flatten %1 {axis = 1 : i64} : tensor<?x2x3x3xf32> -> tensor<?x18xf32>
    %3 = nn.softmax_cross_entropy %2, %label : tensor<?x18xf32>, tensor<?xi32> -> tensor<f32>
    return %3 : tensor<f32>
  }
}

// -----

// dense with a bias -> relu -> dense without one: dense_backward_data for the
// hidden layer, dense_backward_weights with and without a bias gradient, and
// relu_backward on the forward input of the relu.

// CHECK-LABEL: func.func @train_step(
// CHECK-SAME:      %[[X:[^:]*]]: tensor<?x4xf32> {nn.input = "x"}, %[[LABEL:[^:]*]]: tensor<?xi32> {nn.input = "label"}
// CHECK-SAME:      %[[W1:[^:]*]]: tensor<5x4xf32> {nn.param = @fc1.weight}, %[[B1:[^:]*]]: tensor<5xf32> {nn.param = @fc1.bias}
// CHECK-SAME:      %[[W2:[^:]*]]: tensor<3x5xf32> {nn.param = @fc2.weight})
// CHECK-SAME:      -> (tensor<f32>, tensor<5x4xf32>, tensor<5xf32>, tensor<3x5xf32>)
// CHECK-SAME:      attributes {nn.grad_of = [@fc1.weight, @fc1.bias, @fc2.weight], nn.loss = 0 : i64}
// CHECK-NEXT:    %[[H:.*]] = nn.dense %[[X]], %[[W1]], %[[B1]] : (tensor<?x4xf32>, tensor<5x4xf32>, tensor<5xf32>) -> tensor<?x5xf32>
// CHECK-NEXT:    %[[R:.*]] = nn.relu %[[H]]
// CHECK-NEXT:    %[[Y:.*]] = nn.dense %[[R]], %[[W2]] : (tensor<?x5xf32>, tensor<3x5xf32>) -> tensor<?x3xf32>
// CHECK-NEXT:    %[[LOSS:.*]] = nn.softmax_cross_entropy %[[Y]], %[[LABEL]]
// CHECK-NEXT:    %[[SEED:.*]] = arith.constant dense<1.000000e+00> : tensor<f32>
// CHECK-NEXT:    %[[DY:.*]] = nn.softmax_cross_entropy_backward %[[Y]], %[[LABEL]], %[[SEED]]
// CHECK-NEXT:    %[[DR:.*]] = nn.dense_backward_data %[[DY]], %[[W2]] : (tensor<?x3xf32>, tensor<3x5xf32>) -> tensor<?x5xf32>
// CHECK-NEXT:    %[[DW2:.*]] = nn.dense_backward_weights %[[R]], %[[DY]] : (tensor<?x5xf32>, tensor<?x3xf32>) -> tensor<3x5xf32>
// CHECK-NEXT:    %[[DH:.*]] = nn.relu_backward %[[DR]], %[[H]] : (tensor<?x5xf32>, tensor<?x5xf32>) -> tensor<?x5xf32>
// CHECK-NOT:     nn.dense_backward_data
// CHECK-NEXT:    %[[DW1:.*]], %[[DB1:.*]] = nn.dense_backward_weights %[[X]], %[[DH]] : (tensor<?x4xf32>, tensor<?x5xf32>) -> (tensor<5x4xf32>, tensor<5xf32>)
// CHECK-NEXT:    return %[[LOSS]], %[[DW1]], %[[DB1]], %[[DW2]] : tensor<f32>, tensor<5x4xf32>, tensor<5xf32>, tensor<3x5xf32>
module {
  nn.parameter @fc1.weight : tensor<5x4xf32> {decay_mult = 1.0 : f64, init = "xavier()", lr_mult = 1.0 : f64}
  nn.parameter @fc1.bias : tensor<5xf32> {decay_mult = 1.0 : f64, init = "constant(value=0)", lr_mult = 2.0 : f64}
  nn.parameter @fc2.weight : tensor<3x5xf32> {decay_mult = 1.0 : f64, init = "xavier()", lr_mult = 1.0 : f64}
  func.func @forward(%x: tensor<?x4xf32> {nn.input = "x"}, %label: tensor<?xi32> {nn.input = "label"},
                     %w1: tensor<5x4xf32> {nn.param = @fc1.weight}, %b1: tensor<5xf32> {nn.param = @fc1.bias},
                     %w2: tensor<3x5xf32> {nn.param = @fc2.weight}) -> tensor<f32> attributes {nn.loss = 0 : i64} {
    %0 = nn.dense %x, %w1, %b1 : (tensor<?x4xf32>, tensor<5x4xf32>, tensor<5xf32>) -> tensor<?x5xf32>
    %1 = nn.relu %0 : tensor<?x5xf32> -> tensor<?x5xf32>
    %2 = nn.dense %1, %w2 : (tensor<?x5xf32>, tensor<3x5xf32>) -> tensor<?x3xf32>
    %3 = nn.softmax_cross_entropy %2, %label : tensor<?x3xf32>, tensor<?xi32> -> tensor<f32>
    return %3 : tensor<f32>
  }
}

// -----

// scale: the gradient is scaled by the same factor.

// CHECK-LABEL: func.func @train_step(
// CHECK-SAME:      %[[X:[^:]*]]: tensor<?x4xf32>
// CHECK-SAME:      %[[W:[^:]*]]: tensor<3x4xf32> {nn.param = @fc.weight}
// CHECK:         %[[DS:.*]] = nn.softmax_cross_entropy_backward
// CHECK-NEXT:    %[[DY:.*]] = nn.scale %[[DS]] {factor = 5.000000e-01 : f64} : tensor<?x3xf32> -> tensor<?x3xf32>
// CHECK-NEXT:    %[[DW:.*]] = nn.dense_backward_weights %[[X]], %[[DY]]
// CHECK-NEXT:    return %{{.*}}, %[[DW]] :
module {
  nn.parameter @fc.weight : tensor<3x4xf32> {decay_mult = 1.0 : f64, init = "xavier()", lr_mult = 1.0 : f64}
  func.func @forward(%x: tensor<?x4xf32> {nn.input = "x"}, %label: tensor<?xi32> {nn.input = "label"},
                     %w: tensor<3x4xf32> {nn.param = @fc.weight}) -> tensor<f32> attributes {nn.loss = 0 : i64} {
    %0 = nn.dense %x, %w : (tensor<?x4xf32>, tensor<3x4xf32>) -> tensor<?x3xf32>
    %1 = nn.scale %0 {factor = 0.5 : f64} : tensor<?x3xf32> -> tensor<?x3xf32>
    %2 = nn.softmax_cross_entropy %1, %label : tensor<?x3xf32>, tensor<?xi32> -> tensor<f32>
    return %2 : tensor<f32>
  }
}

// -----

// add of two operands of one shape: both get the result's gradient unchanged
// (no reduce_to).

// CHECK-LABEL: func.func @train_step(
// CHECK-SAME:      %[[X:[^:]*]]: tensor<?x4xf32>
// CHECK-SAME:      %[[A:[^:]*]]: tensor<3x4xf32> {nn.param = @a}, %[[B:[^:]*]]: tensor<3x4xf32> {nn.param = @b}
// CHECK:         %[[DS:.*]] = nn.softmax_cross_entropy_backward
// CHECK-NOT:     nn.reduce_to
// CHECK-NEXT:    %[[DB:.*]] = nn.dense_backward_weights %[[X]], %[[DS]] : (tensor<?x4xf32>, tensor<?x3xf32>) -> tensor<3x4xf32>
// CHECK-NEXT:    %[[DA:.*]] = nn.dense_backward_weights %[[X]], %[[DS]] : (tensor<?x4xf32>, tensor<?x3xf32>) -> tensor<3x4xf32>
// CHECK-NEXT:    return %{{.*}}, %[[DA]], %[[DB]] :
module {
  nn.parameter @a : tensor<3x4xf32> {decay_mult = 1.0 : f64, init = "xavier()", lr_mult = 1.0 : f64}
  nn.parameter @b : tensor<3x4xf32> {decay_mult = 1.0 : f64, init = "xavier()", lr_mult = 1.0 : f64}
  func.func @forward(%x: tensor<?x4xf32> {nn.input = "x"}, %label: tensor<?xi32> {nn.input = "label"},
                     %a: tensor<3x4xf32> {nn.param = @a}, %b: tensor<3x4xf32> {nn.param = @b}) -> tensor<f32> attributes {nn.loss = 0 : i64} {
    %0 = nn.dense %x, %a : (tensor<?x4xf32>, tensor<3x4xf32>) -> tensor<?x3xf32>
    %1 = nn.dense %x, %b : (tensor<?x4xf32>, tensor<3x4xf32>) -> tensor<?x3xf32>
    %2 = nn.add %0, %1 : tensor<?x3xf32>, tensor<?x3xf32> -> tensor<?x3xf32>
    %3 = nn.softmax_cross_entropy %2, %label : tensor<?x3xf32>, tensor<?xi32> -> tensor<f32>
    return %3 : tensor<f32>
  }
}

// -----

// mul of two operands of one shape: each gets the result's gradient times the
// other operand.

// CHECK-LABEL: func.func @train_step(
// CHECK-SAME:      %[[X:[^:]*]]: tensor<?x4xf32>
// CHECK-SAME:      %[[A:[^:]*]]: tensor<3x4xf32> {nn.param = @a}, %[[B:[^:]*]]: tensor<3x4xf32> {nn.param = @b}
// CHECK-NEXT:    %[[L:.*]] = nn.dense %[[X]], %[[A]]
// CHECK-NEXT:    %[[R:.*]] = nn.dense %[[X]], %[[B]]
// CHECK-NEXT:    %[[M:.*]] = nn.mul %[[L]], %[[R]]
// CHECK:         %[[DM:.*]] = nn.softmax_cross_entropy_backward %[[M]]
// CHECK-NEXT:    %[[DL:.*]] = nn.mul %[[DM]], %[[R]] : tensor<?x3xf32>, tensor<?x3xf32> -> tensor<?x3xf32>
// CHECK-NEXT:    %[[DR:.*]] = nn.mul %[[DM]], %[[L]] : tensor<?x3xf32>, tensor<?x3xf32> -> tensor<?x3xf32>
// CHECK-NOT:     nn.reduce_to
// CHECK-NEXT:    %[[DB:.*]] = nn.dense_backward_weights %[[X]], %[[DR]]
// CHECK-NEXT:    %[[DA:.*]] = nn.dense_backward_weights %[[X]], %[[DL]]
// CHECK-NEXT:    return %{{.*}}, %[[DA]], %[[DB]] :
module {
  nn.parameter @a : tensor<3x4xf32> {decay_mult = 1.0 : f64, init = "xavier()", lr_mult = 1.0 : f64}
  nn.parameter @b : tensor<3x4xf32> {decay_mult = 1.0 : f64, init = "xavier()", lr_mult = 1.0 : f64}
  func.func @forward(%x: tensor<?x4xf32> {nn.input = "x"}, %label: tensor<?xi32> {nn.input = "label"},
                     %a: tensor<3x4xf32> {nn.param = @a}, %b: tensor<3x4xf32> {nn.param = @b}) -> tensor<f32> attributes {nn.loss = 0 : i64} {
    %0 = nn.dense %x, %a : (tensor<?x4xf32>, tensor<3x4xf32>) -> tensor<?x3xf32>
    %1 = nn.dense %x, %b : (tensor<?x4xf32>, tensor<3x4xf32>) -> tensor<?x3xf32>
    %2 = nn.mul %0, %1 : tensor<?x3xf32>, tensor<?x3xf32> -> tensor<?x3xf32>
    %3 = nn.softmax_cross_entropy %2, %label : tensor<?x3xf32>, tensor<?xi32> -> tensor<f32>
    return %3 : tensor<f32>
  }
}

// -----

// add with broadcasting: the smaller operand's gradient is summed back to its
// shape with reduce_to.

// CHECK-LABEL: func.func @train_step(
// CHECK-SAME:      %[[X:[^:]*]]: tensor<?x4xf32>
// CHECK-SAME:      %[[W:[^:]*]]: tensor<3x4xf32> {nn.param = @w}, %[[B:[^:]*]]: tensor<3xf32> {nn.param = @b}
// CHECK:         %[[DS:.*]] = nn.softmax_cross_entropy_backward
// CHECK-NEXT:    %[[DB:.*]] = nn.reduce_to %[[DS]] : (tensor<?x3xf32>) -> tensor<3xf32>
// CHECK-NEXT:    %[[DW:.*]] = nn.dense_backward_weights %[[X]], %[[DS]]
// CHECK-NEXT:    return %{{.*}}, %[[DW]], %[[DB]] : tensor<f32>, tensor<3x4xf32>, tensor<3xf32>
module {
  nn.parameter @w : tensor<3x4xf32> {decay_mult = 1.0 : f64, init = "xavier()", lr_mult = 1.0 : f64}
  nn.parameter @b : tensor<3xf32> {decay_mult = 1.0 : f64, init = "xavier()", lr_mult = 1.0 : f64}
  func.func @forward(%x: tensor<?x4xf32> {nn.input = "x"}, %label: tensor<?xi32> {nn.input = "label"},
                     %w: tensor<3x4xf32> {nn.param = @w}, %b: tensor<3xf32> {nn.param = @b}) -> tensor<f32> attributes {nn.loss = 0 : i64} {
    %0 = nn.dense %x, %w : (tensor<?x4xf32>, tensor<3x4xf32>) -> tensor<?x3xf32>
    %1 = nn.add %0, %b : tensor<?x3xf32>, tensor<3xf32> -> tensor<?x3xf32>
    %2 = nn.softmax_cross_entropy %1, %label : tensor<?x3xf32>, tensor<?xi32> -> tensor<f32>
    return %2 : tensor<f32>
  }
}

// -----

// A value used twice (by the relu and by the add) gets the sum of both
// gradients, built with nn.add.

// CHECK-LABEL: func.func @train_step(
// CHECK-SAME:      %[[X:[^:]*]]: tensor<?x4xf32>
// CHECK-SAME:      %[[W:[^:]*]]: tensor<3x4xf32> {nn.param = @w}
// CHECK-NEXT:    %[[H:.*]] = nn.dense %[[X]], %[[W]]
// CHECK-NEXT:    %[[R:.*]] = nn.relu %[[H]]
// CHECK-NEXT:    %[[S:.*]] = nn.add %[[H]], %[[R]]
// CHECK:         %[[DS:.*]] = nn.softmax_cross_entropy_backward %[[S]]
// CHECK-NEXT:    %[[DR:.*]] = nn.relu_backward %[[DS]], %[[H]]
// CHECK-NEXT:    %[[DH:.*]] = nn.add %[[DS]], %[[DR]] : tensor<?x3xf32>, tensor<?x3xf32> -> tensor<?x3xf32>
// CHECK-NEXT:    %[[DW:.*]] = nn.dense_backward_weights %[[X]], %[[DH]]
// CHECK-NEXT:    return %{{.*}}, %[[DW]] :
module {
  nn.parameter @w : tensor<3x4xf32> {decay_mult = 1.0 : f64, init = "xavier()", lr_mult = 1.0 : f64}
  func.func @forward(%x: tensor<?x4xf32> {nn.input = "x"}, %label: tensor<?xi32> {nn.input = "label"},
                     %w: tensor<3x4xf32> {nn.param = @w}) -> tensor<f32> attributes {nn.loss = 0 : i64} {
    %0 = nn.dense %x, %w : (tensor<?x4xf32>, tensor<3x4xf32>) -> tensor<?x3xf32>
    %1 = nn.relu %0 : tensor<?x3xf32> -> tensor<?x3xf32>
    %2 = nn.add %0, %1 : tensor<?x3xf32>, tensor<?x3xf32> -> tensor<?x3xf32>
    %3 = nn.softmax_cross_entropy %2, %label : tensor<?x3xf32>, tensor<?xi32> -> tensor<f32>
    return %3 : tensor<f32>
  }
}

// -----

// A value added to itself: its gradient is the result's gradient twice.

// CHECK-LABEL: func.func @train_step(
// CHECK-SAME:      %[[X:[^:]*]]: tensor<?x4xf32>
// CHECK:         %[[DS:.*]] = nn.softmax_cross_entropy_backward
// CHECK-NEXT:    %[[DH:.*]] = nn.add %[[DS]], %[[DS]] : tensor<?x3xf32>, tensor<?x3xf32> -> tensor<?x3xf32>
// CHECK-NEXT:    %[[DW:.*]] = nn.dense_backward_weights %[[X]], %[[DH]]
// CHECK-NEXT:    return %{{.*}}, %[[DW]] :
module {
  nn.parameter @w : tensor<3x4xf32> {decay_mult = 1.0 : f64, init = "xavier()", lr_mult = 1.0 : f64}
  func.func @forward(%x: tensor<?x4xf32> {nn.input = "x"}, %label: tensor<?xi32> {nn.input = "label"},
                     %w: tensor<3x4xf32> {nn.param = @w}) -> tensor<f32> attributes {nn.loss = 0 : i64} {
    %0 = nn.dense %x, %w : (tensor<?x4xf32>, tensor<3x4xf32>) -> tensor<?x3xf32>
    %1 = nn.add %0, %0 : tensor<?x3xf32>, tensor<?x3xf32> -> tensor<?x3xf32>
    %2 = nn.softmax_cross_entropy %1, %label : tensor<?x3xf32>, tensor<?xi32> -> tensor<f32>
    return %2 : tensor<f32>
  }
}

// -----

// Result order: the forward outputs as they are (the loss need not be the
// first), then one gradient per trainable parameter in argument order (not in
// the order the network uses them); frozen parameters get none. accuracy
// has no gradient and its operands receive none from it.

// CHECK-LABEL: func.func @train_step(
// CHECK-SAME:      %[[X:[^:]*]]: tensor<?x4xf32> {nn.input = "x"}
// CHECK-SAME:      %[[LABEL:[^:]*]]: tensor<?xi32> {nn.input = "label"}
// CHECK-SAME:      %[[W2:[^:]*]]: tensor<3x5xf32> {nn.param = @fc2.weight}
// CHECK-SAME:      %[[MEAN:[^:]*]]: tensor<5xf32> {nn.param = @running_mean}
// CHECK-SAME:      %[[W1:[^:]*]]: tensor<5x4xf32> {nn.param = @fc1.weight})
// CHECK-SAME:      -> (tensor<f32>, tensor<f32>, tensor<3x5xf32>, tensor<5x4xf32>)
// CHECK-SAME:      attributes {nn.grad_of = [@fc2.weight, @fc1.weight], nn.loss = 1 : i64, nn.outputs = ["accuracy", "loss"]}
// CHECK-NEXT:    %[[H:.*]] = nn.dense %[[X]], %[[W1]], %[[MEAN]]
// CHECK-NEXT:    %[[Y:.*]] = nn.dense %[[H]], %[[W2]]
// CHECK-NEXT:    %[[ACC:.*]] = nn.accuracy %[[Y]], %[[LABEL]]
// CHECK-NEXT:    %[[LOSS:.*]] = nn.softmax_cross_entropy %[[Y]], %[[LABEL]]
// CHECK-NEXT:    %[[SEED:.*]] = arith.constant dense<1.000000e+00> : tensor<f32>
// CHECK-NEXT:    %[[DY:.*]] = nn.softmax_cross_entropy_backward %[[Y]], %[[LABEL]], %[[SEED]]
// CHECK-NEXT:    %[[DH:.*]] = nn.dense_backward_data %[[DY]], %[[W2]]
// CHECK-NEXT:    %[[DW2:.*]] = nn.dense_backward_weights %[[H]], %[[DY]]
// CHECK-NEXT:    %[[DW1:.*]], %{{.*}} = nn.dense_backward_weights %[[X]], %[[DH]]
// CHECK-NEXT:    return %[[ACC]], %[[LOSS]], %[[DW2]], %[[DW1]] : tensor<f32>, tensor<f32>, tensor<3x5xf32>, tensor<5x4xf32>
module {
  nn.parameter @fc2.weight : tensor<3x5xf32> {decay_mult = 1.0 : f64, init = "xavier()", lr_mult = 1.0 : f64}
  nn.parameter @running_mean : tensor<5xf32> {decay_mult = 1.0 : f64, init = "constant(value=0)", lr_mult = 1.0 : f64, frozen}
  nn.parameter @fc1.weight : tensor<5x4xf32> {decay_mult = 1.0 : f64, init = "xavier()", lr_mult = 1.0 : f64}
  func.func @forward(%x: tensor<?x4xf32> {nn.input = "x"}, %label: tensor<?xi32> {nn.input = "label"},
                     %w2: tensor<3x5xf32> {nn.param = @fc2.weight}, %mean: tensor<5xf32> {nn.param = @running_mean},
                     %w1: tensor<5x4xf32> {nn.param = @fc1.weight}) -> (tensor<f32>, tensor<f32>)
      attributes {nn.loss = 1 : i64, nn.outputs = ["accuracy", "loss"]} {
    %0 = nn.dense %x, %w1, %mean : (tensor<?x4xf32>, tensor<5x4xf32>, tensor<5xf32>) -> tensor<?x5xf32>
    %1 = nn.dense %0, %w2 : (tensor<?x5xf32>, tensor<3x5xf32>) -> tensor<?x3xf32>
    %2 = nn.accuracy %1, %label {top_k = 1 : i64} : tensor<?x3xf32>, tensor<?xi32> -> tensor<f32>
    %3 = nn.softmax_cross_entropy %1, %label : tensor<?x3xf32>, tensor<?xi32> -> tensor<f32>
    return %2, %3 : tensor<f32>, tensor<f32>
  }
}

// -----

// A parameter with no path to the loss gets zeros and a warning at its
// declaration.

// CHECK-LABEL: func.func @train_step(
// CHECK-SAME:      -> (tensor<f32>, tensor<3x4xf32>, tensor<7xf32>)
// CHECK-SAME:      attributes {nn.grad_of = [@w, @unused], nn.loss = 0 : i64}
// CHECK:         %[[DW:.*]] = nn.dense_backward_weights
// CHECK-NEXT:    %[[ZERO:.*]] = arith.constant dense<0.000000e+00> : tensor<7xf32>
// CHECK-NEXT:    return %{{.*}}, %[[DW]], %[[ZERO]] : tensor<f32>, tensor<3x4xf32>, tensor<7xf32>
module {
  nn.parameter @w : tensor<3x4xf32> {decay_mult = 1.0 : f64, init = "xavier()", lr_mult = 1.0 : f64}
  // expected-warning @+1 {{parameter 'unused' receives no gradient from the loss}}
  nn.parameter @unused : tensor<7xf32> {decay_mult = 1.0 : f64, init = "xavier()", lr_mult = 1.0 : f64}
  func.func @forward(%x: tensor<?x4xf32> {nn.input = "x"}, %label: tensor<?xi32> {nn.input = "label"},
                     %w: tensor<3x4xf32> {nn.param = @w}, %u: tensor<7xf32> {nn.param = @unused}) -> tensor<f32> attributes {nn.loss = 0 : i64} {
    %0 = nn.dense %x, %w : (tensor<?x4xf32>, tensor<3x4xf32>) -> tensor<?x3xf32>
    %1 = nn.softmax_cross_entropy %0, %label : tensor<?x3xf32>, tensor<?xi32> -> tensor<f32>
    return %1 : tensor<f32>
  }
}

// -----

// A parameter that only reaches an output other than the loss gets zeros too.

// CHECK-LABEL: func.func @train_step(
// CHECK-SAME:      attributes {nn.grad_of = [@w, @other], nn.loss = 0 : i64}
// CHECK-NOT:     nn.relu_backward
// CHECK:         %[[ZERO:.*]] = arith.constant dense<0.000000e+00> : tensor<3xf32>
// CHECK-NEXT:    return %{{.*}}, %{{.*}}, %{{.*}}, %[[ZERO]] :
module {
  nn.parameter @w : tensor<3x4xf32> {decay_mult = 1.0 : f64, init = "xavier()", lr_mult = 1.0 : f64}
  // expected-warning @+1 {{parameter 'other' receives no gradient from the loss}}
  nn.parameter @other : tensor<3xf32> {decay_mult = 1.0 : f64, init = "xavier()", lr_mult = 1.0 : f64}
  func.func @forward(%x: tensor<?x4xf32> {nn.input = "x"}, %label: tensor<?xi32> {nn.input = "label"},
                     %w: tensor<3x4xf32> {nn.param = @w}, %o: tensor<3xf32> {nn.param = @other}) -> (tensor<f32>, tensor<3xf32>) attributes {nn.loss = 0 : i64} {
    %0 = nn.dense %x, %w : (tensor<?x4xf32>, tensor<3x4xf32>) -> tensor<?x3xf32>
    %1 = nn.softmax_cross_entropy %0, %label : tensor<?x3xf32>, tensor<?xi32> -> tensor<f32>
    %2 = nn.relu %o : tensor<3xf32> -> tensor<3xf32>
    return %1, %2 : tensor<f32>, tensor<3xf32>
  }
}

// -----

// Without an nn.loss result there is nothing to differentiate.

// expected-error @+1 {{nn-autodiff needs @forward with an nn.loss result (a solver section)}}
module {
  nn.parameter @w : tensor<3x4xf32> {decay_mult = 1.0 : f64, init = "xavier()", lr_mult = 1.0 : f64}
  func.func @forward(%x: tensor<?x4xf32> {nn.input = "x"}, %w: tensor<3x4xf32> {nn.param = @w}) -> tensor<?x3xf32> {
    %0 = nn.dense %x, %w : (tensor<?x4xf32>, tensor<3x4xf32>) -> tensor<?x3xf32>
    return %0 : tensor<?x3xf32>
  }
}

// -----

// Nor without @forward.

// expected-error @+1 {{nn-autodiff needs @forward with an nn.loss result (a solver section)}}
module {
  func.func @predict(%x: tensor<?x4xf32>) -> tensor<?x4xf32> attributes {nn.loss = 0 : i64} {
    return %x : tensor<?x4xf32>
  }
}

// -----

// An op on the path to the loss without VjpOpInterface is an error at the op.

module {
  nn.parameter @w : tensor<3x4xf32> {decay_mult = 1.0 : f64, init = "xavier()", lr_mult = 1.0 : f64}
  func.func @forward(%x: tensor<?x4xf32> {nn.input = "x"}, %label: tensor<?xi32> {nn.input = "label"},
                     %w: tensor<3x4xf32> {nn.param = @w}) -> tensor<f32> attributes {nn.loss = 0 : i64} {
    %0 = nn.dense %x, %w : (tensor<?x4xf32>, tensor<3x4xf32>) -> tensor<?x3xf32>
    // expected-error @+1 {{'arith.addf' is on the path to the loss but has no gradient}}
    %1 = arith.addf %0, %0 : tensor<?x3xf32>
    %2 = nn.softmax_cross_entropy %1, %label : tensor<?x3xf32>, tensor<?xi32> -> tensor<f32>
    return %2 : tensor<f32>
  }
}
