// RUN: nnc-opt %s -split-input-file -nn-lower-cpu=granularity=coarse -verify-diagnostics | FileCheck %s
// RUN: nnc-opt %s -split-input-file -nn-lower-cpu=granularity=coarse -verify-diagnostics -canonicalize | FileCheck %s --check-prefix=INIT
// RUN: nnc-opt %s -split-input-file -nn-lower-cpu=granularity=coarse -verify-diagnostics | FileCheck %s --check-prefix=NONN

// Nothing of the nn dialect and no tensor is left.
// NONN-NOT: tensor<
// NONN-NOT: nn.parameter

// A small network after -nn-autodiff -nn-solver -nn-specialize-batch=batch=4:
// conv2d (bias) -> relu -> max_pool -> flatten -> dense -> scale -> loss and
// accuracy, on the library path (granularity=coarse) but for the relu (fine,
// so that it is not fused into the conv). Its parameters take 72, 8 and 96 bytes.

// The state arena: parameters in declaration order, then the velocities,
// each at a 64-byte aligned offset. The workspace is the larger of the two
// functions' plans. train_step's library sites are 0-2, eval_step's 3-5.
// CHECK-LABEL: module attributes {
// CHECK-SAME:      nn.manifest = [
// CHECK-SAME:        {init = "xavier()", kind = "param", name = "conv.weight", offset = 0 : i64, shape = array<i64: 2, 1, 3, 3>},
// CHECK-SAME:        {init = "constant(value=0)", kind = "param", name = "conv.bias", offset = 128 : i64, shape = array<i64: 2>},
// CHECK-SAME:        {init = "xavier()", kind = "param", name = "fc.weight", offset = 192 : i64, shape = array<i64: 3, 8>},
// CHECK-SAME:        {init = "constant(value=0)", kind = "solver", name = "conv.weight.velocity", offset = 320 : i64, shape = array<i64: 2, 1, 3, 3>},
// CHECK-SAME:        {init = "constant(value=0)", kind = "solver", name = "conv.bias.velocity", offset = 448 : i64, shape = array<i64: 2>},
// CHECK-SAME:        {init = "constant(value=0)", kind = "solver", name = "fc.weight.velocity", offset = 512 : i64, shape = array<i64: 3, 8>}],
// CHECK-SAME:      nn.sites = 6 : i64,
// CHECK-SAME:      nn.state_bytes = 640 : i64, nn.workspace_bytes = 2176 : i64}

// The runtime's entry points: ctx, site, then shapes or pointers.
// CHECK-DAG:   func.func private @nnc_cpu_conv2d_init(!llvm.ptr, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64)
// CHECK-DAG:   func.func private @nnc_cpu_conv2d_fwd(!llvm.ptr, i64, !llvm.ptr, !llvm.ptr, !llvm.ptr, !llvm.ptr)
// CHECK-DAG:   func.func private @nnc_cpu_conv2d_bwd_filter(!llvm.ptr, i64, !llvm.ptr, !llvm.ptr, !llvm.ptr, !llvm.ptr)
// CHECK-DAG:   func.func private @nnc_cpu_max_pool_init(!llvm.ptr, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64)
// CHECK-DAG:   func.func private @nnc_cpu_max_pool_fwd(!llvm.ptr, i64, !llvm.ptr, !llvm.ptr)
// CHECK-DAG:   func.func private @nnc_cpu_max_pool_bwd(!llvm.ptr, i64, !llvm.ptr, !llvm.ptr)
// CHECK-DAG:   func.func private @nnc_cpu_dense_init(!llvm.ptr, i64, i64, i64, i64, i64)
// CHECK-DAG:   func.func private @nnc_cpu_dense_fwd(!llvm.ptr, i64, !llvm.ptr, !llvm.ptr, !llvm.ptr, !llvm.ptr)
// CHECK-DAG:   func.func private @nnc_cpu_dense_bwd_data(!llvm.ptr, i64, !llvm.ptr, !llvm.ptr, !llvm.ptr)
// CHECK-DAG:   func.func private @nnc_cpu_dense_bwd_weights(!llvm.ptr, i64, !llvm.ptr, !llvm.ptr, !llvm.ptr, !llvm.ptr)

// @forward becomes @eval_step(ctx, state, workspace, inputs..., metrics).
// Its workspace: conv's output dies at the relu, so the pool's output reuses
// offset 0; the pool's dies at the dense op (through the flatten), so the
// scale's output reuses it too; the loss and accuracy then fill the gaps.
// CHECK-LABEL: func.func @eval_step(
// CHECK-SAME:      %[[CTX:[^:]*]]: !llvm.ptr, %[[STATE:[^:]*]]: memref<?xi8>, %[[WS:[^:]*]]: memref<?xi8>,
// CHECK-SAME:      %[[X:[^:]*]]: memref<4x1x6x6xf32>, %[[LABEL:[^:]*]]: memref<4xi32>, %[[METRICS:[^:]*]]: memref<?xf32>)
// CHECK-SAME:      attributes {llvm.emit_c_interface, nn.lowered} {
// CHECK:         memref.view %[[STATE]][%c0{{(_[0-9]+)?}}][] : memref<?xi8> to memref<2x1x3x3xf32>
// CHECK:         memref.view %[[STATE]][%c128{{(_[0-9]+)?}}][] : memref<?xi8> to memref<2xf32>
// CHECK:         memref.view %[[STATE]][%c192{{(_[0-9]+)?}}][] : memref<?xi8> to memref<3x8xf32>
// CHECK:         %[[CONV:.*]] = memref.view %[[WS]][%c0{{(_[0-9]+)?}}][] : memref<?xi8> to memref<4x2x4x4xf32>
// CHECK:         %[[RELU:.*]] = memref.view %[[WS]][%c512{{(_[0-9]+)?}}][] : memref<?xi8> to memref<4x2x4x4xf32>
// CHECK:         %[[POOL:.*]] = memref.view %[[WS]][%c0{{(_[0-9]+)?}}][] : memref<?xi8> to memref<4x2x2x2xf32>
// CHECK:         %[[DENSE:.*]] = memref.view %[[WS]][%c128{{(_[0-9]+)?}}][] : memref<?xi8> to memref<4x3xf32>
// CHECK:         %[[SCALE:.*]] = memref.view %[[WS]][%c0{{(_[0-9]+)?}}][] : memref<?xi8> to memref<4x3xf32>
// CHECK:         %[[LOSS:.*]] = memref.view %[[WS]][%c64{{(_[0-9]+)?}}][] : memref<?xi8> to memref<f32>
// CHECK:         %[[ACC:.*]] = memref.view %[[WS]][%c128{{(_[0-9]+)?}}][] : memref<?xi8> to memref<f32>
// CHECK-NOT:     memref.view
// CHECK:         %[[S3:.*]] = arith.constant 3 : i64
// CHECK-NEXT:    call @nnc_cpu_conv2d_fwd(%[[CTX]], %[[S3]],
// CHECK:         linalg.generic {{.*}} ins(%[[CONV]] : memref<4x2x4x4xf32>) outs(%[[RELU]] : memref<4x2x4x4xf32>)
// CHECK:         %[[S4:.*]] = arith.constant 4 : i64
// CHECK-NEXT:    call @nnc_cpu_max_pool_fwd(%[[CTX]], %[[S4]],
// CHECK:         %[[S5:.*]] = arith.constant 5 : i64
// CHECK-NEXT:    call @nnc_cpu_dense_fwd(%[[CTX]], %[[S5]],
// CHECK:         linalg.generic {{.*}} ins(%[[DENSE]] : memref<4x3xf32>) outs(%[[SCALE]] : memref<4x3xf32>)
// CHECK:         memref.store %{{.*}}, %[[LOSS]][] : memref<f32>
// CHECK:         memref.store %{{.*}}, %[[ACC]][] : memref<f32>
// Scalar outputs go to metrics[i].
// CHECK:         %[[L:.*]] = memref.load %[[LOSS]][] : memref<f32>
// CHECK-NEXT:    %[[I0:.*]] = arith.constant 0 : index
// CHECK-NEXT:    memref.store %[[L]], %[[METRICS]][%[[I0]]] : memref<?xf32>
// CHECK-NEXT:    %[[A:.*]] = memref.load %[[ACC]][] : memref<f32>
// CHECK-NEXT:    %[[I1:.*]] = arith.constant 1 : index
// CHECK-NEXT:    memref.store %[[A]], %[[METRICS]][%[[I1]]] : memref<?xf32>
// CHECK-NEXT:    return

