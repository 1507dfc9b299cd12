#include "services/search/champion_lists.h"

#include <soci/sqlite3/soci-sqlite3.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <utility>

namespace openlabs::search {
namespace {

using sqlite_api::sqlite3;
using sqlite_api::sqlite3_stmt;

// The column weights of search_fts (title, tags, summary, body) that SearchIndex ranks with.
constexpr std::array<std::pair<std::string_view, double>, 4> kColumnWeights = {{
    {"title", 10.0},
    {"tags", 6.0},
    {"summary", 3.0},
    {"body", 1.0},
}};

sqlite3* Handle(soci::session& session) {
  return static_cast<soci::sqlite3_session_backend*>(session.get_backend())->conn_;
}

// A prepared statement that is finalized on destruction.
class Statement {
 public:
  Statement(sqlite3* db, const char* sql) : db_(db) {
    if (sqlite_api::sqlite3_prepare_v2(db, sql, -1, &statement_, nullptr) != SQLITE_OK) {
      Fail("preparing");
    }
  }
  ~Statement() { sqlite_api::sqlite3_finalize(statement_); }
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  sqlite3_stmt* get() const { return statement_; }

  // Steps once; returns true for a row, false at the end, and throws on an error.
  bool Step() {
    const int status = sqlite_api::sqlite3_step(statement_);
    if (status == SQLITE_ROW) {
      return true;
    }
    if (status != SQLITE_DONE) {
      Fail("reading");
    }
    return false;
  }

  [[noreturn]] void Fail(const char* action) const {
    throw soci::soci_error(std::string("champion lists: ") + action +
                           " the search_fts vocabulary failed: " + sqlite_api::sqlite3_errmsg(db_));
  }

