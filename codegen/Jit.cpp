#include "codegen/Jit.h"

#include "runtime/Runtime.h"

#include "mlir/AsmParser/AsmParser.h"
#include "mlir/ExecutionEngine/ExecutionEngine.h"
#include "mlir/ExecutionEngine/OptUtils.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/Target/LLVMIR/Dialect/Builtin/BuiltinToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/LLVMIR/LLVMToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Export.h"

#include "llvm/ExecutionEngine/Orc/ExecutionUtils.h"
#include "llvm/ExecutionEngine/Orc/JITTargetMachineBuilder.h"
#include "llvm/ExecutionEngine/Orc/LLJIT.h"
#include "llvm/IR/LegacyPassManager.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/TargetSelect.h"
#include "llvm/Target/TargetMachine.h"

namespace nnc {

int64_t ManifestEntry::numel() const {
  int64_t n = 1;
  for (int64_t d : shape) n *= d;
  return n;
}

JitModel::JitModel() = default;
JitModel::~JitModel() = default;

MemRefDescriptor::MemRefDescriptor(void *data, llvm::ArrayRef<int64_t> shape) {
  size_t rank = std::min(shape.size(), kMaxRank);
  words_[0] = words_[1] = (int64_t)(intptr_t)data;
  int64_t *sizes = words_ + 3, *strides = sizes + rank;
  int64_t stride = 1;
  for (size_t i = rank; i-- > 0;) {
    sizes[i] = shape[i];
    strides[i] = stride;
    stride *= shape[i];
  }
}

static const char *const kManifestAttrs[] = {"nn.manifest", "nn.state_bytes", "nn.workspace_bytes",
                                             "nn.profile_sites", "nn.eval_outputs", "nn.eval_metrics"};

mlir::DictionaryAttr manifestOf(mlir::ModuleOp module) {
  llvm::SmallVector<mlir::NamedAttribute> attrs;
  for (const char *name : kManifestAttrs)
    if (mlir::Attribute a = module->getAttr(name)) attrs.push_back(mlir::NamedAttribute(mlir::StringAttr::get(module.getContext(), name), a));
  return mlir::DictionaryAttr::get(module.getContext(), attrs);
}

static bool readManifest(mlir::DictionaryAttr attrs, JitModel &model) {
  auto state = attrs.getAs<mlir::IntegerAttr>("nn.state_bytes");
  auto workspace = attrs.getAs<mlir::IntegerAttr>("nn.workspace_bytes");
  auto list = attrs.getAs<mlir::ArrayAttr>("nn.manifest");
  if (!state || !workspace || !list) return false;
  model.stateBytes = state.getInt();
  model.workspaceBytes = workspace.getInt();
  model.evalOutputs.clear();
  if (auto outputs = attrs.getAs<mlir::DenseI64ArrayAttr>("nn.eval_outputs"))
    model.evalOutputs.assign(outputs.asArrayRef().begin(), outputs.asArrayRef().end());
  auto evalMetrics = attrs.getAs<mlir::IntegerAttr>("nn.eval_metrics");
  model.evalMetrics = evalMetrics ? evalMetrics.getInt() : 0;
  model.manifest.clear();
  for (mlir::Attribute a : list) {
    auto d = mlir::dyn_cast<mlir::DictionaryAttr>(a);
    auto name = d ? d.getAs<mlir::StringAttr>("name") : nullptr;
    auto kind = d ? d.getAs<mlir::StringAttr>("kind") : nullptr;
    auto init = d ? d.getAs<mlir::StringAttr>("init") : nullptr;
    auto offset = d ? d.getAs<mlir::IntegerAttr>("offset") : nullptr;
    auto shape = d ? d.getAs<mlir::DenseI64ArrayAttr>("shape") : nullptr;
    if (!name || !kind || !init || !offset || !shape) return false;
    ManifestEntry e;
    e.name = name.str();
    e.kind = kind.str();
    e.init = init.str();
    e.offset = offset.getInt();
    e.shape.assign(shape.asArrayRef().begin(), shape.asArrayRef().end());
    model.manifest.push_back(e);
  }
  model.profileSites.clear();
  if (auto sites = attrs.getAs<mlir::ArrayAttr>("nn.profile_sites"))
    for (mlir::Attribute a : sites) {
      auto d = mlir::dyn_cast<mlir::DictionaryAttr>(a);
      ProfileSite s;
      using Field = std::pair<const char *, std::string *>;
      for (auto [key, field] :
           {Field{"fn", &s.fn}, Field{"layer", &s.layer}, Field{"phase", &s.phase}, Field{"op", &s.op}}) {
        auto v = d ? d.getAs<mlir::StringAttr>(key) : nullptr;
        if (!v) return false;
        *field = v.str();
      }
      model.profileSites.push_back(s);
    }
  return true;
}

namespace {

void initializeNativeTarget() {
  static bool once = [] {
    llvm::InitializeNativeTarget();
    llvm::InitializeNativeTargetAsmPrinter();
    return true;
  }();
  (void)once;
}

llvm::Expected<std::unique_ptr<llvm::TargetMachine>> hostTargetMachine() {
  auto builder = llvm::orc::JITTargetMachineBuilder::detectHost();
  if (!builder) return builder.takeError();
  builder->setCodeGenOptLevel(llvm::CodeGenOptLevel::Aggressive);
  return builder->createTargetMachine();
}

/// The runtime's C functions, bound by name: generated code needs no other
/// symbol of nnc (libc and libm come from the process).
llvm::orc::SymbolMap runtimeSymbols(llvm::orc::MangleAndInterner &interner) {
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
  add("nnc_cpu_lrn_init", &nnc_cpu_lrn_init);
  add("nnc_cpu_lrn_fwd", &nnc_cpu_lrn_fwd);
  add("nnc_cpu_lrn_bwd", &nnc_cpu_lrn_bwd);
  add("nnc_cpu_eltwise_init", &nnc_cpu_eltwise_init);
  add("nnc_cpu_eltwise_fwd", &nnc_cpu_eltwise_fwd);
  add("nnc_cpu_eltwise_bwd", &nnc_cpu_eltwise_bwd);
  add("nnc_cpu_softmax_init", &nnc_cpu_softmax_init);
  add("nnc_cpu_softmax_fwd", &nnc_cpu_softmax_fwd);
  add("nnc_cpu_softmax_bwd", &nnc_cpu_softmax_bwd);
  add("nnc_cpu_batch_norm_init", &nnc_cpu_batch_norm_init);
  add("nnc_cpu_batch_norm_fwd_training", &nnc_cpu_batch_norm_fwd_training);
  add("nnc_cpu_batch_norm_fwd_inference", &nnc_cpu_batch_norm_fwd_inference);
  add("nnc_cpu_batch_norm_bwd", &nnc_cpu_batch_norm_bwd);
  add("nnc_dropout_mask", &nnc_dropout_mask);
  add("nnc_parallel_for", &nnc_parallel_for);
  add("nnc_parallel_kernel", &nnc_parallel_kernel);
  add("nnc_prof_begin", &nnc_prof_begin);
  add("nnc_prof_end", &nnc_prof_end);
  return map;
}

} // namespace

std::string hostCpuId() {
  initializeNativeTarget();
  auto builder = llvm::orc::JITTargetMachineBuilder::detectHost();
  if (!builder) {
    llvm::consumeError(builder.takeError());
    return "unknown";
  }
  return builder->getTargetTriple().str() + " " + builder->getCPU() + " " + builder->getFeatures().getString();
}

bool emitObject(mlir::ModuleOp module, std::string &object, std::string &error) {
  initializeNativeTarget();
  mlir::registerBuiltinDialectTranslation(*module.getContext());
  mlir::registerLLVMDialectTranslation(*module.getContext());
  auto tm = hostTargetMachine();
  if (!tm) {
    error = llvm::toString(tm.takeError());
    return false;
  }
  llvm::LLVMContext llvmContext;
  std::unique_ptr<llvm::Module> llvmModule = mlir::translateModuleToLLVMIR(module, llvmContext);
  if (!llvmModule) {
    error = "translation to LLVM IR failed";
    return false;
  }
  mlir::ExecutionEngine::setupTargetTripleAndDataLayout(llvmModule.get(), tm->get());
  if (llvm::Error e = mlir::makeOptimizingTransformer(3, 0, tm->get())(llvmModule.get())) {
    error = llvm::toString(std::move(e));
    return false;
  }
  llvm::SmallVector<char, 0> buffer;
  llvm::raw_svector_ostream os(buffer);
  llvm::legacy::PassManager pm;
  if ((*tm)->addPassesToEmitFile(pm, os, nullptr, llvm::CodeGenFileType::ObjectFile)) {
    error = "the host target cannot emit object files";
    return false;
  }
  pm.run(*llvmModule);
  object.assign(buffer.begin(), buffer.end());
  return true;
}

std::unique_ptr<JitModel> JitModel::load(const std::string &object, mlir::DictionaryAttr manifest, std::string &error) {
  initializeNativeTarget();
  auto model = std::unique_ptr<JitModel>(new JitModel());
  if (!readManifest(manifest, *model)) {
    error = "the module has no complete nn.manifest (run nn-lower-cpu)";
    return nullptr;
  }
  auto builder = llvm::orc::JITTargetMachineBuilder::detectHost();
  if (!builder) {
    error = llvm::toString(builder.takeError());
    return nullptr;
  }
  builder->setCodeGenOptLevel(llvm::CodeGenOptLevel::Aggressive);
  auto jit = llvm::orc::LLJITBuilder().setJITTargetMachineBuilder(std::move(*builder)).create();
  if (!jit) {
    error = llvm::toString(jit.takeError());
    return nullptr;
  }
  llvm::orc::JITDylib &jd = (*jit)->getMainJITDylib();
  auto process = llvm::orc::DynamicLibrarySearchGenerator::GetForCurrentProcess((*jit)->getDataLayout().getGlobalPrefix());
  if (!process) {
    error = llvm::toString(process.takeError());
    return nullptr;
  }
  jd.addGenerator(std::move(*process));
  llvm::orc::MangleAndInterner interner((*jit)->getExecutionSession(), (*jit)->getDataLayout());
  llvm::Error err = jd.define(llvm::orc::absoluteSymbols(runtimeSymbols(interner)));
  if (!err) err = (*jit)->addObjectFile(llvm::MemoryBuffer::getMemBufferCopy(object, "nnc-model.o"));
  if (err) {
    error = llvm::toString(std::move(err));
    return nullptr;
  }
  model->jit_ = std::move(*jit);
  return model;
}

std::unique_ptr<JitModel> JitModel::create(mlir::ModuleOp module, std::string &error) {
  std::string object;
  if (!emitObject(module, object, error)) return nullptr;
  return load(object, manifestOf(module), error);
}

bool JitModel::call(const std::string &name, llvm::ArrayRef<void *> args, std::string &error) {
  auto it = functions_.find(name);
  if (it == functions_.end()) it = functions_.emplace(name, nullptr).first;
  void *&fn = it->second;
  if (!fn) {
    auto address = jit_->lookup("_mlir_ciface_" + name);
    if (!address) {
      error = llvm::toString(address.takeError());
      return false;
    }
    fn = address->toPtr<void *>();
  }
  // Every argument of a c-interface function here is a pointer: the context
  // or a memref descriptor; args holds the address of each.
  using P = void *;
  P a[8] = {};
  if (args.size() > 8) {
    error = "too many arguments for " + name;
    return false;
  }
  for (size_t i = 0; i < args.size(); ++i) a[i] = *static_cast<P *>(args[i]);
  switch (args.size()) {
  case 1: reinterpret_cast<void (*)(P)>(fn)(a[0]); break;
  case 2: reinterpret_cast<void (*)(P, P)>(fn)(a[0], a[1]); break;
  case 3: reinterpret_cast<void (*)(P, P, P)>(fn)(a[0], a[1], a[2]); break;
  case 4: reinterpret_cast<void (*)(P, P, P, P)>(fn)(a[0], a[1], a[2], a[3]); break;
  case 5: reinterpret_cast<void (*)(P, P, P, P, P)>(fn)(a[0], a[1], a[2], a[3], a[4]); break;
  case 6: reinterpret_cast<void (*)(P, P, P, P, P, P)>(fn)(a[0], a[1], a[2], a[3], a[4], a[5]); break;
  case 7: reinterpret_cast<void (*)(P, P, P, P, P, P, P)>(fn)(a[0], a[1], a[2], a[3], a[4], a[5], a[6]); break;
  case 8: reinterpret_cast<void (*)(P, P, P, P, P, P, P, P)>(fn)(a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7]); break;
  default: error = "no arguments for " + name; return false;
  }
  return true;
}

} // namespace nnc
