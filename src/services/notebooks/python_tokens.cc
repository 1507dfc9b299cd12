#include "services/notebooks/python_tokens.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <optional>

namespace openlabs::notebooks {
namespace {

// CPython's tokenizer rejects more than 200 nested brackets (MAXLEVEL in Parser/tokenizer.c);
// the same bound keeps the recursion of callers shallow.
constexpr size_t kMaxBracketDepth = 200;
// f-strings nested in replacement fields; each level recurses once, so this bounds the stack.
constexpr int kMaxFStringDepth = 50;

constexpr std::string_view kOpenParen = "(";
constexpr std::string_view kCloseParen = ")";

// Operators of two and three characters, longest first so that the first match is the longest.
constexpr std::array<std::string_view, 24> kLongOperators = {
    "**=", "//=", ">>=", "<<=", "...", "->", ":=", "==", "!=", "<=", ">=", "**",
    "//",  "<<",  ">>",  "+=",  "-=",  "*=", "/=", "%=", "&=", "|=", "^=", "@=",
};
constexpr std::string_view kSingleOperators = "+-*/%@&|^~<>()[]{},:;.=!";

bool IsNameStart(unsigned char c) { return std::isalpha(c) || c == '_' || c >= 0x80; }
bool IsNameChar(unsigned char c) { return std::isalnum(c) || c == '_' || c >= 0x80; }
bool IsPrefixLetter(char c) {
  return std::string_view("rRbBuUfFtT").find(c) != std::string_view::npos;
}

// A replacement field of an f-string: the byte range of its expression and its first line.
struct Field {
  size_t begin = 0;
  size_t end = 0;
  int line = 0;
};

class Tokenizer {
 public:
  Tokenizer(std::string_view source, const TokenizeOptions& options, bool nested, int first_line,
            int fstring_depth = 0)
      : source_(source),
        options_(options),
        nested_(nested),
        line_(first_line),
        fstring_depth_(fstring_depth) {}

  Result<std::vector<Token>> Run() {
    bool at_line_start = !nested_;
    while (pos_ < source_.size()) {
      if (at_line_start) {
        if (Status indented = ReadIndentation(); !indented) {
          return Fail(indented.error());
        }
        at_line_start = false;
        if (pos_ >= source_.size()) {
          break;
        }
        if (blank_line_) {
          at_line_start = true;
          continue;
        }
      }
      Result<bool> step = Step();
      if (!step) {
        return Fail(step.error());
      }
      at_line_start = *step;
    }
    return Finish();
  }

 private:
  // Measures the indentation of a new line and emits INDENT or DEDENT tokens. Sets blank_line_
  // and skips the line when it holds only whitespace or a comment.
  Status ReadIndentation() {
    int column = 0;
    size_t cursor = pos_;
    while (cursor < source_.size() &&
           (source_[cursor] == ' ' || source_[cursor] == '\t' || source_[cursor] == '\f')) {
      column = source_[cursor] == '\t' ? (column / 8 + 1) * 8
                                       : (source_[cursor] == '\f' ? 0 : column + 1);
      ++cursor;
    }
    pos_ = cursor;
    blank_line_ = cursor >= source_.size() || source_[cursor] == '#' || source_[cursor] == '\n' ||
                  source_[cursor] == '\r';
    if (blank_line_) {
      SkipToLineEnd();
      ConsumeNewline();
      return {};
    }

    if (column > indents_.back()) {
      indents_.push_back(column);
      Emit(TokenKind::kIndent, pos_, pos_);
      return {};
    }

    while (column < indents_.back()) {
      indents_.pop_back();
      Emit(TokenKind::kDedent, pos_, pos_);
    }

    if (column != indents_.back()) {
      return Fail(Invalid("unindent does not match any outer indentation level"));
    }
    return {};
  }

