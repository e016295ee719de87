// RUN: nnc-opt %s -split-input-file -nn-specialize-batch=batch=4 | FileCheck %s
// RUN: nnc-opt %s -split-input-file -nn-specialize-batch=batch=4 | FileCheck %s --check-prefix=STATIC
// RUN: nnc-opt %s -split-input-file -nn-specialize-batch | FileCheck %s --check-prefix=DEFAULT
// RUN: not nnc-opt %s -split-input-file -nn-specialize-batch=batch=0 2>&1 | FileCheck %s --check-prefix=ZERO
// RUN: not nnc-opt %s -split-input-file -nn-specialize-batch=batch=-2 2>&1 | FileCheck %s --check-prefix=ZERO

// The result of -nn-autodiff -nn-solver on a small network: every `?` becomes the
// batch, in the arguments, the results and every op's types (forward,
// backward and solver ops alike); static types are left as they are.

// STATIC-NOT: ?x

// DEFAULT-LABEL: func.func @forward(
// DEFAULT-SAME:      tensor<64x1x6x6xf32> {nn.input = "x"}, %{{.*}}: tensor<64xi32> {nn.input = "label"}

// A batch below 1 is an error, reported on the module (each split of this file).
// ZERO-COUNT-2: error: batch must be at least 1
// ZERO-NOT:     error

// CHECK-LABEL: func.func @forward(
// CHECK-SAME:      %{{.*}}: tensor<4x1x6x6xf32> {nn.input = "x"}, %{{.*}}: tensor<4xi32> {nn.input = "label"}, %{{.*}}: tensor<2x1x3x3xf32> {nn.param = @conv.weight}, %{{.*}}: tensor<2xf32> {nn.param = @conv.bias}, %{{.*}}: tensor<3x8xf32> {nn.param = @fc.weight})
// CHECK-SAME:      -> (tensor<f32>, tensor<f32>) attributes {nn.loss = 0 : i64}
// CHECK-NEXT:    nn.conv2d {{.*}} : (tensor<4x1x6x6xf32>, tensor<2x1x3x3xf32>, tensor<2xf32>) -> tensor<4x2x4x4xf32>
// CHECK-NEXT:    nn.relu {{.*}} : tensor<4x2x4x4xf32> -> tensor<4x2x4x4xf32>
// CHECK-NEXT:    nn.max_pool {{.*}} : tensor<4x2x4x4xf32> -> tensor<4x2x2x2xf32>
// CHECK-NEXT:    nn.flatten {{.*}} : tensor<4x2x2x2xf32> -> tensor<4x8xf32>
// CHECK-NEXT:    nn.dense {{.*}} : (tensor<4x8xf32>, tensor<3x8xf32>) -> tensor<4x3xf32>
// CHECK-NEXT:    nn.scale {{.*}} : tensor<4x3xf32> -> tensor<4x3xf32>
// CHECK-NEXT:    nn.softmax_cross_entropy {{.*}} : tensor<4x3xf32>, tensor<4xi32> -> tensor<f32>
// CHECK-NEXT:    nn.accuracy {{.*}} : tensor<4x3xf32>, tensor<4xi32> -> tensor<f32>
// CHECK-NEXT:    return {{.*}} : tensor<f32>, tensor<f32>

