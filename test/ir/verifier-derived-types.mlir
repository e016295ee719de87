// RUN: nnc-opt %s -split-input-file -verify-diagnostics

// Regression test (fixed) (missing verifiers): the backward ops spell out their result types and
// check none of them, so types that cannot come from autodiff verify and
// only go wrong later (nn-lower-cpu and the evaluator trust them).
// reduce_to checks shapes but not the element type (reshape does). Each case
// below should be rejected by its op's verifier; the messages are left to
// the fix, so only the op is matched.

func.func @reduce_to_element_type(%x: tensor<?x6xf32>) {
  // expected-error @+1 {{'nn.reduce_to' op}}
  %0 = nn.reduce_to %x : (tensor<?x6xf32>) -> tensor<6xf16>
  return
}

// -----

// The gradient, the forward input and the result have one type.
func.func @relu_backward_types(%g: tensor<2x3xf32>, %x: tensor<4x5xf32>) {
  // expected-error @+1 {{'nn.relu_backward' op}}
  %0 = nn.relu_backward %g, %x : (tensor<2x3xf32>, tensor<4x5xf32>) -> tensor<7xf32>
  return
}

// -----

// The result has the forward input's type.
func.func @max_pool_backward_result(%x: tensor<2x3x4x4xf32>, %g: tensor<2x3x2x2xf32>) {
  // expected-error @+1 {{'nn.max_pool_backward' op}}
  %0 = nn.max_pool_backward %x, %g {ceil = false, kernel = array<i64: 2, 2>, pad = array<i64: 0, 0>, stride = array<i64: 2, 2>} : (tensor<2x3x4x4xf32>, tensor<2x3x2x2xf32>) -> tensor<2x3x2x2xf32>
  return
}

// -----

// dx = dy w: [N, out] x [out, in] -> [N, in].
func.func @dense_backward_data_shapes(%g: tensor<4x5xf32>, %w: tensor<3x8xf32>) {
  // expected-error @+1 {{'nn.dense_backward_data' op}}
  %0 = nn.dense_backward_data %g, %w : (tensor<4x5xf32>, tensor<3x8xf32>) -> tensor<4x8xf32>
  return
}

// -----

// The bias gradient has one value per output channel.
func.func @conv2d_backward_filter_bias(%x: tensor<2x1x6x6xf32>, %g: tensor<2x4x4x4xf32>) {
  // expected-error @+1 {{'nn.conv2d_backward_filter' op}}
  %0:2 = nn.conv2d_backward_filter %x, %g {dilation = array<i64: 1, 1>, groups = 1 : i64, pad = array<i64: 0, 0>, stride = array<i64: 1, 1>} : (tensor<2x1x6x6xf32>, tensor<2x4x4x4xf32>) -> (tensor<4x1x3x3xf32>, tensor<7xf32>)
  return
}
