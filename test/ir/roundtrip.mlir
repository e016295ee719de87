// RUN: nnc-opt %s | nnc-opt | FileCheck %s
// RUN: nnc-opt %s -mlir-print-op-generic | nnc-opt | FileCheck %s
// RUN: nnc-opt %s -mlir-print-debuginfo | nnc-opt -mlir-print-debuginfo | FileCheck %s --check-prefix=LOC

// Every nn op prints in its custom form and parses back to the same op, from
// the custom and from the generic form (properties included).

// LOC: nn.conv2d {{.*}} loc(#[[CONV:.*]])
// LOC: #[[CONV]] = loc("lenet.nn":12:11)

// CHECK: nn.parameter @conv1.weight : tensor<20x1x5x5xf32> {decay_mult = 1.000000e+00 : f64, init = "xavier()", lr_mult = 1.000000e+00 : f64}
nn.parameter @conv1.weight : tensor<20x1x5x5xf32> {decay_mult = 1.0 : f64, init = "xavier()", lr_mult = 1.0 : f64}
// CHECK: nn.parameter @conv1.bias : tensor<20xf32> {decay_mult = 0.000000e+00 : f64, init = "constant(value=0)", lr_mult = 2.000000e+00 : f64}
nn.parameter @conv1.bias : tensor<20xf32> {decay_mult = 0.0 : f64, init = "constant(value=0)", lr_mult = 2.0 : f64}
// CHECK: nn.parameter @bn.mean : tensor<20xf32> {decay_mult = 0.000000e+00 : f64, frozen, init = "constant(value=0)", lr_mult = 0.000000e+00 : f64}
nn.parameter @bn.mean : tensor<20xf32> {decay_mult = 0.0 : f64, frozen, init = "constant(value=0)", lr_mult = 0.0 : f64}
// CHECK: nn.parameter @"with space" : tensor<f32>
nn.parameter @"with space" : tensor<f32> {decay_mult = 1.0 : f64, init = "constant(value=1)", lr_mult = 1.0 : f64}

// CHECK-LABEL: func.func @conv2d(
// CHECK-SAME:      %[[X:.*]]: tensor<?x1x28x28xf32>, %[[W:.*]]: tensor<20x1x5x5xf32>, %[[B:.*]]: tensor<20xf32>, %[[W2:.*]]: tensor<4x10x3x3xf32>
// CHECK:         nn.conv2d %[[X]], %[[W]], %[[B]] {dilation = array<i64: 1, 1>, groups = 1 : i64, nn.name = "conv1", pad = array<i64: 0, 0>, stride = array<i64: 1, 1>} : (tensor<?x1x28x28xf32>, tensor<20x1x5x5xf32>, tensor<20xf32>) -> tensor<?x20x24x24xf32>
// CHECK:         nn.conv2d %[[Y:.*]], %[[W2]] {dilation = array<i64: 2, 2>, groups = 2 : i64, pad = array<i64: 1, 2>, stride = array<i64: 2, 1>} : (tensor<?x20x24x24xf32>, tensor<4x10x3x3xf32>) -> tensor<?x4x11x24xf32>
func.func @conv2d(%x: tensor<?x1x28x28xf32>, %w: tensor<20x1x5x5xf32>, %b: tensor<20xf32>, %w2: tensor<4x10x3x3xf32>) -> tensor<?x4x11x24xf32> {
  %0 = nn.conv2d %x, %w, %b {dilation = array<i64: 1, 1>, groups = 1 : i64, nn.name = "conv1", pad = array<i64: 0, 0>, stride = array<i64: 1, 1>} : (tensor<?x1x28x28xf32>, tensor<20x1x5x5xf32>, tensor<20xf32>) -> tensor<?x20x24x24xf32> loc("lenet.nn":12:11)
  %1 = nn.conv2d %0, %w2 {dilation = array<i64: 2, 2>, groups = 2 : i64, pad = array<i64: 1, 2>, stride = array<i64: 2, 1>} : (tensor<?x20x24x24xf32>, tensor<4x10x3x3xf32>) -> tensor<?x4x11x24xf32>
  return %1 : tensor<?x4x11x24xf32>
}

