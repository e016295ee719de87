//===- Elaborator.cpp - Instantiate networks and infer every shape ---------===//
//
// Evaluates each network's statements at compile time: blocks are inlined
// (recursion refused), repeat is unrolled, arguments are type-checked and
// every op's result type comes from the shared shape rules. Names resolved
// already (Resolver.cpp), so unresolved names here only yield Error values.
// An Error value silences the errors that would follow from it.
//
//===----------------------------------------------------------------------===//
#include "frontend/Builtins.h"
#include "frontend/Frontend.h"

#include <cctype>
#include <cmath>
#include <fmt/format.h>
#include <set>

namespace nnc {
using namespace ast;
using VK = Value::Kind;

namespace {

// Bounds that keep hostile input from hanging the compiler.
constexpr size_t kMaxNodes = 1'000'000;
constexpr size_t kMaxInstantiationDepth = 64;
constexpr int64_t kMaxRepeat = 10'000;

struct Env {
  const Env *parent = nullptr;
  std::map<std::string, Value> vars;
  const Value *find(const std::string &n) const {
    for (const Env *e = this; e; e = e->parent)
      if (auto it = e->vars.find(n); it != e->vars.end()) return &it->second;
    return nullptr;
  }
};

/// How ops created while evaluating one statement are named.
struct Naming {
  std::string bind;               // full name of the bound value
  const Expr *top = nullptr;      // the statement's expression
  int paramOps = 0, blockCalls = 0;
  std::map<std::string, int> counters;
};

/// A call to evaluate: `f(args)`, or `x | f(args)` with x piped in first.
struct CallSite {
  std::string name;
  const std::vector<Arg> *args;
  SourceRange range;
  const Expr *expr; // identifies the statement's top call for naming
  const Value *piped = nullptr;
  SourceRange pipedRange;
};

/// Arguments matched to a builtin's parameters, defaults filled.
struct BoundArgs {
  std::vector<Value> values;
  std::vector<SourceRange> ranges;         // per parameter
  std::vector<SourceRange> variadicRanges; // per tensor of a variadic parameter
};

const std::vector<Arg> kNoArgs;

class Elaborator {
public:
  Elaborator(const ModuleScope &scope, DiagnosticEngine &d) : scope_(scope), diags_(d) {}

  Program run(const Module &m) {
    Program p;
    const SolverDecl *solver = nullptr;
    const DataDecl *data = nullptr;
    for (const DeclPtr &d : m.decls) {
      if (const auto *n = dyn<NetworkDecl>(d.get())) p.networks.push_back(network(*n));
      if (const auto *s = dyn<SolverDecl>(d.get())) solver = s;
      if (const auto *s = dyn<DataDecl>(d.get())) data = s;
    }
    if (solver) p.solver = solverConfig(*solver, p.networks, m);
    if (data) p.data = dataConfig(*data, p.networks);
    return p;
  }

private:
  // ---- networks ----
  Graph network(const NetworkDecl &n) {
    Graph g;
    g.name = n.name;
    g.loc = n.nameRange;
    graph_ = &g;
    names_.clear();
    paramNames_.clear();
    aborted_ = false;
    prefix_.clear();
    gran_ = granularityOf(n.attributes, Granularity::Auto);
    Env env;
    for (const Stmt &s : n.body.stmts) {
      if (aborted_) break;
      size_t first = g.nodes.size();
      BindingRow row;
      row.name = s.name;
      Granularity saved = gran_;
      gran_ = granularityOf(s.attributes, gran_);
      switch (s.kind) {
      case Stmt::Kind::Input: {
        row.kind = "input";
        shapes::TensorType t = tensorType(*s.type);
        int id = addNode("input", s.name, {}, {}, {}, shapes::ShapeResult{t, {}, 0, "", -1}, s.nameRange);
        env.vars[s.name] = Value::ofTensor(id, t);
        g.inputs.push_back({s.name, id});
        for (const DimExpr &d : s.type->dims)
          if (d.kind == DimExpr::Kind::Symbol && !env.vars.count(d.symbol))
            env.vars[d.symbol] = Value::ofSymbol(d.symbol);
        row.type = t.str();
        break;
      }
      case Stmt::Kind::Binding:
      case Stmt::Kind::Output: {
        if (s.kind == Stmt::Kind::Output) row.kind = "output";
        Value v;
        if (s.value) {
          v = bindable(s.name, *s.value, evalStmt(s.name, *s.value, env));
          env.vars[s.name] = v;
        } else if (const Value *found = env.find(s.name)) {
          v = *found;
          for (BindingRow &r : g.rows)
            if (r.name == s.name) r.kind = "output";
          row.name.clear();
        }
        if (s.kind == Stmt::Kind::Output) {
          if (v.kind == VK::Tensor) g.outputs.push_back({s.name, v.node});
          else if (!v.isError())
            diags_.report(Diag::ArgumentType, s.value ? s.value->range : s.nameRange,
                          fmt::format("output '{}' must be a tensor, got {}", s.name, v.describe()));
        }
        row.type = v.kind == VK::Tensor ? v.type.str() : v.isError() ? "?" : v.describe();
        break;
      }
      case Stmt::Kind::Return:
        break;
      }
      gran_ = saved;
      for (size_t k = first; k < g.nodes.size(); ++k) {
        for (const shapes::ParamSpec &ps : g.nodes[k].params)
          if (ps.trainable) row.params += ps.numel();
        row.flops += g.nodes[k].flops;
      }
      if (!row.name.empty()) g.rows.push_back(row);
    }
    graph_ = nullptr;
    return g;
  }

  /// Initializers are not values: they cannot be bound to names (SPEC 4).
  Value bindable(const std::string &name, const Expr &e, Value v) {
    if (v.kind != VK::Call) return v;
    const std::string &text = diags_.sources().file(e.range.file).text();
    std::string written = text.substr(e.range.begin, e.range.end - e.range.begin);
    diags_.report(Diag::ArgumentType, e.range,
                  fmt::format("an initializer cannot be bound to a name ('{}'): initializers "
                              "are not values; write it as the argument that takes it, as in "
                              "weight_init={}", name, written));
    return Value::error();
  }

