// RUN: nnc-opt %s -split-input-file -verify-diagnostics

// The solver updates other than SGD and global-norm clipping: the results
// replace the parameter and its state in place, so every state and result
// has the parameter's type; lr and step are f32 scalars; the settings lie in
// SPEC 12's ranges. Also the nn.state_of / nn.state argument attributes.

//===----------------------------------------------------------------------===//
// nn.adam_update
//===----------------------------------------------------------------------===//

func.func @adam_ok(%w: tensor<3xf32>, %g: tensor<3xf32>, %m: tensor<3xf32>, %s: tensor<3xf32>, %lr: tensor<f32>, %t: tensor<f32>) {
  %0:3 = nn.adam_update %w, %g, %m, %s, %lr, %t {beta1 = 0.9 : f64, beta2 = 0.999 : f64, decay_mult = 1.0 : f64, decoupled = true, eps = 1.0e-8 : f64, lr_mult = 1.0 : f64, weight_decay = 0.01 : f64} : (tensor<3xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>, tensor<f32>, tensor<f32>) -> (tensor<3xf32>, tensor<3xf32>, tensor<3xf32>)
  return
}

// -----

func.func @adam_state_type(%w: tensor<3xf32>, %g: tensor<3xf32>, %m: tensor<4xf32>, %s: tensor<3xf32>, %lr: tensor<f32>, %t: tensor<f32>) {
  // expected-error @+1 {{'nn.adam_update' op solver state must have the param's type 'tensor<3xf32>', got 'tensor<4xf32>'}}
  %0:3 = nn.adam_update %w, %g, %m, %s, %lr, %t {beta1 = 0.9 : f64, beta2 = 0.999 : f64, decay_mult = 1.0 : f64, decoupled = false, eps = 1.0e-8 : f64, lr_mult = 1.0 : f64, weight_decay = 0.0 : f64} : (tensor<3xf32>, tensor<3xf32>, tensor<4xf32>, tensor<3xf32>, tensor<f32>, tensor<f32>) -> (tensor<3xf32>, tensor<3xf32>, tensor<3xf32>)
  return
}

// -----

func.func @adam_grad_type(%w: tensor<3xf32>, %g: tensor<3xf16>, %m: tensor<3xf32>, %s: tensor<3xf32>, %lr: tensor<f32>, %t: tensor<f32>) {
  // expected-error @+1 {{'nn.adam_update' op grad must have the param's type 'tensor<3xf32>', got 'tensor<3xf16>'}}
  %0:3 = nn.adam_update %w, %g, %m, %s, %lr, %t {beta1 = 0.9 : f64, beta2 = 0.999 : f64, decay_mult = 1.0 : f64, decoupled = false, eps = 1.0e-8 : f64, lr_mult = 1.0 : f64, weight_decay = 0.0 : f64} : (tensor<3xf32>, tensor<3xf16>, tensor<3xf32>, tensor<3xf32>, tensor<f32>, tensor<f32>) -> (tensor<3xf32>, tensor<3xf32>, tensor<3xf32>)
  return
}

// -----

func.func @adam_result_type(%w: tensor<3xf32>, %g: tensor<3xf32>, %m: tensor<3xf32>, %s: tensor<3xf32>, %lr: tensor<f32>, %t: tensor<f32>) {
  // expected-error @+1 {{'nn.adam_update' op results must have the param's type 'tensor<3xf32>', got 'tensor<2xf32>'}}
  %0:3 = nn.adam_update %w, %g, %m, %s, %lr, %t {beta1 = 0.9 : f64, beta2 = 0.999 : f64, decay_mult = 1.0 : f64, decoupled = false, eps = 1.0e-8 : f64, lr_mult = 1.0 : f64, weight_decay = 0.0 : f64} : (tensor<3xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>, tensor<f32>, tensor<f32>) -> (tensor<3xf32>, tensor<3xf32>, tensor<2xf32>)
  return
}

// -----

