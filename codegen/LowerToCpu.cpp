//===- LowerToCpu.cpp - nn functions -> calls and loops on arenas ----------===//
//
// Runs after batch specialization: every shape is static. For each function
// it (1) assigns every tensor a buffer: a view into the state arena
// (parameters, solver state), an argument (inputs), an alias (reshape, in-place
// solver updates and clipping) or a slot of the workspace arena chosen by liveness, then
// (2) emits each op on those buffers: a runtime call for library ops, linalg
// or scf loops for the rest (conv2d, max_pool, dense, lrn, the activations,
// softmax and batch_norm have both: oneDNN calls, or generated loops where the
// granularity is fine; GeneratedKernels.cpp has conv2d's, max_pool's and dense's).
// The nn functions are replaced by the lowered ones; nothing nn remains.
//
//===----------------------------------------------------------------------===//
#include "codegen/Passes.h"
#include "codegen/GeneratedKernels.h"

#include "ir/NNOps.h"
#include "runtime/Runtime.h" // the NNC_ELTWISE_* kinds

#include "mlir/Dialect/Math/Transforms/Passes.h"
#include "mlir/IR/Builders.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

#include "llvm/ADT/TypeSwitch.h"

#include <cmath>
#include <functional>
#include <map>

namespace nnc {
#define GEN_PASS_DEF_NNLOWERTOCPU
#include "codegen/Passes.h.inc"
} // namespace nnc

using namespace mlir;
using namespace nnc;

namespace {

constexpr int64_t kAlign = 64;
int64_t alignUp(int64_t n) { return (n + kAlign - 1) / kAlign * kAlign; }

int64_t bytesOf(Type t) {
  auto r = cast<RankedTensorType>(t);
  int64_t bits = r.getElementType().getIntOrFloatBitWidth();
  return r.getNumElements() * std::max<int64_t>(bits / 8, 1);
}

MemRefType memrefOf(Type t) {
  if (auto m = dyn_cast<MemRefType>(t)) return m;
  auto r = cast<RankedTensorType>(t);
  return MemRefType::get(r.getShape(), r.getElementType());
}

/// Reads a value of type `operand` inside a loop nest over `out`: dims
/// aligned on the right, a size-1 dim against a larger one reads index 0
/// (NumPy broadcasting); missing leading dims are dropped.
AffineMap broadcastMap(Type operand, ArrayRef<int64_t> out, MLIRContext *ctx) {
  auto in = cast<ShapedType>(operand).getShape();
  int64_t off = out.size() - in.size();
  SmallVector<AffineExpr> exprs;
  for (auto [i, d] : llvm::enumerate(in))
    exprs.push_back(d == 1 && out[i + off] != 1 ? getAffineConstantExpr(0, ctx) : getAffineDimExpr(i + off, ctx));
  return AffineMap::get(out.size(), 0, exprs, ctx);
}

/// The scalar computation of an elementwise op on its operands' elements.
using ScalarBody = std::function<Value(OpBuilder &, Location, ValueRange)>;

Value cst(OpBuilder &b, Location l, double v) { return b.create<arith::ConstantOp>(l, b.getF32FloatAttr(v)); }

Value sigmoid(OpBuilder &b, Location l, Value x) {
  Value e = b.create<math::ExpOp>(l, b.create<arith::NegFOp>(l, x));
  return b.create<arith::DivFOp>(l, cst(b, l, 1), b.create<arith::AddFOp>(l, cst(b, l, 1), e));
}

/// (1 + erf(x / sqrt(2))) / 2, the normal CDF.
Value normalCdf(OpBuilder &b, Location l, Value x) {
  Value erf = b.create<math::ErfOp>(l, b.create<arith::MulFOp>(l, x, cst(b, l, M_SQRT1_2)));
  return b.create<arith::MulFOp>(l, cst(b, l, 0.5), b.create<arith::AddFOp>(l, cst(b, l, 1), erf));
}

/// `x > 0 ? pos : neg`.
Value ifPositive(OpBuilder &b, Location l, Value x, Value pos, Value neg) {
  Value p = b.create<arith::CmpFOp>(l, arith::CmpFPredicate::OGT, x, cst(b, l, 0));
  return b.create<arith::SelectOp>(l, p, pos, neg);
}

/// The body of `op` if it is elementwise, else null. Backward activations
/// take (grad, input).
ScalarBody elementwiseBody(Operation *op) {
  using B = OpBuilder &;
  using L = Location;
  using V = ValueRange;
  return llvm::TypeSwitch<Operation *, ScalarBody>(op)
      .Case<nn::AddOp>([](auto) { return [](B b, L l, V a) -> Value { return b.create<arith::AddFOp>(l, a[0], a[1]); }; })
      .Case<nn::SubOp>([](auto) { return [](B b, L l, V a) -> Value { return b.create<arith::SubFOp>(l, a[0], a[1]); }; })
      .Case<nn::MulOp>([](auto) { return [](B b, L l, V a) -> Value { return b.create<arith::MulFOp>(l, a[0], a[1]); }; })
      .Case<nn::DivOp>([](auto) { return [](B b, L l, V a) -> Value { return b.create<arith::DivFOp>(l, a[0], a[1]); }; })
      .Case<nn::ScaleOp>([](auto s) {
        double k = s.getFactor().convertToDouble();
        return [k](B b, L l, V a) -> Value { return b.create<arith::MulFOp>(l, a[0], cst(b, l, k)); };
      })
      .Case<nn::ReluOp>([](auto) {
        return [](B b, L l, V a) -> Value { return b.create<arith::MaximumFOp>(l, a[0], cst(b, l, 0)); };
      })
      .Case<nn::ReluBackwardOp>([](auto) {
        return [](B b, L l, V a) { return ifPositive(b, l, a[1], a[0], cst(b, l, 0)); };
      })
      .Case<nn::LeakyReluOp>([](auto r) {
        double k = r.getSlope().convertToDouble();
        return [k](B b, L l, V a) { return ifPositive(b, l, a[0], a[0], b.create<arith::MulFOp>(l, a[0], cst(b, l, k))); };
      })
      .Case<nn::LeakyReluBackwardOp>([](auto r) {
        double k = r.getSlope().convertToDouble();
        return [k](B b, L l, V a) { return ifPositive(b, l, a[1], a[0], b.create<arith::MulFOp>(l, a[0], cst(b, l, k))); };
      })
      .Case<nn::SigmoidOp>([](auto) { return [](B b, L l, V a) { return sigmoid(b, l, a[0]); }; })
      .Case<nn::SigmoidBackwardOp>([](auto) {
        return [](B b, L l, V a) -> Value {
          Value s = sigmoid(b, l, a[1]);
          Value ds = b.create<arith::MulFOp>(l, s, b.create<arith::SubFOp>(l, cst(b, l, 1), s));
          return b.create<arith::MulFOp>(l, a[0], ds);
        };
      })
      .Case<nn::TanhOp>([](auto) { return [](B b, L l, V a) -> Value { return b.create<math::TanhOp>(l, a[0]); }; })
      .Case<nn::TanhBackwardOp>([](auto) {
        return [](B b, L l, V a) -> Value {
          Value t = b.create<math::TanhOp>(l, a[1]);
          Value dt = b.create<arith::SubFOp>(l, cst(b, l, 1), b.create<arith::MulFOp>(l, t, t));
          return b.create<arith::MulFOp>(l, a[0], dt);
        };
      })
      .Case<nn::GeluOp>([](auto) {
        return [](B b, L l, V a) -> Value { return b.create<arith::MulFOp>(l, a[0], normalCdf(b, l, a[0])); };
      })
      .Case<nn::GeluBackwardOp>([](auto) {
        // d/dx x * Phi(x) = Phi(x) + x * phi(x), phi the normal density.
        return [](B b, L l, V a) -> Value {
          Value x = a[1];
          Value x2 = b.create<arith::MulFOp>(l, x, x);
          Value pdf = b.create<arith::MulFOp>(l, b.create<math::ExpOp>(l, b.create<arith::MulFOp>(l, x2, cst(b, l, -0.5))),
                                              cst(b, l, 0.5 * M_2_SQRTPI * M_SQRT1_2));
          Value d = b.create<arith::AddFOp>(l, normalCdf(b, l, x), b.create<arith::MulFOp>(l, x, pdf));
          return b.create<arith::MulFOp>(l, a[0], d);
        };
      })
      .Case<nn::DropoutBackwardOp>([](auto d) {
        double k = 1.0 / (1.0 - d.getRate().convertToDouble());
        return [k](B b, L l, V a) -> Value {
          return b.create<arith::MulFOp>(l, b.create<arith::MulFOp>(l, a[0], a[1]), cst(b, l, k));
        };
      })
      .Default([](Operation *) { return ScalarBody(); });
}

/// Where the state arena keeps each parameter and each solver state,
/// the latter keyed by (parameter, state name: "velocity", "m", "s", "b").
struct StateLayout {
  std::map<std::string, int64_t> param;
  std::map<std::pair<std::string, std::string>, int64_t> solver;
  int64_t bytes = 0;
};

/// The operand that result `r` of a solver update replaces in place (the
/// parameter for result 0, then each state in order), or null.
Value updatedOperand(OpResult r) {
  Operation *op = r.getOwner();
  unsigned i = r.getResultNumber();
  if (auto s = dyn_cast<nn::SgdUpdateOp>(op)) return i == 0 ? s.getParam() : s.getVelocity();
  if (auto a = dyn_cast<nn::AdamUpdateOp>(op)) return i == 0 ? a.getParam() : i == 1 ? a.getM() : a.getS();
  if (auto a = dyn_cast<nn::RmspropUpdateOp>(op)) return i == 0 ? a.getParam() : i == 1 ? a.getS() : a.getMomentumBuffer();
  if (auto a = dyn_cast<nn::AdagradUpdateOp>(op)) return i == 0 ? a.getParam() : a.getS();
  return Value();
}

class FunctionLowering {
public:
  FunctionLowering(ModuleOp module, func::FuncOp f, const StateLayout &state, int64_t &nextSite,
                   OpBuilder &initBuilder)
      : module_(module), f_(f), state_(state), nextSite_(nextSite), init_(initBuilder),
        ctx_(module.getContext()), b_(ctx_) {}

  /// Builds the lowered function `name`; returns its workspace size, or -1.
  int64_t run(StringRef name, bool training) {
    training_ = training;
    Block &body = f_.getBody().front();
    for (Operation &op : body) ops_.push_back(&op);
    for (size_t i = 0; i < ops_.size(); ++i) index_[ops_[i]] = i;
    planLibraryCalls();
    planFusion();
    planLayouts();
    if (failed(planWorkspace())) return -1;

    // Signature: ctx, state, workspace, inputs..., [hyper,] metrics.
    auto ptrType = LLVM::LLVMPointerType::get(ctx_);
    auto bytes = MemRefType::get({ShapedType::kDynamic}, b_.getI8Type());
    auto floats = MemRefType::get({ShapedType::kDynamic}, b_.getF32Type());
    SmallVector<Type> types = {ptrType, bytes, bytes};
    SmallVector<BlockArgument> inputs;
    for (BlockArgument a : body.getArguments())
      if (f_.getArgAttr(a.getArgNumber(), "nn.input")) {
        types.push_back(memrefOf(a.getType()));
        inputs.push_back(a);
      }
    if (training) types.push_back(floats);
    types.push_back(floats);
    b_.setInsertionPoint(f_);
    auto lowered = b_.create<func::FuncOp>(f_.getLoc(), name, b_.getFunctionType(types, {}));
    lowered->setAttr("llvm.emit_c_interface", b_.getUnitAttr());
    lowered->setAttr("nn.lowered", b_.getUnitAttr()); // (ctx, state, workspace, ...): nn-outline-parallel
    Block *entry = lowered.addEntryBlock();
    b_.setInsertionPointToStart(entry);
    ctxArg_ = entry->getArgument(0);
    Value stateArg = entry->getArgument(1), wsArg = entry->getArgument(2);
    for (size_t i = 0; i < inputs.size(); ++i) buffers_[inputs[i]] = entry->getArgument(3 + i);
    Value hyper = training ? entry->getArgument(3 + inputs.size()) : Value();
    hyper_ = hyper;
    Value metrics = entry->getArgument(entry->getNumArguments() - 1);

    // Arguments that live in the state arena, and the hyperparameters:
    // hyper[0] is the learning rate, hyper[1] the bits of the step count t
    // (a u32), which the step argument holds as an f32.
    for (BlockArgument a : body.getArguments()) {
      unsigned i = a.getArgNumber();
      Location loc = f_.getLoc();
      if (auto p = f_.getArgAttrOfType<FlatSymbolRefAttr>(i, "nn.param")) {
        buffers_[a] = view(stateArg, state_.param.at(p.getValue().str()), a.getType());
      } else if (auto p = f_.getArgAttrOfType<FlatSymbolRefAttr>(i, "nn.state_of")) {
        auto kind = f_.getArgAttrOfType<StringAttr>(i, "nn.state");
        auto it = kind ? state_.solver.find({p.getValue().str(), kind.str()}) : state_.solver.end();
        if (it == state_.solver.end()) {
          f_.emitError("argument ") << i << " is solver state that @train_step does not declare";
          return -1;
        }
        buffers_[a] = view(stateArg, it->second, a.getType());
      } else if (auto h = f_.getArgAttrOfType<StringAttr>(i, "nn.hyper")) {
        Value v;
        if (h.getValue() == "lr") {
          v = b_.create<memref::LoadOp>(loc, hyper, ValueRange{index(0)});
        } else if (h.getValue() == "step") {
          Value bits = b_.create<arith::BitcastOp>(loc, b_.getI32Type(),
                                                   b_.create<memref::LoadOp>(loc, hyper, ValueRange{index(1)}));
          v = b_.create<arith::UIToFPOp>(loc, b_.getF32Type(), bits);
        } else {
          f_.emitError("unknown hyperparameter argument '") << h.getValue() << "'";
          return -1;
        }
        // A slot past the planned workspace, so that a parallel kernel
        // (nn-outline-parallel) finds the value in the arenas it receives.
        int64_t offset = alignUp(workspaceBytes_);
        workspaceBytes_ = offset + kAlign;
        Value slot = view(wsArg, offset, MemRefType::get({}, b_.getF32Type()));
        b_.create<memref::StoreOp>(loc, v, slot, ValueRange{});
        buffers_[a] = slot;
      }
    }
    for (auto &[value, offset] : workspaceOffset_) {
      Value v = value; // structured bindings cannot be captured before C++20
      buffers_[v] = view(wsArg, offset, blocked_.count(v) ? Type(blockedType(v)) : v.getType());
    }

    // The solver's updates run only when the loss is finite, so that a
    // diverging step leaves the state as it was: the host then names the
    // layer that went non-finite and the last good state can still be saved.
    scf::IfOp guard;
    auto lossIndex = f_->getAttrOfType<IntegerAttr>("nn.loss");
    for (Operation *op : ops_) {
      if (training_ && !guard && lossIndex &&
          isa<nn::SgdUpdateOp, nn::AdamUpdateOp, nn::RmspropUpdateOp, nn::AdagradUpdateOp,
              nn::ClipByGlobalNormOp>(op)) {
        Location loc = op->getLoc();
        Value lossValue = body.getTerminator()->getOperand(lossIndex.getInt());
        Value loss = b_.create<memref::LoadOp>(loc, buffer(lossValue), ValueRange{});
        Value inf = b_.create<arith::ConstantOp>(loc, b_.getF32FloatAttr(std::numeric_limits<float>::infinity()));
        Value finite = b_.create<arith::CmpFOp>(loc, arith::CmpFPredicate::OLT, b_.create<math::AbsFOp>(loc, loss), inf);
        guard = b_.create<scf::IfOp>(loc, finite, /*withElseRegion=*/false);
        b_.setInsertionPoint(guard.thenBlock()->getTerminator());
      }
      if (auto ret = dyn_cast<func::ReturnOp>(op)) {
        if (guard) b_.setInsertionPointAfter(guard);
        // Scalar outputs go to metrics[i]; updated state is already in place.
        // Evaluating, each f32 tensor output is copied to metrics after the
        // scalars, for the host to read (outputOffsets()).
        int64_t next = ret.getNumOperands();
        for (auto [i, v] : llvm::enumerate(ret.getOperands())) {
          auto t = cast<RankedTensorType>(v.getType());
          outputOffsets_.push_back(-1);
          if (!t.getElementType().isF32() || (t.getRank() > 0 && training_)) continue;
          if (t.getRank() == 0) {
            Value x = b_.create<memref::LoadOp>(ret.getLoc(), buffers_.at(v), ValueRange{});
            b_.create<memref::StoreOp>(ret.getLoc(), x, metrics, ValueRange{index(i)});
            outputOffsets_.back() = i;
            continue;
          }
          SmallVector<int64_t> strides(t.getRank(), 1);
          for (int64_t d = t.getRank() - 2; d >= 0; --d) strides[d] = strides[d + 1] * t.getDimSize(d + 1);
          auto type = MemRefType::get(t.getShape(), t.getElementType(), StridedLayoutAttr::get(ctx_, next, strides));
          auto dst = b_.create<memref::ReinterpretCastOp>(ret.getLoc(), type, metrics, next, t.getShape(), strides);
          generic({buffer(v)}, {dst}, [](OpBuilder &, Location, ValueRange a) { return SmallVector<Value>{a[0]}; });
          outputOffsets_.back() = next;
          next += t.getNumElements();
        }
        b_.create<func::ReturnOp>(ret.getLoc());
        break;
      }
      int64_t profileId = profileSite(op, name);
      if (profileId >= 0) call(b_, "nnc_prof_begin", ctxArg_, profileId, {});
      if (failed(lower(op))) return -1;
      if (profileId >= 0) call(b_, "nnc_prof_end", ctxArg_, profileId, {});
    }
    return workspaceBytes_;
  }

