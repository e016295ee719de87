//===- Formatter.h - Canonical printing of nn files (nnc fmt) --------------===//
//
// Prints a parsed module in the one canonical layout: `nn <version>` first,
// one blank line between declarations (consecutive imports stay grouped),
// bodies indented by two spaces, one space around binary operators, the
// fewest parentheses that keep the tree's meaning, and lines of at most 100
// columns where a pipeline, a call or a list can be broken (one stage, argument
// or element per line; joined again where they fit). Comments are never lost:
// own-line comments stay before what follows them, trailing comments stay on
// their line, and comments inside a statement move after it. Blank lines
// between statements are kept (one at most).
//
// The result parses back to the same tree, and formatting it again gives the
// same text. Format only modules that parsed without errors: the parser drops
// what it cannot read, and so would the formatter.
//
//===----------------------------------------------------------------------===//
#pragma once

#include "frontend/AST.h"

#include <string>

namespace nnc {

/// Canonical text of a parsed module. `source` is the file the module was
/// parsed from (for comments and blank lines).
std::string formatModule(const ast::Module &m, const SourceFile &source);

} // namespace nnc
