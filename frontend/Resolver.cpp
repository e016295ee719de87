//===- Resolver.cpp - Name resolution and static argument checks -----------===//
//
// Runs over every body whether or not it is instantiated, so a library file
// of blocks is checked on its own: unknown and unbound names, names bound
// twice or used before their statement, calls of unknown ops or blocks and
// their arguments (arity, names, duplicates), misplaced returns, unused
// bindings and shadowing. Types and shapes are the elaborator's business.
//
//===----------------------------------------------------------------------===//
#include "frontend/Builtins.h"
#include "frontend/Frontend.h"

#include <fmt/format.h>
#include <algorithm>
#include <set>

namespace nnc {
using namespace ast;

namespace {

enum class Ctx { Body, Solver, Data };

struct Binding {
  SourceRange range;
  enum class Kind { Param, Local, Input, Symbol, RepeatVar, Output } kind;
  bool used = false;
};

struct Scope {
  Scope *parent = nullptr;
  std::map<std::string, Binding> names;
  std::vector<std::string> order;
  std::map<std::string, SourceRange> later; // bound by a later statement of this body
};

const char *kSolverKeys[] = {"method", "lr", "weight_decay", "batch", "epochs", "minimize", "clip_norm", "seed"};
const char *kDataKeys[] = {"train", "test"};

class Resolver {
public:
  Resolver(const ModuleScope &scope, DiagnosticEngine &d) : scope_(scope), diags_(d) {}

  void run(const Module &m) {
    bool sawSolver = false, sawData = false;
    for (const DeclPtr &d : m.decls) {
      if (const auto *b = dyn<BlockDecl>(d.get())) resolveBlock(*b);
      else if (const auto *n = dyn<NetworkDecl>(d.get())) resolveNetwork(*n);
      else if (const auto *s = dyn<SolverDecl>(d.get())) resolveSection(*s, sawSolver, Ctx::Solver);
      else if (const auto *s = dyn<DataDecl>(d.get())) resolveSection(*s, sawData, Ctx::Data);
    }
  }

private:
  // ---- declarations ----
  void checkAttributes(const std::vector<Attribute> &attrs) {
    const Attribute *coarse = nullptr, *fine = nullptr;
    for (const Attribute &a : attrs) {
      if (a.name == "coarse") coarse = &a;
      else if (a.name == "fine") fine = &a;
      else
        diags_.report(Diag::UnknownAttribute, a.range,
                      fmt::format("unknown attribute '@{}'; version 1 has @coarse and @fine", a.name));
    }
    if (coarse && fine)
      diags_.report(Diag::ConflictingAttributes, fine->range,
                    "'@fine' conflicts with '@coarse'; choose one granularity");
  }

  void resolveBlock(const BlockDecl &b) {
    checkAttributes(b.attributes);
    Scope scope;
    std::set<std::string> seen;
    for (const Param &p : b.params) {
      if (!seen.insert(p.name).second) {
        diags_.report(Diag::Redefinition, p.range,
                      fmt::format("parameter '{}' is declared twice", p.name));
        continue;
      }
      // A default sees the parameters declared before it.
      if (p.defaultValue) resolveExpr(*p.defaultValue, scope, Ctx::Body);
      warnIfShadows(p.name, p.range, nullptr);
      scope.names[p.name] = {p.range, Binding::Kind::Param};
      scope.order.push_back(p.name);
      if (p.type && p.type->kind == TypeExpr::Kind::TensorType)
        for (const DimExpr &dim : p.type->dims)
          if (dim.kind == DimExpr::Kind::Symbol && !scope.names.count(dim.symbol)) {
            scope.names[dim.symbol] = {dim.range, Binding::Kind::Symbol};
            scope.order.push_back(dim.symbol);
          }
    }
    resolveBody(b.body, scope, /*needsReturn=*/true, fmt::format("block '{}'", b.name));
  }

  void resolveNetwork(const NetworkDecl &n) {
    checkAttributes(n.attributes);
    Scope scope;
    resolveBody(n.body, scope, /*needsReturn=*/false, "");
    bool hasOutput = false;
    for (const Stmt &s : n.body.stmts) hasOutput |= s.kind == Stmt::Kind::Output;
    if (!hasOutput)
      diags_.report(Diag::NoOutput, n.nameRange,
                    fmt::format("network '{}' has no output; add 'output name = value'", n.name));
  }