  static Granularity granularityOf(const std::vector<Attribute> &attrs, Granularity outer) {
    for (const Attribute &a : attrs) {
      if (a.name == "coarse") return Granularity::Coarse;
      if (a.name == "fine") return Granularity::Fine;
    }
    return outer;
  }

  std::string full(const std::string &name) const {
    return prefix_.empty() ? name : prefix_ + "." + name;
  }

  /// Evaluates a statement's expression with naming for the ops it creates.
  Value evalStmt(const std::string &bindName, const Expr &e, const Env &env) {
    Naming n;
    n.bind = bindName;
    n.top = &e;
    countCalls(e, n);
    Naming *saved = naming_;
    naming_ = &n;
    Value v = eval(e, env);
    naming_ = saved;
    return v;
  }

  void countCallee(const std::string &name, Naming &n) const {
    if (scope_.blocks.count(name)) ++n.blockCalls;
    else if (const BuiltinDef *d = findBuiltin(name, {BuiltinKind::Op}); d && d->ownsParams())
      ++n.paramOps;
  }

  void countCalls(const Expr &e, Naming &n) const {
    switch (e.kind) {
    case Expr::Kind::Call: {
      const auto &c = static_cast<const CallExpr &>(e);
      countCallee(c.calleeName(), n);
      for (const Arg &a : c.args) countCalls(*a.value, n);
      return;
    }
    case Expr::Kind::List:
      for (const ExprPtr &x : static_cast<const ListExpr &>(e).elements) countCalls(*x, n);
      return;
    case Expr::Kind::Unary:
      return countCalls(*static_cast<const UnaryExpr &>(e).operand, n);
    case Expr::Kind::Binary: {
      const auto &b = static_cast<const BinaryExpr &>(e);
      countCalls(*b.lhs, n);
      if (const auto *name = dyn<NameExpr>(b.rhs.get()); name && b.op == '|')
        countCallee(name->name, n); // `x | relu` calls relu
      return countCalls(*b.rhs, n);
    }
    case Expr::Kind::Repeat:
      countCalls(*static_cast<const RepeatExpr &>(e).count, n);
      return countCalls(*static_cast<const RepeatExpr &>(e).init, n);
    default:
      return;
    }
  }

  /// The type an input declares.
  static shapes::TensorType tensorType(const TypeExpr &t) {
    shapes::TensorType out;
    out.dtype = *shapes::parseDType(t.dtype);
    for (const DimExpr &d : t.dims) {
      if (d.kind == DimExpr::Kind::Known) out.dims.push_back(shapes::Dim::known(d.value));
      else out.dims.push_back(shapes::Dim::sym(d.symbol));
    }
    return out;
  }

  // ---- nodes ----
  int addNode(const std::string &op, const std::string &name, std::vector<int> operands,
              std::vector<std::string> attrNames, std::vector<Value> attrs,
              const shapes::ShapeResult &r, SourceRange loc) {
    if (graph_->nodes.size() >= kMaxNodes) {
      if (!aborted_)
        diags_.report(Diag::NetworkTooLarge, loc,
                      fmt::format("network '{}' expands to more than {} ops", graph_->name, kMaxNodes));
      aborted_ = true;
      return -1;
    }
    Node n;
    n.op = op;
    n.name = unique(name);
    n.operands = std::move(operands);
    n.attrNames = std::move(attrNames);
    n.attrs = std::move(attrs);
    n.type = *r.type;
    n.params = r.params;
    n.flops = r.flopsPerExample;
    n.loc = loc;
    n.instance = prefix_;
    n.granularity = gran_;
    graph_->nodes.push_back(std::move(n));
    return (int)graph_->nodes.size() - 1;
  }

  std::string unique(const std::string &name) {
    if (names_.insert(name).second) return name;
    for (int k = 1;; ++k) {
      std::string n = fmt::format("{}#{}", name, k);
      if (names_.insert(n).second) return n;
    }
  }

  // ---- expressions ----
  Value eval(const Expr &e, const Env &env) {
    if (aborted_) return Value::error();
    switch (e.kind) {
    case Expr::Kind::Int: return Value::ofInt(static_cast<const IntExpr &>(e).value);
    case Expr::Kind::Float: return Value::ofFloat(static_cast<const FloatExpr &>(e).value);
    case Expr::Kind::String: return Value::ofString(static_cast<const StringExpr &>(e).value);
    case Expr::Kind::Bool: return Value::ofBool(static_cast<const BoolExpr &>(e).value);
    case Expr::Kind::Name: {
      const Value *v = env.find(static_cast<const NameExpr &>(e).name);
      return v ? *v : Value::error();
    }
    case Expr::Kind::List: {
      std::vector<Value> xs;
      for (const ExprPtr &x : static_cast<const ListExpr &>(e).elements) {
        xs.push_back(eval(*x, env));
        if (xs.back().isError()) return Value::error();
      }
      return Value::ofList(std::move(xs));
    }
    case Expr::Kind::Call: return call(static_cast<const CallExpr &>(e), env);
    case Expr::Kind::Member: return Value::error(); // reported by the resolver
    case Expr::Kind::Unary: return negate(static_cast<const UnaryExpr &>(e), env);
    case Expr::Kind::Binary: return binary(static_cast<const BinaryExpr &>(e), env);
    case Expr::Kind::Repeat: return repeat(static_cast<const RepeatExpr &>(e), env);
    }
    return Value::error();
  }

  Value negate(const UnaryExpr &u, const Env &env) {
    Value v = eval(*u.operand, env);
    if (v.kind == VK::Int) {
      if (v.i == INT64_MIN) return overflow(u.range);
      return Value::ofInt(-v.i);
    }
    if (v.kind == VK::Float) return Value::ofFloat(-v.f);
    if (v.kind == VK::Tensor) return scaleOp(v, -1.0, u.range, u.range);
    if (!v.isError())
      diags_.report(Diag::OperatorType, u.range, fmt::format("cannot negate {}", v.describe()));
    return Value::error();
  }

