#include "services/search/fts5_rank.h"

#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "services/search/search_index.h"
#include "storage/test_database.h"

namespace openlabs::search {
namespace {

using storage::Database;
using storage::Dialect;

class Fts5RankerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Result<std::unique_ptr<Database>> opened =
        Database::Open(storage::NewTestDatabaseUrl(Dialect::kSqlite), 2);
    ASSERT_TRUE(opened);
    database_ = std::move(*opened);
    ASSERT_TRUE(storage::ApplyMigrations(*database_, "search", SearchMigrations()));
    index_ = MakeSearchIndex(*database_);
    // Texts of different lengths, so that length normalisation changes the order.
    const std::vector<std::string> bodies = {
        "gradient descent",
        "gradient descent on a convex loss converges; descent steps shrink the gradient",
        "the loss of a neural network is minimised by stochastic gradient descent with momentum "
        "and a schedule for the learning rate, which keeps the descent stable",
        "a neural network", "softmax turns scores into probabilities for a classifier",
        "loss loss loss loss loss loss gradient",
    };
    for (size_t i = 0; i < bodies.size(); ++i) {
      SearchDocument document;
      document.type = "lab";
      document.id = static_cast<int64_t>(i + 1);
      document.title = i % 2 == 0 ? "Optimisation notes" : "Gradient methods";
      document.summary = "Part " + std::to_string(i);
      document.body = bodies[i];
      document.tags = {i % 3 == 0 ? "ml" : "loss"};
      ASSERT_TRUE(index_->Upsert(document));
    }
  }

  // Each matching row's FTS5 bm25() and openlabs_bm25(), by rowid.
  std::vector<std::pair<double, double>> Scores(soci::session& session, const std::string& match) {
    std::vector<std::pair<double, double>> scores;
    double builtin = 0;
    double ours = 0;
    soci::statement statement =
        (session.prepare << "SELECT bm25(search_fts, 10.0, 6.0, 3.0, 1.0), openlabs_bm25("
                            "search_fts, 10.0, 6.0, 3.0, 1.0) FROM search_fts WHERE search_fts "
                            "MATCH :match ORDER BY rowid",
         soci::use(match), soci::into(builtin), soci::into(ours));
    statement.execute(false);
    while (statement.fetch()) {
      scores.emplace_back(builtin, ours);
    }
    return scores;
  }

  void ExpectSameScores(soci::session& session) {
    for (const std::string match :
         {"gradient", "gradient descent", "\"gradient descent\"", "loss OR softmax", "neural",
          "optimisation", "ml", "loss NOT neural"}) {
      const std::vector<std::pair<double, double>> scores = Scores(session, match);
      EXPECT_FALSE(scores.empty()) << match;
      for (const auto& [builtin, ours] : scores) {
        EXPECT_NEAR(builtin, ours, 1e-12 * std::max(1.0, std::fabs(builtin))) << match;
      }
    }
  }

  // The rowids and scores of ORDER BY openlabs_bm25(), rowid DESC: the order that openlabs_rank()
  // must reproduce without filters.
  std::vector<RankedRow> SortedBySql(soci::session& session, const std::string& match) {
    std::vector<RankedRow> rows;
    RankedRow row;
    double negated = 0;
    soci::statement statement =
        (session.prepare << "SELECT rowid, openlabs_bm25(search_fts, 10.0, 6.0, 3.0, 1.0) AS s "
                            "FROM search_fts WHERE search_fts MATCH :match ORDER BY s, rowid DESC",
         soci::use(match), soci::into(row.rowid), soci::into(negated));
    statement.execute(false);
    while (statement.fetch()) {
      row.score = -negated;
      rows.push_back(row);
    }
    return rows;
  }

  // Runs openlabs_rank() over the matches of `match` and returns the collector's best rows.
  std::vector<RankedRow> Collected(soci::session& session, const std::string& match, size_t keep,
                                   bool unfiltered, long long& matches) {
    RankCollector collector(keep, unfiltered);
    long long selected = 0;
    {
      Fts5Ranker::Collecting collecting(collector);
      session << "SELECT COUNT(*) FROM search_fts WHERE search_fts MATCH :match AND "
                 "openlabs_rank(search_fts, 0, 10.0, 6.0, 3.0, 1.0) > 0",
          soci::use(match), soci::into(selected);
    }
    matches = collector.matches();
    EXPECT_EQ(selected, matches) << match;
    return collector.Finish();
  }

  std::unique_ptr<Database> database_;
  std::unique_ptr<SearchIndex> index_;
  Fts5Ranker ranker_;
};

// openlabs_rank() keeps the same rows in the same order with the same scores as sorting by
// openlabs_bm25(), for one phrase (IDF computed after the pass) and for several.
TEST_F(Fts5RankerTest, RankCollectorMatchesSortedBm25) {
  soci::session session(database_->pool());
  ranker_.Register(session);
  for (const std::string match :
       {"gradient", "loss", "\"gradient descent\"", "gradient descent", "loss OR softmax",
        "loss NOT neural", "nothingmatches"}) {
    const std::vector<RankedRow> expected = SortedBySql(session, match);
    for (const bool unfiltered : {true, false}) {
      for (const size_t keep : {size_t{0}, size_t{1}, size_t{3}, size_t{100}}) {
        long long matches = 0;
        const std::vector<RankedRow> best = Collected(session, match, keep, unfiltered, matches);
        EXPECT_EQ(matches, static_cast<long long>(expected.size())) << match;
        ASSERT_EQ(best.size(), std::min(keep, expected.size())) << match;
        for (size_t i = 0; i < best.size(); ++i) {
          EXPECT_EQ(best[i].rowid, expected[i].rowid) << match << " at " << i;
          EXPECT_EQ(best[i].score, expected[i].score) << match << " at " << i;
        }
      }
    }
  }
}

