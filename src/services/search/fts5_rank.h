#pragma once

#include <soci/soci.h>

#include <cstdint>
#include <mutex>
#include <shared_mutex>
#include <vector>

namespace openlabs::search {

// The BM25 ranking of the search_fts table, with each row's token count kept in memory.
//
// FTS5's built-in bm25() looks up each matching row's size in the search_fts_docsize table, one
// B-tree search per match. For a word found in 60,000 documents, that lookup took about four
// fifths of the query's CPU time in our measurement. This ranker registers openlabs_bm25(), which
// computes the same score with the same formula (k1 = 1.2, b = 0.75, IDF from the phrase's document count, a column weight per
// argument), but reads each row's token count from an array loaded from search_fts_docsize.
//
// The array follows writes through search_state.generation, which every change of search_fts
// increments in the same transaction. A search reads the generation inside its read transaction
// and reloads the array when it differs, so the counts always belong to the search's snapshot.
// A row missing from the array (0) is looked up the usual way.
class Fts5Ranker {
 public:
  Fts5Ranker() = default;
  Fts5Ranker(const Fts5Ranker&) = delete;
  Fts5Ranker& operator=(const Fts5Ranker&) = delete;

  // Registers openlabs_bm25() on the SQLite connection of `session`, once per connection.
  void Register(soci::session& session);

  // Returns search_state.generation in the snapshot of `session`.
  static long long Generation(soci::session& session);

  // Makes the token counts match the snapshot of `session`'s open read transaction, whose
  // generation is `generation`, and keeps them for openlabs_bm25() calls on this thread until
  // destroyed.
  class Scope {
   public:
    Scope(Fts5Ranker& ranker, soci::session& session, long long generation);
    ~Scope();
    Scope(const Scope&) = delete;
    Scope& operator=(const Scope&) = delete;

   private:
    std::shared_lock<std::shared_mutex> lock_;
  };

  // The number of rows whose count is loaded; for tests.
  size_t loaded_rows() const;

 private:
  // Reloads the counts from search_fts_docsize when `generation` differs from the loaded one.
  void Load(soci::session& session, long long generation);

  mutable std::shared_mutex mutex_;
  long long generation_ = -1;
  // Indexed by rowid; 0 means not loaded.
  std::vector<uint32_t> token_counts_;
  size_t loaded_rows_ = 0;

  std::mutex registered_mutex_;
  std::vector<const void*> registered_;
};

}  // namespace openlabs::search
