// Generated code of batch_norm (granularity=fine). @eval_step normalizes
// with the running statistics (state views at 128 and 192), writes no state
// and keeps no mean or invstd (only y in the workspace). @train_step computes
// the batch mean and biased variance per channel, updates the running
// statistics in place (momentum 0.75; the variance unbiased by M / (M - 1) =
// 16 / 15), saves mean and invstd for batch_norm_backward, which stores
// dweight and dbias per channel and then dx.
// RUN: nnc-opt --nn-lower-cpu=granularity=fine %s | FileCheck %s
// RUN: nnc-opt --nn-lower-cpu %s -canonicalize | FileCheck %s --check-prefix=LIB

// The library path (the default): each function makes its own site, an
// inference one for @eval_step (site 1) and a training one for @train_step
// (site 0). The training call writes y (workspace 0), mean (192) and invstd
// (256), and updates the running statistics in the state arena (128, 192);
// the backward reads the same mean and writes dx (320), dweight (512) and
// dbias (576). Nothing is left of the generated loops.
// LIB-LABEL: func.func @eval_step(
// LIB-NOT:   scf.for
// LIB:       %[[ERMA:.*]] = arith.addi %{{.*}}, %c128_i64 : i64
// LIB-NEXT:  %[[ERM:.*]] = llvm.inttoptr %[[ERMA]]
// LIB:       %[[ERVA:.*]] = arith.addi %{{.*}}, %c192_i64 : i64
// LIB-NEXT:  %[[ERV:.*]] = llvm.inttoptr %[[ERVA]]
// LIB:       call @nnc_cpu_batch_norm_fwd_inference(%arg0, %c1_i64, %{{.*}}, %{{.*}}, %{{.*}}, %[[ERM]], %[[ERV]], %{{.*}})
// LIB-NOT:   scf.for
// LIB:       return
// LIB-LABEL: func.func @train_step(
// LIB-NOT:   scf.for
// LIB:       %[[MA:.*]] = arith.addi %{{.*}}, %c192_i64 : i64
// LIB-NEXT:  %[[MEAN:.*]] = llvm.inttoptr %[[MA]]
// LIB:       %[[IA:.*]] = arith.addi %{{.*}}, %c256_i64 : i64
// LIB-NEXT:  %[[INVSTD:.*]] = llvm.inttoptr %[[IA]]
// LIB:       %[[RMA:.*]] = arith.addi %{{.*}}, %c128_i64 : i64
// LIB-NEXT:  %[[RM:.*]] = llvm.inttoptr %[[RMA]]
// LIB:       %[[RVA:.*]] = arith.addi %{{.*}}, %c192_i64 : i64
// LIB-NEXT:  %[[RV:.*]] = llvm.inttoptr %[[RVA]]
// LIB-NEXT:  call @nnc_cpu_batch_norm_fwd_training(%arg0, %c0_i64, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %[[MEAN]], %[[INVSTD]], %[[RM]], %[[RV]])
// LIB:       %[[BMA:.*]] = arith.addi %{{.*}}, %c192_i64 : i64
// LIB-NEXT:  %[[BMEAN:.*]] = llvm.inttoptr %[[BMA]]
// LIB:       call @nnc_cpu_batch_norm_bwd(%arg0, %c0_i64, %{{.*}}, %{{.*}}, %{{.*}}, %[[BMEAN]], %{{.*}}, %{{.*}}, %{{.*}})
// LIB-NOT:   scf.for
// LIB:       return
// (n, c, h, w, eps as f32, momentum as the op's f64, affine, training, block, blocked)
// LIB-LABEL: func.func @init(
// LIB-DAG:   %[[EPS:.*]] = arith.constant 9.99999974E-6 : f32
// LIB-DAG:   %[[MOMENTUM:.*]] = arith.constant 7.500000e-01 : f64
// LIB:       call @nnc_cpu_batch_norm_init(%arg0, %c0_i64, %c4_i64, %c3_i64, %c2_i64, %c2_i64, %[[EPS]], %[[MOMENTUM]], %c1_i64, %c1_i64, %c0_i64, %c0_i64)
// LIB-NEXT:  call @nnc_cpu_batch_norm_init(%arg0, %c1_i64, %c4_i64, %c3_i64, %c2_i64, %c2_i64, %[[EPS]], %[[MOMENTUM]], %c1_i64, %c0_i64, %c0_i64, %c0_i64)

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
