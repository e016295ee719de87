// Generated code of the second op slice: avg_pool is a loop nest over the
// output with its window clipped by index arithmetic and divided by its
// padded extent; lrn is a oneDNN call (site created in @init), or with
// granularity=fine sums squares over the channel window and takes
// exp(-beta log(scale)); concat copies each operand into a subview;
// transpose is one linalg.generic reading through the inverse permutation;
// reshape is a view. Dropout in @eval_step is the identity (no call, the
// dense reads the input); in @train_step the runtime draws the mask from
// (seed, stream, step) read from hyper[1..3], then y = x * mask / (1 - rate).
// RUN: nnc-opt --nn-lower-cpu %s | FileCheck %s
// RUN: nnc-opt --nn-lower-cpu=granularity=fine %s | FileCheck %s --check-prefix=FINE
// FINE-LABEL: func.func @eval_step
// FINE-NOT: nnc_cpu_lrn
// FINE: math.log
// FINE: math.exp
// FINE-LABEL: func.func @train_step
// FINE-NOT: nnc_cpu_lrn
// FINE: return

// CHECK-DAG: #[[PERM:.*]] = affine_map<(d0, d1, d2, d3) -> (d0, d3, d1, d2)>
// CHECK-LABEL: func.func @eval_step
// CHECK-NOT: nnc_dropout_mask
// CHECK: arith.minsi
// CHECK: arith.maxsi
// CHECK: scf.for
// CHECK: arith.divf
// CHECK: call @nnc_cpu_lrn_fwd(
// CHECK: memref.subview %{{.*}}[0, 0, 0, 0] [2, 4, 3, 3] [1, 1, 1, 1]
// CHECK: linalg.generic
// CHECK: memref.subview %{{.*}}[0, 4, 0, 0] [2, 4, 3, 3] [1, 1, 1, 1]
// CHECK: linalg.generic
// CHECK: linalg.generic {indexing_maps = [#[[PERM]], #{{.*}}]
// CHECK-NOT: nnc_dropout_mask
// CHECK: return
// CHECK-LABEL: func.func @train_step
// CHECK-SAME: %[[HYPER:[a-z0-9]+]]: memref<?xf32>, %{{[a-z0-9]+}}: memref<?xf32>)
// CHECK: memref.load %[[HYPER]][%{{.*}}] : memref<?xf32>
// CHECK: arith.bitcast %{{.*}} : f32 to i32
// CHECK: call @nnc_dropout_mask(%{{.*}}, %c77_i64, %{{.*}}, %{{.*}}, %{{.*}}, %c64_i64, %{{.*}}) : (!llvm.ptr, i64, i64, i64, f32, i64, !llvm.ptr) -> ()
// CHECK: linalg.generic
// CHECK: arith.mulf
// CHECK: arith.constant 2.000000e+00 : f32
func.func @forward(%x: tensor<2x4x4x4xf32> {nn.input = "x"}) -> tensor<2x144xf32> {
  %a = nn.avg_pool %x {ceil = true, kernel = array<i64: 3, 3>, pad = array<i64: 1, 1>, stride = array<i64: 2, 2>} : tensor<2x4x4x4xf32> -> tensor<2x4x3x3xf32>
  %l = nn.lrn %a {alpha = 1.0e-02 : f64, beta = 7.5e-01 : f64, k = 2.0 : f64, size = 3 : i64} : tensor<2x4x3x3xf32> -> tensor<2x4x3x3xf32>
  %j = nn.concat %l, %a {axis = 1 : i64} : (tensor<2x4x3x3xf32>, tensor<2x4x3x3xf32>) -> tensor<2x8x3x3xf32>
  %t = nn.transpose %j {perm = array<i64: 0, 2, 3, 1>} : tensor<2x8x3x3xf32> -> tensor<2x3x3x8xf32>
  %r = nn.reshape %t : (tensor<2x3x3x8xf32>) -> tensor<2x72xf32>
  %d, %m = nn.dropout %r {rate = 0.5 : f64, stream = 77 : i64} : tensor<2x72xf32> -> tensor<2x72xf32>, tensor<2x72xf32>
  %s = nn.concat %d, %r {axis = 1 : i64} : (tensor<2x72xf32>, tensor<2x72xf32>) -> tensor<2x144xf32>
  return %s : tensor<2x144xf32>
}

func.func @train_step(%x: tensor<2x32xf32> {nn.input = "x"}) -> tensor<2x32xf32> {
  %d, %m = nn.dropout %x {rate = 0.5 : f64, stream = 77 : i64} : tensor<2x32xf32> -> tensor<2x32xf32>, tensor<2x32xf32>
  %g = nn.dropout_backward %d, %m {rate = 0.5 : f64} : (tensor<2x32xf32>, tensor<2x32xf32>) -> tensor<2x32xf32>
  return %g : tensor<2x32xf32>
}