  // Reads one token or skips whitespace; returns true when a new logical line begins.
  Result<bool> Step() {
    const char c = source_[pos_];
    if (c == ' ' || c == '\t' || c == '\f') {
      ++pos_;
      return false;
    }

    if (c == '#') {
      SkipToLineEnd();
      return false;
    }

    if (c == '\\' && pos_ + 1 < source_.size() &&
        (source_[pos_ + 1] == '\n' || source_[pos_ + 1] == '\r')) {
      ++pos_;
      ConsumeNewline();
      return false;
    }

    if (c == '\n' || c == '\r') {
      ConsumeNewline();
      if (!brackets_.empty() || nested_) {
        return false;
      }
      if (line_has_tokens_) {
        Emit(TokenKind::kNewline, pos_, pos_);
        line_has_tokens_ = false;
      }
      return true;
    }

    if (const size_t prefix = StringPrefixLength(); prefix != std::string_view::npos) {
      if (Status read = ReadString(prefix); !read) {
        return Fail(read.error());
      }
      return false;
    }

    if (IsNameStart(static_cast<unsigned char>(c))) {
      const size_t begin = pos_;
      while (pos_ < source_.size() && IsNameChar(static_cast<unsigned char>(source_[pos_]))) {
        ++pos_;
      }
      Emit(TokenKind::kName, begin, pos_);
      return false;
    }

    if (std::isdigit(static_cast<unsigned char>(c)) ||
        (c == '.' && pos_ + 1 < source_.size() &&
         std::isdigit(static_cast<unsigned char>(source_[pos_ + 1])))) {
      ReadNumber();
      return false;
    }

    if (Status read = ReadOperator(); !read) {
      return Fail(read.error());
    }
    return false;
  }

  Result<std::vector<Token>> Finish() {
    if (!brackets_.empty()) {
      return Fail(Error::InvalidArgument(
          "'" + std::string(1, brackets_.back().first) + "' opened on line " +
          std::to_string(brackets_.back().second) + " is never closed"));
    }

    if (!nested_) {
      if (line_has_tokens_) {
        Emit(TokenKind::kNewline, pos_, pos_);
      }
      while (indents_.size() > 1) {
        indents_.pop_back();
        Emit(TokenKind::kDedent, pos_, pos_);
      }
    }
    Emit(TokenKind::kEnd, pos_, pos_);
    return std::move(tokens_);
  }

  void SkipToLineEnd() {
    while (pos_ < source_.size() && source_[pos_] != '\n' && source_[pos_] != '\r') {
      ++pos_;
    }
  }

  void ConsumeNewline() {
    if (pos_ < source_.size() && source_[pos_] == '\r') {
      ++pos_;
    }

    if (pos_ < source_.size() && source_[pos_] == '\n') {
      ++pos_;
    }
    ++line_;
    line_start_ = pos_;
  }

  // The length of the string prefix at pos_ when a string literal starts there, else npos.
  size_t StringPrefixLength() const {
    size_t length = 0;
    while (length < 2 && pos_ + length < source_.size() && IsPrefixLetter(source_[pos_ + length])) {
      ++length;
    }

    for (size_t candidate = 0; candidate <= length; ++candidate) {
      const size_t quote = pos_ + candidate;
      if (quote < source_.size() && (source_[quote] == '"' || source_[quote] == '\'')) {
        return candidate;
      }
      if (quote < source_.size() && !IsPrefixLetter(source_[quote])) {
        break;
      }
    }
    return std::string_view::npos;
  }

  Status ReadString(size_t prefix_length) {
    const size_t begin = pos_;
    const int first_line = line_;
    const int first_column = static_cast<int>(begin - line_start_);
    std::vector<Field> fields;
    if (Status scanned = ScanString(prefix_length, fields); !scanned) {
      return scanned;
    }
    Token& token = Emit(TokenKind::kString, begin, pos_);
    token.line = first_line;
    token.column = first_column;
    const std::string_view prefix = source_.substr(begin, prefix_length);
    token.formatted = prefix.find_first_of("fFtT") != std::string_view::npos;
    if (!options_.expand_fstrings || fields.empty()) {
      return {};
    }

    for (const Field& field : fields) {
      Tokenizer inner(source_.substr(0, field.end), options_, true, field.line, fstring_depth_ + 1);
      inner.pos_ = field.begin;
      Result<std::vector<Token>> inner_tokens = inner.Run();
      if (!inner_tokens) {
        return Fail(inner_tokens.error());
      }
      EmitView(TokenKind::kOp, kOpenParen, field.line);
      for (const Token& inner_token : *inner_tokens) {
        if (inner_token.kind != TokenKind::kEnd) {
          tokens_.push_back(inner_token);
        }
      }
      EmitView(TokenKind::kOp, kCloseParen, field.line);
    }
    return {};
  }

