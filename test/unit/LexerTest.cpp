#include "frontend/Lexer.h"

#include <gtest/gtest.h>

using namespace nnc;

namespace {

struct Lexed {
  SourceManager sm;
  std::unique_ptr<DiagnosticEngine> diags;
  LexResult result;
  std::vector<Tok> kinds() const {
    std::vector<Tok> k;
    for (const Token &t : result.tokens) k.push_back(t.kind);
    return k;
  }
};

std::unique_ptr<Lexed> lexText(const std::string &text) {
  auto l = std::make_unique<Lexed>();
  uint32_t id = l->sm.add("t.nn", text);
  l->diags = std::make_unique<DiagnosticEngine>(l->sm);
  l->result = lex(l->sm.file(id), *l->diags);
  return l;
}

TEST(Lexer, KeywordsIdentifiersAndPunctuation) {
  auto l = lexText("network n { x = relu(y) }");
  std::vector<Tok> want = {Tok::KwNetwork, Tok::Ident,  Tok::LBrace, Tok::Ident, Tok::Equal,
                           Tok::Ident,     Tok::LParen, Tok::Ident,  Tok::RParen, Tok::RBrace,
                           Tok::Eof};
  EXPECT_EQ(l->kinds(), want);
  EXPECT_EQ(l->diags->errorCount(), 0u);
  EXPECT_EQ(l->result.tokens[1].text, "n");
}

TEST(Lexer, Numbers) {
  auto l = lexText("1 0.01 1e-4 2.5E3 .5 42");
  std::vector<Tok> want = {Tok::Int, Tok::Float, Tok::Float, Tok::Float, Tok::Float, Tok::Int, Tok::Eof};
  EXPECT_EQ(l->kinds(), want);
  EXPECT_EQ(l->result.tokens[2].text, "1e-4");
}

TEST(Lexer, MalformedNumbersAreErrors) {
  auto l = lexText("1e 12abc");
  EXPECT_EQ(l->diags->errorCount(), 2u);
  EXPECT_EQ(l->result.tokens[0].kind, Tok::Error);
  EXPECT_EQ(l->result.tokens[1].kind, Tok::Error);
}

TEST(Lexer, APointNeedsADigitAfterIt) {
  // SPEC 2: `.5` and `.5e3` are numbers; `5.` (and `5.e3`) are not.
  auto good = lexText(".5 .5e3 5.0");
  std::vector<Tok> want = {Tok::Float, Tok::Float, Tok::Float, Tok::Eof};
  EXPECT_EQ(good->kinds(), want);
  EXPECT_EQ(good->diags->errorCount(), 0u);
  auto bad = lexText("f(5.) 5.e3");
  ASSERT_EQ(bad->diags->errorCount(), 2u);
  EXPECT_EQ(bad->diags->diagnostics()[0].kind, Diag::InvalidNumber);
  EXPECT_NE(bad->diags->diagnostics()[0].message.find("'5.'"), std::string::npos);
  EXPECT_EQ(bad->result.tokens[2].kind, Tok::Error);
  EXPECT_EQ(bad->result.tokens[2].text, "5.");
  EXPECT_EQ(bad->result.tokens[3].kind, Tok::RParen);
  EXPECT_EQ(bad->result.tokens[4].text, "5.e3");
}

TEST(Lexer, UnterminatedStringClosesTheBracketsOfItsLine) {
  // The string swallows the ')' that would close the call: the line ends
  // after it still end statements.
  auto l = lexText("a = f(\"abc)\nb = 1\nc = 2\n");
  int newlines = 0;
  for (Tok k : l->kinds()) newlines += k == Tok::Newline;
  EXPECT_EQ(newlines, 3);
  ASSERT_EQ(l->diags->errorCount(), 1u);
  EXPECT_EQ(l->diags->diagnostics()[0].kind, Diag::UnterminatedString);
  // Braces stay open: a body's line ends are significant anyway.
  auto body = lexText("g(repeat 2 with h = x {\n y = \"abc\n return h\n})\nz = 1\n");
  newlines = 0;
  for (Tok k : body->kinds()) newlines += k == Tok::Newline;
  EXPECT_EQ(newlines, 5); // after '{', the string, 'return h', '})' and 'z = 1'
}

TEST(Lexer, NewlinesAreDroppedInsideParensButNotInsideBraces) {
  auto l = lexText("f(a,\n b)\nrepeat 2 with h = x {\n return h\n}\n");
  int newlines = 0;
  for (Tok k : l->kinds()) newlines += k == Tok::Newline;
  EXPECT_EQ(newlines, 4); // after f(...), after '{', after 'return h', after '}'
  auto inner = lexText("g(repeat 2 with h = x {\n return h\n})");
  newlines = 0;
  for (Tok k : inner->kinds()) newlines += k == Tok::Newline;
  EXPECT_EQ(newlines, 2); // the body's newlines count inside the call
}

TEST(Lexer, CommentsAreKeptAside) {
  auto l = lexText("x = 1 # one\n/* two\n lines */ y = 2");
  ASSERT_EQ(l->result.comments.size(), 2u);
  EXPECT_EQ(l->result.comments[0].text, "# one");
  EXPECT_EQ(l->result.comments[1].text, "/* two\n lines */");
  EXPECT_EQ(l->diags->errorCount(), 0u);
}

TEST(Lexer, StringsAndEscapes) {
  auto l = lexText(R"("a\"b\\c\n" "bad\q")");
  EXPECT_EQ(l->result.tokens[0].kind, Tok::String);
  EXPECT_EQ(l->diags->errorCount(), 1u); // \q
  EXPECT_EQ(l->diags->diagnostics()[0].kind, Diag::InvalidEscape);
}

TEST(Lexer, UnterminatedStringAndComment) {
  auto s = lexText("x = \"abc\ny = 1");
  ASSERT_EQ(s->diags->errorCount(), 1u);
  EXPECT_EQ(s->diags->diagnostics()[0].kind, Diag::UnterminatedString);
  auto c = lexText("x = 1 /* never closed");
  ASSERT_EQ(c->diags->errorCount(), 1u);
  EXPECT_EQ(c->diags->diagnostics()[0].kind, Diag::UnterminatedComment);
}

TEST(Lexer, EncodingErrorsStopLexing) {
  auto nul = lexText(std::string("nn 1\n\0x", 7));
  ASSERT_EQ(nul->diags->errorCount(), 1u);
  EXPECT_EQ(nul->diags->diagnostics()[0].kind, Diag::BinaryFile);
  EXPECT_EQ(nul->result.tokens.size(), 1u);
  auto utf = lexText("nn 1\n# \xC3\x28\n");
  ASSERT_EQ(utf->diags->errorCount(), 1u);
  EXPECT_EQ(utf->diags->diagnostics()[0].kind, Diag::InvalidUtf8);
  auto overlong = lexText("# \xC0\xAF");
  EXPECT_EQ(overlong->diags->errorCount(), 1u);
  auto surrogate = lexText("# \xED\xA0\x80");
  EXPECT_EQ(surrogate->diags->errorCount(), 1u);
}

TEST(Lexer, UnicodeOnlyInCommentsAndStrings) {
  auto ok = lexText("# caf\xC3\xA9\nx = \"\xE2\x9C\x93\"");
  EXPECT_EQ(ok->diags->errorCount(), 0u);
  auto bad = lexText("caf\xC3\xA9 = 1");
  ASSERT_EQ(bad->diags->errorCount(), 1u);
  EXPECT_EQ(bad->diags->diagnostics()[0].kind, Diag::UnexpectedChar);
  EXPECT_NE(bad->diags->diagnostics()[0].message.find("non-ASCII"), std::string::npos);
}

TEST(Lexer, RangesPointAtTheToken) {
  auto l = lexText("nn 1\n  conv1 = x");
  const Token &t = l->result.tokens[3]; // conv1 after 'nn', '1', newline
  ASSERT_EQ(t.kind, Tok::Ident);
  LineCol lc = l->sm.file(1).lineCol(t.range.begin);
  EXPECT_EQ(lc.line, 2u);
  EXPECT_EQ(lc.col, 3u);
  EXPECT_EQ(t.range.end - t.range.begin, 5u);
}

} // namespace