  void resolveBody(const Body &body, Scope &scope, bool needsReturn, const std::string &owner) {
    for (const Stmt &s : body.stmts)
      if (!s.name.empty() && s.kind != Stmt::Kind::Return &&
          !(s.kind == Stmt::Kind::Output && !s.value))
        scope.later.emplace(s.name, s.nameRange);

    for (size_t i = 0; i < body.stmts.size(); ++i) {
      const Stmt &s = body.stmts[i];
      checkAttributes(s.attributes);
      if (s.kind == Stmt::Kind::Return && i + 1 != body.stmts.size())
        diags_.report(Diag::MisplacedStatement, body.stmts[i + 1].range,
                      "statement after 'return' is never evaluated; 'return' must be last");
      if (s.value) resolveExpr(*s.value, scope, Ctx::Body);
      switch (s.kind) {
      case Stmt::Kind::Input:
        for (const Attribute &a : s.attributes)
          diags_.report(Diag::UnknownAttribute, a.range,
                        fmt::format("attribute '@{}' cannot be attached to an input", a.name));
        bind(scope, s.name, s.nameRange, Binding::Kind::Input);
        if (s.type)
          for (const DimExpr &dim : s.type->dims) {
            if (dim.kind == DimExpr::Kind::Symbol && &dim != &s.type->dims.front())
              diags_.report(Diag::InvalidValue, dim.range,
                            fmt::format("only the first (batch) dimension of an input may be "
                                        "symbolic in version 1; '{}' is dimension {}",
                                        dim.symbol, &dim - &s.type->dims.front()));
            if (dim.kind == DimExpr::Kind::Any)
              diags_.report(Diag::ExpectedToken, dim.range,
                            "an input's dimensions must be numbers or names such as N, not '_'");
            if (dim.kind == DimExpr::Kind::Symbol && !lookupLocal(scope, dim.symbol)) {
              scope.names[dim.symbol] = {dim.range, Binding::Kind::Symbol};
              scope.order.push_back(dim.symbol);
            }
          }
        break;
      case Stmt::Kind::Output:
        if (s.value) {
          bind(scope, s.name, s.nameRange, Binding::Kind::Output); // outputs may share an op's name
        } else {
          useName(s.name, s.nameRange, scope);
        }
        break;
      case Stmt::Kind::Binding:
        bind(scope, s.name, s.nameRange, Binding::Kind::Local);
        break;
      case Stmt::Kind::Return:
        break;
      }
    }
    if (needsReturn && (body.stmts.empty() || body.stmts.back().kind != Stmt::Kind::Return)) {
      SourceRange at = body.range;
      at.begin = at.end > 0 ? at.end - 1 : 0;
      diags_.report(Diag::MissingReturn, at,
                    fmt::format("{} must end with 'return <value>'", owner));
    }
    reportUnused(scope);
  }

  void bind(Scope &scope, const std::string &name, SourceRange range, Binding::Kind kind) {
    scope.later.erase(name);
    if (auto it = scope.names.find(name); it != scope.names.end()) {
      Diagnostic &d = diags_.report(Diag::Redefinition, range,
                                    fmt::format("'{}' is already bound; every name is bound once", name));
      d.notes.push_back({it->second.range, "first bound here"});
      return;
    }
    if (kind != Binding::Kind::Output) warnIfShadows(name, range, scope.parent);
    scope.names[name] = {range, kind};
    scope.order.push_back(name);
  }

  void warnIfShadows(const std::string &name, SourceRange range, Scope *outer) {
    if (findBuiltin(name, {BuiltinKind::Op})) {
      diags_.report(Diag::Shadowing, range, fmt::format("'{}' hides the op of the same name", name));
    } else if (auto it = scope_.blocks.find(name); it != scope_.blocks.end()) {
      Diagnostic &d = diags_.report(Diag::Shadowing, range,
                                    fmt::format("'{}' hides the block of the same name", name));
      d.notes.push_back({it->second->nameRange, "block defined here"});
    } else if (Binding *b = outer ? lookup(*outer, name) : nullptr) {
      Diagnostic &d = diags_.report(Diag::Shadowing, range,
                                    fmt::format("'{}' hides a name of the enclosing body", name));
      d.notes.push_back({b->range, "outer name bound here"});
    }
  }

