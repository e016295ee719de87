#include "frontend/Lexer.h"

#include <fmt/format.h>

namespace nnc {

const char *tokSpelling(Tok t) {
  switch (t) {
  case Tok::Eof: return "end of file";
  case Tok::Newline: return "end of line";
  case Tok::Ident: return "identifier";
  case Tok::Int: return "integer";
  case Tok::Float: return "number";
  case Tok::String: return "string";
  case Tok::KwImport: return "'import'";
  case Tok::KwBlock: return "'block'";
  case Tok::KwNetwork: return "'network'";
  case Tok::KwInput: return "'input'";
  case Tok::KwOutput: return "'output'";
  case Tok::KwReturn: return "'return'";
  case Tok::KwSolver: return "'solver'";
  case Tok::KwData: return "'data'";
  case Tok::KwRepeat: return "'repeat'";
  case Tok::KwAs: return "'as'";
  case Tok::KwWith: return "'with'";
  case Tok::KwTrue: return "'true'";
  case Tok::KwFalse: return "'false'";
  case Tok::LParen: return "'('";
  case Tok::RParen: return "')'";
  case Tok::LBracket: return "'['";
  case Tok::RBracket: return "']'";
  case Tok::LBrace: return "'{'";
  case Tok::RBrace: return "'}'";
  case Tok::Comma: return "','";
  case Tok::Colon: return "':'";
  case Tok::Dot: return "'.'";
  case Tok::Equal: return "'='";
  case Tok::Plus: return "'+'";
  case Tok::Minus: return "'-'";
  case Tok::Star: return "'*'";
  case Tok::Slash: return "'/'";
  case Tok::Pipe: return "'|'";
  case Tok::At: return "'@'";
  case Tok::Error: return "invalid token";
  }
  return "token";
}

namespace {

Tok keyword(std::string_view s) {
  static const std::pair<std::string_view, Tok> kws[] = {
      {"import", Tok::KwImport}, {"block", Tok::KwBlock},   {"network", Tok::KwNetwork},
      {"input", Tok::KwInput},   {"output", Tok::KwOutput}, {"return", Tok::KwReturn},
      {"solver", Tok::KwSolver}, {"data", Tok::KwData},     {"repeat", Tok::KwRepeat},
      {"as", Tok::KwAs},         {"with", Tok::KwWith},     {"true", Tok::KwTrue},
      {"false", Tok::KwFalse}};
  for (auto &[k, t] : kws)
    if (k == s) return t;
  return Tok::Ident;
}

/// Length of the UTF-8 sequence at `i`, or 0 if it is malformed.
size_t utf8Length(const std::string &s, size_t i) {
  unsigned char c = s[i];
  size_t n = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
  if (n == 0 || i + n > s.size()) return 0;
  for (size_t k = 1; k < n; ++k)
    if (((unsigned char)s[i + k] & 0xC0) != 0x80) return 0;
  // Reject overlong encodings and surrogates.
  unsigned cp = n == 1 ? c : n == 2 ? c & 0x1F : n == 3 ? c & 0x0F : c & 0x07;
  for (size_t k = 1; k < n; ++k) cp = (cp << 6) | ((unsigned char)s[i + k] & 0x3F);
  if ((n == 2 && cp < 0x80) || (n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) ||
      cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
    return 0;
  return n;
}

class Lexer {
public:
  Lexer(const SourceFile &f, DiagnosticEngine &d) : file_(f), src_(f.text()), diags_(d) {}

  LexResult run() {
    if (!checkEncoding()) {
      out_.tokens.push_back(Token{Tok::Eof, range(0, 0), {}});
      return std::move(out_);
    }
    if (src_.compare(0, 3, "\xEF\xBB\xBF") == 0) pos_ = 3; // a UTF-8 byte-order mark is ignored
    while (pos_ < src_.size()) {
      char c = src_[pos_];
      if (c == ' ' || c == '\t' || c == '\r') { ++pos_; continue; }
      if (c == '\n') { newline(); continue; }
      if (c == '#') { lineComment(); continue; }
      if (c == '/' && peek(1) == '*') { blockComment(); continue; }
      if (isIdentStart(c)) { ident(); continue; }
      if (isDigit(c) || (c == '.' && isDigit(peek(1)))) { number(); continue; }
      if (c == '"') { string(); continue; }
      punct();
    }
    out_.tokens.push_back(Token{Tok::Eof, range(src_.size(), src_.size()), {}});
    return std::move(out_);
  }

private:
  static bool isDigit(char c) { return c >= '0' && c <= '9'; }
  static bool isIdentStart(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
  }
  static bool isIdent(char c) { return isIdentStart(c) || isDigit(c); }
  char peek(size_t k) const { return pos_ + k < src_.size() ? src_[pos_ + k] : '\0'; }
  SourceRange range(size_t b, size_t e) const { return {file_.id(), (uint32_t)b, (uint32_t)e}; }

  void emit(Tok kind, size_t begin) {
    out_.tokens.push_back(Token{kind, range(begin, pos_),
                                std::string_view(src_).substr(begin, pos_ - begin), atLineStart_});
    atLineStart_ = false;
  }

  bool checkEncoding() {
    if (size_t nul = src_.find('\0'); nul != std::string::npos) {
      diags_.report(Diag::BinaryFile, range(nul, nul + 1),
                    "file contains a NUL byte; expected nn source text, is this a binary file?");
      return false;
    }
    for (size_t i = 0; i < src_.size();) {
      size_t n = utf8Length(src_, i);
      if (n == 0) {
        diags_.report(Diag::InvalidUtf8, range(i, i + 1),
                      fmt::format("invalid UTF-8 byte 0x{:02X}; nn source must be UTF-8",
                                  (unsigned char)src_[i]));
        return false;
      }
      i += n;
    }
    return true;
  }

  void newline() {
    size_t b = pos_++;
    atLineStart_ = true;
    bool significant = brackets_.empty() || brackets_.back() == '{';
    if (significant && !out_.tokens.empty() && out_.tokens.back().kind != Tok::Newline)
      emit(Tok::Newline, b);
  }

  void lineComment() {
    size_t b = pos_;
    while (pos_ < src_.size() && src_[pos_] != '\n') ++pos_;
    size_t e = pos_;
    while (e > b && src_[e - 1] == '\r') --e;
    out_.comments.push_back({range(b, e), std::string_view(src_).substr(b, e - b)});
  }

  void blockComment() {
    size_t b = pos_;
    size_t end = src_.find("*/", pos_ + 2);
    if (end == std::string::npos) {
      diags_.report(Diag::UnterminatedComment, range(b, b + 2),
                    "unterminated comment; expected '*/' before the end of the file");
      pos_ = src_.size();
      return;
    }
    pos_ = end + 2;
    out_.comments.push_back({range(b, pos_), std::string_view(src_).substr(b, pos_ - b)});
    // A comment that spans lines ends the line it starts on.
    if (src_.find('\n', b) < pos_) {
      bool significant = brackets_.empty() || brackets_.back() == '{';
      if (significant && !out_.tokens.empty() && out_.tokens.back().kind != Tok::Newline)
        out_.tokens.push_back(Token{Tok::Newline, range(b, b), std::string_view(src_).substr(b, 0), false});
      atLineStart_ = true;
    }
  }

  void ident() {
    size_t b = pos_;
    while (pos_ < src_.size() && isIdent(src_[pos_])) ++pos_;
    emit(keyword(std::string_view(src_).substr(b, pos_ - b)), b);
  }

  void number() {
    size_t b = pos_;
    bool isFloat = false;
    while (isDigit(peek(0))) ++pos_;
    if (peek(0) == '.' && isDigit(peek(1))) {
      isFloat = true;
      ++pos_;
      while (isDigit(peek(0))) ++pos_;
    } else if (peek(0) == '.' && b != pos_) {
      // `5.` (and `5.e3`): a point needs a digit after it (SPEC 2).
      std::string digits = src_.substr(b, pos_ - b);
      ++pos_;
      while (isIdent(peek(0))) ++pos_;
      diags_.report(Diag::InvalidNumber, range(b, pos_),
                    fmt::format("invalid number '{}'; a point needs a digit after it, as in {}.0",
                                src_.substr(b, pos_ - b), digits));
      emit(Tok::Error, b);
      return;
    }
    if (peek(0) == 'e' || peek(0) == 'E') {
      size_t save = pos_;
      ++pos_;
      if (peek(0) == '+' || peek(0) == '-') ++pos_;
      if (isDigit(peek(0))) {
        isFloat = true;
        while (isDigit(peek(0))) ++pos_;
      } else {
        pos_ = save + 1;
        while (isIdent(peek(0))) ++pos_;
        diags_.report(Diag::InvalidNumber, range(b, pos_),
                      fmt::format("invalid number '{}'; an exponent needs digits, as in 1e-4",
                                  src_.substr(b, pos_ - b)));
        emit(Tok::Error, b);
        return;
      }
    }
    if (isIdent(peek(0))) {
      while (isIdent(peek(0))) ++pos_;
      diags_.report(Diag::InvalidNumber, range(b, pos_),
                    fmt::format("invalid number '{}'", src_.substr(b, pos_ - b)));
      emit(Tok::Error, b);
      return;
    }
    emit(isFloat ? Tok::Float : Tok::Int, b);
  }

  void string() {
    size_t b = pos_++;
    while (pos_ < src_.size() && src_[pos_] != '"' && src_[pos_] != '\n') {
      if (src_[pos_] == '\\') {
        char e = peek(1);
        if (e != '"' && e != '\\' && e != 'n' && e != 't') {
          diags_.report(Diag::InvalidEscape, range(pos_, pos_ + 2),
                        "unknown escape sequence; strings accept \\\" \\\\ \\n \\t");
        }
        if (e != '\n' && e != '\0') ++pos_;
      }
      ++pos_;
    }
    if (pos_ >= src_.size() || src_[pos_] != '"') {
      diags_.report(Diag::UnterminatedString, range(b, b + 1),
                    "unterminated string; expected '\"' before the end of the line");
      emit(Tok::Error, b);
      // The string swallowed the rest of the line, and with it whatever would
      // have closed the brackets opened before it: close them here, so that
      // the line ends of the following statements stay significant.
      while (!brackets_.empty() && brackets_.back() != '{') brackets_.pop_back();
      return;
    }
    ++pos_;
    emit(Tok::String, b);
  }

  void punct() {
    size_t b = pos_;
    char c = src_[pos_++];
    Tok t;
    switch (c) {
    case '(': t = Tok::LParen; brackets_.push_back('('); break;
    case '[': t = Tok::LBracket; brackets_.push_back('['); break;
    case '{': t = Tok::LBrace; brackets_.push_back('{'); break;
    case ')': t = Tok::RParen; close('('); break;
    case ']': t = Tok::RBracket; close('['); break;
    case '}': t = Tok::RBrace; close('{'); break;
    case ',': t = Tok::Comma; break;
    case ':': t = Tok::Colon; break;
    case '.': t = Tok::Dot; break;
    case '=': t = Tok::Equal; break;
    case '+': t = Tok::Plus; break;
    case '-': t = Tok::Minus; break;
    case '*': t = Tok::Star; break;
    case '/': t = Tok::Slash; break;
    case '|': t = Tok::Pipe; break;
    case '@': t = Tok::At; break;
    default: {
      size_t n = utf8Length(src_, b);
      pos_ = b + (n ? n : 1);
      std::string shown = (unsigned char)c < 0x20 || c == 0x7f
                              ? fmt::format("\\x{:02X}", (unsigned char)c)
                              : src_.substr(b, pos_ - b);
      diags_.report(Diag::UnexpectedChar, range(b, pos_),
                    n > 1 ? fmt::format("unexpected character '{}'; non-ASCII text is only "
                                        "allowed in comments and strings", shown)
                          : fmt::format("unexpected character '{}'", shown));
      // One error per run of bad characters is enough.
      while (pos_ < src_.size() && !isIdent(src_[pos_]) && src_[pos_] != '\n' &&
             src_[pos_] != ' ' &&
             std::string_view("()[]{},:.=+-*/|@#\"").find(src_[pos_]) == std::string_view::npos)
        ++pos_;
      emit(Tok::Error, b);
      return;
    }
    }
    emit(t, b);
  }

  void close(char open) {
    // Pop up to the matching opener so that one stray bracket does not
    // swallow the newlines of the rest of the file.
    for (size_t i = brackets_.size(); i-- > 0;)
      if (brackets_[i] == open) {
        brackets_.resize(i);
        return;
      }
  }

  const SourceFile &file_;
  const std::string &src_;
  DiagnosticEngine &diags_;
  size_t pos_ = 0;
  std::vector<char> brackets_;
  bool atLineStart_ = true;
  LexResult out_;
};

} // namespace

LexResult lex(const SourceFile &file, DiagnosticEngine &diags) {
  return Lexer(file, diags).run();
}

} // namespace nnc