  /// Where each output of the lowered function lands in metrics (in floats;
  /// -1: nowhere), after run().
  ArrayRef<int64_t> outputOffsets() const { return outputOffsets_; }

  /// How ops without an nn.granularity attribute are implemented: auto,
  /// coarse or fine (wantsLibrary).
  FunctionLowering &defaultGranularity(StringRef granularity) {
    granularity_ = granularity.str();
    return *this;
  }

  /// Channel block of the layout kept between library calls (8 or 16;
  /// 0: plain NCHW everywhere).
  FunctionLowering &channelBlock(int64_t block) {
    channelBlock_ = block;
    return *this;
  }

  /// Profiling: brackets each op with nnc_prof_begin/end, numbering the ops
  /// in `sites` (the module's nn.profile_sites).
  FunctionLowering &profiled(SmallVectorImpl<Attribute> *sites) {
    profileSites_ = sites;
    return *this;
  }

private:
  /// With profiling, a new profile id for `op` and its entry in
  /// nn.profile_sites: {fn, layer, phase, op}. The layer is the op's nn.name,
  /// for a backward op the nn.vjp_of autodiff left on it, for a solver update
  /// its parameter ("" when unknown); the phase is forward, backward (ops of
  /// a VJP, and unnamed ops after the first of them) or update (the solver's
  /// updates and clipping). -1 without profiling and for ops that emit no
  /// code (or next to none).
  int64_t profileSite(Operation *op, StringRef fn) {
    if (!profileSites_ || isa<nn::FlattenOp, nn::ReshapeOp>(op)) return -1;
    if (isa<nn::DropoutOp>(op) && !training_) return -1;
    // A splat fill of no layer (the loss's seed gradient, hoisted to the top): not worth a row.
    if (isa<arith::ConstantOp>(op) && !op->hasAttr("nn.name") && !op->hasAttr("nn.vjp_of")) return -1;
    StringRef phase = backwardSeen_ ? "backward" : "forward", layer;
    if (isa<nn::SgdUpdateOp, nn::AdamUpdateOp, nn::RmspropUpdateOp, nn::AdagradUpdateOp, nn::ClipByGlobalNormOp>(op)) {
      phase = "update";
      if (auto arg = dyn_cast<BlockArgument>(op->getOperand(0)); arg && !isa<nn::ClipByGlobalNormOp>(op))
        if (auto p = f_.getArgAttrOfType<FlatSymbolRefAttr>(arg.getArgNumber(), "nn.param")) layer = p.getValue();
    } else if (auto v = op->getAttrOfType<StringAttr>("nn.vjp_of")) {
      phase = "backward";
      layer = v.getValue();
      backwardSeen_ = true;
    } else if (auto n = op->getAttrOfType<StringAttr>("nn.name")) {
      layer = n.getValue();
    }
    profileSites_->push_back(b_.getDictionaryAttr({
        b_.getNamedAttr("fn", b_.getStringAttr(fn)), b_.getNamedAttr("layer", b_.getStringAttr(layer)),
        b_.getNamedAttr("phase", b_.getStringAttr(phase)),
        b_.getNamedAttr("op", b_.getStringAttr(op->getName().getStringRef()))}));
    return (int64_t)profileSites_->size() - 1;
  }

  // ---- library calls and their layouts ----
  /// Decides which ops become library calls: conv2d, max_pool, dense, lrn,
  /// the activations (relu, leaky_relu, sigmoid, tanh, gelu), softmax and
  /// batch_norm that want the library (libraryForward), and their backward
  /// ops that want it too and find a library forward op to serve them (its
  /// primitive, max_pool's workspace, batch_norm's variance): the first that
  /// matches. Several forward ops may read one input (two dense layers on x,
  /// two relus of one value): the predicates compare enough that any match
  /// builds the same primitive.
  void planLibraryCalls() {
    for (Operation *op : ops_) {
      if (isa<nn::Conv2dOp, nn::MaxPoolOp, nn::DenseOp, nn::LrnOp, nn::SoftmaxOp, nn::BatchNormOp>(op) ||
          eltwiseKind(op) >= 0) {
        if (libraryForward(op)) library_.insert(op), forwardOf_[op] = op;
      } else if (isa<nn::ReluBackwardOp>(op)) {
        serve<nn::ReluOp>(op, [&](nn::ReluOp f) { return f.getInput() == op->getOperand(1); });
      } else if (isa<nn::SigmoidBackwardOp>(op)) {
        serve<nn::SigmoidOp>(op, [&](nn::SigmoidOp f) { return f.getInput() == op->getOperand(1); });
      } else if (isa<nn::TanhBackwardOp>(op)) {
        serve<nn::TanhOp>(op, [&](nn::TanhOp f) { return f.getInput() == op->getOperand(1); });
      } else if (isa<nn::GeluBackwardOp>(op)) {
        serve<nn::GeluOp>(op, [&](nn::GeluOp f) { return f.getInput() == op->getOperand(1); });
      } else if (auto r = dyn_cast<nn::LeakyReluBackwardOp>(op)) {
        serve<nn::LeakyReluOp>(op, [&](nn::LeakyReluOp f) {
          return f.getInput() == r.getInput() && f.getSlope() == r.getSlope();
        });
      } else if (auto s = dyn_cast<nn::SoftmaxBackwardOp>(op)) {
        // From the forward's output y; the axis as the VJP normalized it.
        serve<nn::SoftmaxOp>(op, [&](nn::SoftmaxOp f) {
          return f.getResult() == s.getOutput() && f.getAxisIndex() == (int64_t)s.getAxis();
        });
      } else if (auto bn = dyn_cast<nn::BatchNormBackwardOp>(op)) {
        // The site keeps the variance of the forward that made this mean and invstd.
        serve<nn::BatchNormOp>(op, [&](nn::BatchNormOp f) {
          return f.getInput() == bn.getInput() && f.getMean() == bn.getMean() && f.getInvstd() == bn.getInvstd() &&
                 f.getWeight() == bn.getWeight();
        });
      } else if (auto c = dyn_cast<nn::Conv2dBackwardDataOp>(op)) {
        // One weight may serve several inputs: the forward op's types must match too.
        serve<nn::Conv2dOp>(op, [&](nn::Conv2dOp f) {
          return f.getWeight() == c.getWeight() && f.getInput().getType() == c.getResult().getType() &&
                 f.getResult().getType() == c.getGrad().getType();
        });
      } else if (auto c = dyn_cast<nn::Conv2dBackwardFilterOp>(op)) {
        serve<nn::Conv2dOp>(op, [&](nn::Conv2dOp f) {
          return f.getInput() == c.getInput() && f.getWeight().getType() == c.getWeightGrad().getType() &&
                 f.getStride() == c.getStride() && f.getPad() == c.getPad() && f.getDilation() == c.getDilation() &&
                 f.getGroups() == c.getGroups() && !f.getBias() == !c.getBiasGrad();
        });
      } else if (auto p = dyn_cast<nn::MaxPoolBackwardOp>(op)) {
        serve<nn::MaxPoolOp>(op, [&](nn::MaxPoolOp f) {
          return f.getInput() == p.getInput() && f.getKernel() == p.getKernel() && f.getStride() == p.getStride() &&
                 f.getPad() == p.getPad() && f.getCeil() == p.getCeil();
        });
      } else if (auto d = dyn_cast<nn::DenseBackwardDataOp>(op)) {
        serve<nn::DenseOp>(op, [&](nn::DenseOp f) {
          return f.getWeight() == d.getWeight() && f.getInput().getType() == d.getResult().getType();
        });
      } else if (auto d = dyn_cast<nn::DenseBackwardWeightsOp>(op)) {
        serve<nn::DenseOp>(op, [&](nn::DenseOp f) {
          return f.getInput() == d.getInput() && f.getWeight().getType() == d.getWeightGrad().getType() &&
                 !f.getBias() == !d.getBiasGrad();
        });
      } else if (auto l = dyn_cast<nn::LrnBackwardOp>(op)) {
        serve<nn::LrnOp>(op, [&](nn::LrnOp f) {
          return f.getInput() == l.getInput() && f.getSize() == l.getSize() && f.getAlpha() == l.getAlpha() &&
                 f.getBeta() == l.getBeta() && f.getK() == l.getK();
        });
      }
    }
  }
  template <typename Fwd> void serve(Operation *op, function_ref<bool(Fwd)> matches) {
    if (!wantsLibrary(op)) return;
    for (Operation *f : ops_)
      if (auto fwd = dyn_cast<Fwd>(f); fwd && library_.count(f) && matches(fwd)) {
        library_.insert(op);
        forwardOf_[op] = f;
        served_.insert(f);
        return;
      }
  }

  /// Whether forward op `op` becomes a library call: it wants the library
  /// and the runtime takes its operands. Activations need rank 2 or more
  /// (the runtime's [n, c, h, w]; rank 0 and 1 stay generated); evaluating,
  /// batch_norm's mean and invstd are those of the running statistics, which
  /// the inference call does not write: a reader of them (none that autodiff
  /// makes) keeps the op generated.
  bool libraryForward(Operation *op) {
    if (!wantsLibrary(op)) return false;
    for (Value v : op->getOperands())
      if (!cast<RankedTensorType>(v.getType()).getElementType().isF32()) return false;
    if (eltwiseKind(op) >= 0) return cast<RankedTensorType>(op->getOperand(0).getType()).getRank() >= 2;
    if (auto bn = dyn_cast<nn::BatchNormOp>(op))
      return training_ || (bn.getMean().use_empty() && bn.getInvstd().use_empty());
    return true;
  }

  /// The runtime's NNC_ELTWISE_* kind of an activation forward op, else -1.
  static int64_t eltwiseKind(Operation *op) {
    if (isa<nn::ReluOp>(op)) return NNC_ELTWISE_RELU;
    if (isa<nn::LeakyReluOp>(op)) return NNC_ELTWISE_LEAKY_RELU;
    if (isa<nn::SigmoidOp>(op)) return NNC_ELTWISE_SIGMOID;
    if (isa<nn::TanhOp>(op)) return NNC_ELTWISE_TANH;
    if (isa<nn::GeluOp>(op)) return NNC_ELTWISE_GELU;
    return -1;
  }
  static bool isEltwiseBackward(Operation *op) {
    return isa<nn::ReluBackwardOp, nn::LeakyReluBackwardOp, nn::SigmoidBackwardOp, nn::TanhBackwardOp,
               nn::GeluBackwardOp>(op);
  }

