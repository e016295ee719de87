//===- NNOps.cpp - Type inference, verifiers and folders of nn ops --------===//
//
// Result types come from frontend/shapes, the rules `nnc check` uses, so the
// front end and the dialect can never disagree about a shape.
//
//===----------------------------------------------------------------------===//
#include "ir/NNOps.h"

#include "frontend/shapes/ShapeRules.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/OpImplementation.h"
#include "mlir/IR/PatternMatch.h"

using namespace mlir;
using namespace nnc;
using namespace nnc::nn;

namespace nnc::nn {

Type elementTypeOf(shapes::DType d, MLIRContext *ctx) {
  switch (d) {
  case shapes::DType::F32: return Float32Type::get(ctx);
  case shapes::DType::F16: return Float16Type::get(ctx);
  case shapes::DType::BF16: return BFloat16Type::get(ctx);
  case shapes::DType::I32: return IntegerType::get(ctx, 32);
  case shapes::DType::I64: return IntegerType::get(ctx, 64);
  case shapes::DType::Bool: return IntegerType::get(ctx, 1);
  }
  return Float32Type::get(ctx);
}

static shapes::DType dtypeOf(Type t) {
  if (t.isF16()) return shapes::DType::F16;
  if (t.isBF16()) return shapes::DType::BF16;
  if (t.isInteger(32)) return shapes::DType::I32;
  if (t.isInteger(64)) return shapes::DType::I64;
  if (t.isInteger(1)) return shapes::DType::Bool;
  return shapes::DType::F32;
}

shapes::TensorType toShapes(RankedTensorType t) {
  shapes::TensorType s;
  s.dtype = dtypeOf(t.getElementType());
  for (int64_t d : t.getShape())
    s.dims.push_back(ShapedType::isDynamic(d) ? shapes::Dim::sym("?") : shapes::Dim::known(d));
  return s;
}

RankedTensorType fromShapes(const shapes::TensorType &t, MLIRContext *ctx) {
  SmallVector<int64_t> shape;
  for (const shapes::Dim &d : t.dims) shape.push_back(d.isKnown() ? d.value : ShapedType::kDynamic);
  return RankedTensorType::get(shape, elementTypeOf(t.dtype, ctx));
}

} // namespace nnc::nn

namespace {

/// Dimension `i` of `t`, or -1 when it is dynamic.
int64_t dimOfInput(RankedTensorType t, int64_t i) { return t.isDynamicDim(i) ? -1 : t.getDimSize(i); }

shapes::TensorType shapeOf(Value v) { return toShapes(cast<RankedTensorType>(v.getType())); }

shapes::Pair pairOf(ArrayRef<int64_t> a) { return {a.size() > 0 ? a[0] : 1, a.size() > 1 ? a[1] : 1}; }

LogicalResult result(const shapes::ShapeResult &r, MLIRContext *ctx, std::optional<Location> loc,
                     SmallVectorImpl<Type> &types) {
  if (!r.ok()) return emitOptionalError(loc, r.error);
  types.push_back(fromShapes(*r.type, ctx));
  return success();
}

bool ranked(ValueRange operands) {
  for (Value v : operands)
    if (!isa<RankedTensorType>(v.getType())) return false;
  return true;
}

} // namespace

#define NN_INFER(Op)                                                                           \
  LogicalResult Op::inferReturnTypes(MLIRContext *ctx, std::optional<Location> loc,            \
                                     ValueRange operands, DictionaryAttr attrs,                \
                                     OpaqueProperties props, RegionRange regions,              \
                                     SmallVectorImpl<Type> &types)