  Value overflow(SourceRange r) {
    diags_.report(Diag::InvalidValue, r, "integer overflow in a compile-time expression");
    return Value::error();
  }

  Value binary(const BinaryExpr &b, const Env &env) {
    Value l = eval(*b.lhs, env);
    if (b.op == '|') {
      if (l.isError()) return Value::error();
      CallSite site{"", &kNoArgs, b.rhs->range, &b, &l, b.lhs->range};
      if (const auto *n = dyn<NameExpr>(b.rhs.get())) site.name = n->name;
      else if (const auto *c = dyn<CallExpr>(b.rhs.get())) {
        site.name = c->calleeName();
        site.args = &c->args;
      }
      return call(site, env);
    }
    Value r = eval(*b.rhs, env);
    if (l.isError() || r.isError()) return Value::error();
    char op = b.op;
    if (l.isNumber() && r.isNumber()) return arith(op, l, r, b);
    if (l.kind == VK::Tensor && r.kind == VK::Tensor) {
      const char *name = op == '+' ? "add" : op == '-' ? "sub" : op == '*' ? "mul" : "div";
      return applyOp(*findBuiltin(name, {BuiltinKind::Op}), {{l, r}, {b.lhs->range, b.rhs->range}, {}},
                     b.range, &b);
    }
    if (l.kind == VK::Tensor && r.isNumber() && (op == '*' || op == '/')) {
      if (op == '/' && r.number() == 0) {
        diags_.report(Diag::DivisionByZero, b.rhs->range, "division of a tensor by zero");
        return Value::error();
      }
      return scaleOp(l, op == '*' ? r.number() : 1.0 / r.number(), b.range, b.lhs->range, &b);
    }
    if (l.isNumber() && r.kind == VK::Tensor && op == '*')
      return scaleOp(r, l.number(), b.range, b.rhs->range, &b);
    std::string hint;
    if ((l.kind == VK::Tensor) != (r.kind == VK::Tensor) && (l.isNumber() || r.isNumber()))
      hint = "; a tensor can be multiplied or divided by a number (scale), and combined with "
             "another tensor by + - * /";
    diags_.report(Diag::OperatorType, b.opRange,
                  fmt::format("operator '{}' cannot combine {} and {}{}", op, l.describe(),
                              r.describe(), hint));
    return Value::error();
  }

  Value arith(char op, const Value &l, const Value &r, const BinaryExpr &b) {
    if (l.kind == VK::Int && r.kind == VK::Int) {
      int64_t out;
      switch (op) {
      case '+': if (__builtin_add_overflow(l.i, r.i, &out)) return overflow(b.range); return Value::ofInt(out);
      case '-': if (__builtin_sub_overflow(l.i, r.i, &out)) return overflow(b.range); return Value::ofInt(out);
      case '*': if (__builtin_mul_overflow(l.i, r.i, &out)) return overflow(b.range); return Value::ofInt(out);
      case '/':
        if (r.i == 0) break;
        // Exact division of ints stays an int (64 / 2 is 32); otherwise a float.
        if (!(l.i == INT64_MIN && r.i == -1) && l.i % r.i == 0) return Value::ofInt(l.i / r.i);
        return Value::ofFloat((double)l.i / (double)r.i);
      }
    }
    double x = l.number(), y = r.number();
    if (op == '/' && y == 0) {
      diags_.report(Diag::DivisionByZero, b.rhs->range, "division by zero");
      return Value::error();
    }
    double out = op == '+' ? x + y : op == '-' ? x - y : op == '*' ? x * y : x / y;
    if (!std::isfinite(out)) {
      diags_.report(Diag::InvalidValue, b.range, "the result of this expression is not a finite number");
      return Value::error();
    }
    return Value::ofFloat(out);
  }

  Value scaleOp(const Value &x, double factor, SourceRange range, SourceRange xRange,
                const Expr *expr = nullptr) {
    return applyOp(*findBuiltin("scale", {BuiltinKind::Op}),
                   {{x, Value::ofFloat(factor)}, {xRange, range}, {}}, range, expr);
  }

  Value repeat(const RepeatExpr &r, const Env &env) {
    Value count = eval(*r.count, env);
    Value acc = eval(*r.init, env);
    if (count.isError() || acc.isError()) return Value::error();
    if (count.kind != VK::Int || count.i < 1 || count.i > kMaxRepeat) {
      diags_.report(Diag::InvalidValue, r.count->range,
                    fmt::format("repeat count must be an int from 1 to {}, got {}", kMaxRepeat,
                                count.describe()));
      return Value::error();
    }
    std::string base = naming_ ? (naming_->top == &r ? naming_->bind
                                                     : fmt::format("{}.repeat{}", naming_->bind,
                                                                   naming_->counters["repeat"]++))
                               : "repeat";
    std::string savedPrefix = prefix_;
    for (int64_t i = 0; i < count.i && !aborted_; ++i) {
      Env inner;
      inner.parent = &env;
      if (!r.indexName.empty()) inner.vars[r.indexName] = Value::ofInt(i);
      inner.vars[r.accName] = acc;
      prefix_ = fmt::format("{}.{}", base, i);
      acc = body(r.body, inner);
      if (acc.isError()) break;
    }
    prefix_ = savedPrefix;
    return acc;
  }

  /// Evaluates a block or repeat body; returns the value of its `return`.
  Value body(const Body &b, Env &env) {
    for (const Stmt &s : b.stmts) {
      if (aborted_) return Value::error();
      Granularity saved = gran_;
      gran_ = granularityOf(s.attributes, gran_);
      if (s.kind == Stmt::Kind::Return) {
        // The returned value is named after the instance itself.
        Value v = evalStmt(prefix_, *s.value, env);
        gran_ = saved;
        return v;
      }
      if (s.value) env.vars[s.name] = bindable(s.name, *s.value, evalStmt(full(s.name), *s.value, env));
      gran_ = saved;
    }
    return Value::error();
  }

  // ---- calls ----
  Value call(const CallExpr &c, const Env &env) {
    return call(CallSite{c.calleeName(), &c.args, c.range, &c, nullptr, {}}, env);
  }