  /// Where `op` can take an activation in the blocked layout: (value, group,
  /// bit). The values of one (group, bit) share a layout: for a library call
  /// the group is the forward op owning its site and the bit its site's
  /// (Runtime.h); a generated max_pool (forward or backward) takes each of
  /// its tensors in either layout.
  struct Position {
    Value value;
    Operation *group;
    int bit;
  };
  SmallVector<Position> blockable(Operation *op) {
    SmallVector<std::pair<Value, int>> at;
    if (auto c = dyn_cast<nn::Conv2dOp>(op)) at = {{c.getInput(), 0}, {c.getResult(), 1}};
    if (auto c = dyn_cast<nn::Conv2dBackwardDataOp>(op)) at = {{c.getGrad(), 2}, {c.getResult(), 3}};
    if (auto c = dyn_cast<nn::Conv2dBackwardFilterOp>(op)) at = {{c.getInput(), 0}, {c.getGrad(), 4}};
    if (auto p = dyn_cast<nn::MaxPoolOp>(op)) at = {{p.getInput(), 0}, {p.getResult(), 1}};
    // The library's backward reads its forward's workspace, not x.
    if (auto p = dyn_cast<nn::MaxPoolBackwardOp>(op)) {
      at = {{p.getGrad(), 2}, {p.getResult(), 3}};
      if (!library_.count(op)) at.push_back({p.getInput(), 0});
    }
    if (auto l = dyn_cast<nn::LrnOp>(op)) at = {{l.getInput(), 0}, {l.getResult(), 1}};
    if (auto l = dyn_cast<nn::LrnBackwardOp>(op)) at = {{l.getInput(), 0}, {l.getGrad(), 2}, {l.getResult(), 3}};
    // Activations and batch_norm: bit 0 x and y of the forward, bit 1 dy, x
    // and dx of the backward (activations: operands (grad, input)).
    if (eltwiseKind(op) >= 0 || isa<nn::BatchNormOp>(op)) at = {{op->getOperand(0), 0}, {op->getResult(0), 0}};
    if (isEltwiseBackward(op)) at = {{op->getOperand(0), 1}, {op->getOperand(1), 1}, {op->getResult(0), 1}};
    if (auto bn = dyn_cast<nn::BatchNormBackwardOp>(op))
      at = {{bn.getGrad(), 1}, {bn.getInput(), 1}, {bn.getResult(), 1}};
    SmallVector<Position> positions;
    if (library_.count(op)) {
      for (auto [v, bit] : at) positions.push_back({v, forwardOf_.at(op), bit});
    } else if (isa<nn::MaxPoolOp, nn::MaxPoolBackwardOp>(op)) {
      // The generated loops take each tensor in either layout.
      for (auto [i, v] : llvm::enumerate(at)) positions.push_back({v.first, op, (int)i});
    }
    return positions;
  }
  static bool unread(Operation *op, Value v) {
    auto p = dyn_cast<nn::MaxPoolBackwardOp>(op);
    return p && v == p.getInput() && v != p.getGrad();
  }

  /// Fuses a library relu into the library conv2d it reads (a oneDNN
  /// post-op: one pass over y instead of two) when nothing else reads the
  /// conv's output but relu_backward ops, as their forward input: the conv
  /// then writes max(y, 0) into its own buffer, which the relu's result
  /// aliases (root()), and the relu's call is dropped. ReLU's gradient is the
  /// same from its output as from its input (both positive together), so the
  /// backward ops may read that buffer.
  void planFusion() {
    for (Operation *op : ops_) {
      auto conv = dyn_cast<nn::Conv2dOp>(op);
      if (!conv || !library_.count(op)) continue;
      Operation *relu = nullptr;
      bool ok = true;
      for (OpOperand &use : conv.getResult().getUses()) {
        Operation *user = use.getOwner();
        if (isa<nn::ReluOp>(user) && library_.count(user) && !relu) relu = user;
        else ok &= isa<nn::ReluBackwardOp>(user) && use.getOperandNumber() == 1 && user->getOperand(0) != conv.getResult();
      }
      if (ok && relu) fusedRelu_[op] = relu, fusedInto_[relu] = op;
    }
  }

  /// Picks the activations kept in the blocked layout nChw<block>c: a rank-4
  /// result that a layout-aware op (a library call, a generated max_pool)
  /// writes and only such ops read, and that every other value sharing a
  /// layout with it (blockable()) is blocked too. Saves the reorders around
  /// each library call (LeNet: ~30% of a step).
  void planLayouts() {
    if (!channelBlock_) return;
    auto takes = [&](Operation *op, Value v) {
      return llvm::any_of(blockable(op), [&](const Position &p) { return p.value == v; });
    };
    // Every reader of v's buffer reads it blocked: v's, and a fused relu's result's.
    std::function<bool(Value)> readersTake = [&](Value v) {
      return llvm::all_of(v.getUses(), [&](OpOperand &use) {
        Operation *user = use.getOwner();
        if (fusedInto_.count(user) && !readersTake(user->getResult(0))) return false;
        return takes(user, v) || (library_.count(user) && unread(user, v));
      });
    };
    auto candidate = [&](Value v) {
      auto t = dyn_cast<RankedTensorType>(v.getType());
      if (!t || t.getRank() != 4 || !t.getElementType().isF32() || t.getDimSize(1) < channelBlock_ / 2) return false;
      Operation *def = v.getDefiningOp();
      if (!def || root(v) != v || !takes(def, v) || v.use_empty()) return false;
      return readersTake(v);
    };
    for (Operation *op : ops_)
      for (Value r : op->getResults())
        if (candidate(r)) blocked_.insert(r);
    // Layout groups that disagree: all their values plain, until none do.
    bool changed = true;
    while (changed) {
      changed = false;
      std::map<std::pair<size_t, int>, SmallVector<Value>> groups;
      for (Operation *op : ops_)
        for (const Position &p : blockable(op)) groups[{index_.at(p.group), p.bit}].push_back(root(p.value));
      for (auto &[key, values] : groups) {
        bool any = llvm::any_of(values, [&](Value v) { return blocked_.count(v); });
        bool all = llvm::all_of(values, [&](Value v) { return blocked_.count(v); });
        if (any && !all) {
          for (Value v : values) blocked_.erase(v);
          changed = true;
        }
      }
    }
    for (Operation *op : ops_)
      if (library_.count(op))
        for (const Position &p : blockable(op))
          if (blocked_.count(root(p.value))) blockedMask_[p.group] |= int64_t(1) << p.bit;
  }

  /// The memref type of a blocked activation: [N, C/B, H, W, B], channels padded.
  MemRefType blockedType(Value v) {
    auto s = cast<RankedTensorType>(v.getType()).getShape();
    return MemRefType::get({s[0], (s[1] + channelBlock_ - 1) / channelBlock_, s[2], s[3], channelBlock_},
                           b_.getF32Type());
  }

  /// The init arguments `block, blocked` of forward op `fwd`'s site.
  SmallVector<int64_t, 2> layoutArgs(Operation *fwd) {
    int64_t mask = blockedMask_.lookup(fwd);
    return {mask ? channelBlock_ : 0, mask};
  }

  /// Bytes of `v`'s buffer: a blocked one pads the channels to the block.
  int64_t bufferBytes(Value v) {
    if (!blocked_.count(v)) return bytesOf(v.getType());
    return blockedType(v).getNumElements() * 4;
  }

  /// The library site of backward call `op`, from its forward op.
  int64_t siteOf(Operation *op) { return sites_.at(forwardOf_.at(op)); }

  // ---- memory planning ----
  /// The value whose buffer `v` uses (itself unless it is an alias).
  Value root(Value v) {
    while (true) {
      Operation *def = v.getDefiningOp();
      if (def && isa<nn::FlattenOp, nn::ReshapeOp>(def)) {
        v = def->getOperand(0);
        continue;
      }
      // A relu fused into its conv: the conv writes the relu's values.
      if (def && fusedInto_.count(def)) {
        v = def->getOperand(0);
        continue;
      }
      // Evaluating, dropout is the identity: its result is its input.
      if (auto d = dyn_cast_or_null<nn::DropoutOp>(def); d && !training_ && v == d.getResult()) {
        v = d.getInput();
        continue;
      }
      // Solver updates write the parameter and its state in place.
      if (def) {
        if (Value replaced = updatedOperand(cast<OpResult>(v))) {
          v = replaced;
          continue;
        }
      }
      // Clipping scales a gradient in place when nothing else reads it.
      if (auto c = dyn_cast_or_null<nn::ClipByGlobalNormOp>(def)) {
        Value g = c.getGrads()[cast<OpResult>(v).getResultNumber()];
        if (clipsInPlace(g)) {
          v = g;
          continue;
        }
      }
      return v;
    }
  }

  /// Whether clipping may scale gradient `g` in its own buffer: `g` has a
  /// buffer of its own (an op result that aliases nothing) and no reader
  /// but the clip.
  bool clipsInPlace(Value g) {
    return isa<OpResult>(g) && g.hasOneUse() && root(g) == g;
  }

  LogicalResult planWorkspace() {
    // Live range of every root buffer: from its definition to its last use
    // through any alias.
    struct Range { int64_t begin, end, bytes; };
    llvm::MapVector<Value, Range> ranges;
    for (Operation *op : ops_)
      for (Value r : op->getResults()) {
        if (root(r) != r) continue;
        // Evaluating, no dropout mask is drawn, so none needs memory.
        if (auto d = dyn_cast<nn::DropoutOp>(op); d && !training_ && r == d.getMask()) continue;
        // Nothing reads batch_norm's mean and invstd when evaluating (no VJP): no
        // memory, unless the library's training call writes them all the same.
        if (isa<nn::BatchNormOp>(op) && r != op->getResult(0) && r.use_empty() && !(training_ && library_.count(op)))
          continue;
        ranges[r] = {(int64_t)index_[op], (int64_t)index_[op], alignUp(bufferBytes(r))};
      }
    for (Operation *op : ops_)
      for (Value operand : op->getOperands()) {
        Value r = root(operand);
        if (auto it = ranges.find(r); it != ranges.end())
          it->second.end = std::max<int64_t>(it->second.end, index_[op]);
      }
    // First fit, in order of definition.
    std::vector<std::pair<Value, Range>> placed;
    for (auto &[v, r] : ranges) {
      std::vector<std::pair<int64_t, int64_t>> busy; // [offset, offset + bytes)
      for (auto &[pv, pr] : placed)
        if (pr.begin <= r.end && r.begin <= pr.end)
          busy.push_back({workspaceOffset_[pv], workspaceOffset_[pv] + pr.bytes});
      std::sort(busy.begin(), busy.end());
      int64_t offset = 0;
      for (auto &[b, e] : busy) {
        if (offset + r.bytes <= b) break;
        offset = std::max(offset, e);
      }
      workspaceOffset_[v] = offset;
      workspaceBytes_ = std::max(workspaceBytes_, offset + r.bytes);
      placed.push_back({v, r});
    }
    return success();
  }

  // ---- helpers ----
  Value index(int64_t i) { return b_.create<arith::ConstantIndexOp>(f_.getLoc(), i); }
  Value f32(double v) { return b_.create<arith::ConstantOp>(f_.getLoc(), b_.getF32FloatAttr(v)); }

  Value view(Value arena, int64_t offset, Type tensor) {
    Value v = b_.create<memref::ViewOp>(f_.getLoc(), memrefOf(tensor), arena, index(offset), ValueRange{});
    arenaOffset_[v] = {arena, offset};
    return v;
  }

  /// The memref of an nn value, following aliases (reshape views the same bytes).
  Value buffer(Value v) {
    if (auto it = buffers_.find(v); it != buffers_.end()) return it->second;
    Value r = root(v);
    Value base = buffers_.at(r);
    if (r == v || blocked_.count(r) || base.getType() == memrefOf(v.getType())) return buffers_[v] = base;
    // A reshape of a contiguous buffer: reinterpret the same bytes.
    auto t = memrefOf(v.getType());
    SmallVector<int64_t> strides(t.getRank(), 1);
    for (int64_t i = t.getRank() - 2; i >= 0; --i) strides[i] = strides[i + 1] * t.getDimSize(i + 1);
    return buffers_[v] = b_.create<memref::ReinterpretCastOp>(
               f_.getLoc(), t, base, /*offset=*/0, t.getShape(), strides);
  }

  /// The address of a buffer for a runtime call. Arena views are addressed
  /// from the arena's pointer: MLIR folds extract_aligned_pointer_as_index
  /// through memref.view to the view's source, dropping the byte shift.
  Value ptr(Value memref) {
    Location loc = f_.getLoc();
    if (!memref) return b_.create<LLVM::ZeroOp>(loc, LLVM::LLVMPointerType::get(ctx_));
    int64_t offset = 0;
    while (auto cast = memref.getDefiningOp<memref::ReinterpretCastOp>()) memref = cast.getSource();
    if (auto it = arenaOffset_.find(memref); it != arenaOffset_.end()) {
      offset = it->second.second;
      memref = it->second.first;
    }
    Value i = b_.create<memref::ExtractAlignedPointerAsIndexOp>(loc, memref);
    Value i64 = b_.create<arith::IndexCastOp>(loc, b_.getI64Type(), i);
    if (offset)
      i64 = b_.create<arith::AddIOp>(loc, i64, b_.create<arith::ConstantIntOp>(loc, offset, 64));
    return b_.create<LLVM::IntToPtrOp>(loc, LLVM::LLVMPointerType::get(ctx_), i64);
  }

  /// Declares (once) and calls a runtime function taking ctx, site, then
  /// i64 shape arguments or pointers.
  void call(OpBuilder &b, StringRef name, Value ctx, int64_t site, ValueRange args) {
    SmallVector<Value> all = {ctx, b.create<arith::ConstantIntOp>(f_.getLoc(), site, 64)};
    all.append(args.begin(), args.end());
    auto fn = module_.lookupSymbol<func::FuncOp>(name);
    if (!fn) {
      OpBuilder mb(module_.getBodyRegion());
      fn = mb.create<func::FuncOp>(f_.getLoc(), name, mb.getFunctionType(ValueRange(all).getTypes(), {}));
      fn.setPrivate();
    }
    b.create<func::CallOp>(f_.getLoc(), fn, all);
  }

  /// Emits the site's creation into @init.
  int64_t newSite(StringRef initName, ArrayRef<int64_t> shape) {
    SmallVector<Value> args;
    for (int64_t v : shape) args.push_back(initI64(v));
    return newSite(initName, ValueRange(args));
  }
  /// The same with arguments made by initI64/initF32/initF64.
  int64_t newSite(StringRef initName, ValueRange args) {
    int64_t site = nextSite_++;
    Value ctx = init_.getBlock()->getParent()->getArgument(0);
    call(init_, initName, ctx, site, args);
    return site;
  }
  Value initI64(int64_t v) { return init_.create<arith::ConstantIntOp>(f_.getLoc(), v, 64); }
  Value initF32(double v) { return init_.create<arith::ConstantOp>(f_.getLoc(), init_.getF32FloatAttr(v)); }
  Value initF64(double v) { return init_.create<arith::ConstantOp>(f_.getLoc(), init_.getF64FloatAttr(v)); }

  /// The runtime's [n, c, h, w] view of a rank >= 2 tensor: rank 4 as it is,
  /// other ranks with the dims after the channels folded into h and w = 1
  /// ([n, c] is n, c, 1, 1).
  static SmallVector<int64_t, 4> nchw(Value v) {
    auto s = cast<RankedTensorType>(v.getType()).getShape();
    if (s.size() == 4) return {s[0], s[1], s[2], s[3]};
    int64_t h = 1;
    for (size_t i = 2; i < s.size(); ++i) h *= s[i];
    return {s[0], s[1], h, 1};
  }

