//===- Sgd.cpp - The SGD update appended to @train_step --------------------===//
#include "passes/Passes.h"

#include "ir/NNOps.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"

namespace nnc {
#define GEN_PASS_DEF_NNSGD
#include "passes/Passes.h.inc"
} // namespace nnc

using namespace mlir;
using namespace nnc;

namespace {

double number(DictionaryAttr d, StringRef name, double def) {
  if (auto f = d ? d.getAs<FloatAttr>(name) : nullptr) return f.getValueAsDouble();
  return def;
}

struct Sgd : nnc::impl::NNSgdBase<Sgd> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    auto f = module.lookupSymbol<func::FuncOp>("train_step");
    if (!f || !f->hasAttr("nn.grad_of")) {
      module.emitError("nn-sgd needs @train_step from nn-autodiff");
      return signalPassFailure();
    }
    auto solver = module->getAttrOfType<DictionaryAttr>("nn.solver");
    if (auto method = solver ? solver.getAs<StringAttr>("method") : nullptr; method && method.getValue() != "sgd") {
      module.emitError("solver method '") << method.getValue() << "' is not supported yet; use sgd";
      return signalPassFailure();
    }
    double momentum = number(solver, "momentum", 0), decay = number(solver, "weight_decay", 0);
    bool nesterov = solver && solver.getAs<BoolAttr>("nesterov") && solver.getAs<BoolAttr>("nesterov").getValue();

    Block &body = f.getBody().front();
    auto ret = cast<func::ReturnOp>(body.getTerminator());
    auto gradOf = f->getAttrOfType<ArrayAttr>("nn.grad_of");
    size_t outputs = ret.getNumOperands() - gradOf.size();
    OpBuilder b(ret);
    MLIRContext *ctx = module.getContext();

    // lr is an argument: the host evaluates the learning-rate policy.
    auto lrType = RankedTensorType::get({}, b.getF32Type());
    unsigned lrIndex = f.getNumArguments();
    (void)f.insertArgument(lrIndex, lrType, b.getDictionaryAttr({b.getNamedAttr("nn.hyper", b.getStringAttr("lr"))}), f.getLoc());
    Value lr = body.getArgument(lrIndex);

    SmallVector<Value> results(ret.getOperands().take_front(outputs));
    SmallVector<Value> newParams, newVelocities;
    SmallVector<int64_t> updates(outputs, -1), velocityUpdates;
    for (auto [k, symAttr] : llvm::enumerate(gradOf)) {
      auto sym = cast<FlatSymbolRefAttr>(symAttr);
      int paramIndex = -1;
      for (unsigned i = 0; i < f.getNumArguments(); ++i)
        if (f.getArgAttrOfType<FlatSymbolRefAttr>(i, "nn.param") == sym) paramIndex = i;
      auto param = SymbolTable::lookupNearestSymbolFrom<nn::ParameterOp>(f, sym);
      if (!param || paramIndex < 0) {
        f.emitError("nn.grad_of names ") << sym << ", which is not a parameter argument of @train_step";
        return signalPassFailure();
      }
      Value w = body.getArgument(paramIndex);
      unsigned vIndex = f.getNumArguments();
      (void)f.insertArgument(vIndex, w.getType(),
                             b.getDictionaryAttr({b.getNamedAttr("nn.velocity_of", sym)}), f.getLoc());
      Value v = body.getArgument(vIndex);
      auto update = b.create<nn::SgdUpdateOp>(
          param.getLoc(), w.getType(), w.getType(), w, ret.getOperand(outputs + k), v, lr,
          b.getF64FloatAttr(momentum), b.getF64FloatAttr(decay), param.getLrMultAttr(),
          param.getDecayMultAttr(), b.getBoolAttr(nesterov));
      newParams.push_back(update.getNewParam());
      newVelocities.push_back(update.getNewVelocity());
      updates.push_back(paramIndex);
      velocityUpdates.push_back(vIndex);
    }
    results.append(newParams);
    results.append(newVelocities);
    updates.append(velocityUpdates);
    b.create<func::ReturnOp>(ret.getLoc(), results);
    ret.erase();
    f.setType(FunctionType::get(ctx, f.getArgumentTypes(), ValueRange(results).getTypes()));
    f->setAttr("nn.updates", b.getDenseI64ArrayAttr(updates));
    f->removeAttr("nn.grad_of");
  }
};

} // namespace
