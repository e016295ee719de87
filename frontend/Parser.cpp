#include "frontend/Parser.h"
#include "frontend/shapes/Types.h"

#include <charconv>
#include <cmath>
#include <cstdlib>
#include <fmt/format.h>

namespace nnc {
using namespace ast;

namespace {

enum class BodyKind { Block, Network, Repeat };

class Parser {
public:
  Parser(const SourceFile &f, DiagnosticEngine &d) : diags_(d) {
    unsigned before = d.errorCount();
    LexResult lr = lex(f, d);
    unreadable_ = lr.tokens.size() == 1 && d.errorCount() > before;
    toks_ = std::move(lr.tokens);
    module_ = std::make_unique<Module>();
    module_->file = f.id();
    module_->comments = std::move(lr.comments);
  }

  std::unique_ptr<Module> run() {
    if (unreadable_) return std::move(module_); // the lexer said why
    skipNewlines();
    if (!parseVersion())
      return std::move(module_);
    while (!at(Tok::Eof)) {
      skipNewlines();
      if (at(Tok::Eof)) break;
      parseTopLevel();
    }
    return std::move(module_);
  }

private:
  // ---- token helpers ----
  const Token &cur() const { return toks_[pos_]; }
  const Token &peekTok(size_t k = 1) const {
    return toks_[std::min(pos_ + k, toks_.size() - 1)];
  }
  bool at(Tok k) const { return cur().kind == k; }
  Token advance() {
    Token t = cur();
    if (pos_ + 1 < toks_.size()) ++pos_;
    return t;
  }
  bool consume(Tok k) {
    if (!at(k)) return false;
    advance();
    return true;
  }
  void skipNewlines() {
    while (at(Tok::Newline)) advance();
  }
  std::string found() const {
    const Token &t = cur();
    if (t.kind == Tok::Ident || t.kind == Tok::Int || t.kind == Tok::Float)
      return fmt::format("'{}'", t.text);
    if (t.kind == Tok::String) return "a string";
    if (t.kind == Tok::Error) return "an invalid token";
    return tokSpelling(t.kind);
  }
  /// Reports "expected X, found Y" unless the current token is already an
  /// error (the lexer reported it).
  void expected(const std::string &what) {
    if (at(Tok::Error)) return;
    diags_.report(Diag::ExpectedToken, cur().range,
                  fmt::format("expected {}, found {}", what, found()));
  }
  bool expect(Tok k, const char *context) {
    if (consume(k)) return true;
    expected(fmt::format("{} {}", tokSpelling(k), context));
    return false;
  }
  SourceRange rangeFrom(SourceRange begin) const {
    const Token &prev = toks_[pos_ > 0 ? pos_ - 1 : 0];
    return {begin.file, begin.begin, std::max(prev.range.end, begin.begin)};
  }

  /// Skips the rest of a line (balanced brackets included), stopping before a
  /// '}' that closes the enclosing body. A token that starts a source line
  /// also ends the skip, so an unclosed '(' does not swallow the statements
  /// after it.
  void syncLine() {
    int depth = 0;
    for (bool first = true; !at(Tok::Eof); first = false) {
      if (at(Tok::Newline) && depth == 0) return;
      if (cur().startsLine && depth == 0 && !first) return;
      if (at(Tok::LBrace)) ++depth;
      if (at(Tok::RBrace)) {
        if (depth == 0) return;
        --depth;
      }
      advance();
    }
  }

