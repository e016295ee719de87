//===- Vjp.cpp - Vector-Jacobian products of nn ops ------------------------===//
//
// Each forward op states the gradients of its operands in terms of nn ops,
// using the explicit backward ops where vendor libraries have primitives.
// A null result gradient means "no gradient flows here".
//
//===----------------------------------------------------------------------===//
#include "ir/NNOps.h"

#include "mlir/IR/Builders.h"

using namespace mlir;
using namespace nnc::nn;

namespace {

/// Sums a broadcast gradient back to `target`'s type when they differ.
Value reduceTo(OpBuilder &b, Location loc, Value grad, Type target) {
  if (grad.getType() == target) return grad;
  return b.create<ReduceToOp>(loc, target, grad);
}

} // namespace

SmallVector<Value> Conv2dOp::buildVjp(OpBuilder &b, ValueRange resultGrads) {
  Value dy = resultGrads[0];
  if (!dy) return {Value(), Value(), Value()};
  Location loc = getLoc();
  Value dx = b.create<Conv2dBackwardDataOp>(loc, getInput().getType(), dy, getWeight(), getStrideAttr(),
                                            getPadAttr(), getDilationAttr(), getGroupsAttr());
  Type biasType = getBias() ? getBias().getType() : Type();
  auto filter = b.create<Conv2dBackwardFilterOp>(loc, getWeight().getType(), biasType, getInput(), dy,
                                                 getStrideAttr(), getPadAttr(), getDilationAttr(),
                                                 getGroupsAttr());
  return {dx, filter.getWeightGrad(), getBias() ? filter.getBiasGrad() : Value()};
}

SmallVector<Value> MaxPoolOp::buildVjp(OpBuilder &b, ValueRange resultGrads) {
  if (!resultGrads[0]) return {Value()};
  return {b.create<MaxPoolBackwardOp>(getLoc(), getInput().getType(), getInput(), resultGrads[0],
                                      getKernelAttr(), getStrideAttr(), getPadAttr(), getCeilAttr())};
}

SmallVector<Value> DenseOp::buildVjp(OpBuilder &b, ValueRange resultGrads) {
  Value dy = resultGrads[0];
  if (!dy) return {Value(), Value(), Value()};
  Location loc = getLoc();
  Value dx = b.create<DenseBackwardDataOp>(loc, getInput().getType(), dy, getWeight());
  Type biasType = getBias() ? getBias().getType() : Type();
  auto w = b.create<DenseBackwardWeightsOp>(loc, getWeight().getType(), biasType, getInput(), dy);
  return {dx, w.getWeightGrad(), getBias() ? w.getBiasGrad() : Value()};
}

SmallVector<Value> ReluOp::buildVjp(OpBuilder &b, ValueRange resultGrads) {
  if (!resultGrads[0]) return {Value()};
  return {b.create<ReluBackwardOp>(getLoc(), getInput().getType(), resultGrads[0], getInput())};
}

SmallVector<Value> SigmoidOp::buildVjp(OpBuilder &b, ValueRange resultGrads) {
  if (!resultGrads[0]) return {Value()};
  return {b.create<SigmoidBackwardOp>(getLoc(), getInput().getType(), resultGrads[0], getInput())};
}

SmallVector<Value> TanhOp::buildVjp(OpBuilder &b, ValueRange resultGrads) {
  if (!resultGrads[0]) return {Value()};
  return {b.create<TanhBackwardOp>(getLoc(), getInput().getType(), resultGrads[0], getInput())};
}

SmallVector<Value> GeluOp::buildVjp(OpBuilder &b, ValueRange resultGrads) {
  if (!resultGrads[0]) return {Value()};
  return {b.create<GeluBackwardOp>(getLoc(), getInput().getType(), resultGrads[0], getInput())};
}

SmallVector<Value> LeakyReluOp::buildVjp(OpBuilder &b, ValueRange resultGrads) {
  if (!resultGrads[0]) return {Value()};
  return {b.create<LeakyReluBackwardOp>(getLoc(), getInput().getType(), resultGrads[0], getInput(),
                                        getSlopeAttr())};
}

SmallVector<Value> SoftmaxOp::buildVjp(OpBuilder &b, ValueRange resultGrads) {
  if (!resultGrads[0]) return {Value()};
  return {b.create<SoftmaxBackwardOp>(getLoc(), getInput().getType(), resultGrads[0], getResult(),
                                      b.getI64IntegerAttr(getAxisIndex()))};
}

SmallVector<Value> FlattenOp::buildVjp(OpBuilder &b, ValueRange resultGrads) {
  if (!resultGrads[0]) return {Value()};
  return {b.create<ReshapeOp>(getLoc(), getInput().getType(), resultGrads[0])};
}

SmallVector<Value> SoftmaxCrossEntropyOp::buildVjp(OpBuilder &b, ValueRange resultGrads) {
  if (!resultGrads[0]) return {Value(), Value()};
  Value dlogits = b.create<SoftmaxCrossEntropyBackwardOp>(getLoc(), getLogits().getType(), getLogits(),
                                                          getLabels(), resultGrads[0]);
  return {dlogits, Value()}; // labels are data, not differentiable
}

SmallVector<Value> AccuracyOp::buildVjp(OpBuilder &, ValueRange) {
  return {Value(), Value()}; // piecewise constant: no gradient
}