// CHECK-LABEL: func.func @train_step(
// CHECK-SAME:      %{{.*}}: tensor<4x1x6x6xf32> {nn.input = "x"}, %{{.*}}: tensor<4xi32> {nn.input = "label"}, %{{.*}}: tensor<2x1x3x3xf32> {nn.param = @conv.weight}, %{{.*}}: tensor<2xf32> {nn.param = @conv.bias}, %{{.*}}: tensor<3x8xf32> {nn.param = @fc.weight},
// CHECK-SAME:      %{{.*}}: tensor<f32> {nn.hyper = "lr"}, %{{.*}}: tensor<2x1x3x3xf32> {nn.state = "velocity", nn.state_of = @conv.weight}, %{{.*}}: tensor<2xf32> {nn.state = "velocity", nn.state_of = @conv.bias}, %{{.*}}: tensor<3x8xf32> {nn.state = "velocity", nn.state_of = @fc.weight})
// CHECK-SAME:      -> (tensor<f32>, tensor<f32>, tensor<2x1x3x3xf32>, tensor<2xf32>, tensor<3x8xf32>, tensor<2x1x3x3xf32>, tensor<2xf32>, tensor<3x8xf32>)
// CHECK-SAME:      attributes {nn.loss = 0 : i64, nn.updates = array<i64: -1, -1, 2, 3, 4, 6, 7, 8>}
// CHECK:         arith.constant dense<1.000000e+00> : tensor<f32>
// CHECK-NEXT:    nn.softmax_cross_entropy_backward {{.*}} : (tensor<4x3xf32>, tensor<4xi32>, tensor<f32>) -> tensor<4x3xf32>
// CHECK-NEXT:    nn.scale {{.*}} : tensor<4x3xf32> -> tensor<4x3xf32>
// CHECK-NEXT:    nn.dense_backward_data {{.*}} : (tensor<4x3xf32>, tensor<3x8xf32>) -> tensor<4x8xf32>
// CHECK-NEXT:    nn.dense_backward_weights {{.*}} : (tensor<4x8xf32>, tensor<4x3xf32>) -> tensor<3x8xf32>
// CHECK-NEXT:    nn.reshape {{.*}} : (tensor<4x8xf32>) -> tensor<4x2x2x2xf32>
// CHECK-NEXT:    nn.max_pool_backward {{.*}} : (tensor<4x2x4x4xf32>, tensor<4x2x2x2xf32>) -> tensor<4x2x4x4xf32>
// CHECK-NEXT:    nn.relu_backward {{.*}} : (tensor<4x2x4x4xf32>, tensor<4x2x4x4xf32>) -> tensor<4x2x4x4xf32>
// CHECK-NEXT:    nn.conv2d_backward_filter {{.*}} : (tensor<4x1x6x6xf32>, tensor<4x2x4x4xf32>) -> (tensor<2x1x3x3xf32>, tensor<2xf32>)
// CHECK-NEXT:    nn.sgd_update {{.*}} : (tensor<2x1x3x3xf32>, tensor<2x1x3x3xf32>, tensor<2x1x3x3xf32>, tensor<f32>) -> (tensor<2x1x3x3xf32>, tensor<2x1x3x3xf32>)
// CHECK-NEXT:    nn.sgd_update {{.*}} : (tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<f32>) -> (tensor<2xf32>, tensor<2xf32>)
// CHECK-NEXT:    nn.sgd_update {{.*}} : (tensor<3x8xf32>, tensor<3x8xf32>, tensor<3x8xf32>, tensor<f32>) -> (tensor<3x8xf32>, tensor<3x8xf32>)
// CHECK-NEXT:    return
module attributes {nn.solver = {method = "sgd", momentum = 9.000000e-01 : f64}} {
  nn.parameter @conv.weight : tensor<2x1x3x3xf32> {decay_mult = 1.000000e+00 : f64, init = "xavier()", lr_mult = 1.000000e+00 : f64}
  nn.parameter @conv.bias : tensor<2xf32> {decay_mult = 1.000000e+00 : f64, init = "constant(value=0)", lr_mult = 2.000000e+00 : f64}
  nn.parameter @fc.weight : tensor<3x8xf32> {decay_mult = 1.000000e+00 : f64, init = "xavier()", lr_mult = 1.000000e+00 : f64}
  func.func @forward(%arg0: tensor<?x1x6x6xf32> {nn.input = "x"}, %arg1: tensor<?xi32> {nn.input = "label"}, %arg2: tensor<2x1x3x3xf32> {nn.param = @conv.weight}, %arg3: tensor<2xf32> {nn.param = @conv.bias}, %arg4: tensor<3x8xf32> {nn.param = @fc.weight}) -> (tensor<f32>, tensor<f32>) attributes {nn.loss = 0 : i64} {
    %0 = nn.conv2d %arg0, %arg2, %arg3 {dilation = array<i64: 1, 1>, groups = 1 : i64, pad = array<i64: 0, 0>, stride = array<i64: 1, 1>} : (tensor<?x1x6x6xf32>, tensor<2x1x3x3xf32>, tensor<2xf32>) -> tensor<?x2x4x4xf32>
    %1 = nn.relu %0 : tensor<?x2x4x4xf32> -> tensor<?x2x4x4xf32>
    %2 = nn.max_pool %1 {ceil = false, kernel = array<i64: 2, 2>, pad = array<i64: 0, 0>, stride = array<i64: 2, 2>} : tensor<?x2x4x4xf32> -> tensor<?x2x2x2xf32>
    %3 = nn.flatten %2 {axis = 1 : i64} : tensor<?x2x2x2xf32> -> tensor<?x8xf32>
    %4 = nn.dense %3, %arg4 : (tensor<?x8xf32>, tensor<3x8xf32>) -> tensor<?x3xf32>
    %5 = nn.scale %4 {factor = 2.000000e+00 : f64} : tensor<?x3xf32> -> tensor<?x3xf32>
    %6 = nn.softmax_cross_entropy %5, %arg1 : tensor<?x3xf32>, tensor<?xi32> -> tensor<f32>
    %7 = nn.accuracy %5, %arg1 {top_k = 1 : i64} : tensor<?x3xf32>, tensor<?xi32> -> tensor<f32>
    return %6, %7 : tensor<f32>, tensor<f32>
  }
  func.func @train_step(%arg0: tensor<?x1x6x6xf32> {nn.input = "x"}, %arg1: tensor<?xi32> {nn.input = "label"}, %arg2: tensor<2x1x3x3xf32> {nn.param = @conv.weight}, %arg3: tensor<2xf32> {nn.param = @conv.bias}, %arg4: tensor<3x8xf32> {nn.param = @fc.weight}, %arg5: tensor<f32> {nn.hyper = "lr"}, %arg6: tensor<2x1x3x3xf32> {nn.state = "velocity", nn.state_of = @conv.weight}, %arg7: tensor<2xf32> {nn.state = "velocity", nn.state_of = @conv.bias}, %arg8: tensor<3x8xf32> {nn.state = "velocity", nn.state_of = @fc.weight}) -> (tensor<f32>, tensor<f32>, tensor<2x1x3x3xf32>, tensor<2xf32>, tensor<3x8xf32>, tensor<2x1x3x3xf32>, tensor<2xf32>, tensor<3x8xf32>) attributes {nn.loss = 0 : i64, nn.updates = array<i64: -1, -1, 2, 3, 4, 6, 7, 8>} {
    %0 = nn.conv2d %arg0, %arg2, %arg3 {dilation = array<i64: 1, 1>, groups = 1 : i64, pad = array<i64: 0, 0>, stride = array<i64: 1, 1>} : (tensor<?x1x6x6xf32>, tensor<2x1x3x3xf32>, tensor<2xf32>) -> tensor<?x2x4x4xf32>
    %1 = nn.relu %0 : tensor<?x2x4x4xf32> -> tensor<?x2x4x4xf32>
    %2 = nn.max_pool %1 {ceil = false, kernel = array<i64: 2, 2>, pad = array<i64: 0, 0>, stride = array<i64: 2, 2>} : tensor<?x2x4x4xf32> -> tensor<?x2x2x2xf32>
    %3 = nn.flatten %2 {axis = 1 : i64} : tensor<?x2x2x2xf32> -> tensor<?x8xf32>
    %4 = nn.dense %3, %arg4 : (tensor<?x8xf32>, tensor<3x8xf32>) -> tensor<?x3xf32>
    %5 = nn.scale %4 {factor = 2.000000e+00 : f64} : tensor<?x3xf32> -> tensor<?x3xf32>
    %6 = nn.softmax_cross_entropy %5, %arg1 : tensor<?x3xf32>, tensor<?xi32> -> tensor<f32>
    %7 = nn.accuracy %5, %arg1 {top_k = 1 : i64} : tensor<?x3xf32>, tensor<?xi32> -> tensor<f32>
    %cst = arith.constant dense<1.000000e+00> : tensor<f32>
    %8 = nn.softmax_cross_entropy_backward %5, %arg1, %cst : (tensor<?x3xf32>, tensor<?xi32>, tensor<f32>) -> tensor<?x3xf32>
    %9 = nn.scale %8 {factor = 2.000000e+00 : f64} : tensor<?x3xf32> -> tensor<?x3xf32>
    %10 = nn.dense_backward_data %9, %arg4 : (tensor<?x3xf32>, tensor<3x8xf32>) -> tensor<?x8xf32>
    %weight_grad = nn.dense_backward_weights %3, %9 : (tensor<?x8xf32>, tensor<?x3xf32>) -> tensor<3x8xf32>
    %11 = nn.reshape %10 : (tensor<?x8xf32>) -> tensor<?x2x2x2xf32>
    %12 = nn.max_pool_backward %1, %11 {ceil = false, kernel = array<i64: 2, 2>, pad = array<i64: 0, 0>, stride = array<i64: 2, 2>} : (tensor<?x2x4x4xf32>, tensor<?x2x2x2xf32>) -> tensor<?x2x4x4xf32>
    %13 = nn.relu_backward %12, %0 : (tensor<?x2x4x4xf32>, tensor<?x2x4x4xf32>) -> tensor<?x2x4x4xf32>
    %weight_grad_0, %bias_grad = nn.conv2d_backward_filter %arg0, %13 {dilation = array<i64: 1, 1>, groups = 1 : i64, pad = array<i64: 0, 0>, stride = array<i64: 1, 1>} : (tensor<?x1x6x6xf32>, tensor<?x2x4x4xf32>) -> (tensor<2x1x3x3xf32>, tensor<2xf32>)
    %new_param, %new_velocity = nn.sgd_update %arg2, %weight_grad_0, %arg6, %arg5 {decay_mult = 1.000000e+00 : f64, lr_mult = 1.000000e+00 : f64, momentum = 9.000000e-01 : f64, nesterov = false, weight_decay = 0.000000e+00 : f64} : (tensor<2x1x3x3xf32>, tensor<2x1x3x3xf32>, tensor<2x1x3x3xf32>, tensor<f32>) -> (tensor<2x1x3x3xf32>, tensor<2x1x3x3xf32>)
    %new_param_1, %new_velocity_2 = nn.sgd_update %arg3, %bias_grad, %arg7, %arg5 {decay_mult = 1.000000e+00 : f64, lr_mult = 2.000000e+00 : f64, momentum = 9.000000e-01 : f64, nesterov = false, weight_decay = 0.000000e+00 : f64} : (tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<f32>) -> (tensor<2xf32>, tensor<2xf32>)
    %new_param_3, %new_velocity_4 = nn.sgd_update %arg4, %weight_grad, %arg8, %arg5 {decay_mult = 1.000000e+00 : f64, lr_mult = 1.000000e+00 : f64, momentum = 9.000000e-01 : f64, nesterov = false, weight_decay = 0.000000e+00 : f64} : (tensor<3x8xf32>, tensor<3x8xf32>, tensor<3x8xf32>, tensor<f32>) -> (tensor<3x8xf32>, tensor<3x8xf32>)
    return %6, %7, %new_param, %new_param_1, %new_param_3, %new_velocity, %new_velocity_2, %new_velocity_4 : tensor<f32>, tensor<f32>, tensor<2x1x3x3xf32>, tensor<2xf32>, tensor<3x8xf32>, tensor<2x1x3x3xf32>, tensor<2xf32>, tensor<3x8xf32>
  }
}


