#include "codegen/Jit.h"

#include "runtime/Runtime.h"

#include "mlir/ExecutionEngine/ExecutionEngine.h"
#include "mlir/ExecutionEngine/OptUtils.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/Target/LLVMIR/Dialect/Builtin/BuiltinToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/LLVMIR/LLVMToLLVMIRTranslation.h"

#include "llvm/ExecutionEngine/Orc/Mangling.h"
#include "llvm/Support/TargetSelect.h"

namespace nnc {

int64_t ManifestEntry::numel() const {
  int64_t n = 1;
  for (int64_t d : shape) n *= d;
  return n;
}

JitModel::~JitModel() = default;

MemRefDescriptor::MemRefDescriptor(void *data, const std::vector<int64_t> &shape) {
  words_ = {(int64_t)(intptr_t)data, (int64_t)(intptr_t)data, 0};
  words_.insert(words_.end(), shape.begin(), shape.end());
  std::vector<int64_t> strides(shape.size(), 1);
  for (int64_t i = (int64_t)shape.size() - 2; i >= 0; --i) strides[i] = strides[i + 1] * shape[i + 1];
  words_.insert(words_.end(), strides.begin(), strides.end());
}

void readManifest(mlir::ModuleOp module, JitModel &model) {
  if (auto a = module->getAttrOfType<mlir::IntegerAttr>("nn.state_bytes")) model.stateBytes = a.getInt();
  if (auto a = module->getAttrOfType<mlir::IntegerAttr>("nn.workspace_bytes")) model.workspaceBytes = a.getInt();
  if (auto list = module->getAttrOfType<mlir::ArrayAttr>("nn.manifest"))
    for (mlir::Attribute a : list) {
      auto d = mlir::cast<mlir::DictionaryAttr>(a);
      ManifestEntry e;
      e.name = d.getAs<mlir::StringAttr>("name").str();
      e.kind = d.getAs<mlir::StringAttr>("kind").str();
      e.init = d.getAs<mlir::StringAttr>("init").str();
      e.offset = d.getAs<mlir::IntegerAttr>("offset").getInt();
      auto shape = d.getAs<mlir::DenseI64ArrayAttr>("shape").asArrayRef();
      e.shape.assign(shape.begin(), shape.end());
      model.manifest.push_back(e);
    }
}

std::unique_ptr<JitModel> JitModel::create(mlir::ModuleOp module, std::string &error) {
  static bool once = [] {
    llvm::InitializeNativeTarget();
    llvm::InitializeNativeTargetAsmPrinter();
    return true;
  }();
  (void)once;
  mlir::registerBuiltinDialectTranslation(*module.getContext());
  mlir::registerLLVMDialectTranslation(*module.getContext());

  auto model = std::make_unique<JitModel>();
  readManifest(module, *model);
  mlir::ExecutionEngineOptions options;
  options.transformer = mlir::makeOptimizingTransformer(3, 0, nullptr);
  options.jitCodeGenOptLevel = llvm::CodeGenOptLevel::Aggressive;
  auto engine = mlir::ExecutionEngine::create(module, options);
  if (!engine) {
    error = llvm::toString(engine.takeError());
    return nullptr;
  }
  model->engine_ = std::move(*engine);
  // The runtime's C functions, bound by name: generated code needs no other symbol.
  model->engine_->registerSymbols([](llvm::orc::MangleAndInterner interner) {
    llvm::orc::SymbolMap map;
    auto add = [&](const char *name, auto *fn) {
      map[interner(name)] = {llvm::orc::ExecutorAddr::fromPtr(fn), llvm::JITSymbolFlags::Exported};
    };
    add("nnc_cpu_conv2d_init", &nnc_cpu_conv2d_init);
    add("nnc_cpu_conv2d_fwd", &nnc_cpu_conv2d_fwd);
    add("nnc_cpu_conv2d_bwd_data", &nnc_cpu_conv2d_bwd_data);
    add("nnc_cpu_conv2d_bwd_filter", &nnc_cpu_conv2d_bwd_filter);
    add("nnc_cpu_max_pool_init", &nnc_cpu_max_pool_init);
    add("nnc_cpu_max_pool_fwd", &nnc_cpu_max_pool_fwd);
    add("nnc_cpu_max_pool_bwd", &nnc_cpu_max_pool_bwd);
    add("nnc_cpu_dense_init", &nnc_cpu_dense_init);
    add("nnc_cpu_dense_fwd", &nnc_cpu_dense_fwd);
    add("nnc_cpu_dense_bwd_data", &nnc_cpu_dense_bwd_data);
    add("nnc_cpu_dense_bwd_weights", &nnc_cpu_dense_bwd_weights);
    add("nnc_dropout_mask", &nnc_dropout_mask);
    add("nnc_parallel_for", &nnc_parallel_for);
    return map;
  });
  return model;
}

bool JitModel::call(const std::string &name, std::vector<void *> args, std::string &error) {
  llvm::Error err = engine_->invokePacked("_mlir_ciface_" + name, args);
  if (err) {
    error = llvm::toString(std::move(err));
    return false;
  }
  return true;
}

} // namespace nnc
