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

// -----

// scale(scale(x, a), b) is one scale by a * b.

// CHECK-LABEL: func.func @scale_scale(
// CHECK-SAME:      %[[X:.*]]: tensor<?x8xf32>)
// CHECK-NEXT:    %[[S:.*]] = nn.scale %[[X]] {factor = 6.000000e+00 : f64} : tensor<?x8xf32> -> tensor<?x8xf32>
// CHECK-NEXT:    return %[[S]] : tensor<?x8xf32>
func.func @scale_scale(%x: tensor<?x8xf32>) -> tensor<?x8xf32> {
  %0 = nn.scale %x {factor = 2.0 : f64} : tensor<?x8xf32> -> tensor<?x8xf32>
  %1 = nn.scale %0 {factor = 3.0 : f64} : tensor<?x8xf32> -> tensor<?x8xf32>
  return %1 : tensor<?x8xf32>
}

// -----

// A chain of three folds to one; factors whose product is 1 fold away; an
// inner scale with another use stays for that use.

// CHECK-LABEL: func.func @scale_chain(
// CHECK-SAME:      %[[X:.*]]: tensor<4x8xf32>)
// CHECK-DAG:     %[[A:.*]] = nn.scale %[[X]] {factor = 2.000000e+00 : f64}
// CHECK-DAG:     %[[B:.*]] = nn.scale %[[X]] {factor = -1.000000e+00 : f64}
// CHECK-NOT:     nn.scale
// CHECK:         return %[[B]], %[[X]], %[[A]]
func.func @scale_chain(%x: tensor<4x8xf32>) -> (tensor<4x8xf32>, tensor<4x8xf32>, tensor<4x8xf32>) {
  %0 = nn.scale %x {factor = 2.0 : f64} : tensor<4x8xf32> -> tensor<4x8xf32>
  %1 = nn.scale %0 {factor = 0.25 : f64} : tensor<4x8xf32> -> tensor<4x8xf32>
  %2 = nn.scale %1 {factor = -2.0 : f64} : tensor<4x8xf32> -> tensor<4x8xf32>
  %3 = nn.scale %0 {factor = 0.5 : f64} : tensor<4x8xf32> -> tensor<4x8xf32>
  return %2, %3, %0 : tensor<4x8xf32>, tensor<4x8xf32>, tensor<4x8xf32>
}

// -----

// A scale of another op is not a scale of a scale.

// CHECK-LABEL: func.func @scale_of_relu(
// CHECK-SAME:      %[[X:.*]]: tensor<4x8xf32>)
// CHECK-NEXT:    %[[A:.*]] = nn.scale %[[X]] {factor = 2.000000e+00 : f64}
// CHECK-NEXT:    %[[R:.*]] = nn.relu %[[A]]
// CHECK-NEXT:    %[[B:.*]] = nn.scale %[[R]] {factor = 3.000000e+00 : f64}
// CHECK-NEXT:    return %[[B]]
func.func @scale_of_relu(%x: tensor<4x8xf32>) -> tensor<4x8xf32> {
  %0 = nn.scale %x {factor = 2.0 : f64} : tensor<4x8xf32> -> tensor<4x8xf32>
  %1 = nn.relu %0 : tensor<4x8xf32> -> tensor<4x8xf32>
  %2 = nn.scale %1 {factor = 3.0 : f64} : tensor<4x8xf32> -> tensor<4x8xf32>
  return %2 : tensor<4x8xf32>
}

// -----

// A reshape to the input's own type is the input.

// CHECK-LABEL: func.func @reshape_same_type(
// CHECK-SAME:      %[[X:.*]]: tensor<?x4x4xf32>)
// CHECK-NEXT:    return %[[X]] : tensor<?x4x4xf32>
func.func @reshape_same_type(%x: tensor<?x4x4xf32>) -> tensor<?x4x4xf32> {
  %0 = nn.reshape %x : (tensor<?x4x4xf32>) -> tensor<?x4x4xf32>
  return %0 : tensor<?x4x4xf32>
}

// -----

// reshape(reshape(x)) is one reshape of x.

// CHECK-LABEL: func.func @reshape_reshape(
// CHECK-SAME:      %[[X:.*]]: tensor<?x4x4xf32>)
// CHECK-NEXT:    %[[R:.*]] = nn.reshape %[[X]] : (tensor<?x4x4xf32>) -> tensor<?x2x8xf32>
// CHECK-NEXT:    return %[[R]] : tensor<?x2x8xf32>
func.func @reshape_reshape(%x: tensor<?x4x4xf32>) -> tensor<?x2x8xf32> {
  %0 = nn.reshape %x : (tensor<?x4x4xf32>) -> tensor<?x16xf32>
  %1 = nn.reshape %0 : (tensor<?x16xf32>) -> tensor<?x2x8xf32>
  return %1 : tensor<?x2x8xf32>
}

