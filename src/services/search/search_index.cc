#include "services/search/search_index.h"

#include <soci/sqlite3/soci-sqlite3.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <condition_variable>
#include <deque>
#include <functional>
#include <limits>
#include <mutex>
#include <optional>
#include <span>
#include <thread>

#include "common/clock.h"
#include "services/search/champion_lists.h"
#include "services/search/fts5_rank.h"
#include "services/search/page_cache.h"
#include "services/search/search_text.h"

namespace openlabs::search {
namespace {

using storage::Database;
using storage::Dialect;

constexpr int kMaxPageSize = 100;
constexpr int kMaxPage = 1'000'000;
constexpr size_t kMaxTypeLength = 32;
constexpr size_t kMaxTags = 20;
constexpr size_t kMaxTitleBytes = 2'000;
constexpr size_t kMaxTagBytes = 100;
constexpr size_t kMaxSummaryBytes = 50'000;
// PostgreSQL rejects a tsvector over 1 MiB, so the indexed body is cut at 1,000,000 bytes on
// both engines; the text past that point is not searchable.
constexpr size_t kMaxBodyBytes = 1'000'000;
// ts_headline parses the whole text it is given, so snippets come from the first 100,000 bytes.
constexpr int kMaxHeadlineBytes = 100'000;
constexpr int kSnippetTokens = 24;
// The memory that cached result pages may use (see page_cache.h).
constexpr size_t kCachedPageBytes = 8 << 20;

// Values bound by name to a statement whose placeholders depend on the query. A deque keeps the
// addresses that SOCI holds stable while values are added.
struct Bindings {
  Bindings() = default;
  Bindings(const Bindings&) = delete;
  Bindings& operator=(const Bindings&) = delete;

  std::deque<std::string> strings;
  std::deque<long long> numbers;
  std::vector<std::pair<std::string, std::string*>> string_uses;
  std::vector<std::pair<std::string, long long*>> number_uses;

  void Add(std::string name, std::string value) {
    strings.push_back(std::move(value));
    string_uses.emplace_back(std::move(name), &strings.back());
  }
  void Add(std::string name, long long value) {
    numbers.push_back(value);
    number_uses.emplace_back(std::move(name), &numbers.back());
  }
  void ExchangeInto(soci::statement& statement) const {
    for (const auto& [name, value] : string_uses) {
      statement.exchange(soci::use(*value, name));
    }
    for (const auto& [name, value] : number_uses) {
      statement.exchange(soci::use(*value, name));
    }
  }
};

std::string JoinTags(const std::vector<std::string>& tags) {
  std::string joined;
  for (const std::string& tag : tags) {
    joined += (joined.empty() ? "" : " ") + tag;
  }
  return joined;
}

// The document with every text field cleaned and cut to its limit, and duplicate tags dropped.
SearchDocument Cleaned(const SearchDocument& document) {
  SearchDocument cleaned = document;
  cleaned.title = CleanText(document.title, kMaxTitleBytes);
  cleaned.summary = CleanText(document.summary, kMaxSummaryBytes);
  cleaned.body = CleanText(document.body, kMaxBodyBytes);
  cleaned.tags.clear();
  for (const std::string& tag : document.tags) {
    std::string clean_tag = CleanText(tag, kMaxTagBytes);
    const bool seen =
        std::find(cleaned.tags.begin(), cleaned.tags.end(), clean_tag) != cleaned.tags.end();
    if (!clean_tag.empty() && !seen && cleaned.tags.size() < kMaxTags) {
      cleaned.tags.push_back(std::move(clean_tag));
    }
  }
  return cleaned;
}

// The cleaned document as it is indexed: every text field with its CJK letters separated (see
// kCjkSeparator). The tags stay as they are, for the exact matches of the tag filter.
SearchDocument WithCjkSeparated(const SearchDocument& cleaned) {
  SearchDocument indexed = cleaned;
  indexed.title = SeparateCjk(cleaned.title);
  indexed.summary = SeparateCjk(cleaned.summary);
  indexed.body = SeparateCjk(cleaned.body);
  return indexed;
}

Status CheckKey(std::string_view type, int64_t id) {
  std::vector<FieldViolation> problems;
  const bool type_valid = !type.empty() && type.size() <= kMaxTypeLength &&
                          std::all_of(type.begin(), type.end(),
                                      [](char c) { return (c >= 'a' && c <= 'z') || c == '_'; });
  if (!type_valid) {
    problems.push_back({"type", "must be 1 to 32 lower-case letters, such as \"lab\""});
  }
  if (id <= 0) {
    problems.push_back({"id", "must be a positive id"});
  }
  if (!problems.empty()) {
    return Fail(Error::Validation(std::move(problems)));
  }
  return {};
}

// The filters shared by the count and the page queries, on search_documents aliased "d".
std::string FilterSql(const SearchQuery& query, Bindings& bindings) {
  std::string sql;
  if (!query.type.empty()) {
    sql += " AND d.doc_type = :doc_type";
    bindings.Add("doc_type", query.type);
  }
  if (query.author_id > 0) {
    sql += " AND d.author_id = :author_id";
    bindings.Add("author_id", static_cast<long long>(query.author_id));
  }
  const size_t tag_count = std::min(query.tags.size(), kMaxTags);
  for (size_t i = 0; i < tag_count; ++i) {
    const std::string name = "tag" + std::to_string(i);
    sql += " AND EXISTS (SELECT 1 FROM search_document_tags t" + std::to_string(i) + " WHERE t" +
           std::to_string(i) + ".document_id = d.id AND t" + std::to_string(i) + ".tag = :" + name +
           ")";
    bindings.Add(name, query.tags[i]);
  }
  return sql;
}

class SqlSearchIndex final : public SearchIndex {
 public:
  SqlSearchIndex(Database& database, const SearchOptions& options)
      : database_(database),
        cache_(static_cast<size_t>(options.cached_pages), kCachedPageBytes),
        options_(options),
        champion_options_{.min_matches = options.champion_min_matches,
                          .length = options.champion_length,
                          .max_posting_bytes = options.champion_posting_bytes} {
    if (database_.dialect() != Dialect::kSqlite) {
      return;
    }
    SeparateCjkInOldRows();
  }

