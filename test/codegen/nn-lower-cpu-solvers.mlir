// RUN: nnc-opt %s -split-input-file -nn-lower-cpu -verify-diagnostics | FileCheck %s

// The solver state of Adam (m, s), Adagrad (s) and RMSprop (s, and b with
// momentum) lives in the state arena after the parameters, in @train_step's
// argument order: kind "solver", name "<param>.<state>". The updates write
// the parameter and its state in place (outs of one linalg.generic). Adam's
// step argument is hyper[1]: the bits of a u32, converted to f32; its bias
// corrections 1 - beta^(t+1) are computed once in f64.
// Clipping sums the squares of every gradient in f64 (a reduction per
// gradient, in operand order), then scales each gradient in place.

// CHECK-LABEL: module attributes {
// CHECK-SAME:      nn.manifest = [
// CHECK-SAME:        {init = "xavier()", kind = "param", name = "w", offset = 0 : i64, shape = array<i64: 4>},
// CHECK-SAME:        {init = "constant(value=0)", kind = "param", name = "b", offset = 64 : i64, shape = array<i64: 2>},
// CHECK-SAME:        {init = "constant(value=0)", kind = "solver", name = "w.m", offset = 128 : i64, shape = array<i64: 4>},
// CHECK-SAME:        {init = "constant(value=0)", kind = "solver", name = "w.s", offset = 192 : i64, shape = array<i64: 4>},
// CHECK-SAME:        {init = "constant(value=0)", kind = "solver", name = "b.s", offset = 256 : i64, shape = array<i64: 2>}],
// CHECK-SAME:      nn.state_bytes = 320 : i64
// CHECK-LABEL: func.func @train_step(
// CHECK-SAME:      %{{.*}}: !llvm.ptr, %[[STATE:[^:]*]]: memref<?xi8>, %[[WS:[^:]*]]: memref<?xi8>, %[[HYPER:[^:]*]]: memref<?xf32>, %[[METRICS:[^:]*]]: memref<?xf32>)
// CHECK:         %[[W:.*]] = memref.view %[[STATE]][%c0{{(_[0-9]+)?}}][] : memref<?xi8> to memref<4xf32>
// CHECK:         %[[B:.*]] = memref.view %[[STATE]][%c64{{(_[0-9]+)?}}][] : memref<?xi8> to memref<2xf32>
// CHECK:         %[[LR:.*]] = memref.load %[[HYPER]][%c0
// CHECK:         memref.store %[[LR]], %[[LRSLOT:.*]][] : memref<f32>
// CHECK:         %[[TBITS:.*]] = memref.load %[[HYPER]][%c1
// CHECK-NEXT:    %[[TI:.*]] = arith.bitcast %[[TBITS]] : f32 to i32
// CHECK-NEXT:    %[[T:.*]] = arith.uitofp %[[TI]] : i32 to f32
// CHECK:         memref.store %[[T]], %[[TSLOT:.*]][] : memref<f32>
// CHECK:         %[[WM:.*]] = memref.view %[[STATE]][%c128{{(_[0-9]+)?}}][] : memref<?xi8> to memref<4xf32>
// CHECK:         %[[WSS:.*]] = memref.view %[[STATE]][%c192{{(_[0-9]+)?}}][] : memref<?xi8> to memref<4xf32>
// CHECK:         %[[BS:.*]] = memref.view %[[STATE]][%c256{{(_[0-9]+)?}}][] : memref<?xi8> to memref<2xf32>
// CHECK:         %[[GW:.*]] = memref.view %[[WS]][%c64{{(_[0-9]+)?}}][] : memref<?xi8> to memref<4xf32>
// CHECK:         %[[GB:.*]] = memref.view %[[WS]][%c128{{(_[0-9]+)?}}][] : memref<?xi8> to memref<2xf32>
// The global norm, then the gradients scaled in place.
// CHECK:         %[[ACC:.*]] = memref.alloca() : memref<f64>
// CHECK:         linalg.generic {{.*}} iterator_types = ["reduction"]} ins(%[[GW]] : memref<4xf32>) outs(%[[ACC]] : memref<f64>)
// CHECK:           arith.extf
// CHECK:         linalg.generic {{.*}} iterator_types = ["reduction"]} ins(%[[GB]] : memref<2xf32>) outs(%[[ACC]] : memref<f64>)
// CHECK:         %[[NORM:.*]] = math.sqrt %{{.*}} : f64
// CHECK:         arith.cmpf ogt, %[[NORM]]
// CHECK:         %[[SCALE:.*]] = arith.truncf %{{.*}} : f64 to f32
// CHECK:         linalg.generic {{.*}} outs(%[[GW]] : memref<4xf32>)
// CHECK:           arith.mulf %{{.*}}, %[[SCALE]] : f32
// CHECK:         linalg.generic {{.*}} outs(%[[GB]] : memref<2xf32>)
// Adam: bias corrections from the step, then one in-place update.
// CHECK:         memref.load %[[TSLOT]][] : memref<f32>
// CHECK:         math.powf %{{.*}} : f64
// CHECK:         math.powf %{{.*}} : f64
// CHECK:         linalg.generic {{.*}} ins(%[[GW]] : memref<4xf32>) outs(%[[W]], %[[WM]], %[[WSS]] : memref<4xf32>, memref<4xf32>, memref<4xf32>)
// CHECK:           math.sqrt %{{.*}} : f32
// CHECK:           linalg.yield %{{.*}}, %{{.*}}, %{{.*}} : f32, f32, f32
// Adagrad.
// CHECK:         linalg.generic {{.*}} ins(%[[GB]] : memref<2xf32>) outs(%[[B]], %[[BS]] : memref<2xf32>, memref<2xf32>)
// CHECK:           math.sqrt %{{.*}} : f32
// CHECK:           linalg.yield %{{.*}}, %{{.*}} : f32, f32
module {
  nn.parameter @w : tensor<4xf32> {decay_mult = 1.0 : f64, init = "xavier()", lr_mult = 1.0 : f64}
  nn.parameter @b : tensor<2xf32> {decay_mult = 1.0 : f64, init = "constant(value=0)", lr_mult = 1.0 : f64}
  func.func @train_step(%w: tensor<4xf32> {nn.param = @w}, %b: tensor<2xf32> {nn.param = @b},
                        %lr: tensor<f32> {nn.hyper = "lr"}, %t: tensor<f32> {nn.hyper = "step"},
                        %wm: tensor<4xf32> {nn.state = "m", nn.state_of = @w}, %ws: tensor<4xf32> {nn.state = "s", nn.state_of = @w},
                        %bs: tensor<2xf32> {nn.state = "s", nn.state_of = @b})
      -> (tensor<f32>, tensor<4xf32>, tensor<2xf32>, tensor<4xf32>, tensor<4xf32>, tensor<2xf32>) attributes {nn.loss = 0 : i64, nn.updates = array<i64: -1, 0, 1, 4, 5, 6>} {
    %loss = arith.constant dense<0.0> : tensor<f32>
    %gw = nn.relu %w : tensor<4xf32> -> tensor<4xf32>
    %gb = nn.relu %b : tensor<2xf32> -> tensor<2xf32>
    %c:2 = nn.clip_by_global_norm %gw, %gb {max_norm = 1.0 : f64} : (tensor<4xf32>, tensor<2xf32>) -> (tensor<4xf32>, tensor<2xf32>)
    %nw, %nm, %ns = nn.adam_update %w, %c#0, %wm, %ws, %lr, %t {beta1 = 0.9 : f64, beta2 = 0.999 : f64, decay_mult = 1.0 : f64, decoupled = false, eps = 1.0e-8 : f64, lr_mult = 1.0 : f64, weight_decay = 0.0 : f64} : (tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<f32>, tensor<f32>) -> (tensor<4xf32>, tensor<4xf32>, tensor<4xf32>)
    %nb, %nbs = nn.adagrad_update %b, %c#1, %bs, %lr {decay_mult = 1.0 : f64, eps = 1.0e-8 : f64, lr_mult = 1.0 : f64, weight_decay = 0.0 : f64} : (tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<f32>) -> (tensor<2xf32>, tensor<2xf32>)
    return %loss, %nw, %nb, %nm, %ns, %nbs : tensor<f32>, tensor<4xf32>, tensor<2xf32>, tensor<4xf32>, tensor<4xf32>, tensor<2xf32>
  }
}