// CHECK-LABEL: func.func @pooling(
// CHECK-SAME:      %[[X:.*]]: tensor<?x20x24x24xf32>, %[[Y:.*]]: tensor<?x3x5x5xf32>
// CHECK:         nn.max_pool %[[X]] {ceil = false, kernel = array<i64: 2, 2>, pad = array<i64: 0, 0>, stride = array<i64: 2, 2>} : tensor<?x20x24x24xf32> -> tensor<?x20x12x12xf32>
// CHECK:         nn.max_pool %[[Y]] {ceil = true, kernel = array<i64: 3, 3>, pad = array<i64: 1, 1>, stride = array<i64: 2, 2>} : tensor<?x3x5x5xf32> -> tensor<?x3x3x3xf32>
func.func @pooling(%x: tensor<?x20x24x24xf32>, %y: tensor<?x3x5x5xf32>) -> (tensor<?x20x12x12xf32>, tensor<?x3x3x3xf32>) {
  %0 = nn.max_pool %x {ceil = false, kernel = array<i64: 2, 2>, pad = array<i64: 0, 0>, stride = array<i64: 2, 2>} : tensor<?x20x24x24xf32> -> tensor<?x20x12x12xf32>
  %1 = nn.max_pool %y {ceil = true, kernel = array<i64: 3, 3>, pad = array<i64: 1, 1>, stride = array<i64: 2, 2>} : tensor<?x3x5x5xf32> -> tensor<?x3x3x3xf32>
  return %0, %1 : tensor<?x20x12x12xf32>, tensor<?x3x3x3xf32>
}

// CHECK-LABEL: func.func @dense(
// CHECK-SAME:      %[[X:.*]]: tensor<?x800xf32>, %[[W:.*]]: tensor<500x800xf32>, %[[B:.*]]: tensor<500xf32>
// CHECK:         %[[D:.*]] = nn.dense %[[X]], %[[W]], %[[B]] {nn.name = "ip1"} : (tensor<?x800xf32>, tensor<500x800xf32>, tensor<500xf32>) -> tensor<?x500xf32>
// CHECK:         nn.dense %[[X]], %[[W]] : (tensor<?x800xf32>, tensor<500x800xf32>) -> tensor<?x500xf32>
func.func @dense(%x: tensor<?x800xf32>, %w: tensor<500x800xf32>, %b: tensor<500xf32>) -> (tensor<?x500xf32>, tensor<?x500xf32>) {
  %0 = nn.dense %x, %w, %b {nn.name = "ip1"} : (tensor<?x800xf32>, tensor<500x800xf32>, tensor<500xf32>) -> tensor<?x500xf32>
  %1 = nn.dense %x, %w : (tensor<?x800xf32>, tensor<500x800xf32>) -> tensor<?x500xf32>
  return %0, %1 : tensor<?x500xf32>, tensor<?x500xf32>
}

// CHECK-LABEL: func.func @elementwise(
// CHECK-SAME:      %[[X:.*]]: tensor<4x3xf32>, %[[Y:.*]]: tensor<3xf32>, %[[H:.*]]: tensor<4x3xf16>
// CHECK:         nn.relu %[[X]] : tensor<4x3xf32> -> tensor<4x3xf32>
// CHECK:         nn.relu %[[H]] : tensor<4x3xf16> -> tensor<4x3xf16>
// CHECK:         nn.scale %[[X]] {factor = 2.500000e-01 : f64} : tensor<4x3xf32> -> tensor<4x3xf32>
// CHECK:         nn.add %[[X]], %[[Y]] : tensor<4x3xf32>, tensor<3xf32> -> tensor<4x3xf32>
// CHECK:         nn.mul %[[Y]], %[[X]] : tensor<3xf32>, tensor<4x3xf32> -> tensor<4x3xf32>
// CHECK:         nn.sub %[[X]], %[[X]] : tensor<4x3xf32>, tensor<4x3xf32> -> tensor<4x3xf32>
// CHECK:         nn.div %[[X]], %[[Y]] : tensor<4x3xf32>, tensor<3xf32> -> tensor<4x3xf32>
// CHECK:         nn.sigmoid %[[X]] : tensor<4x3xf32> -> tensor<4x3xf32>
// CHECK:         nn.tanh %[[X]] : tensor<4x3xf32> -> tensor<4x3xf32>
// CHECK:         nn.gelu %[[X]] : tensor<4x3xf32> -> tensor<4x3xf32>
// CHECK:         nn.leaky_relu %[[X]] {slope = 1.000000e-01 : f64} : tensor<4x3xf32> -> tensor<4x3xf32>
// CHECK:         nn.softmax %[[X]] {axis = -1 : i64} : tensor<4x3xf32> -> tensor<4x3xf32>
func.func @elementwise(%x: tensor<4x3xf32>, %y: tensor<3xf32>, %h: tensor<4x3xf16>) {
  %0 = nn.relu %x : tensor<4x3xf32> -> tensor<4x3xf32>
  %1 = nn.relu %h : tensor<4x3xf16> -> tensor<4x3xf16>
  %2 = nn.scale %x {factor = 0.25 : f64} : tensor<4x3xf32> -> tensor<4x3xf32>
  %3 = nn.add %x, %y : tensor<4x3xf32>, tensor<3xf32> -> tensor<4x3xf32>
  %4 = nn.mul %y, %x : tensor<3xf32>, tensor<4x3xf32> -> tensor<4x3xf32>
  %5 = nn.sub %x, %x : tensor<4x3xf32>, tensor<4x3xf32> -> tensor<4x3xf32>
  %6 = nn.div %x, %y : tensor<4x3xf32>, tensor<3xf32> -> tensor<4x3xf32>
  %7 = nn.sigmoid %x : tensor<4x3xf32> -> tensor<4x3xf32>
  %8 = nn.tanh %x : tensor<4x3xf32> -> tensor<4x3xf32>
  %9 = nn.gelu %x : tensor<4x3xf32> -> tensor<4x3xf32>
  %10 = nn.leaky_relu %x {slope = 0.1 : f64} : tensor<4x3xf32> -> tensor<4x3xf32>
  %11 = nn.softmax %x {axis = -1 : i64} : tensor<4x3xf32> -> tensor<4x3xf32>
  return
}