  /// Whether an op the library has (conv2d, max_pool, dense, lrn, relu,
  /// leaky_relu, sigmoid, tanh, gelu, softmax, batch_norm, or a backward op
  /// of theirs) `op` wants the library (SPEC 14): its nn.granularity (from
  /// @coarse/@fine, which autodiff copies to the VJP's ops), else the
  /// pipeline's default (coarse: the library, which these ops have; fine:
  /// generated loops; auto: the library but for max_pool, whose generated
  /// loops beat oneDNN 2.6's pooling, NCHW or blocked: 0.2 vs 0.8 ms for
  /// LeNet's pool1 forward, 0.3 vs 0.8 backward). Wanting is not enough: an activation of rank 0
  /// or 1 stays generated (libraryForward), and a backward op is a library
  /// call only when a library forward op serves it (its primitive, max_pool's
  /// workspace, batch_norm's variance); else it is generated.
  bool wantsLibrary(Operation *op) {
    if (auto g = op->getAttrOfType<StringAttr>("nn.granularity")) return g.getValue() != "fine";
    if (granularity_ == "auto") return !isa<nn::MaxPoolOp, nn::MaxPoolBackwardOp>(op);
    return granularity_ == "coarse";
  }

  /// A linalg.generic; by default every operand has the output's shape and every loop is parallel.
  void generic(ValueRange ins, ValueRange outs, function_ref<SmallVector<Value>(OpBuilder &, Location, ValueRange)> body,
               ArrayRef<AffineMap> indexing = {}, ArrayRef<utils::IteratorType> iterators = {}) {
    int64_t rank = cast<MemRefType>(outs[0].getType()).getRank();
    SmallVector<AffineMap> maps(indexing);
    if (maps.empty()) maps.assign(ins.size() + outs.size(), b_.getMultiDimIdentityMap(rank));
    SmallVector<utils::IteratorType> iters(iterators);
    if (iters.empty()) iters.assign(maps.front().getNumDims(), utils::IteratorType::parallel);
    b_.create<linalg::GenericOp>(f_.getLoc(), TypeRange{}, ins, outs, maps, iters,
                                 [&](OpBuilder &nb, Location l, ValueRange args) {
                                   nb.create<linalg::YieldOp>(l, body(nb, l, args));
                                 });
  }

  template <typename Op> static cpu::ConvAttrs convAttrs(Op c) {
    return {c.getStride()[0], c.getStride()[1], c.getPad()[0], c.getPad()[1],
            c.getDilation()[0], c.getDilation()[1], (int64_t)c.getGroups()};
  }
  template <typename Op> static cpu::PoolAttrs poolAttrs(Op p) {
    return {p.getKernel()[0], p.getKernel()[1], p.getStride()[0], p.getStride()[1], p.getPad()[0], p.getPad()[1]};
  }

  // ---- ops ----
  LogicalResult lower(Operation *op) {
    Location loc = op->getLoc();
    auto dims = [](Value v) { return cast<RankedTensorType>(v.getType()).getShape(); };

    if (auto c = dyn_cast<nn::Conv2dOp>(op)) {
      if (!library_.count(op)) {
        cpu::buildConv2d(b_, loc, buffer(c.getInput()), buffer(c.getWeight()),
                         c.getBias() ? buffer(c.getBias()) : Value(), buffer(c.getResult()), convAttrs(c));
        return success();
      }
      auto x = dims(c.getInput()), w = dims(c.getWeight());
      auto layout = layoutArgs(op);
      int64_t site = newSite("nnc_cpu_conv2d_init",
                             {x[0], x[1], x[2], x[3], w[0], w[2], w[3], c.getStride()[0], c.getStride()[1],
                              c.getPad()[0], c.getPad()[1], c.getDilation()[0], c.getDilation()[1],
                              (int64_t)c.getGroups(), c.getBias() ? 1 : 0, fusedRelu_.count(op) ? 1 : 0, layout[0],
                              layout[1]});
      sites_[op] = site;
      call(b_, "nnc_cpu_conv2d_fwd", ctxArg_, site,
           {ptr(buffer(c.getInput())), ptr(buffer(c.getWeight())),
            ptr(c.getBias() ? buffer(c.getBias()) : Value()), ptr(buffer(c.getResult()))});
      return success();
    }
    if (auto c = dyn_cast<nn::Conv2dBackwardDataOp>(op)) {
      if (!library_.count(op)) {
        cpu::buildConv2dBackwardData(b_, loc, buffer(c.getGrad()), buffer(c.getWeight()), buffer(c.getResult()),
                                     convAttrs(c));
        return success();
      }
      call(b_, "nnc_cpu_conv2d_bwd_data", ctxArg_, siteOf(op),
           {ptr(buffer(c.getGrad())), ptr(buffer(c.getWeight())), ptr(buffer(c.getResult()))});
      return success();
    }
    if (auto c = dyn_cast<nn::Conv2dBackwardFilterOp>(op)) {
      if (!library_.count(op)) {
        cpu::buildConv2dBackwardFilter(b_, loc, buffer(c.getInput()), buffer(c.getGrad()), buffer(c.getWeightGrad()),
                                       c.getBiasGrad() ? buffer(c.getBiasGrad()) : Value(), convAttrs(c));
        return success();
      }
      call(b_, "nnc_cpu_conv2d_bwd_filter", ctxArg_, siteOf(op),
           {ptr(buffer(c.getInput())), ptr(buffer(c.getGrad())), ptr(buffer(c.getWeightGrad())),
            ptr(c.getBiasGrad() ? buffer(c.getBiasGrad()) : Value())});
      return success();
    }
    if (auto p = dyn_cast<nn::MaxPoolOp>(op)) {
      if (!library_.count(op)) {
        cpu::buildMaxPool(b_, loc, buffer(p.getInput()), buffer(p.getResult()), poolAttrs(p));
        return success();
      }
      auto x = dims(p.getInput()), y = dims(p.getResult());
      auto k = p.getKernel(), s = p.getStride(), pad = p.getPad();
      // Ceil rounding shows up as extra padding at the bottom and right.
      int64_t pb = (y[2] - 1) * s[0] + k[0] - x[2] - pad[0];
      int64_t pr = (y[3] - 1) * s[1] + k[1] - x[3] - pad[1];
      auto layout = layoutArgs(op);
      int64_t site = newSite("nnc_cpu_max_pool_init", {x[0], x[1], x[2], x[3], k[0], k[1], s[0], s[1],
                                                      pad[0], pad[1], std::max<int64_t>(pb, 0),
                                                      std::max<int64_t>(pr, 0), layout[0], layout[1]});
      sites_[op] = site;
      call(b_, "nnc_cpu_max_pool_fwd", ctxArg_, site, {ptr(buffer(p.getInput())), ptr(buffer(p.getResult()))});
      return success();
    }
    if (auto p = dyn_cast<nn::MaxPoolBackwardOp>(op)) {
      if (!library_.count(op)) {
        cpu::buildMaxPoolBackward(b_, loc, buffer(p.getInput()), buffer(p.getGrad()), buffer(p.getResult()),
                                  poolAttrs(p));
        return success();
      }
      call(b_, "nnc_cpu_max_pool_bwd", ctxArg_, siteOf(op), {ptr(buffer(p.getGrad())), ptr(buffer(p.getResult()))});
      return success();
    }
    if (auto d = dyn_cast<nn::DenseOp>(op)) {
      if (!library_.count(op)) {
        cpu::buildDense(b_, loc, buffer(d.getInput()), buffer(d.getWeight()),
                        d.getBias() ? buffer(d.getBias()) : Value(), buffer(d.getResult()));
        return success();
      }
      auto x = dims(d.getInput()), w = dims(d.getWeight());
      int64_t site = newSite("nnc_cpu_dense_init", {x[0], x[1], w[0], d.getBias() ? 1 : 0});
      sites_[op] = site;
      call(b_, "nnc_cpu_dense_fwd", ctxArg_, site,
           {ptr(buffer(d.getInput())), ptr(buffer(d.getWeight())),
            ptr(d.getBias() ? buffer(d.getBias()) : Value()), ptr(buffer(d.getResult()))});
      return success();
    }
    if (auto d = dyn_cast<nn::DenseBackwardDataOp>(op)) {
      if (!library_.count(op)) {
        cpu::buildDenseBackwardData(b_, loc, buffer(d.getGrad()), buffer(d.getWeight()), buffer(d.getResult()));
        return success();
      }
      call(b_, "nnc_cpu_dense_bwd_data", ctxArg_, siteOf(op),
           {ptr(buffer(d.getGrad())), ptr(buffer(d.getWeight())), ptr(buffer(d.getResult()))});
      return success();
    }
    if (auto d = dyn_cast<nn::DenseBackwardWeightsOp>(op)) {
      if (!library_.count(op)) {
        cpu::buildDenseBackwardWeights(b_, loc, buffer(d.getInput()), buffer(d.getGrad()), buffer(d.getWeightGrad()),
                                       d.getBiasGrad() ? buffer(d.getBiasGrad()) : Value());
        return success();
      }
      call(b_, "nnc_cpu_dense_bwd_weights", ctxArg_, siteOf(op),
           {ptr(buffer(d.getInput())), ptr(buffer(d.getGrad())), ptr(buffer(d.getWeightGrad())),
            ptr(d.getBiasGrad() ? buffer(d.getBiasGrad()) : Value())});
      return success();
    }
    if (isa<nn::FlattenOp, nn::ReshapeOp>(op)) return success(); // a view of the same bytes
    if (library_.count(op) && (eltwiseKind(op) >= 0 || isEltwiseBackward(op))) return lowerEltwiseCall(op);
    if (ScalarBody body = elementwiseBody(op)) return lowerElementwise(op, body);
    if (auto r = dyn_cast<nn::ReduceToOp>(op)) return lowerReduceTo(r);
    if (auto p = dyn_cast<nn::AvgPoolOp>(op))
      return lowerAvgPool(p.getInput(), p.getResult(), p.getKernel(), p.getStride(), p.getPad(), false);
    if (auto p = dyn_cast<nn::AvgPoolBackwardOp>(op))
      return lowerAvgPool(p.getResult(), p.getGrad(), p.getKernel(), p.getStride(), p.getPad(), true);
    if (auto l = dyn_cast<nn::LrnOp>(op)) return lowerLrn(l);
    if (auto l = dyn_cast<nn::LrnBackwardOp>(op)) return lowerLrnBackward(l);
    if (auto d = dyn_cast<nn::DropoutOp>(op)) return lowerDropout(d);
    if (auto bn = dyn_cast<nn::BatchNormOp>(op)) return lowerBatchNorm(bn);
    if (auto bn = dyn_cast<nn::BatchNormBackwardOp>(op)) return lowerBatchNormBackward(bn);
    if (auto c = dyn_cast<nn::ConcatOp>(op)) return lowerConcat(c.getResult(), c.getInputs(), c.getAxisIndex(), false);
    if (auto c = dyn_cast<nn::ConcatBackwardOp>(op))
      return lowerConcat(c.getGrad(), c.getResults(), (int64_t)c.getAxis(), true);
    if (auto t = dyn_cast<nn::TransposeOp>(op)) return lowerTranspose(t);
    if (auto s = dyn_cast<nn::SoftmaxOp>(op)) return lowerSoftmax(s);
    if (auto s = dyn_cast<nn::SoftmaxBackwardOp>(op)) return lowerSoftmaxBackward(s);
    if (auto c = dyn_cast<arith::ConstantOp>(op)) {
      auto dense = dyn_cast<DenseElementsAttr>(c.getValue());
      if (!dense || !dense.isSplat() || !isa<RankedTensorType>(c.getType()))
        return op->emitError("only splat tensor constants are supported on cpu yet");
      b_.create<linalg::FillOp>(loc, ValueRange{b_.create<arith::ConstantOp>(loc, dense.getSplatValue<TypedAttr>())},
                                ValueRange{buffer(c.getResult())});
      return success();
    }
    if (auto s = dyn_cast<nn::SgdUpdateOp>(op)) return lowerSgd(s);
    if (auto a = dyn_cast<nn::AdamUpdateOp>(op)) return lowerAdam(a);
    if (auto r = dyn_cast<nn::RmspropUpdateOp>(op)) return lowerRmsprop(r);
    if (auto a = dyn_cast<nn::AdagradUpdateOp>(op)) return lowerAdagrad(a);
    if (auto c = dyn_cast<nn::ClipByGlobalNormOp>(op)) return lowerClip(c);
    if (auto s = dyn_cast<nn::SoftmaxCrossEntropyOp>(op)) return lowerCrossEntropy(s.getLogits(), s.getLabels(), Value(), s.getResult());
    if (auto s = dyn_cast<nn::SoftmaxCrossEntropyBackwardOp>(op))
      return lowerCrossEntropy(s.getLogits(), s.getLabels(), s.getGrad(), s.getResult());
    if (auto a = dyn_cast<nn::AccuracyOp>(op)) return lowerAccuracy(a);
    return op->emitError("'") << op->getName() << "' is not supported on cpu yet";
  }

  // ---- generated pooling, normalization and shape ops ----
  static Value idx(OpBuilder &b, Location l, int64_t v) { return b.create<arith::ConstantIndexOp>(l, v); }
  static Value toF32(OpBuilder &b, Location l, Value i) {
    return b.create<arith::SIToFPOp>(l, b.getF32Type(), b.create<arith::IndexCastOp>(l, b.getI64Type(), i));
  }

  /// The cells [lo, hi) of output position `o`'s window inside the input and
  /// its extent within the padded input (the divisor), as in the reference.
  struct Window { Value lo, hi, padded; };
  Window window(OpBuilder &b, Location l, Value o, int64_t k, int64_t s, int64_t p, int64_t in) {
    Value start = b.create<arith::SubIOp>(l, b.create<arith::MulIOp>(l, o, idx(b, l, s)), idx(b, l, p));
    Value end = b.create<arith::MinSIOp>(l, b.create<arith::AddIOp>(l, start, idx(b, l, k)), idx(b, l, in + p));
    return {b.create<arith::MaxSIOp>(l, start, idx(b, l, 0)), b.create<arith::MinSIOp>(l, end, idx(b, l, in)),
            b.create<arith::SubIOp>(l, end, start)};
  }

