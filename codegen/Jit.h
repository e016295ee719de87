//===- Jit.h - Running a lowered module in-process --------------*- C++ -*-===//
#pragma once

#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/BuiltinOps.h"
#include "llvm/ADT/ArrayRef.h"

#include <map>
#include <memory>
#include <string>
#include <vector>

namespace llvm::orc {
class LLJIT;
}

namespace nnc {

/// One state-arena entry of the manifest nn-lower-cpu leaves on the module.
struct ManifestEntry {
  std::string name, kind, init; // kind: param, running, solver
  int64_t offset = 0;
  std::vector<int64_t> shape;
  int64_t numel() const;
};

/// One profiled op of a model compiled with the pipeline option `profile`
/// (nn.profile_sites; its index is the id nnc_prof_begin/end receive).
struct ProfileSite {
  std::string fn, layer, phase, op; // phase: forward, backward, update
};

/// A JIT-compiled model: @init, @train_step, @eval_step with the runtime's
/// functions bound. The code is one host object file, so that the compile
/// cache can keep it.
class JitModel {
public:
  ~JitModel();
  /// Compiles an LLVM-dialect module from runPipeline; returns null and
  /// sets `error` on failure.
  static std::unique_ptr<JitModel> create(mlir::ModuleOp module, std::string &error);
  /// Links an object from emitObject with the manifest from manifestOf.
  static std::unique_ptr<JitModel> load(const std::string &object, mlir::DictionaryAttr manifest,
                                        std::string &error);

  /// Calls a function with the c-interface arguments (pointers to the
  /// argument values: memref descriptors are passed by pointer).
  bool call(const std::string &name, llvm::ArrayRef<void *> args, std::string &error);

  int64_t stateBytes = 0, workspaceBytes = 0;
  std::vector<ManifestEntry> manifest;
  /// Where @eval_step writes each output in its metrics argument (in floats;
  /// -1: not written), and how many floats that argument needs.
  std::vector<int64_t> evalOutputs;
  int64_t evalMetrics = 0;
  std::vector<ProfileSite> profileSites; // empty unless compiled with `profile`

private:
  JitModel();
  std::unique_ptr<llvm::orc::LLJIT> jit_;
  std::map<std::string, void *> functions_;
};

/// A memref descriptor of any rank, laid out as the c interface expects:
/// base, aligned, offset, sizes[rank], strides[rank] (row-major, dense).
class MemRefDescriptor {
public:
  static constexpr size_t kMaxRank = 8;
  /// Ranks above kMaxRank are cut (nnc's tensors have at most 5 dims); no
  /// heap memory, so that a training step allocates nothing.
  MemRefDescriptor(void *data, llvm::ArrayRef<int64_t> shape);
  /// What a c-interface function takes for a memref argument.
  void *get() { return words_; }

private:
  int64_t words_[3 + 2 * kMaxRank] = {};
};

/// The module attributes a compiled model needs besides its code.
mlir::DictionaryAttr manifestOf(mlir::ModuleOp module);

/// Translates an LLVM-dialect module to LLVM IR, optimizes it at -O3 for the
/// host CPU and emits an object file.
bool emitObject(mlir::ModuleOp module, std::string &object, std::string &error);

/// The host's target triple, CPU name and features: code compiled for one
/// host is only reused on a host with the same id.
std::string hostCpuId();

} // namespace nnc
