#include "services/search/fts5_snippet.h"

#include <algorithm>
#include <array>
#include <string>
#include <string_view>
#include <vector>

namespace openlabs::search {
namespace {

using sqlite_api::Fts5Context;
using sqlite_api::Fts5ExtensionApi;
using sqlite_api::sqlite3_destructor_type;

constexpr char kHighlightStart = '\x02';
constexpr char kHighlightEnd = '\x03';
constexpr std::string_view kEllipsis = "…";
// The columns of search_fts in the order a snippet prefers them: summary, body, title, tags.
constexpr std::array<int, 4> kColumnPreference = {2, 3, 0, 1};
constexpr int kMaxSnippetTokens = 64;

// One phrase match in a column: its first and last token positions.
struct Match {
  int phrase;
  int first;
  int last;
};

// The byte offsets of the tokens of a column's text, up to a position.
struct TokenOffsets {
  int stop_after = 0;  // the last token position to record
  std::vector<std::pair<int, int>> spans;
};

int RecordToken(void* context, int flags, const char*, int, int start, int end) {
  auto* offsets = static_cast<TokenOffsets*>(context);
  if ((flags & FTS5_TOKEN_COLOCATED) != 0) {
    return SQLITE_OK;
  }
  offsets->spans.emplace_back(start, end);
  // Any code other than SQLITE_OK stops the tokenizer, and the caller treats this one as success.
  return static_cast<int>(offsets->spans.size()) > offsets->stop_after ? SQLITE_DONE : SQLITE_OK;
}

// The score of the window [start, start + tokens): 1000 for each distinct phrase in it and 1 for
// each repeat, as FTS5's snippet() counts.
int WindowScore(const std::vector<Match>& matches, int phrases, int start, int tokens) {
  std::vector<bool> seen(static_cast<size_t>(phrases), false);
  int score = 0;
  for (const Match& match : matches) {
    if (match.first >= start && match.first < start + tokens) {
      score += seen[match.phrase] ? 1 : 1000;
      seen[match.phrase] = true;
    }
  }
  return score;
}

// True when the token that starts at byte `start` of `text` follows ". " or ": ", or starts it.
bool StartsSentence(std::string_view text, int start) {
  int i = start - 1;
  while (i >= 0 && (text[i] == ' ' || text[i] == '\t' || text[i] == '\n' || text[i] == '\r')) {
    --i;
  }
  if (i < 0) {
    return true;
  }
  return i != start - 1 && (text[i] == '.' || text[i] == ':');
}

}  // namespace

void Fts5Snippet(const Fts5ExtensionApi* api, Fts5Context* context,
                 sqlite_api::sqlite3_context* result, int argument_count,
                 sqlite_api::sqlite3_value** arguments) {
  const int tokens =
      argument_count >= 1
          ? std::clamp(sqlite_api::sqlite3_value_int(arguments[0]), 1, kMaxSnippetTokens)
          : 24;
  const int phrases = api->xPhraseCount(context);
  int instances = 0;
  int status = api->xInstCount(context, &instances);
  std::array<std::vector<Match>, 4> by_column;
  for (int i = 0; status == SQLITE_OK && i < instances; ++i) {
    int phrase = 0;
    int column = 0;
    int offset = 0;
    status = api->xInst(context, i, &phrase, &column, &offset);
    if (status == SQLITE_OK && column >= 0 && column < 4) {
      by_column[column].push_back(
          {phrase, offset, offset + api->xPhraseSize(context, phrase) - 1});
    }
  }

  // The best window: the first column in order of preference with the highest score, and in it
  // the earliest window that starts at a match and has that score.
  int best_column = -1;
  int best_score = 0;
  int best_first = 0;
  int best_last = 0;
  for (const int column : kColumnPreference) {
    const std::vector<Match>& matches = by_column[column];
    for (const Match& match : matches) {
      const int score = WindowScore(matches, phrases, match.first, tokens);
      // The title and the tags win only with more distinct phrases, not with more repeats.
      const bool shown_anyway = column == 0 || column == 1;
      const bool better =
          shown_anyway && best_column >= 0 ? score / 1000 > best_score / 1000 : score > best_score;
      if (better) {
        best_score = score;
        best_column = column;
        best_first = match.first;
        best_last = match.first;
        for (const Match& other : matches) {
          if (other.first >= match.first && other.first < match.first + tokens) {
            best_last = std::max(best_last, std::min(other.last, match.first + tokens - 1));
          }
        }
      }
    }
  }
  if (status != SQLITE_OK) {
    sqlite_api::sqlite3_result_error_code(result, status);
    return;
  }
  if (best_column < 0) {
    sqlite_api::sqlite3_result_text(result, "", 0, SQLITE_STATIC);
    return;
  }

  const char* text_data = nullptr;
  int text_bytes = 0;
  int column_tokens = 0;
  status = api->xColumnText(context, best_column, &text_data, &text_bytes);
  if (status == SQLITE_OK) {
    status = api->xColumnSize(context, best_column, &column_tokens);
  }
  if (status != SQLITE_OK || text_data == nullptr) {
    sqlite_api::sqlite3_result_error_code(result, status != SQLITE_OK ? status : SQLITE_ERROR);
    return;
  }
  const std::string_view text(text_data, static_cast<size_t>(text_bytes));

  // The window centred on the matches, moved back to fill `tokens` near the end of the column.
  int start = best_first - (tokens - (best_last - best_first + 1)) / 2;
  start = std::max(0, std::min(start, column_tokens - tokens));
  TokenOffsets offsets;
  offsets.stop_after = std::max(best_last, start + tokens - 1);
  status = api->xTokenize(context, text_data, text_bytes, &offsets, RecordToken);
  if (status != SQLITE_OK && status != SQLITE_DONE) {
    sqlite_api::sqlite3_result_error_code(result, status);
    return;
  }
  const int recorded = static_cast<int>(offsets.spans.size());
  if (recorded == 0) {
    sqlite_api::sqlite3_result_text(result, "", 0, SQLITE_STATIC);
    return;
  }
  // A sentence start before the first match wins when the last match still fits after it.
  for (int position = std::min(best_first, recorded - 1); position >= 0; --position) {
    if (best_last - position >= tokens) {
      break;
    }
    if (StartsSentence(text, offsets.spans[position].first)) {
      start = position;
      break;
    }
  }
  start = std::min(start, recorded - 1);
  const int end = std::min(start + tokens, recorded);  // one past the window's last token

  // Highlight ranges in token positions, with overlapping matches merged, as FTS5 does.
  std::vector<Match> matches = by_column[best_column];
  std::sort(matches.begin(), matches.end(),
            [](const Match& a, const Match& b) { return a.first < b.first; });
  std::string snippet;
  if (start > 0) {
    snippet += kEllipsis;
  }
  int copied = start > 0 ? offsets.spans[start].first : 0;
  size_t next_match = 0;
  for (int position = start; position < end; ++position) {
    while (next_match < matches.size() && matches[next_match].last < position) {
      ++next_match;
    }
    if (next_match >= matches.size() || matches[next_match].first > position) {
      continue;
    }
    // A highlight from this token to the end of the merged matches, cut at the window's end.
    int last = matches[next_match].last;
    while (next_match + 1 < matches.size() && matches[next_match + 1].first <= last) {
      last = std::max(last, matches[++next_match].last);
    }
    last = std::min(last, end - 1);
    snippet.append(text.substr(copied, offsets.spans[position].first - copied));
    snippet += kHighlightStart;
    snippet.append(text.substr(offsets.spans[position].first,
                               offsets.spans[last].second - offsets.spans[position].first));
    snippet += kHighlightEnd;
    copied = offsets.spans[last].second;
    position = last;
  }
  if (end >= column_tokens) {
    snippet.append(text.substr(copied));
  } else {
    snippet.append(text.substr(copied, offsets.spans[end - 1].second - copied));
    snippet += kEllipsis;
  }
  sqlite_api::sqlite3_result_text(result, snippet.data(), static_cast<int>(snippet.size()),
                                  SQLITE_TRANSIENT);
}

}  // namespace openlabs::search
