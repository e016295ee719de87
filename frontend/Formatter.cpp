//===- Formatter.cpp - Canonical printing of nn files (nnc fmt) ------------===//
//
// Two passes. The plan pass walks the tree in source order and gives every
// comment of the file one place: before an item (own line), after an item
// (trailing, or on the lines after it when it came from inside the item), on
// the line of a body's '{', or before a body's '}'. It also records where the
// source had blank lines. The print pass is then a pure function of the tree
// and the plan, so a layout can be tried flat and, if too wide, again broken.
//
// Printing builds lines (indent, text, trailing comment) rather than a string,
// so that widths can be measured and bodies nested inside expressions (repeat)
// can be indented by the line they start on.
//
//===----------------------------------------------------------------------===//
#include "frontend/Formatter.h"
#include "frontend/Parser.h"

#include <algorithm>
#include <functional>
#include <map>
#include <unordered_map>

namespace nnc {
using namespace ast;

namespace {

constexpr size_t kMaxWidth = 100;
constexpr int kIndentStep = 2;

// ---- lines ----

struct Line {
  int indent = 0;
  std::string text;
  std::string comment;    // trailing comment, printed two spaces after the text
  bool nested = false;    // a line of a nested body: not measured for width
  bool isComment = false; // an own-line comment: not measured for width

  Line() = default;
  Line(int in, std::string t) : indent(in), text(std::move(t)) {}
};
using Frag = std::vector<Line>;

void append(Frag &to, Frag &&from) {
  for (Line &l : from) to.push_back(std::move(l));
}

/// Columns of a line's text: UTF-8 code points.
size_t width(const std::string &s) {
  size_t n = 0;
  for (unsigned char c : s)
    if ((c & 0xC0) != 0x80) ++n;
  return n;
}

bool fits(const Frag &f) {
  for (const Line &l : f)
    if (!l.nested && !l.isComment && l.indent + width(l.text) > kMaxWidth) return false;
  return true;
}

bool isSpace(char c) { return c == ' ' || c == '\t' || c == '\r'; }

/// A comment's text without trailing whitespace on any of its lines.
std::string commentText(const Comment *c) {
  std::string out;
  std::string_view t = c->text;
  size_t start = 0;
  while (true) {
    size_t nl = t.find('\n', start);
    std::string_view line = t.substr(start, nl == std::string_view::npos ? nl : nl - start);
    size_t e = line.size();
    while (e > 0 && isSpace(line[e - 1])) --e;
    out += line.substr(0, e);
    if (nl == std::string_view::npos) break;
    out += '\n';
    start = nl + 1;
  }
  return out;
}

bool isMultiLine(const Comment *c) { return c->text.find('\n') != std::string_view::npos; }

// ---- plan ----

/// One printed item of a sequence: an own-line comment, or an item
/// (statement, entry, declaration) with the comments that follow it.
struct Piece {
  const Comment *comment = nullptr; // set for an own-line comment
  size_t item = 0;                  // else the index of the item
  bool blank = false;               // a blank line before this piece
  std::vector<const Comment *> after;
  bool afterTrailing = false; // `after` is one comment on the item's last line
};

/// The comments of a body: those of its header line, then its pieces.
struct Plan {
  std::vector<const Comment *> header;
  bool headerTrailing = false; // one comment, printed after the '{'
  std::vector<Piece> pieces;
};

int precedence(char op) {
  switch (op) {
  case '|': return 1;
  case '+':
  case '-': return 2;
  default: return 3; // * /
  }
}

const BinaryExpr *asPipe(const Expr *e) {
  auto *b = dyn<BinaryExpr>(e);
  return b && b->op == '|' ? b : nullptr;
}

/// A name or call written in parentheses on the right of '|': an error that
/// the parentheses show (SPEC 3), so they are kept.
bool parenthesizedStage(const Expr *e) {
  return e->parenthesized && (e->kind == Expr::Kind::Name || e->kind == Expr::Kind::Call);
}

class Formatter {
public:
  Formatter(const Module &m, const SourceFile &src)
      : m_(m), src_(src), text_(src.text()), consumed_(m.comments.size(), false) {}