NN_INFER(Conv2dOp) {
  Adaptor a(operands, attrs, props, regions);
  if (!ranked(operands)) return emitOptionalError(loc, "conv2d expects ranked tensors");
  shapes::Conv2dAttrs c;
  auto wShape = cast<RankedTensorType>(a.getWeight().getType()).getShape();
  if (wShape.size() != 4) return emitOptionalError(loc, "conv2d weight must be 4-D [O, C/groups, kh, kw]");
  c.out = wShape[0];
  c.kernel = {wShape[2], wShape[3]};
  c.stride = pairOf(a.getStride());
  c.pad = pairOf(a.getPad());
  c.dilation = pairOf(a.getDilation());
  c.groups = a.getGroups();
  c.bias = a.getBias() != nullptr;
  return result(shapes::conv2d(shapeOf(a.getInput()), c), ctx, loc, types);
}

LogicalResult Conv2dOp::verify() {
  if (getStride().size() != 2 || getPad().size() != 2 || getDilation().size() != 2)
    return emitOpError("stride, pad and dilation need two values [h, w]");
  auto in = getInput().getType(), w = getWeight().getType();
  if (in.getRank() == 4 && w.getRank() == 4 && !in.isDynamicDim(1) &&
      w.getDimSize(1) * getGroups() != in.getDimSize(1))
    return emitOpError("weight expects ") << w.getDimSize(1) * getGroups()
                                           << " input channels, the input has " << in.getDimSize(1);
  if (getBias() && (getBias().getType().getRank() != 1 ||
                    getBias().getType().getDimSize(0) != w.getDimSize(0)))
    return emitOpError("bias must be 1-D with one value per output channel");
  return success();
}

NN_INFER(MaxPoolOp) {
  Adaptor a(operands, attrs, props, regions);
  shapes::PoolAttrs p;
  p.kernel = pairOf(a.getKernel());
  p.stride = pairOf(a.getStride());
  p.pad = pairOf(a.getPad());
  p.ceil = a.getCeil();
  return result(shapes::maxPool(shapeOf(a.getInput()), p), ctx, loc, types);
}

NN_INFER(DenseOp) {
  Adaptor a(operands, attrs, props, regions);
  auto wShape = cast<RankedTensorType>(a.getWeight().getType()).getShape();
  if (wShape.size() != 2) return emitOptionalError(loc, "dense weight must be 2-D [out, in]");
  return result(shapes::dense(shapeOf(a.getInput()), shapes::DenseAttrs{wShape[0], a.getBias() != nullptr}),
                ctx, loc, types);
}

LogicalResult DenseOp::verify() {
  auto in = getInput().getType(), w = getWeight().getType();
  if (w.getRank() != 2) return success(); // type inference reports it
  if (in.getRank() == 2 && !in.isDynamicDim(1) && in.getDimSize(1) != w.getDimSize(1))
    return emitOpError("weight expects ") << w.getDimSize(1) << " input features, the input has "
                                           << in.getDimSize(1);
  if (getBias() && (getBias().getType().getRank() != 1 ||
                    getBias().getType().getDimSize(0) != w.getDimSize(0)))
    return emitOpError("bias must be 1-D with one value per output feature");
  return success();
}

NN_INFER(ReluOp) {
  Adaptor a(operands, attrs, props, regions);
  return result(shapes::activation("relu", shapeOf(a.getInput())), ctx, loc, types);
}

OpFoldResult ReluOp::fold(FoldAdaptor) {
  // relu(relu(x)) = relu(x)
  if (auto inner = getInput().getDefiningOp<ReluOp>()) return inner.getResult();
  return {};
}

#define NN_INFER_ACTIVATION(Op, name)                                                          \
  NN_INFER(Op) {                                                                               \
    Adaptor a(operands, attrs, props, regions);                                                \
    return result(shapes::activation(name, shapeOf(a.getInput())), ctx, loc, types);           \
  }
NN_INFER_ACTIVATION(SigmoidOp, "sigmoid")
NN_INFER_ACTIVATION(TanhOp, "tanh")
NN_INFER_ACTIVATION(GeluOp, "gelu")
NN_INFER_ACTIVATION(LeakyReluOp, "leaky_relu")

