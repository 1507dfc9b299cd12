#include "services/search/fts5_rank.h"

#include <soci/sqlite3/soci-sqlite3.h>

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

namespace openlabs::search {
namespace {

using sqlite_api::Fts5Context;
using sqlite_api::Fts5ExtensionApi;
using sqlite_api::fts5_api;
using sqlite_api::sqlite3;
using sqlite_api::sqlite3_context;
using sqlite_api::sqlite3_int64;
using sqlite_api::sqlite3_stmt;
using sqlite_api::sqlite3_value;

constexpr double kK1 = 1.2;
constexpr double kB = 0.75;

// The token counts that openlabs_bm25() calls on this thread read, set by Fts5Ranker::Scope.
thread_local const std::vector<uint32_t>* t_token_counts = nullptr;

sqlite3* Handle(soci::session& session) {
  return static_cast<soci::sqlite3_session_backend*>(session.get_backend())->conn_;
}

// Values that openlabs_bm25() computes once per query: the IDF of each phrase and the average
// row length. They live as FTS5 auxiliary data for the statement's life, with room for the
// per-row phrase frequencies.
struct QueryStats {
  double average_tokens = 0;
  std::vector<double> idf;
  std::vector<double> frequency;
};

int CountRow(const Fts5ExtensionApi*, Fts5Context*, void* hits) {
  ++*static_cast<sqlite3_int64*>(hits);
  return SQLITE_OK;
}

void DeleteStats(void* stats) { delete static_cast<QueryStats*>(stats); }

QueryStats* StatsFor(const Fts5ExtensionApi* api, Fts5Context* context, int* status) {
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

  stats->average_tokens = rows > 0 ? static_cast<double>(tokens) / static_cast<double>(rows) : 1;
  const int phrases = api->xPhraseCount(context);
  stats->idf.resize(phrases);
  stats->frequency.resize(phrases);
  for (int phrase = 0; phrase < phrases; ++phrase) {
    sqlite3_int64 hits = 0;
    *status = api->xQueryPhrase(context, phrase, &hits, CountRow);
    if (*status != SQLITE_OK) {
      return nullptr;
    }
    const double idf = std::log((static_cast<double>(rows - hits) + 0.5) /
                                (static_cast<double>(hits) + 0.5));
    // A phrase in more than half of the rows would count against a match; it counts a little.
    stats->idf[phrase] = idf > 0 ? idf : 1e-6;
  }

  QueryStats* stored = stats.release();
  *status = api->xSetAuxdata(context, stored, DeleteStats);
  return *status == SQLITE_OK ? stored : nullptr;
}

// openlabs_bm25(search_fts, weight, ...): the BM25 score of the current row, negated so that
// ORDER BY ascending puts the best first, as FTS5's bm25() does. Weight i applies to column i;
// columns without one weigh 1.
void Bm25(const Fts5ExtensionApi* api, Fts5Context* context, sqlite3_context* result,
          int weight_count, sqlite3_value** weights) {
  int status = SQLITE_OK;
  QueryStats* stats = StatsFor(api, context, &status);
  if (stats == nullptr) {
    sqlite_api::sqlite3_result_error_code(result, status);
    return;
  }
  std::fill(stats->frequency.begin(), stats->frequency.end(), 0.0);
  int instances = 0;
  status = api->xInstCount(context, &instances);
  for (int i = 0; status == SQLITE_OK && i < instances; ++i) {
    int phrase = 0;
    int column = 0;
    int offset = 0;
    status = api->xInst(context, i, &phrase, &column, &offset);
    if (status == SQLITE_OK) {
      stats->frequency[phrase] +=
          column < weight_count ? sqlite_api::sqlite3_value_double(weights[column]) : 1.0;
    }
  }
  int tokens = 0;
  const sqlite3_int64 row = api->xRowid(context);
  const std::vector<uint32_t>* counts = t_token_counts;
  if (counts != nullptr && row >= 0 && static_cast<uint64_t>(row) < counts->size() &&
      (*counts)[row] != 0) {
    tokens = static_cast<int>((*counts)[row]);
  } else if (status == SQLITE_OK) {
    status = api->xColumnSize(context, -1, &tokens);
  }
  if (status != SQLITE_OK) {
    sqlite_api::sqlite3_result_error_code(result, status);
    return;
  }
  const double length_factor = kK1 * (1 - kB + kB * tokens / stats->average_tokens);
  double score = 0;
  for (size_t phrase = 0; phrase < stats->idf.size(); ++phrase) {
    const double frequency = stats->frequency[phrase];
    score += stats->idf[phrase] * (frequency * (kK1 + 1.0)) / (frequency + length_factor);
  }
  sqlite_api::sqlite3_result_double(result, -score);
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

}  // namespace

void Fts5Ranker::Register(soci::session& session) {
  sqlite3* db = Handle(session);
  std::lock_guard lock(registered_mutex_);
  if (std::find(registered_.begin(), registered_.end(), db) != registered_.end()) {
    return;
  }
  fts5_api* api = Fts5Api(db);
  if (api == nullptr || api->xCreateFunction(api, "openlabs_bm25", nullptr, Bm25, nullptr) !=
                            SQLITE_OK) {
    throw soci::soci_error("cannot register openlabs_bm25 with FTS5");
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
