#pragma once

#include <string>
#include <string_view>
#include <vector>

// Text handling shared by both search engines: cleaning indexed text, parsing the user's query
// and turning highlighted snippets into safe HTML. The articles service also cleans extracted
// PDF text with CleanText before storing it.
namespace openlabs::search {

// Bytes that the engines put around each match in a snippet. CleanText removes them from
// indexed text, so every occurrence in a snippet is a highlight boundary.
inline constexpr char kMarkStart = '\x02';
inline constexpr char kMarkEnd = '\x03';

// The byte put before and after each CJK character of indexed text, so that the SQLite
// (unicode61) and PostgreSQL (default parser) tokenizers read each CJK character as one word.
// Both read a run of CJK characters as a single word otherwise, and a word inside the run
// could not be found. CleanText removes this byte from indexed text, so every occurrence in a
// stored text or a snippet is a separator, which WithoutCjkSeparators removes for display.
inline constexpr char kCjkSeparator = '\x01';

// True for a letter of a CJK script: Han ideographs, Hiragana, Katakana and Hangul.
bool IsCjk(char32_t code_point);

// True when the valid UTF-8 `text` contains a CJK letter.
bool ContainsCjk(std::string_view text);

// The valid UTF-8 `text` with `separator` before and after each CJK letter.
std::string SeparateCjk(std::string_view text, char separator = kCjkSeparator);

// `text` without the kCjkSeparator bytes that SeparateCjk added.
std::string WithoutCjkSeparators(std::string_view text);

// The cleaned query `text` for PostgreSQL's websearch_to_tsquery, with each word or quoted
// phrase that contains CJK letters turned into a quoted phrase of separate characters, as
// ToFts5Query does for SQLite. Text without CJK letters is returned unchanged.
std::string ToWebsearchQuery(std::string_view text);

// A search query as PostgreSQL's websearch_to_tsquery reads it: words and "quoted phrases"
// that must all match, "a OR b" alternatives, and "-word" exclusions. English stop words are
// dropped, as PostgreSQL's 'english' configuration does, so that both engines match the same
// documents.
struct ParsedQuery {
  // Every group must match; a group matches when any of its terms does.
  std::vector<std::vector<std::string>> all_of;
  std::vector<std::string> none_of;

  bool empty() const { return all_of.empty(); }
};

// Parses at most kMaxQueryTerms terms of `text`. Never fails: characters with a meaning in a
// query language other than the ones above are treated as part of a word or as separators.
ParsedQuery ParseQuery(std::string_view text);

// An FTS5 MATCH expression for `query`, with every term quoted so that no user input is read as
// FTS5 syntax, and CJK letters separated so that a CJK term is a phrase of characters. Empty
// when the query is empty.
std::string ToFts5Query(const ParsedQuery& query);

// `text` as valid UTF-8 without NUL or other control characters (tab and newline stay, invalid
// bytes become U+FFFD), cut at a character boundary to at most `max_bytes`.
std::string CleanText(std::string_view text, size_t max_bytes);

// `snippet` with its own HTML escaped, the kMarkStart/kMarkEnd pairs turned into <mark>…</mark>
// and each run of whitespace shown as one space, so that it is safe to insert into a page.
// kCjkSeparator bytes are dropped, and two highlights with only separators between them become
// one, because PostgreSQL highlights each character of a CJK phrase on its own.
std::string SnippetToHtml(std::string_view snippet);

inline constexpr size_t kMaxQueryBytes = 1024;
inline constexpr size_t kMaxQueryTerms = 32;

}  // namespace openlabs::search