// @train_step(ctx, state, workspace, inputs..., hyper, metrics).
// CHECK-LABEL: func.func @train_step(
// CHECK-SAME:      %[[CTX:[^:]*]]: !llvm.ptr, %[[STATE:[^:]*]]: memref<?xi8>, %[[WS:[^:]*]]: memref<?xi8>,
// CHECK-SAME:      %[[X:[^:]*]]: memref<4x1x6x6xf32>, %[[LABEL:[^:]*]]: memref<4xi32>,
// CHECK-SAME:      %[[HYPER:[^:]*]]: memref<?xf32>, %[[METRICS:[^:]*]]: memref<?xf32>)
// CHECK-SAME:      attributes {llvm.emit_c_interface, nn.lowered} {
// Parameters, the learning rate (hyper[0]) and the velocities.
// CHECK:         %[[W:.*]] = memref.view %[[STATE]][%c0{{(_[0-9]+)?}}][] : memref<?xi8> to memref<2x1x3x3xf32>
// CHECK:         %[[B:.*]] = memref.view %[[STATE]][%c128{{(_[0-9]+)?}}][] : memref<?xi8> to memref<2xf32>
// CHECK:         %[[FW:.*]] = memref.view %[[STATE]][%c192{{(_[0-9]+)?}}][] : memref<?xi8> to memref<3x8xf32>
// CHECK:         %[[LR:.*]] = memref.load %[[HYPER]][%{{.*}}] : memref<?xf32>
// The learning rate's slot follows the planned workspace (2112), where a
// parallel kernel can find it.
// CHECK-NEXT:    %[[C2112:.*]] = arith.constant 2112 : index
// CHECK-NEXT:    %[[LRSLOT:.*]] = memref.view %[[WS]][%[[C2112]]][] : memref<?xi8> to memref<f32>
// CHECK-NEXT:    memref.store %[[LR]], %[[LRSLOT]][] : memref<f32>
// CHECK:         %[[VW:.*]] = memref.view %[[STATE]][%c320{{(_[0-9]+)?}}][] : memref<?xi8> to memref<2x1x3x3xf32>
// CHECK:         %[[VB:.*]] = memref.view %[[STATE]][%c448{{(_[0-9]+)?}}][] : memref<?xi8> to memref<2xf32>
// CHECK:         %[[VFW:.*]] = memref.view %[[STATE]][%c512{{(_[0-9]+)?}}][] : memref<?xi8> to memref<3x8xf32>
// The workspace, first fit in order of definition. The dense output dies at
// the scale and the loss takes its place (1152); the scale's output dies at
// the loss gradient and the scaled gradient takes it (1216); the relu's dies
// at max_pool_backward and relu_backward's result takes it (512); the conv
// output lives until relu_backward, so the filter gradient comes after it
// (0). Values alive at once never share.
// CHECK:         %[[CONV:.*]] = memref.view %[[WS]][%c0{{(_[0-9]+)?}}][] : memref<?xi8> to memref<4x2x4x4xf32>
// CHECK:         %[[RELU:.*]] = memref.view %[[WS]][%c512{{(_[0-9]+)?}}][] : memref<?xi8> to memref<4x2x4x4xf32>
// CHECK:         %[[POOL:.*]] = memref.view %[[WS]][%c1024{{(_[0-9]+)?}}][] : memref<?xi8> to memref<4x2x2x2xf32>
// CHECK:         %[[DENSE:.*]] = memref.view %[[WS]][%c1152{{(_[0-9]+)?}}][] : memref<?xi8> to memref<4x3xf32>
// CHECK:         %[[SCALE:.*]] = memref.view %[[WS]][%c1216{{(_[0-9]+)?}}][] : memref<?xi8> to memref<4x3xf32>
// CHECK:         %[[LOSS:.*]] = memref.view %[[WS]][%c1152{{(_[0-9]+)?}}][] : memref<?xi8> to memref<f32>
// CHECK:         %[[ACC:.*]] = memref.view %[[WS]][%c1280{{(_[0-9]+)?}}][] : memref<?xi8> to memref<f32>
// CHECK:         %[[SEED:.*]] = memref.view %[[WS]][%c1344{{(_[0-9]+)?}}][] : memref<?xi8> to memref<f32>
// CHECK:         %[[DLOGITS:.*]] = memref.view %[[WS]][%c1408{{(_[0-9]+)?}}][] : memref<?xi8> to memref<4x3xf32>
// CHECK:         %[[DSCALE:.*]] = memref.view %[[WS]][%c1216{{(_[0-9]+)?}}][] : memref<?xi8> to memref<4x3xf32>
// CHECK:         %[[DFLAT:.*]] = memref.view %[[WS]][%c1344{{(_[0-9]+)?}}][] : memref<?xi8> to memref<4x8xf32>
// CHECK:         %[[DFW:.*]] = memref.view %[[WS]][%c1472{{(_[0-9]+)?}}][] : memref<?xi8> to memref<3x8xf32>
// CHECK:         %[[DPOOL:.*]] = memref.view %[[WS]][%c1600{{(_[0-9]+)?}}][] : memref<?xi8> to memref<4x2x4x4xf32>
// CHECK:         %[[DRELU:.*]] = memref.view %[[WS]][%c512{{(_[0-9]+)?}}][] : memref<?xi8> to memref<4x2x4x4xf32>
// CHECK:         %[[DW:.*]] = memref.view %[[WS]][%c0{{(_[0-9]+)?}}][] : memref<?xi8> to memref<2x1x3x3xf32>
// CHECK:         %[[DB:.*]] = memref.view %[[WS]][%c128{{(_[0-9]+)?}}][] : memref<?xi8> to memref<2xf32>
// CHECK-NOT:     memref.view
// Runtime calls address the arenas' pointers plus the planned offsets.
// CHECK:         %[[XI:.*]] = memref.extract_aligned_pointer_as_index %[[X]] : memref<4x1x6x6xf32> -> index
// CHECK-NEXT:    %[[XI64:.*]] = arith.index_cast %[[XI]] : index to i64
// CHECK-NEXT:    %[[XP:.*]] = llvm.inttoptr %[[XI64]] : i64 to !llvm.ptr
// CHECK-NEXT:    %[[WI:.*]] = memref.extract_aligned_pointer_as_index %[[STATE]] : memref<?xi8> -> index
// CHECK-NEXT:    %[[WI64:.*]] = arith.index_cast %[[WI]] : index to i64
// CHECK-NEXT:    %[[WP:.*]] = llvm.inttoptr %[[WI64]] : i64 to !llvm.ptr
// CHECK-NEXT:    %[[BI:.*]] = memref.extract_aligned_pointer_as_index %[[STATE]] : memref<?xi8> -> index
// CHECK-NEXT:    %[[BI64:.*]] = arith.index_cast %[[BI]] : index to i64
// CHECK-NEXT:    %[[BOFF:.*]] = arith.constant 128 : i64
// CHECK-NEXT:    %[[BA:.*]] = arith.addi %[[BI64]], %[[BOFF]] : i64
// CHECK-NEXT:    %[[BP:.*]] = llvm.inttoptr %[[BA]] : i64 to !llvm.ptr
// CHECK-NEXT:    %[[YI:.*]] = memref.extract_aligned_pointer_as_index %[[WS]] : memref<?xi8> -> index
// CHECK-NEXT:    %[[YI64:.*]] = arith.index_cast %[[YI]] : index to i64
// CHECK-NEXT:    %[[YP:.*]] = llvm.inttoptr %[[YI64]] : i64 to !llvm.ptr
// CHECK-NEXT:    %[[S0:.*]] = arith.constant 0 : i64
// CHECK-NEXT:    call @nnc_cpu_conv2d_fwd(%[[CTX]], %[[S0]], %[[XP]], %[[WP]], %[[BP]], %[[YP]]) : (!llvm.ptr, i64, !llvm.ptr, !llvm.ptr, !llvm.ptr, !llvm.ptr) -> ()
// CHECK:         linalg.generic {{.*}} ins(%[[CONV]] : memref<4x2x4x4xf32>) outs(%[[RELU]] : memref<4x2x4x4xf32>)
// CHECK:         %[[S1:.*]] = arith.constant 1 : i64
// CHECK-NEXT:    call @nnc_cpu_max_pool_fwd(%[[CTX]], %[[S1]],
// A dense op without a bias passes a null bias pointer.
// CHECK:         %[[NULL:.*]] = llvm.mlir.zero : !llvm.ptr
// CHECK:         %[[S2:.*]] = arith.constant 2 : i64
// CHECK-NEXT:    call @nnc_cpu_dense_fwd(%[[CTX]], %[[S2]], %{{.*}}, %{{.*}}, %[[NULL]], %{{.*}})
// CHECK:         linalg.generic {{.*}} ins(%[[DENSE]] : memref<4x3xf32>) outs(%[[SCALE]] : memref<4x3xf32>)
// CHECK:         memref.store %{{.*}}, %[[LOSS]][] : memref<f32>
// CHECK:         memref.store %{{.*}}, %[[ACC]][] : memref<f32>
// The loss gradient's seed.
// CHECK:         %[[ONE:.*]] = arith.constant 1.000000e+00 : f32
// CHECK-NEXT:    linalg.fill ins(%[[ONE]] : f32) outs(%[[SEED]] : memref<f32>)
// CHECK:         memref.store %{{.*}}, %[[DLOGITS]][%{{.*}}, %{{.*}}] : memref<4x3xf32>
// CHECK:         linalg.generic {{.*}} ins(%[[DLOGITS]] : memref<4x3xf32>) outs(%[[DSCALE]] : memref<4x3xf32>)
// Backward library calls reuse their forward op's site.
// CHECK:         %[[S2:.*]] = arith.constant 2 : i64
// CHECK-NEXT:    call @nnc_cpu_dense_bwd_data(%[[CTX]], %[[S2]],
// CHECK:         %[[NOBIAS:.*]] = llvm.mlir.zero : !llvm.ptr
// CHECK-NEXT:    %[[S2:.*]] = arith.constant 2 : i64
// CHECK-NEXT:    call @nnc_cpu_dense_bwd_weights(%[[CTX]], %[[S2]], %{{.*}}, %{{.*}}, %{{.*}}, %[[NOBIAS]])
// CHECK:         %[[S1:.*]] = arith.constant 1 : i64
// CHECK-NEXT:    call @nnc_cpu_max_pool_bwd(%[[CTX]], %[[S1]],
// relu_backward takes the gradient and the forward input.
// CHECK:         linalg.generic {{.*}} ins(%[[DPOOL]], %[[CONV]] : memref<4x2x4x4xf32>, memref<4x2x4x4xf32>) outs(%[[DRELU]] : memref<4x2x4x4xf32>)
// CHECK:         %[[S0:.*]] = arith.constant 0 : i64
// CHECK-NEXT:    call @nnc_cpu_conv2d_bwd_filter(%[[CTX]], %[[S0]],
// The SGD updates write the parameters and velocities in place.
// CHECK:         memref.load %[[LRSLOT]][] : memref<f32>
// CHECK:         linalg.generic {{.*}} ins(%[[DW]] : memref<2x1x3x3xf32>) outs(%[[W]], %[[VW]] : memref<2x1x3x3xf32>, memref<2x1x3x3xf32>)
// CHECK:         memref.load %[[LRSLOT]][] : memref<f32>
// CHECK:         linalg.generic {{.*}} ins(%[[DB]] : memref<2xf32>) outs(%[[B]], %[[VB]] : memref<2xf32>, memref<2xf32>)
// CHECK:         memref.load %[[LRSLOT]][] : memref<f32>
// CHECK:         linalg.generic {{.*}} ins(%[[DFW]] : memref<3x8xf32>) outs(%[[FW]], %[[VFW]] : memref<3x8xf32>, memref<3x8xf32>)
// CHECK:         %[[L:.*]] = memref.load %[[LOSS]][] : memref<f32>
// CHECK-NEXT:    %[[I0:.*]] = arith.constant 0 : index
// CHECK-NEXT:    memref.store %[[L]], %[[METRICS]][%[[I0]]] : memref<?xf32>
// CHECK-NEXT:    %[[A:.*]] = memref.load %[[ACC]][] : memref<f32>
// CHECK-NEXT:    %[[I1:.*]] = arith.constant 1 : index
// CHECK-NEXT:    memref.store %[[A]], %[[METRICS]][%[[I1]]] : memref<?xf32>
// CHECK-NEXT:    return