  /// Forward: y = window sum / divisor. Backward (`x` the gradient to fill,
  /// `y` the incoming one): each dy / divisor is added to its window's cells.
  LogicalResult lowerAvgPool(Value x, Value y, ArrayRef<int64_t> k, ArrayRef<int64_t> s, ArrayRef<int64_t> p,
                             bool backward) {
    auto xs = cast<RankedTensorType>(x.getType()).getShape();
    auto ys = cast<RankedTensorType>(y.getType()).getShape();
    Value xb = buffer(x), yb = buffer(y);
    if (backward) b_.create<linalg::FillOp>(f_.getLoc(), ValueRange{f32(0)}, ValueRange{xb});
    SmallVector<Value> lbs(4, index(0)), steps(4, index(1)), ubs;
    for (int64_t d : ys) ubs.push_back(index(d));
    scf::buildLoopNest(b_, f_.getLoc(), lbs, ubs, steps, [&](OpBuilder &b, Location l, ValueRange iv) {
      Window wh = window(b, l, iv[2], k[0], s[0], p[0], xs[2]);
      Window ww = window(b, l, iv[3], k[1], s[1], p[1], xs[3]);
      Value count = toF32(b, l, b.create<arith::MulIOp>(l, wh.padded, ww.padded));
      Value one = idx(b, l, 1);
      if (!backward) {
        auto sum = scf::buildLoopNest(b, l, {wh.lo, ww.lo}, {wh.hi, ww.hi}, {one, one}, ValueRange{cst(b, l, 0)},
                                      [&](OpBuilder &nb, Location il, ValueRange hw, ValueRange acc) -> scf::ValueVector {
          Value v = nb.create<memref::LoadOp>(il, xb, ValueRange{iv[0], iv[1], hw[0], hw[1]});
          return {nb.create<arith::AddFOp>(il, acc[0], v)};
        });
        b.create<memref::StoreOp>(l, b.create<arith::DivFOp>(l, sum.results[0], count), yb, iv);
        return;
      }
      Value share = b.create<arith::DivFOp>(l, b.create<memref::LoadOp>(l, yb, iv), count);
      scf::buildLoopNest(b, l, {wh.lo, ww.lo}, {wh.hi, ww.hi}, {one, one}, [&](OpBuilder &nb, Location il, ValueRange hw) {
        SmallVector<Value> at = {iv[0], iv[1], hw[0], hw[1]};
        Value v = nb.create<memref::LoadOp>(il, xb, at);
        nb.create<memref::StoreOp>(il, nb.create<arith::AddFOp>(il, v, share), xb, at);
      });
    });
    return success();
  }

  /// scale^-beta as exp(-beta * log(scale)).
  static Value powNeg(OpBuilder &b, Location l, Value scale, double beta) {
    return b.create<math::ExpOp>(l, b.create<arith::MulFOp>(l, b.create<math::LogOp>(l, scale), cst(b, l, -beta)));
  }

  /// k + alpha/size * the sum of x^2 over channel c's window, at row `at`.
  Value lrnScale(OpBuilder &b, Location l, Value x, SmallVector<Value> &at, Value c, int64_t size, int64_t channels,
                 double alpha, double k) {
    int64_t half = (size - 1) / 2;
    Value lo = b.create<arith::MaxSIOp>(l, b.create<arith::SubIOp>(l, c, idx(b, l, half)), idx(b, l, 0));
    Value hi = b.create<arith::MinSIOp>(l, b.create<arith::AddIOp>(l, c, idx(b, l, half + 1)), idx(b, l, channels));
    auto loop = b.create<scf::ForOp>(l, lo, hi, idx(b, l, 1), ValueRange{cst(b, l, 0)},
                                     [&](OpBuilder &nb, Location il, Value j, ValueRange acc) {
      at[1] = j;
      Value v = nb.create<memref::LoadOp>(il, x, at);
      nb.create<scf::YieldOp>(il, ValueRange{nb.create<arith::AddFOp>(il, acc[0], nb.create<arith::MulFOp>(il, v, v))});
    });
    return b.create<arith::AddFOp>(l, cst(b, l, k),
                                   b.create<arith::MulFOp>(l, loop.getResult(0), cst(b, l, alpha / size)));
  }

  /// Per (n, spatial position): y[c] = x[c] * scale[c]^-beta.
  LogicalResult lowerLrn(nn::LrnOp op) {
    if (library_.count(op)) {
      // oneDNN on [n, c, h, w] (nchw()): folded to [n, c, h * w, 1], a rank-4
      // tensor took oneDNN 1.6-2x longer (AlexNet's norm1 forward: 8.3 vs 4.6 ms).
      auto d = nchw(op.getInput());
      auto layout = layoutArgs(op);
      int64_t site = newSite("nnc_cpu_lrn_init",
                             {initI64(d[0]), initI64(d[1]), initI64(d[2]), initI64(d[3]), initI64((int64_t)op.getSize()),
                              initF32(op.getAlpha().convertToDouble()), initF32(op.getBeta().convertToDouble()),
                              initF32(op.getK().convertToDouble()), initI64(training_ ? 1 : 0), initI64(layout[0]),
                              initI64(layout[1])});
      sites_[op] = site;
      call(b_, "nnc_cpu_lrn_fwd", ctxArg_, site, {ptr(buffer(op.getInput())), ptr(buffer(op.getResult()))});
      return success();
    }
    auto shape = op.getInput().getType().getShape();
    int64_t size = (int64_t)op.getSize(), channels = shape[1];
    double alpha = op.getAlpha().convertToDouble(), beta = op.getBeta().convertToDouble(), k = op.getK().convertToDouble();
    Value x = buffer(op.getInput()), y = buffer(op.getResult());
    forEachRow(shape, 1, [&](OpBuilder &b, Location l, SmallVector<Value> &at) {
      axisLoop(b, l, channels, Value(), [&](OpBuilder &nb, Location il, Value c, Value) {
        Value scale = lrnScale(nb, il, x, at, c, size, channels, alpha, k);
        at[1] = c;
        Value xv = nb.create<memref::LoadOp>(il, x, at);
        nb.create<memref::StoreOp>(il, nb.create<arith::MulFOp>(il, xv, powNeg(nb, il, scale, beta)), y, at);
        return Value();
      });
    });
    return success();
  }

  /// Per row: dx[c] = dy[c] scale[c]^-beta - 2 beta alpha/size x[c] * sum over j in
  /// window(c) of t[j], t[j] = dy[j] x[j] scale[j]^(-beta-1) kept in a stack row.
  LogicalResult lowerLrnBackward(nn::LrnBackwardOp op) {
    if (library_.count(op)) {
      call(b_, "nnc_cpu_lrn_bwd", ctxArg_, siteOf(op),
           {ptr(buffer(op.getInput())), ptr(buffer(op.getGrad())), ptr(buffer(op.getResult()))});
      return success();
    }
    auto shape = op.getInput().getType().getShape();
    int64_t size = (int64_t)op.getSize(), channels = shape[1], half = (size - 1) / 2;
    double alpha = op.getAlpha().convertToDouble(), beta = op.getBeta().convertToDouble(), k = op.getK().convertToDouble();
    Value x = buffer(op.getInput()), dy = buffer(op.getGrad()), dx = buffer(op.getResult());
    Value t = b_.create<memref::AllocaOp>(f_.getLoc(), MemRefType::get({channels}, b_.getF32Type()));
    forEachRow(shape, 1, [&](OpBuilder &b, Location l, SmallVector<Value> &at) {
      axisLoop(b, l, channels, Value(), [&](OpBuilder &nb, Location il, Value c, Value) {
        Value scale = lrnScale(nb, il, x, at, c, size, channels, alpha, k);
        at[1] = c;
        Value p = powNeg(nb, il, scale, beta);
        Value g = nb.create<memref::LoadOp>(il, dy, at);
        Value xv = nb.create<memref::LoadOp>(il, x, at);
        nb.create<memref::StoreOp>(il, nb.create<arith::MulFOp>(il, g, p), dx, at);
        Value tc = nb.create<arith::DivFOp>(il, nb.create<arith::MulFOp>(il, nb.create<arith::MulFOp>(il, g, xv), p), scale);
        nb.create<memref::StoreOp>(il, tc, t, ValueRange{c});
        return Value();
      });
      axisLoop(b, l, channels, Value(), [&](OpBuilder &nb, Location il, Value c, Value) {
        Value lo = nb.create<arith::MaxSIOp>(il, nb.create<arith::SubIOp>(il, c, idx(nb, il, half)), idx(nb, il, 0));
        Value hi = nb.create<arith::MinSIOp>(il, nb.create<arith::AddIOp>(il, c, idx(nb, il, half + 1)),
                                             idx(nb, il, channels));
        auto sum = nb.create<scf::ForOp>(il, lo, hi, idx(nb, il, 1), ValueRange{cst(nb, il, 0)},
                                         [&](OpBuilder &ib, Location jl, Value j, ValueRange acc) {
          Value tj = ib.create<memref::LoadOp>(jl, t, ValueRange{j});
          ib.create<scf::YieldOp>(jl, ValueRange{ib.create<arith::AddFOp>(jl, acc[0], tj)});
        });
        at[1] = c;
        Value xv = nb.create<memref::LoadOp>(il, x, at);
        Value corr = nb.create<arith::MulFOp>(il, nb.create<arith::MulFOp>(il, xv, sum.getResult(0)),
                                              cst(nb, il, 2 * beta * alpha / size));
        Value d = nb.create<memref::LoadOp>(il, dx, at);
        nb.create<memref::StoreOp>(il, nb.create<arith::SubFOp>(il, d, corr), dx, at);
        return Value();
      });
    });
    return success();
  }

  /// Training: the runtime draws the 0/1 mask from (seed, stream, step), then
  /// y = x * mask / (1 - rate). Evaluating: nothing, y aliases x (root()).
  LogicalResult lowerDropout(nn::DropoutOp d) {
    if (!training_) return success();
    Location loc = d.getLoc();
    // hyper = [lr, step, seed low, seed high]; the last three hold the bits of u32s.
    auto word = [&](int64_t i) {
      Value f = b_.create<memref::LoadOp>(loc, hyper_, ValueRange{index(i)});
      return b_.create<arith::ExtUIOp>(loc, b_.getI64Type(), b_.create<arith::BitcastOp>(loc, b_.getI32Type(), f));
    };
    Value step = word(1);
    Value seed = b_.create<arith::OrIOp>(loc, word(2),
                                         b_.create<arith::ShLIOp>(loc, word(3), b_.create<arith::ConstantIntOp>(loc, 32, 64)));
    Value mask = buffer(d.getMask());
    int64_t n = d.getInput().getType().getNumElements();
    call(b_, "nnc_dropout_mask", ctxArg_, (int64_t)d.getStream(),
         {seed, step, f32(d.getRate().convertToDouble()), b_.create<arith::ConstantIntOp>(loc, n, 64), ptr(mask)});
    double scale = 1.0 / (1.0 - d.getRate().convertToDouble());
    generic({buffer(d.getInput()), mask}, {buffer(d.getResult())}, [&](OpBuilder &nb, Location l, ValueRange a) {
      return SmallVector<Value>{nb.create<arith::MulFOp>(l, nb.create<arith::MulFOp>(l, a[0], a[1]), cst(nb, l, scale))};
    });
    return success();
  }

  /// Loops over every dim of `shape` but the channel (dim 1), at channel
  /// `c`, with f32 accumulators `init`; `body` gets the full index.
  SmallVector<Value> overChannel(OpBuilder &b, Location l, ArrayRef<int64_t> shape, Value c, ValueRange init,
                                 function_ref<SmallVector<Value>(OpBuilder &, Location, ValueRange, ValueRange)> body) {
    SmallVector<Value> lbs, ubs, steps;
    for (int64_t d = 0; d < (int64_t)shape.size(); ++d)
      if (d != 1) lbs.push_back(idx(b, l, 0)), ubs.push_back(idx(b, l, shape[d])), steps.push_back(idx(b, l, 1));
    auto nest = scf::buildLoopNest(b, l, lbs, ubs, steps, init,
                                   [&](OpBuilder &nb, Location il, ValueRange ivs, ValueRange acc) -> scf::ValueVector {
      SmallVector<Value> at(ivs.begin(), ivs.end());
      at.insert(at.begin() + 1, c);
      SmallVector<Value> next = body(nb, il, at, acc);
      return scf::ValueVector(next.begin(), next.end());
    });
    return SmallVector<Value>(nest.results.begin(), nest.results.end());
  }

  // ---- activations, softmax and batch_norm in the library ----
  /// Forward: a site per op (a training one when a backward op uses it),
  /// y from x. Backward (operands (dy, x)): dx from the forward's site.
  LogicalResult lowerEltwiseCall(Operation *op) {
    if (isEltwiseBackward(op)) {
      call(b_, "nnc_cpu_eltwise_bwd", ctxArg_, siteOf(op),
           {ptr(buffer(op->getOperand(1))), ptr(buffer(op->getOperand(0))), ptr(buffer(op->getResult(0)))});
      return success();
    }
    auto d = nchw(op->getOperand(0));
    auto layout = layoutArgs(op);
    double slope = 0;
    if (auto r = dyn_cast<nn::LeakyReluOp>(op)) slope = r.getSlope().convertToDouble();
    int64_t site = newSite("nnc_cpu_eltwise_init",
                           {initI64(eltwiseKind(op)), initF32(slope), initI64(d[0]), initI64(d[1]), initI64(d[2]),
                            initI64(d[3]), initI64(served_.count(op) ? 1 : 0), initI64(layout[0]),
                            initI64(layout[1])});
    sites_[op] = site;
    // Fused: its conv wrote the values; the site serves the backward ops.
    if (!fusedInto_.count(op))
      call(b_, "nnc_cpu_eltwise_fwd", ctxArg_, site, {ptr(buffer(op->getOperand(0))), ptr(buffer(op->getResult(0)))});
    return success();
  }

  /// Softmax over the axis of an [outer, axis, inner] view (plain layouts).
  LogicalResult lowerSoftmaxCall(nn::SoftmaxOp s) {
    auto shape = s.getInput().getType().getShape();
    int64_t axis = s.getAxisIndex(), outer = 1, inner = 1;
    for (int64_t i = 0; i < (int64_t)shape.size(); ++i) {
      if (i < axis) outer *= shape[i];
      if (i > axis) inner *= shape[i];
    }
    int64_t site = newSite("nnc_cpu_softmax_init", {outer, shape[axis], inner, served_.count(s) ? 1 : 0});
    sites_[s] = site;
    call(b_, "nnc_cpu_softmax_fwd", ctxArg_, site, {ptr(buffer(s.getInput())), ptr(buffer(s.getResult()))});
    return success();
  }