 private:
  sqlite3* db_;
  sqlite3_stmt* statement_ = nullptr;
};

std::string_view ColumnText(sqlite3_stmt* statement, int column) {
  const auto* text = sqlite_api::sqlite3_column_text(statement, column);
  if (text == nullptr) {
    return {};
  }
  return {reinterpret_cast<const char*>(text),
          static_cast<size_t>(sqlite_api::sqlite3_column_bytes(statement, column))};
}

double WeightOf(std::string_view column) {
  for (const auto& [name, weight] : kColumnWeights) {
    if (name == column) {
      return weight;
    }
  }
  return 1.0;
}

// Returns the terms found in at least `min_matches` rows, the rarest first.
std::vector<std::string> FrequentTerms(sqlite3* db, long long min_matches) {
  Statement statement(db, "SELECT term FROM temp.search_fts_terms WHERE doc >= ?1 ORDER BY doc");
  sqlite_api::sqlite3_bind_int64(statement.get(), 1, min_matches);
  std::vector<std::string> terms;
  while (statement.Step()) {
    terms.emplace_back(ColumnText(statement.get(), 0));
  }
  return terms;
}

// Ranks the rows of `term` as openlabs_rank() does for a one-term query without filters, from
// the term's instances: the weighted frequency of each row is the sum of the weights of the
// columns of its instances. Keeps the term's postings when they fit in `posting_bytes_left`,
// and takes their size from it. Returns false when a row's token count is unknown.
bool RankTerm(Statement& instances, const std::string& term, const IndexSize& size,
              const std::vector<uint32_t>& token_counts, size_t length, size_t& posting_bytes_left,
              ChampionList& list) {
  sqlite_api::sqlite3_reset(instances.get());
  sqlite_api::sqlite3_bind_text(instances.get(), 1, term.data(), static_cast<int>(term.size()),
                                SQLITE_STATIC);
  struct Row {
    long long rowid;
    double frequency;
  };
  std::vector<Row> rows;
  while (instances.Step()) {
    const long long rowid = sqlite_api::sqlite3_column_int64(instances.get(), 0);
    const double weight = WeightOf(ColumnText(instances.get(), 1));
    if (!rows.empty() && rowid < rows.back().rowid) {
      // The grouping below needs the instances in rowid order, which fts5vocab returns.
      throw soci::soci_error("champion lists: the instances of a term are not in rowid order");
    }
    if (rows.empty() || rows.back().rowid != rowid) {
      rows.push_back({rowid, 0});
    }
    rows.back().frequency += weight;
  }

  const double idf = Bm25Idf(size.rows, static_cast<long long>(rows.size()));
  const double average_tokens = size.average_tokens();
  RankCollector collector(length, false);
  for (const Row& row : rows) {
    const uint32_t tokens = static_cast<uint64_t>(row.rowid) < token_counts.size()
                                ? token_counts[static_cast<size_t>(row.rowid)]
                                : 0;
    if (tokens == 0) {
      return false;
    }
    collector.Add({Bm25PhraseScore(idf, row.frequency, static_cast<int>(tokens), average_tokens), 0,
                   row.rowid});
  }
  list.matches = collector.matches();
  list.best = collector.Finish();

  // The frequencies are sums of whole column weights, so a whole number is stored exactly.
  const bool whole = std::all_of(rows.begin(), rows.end(), [](const Row& row) {
    return row.frequency == std::floor(row.frequency) && row.frequency < 4e9;
  });
  if (posting_bytes_left > 0 && whole) {
    Postings postings;
    for (const Row& row : rows) {
      postings.Add(row.rowid, static_cast<uint32_t>(row.frequency));
    }
    if (postings.bytes() <= posting_bytes_left) {
      posting_bytes_left -= postings.bytes();
      list.postings = std::move(postings);
    } else {
      // The terms come rarest first, so the ones left are at least as large.
      posting_bytes_left = 0;
    }
  }
  return true;
}

}  // namespace

std::shared_ptr<const ChampionLists> ChampionLists::Build(soci::session& session,
                                                          Fts5Ranker& ranker,
                                                          const ChampionOptions& options,
                                                          std::stop_token stop) {
  sqlite3* db = Handle(session);
  session << "CREATE VIRTUAL TABLE IF NOT EXISTS temp.search_fts_terms USING "
             "fts5vocab(main, search_fts, row)";
  session << "CREATE VIRTUAL TABLE IF NOT EXISTS temp.search_fts_instances USING "
             "fts5vocab(main, search_fts, instance)";
  auto lists = std::make_shared<ChampionLists>();
  lists->generation_ = Fts5Ranker::Generation(session);
  {
    // A copy, because a Scope kept for the whole build would make a search of a newer snapshot
    // wait for the build to end before it could load that snapshot's counts.
    Fts5Ranker::Scope scope(ranker, session, lists->generation_);
    lists->token_counts_ = Fts5Ranker::ScopedTokenCounts();
  }
  const std::vector<uint32_t>& token_counts = lists->token_counts_;
  lists->size_ = ReadIndexSize(session);
  const IndexSize& size = lists->size_;
  if (size.rows == 0) {
    return lists;
  }
  const std::vector<std::string> terms = FrequentTerms(db, options.min_matches);
  Statement instances(db, "SELECT doc, col FROM temp.search_fts_instances WHERE term = ?1");
  size_t posting_bytes_left = options.max_posting_bytes;
  for (const std::string& term : terms) {
    if (stop.stop_requested()) {
      return nullptr;
    }
    ChampionList list;
    if (!RankTerm(instances, term, size, token_counts, options.length, posting_bytes_left,
                  list)) {
      // The Scope could not install the counts of this snapshot because a search loaded a
      // newer one meanwhile, or the row's id is past the ranker's array (2^28).
      throw soci::soci_error("champion lists: the token count of a row is not loaded");
    }
    lists->posting_bytes_ += list.postings ? list.postings->bytes() : 0;
    lists->lists_.emplace(term, std::move(list));
  }
  return lists;
}

bool ChampionLists::RankFromPostings(const std::vector<const ChampionList*>& lists,
                                     RankCollector& collector) const {
  if (lists.empty()) {
    return false;
  }
  std::vector<Postings::Reader> readers;
  std::vector<double> idf;
  size_t rarest = 0;
  for (size_t phrase = 0; phrase < lists.size(); ++phrase) {
    if (!lists[phrase]->postings) {
      return false;
    }
    readers.emplace_back(*lists[phrase]->postings);
    idf.push_back(Bm25Idf(size_.rows, lists[phrase]->matches));
    if (lists[phrase]->matches < lists[rarest]->matches) {
      rarest = phrase;
    }
  }
  const double average_tokens = size_.average_tokens();
  std::vector<uint32_t> frequency(lists.size());
  // The rarest term's rows lead; the other readers catch up to each of them.
  Postings::Reader& leader = readers[rarest];
  while (leader.Next()) {
    const long long rowid = leader.rowid();
    frequency[rarest] = leader.frequency();
    bool in_every_list = true;
    for (size_t phrase = 0; phrase < readers.size() && in_every_list; ++phrase) {
      if (phrase == rarest) {
        continue;
      }
      Postings::Reader& reader = readers[phrase];
      // A reader that is past `rowid` stays there; one that has not started is at rowid 0.
      while (reader.rowid() < rowid) {
        if (!reader.Next()) {
          return true;  // no later row of the leader is in this list
        }
      }
      in_every_list = reader.rowid() == rowid;
      frequency[phrase] = reader.frequency();
    }
    if (!in_every_list) {
      continue;
    }
    const uint32_t tokens =
        static_cast<uint64_t>(rowid) < token_counts_.size() ? token_counts_[rowid] : 0;
    // Summed in phrase order, as openlabs_rank() sums, so that both give the same double.
    double score = 0;
    for (size_t phrase = 0; phrase < lists.size(); ++phrase) {
      score += Bm25PhraseScore(idf[phrase], frequency[phrase], static_cast<int>(tokens),
                               average_tokens);
    }
    collector.Add({score, 0, rowid});
  }
  return true;
}

void Postings::Add(long long rowid, uint32_t frequency) {
  AddVarint(static_cast<uint64_t>(rowid - last_rowid_));
  AddVarint(frequency);
  last_rowid_ = rowid;
  ++size_;
}

void Postings::AddVarint(uint64_t value) {
  while (value >= 0x80) {
    bytes_.push_back(static_cast<uint8_t>(value | 0x80));
    value >>= 7;
  }
  bytes_.push_back(static_cast<uint8_t>(value));
}

ScoreBounds BoundsOf(const std::vector<const ChampionList*>& lists, long long rows, size_t keep) {
  ScoreBounds bounds;
  const size_t phrases = lists.size();
  for (size_t phrase = 0; phrase < phrases; ++phrase) {
    const ChampionList& list = *lists[phrase];
    bounds.idf.push_back(Bm25Idf(rows, list.matches));
    // Rows outside a list that contains every match of its term do not match the query at all.
    bounds.ceiling.push_back(list.best.empty() ? 0 : list.best.back().score);
    for (const RankedRow& row : list.best) {
      std::vector<double>& scores = bounds.listed[row.rowid];
      scores.resize(phrases, std::numeric_limits<double>::quiet_NaN());
      scores[phrase] = row.score;
    }
  }
  // The rows in every list match the query, and their bounds are their scores.
  std::vector<double> exact_scores;
  for (const auto& [rowid, scores] : bounds.listed) {
    bool exact = false;
    const double score = bounds.Bound(rowid, exact);
    if (exact) {
      exact_scores.push_back(score);
    }
  }
  if (keep > 0 && exact_scores.size() >= keep) {
    std::nth_element(exact_scores.begin(), exact_scores.begin() + static_cast<long>(keep - 1),
                     exact_scores.end(), std::greater<>());
    bounds.floor = exact_scores[keep - 1];
  }
  return bounds;
}

std::optional<std::vector<RankedRow>> BestOfListed(
    const ScoreBounds& bounds, size_t keep,
    const std::function<std::optional<double>(long long rowid)>& score_of, size_t max_lookups) {
  if (keep == 0) {
    return std::vector<RankedRow>();
  }
  // A row outside every list scores at most the sum of the ceilings, summed as Bound() does.
  double unlisted = 0;
  for (const double ceiling : bounds.ceiling) {
    unlisted += ceiling;
  }
  struct Candidate {
    double bound;
    bool exact;
    long long rowid;
  };
  std::vector<Candidate> candidates;
  candidates.reserve(bounds.listed.size());
  for (const auto& [rowid, scores] : bounds.listed) {
    bool exact = false;
    const double bound = bounds.Bound(rowid, exact);
    candidates.push_back({bound, exact, rowid});
  }
  std::sort(candidates.begin(), candidates.end(), [](const Candidate& a, const Candidate& b) {
    return a.bound != b.bound ? a.bound > b.bound : a.rowid > b.rowid;
  });
  // Unless `keep` candidates have bounds above the unlisted rows' bound, no proof can succeed.
  if (candidates.size() < keep || !(candidates[keep - 1].bound > unlisted)) {
    return std::nullopt;
  }
  // The rows in every list that score at least bounds.floor are kept before any candidate with a
  // lower bound is reached, so only the other candidates at or above the floor can need a lookup.
  const auto possible_lookups =
      std::count_if(candidates.begin(), candidates.end(), [&](const Candidate& candidate) {
        return !candidate.exact && candidate.bound >= bounds.floor;
      });
  if (static_cast<size_t>(possible_lookups) > max_lookups) {
    return std::nullopt;
  }

  RankCollector best(keep, false);
  for (const Candidate& candidate : candidates) {
    // The rows left score at most candidate.bound, so once that is below the worst kept score,
    // none of them can be kept.
    if (best.Full() && candidate.bound < best.Worst().score) {
      break;
    }
    if (candidate.exact) {
      best.Add({candidate.bound, 0, candidate.rowid});
      continue;
    }
    if (const std::optional<double> score = score_of(candidate.rowid)) {
      best.Add({*score, 0, candidate.rowid});
    }
  }
  // A row that ties with the worst kept row may go before it on rowid, so the bound of the
  // unlisted rows must stay strictly below.
  if (!best.Full() || !(unlisted < best.Worst().score)) {
    return std::nullopt;
  }
  return best.Finish();
}

const ChampionList* ChampionLists::Find(std::string_view term) const {
  const auto found = lists_.find(term);
  return found == lists_.end() ? nullptr : &found->second;
}

}  // namespace openlabs::search
