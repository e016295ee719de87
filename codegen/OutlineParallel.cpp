//===- OutlineParallel.cpp - Parallel loops -> nnc_parallel_kernel --------===//
//
// In functions nn-lower-cpu made (nn.lowered: ctx, state, workspace, ...),
// each outermost scf.parallel (linalg's parallel loops, GeneratedKernels'
// disjoint writes) with enough work becomes a kernel function over a range of
// its first dimension, which the runtime splits statically across its
// threads (nnc_parallel_kernel, on the OpenMP runtime oneDNN uses).
//
// The kernel receives the state and workspace arenas and rebuilds from them
// what the loop reads: constants, pure index math and views of the arenas
// are cloned; stack rows only the loop uses (GeneratedKernels' scratch) are
// allocated per thread; other scalars (a learning rate read before the
// loop) travel in a third byte buffer. A loop that needs anything else (an
// input argument's buffer) stays sequential.
//
//===----------------------------------------------------------------------===//
#include "codegen/Passes.h"

#include "mlir/IR/IRMapping.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "mlir/Transforms/RegionUtils.h"

namespace nnc {
#define GEN_PASS_DEF_NNOUTLINEPARALLEL
#include "codegen/Passes.h.inc"
} // namespace nnc

using namespace mlir;

namespace {

/// Below this many innermost iterations, a fork and join costs more than it saves.
constexpr int64_t kMinWork = 1 << 14;

/// The static trip count of a loop's bounds, or `unknown`.
int64_t tripCount(Value lb, Value ub, Value step, int64_t unknown) {
  auto l = getConstantIntValue(lb), u = getConstantIntValue(ub), s = getConstantIntValue(step);
  if (!l || !u || !s || *s <= 0) return unknown;
  return std::max<int64_t>(0, (*u - *l + *s - 1) / *s);
}

/// Innermost iterations of `op`'s loop nest, guessing 4 for dynamic bounds.
int64_t work(Operation *op) {
  int64_t here = 1;
  if (auto p = dyn_cast<scf::ParallelOp>(op))
    for (auto [l, u, s] : llvm::zip(p.getLowerBound(), p.getUpperBound(), p.getStep())) here *= tripCount(l, u, s, 4);
  if (auto f = dyn_cast<scf::ForOp>(op)) here = tripCount(f.getLowerBound(), f.getUpperBound(), f.getStep(), 4);
  int64_t inner = 1;
  for (Region &r : op->getRegions())
    for (Operation &child : r.getOps()) inner = std::max(inner, work(&child));
  return here * inner;
}

class Outliner {
public:
  Outliner(ModuleOp module, func::FuncOp f) : module_(module), f_(f) {}