  void StartBackgroundWork() override {
    const bool has_work = UsesChampions() || options_.merge_pages > 0;
    if (database_.dialect() != Dialect::kSqlite || !has_work ||
        !options_.champions_in_background || builder_.joinable()) {
      return;
    }
    builder_ = std::jthread([this](std::stop_token stop) { RunChampionBuilds(stop); });
    RequestChampionBuild();
  }

  Status Upsert(const SearchDocument& document) override {
    if (Status valid = CheckKey(document.type, document.id); !valid) {
      return valid;
    }
    const SearchDocument cleaned = Cleaned(document);
    const SearchDocument indexed = WithCjkSeparated(cleaned);
    Status saved = database_.InTransaction<void>([&](soci::session& session) -> Status {
      const long long row_id = SaveRow(session, indexed);
      SaveText(session, row_id, indexed);
      session << "DELETE FROM search_document_tags WHERE document_id = :id", soci::use(row_id);
      for (const std::string& tag : cleaned.tags) {
        session << "INSERT INTO search_document_tags (document_id, tag) VALUES (:id, :tag)",
            soci::use(row_id, "id"), soci::use(tag, "tag");
      }
      return {};
    });
    RequestChampionBuild();
    return saved;
  }

  Status Remove(std::string_view type, int64_t id) override {
    if (Status valid = CheckKey(type, id); !valid) {
      return valid;
    }
    Status removed = database_.InTransaction<void>([&](soci::session& session) -> Status {
      std::optional<long long> row_id = FindRow(session, std::string(type), id);
      if (!row_id) {
        return {};
      }
      if (database_.dialect() == Dialect::kSqlite) {
        session << "UPDATE search_state SET generation = generation + 1 WHERE id = 1";
        session << "DELETE FROM search_fts WHERE rowid = :id", soci::use(*row_id);
      }
      session << "DELETE FROM search_documents WHERE id = :id", soci::use(*row_id);
      return {};
    });
    RequestChampionBuild();
    return removed;
  }

  long long champion_searches() const override {
    return champion_searches_.load(std::memory_order_relaxed);
  }

  Result<int> TextVersion(std::string_view type) override {
    if (Status valid = CheckKey(type, 1); !valid) {
      return Fail(valid.error());
    }
    return database_.WithSession<int>([&](soci::session& session) -> Result<int> {
      const std::string doc_type(type);
      int version = 0;
      session << "SELECT version FROM search_text_versions WHERE doc_type = :type",
          soci::use(doc_type), soci::into(version);
      return session.got_data() ? version : 0;
    });
  }

  Status SetTextVersion(std::string_view type, int version) override {
    if (Status valid = CheckKey(type, 1); !valid) {
      return valid;
    }
    return database_.InTransaction<void>([&](soci::session& session) -> Status {
      const std::string doc_type(type);
      session << "INSERT INTO search_text_versions (doc_type, version) VALUES (:type, :version) "
                 "ON CONFLICT (doc_type) DO UPDATE SET version = excluded.version",
          soci::use(doc_type, "type"), soci::use(version, "version");
      return {};
    });
  }

