// RUN: nnc-opt %s -split-input-file -canonicalize | FileCheck %s

// relu(relu(x)) folds to relu(x).

// CHECK-LABEL: func.func @relu_relu(
// CHECK-SAME:      %[[X:.*]]: tensor<?x8xf32>)
// CHECK-NEXT:    %[[R:.*]] = nn.relu %[[X]] : tensor<?x8xf32> -> tensor<?x8xf32>
// CHECK-NEXT:    return %[[R]] : tensor<?x8xf32>
func.func @relu_relu(%x: tensor<?x8xf32>) -> tensor<?x8xf32> {
  %0 = nn.relu %x : tensor<?x8xf32> -> tensor<?x8xf32>
  %1 = nn.relu %0 : tensor<?x8xf32> -> tensor<?x8xf32>
  return %1 : tensor<?x8xf32>
}

// -----

// A chain of any length folds to one relu; the inner one stays when it has
// another use.

// CHECK-LABEL: func.func @relu_chain(
// CHECK-SAME:      %[[X:.*]]: tensor<4x8xf32>)
// CHECK-NEXT:    %[[R:.*]] = nn.relu %[[X]] : tensor<4x8xf32> -> tensor<4x8xf32>
// CHECK-NEXT:    return %[[R]], %[[R]] : tensor<4x8xf32>, tensor<4x8xf32>
func.func @relu_chain(%x: tensor<4x8xf32>) -> (tensor<4x8xf32>, tensor<4x8xf32>) {
  %0 = nn.relu %x : tensor<4x8xf32> -> tensor<4x8xf32>
  %1 = nn.relu %0 : tensor<4x8xf32> -> tensor<4x8xf32>
  %2 = nn.relu %1 : tensor<4x8xf32> -> tensor<4x8xf32>
  return %2, %0 : tensor<4x8xf32>, tensor<4x8xf32>
}

// -----

// A single relu is not folded.

// CHECK-LABEL: func.func @relu_once(
// CHECK-SAME:      %[[X:.*]]: tensor<4x8xf32>)
// CHECK-NEXT:    %[[R:.*]] = nn.relu %[[X]]
// CHECK-NEXT:    return %[[R]]
func.func @relu_once(%x: tensor<4x8xf32>) -> tensor<4x8xf32> {
  %0 = nn.relu %x : tensor<4x8xf32> -> tensor<4x8xf32>
  return %0 : tensor<4x8xf32>
}

// -----

// relu of another activation is not relu(relu(x)).

// CHECK-LABEL: func.func @relu_of_scale(
// CHECK-SAME:      %[[X:.*]]: tensor<4x8xf32>)
// CHECK-NEXT:    %[[S:.*]] = nn.scale %[[X]] {factor = 2.000000e+00 : f64}
// CHECK-NEXT:    %[[R:.*]] = nn.relu %[[S]]
// CHECK-NEXT:    return %[[R]]
func.func @relu_of_scale(%x: tensor<4x8xf32>) -> tensor<4x8xf32> {
  %0 = nn.scale %x {factor = 2.0 : f64} : tensor<4x8xf32> -> tensor<4x8xf32>
  %1 = nn.relu %0 : tensor<4x8xf32> -> tensor<4x8xf32>
  return %1 : tensor<4x8xf32>
}

// -----

// Scaling by 1 folds away.

// CHECK-LABEL: func.func @scale_one(
// CHECK-SAME:      %[[X:.*]]: tensor<?x8xf32>)
// CHECK-NEXT:    return %[[X]] : tensor<?x8xf32>
func.func @scale_one(%x: tensor<?x8xf32>) -> tensor<?x8xf32> {
  %0 = nn.scale %x {factor = 1.0 : f64} : tensor<?x8xf32> -> tensor<?x8xf32>
  return %0 : tensor<?x8xf32>
}

// -----

// Other factors stay, -1 and 0 included.

// CHECK-LABEL: func.func @scale_other(
// CHECK-SAME:      %[[X:.*]]: tensor<4x8xf32>)
// CHECK-NEXT:    %[[A:.*]] = nn.scale %[[X]] {factor = -1.000000e+00 : f64}
// CHECK-NEXT:    %[[B:.*]] = nn.scale %[[X]] {factor = 0.000000e+00 : f64}
// CHECK-NEXT:    %[[C:.*]] = nn.scale %[[X]] {factor = 1.000000e-01 : f64}
// CHECK-NEXT:    return %[[A]], %[[B]], %[[C]]
func.func @scale_other(%x: tensor<4x8xf32>) -> (tensor<4x8xf32>, tensor<4x8xf32>, tensor<4x8xf32>) {
  %0 = nn.scale %x {factor = -1.0 : f64} : tensor<4x8xf32> -> tensor<4x8xf32>
  %1 = nn.scale %x {factor = 0.0 : f64} : tensor<4x8xf32> -> tensor<4x8xf32>
  %2 = nn.scale %x {factor = 0.1 : f64} : tensor<4x8xf32> -> tensor<4x8xf32>
  return %0, %1, %2 : tensor<4x8xf32>, tensor<4x8xf32>, tensor<4x8xf32>
}

// -----

// Both folds together: relu(scale(relu(x), 1)) is relu(x).

// CHECK-LABEL: func.func @scale_one_between_relus(
// CHECK-SAME:      %[[X:.*]]: tensor<4x8xf32>)
// CHECK-NEXT:    %[[R:.*]] = nn.relu %[[X]]
// CHECK-NEXT:    return %[[R]]
func.func @scale_one_between_relus(%x: tensor<4x8xf32>) -> tensor<4x8xf32> {
  %0 = nn.relu %x : tensor<4x8xf32> -> tensor<4x8xf32>
  %1 = nn.scale %0 {factor = 1.0 : f64} : tensor<4x8xf32> -> tensor<4x8xf32>
  %2 = nn.relu %1 : tensor<4x8xf32> -> tensor<4x8xf32>
  return %2 : tensor<4x8xf32>
}

// -----

// nn ops are pure: unused ones are erased.

// CHECK-LABEL: func.func @dead(
// CHECK-SAME:      %[[X:.*]]: tensor<4x8xf32>, %[[W:.*]]: tensor<3x8xf32>)
// CHECK-NEXT:    return %[[X]]
func.func @dead(%x: tensor<4x8xf32>, %w: tensor<3x8xf32>) -> tensor<4x8xf32> {
  %0 = nn.dense %x, %w : (tensor<4x8xf32>, tensor<3x8xf32>) -> tensor<4x3xf32>
  %1 = nn.relu %0 : tensor<4x3xf32> -> tensor<4x3xf32>
  %2:2 = nn.dense_backward_weights %x, %1 : (tensor<4x8xf32>, tensor<4x3xf32>) -> (tensor<3x8xf32>, tensor<3xf32>)
  return %x : tensor<4x8xf32>
}
