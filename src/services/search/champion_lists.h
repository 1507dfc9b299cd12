#pragma once

#include <soci/soci.h>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <stop_token>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "services/search/fts5_rank.h"

namespace openlabs::search {

// Every row of one term with the term's weighted frequency in it (the sum of the column weights
// of its instances, a whole number because the weights are), in rowid order. Packed as LEB128
// varints, the gap from the previous rowid and then the frequency: one byte each while the gap
// and the frequency are below 128 (the bench database's 2,620 listed terms took 39 MiB for 20.6
// million rows).
class Postings {
 public:
  // Appends a row; rowids must ascend.
  void Add(long long rowid, uint32_t frequency);
  size_t size() const { return size_; }
  size_t bytes() const { return bytes_.size(); }

  // Reads the rows in order.
  class Reader {
   public:
    explicit Reader(const Postings& postings)
        : next_(postings.bytes_.data()), end_(next_ + postings.bytes_.size()) {}
    // Moves to the next row; returns false after the last.
    bool Next() {
      if (next_ == end_) {
        return false;
      }
      rowid_ += static_cast<long long>(ReadVarint());
      frequency_ = static_cast<uint32_t>(ReadVarint());
      return true;
    }
    long long rowid() const { return rowid_; }
    uint32_t frequency() const { return frequency_; }

   private:
    uint64_t ReadVarint() {
      uint64_t value = 0;
      for (int shift = 0;; shift += 7) {
        const uint8_t byte = *next_++;
        value |= static_cast<uint64_t>(byte & 0x7f) << shift;
        if ((byte & 0x80) == 0) {
          return value;
        }
      }
    }

    const uint8_t* next_;
    const uint8_t* end_;
    long long rowid_ = 0;
    uint32_t frequency_ = 0;
  };

 private:
  void AddVarint(uint64_t value);

  std::vector<uint8_t> bytes_;
  long long last_rowid_ = 0;
  size_t size_ = 0;
};

// The best rows of one term, as a one-term search without filters ranks them.
struct ChampionList {
  long long matches = 0;        // the rows that contain the term
  std::vector<RankedRow> best;  // the best rows, best first, at most ChampionOptions::length
  // All `matches` rows, when ChampionOptions::max_posting_bytes left room for them.
  std::optional<Postings> postings;

  // True when `best` contains every row of positions [offset, offset + limit) of the ranking.
  bool Covers(long long offset, long long limit) const {
    return static_cast<long long>(best.size()) == matches ||
           offset + limit <= static_cast<long long>(best.size());
  }
};

struct ChampionOptions {
  // Terms found in fewer rows get no list: ranking all their rows costs little.
  long long min_matches = 1000;
  // Rows kept per term: 200 covers the first ten pages of 20 hits.
  size_t length = 200;
  // The memory for the postings of the terms: terms get theirs from the rarest up, until one
  // does not fit, so the most common terms are the ones left without. 0 keeps none.
  size_t max_posting_bytes = 128 << 20;
};

// Champion lists: the row count and the best rows of every term of search_fts that is found in
// at least min_matches rows. The rows are ranked exactly as SearchIndex ranks a one-term query
// without filters, by openlabs_rank() with the column weights 10, 6, 3, 1 and ties broken by the
// higher rowid. A one-term search reads its page from the list instead of scoring every row of
// the term.
//
// The lists belong to one snapshot of the index, identified by search_state.generation. They
// are exact only for searches whose snapshot has the same generation, because the IDF, the
// average row length and the rows themselves change with every write. Immutable once built, so
// any number of threads may read them.
class ChampionLists {
 public:
  // Builds the lists from the snapshot of `session`'s open read transaction, creating the
  // temp.search_fts_terms and temp.search_fts_instances fts5vocab tables of the connection on
  // first use. `ranker` supplies
  // the token counts, so it must be registered on `session`. Returns null when `stop` is
  // requested before the end. Throws soci::soci_error when a query fails.
  static std::shared_ptr<const ChampionLists> Build(soci::session& session, Fts5Ranker& ranker,
                                                    const ChampionOptions& options,
                                                    std::stop_token stop = {});

  // The list of the index term `term` (a token as the tokenizer stores it), or null.
  const ChampionList* Find(std::string_view term) const;

  long long generation() const { return generation_; }
  // The table's row count in the lists' snapshot, from which the IDFs are computed.
  long long rows() const { return size_.rows; }
  size_t term_count() const { return lists_.size(); }
  // The bytes of all the terms' postings.
  size_t posting_bytes() const { return posting_bytes_; }

  // Ranks the rows that contain every term of `lists` (lists of this object, one per phrase of
  // a query, in query order) from their postings, as openlabs_rank() ranks that query without
  // filters, into `collector`. Returns false, adding nothing, when a list has no postings.
  bool RankFromPostings(const std::vector<const ChampionList*>& lists,
                        RankCollector& collector) const;

 private:
  struct Hash {
    using is_transparent = void;
    size_t operator()(std::string_view text) const { return std::hash<std::string_view>{}(text); }
  };

  long long generation_ = -1;
  IndexSize size_;
  // The token count of each row of the snapshot, indexed by rowid, for RankFromPostings.
  std::vector<uint32_t> token_counts_;
  size_t posting_bytes_ = 0;
  std::unordered_map<std::string, ChampionList, Hash, std::equal_to<>> lists_;
};

// The score bounds (see fts5_rank.h) of a query whose phrases are the terms of `lists`, in
// order, in a table of `rows` rows, for keeping the best `keep` rows.
ScoreBounds BoundsOf(const std::vector<const ChampionList*>& lists, long long rows, size_t keep);

// Returns the best `keep` rows of a query of the terms of `bounds`, best first, when the bounds
// prove that no row outside the lists ranks higher (the threshold algorithm, with `score_of` as
// random access). `score_of` returns a row's exact score, or nothing when the row does not match
// the query. Returns nothing when the proof fails or could need more than `max_lookups` calls
// of `score_of`, and then the caller ranks every match.
std::optional<std::vector<RankedRow>> BestOfListed(
    const ScoreBounds& bounds, size_t keep,
    const std::function<std::optional<double>(long long rowid)>& score_of, size_t max_lookups);

}  // namespace openlabs::search
