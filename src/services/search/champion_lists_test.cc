#include "services/search/champion_lists.h"

#include <gtest/gtest.h>

#include <chrono>
#include <limits>
#include <optional>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "services/search/search_index.h"
#include "storage/test_database.h"

namespace openlabs::search {
namespace {

using storage::Database;
using storage::Dialect;

// Words with skewed frequencies: the first ones are in most documents, the last in few. Some
// share a porter stem ("run", "runs", "running"), so that a list is found by the stem.
const std::vector<std::string>& Vocabulary() {
  static const std::vector<std::string> kWords = {
      "data",     "python",  "model",   "function", "runs",    "network", "gradient",
      "matrix",   "loss",    "running", "graph",    "tensor",  "kernel",  "vector",
      "sampling", "cluster", "patient", "memory",   "softmax", "shell",   "commit",
      "run",      "lattice", "zeolite", "quorum",   "entropy", "fourier", "bayes",
  };
  return kWords;
}

// Joins `count` words drawn with Zipf-like weights.
std::string RandomText(std::mt19937& random, int count) {
  const std::vector<std::string>& words = Vocabulary();
  std::vector<double> weights;
  for (size_t i = 0; i < words.size(); ++i) {
    const double rank = static_cast<double>(i + 1);
    weights.push_back(1.0 / (rank * rank));
  }
  std::discrete_distribution<size_t> pick(weights.begin(), weights.end());
  std::string text;
  for (int i = 0; i < count; ++i) {
    text += (text.empty() ? "" : " ") + words[pick(random)];
  }
  return text;
}

SearchDocument RandomDocument(std::mt19937& random, int64_t id) {
  std::uniform_int_distribution<int> body_words(0, 80);
  std::uniform_int_distribution<int> few_words(0, 4);
  SearchDocument document;
  document.type = id % 3 == 0 ? "article" : "lab";
  document.id = id;
  document.title = RandomText(random, 1 + few_words(random));
  document.summary = RandomText(random, few_words(random) * 3);
  document.body = RandomText(random, body_words(random));
  const std::string tags = RandomText(random, few_words(random));
  for (size_t start = 0; start < tags.size();) {
    const size_t end = std::min(tags.find(' ', start), tags.size());
    document.tags.push_back(tags.substr(start, end - start));
    start = end + 1;
  }
  document.author_id = 1 + id % 4;
  // Repeated timestamps, so that ties on the score fall to the rowid.
  document.created_at = 1'700'000'000'000 + id % 7;
  return document;
}

class ChampionListsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Result<std::unique_ptr<Database>> opened =
        Database::Open(storage::NewTestDatabaseUrl(Dialect::kSqlite), 4);
    ASSERT_TRUE(opened);
    database_ = std::move(*opened);
    ASSERT_TRUE(storage::ApplyMigrations(*database_, "search", SearchMigrations()));
    index_ = MakeSearchIndex(*database_, ListOptions());
    SearchOptions without_lists;
    without_lists.cached_pages = 0;
    without_lists.champion_min_matches = 0;
    full_ = MakeSearchIndex(*database_, without_lists);

    for (int64_t id = 1; id <= 300; ++id) {
      ASSERT_TRUE(index_->Upsert(RandomDocument(random_, id)));
    }
    // Documents with the same text score the same.
    for (int64_t id = 301; id <= 310; ++id) {
      SearchDocument copy = RandomDocument(random_, 5);
      copy.id = id;
      ASSERT_TRUE(index_->Upsert(copy));
    }
  }

  // Lists of the 12 best rows of each term in at least 40 documents, built before each search.
  static SearchOptions ListOptions() {
    SearchOptions with_lists;
    with_lists.cached_pages = 0;
    with_lists.champion_min_matches = 40;
    with_lists.champion_length = 12;
    with_lists.champions_in_background = false;
    with_lists.champion_matches_per_lookup = 4;  // up to 64 lookups for a list of 256 matches
    return with_lists;
  }

  // Registers the ranker on `session`, opens a read transaction that stays open, and builds the
  // lists of the 12 best rows of each term in at least 40 documents.
  static std::shared_ptr<const ChampionLists> BuildInReadTransaction(soci::session& session,
                                                                     Fts5Ranker& ranker) {
    ranker.Register(session);
    session << "BEGIN";
    return ChampionLists::Build(session, ranker, {.min_matches = 40, .length = 12});
  }