  // ---- file structure ----
  bool parseVersion() {
    if (at(Tok::Eof)) {
      diags_.report(Diag::MissingVersion, cur().range,
                    fmt::format("empty file; expected the version line 'nn {}'", kLanguageVersion));
      return false;
    }
    if (!(at(Tok::Ident) && cur().text == "nn")) {
      diags_.report(Diag::MissingVersion, cur().range,
                    fmt::format("missing version line; an nn file starts with 'nn {}'",
                                kLanguageVersion));
      module_->version = kLanguageVersion; // read the rest as the newest version
      return true;
    }
    SourceRange b = advance().range;
    if (!at(Tok::Int)) {
      diags_.report(Diag::MissingVersion, at(Tok::Newline) ? b : cur().range,
                    fmt::format("expected a version number after 'nn', as in 'nn {}'",
                                kLanguageVersion));
      module_->version = kLanguageVersion;
      syncLine();
      return true;
    }
    Token v = advance();
    int64_t version = 0;
    auto res = std::from_chars(v.text.data(), v.text.data() + v.text.size(), version);
    module_->versionRange = rangeFrom(b);
    if (res.ec != std::errc() || version < 1 || version > kLanguageVersion) {
      diags_.report(Diag::UnsupportedVersion, v.range,
                    fmt::format("unsupported language version {}; this nnc reads version{} {}",
                                v.text, kLanguageVersion > 1 ? "s 1 to" : "", kLanguageVersion));
      return false; // the rest may use syntax we do not know
    }
    module_->version = version;
    if (!at(Tok::Newline) && !at(Tok::Eof)) {
      expected("end of line after the version line");
      syncLine();
    }
    return true;
  }

  std::vector<Attribute> parseAttributes() {
    std::vector<Attribute> attrs;
    while (at(Tok::At)) {
      SourceRange b = advance().range;
      if (!at(Tok::Ident)) {
        expected("an attribute name after '@'");
        syncLine();
        continue;
      }
      Token name = advance();
      attrs.push_back({std::string(name.text), rangeFrom(b)});
      skipNewlines();
    }
    return attrs;
  }

  void parseTopLevel() {
    std::vector<Attribute> attrs = parseAttributes();
    switch (cur().kind) {
    case Tok::KwImport: rejectAttributes(attrs, "an import"); parseImport(); return;
    case Tok::KwBlock: parseBlock(std::move(attrs)); return;
    case Tok::KwNetwork: parseNetwork(std::move(attrs)); return;
    case Tok::KwSolver:
      rejectAttributes(attrs, "a solver section");
      parseSection(std::make_unique<SolverDecl>(cur().range));
      return;
    case Tok::KwData:
      rejectAttributes(attrs, "a data section");
      parseSection(std::make_unique<DataDecl>(cur().range));
      return;
    default:
      expected("'import', 'block', 'network', 'solver' or 'data'");
      advance();
      syncLine();
      if (at(Tok::RBrace)) advance();
    }
  }

  void rejectAttributes(const std::vector<Attribute> &attrs, const char *what) {
    for (const Attribute &a : attrs)
      diags_.report(Diag::UnknownAttribute, a.range,
                    fmt::format("attribute '@{}' cannot be attached to {}", a.name, what));
  }

  void endOfItem() {
    if (!at(Tok::Newline) && !at(Tok::Eof) && !at(Tok::RBrace)) {
      expected("end of line");
      syncLine();
    }
  }

  void parseImport() {
    SourceRange b = advance().range;
    auto d = std::make_unique<ImportDecl>(b);
    if (at(Tok::String)) {
      Token t = advance();
      if (hasBadEscape(t.text)) { // reported by the lexer; nothing to look up
        endOfItem();
        return;
      }
      d->isPath = true;
      d->target = unescape(t);
      d->spelling = std::string(t.text);
      d->targetRange = t.range;
    } else if (at(Tok::Ident)) {
      SourceRange tb = cur().range;
      d->target = std::string(advance().text);
      while (at(Tok::Dot)) {
        advance();
        if (!at(Tok::Ident)) {
          expected("a module name after '.'");
          syncLine();
          return;
        }
        d->target += "." + std::string(advance().text);
      }
      d->spelling = d->target;
      d->targetRange = rangeFrom(tb);
    } else {
      expected("a module name such as std.blocks, or a file name in quotes");
      syncLine();
      return;
    }
    d->range = rangeFrom(b);
    endOfItem();
    module_->decls.push_back(std::move(d));
  }

