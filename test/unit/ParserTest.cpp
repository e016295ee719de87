#include "frontend/Parser.h"

#include <gtest/gtest.h>

using namespace nnc;
using namespace nnc::ast;

namespace {

struct Parsed {
  SourceManager sm;
  std::unique_ptr<DiagnosticEngine> diags;
  std::unique_ptr<Module> module;
  std::vector<Diag> kinds() const {
    std::vector<Diag> k;
    for (const Diagnostic &d : diags->diagnostics()) k.push_back(d.kind);
    return k;
  }
};

std::unique_ptr<Parsed> parse(const std::string &text) {
  auto p = std::make_unique<Parsed>();
  uint32_t id = p->sm.add("t.nn", text);
  p->diags = std::make_unique<DiagnosticEngine>(p->sm);
  p->module = parseFile(p->sm.file(id), *p->diags);
  return p;
}

TEST(Parser, VersionLine) {
  EXPECT_EQ(parse("nn 1\n")->module->version, 1);
  EXPECT_EQ(parse("# c\n\nnn 1\n")->diags->errorCount(), 0u);
  EXPECT_EQ(parse("")->kinds(), std::vector<Diag>{Diag::MissingVersion});
  EXPECT_EQ(parse("network n {\n}\n")->kinds().front(), Diag::MissingVersion);
  EXPECT_EQ(parse("nn 2\n")->kinds(), std::vector<Diag>{Diag::UnsupportedVersion});
  EXPECT_EQ(parse("nn 0\n")->kinds(), std::vector<Diag>{Diag::UnsupportedVersion});
  EXPECT_EQ(parse("nn 99999999999999999999\n")->kinds(), std::vector<Diag>{Diag::UnsupportedVersion});
}

TEST(Parser, Declarations) {
  auto p = parse(R"(nn 1
import std.blocks
import "local.nn"
@fine
block b(x, out: int, k: int = 3, y: f32[N, _, 28, 28]) {
  return relu(x)
}
network n {
  input image: f32[N, 1, 28, 28]
  h = b(image, 10)
  output y = h
  output h
}
solver {
  lr = 0.01 * inv(gamma=1e-4, power=0.75)
}
data {
  train = idx("a", "b")
    | scale(1 / 255)
    | shuffle
}
)");
  ASSERT_EQ(p->diags->errorCount(), 0u);
  ASSERT_EQ(p->module->decls.size(), 6u);
  auto *imp = dyn<ImportDecl>(p->module->decls[0].get());
  ASSERT_TRUE(imp);
  EXPECT_EQ(imp->target, "std.blocks");
  EXPECT_FALSE(imp->isPath);
  EXPECT_TRUE(dyn<ImportDecl>(p->module->decls[1].get())->isPath);
  auto *b = dyn<BlockDecl>(p->module->decls[2].get());
  ASSERT_TRUE(b);
  EXPECT_EQ(b->attributes.size(), 1u);
  ASSERT_EQ(b->params.size(), 4u);
  EXPECT_FALSE(b->params[0].type);
  EXPECT_EQ(b->params[1].type->kind, TypeExpr::Kind::Int);
  EXPECT_TRUE(b->params[2].defaultValue);
  EXPECT_EQ(b->params[3].type->kind, TypeExpr::Kind::TensorType);
  EXPECT_EQ(b->params[3].type->dims[1].kind, DimExpr::Kind::Any);
  auto *n = dyn<NetworkDecl>(p->module->decls[3].get());
  ASSERT_EQ(n->body.stmts.size(), 4u);
  EXPECT_EQ(n->body.stmts[0].kind, Stmt::Kind::Input);
  EXPECT_EQ(n->body.stmts[3].kind, Stmt::Kind::Output);
  EXPECT_FALSE(n->body.stmts[3].value);
  auto *data = dyn<DataDecl>(p->module->decls[5].get());
  auto *pipe = dyn<BinaryExpr>(data->entries[0].value.get());
  ASSERT_TRUE(pipe);
  EXPECT_EQ(pipe->op, '|');
}

TEST(Parser, PrecedenceAndAssociativity) {
  auto p = parse("nn 1\nnetwork n {\n  x = 1 - 2 - 3 * 4 | f\n}\n");
  ASSERT_EQ(p->diags->errorCount(), 0u);
  auto *n = dyn<NetworkDecl>(p->module->decls[0].get());
  auto *pipe = dyn<BinaryExpr>(n->body.stmts[0].value.get());
  ASSERT_TRUE(pipe);
  EXPECT_EQ(pipe->op, '|');
  auto *sub = dyn<BinaryExpr>(pipe->lhs.get());
  ASSERT_EQ(sub->op, '-');
  EXPECT_EQ(dyn<BinaryExpr>(sub->lhs.get())->op, '-'); // (1 - 2) - (3 * 4)
  EXPECT_EQ(dyn<BinaryExpr>(sub->rhs.get())->op, '*');
}

TEST(Parser, RecoversAndReportsSeveralErrors) {
  auto p = parse(R"(nn 1
network n {
  input x: f32[N, 4]
  a = relu(x
  b = = 3
  c = dense(x, out=4)
  output y = c
}
block {
}
network m {
  output z = 1 +
}
)");
  EXPECT_GE(p->diags->errorCount(), 3u);
  // The statements after the bad ones were still parsed.
  auto *n = dyn<NetworkDecl>(p->module->decls[0].get());
  ASSERT_TRUE(n);
  bool sawC = false;
  for (const Stmt &s : n->body.stmts) sawC |= s.name == "c";
  EXPECT_TRUE(sawC);
}

TEST(Parser, ALineEndAfterEqualsEndsTheStatement) {
  // SPEC 2: '=' is not an operator that continues a line.
  auto p = parse("nn 1\nnetwork n {\n  a =\n    relu(x)\n  output y =\n  b = relu(x)\n}\n"
                 "solver {\n  lr =\n    0.1\n}\n");
  EXPECT_EQ(p->kinds(), (std::vector<Diag>{Diag::ExpectedExpression, Diag::ExpectedExpression,
                                           Diag::ExpectedExpression}));
  const Diagnostic &d = p->diags->diagnostics()[0];
  EXPECT_EQ(p->sm.file(d.range.file).lineCol(d.range.begin).line, 3u);
  // The statement after `output y =` is kept.
  auto *n = dyn<NetworkDecl>(p->module->decls.at(0).get());
  ASSERT_NE(n, nullptr);
  ASSERT_EQ(n->body.stmts.size(), 1u);
  EXPECT_EQ(n->body.stmts[0].name, "b");
}

TEST(Parser, MissingEqualsPointsAtWhatWasFound) {
  auto p = parse("nn 1\nnetwork n {\n  d relu(x)\n  output y = relu(x)\n}\n");
  ASSERT_EQ(p->kinds(), std::vector<Diag>{Diag::ExpectedToken});
  const Diagnostic &d = p->diags->diagnostics()[0];
  EXPECT_EQ(p->sm.file(d.range.file).text().substr(d.range.begin, d.range.end - d.range.begin), "relu");
  EXPECT_NE(d.message.find("found 'relu'"), std::string::npos) << d.message;
}

TEST(Parser, ParenthesesAreRemembered) {
  auto p = parse("nn 1\nnetwork n {\n  y = x | (relu) | f\n}\n");
  ASSERT_TRUE(p->kinds().empty());
  auto *n = dyn<NetworkDecl>(p->module->decls.at(0).get());
  auto *outer = dyn<BinaryExpr>(n->body.stmts.at(0).value.get());
  ASSERT_NE(outer, nullptr);
  EXPECT_FALSE(outer->rhs->parenthesized);
  auto *inner = dyn<BinaryExpr>(outer->lhs.get());
  ASSERT_NE(inner, nullptr);
  EXPECT_TRUE(inner->rhs->parenthesized);
}

TEST(Parser, ImportWithABadEscapeIsNotLookedUp) {
  auto p = parse("nn 1\nimport \"C:\\models\\a.nn\"\nimport \"ok.nn\"\n");
  EXPECT_EQ(p->kinds(), (std::vector<Diag>{Diag::InvalidEscape, Diag::InvalidEscape}));
  ASSERT_EQ(p->module->decls.size(), 1u);
  EXPECT_EQ(dyn<ImportDecl>(p->module->decls[0].get())->target, "ok.nn");
}

TEST(Parser, PositionalAfterNamedAndMisplacedStatements) {
  auto p = parse("nn 1\nblock b(x) {\n  input y: f32[N]\n  return f(a=1, x)\n}\nnetwork n {\n  return x\n}\n");
  auto k = p->kinds();
  EXPECT_NE(std::find(k.begin(), k.end(), Diag::PositionalAfterNamed), k.end());
  EXPECT_EQ(std::count(k.begin(), k.end(), Diag::MisplacedStatement), 2);
}

TEST(Parser, DeepNestingIsAnErrorNotACrash) {
  for (const char *open : {"(", "f(", "[", "-"}) {
    std::string s = "nn 1\nnetwork n {\n  x = ";
    std::string close = std::string(open) == "(" || std::string(open) == "f(" ? ")" : std::string(open) == "[" ? "]" : "";
    for (int i = 0; i < 10000; ++i) s += open;
    s += "1";
    for (int i = 0; i < 10000; ++i) s += close;
    s += "\n}\n";
    auto p = parse(s);
    auto k = p->kinds();
    EXPECT_NE(std::find(k.begin(), k.end(), Diag::NestingTooDeep), k.end()) << open;
  }
  std::string chain = "nn 1\nnetwork n {\n  x = 1";
  for (int i = 0; i < 100000; ++i) chain += " + 1";
  chain += "\n}\n";
  auto k = parse(chain)->kinds();
  EXPECT_EQ(k, std::vector<Diag>{Diag::NestingTooDeep});
}

TEST(Parser, KeepsLiteralSpellings) {
  auto p = parse("nn 1\nsolver {\n  lr = 1e-4\n}\n");
  auto *s = dyn<SolverDecl>(p->module->decls[0].get());
  auto *f = dyn<FloatExpr>(s->entries[0].value.get());
  ASSERT_TRUE(f);
  EXPECT_EQ(f->spelling, "1e-4");
  EXPECT_DOUBLE_EQ(f->value, 1e-4);
}

TEST(Parser, Repeat) {
  auto p = parse("nn 1\nnetwork n {\n  y = repeat 3 as i with h = x {\n    return relu(h)\n  }\n}\n");
  ASSERT_EQ(p->diags->errorCount(), 0u);
  auto *n = dyn<NetworkDecl>(p->module->decls[0].get());
  auto *r = dyn<RepeatExpr>(n->body.stmts[0].value.get());
  ASSERT_TRUE(r);
  EXPECT_EQ(r->indexName, "i");
  EXPECT_EQ(r->accName, "h");
  EXPECT_EQ(r->body.stmts.size(), 1u);
}

TEST(Parser, NumbersOutOfRange) {
  auto p = parse("nn 1\nsolver {\n  a = 99999999999999999999\n  b = 1e999\n}\n");
  EXPECT_EQ(p->kinds(), (std::vector<Diag>{Diag::InvalidNumber, Diag::InvalidNumber}));
}

} // namespace