  // Ranks every match of the FTS5 query `match` with openlabs_rank() into `collector`.
  static void RankInSql(soci::session& session, const std::string& match,
                        RankCollector& collector) {
    Fts5Ranker::Collecting collecting(collector);
    long long selected = 0;
    session << "SELECT COUNT(*) FROM search_fts WHERE search_fts MATCH :match AND "
               "openlabs_rank(search_fts, 0, 10.0, 6.0, 3.0, 1.0) > 0",
        soci::use(match), soci::into(selected);
  }

  // Searches both indexes and checks that the pages are the same, score for score.
  void ExpectSamePage(const SearchQuery& query) {
    Result<SearchPage> fast = index_->Search(query);
    Result<SearchPage> full = full_->Search(query);
    ASSERT_TRUE(fast);
    ASSERT_TRUE(full);
    const std::string where = query.text + " page " + std::to_string(query.page) + " limit " +
                              std::to_string(query.limit);
    EXPECT_EQ(fast->total, full->total) << where;
    ASSERT_EQ(fast->items.size(), full->items.size()) << where;
    for (size_t i = 0; i < fast->items.size(); ++i) {
      EXPECT_EQ(fast->items[i].type, full->items[i].type) << where << " at " << i;
      EXPECT_EQ(fast->items[i].id, full->items[i].id) << where << " at " << i;
      EXPECT_EQ(fast->items[i].score, full->items[i].score) << where << " at " << i;
      EXPECT_EQ(fast->items[i].title, full->items[i].title) << where << " at " << i;
      EXPECT_EQ(fast->items[i].snippet, full->items[i].snippet) << where << " at " << i;
    }
  }

  // Compares every one-word query of the vocabulary, random queries of two and three words and
  // a few other forms over several pages and page sizes, and returns how many of those searches
  // the champion lists helped.
  long long CompareQueries() {
    const long long before = index_->champion_searches();
    std::vector<std::string> texts = Vocabulary();
    texts.insert(texts.end(),
                 {"Python", "\"data\"", "DATA", "missingword", "data-model", "data python",
                  "model loss", "run graph tensor", "loss loss", "zeolite data", "running runs"});
    std::uniform_int_distribution<size_t> frequent(0, 12);
    for (int i = 0; i < 20; ++i) {
      texts.push_back(Vocabulary()[frequent(random_)] + " " + Vocabulary()[frequent(random_)]);
    }
    for (int i = 0; i < 10; ++i) {
      texts.push_back(Vocabulary()[frequent(random_)] + " " + Vocabulary()[frequent(random_)] +
                      " " + Vocabulary()[frequent(random_)]);
    }
    for (const std::string& text : texts) {
      for (const int limit : {1, 5, 7, 20}) {
        for (int page = 1; page <= 4; ++page) {
          SearchQuery query;
          query.text = text;
          query.page = page;
          query.limit = limit;
          ExpectSamePage(query);
        }
      }
    }
    return index_->champion_searches() - before;
  }

  std::mt19937 random_{20261205};
  std::unique_ptr<Database> database_;
  std::unique_ptr<SearchIndex> index_;
  std::unique_ptr<SearchIndex> full_;
};

// The lists hold each frequent term's row count and best rows exactly as the full ranking
// returns them.
TEST_F(ChampionListsTest, BuildMatchesFullRanking) {
  soci::session session(database_->pool());
  Fts5Ranker ranker;
  const std::shared_ptr<const ChampionLists> lists = BuildInReadTransaction(session, ranker);
  ASSERT_NE(lists, nullptr);
  EXPECT_EQ(lists->generation(), Fts5Ranker::Generation(session));
  EXPECT_GT(lists->term_count(), 5u);
  EXPECT_EQ(lists->Find("zeolit"), nullptr);  // in fewer than 40 documents

  for (const std::string term : {"data", "python", "model", "run", "function"}) {
    const ChampionList* list = lists->Find(term);
    ASSERT_NE(list, nullptr) << term;
    RankCollector collector(12, true);
    RankInSql(session, "\"" + term + "\"", collector);
    EXPECT_EQ(list->matches, collector.matches()) << term;
    ASSERT_TRUE(list->postings.has_value()) << term;
    EXPECT_EQ(list->postings->size(), static_cast<size_t>(list->matches)) << term;
    std::vector<long long> expected_rows;
    long long row = 0;
    soci::statement rows = (session.prepare << "SELECT rowid FROM search_fts WHERE search_fts "
                                               "MATCH :match ORDER BY rowid",
                            soci::use("\"" + term + "\""), soci::into(row));
    rows.execute();
    while (rows.fetch()) {
      expected_rows.push_back(row);
    }
    std::vector<long long> posted_rows;
    for (Postings::Reader reader(*list->postings); reader.Next();) {
      posted_rows.push_back(reader.rowid());
      EXPECT_GE(reader.frequency(), 1u) << term;
    }
    EXPECT_EQ(posted_rows, expected_rows) << term;
    const std::vector<RankedRow> expected = collector.Finish();
    ASSERT_EQ(list->best.size(), expected.size()) << term;
    for (size_t i = 0; i < expected.size(); ++i) {
      EXPECT_EQ(list->best[i].rowid, expected[i].rowid) << term << " at " << i;
      EXPECT_EQ(list->best[i].score, expected[i].score) << term << " at " << i;
    }
  }
  session << "COMMIT";
}

