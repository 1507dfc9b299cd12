#pragma once

#include <soci/soci.h>

#include <cstdint>
#include <cstddef>
#include <limits>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace openlabs::search {

// The IDF of a phrase found in `hits` of `rows` rows, as FTS5's bm25() computes it, except
// that a phrase in more than half of the rows gets 1e-6 instead of a negative value.
double Bm25Idf(long long rows, long long hits);

// The BM25 term of one phrase in one row: `frequency` is the phrase's weighted number of
// occurrences and `tokens` the row's length. The expression and its order of operations are
// those of FTS5's bm25(), so that both give the same double. Inline, so that a loop over the
// phrases of one row computes the length factor once.
inline double Bm25PhraseScore(double idf, double frequency, int tokens, double average_tokens) {
  constexpr double kK1 = 1.2;
  constexpr double kB = 0.75;
  const double length_factor = kK1 * (1 - kB + kB * tokens / average_tokens);
  return idf * (frequency * (kK1 + 1.0)) / (frequency + length_factor);
}

// The tokens that search_fts's tokenizer ("porter unicode61") makes of `text` in a query, so
// that a query word can be looked up by the term that the index stores. Throws soci::soci_error
// when the tokenizer is not available.
std::vector<std::string> QueryTokens(soci::session& session, std::string_view text);

// The row count and the total token count of search_fts, as the ranking functions read them
// (xRowCount and xColumnTotalSize). Zero counts for an empty table.
struct IndexSize {
  long long rows = 0;
  long long tokens = 0;

  // The average row length that openlabs_bm25() uses.
  double average_tokens() const {
    return rows > 0 ? static_cast<double>(tokens) / static_cast<double>(rows) : 1;
  }
};
IndexSize ReadIndexSize(soci::session& session);

// One row ranked by openlabs_rank().
struct RankedRow {
  double score = 0;  // the BM25 score, not negated: higher is better
  long long created_at = 0;
  long long rowid = 0;
};

// True when `a` goes before `b`: higher score, then newer created_at, then higher rowid. These
// are the ORDER BY clauses of the search query that openlabs_rank() replaces.
bool RanksBefore(const RankedRow& a, const RankedRow& b);

// Upper bounds on the score of each phrase of a query, taken from champion lists (see
// champion_lists.h), with which openlabs_rank() skips reading the positions of a row that cannot
// be among the kept ones. They are valid only when every phrase of the query is one index term
// with a list, the query has no other condition, and the lists belong to the query's snapshot.
struct ScoreBounds {
  // Each phrase's IDF, from the row count that its list stores.
  std::vector<double> idf;
  // Each phrase's score in a row outside its list is at most this.
  std::vector<double> ceiling;
  // The phrase scores of the rows in at least one list, by rowid, with NaN for a phrase whose
  // list does not hold the row.
  std::unordered_map<long long, std::vector<double>> listed;
  // At least `keep` matching rows score this much or more (-infinity when unknown).
  double floor = -std::numeric_limits<double>::infinity();

  // Returns the largest score that row `rowid` can have, summed in the order of the exact
  // score, and sets `exact` when every phrase's score of the row is known, so the bound is the
  // score itself.
  double Bound(long long rowid, bool& exact) const;
  // Bound() for a row whose listed phrase scores are `scores`, or null for an unlisted row.
  double BoundOf(const std::vector<double>* scores, bool& exact) const;
};

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

  // True when `keep` rows are kept; then Worst() is the one that ranks last.
  bool Full() const { return heap_.size() >= keep_; }
  const RankedRow& Worst() const { return heap_.front(); }

  // Called by openlabs_rank() for each row.
  void Add(const RankedRow& row);
  void AddUnscored(long long rowid, long long created_at, double frequency, int tokens);
  bool unfiltered() const { return unfiltered_; }
  // The table's row count and average row length, for scoring rows added unscored.
  void SetTableStats(long long rows, double average_tokens) {
    table_rows_ = rows;
    average_tokens_ = average_tokens;
  }

  // Makes openlabs_rank() score with `bounds`: with their IDFs, and only the rows that can
  // still be among the best `keep`.
  void SetBounds(ScoreBounds bounds);
  const ScoreBounds* bounds() const { return bounds_ ? &*bounds_ : nullptr; }
  // ScoreBounds::Bound() for the rows of one query, faster when they come in rowid order, as
  // FTS5 returns them by default.
  double BoundInWalk(long long rowid, bool& exact);
  // True when a row that scores at most `bound` cannot be among the best `keep`.
  bool Excludes(double bound) const;
  // Counts a row that Excludes() left out.
  void CountExcluded() { ++matches_; }

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
  std::optional<ScoreBounds> bounds_;
  // The listed rows of bounds_ by rowid, the walk's position in them, and the bound of every
  // unlisted row.
  std::vector<std::pair<long long, const std::vector<double>*>> listed_rows_;
  size_t next_listed_ = 0;
  long long last_rowid_ = std::numeric_limits<long long>::min();
  double unlisted_bound_ = 0;
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

  // Returns a copy of the token counts, indexed by rowid, that the Scope open on this thread
  // installed, or an empty vector when none is installed. A row that is not loaded counts 0.
  static std::vector<uint32_t> ScopedTokenCounts();

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
