#include "services/search/search_text.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <unordered_set>

namespace openlabs::search {
namespace {

constexpr std::string_view kReplacement = "\xEF\xBF\xBD";  // U+FFFD

// The English stop words of PostgreSQL's 'english' text search configuration (the Snowball
// English list, share/tsearch_data/english.stop in PostgreSQL 15).
const std::unordered_set<std::string_view>& StopWords() {
  static const std::unordered_set<std::string_view> kWords = {
      "i",       "me",      "my",      "myself",   "we",         "our",    "ours",    "ourselves",
      "you",     "your",    "yours",   "yourself", "yourselves", "he",     "him",     "his",
      "himself", "she",     "her",     "hers",     "herself",    "it",     "its",     "itself",
      "they",    "them",    "their",   "theirs",   "themselves", "what",   "which",   "who",
      "whom",    "this",    "that",    "these",    "those",      "am",     "is",      "are",
      "was",     "were",    "be",      "been",     "being",      "have",   "has",     "had",
      "having",  "do",      "does",    "did",      "doing",      "a",      "an",      "the",
      "and",     "but",     "if",      "or",       "because",    "as",     "until",   "while",
      "of",      "at",      "by",      "for",      "with",       "about",  "against", "between",
      "into",    "through", "during",  "before",   "after",      "above",  "below",   "to",
      "from",    "up",      "down",    "in",       "out",        "on",     "off",     "over",
      "under",   "again",   "further", "then",     "once",       "here",   "there",   "when",
      "where",   "why",     "how",     "all",      "any",        "both",   "each",    "few",
      "more",    "most",    "other",   "some",     "such",       "no",     "nor",     "not",
      "only",    "own",     "same",    "so",       "than",       "too",    "very",    "s",
      "t",       "can",     "will",    "just",     "don",        "should", "now",
  };
  return kWords;
}

// Length of the valid UTF-8 sequence at the start of `text`, or 0 when it is invalid.
size_t ValidSequenceLength(std::string_view text) {
  const auto byte = [&](size_t i) { return static_cast<unsigned char>(text[i]); };
  const unsigned char lead = byte(0);
  size_t length = 0;
  uint32_t code_point = 0;
  if (lead < 0x80) {
    return 1;
  }
  if (lead >= 0xC2 && lead <= 0xDF) {
    length = 2;
    code_point = lead & 0x1F;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    length = 3;
    code_point = lead & 0x0F;
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    length = 4;
    code_point = lead & 0x07;
  } else {
    return 0;
  }
  if (text.size() < length) {
    return 0;
  }
  for (size_t i = 1; i < length; ++i) {
    if ((byte(i) & 0xC0) != 0x80) {
      return 0;
    }
    code_point = (code_point << 6) | (byte(i) & 0x3F);
  }
  const bool overlong =
      (length == 3 && code_point < 0x800) || (length == 4 && code_point < 0x10000);
  const bool surrogate = code_point >= 0xD800 && code_point <= 0xDFFF;
  if (overlong || surrogate || code_point > 0x10FFFF) {
    return 0;
  }
  return length;
}

// Decodes the code point of the valid UTF-8 sequence of `length` bytes at the start of `text`.
char32_t DecodeSequence(std::string_view text, size_t length) {
  const auto byte = [&](size_t i) { return static_cast<unsigned char>(text[i]); };
  if (length == 1) {
    return byte(0);
  }
  unsigned char lead_mask = 0x07;
  if (length == 2) {
    lead_mask = 0x1F;
  } else if (length == 3) {
    lead_mask = 0x0F;
  }
  char32_t code_point = byte(0) & lead_mask;
  for (size_t i = 1; i < length; ++i) {
    code_point = (code_point << 6) | (byte(i) & 0x3F);
  }
  return code_point;
}

// Calls `visit(piece, code_point)` for each character of `text`. An invalid byte is visited
// alone with code point U+FFFD.
template <typename Visit>
void ForEachCharacter(std::string_view text, Visit&& visit) {
  size_t i = 0;
  while (i < text.size()) {
    const size_t length = ValidSequenceLength(text.substr(i));
    if (length == 0) {
      visit(text.substr(i, 1), char32_t{0xFFFD});
      ++i;
      continue;
    }
    visit(text.substr(i, length), DecodeSequence(text.substr(i), length));
    i += length;
  }
}

struct CjkRange {
  char32_t first;
  char32_t last;
};

// Unicode blocks of CJK letters. CJK punctuation and symbols are left out, because both
// tokenizers read them as separators (PostgreSQL's parser in a UTF-8 locale other than C).
constexpr std::array<CjkRange, 14> kCjkRanges = {{
    {0x1100, 0x11FF},    // Hangul Jamo
    {0x3040, 0x309F},    // Hiragana
    {0x30A0, 0x30FF},    // Katakana
    {0x3130, 0x318F},    // Hangul Compatibility Jamo
    {0x31F0, 0x31FF},    // Katakana Phonetic Extensions
    {0x3400, 0x4DBF},    // CJK Unified Ideographs Extension A
    {0x4E00, 0x9FFF},    // CJK Unified Ideographs
    {0xA960, 0xA97F},    // Hangul Jamo Extended-A
    {0xAC00, 0xD7AF},    // Hangul Syllables
    {0xD7B0, 0xD7FF},    // Hangul Jamo Extended-B
    {0xF900, 0xFAFF},    // CJK Compatibility Ideographs
    {0xFF66, 0xFF9F},    // Halfwidth Katakana
    {0x20000, 0x2FA1F},  // CJK Unified Ideographs Extensions B to F and the supplement
    {0x30000, 0x3134F},  // CJK Unified Ideographs Extension G
}};

// True when the term has a letter or digit, or any non-ASCII character, so that a tokenizer
// finds a word in it.
bool HasWord(std::string_view term) {
  return std::any_of(term.begin(), term.end(), [](char c) {
    const auto byte = static_cast<unsigned char>(c);
    return byte >= 0x80 || std::isalnum(byte);
  });
}

std::string Lower(std::string_view text) {
  std::string lowered(text);
  std::transform(lowered.begin(), lowered.end(), lowered.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return lowered;
}

bool IsStopWord(std::string_view term) { return StopWords().contains(Lower(term)); }

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

// One lexical token of a query: a word or a quoted phrase, possibly negated.
struct Token {
  std::string text;
  bool quoted = false;
  bool negated = false;
};

std::vector<Token> Tokenize(std::string_view text) {
  std::vector<Token> tokens;
  size_t i = 0;
  while (i < text.size() && tokens.size() < kMaxQueryTerms * 2) {
    if (IsSpace(text[i])) {
      ++i;
      continue;
    }
    Token token;
    if (text[i] == '-' && i + 1 < text.size() && !IsSpace(text[i + 1])) {
      token.negated = true;
      ++i;
    }
    if (text[i] == '"') {
      const size_t close = text.find('"', i + 1);
      const size_t end = close == std::string_view::npos ? text.size() : close;
      token.text = std::string(text.substr(i + 1, end - i - 1));
      token.quoted = true;
      i = close == std::string_view::npos ? text.size() : close + 1;
    } else {
      size_t end = i;
      while (end < text.size() && !IsSpace(text[end]) && text[end] != '"') {
        ++end;
      }
      token.text = std::string(text.substr(i, end - i));
      i = end;
    }
    tokens.push_back(std::move(token));
  }
  return tokens;
}

// Quotes a term as an FTS5 string: inside double quotes, a double quote is written twice.
std::string QuoteFts5(std::string_view term) {
  std::string quoted = "\"";
  for (char c : term) {
    if (c == '"') {
      quoted += '"';
    }
    quoted += c;
  }
  quoted += '"';
  return quoted;
}

}  // namespace

bool IsCjk(char32_t code_point) {
  return std::any_of(kCjkRanges.begin(), kCjkRanges.end(), [&](const CjkRange& range) {
    return code_point >= range.first && code_point <= range.last;
  });
}

bool ContainsCjk(std::string_view text) {
  // Every CJK letter is at least U+1100, so its UTF-8 lead byte is at least 0xE1, and no
  // continuation byte is (they are 0x80 to 0xBF). Text below that is skipped byte by byte.
  for (size_t i = 0; i < text.size(); ++i) {
    if (static_cast<unsigned char>(text[i]) < 0xE1) {
      continue;
    }
    const size_t length = ValidSequenceLength(text.substr(i));
    if (length != 0 && IsCjk(DecodeSequence(text.substr(i), length))) {
      return true;
    }
  }
  return false;
}

std::string SeparateCjk(std::string_view text, char separator) {
  std::string separated;
  separated.reserve(text.size());
  ForEachCharacter(text, [&](std::string_view piece, char32_t code_point) {
    if (IsCjk(code_point)) {
      separated += separator;
      separated += piece;
      separated += separator;
    } else {
      separated += piece;
    }
  });
  return separated;
}

std::string WithoutCjkSeparators(std::string_view text) {
  std::string cleaned(text);
  std::erase(cleaned, kCjkSeparator);
  return cleaned;
}

std::string ToWebsearchQuery(std::string_view text) {
  if (!ContainsCjk(text)) {
    return std::string(text);
  }
  std::string query;
  for (const Token& token : Tokenize(text)) {
    if (!query.empty()) {
      query += ' ';
    }
    if (token.negated) {
      query += '-';
    }
    // A token never contains a double quote: Tokenize ends words and phrases at one.
    if (token.quoted || ContainsCjk(token.text)) {
      query += '"' + SeparateCjk(token.text, ' ') + '"';
    } else {
      query += token.text;
    }
  }
  return query;
}

ParsedQuery ParseQuery(std::string_view text) {
  const std::string cleaned = CleanText(text, kMaxQueryBytes);
  ParsedQuery query;
  bool join_with_previous = false;
  size_t term_count = 0;
  for (const Token& token : Tokenize(cleaned)) {
    if (term_count >= kMaxQueryTerms) {
      break;
    }
    if (!token.quoted && !token.negated && token.text == "OR") {
      join_with_previous = !query.all_of.empty();
      continue;
    }
    const bool single_word = token.text.find_first_of(" \t\n") == std::string::npos;
    if (!HasWord(token.text) || (single_word && IsStopWord(token.text))) {
      continue;
    }
    ++term_count;
    if (token.negated) {
      query.none_of.push_back(token.text);
    } else if (join_with_previous) {
      query.all_of.back().push_back(token.text);
    } else {
      query.all_of.push_back({token.text});
    }
    join_with_previous = false;
  }
  return query;
}

std::string ToFts5Query(const ParsedQuery& query) {
  if (query.empty()) {
    return "";
  }
  std::string expression;
  for (const std::vector<std::string>& group : query.all_of) {
    if (!expression.empty()) {
      expression += " AND ";
    }
    expression += "(";
    for (size_t i = 0; i < group.size(); ++i) {
      expression += (i == 0 ? "" : " OR ") + QuoteFts5(SeparateCjk(group[i], ' '));
    }
    expression += ")";
  }
  for (const std::string& excluded : query.none_of) {
    expression += " NOT " + QuoteFts5(SeparateCjk(excluded, ' '));
  }
  return expression;
}

std::string CleanText(std::string_view text, size_t max_bytes) {
  std::string cleaned;
  cleaned.reserve(std::min(text.size(), max_bytes));
  size_t i = 0;
  while (i < text.size()) {
    const size_t length = ValidSequenceLength(text.substr(i));
    std::string_view piece = length == 0 ? kReplacement : text.substr(i, length);
    i += length == 0 ? 1 : length;
    if (piece.size() == 1) {
      const auto byte = static_cast<unsigned char>(piece[0]);
      if ((byte < 0x20 && piece[0] != '\t' && piece[0] != '\n') || byte == 0x7F) {
        piece = byte == '\r' ? "\n" : " ";
      }
    }
    if (cleaned.size() + piece.size() > max_bytes) {
      break;
    }
    cleaned += piece;
  }
  return cleaned;
}

std::string SnippetToHtml(std::string_view snippet) {
  std::string html;
  html.reserve(snippet.size() + 32);
  bool open = false;
  bool after_space = false;
  for (size_t i = 0; i < snippet.size(); ++i) {
    const char c = snippet[i];
    if (c == kCjkSeparator) {
      continue;
    }
    if (c == kMarkEnd && open) {
      // A highlight that only separators part from the next one continues it.
      size_t next = i + 1;
      while (next < snippet.size() && snippet[next] == kCjkSeparator) {
        ++next;
      }
      if (next < snippet.size() && snippet[next] == kMarkStart) {
        i = next;
        continue;
      }
    }
    // PDF text keeps the page layout's runs of spaces and newlines; a snippet shows one space.
    const bool space = c == ' ' || c == '\n' || c == '\t';
    if (space && after_space) {
      continue;
    }
    after_space = space;
    switch (c) {
      case '\n':
      case '\t':
        html += ' ';
        break;
      case '&':
        html += "&amp;";
        break;
      case '<':
        html += "&lt;";
        break;
      case '>':
        html += "&gt;";
        break;
      case '"':
        html += "&quot;";
        break;
      case '\'':
        html += "&#39;";
        break;
      case kMarkStart:
        html += open ? "" : "<mark>";
        open = true;
        break;
      case kMarkEnd:
        html += open ? "</mark>" : "";
        open = false;
        break;
      default:
        html += c;
    }
  }
  if (open) {
    html += "</mark>";
  }
  return html;
}

}  // namespace openlabs::search