// Ranking from the postings gives the full ranking's matches, rows and scores for queries of
// one to three listed terms, a term repeated included.
TEST_F(ChampionListsTest, RankFromPostingsMatchesFullRanking) {
  soci::session session(database_->pool());
  Fts5Ranker ranker;
  const std::shared_ptr<const ChampionLists> lists = BuildInReadTransaction(session, ranker);
  ASSERT_NE(lists, nullptr);
  Fts5Ranker::Scope scope(ranker, session, lists->generation());
  const std::vector<std::vector<std::string>> queries = {
      {"data"}, {"data", "python"}, {"model", "loss"}, {"loss", "loss"}, {"run", "graph", "data"}};
  for (const std::vector<std::string>& terms : queries) {
    std::string match;
    std::vector<const ChampionList*> term_lists;
    for (const std::string& term : terms) {
      match += (match.empty() ? "\"" : " \"") + term + "\"";
      term_lists.push_back(lists->Find(term));
      ASSERT_NE(term_lists.back(), nullptr) << term;
    }
    RankCollector full(50, false);
    RankInSql(session, match, full);
    RankCollector posted(50, false);
    ASSERT_TRUE(lists->RankFromPostings(term_lists, posted)) << match;
    EXPECT_GT(full.matches(), 0) << match;
    EXPECT_EQ(posted.matches(), full.matches()) << match;
    const std::vector<RankedRow> expected = full.Finish();
    const std::vector<RankedRow> ranked = posted.Finish();
    ASSERT_EQ(ranked.size(), expected.size()) << match;
    for (size_t i = 0; i < expected.size(); ++i) {
      EXPECT_EQ(ranked[i].rowid, expected[i].rowid) << match << " at " << i;
      EXPECT_EQ(ranked[i].score, expected[i].score) << match << " at " << i;
    }
  }
  session << "COMMIT";
}

// Searches of plain words give the pages and totals of the full ranking, and the lists help
// with the ones they cover.
TEST_F(ChampionListsTest, SearchesMatchFullRanking) { EXPECT_GT(CompareQueries(), 500); }

// Without postings, or with room for the postings of the rarer terms only, queries of several
// words are ranked by BestOfListed or by the bounded walk, and still match the full ranking.
TEST_F(ChampionListsTest, SearchesWithoutPostingsMatchFullRanking) {
  for (const size_t posting_bytes : {size_t{0}, size_t{1500}}) {
    SearchOptions options = ListOptions();
    options.champion_posting_bytes = posting_bytes;
    index_ = MakeSearchIndex(*database_, options);
    EXPECT_GT(CompareQueries(), 500) << posting_bytes << " bytes of postings";
  }
}