NN_INFER(SoftmaxOp) {
  Adaptor a(operands, attrs, props, regions);
  return result(shapes::softmax(shapeOf(a.getInput()), (int64_t)a.getAxis()), ctx, loc, types);
}

NN_INFER(FlattenOp) {
  Adaptor a(operands, attrs, props, regions);
  return result(shapes::flatten(shapeOf(a.getInput()), a.getAxis()), ctx, loc, types);
}

OpFoldResult FlattenOp::fold(FoldAdaptor) {
  if (getInput().getType() == getResult().getType()) return getInput(); // nothing to collapse
  return {};
}

static bool isReshapeable(Type from, Type to);

LogicalResult FlattenOp::canonicalize(FlattenOp op, PatternRewriter &rewriter) {
  // flatten(reshape(x)) and flatten(flatten(x)) are one view of x: reshape(x).
  Operation *inner = op.getInput().getDefiningOp();
  if (!inner || !isa<ReshapeOp, FlattenOp>(inner)) return failure();
  Value x = inner->getOperand(0);
  if (!isReshapeable(x.getType(), op.getResult().getType())) return failure();
  DictionaryAttr attrs = op->getDiscardableAttrDictionary(); // nn.name
  auto reshape = rewriter.replaceOpWithNewOp<ReshapeOp>(op, op.getResult().getType(), x);
  reshape->setDiscardableAttrs(attrs);
  return success();
}

NN_INFER(SoftmaxCrossEntropyOp) {
  Adaptor a(operands, attrs, props, regions);
  return result(shapes::softmaxCrossEntropy(shapeOf(a.getLogits()), shapeOf(a.getLabels())), ctx,
                loc, types);
}

NN_INFER(AccuracyOp) {
  Adaptor a(operands, attrs, props, regions);
  return result(shapes::accuracy(shapeOf(a.getLogits()), shapeOf(a.getLabels()), a.getTopK()),
                ctx, loc, types);
}

NN_INFER(AddOp) {
  Adaptor a(operands, attrs, props, regions);
  return result(shapes::broadcast("add", shapeOf(a.getLhs()), shapeOf(a.getRhs())), ctx, loc, types);
}

NN_INFER(MulOp) {
  Adaptor a(operands, attrs, props, regions);
  return result(shapes::broadcast("mul", shapeOf(a.getLhs()), shapeOf(a.getRhs())), ctx, loc, types);
}

NN_INFER(SubOp) {
  Adaptor a(operands, attrs, props, regions);
  return result(shapes::broadcast("sub", shapeOf(a.getLhs()), shapeOf(a.getRhs())), ctx, loc, types);
}

NN_INFER(DivOp) {
  Adaptor a(operands, attrs, props, regions);
  return result(shapes::broadcast("div", shapeOf(a.getLhs()), shapeOf(a.getRhs())), ctx, loc, types);
}

NN_INFER(ScaleOp) {
  Adaptor a(operands, attrs, props, regions);
  return result(shapes::scale(shapeOf(a.getInput()), a.getFactor().convertToDouble()), ctx, loc, types);
}

OpFoldResult ScaleOp::fold(FoldAdaptor) {
  double factor = getFactor().convertToDouble();
  if (auto inner = getInput().getDefiningOp<ScaleOp>()) {
    // scale(scale(x, a), b) = scale(x, a * b), the product taken in double.
    factor *= inner.getFactor().convertToDouble();
    if (factor == 1.0 && inner.getInput().getType() == getResult().getType()) return inner.getInput();
    getInputMutable().assign(inner.getInput());
    setFactorAttr(FloatAttr::get(Float64Type::get(getContext()), factor));
    return getResult();
  }
  if (factor == 1.0) return getInput(); // scale by 1
  return {};
}

NN_INFER(AvgPoolOp) {
  Adaptor a(operands, attrs, props, regions);
  shapes::PoolAttrs p;
  p.kernel = pairOf(a.getKernel());
  p.stride = pairOf(a.getStride());
  p.pad = pairOf(a.getPad());
  p.ceil = a.getCeil();
  return result(shapes::avgPool(shapeOf(a.getInput()), p), ctx, loc, types);
}

