//===- Diagnostics.h - Errors, warnings and notes with source ranges -------===//
//
// Every diagnostic has a stable code (Diagnostics.def). The engine collects
// them; printers render them as `file:line:col: error: ...` with the source
// line and an underline, or as JSON for tools such as the language server.
//
//===----------------------------------------------------------------------===//
#pragma once

#include "frontend/Source.h"

#include <iosfwd>
#include <string>
#include <vector>

namespace nnc {

enum class Severity { Error, Warning, Note };

enum class Diag {
#define DIAG(ID, CODE, SEV, SUMMARY) ID,
#include "frontend/Diagnostics.def"
};

const char *diagCode(Diag d);
Severity diagSeverity(Diag d);
const char *diagSummary(Diag d);
/// Every diagnostic kind, in declaration order (for docs and tests).
std::vector<Diag> allDiags();

struct Note {
  SourceRange range; // may be invalid: a note without a location
  std::string message;
};

struct Diagnostic {
  Diag kind;
  SourceRange range;
  std::string message;
  std::vector<Note> notes;
  Severity severity() const { return diagSeverity(kind); }
};

class DiagnosticEngine {
public:
  explicit DiagnosticEngine(const SourceManager &sm) : sm_(sm) {}

  /// Reports a diagnostic; returns it so that callers can attach notes.
  Diagnostic &report(Diag kind, SourceRange range, std::string message);
  /// Notes appended to every diagnostic reported while the context is active
  /// (block instantiation: "in block 'inception' instantiated here").
  void pushContext(Note note) { context_.push_back(std::move(note)); }
  void popContext() { context_.pop_back(); }

  unsigned errorCount() const { return errors_; }
  unsigned warningCount() const { return warnings_; }
  const std::vector<Diagnostic> &diagnostics() const { return diags_; }
  const SourceManager &sources() const { return sm_; }
  /// Stops recording after this many errors (the rest are counted only).
  void setErrorLimit(unsigned n) { errorLimit_ = n; }

private:
  const SourceManager &sm_;
  std::vector<Diagnostic> diags_;
  std::vector<Note> context_;
  unsigned errors_ = 0, warnings_ = 0, errorLimit_ = 50;
  Diagnostic dropped_{Diag::UnexpectedChar, {}, {}, {}};
};

/// `file:line:col: error: message [E0040]`, the source line, an underline,
/// then the notes. Colour only when `color` is set. With `from`, only the
/// diagnostics from that index on (the earlier ones were printed already).
void printDiagnostics(std::ostream &os, const DiagnosticEngine &engine, bool color, size_t from = 0);
/// A JSON array of {file, line, column, endLine, endColumn, severity, code,
/// message, notes: [...]}; lines and columns are 1-based.
void printDiagnosticsJson(std::ostream &os, const DiagnosticEngine &engine);
/// "did you mean 'x'?" for the closest of `candidates`, or "".
std::string suggestName(const std::string &name, const std::vector<std::string> &candidates);

} // namespace nnc