  Value call(const CallSite &site, const Env &env) {
    if (auto it = scope_.blocks.find(site.name); it != scope_.blocks.end())
      return instantiate(*it->second, site, env);
    if (const BuiltinDef *def = findBuiltin(site.name, {BuiltinKind::Op, BuiltinKind::Initializer})) {
      BoundArgs args;
      if (!bindArgs(*def, site, env, args)) return Value::error();
      if (def->kind == BuiltinKind::Initializer) return callValue(*def, args.values);
      return applyOp(*def, args, site.range, site.expr);
    }
    return Value::error();
  }

  /// Matches arguments to a builtin's parameters, fills defaults and checks
  /// kinds. Arity errors were reported by the resolver.
  bool bindArgs(const BuiltinDef &def, const CallSite &site, const Env &env, BoundArgs &out) {
    size_t n = def.params.size();
    out.values.assign(n, Value::none());
    out.ranges.assign(n, site.range);
    std::vector<bool> given(n, false);
    bool variadic = n > 0 && def.params[0].kind == ArgKind::Tensors;
    if (variadic) out.values[0] = Value::ofList({});
    size_t positional = 0;
    bool ok = true;
    auto place = [&](int idx, Value v, SourceRange r) {
      if (variadic && idx == 0) {
        out.values[0].elems.push_back(std::move(v));
        out.variadicRanges.push_back(r);
        given[0] = true;
        return true;
      }
      if (idx < 0 || idx >= (int)n || given[idx]) return false;
      out.values[idx] = std::move(v);
      out.ranges[idx] = r;
      given[idx] = true;
      return true;
    };
    if (site.piped && !place(variadic ? 0 : (int)positional++, *site.piped, site.pipedRange))
      return false;
    for (const Arg &a : *site.args) {
      Value v = eval(*a.value, env);
      ok &= !v.isError();
      int idx = a.name.empty() ? (variadic ? 0 : (int)positional++) : def.paramIndex(a.name);
      if (!place(idx, std::move(v), a.value->range)) return false;
    }
    if (!ok) return false;
    for (size_t k = 0; k < n; ++k) {
      const ParamDef &p = def.params[k];
      if (!given[k]) {
        if (p.required) return false;
        out.values[k] = p.defaultValue;
        if (out.values[k].kind != VK::None) coerceArg(p.kind, out.values[k]); // 1 -> [1, 1]
        continue;
      }
      std::string err = coerceArg(p.kind, out.values[k]);
      if (!err.empty()) {
        diags_.report(Diag::ArgumentType, out.ranges[k],
                      fmt::format("argument '{}' of {} {}", p.name, def.name, err));
        ok = false;
      }
    }
    return ok;
  }

  static Value callValue(const BuiltinDef &def, const std::vector<Value> &args) {
    Value v;
    v.kind = VK::Call;
    v.str = def.name;
    for (size_t k = 0; k < args.size(); ++k) {
      if (args[k].kind == VK::None) continue;
      v.argNames.push_back(def.params[k].name);
      v.elems.push_back(args[k]);
    }
    return v;
  }

  /// The parameter an attribute error of a shape rule is about: the rules
  /// word them "<op> <parameter> ...". -1 when the message names none (a
  /// shape error such as "output channels (6) are not divisible by groups").
  static int attributeOf(const BuiltinDef &def, const std::string &error) {
    std::string prefix = std::string(def.name) + " ";
    if (error.compare(0, prefix.size(), prefix) != 0) return -1;
    size_t b = prefix.size(), e = b;
    while (e < error.size() && (std::isalnum((unsigned char)error[e]) || error[e] == '_')) ++e;
    std::string word = error.substr(b, e - b);
    if (std::string(def.name) == "reshape" && (word == "dims" || word == "allows")) word = "shape";
    // A perm that is not a permutation of the operand's axes stays a shape
    // error (E0060-shape-error.nn).
    if (std::string(def.name) == "transpose") return -1;
    int idx = def.paramIndex(word);
    if (idx < 0 || def.params[idx].kind == ArgKind::Tensor || def.params[idx].kind == ArgKind::Tensors)
      return -1;
    return idx;
  }

  Value applyOp(const BuiltinDef &def, const BoundArgs &bound, SourceRange range, const Expr *expr) {
    const std::vector<Value> &args = bound.values;
    shapes::ShapeResult r = def.shape(args);
    if (!r.ok()) {
      SourceRange at = range;
      bool variadic = def.params[0].kind == ArgKind::Tensors;
      if (r.operand < 0) {
        // An attribute error ("dropout rate must be in [0, 1), got 1.5"): a
        // value out of the range its argument accepts (E0055), at that
        // argument, when the message names one of the op's parameters.
        int idx = attributeOf(def, r.error);
        if (idx >= 0) {
          diags_.report(Diag::InvalidValue, bound.ranges[idx], r.error);
          return Value::error();
        }
      }
      // For variadic ops the operand indexes the tensors passed.
      if (variadic && r.operand >= 0 && r.operand < (int)bound.variadicRanges.size())
        at = bound.variadicRanges[r.operand];
      else if (!variadic && r.operand >= 0 && r.operand < (int)bound.ranges.size())
        at = bound.ranges[r.operand];
      diags_.report(Diag::ShapeError, at, r.error);
      return Value::error();
    }
    std::vector<int> operands;
    std::vector<std::string> attrNames;
    std::vector<Value> attrs;
    for (size_t k = 0; k < args.size(); ++k) {
      const Value &a = args[k];
      if (a.kind == VK::Tensor) operands.push_back(a.node);
      else if (def.params[k].kind == ArgKind::Tensors)
        for (const Value &x : a.elems) operands.push_back(x.node);
      else {
        attrNames.push_back(def.params[k].name);
        attrs.push_back(a);
      }
    }
    std::string opName = def.name;
    std::string nodeName, paramPrefix;
    if (naming_) {
      int k = naming_->counters[opName]++;
      std::string anon = fmt::format("{}.{}{}", naming_->bind, opName, k);
      nodeName = expr == naming_->top ? naming_->bind : anon;
      paramPrefix = naming_->paramOps == 1 ? naming_->bind : anon;
    } else {
      nodeName = paramPrefix = opName;
    }
    int id = addNode(opName, nodeName, std::move(operands), std::move(attrNames), std::move(attrs), r, range);
    if (id < 0) return Value::error();
    graph_->nodes[id].paramPrefix = r.params.empty() ? "" : paramPrefix;
    for (const shapes::ParamSpec &ps : r.params)
      if (!paramNames_.insert(paramPrefix + "." + ps.name).second)
        diags_.report(Diag::DuplicateDefinition, range,
                      fmt::format("a second parameter named '{}.{}'", paramPrefix, ps.name));
    return Value::ofTensor(id, *r.type);
  }

