//===- Jit.h - Running a lowered module in-process --------------*- C++ -*-===//
#pragma once

#include "mlir/IR/BuiltinOps.h"

#include <memory>
#include <string>
#include <vector>

namespace mlir {
class ExecutionEngine;
}

namespace nnc {

/// One state-arena entry of the manifest nn-lower-cpu leaves on the module.
struct ManifestEntry {
  std::string name, kind, init; // kind: param, running, velocity
  int64_t offset = 0;
  std::vector<int64_t> shape;
  int64_t numel() const;
};

/// A JIT-compiled model: @init, @train_step, @eval_step with the runtime's
/// functions bound.
class JitModel {
public:
  ~JitModel();
  /// Compiles an LLVM-dialect module from runPipeline; returns null and
  /// sets `error` on failure.
  static std::unique_ptr<JitModel> create(mlir::ModuleOp module, std::string &error);

  /// Calls a function with the c-interface arguments (pointers to the
  /// argument values: memref descriptors are passed by pointer).
  bool call(const std::string &name, std::vector<void *> args, std::string &error);

  int64_t stateBytes = 0, workspaceBytes = 0;
  std::vector<ManifestEntry> manifest;

private:
  std::unique_ptr<mlir::ExecutionEngine> engine_;
};

/// A memref descriptor of any rank, laid out as the c interface expects:
/// base, aligned, offset, sizes[rank], strides[rank] (row-major, dense).
class MemRefDescriptor {
public:
  MemRefDescriptor(void *data, const std::vector<int64_t> &shape);
  /// What a c-interface function takes for a memref argument.
  void *get() { return words_.data(); }

private:
  std::vector<int64_t> words_;
};

/// Reads nn.manifest and the arena sizes from a lowered module.
void readManifest(mlir::ModuleOp module, JitModel &model);

} // namespace nnc
