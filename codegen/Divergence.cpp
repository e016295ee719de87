#include "codegen/Divergence.h"

#include "frontend/emit/Emitter.h"
#include "ir/Evaluator.h"
#include "ir/NNOps.h"
#include "passes/Passes.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/PassManager.h"

#include <algorithm>
#include <cmath>
#include <fmt/format.h>
#include <map>

namespace nnc {

namespace {

constexpr int64_t kExamples = 8; // enough to see a blow-up, cheap on the reference kernels

std::string where(mlir::Location loc) {
  if (auto f = loc->findInstanceOf<mlir::FileLineColLoc>())
    return fmt::format(" at {}:{}:{}", f.getFilename().str(), f.getLine(), f.getColumn());
  return "";
}

} // namespace

std::string findNonFinite(mlir::MLIRContext &ctx, const Graph &g, const SolverConfig &solver, DiagnosticEngine &diags,
                          const std::vector<ManifestEntry> &manifest, const char *state, const float *images,
                          const std::vector<int64_t> &imageShape, const int32_t *labels) {
  std::map<std::string, const ManifestEntry *> byName;
  for (const ManifestEntry &e : manifest) {
    if (e.kind != "param" && e.kind != "running") continue;
    byName[e.name] = &e;
    const float *p = reinterpret_cast<const float *>(state + e.offset);
    for (int64_t i = 0; i < e.numel(); ++i)
      if (!std::isfinite(p[i])) return fmt::format("parameter '{}' holds the non-finite value {}", e.name, p[i]);
  }

  int64_t k = std::min(kExamples, imageShape[0]);
  mlir::OwningOpRef<mlir::ModuleOp> module = emitModule(ctx, g, solver, diags);
  if (!module) return "";
  mlir::PassManager pm(&ctx);
  pm.addPass(createNNSpecializeBatch(NNSpecializeBatchOptions{k}));
  if (mlir::failed(pm.run(*module))) return "";
  auto forward = module->lookupSymbol<mlir::func::FuncOp>("forward");
  if (!forward) return "";

  std::vector<ref::Tensor<float>> args(2);
  args[0].shape = imageShape;
  args[0].shape[0] = k;
  int64_t exampleSize = 1;
  for (size_t i = 1; i < imageShape.size(); ++i) exampleSize *= imageShape[i];
  args[0].data.assign(images, images + k * exampleSize);
  args[1].shape = {k};
  args[1].data.assign(labels, labels + k);
  for (nn::ParameterOp p : module->getOps<nn::ParameterOp>()) {
    auto it = byName.find(p.getSymName().str());
    if (it == byName.end()) return "";
    const float *v = reinterpret_cast<const float *>(state + it->second->offset);
    args.push_back({it->second->shape, std::vector<float>(v, v + it->second->numel())});
  }

  std::string found, error;
  std::vector<ref::Tensor<float>> results;
  auto observer = [&](mlir::Operation *op, const ref::Tensor<float> &t) {
    for (float x : t.data)
      if (!std::isfinite(x)) {
        auto name = op->getAttrOfType<mlir::StringAttr>("nn.name");
        found = fmt::format("the first layer whose output is non-finite is '{}' ({}){}",
                            name ? name.str() : std::string("?"), op->getName().stripDialect().str(),
                            where(op->getLoc()));
        return false;
      }
    return true;
  };
  if (!evaluate<float>(forward, args, results, error, observer)) return "";
  return found;
}

} // namespace nnc