// CHECK-LABEL: func.func @shapes_and_losses(
// CHECK-SAME:      %[[X:.*]]: tensor<?x50x4x4xf32>, %[[L:.*]]: tensor<?x10xf32>, %[[LABEL:.*]]: tensor<?xi32>
// CHECK:         nn.flatten %[[X]] {axis = 1 : i64} : tensor<?x50x4x4xf32> -> tensor<?x800xf32>
// CHECK:         nn.softmax_cross_entropy %[[L]], %[[LABEL]] : tensor<?x10xf32>, tensor<?xi32> -> tensor<f32>
// CHECK:         nn.accuracy %[[L]], %[[LABEL]] {top_k = 5 : i64} : tensor<?x10xf32>, tensor<?xi32> -> tensor<f32>
func.func @shapes_and_losses(%x: tensor<?x50x4x4xf32>, %logits: tensor<?x10xf32>, %label: tensor<?xi32>) {
  %0 = nn.flatten %x {axis = 1 : i64} : tensor<?x50x4x4xf32> -> tensor<?x800xf32>
  %1 = nn.softmax_cross_entropy %logits, %label : tensor<?x10xf32>, tensor<?xi32> -> tensor<f32>
  %2 = nn.accuracy %logits, %label {top_k = 5 : i64} : tensor<?x10xf32>, tensor<?xi32> -> tensor<f32>
  return
}

