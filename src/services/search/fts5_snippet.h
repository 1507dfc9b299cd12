#pragma once

#include <soci/sqlite3/soci-sqlite3.h>

namespace openlabs::search {

// openlabs_snippet(search_fts, tokens): a snippet of the current row, like FTS5's
// snippet(search_fts, -1, char(2), char(3), '…', tokens), that tokenizes only the start of one
// column. FTS5's snippet() tokenizes every column in full to find sentence starts, and the
// chosen column twice: an estimated 3 ms of CPU for a page of 20 hits on the 100,000-document
// benchmark database (bench/content.sh).
//
// The window of `tokens` tokens goes where most distinct phrases of the query occur, preferring
// the summary and the body to the title and the tags, which the page shows anyway. It starts at
// a sentence start when that keeps every highlighted token in view, and otherwise centres the
// matches. Only the tokens up to the end of the window are tokenized. Matches are wrapped in
// the bytes 0x02 and 0x03, and "…" marks text left out at either end.
void Fts5Snippet(const sqlite_api::Fts5ExtensionApi* api, sqlite_api::Fts5Context* context,
                 sqlite_api::sqlite3_context* result, int argument_count,
                 sqlite_api::sqlite3_value** arguments);

}  // namespace openlabs::search
