#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.h"
#include "services/assistant/passages.h"
#include "storage/database.h"
#include "storage/migrations.h"

namespace openlabs::assistant {

// A document's passages as the indexer stores them.
struct IndexedDocument {
  std::string type;  // "lab", "article" or "notebook"
  int64_t id = 0;
  std::string title;
  int64_t version = 0;  // the source's update time; unchanged versions are not split again
  std::vector<Passage> passages;
};

struct StoredPassage {
  int64_t id = 0;
  std::string doc_type;
  int64_t doc_id = 0;
  std::string title;  // the document's title
  Passage passage;
};

// The passages a search considers: one document, every other document, or all, with or
// without solution passages.
struct PassageFilter {
  std::string doc_type;  // with doc_id: only this document, or every other one when `exclude`
  int64_t doc_id = 0;
  bool exclude = false;
  bool include_solutions = true;
};

struct RankedPassage {
  int64_t id = 0;
  double score = 0;  // higher is better; comparable only within one ranking
};

// The assistant's passages in SQL: the text, its full-text index (SQLite FTS5 with bm25, or a
// PostgreSQL tsvector ranked by ts_rank_cd) and the stored embeddings. Thread-safe.
class PassageStore {
 public:
  explicit PassageStore(storage::Database& database) : database_(database) {}

  // Replaces every passage of the document in one transaction and returns the new passage ids
  // in order. The ids of the passages it replaced are appended to `removed_ids`.
  Result<std::vector<int64_t>> Replace(const IndexedDocument& document,
                                       std::vector<int64_t>& removed_ids);

  // Removes the document and its passages; removing one that is not indexed succeeds.
  Status Remove(std::string_view type, int64_t id, std::vector<int64_t>& removed_ids);

  // The stored version of a document, or nullopt when it is not indexed.
  Result<std::optional<int64_t>> Version(std::string_view type, int64_t id);

  // The ids of a document's passages in reading order.
  Result<std::vector<int64_t>> PassageIdsOf(std::string_view type, int64_t id);

  // The version of every indexed document, by (type, id).
  Result<std::map<std::pair<std::string, int64_t>, int64_t>> ListVersions();

  // The best `limit` passages for the words of `text`, any of which may match (BM25 ranks
  // passages with more and rarer matching words first). English stop words are ignored.
  Result<std::vector<RankedPassage>> SearchLexical(std::string_view text,
                                                   const PassageFilter& filter, int limit);

  // The passages with these ids, in the order given; ids not found are skipped.
  Result<std::vector<StoredPassage>> Load(std::span<const int64_t> ids);

  // True when the passage passes `filter`; used for dense results, which are filtered after the
  // vector search.
  static bool Matches(const StoredPassage& passage, const PassageFilter& filter);

  Status SetEmbedding(int64_t passage_id, std::span<const float> vector, std::string_view model);

  // Passages that have no embedding from `model`, at most `limit`, with their text.
  Result<std::vector<StoredPassage>> PassagesWithoutEmbedding(std::string_view model, int limit);

  // Every stored embedding from `model`, for loading the vector index at start-up.
  Result<std::vector<std::pair<int64_t, std::vector<float>>>> LoadEmbeddings(
      std::string_view model);

  Result<int64_t> CountPassages();

 private:
  storage::Database& database_;
};

// Encodes float32 values as base64 of their little-endian bytes, and back.
std::string EncodeVector(std::span<const float> vector);
std::optional<std::vector<float>> DecodeVector(std::string_view base64);

}  // namespace openlabs::assistant

namespace openlabs {
// The assistant service's migrations (generated from migrations/).
std::span<const storage::Migration> AssistantMigrations();
}  // namespace openlabs