  void reportUnused(const Scope &scope) {
    for (const std::string &name : scope.order) {
      const Binding &b = scope.names.at(name);
      if (b.used || name[0] == '_') continue;
      if (b.kind == Binding::Kind::Local || b.kind == Binding::Kind::Input)
        diags_.report(Diag::UnusedBinding, b.range,
                      fmt::format("{} '{}' is never used", b.kind == Binding::Kind::Input ? "input" : "binding", name));
      else if (b.kind == Binding::Kind::RepeatVar)
        diags_.report(Diag::UnusedBinding, b.range,
                      fmt::format("repeat variable '{}' is never used", name));
    }
  }

  static Binding *lookupLocal(Scope &s, const std::string &name) {
    auto it = s.names.find(name);
    return it == s.names.end() ? nullptr : &it->second;
  }
  static Binding *lookup(Scope &s, const std::string &name) {
    for (Scope *p = &s; p; p = p->parent)
      if (Binding *b = lookupLocal(*p, name)) return b;
    return nullptr;
  }

  std::vector<std::string> visibleNames(Scope &s) {
    std::vector<std::string> names;
    for (Scope *p = &s; p; p = p->parent)
      for (auto &[n, b] : p->names) names.push_back(n);
    return names;
  }

  void useName(const std::string &name, SourceRange range, Scope &scope) {
    if (Binding *b = lookup(scope, name)) {
      b->used = true;
      return;
    }
    for (Scope *p = &scope; p; p = p->parent)
      if (auto it = p->later.find(name); it != p->later.end()) {
        Diagnostic &d = diags_.report(Diag::UseBeforeBinding, range,
                                      fmt::format("'{}' is used before it is bound", name));
        d.notes.push_back({it->second, "bound here"});
        return;
      }
    if (findBuiltin(name, {BuiltinKind::Op}) || scope_.blocks.count(name)) {
      diags_.report(Diag::UndefinedName, range,
                    fmt::format("'{}' is {} and must be called, as in {}(x)", name,
                                scope_.blocks.count(name) ? "a block" : "an op", name));
      return;
    }
    std::string hint = suggestName(name, visibleNames(scope));
    diags_.report(Diag::UndefinedName, range,
                  fmt::format("unknown name '{}'{}", name, hint.empty() ? "" : "; " + hint));
  }

  // ---- expressions ----
  void resolveExpr(const Expr &e, Scope &scope, Ctx ctx) {
    switch (e.kind) {
    case Expr::Kind::Int:
    case Expr::Kind::Float:
    case Expr::Kind::String:
    case Expr::Kind::Bool:
      return;
    case Expr::Kind::Name: {
      const auto &n = static_cast<const NameExpr &>(e);
      if (ctx == Ctx::Body) return useName(n.name, n.range, scope);
      if (ctx == Ctx::Data && findBuiltin(n.name, {BuiltinKind::DataTransform})) return;
      std::vector<std::string> c = builtinNames(ctx == Ctx::Data ? BuiltinKind::DataTransform
                                                                 : BuiltinKind::SolverMethod);
      std::string hint = suggestName(n.name, c);
      diags_.report(Diag::UndefinedName, n.range,
                    fmt::format("unknown name '{}' in the {} section{}", n.name,
                                ctx == Ctx::Data ? "data" : "solver", hint.empty() ? "" : "; " + hint));
      return;
    }
    case Expr::Kind::List:
      for (const ExprPtr &x : static_cast<const ListExpr &>(e).elements) resolveExpr(*x, scope, ctx);
      return;
    case Expr::Kind::Call:
      return resolveCall(static_cast<const CallExpr &>(e), scope, ctx);
    case Expr::Kind::Member: {
      const auto &m = static_cast<const MemberExpr &>(e);
      resolveExpr(*m.base, scope, ctx);
      diags_.report(Diag::OperatorType, m.memberRange,
                    "member access with '.' is not part of language version 1");
      return;
    }
    case Expr::Kind::Unary:
      return resolveExpr(*static_cast<const UnaryExpr &>(e).operand, scope, ctx);
    case Expr::Kind::Binary: {
      const auto &b = static_cast<const BinaryExpr &>(e);
      resolveExpr(*b.lhs, scope, ctx);
      if (b.op != '|' || ctx != Ctx::Body) return resolveExpr(*b.rhs, scope, ctx);
      // `x | f(args)` calls f(x, args): the right side is a callee, not a value.
      static const std::vector<Arg> kNoArgs;
      if (const auto *n = dyn<NameExpr>(b.rhs.get()))
        return resolveCallee(n->name, n->range, n->range, kNoArgs, scope, ctx, /*piped=*/1);
      if (const auto *c = dyn<CallExpr>(b.rhs.get())) return resolveCall(*c, scope, ctx, /*piped=*/1);
      diags_.report(Diag::NotCallable, b.rhs->range,
                    "the right side of '|' must be an op or block, as in 'x | relu' or "
                    "'x | dense(out=10)'");
      return;
    }
    case Expr::Kind::Repeat: {
      const auto &r = static_cast<const RepeatExpr &>(e);
      if (ctx != Ctx::Body) {
        diags_.report(Diag::OperatorType, r.range, "'repeat' is only allowed in networks and blocks");
        return;
      }
      resolveExpr(*r.count, scope, ctx);
      resolveExpr(*r.init, scope, ctx);
      Scope inner;
      inner.parent = &scope;
      if (!r.indexName.empty()) {
        warnIfShadows(r.indexName, r.indexRange, &scope);
        inner.names[r.indexName] = {r.indexRange, Binding::Kind::RepeatVar};
      }
      if (r.accName == r.indexName) {
        diags_.report(Diag::Redefinition, r.accRange,
                      fmt::format("'{}' is already the repeat index", r.accName));
      } else {
        warnIfShadows(r.accName, r.accRange, &scope);
        inner.names[r.accName] = {r.accRange, Binding::Kind::RepeatVar};
      }
      resolveBody(r.body, inner, /*needsReturn=*/true, "a repeat body");
      return;
    }
    }
  }