  void parseBlock(std::vector<Attribute> attrs) {
    SourceRange b = attrs.empty() ? cur().range : attrs.front().range;
    advance();
    auto d = std::make_unique<BlockDecl>(b);
    d->attributes = std::move(attrs);
    if (!at(Tok::Ident)) {
      expected("a block name after 'block'");
      skipDecl();
      return;
    }
    Token name = advance();
    d->name = std::string(name.text);
    d->nameRange = name.range;
    if (!expect(Tok::LParen, "after the block name")) {
      skipDecl();
      return;
    }
    if (!at(Tok::RParen)) {
      do {
        if (at(Tok::RParen)) break; // trailing comma
        if (!parseParam(*d)) {
          skipDecl();
          return;
        }
      } while (consume(Tok::Comma));
    }
    if (!expect(Tok::RParen, "to close the parameter list")) {
      skipDecl();
      return;
    }
    if (!parseBody(d->body, BodyKind::Block)) return;
    d->range = rangeFrom(b);
    module_->decls.push_back(std::move(d));
  }

  bool parseParam(BlockDecl &d) {
    if (!at(Tok::Ident)) {
      expected("a parameter name");
      return false;
    }
    Param p;
    Token name = advance();
    p.name = std::string(name.text);
    p.range = name.range;
    if (consume(Tok::Colon)) {
      p.type = parseType(false);
      if (!p.type) return false;
    }
    if (consume(Tok::Equal)) {
      p.defaultValue = parseExpr();
      if (!p.defaultValue) return false;
    }
    d.params.push_back(std::move(p));
    return true;
  }

  std::optional<TypeExpr> parseType(bool tensorOnly) {
    TypeExpr t;
    SourceRange b = cur().range;
    if (!at(Tok::Ident)) {
      expected(tensorOnly ? "a tensor type such as f32[N, 1, 28, 28]" : "a type");
      return std::nullopt;
    }
    std::string name(advance().text);
    static const std::pair<const char *, TypeExpr::Kind> scalars[] = {
        {"int", TypeExpr::Kind::Int},       {"float", TypeExpr::Kind::Float},
        {"bool", TypeExpr::Kind::Bool},     {"string", TypeExpr::Kind::String},
        {"list", TypeExpr::Kind::List},     {"tensor", TypeExpr::Kind::Tensor}};
    if (!at(Tok::LBracket)) {
      for (auto &[n, k] : scalars)
        if (name == n && !tensorOnly) {
          t.kind = k;
          t.range = b;
          return t;
        }
      diags_.report(Diag::ExpectedToken, b,
                    tensorOnly ? fmt::format("expected a tensor type such as f32[N, 1, 28, 28], "
                                             "found '{}'", name)
                               : fmt::format("unknown type '{}'; expected int, float, bool, "
                                             "string, list, tensor or a tensor type such as "
                                             "f32[N, 10]", name));
      return std::nullopt;
    }
    if (!shapes::parseDType(name)) {
      diags_.report(Diag::ExpectedToken, b,
                    fmt::format("unknown element type '{}'; expected f32, f16, bf16, i32, i64 "
                                "or bool", name));
      return std::nullopt;
    }
    t.kind = TypeExpr::Kind::TensorType;
    t.dtype = name;
    advance(); // [
    if (!at(Tok::RBracket)) {
      do {
        if (at(Tok::RBracket)) break;
        DimExpr dim;
        dim.range = cur().range;
        if (at(Tok::Int)) {
          Token tok = advance();
          if (!parseInt(tok, dim.value)) return std::nullopt;
        } else if (at(Tok::Ident)) {
          dim.symbol = std::string(advance().text);
          dim.kind = dim.symbol == "_" ? DimExpr::Kind::Any : DimExpr::Kind::Symbol;
        } else {
          expected("a dimension (a number, a name such as N, or _)");
          return std::nullopt;
        }
        t.dims.push_back(std::move(dim));
      } while (consume(Tok::Comma));
    }
    if (!expect(Tok::RBracket, "to close the tensor shape")) return std::nullopt;
    t.range = rangeFrom(b);
    return t;
  }

  void parseNetwork(std::vector<Attribute> attrs) {
    SourceRange b = attrs.empty() ? cur().range : attrs.front().range;
    advance();
    auto d = std::make_unique<NetworkDecl>(b);
    d->attributes = std::move(attrs);
    if (!at(Tok::Ident)) {
      expected("a network name after 'network'");
      skipDecl();
      return;
    }
    Token name = advance();
    d->name = std::string(name.text);
    d->nameRange = name.range;
    if (!parseBody(d->body, BodyKind::Network)) return;
    d->range = rangeFrom(b);
    module_->decls.push_back(std::move(d));
  }