  Result<SearchPage> Search(const SearchQuery& query) override {
    SearchPage page;
    page.page = std::clamp(query.page, 1, kMaxPage);
    page.limit = query.limit <= 0 ? 20 : std::min(query.limit, kMaxPageSize);
    const ParsedQuery parsed = ParseQuery(query.text);
    if (parsed.empty()) {
      return page;
    }
    if (database_.dialect() == Dialect::kSqlite && UsesChampions() &&
        !options_.champions_in_background) {
      BuildChampionsIfStale();
    }
    return database_.WithSession<SearchPage>([&](soci::session& session) -> Result<SearchPage> {
      if (database_.dialect() == Dialect::kSqlite) {
        // One read transaction, so that the ranker's token counts, the count and the page all
        // see the same snapshot.
        ranker_.Register(session);
        ReadTransaction transaction(session);
        const long long generation = Fts5Ranker::Generation(session);
        const std::string key = PageCache::KeyOf(query, page.page, page.limit);
        std::optional<SearchPage> cached;
        if (!query.fresh && (cached = cache_.Find(key, generation))) {
          return std::move(*cached);
        }
        Fts5Ranker::Scope ranking(ranker_, session, generation);
        const std::string match = ToFts5Query(parsed);
        if (!SearchChampions(session, query, parsed, match, generation, page)) {
          SearchSqlite(session, query, match, page, std::nullopt);
        }
        cache_.Store(key, generation, page);
      } else {
        SearchPostgres(session, query, ToWebsearchQuery(CleanText(query.text, kMaxQueryBytes)),
                       page);
      }
      return page;
    });
  }

 private:
  bool UsesChampions() const {
    return options_.champion_min_matches > 0 && options_.champion_length > 0;
  }

  std::shared_ptr<const ChampionLists> CurrentChampions() const {
    std::lock_guard lock(champions_mutex_);
    return champions_;
  }

  // Computes the page of a query of plain words without filters from the champion lists, equal
  // to the page and total that SearchSqlite computes without them. A one-word page within its
  // list is read from the list. Other pages are ranked in memory from the terms' postings when
  // every term has them. Otherwise, for several words, BestOfListed finds the page among the
  // listed rows when it can prove it, and a COUNT query counts the matches. Failing that,
  // openlabs_rank() walks every match but reads the positions of only the rows that can reach
  // the page. Returns false when the lists are out of date or do not cover the query, and then
  // the caller ranks every match without them.
  bool SearchChampions(soci::session& session, const SearchQuery& query, const ParsedQuery& parsed,
                       const std::string& match, long long generation, SearchPage& page) {
    const std::shared_ptr<const ChampionLists> champions = CurrentChampions();
    if (champions == nullptr || champions->generation() != generation) {
      if (UsesChampions() && options_.champions_in_background) {
        RequestChampionBuild();
      }
      return false;
    }
    Bindings bindings;
    if (!parsed.none_of.empty() || !FilterSql(query, bindings).empty()) {
      return false;
    }
    std::vector<const ChampionList*> lists;
    for (const std::vector<std::string>& group : parsed.all_of) {
      const ChampionList* list = group.size() == 1 ? ListOfWord(session, *champions, group[0])
                                                   : nullptr;
      if (list == nullptr) {
        return false;
      }
      lists.push_back(list);
    }

    const long long offset = static_cast<long long>(page.page - 1) * page.limit;
    const size_t keep = static_cast<size_t>(offset + page.limit);
    RankCollector in_memory(keep, false);
    if (lists.size() == 1 && lists[0]->Covers(offset, page.limit)) {
      const ChampionList& list = *lists[0];
      page.total = list.matches;
      if (static_cast<long long>(list.best.size()) > offset) {
        const auto rows = std::span(list.best).subspan(static_cast<size_t>(offset));
        FetchHits(session, match,
                  rows.first(std::min(rows.size(), static_cast<size_t>(page.limit))), page);
      }
    } else if (champions->RankFromPostings(lists, in_memory)) {
      page.total = in_memory.matches();
      const std::vector<RankedRow> best = in_memory.Finish();
      if (best.size() > static_cast<size_t>(offset)) {
        FetchHits(session, match, std::span(best).subspan(static_cast<size_t>(offset)), page);
      }
    } else {
      ScoreBounds bounds = BoundsOf(lists, champions->rows(), keep);
      RowScorer scorer(session, match, bounds);
      std::optional<std::vector<RankedRow>> best = BestOfListed(
          bounds, keep, [&scorer](long long rowid) { return scorer(rowid); },
          MaxLookups(lists));
      if (!best) {
        SearchSqlite(session, query, match, page, std::move(bounds));
      } else {
        Bindings count_bindings;
        count_bindings.Add("match", match);
        page.total = RunToEnd(session, "SELECT COUNT(*) FROM search_fts WHERE search_fts MATCH :match",
                              count_bindings);
        if (best->size() > static_cast<size_t>(offset)) {
          FetchHits(session, match, std::span(*best).subspan(static_cast<size_t>(offset)), page);
        }
      }
    }
    champion_searches_.fetch_add(1, std::memory_order_relaxed);
    return true;
  }