// @init creates every site once, with its shapes: conv2d (n, c, h, w, out,
// kh, kw, sh, sw, ph, pw, dh, dw, groups, has_bias, relu, block, blocked),
// max_pool (n, c, h, w, kh, kw, sh, sw, pt, pl, pb, pr, block, blocked), dense
// (n, in, out, has_bias); without channel-block, every layout is plain.
// CHECK-LABEL: func.func @init(
// CHECK-SAME:      %{{.*}}: !llvm.ptr) attributes {llvm.emit_c_interface}
// INIT-LABEL: func.func @init(
// INIT-SAME:      %[[CTX:.*]]: !llvm.ptr)
// INIT:         call @nnc_cpu_conv2d_init(%[[CTX]], %c0_i64, %c4_i64, %c1_i64, %c6_i64, %c6_i64, %c2_i64, %c3_i64, %c3_i64, %c1_i64, %c1_i64, %c0_i64, %c0_i64, %c1_i64, %c1_i64, %c1_i64, %c1_i64, %c0_i64, %c0_i64, %c0_i64)
// INIT-NEXT:    call @nnc_cpu_max_pool_init(%[[CTX]], %c1_i64, %c4_i64, %c2_i64, %c4_i64, %c4_i64, %c2_i64, %c2_i64, %c2_i64, %c2_i64, %c0_i64, %c0_i64, %c0_i64, %c0_i64, %c0_i64, %c0_i64)
// INIT-NEXT:    call @nnc_cpu_dense_init(%[[CTX]], %c2_i64, %c4_i64, %c8_i64, %c3_i64, %c0_i64)
// INIT-NEXT:    call @nnc_cpu_conv2d_init(%[[CTX]], %c3_i64, %c4_i64, %c1_i64, %c6_i64, %c6_i64, %c2_i64, %c3_i64, %c3_i64, %c1_i64, %c1_i64, %c0_i64, %c0_i64, %c1_i64, %c1_i64, %c1_i64, %c1_i64, %c0_i64, %c0_i64, %c0_i64)
// INIT-NEXT:    call @nnc_cpu_max_pool_init(%[[CTX]], %c4_i64, %c4_i64, %c2_i64, %c4_i64, %c4_i64, %c2_i64, %c2_i64, %c2_i64, %c2_i64, %c0_i64, %c0_i64, %c0_i64, %c0_i64, %c0_i64, %c0_i64)
// INIT-NEXT:    call @nnc_cpu_dense_init(%[[CTX]], %c5_i64, %c4_i64, %c8_i64, %c3_i64, %c0_i64)
// INIT-NEXT:    return
module attributes {nn.solver = {method = "sgd", momentum = 9.000000e-01 : f64}} {
  nn.parameter @conv.weight : tensor<2x1x3x3xf32> {decay_mult = 1.000000e+00 : f64, init = "xavier()", lr_mult = 1.000000e+00 : f64}
  nn.parameter @conv.bias : tensor<2xf32> {decay_mult = 1.000000e+00 : f64, init = "constant(value=0)", lr_mult = 2.000000e+00 : f64}
  nn.parameter @fc.weight : tensor<3x8xf32> {decay_mult = 1.000000e+00 : f64, init = "xavier()", lr_mult = 1.000000e+00 : f64}
  func.func @forward(%arg0: tensor<4x1x6x6xf32> {nn.input = "x"}, %arg1: tensor<4xi32> {nn.input = "label"}, %arg2: tensor<2x1x3x3xf32> {nn.param = @conv.weight}, %arg3: tensor<2xf32> {nn.param = @conv.bias}, %arg4: tensor<3x8xf32> {nn.param = @fc.weight}) -> (tensor<f32>, tensor<f32>) attributes {nn.loss = 0 : i64} {
    %0 = nn.conv2d %arg0, %arg2, %arg3 {dilation = array<i64: 1, 1>, groups = 1 : i64, pad = array<i64: 0, 0>, stride = array<i64: 1, 1>} : (tensor<4x1x6x6xf32>, tensor<2x1x3x3xf32>, tensor<2xf32>) -> tensor<4x2x4x4xf32>
    %1 = nn.relu %0 {nn.granularity = "fine"} : tensor<4x2x4x4xf32> -> tensor<4x2x4x4xf32>
    %2 = nn.max_pool %1 {ceil = false, kernel = array<i64: 2, 2>, pad = array<i64: 0, 0>, stride = array<i64: 2, 2>} : tensor<4x2x4x4xf32> -> tensor<4x2x2x2xf32>
    %3 = nn.flatten %2 {axis = 1 : i64} : tensor<4x2x2x2xf32> -> tensor<4x8xf32>
    %4 = nn.dense %3, %arg4 : (tensor<4x8xf32>, tensor<3x8xf32>) -> tensor<4x3xf32>
    %5 = nn.scale %4 {factor = 2.000000e+00 : f64} : tensor<4x3xf32> -> tensor<4x3xf32>
    %6 = nn.softmax_cross_entropy %5, %arg1 : tensor<4x3xf32>, tensor<4xi32> -> tensor<f32>
    %7 = nn.accuracy %5, %arg1 {top_k = 1 : i64} : tensor<4x3xf32>, tensor<4xi32> -> tensor<f32>
    return %6, %7 : tensor<f32>, tensor<f32>
  }
  func.func @train_step(%arg0: tensor<4x1x6x6xf32> {nn.input = "x"}, %arg1: tensor<4xi32> {nn.input = "label"}, %arg2: tensor<2x1x3x3xf32> {nn.param = @conv.weight}, %arg3: tensor<2xf32> {nn.param = @conv.bias}, %arg4: tensor<3x8xf32> {nn.param = @fc.weight}, %arg5: tensor<f32> {nn.hyper = "lr"}, %arg6: tensor<2x1x3x3xf32> {nn.state = "velocity", nn.state_of = @conv.weight}, %arg7: tensor<2xf32> {nn.state = "velocity", nn.state_of = @conv.bias}, %arg8: tensor<3x8xf32> {nn.state = "velocity", nn.state_of = @fc.weight}) -> (tensor<f32>, tensor<f32>, tensor<2x1x3x3xf32>, tensor<2xf32>, tensor<3x8xf32>, tensor<2x1x3x3xf32>, tensor<2xf32>, tensor<3x8xf32>) attributes {nn.loss = 0 : i64, nn.updates = array<i64: -1, -1, 2, 3, 4, 6, 7, 8>} {
    %0 = nn.conv2d %arg0, %arg2, %arg3 {dilation = array<i64: 1, 1>, groups = 1 : i64, pad = array<i64: 0, 0>, stride = array<i64: 1, 1>} : (tensor<4x1x6x6xf32>, tensor<2x1x3x3xf32>, tensor<2xf32>) -> tensor<4x2x4x4xf32>
    %1 = nn.relu %0 {nn.granularity = "fine"} : tensor<4x2x4x4xf32> -> tensor<4x2x4x4xf32>
    %2 = nn.max_pool %1 {ceil = false, kernel = array<i64: 2, 2>, pad = array<i64: 0, 0>, stride = array<i64: 2, 2>} : tensor<4x2x4x4xf32> -> tensor<4x2x2x2xf32>
    %3 = nn.flatten %2 {axis = 1 : i64} : tensor<4x2x2x2xf32> -> tensor<4x8xf32>
    %4 = nn.dense %3, %arg4 : (tensor<4x8xf32>, tensor<3x8xf32>) -> tensor<4x3xf32>
    %5 = nn.scale %4 {factor = 2.000000e+00 : f64} : tensor<4x3xf32> -> tensor<4x3xf32>
    %6 = nn.softmax_cross_entropy %5, %arg1 : tensor<4x3xf32>, tensor<4xi32> -> tensor<f32>
    %7 = nn.accuracy %5, %arg1 {top_k = 1 : i64} : tensor<4x3xf32>, tensor<4xi32> -> tensor<f32>
    %cst = arith.constant dense<1.000000e+00> : tensor<f32>
    %8 = nn.softmax_cross_entropy_backward %5, %arg1, %cst : (tensor<4x3xf32>, tensor<4xi32>, tensor<f32>) -> tensor<4x3xf32>
    %9 = nn.scale %8 {factor = 2.000000e+00 : f64} : tensor<4x3xf32> -> tensor<4x3xf32>
    %10 = nn.dense_backward_data %9, %arg4 : (tensor<4x3xf32>, tensor<3x8xf32>) -> tensor<4x8xf32>
    %weight_grad = nn.dense_backward_weights %3, %9 : (tensor<4x8xf32>, tensor<4x3xf32>) -> tensor<3x8xf32>
    %11 = nn.reshape %10 : (tensor<4x8xf32>) -> tensor<4x2x2x2xf32>
    %12 = nn.max_pool_backward %1, %11 {ceil = false, kernel = array<i64: 2, 2>, pad = array<i64: 0, 0>, stride = array<i64: 2, 2>} : (tensor<4x2x4x4xf32>, tensor<4x2x2x2xf32>) -> tensor<4x2x4x4xf32>
    %13 = nn.relu_backward %12, %0 {nn.granularity = "fine"} : (tensor<4x2x4x4xf32>, tensor<4x2x4x4xf32>) -> tensor<4x2x4x4xf32>
    %weight_grad_0, %bias_grad = nn.conv2d_backward_filter %arg0, %13 {dilation = array<i64: 1, 1>, groups = 1 : i64, pad = array<i64: 0, 0>, stride = array<i64: 1, 1>} : (tensor<4x1x6x6xf32>, tensor<4x2x4x4xf32>) -> (tensor<2x1x3x3xf32>, tensor<2xf32>)
    %new_param, %new_velocity = nn.sgd_update %arg2, %weight_grad_0, %arg6, %arg5 {decay_mult = 1.000000e+00 : f64, lr_mult = 1.000000e+00 : f64, momentum = 9.000000e-01 : f64, nesterov = false, weight_decay = 0.000000e+00 : f64} : (tensor<2x1x3x3xf32>, tensor<2x1x3x3xf32>, tensor<2x1x3x3xf32>, tensor<f32>) -> (tensor<2x1x3x3xf32>, tensor<2x1x3x3xf32>)
    %new_param_1, %new_velocity_2 = nn.sgd_update %arg3, %bias_grad, %arg7, %arg5 {decay_mult = 1.000000e+00 : f64, lr_mult = 2.000000e+00 : f64, momentum = 9.000000e-01 : f64, nesterov = false, weight_decay = 0.000000e+00 : f64} : (tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<f32>) -> (tensor<2xf32>, tensor<2xf32>)
    %new_param_3, %new_velocity_4 = nn.sgd_update %arg4, %weight_grad, %arg8, %arg5 {decay_mult = 1.000000e+00 : f64, lr_mult = 1.000000e+00 : f64, momentum = 9.000000e-01 : f64, nesterov = false, weight_decay = 0.000000e+00 : f64} : (tensor<3x8xf32>, tensor<3x8xf32>, tensor<3x8xf32>, tensor<f32>) -> (tensor<3x8xf32>, tensor<3x8xf32>)
    return %6, %7, %new_param, %new_param_1, %new_param_3, %new_velocity, %new_velocity_2, %new_velocity_4 : tensor<f32>, tensor<f32>, tensor<2x1x3x3xf32>, tensor<2xf32>, tensor<3x8xf32>, tensor<2x1x3x3xf32>, tensor<2xf32>, tensor<3x8xf32>
  }
}