  void parseSection(std::unique_ptr<SectionDecl> d) {
    SourceRange b = advance().range;
    const char *what = d->kind == Decl::Kind::Solver ? "solver" : "data";
    if (!expect(Tok::LBrace, fmt::format("after '{}'", what).c_str())) {
      skipDecl();
      return;
    }
    while (true) {
      skipNewlines();
      if (at(Tok::RBrace) || at(Tok::Eof)) break;
      if (!at(Tok::Ident) || peekTok().kind != Tok::Equal) {
        expected(fmt::format("a setting 'name = value' in the {} section", what));
        syncLine();
        continue;
      }
      SectionEntry e;
      Token key = advance();
      e.key = std::string(key.text);
      e.keyRange = key.range;
      advance(); // =
      if (valueOnNextLine()) continue;
      e.value = parseExpr();
      if (!e.value) {
        syncLine();
        continue;
      }
      e.range = rangeFrom(key.range);
      d->entries.push_back(std::move(e));
      endOfItem();
    }
    if (!expect(Tok::RBrace, fmt::format("to close the {} section", what).c_str())) return;
    d->range = rangeFrom(b);
    module_->decls.push_back(std::move(d));
  }

  /// Skips a broken declaration: to the end of its body if one follows.
  void skipDecl() {
    int depth = 0;
    while (!at(Tok::Eof)) {
      if (at(Tok::LBrace)) ++depth;
      if (at(Tok::RBrace) && --depth <= 0) {
        advance();
        return;
      }
      if (depth == 0 && at(Tok::Newline) &&
          (peekTok().kind == Tok::KwBlock || peekTok().kind == Tok::KwNetwork ||
           peekTok().kind == Tok::KwImport || peekTok().kind == Tok::At))
        return;
      advance();
    }
  }

  bool parseBody(Body &body, BodyKind kind) {
    SourceRange b = cur().range;
    if (!expect(Tok::LBrace, "to start the body")) {
      skipDecl();
      return false;
    }
    while (true) {
      skipNewlines();
      if (at(Tok::RBrace) || at(Tok::Eof)) break;
      parseStmt(body, kind);
    }
    if (!expect(Tok::RBrace, "to close the body")) return false;
    body.range = rangeFrom(b);
    return true;
  }

  void parseStmt(Body &body, BodyKind kind) {
    reportedDepth_ = false;
    Stmt s;
    s.attributes = parseAttributes();
    SourceRange b = s.attributes.empty() ? cur().range : s.attributes.front().range;
    switch (cur().kind) {
    case Tok::KwInput: {
      Token kw = advance();
      s.kind = Stmt::Kind::Input;
      if (kind != BodyKind::Network)
        diags_.report(Diag::MisplacedStatement, kw.range,
                      "'input' is only allowed in a network; blocks take parameters");
      if (!parseBoundName(s, "an input name")) return;
      if (!expect(Tok::Colon, "and a tensor type after the input name")) return syncLine();
      s.type = parseType(true);
      if (!s.type) return syncLine();
      break;
    }
    case Tok::KwOutput: {
      Token kw = advance();
      s.kind = Stmt::Kind::Output;
      if (kind != BodyKind::Network)
        diags_.report(Diag::MisplacedStatement, kw.range,
                      kind == BodyKind::Block ? "'output' is only allowed in a network; a block "
                                                "returns its result with 'return'"
                                              : "'output' is not allowed in a repeat body");
      if (!parseBoundName(s, "an output name")) return;
      if (consume(Tok::Equal)) {
        if (valueOnNextLine()) return;
        if (!(s.value = parseExpr())) return syncLine();
      }
      break;
    }
    case Tok::KwReturn: {
      Token kw = advance();
      s.kind = Stmt::Kind::Return;
      if (kind == BodyKind::Network)
        diags_.report(Diag::MisplacedStatement, kw.range,
                      "'return' is not allowed in a network; use 'output name = value'");
      if (!(s.value = parseExpr())) return syncLine();
      break;
    }
    case Tok::Ident: {
      if (peekTok().kind != Tok::Equal) {
        // The name is what was read; the error is about the token after it.
        advance();
        expected("'=' after the name, as in 'x = relu(y)'");
        if (at(Tok::Newline) || at(Tok::RBrace) || at(Tok::Eof)) return;
        return syncLine();
      }
      parseBoundName(s, "a name");
      advance(); // =
      if (valueOnNextLine()) return;
      if (!(s.value = parseExpr())) return syncLine();
      break;
    }
    default:
      expected("a statement ('name = value', 'input', 'output' or 'return')");
      advance();
      return syncLine();
    }
    s.range = rangeFrom(b);
    body.stmts.push_back(std::move(s));
    if (!at(Tok::Newline) && !at(Tok::RBrace) && !at(Tok::Eof)) {
      expected("end of line after the statement");
      syncLine();
    }
  }

