//===- Solver.cpp - The solver's update appended to @train_step -----------===//
//
// Replaces @train_step's gradients by the update of every trainable
// parameter under the method of the module's nn.solver (SPEC 12): sgd,
// adam, adamw, rmsprop or adagrad, after global-norm clipping when
// clip_norm is set. Hyperparameters that change per step (lr, and the step
// count t for Adam's bias correction) and the method's per-parameter state
// become arguments; nn.updates maps every new parameter and state to the
// argument it replaces, so that the update happens in place.
//
//===----------------------------------------------------------------------===//
#include "passes/Passes.h"

#include "ir/NNOps.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"

namespace nnc {
#define GEN_PASS_DEF_NNSOLVER
#include "passes/Passes.h.inc"
} // namespace nnc

using namespace mlir;
using namespace nnc;

namespace {

double number(DictionaryAttr d, StringRef name, double def) {
  if (auto f = d ? d.getAs<FloatAttr>(name) : nullptr) return f.getValueAsDouble();
  return def;
}

bool flag(DictionaryAttr d, StringRef name) {
  auto b = d ? d.getAs<BoolAttr>(name) : nullptr;
  return b && b.getValue();
}

/// The state each method keeps per parameter, in argument order.
SmallVector<StringRef> stateNames(StringRef method, double momentum) {
  if (method == "sgd") return {"velocity"};
  if (method == "adam" || method == "adamw") return {"m", "s"};
  if (method == "rmsprop") return momentum != 0 ? SmallVector<StringRef>{"s", "b"} : SmallVector<StringRef>{"s"};
  return {"s"}; // adagrad
}

struct Solver : nnc::impl::NNSolverBase<Solver> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    auto f = module.lookupSymbol<func::FuncOp>("train_step");
    if (!f || !f->hasAttr("nn.grad_of")) {
      module.emitError("nn-solver needs @train_step from nn-autodiff");
      return signalPassFailure();
    }
    auto solver = module->getAttrOfType<DictionaryAttr>("nn.solver");
    auto methodAttr = solver ? solver.getAs<StringAttr>("method") : nullptr;
    StringRef method = methodAttr ? methodAttr.getValue() : "sgd";
    if (!llvm::is_contained(ArrayRef<StringRef>{"sgd", "adam", "adamw", "rmsprop", "adagrad"}, method)) {
      module.emitError("unknown solver method '") << method << "'; expected sgd, adam, adamw, rmsprop or adagrad";
      return signalPassFailure();
    }
    // The defaults are SPEC 12's, for modules written by hand.
    bool isRmsprop = method == "rmsprop";
    double momentum = number(solver, "momentum", 0), decay = number(solver, "weight_decay", 0);
    double beta1 = number(solver, "beta1", 0.9), beta2 = number(solver, "beta2", 0.999);
    double eps = number(solver, "eps", 1e-8), rho = number(solver, "decay", 0.99);
    double clip = number(solver, "clip_norm", 0);
    bool adam = method == "adam" || method == "adamw";

    Block &body = f.getBody().front();
    auto ret = cast<func::ReturnOp>(body.getTerminator());
    auto gradOf = f->getAttrOfType<ArrayAttr>("nn.grad_of");
    size_t outputs = ret.getNumOperands() - gradOf.size();
    OpBuilder b(ret);
    MLIRContext *ctx = module.getContext();

    // Hyperparameters the host computes per step: lr from the policy, and
    // for Adam the completed steps t (an integer held in an f32).
    auto scalar = RankedTensorType::get({}, b.getF32Type());
    auto hyperArg = [&](StringRef name) {
      unsigned i = f.getNumArguments();
      (void)f.insertArgument(i, scalar, b.getDictionaryAttr({b.getNamedAttr("nn.hyper", b.getStringAttr(name))}),
                             f.getLoc());
      return body.getArgument(i);
    };
    Value lr = hyperArg("lr");
    Value step = adam ? hyperArg("step") : Value();