static LogicalResult verifyPoolAttrs(Operation *op, ArrayRef<int64_t> k, ArrayRef<int64_t> s, ArrayRef<int64_t> p) {
  if (k.size() != 2 || s.size() != 2 || p.size() != 2)
    return op->emitOpError("kernel, stride and pad need two values [h, w]");
  return success();
}

LogicalResult AvgPoolOp::verify() { return verifyPoolAttrs(*this, getKernel(), getStride(), getPad()); }
LogicalResult MaxPoolOp::verify() { return verifyPoolAttrs(*this, getKernel(), getStride(), getPad()); }
LogicalResult MaxPoolBackwardOp::verify() { return verifyPoolAttrs(*this, getKernel(), getStride(), getPad()); }

// The backward ops spell out their result types; these checks keep them to
// what autodiff can produce, since the lowering and the evaluator trust them.
namespace {

/// Dimension `i` of `t`, or -1 when it is dynamic.
int64_t dimOf(RankedTensorType t, int64_t i) { return t.isDynamicDim(i) ? -1 : t.getDimSize(i); }

/// True if two extents can be equal (either is dynamic, or they are).
bool same(int64_t a, int64_t b) { return a < 0 || b < 0 || a == b; }

LogicalResult verifyRanks(Operation *op, std::initializer_list<std::pair<Value, int64_t>> values) {
  Type element;
  for (auto [v, rank] : values) {
    auto t = cast<RankedTensorType>(v.getType());
    if (t.getRank() != rank) return op->emitOpError("expects rank ") << rank << ", got " << t;
    if (element && t.getElementType() != element) return op->emitOpError("operands and results need one element type");
    element = t.getElementType();
  }
  return success();
}

} // namespace

LogicalResult Conv2dBackwardDataOp::verify() {
  if (getStride().size() != 2 || getPad().size() != 2 || getDilation().size() != 2)
    return emitOpError("stride, pad and dilation need two values [h, w]");
  if (failed(verifyRanks(*this, {{getGrad(), 4}, {getWeight(), 4}, {getResult(), 4}}))) return failure();
  auto g = getGrad().getType(), w = getWeight().getType(), r = getResult().getType();
  if (!same(dimOf(g, 1), dimOf(w, 0)) || !same(dimOf(r, 1), dimOf(w, 1) * (int64_t)getGroups()) ||
      !same(dimOf(r, 0), dimOf(g, 0)))
    return emitOpError("gradient ") << g << ", weight " << w << " and result " << r << " do not fit";
  return success();
}

LogicalResult Conv2dBackwardFilterOp::verify() {
  if (getStride().size() != 2 || getPad().size() != 2 || getDilation().size() != 2)
    return emitOpError("stride, pad and dilation need two values [h, w]");
  if (failed(verifyRanks(*this, {{getInput(), 4}, {getGrad(), 4}, {getWeightGrad(), 4}}))) return failure();
  auto x = getInput().getType(), g = getGrad().getType(), w = getWeightGrad().getType();
  if (!same(dimOf(w, 0), dimOf(g, 1)) || !same(dimOf(w, 1) * (int64_t)getGroups(), dimOf(x, 1)) ||
      !same(dimOf(x, 0), dimOf(g, 0)))
    return emitOpError("input ") << x << ", gradient " << g << " and weight gradient " << w << " do not fit";
  if (getBiasGrad() && (getBiasGrad().getType().getRank() != 1 || !same(dimOf(getBiasGrad().getType(), 0), dimOf(g, 1))))
    return emitOpError("bias gradient must be 1-D with one value per output channel");
  return success();
}