// -----

// Reshapes that come back to the input's type fold away entirely.

// CHECK-LABEL: func.func @reshape_round_trip(
// CHECK-SAME:      %[[X:.*]]: tensor<2x3x4xf32>)
// CHECK-NEXT:    return %[[X]] : tensor<2x3x4xf32>
func.func @reshape_round_trip(%x: tensor<2x3x4xf32>) -> tensor<2x3x4xf32> {
  %0 = nn.reshape %x : (tensor<2x3x4xf32>) -> tensor<24xf32>
  %1 = nn.reshape %0 : (tensor<24xf32>) -> tensor<6x4xf32>
  %2 = nn.reshape %1 : (tensor<6x4xf32>) -> tensor<2x3x4xf32>
  return %2 : tensor<2x3x4xf32>
}

// -----

// A reshape of another op, and a reshape that changes the type, stay.

// CHECK-LABEL: func.func @reshape_once(
// CHECK-SAME:      %[[X:.*]]: tensor<?x16xf32>)
// CHECK-NEXT:    %[[R:.*]] = nn.relu %[[X]]
// CHECK-NEXT:    %[[S:.*]] = nn.reshape %[[R]] : (tensor<?x16xf32>) -> tensor<?x4x4xf32>
// CHECK-NEXT:    return %[[S]]
func.func @reshape_once(%x: tensor<?x16xf32>) -> tensor<?x4x4xf32> {
  %0 = nn.relu %x : tensor<?x16xf32> -> tensor<?x16xf32>
  %1 = nn.reshape %0 : (tensor<?x16xf32>) -> tensor<?x4x4xf32>
  return %1 : tensor<?x4x4xf32>
}

// -----

// reshape(flatten(x)), flatten(reshape(x)) and flatten(flatten(x)) are one
// reshape of x, keeping the outer op's name; a single flatten stays.

// CHECK-LABEL: func.func @reshape_flatten_chains(
// CHECK-SAME:      %[[X:.*]]: tensor<?x2x3x4xf32>)
// CHECK-DAG:     %[[A:.*]] = nn.reshape %[[X]] : (tensor<?x2x3x4xf32>) -> tensor<?x4x6xf32>
// CHECK-DAG:     %[[B:.*]] = nn.reshape %[[X]] {nn.name = "b"} : (tensor<?x2x3x4xf32>) -> tensor<?x24xf32>
// CHECK-DAG:     %[[C:.*]] = nn.reshape %[[X]] : (tensor<?x2x3x4xf32>) -> tensor<?x24xf32>
// CHECK-DAG:     %[[D:.*]] = nn.flatten %[[X]] {axis = 2 : i64} : tensor<?x2x3x4xf32> -> tensor<?x2x12xf32>
// CHECK-NOT:     nn.flatten
// CHECK:         return %[[A]], %[[B]], %[[C]], %[[D]]
func.func @reshape_flatten_chains(%x: tensor<?x2x3x4xf32>) -> (tensor<?x4x6xf32>, tensor<?x24xf32>, tensor<?x24xf32>, tensor<?x2x12xf32>) {
  %0 = nn.flatten %x {axis = 1 : i64} : tensor<?x2x3x4xf32> -> tensor<?x24xf32>
  %a = nn.reshape %0 : (tensor<?x24xf32>) -> tensor<?x4x6xf32>
  %1 = nn.reshape %x : (tensor<?x2x3x4xf32>) -> tensor<?x6x4xf32>
  %b = nn.flatten %1 {axis = 1 : i64, nn.name = "b"} : tensor<?x6x4xf32> -> tensor<?x24xf32>
  %2 = nn.flatten %x {axis = 2 : i64} : tensor<?x2x3x4xf32> -> tensor<?x2x12xf32>
  %c = nn.flatten %2 {axis = 1 : i64} : tensor<?x2x12xf32> -> tensor<?x24xf32>
  return %a, %b, %c, %2 : tensor<?x4x6xf32>, tensor<?x24xf32>, tensor<?x24xf32>, tensor<?x2x12xf32>
}

// -----

// A flatten that collapses nothing is its input; a flatten of another op stays.

