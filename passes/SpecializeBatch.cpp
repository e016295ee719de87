//===- SpecializeBatch.cpp - The dynamic batch becomes static -------------===//
#include "passes/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinTypes.h"

namespace nnc {
#define GEN_PASS_DEF_NNSPECIALIZEBATCH
#include "passes/Passes.h.inc"
} // namespace nnc

using namespace mlir;

namespace {

struct SpecializeBatch : nnc::impl::NNSpecializeBatchBase<SpecializeBatch> {
  using NNSpecializeBatchBase::NNSpecializeBatchBase;

  Type specialize(Type t) const {
    auto r = dyn_cast<RankedTensorType>(t);
    if (!r || r.hasStaticShape()) return t;
    SmallVector<int64_t> shape(r.getShape());
    for (int64_t &d : shape)
      if (ShapedType::isDynamic(d)) d = batch;
    return RankedTensorType::get(shape, r.getElementType());
  }

  void runOnOperation() override {
    if (batch < 1) {
      getOperation().emitError("batch must be at least 1");
      return signalPassFailure();
    }
    getOperation().walk([&](func::FuncOp f) {
      for (BlockArgument a : f.getArguments()) a.setType(specialize(a.getType()));
      f.walk([&](Operation *op) {
        for (OpResult r : op->getResults()) r.setType(specialize(r.getType()));
      });
      SmallVector<Type> results;
      for (Type t : f.getResultTypes()) results.push_back(specialize(t));
      // Declarations have no block: their argument types come from the signature.
      SmallVector<Type> args;
      if (f.isExternal())
        for (Type t : f.getArgumentTypes()) args.push_back(specialize(t));
      else
        for (BlockArgument a : f.getArguments()) args.push_back(a.getType());
      f.setType(FunctionType::get(f.getContext(), args, results));
    });
  }
};

} // namespace