LogicalResult DenseBackwardDataOp::verify() {
  if (failed(verifyRanks(*this, {{getGrad(), 2}, {getWeight(), 2}, {getResult(), 2}}))) return failure();
  auto g = getGrad().getType(), w = getWeight().getType(), r = getResult().getType();
  if (!same(dimOf(g, 1), dimOf(w, 0)) || !same(dimOf(r, 1), dimOf(w, 1)) || !same(dimOf(r, 0), dimOf(g, 0)))
    return emitOpError("gradient ") << g << ", weight " << w << " and result " << r << " do not fit dx = dy w";
  return success();
}

LogicalResult DenseBackwardWeightsOp::verify() {
  if (failed(verifyRanks(*this, {{getInput(), 2}, {getGrad(), 2}, {getWeightGrad(), 2}}))) return failure();
  auto x = getInput().getType(), g = getGrad().getType(), w = getWeightGrad().getType();
  if (!same(dimOf(w, 0), dimOf(g, 1)) || !same(dimOf(w, 1), dimOf(x, 1)) || !same(dimOf(x, 0), dimOf(g, 0)))
    return emitOpError("input ") << x << ", gradient " << g << " and weight gradient " << w << " do not fit dw = dy^T x";
  if (getBiasGrad() && (getBiasGrad().getType().getRank() != 1 || !same(dimOf(getBiasGrad().getType(), 0), dimOf(g, 1))))
    return emitOpError("bias gradient must be 1-D with one value per output feature");
  return success();
}

LogicalResult AvgPoolBackwardOp::verify() {
  if (failed(verifyPoolAttrs(*this, getKernel(), getStride(), getPad()))) return failure();
  auto g = getGrad().getType(), r = getResult().getType();
  if (g.getRank() != 4 || r.getRank() != 4) return emitOpError("grad and result must be 4-D [N, C, H, W]");
  return success();
}

NN_INFER(BatchNormOp) {
  Adaptor a(operands, attrs, props, regions);
  if (!ranked(operands)) return emitOptionalError(loc, "batch_norm expects ranked tensors");
  shapes::BatchNormAttrs bn{a.getMomentum().convertToDouble(), a.getEps().convertToDouble(),
                            !a.getAffine().empty()};
  shapes::ShapeResult r = shapes::batchNorm(shapeOf(a.getInput()), bn);
  if (failed(result(r, ctx, loc, types))) return failure();
  // The batch mean and invstd: one value per channel.
  RankedTensorType y = cast<RankedTensorType>(types.back());
  auto stats = RankedTensorType::get({y.getDimSize(1)}, y.getElementType());
  types.push_back(stats);
  types.push_back(stats);
  return success();
}

LogicalResult BatchNormOp::verify() {
  auto x = getInput().getType();
  if (getAffine().size() != 0 && getAffine().size() != 2)
    return emitOpError("takes a weight and a bias (affine) or neither, got ") << getAffine().size();
  int64_t c = x.getRank() >= 2 ? dimOfInput(x, 1) : -1;
  SmallVector<Value> params(getAffine());
  params.push_back(getRunningMean());
  params.push_back(getRunningVar());
  for (Value p : params) {
    auto t = cast<RankedTensorType>(p.getType());
    if (t.getRank() != 1 || t.getElementType() != x.getElementType() ||
        (c >= 0 && !t.isDynamicDim(0) && t.getDimSize(0) != c))
      return emitOpError("weight, bias and running statistics must be 1-D with one value per channel, got ") << t;
  }
  return success();
}

NN_INFER(LrnOp) {
  Adaptor a(operands, attrs, props, regions);
  shapes::LrnAttrs l;
  l.size = (int64_t)a.getSize();
  l.alpha = a.getAlpha().convertToDouble();
  l.beta = a.getBeta().convertToDouble();
  l.k = a.getK().convertToDouble();
  return result(shapes::lrn(shapeOf(a.getInput()), l), ctx, loc, types);
}

NN_INFER(DropoutOp) {
  Adaptor a(operands, attrs, props, regions);
  if (failed(result(shapes::dropout(shapeOf(a.getInput()), a.getRate().convertToDouble()), ctx, loc, types)))
    return failure();
  types.push_back(types.back()); // the mask
  return success();
}