// CHECK-LABEL: func.func @backward(
// CHECK-SAME:      %[[X:.*]]: tensor<?x1x28x28xf32>, %[[W:.*]]: tensor<20x1x5x5xf32>, %[[DY:.*]]: tensor<?x20x24x24xf32>, %[[DP:.*]]: tensor<?x20x12x12xf32>, %[[C:.*]]: tensor<?x20x24x24xf32>
// CHECK:         nn.conv2d_backward_data %[[DY]], %[[W]] {dilation = array<i64: 1, 1>, groups = 1 : i64, pad = array<i64: 0, 0>, stride = array<i64: 1, 1>} : (tensor<?x20x24x24xf32>, tensor<20x1x5x5xf32>) -> tensor<?x1x28x28xf32>
// CHECK:         %{{.*}}, %{{.*}} = nn.conv2d_backward_filter %[[X]], %[[DY]] {dilation = array<i64: 1, 1>, groups = 1 : i64, pad = array<i64: 0, 0>, stride = array<i64: 1, 1>} : (tensor<?x1x28x28xf32>, tensor<?x20x24x24xf32>) -> (tensor<20x1x5x5xf32>, tensor<20xf32>)
// CHECK:         nn.conv2d_backward_filter %[[X]], %[[DY]] {{{.*}}} : (tensor<?x1x28x28xf32>, tensor<?x20x24x24xf32>) -> tensor<20x1x5x5xf32>
// CHECK:         nn.max_pool_backward %[[C]], %[[DP]] {ceil = false, kernel = array<i64: 2, 2>, pad = array<i64: 0, 0>, stride = array<i64: 2, 2>} : (tensor<?x20x24x24xf32>, tensor<?x20x12x12xf32>) -> tensor<?x20x24x24xf32>
// CHECK:         nn.relu_backward %[[DY]], %[[C]] : (tensor<?x20x24x24xf32>, tensor<?x20x24x24xf32>) -> tensor<?x20x24x24xf32>
func.func @backward(%x: tensor<?x1x28x28xf32>, %w: tensor<20x1x5x5xf32>, %dy: tensor<?x20x24x24xf32>, %dp: tensor<?x20x12x12xf32>, %c: tensor<?x20x24x24xf32>) {
  %0 = nn.conv2d_backward_data %dy, %w {dilation = array<i64: 1, 1>, groups = 1 : i64, pad = array<i64: 0, 0>, stride = array<i64: 1, 1>} : (tensor<?x20x24x24xf32>, tensor<20x1x5x5xf32>) -> tensor<?x1x28x28xf32>
  %1:2 = nn.conv2d_backward_filter %x, %dy {dilation = array<i64: 1, 1>, groups = 1 : i64, pad = array<i64: 0, 0>, stride = array<i64: 1, 1>} : (tensor<?x1x28x28xf32>, tensor<?x20x24x24xf32>) -> (tensor<20x1x5x5xf32>, tensor<20xf32>)
  %2 = nn.conv2d_backward_filter %x, %dy {dilation = array<i64: 1, 1>, groups = 1 : i64, pad = array<i64: 0, 0>, stride = array<i64: 1, 1>} : (tensor<?x1x28x28xf32>, tensor<?x20x24x24xf32>) -> tensor<20x1x5x5xf32>
  %3 = nn.max_pool_backward %c, %dp {ceil = false, kernel = array<i64: 2, 2>, pad = array<i64: 0, 0>, stride = array<i64: 2, 2>} : (tensor<?x20x24x24xf32>, tensor<?x20x12x12xf32>) -> tensor<?x20x24x24xf32>
  %4 = nn.relu_backward %dy, %c : (tensor<?x20x24x24xf32>, tensor<?x20x24x24xf32>) -> tensor<?x20x24x24xf32>
  return
}

// CHECK-LABEL: func.func @backward_dense(
// CHECK-SAME:      %[[X:.*]]: tensor<?x800xf32>, %[[W:.*]]: tensor<500x800xf32>, %[[DY:.*]]: tensor<?x500xf32>, %[[L:.*]]: tensor<?x10xf32>, %[[LABEL:.*]]: tensor<?xi32>, %[[SEED:.*]]: tensor<f32>
// CHECK:         nn.dense_backward_data %[[DY]], %[[W]] : (tensor<?x500xf32>, tensor<500x800xf32>) -> tensor<?x800xf32>
// CHECK:         %{{.*}}, %{{.*}} = nn.dense_backward_weights %[[X]], %[[DY]] : (tensor<?x800xf32>, tensor<?x500xf32>) -> (tensor<500x800xf32>, tensor<500xf32>)
// CHECK:         nn.dense_backward_weights %[[X]], %[[DY]] : (tensor<?x800xf32>, tensor<?x500xf32>) -> tensor<500x800xf32>
// CHECK:         nn.softmax_cross_entropy_backward %[[L]], %[[LABEL]], %[[SEED]] : (tensor<?x10xf32>, tensor<?xi32>, tensor<f32>) -> tensor<?x10xf32>
// CHECK:         nn.reshape %[[X]] : (tensor<?x800xf32>) -> tensor<?x50x4x4xf32>
// CHECK:         nn.reduce_to %[[DY]] : (tensor<?x500xf32>) -> tensor<500xf32>
// CHECK:         nn.reduce_to %[[DY]] : (tensor<?x500xf32>) -> tensor<1x500xf32>
func.func @backward_dense(%x: tensor<?x800xf32>, %w: tensor<500x800xf32>, %dy: tensor<?x500xf32>, %logits: tensor<?x10xf32>, %label: tensor<?xi32>, %seed: tensor<f32>) {
  %0 = nn.dense_backward_data %dy, %w : (tensor<?x500xf32>, tensor<500x800xf32>) -> tensor<?x800xf32>
  %1:2 = nn.dense_backward_weights %x, %dy : (tensor<?x800xf32>, tensor<?x500xf32>) -> (tensor<500x800xf32>, tensor<500xf32>)
  %2 = nn.dense_backward_weights %x, %dy : (tensor<?x800xf32>, tensor<?x500xf32>) -> tensor<500x800xf32>
  %3 = nn.softmax_cross_entropy_backward %logits, %label, %seed : (tensor<?x10xf32>, tensor<?xi32>, tensor<f32>) -> tensor<?x10xf32>
  %4 = nn.reshape %x : (tensor<?x800xf32>) -> tensor<?x50x4x4xf32>
  %5 = nn.reduce_to %dy : (tensor<?x500xf32>) -> tensor<500xf32>
  %6 = nn.reduce_to %dy : (tensor<?x500xf32>) -> tensor<1x500xf32>
  return
}