  /// Outlines `loop` if it qualifies; returns whether it did.
  bool outline(scf::ParallelOp loop) {
    auto lb = getConstantIntValue(loop.getLowerBound()[0]), step = getConstantIntValue(loop.getStep()[0]);
    auto ub = getConstantIntValue(loop.getUpperBound()[0]);
    // A loop with reductions (results) would need them combined across threads.
    if (!lb || !ub || !step || *lb != 0 || *step != 1 || *ub < 2 || loop.getNumResults() || work(loop) < kMinWork)
      return false;
    SetVector<Value> captured;
    getUsedValuesDefinedAbove(loop->getRegions(), captured);
    for (Value v : loop->getOperands()) captured.insert(v);
    SmallVector<Value> scalars; // passed by value, 8 bytes each
    for (Value v : captured) {
      if (clonable(v, loop)) continue;
      if (!isa<FloatType, IntegerType, IndexType>(v.getType()) || v.getType().getIntOrFloatBitWidth() > 64) return false;
      scalars.push_back(v);
    }

    // func @kernel(state, workspace, scalars, begin, end): the loop over
    // [begin, end) of its first dimension.
    OpBuilder b(module_.getBodyRegion());
    b.setInsertionPointToEnd(module_.getBody());
    Location loc = loop.getLoc();
    Type bytes = f_.getArgument(1).getType(), index = b.getIndexType();
    std::string name = (f_.getName() + "_kernel" + Twine(count_++)).str();
    auto kernel = b.create<func::FuncOp>(loc, name, b.getFunctionType({bytes, bytes, bytes, index, index}, {}));
    kernel.setPrivate();
    Block *entry = kernel.addEntryBlock();
    b.setInsertionPointToStart(entry);
    IRMapping map;
    map.map(f_.getArgument(1), entry->getArgument(0));
    map.map(f_.getArgument(2), entry->getArgument(1));
    for (auto [i, v] : llvm::enumerate(scalars)) map.map(v, b.create<memref::LoadOp>(loc, slot(b, entry->getArgument(2), i, v.getType())));
    for (Value v : captured)
      if (!map.contains(v)) materialize(b, v, map);
    auto copy = cast<scf::ParallelOp>(b.clone(*loop, map));
    copy.getLowerBoundMutable()[0].assign(entry->getArgument(3));
    copy.getUpperBoundMutable()[0].assign(entry->getArgument(4));
    b.create<func::ReturnOp>(loc);

    // nnc_parallel_kernel(ctx, n, kernel, state, bytes, workspace, bytes, scalars, bytes).
    b.setInsertionPoint(loop);
    Value pack = b.create<memref::CastOp>(
        loc, bytes, b.create<memref::AllocaOp>(loc, MemRefType::get({8 * std::max<int64_t>(1, scalars.size())}, b.getI8Type())));
    for (auto [i, v] : llvm::enumerate(scalars)) b.create<memref::StoreOp>(loc, v, slot(b, pack, i, v.getType()));
    auto ptrType = LLVM::LLVMPointerType::get(b.getContext());
    Value fn = b.create<func::ConstantOp>(loc, kernel.getFunctionType(), SymbolRefAttr::get(kernel));
    Value fnPtr = b.create<UnrealizedConversionCastOp>(loc, ptrType, fn).getResult(0);
    SmallVector<Value> args = {f_.getArgument(0), b.create<arith::ConstantIntOp>(loc, *ub, 64), fnPtr};
    for (Value m : {Value(f_.getArgument(1)), Value(f_.getArgument(2)), pack}) {
      Value address = b.create<arith::IndexCastOp>(loc, b.getI64Type(),
                                                   b.create<memref::ExtractAlignedPointerAsIndexOp>(loc, m));
      args.push_back(b.create<LLVM::IntToPtrOp>(loc, ptrType, address));
      args.push_back(b.create<arith::IndexCastOp>(loc, b.getI64Type(), b.create<memref::DimOp>(loc, m, 0)));
    }
    b.create<func::CallOp>(loc, runtimeFunction(b, ValueRange(args).getTypes()), args);
    loop.erase();
    return true;
  }

private:
  /// Scalar i of a pack of 8-byte slots, as a rank-0 memref of `type`.
  static Value slot(OpBuilder &b, Value pack, size_t i, Type type) {
    Location loc = pack.getLoc();
    Value offset = b.create<arith::ConstantIndexOp>(loc, 8 * i);
    return b.create<memref::ViewOp>(loc, MemRefType::get({}, type), pack, offset, ValueRange{});
  }

  /// Whether the kernel can rebuild `v` from the arenas.
  bool clonable(Value v, Operation *loop) {
    if (auto a = dyn_cast<BlockArgument>(v)) return a.getOwner()->getParentOp() == f_ && (a.getArgNumber() == 1 || a.getArgNumber() == 2);
    Operation *def = v.getDefiningOp();
    // Scratch rows: private to each thread when only the loop touches them.
    if (auto alloca = dyn_cast<memref::AllocaOp>(def))
      return alloca.getOperands().empty() && llvm::all_of(alloca->getUsers(), [&](Operation *u) {
               return loop->isAncestor(u);
             });
    if (def->getNumRegions() || !isPure(def)) return false;
    return llvm::all_of(def->getOperands(), [&](Value o) { return clonable(o, loop); });
  }

  void materialize(OpBuilder &b, Value v, IRMapping &map) {
    if (map.contains(v)) return;
    Operation *def = v.getDefiningOp();
    for (Value o : def->getOperands()) materialize(b, o, map);
    b.clone(*def, map);
  }

  func::FuncOp runtimeFunction(OpBuilder &b, TypeRange types) {
    StringRef name = "nnc_parallel_kernel";
    if (auto fn = module_.lookupSymbol<func::FuncOp>(name)) return fn;
    OpBuilder mb(module_.getBodyRegion());
    auto fn = mb.create<func::FuncOp>(f_.getLoc(), name, mb.getFunctionType(types, {}));
    fn.setPrivate();
    return fn;
  }

  ModuleOp module_;
  func::FuncOp f_;
  int count_ = 0;
};

struct OutlineParallel : nnc::impl::NNOutlineParallelBase<OutlineParallel> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    SmallVector<func::FuncOp> lowered;
    for (func::FuncOp f : module.getOps<func::FuncOp>())
      if (f->hasAttr("nn.lowered")) lowered.push_back(f);
    for (func::FuncOp f : lowered) {
      // Outermost loops only: a kernel's own loops run on its thread.
      SmallVector<scf::ParallelOp> loops;
      f.walk<WalkOrder::PreOrder>([&](scf::ParallelOp p) {
        loops.push_back(p);
        return WalkResult::skip();
      });
      Outliner outliner(module, f);
      for (scf::ParallelOp p : loops) outliner.outline(p);
    }
  }
};

} // namespace