  std::string run() {
    planModule();
    return render();
  }

private:
  const Module &m_;
  const SourceFile &src_;
  const std::string &text_;
  std::vector<bool> consumed_;
  std::unordered_map<const void *, Plan> plans_; // by Body* or SectionDecl*
  std::vector<Piece> preVersion_, top_;
  const Comment *versionTrailing_ = nullptr;
  std::map<std::pair<const Body *, int>, Frag> repeatBodies_; // printed at an indent

  // ---- comment bookkeeping ----

  uint32_t line(uint32_t offset) const { return src_.lineCol(offset).line; }

  size_t firstAtOrAfter(uint32_t offset) const {
    auto it = std::lower_bound(m_.comments.begin(), m_.comments.end(), offset,
                               [](const Comment &c, uint32_t o) { return c.range.begin < o; });
    return it - m_.comments.begin();
  }

  /// Unconsumed comments that begin in [b, e), now consumed.
  std::vector<const Comment *> take(uint32_t b, uint32_t e) {
    std::vector<const Comment *> out;
    for (size_t i = firstAtOrAfter(b); i < m_.comments.size() && m_.comments[i].range.begin < e;
         ++i)
      if (!consumed_[i]) {
        consumed_[i] = true;
        out.push_back(&m_.comments[i]);
      }
    return out;
  }

  /// The first unconsumed comment after `end` when it starts on the line
  /// where `end` is and before `limit`; consumed.
  const Comment *takeTrailing(uint32_t end, uint32_t limit) {
    if (end == 0) return nullptr;
    uint32_t l = line(end - 1);
    for (size_t i = firstAtOrAfter(end); i < m_.comments.size(); ++i) {
      if (consumed_[i]) continue;
      const Comment &c = m_.comments[i];
      if (c.range.begin >= limit || line(c.range.begin) != l) return nullptr;
      consumed_[i] = true;
      return &c;
    }
    return nullptr;
  }

  /// Whether the source has a line of only whitespace within [a, b).
  bool gapBlank(uint32_t a, uint32_t b) const {
    b = std::min<uint32_t>(b, text_.size());
    bool afterNewline = false;
    for (uint32_t i = a; i < b; ++i) {
      char c = text_[i];
      if (c == '\n') {
        if (afterNewline) return true;
        afterNewline = true;
      } else if (!isSpace(c)) {
        afterNewline = false;
      }
    }
    return false;
  }

  /// Plans a sequence of items: own-line comments before each, comments
  /// inside and trailing each, and comments after the last one that begin
  /// before `end`. `nested` plans the bodies inside item i first.
  std::vector<Piece> planSequence(const std::vector<SourceRange> &items,
                                  const std::function<void(size_t)> &nested, uint32_t from,
                                  uint32_t end, uint32_t limit, uint32_t prevEnd,
                                  bool printedBefore) {
    std::vector<Piece> pieces;
    auto addComments = [&](std::vector<const Comment *> cs) {
      for (const Comment *c : cs) {
        Piece p;
        p.comment = c;
        p.blank = printedBefore && gapBlank(prevEnd, c->range.begin);
        pieces.push_back(std::move(p));
        prevEnd = c->range.end;
        printedBefore = true;
      }
    };
    for (size_t i = 0; i < items.size(); ++i) {
      SourceRange r = items[i];
      addComments(take(from, r.begin));
      if (nested) nested(i);
      Piece p;
      p.item = i;
      p.blank = printedBefore && gapBlank(prevEnd, r.begin);
      p.after = take(r.begin, r.end);
      const Comment *trailing = takeTrailing(r.end, limit);
      if (trailing) p.after.push_back(trailing);
      p.afterTrailing = p.after.size() == 1 && (trailing || !isMultiLine(p.after[0]));
      prevEnd = std::max(r.end, trailing ? trailing->range.end : 0);
      printedBefore = true;
      pieces.push_back(std::move(p));
      from = std::max(from, r.end); // all before is consumed: do not scan it again
    }
    addComments(take(from, end));
    return pieces;
  }