  // Moves pos_ past a string literal whose prefix starts at pos_, recording the replacement
  // fields of f-strings (nested strings inside fields are skipped, not recorded).
  Status ScanString(size_t prefix_length, std::vector<Field>& fields) {
    if (fstring_depth_ >= kMaxFStringDepth) {
      return Fail(
          Invalid("f-strings are nested more than " + std::to_string(kMaxFStringDepth) + " deep"));
    }
    ++fstring_depth_;
    Status scanned = ScanStringBody(prefix_length, fields);
    --fstring_depth_;
    return scanned;
  }

  Status ScanStringBody(size_t prefix_length, std::vector<Field>& fields) {
    const int first_line = line_;
    const std::string_view prefix = source_.substr(pos_, prefix_length);
    const bool raw = prefix.find_first_of("rR") != std::string_view::npos;
    const bool formatted = prefix.find_first_of("fFtT") != std::string_view::npos;
    pos_ += prefix_length;
    const char quote = source_[pos_];
    const bool triple = source_.substr(pos_, 3) == std::string(3, quote);
    pos_ += triple ? 3 : 1;
    while (true) {
      if (pos_ >= source_.size()) {
        return Fail(Error::InvalidArgument("the string literal that starts on line " +
                                           std::to_string(first_line) + " is never closed"));
      }
      const char c = source_[pos_];
      if (c == '\\') {
        const char next = pos_ + 1 < source_.size() ? source_[pos_ + 1] : '\0';
        if (next == '\n' || next == '\r') {
          ++pos_;
          ConsumeNewline();
        } else if (formatted && next == '{') {
          ++pos_;
        } else if (raw && next != quote && next != '\\') {
          ++pos_;
        } else {
          pos_ += 2;
        }
        continue;
      }
      if (c == '\n' || c == '\r') {
        if (!triple) {
          return Fail(Error::InvalidArgument("the string literal on line " +
                                             std::to_string(first_line) +
                                             " ends at the end of the line without its quote"));
        }
        ConsumeNewline();
        continue;
      }
      if (c == quote && (!triple || source_.substr(pos_, 3) == std::string(3, quote))) {
        pos_ += triple ? 3 : 1;
        return {};
      }
      if (formatted && (c == '{' || c == '}')) {
        if (pos_ + 1 < source_.size() && source_[pos_ + 1] == c) {
          pos_ += 2;
          continue;
        }
        if (c == '{') {
          if (Status field = ScanField(fields); !field) {
            return field;
          }
          continue;
        }
      }
      ++pos_;
    }
  }

  // Moves pos_ past "{expression!conversion:format}" starting at its "{".
  Status ScanField(std::vector<Field>& fields) {
    const int first_line = line_;
    ++pos_;
    Field field{pos_, std::string_view::npos, line_};
    int depth = 0;
    while (pos_ < source_.size()) {
      const char c = source_[pos_];
      const char next = pos_ + 1 < source_.size() ? source_[pos_ + 1] : '\0';
      if (const size_t prefix = StringPrefixLength();
          prefix != std::string_view::npos && (prefix > 0 || c == '"' || c == '\'')) {
        std::vector<Field> nested_fields;
        if (Status skipped = ScanString(prefix, nested_fields); !skipped) {
          return skipped;
        }
        continue;
      }
      if (c == '\n' || c == '\r') {
        ConsumeNewline();
        continue;
      }
      if (c == '(' || c == '[' || c == '{') {
        ++depth;
      } else if ((c == ')' || c == ']') && depth > 0) {
        --depth;
      } else if (c == '}' && depth > 0) {
        --depth;
      } else if (c == '}' && depth == 0) {
        field.end = std::min(field.end, pos_);
        ++pos_;
        fields.push_back(field);
        return {};
      } else if (depth == 0 && c == ':') {
        field.end = std::min(field.end, pos_);
        ++pos_;
        if (Status spec = ScanFormatSpec(fields); !spec) {
          return spec;
        }
        fields.push_back(field);
        return {};
      } else if (depth == 0 && field.end == std::string_view::npos &&
                 ((c == '!' && next != '=') ||
                  (c == '=' && next != '=' && pos_ > field.begin &&
                   std::string_view("=!<>").find(source_[pos_ - 1]) == std::string_view::npos))) {
        field.end = pos_;  // a conversion or a debugging "=" ends the expression
      }
      ++pos_;
    }
    return Fail(Error::InvalidArgument("the f-string replacement field on line " +
                                       std::to_string(first_line) + " is never closed"));
  }