// -----

// The state arena follows the nn.parameter declarations, not the argument
// order; a frozen parameter is "running" state with no velocity; the solver's
// state (kind "solver", "<param>.<state>") follows @train_step's arguments. 3, 20 and 2 floats take 64, 128 and 64
// bytes. Without inputs, @train_step is (ctx, state, workspace, hyper,
// metrics).

// CHECK-LABEL: module attributes {
// CHECK-SAME:      nn.manifest = [
// CHECK-SAME:        {init = "constant(value=0)", kind = "param", name = "second", offset = 0 : i64, shape = array<i64: 3>},
// CHECK-SAME:        {init = "xavier()", kind = "param", name = "first", offset = 64 : i64, shape = array<i64: 20>},
// CHECK-SAME:        {init = "constant(value=1)", kind = "running", name = "stats", offset = 192 : i64, shape = array<i64: 2>},
// CHECK-SAME:        {init = "constant(value=0)", kind = "solver", name = "first.velocity", offset = 256 : i64, shape = array<i64: 20>},
// CHECK-SAME:        {init = "constant(value=0)", kind = "solver", name = "second.velocity", offset = 384 : i64, shape = array<i64: 3>}],
// CHECK-SAME:      nn.sites = 0 : i64, nn.state_bytes = 448 : i64, nn.workspace_bytes = 320 : i64}
// CHECK-LABEL: func.func @train_step(
// CHECK-SAME:      %{{.*}}: !llvm.ptr, %[[STATE:[^:]*]]: memref<?xi8>, %[[WS:[^:]*]]: memref<?xi8>, %[[HYPER:[^:]*]]: memref<?xf32>, %[[METRICS:[^:]*]]: memref<?xf32>)
// CHECK:         %[[FIRST:.*]] = memref.view %[[STATE]][%c64{{(_[0-9]+)?}}][] : memref<?xi8> to memref<20xf32>
// CHECK:         memref.view %[[STATE]][%c192{{(_[0-9]+)?}}][] : memref<?xi8> to memref<2xf32>
// CHECK:         %[[SECOND:.*]] = memref.view %[[STATE]][%c0{{(_[0-9]+)?}}][] : memref<?xi8> to memref<3xf32>
// CHECK:         memref.load %[[HYPER]]
// CHECK:         %[[VFIRST:.*]] = memref.view %[[STATE]][%c256{{(_[0-9]+)?}}][] : memref<?xi8> to memref<20xf32>
// CHECK:         %[[VSECOND:.*]] = memref.view %[[STATE]][%c384{{(_[0-9]+)?}}][] : memref<?xi8> to memref<3xf32>
// CHECK:         linalg.generic {{.*}} outs(%[[FIRST]], %[[VFIRST]] : memref<20xf32>, memref<20xf32>)
// CHECK:         linalg.generic {{.*}} outs(%[[SECOND]], %[[VSECOND]] : memref<3xf32>, memref<3xf32>)
// No library op, no site: @init is empty.
// INIT-LABEL:  func.func @init(
// INIT-NEXT:     return
module {
  nn.parameter @second : tensor<3xf32> {decay_mult = 1.0 : f64, init = "constant(value=0)", lr_mult = 1.0 : f64}
  nn.parameter @first : tensor<20xf32> {decay_mult = 1.0 : f64, init = "xavier()", lr_mult = 1.0 : f64}
  nn.parameter @stats : tensor<2xf32> {decay_mult = 0.0 : f64, frozen, init = "constant(value=1)", lr_mult = 0.0 : f64}
  func.func @train_step(%first: tensor<20xf32> {nn.param = @first}, %stats: tensor<2xf32> {nn.param = @stats}, %second: tensor<3xf32> {nn.param = @second},
                        %lr: tensor<f32> {nn.hyper = "lr"}, %vf: tensor<20xf32> {nn.state = "velocity", nn.state_of = @first}, %vs: tensor<3xf32> {nn.state = "velocity", nn.state_of = @second})
      -> (tensor<f32>, tensor<20xf32>, tensor<3xf32>, tensor<20xf32>, tensor<3xf32>) attributes {nn.loss = 0 : i64, nn.updates = array<i64: -1, 0, 2, 4, 5>} {
    %loss = arith.constant dense<0.0> : tensor<f32>
    %gf = arith.constant dense<0.5> : tensor<20xf32>
    %gs = arith.constant dense<0.25> : tensor<3xf32>
    %nf, %nvf = nn.sgd_update %first, %gf, %vf, %lr {decay_mult = 1.0 : f64, lr_mult = 1.0 : f64, momentum = 0.9 : f64, nesterov = false, weight_decay = 0.0 : f64} : (tensor<20xf32>, tensor<20xf32>, tensor<20xf32>, tensor<f32>) -> (tensor<20xf32>, tensor<20xf32>)
    %ns, %nvs = nn.sgd_update %second, %gs, %vs, %lr {decay_mult = 1.0 : f64, lr_mult = 1.0 : f64, momentum = 0.9 : f64, nesterov = false, weight_decay = 0.0 : f64} : (tensor<3xf32>, tensor<3xf32>, tensor<3xf32>, tensor<f32>) -> (tensor<3xf32>, tensor<3xf32>)
    return %loss, %nf, %ns, %nvf, %nvs : tensor<f32>, tensor<20xf32>, tensor<3xf32>, tensor<20xf32>, tensor<3xf32>
  }
}