func.func @adam_step_not_scalar(%w: tensor<3xf32>, %g: tensor<3xf32>, %m: tensor<3xf32>, %s: tensor<3xf32>, %lr: tensor<f32>, %t: tensor<1xf32>) {
  // expected-error @+1 {{'nn.adam_update' op lr and step must be scalar f32 tensors, got 'tensor<1xf32>'}}
  %0:3 = nn.adam_update %w, %g, %m, %s, %lr, %t {beta1 = 0.9 : f64, beta2 = 0.999 : f64, decay_mult = 1.0 : f64, decoupled = false, eps = 1.0e-8 : f64, lr_mult = 1.0 : f64, weight_decay = 0.0 : f64} : (tensor<3xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>, tensor<f32>, tensor<1xf32>) -> (tensor<3xf32>, tensor<3xf32>, tensor<3xf32>)
  return
}

// -----

func.func @adam_beta1(%w: tensor<3xf32>, %g: tensor<3xf32>, %m: tensor<3xf32>, %s: tensor<3xf32>, %lr: tensor<f32>, %t: tensor<f32>) {
  // expected-error @+1 {{'nn.adam_update' op beta1 must be in [0, 1), got 1}}
  %0:3 = nn.adam_update %w, %g, %m, %s, %lr, %t {beta1 = 1.0 : f64, beta2 = 0.999 : f64, decay_mult = 1.0 : f64, decoupled = false, eps = 1.0e-8 : f64, lr_mult = 1.0 : f64, weight_decay = 0.0 : f64} : (tensor<3xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>, tensor<f32>, tensor<f32>) -> (tensor<3xf32>, tensor<3xf32>, tensor<3xf32>)
  return
}

// -----

func.func @adam_eps(%w: tensor<3xf32>, %g: tensor<3xf32>, %m: tensor<3xf32>, %s: tensor<3xf32>, %lr: tensor<f32>, %t: tensor<f32>) {
  // expected-error @+1 {{'nn.adam_update' op eps must be > 0, got 0}}
  %0:3 = nn.adam_update %w, %g, %m, %s, %lr, %t {beta1 = 0.9 : f64, beta2 = 0.999 : f64, decay_mult = 1.0 : f64, decoupled = false, eps = 0.0 : f64, lr_mult = 1.0 : f64, weight_decay = 0.0 : f64} : (tensor<3xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>, tensor<f32>, tensor<f32>) -> (tensor<3xf32>, tensor<3xf32>, tensor<3xf32>)
  return
}

//===----------------------------------------------------------------------===//
// nn.rmsprop_update
//===----------------------------------------------------------------------===//

// -----

func.func @rmsprop_ok(%w: tensor<3xf32>, %g: tensor<3xf32>, %s: tensor<3xf32>, %b: tensor<3xf32>, %lr: tensor<f32>) {
  %0:2 = nn.rmsprop_update %w, %g, %s, %lr {decay = 0.99 : f64, decay_mult = 1.0 : f64, eps = 1.0e-8 : f64, lr_mult = 1.0 : f64, momentum = 0.0 : f64, weight_decay = 0.0 : f64} : (tensor<3xf32>, tensor<3xf32>, tensor<3xf32>, tensor<f32>) -> (tensor<3xf32>, tensor<3xf32>)
  %1:3 = nn.rmsprop_update %w, %g, %s, %b, %lr {decay = 0.99 : f64, decay_mult = 1.0 : f64, eps = 1.0e-8 : f64, lr_mult = 1.0 : f64, momentum = 0.9 : f64, weight_decay = 0.0 : f64} : (tensor<3xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>, tensor<f32>) -> (tensor<3xf32>, tensor<3xf32>, tensor<3xf32>)
  return
}

// -----

// Momentum needs the buffer b ...
func.func @rmsprop_momentum_without_buffer(%w: tensor<3xf32>, %g: tensor<3xf32>, %s: tensor<3xf32>, %lr: tensor<f32>) {
  // expected-error @+1 {{'nn.rmsprop_update' op momentum != 0 needs a momentum_buffer operand}}
  %0:2 = nn.rmsprop_update %w, %g, %s, %lr {decay = 0.99 : f64, decay_mult = 1.0 : f64, eps = 1.0e-8 : f64, lr_mult = 1.0 : f64, momentum = 0.9 : f64, weight_decay = 0.0 : f64} : (tensor<3xf32>, tensor<3xf32>, tensor<3xf32>, tensor<f32>) -> (tensor<3xf32>, tensor<3xf32>)
  return
}

// -----