  // Moves pos_ past a format specification and the "}" that ends its field.
  Status ScanFormatSpec(std::vector<Field>& fields) {
    while (pos_ < source_.size()) {
      const char c = source_[pos_];
      if (c == '{') {
        if (Status nested = ScanField(fields); !nested) {
          return nested;
        }
        continue;
      }
      if (c == '}') {
        ++pos_;
        return {};
      }
      if (c == '\n' || c == '\r') {
        ConsumeNewline();
        continue;
      }
      ++pos_;
    }
    return Fail(Error::InvalidArgument("an f-string format specification is never closed"));
  }

  void ReadNumber() {
    const size_t begin = pos_;
    const bool hex = source_.substr(pos_, 2) == "0x" || source_.substr(pos_, 2) == "0X";
    while (pos_ < source_.size()) {
      const char c = source_[pos_];
      const bool sign =
          (c == '+' || c == '-') && !hex && (source_[pos_ - 1] == 'e' || source_[pos_ - 1] == 'E');
      if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_' && c != '.' && !sign) {
        break;
      }
      ++pos_;
    }
    Emit(TokenKind::kNumber, begin, pos_);
  }

  Status ReadOperator() {
    const size_t begin = pos_;
    for (std::string_view op : kLongOperators) {
      if (source_.substr(pos_, op.size()) == op) {
        pos_ += op.size();
        Emit(TokenKind::kOp, begin, pos_);
        return {};
      }
    }

    const char c = source_[pos_];
    if (kSingleOperators.find(c) == std::string_view::npos) {
      return Fail(Invalid("invalid character '" + std::string(1, c) + "'"));
    }

    if (c == '(' || c == '[' || c == '{') {
      if (brackets_.size() >= kMaxBracketDepth) {
        return Fail(
            Invalid("brackets are nested more than " + std::to_string(kMaxBracketDepth) + " deep"));
      }
      brackets_.emplace_back(c, line_);
    } else if (c == ')' || c == ']' || c == '}') {
      const char expected = c == ')' ? '(' : (c == ']' ? '[' : '{');
      if (brackets_.empty() || brackets_.back().first != expected) {
        return Fail(Invalid("unmatched '" + std::string(1, c) + "'"));
      }
      brackets_.pop_back();
    }
    ++pos_;
    Emit(TokenKind::kOp, begin, pos_);
    return {};
  }

  Token& Emit(TokenKind kind, size_t begin, size_t end) {
    Token token;
    token.kind = kind;
    token.text = source_.substr(begin, end - begin);
    token.end_line = line_;
    token.line = line_;
    token.column = static_cast<int>(begin >= line_start_ ? begin - line_start_ : 0);
    if (kind != TokenKind::kNewline && kind != TokenKind::kIndent && kind != TokenKind::kDedent &&
        kind != TokenKind::kEnd) {
      line_has_tokens_ = true;
    }
    tokens_.push_back(token);
    return tokens_.back();
  }

  void EmitView(TokenKind kind, std::string_view text, int line) {
    Token token;
    token.kind = kind;
    token.text = text;
    token.line = line;
    token.end_line = line;
    tokens_.push_back(token);
  }

  Error Invalid(const std::string& what) const {
    return Error::InvalidArgument(what + " on line " + std::to_string(line_));
  }