  void resolveCall(const CallExpr &c, Scope &scope, Ctx ctx, int piped = 0) {
    for (const Arg &a : c.args) resolveExpr(*a.value, scope, ctx);
    const auto *callee = dyn<NameExpr>(c.callee.get());
    if (!callee) {
      diags_.report(Diag::NotCallable, c.callee->range, "only ops, blocks and functions can be called");
      return;
    }
    resolveCallee(callee->name, callee->range, c.range, c.args, scope, ctx, piped);
  }

  /// Checks a call of `name` with `args`, after `piped` values from '|'.
  void resolveCallee(const std::string &name, SourceRange calleeRange, SourceRange callRange,
                     const std::vector<Arg> &args, Scope &scope, Ctx ctx, int piped) {
    if (ctx == Ctx::Body) {
      if (Binding *b = lookup(scope, name)) {
        b->used = true;
        Diagnostic &d = diags_.report(Diag::NotCallable, calleeRange,
                                      fmt::format("'{}' is a value, not an op or block", name));
        d.notes.push_back({b->range, "bound here"});
        return;
      }
      if (auto it = scope_.blocks.find(name); it != scope_.blocks.end()) {
        std::vector<Sig> sig;
        for (const Param &p : it->second->params) sig.push_back({p.name, !p.defaultValue, false});
        checkArgs(args, callRange, piped, name, "block", sig, it->second->nameRange);
        return;
      }
    }
    std::initializer_list<BuiltinKind> kinds =
        ctx == Ctx::Body     ? std::initializer_list<BuiltinKind>{BuiltinKind::Op, BuiltinKind::Initializer}
        : ctx == Ctx::Solver ? std::initializer_list<BuiltinKind>{BuiltinKind::SolverMethod, BuiltinKind::LrPolicy}
                             : std::initializer_list<BuiltinKind>{BuiltinKind::DataSource, BuiltinKind::DataTransform};
    if (const BuiltinDef *def = findBuiltin(name, kinds)) {
      std::vector<Sig> sig;
      for (const ParamDef &p : def->params)
        sig.push_back({p.name, p.required, p.kind == ArgKind::Tensors});
      checkArgs(args, callRange, piped, name, def->kind == BuiltinKind::Op ? "op" : "function", sig, {});
      return;
    }
    std::vector<std::string> candidates;
    for (BuiltinKind k : kinds)
      for (std::string &n : builtinNames(k)) candidates.push_back(n);
    if (ctx == Ctx::Body)
      for (auto &[n, b] : scope_.blocks) candidates.push_back(n);
    std::string hint = suggestName(name, candidates);
    const char *what = ctx == Ctx::Body     ? "op or block"
                       : ctx == Ctx::Solver ? "solver method or learning-rate policy"
                                            : "data source or transform";
    diags_.report(Diag::UnknownCallee, calleeRange,
                  fmt::format("unknown {} '{}'{}", what, name, hint.empty() ? "" : "; " + hint));
  }