  /// Plans a body from its '{' at `open` to its '}' ending at `close`.
  /// `header` holds comments of the declaration's header, already taken.
  void planBody(const void *key, uint32_t open, uint32_t close,
                const std::vector<SourceRange> &items, const std::function<void(size_t)> &nested,
                std::vector<const Comment *> header) {
    Plan plan;
    // Comments on the line of the '{', before the first item.
    uint32_t firstItem = items.empty() ? close - 1 : items.front().begin;
    uint32_t openLine = line(open);
    for (size_t i = firstAtOrAfter(open + 1); i < m_.comments.size(); ++i) {
      const Comment &c = m_.comments[i];
      if (c.range.begin >= firstItem || line(c.range.begin) != openLine) break;
      if (consumed_[i]) continue;
      consumed_[i] = true;
      header.push_back(&c);
    }
    plan.header = std::move(header);
    plan.headerTrailing = plan.header.size() == 1 && !isMultiLine(plan.header[0]);
    bool preamble = !plan.header.empty() && !plan.headerTrailing;
    uint32_t prevEnd = preamble ? plan.header.back()->range.end : open + 1;
    plan.pieces = planSequence(items, nested, open + 1, close, close - 1, prevEnd, preamble);
    plans_[key] = std::move(plan);
  }

  void planStmtBody(const Body &body, std::vector<const Comment *> header = {}) {
    std::vector<SourceRange> ranges;
    for (const Stmt &s : body.stmts) ranges.push_back(s.range);
    planBody(&body, body.range.begin, body.range.end, ranges,
             [&](size_t i) { planRepeats(body.stmts[i].value.get()); }, std::move(header));
  }

  /// Plans the bodies of the repeat expressions in `e`.
  void planRepeats(const Expr *e) {
    if (!e) return;
    switch (e->kind) {
    case Expr::Kind::List:
      for (const ExprPtr &x : static_cast<const ListExpr *>(e)->elements) planRepeats(x.get());
      return;
    case Expr::Kind::Call: {
      auto *c = static_cast<const CallExpr *>(e);
      planRepeats(c->callee.get());
      for (const Arg &a : c->args) planRepeats(a.value.get());
      return;
    }
    case Expr::Kind::Member: planRepeats(static_cast<const MemberExpr *>(e)->base.get()); return;
    case Expr::Kind::Unary: planRepeats(static_cast<const UnaryExpr *>(e)->operand.get()); return;
    case Expr::Kind::Binary: {
      auto *b = static_cast<const BinaryExpr *>(e);
      planRepeats(b->lhs.get());
      planRepeats(b->rhs.get());
      return;
    }
    case Expr::Kind::Repeat: {
      auto *r = static_cast<const RepeatExpr *>(e);
      planRepeats(r->count.get());
      planRepeats(r->init.get());
      planStmtBody(r->body);
      return;
    }
    default: return;
    }
  }

  /// Offset of the '{' of a section (the first one outside comments).
  uint32_t sectionBrace(const SectionDecl &d) const {
    uint32_t end = std::min<uint32_t>(d.range.end, text_.size());
    size_t ci = firstAtOrAfter(d.range.begin);
    for (uint32_t i = d.range.begin; i < end; ++i) {
      while (ci < m_.comments.size() && m_.comments[ci].range.end <= i) ++ci;
      if (ci < m_.comments.size() && m_.comments[ci].range.begin <= i) {
        i = m_.comments[ci].range.end - 1;
        continue;
      }
      if (text_[i] == '{') return i;
    }
    return d.range.begin;
  }

  void planDecl(const Decl *d) {
    switch (d->kind) {
    case Decl::Kind::Import: return;
    case Decl::Kind::Block: {
      auto *b = static_cast<const BlockDecl *>(d);
      for (const Param &p : b->params) planRepeats(p.defaultValue.get());
      planStmtBody(b->body, take(d->range.begin, b->body.range.begin));
      return;
    }
    case Decl::Kind::Network: {
      auto *n = static_cast<const NetworkDecl *>(d);
      planStmtBody(n->body, take(d->range.begin, n->body.range.begin));
      return;
    }
    case Decl::Kind::Solver:
    case Decl::Kind::Data: {
      auto *s = static_cast<const SectionDecl *>(d);
      uint32_t brace = sectionBrace(*s);
      auto header = take(d->range.begin, brace);
      std::vector<SourceRange> ranges;
      for (const SectionEntry &e : s->entries) ranges.push_back(e.range);
      planBody(s, brace, d->range.end, ranges,
               [&](size_t i) { planRepeats(s->entries[i].value.get()); }, std::move(header));
      return;
    }
    }
  }