// -----

// Shape arguments in order, on non-square shapes: a grouped, strided, padded,
// dilated convolution with a bias (3x2x7x9 -> 3x4x4x7) and a dense layer with
// one (3x112 -> 3x5).

// CHECK-LABEL: func.func @eval_step(
// CHECK-SAME:      memref<3x2x7x9xf32>
// INIT-LABEL:  func.func @init(
// INIT:          call @nnc_cpu_conv2d_init(%{{.*}}, %c0_i64, %c3_i64, %c2_i64, %c7_i64, %c9_i64, %c4_i64, %c3_i64, %c2_i64, %c2_i64, %c1_i64, %c1_i64, %c0_i64, %c1_i64, %c2_i64, %c2_i64, %c1_i64, %c0_i64, %c0_i64, %c0_i64)
// INIT-NEXT:     call @nnc_cpu_dense_init(%{{.*}}, %c1_i64, %c3_i64, %c112_i64, %c5_i64, %c1_i64)
// INIT-NEXT:     return
module {
  nn.parameter @conv.weight : tensor<4x1x3x2xf32> {decay_mult = 1.0 : f64, init = "xavier()", lr_mult = 1.0 : f64}
  nn.parameter @conv.bias : tensor<4xf32> {decay_mult = 1.0 : f64, init = "constant(value=0)", lr_mult = 1.0 : f64}
  nn.parameter @fc.weight : tensor<5x112xf32> {decay_mult = 1.0 : f64, init = "xavier()", lr_mult = 1.0 : f64}
  nn.parameter @fc.bias : tensor<5xf32> {decay_mult = 1.0 : f64, init = "constant(value=0)", lr_mult = 1.0 : f64}
  func.func @forward(%x: tensor<3x2x7x9xf32> {nn.input = "x"}, %w: tensor<4x1x3x2xf32> {nn.param = @conv.weight}, %b: tensor<4xf32> {nn.param = @conv.bias},
                     %fw: tensor<5x112xf32> {nn.param = @fc.weight}, %fb: tensor<5xf32> {nn.param = @fc.bias}) -> tensor<3x5xf32> {
    %0 = nn.conv2d %x, %w, %b {dilation = array<i64: 1, 2>, groups = 2 : i64, pad = array<i64: 1, 0>, stride = array<i64: 2, 1>} : (tensor<3x2x7x9xf32>, tensor<4x1x3x2xf32>, tensor<4xf32>) -> tensor<3x4x4x7xf32>
    %1 = nn.flatten %0 {axis = 1 : i64} : tensor<3x4x4x7xf32> -> tensor<3x112xf32>
    %2 = nn.dense %1, %fw, %fb : (tensor<3x112xf32>, tensor<5x112xf32>, tensor<5xf32>) -> tensor<3x5xf32>
    return %2 : tensor<3x5xf32>
  }
}

