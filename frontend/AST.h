//===- AST.h - Syntax tree of an nn file -----------------------------------===//
//
// A plain tree with source ranges, as parsed (no names resolved). Number
// literals keep their spelling so that `nnc fmt` prints 1e-4 as 1e-4.
//
//===----------------------------------------------------------------------===//
#pragma once

#include "frontend/Lexer.h"

#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace nnc::ast {

struct Body;

struct Expr {
  enum class Kind { Int, Float, String, Bool, Name, List, Call, Member, Unary, Binary, Repeat };
  const Kind kind;
  SourceRange range;
  unsigned depth = 1; // height of this subtree; bounded by the parser
  bool parenthesized = false; // written in parentheses (which the tree does not need)

  explicit Expr(Kind k, SourceRange r) : kind(k), range(r) {}
  virtual ~Expr() = default;
};
using ExprPtr = std::unique_ptr<Expr>;

/// Downcast helpers: `if (auto *c = dyn<CallExpr>(e))`.
template <typename T> T *dyn(Expr *e) { return e && e->kind == T::kKind ? static_cast<T *>(e) : nullptr; }
template <typename T> const T *dyn(const Expr *e) {
  return e && e->kind == T::kKind ? static_cast<const T *>(e) : nullptr;
}

struct IntExpr : Expr {
  static constexpr Kind kKind = Kind::Int;
  int64_t value;
  std::string spelling;
  IntExpr(SourceRange r, int64_t v, std::string s) : Expr(kKind, r), value(v), spelling(std::move(s)) {}
};

struct FloatExpr : Expr {
  static constexpr Kind kKind = Kind::Float;
  double value;
  std::string spelling;
  FloatExpr(SourceRange r, double v, std::string s) : Expr(kKind, r), value(v), spelling(std::move(s)) {}
};

struct StringExpr : Expr {
  static constexpr Kind kKind = Kind::String;
  std::string value;    // escapes resolved
  std::string spelling; // as written, with quotes
  StringExpr(SourceRange r, std::string v, std::string s)
      : Expr(kKind, r), value(std::move(v)), spelling(std::move(s)) {}
};

struct BoolExpr : Expr {
  static constexpr Kind kKind = Kind::Bool;
  bool value;
  BoolExpr(SourceRange r, bool v) : Expr(kKind, r), value(v) {}
};

struct NameExpr : Expr {
  static constexpr Kind kKind = Kind::Name;
  std::string name;
  NameExpr(SourceRange r, std::string n) : Expr(kKind, r), name(std::move(n)) {}
};

struct ListExpr : Expr {
  static constexpr Kind kKind = Kind::List;
  std::vector<ExprPtr> elements;
  explicit ListExpr(SourceRange r) : Expr(kKind, r) {}
};

struct Arg {
  std::string name; // empty for a positional argument
  SourceRange nameRange;
  ExprPtr value;
};

struct CallExpr : Expr {
  static constexpr Kind kKind = Kind::Call;
  ExprPtr callee;
  std::vector<Arg> args;
  explicit CallExpr(SourceRange r) : Expr(kKind, r) {}
  /// The callee's name when it is a plain name, else "".
  std::string calleeName() const {
    auto *n = dyn<NameExpr>(callee.get());
    return n ? n->name : "";
  }
};

struct MemberExpr : Expr {
  static constexpr Kind kKind = Kind::Member;
  ExprPtr base;
  std::string member;
  SourceRange memberRange;
  explicit MemberExpr(SourceRange r) : Expr(kKind, r) {}
};

struct UnaryExpr : Expr {
  static constexpr Kind kKind = Kind::Unary;
  char op; // '-'
  ExprPtr operand;
  UnaryExpr(SourceRange r, char o) : Expr(kKind, r), op(o) {}
};

struct BinaryExpr : Expr {
  static constexpr Kind kKind = Kind::Binary;
  char op; // + - * / |
  SourceRange opRange;
  ExprPtr lhs, rhs;
  BinaryExpr(SourceRange r, char o) : Expr(kKind, r), op(o) {}
};