  // Returns the list of the one index term of `word`, or null when the word makes several
  // terms, has CJK letters or has no list. A quoted word is a phrase of the terms that the
  // tokenizer makes of it, so a word of one term matches exactly the rows of that term.
  static const ChampionList* ListOfWord(soci::session& session, const ChampionLists& champions,
                                        const std::string& word) {
    if (ContainsCjk(word)) {
      return nullptr;
    }
    const std::vector<std::string> terms = QueryTokens(session, word);
    return terms.size() == 1 ? champions.Find(terms[0]) : nullptr;
  }

  // The row lookups that BestOfListed may make for a query of the terms of `lists`: one per
  // SearchOptions::champion_matches_per_lookup matches of the rarest term, at most 64.
  size_t MaxLookups(const std::vector<const ChampionList*>& lists) const {
    long long rarest = std::numeric_limits<long long>::max();
    for (const ChampionList* list : lists) {
      rarest = std::min(rarest, list->matches);
    }
    const long long per_lookup = std::max<long long>(1, options_.champion_matches_per_lookup);
    return static_cast<size_t>(std::min<long long>(64, rarest / per_lookup));
  }

  // Computes the exact score of single rows for the query `match`, for BestOfListed, with one
  // prepared statement.
  class RowScorer {
   public:
    RowScorer(soci::session& session, const std::string& match, const ScoreBounds& bounds)
        : match_(match),
          statement_((session.prepare << "SELECT COUNT(*) FROM search_fts WHERE search_fts MATCH "
                                         ":match AND rowid = :rowid AND " +
                                             RankCall("0") + " > 0",
                      soci::use(match_, "match"), soci::use(rowid_, "rowid"),
                      soci::into(count_))) {
      // Infinite ceilings, so that openlabs_rank() scores the row instead of excluding it.
      scoring_.idf = bounds.idf;
      scoring_.ceiling.assign(bounds.ceiling.size(), std::numeric_limits<double>::infinity());
    }

    // Returns the row's score, or nothing when the row does not match the query.
    std::optional<double> operator()(long long rowid) {
      rowid_ = rowid;
      RankCollector collector(1, true);
      collector.SetBounds(scoring_);
      {
        Fts5Ranker::Collecting collecting(collector);
        statement_.execute(true);
      }
      const std::vector<RankedRow> rows = collector.Finish();
      if (rows.empty()) {
        return std::nullopt;
      }
      return rows.front().score;
    }

   private:
    std::string match_;
    long long rowid_ = 0;
    long long count_ = 0;
    ScoreBounds scoring_;
    soci::statement statement_;
  };

  void RequestChampionBuild() {
    if (!builder_.joinable()) {
      return;
    }
    {
      std::lock_guard lock(builder_mutex_);
      build_requested_ = true;
    }
    builder_wakeup_.notify_one();
  }

  // The loop of the builder thread: waits for a request, lets a burst of writes end, builds.
  void RunChampionBuilds(std::stop_token stop) {
    std::unique_lock lock(builder_mutex_);
    while (!stop.stop_requested()) {
      builder_wakeup_.wait(lock, stop, [&] { return build_requested_; });
      builder_wakeup_.wait_for(lock, stop, options_.champion_delay, [] { return false; });
      if (stop.stop_requested()) {
        return;
      }
      build_requested_ = false;
      lock.unlock();
      MergeSegments(stop);
      if (UsesChampions()) {
        BuildChampionsIfStale(stop);
      }
      lock.lock();
    }
  }

  // Merges the segments of search_fts into one, SearchOptions::merge_pages pages per write
  // transaction, because FTS5 writes a segment per transaction and reads a term from each one.
  // The merge changes the storage, not the rows, so the generation and the lists stay valid.
  void MergeSegments(std::stop_token stop) {
    if (options_.merge_pages <= 0) {
      return;
    }
    const auto started = std::chrono::steady_clock::now();
    long long segments = 0;
    Status status = database_.WithSession<void>([&](soci::session& session) -> Status {
      session << "SELECT COUNT(DISTINCT segid) FROM search_fts_idx", soci::into(segments);
      return {};
    });
    int steps = 0;
    bool merging = status && segments > 1;
    while (merging && !stop.stop_requested()) {
      status = database_.InTransaction<void>([&](soci::session& session) -> Status {
        sqlite_api::sqlite3* db =
            static_cast<soci::sqlite3_session_backend*>(session.get_backend())->conn_;
        const int changes_before = sqlite_api::sqlite3_total_changes(db);
        // A negative page count merges segments of every level, down to one segment.
        const int pages = -options_.merge_pages;
        session << "INSERT INTO search_fts (search_fts, rank) VALUES ('merge', :pages)",
            soci::use(pages);
        // FTS5 documents a change count below 2 as a merge that found nothing to do.
        merging = sqlite_api::sqlite3_total_changes(db) - changes_before >= 2;
        return {};
      });
      merging = merging && status;
      ++steps;
    }
    if (!status) {
      spdlog::error("search: merging the index segments failed, so searches read {} segments: {}",
                    segments, status.error().internal);
    } else if (segments > 1 && !stop.stop_requested()) {
      const auto elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(
          std::chrono::steady_clock::now() - started);
      spdlog::info("search: merged {} index segments into one in {} steps and {} ms", segments,
                   steps, elapsed.count());
    }
  }

