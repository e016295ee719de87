// RUN: nnc-opt %s -split-input-file -verify-diagnostics

// Regression test (fixed): DenseOp::verify (ir/NNOps.cpp) reads the weight's dimension 1 without
// checking that the weight is 2-D, and it runs before result-type inference,
// so a 1-D weight reads past the shape: the error printed today is
// "'nn.dense' op weight expects 93909532438624 input features, the input has
// 6" (an out-of-bounds read; an assertion in a debug build). The verifier
// should leave a weight that is not 2-D to the inference, whose message
// already exists.

func.func @dense_weight_1d(%x: tensor<?x6xf32>, %w: tensor<6xf32>) {
  // expected-error @+2 {{dense weight must be 2-D [out, in]}}
  // expected-error @+1 {{'nn.dense' op failed to infer returned types}}
  %0 = nn.dense %x, %w : (tensor<?x6xf32>, tensor<6xf32>) -> tensor<?x4xf32>
  return
}

