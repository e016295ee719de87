//===- Frontend.h - Parse, resolve and elaborate an nn file ----------------===//
//
// The front end's entry point: loads a file and its imports (with cycle
// detection), resolves names, then elaborates each network into a Graph with
// every shape inferred. Diagnostics accumulate in one engine; nothing here
// exits or throws.
//
//===----------------------------------------------------------------------===//
#pragma once

#include "frontend/AST.h"
#include "frontend/Graph.h"

#include <map>
#include <memory>
#include <string>
#include <vector>

namespace nnc {

struct FrontendOptions {
  std::string stdlibDir; // where `import std.x` finds std/x.nn
};

struct LoadedModule {
  std::string path; // canonical
  std::unique_ptr<ast::Module> ast;
  std::vector<const LoadedModule *> imports;
  std::vector<SourceRange> importRanges; // the import of each, in this file
};

/// The blocks and networks a module can see: its own and its imports'.
struct ModuleScope {
  std::map<std::string, const ast::BlockDecl *> blocks;
  std::map<std::string, const ast::NetworkDecl *> networks; // own only
};

class Frontend {
public:
  explicit Frontend(FrontendOptions options);

  SourceManager &sources() { return sm_; }
  DiagnosticEngine &diags() { return diags_; }

  /// Loads `path` and its imports, resolves names and elaborates every
  /// network of the file. Check diags().errorCount() for the verdict.
  Program check(const std::string &path);
  /// Loads and parses one file without its imports (for `nnc fmt`).
  const LoadedModule *parseOnly(const std::string &path);

private:
  const LoadedModule *load(const std::string &path, SourceRange importedFrom);
  std::string resolveImport(const ast::ImportDecl &imp, const std::string &fromPath,
                            std::vector<std::string> &tried) const;
  ModuleScope scopeOf(const LoadedModule &m);

  FrontendOptions options_;
  SourceManager sm_;
  DiagnosticEngine diags_;
  std::map<std::string, std::unique_ptr<LoadedModule>> modules_;
  std::vector<std::pair<std::string, SourceRange>> loading_; // the import chain
};

// The two passes of semantic analysis (Resolver.cpp, Elaborator.cpp).
void resolveNames(const ast::Module &m, const ModuleScope &scope, DiagnosticEngine &diags);
Program elaborate(const ast::Module &m, const ModuleScope &scope, DiagnosticEngine &diags);

} // namespace nnc