  // Builds the champion lists of the current snapshot unless the kept ones belong to it.
  void BuildChampionsIfStale(std::stop_token stop = {}) {
    const auto started = std::chrono::steady_clock::now();
    std::shared_ptr<const ChampionLists> built;
    long long generation = -1;
    const Status status = database_.WithSession<void>([&](soci::session& session) -> Status {
      ranker_.Register(session);
      ReadTransaction transaction(session);
      generation = Fts5Ranker::Generation(session);
      const std::shared_ptr<const ChampionLists> current = CurrentChampions();
      if ((current != nullptr && current->generation() == generation) ||
          generation == failed_generation_.load()) {
        return {};
      }
      built = ChampionLists::Build(session, ranker_, champion_options_, stop);
      return {};
    });
    if (!status) {
      // Searches request a build while the lists are out of date, so a build that fails for a
      // reason that lasts is not tried again until the index changes.
      failed_generation_.store(generation);
      spdlog::error("search: building the champion lists for generation {} failed, so searches "
                    "score every match until the index changes: {}",
                    generation, status.error().internal);
      return;
    }
    if (built == nullptr) {
      return;
    }
    const auto elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(
        std::chrono::steady_clock::now() - started);
    spdlog::info("search: built the champion lists of {} terms ({} MiB of postings) for "
                 "generation {} in {} ms",
                 built->term_count(), built->posting_bytes() >> 20, built->generation(),
                 elapsed.count());
    std::lock_guard lock(champions_mutex_);
    if (champions_ == nullptr || champions_->generation() < built->generation()) {
      champions_ = std::move(built);
    }
  }

  // Rewrites the search_fts rows indexed before CJK letters were separated (see kCjkSeparator),
  // once per database. PostgreSQL's migration does the same in SQL.
  void SeparateCjkInOldRows() {
    const Status status = database_.InTransaction<void>([&](soci::session& session) -> Status {
      int separated = 0;
      session << "SELECT cjk_separated FROM search_state WHERE id = 1", soci::into(separated);
      if (separated != 0) {
        return {};
      }
      const std::vector<OldRow> rows = FindRowsWithCjk(session);
      for (const OldRow& row : rows) {
        session << "UPDATE search_fts SET title = :title, tags = :tags, summary = :summary, "
                   "body = :body WHERE rowid = :id",
            soci::use(row.texts[0], "title"), soci::use(row.texts[1], "tags"),
            soci::use(row.texts[2], "summary"), soci::use(row.texts[3], "body"),
            soci::use(row.rowid, "id");
      }
      session << "UPDATE search_state SET cjk_separated = 1, generation = generation + 1 "
                 "WHERE id = 1";
      if (!rows.empty()) {
        spdlog::info("search: separated the CJK letters of {} indexed documents", rows.size());
      }
      return {};
    });
    if (!status) {
      spdlog::error("search: separating the CJK letters of indexed documents failed, so words "
                    "inside their CJK text are not found: {}",
                    status.error().internal);
    }
  }

  // A search_fts row with its four columns (title, tags, summary, body) as they are to be stored.
  struct OldRow {
    long long rowid = 0;
    std::array<std::string, 4> texts;
  };

  // Returns the rows of search_fts with CJK letters, separated. The scan reads the texts in
  // place through the C API, because copying every text (all of the index) would cost more than
  // checking it.
  static std::vector<OldRow> FindRowsWithCjk(soci::session& session) {
    sqlite_api::sqlite3* db =
        static_cast<soci::sqlite3_session_backend*>(session.get_backend())->conn_;
    sqlite_api::sqlite3_stmt* statement = nullptr;
    if (sqlite_api::sqlite3_prepare_v2(db, "SELECT rowid, title, tags, summary, body FROM search_fts",
                                       -1, &statement, nullptr) != SQLITE_OK) {
      throw soci::soci_error(std::string("reading search_fts: ") + sqlite_api::sqlite3_errmsg(db));
    }
    std::vector<OldRow> rows;
    int step = SQLITE_ROW;
    while ((step = sqlite_api::sqlite3_step(statement)) == SQLITE_ROW) {
      std::array<std::string_view, 4> texts;
      bool has_cjk = false;
      for (int column = 0; column < 4; ++column) {
        const auto* text = sqlite_api::sqlite3_column_text(statement, column + 1);
        const int bytes = sqlite_api::sqlite3_column_bytes(statement, column + 1);
        texts[column] = text == nullptr ? std::string_view()
                                        : std::string_view(reinterpret_cast<const char*>(text),
                                                           static_cast<size_t>(bytes));
        has_cjk = has_cjk || ContainsCjk(texts[column]);
      }
      if (!has_cjk) {
        continue;
      }
      OldRow row;
      row.rowid = sqlite_api::sqlite3_column_int64(statement, 0);
      for (int column = 0; column < 4; ++column) {
        // A row written separated already (by bench/generate_content.py, say) keeps one
        // separator on each side.
        row.texts[column] = SeparateCjk(WithoutCjkSeparators(texts[column]));
      }
      rows.push_back(std::move(row));
    }
    sqlite_api::sqlite3_finalize(statement);
    if (step != SQLITE_DONE) {
      throw soci::soci_error(std::string("reading search_fts: ") + sqlite_api::sqlite3_errmsg(db));
    }
    return rows;
  }