// -----

// max_pool: the output size fixes the bottom and right padding the library
// gets (pb = (oh - 1) * sh + kh - h - pt). ceil mode on 5x7 with a 2x2/2
// window needs one more row and column (3x4 out); with a pad of 1, ceil on
// 6x6 with 3x3/2 needs 2 (4x4 out); floor mode needs none; and ceil mode that
// drops a last window starting in the padding needs none either.

// CHECK-LABEL: module attributes {
// CHECK-SAME:      nn.manifest = [], nn.sites = 4 : i64, nn.state_bytes = 0 : i64, nn.workspace_bytes = 1280 : i64}
// INIT-LABEL:  func.func @init(
// INIT:          call @nnc_cpu_max_pool_init(%{{.*}}, %c0_i64, %c2_i64, %c3_i64, %c5_i64, %c7_i64, %c2_i64, %c2_i64, %c2_i64, %c2_i64, %c0_i64, %c0_i64, %c1_i64, %c1_i64, %c0_i64, %c0_i64)
// INIT-NEXT:     call @nnc_cpu_max_pool_init(%{{.*}}, %c1_i64, %c2_i64, %c3_i64, %c6_i64, %c6_i64, %c3_i64, %c3_i64, %c2_i64, %c2_i64, %c1_i64, %c1_i64, %c2_i64, %c2_i64, %c0_i64, %c0_i64)
// INIT-NEXT:     call @nnc_cpu_max_pool_init(%{{.*}}, %c2_i64, %c2_i64, %c3_i64, %c6_i64, %c6_i64, %c3_i64, %c3_i64, %c2_i64, %c2_i64, %c1_i64, %c1_i64, %c0_i64, %c0_i64, %c0_i64, %c0_i64)
// INIT-NEXT:     call @nnc_cpu_max_pool_init(%{{.*}}, %c3_i64, %c2_i64, %c3_i64, %c5_i64, %c7_i64, %c2_i64, %c2_i64, %c2_i64, %c2_i64, %c1_i64, %c1_i64, %c0_i64, %c0_i64, %c0_i64, %c0_i64)
// INIT-NEXT:     return
module {
  func.func @forward(%x: tensor<2x3x5x7xf32> {nn.input = "x"}, %y: tensor<2x3x6x6xf32> {nn.input = "y"})
      -> (tensor<2x3x3x4xf32>, tensor<2x3x4x4xf32>, tensor<2x3x3x3xf32>, tensor<2x3x3x4xf32>) {
    %0 = nn.max_pool %x {ceil = true, kernel = array<i64: 2, 2>, pad = array<i64: 0, 0>, stride = array<i64: 2, 2>} : tensor<2x3x5x7xf32> -> tensor<2x3x3x4xf32>
    %1 = nn.max_pool %y {ceil = true, kernel = array<i64: 3, 3>, pad = array<i64: 1, 1>, stride = array<i64: 2, 2>} : tensor<2x3x6x6xf32> -> tensor<2x3x4x4xf32>
    %2 = nn.max_pool %y {ceil = false, kernel = array<i64: 3, 3>, pad = array<i64: 1, 1>, stride = array<i64: 2, 2>} : tensor<2x3x6x6xf32> -> tensor<2x3x3x3xf32>
    %3 = nn.max_pool %x {ceil = true, kernel = array<i64: 2, 2>, pad = array<i64: 1, 1>, stride = array<i64: 2, 2>} : tensor<2x3x5x7xf32> -> tensor<2x3x3x4xf32>
    return %0, %1, %2, %3 : tensor<2x3x3x4xf32>, tensor<2x3x4x4xf32>, tensor<2x3x3x3xf32>, tensor<2x3x3x4xf32>
  }
}

// -----

// Liveness: %a lives until the add, %b only until %c is computed. %b and %c
// overlap (at the op computing %c), so %c gets a third slot; %d starts after
// %b's last use and takes %b's slot, but not %a's or %c's, which it reads.
// (The relus here are generated: nn.granularity = "fine".)

