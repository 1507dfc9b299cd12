// Retrieval on the real corpus: every lab and article of the shared corpus is split and indexed,
// then the question set is asked, on SQLite and on PostgreSQL.
#include <gtest/gtest.h>

#include "services/assistant/corpus.h"
#include "services/assistant/passage_store.h"
#include "services/assistant/retriever.h"
#include "storage/test_database.h"

namespace openlabs::assistant {
namespace {

using storage::Dialect;

// Indexes the whole corpus into a new database of the test's engine.
class RetrievalTest : public ::testing::TestWithParam<Dialect> {
 protected:
  void SetUp() override {
    std::optional<std::string> root = CorpusRoot();
    if (!root) {
      GTEST_SKIP() << "no corpus labs folder; set OPENLABS_CORPUS_DIR";
    }
    const std::string url = storage::NewTestDatabaseUrl(GetParam());
    if (url.empty()) {
      GTEST_SKIP() << "no PostgreSQL test server; set OPENLABS_TEST_POSTGRES_URL";
    }
    Result<std::unique_ptr<storage::Database>> database = storage::Database::Open(url, 2);
    ASSERT_TRUE(database.has_value()) << database.error().internal;
    database_ = std::move(*database);
    ASSERT_TRUE(storage::ApplyMigrations(*database_, "assistant", AssistantMigrations()));
    Result<std::vector<CorpusDocument>> corpus = LoadCorpus(*root);
    ASSERT_TRUE(corpus.has_value()) << corpus.error().internal;
    ASSERT_GE(corpus->size(), 20u);
    corpus_ = std::move(*corpus);

    store_ = std::make_unique<PassageStore>(*database_);
    for (const CorpusDocument& document : corpus_) {
      std::vector<int64_t> removed;
      Result<std::vector<int64_t>> ids = store_->Replace(SplitDocument(document.source), removed);
      ASSERT_TRUE(ids.has_value()) << document.path << ": " << ids.error().internal;
      EXPECT_FALSE(ids->empty()) << document.path;
    }
  }

  std::unique_ptr<storage::Database> database_;
  std::vector<CorpusDocument> corpus_;
  std::unique_ptr<PassageStore> store_;
};

TEST_P(RetrievalTest, CorpusQuestionsReachRecallTarget) {
  Result<std::vector<Question>> questions = LoadQuestions(OPENLABS_QUESTIONS_FILE);
  ASSERT_TRUE(questions.has_value()) << questions.error().message;
  ASSERT_GE(questions->size(), 60u);
  Retriever retriever(*store_, nullptr, {});
  const std::vector<CorpusDocument>* corpus = &corpus_;

  Result<RecallResult> scoped = MeasureRecall(retriever, *corpus, *questions, 5, true);
  ASSERT_TRUE(scoped.has_value()) << scoped.error().message;
  EXPECT_GE(scoped->recall(), 0.8) << "missed: " << ::testing::PrintToString(scoped->missed_ids);

  Result<RecallResult> whole = MeasureRecall(retriever, *corpus, *questions, 5, false);
  ASSERT_TRUE(whole.has_value()) << whole.error().message;
  EXPECT_GE(whole->recall(), 0.6) << "missed: " << ::testing::PrintToString(whole->missed_ids);
}

TEST_P(RetrievalTest, ScopeComesFirstThenRelated) {
  const CorpusDocument* conditionals = nullptr;
  for (const CorpusDocument& document : corpus_) {
    if (document.path.ends_with("07-cond.md")) {
      conditionals = &document;
    }
  }
  ASSERT_NE(conditionals, nullptr);
  Retriever retriever(*store_, nullptr, {});

  const Scope scope{"lab", conditionals->source.id};
  Result<std::vector<RetrievedPassage>> found = retriever.Retrieve(
      "numpy array mean along an axis", scope, {.scope_limit = 3, .related_limit = 3});
  ASSERT_TRUE(found.has_value());
  ASSERT_GE(found->size(), 4u);
  bool seen_related = false;
  for (const RetrievedPassage& item : *found) {
    if (!item.in_scope) {
      seen_related = true;
    }
    EXPECT_FALSE(seen_related && item.in_scope) << "a scope passage after a related one";
  }
  EXPECT_TRUE(seen_related);

  // Guide mode leaves solutions out.
  Result<std::vector<RetrievedPassage>> guided =
      retriever.Retrieve("sorting a list into buckets solution", scope,
                         {.scope_limit = 10, .related_limit = 0, .include_solutions = false});
  ASSERT_TRUE(guided.has_value());
  ASSERT_FALSE(guided->empty());
  for (const RetrievedPassage& item : *guided) {
    EXPECT_FALSE(item.stored.passage.solution) << item.stored.passage.heading;
  }
}

INSTANTIATE_TEST_SUITE_P(Engines, RetrievalTest, ::testing::ValuesIn(storage::TestDialects()),
                         [](const auto& info) { return storage::DialectName(info.param); });

}  // namespace
}  // namespace openlabs::assistant
