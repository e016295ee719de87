#include "frontend/Diagnostics.h"

#include <algorithm>
#include <fmt/format.h>
#include <ostream>

namespace nnc {

namespace {
struct DiagInfo {
  const char *code;
  Severity severity;
  const char *summary;
};
const DiagInfo kInfo[] = {
#define DIAG(ID, CODE, SEV, SUMMARY) {CODE, Severity::SEV, SUMMARY},
#include "frontend/Diagnostics.def"
};
} // namespace

const char *diagCode(Diag d) { return kInfo[(int)d].code; }
Severity diagSeverity(Diag d) { return kInfo[(int)d].severity; }
const char *diagSummary(Diag d) { return kInfo[(int)d].summary; }

std::vector<Diag> allDiags() {
  std::vector<Diag> all;
  for (size_t i = 0; i < sizeof(kInfo) / sizeof(kInfo[0]); ++i)
    all.push_back((Diag)i);
  return all;
}

Diagnostic &DiagnosticEngine::report(Diag kind, SourceRange range, std::string message) {
  bool isError = diagSeverity(kind) == Severity::Error;
  if (isError)
    ++errors_;
  else
    ++warnings_;
  if (isError && errors_ > errorLimit_) {
    dropped_ = Diagnostic{kind, range, std::move(message), {}};
    return dropped_;
  }
  diags_.push_back(Diagnostic{kind, range, std::move(message), {}});
  for (auto it = context_.rbegin(); it != context_.rend(); ++it)
    diags_.back().notes.push_back(*it);
  return diags_.back();
}

namespace {

// Columns count code points, so that underlines line up under UTF-8 text.
uint32_t displayColumn(std::string_view line, uint32_t byteCol) {
  uint32_t col = 1;
  for (uint32_t i = 0; i + 1 < byteCol && i < line.size(); ++i)
    if (((unsigned char)line[i] & 0xC0) != 0x80)
      ++col;
  return col;
}

const char *severityName(Severity s) {
  switch (s) {
  case Severity::Error: return "error";
  case Severity::Warning: return "warning";
  case Severity::Note: return "note";
  }
  return "error";
}

struct Style {
  bool on;
  const char *bold() const { return on ? "\033[1m" : ""; }
  const char *reset() const { return on ? "\033[0m" : ""; }
  const char *color(Severity s) const {
    if (!on) return "";
    switch (s) {
    case Severity::Error: return "\033[1;31m";
    case Severity::Warning: return "\033[1;35m";
    case Severity::Note: return "\033[1;36m";
    }
    return "";
  }
  const char *green() const { return on ? "\033[1;32m" : ""; }
};

// Control characters and broken UTF-8 would garble the terminal.
std::string printable(std::string_view line) {
  std::string out;
  for (size_t i = 0; i < line.size(); ++i) {
    unsigned char c = line[i];
    if (c == '\t' || (c >= 0x20 && c < 0x7f)) {
      out += (char)c;
      continue;
    }
    size_t n = c < 0x80 ? 0 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
    bool valid = n > 0 && i + n <= line.size();
    for (size_t k = 1; valid && k < n; ++k) valid = ((unsigned char)line[i + k] & 0xC0) == 0x80;
    if (valid) {
      out.append(line.substr(i, n));
      i += n - 1;
    } else {
      out += '?';
    }
  }
  return out;
}

void printOne(std::ostream &os, const SourceManager &sm, Severity sev, SourceRange r,
              const std::string &message, const char *code, const Style &st) {
  if (!r.valid()) {
    os << st.bold() << "nnc: " << st.color(sev) << severityName(sev) << ": " << st.reset()
       << st.bold() << message << st.reset();
    if (code) os << " [" << code << "]";
    os << "\n";
    return;
  }
  const SourceFile &f = sm.file(r.file);
  LineCol lc = f.lineCol(r.begin);
  std::string_view line = f.lineText(lc.line);
  uint32_t col = displayColumn(line, lc.col);
  os << st.bold() << f.path() << ":" << lc.line << ":" << col << ": " << st.color(sev)
     << severityName(sev) << ": " << st.reset() << st.bold() << message << st.reset();
  if (code) os << " [" << code << "]";
  os << "\n";

  // Very long lines (minified or generated input) are cut around the caret.
  uint32_t start = 0;
  uint32_t caret = std::min<uint32_t>(lc.col - 1, line.size());
  if (line.size() > 160) {
    start = caret > 60 ? caret - 60 : 0;
    while (start > 0 && ((unsigned char)line[start] & 0xC0) == 0x80) --start;
    line = line.substr(start, 160);
    caret -= start;
  }
  std::string gutter = fmt::format("{:>5} | ", lc.line);
  os << gutter << printable(line) << "\n";
  std::string under(gutter.size() - 2, ' ');
  under += "| ";
  for (uint32_t i = 0; i < caret && i < line.size(); ++i) {
    unsigned char c = line[i];
    if ((c & 0xC0) == 0x80) continue;
    under += c == '\t' ? '\t' : ' ';
  }
  uint32_t lineEnd = f.lineCol(r.begin).line == f.lineCol(r.end ? r.end - 1 : 0).line
                         ? r.end - r.begin
                         : 1;
  uint32_t width = 0;
  std::string_view covered = line.substr(std::min<size_t>(caret, line.size()),
                                         std::max<uint32_t>(lineEnd, 1));
  for (unsigned char c : covered)
    if ((c & 0xC0) != 0x80) ++width;
  os << under << st.green() << "^" << std::string(width > 1 ? width - 1 : 0, '~')
     << st.reset() << "\n";
}

std::string jsonEscape(const std::string &s) {
  std::string out;
  for (unsigned char c : s) {
    switch (c) {
    case '"': out += "\\\""; break;
    case '\\': out += "\\\\"; break;
    case '\n': out += "\\n"; break;
    case '\t': out += "\\t"; break;
    default:
      if (c < 0x20) out += fmt::format("\\u{:04x}", c);
      else out += (char)c;
    }
  }
  return out;
}

void jsonLocation(std::ostream &os, const SourceManager &sm, SourceRange r) {
  if (!r.valid()) {
    os << "\"file\": null";
    return;
  }
  const SourceFile &f = sm.file(r.file);
  LineCol b = f.lineCol(r.begin), e = f.lineCol(std::max(r.end, r.begin));
  os << "\"file\": \"" << jsonEscape(f.path()) << "\", \"line\": " << b.line
     << ", \"column\": " << displayColumn(f.lineText(b.line), b.col)
     << ", \"endLine\": " << e.line
     << ", \"endColumn\": " << displayColumn(f.lineText(e.line), e.col);
}

} // namespace

void printDiagnostics(std::ostream &os, const DiagnosticEngine &engine, bool color, size_t from) {
  Style st{color};
  const SourceManager &sm = engine.sources();
  for (size_t k = from; k < engine.diagnostics().size(); ++k) {
    const Diagnostic &d = engine.diagnostics()[k];
    printOne(os, sm, d.severity(), d.range, d.message, diagCode(d.kind), st);
    for (const Note &n : d.notes)
      printOne(os, sm, Severity::Note, n.range, n.message, nullptr, st);
  }
  unsigned shown = 0;
  for (const Diagnostic &d : engine.diagnostics())
    shown += d.severity() == Severity::Error;
  if (engine.errorCount() > shown)
    os << "nnc: note: " << engine.errorCount() - shown << " more errors not shown\n";
}

void printDiagnosticsJson(std::ostream &os, const DiagnosticEngine &engine) {
  const SourceManager &sm = engine.sources();
  os << "[";
  bool first = true;
  for (const Diagnostic &d : engine.diagnostics()) {
    os << (first ? "\n" : ",\n") << "  {";
    first = false;
    jsonLocation(os, sm, d.range);
    os << ", \"severity\": \"" << severityName(d.severity()) << "\", \"code\": \""
       << diagCode(d.kind) << "\", \"message\": \"" << jsonEscape(d.message)
       << "\", \"notes\": [";
    for (size_t i = 0; i < d.notes.size(); ++i) {
      os << (i ? ", " : "") << "{";
      jsonLocation(os, sm, d.notes[i].range);
      os << ", \"message\": \"" << jsonEscape(d.notes[i].message) << "\"}";
    }
    os << "]}";
  }
  os << (first ? "]\n" : "\n]\n");
}

static size_t editDistance(const std::string &a, const std::string &b) {
  std::vector<size_t> prev(b.size() + 1), cur(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) prev[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (size_t j = 1; j <= b.size(); ++j)
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] != b[j - 1])});
    std::swap(prev, cur);
  }
  return prev[b.size()];
}

std::string suggestName(const std::string &name, const std::vector<std::string> &candidates) {
  if (name.size() > 64) return "";
  size_t best = name.size() / 3 + 1;
  std::string bestName;
  for (const std::string &c : candidates) {
    if (c.size() > 64) continue;
    size_t d = editDistance(name, c);
    if (d < best || (d == best && bestName.empty() && d <= 2)) {
      best = d;
      bestName = c;
    }
  }
  return bestName.empty() ? "" : "did you mean '" + bestName + "'?";
}

} // namespace nnc
