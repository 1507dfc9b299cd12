// A tokenizer for Python 3 source, enough to find the statements of a marimo notebook file and
// the names its cells bind and read. It follows the rules of Python's `tokenize` module for
// indentation, brackets, line continuations, comments and string literals, including f-strings
// whose replacement fields hold nested strings (PEP 701, Python 3.12).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.h"

namespace openlabs::notebooks {

enum class TokenKind {
  kName,  // identifiers and keywords
  kNumber,
  kString,   // one string literal with its prefix and quotes
  kOp,       // operators and delimiters
  kNewline,  // the end of a logical line
  kIndent,
  kDedent,
  kEnd,
};

struct Token {
  TokenKind kind = TokenKind::kEnd;
  std::string_view text;  // a view into the tokenized source
  int line = 0;           // 1-based line of the first character
  int column = 0;         // 0-based byte column of the first character
  int end_line = 0;       // line of the last character
  // For kString: true when the literal is an f-string (or t-string).
  bool formatted = false;
};

struct TokenizeOptions {
  // Adds the tokens of every f-string replacement field after the f-string token, between an
  // "(" and a ")" token, so that callers see the names the field reads.
  bool expand_fstrings = false;
};

// Splits `source` into tokens, ending with kEnd. Comments and blank lines produce no tokens.
// kInvalidArgument names the line of an unterminated string, an unbalanced bracket or an
// inconsistent dedent. The tokens refer to `source`, which must outlive them.
Result<std::vector<Token>> TokenizePython(std::string_view source,
                                          const TokenizeOptions& options = {});

// True when `word` is a Python keyword (hard keywords only, as `keyword.kwlist` of 3.11).
bool IsPythonKeyword(std::string_view word);

// True when `text` is an ASCII Python identifier that is not a keyword.
bool IsPythonIdentifier(std::string_view text);

// The value of a string literal token (prefix and quotes included in `literal`), with escape
// sequences decoded unless the literal is raw. kInvalidArgument for bytes and f-strings, whose
// value is not a plain string, and for malformed escapes.
Result<std::string> DecodeStringLiteral(std::string_view literal);

}  // namespace openlabs::notebooks