  void planModule() {
    uint32_t prevEnd = 0;
    if (m_.versionRange.valid()) {
      preVersion_ = planSequence({}, nullptr, 0, m_.versionRange.begin, 0, 0, false);
      versionTrailing_ = takeTrailing(m_.versionRange.end, UINT32_MAX);
      prevEnd = std::max(m_.versionRange.end, versionTrailing_ ? versionTrailing_->range.end : 0);
    }
    std::vector<SourceRange> ranges;
    for (const DeclPtr &d : m_.decls) ranges.push_back(d->range);
    top_ = planSequence(ranges, [&](size_t i) { planDecl(m_.decls[i].get()); }, 0, UINT32_MAX,
                        UINT32_MAX, prevEnd, true);
    // Comments moved out of a declaration onto their own lines become the
    // first comments of what follows, as they will be when read back.
    std::vector<Piece> expanded;
    for (Piece &p : top_) {
      std::vector<const Comment *> moved;
      if (!p.afterTrailing) moved.swap(p.after);
      expanded.push_back(std::move(p));
      for (const Comment *c : moved) {
        Piece q;
        q.comment = c;
        expanded.push_back(std::move(q));
      }
    }
    top_ = std::move(expanded);
    // One blank line after the version line and between declarations; a
    // run of imports keeps the source's grouping.
    if (!top_.empty()) top_.front().blank = true;
    const Piece *prevDecl = nullptr;
    for (size_t k = 0; k < top_.size(); ++k) {
      if (top_[k].comment) continue;
      if (prevDecl) {
        size_t groupStart = (prevDecl - top_.data()) + 1;
        bool imports = m_.decls[prevDecl->item]->kind == Decl::Kind::Import &&
                       m_.decls[top_[k].item]->kind == Decl::Kind::Import;
        if (!imports) top_[groupStart].blank = true;
      }
      prevDecl = &top_[k];
    }
  }

  // ---- expressions ----

  static void text(Frag &out, const std::string &s) { out.back().text += s; }

  void emitChild(const Expr *e, Frag &out, int indent, const Expr *breakAt, bool parens,
                 bool probe) {
    if (parens) text(out, "(");
    emitExpr(e, out, indent, breakAt, probe);
    if (parens) text(out, ")");
  }

  static bool needsPostfixParens(const Expr *e) {
    return e->kind == Expr::Kind::Binary || e->kind == Expr::Kind::Unary;
  }

