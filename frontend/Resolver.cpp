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
  std::set<std::string> usedEarly;          // used before their binding (reported once)
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
    checkRecursion(m);
  }

private:
  // ---- declarations ----
  void checkAttributes(const std::vector<Attribute> &attrs) {
    const Attribute *coarse = nullptr, *fine = nullptr;
    for (const Attribute &a : attrs) {
      if (a.name == "coarse" || a.name == "fine") {
        const Attribute *&first = a.name == "coarse" ? coarse : fine;
        if (first) { // one attribute twice is an error too (SPEC 14)
          Diagnostic &d = diags_.report(Diag::ConflictingAttributes, a.range,
                                        fmt::format("'@{}' is given twice; write it once", a.name));
          d.notes.push_back({first->range, "first given here"});
          continue;
        }
        first = &a;
      } else {
        diags_.report(Diag::UnknownAttribute, a.range,
                      fmt::format("unknown attribute '@{}'; version 1 has @coarse and @fine", a.name));
      }
    }
    if (coarse && fine)
      diags_.report(Diag::ConflictingAttributes, fine->range,
                    "'@fine' conflicts with '@coarse'; choose one granularity");
  }

  void resolveBlock(const BlockDecl &b) {
    checkAttributes(b.attributes);
    currentBlock_ = &b;
    Scope scope;
    std::set<std::string> seen;
    for (const Param &p : b.params) {
      if (!seen.insert(p.name).second) {
        diags_.report(Diag::Redefinition, p.range,
                      fmt::format("parameter '{}' is declared twice", p.name));
        continue;
      }
      checkBindable(p.name, p.range);
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
    currentBlock_ = nullptr;
  }

  /// `_` is reserved for "any dimension" and cannot be bound (SPEC 2). The
  /// name is bound all the same, so that its uses are not reported again.
  void checkBindable(const std::string &name, SourceRange range) {
    if (name == "_")
      diags_.report(Diag::Redefinition, range,
                    "'_' cannot be bound: it is reserved for 'any dimension' in block parameter "
                    "types; choose another name");
  }

  void resolveNetwork(const NetworkDecl &n) {
    checkAttributes(n.attributes);
    batch_ = nullptr;
    currentNetwork_ = &n;
    Scope scope;
    resolveBody(n.body, scope, /*needsReturn=*/false, "");
    currentNetwork_ = nullptr;
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

    bool hasReturn = false;
    for (size_t i = 0; i < body.stmts.size(); ++i) {
      const Stmt &s = body.stmts[i];
      hasReturn |= s.kind == Stmt::Kind::Return;
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
        if (s.type && !s.type->dims.empty() && s.type->dims.front().kind == DimExpr::Kind::Symbol) {
          // One batch name for every input (SPEC 8.1).
          const DimExpr &dim = s.type->dims.front();
          if (!batch_) {
            batch_ = &dim;
          } else if (batch_->symbol != dim.symbol) {
            Diagnostic &d = diags_.report(
                Diag::InvalidValue, dim.range,
                fmt::format("input '{}' has the batch dimension '{}', but an earlier input has "
                            "'{}'; every input of a network uses one batch name",
                            s.name, dim.symbol, batch_->symbol));
            d.notes.push_back({batch_->range, fmt::format("batch dimension '{}' here", batch_->symbol)});
          }
        }
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
        // After a misplaced return (E0025) nothing is evaluated: not unused.
        if (hasReturn) scope.names[s.name].used = true;
        break;
      case Stmt::Kind::Return:
        break;
      }
    }
    // A return followed by more statements was reported above (E0025).
    if (needsReturn && !hasReturn) {
      SourceRange at = body.range;
      at.begin = at.end > 0 ? at.end - 1 : 0;
      diags_.report(Diag::MissingReturn, at,
                    fmt::format("{} must end with 'return <value>'", owner));
    }
    reportUnused(scope);
  }

  void bind(Scope &scope, const std::string &name, SourceRange range, Binding::Kind kind) {
    scope.later.erase(name);
    checkBindable(name, range);
    if (auto it = scope.names.find(name); it != scope.names.end()) {
      Diagnostic &d = diags_.report(Diag::Redefinition, range,
                                    fmt::format("'{}' is already bound; every name is bound once", name));
      d.notes.push_back({it->second.range, "first bound here"});
      return;
    }
    if (kind != Binding::Kind::Output) warnIfShadows(name, range, scope.parent);
    // A use before the binding was reported (E0045); the binding is not unused.
    scope.names[name] = {range, kind, scope.usedEarly.count(name) > 0};
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
      // SPEC 8.2: a dimension name "can only be used inside a reshape shape list".
      if (b->kind == Binding::Kind::Symbol && reshapeShape_ == 0) {
        Diagnostic &d = diags_.report(
            Diag::ArgumentType, range,
            fmt::format("'{}' is a dimension name; it can only be used inside the shape list of "
                        "reshape, as in reshape(x, [..., {}, ...])", name, name));
        d.notes.push_back({b->range, "dimension named here"});
      }
      return;
    }
    for (Scope *p = &scope; p; p = p->parent)
      if (auto it = p->later.find(name); it != p->later.end()) {
        Diagnostic &d = diags_.report(Diag::UseBeforeBinding, range,
                                      fmt::format("'{}' is used before it is bound", name));
        d.notes.push_back({it->second, "bound here"});
        p->usedEarly.insert(name);
        return;
      }
    if (auto it = scope_.networks.find(name); it != scope_.networks.end()) {
      Diagnostic &d = diags_.report(Diag::UndefinedName, range,
                                    fmt::format("'{}' is a network, not a value; networks cannot "
                                                "use networks", name));
      d.notes.push_back({it->second->nameRange, "network defined here"});
      return;
    }
    if (findBuiltin(name, {BuiltinKind::Initializer}) && !findBuiltin(name, {BuiltinKind::Op}) &&
        !scope_.blocks.count(name)) {
      diags_.report(Diag::UndefinedName, range,
                    fmt::format("'{}' is an initializer: call it where a parameter takes it, as "
                                "in dense(x, out=10, weight_init={}())", name, name));
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
      // A method, policy or source is known but has to be called (only the
      // data section's transforms may drop their parentheses).
      if (const BuiltinDef *def = findBuiltin(
              n.name, ctx == Ctx::Data ? std::initializer_list<BuiltinKind>{BuiltinKind::DataSource}
                                       : std::initializer_list<BuiltinKind>{BuiltinKind::SolverMethod,
                                                                            BuiltinKind::LrPolicy})) {
        bool needsArgs = false;
        for (const ParamDef &p : def->params) needsArgs |= p.required;
        const char *what = def->kind == BuiltinKind::SolverMethod ? "a solver method"
                           : def->kind == BuiltinKind::LrPolicy   ? "a learning-rate policy"
                                                                  : "a data source";
        diags_.report(Diag::InvalidSectionValue, n.range,
                      fmt::format("'{}' is {} and must be called, as in {}({})", n.name, what,
                                  n.name, needsArgs ? "..." : ""));
        return;
      }
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
      if (b.op == '|' && b.rhs->parenthesized &&
          (b.rhs->kind == Expr::Kind::Name || b.rhs->kind == Expr::Kind::Call))
        diags_.report(Diag::NotCallable, b.rhs->range,
                      "the right side of '|' must be a name or a call written as such, without "
                      "parentheses, as in 'x | relu' or 'x | dense(out=10)'");
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
        checkBindable(r.indexName, r.indexRange);
        warnIfShadows(r.indexName, r.indexRange, &scope);
        inner.names[r.indexName] = {r.indexRange, Binding::Kind::RepeatVar};
        inner.order.push_back(r.indexName);
      }
      if (r.accName == r.indexName) {
        diags_.report(Diag::Redefinition, r.accRange,
                      fmt::format("'{}' is already the repeat index", r.accName));
      } else {
        checkBindable(r.accName, r.accRange);
        warnIfShadows(r.accName, r.accRange, &scope);
        inner.names[r.accName] = {r.accRange, Binding::Kind::RepeatVar};
        inner.order.push_back(r.accName);
      }
      resolveBody(r.body, inner, /*needsReturn=*/true, "a repeat body");
      return;
    }
    }
  }

  void resolveCall(const CallExpr &c, Scope &scope, Ctx ctx, int piped = 0) {
    // The shape list of the reshape op is where dimension names may appear.
    std::string name = c.calleeName();
    bool reshape = ctx == Ctx::Body && name == "reshape" && !lookup(scope, name) &&
                   !scope_.blocks.count(name);
    int positional = piped;
    for (const Arg &a : c.args) {
      bool shape = reshape && (a.name.empty() ? positional == 1 : a.name == "shape");
      if (a.name.empty()) ++positional;
      reshapeShape_ += shape;
      resolveExpr(*a.value, scope, ctx);
      reshapeShape_ -= shape;
    }
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
        if (currentBlock_) calls_[currentBlock_].push_back({it->second, callRange});
        else if (currentNetwork_) networkCalls_[currentNetwork_].push_back({it->second, callRange});
        // A parameter declared twice was reported there; calls see it once.
        std::vector<Sig> sig;
        std::set<std::string> seen;
        for (const Param &p : it->second->params)
          if (seen.insert(p.name).second) sig.push_back({p.name, !p.defaultValue, false});
        checkArgs(args, callRange, piped, name, "block", sig, it->second->nameRange);
        return;
      }
      if (auto it = scope_.networks.find(name); it != scope_.networks.end()) {
        Diagnostic &d = diags_.report(Diag::NotCallable, calleeRange,
                                      fmt::format("'{}' is a network and cannot be called; "
                                                  "networks cannot call networks, only ops and "
                                                  "blocks", name));
        d.notes.push_back({it->second->nameRange, "network defined here"});
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
    auto noteDefined = [&](Diagnostic &d) {
      if (defined.valid()) d.notes.push_back({defined, fmt::format("block '{}' defined here", callee)});
    };
    for (int k = 0; k < piped; ++k) {
      if (!sig.empty() && sig[0].variadic) {
        given[0] = true;
      } else if (positional < sig.size()) {
        given[positional++] = true;
      } else { // `x | xavier`: the piped value is one argument too many
        Diagnostic &d = diags_.report(
            Diag::TooManyArguments, callRange,
            fmt::format("too many arguments: {} '{}' takes {} argument{}, and '|' passes it one{}",
                        what, callee, sig.size(), sig.size() == 1 ? "" : "s",
                        findBuiltin(callee, {BuiltinKind::Initializer})
                            ? "; an initializer is not an op, it is the value of weight_init or "
                              "bias_init"
                            : ""));
        noteDefined(d);
        return;
      }
    }
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
        std::vector<std::string> names; // a variadic parameter has no name to give
        for (const Sig &s : sig)
          if (!s.variadic) names.push_back(s.name);
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

  // ---- recursion ----
  /// A block that calls itself, directly or through other blocks, is an error
  /// whether or not a network instantiates it (SPEC 7). Each cycle is
  /// reported once, at the call that closes it. The calls from the networks
  /// are followed first, so that a cycle a network reaches is reported with
  /// the chain of instances that leads to it, as an error inside an instance
  /// would be.
  void checkRecursion(const Module &m) {
    struct Frame {
      const BlockDecl *block;
      size_t next;   // index of the next call to follow
      SourceRange via; // the call that entered this block
    };
    std::map<const BlockDecl *, int> state; // 1: on the path, 2: done
    std::set<std::pair<const BlockDecl *, const BlockDecl *>> reported;
    auto visit = [&](const BlockDecl *root, SourceRange via, bool fromNetwork) {
      if (state[root]) return;
      state[root] = 1;
      std::vector<Frame> path{{root, 0, via}};
      while (!path.empty()) {
        Frame &f = path.back();
        const auto &calls = calls_[f.block];
        if (f.next == calls.size()) {
          state[f.block] = 2;
          path.pop_back();
          continue;
        }
        auto [callee, at] = calls[f.next++];
        int &st = state[callee];
        if (st == 0) {
          st = 1;
          path.push_back({callee, 0, at});
          continue;
        }
        if (st != 1 || !reported.insert({f.block, callee}).second) continue;
        Diagnostic &diag = diags_.report(
            Diag::RecursiveBlock, at,
            fmt::format("block '{}' calls itself; blocks cannot be recursive", callee->name));
        for (size_t j = path.size(); j-- > 0;) {
          if (!path[j].via.valid()) continue;
          diag.notes.push_back(
              {path[j].via, fromNetwork ? fmt::format("in block '{}' instantiated here", path[j].block->name)
                                        : fmt::format("block '{}' is called here", path[j].block->name)});
        }
        diag.notes.push_back({callee->nameRange, fmt::format("block '{}' defined here", callee->name)});
      }
    };
    for (const DeclPtr &d : m.decls)
      if (const auto *n = dyn<NetworkDecl>(d.get()))
        for (auto &[callee, at] : networkCalls_[n]) visit(callee, at, true);
    for (const DeclPtr &d : m.decls)
      if (const auto *b = dyn<BlockDecl>(d.get())) visit(b, {}, false);
  }

  const ModuleScope &scope_;
  DiagnosticEngine &diags_;
  const BlockDecl *currentBlock_ = nullptr; // the block being resolved
  const NetworkDecl *currentNetwork_ = nullptr; // the network being resolved
  // The block calls of each block body and each network body.
  std::map<const BlockDecl *, std::vector<std::pair<const BlockDecl *, SourceRange>>> calls_;
  std::map<const NetworkDecl *, std::vector<std::pair<const BlockDecl *, SourceRange>>> networkCalls_;
  const DimExpr *batch_ = nullptr; // the batch dimension of the network's first input
  int reshapeShape_ = 0;           // > 0 inside the shape list of a reshape call
};

} // namespace

void resolveNames(const Module &m, const ModuleScope &scope, DiagnosticEngine &diags) {
  Resolver(scope, diags).run(m);
}

} // namespace nnc
