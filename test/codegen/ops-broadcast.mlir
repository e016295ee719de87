// Broadcasting elementwise ops read size-1 and missing dims through constant
// or dropped indexing-map results; reduce_to is a zero fill and a reduction
// over the broadcast dims; softmax is three loops per row along its axis
// (fine) or, on the library path, a call on its [outer, axis, inner] view
// ([2, 4, 1]; an inference site: nothing differentiates it).
// RUN: nnc-opt --nn-lower-cpu=granularity=fine %s | FileCheck %s
// RUN: nnc-opt --nn-lower-cpu %s | FileCheck %s --check-prefix=LIB

// LIB-LABEL: func.func @eval_step
// LIB-NOT:   math.exp
// LIB:       call @nnc_cpu_softmax_fwd(%arg0, %c0_i64,
// LIB-LABEL: func.func @init
// LIB:       call @nnc_cpu_softmax_init(%arg0, %c0_i64{{.*}}, %c2_i64, %c4_i64, %c1_i64, %c0_i64{{.*}})

// CHECK-DAG: #[[ID:.*]] = affine_map<(d0, d1) -> (d0, d1)>
// CHECK-DAG: #[[ROW:.*]] = affine_map<(d0, d1) -> (d1)>
// CHECK-DAG: #[[COL:.*]] = affine_map<(d0, d1) -> (d0, 0)>
// CHECK-DAG: #[[SCALAR:.*]] = affine_map<(d0, d1) -> ()>
// CHECK-LABEL: func.func @eval_step
// CHECK: linalg.generic {indexing_maps = [#[[ID]], #[[ROW]], #[[ID]]], iterator_types = ["parallel", "parallel"]}
// CHECK: arith.subf
// CHECK: linalg.generic {indexing_maps = [#[[ID]], #[[COL]], #[[ID]]], iterator_types = ["parallel", "parallel"]}
// CHECK: arith.divf
// CHECK: linalg.fill
// CHECK: linalg.generic {indexing_maps = [#[[ID]], #[[ROW]]], iterator_types = ["reduction", "parallel"]}
// CHECK: linalg.fill
// CHECK: linalg.generic {indexing_maps = [#[[ID]], #[[SCALAR]]], iterator_types = ["reduction", "reduction"]}
// CHECK: scf.for
// CHECK: arith.maximumf
// CHECK: math.exp
// CHECK: arith.mulf
func.func @forward(%a: tensor<2x4xf32> {nn.input = "a"}, %b: tensor<4xf32> {nn.input = "b"},
                   %c: tensor<2x1xf32> {nn.input = "c"})
    -> (tensor<2x4xf32>, tensor<4xf32>, tensor<f32>, tensor<2x4xf32>) {
  %0 = nn.sub %a, %b : tensor<2x4xf32>, tensor<4xf32> -> tensor<2x4xf32>
  %1 = nn.div %0, %c : tensor<2x4xf32>, tensor<2x1xf32> -> tensor<2x4xf32>
  %2 = nn.reduce_to %1 : (tensor<2x4xf32>) -> tensor<4xf32>
  %3 = nn.reduce_to %1 : (tensor<2x4xf32>) -> tensor<f32>
  %4 = nn.softmax %1 {axis = -1 : i64} : tensor<2x4xf32> -> tensor<2x4xf32>
  return %1, %2, %3, %4 : tensor<2x4xf32>, tensor<4xf32>, tensor<f32>, tensor<2x4xf32>
}