// ... and no momentum keeps none.
func.func @rmsprop_buffer_without_momentum(%w: tensor<3xf32>, %g: tensor<3xf32>, %s: tensor<3xf32>, %b: tensor<3xf32>, %lr: tensor<f32>) {
  // expected-error @+1 {{'nn.rmsprop_update' op a momentum_buffer operand needs momentum != 0}}
  %0:3 = nn.rmsprop_update %w, %g, %s, %b, %lr {decay = 0.99 : f64, decay_mult = 1.0 : f64, eps = 1.0e-8 : f64, lr_mult = 1.0 : f64, momentum = 0.0 : f64, weight_decay = 0.0 : f64} : (tensor<3xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>, tensor<f32>) -> (tensor<3xf32>, tensor<3xf32>, tensor<3xf32>)
  return
}

// -----

func.func @rmsprop_buffer_without_result(%w: tensor<3xf32>, %g: tensor<3xf32>, %s: tensor<3xf32>, %b: tensor<3xf32>, %lr: tensor<f32>) {
  // expected-error @+1 {{'nn.rmsprop_update' op new_momentum_buffer is a result exactly when momentum_buffer is an operand}}
  %0:2 = nn.rmsprop_update %w, %g, %s, %b, %lr {decay = 0.99 : f64, decay_mult = 1.0 : f64, eps = 1.0e-8 : f64, lr_mult = 1.0 : f64, momentum = 0.5 : f64, weight_decay = 0.0 : f64} : (tensor<3xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>, tensor<f32>) -> (tensor<3xf32>, tensor<3xf32>)
  return
}

// -----

func.func @rmsprop_decay(%w: tensor<3xf32>, %g: tensor<3xf32>, %s: tensor<3xf32>, %lr: tensor<f32>) {
  // expected-error @+1 {{'nn.rmsprop_update' op decay must be in [0, 1), got 1.5}}
  %0:2 = nn.rmsprop_update %w, %g, %s, %lr {decay = 1.5 : f64, decay_mult = 1.0 : f64, eps = 1.0e-8 : f64, lr_mult = 1.0 : f64, momentum = 0.0 : f64, weight_decay = 0.0 : f64} : (tensor<3xf32>, tensor<3xf32>, tensor<3xf32>, tensor<f32>) -> (tensor<3xf32>, tensor<3xf32>)
  return
}

// -----

func.func @rmsprop_buffer_type(%w: tensor<3xf32>, %g: tensor<3xf32>, %s: tensor<3xf32>, %b: tensor<2xf32>, %lr: tensor<f32>) {
  // expected-error @+1 {{'nn.rmsprop_update' op solver state must have the param's type 'tensor<3xf32>', got 'tensor<2xf32>'}}
  %0:3 = nn.rmsprop_update %w, %g, %s, %b, %lr {decay = 0.99 : f64, decay_mult = 1.0 : f64, eps = 1.0e-8 : f64, lr_mult = 1.0 : f64, momentum = 0.9 : f64, weight_decay = 0.0 : f64} : (tensor<3xf32>, tensor<3xf32>, tensor<3xf32>, tensor<2xf32>, tensor<f32>) -> (tensor<3xf32>, tensor<3xf32>, tensor<3xf32>)
  return
}

//===----------------------------------------------------------------------===//
// nn.adagrad_update
//===----------------------------------------------------------------------===//

// -----

func.func @adagrad_lr(%w: tensor<3xf32>, %g: tensor<3xf32>, %s: tensor<3xf32>, %lr: tensor<2xf32>) {
  // expected-error @+1 {{'nn.adagrad_update' op lr and step must be scalar f32 tensors, got 'tensor<2xf32>'}}
  %0:2 = nn.adagrad_update %w, %g, %s, %lr {decay_mult = 1.0 : f64, eps = 1.0e-8 : f64, lr_mult = 1.0 : f64, weight_decay = 0.0 : f64} : (tensor<3xf32>, tensor<3xf32>, tensor<3xf32>, tensor<2xf32>) -> (tensor<3xf32>, tensor<3xf32>)
  return
}

// -----

