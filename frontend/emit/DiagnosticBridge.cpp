#include "frontend/emit/DiagnosticBridge.h"

#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/Location.h"
#include "mlir/IR/MLIRContext.h"

namespace nnc {

static SourceRange rangeOf(mlir::Location loc, const SourceManager &sm) {
  auto fl = mlir::dyn_cast<mlir::FileLineColLoc>(loc);
  if (auto fused = mlir::dyn_cast<mlir::FusedLoc>(loc); fused && !fused.getLocations().empty())
    fl = mlir::dyn_cast<mlir::FileLineColLoc>(fused.getLocations().front());
  if (!fl) return {};
  uint32_t id = sm.find(fl.getFilename().str());
  if (!id) return {};
  const SourceFile &f = sm.file(id);
  // Offset of the line start: the line's text is a view into the file.
  std::string_view line = f.lineText(fl.getLine());
  uint32_t begin = line.data() - f.text().data() + fl.getColumn() - 1;
  return {id, begin, begin + 1};
}

DiagnosticBridge::DiagnosticBridge(mlir::MLIRContext &ctx, DiagnosticEngine &diags) : ctx_(ctx) {
  ctx.printOpOnDiagnostic(false); // IR dumps mean nothing to a .nn author
  id_ = ctx.getDiagEngine().registerHandler([&diags](mlir::Diagnostic &d) {
    if (d.getSeverity() == mlir::DiagnosticSeverity::Note || d.getSeverity() == mlir::DiagnosticSeverity::Remark)
      return mlir::failure();
    bool error = d.getSeverity() == mlir::DiagnosticSeverity::Error;
    SourceRange range = rangeOf(d.getLocation(), diags.sources());
    std::string message = d.str();
    // A pass warning the front end already gave (W0003 at the same place, in
    // the same words) is not repeated.
    if (!error)
      for (const Diagnostic &seen : diags.diagnostics())
        if (seen.severity() == Severity::Warning && seen.range.file == range.file &&
            seen.range.begin == range.begin && seen.message == message)
          return mlir::success();
    Diagnostic &out = diags.report(error ? Diag::CompileError : Diag::CompileWarning, range, message);
    for (mlir::Diagnostic &note : d.getNotes())
      out.notes.push_back({rangeOf(note.getLocation(), diags.sources()), note.str()});
    return mlir::success();
  });
}

DiagnosticBridge::~DiagnosticBridge() { ctx_.getDiagEngine().eraseHandler(id_); }

} // namespace nnc