  struct Sig {
    std::string name;
    bool required;
    bool variadic;
  };

  void checkArgs(const std::vector<Arg> &args, SourceRange callRange, int piped,
                 const std::string &callee, const char *what, const std::vector<Sig> &sig,
                 SourceRange defined) {
    std::vector<bool> given(sig.size(), false);
    size_t positional = 0;
    for (int k = 0; k < piped && !sig.empty(); ++k) {
      if (sig[0].variadic) given[0] = true;
      else if (positional < sig.size()) given[positional++] = true;
    }
    auto noteDefined = [&](Diagnostic &d) {
      if (defined.valid()) d.notes.push_back({defined, fmt::format("block '{}' defined here", callee)});
    };
    for (const Arg &a : args) {
      if (a.name.empty()) {
        if (!sig.empty() && sig[0].variadic) {
          given[0] = true;
          continue;
        }
        if (positional >= sig.size()) {
          Diagnostic &d = diags_.report(
              Diag::TooManyArguments, a.value->range,
              fmt::format("too many arguments: {} '{}' takes {} argument{}", what, callee,
                          sig.size(), sig.size() == 1 ? "" : "s"));
          noteDefined(d);
          return;
        }
        given[positional++] = true;
        continue;
      }
      int idx = -1;
      for (size_t k = 0; k < sig.size(); ++k)
        if (sig[k].name == a.name && !sig[k].variadic) idx = (int)k;
      if (idx < 0) {
        std::vector<std::string> names;
        for (const Sig &s : sig) names.push_back(s.name);
        std::string hint = suggestName(a.name, names);
        Diagnostic &d = diags_.report(
            Diag::UnknownArgument, a.nameRange,
            fmt::format("{} '{}' has no parameter '{}'{}", what, callee, a.name,
                        hint.empty() ? "" : "; " + hint));
        noteDefined(d);
        continue;
      }
      if (given[idx]) {
        diags_.report(Diag::DuplicateArgument, a.nameRange,
                      fmt::format("argument '{}' is given twice", a.name));
        continue;
      }
      given[idx] = true;
    }
    for (size_t k = 0; k < sig.size(); ++k)
      if (sig[k].required && !given[k]) {
        Diagnostic &d = diags_.report(
            Diag::MissingArgument, callRange,
            fmt::format("{} '{}' needs argument '{}'", what, callee, sig[k].name));
        noteDefined(d);
      }
  }

  // ---- sections ----
  void resolveSection(const SectionDecl &s, bool &seen, Ctx ctx) {
    const char *what = ctx == Ctx::Solver ? "solver" : "data";
    if (seen)
      diags_.report(Diag::DuplicateSection, s.range,
                    fmt::format("a file has at most one {} section", what));
    seen = true;
    std::vector<std::string> keys;
    if (ctx == Ctx::Solver) keys.assign(std::begin(kSolverKeys), std::end(kSolverKeys));
    else keys.assign(std::begin(kDataKeys), std::end(kDataKeys));
    std::map<std::string, SourceRange> set;
    for (const SectionEntry &e : s.entries) {
      if (std::find(keys.begin(), keys.end(), e.key) == keys.end()) {
        std::string hint = suggestName(e.key, keys);
        diags_.report(Diag::UnknownSectionKey, e.keyRange,
                      fmt::format("unknown {} setting '{}'{}", what, e.key, hint.empty() ? "" : "; " + hint));
        continue;
      }
      if (auto it = set.find(e.key); it != set.end()) {
        Diagnostic &d = diags_.report(Diag::Redefinition, e.keyRange,
                                      fmt::format("'{}' is set twice", e.key));
        d.notes.push_back({it->second, "first set here"});
        continue;
      }
      set[e.key] = e.keyRange;
      if (e.key == "minimize" && dyn<NameExpr>(e.value.get())) continue; // an output name
      Scope none;
      resolveExpr(*e.value, none, ctx);
    }
  }

  const ModuleScope &scope_;
  DiagnosticEngine &diags_;
};

} // namespace

void resolveNames(const Module &m, const ModuleScope &scope, DiagnosticEngine &diags) {
  Resolver(scope, diags).run(m);
}

} // namespace nnc