// openlabs_snippet() shows a window at the sentence of the match, from the body rather than the
// title, with ellipses for the text left out on both sides.
TEST_F(Fts5RankerTest, SnippetShowsSentenceOfMatch) {
  std::string filler;
  for (int i = 0; i < 300; ++i) {
    filler += "word" + std::to_string(i) + " ";
  }
  SearchDocument document;
  document.type = "lab";
  document.id = 50;
  document.title = "Zebras";
  document.body = filler + "end. Zebras graze on the savanna near water. " + filler;
  ASSERT_TRUE(index_->Upsert(document));
  SearchQuery query;
  query.text = "zebras";
  Result<SearchPage> page = index_->Search(query);
  ASSERT_TRUE(page);
  ASSERT_EQ(page->items.size(), 1u);
  const std::string& snippet = page->items[0].snippet;
  EXPECT_EQ(snippet.rfind("…<mark>Zebras</mark> graze on the savanna near water.", 0), 0u)
      << snippet;
  EXPECT_TRUE(snippet.ends_with("…")) << snippet;
  EXPECT_LT(snippet.size(), 300u) << snippet;
}

// Ties on the score go to the newer created_at, then to the higher rowid.
TEST(RankCollectorTest, BreaksTiesByCreatedAtThenRowid) {
  RankCollector collector(3, false);
  collector.Add({1.0, 5, 1});
  collector.Add({2.0, 1, 2});
  collector.Add({1.0, 5, 3});
  collector.Add({1.0, 9, 4});
  collector.Add({0.5, 9, 5});
  EXPECT_EQ(collector.matches(), 5);
  const std::vector<RankedRow> best = collector.Finish();
  ASSERT_EQ(best.size(), 3u);
  EXPECT_EQ(best[0].rowid, 2);
  EXPECT_EQ(best[1].rowid, 4);
  EXPECT_EQ(best[2].rowid, 3);
}

// Without a collector installed, openlabs_rank() fails the statement instead of crashing.
TEST_F(Fts5RankerTest, RankWithoutCollectorFails) {
  soci::session session(database_->pool());
  ranker_.Register(session);
  long long count = 0;
  EXPECT_THROW((session << "SELECT COUNT(*) FROM search_fts WHERE search_fts MATCH 'gradient' AND "
                           "openlabs_rank(search_fts, 0) > 0",
                soci::into(count)),
               soci::soci_error);
}

// Without loaded counts, openlabs_bm25() looks each row's size up, as bm25() does.
TEST_F(Fts5RankerTest, MatchesBuiltInBm25WithoutCounts) {
  soci::session session(database_->pool());
  ranker_.Register(session);
  ExpectSameScores(session);
}

// With the counts loaded from search_fts_docsize, the scores are the same.
TEST_F(Fts5RankerTest, MatchesBuiltInBm25WithLoadedCounts) {
  soci::session session(database_->pool());
  ranker_.Register(session);
  session << "BEGIN";
  {
    Fts5Ranker::Scope scope(ranker_, session, Fts5Ranker::Generation(session));
    EXPECT_EQ(ranker_.loaded_rows(), 6u);
    ExpectSameScores(session);
  }
  session << "COMMIT";
}

// A change to the index makes the next scope reload the counts, so a replaced text is ranked by
// its new length.
TEST_F(Fts5RankerTest, ReloadsAfterChanges) {
  {
    soci::session session(database_->pool());
    ranker_.Register(session);
    session << "BEGIN";
    Fts5Ranker::Scope scope(ranker_, session, Fts5Ranker::Generation(session));
    EXPECT_EQ(ranker_.loaded_rows(), 6u);
    session << "COMMIT";
  }
  SearchDocument longer;
  longer.type = "lab";
  longer.id = 1;
  longer.title = "Optimisation notes";
  longer.tags = {"ml"};
  longer.body = "gradient descent " + std::string(2000, 'x') + " and many more words to count";
  ASSERT_TRUE(index_->Upsert(longer));
  SearchDocument extra = longer;
  extra.id = 99;
  ASSERT_TRUE(index_->Upsert(extra));
  ASSERT_TRUE(index_->Remove("lab", 4));

  soci::session session(database_->pool());
  ranker_.Register(session);
  session << "BEGIN";
  {
    Fts5Ranker::Scope scope(ranker_, session, Fts5Ranker::Generation(session));
    EXPECT_EQ(ranker_.loaded_rows(), 6u);  // 6 + 1 added - 1 removed
    ExpectSameScores(session);
  }
  session << "COMMIT";
}

// Registering twice on one connection is harmless, and a search through the index works with it.
TEST_F(Fts5RankerTest, SearchWorksAfterRegisteringTwice) {
  soci::session session(database_->pool());
  ranker_.Register(session);
  ranker_.Register(session);
  SearchQuery query;
  query.text = "gradient descent";
  Result<SearchPage> page = index_->Search(query);
  ASSERT_TRUE(page);
  ASSERT_FALSE(page->items.empty());
  EXPECT_EQ(page->total, 3);
}

}  // namespace
}  // namespace openlabs::search