  /// In @train_step a training site: y, the batch's mean and invstd, and the
  /// running statistics updated in place in the state arena, as
  /// lowerBatchNorm's f32 arithmetic (momentum passed as the f64 attribute).
  /// Elsewhere an inference site on the running statistics.
  LogicalResult lowerBatchNormCall(nn::BatchNormOp bn) {
    auto d = nchw(bn.getInput());
    auto layout = layoutArgs(bn);
    int64_t site = newSite("nnc_cpu_batch_norm_init",
                           {initI64(d[0]), initI64(d[1]), initI64(d[2]), initI64(d[3]),
                            initF32(bn.getEps().convertToDouble()), initF64(bn.getMomentum().convertToDouble()),
                            initI64(bn.getWeight() ? 1 : 0), initI64(training_ ? 1 : 0), initI64(layout[0]),
                            initI64(layout[1])});
    sites_[bn] = site;
    auto opt = [&](Value v) { return ptr(v ? buffer(v) : Value()); };
    if (training_) {
      call(b_, "nnc_cpu_batch_norm_fwd_training", ctxArg_, site,
           {ptr(buffer(bn.getInput())), opt(bn.getWeight()), opt(bn.getBias()), ptr(buffer(bn.getResult())),
            ptr(buffer(bn.getMean())), ptr(buffer(bn.getInvstd())), ptr(buffer(bn.getRunningMean())),
            ptr(buffer(bn.getRunningVar()))});
    } else {
      call(b_, "nnc_cpu_batch_norm_fwd_inference", ctxArg_, site,
           {ptr(buffer(bn.getInput())), opt(bn.getWeight()), opt(bn.getBias()), ptr(buffer(bn.getRunningMean())),
            ptr(buffer(bn.getRunningVar())), ptr(buffer(bn.getResult()))});
    }
    return success();
  }

  /// Per channel. Training: the batch mean, then the biased variance (a
  /// second pass), invstd = 1 / sqrt(var + eps), saved for the backward; the
  /// running statistics are updated in place in the state arena (the
  /// unbiased variance for running_var). Evaluating: the running statistics.
  /// Then y = x * scale + shift, scale = weight * invstd, shift = bias - mean * scale.
  LogicalResult lowerBatchNorm(nn::BatchNormOp bn) {
    if (library_.count(bn)) return lowerBatchNormCall(bn);
    auto shape = bn.getInput().getType().getShape();
    int64_t channels = shape[1], count = bn.getInput().getType().getNumElements() / channels;
    double eps = bn.getEps().convertToDouble(), momentum = bn.getMomentum().convertToDouble();
    // The unbiased variance's factor M / (M - 1); a single value has none (PyTorch refuses M = 1).
    double unbias = count > 1 ? (double)count / (count - 1) : 1.0;
    Value x = buffer(bn.getInput()), y = buffer(bn.getResult());
    Value rm = buffer(bn.getRunningMean()), rv = buffer(bn.getRunningVar());
    Value w = bn.getWeight() ? buffer(bn.getWeight()) : Value(), bias = bn.getBias() ? buffer(bn.getBias()) : Value();
    Value meanOut = bn.getMean().use_empty() ? Value() : buffer(bn.getMean());
    Value invstdOut = bn.getInvstd().use_empty() ? Value() : buffer(bn.getInvstd());
    axisLoop(b_, bn.getLoc(), channels, Value(), [&](OpBuilder &b, Location l, Value c, Value) {
      auto load = [&](OpBuilder &nb, Location il, Value m, ValueRange at) { return nb.create<memref::LoadOp>(il, m, at); };
      Value mean, invstd;
      if (training_) {
        Value sum = overChannel(b, l, shape, c, {cst(b, l, 0)}, [&](OpBuilder &nb, Location il, ValueRange at, ValueRange acc) {
          return SmallVector<Value>{nb.create<arith::AddFOp>(il, acc[0], load(nb, il, x, at))};
        })[0];
        mean = b.create<arith::DivFOp>(l, sum, cst(b, l, (double)count));
        Value sq = overChannel(b, l, shape, c, {cst(b, l, 0)}, [&](OpBuilder &nb, Location il, ValueRange at, ValueRange acc) {
          Value d = nb.create<arith::SubFOp>(il, load(nb, il, x, at), mean);
          return SmallVector<Value>{nb.create<arith::AddFOp>(il, acc[0], nb.create<arith::MulFOp>(il, d, d))};
        })[0];
        Value var = b.create<arith::DivFOp>(l, sq, cst(b, l, (double)count));
        invstd = b.create<arith::DivFOp>(l, cst(b, l, 1),
                                         b.create<math::SqrtOp>(l, b.create<arith::AddFOp>(l, var, cst(b, l, eps))));
        // running = momentum * running + (1 - momentum) * batch
        auto update = [&](Value running, Value batch) {
          Value old = load(b, l, running, c);
          Value mixed = b.create<arith::AddFOp>(l, b.create<arith::MulFOp>(l, old, cst(b, l, momentum)),
                                                b.create<arith::MulFOp>(l, batch, cst(b, l, 1 - momentum)));
          b.create<memref::StoreOp>(l, mixed, running, c);
        };
        update(rm, mean);
        update(rv, b.create<arith::MulFOp>(l, var, cst(b, l, unbias)));
      } else {
        mean = load(b, l, rm, c);
        Value var = load(b, l, rv, c);
        invstd = b.create<arith::DivFOp>(l, cst(b, l, 1),
                                         b.create<math::SqrtOp>(l, b.create<arith::AddFOp>(l, var, cst(b, l, eps))));
      }
      if (meanOut) b.create<memref::StoreOp>(l, mean, meanOut, c);
      if (invstdOut) b.create<memref::StoreOp>(l, invstd, invstdOut, c);
      Value scale = w ? b.create<arith::MulFOp>(l, load(b, l, w, c), invstd).getResult() : invstd;
      Value shift = b.create<arith::NegFOp>(l, b.create<arith::MulFOp>(l, mean, scale));
      if (bias) shift = b.create<arith::AddFOp>(l, load(b, l, bias, c), shift);
      overChannel(b, l, shape, c, {}, [&](OpBuilder &nb, Location il, ValueRange at, ValueRange) {
        Value v = nb.create<arith::AddFOp>(il, nb.create<arith::MulFOp>(il, load(nb, il, x, at), scale), shift);
        nb.create<memref::StoreOp>(il, v, y, at);
        return SmallVector<Value>{};
      });
      return Value();
    });
    return success();
  }

  /// Per channel: dbias = sum dy, dweight = sum dy * xhat (xhat from the saved
  /// mean and invstd), then dx = weight * invstd / M * (M dy - dbias - xhat dweight).
  LogicalResult lowerBatchNormBackward(nn::BatchNormBackwardOp bn) {
    if (library_.count(bn)) {
      // dweight and dbias overwritten (with a weight), from the site's variance.
      Value w = bn.getWeight();
      auto grads = bn.getParamGrads();
      call(b_, "nnc_cpu_batch_norm_bwd", ctxArg_, siteOf(bn),
           {ptr(buffer(bn.getInput())), ptr(buffer(bn.getGrad())), ptr(w ? buffer(w) : Value()),
            ptr(buffer(bn.getMean())), ptr(buffer(bn.getResult())), ptr(w ? buffer(grads[0]) : Value()),
            ptr(w ? buffer(grads[1]) : Value())});
      return success();
    }
    auto shape = bn.getInput().getType().getShape();
    int64_t channels = shape[1], count = bn.getInput().getType().getNumElements() / channels;
    Value x = buffer(bn.getInput()), dy = buffer(bn.getGrad()), dx = buffer(bn.getResult());
    Value meanB = buffer(bn.getMean()), invstdB = buffer(bn.getInvstd());
    Value w = bn.getWeight() ? buffer(bn.getWeight()) : Value();
    Value dw = w ? buffer(bn.getParamGrads()[0]) : Value(), db = w ? buffer(bn.getParamGrads()[1]) : Value();
    axisLoop(b_, bn.getLoc(), channels, Value(), [&](OpBuilder &b, Location l, Value c, Value) {
      Value mean = b.create<memref::LoadOp>(l, meanB, c), invstd = b.create<memref::LoadOp>(l, invstdB, c);
      auto xhat = [&](OpBuilder &nb, Location il, ValueRange at) -> Value {
        Value d = nb.create<arith::SubFOp>(il, nb.create<memref::LoadOp>(il, x, at), mean);
        return nb.create<arith::MulFOp>(il, d, invstd);
      };
      SmallVector<Value> sums = overChannel(b, l, shape, c, {cst(b, l, 0), cst(b, l, 0)},
                                            [&](OpBuilder &nb, Location il, ValueRange at, ValueRange acc) {
        Value g = nb.create<memref::LoadOp>(il, dy, at);
        return SmallVector<Value>{nb.create<arith::AddFOp>(il, acc[0], g),
                                  nb.create<arith::AddFOp>(il, acc[1], nb.create<arith::MulFOp>(il, g, xhat(nb, il, at)))};
      });
      Value sumDy = sums[0], sumDyXhat = sums[1];
      if (w) {
        b.create<memref::StoreOp>(l, sumDyXhat, dw, c);
        b.create<memref::StoreOp>(l, sumDy, db, c);
      }
      Value k = b.create<arith::DivFOp>(l, invstd, cst(b, l, (double)count));
      if (w) k = b.create<arith::MulFOp>(l, b.create<memref::LoadOp>(l, w, c), k);
      overChannel(b, l, shape, c, {}, [&](OpBuilder &nb, Location il, ValueRange at, ValueRange) {
        Value g = nb.create<arith::MulFOp>(il, nb.create<memref::LoadOp>(il, dy, at), cst(nb, il, (double)count));
        Value t = nb.create<arith::SubFOp>(il, nb.create<arith::SubFOp>(il, g, sumDy),
                                           nb.create<arith::MulFOp>(il, xhat(nb, il, at), sumDyXhat));
        nb.create<memref::StoreOp>(il, nb.create<arith::MulFOp>(il, k, t), dx, at);
        return SmallVector<Value>{};
      });
      return Value();
    });
    return success();
  }

  /// Copies each part into (forward) or out of (backward) its slice of `whole` along `axis`.
  LogicalResult lowerConcat(Value whole, ValueRange parts, int64_t axis, bool backward) {
    Value wb = buffer(whole);
    int64_t offset = 0;
    for (Value part : parts) {
      auto shape = cast<RankedTensorType>(part.getType()).getShape();
      SmallVector<int64_t> offsets(shape.size(), 0), strides(shape.size(), 1);
      offsets[axis] = offset;
      offset += shape[axis];
      Value slice = b_.create<memref::SubViewOp>(f_.getLoc(), wb, offsets, shape, strides);
      Value pb = buffer(part);
      generic({backward ? slice : pb}, {backward ? pb : slice},
              [](OpBuilder &, Location, ValueRange a) { return SmallVector<Value>{a[0]}; });
    }
    return success();
  }

  /// y[i...] = x at dim perm[i] = i-th index: the input map reads d(inverse[j]) for x's dim j.
  LogicalResult lowerTranspose(nn::TransposeOp t) {
    ArrayRef<int64_t> perm = t.getPerm();
    SmallVector<AffineExpr> exprs(perm.size());
    for (size_t i = 0; i < perm.size(); ++i) exprs[perm[i]] = getAffineDimExpr(i, ctx_);
    AffineMap in = AffineMap::get(perm.size(), 0, exprs, ctx_);
    generic({buffer(t.getInput())}, {buffer(t.getResult())},
            [](OpBuilder &, Location, ValueRange a) { return SmallVector<Value>{a[0]}; },
            {in, b_.getMultiDimIdentityMap(perm.size())});
    return success();
  }

  /// One parallel linalg.generic; operands broadcast to the result's shape.
  LogicalResult lowerElementwise(Operation *op, const ScalarBody &body) {
    Value result = op->getResult(0);
    auto out = cast<RankedTensorType>(result.getType()).getShape();
    SmallVector<Value> ins;
    SmallVector<AffineMap> maps;
    for (Value v : op->getOperands()) {
      ins.push_back(buffer(v));
      maps.push_back(broadcastMap(v.getType(), out, ctx_));
    }
    maps.push_back(b_.getMultiDimIdentityMap(out.size()));
    generic(ins, {buffer(result)}, [&](OpBuilder &nb, Location l, ValueRange a) {
      return SmallVector<Value>{body(nb, l, a.drop_back())};
    }, maps);
    return success();
  }

  /// Zeroes the result, then accumulates the input into it: the loops over
  /// dims the result broadcasts (size 1 or missing) are reductions.
  LogicalResult lowerReduceTo(nn::ReduceToOp r) {
    auto in = r.getInput().getType().getShape();
    Value out = buffer(r.getResult());
    b_.create<linalg::FillOp>(r.getLoc(), ValueRange{f32(0)}, ValueRange{out});
    AffineMap outMap = broadcastMap(r.getResult().getType(), in, ctx_);
    SmallVector<utils::IteratorType> iters(in.size(), utils::IteratorType::reduction);
    for (AffineExpr e : outMap.getResults())
      if (auto d = dyn_cast<AffineDimExpr>(e)) iters[d.getPosition()] = utils::IteratorType::parallel;
    generic({buffer(r.getInput())}, {out}, [](OpBuilder &nb, Location l, ValueRange a) {
      return SmallVector<Value>{nb.create<arith::AddFOp>(l, a[1], a[0])};
    }, {b_.getMultiDimIdentityMap(in.size()), outMap}, iters);
    return success();
  }

  /// Loops over every dim of `shape` but `axis`; `body` gets the indices
  /// with an empty slot at `axis` for its inner loops to fill.
  void forEachRow(ArrayRef<int64_t> shape, int64_t axis,
                  function_ref<void(OpBuilder &, Location, SmallVector<Value> &)> body) {
    SmallVector<Value> lbs, ubs, steps;
    for (int64_t d = 0; d < (int64_t)shape.size(); ++d)
      if (d != axis) lbs.push_back(index(0)), ubs.push_back(index(shape[d])), steps.push_back(index(1));
    scf::buildLoopNest(b_, f_.getLoc(), lbs, ubs, steps, [&](OpBuilder &nb, Location l, ValueRange ivs) {
      SmallVector<Value> idx(ivs.begin(), ivs.end());
      idx.insert(idx.begin() + axis, Value());
      body(nb, l, idx);
    });
  }

  /// for k in [0, n): acc = body(k, acc), with one f32 accumulator or, when
  /// `init` is null, none (body returns null).
  Value axisLoop(OpBuilder &b, Location loc, int64_t n, Value init,
                 function_ref<Value(OpBuilder &, Location, Value, Value)> body) {
    Value c0 = b.create<arith::ConstantIndexOp>(loc, 0), cn = b.create<arith::ConstantIndexOp>(loc, n),
          c1 = b.create<arith::ConstantIndexOp>(loc, 1);
    auto loop = b.create<scf::ForOp>(loc, c0, cn, c1, init ? ValueRange(init) : ValueRange(),
                                     [&](OpBuilder &nb, Location l, Value k, ValueRange acc) {
      Value v = body(nb, l, k, init ? acc[0] : Value());
      nb.create<scf::YieldOp>(l, v ? ValueRange(v) : ValueRange());
    });
    return init ? loop.getResult(0) : Value();
  }

