#pragma once

#include <soci/soci.h>

#include <cstdint>
#include <cstddef>
#include <mutex>
#include <shared_mutex>
#include <vector>

namespace openlabs::search {

// One row ranked by openlabs_rank().
struct RankedRow {
  double score = 0;  // the BM25 score, not negated: higher is better
  long long created_at = 0;
  long long rowid = 0;
};

// True when `a` goes before `b`: higher score, then newer created_at, then higher rowid. These
// are the ORDER BY clauses of the search query that openlabs_rank() replaces.
bool RanksBefore(const RankedRow& a, const RankedRow& b);

// The rows that one query ranks with openlabs_rank(): the number of matches and the best `keep`
// of them, so that counting and ranking take one pass over the matches instead of a COUNT query
// and an ORDER BY that sorts every match.
//
// openlabs_rank(search_fts, created_at, weight, ...) scores the row as openlabs_bm25() with the
// same weights does, adds it here and returns 1. It needs a collector installed on its thread
// with Fts5Ranker::Collecting, and fails without one.
//
// When `unfiltered` is true, the caller promises that the query matches exactly the rows that
// contain its phrase, with no other condition. For a query of one phrase, the number of matches
// is then the phrase's document count, so the IDF is computed from it after the pass instead of
// walking the phrase's doclist a second time (xQueryPhrase). The rows are then kept unscored
// until Finish, 24 bytes per match.
class RankCollector {
 public:
  RankCollector(size_t keep, bool unfiltered) : keep_(keep), unfiltered_(unfiltered) {}

  // The number of rows that openlabs_rank() saw.
  long long matches() const { return matches_; }

  // Returns the best rows, best first: at most `keep`. Call once, after the query has finished.
  std::vector<RankedRow> Finish();

  // Called by openlabs_rank() for each row.
  void Add(const RankedRow& row);
  void AddUnscored(long long rowid, long long created_at, double frequency, int tokens);
  bool unfiltered() const { return unfiltered_; }
  // The table's row count and average row length, for scoring rows added unscored.
  void SetTableStats(long long rows, double average_tokens) {
    table_rows_ = rows;
    average_tokens_ = average_tokens;
  }

 private:
  // Adds `row` to the heap when it is among the best `keep`.
  void Keep(const RankedRow& row);

  struct Unscored {
    long long rowid;
    long long created_at;
    double frequency;
    int tokens;
  };

  size_t keep_;
  bool unfiltered_;
  long long matches_ = 0;
  long long table_rows_ = 0;
  double average_tokens_ = 1;
  std::vector<RankedRow> heap_;  // the best rows so far; the worst of them is at the front
  std::vector<Unscored> unscored_;
};

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

  // Registers openlabs_bm25(), openlabs_rank() and openlabs_snippet() (fts5_snippet.h) on the
  // SQLite connection of `session`, once per connection.
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

  // Installs `collector` for the openlabs_rank() calls on this thread until destroyed.
  class Collecting {
   public:
    explicit Collecting(RankCollector& collector);
    ~Collecting();
    Collecting(const Collecting&) = delete;
    Collecting& operator=(const Collecting&) = delete;
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
