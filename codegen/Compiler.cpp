#include "codegen/Compiler.h"

#include "codegen/Passes.h"
#include "passes/Passes.h"

#include "mlir/Pass/PassManager.h"
#include "mlir/Transforms/Passes.h"

#include "llvm/TargetParser/Host.h"

namespace nnc {

std::optional<Stage> parseStage(const std::string &s) {
  if (s == "nn") return Stage::NN;
  if (s == "autodiff") return Stage::Autodiff;
  if (s == "solver") return Stage::Solver;
  if (s == "lowered") return Stage::Lowered;
  if (s == "llvm") return Stage::LLVM;
  return std::nullopt;
}

int64_t hostChannelBlock() { return llvm::sys::getHostCPUFeatures().lookup("avx512f") ? 16 : 8; }

int64_t channelBlockOf(const PipelineOptions &o) { return o.channelBlock < 0 ? hostChannelBlock() : o.channelBlock; }

mlir::LogicalResult runPipeline(mlir::ModuleOp module, const PipelineOptions &o) {
  mlir::PassManager pm(module.getContext());
  if (o.training && o.stage >= Stage::Autodiff) pm.addPass(createNNAutoDiff());
  if (o.training && o.stage >= Stage::Solver) pm.addPass(createNNSolver());
  if (o.stage >= Stage::Lowered) {
    pm.addPass(mlir::createCanonicalizerPass());
    pm.addPass(createNNSpecializeBatch(NNSpecializeBatchOptions{o.batch}));
    NNLowerToCpuOptions lowering;
    lowering.profile = o.profile;
    lowering.granularity = o.granularity;
    lowering.channelBlock = channelBlockOf(o);
    pm.addPass(createNNLowerToCpu(lowering));
  }
  if (o.stage >= Stage::LLVM) buildCpuToLlvmPipeline(pm);
  return pm.run(module);
}

} // namespace nnc