  /// A line end right after the '=' of a binding, an output or a setting
  /// ends the statement (SPEC 2: '=' does not continue a line). Reports it;
  /// a value alone on the next line is skipped with it, so that it does not
  /// read as a statement of its own.
  bool valueOnNextLine() {
    if (!at(Tok::Newline)) return false;
    diags_.report(Diag::ExpectedExpression, cur().range,
                  "expected an expression after '=', found end of line; the value must start "
                  "on the line of the '='");
    size_t save = pos_;
    advance();
    bool statement = at(Tok::RBrace) || at(Tok::Eof) || at(Tok::At) || at(Tok::KwInput) ||
                     at(Tok::KwOutput) || at(Tok::KwReturn) || at(Tok::KwImport) ||
                     at(Tok::KwBlock) || at(Tok::KwNetwork) || at(Tok::KwSolver) ||
                     at(Tok::KwData) || (at(Tok::Ident) && peekTok().kind == Tok::Equal);
    if (statement) pos_ = save;
    else syncLine();
    return true;
  }

  bool parseBoundName(Stmt &s, const char *what) {
    if (!at(Tok::Ident)) {
      expected(what);
      syncLine();
      return false;
    }
    Token t = advance();
    s.name = std::string(t.text);
    s.nameRange = t.range;
    return true;
  }

  // ---- expressions ----
  ExprPtr parseExpr() { return parsePipe(); }

  /// Gives up on an expression that nests too deep; reported once per statement.
  bool checkDepth(unsigned depth, SourceRange r) {
    if (depth <= kMaxExprDepth) return true;
    if (!reportedDepth_) {
      diags_.report(Diag::NestingTooDeep, r,
                    fmt::format("expression nested more than {} levels deep", kMaxExprDepth));
      reportedDepth_ = true;
    }
    return false;
  }

  ExprPtr makeBinary(char op, SourceRange opRange, ExprPtr lhs, ExprPtr rhs) {
    auto e = std::make_unique<BinaryExpr>(SourceRange::join(lhs->range, rhs->range), op);
    e->opRange = opRange;
    e->depth = std::max(lhs->depth, rhs->depth) + 1;
    e->lhs = std::move(lhs);
    e->rhs = std::move(rhs);
    if (!checkDepth(e->depth, e->range)) return nullptr;
    return e;
  }

  ExprPtr parsePipe() {
    ExprPtr lhs = parseAdditive();
    while (lhs) {
      // A line that starts with '|' continues the pipeline.
      size_t save = pos_;
      skipNewlines();
      if (!at(Tok::Pipe)) {
        pos_ = save;
        break;
      }
      SourceRange op = advance().range;
      skipNewlines();
      ExprPtr rhs = parseAdditive();
      if (!rhs) return nullptr;
      lhs = makeBinary('|', op, std::move(lhs), std::move(rhs));
    }
    return lhs;
  }

  ExprPtr parseAdditive() {
    ExprPtr lhs = parseTerm();
    while (lhs && (at(Tok::Plus) || at(Tok::Minus))) {
      Token op = advance();
      skipNewlines();
      ExprPtr rhs = parseTerm();
      if (!rhs) return nullptr;
      lhs = makeBinary(op.kind == Tok::Plus ? '+' : '-', op.range, std::move(lhs), std::move(rhs));
    }
    return lhs;
  }

