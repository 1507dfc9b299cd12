#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.h"
#include "storage/database.h"
#include "storage/migrations.h"

namespace openlabs::search {

// One searchable item. Labs and articles push theirs on create, update and delete; the index
// owns only its own tables and never reads another service's.
struct SearchDocument {
  std::string type;  // "lab" or "article"
  int64_t id = 0;
  std::string title;
  std::string summary;  // lab description or article abstract
  std::string body;     // the lab's Markdown as text (MarkdownToText) or the article's PDF text
  std::vector<std::string> tags;
  int64_t author_id = 0;
  int64_t created_at = 0;  // Unix milliseconds
};

struct SearchQuery {
  std::string text;               // the user's words; empty matches nothing
  std::string type;               // "lab", "article" or empty for both
  std::vector<std::string> tags;  // every tag must be present
  int64_t author_id = 0;          // 0 for any author
  int page = 1;
  int limit = 20;
  bool fresh = false;  // compute the page even when a cached copy is valid
};

struct SearchHit {
  std::string type;
  int64_t id = 0;
  std::string title;
  std::string snippet;  // text around the matches, with matches wrapped in <mark>…</mark>
  double score = 0;     // higher is better; comparable only within one result page
};

struct SearchPage {
  std::vector<SearchHit> items;
  int64_t total = 0;  // all matches, not the page length
  int page = 1;
  int limit = 20;
};

// Full-text search over titles, summaries, bodies and tags: SQLite FTS5 (bm25) or PostgreSQL
// tsvector (ts_rank_cd) behind one interface. Thread-safe.
class SearchIndex {
 public:
  virtual ~SearchIndex() = default;
  // Adds or replaces the document with this type and id.
  virtual Status Upsert(const SearchDocument& document) = 0;
  // Removing a document that is not indexed succeeds.
  virtual Status Remove(std::string_view type, int64_t id) = 0;
  // The version of the text that the source of `type` documents (the labs service for "lab")
  // last indexed all of its documents with; 0 when it never set one. A source that changes how
  // it turns its documents into text raises its version, and at start indexes every document
  // again when the stored version is lower.
  virtual Result<int> TextVersion(std::string_view type) = 0;
  virtual Status SetTextVersion(std::string_view type, int version) = 0;
  virtual Result<SearchPage> Search(const SearchQuery& query) = 0;
  // Starts the thread that merges the index's segments and builds the champion lists (see
  // SearchOptions) in the background. Only a serving process calls it, so that a command such as
  // `openlabs import` builds no lists.
  virtual void StartBackgroundWork() {}
  // The number of searches that used champion lists (see SearchOptions) so far; for tests.
  virtual long long champion_searches() const { return 0; }
};

struct SearchOptions {
  // Result pages kept for repeated searches on SQLite (see page_cache.h); 0 keeps none.
  int cached_pages = 2000;
  // Champion lists on SQLite (see champion_lists.h): terms found in at least this many
  // documents get a list of their best `champion_length` documents; 0 builds no lists.
  long long champion_min_matches = 1000;
  size_t champion_length = 200;
  // The memory for the champion lists' postings (see ChampionOptions::max_posting_bytes): every
  // row of a listed term with its frequency, from which a query of listed terms alone is ranked
  // in memory. On the bench database (100,000 generated documents) they took about 40 MiB.
  size_t champion_posting_bytes = 128 << 20;
  // When true, a thread started by StartBackgroundWork rebuilds the lists after changes, and
  // searches that find them out of date rank every match meanwhile. When false, such a search
  // rebuilds them first (for tests).
  bool champions_in_background = true;
  // A query of several words may score up to 64 of its listed rows one by one, one per this many
  // matches of its rarest word, instead of scoring every match as it counts them. A lookup
  // (MATCH with rowid =) took about 80 us on 100,000 generated documents, and the walk about
  // 0.1 us per match of the rarest word.
  // NOTE: both costs are estimates from bench/generate_content.py data on a loaded 2-core VM.
  long long champion_matches_per_lookup = 1000;
  // Pages (about 4 KB each) merged per write transaction when the background thread merges the
  // SQLite index into one segment after changes; 0 turns merging off. On the bench database, a
  // one-row lookup (MATCH with rowid =) took 2 to 4 times as long in 11 segments as in one.
  // NOTE: each merge rewrites the whole index (6.2 s for 23 segments of the bench database), so
  // a site with steady writes pays that about once per champion_delay.
  int merge_pages = 2000;
  // How long the background thread waits after a change before it merges and rebuilds, so that
  // one pass covers a burst of writes.
  std::chrono::milliseconds champion_delay{1000};
};

std::unique_ptr<SearchIndex> MakeSearchIndex(storage::Database& database,
                                             SearchOptions options = {});

}  // namespace openlabs::search

namespace openlabs {
// The search index's migrations (generated from migrations/).
std::span<const storage::Migration> SearchMigrations();
}  // namespace openlabs