SmallVector<Value> AddOp::buildVjp(OpBuilder &b, ValueRange resultGrads) {
  Value dy = resultGrads[0];
  if (!dy) return {Value(), Value()};
  return {reduceTo(b, getLoc(), dy, getLhs().getType()), reduceTo(b, getLoc(), dy, getRhs().getType())};
}

SmallVector<Value> MulOp::buildVjp(OpBuilder &b, ValueRange resultGrads) {
  Value dy = resultGrads[0];
  if (!dy) return {Value(), Value()};
  Location loc = getLoc();
  Value dl = b.create<MulOp>(loc, dy, getRhs());
  Value dr = b.create<MulOp>(loc, dy, getLhs());
  return {reduceTo(b, loc, dl, getLhs().getType()), reduceTo(b, loc, dr, getRhs().getType())};
}

SmallVector<Value> SubOp::buildVjp(OpBuilder &b, ValueRange resultGrads) {
  Value dy = resultGrads[0];
  if (!dy) return {Value(), Value()};
  Location loc = getLoc();
  Value dr = b.create<ScaleOp>(loc, dy, b.getF64FloatAttr(-1.0));
  return {reduceTo(b, loc, dy, getLhs().getType()), reduceTo(b, loc, dr, getRhs().getType())};
}

SmallVector<Value> DivOp::buildVjp(OpBuilder &b, ValueRange resultGrads) {
  Value dy = resultGrads[0];
  if (!dy) return {Value(), Value()};
  Location loc = getLoc();
  // d(a/b)/da = 1/b; d(a/b)/db = -a/b^2 = -(a/b)/b, reusing the forward result.
  Value dl = b.create<DivOp>(loc, dy, getRhs());
  Value dyq = b.create<MulOp>(loc, dy, getResult());
  Value dr = b.create<ScaleOp>(loc, b.create<DivOp>(loc, dyq, getRhs()), b.getF64FloatAttr(-1.0));
  return {reduceTo(b, loc, dl, getLhs().getType()), reduceTo(b, loc, dr, getRhs().getType())};
}

SmallVector<Value> ScaleOp::buildVjp(OpBuilder &b, ValueRange resultGrads) {
  if (!resultGrads[0]) return {Value()};
  return {b.create<ScaleOp>(getLoc(), resultGrads[0], getFactorAttr())};
}

SmallVector<Value> AvgPoolOp::buildVjp(OpBuilder &b, ValueRange resultGrads) {
  if (!resultGrads[0]) return {Value()};
  return {b.create<AvgPoolBackwardOp>(getLoc(), getInput().getType(), resultGrads[0], getKernelAttr(),
                                      getStrideAttr(), getPadAttr(), getCeilAttr())};
}

SmallVector<Value> LrnOp::buildVjp(OpBuilder &b, ValueRange resultGrads) {
  if (!resultGrads[0]) return {Value()};
  return {b.create<LrnBackwardOp>(getLoc(), getInput().getType(), resultGrads[0], getInput(), getSizeAttr(),
                                  getAlphaAttr(), getBetaAttr(), getKAttr())};
}

SmallVector<Value> DropoutOp::buildVjp(OpBuilder &b, ValueRange resultGrads) {
  // The mask (result 1) is drawn, not computed from the input: no gradient flows through it.
  if (!resultGrads[0]) return {Value()};
  return {b.create<DropoutBackwardOp>(getLoc(), getInput().getType(), resultGrads[0], getMask(), getRateAttr())};
}

SmallVector<Value> ConcatOp::buildVjp(OpBuilder &b, ValueRange resultGrads) {
  SmallVector<Value> none(getInputs().size(), Value());
  if (!resultGrads[0]) return none;
  SmallVector<Type> types(getInputs().getTypes());
  auto split = b.create<ConcatBackwardOp>(getLoc(), types, resultGrads[0], b.getI64IntegerAttr(getAxisIndex()));
  return SmallVector<Value>(split.getResults());
}

SmallVector<Value> TransposeOp::buildVjp(OpBuilder &b, ValueRange resultGrads) {
  if (!resultGrads[0]) return {Value()};
  ArrayRef<int64_t> perm = getPerm();
  SmallVector<int64_t> inverse(perm.size());
  for (size_t i = 0; i < perm.size(); ++i) inverse[perm[i]] = (int64_t)i;
  return {b.create<TransposeOp>(getLoc(), resultGrads[0], b.getDenseI64ArrayAttr(inverse))};
}

SmallVector<Value> ReshapeOp::buildVjp(OpBuilder &b, ValueRange resultGrads) {
  if (!resultGrads[0]) return {Value()};
  return {b.create<ReshapeOp>(getLoc(), getInput().getType(), resultGrads[0])};
}

SmallVector<Value> BatchNormOp::buildVjp(OpBuilder &b, ValueRange resultGrads) {
  // Operands: input, (weight, bias)?, running_mean, running_var; the running
  // statistics are frozen, and mean and invstd (results 1, 2) are saved
  // values the backward reads: no gradient flows through them.
  SmallVector<Value> grads(getNumOperands(), Value());
  Value dy = resultGrads[0];
  if (!dy) return grads;
  Value w = getWeight();
  SmallVector<Type> paramTypes;
  if (w) paramTypes = {w.getType(), getBias().getType()};
  auto bwd = b.create<BatchNormBackwardOp>(getLoc(), getInput().getType(), paramTypes, dy, getInput(), w,
                                           getMean(), getInvstd());
  grads[0] = bwd.getResult();
  if (w) grads[1] = bwd.getParamGrads()[0], grads[2] = bwd.getParamGrads()[1];
  return grads;
}
