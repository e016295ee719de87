// RUN: nnc-opt %s -split-input-file -verify-diagnostics

// Verifier and inference errors of the activation, softmax and broadcasting ops.

func.func @softmax_axis(%x: tensor<?x4xf32>) {
  // expected-error @+2 {{softmax axis 2 is out of range [-2, 1] for f32[?, 4]}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = nn.softmax %x {axis = 2 : i64} : tensor<?x4xf32> -> tensor<?x4xf32>
  return
}

// -----

func.func @softmax_backward_axis(%dy: tensor<2x4xf32>, %y: tensor<2x4xf32>) {
  // expected-error @+1 {{'nn.softmax_backward' op axis must be in [0, rank)}}
  %0 = nn.softmax_backward %dy, %y {axis = -1 : i64} : (tensor<2x4xf32>, tensor<2x4xf32>) -> tensor<2x4xf32>
  return
}

// -----

func.func @sub_shapes(%a: tensor<2x4xf32>, %b: tensor<3xf32>) {
  // expected-error @+2 {{cannot broadcast f32[2, 4] and f32[3]: dimension 1 is 4 vs 3}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = nn.sub %a, %b : tensor<2x4xf32>, tensor<3xf32> -> tensor<2x4xf32>
  return
}

// -----

func.func @gelu_integer(%x: tensor<4xi32>) {
  // expected-error @+2 {{gelu expects a float input (f32, f16 or bf16), got i32[4]}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = nn.gelu %x : tensor<4xi32> -> tensor<4xi32>
  return
}