TEST(PostingsTest, ReadsBackLargeGapsAndFrequencies) {
  const std::vector<std::pair<long long, uint32_t>> rows = {
      {1, 1}, {2, 127}, {130, 128}, {20'000, 16'384}, {300'000'000, 4'000'000'000u}};
  Postings postings;
  for (const auto& [rowid, frequency] : rows) {
    postings.Add(rowid, frequency);
  }
  EXPECT_EQ(postings.size(), rows.size());
  std::vector<std::pair<long long, uint32_t>> read;
  for (Postings::Reader reader(postings); reader.Next();) {
    read.emplace_back(reader.rowid(), reader.frequency());
  }
  EXPECT_EQ(read, rows);
  // One byte for each value below 128.
  Postings small;
  small.Add(5, 3);
  small.Add(9, 10);
  EXPECT_EQ(small.bytes(), 4u);
}

// After inserts, updates and deletes the lists are rebuilt for the new snapshot, and the pages
// still match the full ranking.
TEST_F(ChampionListsTest, MatchesFullRankingAfterChanges) {
  std::uniform_int_distribution<int64_t> existing(1, 310);
  for (int round = 0; round < 4; ++round) {
    for (int change = 0; change < 15; ++change) {
      ASSERT_TRUE(index_->Upsert(RandomDocument(random_, existing(random_))));
      ASSERT_TRUE(index_->Upsert(RandomDocument(random_, 1000 + round * 100 + change)));
      ASSERT_TRUE(index_->Remove(change % 2 == 0 ? "lab" : "article", existing(random_)));
    }
    EXPECT_GT(CompareQueries(), 500) << "round " << round;
  }
}

// Queries that the lists do not cover are ranked in full: filters, a phrase, OR, a negation,
// CJK text, and a rare word alone or with a frequent one.
TEST_F(ChampionListsTest, FallsBackForOtherQueries) {
  std::vector<SearchQuery> queries;
  for (const std::string text : {"\"data python\"", "data OR zeolite", "data -python", "数据",
                                 "zeolite", "zeolite data", "data-model"}) {
    SearchQuery query;
    query.text = text;
    queries.push_back(query);
  }
  SearchQuery typed;
  typed.text = "data";
  typed.type = "lab";
  queries.push_back(typed);
  SearchQuery by_author = typed;
  by_author.type.clear();
  by_author.author_id = 2;
  queries.push_back(by_author);
  SearchQuery tagged = by_author;
  tagged.author_id = 0;
  tagged.tags = {"python"};
  queries.push_back(tagged);
  for (const SearchQuery& query : queries) {
    const long long before = index_->champion_searches();
    ExpectSamePage(query);
    EXPECT_EQ(index_->champion_searches(), before) << query.text;
  }
}

// With background builds, a search ranks every match while the lists are out of date, and uses
// the lists again once the builder has caught up.
TEST_F(ChampionListsTest, BackgroundBuildFollowsChanges) {
  SearchOptions options;
  options.cached_pages = 0;
  options.champion_min_matches = 40;
  options.champion_length = 12;
  options.champion_delay = std::chrono::milliseconds(3000);
  std::unique_ptr<SearchIndex> background = MakeSearchIndex(*database_, options);
  background->StartBackgroundWork();
  SearchQuery query;
  query.text = "data";

  const auto wait_for_lists = [&] {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (std::chrono::steady_clock::now() < deadline) {
      const long long before = background->champion_searches();
      EXPECT_TRUE(background->Search(query));
      if (background->champion_searches() > before) {
        return true;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return false;
  };
  ASSERT_TRUE(wait_for_lists());

  ASSERT_TRUE(background->Upsert(RandomDocument(random_, 2000)));
  const long long before = background->champion_searches();
  Result<SearchPage> stale = background->Search(query);
  Result<SearchPage> full = full_->Search(query);
  ASSERT_TRUE(stale);
  ASSERT_TRUE(full);
  EXPECT_EQ(background->champion_searches(), before);
  EXPECT_EQ(stale->total, full->total);
  ASSERT_EQ(stale->items.size(), full->items.size());
  for (size_t i = 0; i < full->items.size(); ++i) {
    EXPECT_EQ(stale->items[i].id, full->items[i].id) << "at " << i;
  }
  EXPECT_TRUE(wait_for_lists());
}

// The background thread merges the index's segments into one in small steps, and the merge
// changes neither what a search finds nor the index generation.
TEST_F(ChampionListsTest, BackgroundMergeLeavesOneSegment) {
  const auto segments = [&] {
    long long count = 0;
    EXPECT_TRUE(database_->WithSession<void>([&](soci::session& session) -> Status {
      session << "SELECT COUNT(DISTINCT segid) FROM search_fts_idx", soci::into(count);
      return {};
    }));
    return count;
  };
  const auto generation = [&] {
    long long value = 0;
    EXPECT_TRUE(database_->WithSession<void>([&](soci::session& session) -> Status {
      session << "SELECT generation FROM search_state WHERE id = 1", soci::into(value);
      return {};
    }));
    return value;
  };
  // Each upsert of the fixture committed a segment, and FTS5 merges only groups of four.
  ASSERT_GT(segments(), 1);
  const long long generation_before = generation();
  std::vector<SearchPage> pages_before;
  const std::vector<std::string> texts = {"data", "zeolite", "model loss", "\"running runs\""};
  for (const std::string& text : texts) {
    SearchQuery query;
    query.text = text;
    query.limit = 100;
    Result<SearchPage> page = full_->Search(query);
    ASSERT_TRUE(page);
    pages_before.push_back(*page);
  }

  SearchOptions options;
  options.champion_min_matches = 0;
  options.merge_pages = 2;  // many steps, each its own transaction
  options.champion_delay = std::chrono::milliseconds(10);
  std::unique_ptr<SearchIndex> background = MakeSearchIndex(*database_, options);
  background->StartBackgroundWork();
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (segments() > 1 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  EXPECT_EQ(segments(), 1);
  EXPECT_EQ(generation(), generation_before);
  for (size_t i = 0; i < texts.size(); ++i) {
    SearchQuery query;
    query.text = texts[i];
    query.limit = 100;
    Result<SearchPage> page = full_->Search(query);
    ASSERT_TRUE(page);
    EXPECT_EQ(page->total, pages_before[i].total) << texts[i];
    ASSERT_EQ(page->items.size(), pages_before[i].items.size()) << texts[i];
    for (size_t j = 0; j < page->items.size(); ++j) {
      EXPECT_EQ(page->items[j].id, pages_before[i].items[j].id) << texts[i] << " at " << j;
      EXPECT_EQ(page->items[j].score, pages_before[i].items[j].score) << texts[i] << " at " << j;
      EXPECT_EQ(page->items[j].snippet, pages_before[i].items[j].snippet) << texts[i];
    }
  }
}

}  // namespace
}  // namespace openlabs::search

namespace openlabs::search {
namespace {

// Bounds for two phrases: rows 1 to 4 in the first list, rows 3 to 6 in the second.
ScoreBounds TwoListBounds() {
  ScoreBounds bounds;
  bounds.idf = {1.0, 1.0};
  bounds.ceiling = {1.0, 1.0};
  const double unknown = std::numeric_limits<double>::quiet_NaN();
  bounds.listed = {
      {1, {5.0, unknown}}, {2, {4.0, unknown}}, {3, {3.0, 3.0}},
      {4, {2.0, 2.5}},     {5, {unknown, 4.5}}, {6, {unknown, 1.5}},
  };
  return bounds;
}

// The threshold pass keeps the best rows when the bounds prove them, looking up only the rows
// whose bound can still reach the kept ones.
TEST(BestOfListedTest, ProvesBestRows) {
  const ScoreBounds bounds = TwoListBounds();
  std::vector<long long> looked_up;
  const auto score_of = [&](long long rowid) -> std::optional<double> {
    looked_up.push_back(rowid);
    if (rowid == 2) {
      return std::nullopt;  // does not contain the second phrase
    }
    return rowid == 1 ? 5.5 : 4.8;
  };
  const std::optional<std::vector<RankedRow>> best = BestOfListed(bounds, 2, score_of, 64);
  ASSERT_TRUE(best);
  ASSERT_EQ(best->size(), 2u);
  EXPECT_EQ((*best)[0].rowid, 3);  // 3 + 3, in both lists
  EXPECT_EQ((*best)[0].score, 6.0);
  EXPECT_EQ((*best)[1].rowid, 1);
  EXPECT_EQ((*best)[1].score, 5.5);
  // Row 5 (bound 5.5) may tie with row 1 and is looked up. Row 2 (bound 5) and the rows after
  // it stay below 5.5 and are not.
  EXPECT_EQ(looked_up, (std::vector<long long>{1, 5}));
}

// No proof when a row outside the lists could rank, also on a tie, or when it needs too many
// lookups.
TEST(BestOfListedTest, FailsWithoutProof) {
  const auto score_of = [](long long rowid) -> std::optional<double> {
    return rowid == 1 ? 5.5 : 4.8;
  };
  ScoreBounds high_ceiling = TwoListBounds();
  high_ceiling.ceiling = {3.0, 3.0};  // an unlisted row may score 6
  EXPECT_FALSE(BestOfListed(high_ceiling, 2, score_of, 64));

  ScoreBounds tie = TwoListBounds();
  tie.ceiling = {2.75, 2.75};  // 5.5, the worst kept score: an unlisted row could tie and win
  EXPECT_FALSE(BestOfListed(tie, 2, score_of, 64));

  EXPECT_FALSE(BestOfListed(TwoListBounds(), 2, score_of, 1));
  EXPECT_FALSE(BestOfListed(TwoListBounds(), 7, score_of, 64));  // fewer candidates than rows kept
}

}  // namespace
}  // namespace openlabs::search