LogicalResult DropoutOp::verify() {
  double rate = getRate().convertToDouble();
  if (!(rate >= 0 && rate < 1)) return emitOpError("rate must be in [0, 1)");
  return success();
}

NN_INFER(ConcatOp) {
  Adaptor a(operands, attrs, props, regions);
  if (!ranked(operands)) return emitOptionalError(loc, "concat expects ranked tensors");
  std::vector<shapes::TensorType> xs;
  for (Value v : a.getInputs()) xs.push_back(shapeOf(v));
  return result(shapes::concat(xs, (int64_t)a.getAxis()), ctx, loc, types);
}

NN_INFER(TransposeOp) {
  Adaptor a(operands, attrs, props, regions);
  std::vector<int64_t> perm(a.getPerm().begin(), a.getPerm().end());
  return result(shapes::transpose(shapeOf(a.getInput()), perm), ctx, loc, types);
}

OpFoldResult TransposeOp::fold(FoldAdaptor) {
  ArrayRef<int64_t> perm = getPerm();
  SmallVector<int64_t> composed(perm.begin(), perm.end());
  Value x = getInput();
  auto inner = x.getDefiningOp<TransposeOp>();
  if (inner) {
    // Result dim i is the inner result's dim perm[i], which is x's dim inner.perm[perm[i]].
    ArrayRef<int64_t> first = inner.getPerm();
    if (first.size() != perm.size()) return {};
    for (size_t i = 0; i < perm.size(); ++i) {
      if (perm[i] < 0 || perm[i] >= (int64_t)first.size()) return {};
      composed[i] = first[perm[i]];
    }
    x = inner.getInput();
  }
  bool identity = true;
  for (size_t i = 0; i < composed.size(); ++i) identity &= composed[i] == (int64_t)i;
  if (identity && x.getType() == getResult().getType()) return x;
  if (!inner) return {};
  getInputMutable().assign(x);
  setPerm(composed);
  return getResult();
}

LogicalResult BatchNormBackwardOp::verify() {
  auto x = getInput().getType();
  if (x.getRank() != 2 && x.getRank() != 4) return emitOpError("input must be [N, C] or [N, C, H, W]");
  if (getGrad().getType() != x || getResult().getType() != x)
    return emitOpError("grad, input and result must have one type");
  int64_t c = dimOf(x, 1);
  auto perChannel = [&](Value v) {
    auto t = cast<RankedTensorType>(v.getType());
    return t.getRank() == 1 && same(dimOf(t, 0), c) && t.getElementType() == x.getElementType();
  };
  if (!perChannel(getMean()) || !perChannel(getInvstd()) || (getWeight() && !perChannel(getWeight())))
    return emitOpError("weight, mean and invstd must be 1-D with one value per channel");
  if (getParamGrads().size() != (getWeight() ? 2u : 0u))
    return emitOpError("has a weight and a bias gradient exactly when it has a weight");
  for (Value g : getParamGrads())
    if (!perChannel(g)) return emitOpError("weight and bias gradients must be 1-D with one value per channel");
  return success();
}

LogicalResult ConcatBackwardOp::verify() {
  auto g = getGrad().getType();
  int64_t axis = (int64_t)getAxis();
  if (axis < 0 || axis >= g.getRank()) return emitOpError("axis must be in [0, rank)");
  int64_t sum = 0;
  for (Type t : getResultTypes()) {
    auto r = cast<RankedTensorType>(t);
    if (r.getRank() != g.getRank()) return emitOpError("results must have the gradient's rank");
    for (int64_t d = 0; d < g.getRank(); ++d)
      if (d != axis && r.getDimSize(d) != g.getDimSize(d))
        return emitOpError("results must match the gradient but along the axis");
    if (r.isDynamicDim(axis)) return success();
    sum += r.getDimSize(axis);
  }
  if (!g.isDynamicDim(axis) && sum != g.getDimSize(axis))
    return emitOpError("the slices' extents along the axis sum to ") << sum << ", not " << g.getDimSize(axis);
  return success();
}