  std::string_view source_;
  const TokenizeOptions& options_;
  bool nested_;
  size_t pos_ = 0;
  int line_ = 1;
  size_t line_start_ = 0;
  bool line_has_tokens_ = false;
  bool blank_line_ = false;
  std::vector<int> indents_{0};
  int fstring_depth_ = 0;
  std::vector<std::pair<char, int>> brackets_;
  std::vector<Token> tokens_;
};

void AppendUtf8(uint32_t code_point, std::string& out) {
  if (code_point < 0x80) {
    out += static_cast<char>(code_point);
  } else if (code_point < 0x800) {
    out += static_cast<char>(0xC0 | (code_point >> 6));
    out += static_cast<char>(0x80 | (code_point & 0x3F));
  } else if (code_point < 0x10000) {
    out += static_cast<char>(0xE0 | (code_point >> 12));
    out += static_cast<char>(0x80 | ((code_point >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (code_point & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (code_point >> 18));
    out += static_cast<char>(0x80 | ((code_point >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((code_point >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (code_point & 0x3F));
  }
}

std::optional<uint32_t> ParseHex(std::string_view digits) {
  uint32_t value = 0;
  for (char c : digits) {
    if (!std::isxdigit(static_cast<unsigned char>(c))) {
      return std::nullopt;
    }
    value = value * 16 + static_cast<uint32_t>(std::isdigit(static_cast<unsigned char>(c))
                                                   ? c - '0'
                                                   : std::tolower(c) - 'a' + 10);
  }
  return value;
}

// Decodes the escape sequence after a backslash at body[index]; advances index past it.
Status DecodeEscape(std::string_view body, size_t& index, std::string& out) {
  const char c = body[index + 1];
  constexpr std::string_view kSimple = "\\'\"abfnrtv";
  constexpr std::string_view kValues = "\\'\"\a\b\f\n\r\t\v";
  if (const size_t simple = kSimple.find(c); simple != std::string_view::npos) {
    out += kValues[simple];
    index += 2;
    return {};
  }

  if (c == '\n') {
    index += 2;
    return {};
  }

  if (c >= '0' && c <= '7') {
    uint32_t value = 0;
    size_t end = index + 1;
    while (end < body.size() && end < index + 4 && body[end] >= '0' && body[end] <= '7') {
      value = value * 8 + static_cast<uint32_t>(body[end] - '0');
      ++end;
    }
    AppendUtf8(value, out);
    index = end;
    return {};
  }

  const size_t width = c == 'x' ? 2 : (c == 'u' ? 4 : (c == 'U' ? 8 : 0));
  if (width == 0) {
    // Python keeps unknown escapes as they are (with a warning).
    out += '\\';
    out += c;
    index += 2;
    return {};
  }

  const std::optional<uint32_t> value = ParseHex(body.substr(index + 2, width));
  if (!value || index + 2 + width > body.size() || *value > 0x10FFFF) {
    return Fail(Error::InvalidArgument("invalid \\" + std::string(1, c) + " escape in a string"));
  }
  AppendUtf8(*value, out);
  index += 2 + width;
  return {};
}

}  // namespace

Result<std::vector<Token>> TokenizePython(std::string_view source, const TokenizeOptions& options) {
  Tokenizer tokenizer(source, options, false, 1);
  return tokenizer.Run();
}

bool IsPythonKeyword(std::string_view word) {
  static constexpr std::array<std::string_view, 35> kKeywords = {
      "False", "None",     "True",  "and",    "as",   "assert", "async",  "await",    "break",
      "class", "continue", "def",   "del",    "elif", "else",   "except", "finally",  "for",
      "from",  "global",   "if",    "import", "in",   "is",     "lambda", "nonlocal", "not",
      "or",    "pass",     "raise", "return", "try",  "while",  "with",   "yield"};
  return std::find(kKeywords.begin(), kKeywords.end(), word) != kKeywords.end();
}

bool IsPythonIdentifier(std::string_view text) {
  if (text.empty() || !(std::isalpha(static_cast<unsigned char>(text[0])) || text[0] == '_')) {
    return false;
  }

  const bool valid = std::all_of(text.begin(), text.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_';
  });
  return valid && !IsPythonKeyword(text);
}

Result<std::string> DecodeStringLiteral(std::string_view literal) {
  size_t prefix_length = 0;
  while (prefix_length < literal.size() && IsPrefixLetter(literal[prefix_length])) {
    ++prefix_length;
  }

  const std::string_view prefix = literal.substr(0, prefix_length);
  if (prefix.find_first_of("bBfFtT") != std::string_view::npos) {
    return Fail(Error::InvalidArgument("bytes and f-strings are not plain string literals"));
  }

  const std::string_view quoted = literal.substr(prefix_length);
  const size_t quote_length =
      quoted.size() >= 6 && (quoted.starts_with("\"\"\"") || quoted.starts_with("'''")) ? 3 : 1;
  if (quoted.size() < 2 * quote_length) {
    return Fail(Error::InvalidArgument("malformed string literal"));
  }

  const std::string_view body = quoted.substr(quote_length, quoted.size() - 2 * quote_length);
  if (prefix.find_first_of("rR") != std::string_view::npos) {
    return std::string(body);
  }

  std::string out;
  out.reserve(body.size());
  size_t index = 0;
  while (index < body.size()) {
    if (body[index] != '\\' || index + 1 >= body.size()) {
      out += body[index++];
      continue;
    }

    if (Status decoded = DecodeEscape(body, index, out); !decoded) {
      return Fail(decoded.error());
    }
  }
  return out;
}

}  // namespace openlabs::notebooks