  static std::optional<long long> FindRow(soci::session& session, const std::string& type,
                                          long long id) {
    long long row_id = 0;
    session << "SELECT id FROM search_documents WHERE doc_type = :type AND doc_id = :id",
        soci::use(type, "type"), soci::use(id, "id"), soci::into(row_id);
    if (!session.got_data()) {
      return std::nullopt;
    }
    return row_id;
  }

  // Inserts or updates the search_documents row and returns its id. On PostgreSQL the row holds
  // the text too, so the generated tsvector follows every change.
  long long SaveRow(soci::session& session, const SearchDocument& document) const {
    const long long now = NowMillis();
    const long long author_id = document.author_id;
    const long long created_at = document.created_at > 0 ? document.created_at : now;
    const std::string tags_text = SeparateCjk(JoinTags(document.tags));
    const long long doc_id = document.id;
    long long row_id = 0;
    if (database_.dialect() == Dialect::kSqlite) {
      session << "INSERT INTO search_documents (doc_type, doc_id, author_id, created_at, "
                 "updated_at) VALUES (:type, :doc_id, :author_id, :created_at, :updated_at) "
                 "ON CONFLICT (doc_type, doc_id) DO UPDATE SET author_id = excluded.author_id, "
                 "created_at = excluded.created_at, updated_at = excluded.updated_at RETURNING id",
          soci::use(document.type, "type"), soci::use(doc_id, "doc_id"),
          soci::use(author_id, "author_id"), soci::use(created_at, "created_at"),
          soci::use(now, "updated_at"), soci::into(row_id);
      return row_id;
    }
    session << "INSERT INTO search_documents (doc_type, doc_id, author_id, title, tags_text, "
               "summary, body, created_at, updated_at) VALUES (:type, :doc_id, :author_id, "
               ":title, :tags_text, :summary, :body, :created_at, :updated_at) "
               "ON CONFLICT (doc_type, doc_id) DO UPDATE SET author_id = excluded.author_id, "
               "title = excluded.title, tags_text = excluded.tags_text, "
               "summary = excluded.summary, body = excluded.body, "
               "created_at = excluded.created_at, updated_at = excluded.updated_at RETURNING id",
        soci::use(document.type, "type"), soci::use(doc_id, "doc_id"),
        soci::use(author_id, "author_id"), soci::use(document.title, "title"),
        soci::use(tags_text, "tags_text"), soci::use(document.summary, "summary"),
        soci::use(document.body, "body"), soci::use(created_at, "created_at"),
        soci::use(now, "updated_at"), soci::into(row_id);
    return row_id;
  }

  // Replaces the FTS5 row of the document (SQLite only; PostgreSQL keeps the text in the row).
  void SaveText(soci::session& session, long long row_id, const SearchDocument& document) const {
    if (database_.dialect() != Dialect::kSqlite) {
      return;
    }
    const std::string tags_text = SeparateCjk(JoinTags(document.tags));
    session << "UPDATE search_state SET generation = generation + 1 WHERE id = 1";
    session << "DELETE FROM search_fts WHERE rowid = :id", soci::use(row_id);
    session << "INSERT INTO search_fts (rowid, title, tags, summary, body) VALUES (:id, :title, "
               ":tags, :summary, :body)",
        soci::use(row_id, "id"), soci::use(document.title, "title"), soci::use(tags_text, "tags"),
        soci::use(document.summary, "summary"), soci::use(document.body, "body");
  }

  // BEGIN on construction, COMMIT on destruction (a read transaction has nothing to undo).
  class ReadTransaction {
   public:
    explicit ReadTransaction(soci::session& session) : session_(session) { session_ << "BEGIN"; }
    ~ReadTransaction() {
      try {
        session_ << "COMMIT";
      } catch (const soci::soci_error& error) {
        spdlog::warn("search: ending a read transaction failed: {}", error.what());
      }
    }
    ReadTransaction(const ReadTransaction&) = delete;
    ReadTransaction& operator=(const ReadTransaction&) = delete;

