//===- Compiler.h - nnc's pass pipeline, stage by stage --------*- C++ -*-===//
#pragma once

#include "mlir/IR/BuiltinOps.h"

#include <optional>
#include <string>

namespace nnc {

/// How far the pipeline goes: the nn dialect as emitted, after autodiff,
/// after the solver expansion, lowered to calls and loops on arenas, or
/// the LLVM dialect.
enum class Stage { NN, Autodiff, Solver, Lowered, LLVM };
std::optional<Stage> parseStage(const std::string &s);

struct PipelineOptions {
  Stage stage = Stage::LLVM;
  int64_t batch = 64; // the static batch from Lowered on
  bool training = true; // false: only @forward is kept and lowered (eval)
  // conv2d, max_pool and dense without @coarse/@fine (SPEC 14): "auto" or
  // "coarse" (oneDNN calls) or "fine" (generated loops); nn-lower-cpu's `granularity`
  std::string granularity = "auto";
  bool profile = false; // time each op (nn-lower-cpu's `profile`, nnc bench)
  // Channel block of the layout kept between library calls (nn-lower-cpu's
  // `channel-block`): -1 picks the host's (hostChannelBlock), 0 keeps NCHW.
  int64_t channelBlock = -1;
};

/// The channel block oneDNN's fast kernels use on this host: 16 with
/// AVX-512, else 8.
int64_t hostChannelBlock();
/// `options.channelBlock` with -1 resolved to the host's.
int64_t channelBlockOf(const PipelineOptions &options);

/// Runs the pipeline on an emitted module. Errors are reported through the
/// context's diagnostic handlers.
mlir::LogicalResult runPipeline(mlir::ModuleOp module, const PipelineOptions &options);

} // namespace nnc