  // ---- blocks ----
  Value instantiate(const BlockDecl &b, const CallSite &site, const Env &env) {
    // The resolver refuses recursion before elaboration; this is a guard.
    // Only the instance fails (its Error value silences what depends on it),
    // and each recursive call is reported once, so an independent problem
    // elsewhere in the network is still found.
    for (const BlockDecl *active : stack_)
      if (active == &b) {
        if (recursive_.insert({site.range.file, site.range.begin}).second) {
          Diagnostic &d = diags_.report(Diag::RecursiveBlock, site.range,
                                        fmt::format("block '{}' calls itself; blocks cannot be recursive", b.name));
          d.notes.push_back({b.nameRange, fmt::format("block '{}' defined here", b.name)});
        }
        return Value::error();
      }
    if (stack_.size() >= kMaxInstantiationDepth) {
      diags_.report(Diag::InstantiationTooDeep, site.range,
                    fmt::format("blocks nested more than {} deep", kMaxInstantiationDepth));
      aborted_ = true;
      return Value::error();
    }
    // Arguments are evaluated in the caller's naming context.
    Env local;
    std::vector<bool> given(b.params.size(), false);
    size_t positional = 0;
    bool ok = true;
    std::vector<SourceRange> ranges(b.params.size(), site.range);
    auto place = [&](int idx, Value v, SourceRange r) {
      if (idx < 0 || idx >= (int)b.params.size() || given[idx]) return false;
      ok &= !v.isError();
      local.vars[b.params[idx].name] = std::move(v);
      ranges[idx] = r;
      given[idx] = true;
      return true;
    };
    if (site.piped && !place((int)positional++, *site.piped, site.pipedRange)) return Value::error();
    for (const Arg &a : *site.args) {
      int idx = -1;
      if (a.name.empty()) idx = (int)positional++;
      else
        for (size_t k = 0; k < b.params.size(); ++k)
          if (b.params[k].name == a.name) idx = (int)k;
      if (!place(idx, eval(*a.value, env), a.value->range)) return Value::error();
    }
    std::map<std::string, shapes::Dim> symbols;
    for (size_t k = 0; k < b.params.size(); ++k) {
      const Param &p = b.params[k];
      if (!given[k]) {
        if (!p.defaultValue) return Value::error();
        // A default sees the parameters before it (the resolver checked that).
        Naming *saved = naming_;
        naming_ = nullptr;
        local.vars[p.name] = eval(*p.defaultValue, local);
        naming_ = saved;
      }
      Value &v = local.vars[p.name];
      if (v.isError()) ok = false;
      else if (!checkParamType(b, p, v, ranges[k], symbols)) ok = false;
    }
    if (!ok) return Value::error();
    for (auto &[sym, dim] : symbols)
      if (!local.vars.count(sym))
        local.vars[sym] = dim.isKnown() ? Value::ofInt(dim.value) : Value::ofSymbol(dim.symbol);

    std::string instance;
    if (naming_) {
      int k = naming_->counters[b.name]++;
      instance = naming_->top == site.expr && naming_->blockCalls == 1
                     ? naming_->bind
                     : fmt::format("{}.{}{}", naming_->bind, b.name, k);
    } else {
      instance = b.name;
    }
    std::string savedPrefix = prefix_;
    Naming *savedNaming = naming_;
    Granularity savedGran = gran_;
    prefix_ = instance;
    naming_ = nullptr;
    gran_ = granularityOf(b.attributes, gran_);
    stack_.push_back(&b);
    diags_.pushContext({site.range, fmt::format("in block '{}' instantiated here", b.name)});
    Value result = body(b.body, local);
    if (!result.isError() && result.kind != VK::Tensor && !b.body.stmts.empty() &&
        b.body.stmts.back().kind == Stmt::Kind::Return && b.body.stmts.back().value) {
      diags_.report(Diag::ArgumentType, b.body.stmts.back().value->range,
                    fmt::format("block '{}' must return a tensor, got {}", b.name, result.describe()));
      result = Value::error();
    }
    diags_.popContext();
    stack_.pop_back();
    prefix_ = savedPrefix;
    naming_ = savedNaming;
    gran_ = savedGran;
    return result;
  }