// -----

// Every dynamic dimension is the batch, wherever it is; a function that
// returns a batch-sized tensor gets a static result type.

// CHECK-LABEL: func.func @predict(
// CHECK-SAME:      %{{.*}}: tensor<4x3xf32>, %{{.*}}: tensor<5x4xf32>) -> (tensor<3x4xf32>, tensor<3xf32>) {
// CHECK-NEXT:    %[[T:.*]] = nn.add %{{.*}}, %{{.*}} : tensor<4x3xf32>, tensor<4x3xf32> -> tensor<4x3xf32>
// CHECK-NEXT:    %[[R:.*]] = nn.reduce_to %[[T]] : (tensor<4x3xf32>) -> tensor<3xf32>
// CHECK-NEXT:    %[[S:.*]] = nn.reshape %[[T]] : (tensor<4x3xf32>) -> tensor<3x4xf32>
// CHECK-NEXT:    %[[U:.*]] = nn.relu %[[S]] : tensor<3x4xf32> -> tensor<3x4xf32>
// CHECK-NEXT:    return %[[U]], %[[R]] : tensor<3x4xf32>, tensor<3xf32>
module {
  func.func @predict(%x: tensor<?x3xf32>, %y: tensor<5x4xf32>) -> (tensor<3x?xf32>, tensor<3xf32>) {
    %0 = nn.add %x, %x : tensor<?x3xf32>, tensor<?x3xf32> -> tensor<?x3xf32>
    %1 = nn.reduce_to %0 : (tensor<?x3xf32>) -> tensor<3xf32>
    %2 = nn.reshape %0 : (tensor<?x3xf32>) -> tensor<3x?xf32>
    %3 = nn.relu %2 : tensor<3x?xf32> -> tensor<3x?xf32>
    return %3, %1 : tensor<3x?xf32>, tensor<3xf32>
  }
}
