//===- CodegenTestUtil.h - Shared helpers of the codegen tests --*- C++ -*-===//
#pragma once

#include "frontend/Frontend.h"
#include "tools/RegisterNNC.h"

#include "mlir/IR/MLIRContext.h"

#include <cstdint>
#include <cstdio>
#include <fstream>
#include <memory>
#include <string>
#include <unistd.h>

namespace nnc::test {

/// splitmix64 (Steele, Lea, Flood 2014): the same data on every machine.
inline uint64_t splitmix(uint64_t &s) {
  uint64_t z = (s += 0x9E3779B97F4A7C15ULL);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

/// Uniform in [-1, 1).
inline double uniform(uint64_t &s) { return (splitmix(s) >> 11) * (1.0 / 9007199254740992.0) * 2 - 1; }

/// Checks .nn source text (through a temporary file); on success makes an
/// MLIR context with nnc's dialects loaded. Returns the error count.
inline unsigned checkSource(const std::string &text, std::unique_ptr<Frontend> &fe, Program &program,
                            std::unique_ptr<mlir::MLIRContext> &ctx) {
  char dir[] = "/tmp/nnc-test-XXXXXX";
  std::string path = std::string(::mkdtemp(dir)) + "/t.nn";
  std::ofstream(path) << text;
  fe = std::make_unique<Frontend>(FrontendOptions{std::string(NNC_SOURCE_DIR) + "/stdlib"});
  program = fe->check(path);
  std::remove(path.c_str());
  ::rmdir(dir);
  if (unsigned errors = fe->diags().errorCount()) return errors;
  mlir::DialectRegistry registry;
  registerDialects(registry);
  ctx = std::make_unique<mlir::MLIRContext>(registry);
  ctx->loadAllAvailableDialects();
  return 0;
}

} // namespace nnc::test