  bool checkParamType(const BlockDecl &b, const Param &p, const Value &v, SourceRange at,
                      std::map<std::string, shapes::Dim> &symbols) {
    auto mismatch = [&](const std::string &expected) {
      Diagnostic &d = diags_.report(Diag::ArgumentType, at,
                                    fmt::format("argument '{}' of block '{}' expects {}, got {}",
                                                p.name, b.name, expected, v.describe()));
      d.notes.push_back({p.range, "parameter declared here"});
      return false;
    };
    if (!p.type) return v.kind == VK::Tensor ? true : mismatch("a tensor");
    switch (p.type->kind) {
    case TypeExpr::Kind::Int: return v.kind == VK::Int ? true : mismatch("an int");
    case TypeExpr::Kind::Float: return v.isNumber() ? true : mismatch("a number");
    case TypeExpr::Kind::Bool: return v.kind == VK::Bool ? true : mismatch("true or false");
    case TypeExpr::Kind::String: return v.kind == VK::String ? true : mismatch("a string");
    case TypeExpr::Kind::List: return v.kind == VK::List ? true : mismatch("a list");
    case TypeExpr::Kind::Tensor: return v.kind == VK::Tensor ? true : mismatch("a tensor");
    case TypeExpr::Kind::TensorType: break;
    }
    std::string want = p.type->dtype + "[";
    for (size_t k = 0; k < p.type->dims.size(); ++k) {
      const DimExpr &d = p.type->dims[k];
      want += (k ? ", " : "") + (d.kind == DimExpr::Kind::Known ? std::to_string(d.value) : d.symbol);
    }
    want += "]";
    if (v.kind != VK::Tensor) return mismatch("a tensor " + want);
    if (shapes::dtypeName(v.type.dtype) != p.type->dtype || v.type.rank() != (int64_t)p.type->dims.size()) {
      Diagnostic &d = diags_.report(Diag::TensorTypeMismatch, at,
                                    fmt::format("argument '{}' of block '{}' expects {}, got {}",
                                                p.name, b.name, want, v.type.str()));
      d.notes.push_back({p.range, "parameter declared here"});
      return false;
    }
    for (size_t k = 0; k < p.type->dims.size(); ++k) {
      const DimExpr &d = p.type->dims[k];
      const shapes::Dim &actual = v.type.dims[k];
      std::string problem;
      if (d.kind == DimExpr::Kind::Known && actual != shapes::Dim::known(d.value))
        problem = fmt::format("dimension {} is {}, expected {}", k, actual.str(), d.value);
      if (d.kind == DimExpr::Kind::Symbol) {
        auto [it, inserted] = symbols.emplace(d.symbol, actual);
        if (!inserted && it->second != actual)
          problem = fmt::format("dimension {} is {}, but {} is {} elsewhere in the annotation", k,
                                actual.str(), d.symbol, it->second.str());
      }
      if (!problem.empty()) {
        Diagnostic &diag = diags_.report(Diag::TensorTypeMismatch, at,
                                         fmt::format("argument '{}' of block '{}' expects {}, got {}: {}",
                                                     p.name, b.name, want, v.type.str(), problem));
        diag.notes.push_back({p.range, "parameter declared here"});
        return false;
      }
    }
    return true;
  }

  // ---- solver and data sections ----
  Value sectionValue(const Expr &e, std::initializer_list<BuiltinKind> kinds) {
    switch (e.kind) {
    case Expr::Kind::Name: {
      const std::string &n = static_cast<const NameExpr &>(e).name;
      if (const BuiltinDef *def = findBuiltin(n, kinds)) {
        std::vector<Value> args;
        for (const ParamDef &p : def->params) {
          if (p.required) {
            diags_.report(Diag::MissingArgument, e.range,
                          fmt::format("'{}' needs argument '{}'; call it as {}(...)", n, p.name, n));
            return Value::error();
          }
          args.push_back(p.defaultValue);
        }
        return callValue(*def, args);
      }
      return Value::error();
    }
    case Expr::Kind::Call: {
      const auto &c = static_cast<const CallExpr &>(e);
      const BuiltinDef *def = findBuiltin(c.calleeName(), kinds);
      if (!def) return Value::error();
      Env none;
      BoundArgs args;
      if (!bindArgs(*def, CallSite{def->name, &c.args, c.range, &c, nullptr, {}}, none, args)) return Value::error();
      return callValue(*def, args.values);
    }
    case Expr::Kind::Binary: {
      const auto &b = static_cast<const BinaryExpr &>(e);
      Value l = sectionValue(*b.lhs, kinds), r = sectionValue(*b.rhs, kinds);
      if (l.isError() || r.isError()) return Value::error();
      if (l.isNumber() && r.isNumber()) return arith(b.op, l, r, b);
      VK combined = b.op == '*' ? VK::Product : b.op == '|' ? VK::Pipeline : VK::Error;
      if (combined == VK::Error) {
        diags_.report(Diag::OperatorType, b.opRange,
                      fmt::format("operator '{}' cannot combine {} and {}", b.op, l.describe(), r.describe()));
        return Value::error();
      }
      Value v;
      v.kind = combined;
      for (Value *x : {&l, &r}) {
        if (x->kind == combined) v.elems.insert(v.elems.end(), x->elems.begin(), x->elems.end());
        else v.elems.push_back(*x);
      }
      return v;
    }
    case Expr::Kind::List: {
      // Elements may be section functions too; they are then reported as a
      // list where the setting expects something else, never dropped.
      std::vector<Value> xs;
      for (const ExprPtr &x : static_cast<const ListExpr &>(e).elements) {
        xs.push_back(sectionValue(*x, kinds));
        if (xs.back().isError()) return Value::error();
      }
      return Value::ofList(std::move(xs));
    }
    case Expr::Kind::Unary: {
      const auto &u = static_cast<const UnaryExpr &>(e);
      Value v = sectionValue(*u.operand, kinds);
      if (v.isError()) return v;
      if (v.kind == VK::Int) return v.i == INT64_MIN ? overflow(u.range) : Value::ofInt(-v.i);
      if (v.kind == VK::Float) return Value::ofFloat(-v.f);
      diags_.report(Diag::OperatorType, u.range, fmt::format("cannot negate {}", v.describe()));
      return Value::error();
    }
    default: {
      Env none;
      Naming *saved = naming_;
      naming_ = nullptr;
      Value v = eval(e, none);
      naming_ = saved;
      return v;
    }
    }
  }

  bool isCallOf(const Value &v, BuiltinKind kind) const {
    return v.kind == VK::Call && findBuiltin(v.str, {kind});
  }

  void invalid(const SectionEntry &e, const std::string &expected, const Value &got) {
    diags_.report(Diag::InvalidSectionValue, e.value->range,
                  fmt::format("'{}' expects {}, got {}", e.key, expected, got.describe()));
  }