LogicalResult ParameterOp::verify() {
  auto t = dyn_cast<RankedTensorType>(getType());
  if (!t || !t.hasStaticShape()) return emitOpError("type must be a statically shaped tensor");
  if (getLrMult().convertToDouble() < 0 || getDecayMult().convertToDouble() < 0)
    return emitOpError("lr_mult and decay_mult must be >= 0");
  return success();
}

static int64_t staticElements(RankedTensorType t, int64_t *dynamicDims) {
  int64_t n = 1;
  *dynamicDims = 0;
  for (int64_t d : t.getShape()) {
    if (ShapedType::isDynamic(d)) ++*dynamicDims;
    else n *= d;
  }
  return n;
}

LogicalResult ReshapeOp::verify() {
  int64_t dynIn, dynOut;
  auto in = getInput().getType(), out = getResult().getType();
  if (in.getElementType() != out.getElementType()) return emitOpError("cannot change the element type");
  if (staticElements(in, &dynIn) != staticElements(out, &dynOut) || dynIn != dynOut)
    return emitOpError("element count differs: ") << in << " vs " << out;
  return success();
}

/// Whether a reshape from `from` to `to` would verify.
static bool isReshapeable(Type from, Type to) {
  auto in = dyn_cast<RankedTensorType>(from), out = dyn_cast<RankedTensorType>(to);
  if (!in || !out || in.getElementType() != out.getElementType()) return false;
  int64_t dynIn, dynOut;
  return staticElements(in, &dynIn) == staticElements(out, &dynOut) && dynIn == dynOut;
}

OpFoldResult ReshapeOp::fold(FoldAdaptor) {
  // Reshapes and flattens are views in row-major order: a chain of them is one.
  Value x = getInput();
  while (Operation *inner = x.getDefiningOp()) {
    if (!isa<ReshapeOp, FlattenOp>(inner) || !isReshapeable(inner->getOperand(0).getType(), getResult().getType()))
      break;
    x = inner->getOperand(0);
  }
  if (x.getType() == getResult().getType()) return x; // to its own type
  if (x == getInput()) return {};
  getInputMutable().assign(x);
  return getResult();
}

LogicalResult ReduceToOp::verify() {
  auto in = getInput().getType(), out = getResult().getType();
  if (in.getElementType() != out.getElementType()) return emitOpError("cannot change the element type");
  if (out.getRank() > in.getRank()) return emitOpError("result rank exceeds the input's");
  int64_t off = in.getRank() - out.getRank();
  for (int64_t i = 0; i < out.getRank(); ++i)
    if (out.getDimSize(i) != 1 && out.getDimSize(i) != in.getDimSize(i + off))
      return emitOpError("dimension ") << i << " of the result neither is 1 nor matches the input";
  return success();
}

LogicalResult SoftmaxBackwardOp::verify() {
  if ((int64_t)getAxis() < 0 || (int64_t)getAxis() >= getOutput().getType().getRank())
    return emitOpError("axis must be in [0, rank)");
  if (getGrad().getType() != getOutput().getType() || getResult().getType() != getOutput().getType())
    return emitOpError("grad, output and result must have one type");
  return success();
}

LogicalResult SgdUpdateOp::verify() {
  if (getParam().getType() != getGrad().getType() || getParam().getType() != getVelocity().getType())
    return emitOpError("param, grad and velocity must have one type");
  // The results replace param and velocity in place in the state arena.
  if (getNewParam().getType() != getParam().getType() || getNewVelocity().getType() != getParam().getType())
    return emitOpError("new_param and new_velocity must have one type with param");
  if (getLr().getType().getRank() != 0) return emitOpError("lr must be a scalar tensor");
  return success();
}