// CHECK-LABEL: func.func @flatten_noop(
// CHECK-SAME:      %[[X:.*]]: tensor<?x8xf32>, %[[Y:.*]]: tensor<?x2x4xf32>)
// CHECK-NEXT:    %[[R:.*]] = nn.relu %[[Y]]
// CHECK-NEXT:    %[[F:.*]] = nn.flatten %[[R]] {axis = 1 : i64}
// CHECK-NEXT:    return %[[X]], %[[F]]
func.func @flatten_noop(%x: tensor<?x8xf32>, %y: tensor<?x2x4xf32>) -> (tensor<?x8xf32>, tensor<?x8xf32>) {
  %0 = nn.flatten %x {axis = 1 : i64} : tensor<?x8xf32> -> tensor<?x8xf32>
  %r = nn.relu %y : tensor<?x2x4xf32> -> tensor<?x2x4xf32>
  %1 = nn.flatten %r {axis = 1 : i64} : tensor<?x2x4xf32> -> tensor<?x8xf32>
  return %0, %1 : tensor<?x8xf32>, tensor<?x8xf32>
}

// -----

// transpose(transpose(x, p), q) is one transpose by the composed permutation.

// CHECK-LABEL: func.func @transpose_transpose(
// CHECK-SAME:      %[[X:.*]]: tensor<2x3x4xf32>)
// CHECK-NEXT:    %[[T:.*]] = nn.transpose %[[X]] {perm = array<i64: 2, 1, 0>} : tensor<2x3x4xf32> -> tensor<4x3x2xf32>
// CHECK-NEXT:    return %[[T]] : tensor<4x3x2xf32>
func.func @transpose_transpose(%x: tensor<2x3x4xf32>) -> tensor<4x3x2xf32> {
  // [2, 3, 4] -> [3, 4, 2] -> [4, 3, 2]
  %0 = nn.transpose %x {perm = array<i64: 1, 2, 0>} : tensor<2x3x4xf32> -> tensor<3x4x2xf32>
  %1 = nn.transpose %0 {perm = array<i64: 1, 0, 2>} : tensor<3x4x2xf32> -> tensor<4x3x2xf32>
  return %1 : tensor<4x3x2xf32>
}

// -----

// Transposes whose composition is the identity fold away, and so does the
// identity permutation alone.

// CHECK-LABEL: func.func @transpose_identity(
// CHECK-SAME:      %[[X:.*]]: tensor<?x3x4xf32>)
// CHECK-NEXT:    return %[[X]], %[[X]]
func.func @transpose_identity(%x: tensor<?x3x4xf32>) -> (tensor<?x3x4xf32>, tensor<?x3x4xf32>) {
  %0 = nn.transpose %x {perm = array<i64: 0, 2, 1>} : tensor<?x3x4xf32> -> tensor<?x4x3xf32>
  %1 = nn.transpose %0 {perm = array<i64: 0, 2, 1>} : tensor<?x4x3xf32> -> tensor<?x3x4xf32>
  %2 = nn.transpose %x {perm = array<i64: 0, 1, 2>} : tensor<?x3x4xf32> -> tensor<?x3x4xf32>
  return %1, %2 : tensor<?x3x4xf32>, tensor<?x3x4xf32>
}

// -----

// A single non-identity transpose, and a transpose of another op, stay.

// CHECK-LABEL: func.func @transpose_once(
// CHECK-SAME:      %[[X:.*]]: tensor<2x3xf32>)
// CHECK-NEXT:    %[[T:.*]] = nn.transpose %[[X]] {perm = array<i64: 1, 0>}
// CHECK-NEXT:    %[[R:.*]] = nn.relu %[[T]]
// CHECK-NEXT:    %[[U:.*]] = nn.transpose %[[R]] {perm = array<i64: 1, 0>}
// CHECK-NEXT:    return %[[T]], %[[U]]
func.func @transpose_once(%x: tensor<2x3xf32>) -> (tensor<3x2xf32>, tensor<2x3xf32>) {
  %0 = nn.transpose %x {perm = array<i64: 1, 0>} : tensor<2x3xf32> -> tensor<3x2xf32>
  %1 = nn.relu %0 : tensor<3x2xf32> -> tensor<3x2xf32>
  %2 = nn.transpose %1 {perm = array<i64: 1, 0>} : tensor<3x2xf32> -> tensor<2x3xf32>
  return %0, %2 : tensor<3x2xf32>, tensor<2x3xf32>
}