   private:
    soci::session& session_;
  };

  // Ranks and counts the matches in one pass of openlabs_rank() (see fts5_rank.h), then reads
  // the title and the snippet of the page's rows only, because snippet() tokenizes each
  // document's text.
  // With `bounds` (only for a query without filters), openlabs_rank() reads the positions of
  // fewer rows.
  static void SearchSqlite(soci::session& session, const SearchQuery& query,
                           const std::string& match, SearchPage& page,
                           std::optional<ScoreBounds> bounds) {
    Bindings bindings;
    const std::string filters = FilterSql(query, bindings);
    bindings.Add("match", match);
    const long long offset = static_cast<long long>(page.page - 1) * page.limit;
    RankCollector collector(static_cast<size_t>(offset + page.limit), filters.empty());
    if (bounds) {
      collector.SetBounds(std::move(*bounds));
    }
    {
      Fts5Ranker::Collecting collecting(collector);
      if (filters.empty()) {
        // Every search_fts row has its search_documents row, so without filters the ranking
        // reads no search_documents row, which would cost one B-tree search per match. Called
        // in WHERE, openlabs_rank() runs for every match within one step of the statement. Equal
        // scores put the newest indexed document first.
        RunToEnd(session,
                 std::string("SELECT COUNT(*) FROM search_fts WHERE search_fts MATCH :match AND ") +
                     RankCall("0") + " > 0",
                 bindings);
      } else {
        // In the result columns, openlabs_rank() runs only for rows that pass every filter.
        RunToEnd(session,
                 "SELECT " + RankCall("d.created_at") +
                     " FROM search_fts JOIN search_documents d ON d.id = search_fts.rowid "
                     "WHERE search_fts MATCH :match" +
                     filters,
                 bindings);
      }
    }
    page.total = collector.matches();
    const std::vector<RankedRow> best = collector.Finish();
    if (static_cast<long long>(best.size()) <= offset) {
      return;
    }
    FetchHits(session, match, std::span(best).subspan(static_cast<size_t>(offset)), page);
  }

  // The openlabs_rank() call with the BM25 weights of the columns title, tags, summary, body.
  static std::string RankCall(const std::string& created_at) {
    return "openlabs_rank(search_fts, " + created_at + ", 10.0, 6.0, 3.0, 1.0)";
  }

  // Adds the hits of `rows`, in their order, with the type, id, title and snippet of each.
  static void FetchHits(soci::session& session, std::string match,
                        std::span<const RankedRow> rows, SearchPage& page) {
    long long rowid = 0;
    std::string type;
    long long id = 0;
    std::string title;
    std::string snippet;
    soci::indicator snippet_indicator = soci::i_ok;
    // CROSS JOIN keeps search_fts as the outer loop, whose MATCH openlabs_snippet() needs.
    soci::statement statement =
        (session.prepare << "SELECT d.doc_type, d.doc_id, search_fts.title, openlabs_snippet("
                            "search_fts, " +
                                std::to_string(kSnippetTokens) +
                                ") FROM search_fts CROSS JOIN search_documents d ON d.id = "
                                "search_fts.rowid WHERE search_fts MATCH :match AND "
                                "search_fts.rowid = :rowid",
         soci::use(match, "match"), soci::use(rowid, "rowid"), soci::into(type), soci::into(id),
         soci::into(title), soci::into(snippet, snippet_indicator));
    for (const RankedRow& row : rows) {
      rowid = row.rowid;
      if (!statement.execute(true)) {
        continue;  // not possible within one read transaction
      }
      SearchHit hit;
      hit.type = type;
      hit.id = id;
      hit.title = WithoutCjkSeparators(title);
      hit.snippet = snippet_indicator == soci::i_null ? "" : SnippetToHtml(snippet);
      hit.score = row.score;
      page.items.push_back(std::move(hit));
    }
  }