  /// Per row along the axis: max, exp(x - max) stored and summed, then scaled by 1/sum.
  LogicalResult lowerSoftmax(nn::SoftmaxOp s) {
    if (library_.count(s)) return lowerSoftmaxCall(s);
    int64_t axis = s.getAxisIndex();
    auto shape = s.getInput().getType().getShape();
    Value x = buffer(s.getInput()), y = buffer(s.getResult());
    Value ninf = f32(-std::numeric_limits<float>::infinity()), zero = f32(0), one = f32(1);
    forEachRow(shape, axis, [&](OpBuilder &b, Location l, SmallVector<Value> &idx) {
      auto at = [&](Value k) { idx[axis] = k; return idx; };
      Value m = axisLoop(b, l, shape[axis], ninf, [&](OpBuilder &nb, Location il, Value k, Value acc) {
        return nb.create<arith::MaximumFOp>(il, acc, nb.create<memref::LoadOp>(il, x, at(k)));
      });
      Value sum = axisLoop(b, l, shape[axis], zero, [&](OpBuilder &nb, Location il, Value k, Value acc) {
        Value xv = nb.create<memref::LoadOp>(il, x, at(k));
        Value e = nb.create<math::ExpOp>(il, nb.create<arith::SubFOp>(il, xv, m));
        nb.create<memref::StoreOp>(il, e, y, at(k));
        return nb.create<arith::AddFOp>(il, acc, e);
      });
      Value inv = b.create<arith::DivFOp>(l, one, sum);
      axisLoop(b, l, shape[axis], Value(), [&](OpBuilder &nb, Location il, Value k, Value) {
        Value e = nb.create<memref::LoadOp>(il, y, at(k));
        nb.create<memref::StoreOp>(il, nb.create<arith::MulFOp>(il, e, inv), y, at(k));
        return Value();
      });
    });
    return success();
  }

  /// dx = y * (dy - sum over the axis of dy * y), per row.
  LogicalResult lowerSoftmaxBackward(nn::SoftmaxBackwardOp s) {
    if (library_.count(s)) {
      call(b_, "nnc_cpu_softmax_bwd", ctxArg_, siteOf(s),
           {ptr(buffer(s.getOutput())), ptr(buffer(s.getGrad())), ptr(buffer(s.getResult()))});
      return success();
    }
    int64_t axis = s.getAxis();
    auto shape = s.getOutput().getType().getShape();
    Value y = buffer(s.getOutput()), dy = buffer(s.getGrad()), dx = buffer(s.getResult());
    Value zero = f32(0);
    forEachRow(shape, axis, [&](OpBuilder &b, Location l, SmallVector<Value> &idx) {
      auto at = [&](Value k) { idx[axis] = k; return idx; };
      Value dot = axisLoop(b, l, shape[axis], zero, [&](OpBuilder &nb, Location il, Value k, Value acc) {
        Value p = nb.create<arith::MulFOp>(il, nb.create<memref::LoadOp>(il, dy, at(k)),
                                           nb.create<memref::LoadOp>(il, y, at(k)));
        return nb.create<arith::AddFOp>(il, acc, p);
      });
      axisLoop(b, l, shape[axis], Value(), [&](OpBuilder &nb, Location il, Value k, Value) {
        Value diff = nb.create<arith::SubFOp>(il, nb.create<memref::LoadOp>(il, dy, at(k)), dot);
        nb.create<memref::StoreOp>(il, nb.create<arith::MulFOp>(il, nb.create<memref::LoadOp>(il, y, at(k)), diff),
                                   dx, at(k));
        return Value();
      });
    });
    return success();
  }

  LogicalResult lowerSgd(nn::SgdUpdateOp s) {
    Location loc = s.getLoc();
    Value lr = b_.create<memref::LoadOp>(loc, buffer(s.getLr()), ValueRange{});
    Value lrEff = b_.create<arith::MulFOp>(loc, lr, f32(s.getLrMult().convertToDouble()));
    double wd = s.getWeightDecay().convertToDouble() * s.getDecayMult().convertToDouble();
    double momentum = s.getMomentum().convertToDouble();
    bool nesterov = s.getNesterov();
    Value w = buffer(s.getParam()), v = buffer(s.getVelocity());
    generic({buffer(s.getGrad())}, {w, v}, [&](OpBuilder &nb, Location l, ValueRange a) {
      Value g = a[0], wi = a[1], vi = a[2];
      Value d = nb.create<arith::AddFOp>(l, g, nb.create<arith::MulFOp>(l, wi, nb.create<arith::ConstantOp>(l, nb.getF32FloatAttr(wd))));
      Value step = nb.create<arith::MulFOp>(l, lrEff, d);
      Value m = nb.create<arith::ConstantOp>(l, nb.getF32FloatAttr(momentum));
      Value vNew = nb.create<arith::AddFOp>(l, nb.create<arith::MulFOp>(l, m, vi), step);
      Value delta = nesterov ? nb.create<arith::AddFOp>(l, nb.create<arith::MulFOp>(l, m, vNew), step).getResult() : vNew;
      return SmallVector<Value>{nb.create<arith::SubFOp>(l, wi, delta), vNew};
    });
    return success();
  }

  /// lr * lr_mult, loaded once per update.
  Value effectiveLr(Location loc, Value lr, APFloat lrMult) {
    Value v = b_.create<memref::LoadOp>(loc, buffer(lr), ValueRange{});
    return b_.create<arith::MulFOp>(loc, v, f32(lrMult.convertToDouble()));
  }

  /// SPEC 12's `g += lambda w`, lambda = weight_decay * decay_mult.
  static Value decayed(OpBuilder &b, Location l, Value g, Value w, double lambda) {
    if (lambda == 0) return g;
    return b.create<arith::AddFOp>(l, g, b.create<arith::MulFOp>(l, w, cst(b, l, lambda)));
  }

  /// g / (sqrt(s) + eps)
  static Value normalized(OpBuilder &b, Location l, Value g, Value s, double eps) {
    return b.create<arith::DivFOp>(l, g, b.create<arith::AddFOp>(l, b.create<math::SqrtOp>(l, s), cst(b, l, eps)));
  }

  /// Adam and AdamW. The bias corrections 1 - beta^(t+1) are computed once,
  /// in f64, from the step argument.
  LogicalResult lowerAdam(nn::AdamUpdateOp a) {
    Location loc = a.getLoc();
    Value lrEff = effectiveLr(loc, a.getLr(), a.getLrMult());
    Value t = b_.create<memref::LoadOp>(loc, buffer(a.getStep()), ValueRange{});
    Value t1 = b_.create<arith::AddFOp>(loc, b_.create<arith::ExtFOp>(loc, b_.getF64Type(), t),
                                        b_.create<arith::ConstantOp>(loc, b_.getF64FloatAttr(1)));
    auto correction = [&](APFloat beta) -> Value {
      Value p = b_.create<math::PowFOp>(loc, b_.create<arith::ConstantOp>(loc, b_.getF64FloatAttr(beta.convertToDouble())), t1);
      Value c = b_.create<arith::SubFOp>(loc, b_.create<arith::ConstantOp>(loc, b_.getF64FloatAttr(1)), p);
      return b_.create<arith::TruncFOp>(loc, b_.getF32Type(), c);
    };
    Value c1 = correction(a.getBeta1()), c2 = correction(a.getBeta2());
    double b1 = a.getBeta1().convertToDouble(), b2 = a.getBeta2().convertToDouble(), eps = a.getEps().convertToDouble();
    double lambda = a.getWeightDecay().convertToDouble() * a.getDecayMult().convertToDouble();
    bool decoupled = a.getDecoupled();
    generic({buffer(a.getGrad())}, {buffer(a.getParam()), buffer(a.getM()), buffer(a.getS())},
            [&](OpBuilder &nb, Location l, ValueRange v) {
      Value w = v[1], g = decoupled ? v[0] : decayed(nb, l, v[0], w, lambda);
      Value m = nb.create<arith::AddFOp>(l, nb.create<arith::MulFOp>(l, v[2], cst(nb, l, b1)),
                                         nb.create<arith::MulFOp>(l, g, cst(nb, l, 1 - b1)));
      Value s = nb.create<arith::AddFOp>(l, nb.create<arith::MulFOp>(l, v[3], cst(nb, l, b2)),
                                         nb.create<arith::MulFOp>(l, nb.create<arith::MulFOp>(l, g, g), cst(nb, l, 1 - b2)));
      Value mhat = nb.create<arith::DivFOp>(l, m, c1), shat = nb.create<arith::DivFOp>(l, s, c2);
      Value u = normalized(nb, l, mhat, shat, eps);
      if (decoupled && lambda != 0) u = nb.create<arith::AddFOp>(l, u, nb.create<arith::MulFOp>(l, w, cst(nb, l, lambda)));
      Value wNew = nb.create<arith::SubFOp>(l, w, nb.create<arith::MulFOp>(l, lrEff, u));
      return SmallVector<Value>{wNew, m, s};
    });
    return success();
  }

  /// RMSprop; with momentum the step goes through the buffer b.
  LogicalResult lowerRmsprop(nn::RmspropUpdateOp r) {
    Location loc = r.getLoc();
    Value lrEff = effectiveLr(loc, r.getLr(), r.getLrMult());
    double rho = r.getDecay().convertToDouble(), eps = r.getEps().convertToDouble();
    double mu = r.getMomentum().convertToDouble();
    double lambda = r.getWeightDecay().convertToDouble() * r.getDecayMult().convertToDouble();
    SmallVector<Value> outs = {buffer(r.getParam()), buffer(r.getS())};
    if (r.getMomentumBuffer()) outs.push_back(buffer(r.getMomentumBuffer()));
    generic({buffer(r.getGrad())}, outs, [&](OpBuilder &nb, Location l, ValueRange v) {
      Value w = v[1], g = decayed(nb, l, v[0], w, lambda);
      Value s = nb.create<arith::AddFOp>(l, nb.create<arith::MulFOp>(l, v[2], cst(nb, l, rho)),
                                         nb.create<arith::MulFOp>(l, nb.create<arith::MulFOp>(l, g, g), cst(nb, l, 1 - rho)));
      Value q = normalized(nb, l, g, s, eps);
      if (outs.size() == 2)
        return SmallVector<Value>{nb.create<arith::SubFOp>(l, w, nb.create<arith::MulFOp>(l, lrEff, q)), s};
      Value bNew = nb.create<arith::AddFOp>(l, nb.create<arith::MulFOp>(l, v[3], cst(nb, l, mu)), q);
      return SmallVector<Value>{nb.create<arith::SubFOp>(l, w, nb.create<arith::MulFOp>(l, lrEff, bNew)), s, bNew};
    });
    return success();
  }

  LogicalResult lowerAdagrad(nn::AdagradUpdateOp a) {
    Location loc = a.getLoc();
    Value lrEff = effectiveLr(loc, a.getLr(), a.getLrMult());
    double eps = a.getEps().convertToDouble();
    double lambda = a.getWeightDecay().convertToDouble() * a.getDecayMult().convertToDouble();
    generic({buffer(a.getGrad())}, {buffer(a.getParam()), buffer(a.getS())}, [&](OpBuilder &nb, Location l, ValueRange v) {
      Value w = v[1], g = decayed(nb, l, v[0], w, lambda);
      Value s = nb.create<arith::AddFOp>(l, v[2], nb.create<arith::MulFOp>(l, g, g));
      Value wNew = nb.create<arith::SubFOp>(l, w, nb.create<arith::MulFOp>(l, lrEff, normalized(nb, l, g, s, eps)));
      return SmallVector<Value>{wNew, s};
    });
    return success();
  }

  /// The global norm: squares summed in f64, gradient by gradient in
  /// operand order and each in row-major order (deterministic); then every
  /// gradient times min(1, max_norm / norm), in place where clipsInPlace.
  LogicalResult lowerClip(nn::ClipByGlobalNormOp c) {
    Location loc = c.getLoc();
    Type f64 = b_.getF64Type();
    Value acc = b_.create<memref::AllocaOp>(loc, MemRefType::get({}, f64));
    b_.create<memref::StoreOp>(loc, b_.create<arith::ConstantOp>(loc, b_.getF64FloatAttr(0)), acc, ValueRange{});
    for (Value g : c.getGrads()) {
      int64_t rank = cast<RankedTensorType>(g.getType()).getRank();
      SmallVector<AffineMap> maps = {b_.getMultiDimIdentityMap(rank), AffineMap::get(rank, 0, {}, ctx_)};
      SmallVector<utils::IteratorType> iters(rank, utils::IteratorType::reduction);
      generic({buffer(g)}, {acc}, [&](OpBuilder &nb, Location l, ValueRange v) {
        Value x = nb.create<arith::ExtFOp>(l, nb.getF64Type(), v[0]);
        return SmallVector<Value>{nb.create<arith::AddFOp>(l, v[1], nb.create<arith::MulFOp>(l, x, x))};
      }, maps, iters);
    }
    Value norm = b_.create<math::SqrtOp>(loc, b_.create<memref::LoadOp>(loc, acc, ValueRange{}));
    Value maxNorm = b_.create<arith::ConstantOp>(loc, b_.getF64FloatAttr(c.getMaxNorm().convertToDouble()));
    Value over = b_.create<arith::CmpFOp>(loc, arith::CmpFPredicate::OGT, norm, maxNorm);
    Value factor = b_.create<arith::SelectOp>(loc, over, b_.create<arith::DivFOp>(loc, maxNorm, norm),
                                              b_.create<arith::ConstantOp>(loc, b_.getF64FloatAttr(1)));
    Value scale = b_.create<arith::TruncFOp>(loc, b_.getF32Type(), factor);
    for (auto [g, r] : llvm::zip(c.getGrads(), c.getResults())) {
      auto mul = [&](OpBuilder &nb, Location l, ValueRange v) {
        return SmallVector<Value>{nb.create<arith::MulFOp>(l, v[0], scale)};
      };
      if (root(r) == root(g)) generic({}, {buffer(r)}, mul);
      else generic({buffer(g)}, {buffer(r)}, mul);
    }
    return success();
  }

