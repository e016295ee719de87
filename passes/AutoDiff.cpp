//===- AutoDiff.cpp - Reverse-mode differentiation over nn ops -------------===//
//
// Knows no op by name: every op on the path to the loss states its gradient
// through VjpOpInterface. Backward ops are appended before the return in
// reverse order, so each gradient is defined before its use; each carries
// `nn.vjp_of`, the nn.name of the op it differentiates (when that has one).
//
//===----------------------------------------------------------------------===//
#include "passes/Passes.h"

#include "ir/NNOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"
#include "mlir/Transforms/RegionUtils.h"

namespace nnc {
#define GEN_PASS_DEF_NNAUTODIFF
#include "passes/Passes.h.inc"
} // namespace nnc

using namespace mlir;
using namespace nnc;

namespace {

Value filled(OpBuilder &b, Location loc, Type type, double v) {
  auto t = cast<RankedTensorType>(type);
  return b.create<arith::ConstantOp>(loc, DenseElementsAttr::get(t, b.getFloatAttr(t.getElementType(), v)));
}

struct AutoDiff : nnc::impl::NNAutoDiffBase<AutoDiff> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    auto forward = module.lookupSymbol<func::FuncOp>("forward");
    if (!forward || !forward->hasAttr("nn.loss")) {
      module.emitError("nn-autodiff needs @forward with an nn.loss result (a solver section)");
      return signalPassFailure();
    }
    if (module.lookupSymbol("train_step")) return; // already differentiated
    OpBuilder b(module.getContext());
    b.setInsertionPointAfter(forward);
    auto train = cast<func::FuncOp>(b.clone(*forward));
    train.setSymName("train_step");
    if (failed(differentiate(train))) return signalPassFailure();
  }

  LogicalResult differentiate(func::FuncOp f) {
    Block &body = f.getBody().front();
    auto ret = cast<func::ReturnOp>(body.getTerminator());
    auto lossAttr = dyn_cast<IntegerAttr>(f->getAttr("nn.loss"));
    if (!lossAttr || lossAttr.getInt() < 0 || lossAttr.getInt() >= (int64_t)ret.getNumOperands())
      return f.emitError("nn.loss must be the index of one of the function's results");
    Value loss = ret.getOperand(lossAttr.getInt());
    if (!isa<RankedTensorType>(loss.getType()) || cast<RankedTensorType>(loss.getType()).getRank() != 0)
      return f.emitError("the loss (result ") << lossAttr.getInt() << ") must be a scalar tensor";
    OpBuilder b(ret);
    Location loc = f.getLoc();

    llvm::DenseMap<Value, Value> grads;
    auto accumulate = [&](Value v, Value g, Location l) {
      auto [it, inserted] = grads.try_emplace(v, g);
      if (!inserted) it->second = b.create<nn::AddOp>(l, it->second, g);
    };
    grads[loss] = filled(b, loc, loss.getType(), 1.0);

    SmallVector<Operation *> ops;
    for (Operation &op : body.without_terminator()) ops.push_back(&op);
    for (Operation *op : llvm::reverse(ops)) {
      SmallVector<Value> resultGrads;
      bool any = false;
      for (Value r : op->getResults()) {
        resultGrads.push_back(grads.lookup(r));
        any |= resultGrads.back() != nullptr;
      }
      if (!any) continue;
      auto vjp = dyn_cast<nn::VjpOpInterface>(op);
      if (!vjp)
        return op->emitError("'") << op->getName() << "' is on the path to the loss but has no gradient";
      Operation *before = ret->getPrevNode();
      SmallVector<Value> operandGrads = vjp.buildVjp(b, resultGrads);
      // The VJP's ops are implemented as @coarse/@fine says for the op (SPEC 14).
      if (auto granularity = op->getAttrOfType<StringAttr>("nn.granularity"))
        for (Operation *o = before ? before->getNextNode() : &body.front(); o && o != ret.getOperation(); o = o->getNextNode())
          o->setAttr("nn.granularity", granularity);
      for (auto [operand, g] : llvm::zip(op->getOperands(), operandGrads))
        if (g) accumulate(operand, g, op->getLoc());
      // The ops of this VJP (and the sums of gradients it completes) name the
      // layer they differentiate: nn.vjp_of, for per-layer backward profiles.
      if (auto name = op->getAttrOfType<StringAttr>("nn.name"))
        for (Operation *o = before ? before->getNextNode() : &body.front(); o && o != ret.getOperation();
             o = o->getNextNode())
          if (!o->hasAttr("nn.vjp_of")) o->setAttr("nn.vjp_of", name);
    }

    // One gradient per trainable parameter, in argument order.
    SmallVector<Value> results(ret.getOperands());
    SmallVector<Attribute> gradOf;
    for (BlockArgument arg : body.getArguments()) {
      auto sym = f.getArgAttrOfType<FlatSymbolRefAttr>(arg.getArgNumber(), "nn.param");
      if (!sym) continue;
      auto param = SymbolTable::lookupNearestSymbolFrom<nn::ParameterOp>(f, sym);
      if (param && param.getFrozen()) continue;
      Value g = grads.lookup(arg);
      if (!g) {
        mlir::emitWarning(param ? param.getLoc() : f.getLoc())
            << "parameter '" << sym.getValue() << "' receives no gradient from the loss";
        g = filled(b, loc, arg.getType(), 0.0);
      }
      results.push_back(g);
      gradOf.push_back(sym);
    }
    b.create<func::ReturnOp>(ret.getLoc(), results);
    ret.erase();
    f.setType(FunctionType::get(f.getContext(), f.getArgumentTypes(), ValueRange(results).getTypes()));
    f->setAttr("nn.grad_of", ArrayAttr::get(f.getContext(), gradOf));

    // Gradients nothing needs (the input image's) are dead: drop them.
    SmallVector<Operation *> all;
    for (Operation &op : body.without_terminator()) all.push_back(&op);
    for (Operation *op : llvm::reverse(all))
      if (isOpTriviallyDead(op)) op->erase();
    return success();
  }
};

} // namespace
