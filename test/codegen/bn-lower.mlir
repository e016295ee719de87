// Generated code of batch_norm. @eval_step normalizes with the running
// statistics (state views at 128 and 192), writes no state and keeps no
// mean or invstd (only y in the workspace). @train_step computes the batch
// mean and biased variance per channel, updates the running statistics in
// place (momentum 0.75; the variance unbiased by M / (M - 1) = 16 / 15),
// saves mean and invstd for batch_norm_backward, which stores dweight and
// dbias per channel and then dx.
// RUN: nnc-opt --nn-lower-cpu %s | FileCheck %s

// CHECK-LABEL: func.func @eval_step
// CHECK: %[[RM:.*]] = memref.view %arg1[%c128{{.*}}] : memref<?xi8> to memref<3xf32>
// CHECK: %[[RV:.*]] = memref.view %arg1[%c192{{.*}}] : memref<?xi8> to memref<3xf32>
// CHECK: memref.view %arg2[{{.*}}] : memref<?xi8> to memref<4x3x2x2xf32>
// CHECK-NOT: memref.view
// CHECK: scf.for %[[C:.*]] =
// CHECK: memref.load %[[RM]][%[[C]]]
// CHECK: memref.load %[[RV]][%[[C]]]
// CHECK: math.sqrt
// CHECK-NOT: memref.store %{{.*}}, %[[RM]]
// CHECK-NOT: memref.store %{{.*}}, %[[RV]]
// CHECK: return
// CHECK-LABEL: func.func @train_step
// CHECK: %[[TRM:.*]] = memref.view %arg1[%c128{{.*}}] : memref<?xi8> to memref<3xf32>
// CHECK: %[[TRV:.*]] = memref.view %arg1[%c192{{.*}}] : memref<?xi8> to memref<3xf32>
// CHECK: scf.for %[[TC:.*]] =
// CHECK: arith.constant 1.600000e+01 : f32
// CHECK: math.sqrt
// CHECK: memref.load %[[TRM]][%[[TC]]]
// CHECK: arith.constant 7.500000e-01 : f32
// CHECK: arith.constant 2.500000e-01 : f32
// CHECK: memref.store %{{.*}}, %[[TRM]][%[[TC]]]
// CHECK: arith.constant 1.06666672 : f32
// CHECK: memref.store %{{.*}}, %[[TRV]][%[[TC]]]
// CHECK: scf.for
// CHECK: memref.store
// The backward: a second loop over the channels.
// CHECK: scf.for
// CHECK: iter_args
// CHECK: memref.store
// CHECK: memref.store
// CHECK: return
module {
  nn.parameter @bn.weight : tensor<3xf32> {decay_mult = 1.0 : f64, init = "constant(value=1)", lr_mult = 1.0 : f64}
  nn.parameter @bn.bias : tensor<3xf32> {decay_mult = 1.0 : f64, init = "constant(value=0)", lr_mult = 1.0 : f64}
  nn.parameter @bn.running_mean : tensor<3xf32> {decay_mult = 1.0 : f64, frozen, init = "constant(value=0)", lr_mult = 1.0 : f64}
  nn.parameter @bn.running_var : tensor<3xf32> {decay_mult = 1.0 : f64, frozen, init = "constant(value=1)", lr_mult = 1.0 : f64}
  func.func @forward(%x: tensor<4x3x2x2xf32> {nn.input = "x"}, %w: tensor<3xf32> {nn.param = @bn.weight}, %b: tensor<3xf32> {nn.param = @bn.bias}, %rm: tensor<3xf32> {nn.param = @bn.running_mean}, %rv: tensor<3xf32> {nn.param = @bn.running_var}) -> tensor<4x3x2x2xf32> {
    %y, %mean, %invstd = nn.batch_norm %x, %w, %b, %rm, %rv {eps = 1.0e-05 : f64, momentum = 7.5e-01 : f64} : (tensor<4x3x2x2xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>) -> (tensor<4x3x2x2xf32>, tensor<3xf32>, tensor<3xf32>)
    return %y : tensor<4x3x2x2xf32>
  }
  func.func @train_step(%x: tensor<4x3x2x2xf32> {nn.input = "x"}, %w: tensor<3xf32> {nn.param = @bn.weight}, %b: tensor<3xf32> {nn.param = @bn.bias}, %rm: tensor<3xf32> {nn.param = @bn.running_mean}, %rv: tensor<3xf32> {nn.param = @bn.running_var}) -> (tensor<4x3x2x2xf32>, tensor<3xf32>, tensor<3xf32>) {
    %y, %mean, %invstd = nn.batch_norm %x, %w, %b, %rm, %rv {eps = 1.0e-05 : f64, momentum = 7.5e-01 : f64} : (tensor<4x3x2x2xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>) -> (tensor<4x3x2x2xf32>, tensor<3xf32>, tensor<3xf32>)
    %dx, %g:2 = nn.batch_norm_backward %y, %x, %w, %mean, %invstd : (tensor<4x3x2x2xf32>, tensor<4x3x2x2xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>) -> (tensor<4x3x2x2xf32>, tensor<3xf32>, tensor<3xf32>)
    return %dx, %g#0, %g#1 : tensor<4x3x2x2xf32>, tensor<3xf32>, tensor<3xf32>
  }
}
