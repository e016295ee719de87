// RUN: nnc-opt %s -nn-lower-cpu -nn-outline-parallel | FileCheck %s

// A generated max_pool over the workspace (conv's output) becomes a kernel
// over a range of images, called through nnc_parallel_kernel with the arenas;
// its scratch rows are allocated inside the kernel, one set per thread. The
// second pool reads the function's input, which a kernel cannot rebuild
// from the arenas: it stays a sequential loop.
// CHECK-LABEL: func.func @eval_step(
// CHECK-SAME:      %[[CTX:[^:]*]]: !llvm.ptr, %[[STATE:[^:]*]]: memref<?xi8>, %[[WS:[^:]*]]: memref<?xi8>
// CHECK-SAME:      attributes {llvm.emit_c_interface, nn.lowered}
// CHECK:         call @nnc_cpu_conv2d_fwd
// CHECK:         %[[FN:.*]] = constant @eval_step_kernel0 : (memref<?xi8>, memref<?xi8>, memref<?xi8>, index, index) -> ()
// CHECK:         %[[PTR:.*]] = builtin.unrealized_conversion_cast %[[FN]]
// CHECK:         call @nnc_parallel_kernel(%[[CTX]], %c64_i64, %[[PTR]],
// CHECK:         scf.parallel
// CHECK-NOT:     call @nnc_parallel_kernel
// CHECK:         return
// CHECK-LABEL: func.func private @eval_step_kernel0(
// CHECK-SAME:      %[[KS:[^:]*]]: memref<?xi8>, %[[KW:[^:]*]]: memref<?xi8>, %[[KP:[^:]*]]: memref<?xi8>, %[[BEGIN:[^:]*]]: index, %[[END:[^:]*]]: index)
// CHECK:         memref.alloca() : memref<1xf32>
// CHECK:         memref.view %[[KW]]
// CHECK:         scf.parallel (%{{.*}}, %{{.*}}) = (%[[BEGIN]], %{{.*}}) to (%[[END]], %{{.*}})
// CHECK:         return
module {
  nn.parameter @c.weight : tensor<16x3x3x3xf32> {decay_mult = 1.0 : f64, init = "xavier()", lr_mult = 1.0 : f64}
  func.func @forward(%x: tensor<64x3x26x26xf32> {nn.input = "x"}, %w: tensor<16x3x3x3xf32> {nn.param = @c.weight})
      -> (tensor<64x16x12x12xf32>, tensor<64x3x13x13xf32>) {
    %0 = nn.conv2d %x, %w {dilation = array<i64: 1, 1>, groups = 1 : i64, pad = array<i64: 0, 0>, stride = array<i64: 1, 1>} : (tensor<64x3x26x26xf32>, tensor<16x3x3x3xf32>) -> tensor<64x16x24x24xf32>
    %1 = nn.max_pool %0 {ceil = false, kernel = array<i64: 2, 2>, pad = array<i64: 0, 0>, stride = array<i64: 2, 2>, nn.granularity = "fine"} : tensor<64x16x24x24xf32> -> tensor<64x16x12x12xf32>
    %2 = nn.max_pool %x {ceil = false, kernel = array<i64: 2, 2>, pad = array<i64: 0, 0>, stride = array<i64: 2, 2>, nn.granularity = "fine"} : tensor<64x3x26x26xf32> -> tensor<64x3x13x13xf32>
    return %1, %2 : tensor<64x16x12x12xf32>, tensor<64x3x13x13xf32>
  }
}