// CHECK-LABEL: module attributes {
// CHECK-SAME:      nn.manifest = [], nn.sites = 0 : i64, nn.state_bytes = 0 : i64, nn.workspace_bytes = 192 : i64}
// CHECK-LABEL: func.func @eval_step(
// CHECK-SAME:      %{{.*}}: !llvm.ptr, %{{.*}}: memref<?xi8>, %[[WS:[^:]*]]: memref<?xi8>, %[[X:[^:]*]]: memref<2x8xf32>, %{{.*}}: memref<?xf32>)
// CHECK:         %[[A:.*]] = memref.view %[[WS]][%c0{{(_[0-9]+)?}}][] : memref<?xi8> to memref<2x8xf32>
// CHECK:         %[[B:.*]] = memref.view %[[WS]][%c64{{(_[0-9]+)?}}][] : memref<?xi8> to memref<2x8xf32>
// CHECK:         %[[C:.*]] = memref.view %[[WS]][%c128{{(_[0-9]+)?}}][] : memref<?xi8> to memref<2x8xf32>
// CHECK:         %[[D:.*]] = memref.view %[[WS]][%c64{{(_[0-9]+)?}}][] : memref<?xi8> to memref<2x8xf32>
// CHECK:         linalg.generic {{.*}} ins(%[[X]] : memref<2x8xf32>) outs(%[[A]] : memref<2x8xf32>)
// CHECK:         linalg.generic {{.*}} ins(%[[A]] : memref<2x8xf32>) outs(%[[B]] : memref<2x8xf32>)
// CHECK:         linalg.generic {{.*}} ins(%[[B]] : memref<2x8xf32>) outs(%[[C]] : memref<2x8xf32>)
// CHECK:         linalg.generic {{.*}} ins(%[[A]], %[[C]] : memref<2x8xf32>, memref<2x8xf32>) outs(%[[D]] : memref<2x8xf32>)
// CHECK:         return
// INIT-LABEL:  func.func @init(
// INIT-NEXT:     return
module {
  func.func @forward(%x: tensor<2x8xf32> {nn.input = "x"}) -> tensor<2x8xf32> {
    %a = nn.relu %x {nn.granularity = "fine"} : tensor<2x8xf32> -> tensor<2x8xf32>
    %b = nn.scale %a {factor = 2.0 : f64} : tensor<2x8xf32> -> tensor<2x8xf32>
    %c = nn.scale %b {factor = 3.0 : f64} : tensor<2x8xf32> -> tensor<2x8xf32>
    %d = nn.add %a, %c : tensor<2x8xf32>, tensor<2x8xf32> -> tensor<2x8xf32>
    return %d : tensor<2x8xf32>
  }
}

// -----

// A flatten is a view of its input's bytes: it has no slot of its own, and a
// use of it keeps the input alive, so %b (defined after the flatten but
// while %f is still to be read) cannot take %a's slot. (Generated relus.)

// CHECK-LABEL: func.func @eval_step(
// CHECK-SAME:      %{{.*}}: !llvm.ptr, %{{.*}}: memref<?xi8>, %[[WS:[^:]*]]: memref<?xi8>, %[[X:[^:]*]]: memref<2x2x4xf32>, %{{.*}}: memref<?xf32>)
// CHECK:         %[[A:.*]] = memref.view %[[WS]][%c0{{(_[0-9]+)?}}][] : memref<?xi8> to memref<2x2x4xf32>
// CHECK:         %[[B:.*]] = memref.view %[[WS]][%c64{{(_[0-9]+)?}}][] : memref<?xi8> to memref<2x2x4xf32>
// CHECK:         %[[C:.*]] = memref.view %[[WS]][%c128{{(_[0-9]+)?}}][] : memref<?xi8> to memref<2x8xf32>
// CHECK-NOT:     memref.view
// CHECK:         %[[F:.*]] = memref.reinterpret_cast %[[A]] to offset: [0], sizes: [2, 8], strides: [8, 1] : memref<2x2x4xf32> to memref<2x8xf32>
// CHECK:         linalg.generic {{.*}} ins(%[[F]] : memref<2x8xf32>) outs(%[[C]] : memref<2x8xf32>)
// INIT-LABEL:  func.func @init(
// INIT-NEXT:     return
module {
  func.func @forward(%x: tensor<2x2x4xf32> {nn.input = "x"}) -> (tensor<2x8xf32>, tensor<2x2x4xf32>) {
    %a = nn.relu %x {nn.granularity = "fine"} : tensor<2x2x4xf32> -> tensor<2x2x4xf32>
    %f = nn.flatten %a {axis = 1 : i64} : tensor<2x2x4xf32> -> tensor<2x8xf32>
    %b = nn.scale %x {factor = 2.0 : f64} : tensor<2x2x4xf32> -> tensor<2x2x4xf32>
    %c = nn.relu %f {nn.granularity = "fine"} : tensor<2x8xf32> -> tensor<2x8xf32>
    return %c, %b : tensor<2x8xf32>, tensor<2x2x4xf32>
  }
}


// -----

// Several forward ops read one input (inception branches, two heads): each
// backward op uses the site of its own forward op, not the first one reading
// the same input. conv a (1x1) is site 0, conv b (3x3, pad 1) site 1, dense
// c (4 outputs) site 2, dense d (5 outputs) site 3.

