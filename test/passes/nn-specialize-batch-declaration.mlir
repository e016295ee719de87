// RUN: nnc-opt %s -nn-specialize-batch=batch=4 | FileCheck %s

// Regression test (fixed): nn-specialize-batch rebuilds every function's type from its entry
// block's arguments, and a declaration has no entry block, so a declaration
// loses all its parameters: `@ext(tensor<?x3xf32>) -> tensor<?xf32>` becomes
// `@ext() -> tensor<4xf32>` (and a call to it then fails to verify with
// "incorrect number of operands for callee"). Declarations should be
// specialized from their function type.

// CHECK-LABEL: func.func private @ext(tensor<4x3xf32>, tensor<3xf32>) -> tensor<4xf32>
// CHECK-LABEL: func.func @forward(
// CHECK-SAME:      %[[X:.*]]: tensor<4x3xf32>, %[[B:.*]]: tensor<3xf32>) -> tensor<4xf32>
// CHECK-NEXT:    %[[Y:.*]] = call @ext(%[[X]], %[[B]]) : (tensor<4x3xf32>, tensor<3xf32>) -> tensor<4xf32>
// CHECK-NEXT:    return %[[Y]] : tensor<4xf32>
module {
  func.func private @ext(tensor<?x3xf32>, tensor<3xf32>) -> tensor<?xf32>
  func.func @forward(%x: tensor<?x3xf32>, %b: tensor<3xf32>) -> tensor<?xf32> {
    %0 = func.call @ext(%x, %b) : (tensor<?x3xf32>, tensor<3xf32>) -> tensor<?xf32>
    return %0 : tensor<?xf32>
  }
}