namespace {
/// Checks the operands and results of a solver update: every state and
/// result has the parameter's type (the results replace them in place),
/// lr (and step) are scalars, each F64 setting lies in its range.
LogicalResult verifyUpdate(Operation *op, Value param, Value grad, ValueRange state, ValueRange results,
                           ArrayRef<Value> scalars) {
  Type t = param.getType();
  if (grad.getType() != t) return op->emitOpError("grad must have the param's type ") << t << ", got " << grad.getType();
  for (Value s : state)
    if (s.getType() != t) return op->emitOpError("solver state must have the param's type ") << t << ", got " << s.getType();
  for (Value r : results)
    if (r.getType() != t) return op->emitOpError("results must have the param's type ") << t << ", got " << r.getType();
  for (Value s : scalars) {
    auto st = cast<RankedTensorType>(s.getType());
    if (st.getRank() != 0 || !st.getElementType().isF32())
      return op->emitOpError("lr and step must be scalar f32 tensors, got ") << st;
  }
  return success();
}

/// A fraction in [0, 1) (betas, decay rates, momentum).
LogicalResult checkFraction(Operation *op, StringRef name, APFloat v) {
  double x = v.convertToDouble();
  if (!(x >= 0 && x < 1)) return op->emitOpError() << name << " must be in [0, 1), got " << x;
  return success();
}

LogicalResult checkPositive(Operation *op, StringRef name, APFloat v) {
  double x = v.convertToDouble();
  if (!(x > 0)) return op->emitOpError() << name << " must be > 0, got " << x;
  return success();
}
} // namespace

LogicalResult AdamUpdateOp::verify() {
  if (failed(verifyUpdate(*this, getParam(), getGrad(), {getM(), getS()}, getResults(), {getLr(), getStep()})))
    return failure();
  if (failed(checkFraction(*this, "beta1", getBeta1())) || failed(checkFraction(*this, "beta2", getBeta2())) ||
      failed(checkPositive(*this, "eps", getEps())))
    return failure();
  return success();
}

LogicalResult RmspropUpdateOp::verify() {
  SmallVector<Value> state = {getS()};
  if (getMomentumBuffer()) state.push_back(getMomentumBuffer());
  if (failed(verifyUpdate(*this, getParam(), getGrad(), state, getResults(), {getLr()}))) return failure();
  if (failed(checkFraction(*this, "decay", getDecay())) || failed(checkPositive(*this, "eps", getEps())) ||
      failed(checkFraction(*this, "momentum", getMomentum())))
    return failure();
  // A momentum buffer exactly when there is momentum: none is kept for nothing.
  bool hasMomentum = !getMomentum().isZero();
  if (hasMomentum != (bool)getMomentumBuffer())
    return emitOpError(hasMomentum ? "momentum != 0 needs a momentum_buffer operand"
                                   : "a momentum_buffer operand needs momentum != 0");
  if ((bool)getNewMomentumBuffer() != (bool)getMomentumBuffer())
    return emitOpError("new_momentum_buffer is a result exactly when momentum_buffer is an operand");
  return success();
}

LogicalResult AdagradUpdateOp::verify() {
  if (failed(verifyUpdate(*this, getParam(), getGrad(), {getS()}, getResults(), {getLr()}))) return failure();
  return checkPositive(*this, "eps", getEps());
}

LogicalResult ClipByGlobalNormOp::verify() {
  if (getGrads().empty()) return emitOpError("needs at least one gradient");
  if (getResults().size() != getGrads().size())
    return emitOpError("has ") << getGrads().size() << " gradients but " << getResults().size() << " results";
  for (auto [i, g, r] : llvm::enumerate(getGrads(), getResults()))
    if (g.getType() != r.getType())
      return emitOpError("result ") << i << " has type " << r.getType() << ", its gradient " << g.getType();
  return checkPositive(*this, "max_norm", getMaxNorm());
}

#define GET_OP_CLASSES
#include "ir/NNOps.cpp.inc"