    // The parameter argument of each gradient.
    SmallVector<unsigned> paramIndex;
    SmallVector<nn::ParameterOp> params;
    for (Attribute symAttr : gradOf) {
      auto sym = cast<FlatSymbolRefAttr>(symAttr);
      int index = -1;
      for (unsigned i = 0; i < f.getNumArguments(); ++i)
        if (f.getArgAttrOfType<FlatSymbolRefAttr>(i, "nn.param") == sym) index = i;
      auto param = SymbolTable::lookupNearestSymbolFrom<nn::ParameterOp>(f, sym);
      if (!param || index < 0) {
        f.emitError("nn.grad_of names ") << sym << ", which is not a parameter argument of @train_step";
        return signalPassFailure();
      }
      paramIndex.push_back(index);
      params.push_back(param);
    }

    SmallVector<Value> grads(ret.getOperands().drop_front(outputs));
    if (clip > 0 && !grads.empty()) {
      auto c = b.create<nn::ClipByGlobalNormOp>(f.getLoc(), ValueRange(grads).getTypes(), grads,
                                                b.getF64FloatAttr(clip));
      grads.assign(c.getResults().begin(), c.getResults().end());
    }

    SmallVector<Value> results(ret.getOperands().take_front(outputs));
    SmallVector<Value> newParams, newStates;
    SmallVector<int64_t> updates(outputs, -1), stateUpdates;
    SmallVector<StringRef> names = stateNames(method, momentum);
    for (auto [k, param] : llvm::enumerate(params)) {
      Value w = body.getArgument(paramIndex[k]);
      auto sym = FlatSymbolRefAttr::get(param.getSymNameAttr());
      SmallVector<Value> state;
      for (StringRef name : names) {
        unsigned i = f.getNumArguments();
        (void)f.insertArgument(i, w.getType(),
                               b.getDictionaryAttr({b.getNamedAttr("nn.state_of", sym),
                                                    b.getNamedAttr("nn.state", b.getStringAttr(name))}),
                               f.getLoc());
        state.push_back(body.getArgument(i));
        stateUpdates.push_back(i);
      }
      Type t = w.getType();
      Value g = grads[k];
      Location loc = param.getLoc();
      auto wd = b.getF64FloatAttr(decay);
      Operation *update;
      if (method == "sgd") {
        update = b.create<nn::SgdUpdateOp>(loc, t, t, w, g, state[0], lr, b.getF64FloatAttr(momentum), wd,
                                           param.getLrMultAttr(), param.getDecayMultAttr(),
                                           b.getBoolAttr(flag(solver, "nesterov")));
      } else if (adam) {
        update = b.create<nn::AdamUpdateOp>(loc, TypeRange{t, t, t}, w, g, state[0], state[1], lr, step,
                                            b.getF64FloatAttr(beta1), b.getF64FloatAttr(beta2), b.getF64FloatAttr(eps),
                                            wd, param.getLrMultAttr(), param.getDecayMultAttr(),
                                            b.getBoolAttr(method == "adamw"));
      } else if (isRmsprop) {
        Value buf = state.size() > 1 ? state[1] : Value();
        SmallVector<Type> types(buf ? 3 : 2, t);
        update = b.create<nn::RmspropUpdateOp>(loc, types, w, g, state[0], buf, lr, b.getF64FloatAttr(rho),
                                               b.getF64FloatAttr(eps), b.getF64FloatAttr(momentum), wd,
                                               param.getLrMultAttr(), param.getDecayMultAttr());
      } else {
        update = b.create<nn::AdagradUpdateOp>(loc, TypeRange{t, t}, w, g, state[0], lr, b.getF64FloatAttr(eps), wd,
                                               param.getLrMultAttr(), param.getDecayMultAttr());
      }
      // Results: the new parameter, then the new state in argument order.
      newParams.push_back(update->getResult(0));
      for (Value r : update->getResults().drop_front()) newStates.push_back(r);
      updates.push_back(paramIndex[k]);
    }
    results.append(newParams);
    results.append(newStates);
    updates.append(stateUpdates);
    b.create<func::ReturnOp>(ret.getLoc(), results);
    ret.erase();
    f.setType(FunctionType::get(ctx, f.getArgumentTypes(), ValueRange(results).getTypes()));
    f->setAttr("nn.updates", b.getDenseI64ArrayAttr(updates));
    f->removeAttr("nn.grad_of");
  }
};

} // namespace
