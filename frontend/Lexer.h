//===- Lexer.h - Tokens of the nn language ---------------------------------===//
#pragma once

#include "frontend/Diagnostics.h"

#include <string_view>
#include <vector>

namespace nnc {

enum class Tok {
  Eof, Newline, Ident, Int, Float, String,
  // keywords
  KwImport, KwBlock, KwNetwork, KwInput, KwOutput, KwReturn, KwSolver, KwData,
  KwRepeat, KwAs, KwWith, KwTrue, KwFalse,
  // punctuation
  LParen, RParen, LBracket, RBracket, LBrace, RBrace, Comma, Colon, Dot, Equal,
  Plus, Minus, Star, Slash, Pipe, At,
  Error, // an invalid token, already diagnosed
};

const char *tokSpelling(Tok t);

struct Token {
  Tok kind = Tok::Eof;
  SourceRange range;
  std::string_view text; // the token's bytes in the source
  bool startsLine = false; // first token of its source line (for error recovery)
};

struct Comment {
  SourceRange range;
  std::string_view text; // including '#' or '/* */'
};

/// Tokenizes a whole file. Newlines are tokens, except inside ( ) and [ ]
/// (a `{` makes them significant again, for repeat bodies inside calls).
/// Comments are kept aside for the formatter.
struct LexResult {
  std::vector<Token> tokens; // always ends with Eof
  std::vector<Comment> comments;
};
LexResult lex(const SourceFile &file, DiagnosticEngine &diags);

} // namespace nnc
