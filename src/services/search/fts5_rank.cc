#include "services/search/fts5_rank.h"

#include <soci/sqlite3/soci-sqlite3.h>

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

#include "services/search/fts5_snippet.h"

namespace openlabs::search {
namespace {

using sqlite_api::Fts5Context;
using sqlite_api::Fts5ExtensionApi;
using sqlite_api::Fts5PhraseIter;
using sqlite_api::fts5_api;
using sqlite_api::sqlite3;
using sqlite_api::sqlite3_context;
using sqlite_api::sqlite3_int64;
using sqlite_api::sqlite3_stmt;
using sqlite_api::sqlite3_value;

// The token counts that openlabs_bm25() and openlabs_rank() calls on this thread read, set by
// Fts5Ranker::Scope.
thread_local const std::vector<uint32_t>* t_token_counts = nullptr;
// The collector that openlabs_rank() calls on this thread fill, set by Fts5Ranker::Collecting.
thread_local RankCollector* t_collector = nullptr;

sqlite3* Handle(soci::session& session) {
  return static_cast<soci::sqlite3_session_backend*>(session.get_backend())->conn_;
}

// Values that the ranking functions compute once per query: the column weights, the IDF of each
// phrase and the average row length. They live as FTS5 auxiliary data for the statement's life,
// with room for the per-row phrase frequencies.
struct QueryStats {
  long long rows = 0;
  double average_tokens = 0;
  std::vector<double> weights;
  std::vector<double> idf;  // empty until computed
  std::vector<double> frequency;
};

int CountRow(const Fts5ExtensionApi*, Fts5Context*, void* hits) {
  ++*static_cast<sqlite3_int64*>(hits);
  return SQLITE_OK;
}

void DeleteStats(void* stats) { delete static_cast<QueryStats*>(stats); }

// Counts the rows that contain each phrase, walking each phrase's doclist once.
int ComputeIdf(const Fts5ExtensionApi* api, Fts5Context* context, QueryStats& stats) {
  const int phrases = api->xPhraseCount(context);
  stats.idf.resize(phrases);
  for (int phrase = 0; phrase < phrases; ++phrase) {
    sqlite3_int64 hits = 0;
    const int status = api->xQueryPhrase(context, phrase, &hits, CountRow);
    if (status != SQLITE_OK) {
      return status;
    }
    stats.idf[phrase] = Bm25Idf(stats.rows, hits);
  }
  return SQLITE_OK;
}

// Returns the query's stats, creating them on the first call from the `weight_count` column
// weights in `weights`. The IDF is computed unless `with_idf` is false.
QueryStats* StatsFor(const Fts5ExtensionApi* api, Fts5Context* context, int weight_count,
                     sqlite3_value** weights, bool with_idf, int* status) {
  if (auto* stats = static_cast<QueryStats*>(api->xGetAuxdata(context, 0))) {
    return stats;
  }
  auto stats = std::make_unique<QueryStats>();
  sqlite3_int64 rows = 0;
  sqlite3_int64 tokens = 0;
  *status = api->xRowCount(context, &rows);
  if (*status == SQLITE_OK) {
    *status = api->xColumnTotalSize(context, -1, &tokens);
  }
  if (*status != SQLITE_OK) {
    return nullptr;
  }
  stats->rows = rows;
  stats->average_tokens = rows > 0 ? static_cast<double>(tokens) / static_cast<double>(rows) : 1;
  for (int i = 0; i < weight_count; ++i) {
    stats->weights.push_back(sqlite_api::sqlite3_value_double(weights[i]));
  }
  stats->frequency.resize(api->xPhraseCount(context));
  if (with_idf) {
    *status = ComputeIdf(api, context, *stats);
    if (*status != SQLITE_OK) {
      return nullptr;
    }
  }

  QueryStats* stored = stats.release();
  *status = api->xSetAuxdata(context, stored, DeleteStats);
  return *status == SQLITE_OK ? stored : nullptr;
}

// Fills stats.frequency with the weighted number of times each phrase occurs in the current row.
// It iterates each phrase's position list directly, which costs less than xInstCount, because
// that builds a merged array of every phrase's instances first.
int ComputeFrequencies(const Fts5ExtensionApi* api, Fts5Context* context, QueryStats& stats) {
  const int phrases = static_cast<int>(stats.frequency.size());
  const int weight_count = static_cast<int>(stats.weights.size());
  for (int phrase = 0; phrase < phrases; ++phrase) {
    Fts5PhraseIter iterator;
    int column = 0;
    int offset = 0;
    const int status = api->xPhraseFirst(context, phrase, &iterator, &column, &offset);
    if (status != SQLITE_OK) {
      return status;
    }
    double frequency = 0;
    while (column >= 0) {
      frequency += column < weight_count ? stats.weights[column] : 1.0;
      api->xPhraseNext(context, &iterator, &column, &offset);
    }
    stats.frequency[phrase] = frequency;
  }
  return SQLITE_OK;
}

// Sets `tokens` to the current row's token count, from the loaded array when it has the row.
int RowTokens(const Fts5ExtensionApi* api, Fts5Context* context, int& tokens) {
  const sqlite3_int64 row = api->xRowid(context);
  const std::vector<uint32_t>* counts = t_token_counts;
  if (counts != nullptr && row >= 0 && static_cast<uint64_t>(row) < counts->size() &&
      (*counts)[row] != 0) {
    tokens = static_cast<int>((*counts)[row]);
    return SQLITE_OK;
  }
  return api->xColumnSize(context, -1, &tokens);
}

double RowScore(const QueryStats& stats, int tokens) {
  double score = 0;
  for (size_t phrase = 0; phrase < stats.idf.size(); ++phrase) {
    score +=
        Bm25PhraseScore(stats.idf[phrase], stats.frequency[phrase], tokens, stats.average_tokens);
  }
  return score;
}

// Returns the query's stats (see StatsFor) with the current row's phrase frequencies, and sets
// `tokens` to the row's token count. Returns null and sets `status` when a step fails.
QueryStats* ReadRow(const Fts5ExtensionApi* api, Fts5Context* context, int weight_count,
                    sqlite3_value** weights, bool with_idf, int& tokens, int& status) {
  QueryStats* stats = StatsFor(api, context, weight_count, weights, with_idf, &status);
  if (stats != nullptr) {
    status = ComputeFrequencies(api, context, *stats);
  }
  if (status == SQLITE_OK) {
    status = RowTokens(api, context, tokens);
  }
  return status == SQLITE_OK ? stats : nullptr;
}

// openlabs_bm25(search_fts, weight, ...): the BM25 score of the current row, negated so that
// ORDER BY ascending puts the best first, as FTS5's bm25() does. Weight i applies to column i;
// columns without one weigh 1.
void Bm25(const Fts5ExtensionApi* api, Fts5Context* context, sqlite3_context* result,
          int weight_count, sqlite3_value** weights) {
  int tokens = 0;
  int status = SQLITE_OK;
  QueryStats* stats = ReadRow(api, context, weight_count, weights, true, tokens, status);
  if (stats == nullptr) {
    sqlite_api::sqlite3_result_error_code(result, status);
    return;
  }
  sqlite_api::sqlite3_result_double(result, -RowScore(*stats, tokens));
}

// openlabs_rank() with score bounds: counts the current row, and scores it only when its bound
// can reach the rows kept so far.
void RankBounded(const Fts5ExtensionApi* api, Fts5Context* context, sqlite3_context* result,
                 int argument_count, sqlite3_value** arguments, RankCollector& collector,
                 const ScoreBounds& bounds) {
  if (static_cast<size_t>(api->xPhraseCount(context)) != bounds.idf.size()) {
    sqlite_api::sqlite3_result_error(result, "openlabs_rank(): score bounds for other phrases",
                                     -1);
    return;
  }
  const long long rowid = api->xRowid(context);
  const long long created_at = sqlite_api::sqlite3_value_int64(arguments[0]);
  bool exact = false;
  const double bound = collector.BoundInWalk(rowid, exact);
  if (collector.Excludes(bound)) {
    collector.CountExcluded();
  } else if (exact) {
    collector.Add({bound, created_at, rowid});
  } else {
    int tokens = 0;
    int status = SQLITE_OK;
    QueryStats* stats =
        ReadRow(api, context, argument_count - 1, arguments + 1, false, tokens, status);
    if (stats == nullptr) {
      sqlite_api::sqlite3_result_error_code(result, status);
      return;
    }
    if (stats->idf.empty()) {
      stats->idf = bounds.idf;
    }
    collector.Add({RowScore(*stats, tokens), created_at, rowid});
  }
  sqlite_api::sqlite3_result_int(result, 1);
}

// openlabs_rank(search_fts, created_at, weight, ...): adds the current row to the collector of
// this thread (see RankCollector) and returns 1.
void Rank(const Fts5ExtensionApi* api, Fts5Context* context, sqlite3_context* result,
          int argument_count, sqlite3_value** arguments) {
  RankCollector* collector = t_collector;
  if (collector == nullptr || argument_count < 1) {
    sqlite_api::sqlite3_result_error(
        result, "openlabs_rank() needs a collector and a created_at argument", -1);
    return;
  }
  if (const ScoreBounds* bounds = collector->bounds()) {
    RankBounded(api, context, result, argument_count, arguments, *collector, *bounds);
    return;
  }
  const bool deferred_idf = collector->unfiltered() && api->xPhraseCount(context) == 1;
  int tokens = 0;
  int status = SQLITE_OK;
  QueryStats* stats = ReadRow(api, context, argument_count - 1, arguments + 1, !deferred_idf,
                              tokens, status);
  if (stats == nullptr) {
    sqlite_api::sqlite3_result_error_code(result, status);
    return;
  }
  const long long rowid = api->xRowid(context);
  const long long created_at = sqlite_api::sqlite3_value_int64(arguments[0]);
  if (deferred_idf) {
    collector->SetTableStats(stats->rows, stats->average_tokens);
    collector->AddUnscored(rowid, created_at, stats->frequency[0], tokens);
  } else {
    collector->Add({RowScore(*stats, tokens), created_at, rowid});
  }
  sqlite_api::sqlite3_result_int(result, 1);
}

fts5_api* Fts5Api(sqlite3* db) {
  fts5_api* api = nullptr;
  sqlite3_stmt* statement = nullptr;
  if (sqlite_api::sqlite3_prepare_v2(db, "SELECT fts5(?1)", -1, &statement, nullptr) !=
      SQLITE_OK) {
    return nullptr;
  }
  sqlite_api::sqlite3_bind_pointer(statement, 1, &api, "fts5_api_ptr", nullptr);
  sqlite_api::sqlite3_step(statement);
  sqlite_api::sqlite3_finalize(statement);
  return api;
}

// Reads one SQLite varint (the format of search_fts_docsize.sz) from [*at, end); false when cut.
bool ReadVarint(const unsigned char*& at, const unsigned char* end, uint64_t& value) {
  value = 0;
  for (int i = 0; i < 9 && at < end; ++i) {
    const unsigned char byte = *at++;
    if (i == 8) {
      value = (value << 8) | byte;
      return true;
    }
    value = (value << 7) | (byte & 0x7f);
    if ((byte & 0x80) == 0) {
      return true;
    }
  }
  return false;
}

// openlabs_index_size(search_fts, part): the table's row count when `part` is 0, its total
// token count otherwise, as the ranking functions read them.
void IndexSizeFunction(const Fts5ExtensionApi* api, Fts5Context* context, sqlite3_context* result,
                       int argument_count, sqlite3_value** arguments) {
  sqlite3_int64 value = 0;
  const bool rows = argument_count < 1 || sqlite_api::sqlite3_value_int(arguments[0]) == 0;
  const int status =
      rows ? api->xRowCount(context, &value) : api->xColumnTotalSize(context, -1, &value);
  if (status != SQLITE_OK) {
    sqlite_api::sqlite3_result_error_code(result, status);
    return;
  }
  sqlite_api::sqlite3_result_int64(result, value);
}

// Appends each token that the tokenizer reports to the std::vector<std::string> in `tokens`.
int AppendToken(void* tokens, int flags, const char* token, int bytes, int, int) {
  // A colocated token is a synonym at the same position; porter and unicode61 make none.
  if ((flags & FTS5_TOKEN_COLOCATED) == 0) {
    static_cast<std::vector<std::string>*>(tokens)->emplace_back(token,
                                                                  static_cast<size_t>(bytes));
  }
  return SQLITE_OK;
}

}  // namespace

double Bm25Idf(long long rows, long long hits) {
  const double idf = std::log((static_cast<double>(rows - hits) + 0.5) /
                              (static_cast<double>(hits) + 0.5));
  // A phrase in more than half of the rows would count against a match, so it counts a little.
  return idf > 0 ? idf : 1e-6;
}

std::vector<std::string> QueryTokens(soci::session& session, std::string_view text) {
  fts5_api* api = Fts5Api(Handle(session));
  void* user_data = nullptr;
  sqlite_api::fts5_tokenizer methods{};
  if (api == nullptr || api->xFindTokenizer(api, "porter", &user_data, &methods) != SQLITE_OK) {
    throw soci::soci_error("the FTS5 porter tokenizer is not available");
  }
  // The arguments after "porter" in search_fts's tokenize option.
  const char* arguments[] = {"unicode61"};
  sqlite_api::Fts5Tokenizer* tokenizer = nullptr;
  if (methods.xCreate(user_data, arguments, 1, &tokenizer) != SQLITE_OK) {
    throw soci::soci_error("creating the FTS5 porter tokenizer failed");
  }
  std::vector<std::string> tokens;
  const int status = methods.xTokenize(tokenizer, &tokens, FTS5_TOKENIZE_QUERY, text.data(),
                                       static_cast<int>(text.size()), AppendToken);
  methods.xDelete(tokenizer);
  if (status != SQLITE_OK) {
    throw soci::soci_error("tokenizing a query term failed");
  }
  return tokens;
}

IndexSize ReadIndexSize(soci::session& session) {
  IndexSize size;
  session << "SELECT openlabs_index_size(search_fts, 0), openlabs_index_size(search_fts, 1) "
             "FROM search_fts LIMIT 1",
      soci::into(size.rows), soci::into(size.tokens);
  if (!session.got_data()) {
    return {};
  }
  return size;
}

std::vector<uint32_t> Fts5Ranker::ScopedTokenCounts() {
  const std::vector<uint32_t>* counts = t_token_counts;
  return counts == nullptr ? std::vector<uint32_t>() : *counts;
}

void Fts5Ranker::Register(soci::session& session) {
  sqlite3* db = Handle(session);
  std::lock_guard lock(registered_mutex_);
  if (std::find(registered_.begin(), registered_.end(), db) != registered_.end()) {
    return;
  }
  fts5_api* api = Fts5Api(db);
  if (api == nullptr ||
      api->xCreateFunction(api, "openlabs_bm25", nullptr, Bm25, nullptr) != SQLITE_OK ||
      api->xCreateFunction(api, "openlabs_rank", nullptr, Rank, nullptr) != SQLITE_OK ||
      api->xCreateFunction(api, "openlabs_snippet", nullptr, Fts5Snippet, nullptr) != SQLITE_OK ||
      api->xCreateFunction(api, "openlabs_index_size", nullptr, IndexSizeFunction, nullptr) !=
          SQLITE_OK) {
    throw soci::soci_error("cannot register the openlabs ranking and snippet functions with FTS5");
  }
  registered_.push_back(db);
}

long long Fts5Ranker::Generation(soci::session& session) {
  long long generation = 0;
  session << "SELECT generation FROM search_state WHERE id = 1", soci::into(generation);
  return generation;
}

Fts5Ranker::Scope::Scope(Fts5Ranker& ranker, soci::session& session, long long generation) {
  {
    std::shared_lock shared(ranker.mutex_);
    if (ranker.generation_ == generation) {
      lock_ = std::move(shared);
      t_token_counts = &ranker.token_counts_;
      return;
    }
  }
  {
    std::unique_lock exclusive(ranker.mutex_);
    if (ranker.generation_ != generation) {
      ranker.Load(session, generation);
    }
  }
  // Another search may have loaded a newer snapshot meanwhile; then this one looks sizes up.
  std::shared_lock shared(ranker.mutex_);
  if (ranker.generation_ == generation) {
    lock_ = std::move(shared);
    t_token_counts = &ranker.token_counts_;
  }
}

Fts5Ranker::Scope::~Scope() { t_token_counts = nullptr; }

Fts5Ranker::Collecting::Collecting(RankCollector& collector) { t_collector = &collector; }

Fts5Ranker::Collecting::~Collecting() { t_collector = nullptr; }

bool RanksBefore(const RankedRow& a, const RankedRow& b) {
  if (a.score != b.score) {
    return a.score > b.score;
  }
  if (a.created_at != b.created_at) {
    return a.created_at > b.created_at;
  }
  return a.rowid > b.rowid;
}

double ScoreBounds::Bound(long long rowid, bool& exact) const {
  const auto found = listed.find(rowid);
  return BoundOf(found == listed.end() ? nullptr : &found->second, exact);
}

double ScoreBounds::BoundOf(const std::vector<double>* scores, bool& exact) const {
  exact = scores != nullptr;
  double bound = 0;
  for (size_t phrase = 0; phrase < ceiling.size(); ++phrase) {
    // A listed score is above the ceiling, so it is used even when another phrase's is unknown.
    if (scores != nullptr && !std::isnan((*scores)[phrase])) {
      bound += (*scores)[phrase];
    } else {
      bound += ceiling[phrase];
      exact = false;
    }
  }
  return bound;
}

void RankCollector::SetBounds(ScoreBounds bounds) {
  bounds_ = std::move(bounds);
  listed_rows_.clear();
  for (const auto& [rowid, scores] : bounds_->listed) {
    listed_rows_.emplace_back(rowid, &scores);
  }
  std::sort(listed_rows_.begin(), listed_rows_.end());
  next_listed_ = 0;
  last_rowid_ = std::numeric_limits<long long>::min();
  bool exact = false;
  unlisted_bound_ = bounds_->BoundOf(nullptr, exact);
}

double RankCollector::BoundInWalk(long long rowid, bool& exact) {
  const auto before = [](const std::pair<long long, const std::vector<double>*>& row,
                         long long id) { return row.first < id; };
  if (rowid < last_rowid_) {
    next_listed_ = static_cast<size_t>(
        std::lower_bound(listed_rows_.begin(), listed_rows_.end(), rowid, before) -
        listed_rows_.begin());
  }
  while (next_listed_ < listed_rows_.size() && listed_rows_[next_listed_].first < rowid) {
    ++next_listed_;
  }
  last_rowid_ = rowid;
  if (next_listed_ < listed_rows_.size() && listed_rows_[next_listed_].first == rowid) {
    return bounds_->BoundOf(listed_rows_[next_listed_].second, exact);
  }
  exact = false;
  return unlisted_bound_;
}

bool RankCollector::Excludes(double bound) const {
  if (bounds_ && bound < bounds_->floor) {
    return true;
  }
  // A row that ties with the worst kept row may still go before it, on created_at or rowid.
  return heap_.size() >= keep_ && (keep_ == 0 || bound < heap_.front().score);
}

void RankCollector::Add(const RankedRow& row) {
  ++matches_;
  Keep(row);
}

void RankCollector::Keep(const RankedRow& row) {
  if (keep_ == 0) {
    return;
  }
  // With RanksBefore as the heap's less-than, the front is the kept row that ranks last.
  if (heap_.size() < keep_) {
    heap_.push_back(row);
    std::push_heap(heap_.begin(), heap_.end(), RanksBefore);
  } else if (RanksBefore(row, heap_.front())) {
    std::pop_heap(heap_.begin(), heap_.end(), RanksBefore);
    heap_.back() = row;
    std::push_heap(heap_.begin(), heap_.end(), RanksBefore);
  }
}

void RankCollector::AddUnscored(long long rowid, long long created_at, double frequency,
                                int tokens) {
  ++matches_;
  unscored_.push_back({rowid, created_at, frequency, tokens});
}

std::vector<RankedRow> RankCollector::Finish() {
  if (!unscored_.empty()) {
    // Every match contains the query's one phrase and nothing else limits the matches, so the
    // phrase's document count is the number of matches.
    const double idf = Bm25Idf(table_rows_, static_cast<long long>(unscored_.size()));
    std::vector<Unscored> rows = std::move(unscored_);
    unscored_.clear();
    for (const Unscored& row : rows) {
      Keep({Bm25PhraseScore(idf, row.frequency, row.tokens, average_tokens_), row.created_at,
            row.rowid});
    }
  }
  std::vector<RankedRow> best = std::move(heap_);
  heap_.clear();
  std::sort_heap(best.begin(), best.end(), RanksBefore);
  return best;
}

size_t Fts5Ranker::loaded_rows() const {
  std::shared_lock lock(mutex_);
  return loaded_rows_;
}

void Fts5Ranker::Load(soci::session& session, long long generation) {
  sqlite3* db = Handle(session);
  sqlite3_stmt* statement = nullptr;
  if (sqlite_api::sqlite3_prepare_v2(db, "SELECT id, sz FROM search_fts_docsize", -1, &statement,
                                     nullptr) != SQLITE_OK) {
    throw soci::soci_error(std::string("reading search_fts_docsize: ") +
                           sqlite_api::sqlite3_errmsg(db));
  }

  std::vector<uint32_t> counts;
  size_t rows = 0;
  int status = SQLITE_ROW;
  while ((status = sqlite_api::sqlite3_step(statement)) == SQLITE_ROW) {
    const sqlite3_int64 id = sqlite_api::sqlite3_column_int64(statement, 0);
    const auto* blob =
        static_cast<const unsigned char*>(sqlite_api::sqlite3_column_blob(statement, 1));
    const int size = sqlite_api::sqlite3_column_bytes(statement, 1);
    // Row ids come from search_documents.id; an absurd one is left to the usual lookup.
    if (id <= 0 || id > (1LL << 28) || blob == nullptr) {
      continue;
    }
    uint64_t total = 0;
    uint64_t column = 0;
    const unsigned char* at = blob;
    while (at < blob + size && ReadVarint(at, blob + size, column)) {
      total += column;
    }

    if (total == 0 || total > UINT32_MAX) {
      continue;
    }
    if (static_cast<size_t>(id) >= counts.size()) {
      counts.resize(std::max<size_t>(id + 1, counts.size() * 3 / 2), 0);
    }
    counts[id] = static_cast<uint32_t>(total);
    ++rows;
  }
  sqlite_api::sqlite3_finalize(statement);
  if (status != SQLITE_DONE) {
    throw soci::soci_error(std::string("reading search_fts_docsize: ") +
                           sqlite_api::sqlite3_errmsg(db));
  }
  token_counts_ = std::move(counts);
  loaded_rows_ = rows;
  generation_ = generation;
}

}  // namespace openlabs::search