  /// Appends `e` to the last line of `out`, which starts at `indent`. The
  /// call or list `breakAt` gets one argument per line; with `probe` its
  /// arguments are left out (to measure the lines around them).
  void emitExpr(const Expr *e, Frag &out, int indent, const Expr *breakAt,
                bool probe = false) {
    switch (e->kind) {
    case Expr::Kind::Int: text(out, static_cast<const IntExpr *>(e)->spelling); return;
    case Expr::Kind::Float: text(out, static_cast<const FloatExpr *>(e)->spelling); return;
    case Expr::Kind::String: text(out, static_cast<const StringExpr *>(e)->spelling); return;
    case Expr::Kind::Bool:
      text(out, static_cast<const BoolExpr *>(e)->value ? "true" : "false");
      return;
    case Expr::Kind::Name: text(out, static_cast<const NameExpr *>(e)->name); return;
    case Expr::Kind::List: {
      auto *l = static_cast<const ListExpr *>(e);
      text(out, "[");
      if (e == breakAt) {
        // The grammar allows a trailing comma after arguments, not elements.
        if (!probe)
          for (size_t i = 0; i < l->elements.size(); ++i)
            append(out, layout(l->elements[i].get(), indent + kIndentStep, "",
                               i + 1 < l->elements.size() ? "," : ""));
        out.push_back(Line{indent, "]"});
        return;
      }
      for (size_t i = 0; i < l->elements.size(); ++i) {
        if (i) text(out, ", ");
        emitExpr(l->elements[i].get(), out, indent, breakAt, probe);
      }
      text(out, "]");
      return;
    }
    case Expr::Kind::Call: {
      auto *c = static_cast<const CallExpr *>(e);
      emitChild(c->callee.get(), out, indent, breakAt, needsPostfixParens(c->callee.get()),
                probe);
      text(out, "(");
      if (e == breakAt) {
        if (!probe)
          for (const Arg &a : c->args)
            append(out, layout(a.value.get(), indent + kIndentStep,
                               a.name.empty() ? "" : a.name + "=", ","));
        out.push_back(Line{indent, ")"});
        return;
      }
      for (size_t i = 0; i < c->args.size(); ++i) {
        if (i) text(out, ", ");
        if (!c->args[i].name.empty()) text(out, c->args[i].name + "=");
        emitExpr(c->args[i].value.get(), out, indent, breakAt, probe);
      }
      text(out, ")");
      return;
    }
    case Expr::Kind::Member: {
      auto *mem = static_cast<const MemberExpr *>(e);
      emitChild(mem->base.get(), out, indent, breakAt, needsPostfixParens(mem->base.get()),
                probe);
      text(out, "." + mem->member);
      return;
    }
    case Expr::Kind::Unary: {
      auto *u = static_cast<const UnaryExpr *>(e);
      text(out, std::string(1, u->op));
      emitChild(u->operand.get(), out, indent, breakAt,
                u->operand->kind == Expr::Kind::Binary, probe);
      return;
    }
    case Expr::Kind::Binary: {
      auto *b = static_cast<const BinaryExpr *>(e);
      int p = precedence(b->op);
      auto *l = dyn<BinaryExpr>(b->lhs.get());
      auto *r = dyn<BinaryExpr>(b->rhs.get());
      // The parser is left-associative: a right operand of equal precedence
      // was parenthesized.
      emitChild(b->lhs.get(), out, indent, breakAt, l && precedence(l->op) < p, probe);
      text(out, std::string(" ") + b->op + " ");
      emitChild(b->rhs.get(), out, indent, breakAt,
                (r && precedence(r->op) <= p) || (b->op == '|' && parenthesizedStage(b->rhs.get())),
                probe);
      return;
    }
    case Expr::Kind::Repeat: {
      auto *r = static_cast<const RepeatExpr *>(e);
      // The count and the initial value are read without '|'.
      text(out, "repeat ");
      emitChild(r->count.get(), out, indent, breakAt, asPipe(r->count.get()) != nullptr, probe);
      if (!r->indexName.empty()) text(out, " as " + r->indexName);
      text(out, " with " + r->accName + " = ");
      emitChild(r->init.get(), out, indent, breakAt, asPipe(r->init.get()) != nullptr, probe);
      text(out, " {");
      emitStmtBody(r->body, out, indent, true);
      return;
    }
    }
  }

  /// The calls and lists with arguments or elements in `e` that are not
  /// inside another one, left to right (repeats are not searched).
  static void outermostGroups(const Expr *e, std::vector<const Expr *> &out) {
    switch (e->kind) {
    case Expr::Kind::Call:
      if (!static_cast<const CallExpr *>(e)->args.empty()) out.push_back(e);
      return;
    case Expr::Kind::List:
      if (!static_cast<const ListExpr *>(e)->elements.empty()) out.push_back(e);
      return;
    case Expr::Kind::Member:
      outermostGroups(static_cast<const MemberExpr *>(e)->base.get(), out);
      return;
    case Expr::Kind::Unary:
      outermostGroups(static_cast<const UnaryExpr *>(e)->operand.get(), out);
      return;
    case Expr::Kind::Binary: {
      auto *b = static_cast<const BinaryExpr *>(e);
      outermostGroups(b->lhs.get(), out);
      outermostGroups(b->rhs.get(), out);
      return;
    }
    default: return;
    }
  }

  /// Whether the lines of `f` at `indent` (not those of broken arguments,
  /// which are deeper) fit.
  static bool fitsAt(const Frag &f, int indent) {
    for (const Line &l : f)
      if (!l.nested && !l.isComment && l.indent == indent &&
          l.indent + width(l.text) > kMaxWidth)
        return false;
    return true;
  }

