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
// FTS5 syntax. Empty when the query is empty.
std::string ToFts5Query(const ParsedQuery& query);

// `text` as valid UTF-8 without NUL or other control characters (tab and newline stay, invalid
// bytes become U+FFFD), cut at a character boundary to at most `max_bytes`.
std::string CleanText(std::string_view text, size_t max_bytes);

// `snippet` with its own HTML escaped, the kMarkStart/kMarkEnd pairs turned into <mark>…</mark>
// and each run of whitespace shown as one space, so that it is safe to insert into a page.
std::string SnippetToHtml(std::string_view snippet);

inline constexpr size_t kMaxQueryBytes = 1024;
inline constexpr size_t kMaxQueryTerms = 32;

}  // namespace openlabs::search
