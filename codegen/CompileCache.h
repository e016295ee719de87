//===- CompileCache.h - Compiled models kept between runs -------*- C++ -*-===//
#pragma once

#include "codegen/Compiler.h"
#include "codegen/Jit.h"

#include <memory>
#include <string>

namespace nnc {

/// Where compiled models are kept: $NNC_CACHE_DIR, else $XDG_CACHE_HOME/nnc,
/// else $HOME/.cache/nnc. Empty when NNC_CACHE_DIR is "off" or no home is known.
std::string defaultCacheDir();

/// Runs the pipeline on an emitted nn module and JIT-links the result. With a
/// cache directory, the object file and manifest are kept under a key of the
/// module's text, the options, the compiler binary and the host CPU, and a
/// later call with the same key skips the pipeline (`cached` says so). The
/// cache is best effort: an unwritable directory or a damaged entry means a
/// fresh compile, never an error. Pipeline errors go to the context's
/// diagnostic handlers; other errors to `error`.
std::unique_ptr<JitModel> compileModel(mlir::ModuleOp module, const PipelineOptions &options,
                                       const std::string &cacheDir, bool &cached, std::string &error);

} // namespace nnc