// CHECK-LABEL: func.func @backward_activations(
// CHECK-SAME:      %[[DY:.*]]: tensor<4x3xf32>, %[[X:.*]]: tensor<4x3xf32>
// CHECK:         nn.sigmoid_backward %[[DY]], %[[X]] : (tensor<4x3xf32>, tensor<4x3xf32>) -> tensor<4x3xf32>
// CHECK:         nn.tanh_backward %[[DY]], %[[X]] : (tensor<4x3xf32>, tensor<4x3xf32>) -> tensor<4x3xf32>
// CHECK:         nn.gelu_backward %[[DY]], %[[X]] : (tensor<4x3xf32>, tensor<4x3xf32>) -> tensor<4x3xf32>
// CHECK:         nn.leaky_relu_backward %[[DY]], %[[X]] {slope = 2.000000e-01 : f64} : (tensor<4x3xf32>, tensor<4x3xf32>) -> tensor<4x3xf32>
// CHECK:         nn.softmax_backward %[[DY]], %[[X]] {axis = 1 : i64} : (tensor<4x3xf32>, tensor<4x3xf32>) -> tensor<4x3xf32>
func.func @backward_activations(%dy: tensor<4x3xf32>, %x: tensor<4x3xf32>) {
  %0 = nn.sigmoid_backward %dy, %x : (tensor<4x3xf32>, tensor<4x3xf32>) -> tensor<4x3xf32>
  %1 = nn.tanh_backward %dy, %x : (tensor<4x3xf32>, tensor<4x3xf32>) -> tensor<4x3xf32>
  %2 = nn.gelu_backward %dy, %x : (tensor<4x3xf32>, tensor<4x3xf32>) -> tensor<4x3xf32>
  %3 = nn.leaky_relu_backward %dy, %x {slope = 0.2 : f64} : (tensor<4x3xf32>, tensor<4x3xf32>) -> tensor<4x3xf32>
  %4 = nn.softmax_backward %dy, %x {axis = 1 : i64} : (tensor<4x3xf32>, tensor<4x3xf32>) -> tensor<4x3xf32>
  return
}

// CHECK-LABEL: func.func @sgd(
// CHECK-SAME:      %[[W:.*]]: tensor<20x1x5x5xf32>, %[[G:.*]]: tensor<20x1x5x5xf32>, %[[V:.*]]: tensor<20x1x5x5xf32>, %[[LR:.*]]: tensor<f32>
// CHECK:         %[[NW:.*]], %[[NV:.*]] = nn.sgd_update %[[W]], %[[G]], %[[V]], %[[LR]] {decay_mult = 1.000000e+00 : f64, lr_mult = 2.000000e+00 : f64, momentum = 9.000000e-01 : f64, nesterov = true, weight_decay = 5.000000e-04 : f64} : (tensor<20x1x5x5xf32>, tensor<20x1x5x5xf32>, tensor<20x1x5x5xf32>, tensor<f32>) -> (tensor<20x1x5x5xf32>, tensor<20x1x5x5xf32>)
// CHECK:         return %[[NW]], %[[NV]]
func.func @sgd(%w: tensor<20x1x5x5xf32>, %g: tensor<20x1x5x5xf32>, %v: tensor<20x1x5x5xf32>, %lr: tensor<f32>) -> (tensor<20x1x5x5xf32>, tensor<20x1x5x5xf32>) {
  %0:2 = nn.sgd_update %w, %g, %v, %lr {decay_mult = 1.0 : f64, lr_mult = 2.0 : f64, momentum = 0.9 : f64, nesterov = true, weight_decay = 5.0e-4 : f64} : (tensor<20x1x5x5xf32>, tensor<20x1x5x5xf32>, tensor<20x1x5x5xf32>, tensor<f32>) -> (tensor<20x1x5x5xf32>, tensor<20x1x5x5xf32>)
  return %0#0, %0#1 : tensor<20x1x5x5xf32>, tensor<20x1x5x5xf32>
}