  /// SPEC 12's ranges of a solver method's arguments: betas, decay and
  /// momentum in [0, 1), eps > 0. Each violation is an E0055 at its argument.
  bool methodInRange(const Value &method, const Expr &expr) {
    const BuiltinDef *def = findBuiltin(method.str, {BuiltinKind::SolverMethod});
    auto at = [&](const std::string &name) {
      if (const auto *c = dyn<CallExpr>(&expr)) {
        size_t positional = 0;
        for (const Arg &a : c->args) {
          if (!a.name.empty() ? a.name == name
                              : def && positional < def->params.size() && def->params[positional].name == name)
            return a.value->range;
          positional += a.name.empty();
        }
      }
      return expr.range; // a default value: not reached, defaults are in range
    };
    bool ok = true;
    for (size_t k = 0; k < method.argNames.size() && k < method.elems.size(); ++k) {
      const std::string &name = method.argNames[k];
      const Value &v = method.elems[k];
      if (!v.isNumber()) continue;
      double x = v.number();
      bool fraction = name == "beta1" || name == "beta2" || name == "decay" || name == "momentum";
      std::string range = fraction ? "in [0, 1)" : name == "eps" ? "> 0" : "";
      bool good = fraction ? x >= 0 && x < 1 : name == "eps" ? x > 0 : true; // also rejects NaN
      if (good) continue;
      diags_.report(Diag::InvalidValue, at(name),
                    fmt::format("{} {} must be {}, got {}", method.str, name, range, v.str_()));
      ok = false;
    }
    return ok;
  }

  SolverConfig solverConfig(const SolverDecl &s, const std::vector<Graph> &nets, const Module &m) {
    SolverConfig cfg;
    cfg.present = true;
    cfg.loc = s.range;
    cfg.method = Value::error();
    SourceRange minimizeRange = s.range;
    for (const SectionEntry &e : s.entries) {
      if (e.key == "minimize") {
        if (const auto *n = dyn<NameExpr>(e.value.get())) {
          cfg.minimize = n->name;
          minimizeRange = n->range;
        } else {
          diags_.report(Diag::InvalidSectionValue, e.value->range,
                        "'minimize' expects the name of a network output, as in 'minimize = loss'");
        }
        continue;
      }
      Value v = sectionValue(*e.value, {BuiltinKind::SolverMethod, BuiltinKind::LrPolicy});
      if (v.isError()) continue;
      if (e.key == "method") {
        if (isCallOf(v, BuiltinKind::SolverMethod)) {
          if (methodInRange(v, *e.value)) cfg.method = v;
        } else {
          invalid(e, "a solver method such as sgd(momentum=0.9) or adam()", v);
        }
      } else if (e.key == "lr") {
        bool good = (v.isNumber() && v.number() > 0) || isCallOf(v, BuiltinKind::LrPolicy);
        if (v.kind == VK::Product) {
          // Its numbers multiply into the base rate (SPEC 12), which must be positive.
          double base = 1;
          good = true;
          for (const Value &f : v.elems) {
            if (f.isNumber()) base *= f.number();
            else if (!isCallOf(f, BuiltinKind::LrPolicy)) good = false;
          }
          good &= base > 0;
        }
        if (good) cfg.lr = v;
        else invalid(e, "a positive number, optionally times policies, as in 0.01 * inv(gamma=1e-4, power=0.75)", v);
      } else if (e.key == "weight_decay" || e.key == "clip_norm") {
        bool good = v.isNumber() && (e.key == "weight_decay" ? v.number() >= 0 : v.number() > 0);
        if (!good) invalid(e, e.key == "weight_decay" ? "a number >= 0" : "a number > 0", v);
        else (e.key == "weight_decay" ? cfg.weightDecay : cfg.clipNorm) = v.number();
      } else if (e.key == "batch" || e.key == "epochs" || e.key == "seed") {
        int64_t min = e.key == "seed" ? 0 : 1;
        if (v.kind != VK::Int || v.i < min) {
          invalid(e, fmt::format("an int >= {}", min), v);
        } else {
          (e.key == "batch" ? cfg.batch : e.key == "epochs" ? cfg.epochs : cfg.seed) = v.i;
        }
      }
    }
    for (const char *key : {"method", "lr"}) {
      bool set = false;
      for (const SectionEntry &e : s.entries) set |= e.key == key;
      if (!set)
        diags_.report(Diag::InvalidSectionValue, s.range,
                      fmt::format("the solver section needs '{}', as in {}", key,
                                  std::string(key) == "lr" ? "'lr = 0.01'" : "'method = sgd(momentum=0.9)'"));
    }

    if (nets.size() != 1) {
      diags_.report(Diag::NoNetwork, s.range,
                    fmt::format("a solver section needs exactly one network in its file, found {}", nets.size()));
      return cfg;
    }
    const Graph &g = nets[0];
    std::string loss = cfg.minimize.empty() ? "loss" : cfg.minimize;
    cfg.minimize = loss;
    const std::pair<std::string, int> *out = nullptr;
    for (const auto &o : g.outputs)
      if (o.first == loss) out = &o;
    if (!out) {
      bool declared = false; // an output with errors is not reported twice
      for (const DeclPtr &d : m.decls)
        if (const auto *n = dyn<NetworkDecl>(d.get()))
          for (const Stmt &st : n->body.stmts)
            declared |= st.kind == Stmt::Kind::Output && st.name == loss;
      if (!declared)
        diags_.report(Diag::InvalidSectionValue, minimizeRange,
                      fmt::format("network '{}' has no output named '{}' to minimize{}", g.name, loss,
                                  cfg.minimize == "loss" ? "; name one with 'minimize = <output>'" : ""));
      return cfg;
    }
    const Node &n = g.nodes[out->second];
    if (n.type.rank() != 0) {
      Diagnostic &d = diags_.report(Diag::LossNotScalar, n.loc,
                                    fmt::format("the minimized output '{}' must be a scalar, got {}; "
                                                "use a loss such as softmax_cross_entropy", loss, n.type.str()));
      d.notes.push_back({minimizeRange, "minimized by this solver"});
    } else if (!shapes::isFloat(n.type.dtype)) {
      diags_.report(Diag::LossNotScalar, n.loc,
                    fmt::format("the minimized output '{}' must be a float, got {}", loss, n.type.str()));
    } else if (onlyAccuracy(g, out->second)) {
      Diagnostic &d = diags_.report(
          Diag::LossNotScalar, n.loc,
          fmt::format("the minimized output '{}' is computed by accuracy, which has no gradient "
                      "and cannot be minimized; minimize a loss such as softmax_cross_entropy",
                      loss));
      d.notes.push_back({minimizeRange, "minimized by this solver"});
    }
    for (const auto &[name, id] : g.inputs)
      if (g.nodes[id].type.rank() == 0 || g.nodes[id].type.dims[0].isKnown())
        diags_.report(Diag::InvalidValue, g.nodes[id].loc,
                      fmt::format("input '{}' needs a symbolic batch dimension first, as in "
                                  "f32[N, ...], to be trained", name));
    if (g.parameterCount() == 0)
      diags_.report(Diag::NoTrainableParams, g.loc,
                    fmt::format("network '{}' has no trainable parameters for the solver to train", g.name));
    else if (n.type.rank() == 0 && shapes::isFloat(n.type.dtype) && !onlyAccuracy(g, out->second))
      warnNoGradient(g, out->second, loss, minimizeRange);
    return cfg;
  }