  ExprPtr parseTerm() {
    ExprPtr lhs = parseUnary();
    while (lhs && (at(Tok::Star) || at(Tok::Slash))) {
      Token op = advance();
      skipNewlines();
      ExprPtr rhs = parseUnary();
      if (!rhs) return nullptr;
      lhs = makeBinary(op.kind == Tok::Star ? '*' : '/', op.range, std::move(lhs), std::move(rhs));
    }
    return lhs;
  }

  /// Guards the recursion of unary, parenthesized and nested call/list
  /// expressions, which descend before a node exists to measure.
  struct DepthGuard {
    unsigned &d;
    explicit DepthGuard(unsigned &d) : d(d) { ++d; }
    ~DepthGuard() { --d; }
  };

  ExprPtr parseUnary() {
    DepthGuard g(recursion_);
    if (!checkDepth(recursion_, cur().range)) return nullptr;
    if (at(Tok::Minus)) {
      Token op = advance();
      ExprPtr operand = parseUnary();
      if (!operand) return nullptr;
      auto e = std::make_unique<UnaryExpr>(SourceRange::join(op.range, operand->range), '-');
      e->depth = operand->depth + 1;
      e->operand = std::move(operand);
      return e;
    }
    return parsePostfix();
  }

  ExprPtr parsePostfix() {
    ExprPtr e = parsePrimary();
    while (e) {
      if (at(Tok::LParen)) {
        e = parseCall(std::move(e));
      } else if (at(Tok::Dot)) {
        advance();
        if (!at(Tok::Ident)) {
          expected("a name after '.'");
          return nullptr;
        }
        Token m = advance();
        auto me = std::make_unique<MemberExpr>(SourceRange::join(e->range, m.range));
        me->depth = e->depth + 1;
        me->base = std::move(e);
        me->member = std::string(m.text);
        me->memberRange = m.range;
        e = std::move(me);
      } else {
        break;
      }
    }
    return e;
  }

  ExprPtr parseCall(ExprPtr callee) {
    advance(); // (
    auto call = std::make_unique<CallExpr>(callee->range);
    unsigned depth = callee->depth;
    call->callee = std::move(callee);
    bool sawNamed = false;
    while (!at(Tok::RParen)) {
      Arg a;
      if (at(Tok::Ident) && peekTok().kind == Tok::Equal) {
        Token n = advance();
        advance();
        a.name = std::string(n.text);
        a.nameRange = n.range;
        sawNamed = true;
      } else if (sawNamed && !at(Tok::Error)) {
        diags_.report(Diag::PositionalAfterNamed, cur().range,
                      "positional argument after a named argument; positional arguments "
                      "come first");
      }
      a.value = parseExpr();
      if (!a.value) return nullptr;
      depth = std::max(depth, a.value->depth);
      call->args.push_back(std::move(a));
      if (!consume(Tok::Comma)) break;
    }
    if (!expect(Tok::RParen, "to close the argument list")) return nullptr;
    call->range = rangeFrom(call->range);
    call->depth = depth + 1;
    return call;
  }