  /// `prefix e suffix` starting a line at `indent`: on one line when it fits;
  /// else a pipeline breaks before each '|', or else an outermost call puts
  /// one argument per line (a list, one element per line).
  Frag layout(const Expr *e, int indent, const std::string &prefix, const std::string &suffix) {
    Frag flat{Line{indent, prefix}};
    emitExpr(e, flat, indent, nullptr);
    text(flat, suffix);
    if (fits(flat)) return flat;

    if (asPipe(e)) {
      std::vector<const Expr *> segs;
      const Expr *x = e;
      while (auto *p = asPipe(x)) {
        segs.push_back(p->rhs.get());
        x = p->lhs.get();
      }
      segs.push_back(x);
      std::reverse(segs.begin(), segs.end());
      Frag out = layout(segs[0], indent, prefix, "");
      int cont = indent + kIndentStep;
      for (size_t i = 1; i < segs.size(); ++i) {
        std::string end = i + 1 == segs.size() ? suffix : "";
        if (asPipe(segs[i]) || parenthesizedStage(segs[i])) { // written as a | (b | c)
          Frag f{Line{cont, "| ("}};
          emitExpr(segs[i], f, cont, nullptr);
          text(f, ")" + end);
          append(out, std::move(f));
        } else {
          append(out, layout(segs[i], cont, "| ", end));
        }
      }
      return out;
    }

    // Break the first outermost call (or list) whose breaking leaves the text
    // around its arguments within the width.
    std::vector<const Expr *> groups;
    outermostGroups(e, groups);
    for (const Expr *call : groups) {
      Frag probe{Line{indent, prefix}};
      emitExpr(e, probe, indent, call, true);
      text(probe, suffix);
      if (indent + width(probe.front().text) > kMaxWidth) break; // later heads are longer
      if (!fitsAt(probe, indent)) continue;
      Frag broken{Line{indent, prefix}};
      emitExpr(e, broken, indent, call);
      text(broken, suffix);
      return broken;
    }
    return flat;
  }

  // ---- types ----

  static std::string typeText(const TypeExpr &t) {
    switch (t.kind) {
    case TypeExpr::Kind::Int: return "int";
    case TypeExpr::Kind::Float: return "float";
    case TypeExpr::Kind::Bool: return "bool";
    case TypeExpr::Kind::String: return "string";
    case TypeExpr::Kind::List: return "list";
    case TypeExpr::Kind::Tensor: return "tensor";
    case TypeExpr::Kind::TensorType: break;
    }
    std::string s = t.dtype + "[";
    for (size_t i = 0; i < t.dims.size(); ++i) {
      if (i) s += ", ";
      const DimExpr &d = t.dims[i];
      s += d.kind == DimExpr::Kind::Known ? std::to_string(d.value)
           : d.kind == DimExpr::Kind::Any ? std::string("_")
                                          : d.symbol;
    }
    return s + "]";
  }

  // ---- statements and bodies ----

  static Line commentLine(const Comment *c, int indent) {
    Line l{indent, commentText(c)};
    l.isComment = true;
    return l;
  }

  /// Prints the pieces of `plan` after the line ending in '{' (the last line
  /// of `out`), then the '}' at `indent`.
  void emitBlock(const Plan &plan, Frag &out, int indent,
                 const std::function<Frag(size_t, int)> &item, bool nested) {
    size_t first = out.size();
    int inner = indent + kIndentStep;
    if (plan.headerTrailing)
      out.back().comment = commentText(plan.header.front());
    else
      for (const Comment *c : plan.header) out.push_back(commentLine(c, inner));
    for (const Piece &p : plan.pieces) {
      if (p.blank) out.push_back(Line{});
      if (p.comment) {
        out.push_back(commentLine(p.comment, inner));
        continue;
      }
      Frag f = item(p.item, inner);
      attachAfter(p, f, inner);
      append(out, std::move(f));
    }
    if (nested)
      for (size_t i = first; i < out.size(); ++i) out[i].nested = true;
    out.push_back(Line{indent, "}"});
  }

  static void attachAfter(const Piece &p, Frag &f, int indent) {
    if (p.afterTrailing) {
      f.back().comment = commentText(p.after.front());
      return;
    }
    for (const Comment *c : p.after) f.push_back(commentLine(c, indent));
  }

  void emitStmtBody(const Body &body, Frag &out, int indent, bool nested) {
    auto emit = [&](Frag &to) {
      emitBlock(plans_.at(&body), to, indent,
                [&](size_t i, int in) { return stmtLines(body.stmts[i], in); }, nested);
    };
    if (!nested) return emit(out);
    // A repeat body is printed again each time a layout of its statement is
    // tried; keep it, or nested repeats would cost exponential time.
    auto key = std::make_pair(&body, indent);
    auto it = repeatBodies_.find(key);
    if (it == repeatBodies_.end()) {
      Frag f{Line{indent, "{"}};
      emit(f);
      it = repeatBodies_.emplace(key, std::move(f)).first;
    }
    const Frag &f = it->second;
    out.back().comment = f.front().comment;
    out.insert(out.end(), f.begin() + 1, f.end());
  }