  /// W0003: each trainable parameter that the minimized output `id` does not
  /// reach through differentiable paths: accuracy has no gradient (SPEC 11.3)
  /// and integer tensors carry none. Operands precede their users, so one
  /// backward pass suffices. The message is the one nn-autodiff gives (W0010),
  /// so that compiling does not report it twice.
  void warnNoGradient(const Graph &g, int id, const std::string &loss, SourceRange minimizeRange) {
    std::vector<char> grad(g.nodes.size(), 0), used(g.nodes.size(), 0);
    grad[id] = used[id] = 1;
    for (int k = id; k >= 0; --k) {
      const Node &n = g.nodes[k];
      bool passes = grad[k] && n.op != "accuracy" && shapes::isFloat(n.type.dtype);
      for (int o : n.operands) {
        if (o < 0 || o >= k) continue;
        used[o] |= used[k];
        grad[o] |= passes && shapes::isFloat(g.nodes[o].type.dtype);
      }
    }
    for (size_t k = 0; k < g.nodes.size(); ++k) {
      const Node &n = g.nodes[k];
      if (grad[k]) continue;
      for (const shapes::ParamSpec &p : n.params) {
        if (!p.trainable) continue;
        Diagnostic &d = diags_.report(
            Diag::NoGradient, n.loc,
            fmt::format("parameter '{}.{}' receives no gradient from the loss", n.paramPrefix, p.name));
        d.notes.push_back(
            {minimizeRange,
             used[k] ? fmt::format("the minimized output '{}' depends on it only through accuracy or "
                                   "integer values, which have no gradient",
                                   loss)
                     : fmt::format("the minimized output '{}' does not depend on it", loss)});
      }
    }
  }

  /// True when node `id` depends on an accuracy and has no gradient with
  /// respect to any trainable parameter but through accuracies (which have
  /// none, SPEC 11.3). Operands precede their users, so one pass suffices.
  static bool onlyAccuracy(const Graph &g, int id) {
    std::vector<char> grad(id + 1, 0), acc(id + 1, 0);
    for (int k = 0; k <= id; ++k) {
      const Node &n = g.nodes[k];
      if (n.op == "accuracy") {
        acc[k] = 1;
        continue;
      }
      for (const shapes::ParamSpec &p : n.params) grad[k] |= p.trainable;
      for (int o : n.operands)
        if (o >= 0 && o < k) grad[k] |= grad[o], acc[k] |= acc[o];
    }
    return acc[id] && !grad[id];
  }

  DataConfig dataConfig(const DataDecl &s, const std::vector<Graph> &nets) {
    DataConfig cfg;
    cfg.present = true;
    cfg.loc = s.range;
    if (nets.size() != 1)
      diags_.report(Diag::NoNetwork, s.range,
                    fmt::format("a data section needs exactly one network in its file, found {}", nets.size()));
    for (const SectionEntry &e : s.entries) {
      Value v = sectionValue(*e.value, {BuiltinKind::DataSource, BuiltinKind::DataTransform});
      if (v.isError()) continue;
      if (v.kind == VK::Call) v = Value{VK::Pipeline, 0, 0, false, "", {v}, {}, -1, {}};
      bool good = v.kind == VK::Pipeline && !v.elems.empty() && isCallOf(v.elems[0], BuiltinKind::DataSource);
      for (size_t k = 1; good && k < v.elems.size(); ++k)
        good = isCallOf(v.elems[k], BuiltinKind::DataTransform);
      if (!good) {
        invalid(e, "a source such as idx(\"images\", \"labels\") followed by transforms, "
                   "as in idx(...) | scale(1 / 255) | shuffle", v);
        continue;
      }
      // idx yields two fields, which bind to the inputs in order (SPEC 13).
      if (v.elems[0].str == "idx" && nets.size() == 1 && nets[0].inputs.size() != 2) {
        const Expr *source = e.value.get();
        while (const auto *b = dyn<BinaryExpr>(source)) source = b->lhs.get();
        Diagnostic &d = diags_.report(
            Diag::InvalidSectionValue, source->range,
            fmt::format("idx yields examples of 2 fields (image, label), but network '{}' has {} "
                        "input{}; the fields bind to the inputs in declaration order",
                        nets[0].name, nets[0].inputs.size(), nets[0].inputs.size() == 1 ? "" : "s"));
        d.notes.push_back({nets[0].loc, "network defined here"});
        continue;
      }
      (e.key == "train" ? cfg.train : cfg.test) = v;
      (e.key == "train" ? cfg.trainLoc : cfg.testLoc) = e.range;
    }
    return cfg;
  }

  const ModuleScope &scope_;
  DiagnosticEngine &diags_;
  Graph *graph_ = nullptr;
  std::set<std::string> names_, paramNames_;
  Naming *naming_ = nullptr;
  std::string prefix_;
  Granularity gran_ = Granularity::Auto;
  std::vector<const BlockDecl *> stack_;
  std::set<std::pair<uint32_t, uint32_t>> recursive_; // recursive calls reported
  bool aborted_ = false;
};

} // namespace

Program elaborate(const Module &m, const ModuleScope &scope, DiagnosticEngine &diags) {
  return Elaborator(scope, diags).run(m);
}

} // namespace nnc