  ExprPtr parsePrimary() {
    const Token t = cur();
    switch (t.kind) {
    case Tok::Int: {
      advance();
      int64_t v;
      if (!parseInt(t, v)) return nullptr;
      return std::make_unique<IntExpr>(t.range, v, std::string(t.text));
    }
    case Tok::Float: {
      advance();
      std::string s(t.text);
      char *end = nullptr;
      double v = std::strtod(s.c_str(), &end);
      if (!std::isfinite(v)) {
        diags_.report(Diag::InvalidNumber, t.range,
                      fmt::format("number {} is out of range for a 64-bit float", s));
        return nullptr;
      }
      return std::make_unique<FloatExpr>(t.range, v, s);
    }
    case Tok::String:
      advance();
      return std::make_unique<StringExpr>(t.range, unescape(t), std::string(t.text));
    case Tok::KwTrue:
    case Tok::KwFalse:
      advance();
      return std::make_unique<BoolExpr>(t.range, t.kind == Tok::KwTrue);
    case Tok::Ident:
      advance();
      return std::make_unique<NameExpr>(t.range, std::string(t.text));
    case Tok::LParen: {
      advance();
      ExprPtr e = parseExpr();
      if (!e) return nullptr;
      if (!expect(Tok::RParen, "to close the parenthesis")) return nullptr;
      // Parentheses only group; the formatter adds them back where needed.
      // They are remembered for the one place where they matter: the right
      // side of '|' must be a name or a call written as such (SPEC 3).
      e->parenthesized = true;
      return e;
    }
    case Tok::LBracket: {
      advance();
      auto list = std::make_unique<ListExpr>(t.range);
      unsigned depth = 0;
      while (!at(Tok::RBracket)) {
        ExprPtr e = parseExpr();
        if (!e) return nullptr;
        depth = std::max(depth, e->depth);
        list->elements.push_back(std::move(e));
        if (!consume(Tok::Comma)) break;
      }
      if (!expect(Tok::RBracket, "to close the list")) return nullptr;
      list->range = rangeFrom(t.range);
      list->depth = depth + 1;
      return list;
    }
    case Tok::KwRepeat:
      return parseRepeat();
    default:
      if (!at(Tok::Error))
        diags_.report(Diag::ExpectedExpression, t.range,
                      fmt::format("expected an expression, found {}", found()));
      return nullptr;
    }
  }

  ExprPtr parseRepeat() {
    SourceRange b = advance().range;
    auto r = std::make_unique<RepeatExpr>(b);
    r->count = parsePipe();
    if (!r->count) return nullptr;
    if (consume(Tok::KwAs)) {
      if (!at(Tok::Ident)) {
        expected("an index name after 'as'");
        return nullptr;
      }
      Token i = advance();
      r->indexName = std::string(i.text);
      r->indexRange = i.range;
    }
    if (!expect(Tok::KwWith, "after the repeat count, as in 'repeat 3 with h = x { ... }'"))
      return nullptr;
    if (!at(Tok::Ident)) {
      expected("a name after 'with'");
      return nullptr;
    }
    Token acc = advance();
    r->accName = std::string(acc.text);
    r->accRange = acc.range;
    if (!expect(Tok::Equal, "after the repeat variable")) return nullptr;
    r->init = parsePipe();
    if (!r->init) return nullptr;
    if (!parseBody(r->body, BodyKind::Repeat)) return nullptr;
    r->range = rangeFrom(b);
    r->depth = std::max(r->count->depth, r->init->depth) + 1;
    return r;
  }

  bool parseInt(const Token &t, int64_t &v) {
    auto res = std::from_chars(t.text.data(), t.text.data() + t.text.size(), v);
    if (res.ec != std::errc() || res.ptr != t.text.data() + t.text.size()) {
      diags_.report(Diag::InvalidNumber, t.range,
                    fmt::format("integer {} is out of range (at most {})", t.text, INT64_MAX));
      return false;
    }
    return true;
  }

  static bool hasBadEscape(std::string_view text) {
    for (size_t i = 0; i + 1 < text.size(); ++i)
      if (text[i] == '\\') {
        char e = text[++i];
        if (e != '"' && e != '\\' && e != 'n' && e != 't') return true;
      }
    return false;
  }

  static std::string unescape(const Token &t) {
    std::string out;
    std::string_view s = t.text.substr(1, t.text.size() >= 2 ? t.text.size() - 2 : 0);
    for (size_t i = 0; i < s.size(); ++i) {
      if (s[i] == '\\' && i + 1 < s.size()) {
        char e = s[++i];
        out += e == 'n' ? '\n' : e == 't' ? '\t' : e;
      } else {
        out += s[i];
      }
    }
    return out;
  }

  DiagnosticEngine &diags_;
  std::vector<Token> toks_;
  size_t pos_ = 0;
  unsigned recursion_ = 0;
  bool reportedDepth_ = false;
  bool unreadable_ = false;
  std::unique_ptr<Module> module_;
};

} // namespace

std::unique_ptr<ast::Module> parseFile(const SourceFile &file, DiagnosticEngine &diags) {
  return Parser(file, diags).run();
}

} // namespace nnc