// -----

// A gradient that something else reads too cannot be scaled in place: here
// one gradient serves two parameters (two uses) and a reshape of it a third,
// so each clipped gradient gets its own workspace buffer. RMSprop keeps b
// only for the parameter with momentum.

// CHECK-LABEL: module attributes {
// CHECK-SAME:        {init = "constant(value=0)", kind = "solver", name = "w.s", offset = 192 : i64, shape = array<i64: 4>},
// CHECK-SAME:        {init = "constant(value=0)", kind = "solver", name = "w.b", offset = 256 : i64, shape = array<i64: 4>},
// CHECK-SAME:        {init = "constant(value=0)", kind = "solver", name = "v.s", offset = 320 : i64, shape = array<i64: 4>},
// CHECK-SAME:        {init = "constant(value=0)", kind = "solver", name = "r.s", offset = 384 : i64, shape = array<i64: 2, 2>}],
// CHECK-LABEL: func.func @train_step(
// CHECK:         %[[W:.*]] = memref.view %{{.*}}[%c0{{(_[0-9]+)?}}][] : memref<?xi8> to memref<4xf32>
// CHECK:         %[[V:.*]] = memref.view %{{.*}}[%c64{{(_[0-9]+)?}}][] : memref<?xi8> to memref<4xf32>
// CHECK:         %[[R:.*]] = memref.view %{{.*}}[%c128{{(_[0-9]+)?}}][] : memref<?xi8> to memref<2x2xf32>
// CHECK:         %[[WS:.*]] = memref.view %{{.*}}[%c192{{(_[0-9]+)?}}][] : memref<?xi8> to memref<4xf32>
// CHECK:         %[[WB:.*]] = memref.view %{{.*}}[%c256{{(_[0-9]+)?}}][] : memref<?xi8> to memref<4xf32>
// CHECK:         %[[VS:.*]] = memref.view %{{.*}}[%c320{{(_[0-9]+)?}}][] : memref<?xi8> to memref<4xf32>
// CHECK:         %[[RS:.*]] = memref.view %{{.*}}[%c384{{(_[0-9]+)?}}][] : memref<?xi8> to memref<2x2xf32>
// CHECK:         %[[G:.*]] = memref.view %[[WSP:arg[0-9]+]][%c64{{(_[0-9]+)?}}][] : memref<?xi8> to memref<4xf32>
// CHECK:         %[[C0:.*]] = memref.view %[[WSP]][%c128{{(_[0-9]+)?}}][] : memref<?xi8> to memref<4xf32>
// CHECK:         %[[C1:.*]] = memref.view %[[WSP]][%c192{{(_[0-9]+)?}}][] : memref<?xi8> to memref<4xf32>
// CHECK:         %[[C2:.*]] = memref.view %[[WSP]][%c256{{(_[0-9]+)?}}][] : memref<?xi8> to memref<2x2xf32>
// CHECK:         linalg.generic {{.*}} ins(%[[G]] : memref<4xf32>) outs(%[[ACC:.*]] : memref<f64>)
// CHECK:         linalg.generic {{.*}} ins(%[[G]] : memref<4xf32>) outs(%[[ACC]] : memref<f64>)
// CHECK:         %[[GR:.*]] = memref.reinterpret_cast %[[G]]
// CHECK:         linalg.generic {{.*}} iterator_types = ["reduction", "reduction"]} ins(%[[GR]] : memref<2x2xf32>) outs(%[[ACC]] : memref<f64>)
// CHECK:         linalg.generic {{.*}} ins(%[[G]] : memref<4xf32>) outs(%[[C0]] : memref<4xf32>)
// CHECK:         linalg.generic {{.*}} ins(%[[G]] : memref<4xf32>) outs(%[[C1]] : memref<4xf32>)
// CHECK:         linalg.generic {{.*}} ins(%[[GR]] : memref<2x2xf32>) outs(%[[C2]] : memref<2x2xf32>)
// CHECK:         linalg.generic {{.*}} ins(%[[C0]] : memref<4xf32>) outs(%[[W]], %[[WS]], %[[WB]] : memref<4xf32>, memref<4xf32>, memref<4xf32>)
// CHECK:         linalg.generic {{.*}} ins(%[[C1]] : memref<4xf32>) outs(%[[V]], %[[VS]] : memref<4xf32>, memref<4xf32>)
// CHECK:         linalg.generic {{.*}} ins(%[[C2]] : memref<2x2xf32>) outs(%[[R]], %[[RS]] : memref<2x2xf32>, memref<2x2xf32>)
module {
  nn.parameter @w : tensor<4xf32> {decay_mult = 1.0 : f64, init = "xavier()", lr_mult = 1.0 : f64}
  nn.parameter @v : tensor<4xf32> {decay_mult = 1.0 : f64, init = "xavier()", lr_mult = 1.0 : f64}
  nn.parameter @r : tensor<2x2xf32> {decay_mult = 1.0 : f64, init = "xavier()", lr_mult = 1.0 : f64}
  func.func @train_step(%w: tensor<4xf32> {nn.param = @w}, %v: tensor<4xf32> {nn.param = @v}, %r: tensor<2x2xf32> {nn.param = @r},
                        %lr: tensor<f32> {nn.hyper = "lr"},
                        %ws: tensor<4xf32> {nn.state = "s", nn.state_of = @w}, %wb: tensor<4xf32> {nn.state = "b", nn.state_of = @w},
                        %vs: tensor<4xf32> {nn.state = "s", nn.state_of = @v}, %rs: tensor<2x2xf32> {nn.state = "s", nn.state_of = @r})
      -> (tensor<f32>, tensor<4xf32>, tensor<4xf32>, tensor<2x2xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<2x2xf32>) attributes {nn.loss = 0 : i64, nn.updates = array<i64: -1, 0, 1, 2, 4, 5, 6, 7>} {
    %loss = arith.constant dense<0.0> : tensor<f32>
    %g = nn.relu %w : tensor<4xf32> -> tensor<4xf32>
    %gr = nn.reshape %g : (tensor<4xf32>) -> tensor<2x2xf32>
    %c:3 = nn.clip_by_global_norm %g, %g, %gr {max_norm = 1.0 : f64} : (tensor<4xf32>, tensor<4xf32>, tensor<2x2xf32>) -> (tensor<4xf32>, tensor<4xf32>, tensor<2x2xf32>)
    %nw, %nws, %nwb = nn.rmsprop_update %w, %c#0, %ws, %wb, %lr {decay = 0.99 : f64, decay_mult = 1.0 : f64, eps = 1.0e-8 : f64, lr_mult = 1.0 : f64, momentum = 0.9 : f64, weight_decay = 0.0 : f64} : (tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<f32>) -> (tensor<4xf32>, tensor<4xf32>, tensor<4xf32>)
    %nv, %nvs = nn.rmsprop_update %v, %c#1, %vs, %lr {decay = 0.99 : f64, decay_mult = 1.0 : f64, eps = 1.0e-8 : f64, lr_mult = 1.0 : f64, momentum = 0.0 : f64, weight_decay = 0.0 : f64} : (tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<f32>) -> (tensor<4xf32>, tensor<4xf32>)
    %nr, %nrs = nn.rmsprop_update %r, %c#2, %rs, %lr {decay = 0.99 : f64, decay_mult = 1.0 : f64, eps = 1.0e-8 : f64, lr_mult = 1.0 : f64, momentum = 0.0 : f64, weight_decay = 0.0 : f64} : (tensor<2x2xf32>, tensor<2x2xf32>, tensor<2x2xf32>, tensor<f32>) -> (tensor<2x2xf32>, tensor<2x2xf32>)
    return %loss, %nw, %nv, %nr, %nws, %nwb, %nvs, %nrs : tensor<f32>, tensor<4xf32>, tensor<4xf32>, tensor<2x2xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<2x2xf32>
  }
}
