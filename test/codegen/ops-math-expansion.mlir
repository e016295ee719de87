// math.tanh and math.erf have no LLVM lowering in MLIR 19: nn-lower-cpu
// expands them into polynomials, so none is left for convert-math-to-llvm.
// RUN: nnc-opt --nn-lower-cpu %s | FileCheck %s

// CHECK-LABEL: func.func @eval_step
// CHECK-NOT: math.tanh
// CHECK-NOT: math.erf
// CHECK: return
func.func @forward(%x: tensor<3x4xf32> {nn.input = "x"}, %dy: tensor<3x4xf32> {nn.input = "dy"})
    -> (tensor<3x4xf32>, tensor<3x4xf32>, tensor<3x4xf32>, tensor<3x4xf32>) {
  %0 = nn.tanh %x : tensor<3x4xf32> -> tensor<3x4xf32>
  %1 = nn.gelu %x : tensor<3x4xf32> -> tensor<3x4xf32>
  %2 = nn.tanh_backward %dy, %x : (tensor<3x4xf32>, tensor<3x4xf32>) -> tensor<3x4xf32>
  %3 = nn.gelu_backward %dy, %x : (tensor<3x4xf32>, tensor<3x4xf32>) -> tensor<3x4xf32>
  return %0, %1, %2, %3 : tensor<3x4xf32>, tensor<3x4xf32>, tensor<3x4xf32>, tensor<3x4xf32>
}