/// A dimension in a tensor type: a number, a symbol (N) or `_` (any).
struct DimExpr {
  enum class Kind { Known, Symbol, Any } kind = Kind::Known;
  int64_t value = 0;
  std::string symbol;
  SourceRange range;
};

struct TypeExpr {
  enum class Kind { Int, Float, Bool, String, List, Tensor, TensorType } kind = Kind::Tensor;
  std::string dtype; // for TensorType, e.g. "f32"
  std::vector<DimExpr> dims;
  SourceRange range;
};

struct Attribute {
  std::string name;
  SourceRange range;
};

struct Stmt {
  enum class Kind { Binding, Input, Output, Return } kind = Kind::Binding;
  std::vector<Attribute> attributes;
  std::string name; // bound name (empty for return)
  SourceRange nameRange;
  std::optional<TypeExpr> type; // input
  ExprPtr value;                // null for `input` and for `output x`
  SourceRange range;
};

struct Body {
  std::vector<Stmt> stmts;
  SourceRange range; // from '{' to '}'
};

struct RepeatExpr : Expr {
  static constexpr Kind kKind = Kind::Repeat;
  ExprPtr count;
  std::string indexName; // `as i`, optional
  SourceRange indexRange;
  std::string accName; // `with h = init`
  SourceRange accRange;
  ExprPtr init;
  Body body;
  explicit RepeatExpr(SourceRange r) : Expr(kKind, r) {}
};

struct Param {
  std::string name;
  SourceRange range;
  std::optional<TypeExpr> type; // none: tensor
  ExprPtr defaultValue;
};

struct Decl {
  enum class Kind { Import, Block, Network, Solver, Data };
  const Kind kind;
  SourceRange range;
  explicit Decl(Kind k, SourceRange r) : kind(k), range(r) {}
  virtual ~Decl() = default;
};
using DeclPtr = std::unique_ptr<Decl>;

template <typename T> T *dyn(Decl *d) { return d && d->kind == T::kKind ? static_cast<T *>(d) : nullptr; }
template <typename T> const T *dyn(const Decl *d) {
  return d && d->kind == T::kKind ? static_cast<const T *>(d) : nullptr;
}

struct ImportDecl : Decl {
  static constexpr Kind kKind = Kind::Import;
  bool isPath = false;   // import "file.nn"
  std::string target;    // "std.blocks" or the path
  std::string spelling;  // as written
  SourceRange targetRange;
  explicit ImportDecl(SourceRange r) : Decl(kKind, r) {}
};

struct BlockDecl : Decl {
  static constexpr Kind kKind = Kind::Block;
  std::vector<Attribute> attributes;
  std::string name;
  SourceRange nameRange;
  std::vector<Param> params;
  Body body;
  explicit BlockDecl(SourceRange r) : Decl(kKind, r) {}
};

struct NetworkDecl : Decl {
  static constexpr Kind kKind = Kind::Network;
  std::vector<Attribute> attributes;
  std::string name;
  SourceRange nameRange;
  Body body;
  explicit NetworkDecl(SourceRange r) : Decl(kKind, r) {}
};

struct SectionEntry {
  std::string key;
  SourceRange keyRange;
  ExprPtr value;
  SourceRange range;
};

/// `solver { ... }` and `data { ... }`: key = value settings.
struct SectionDecl : Decl {
  std::vector<SectionEntry> entries;
  SectionDecl(Kind k, SourceRange r) : Decl(k, r) {}
};
struct SolverDecl : SectionDecl {
  static constexpr Kind kKind = Kind::Solver;
  explicit SolverDecl(SourceRange r) : SectionDecl(kKind, r) {}
};
struct DataDecl : SectionDecl {
  static constexpr Kind kKind = Kind::Data;
  explicit DataDecl(SourceRange r) : SectionDecl(kKind, r) {}
};

/// One parsed file.
struct Module {
  uint32_t file = 0;
  int64_t version = 0; // 0 when the version line is missing
  SourceRange versionRange;
  std::vector<DeclPtr> decls; // in source order
  std::vector<Comment> comments;
};

} // namespace nnc::ast