func.func @adagrad_eps(%w: tensor<3xf32>, %g: tensor<3xf32>, %s: tensor<3xf32>, %lr: tensor<f32>) {
  // expected-error @+1 {{'nn.adagrad_update' op eps must be > 0, got -1}}
  %0:2 = nn.adagrad_update %w, %g, %s, %lr {decay_mult = 1.0 : f64, eps = -1.0 : f64, lr_mult = 1.0 : f64, weight_decay = 0.0 : f64} : (tensor<3xf32>, tensor<3xf32>, tensor<3xf32>, tensor<f32>) -> (tensor<3xf32>, tensor<3xf32>)
  return
}

//===----------------------------------------------------------------------===//
// nn.clip_by_global_norm
//===----------------------------------------------------------------------===//

// -----

func.func @clip_ok(%a: tensor<3xf32>, %b: tensor<2x2xf32>) {
  %0:2 = nn.clip_by_global_norm %a, %b {max_norm = 1.0 : f64} : (tensor<3xf32>, tensor<2x2xf32>) -> (tensor<3xf32>, tensor<2x2xf32>)
  return
}

// -----

func.func @clip_result_count(%a: tensor<3xf32>, %b: tensor<2x2xf32>) {
  // expected-error @+1 {{'nn.clip_by_global_norm' op has 2 gradients but 1 results}}
  %0 = nn.clip_by_global_norm %a, %b {max_norm = 1.0 : f64} : (tensor<3xf32>, tensor<2x2xf32>) -> tensor<3xf32>
  return
}

// -----

func.func @clip_result_type(%a: tensor<3xf32>, %b: tensor<2x2xf32>) {
  // expected-error @+1 {{'nn.clip_by_global_norm' op result 1 has type 'tensor<4xf32>', its gradient 'tensor<2x2xf32>'}}
  %0:2 = nn.clip_by_global_norm %a, %b {max_norm = 1.0 : f64} : (tensor<3xf32>, tensor<2x2xf32>) -> (tensor<3xf32>, tensor<4xf32>)
  return
}

// -----

func.func @clip_max_norm(%a: tensor<3xf32>) {
  // expected-error @+1 {{'nn.clip_by_global_norm' op max_norm must be > 0, got 0}}
  %0 = nn.clip_by_global_norm %a {max_norm = 0.0 : f64} : (tensor<3xf32>) -> tensor<3xf32>
  return
}

// -----

func.func @clip_nothing() {
  // expected-error @+1 {{'nn.clip_by_global_norm' op needs at least one gradient}}
  nn.clip_by_global_norm {max_norm = 1.0 : f64} : () -> ()
  return
}

//===----------------------------------------------------------------------===//
// nn.state_of / nn.state
//===----------------------------------------------------------------------===//

// -----

module {
  nn.parameter @w : tensor<3xf32> {decay_mult = 1.0 : f64, init = "xavier()", lr_mult = 1.0 : f64}
  // expected-error @+1 {{'nn.state_of' on argument 0 needs 'nn.state', the kind of state}}
  func.func @f(%m: tensor<3xf32> {nn.state_of = @w}) {
    return
  }
}

// -----

module {
  nn.parameter @w : tensor<3xf32> {decay_mult = 1.0 : f64, init = "xavier()", lr_mult = 1.0 : f64}
  // expected-error @+1 {{'nn.state' must be "velocity", "m", "s" or "b", got "momentum"}}
  func.func @f(%m: tensor<3xf32> {nn.state_of = @w, nn.state = "momentum"}) {
    return
  }
}

// -----

module {
  // expected-error @+1 {{'nn.state' on argument 0 needs 'nn.state_of'}}
  func.func @f(%m: tensor<3xf32> {nn.state = "m"}) {
    return
  }
}

// -----

module {
  nn.parameter @w : tensor<3xf32> {decay_mult = 1.0 : f64, init = "xavier()", lr_mult = 1.0 : f64}
  // expected-error @+1 {{'nn.state_of': argument 0 has type 'tensor<4xf32>', but @w is 'tensor<3xf32>'}}
  func.func @f(%m: tensor<4xf32> {nn.state_of = @w, nn.state = "s"}) {
    return
  }
}

// -----

module {
  // expected-error @+1 {{'nn.state_of' names @nope, which is not an nn.parameter}}
  func.func @f(%m: tensor<4xf32> {nn.state_of = @nope, nn.state = "s"}) {
    return
  }
}
