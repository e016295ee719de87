//===- NNOps.td - Ops of the nn dialect -------------------------*- tablegen -*-===//
#ifndef NNC_NN_OPS
#define NNC_NN_OPS

include "ir/NNDialect.td"
include "ir/VjpInterface.td"
include "mlir/IR/SymbolInterfaces.td"
include "mlir/Interfaces/InferTypeOpInterface.td"
include "mlir/Interfaces/SideEffectInterfaces.td"

// A forward op: pure, its result type inferred by the shared shape rules,
// differentiable through VjpOpInterface.
class NN_ForwardOp<string mnemonic, list<Trait> traits = []>
    : NN_Op<mnemonic, !listconcat(traits, [Pure,
        DeclareOpInterfaceMethods<InferTypeOpInterface>,
        DeclareOpInterfaceMethods<VjpOpInterface>])>;

// A backward or solver op: pure, result types spelled out.
class NN_DerivedOp<string mnemonic, list<Trait> traits = []>
    : NN_Op<mnemonic, !listconcat(traits, [Pure])> {
  let assemblyFormat = "operands attr-dict `:` functional-type(operands, results)";
}

//===----------------------------------------------------------------------===//
// Parameters
//===----------------------------------------------------------------------===//

def NN_ParameterOp : NN_Op<"parameter", [Symbol, HasParent<"::mlir::ModuleOp">]> {
  let summary = "A trainable (or running) parameter of the network";
  let description = [{
    Module-level metadata of one parameter: its stable name, type, initializer
    and learning-rate and decay multipliers. Functions take parameters as
    arguments tagged `nn.param = @name`; there are no globals, so one compiled
    library can hold several model instances.

    ```mlir
    nn.parameter @"conv1.weight" : tensor<20x1x5x5xf32> {init = "xavier()", lr_mult = 1.0 : f64, decay_mult = 1.0 : f64}
    ```
  }];
  let arguments = (ins SymbolNameAttr:$sym_name, TypeAttr:$type, StrAttr:$init,
                       F64Attr:$lr_mult, F64Attr:$decay_mult, UnitAttr:$frozen);
  let assemblyFormat = "$sym_name `:` $type attr-dict";
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// Forward ops
//===----------------------------------------------------------------------===//

def NN_Conv2dOp : NN_ForwardOp<"conv2d"> {
  let summary = "2-D convolution, NCHW input, OIHW weights";
  let description = [{
    `y[n, o, i, j] = b[o] + sum over c in o's group, p, q of
    x[n, c, i*s + p*d - pad, j*s + q*d - pad] * w[o, c, p, q]`; the weight's
    second dimension is the channel count per group.
  }];
  let arguments = (ins AnyRankedTensor:$input, AnyRankedTensor:$weight,
                       Optional<AnyRankedTensor>:$bias,
                       DenseI64ArrayAttr:$stride, DenseI64ArrayAttr:$pad,
                       DenseI64ArrayAttr:$dilation, I64Attr:$groups);
  let results = (outs AnyRankedTensor:$result);
  let assemblyFormat = [{
    $input `,` $weight (`,` $bias^)? attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

def NN_MaxPoolOp : NN_ForwardOp<"max_pool"> {
  let summary = "Max pooling over H and W";
  let description = [{
    Padded cells never win. With `ceil`, the output size rounds up (Caffe),
    dropping a last window that would start in the padding.
  }];
  let arguments = (ins AnyRankedTensor:$input, DenseI64ArrayAttr:$kernel,
                       DenseI64ArrayAttr:$stride, DenseI64ArrayAttr:$pad, BoolAttr:$ceil);
  let results = (outs AnyRankedTensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($result)";
  let hasVerifier = 1;
}

def NN_DenseOp : NN_ForwardOp<"dense"> {
  let summary = "Fully connected layer: y = x w^T + b";
  let arguments = (ins AnyRankedTensor:$input, AnyRankedTensor:$weight,
                       Optional<AnyRankedTensor>:$bias);
  let results = (outs AnyRankedTensor:$result);
  let assemblyFormat = [{
    $input `,` $weight (`,` $bias^)? attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

def NN_ReluOp : NN_ForwardOp<"relu"> {
  let summary = "max(x, 0)";
  let arguments = (ins AnyRankedTensor:$input);
  let results = (outs AnyRankedTensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($result)";
  let hasFolder = 1;
}

class NN_UnaryOp<string mnemonic, string what> : NN_ForwardOp<mnemonic> {
  let summary = what;
  let arguments = (ins AnyRankedTensor:$input);
  let results = (outs AnyRankedTensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($result)";
}
def NN_SigmoidOp : NN_UnaryOp<"sigmoid", "1 / (1 + exp(-x))">;
def NN_TanhOp : NN_UnaryOp<"tanh", "Hyperbolic tangent">;
def NN_GeluOp : NN_UnaryOp<"gelu", "x * (1 + erf(x / sqrt(2))) / 2 (the erf form)">;

def NN_LeakyReluOp : NN_ForwardOp<"leaky_relu"> {
  let summary = "x where x > 0, else slope * x";
  let arguments = (ins AnyRankedTensor:$input, F64Attr:$slope);
  let results = (outs AnyRankedTensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($result)";
}

def NN_SoftmaxOp : NN_ForwardOp<"softmax"> {
  let summary = "Softmax along `axis` (negative counts from the end)";
  let arguments = (ins AnyRankedTensor:$input, I64Attr:$axis);
  let results = (outs AnyRankedTensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($result)";
  let extraClassDeclaration = [{
    /// The axis in [0, rank).
    int64_t getAxisIndex() {
      int64_t axis = (int64_t)getAxis(); // I64Attr reads back as uint64_t
      return axis < 0 ? axis + getInput().getType().getRank() : axis;
    }
  }];
}

def NN_FlattenOp : NN_ForwardOp<"flatten"> {
  let summary = "Collapse the dimensions from `axis` on into one";
  let arguments = (ins AnyRankedTensor:$input, I64Attr:$axis);
  let results = (outs AnyRankedTensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($result)";
  // Folds to its input when the shape does not change; a flatten of a
  // reshape or flatten becomes one reshape.
  let hasFolder = 1;
  let hasCanonicalizeMethod = 1;
}

def NN_SoftmaxCrossEntropyOp : NN_ForwardOp<"softmax_cross_entropy"> {
  let summary = "Mean softmax cross-entropy over the batch";
  let description = [{
    `mean over n of -log(softmax(logits[n])[labels[n]])`, a scalar.
  }];
  let arguments = (ins AnyRankedTensor:$logits, AnyRankedTensor:$labels);
  let results = (outs AnyRankedTensor:$result);
  let assemblyFormat = "$logits `,` $labels attr-dict `:` type($logits) `,` type($labels) `->` type($result)";
}

def NN_AccuracyOp : NN_ForwardOp<"accuracy"> {
  let summary = "Fraction of examples whose label is among the top_k logits";
  let description = [{
    Caffe's rule: an example counts when fewer than `top_k` other logits are
    greater than or equal to its label's logit, so ties count against it.
  }];
  let arguments = (ins AnyRankedTensor:$logits, AnyRankedTensor:$labels, I64Attr:$top_k);
  let results = (outs AnyRankedTensor:$result);
  let assemblyFormat = "$logits `,` $labels attr-dict `:` type($logits) `,` type($labels) `->` type($result)";
}

class NN_BroadcastOp<string mnemonic, string what> : NN_ForwardOp<mnemonic> {
  let summary = what # " with NumPy broadcasting";
  let arguments = (ins AnyRankedTensor:$lhs, AnyRankedTensor:$rhs);
  let results = (outs AnyRankedTensor:$result);
  let assemblyFormat = "$lhs `,` $rhs attr-dict `:` type($lhs) `,` type($rhs) `->` type($result)";
}
def NN_AddOp : NN_BroadcastOp<"add", "Elementwise sum">;
def NN_MulOp : NN_BroadcastOp<"mul", "Elementwise product">;
def NN_SubOp : NN_BroadcastOp<"sub", "Elementwise difference">;
def NN_DivOp : NN_BroadcastOp<"div", "Elementwise quotient">;

def NN_ScaleOp : NN_ForwardOp<"scale"> {
  let summary = "x * factor";
  let arguments = (ins AnyRankedTensor:$input, F64Attr:$factor);
  let results = (outs AnyRankedTensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($result)";
  let hasFolder = 1;
}

def NN_AvgPoolOp : NN_ForwardOp<"avg_pool"> {
  let summary = "Average pooling over H and W";
  let description = [{
    Each sum is divided by the number of window cells inside the padded
    input: padding counts, the part of a `ceil` window beyond it does not.
  }];
  let arguments = (ins AnyRankedTensor:$input, DenseI64ArrayAttr:$kernel,
                       DenseI64ArrayAttr:$stride, DenseI64ArrayAttr:$pad, BoolAttr:$ceil);
  let results = (outs AnyRankedTensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($result)";
  let hasVerifier = 1;
}

def NN_LrnOp : NN_ForwardOp<"lrn"> {
  let summary = "Local response normalization across channels (Caffe)";
  let description = [{
    `y[c] = x[c] / (k + alpha/size * sum over c' in [c - (size-1)/2, c + (size-1)/2]
    of x[c']^2)^beta`, channels on dim 1.
  }];
  let arguments = (ins AnyRankedTensor:$input, I64Attr:$size, F64Attr:$alpha,
                       F64Attr:$beta, F64Attr:$k);
  let results = (outs AnyRankedTensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($result)";
}

def NN_BatchNormOp : NN_ForwardOp<"batch_norm"> {
  let summary = "Batch normalization per channel (dim 1) over every other dim";
  let description = [{
    `x` is `[N, C]` or `[N, C, H, W]`; `affine` holds `weight` and `bias`
    (`[C]`, both or neither), then come `running_mean` and `running_var`
    (`[C]`, frozen parameters). In `@train_step`, `result = (x - mean) *
    invstd * weight + bias` with the batch's `mean` and `invstd = 1 /
    sqrt(var + eps)` (`var` biased, over `M = numel / C` values), which the
    op returns for its VJP; the lowering then updates the running statistics
    in place in the state arena: `running = momentum * running + (1 -
    momentum) * batch`, with the unbiased variance `var * M / (M - 1)`.
    Elsewhere (`@forward`, the evaluation step) `result` uses the running
    statistics, and `mean` and `invstd` are those of the running statistics
    (computed only when something reads them).
  }];
  let arguments = (ins AnyRankedTensor:$input, Variadic<AnyRankedTensor>:$affine,
                       AnyRankedTensor:$running_mean, AnyRankedTensor:$running_var,
                       F64Attr:$momentum, F64Attr:$eps);
  let results = (outs AnyRankedTensor:$result, AnyRankedTensor:$mean, AnyRankedTensor:$invstd);
  let assemblyFormat = "operands attr-dict `:` functional-type(operands, results)";
  let hasVerifier = 1;
  let extraClassDeclaration = [{
    /// The affine weight and bias, or null without affine.
    ::mlir::Value getWeight() { return getAffine().empty() ? ::mlir::Value() : getAffine()[0]; }
    ::mlir::Value getBias() { return getAffine().size() < 2 ? ::mlir::Value() : getAffine()[1]; }
  }];
}

def NN_DropoutOp : NN_ForwardOp<"dropout"> {
  let summary = "Inverted dropout; the identity when evaluating";
  let description = [{
    In `@train_step`, `mask` (0 or 1, of the input's type) is drawn by the
    runtime's counter-based generator from (seed, `stream`, step, element)
    and `result = input * mask / (1 - rate)`; the VJP multiplies by the same
    mask, the op's second result. Elsewhere (`@forward`, the evaluation
    step) `result` is the input and `mask` is not computed.
  }];
  let arguments = (ins AnyRankedTensor:$input, F64Attr:$rate, I64Attr:$stream);
  let results = (outs AnyRankedTensor:$result, AnyRankedTensor:$mask);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type(results)";
  let hasVerifier = 1;
}

def NN_ConcatOp : NN_ForwardOp<"concat"> {
  let summary = "Joins tensors along `axis`";
  let arguments = (ins Variadic<AnyRankedTensor>:$inputs, I64Attr:$axis);
  let results = (outs AnyRankedTensor:$result);
  let assemblyFormat = "$inputs attr-dict `:` functional-type(operands, results)";
  let extraClassDeclaration = [{
    /// The axis in [0, rank).
    int64_t getAxisIndex() {
      int64_t axis = (int64_t)getAxis();
      return axis < 0 ? axis + getResult().getType().getRank() : axis;
    }
  }];
}

def NN_TransposeOp : NN_ForwardOp<"transpose"> {
  let summary = "Permutes dimensions: result dim i is the input's dim perm[i]";
  let arguments = (ins AnyRankedTensor:$input, DenseI64ArrayAttr:$perm);
  let results = (outs AnyRankedTensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($result)";
  // The identity permutation folds away; a transpose of a transpose becomes
  // one (or none, when the composed permutation is the identity).
  let hasFolder = 1;
}

//===----------------------------------------------------------------------===//
// Backward ops (vendor libraries have primitives for these)
//===----------------------------------------------------------------------===//

def NN_Conv2dBackwardDataOp : NN_DerivedOp<"conv2d_backward_data"> {
  let hasVerifier = 1;
  let summary = "Gradient of conv2d with respect to its input";
  let arguments = (ins AnyRankedTensor:$grad, AnyRankedTensor:$weight,
                       DenseI64ArrayAttr:$stride, DenseI64ArrayAttr:$pad,
                       DenseI64ArrayAttr:$dilation, I64Attr:$groups);
  let results = (outs AnyRankedTensor:$result);
}

def NN_Conv2dBackwardFilterOp : NN_DerivedOp<"conv2d_backward_filter"> {
  let hasVerifier = 1;
  let summary = "Gradients of conv2d with respect to its weight and bias";
  let arguments = (ins AnyRankedTensor:$input, AnyRankedTensor:$grad,
                       DenseI64ArrayAttr:$stride, DenseI64ArrayAttr:$pad,
                       DenseI64ArrayAttr:$dilation, I64Attr:$groups);
  let results = (outs AnyRankedTensor:$weight_grad, Optional<AnyRankedTensor>:$bias_grad);
}

def NN_MaxPoolBackwardOp : NN_DerivedOp<"max_pool_backward", [AllTypesMatch<["input", "result"]>]> {
  let summary = "Routes each output gradient to its window's maximum";
  let description = [{
    The saved value is the forward input: the reference and generated code
    recompute the argmax from it, library code uses the workspace its forward
    call kept (the same call site, found through `input`).
  }];
  let arguments = (ins AnyRankedTensor:$input, AnyRankedTensor:$grad, DenseI64ArrayAttr:$kernel,
                       DenseI64ArrayAttr:$stride, DenseI64ArrayAttr:$pad, BoolAttr:$ceil);
  let results = (outs AnyRankedTensor:$result);
  let hasVerifier = 1;
}

def NN_DenseBackwardDataOp : NN_DerivedOp<"dense_backward_data"> {
  let hasVerifier = 1;
  let summary = "dx = dy w";
  let arguments = (ins AnyRankedTensor:$grad, AnyRankedTensor:$weight);
  let results = (outs AnyRankedTensor:$result);
}

def NN_DenseBackwardWeightsOp : NN_DerivedOp<"dense_backward_weights"> {
  let hasVerifier = 1;
  let summary = "dw = dy^T x, db = sum of dy over the batch";
  let arguments = (ins AnyRankedTensor:$input, AnyRankedTensor:$grad);
  let results = (outs AnyRankedTensor:$weight_grad, Optional<AnyRankedTensor>:$bias_grad);
}

def NN_ReluBackwardOp : NN_DerivedOp<"relu_backward", [AllTypesMatch<["grad", "input", "result"]>]> {
  let summary = "dy where the forward input was positive, else 0";
  let arguments = (ins AnyRankedTensor:$grad, AnyRankedTensor:$input);
  let results = (outs AnyRankedTensor:$result);
}

// Activation gradients take the forward input, as the reference kernels do.
class NN_ActivationBackwardOp<string mnemonic, string what>
    : NN_DerivedOp<mnemonic, [AllTypesMatch<["grad", "input", "result"]>]> {
  let summary = what;
  let arguments = (ins AnyRankedTensor:$grad, AnyRankedTensor:$input);
  let results = (outs AnyRankedTensor:$result);
}
def NN_SigmoidBackwardOp : NN_ActivationBackwardOp<"sigmoid_backward", "dy * s * (1 - s), s = sigmoid(x)">;
def NN_TanhBackwardOp : NN_ActivationBackwardOp<"tanh_backward", "dy * (1 - tanh(x)^2)">;
def NN_GeluBackwardOp : NN_ActivationBackwardOp<"gelu_backward",
    "dy * ((1 + erf(x / sqrt(2))) / 2 + x * exp(-x^2 / 2) / sqrt(2 pi))">;

def NN_LeakyReluBackwardOp : NN_DerivedOp<"leaky_relu_backward", [AllTypesMatch<["grad", "input", "result"]>]> {
  let summary = "dy where the forward input was positive, else slope * dy";
  let arguments = (ins AnyRankedTensor:$grad, AnyRankedTensor:$input, F64Attr:$slope);
  let results = (outs AnyRankedTensor:$result);
}

def NN_SoftmaxBackwardOp : NN_DerivedOp<"softmax_backward"> {
  let summary = "y * (dy - sum over axis of dy * y), from the forward output y";
  let arguments = (ins AnyRankedTensor:$grad, AnyRankedTensor:$output, I64Attr:$axis);
  let results = (outs AnyRankedTensor:$result);
  let hasVerifier = 1;
}

def NN_SoftmaxCrossEntropyBackwardOp : NN_DerivedOp<"softmax_cross_entropy_backward",
    [AllTypesMatch<["logits", "result"]>]> {
  let summary = "(softmax(logits) - onehot(labels)) * dloss / N";
  let arguments = (ins AnyRankedTensor:$logits, AnyRankedTensor:$labels, AnyRankedTensor:$grad);
  let results = (outs AnyRankedTensor:$result);
}

def NN_AvgPoolBackwardOp : NN_DerivedOp<"avg_pool_backward"> {
  let summary = "Spreads each output gradient evenly over its window";
  let arguments = (ins AnyRankedTensor:$grad, DenseI64ArrayAttr:$kernel,
                       DenseI64ArrayAttr:$stride, DenseI64ArrayAttr:$pad, BoolAttr:$ceil);
  let results = (outs AnyRankedTensor:$result);
  let hasVerifier = 1;
}

def NN_LrnBackwardOp : NN_DerivedOp<"lrn_backward", [AllTypesMatch<["grad", "input", "result"]>]> {
  let summary = "Gradient of lrn from the forward input";
  let arguments = (ins AnyRankedTensor:$grad, AnyRankedTensor:$input, I64Attr:$size,
                       F64Attr:$alpha, F64Attr:$beta, F64Attr:$k);
  let results = (outs AnyRankedTensor:$result);
}

def NN_DropoutBackwardOp : NN_DerivedOp<"dropout_backward", [AllTypesMatch<["grad", "mask", "result"]>]> {
  let summary = "dy * mask / (1 - rate), with the forward's mask";
  let arguments = (ins AnyRankedTensor:$grad, AnyRankedTensor:$mask, F64Attr:$rate);
  let results = (outs AnyRankedTensor:$result);
}

def NN_BatchNormBackwardOp : NN_DerivedOp<"batch_norm_backward"> {
  let summary = "Gradients of training-mode batch_norm, from its saved mean and invstd";
  let description = [{
    Per channel, with `xhat = (x - mean) * invstd` and `M = numel / C`:
    `dbias = sum dy`, `dweight = sum dy * xhat`, `dx = weight * invstd / M *
    (M * dy - dbias - xhat * dweight)` (weight 1 without affine).
    `param_grads` is `(dweight, dbias)` with a weight, else empty.
  }];
  let arguments = (ins AnyRankedTensor:$grad, AnyRankedTensor:$input, Optional<AnyRankedTensor>:$weight,
                       AnyRankedTensor:$mean, AnyRankedTensor:$invstd);
  let results = (outs AnyRankedTensor:$result, Variadic<AnyRankedTensor>:$param_grads);
  let hasVerifier = 1;
}

def NN_ConcatBackwardOp : NN_DerivedOp<"concat_backward"> {
  let summary = "Splits a gradient along `axis` into one slice per concat operand";
  let arguments = (ins AnyRankedTensor:$grad, I64Attr:$axis);
  let results = (outs Variadic<AnyRankedTensor>:$results);
  let hasVerifier = 1;
}

def NN_ReshapeOp : NN_Op<"reshape", [Pure, DeclareOpInterfaceMethods<VjpOpInterface>]> {
  let summary = "The same elements in another shape";
  let description = [{
    The front end's `reshape` (result type spelled out, `?` kept where the
    batch goes) and the gradient of flatten and reshape. Lowered as a view.
  }];
  let arguments = (ins AnyRankedTensor:$input);
  let results = (outs AnyRankedTensor:$result);
  let assemblyFormat = "operands attr-dict `:` functional-type(operands, results)";
  let hasVerifier = 1;
  // A reshape to the input's own type folds away; a reshape of a reshape or
  // flatten reads that op's input.
  let hasFolder = 1;
}

def NN_ReduceToOp : NN_DerivedOp<"reduce_to"> {
  let summary = "Sums a broadcast gradient back to an operand's shape";
  let arguments = (ins AnyRankedTensor:$input);
  let results = (outs AnyRankedTensor:$result);
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// Solver updates
//===----------------------------------------------------------------------===//

def NN_SgdUpdateOp : NN_DerivedOp<"sgd_update"> {
  let summary = "One step of SGD with momentum and weight decay (Caffe's form)";
  let description = [{
    `v' = momentum * v + lr * lr_mult * (g + weight_decay * decay_mult * w)`,
    `w' = w - v'`; with nesterov, `w' = w - (momentum * v' + lr * lr_mult *
    (g + weight_decay * decay_mult * w))`. `lr` is a scalar tensor computed by
    the host from the learning-rate policy at each iteration.
  }];
  let arguments = (ins AnyRankedTensor:$param, AnyRankedTensor:$grad, AnyRankedTensor:$velocity,
                       AnyRankedTensor:$lr, F64Attr:$momentum, F64Attr:$weight_decay,
                       F64Attr:$lr_mult, F64Attr:$decay_mult, BoolAttr:$nesterov);
  let results = (outs AnyRankedTensor:$new_param, AnyRankedTensor:$new_velocity);
  let hasVerifier = 1;
}

def NN_AdamUpdateOp : NN_DerivedOp<"adam_update"> {
  let summary = "One step of Adam (or AdamW with `decoupled`)";
  let description = [{
    With `eta = lr * lr_mult`, `lambda = weight_decay * decay_mult` and `t`
    the completed steps (`step`, a scalar f32 holding an integer): Adam first
    adds the decay to the gradient, `g += lambda * w`; then `m' = beta1 * m +
    (1 - beta1) * g`, `s' = beta2 * s + (1 - beta2) * g^2`, `mhat = m' / (1 -
    beta1^(t+1))`, `shat = s' / (1 - beta2^(t+1))`, and `w' = w - eta * mhat
    / (sqrt(shat) + eps)`. AdamW (`decoupled`) leaves g as it is and decays
    the weight directly: `w' = w - eta * (mhat / (sqrt(shat) + eps) + lambda
    * w)`.
  }];
  let arguments = (ins AnyRankedTensor:$param, AnyRankedTensor:$grad, AnyRankedTensor:$m,
                       AnyRankedTensor:$s, AnyRankedTensor:$lr, AnyRankedTensor:$step,
                       F64Attr:$beta1, F64Attr:$beta2, F64Attr:$eps, F64Attr:$weight_decay,
                       F64Attr:$lr_mult, F64Attr:$decay_mult, BoolAttr:$decoupled);
  let results = (outs AnyRankedTensor:$new_param, AnyRankedTensor:$new_m, AnyRankedTensor:$new_s);
  let hasVerifier = 1;
}

def NN_RmspropUpdateOp : NN_DerivedOp<"rmsprop_update"> {
  let summary = "One step of RMSprop, with a momentum buffer when momentum is not 0";
  let description = [{
    `g += lambda * w`, `s' = decay * s + (1 - decay) * g^2`; without
    momentum `w' = w - eta * g / (sqrt(s') + eps)`; with it (then the
    `momentum_buffer` operand and `new_momentum_buffer` result are present)
    `b' = momentum * b + g / (sqrt(s') + eps)`, `w' = w - eta * b'`.
    `eta = lr * lr_mult`, `lambda = weight_decay * decay_mult`.
  }];
  let arguments = (ins AnyRankedTensor:$param, AnyRankedTensor:$grad, AnyRankedTensor:$s,
                       Optional<AnyRankedTensor>:$momentum_buffer, AnyRankedTensor:$lr,
                       F64Attr:$decay, F64Attr:$eps, F64Attr:$momentum, F64Attr:$weight_decay,
                       F64Attr:$lr_mult, F64Attr:$decay_mult);
  let results = (outs AnyRankedTensor:$new_param, AnyRankedTensor:$new_s,
                      Optional<AnyRankedTensor>:$new_momentum_buffer);
  let hasVerifier = 1;
}

def NN_AdagradUpdateOp : NN_DerivedOp<"adagrad_update"> {
  let summary = "One step of Adagrad";
  let description = [{
    `g += lambda * w`, `s' = s + g^2`, `w' = w - eta * g / (sqrt(s') + eps)`,
    with `eta = lr * lr_mult` and `lambda = weight_decay * decay_mult`.
  }];
  let arguments = (ins AnyRankedTensor:$param, AnyRankedTensor:$grad, AnyRankedTensor:$s,
                       AnyRankedTensor:$lr, F64Attr:$eps, F64Attr:$weight_decay,
                       F64Attr:$lr_mult, F64Attr:$decay_mult);
  let results = (outs AnyRankedTensor:$new_param, AnyRankedTensor:$new_s);
  let hasVerifier = 1;
}

def NN_ClipByGlobalNormOp : NN_DerivedOp<"clip_by_global_norm"> {
  let summary = "Scales all gradients together so that their L2 norm is at most max_norm";
  let description = [{
    `n = sqrt(sum over every operand and element of g^2)`; if `n > max_norm`
    every operand is multiplied by `max_norm / n`, else returned unchanged.
    One result per operand, of its type.
  }];
  let arguments = (ins Variadic<AnyRankedTensor>:$grads, F64Attr:$max_norm);
  let results = (outs Variadic<AnyRankedTensor>:$results);
  let hasVerifier = 1;
}

#endif // NNC_NN_OPS