  /// Row max and sum of exp(x - max) of logits row n.
  std::pair<Value, Value> rowStats(OpBuilder &b, Location loc, Value x, Value n, int64_t classes) {
    Value lb = b.create<arith::ConstantIndexOp>(loc, 0), ub = b.create<arith::ConstantIndexOp>(loc, classes),
          one = b.create<arith::ConstantIndexOp>(loc, 1);
    Value ninf = b.create<arith::ConstantOp>(loc, b.getF32FloatAttr(-std::numeric_limits<float>::infinity()));
    auto maxLoop = b.create<scf::ForOp>(loc, lb, ub, one, ValueRange{ninf}, [&](OpBuilder &nb, Location l, Value k, ValueRange acc) {
      Value xv = nb.create<memref::LoadOp>(l, x, ValueRange{n, k});
      nb.create<scf::YieldOp>(l, ValueRange{nb.create<arith::MaximumFOp>(l, acc[0], xv)});
    });
    Value m = maxLoop.getResult(0);
    Value zero = b.create<arith::ConstantOp>(loc, b.getF32FloatAttr(0));
    auto sumLoop = b.create<scf::ForOp>(loc, lb, ub, one, ValueRange{zero}, [&](OpBuilder &nb, Location l, Value k, ValueRange acc) {
      Value xv = nb.create<memref::LoadOp>(l, x, ValueRange{n, k});
      Value e = nb.create<math::ExpOp>(l, nb.create<arith::SubFOp>(l, xv, m));
      nb.create<scf::YieldOp>(l, ValueRange{nb.create<arith::AddFOp>(l, acc[0], e)});
    });
    return {m, sumLoop.getResult(0)};
  }

  /// Forward (grad null): mean of log(sum exp) + max - x[label]. Backward:
  /// (softmax - onehot) * dloss / N.
  LogicalResult lowerCrossEntropy(Value logits, Value labels, Value grad, Value result) {
    Location loc = result.getLoc();
    auto shape = cast<RankedTensorType>(logits.getType()).getShape();
    int64_t batch = shape[0], classes = shape[1];
    Value x = buffer(logits), lab = buffer(labels), out = buffer(result);
    Value zero = f32(0), invN = f32(1.0 / batch);
    Value scale = invN;
    if (grad) scale = b_.create<arith::MulFOp>(loc, b_.create<memref::LoadOp>(loc, buffer(grad), ValueRange{}), invN);
    auto loop = b_.create<scf::ForOp>(loc, index(0), index(batch), index(1), ValueRange{zero},
                                      [&](OpBuilder &nb, Location l, Value n, ValueRange acc) {
      auto [m, s] = rowStats(nb, l, x, n, classes);
      Value label = nb.create<arith::IndexCastOp>(l, nb.getIndexType(), nb.create<memref::LoadOp>(l, lab, ValueRange{n}));
      if (!grad) {
        Value xl = nb.create<memref::LoadOp>(l, x, ValueRange{n, label});
        Value li = nb.create<arith::SubFOp>(l, nb.create<arith::AddFOp>(l, nb.create<math::LogOp>(l, s), m), xl);
        nb.create<scf::YieldOp>(l, ValueRange{nb.create<arith::AddFOp>(l, acc[0], li)});
        return;
      }
      Value lb = nb.create<arith::ConstantIndexOp>(l, 0), ub = nb.create<arith::ConstantIndexOp>(l, classes),
            one = nb.create<arith::ConstantIndexOp>(l, 1);
      nb.create<scf::ForOp>(l, lb, ub, one, ValueRange{}, [&](OpBuilder &ib, Location il, Value k, ValueRange) {
        Value xv = ib.create<memref::LoadOp>(il, x, ValueRange{n, k});
        Value p = ib.create<arith::DivFOp>(il, ib.create<math::ExpOp>(il, ib.create<arith::SubFOp>(il, xv, m)), s);
        Value isLabel = ib.create<arith::CmpIOp>(il, arith::CmpIPredicate::eq, k, label);
        Value onehot = ib.create<arith::SelectOp>(il, isLabel, ib.create<arith::ConstantOp>(il, ib.getF32FloatAttr(1)),
                                                  ib.create<arith::ConstantOp>(il, ib.getF32FloatAttr(0)));
        Value g = ib.create<arith::MulFOp>(il, ib.create<arith::SubFOp>(il, p, onehot), scale);
        ib.create<memref::StoreOp>(il, g, buffer(result), ValueRange{n, k});
        ib.create<scf::YieldOp>(il);
      });
      nb.create<scf::YieldOp>(l, acc);
    });
    if (!grad) b_.create<memref::StoreOp>(loc, b_.create<arith::MulFOp>(loc, loop.getResult(0), invN), out, ValueRange{});
    return success();
  }

  /// Counts the examples whose label has fewer than top_k other logits at least as large.
  LogicalResult lowerAccuracy(nn::AccuracyOp a) {
    Location loc = a.getLoc();
    auto shape = a.getLogits().getType().getShape();
    int64_t batch = shape[0], classes = shape[1];
    Value x = buffer(a.getLogits()), lab = buffer(a.getLabels());
    int64_t topK = (int64_t)a.getTopK();
    auto loop = b_.create<scf::ForOp>(loc, index(0), index(batch), index(1), ValueRange{f32(0)},
                                      [&](OpBuilder &nb, Location l, Value n, ValueRange acc) {
      Value label = nb.create<arith::IndexCastOp>(l, nb.getIndexType(), nb.create<memref::LoadOp>(l, lab, ValueRange{n}));
      Value xl = nb.create<memref::LoadOp>(l, x, ValueRange{n, label});
      Value c0 = nb.create<arith::ConstantIndexOp>(l, 0), ck = nb.create<arith::ConstantIndexOp>(l, classes),
            c1 = nb.create<arith::ConstantIndexOp>(l, 1);
      auto count = nb.create<scf::ForOp>(l, c0, ck, c1, ValueRange{c0}, [&](OpBuilder &ib, Location il, Value k, ValueRange cnt) {
        // Caffe's tie rule: other logits greater than or equal to the
        // label's count against it (NaN too), so equal logits never score.
        Value xv = ib.create<memref::LoadOp>(il, x, ValueRange{n, k});
        Value atLeast = ib.create<arith::CmpFOp>(il, arith::CmpFPredicate::UGE, xv, xl);
        Value other = ib.create<arith::CmpIOp>(il, arith::CmpIPredicate::ne, k, label);
        Value counts = ib.create<arith::AndIOp>(il, atLeast, other);
        Value inc = ib.create<arith::AddIOp>(il, cnt[0], ib.create<arith::ConstantIndexOp>(il, 1));
        ib.create<scf::YieldOp>(il, ValueRange{ib.create<arith::SelectOp>(il, counts, inc, cnt[0])});
      });
      Value hit = nb.create<arith::CmpIOp>(l, arith::CmpIPredicate::slt, count.getResult(0),
                                           nb.create<arith::ConstantIndexOp>(l, topK));
      Value one = nb.create<arith::ConstantOp>(l, nb.getF32FloatAttr(1));
      Value zero = nb.create<arith::ConstantOp>(l, nb.getF32FloatAttr(0));
      nb.create<scf::YieldOp>(l, ValueRange{nb.create<arith::AddFOp>(l, acc[0], nb.create<arith::SelectOp>(l, hit, one, zero))});
    });
    b_.create<memref::StoreOp>(loc, b_.create<arith::MulFOp>(loc, loop.getResult(0), f32(1.0 / batch)),
                               buffer(a.getResult()), ValueRange{});
    return success();
  }

  ModuleOp module_;
  func::FuncOp f_;
  const StateLayout &state_;
  int64_t &nextSite_;
  OpBuilder &init_;
  MLIRContext *ctx_;
  OpBuilder b_;
  Value ctxArg_, hyper_;
  bool training_ = false;
  std::vector<Operation *> ops_;
  llvm::DenseMap<Operation *, size_t> index_;
  llvm::DenseMap<Value, Value> buffers_;
  llvm::DenseMap<Value, std::pair<Value, int64_t>> arenaOffset_; // view -> (arena, bytes)
  llvm::MapVector<Value, int64_t> workspaceOffset_;
  int64_t workspaceBytes_ = 0;
  llvm::DenseMap<Operation *, int64_t> sites_;
  llvm::DenseSet<Operation *> library_;                // ops that become library calls
  llvm::DenseMap<Operation *, Operation *> forwardOf_; // library call -> the forward op owning its site
  llvm::DenseSet<Operation *> served_;                 // library forward ops a backward call uses: training sites
  llvm::DenseSet<Value> blocked_;                      // activations in nChw<channelBlock_>c (roots)
  llvm::DenseMap<Operation *, Operation *> fusedRelu_, fusedInto_; // conv2d <-> the relu fused into it
  llvm::DenseMap<Operation *, int64_t> blockedMask_;   // forward op -> its site's blocked bits
  int64_t channelBlock_ = 0;
  std::string granularity_ = "auto"; // for ops without nn.granularity (wantsLibrary)
  SmallVector<int64_t> outputOffsets_;
  SmallVectorImpl<Attribute> *profileSites_ = nullptr; // profiling: nn.profile_sites
  bool backwardSeen_ = false;                          // profiling: past the first VJP op
};

/// convert-math-to-llvm (MLIR 19) has no lowering for math.tanh and
/// math.erf: expand them into MLIR's f32 polynomial approximations here.
LogicalResult expandMath(ModuleOp module) {
  SmallVector<Operation *> ops;
  module.walk([&](Operation *op) {
    if (isa<math::TanhOp, math::ErfOp>(op)) ops.push_back(op);
  });
  if (ops.empty()) return success();
  RewritePatternSet patterns(module.getContext());
  populatePolynomialApproximateTanhPattern(patterns);
  populatePolynomialApproximateErfPattern(patterns);
  (void)applyOpPatternsAndFold(ops, std::move(patterns));
  bool left = false;
  module.walk([&](Operation *op) { left |= isa<math::TanhOp, math::ErfOp>(op); });
  return failure(left);
}

struct LowerToCpu : nnc::impl::NNLowerToCpuBase<LowerToCpu> {
  using NNLowerToCpuBase::NNLowerToCpuBase;
  void runOnOperation() override {
    ModuleOp module = getOperation();
    MLIRContext *ctx = module.getContext();
    OpBuilder b(ctx);
    if (granularity != "auto" && granularity != "coarse" && granularity != "fine") {
      module.emitError("nn-lower-cpu: granularity must be auto, coarse or fine, not '") << granularity << "'";
      return signalPassFailure();
    }
    if (channelBlock != 0 && channelBlock != 8 && channelBlock != 16) {
      module.emitError("nn-lower-cpu: channel-block must be 0, 8 or 16, not ") << (int64_t)channelBlock;
      return signalPassFailure();
    }

    // State arena: parameters in declaration order, then the solver's state
    // in @train_step's argument order (kind "solver", "<param>.<state>").
    StateLayout state;
    SmallVector<Attribute> manifest;
    auto entry = [&](StringRef name, StringRef kind, int64_t offset, RankedTensorType t, StringRef init) {
      manifest.push_back(b.getDictionaryAttr({
          b.getNamedAttr("name", b.getStringAttr(name)), b.getNamedAttr("kind", b.getStringAttr(kind)),
          b.getNamedAttr("offset", b.getI64IntegerAttr(offset)),
          b.getNamedAttr("shape", b.getDenseI64ArrayAttr(t.getShape())),
          b.getNamedAttr("init", b.getStringAttr(init))}));
    };
    SmallVector<nn::ParameterOp> params(module.getOps<nn::ParameterOp>());
    for (nn::ParameterOp p : params) {
      auto t = cast<RankedTensorType>(p.getType());
      state.param[p.getSymName().str()] = state.bytes;
      entry(p.getSymName(), p.getFrozen() ? "running" : "param", state.bytes, t, p.getInit());
      state.bytes += alignUp(bytesOf(t));
    }
    auto train = module.lookupSymbol<func::FuncOp>("train_step");
    if (train)
      for (unsigned i = 0; i < train.getNumArguments(); ++i)
        if (auto p = train.getArgAttrOfType<FlatSymbolRefAttr>(i, "nn.state_of")) {
          auto t = cast<RankedTensorType>(train.getArgument(i).getType());
          auto kind = train.getArgAttrOfType<StringAttr>(i, "nn.state");
          if (!kind) {
            train.emitError("argument ") << i << " has nn.state_of but no nn.state";
            return signalPassFailure();
          }
          state.solver[{p.getValue().str(), kind.str()}] = state.bytes;
          entry((p.getValue() + "." + kind.getValue()).str(), "solver", state.bytes, t, "constant(value=0)");
          state.bytes += alignUp(bytesOf(t));
        }

    for (func::FuncOp f : module.getOps<func::FuncOp>())
      for (Type t : f.getArgumentTypes())
        if (auto r = dyn_cast<RankedTensorType>(t); r && !r.hasStaticShape()) {
          f.emitError("nn-lower-cpu needs static shapes: run nn-specialize-batch first");
          return signalPassFailure();
        }

    // @init creates every library primitive once.
    b.setInsertionPointToEnd(module.getBody());
    auto init = b.create<func::FuncOp>(module.getLoc(), "init",
                                       b.getFunctionType({LLVM::LLVMPointerType::get(ctx)}, {}));
    init->setAttr("llvm.emit_c_interface", b.getUnitAttr());
    OpBuilder initBuilder(ctx);
    initBuilder.setInsertionPointToStart(init.addEntryBlock());

    int64_t nextSite = 0, workspace = 0;
    SmallVector<Attribute> profileSites;
    auto forward = module.lookupSymbol<func::FuncOp>("forward");
    for (auto [f, name, training] : {std::tuple{train, "train_step", true}, std::tuple{forward, "eval_step", false}}) {
      if (!f) continue;
      FunctionLowering lowering(module, f, state, nextSite, initBuilder);
      int64_t bytes = lowering.profiled(profile ? &profileSites : nullptr)
                          .defaultGranularity(granularity)
                          .channelBlock(channelBlock)
                          .run(name, training);
      if (bytes < 0) return signalPassFailure();
      workspace = std::max(workspace, bytes);
      if (!training) {
        int64_t floats = lowering.outputOffsets().size();
        for (auto [offset, t] : llvm::zip(lowering.outputOffsets(), f.getResultTypes()))
          if (offset >= (int64_t)lowering.outputOffsets().size()) floats = offset + cast<RankedTensorType>(t).getNumElements();
        module->setAttr("nn.eval_outputs", b.getDenseI64ArrayAttr(lowering.outputOffsets()));
        module->setAttr("nn.eval_metrics", b.getI64IntegerAttr(floats));
      }
      f.erase();
    }
    initBuilder.create<func::ReturnOp>(module.getLoc());
    for (nn::ParameterOp p : params) p.erase();
    if (failed(expandMath(module))) return signalPassFailure();

    module->setAttr("nn.manifest", b.getArrayAttr(manifest));
    module->setAttr("nn.state_bytes", b.getI64IntegerAttr(state.bytes));
    module->setAttr("nn.workspace_bytes", b.getI64IntegerAttr(workspace));
    module->setAttr("nn.sites", b.getI64IntegerAttr(nextSite));
    if (profile) module->setAttr("nn.profile_sites", b.getArrayAttr(profileSites));
  }
};

} // namespace