  // Counts the matches and ranks them in one statement. The CTE scans the table once and keeps
  // only each match's id, created_at and score, so the total and the page come from one scan
  // instead of two.
  static void SearchPostgres(soci::session& session, const SearchQuery& query,
                             const std::string& text, SearchPage& page) {
    Bindings bindings;
    const std::string filters = FilterSql(query, bindings);
    bindings.Add("query", text);
    // NOTE: PostgreSQL's default parser reads HTML tags as markup: it does not index the text
    // inside <script> and <style> elements, and ts_headline leaves tags out of snippets.
    // In PostgreSQL 15, ts_headline's fragment mode (MaxFragments=1) widens the match to
    // MaxWords words on both sides, like SQLite's snippets, but then trims words of at most
    // ShortWord bytes from both ends (default 3). A CJK letter is one word of 3 bytes in UTF-8,
    // so with the default it trims every letter around a CJK match. ShortWord=2 keeps them.
    bindings.Add("options", std::string("StartSel=") + kMarkStart + ", StopSel=" + kMarkEnd +
                                ", MaxWords=" + std::to_string(kSnippetTokens) +
                                ", MinWords=12, ShortWord=2, MaxFragments=1");
    bindings.Add("limit", static_cast<long long>(page.limit));
    bindings.Add("offset", static_cast<long long>(page.page - 1) * page.limit);
    // The page is chosen first and ts_headline runs only on its rows, because ts_headline
    // parses each document's text again and is far slower than the ranking. The count is the
    // left side of a LEFT JOIN, so a page past the last match still returns the total, in one
    // row whose other columns are NULL.
    const std::string sql =
        "WITH matches AS MATERIALIZED (SELECT d.id, d.created_at, ts_rank_cd(d.document, "
        "websearch_to_tsquery('english', :query), 1) AS score FROM search_documents d "
        "WHERE d.document @@ websearch_to_tsquery('english', :query)" +
        filters +
        ") SELECT c.total, h.doc_type, h.doc_id, h.title, ts_headline('english', CASE WHEN "
        "h.summary = '' AND h.body = '' THEN h.title ELSE left(h.summary || E'\\n' || h.body, " +
        std::to_string(kMaxHeadlineBytes) +
        ") END, websearch_to_tsquery('english', :query), :options), p.score "
        "FROM (SELECT COUNT(*) AS total FROM matches) c LEFT JOIN (SELECT m.id, m.created_at, "
        "m.score FROM matches m ORDER BY m.score DESC, m.created_at DESC, m.id DESC "
        "LIMIT :limit OFFSET :offset) p ON true LEFT JOIN search_documents h ON h.id = p.id "
        "ORDER BY p.score DESC, p.created_at DESC, p.id DESC";
    FetchPostgresHits(session, sql, bindings, page);
  }

  // Runs `sql` to its end and returns the first column of its last row, or 0 without rows.
  static long long RunToEnd(soci::session& session, const std::string& sql,
                            const Bindings& bindings) {
    long long value = 0;
    long long last = 0;
    soci::statement statement(session);
    statement.exchange(soci::into(value));
    bindings.ExchangeInto(statement);
    statement.alloc();
    statement.prepare(sql);
    statement.define_and_bind();
    statement.execute(false);
    while (statement.fetch()) {
      last = value;
    }
    return last;
  }

  // Reads the rows of SearchPostgres's statement: the total in each, and a hit in each whose
  // doc_type is not NULL.
  static void FetchPostgresHits(soci::session& session, const std::string& sql,
                                const Bindings& bindings, SearchPage& page) {
    long long total = 0;
    std::string type;
    soci::indicator type_indicator = soci::i_ok;
    long long id = 0;
    soci::indicator id_indicator = soci::i_ok;
    std::string title;
    soci::indicator title_indicator = soci::i_ok;
    std::string snippet;
    soci::indicator snippet_indicator = soci::i_ok;
    double score = 0;
    soci::indicator score_indicator = soci::i_ok;
    soci::statement statement(session);
    statement.exchange(soci::into(total));
    statement.exchange(soci::into(type, type_indicator));
    statement.exchange(soci::into(id, id_indicator));
    statement.exchange(soci::into(title, title_indicator));
    statement.exchange(soci::into(snippet, snippet_indicator));
    statement.exchange(soci::into(score, score_indicator));
    bindings.ExchangeInto(statement);
    statement.alloc();
    statement.prepare(sql);
    statement.define_and_bind();
    statement.execute(false);
    while (statement.fetch()) {
      page.total = total;
      if (type_indicator == soci::i_null) {
        continue;
      }
      SearchHit hit;
      hit.type = type;
      hit.id = id;
      hit.title = WithoutCjkSeparators(title);
      hit.snippet = snippet_indicator == soci::i_null ? "" : SnippetToHtml(snippet);
      hit.score = score;
      page.items.push_back(std::move(hit));
    }
  }

  Database& database_;
  Fts5Ranker ranker_;
  PageCache cache_;
  const SearchOptions options_;
  const ChampionOptions champion_options_;

  mutable std::mutex champions_mutex_;
  std::shared_ptr<const ChampionLists> champions_;
  std::atomic<long long> champion_searches_ = 0;
  // The generation whose build failed last, which is not built again.
  std::atomic<long long> failed_generation_ = -1;

  std::mutex builder_mutex_;
  std::condition_variable_any builder_wakeup_;
  bool build_requested_ = false;
  // Declared last, so that it stops and joins before the members that it uses are destroyed.
  std::jthread builder_;
};

}  // namespace

std::unique_ptr<SearchIndex> MakeSearchIndex(storage::Database& database,
                                             SearchOptions options) {
  return std::make_unique<SqlSearchIndex>(database, options);
}

}  // namespace openlabs::search
