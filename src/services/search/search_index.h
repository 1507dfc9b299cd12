#pragma once

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
  std::string body;     // lab Markdown or the article's extracted PDF text
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
  virtual Result<SearchPage> Search(const SearchQuery& query) = 0;
};

struct SearchOptions {
  // Result pages kept for repeated searches on SQLite (see page_cache.h); 0 keeps none.
  int cached_pages = 2000;
};

std::unique_ptr<SearchIndex> MakeSearchIndex(storage::Database& database,
                                             SearchOptions options = {});

}  // namespace openlabs::search

namespace openlabs {
// The search index's migrations (generated from migrations/).
std::span<const storage::Migration> SearchMigrations();
}  // namespace openlabs
