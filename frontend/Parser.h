//===- Parser.h - Recursive-descent parser for nn files --------------------===//
//
// Reports syntax errors and keeps going: a bad statement is skipped up to the
// end of its line, a bad declaration up to its closing brace, so one run shows
// several errors. Expression nesting is bounded so hostile input cannot
// exhaust the stack.
//
//===----------------------------------------------------------------------===//
#pragma once

#include "frontend/AST.h"

namespace nnc {

/// The newest language version this nnc reads and writes.
constexpr int64_t kLanguageVersion = 1;
/// Deepest expression tree the parser accepts.
constexpr unsigned kMaxExprDepth = 200;

std::unique_ptr<ast::Module> parseFile(const SourceFile &file, DiagnosticEngine &diags);

} // namespace nnc