// CHECK-LABEL: func.func @train_step(
// CHECK-SAME:      %[[CTX:[^:]*]]: !llvm.ptr
// CHECK:         %[[S:.*]] = arith.constant 0 : i64
// CHECK-NEXT:    call @nnc_cpu_conv2d_fwd(%[[CTX]], %[[S]],
// CHECK:         %[[S:.*]] = arith.constant 1 : i64
// CHECK-NEXT:    call @nnc_cpu_conv2d_fwd(%[[CTX]], %[[S]],
// CHECK:         %[[S:.*]] = arith.constant 2 : i64
// CHECK-NEXT:    call @nnc_cpu_dense_fwd(%[[CTX]], %[[S]],
// CHECK:         %[[S:.*]] = arith.constant 3 : i64
// CHECK-NEXT:    call @nnc_cpu_dense_fwd(%[[CTX]], %[[S]],
// CHECK:         %[[S:.*]] = arith.constant 3 : i64
// CHECK-NEXT:    call @nnc_cpu_dense_bwd_data(%[[CTX]], %[[S]],
// CHECK:         %[[S:.*]] = arith.constant 3 : i64
// CHECK-NEXT:    call @nnc_cpu_dense_bwd_weights(%[[CTX]], %[[S]],
// CHECK:         %[[S:.*]] = arith.constant 2 : i64
// CHECK-NEXT:    call @nnc_cpu_dense_bwd_data(%[[CTX]], %[[S]],
// CHECK:         %[[S:.*]] = arith.constant 2 : i64
// CHECK-NEXT:    call @nnc_cpu_dense_bwd_weights(%[[CTX]], %[[S]],
// CHECK:         %[[S:.*]] = arith.constant 1 : i64
// CHECK-NEXT:    call @nnc_cpu_conv2d_bwd_filter(%[[CTX]], %[[S]],
// CHECK:         %[[S:.*]] = arith.constant 0 : i64
// CHECK-NEXT:    call @nnc_cpu_conv2d_bwd_filter(%[[CTX]], %[[S]],
// INIT-LABEL:  func.func @init(
// INIT:          call @nnc_cpu_conv2d_init(%{{.*}}, %c0_i64, %c2_i64, %c1_i64, %c4_i64, %c4_i64, %c2_i64, %c1_i64, %c1_i64,
// INIT-NEXT:     call @nnc_cpu_conv2d_init(%{{.*}}, %c1_i64, %c2_i64, %c1_i64, %c4_i64, %c4_i64, %c3_i64, %c3_i64, %c3_i64,
// INIT-NEXT:     call @nnc_cpu_dense_init(%{{.*}}, %c2_i64, %c2_i64, %c32_i64, %c4_i64, %c0_i64)
// INIT-NEXT:     call @nnc_cpu_dense_init(%{{.*}}, %c3_i64, %c2_i64, %c32_i64, %c5_i64, %c0_i64)
module {
  nn.parameter @a.weight : tensor<2x1x1x1xf32> {decay_mult = 1.000000e+00 : f64, init = "xavier()", lr_mult = 1.000000e+00 : f64}
  nn.parameter @b.weight : tensor<3x1x3x3xf32> {decay_mult = 1.000000e+00 : f64, init = "xavier()", lr_mult = 1.000000e+00 : f64}
  nn.parameter @c.weight : tensor<4x32xf32> {decay_mult = 1.000000e+00 : f64, init = "xavier()", lr_mult = 1.000000e+00 : f64}
  nn.parameter @d.weight : tensor<5x32xf32> {decay_mult = 1.000000e+00 : f64, init = "xavier()", lr_mult = 1.000000e+00 : f64}
  func.func @train_step(%arg0: tensor<2x1x4x4xf32> {nn.input = "x"}, %arg1: tensor<2xi32> {nn.input = "label"}, %arg2: tensor<2x1x1x1xf32> {nn.param = @a.weight}, %arg3: tensor<3x1x3x3xf32> {nn.param = @b.weight}, %arg4: tensor<4x32xf32> {nn.param = @c.weight}, %arg5: tensor<5x32xf32> {nn.param = @d.weight}) -> (tensor<f32>, tensor<2x1x1x1xf32>, tensor<3x1x3x3xf32>, tensor<4x32xf32>, tensor<5x32xf32>) attributes {nn.grad_of = [@a.weight, @b.weight, @c.weight, @d.weight], nn.loss = 0 : i64} {
    %0 = nn.conv2d %arg0, %arg2 {dilation = array<i64: 1, 1>, groups = 1 : i64, pad = array<i64: 0, 0>, stride = array<i64: 1, 1>} : (tensor<2x1x4x4xf32>, tensor<2x1x1x1xf32>) -> tensor<2x2x4x4xf32>
    %1 = nn.conv2d %arg0, %arg3 {dilation = array<i64: 1, 1>, groups = 1 : i64, pad = array<i64: 1, 1>, stride = array<i64: 1, 1>} : (tensor<2x1x4x4xf32>, tensor<3x1x3x3xf32>) -> tensor<2x3x4x4xf32>
    %2 = nn.flatten %0 {axis = 1 : i64} : tensor<2x2x4x4xf32> -> tensor<2x32xf32>
    %3 = nn.dense %2, %arg4 : (tensor<2x32xf32>, tensor<4x32xf32>) -> tensor<2x4xf32>
    %4 = nn.dense %2, %arg5 : (tensor<2x32xf32>, tensor<5x32xf32>) -> tensor<2x5xf32>
    %5 = nn.flatten %1 {axis = 1 : i64} : tensor<2x3x4x4xf32> -> tensor<2x48xf32>
    %6 = nn.softmax_cross_entropy %3, %arg1 : tensor<2x4xf32>, tensor<2xi32> -> tensor<f32>
    %7 = nn.softmax_cross_entropy %4, %arg1 : tensor<2x5xf32>, tensor<2xi32> -> tensor<f32>
    %8 = nn.softmax_cross_entropy %5, %arg1 : tensor<2x48xf32>, tensor<2xi32> -> tensor<f32>
    %9 = nn.add %6, %7 : tensor<f32>, tensor<f32> -> tensor<f32>
    %10 = nn.add %9, %8 : tensor<f32>, tensor<f32> -> tensor<f32>
    %cst = arith.constant dense<1.000000e+00> : tensor<f32>
    %11 = nn.softmax_cross_entropy_backward %5, %arg1, %cst : (tensor<2x48xf32>, tensor<2xi32>, tensor<f32>) -> tensor<2x48xf32>
    %12 = nn.softmax_cross_entropy_backward %4, %arg1, %cst : (tensor<2x5xf32>, tensor<2xi32>, tensor<f32>) -> tensor<2x5xf32>
    %13 = nn.softmax_cross_entropy_backward %3, %arg1, %cst : (tensor<2x4xf32>, tensor<2xi32>, tensor<f32>) -> tensor<2x4xf32>
    %14 = nn.reshape %11 : (tensor<2x48xf32>) -> tensor<2x3x4x4xf32>
    %15 = nn.dense_backward_data %12, %arg5 : (tensor<2x5xf32>, tensor<5x32xf32>) -> tensor<2x32xf32>
    %weight_grad = nn.dense_backward_weights %2, %12 : (tensor<2x32xf32>, tensor<2x5xf32>) -> tensor<5x32xf32>
    %16 = nn.dense_backward_data %13, %arg4 : (tensor<2x4xf32>, tensor<4x32xf32>) -> tensor<2x32xf32>
    %weight_grad_0 = nn.dense_backward_weights %2, %13 : (tensor<2x32xf32>, tensor<2x4xf32>) -> tensor<4x32xf32>
    %17 = nn.add %15, %16 : tensor<2x32xf32>, tensor<2x32xf32> -> tensor<2x32xf32>
    %18 = nn.reshape %17 : (tensor<2x32xf32>) -> tensor<2x2x4x4xf32>
    %weight_grad_1 = nn.conv2d_backward_filter %arg0, %14 {dilation = array<i64: 1, 1>, groups = 1 : i64, pad = array<i64: 1, 1>, stride = array<i64: 1, 1>} : (tensor<2x1x4x4xf32>, tensor<2x3x4x4xf32>) -> tensor<3x1x3x3xf32>
    %weight_grad_2 = nn.conv2d_backward_filter %arg0, %18 {dilation = array<i64: 1, 1>, groups = 1 : i64, pad = array<i64: 0, 0>, stride = array<i64: 1, 1>} : (tensor<2x1x4x4xf32>, tensor<2x2x4x4xf32>) -> tensor<2x1x1x1xf32>
    return %10, %weight_grad_2, %weight_grad_1, %weight_grad_0, %weight_grad : tensor<f32>, tensor<2x1x1x1xf32>, tensor<3x1x3x3xf32>, tensor<4x32xf32>, tensor<5x32xf32>
  }
}

// -----

// Dynamic shapes are an error: the batch must be specialized first.

module {
  // expected-error @+1 {{nn-lower-cpu needs static shapes: run nn-specialize-batch first}}
  func.func @forward(%x: tensor<?x3xf32> {nn.input = "x"}) -> tensor<?x3xf32> {
    %0 = nn.relu %x : tensor<?x3xf32> -> tensor<?x3xf32>
    return %0 : tensor<?x3xf32>
  }
}

// -----

module {
  func.func @forward(%x: tensor<2x3xf32> {nn.input = "x"}) -> tensor<2x3xf32> {
    // expected-error @+1 {{only splat tensor constants are supported on cpu yet}}
    %c = arith.constant dense<[[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]> : tensor<2x3xf32>
    %0 = nn.add %x, %c : tensor<2x3xf32>, tensor<2x3xf32> -> tensor<2x3xf32>
    return %0 : tensor<2x3xf32>
  }
}

// -----

module {
  func.func @forward(%x: tensor<2x3xf32> {nn.input = "x"}) -> tensor<2x3xf32> {
    // expected-error @+1 {{'arith.addf' is not supported on cpu yet}}
    %0 = arith.addf %x, %x : tensor<2x3xf32>
    return %0 : tensor<2x3xf32>
  }
}

// -----

// A backward library op needs the forward op whose site it shares: without
// one, it is generated (the fine path), whatever the granularity.

// CHECK-LABEL: func.func @eval_step(
// CHECK-NOT:     call
// CHECK:         linalg.fill
// CHECK:         affine.max
// CHECK:         scf.for
// CHECK-LABEL: func.func @init(
// CHECK-NEXT:    return

module {
  nn.parameter @w : tensor<2x1x3x3xf32> {decay_mult = 1.0 : f64, init = "xavier()", lr_mult = 1.0 : f64}
  func.func @forward(%g: tensor<2x2x4x4xf32> {nn.input = "g"}, %w: tensor<2x1x3x3xf32> {nn.param = @w}) -> tensor<2x1x6x6xf32> {
    %0 = nn.conv2d_backward_data %g, %w {dilation = array<i64: 1, 1>, groups = 1 : i64, pad = array<i64: 0, 0>, stride = array<i64: 1, 1>} : (tensor<2x2x4x4xf32>, tensor<2x1x3x3xf32>) -> tensor<2x1x6x6xf32>
    return %0 : tensor<2x1x6x6xf32>
  }
}