  Frag stmtLines(const Stmt &s, int indent) {
    Frag out;
    for (const Attribute &a : s.attributes) out.push_back(Line{indent, "@" + a.name});
    std::string prefix;
    switch (s.kind) {
    case Stmt::Kind::Binding: prefix = s.name; break;
    case Stmt::Kind::Input:
      out.push_back(Line{indent, "input " + s.name + (s.type ? ": " + typeText(*s.type) : "")});
      return out;
    case Stmt::Kind::Output: prefix = "output " + s.name; break;
    case Stmt::Kind::Return: prefix = "return"; break;
    }
    if (!s.value) {
      out.push_back(Line{indent, prefix});
      return out;
    }
    prefix += s.kind == Stmt::Kind::Return ? " " : " = ";
    append(out, layout(s.value.get(), indent, prefix, ""));
    return out;
  }

  Frag declLines(const Decl *d) {
    Frag out;
    switch (d->kind) {
    case Decl::Kind::Import:
      out.push_back(Line{0, "import " + static_cast<const ImportDecl *>(d)->spelling});
      return out;
    case Decl::Kind::Block: {
      auto *b = static_cast<const BlockDecl *>(d);
      for (const Attribute &a : b->attributes) out.push_back(Line{0, "@" + a.name});
      out.push_back(Line{0, "block " + b->name + "("});
      for (size_t i = 0; i < b->params.size(); ++i) {
        const Param &p = b->params[i];
        if (i) text(out, ", ");
        text(out, p.name);
        if (p.type) text(out, ": " + typeText(*p.type));
        if (p.defaultValue) {
          text(out, " = ");
          emitExpr(p.defaultValue.get(), out, 0, nullptr);
        }
      }
      text(out, ") {");
      emitStmtBody(b->body, out, 0, false);
      return out;
    }
    case Decl::Kind::Network: {
      auto *n = static_cast<const NetworkDecl *>(d);
      for (const Attribute &a : n->attributes) out.push_back(Line{0, "@" + a.name});
      out.push_back(Line{0, "network " + n->name + " {"});
      emitStmtBody(n->body, out, 0, false);
      return out;
    }
    case Decl::Kind::Solver:
    case Decl::Kind::Data: {
      auto *s = static_cast<const SectionDecl *>(d);
      out.push_back(Line{0, d->kind == Decl::Kind::Solver ? "solver {" : "data {"});
      emitBlock(plans_.at(s), out, 0,
                [&](size_t i, int in) {
                  const SectionEntry &e = s->entries[i];
                  return layout(e.value.get(), in, e.key + " = ", "");
                },
                false);
      return out;
    }
    }
    return out;
  }

  // ---- module ----

  std::string render() {
    Frag lines;
    for (const Piece &p : preVersion_) {
      if (p.blank) lines.push_back(Line{});
      lines.push_back(commentLine(p.comment, 0));
    }
    int64_t version = m_.version > 0 ? m_.version : kLanguageVersion;
    lines.push_back(Line{0, "nn " + std::to_string(version)});
    if (versionTrailing_) lines.back().comment = commentText(versionTrailing_);
    for (const Piece &p : top_) {
      if (p.blank) lines.push_back(Line{});
      if (p.comment) {
        lines.push_back(commentLine(p.comment, 0));
        continue;
      }
      Frag f = declLines(m_.decls[p.item].get());
      attachAfter(p, f, 0);
      append(lines, std::move(f));
    }

    std::string out;
    for (const Line &l : lines) {
      if (!l.text.empty() || !l.comment.empty()) out.append(l.indent, ' ');
      out += l.text;
      if (!l.comment.empty()) {
        if (!l.text.empty()) out += "  ";
        out += l.comment;
      }
      out += '\n';
    }
    return out;
  }
};

} // namespace

std::string formatModule(const ast::Module &m, const SourceFile &source) {
  return Formatter(m, source).run();
}

} // namespace nnc
