#include "services/search/search_index.h"

#include <gtest/gtest.h>

#include "services/search/search_text.h"
#include "storage/test_database.h"

namespace openlabs::search {
namespace {

using storage::Database;
using storage::Dialect;

// Opens a migrated test database, or returns null when the dialect is not available.
std::unique_ptr<Database> OpenMigrated(Dialect dialect) {
  const std::string url = storage::NewTestDatabaseUrl(dialect);
  if (url.empty()) {
    return nullptr;
  }
  Result<std::unique_ptr<Database>> opened = Database::Open(url, 4);
  EXPECT_TRUE(opened) << (opened ? "" : opened.error().internal);
  if (!opened) {
    return nullptr;
  }
  Result<int> migrated = storage::ApplyMigrations(**opened, "search", SearchMigrations());
  EXPECT_TRUE(migrated) << (migrated ? "" : migrated.error().internal);
  return std::move(*opened);
}

SearchDocument Document(std::string type, int64_t id, std::string title, std::string summary,
                        std::string body, std::vector<std::string> tags = {}) {
  SearchDocument document;
  document.type = std::move(type);
  document.id = id;
  document.title = std::move(title);
  document.summary = std::move(summary);
  document.body = std::move(body);
  document.tags = std::move(tags);
  document.author_id = 7;
  document.created_at = 1'700'000'000'000 + id;
  return document;
}

// A small fixed corpus in which each query below has one clearly best document.
std::vector<SearchDocument> FixedCorpus() {
  return {
      Document("article", 1, "Fitting models with scipy.optimize",
               "A short course on curve fitting in Python.",
               "We fit non-linear models to psychology data with curve_fit and compare them "
               "with cross-validation.",
               {"python", "scipy"}),
      Document("article", 2, "Mikrokosmos: a lambda calculus interpreter",
               "An educational interpreter of the untyped and simply typed lambda calculus.",
               "Students learn intuitionistic logic by coding lambda terms in a Jupyter kernel.",
               {"haskell", "logic"}),
      Document("article", 3, "CFD Python: 12 steps to Navier-Stokes",
               "Jupyter notebooks that teach computational fluid dynamics.",
               "Linear convection, diffusion, Burgers equation and cavity flow with finite "
               "differences.",
               {"python", "fluid-dynamics"}),
      Document("lab", 4, "Repeated games and the prisoner's dilemma",
               "Play the iterated prisoner's dilemma with the Axelrod library.",
               "Game theory studies strategic interaction; a tournament ranks strategies.",
               {"game-theory", "python"}),
      Document("lab", 5, "Write a shell for an operating system course",
               "Processes, pipes and signals in C.",
               "Fork a child process, wire a pipe and handle SIGINT in your own Unix shell.",
               {"c", "operating-systems"}),
      Document("lab", 6, "Molecular dynamics with a Lennard-Jones potential",
               "Simulate a two-dimensional gas.",
               "Velocity Verlet integration and Monte Carlo moves for argon atoms.",
               {"physics", "python"}),
  };
}

// Chinese, Japanese and Korean documents whose words run together without spaces, and one in
// English.
std::vector<SearchDocument> CjkCorpus() {
  return {
      Document("lab", 21, "机器学习入门", "用Python学习机器学习的基础。",
               "我们用梯度下降训练神经网络模型。", {"机器学习"}),
      Document("lab", 22, "自然言語処理の基礎", "日本語の文章を形態素に分割する。",
               "東京大学の講義ノートです。", {"nlp"}),
      Document("article", 23, "한국어 검색 엔진", "학교에서 배우는 정보 검색",
               "형태소 분석기를 사용합니다.", {"korean"}),
      Document("article", 24, "Deep learning notes", "English text about training.",
               "No CJK letters here.", {"english"}),
  };
}

class SearchIndexTest : public ::testing::TestWithParam<Dialect> {
 protected:
  void SetUp() override {
    database_ = OpenMigrated(GetParam());
    if (database_ == nullptr) {
      GTEST_SKIP() << "OPENLABS_TEST_POSTGRES_URL is not set; run under scripts/with-postgres.sh";
    }
    index_ = MakeSearchIndex(*database_);
  }

  void IndexCorpus() {
    for (const SearchDocument& document : FixedCorpus()) {
      ASSERT_TRUE(index_->Upsert(document));
    }
  }

  SearchPage Find(const std::string& text, std::string type = "",
                  std::vector<std::string> tags = {}, int page = 1, int limit = 20) {
    SearchQuery query;
    query.text = text;
    query.type = std::move(type);
    query.tags = std::move(tags);
    query.page = page;
    query.limit = limit;
    Result<SearchPage> result = index_->Search(query);
    EXPECT_TRUE(result) << text << ": " << (result ? "" : result.error().internal);
    return result.value_or(SearchPage());
  }

  std::unique_ptr<Database> database_;
  std::unique_ptr<SearchIndex> index_;
};

TEST_P(SearchIndexTest, FindsByBodyWord) {
  IndexCorpus();
  const SearchPage page = Find("argon");
  ASSERT_EQ(page.total, 1);
  ASSERT_EQ(page.items.size(), 1u);
  EXPECT_EQ(page.items[0].type, "lab");
  EXPECT_EQ(page.items[0].id, 6);
  EXPECT_EQ(page.items[0].title, "Molecular dynamics with a Lennard-Jones potential");
  EXPECT_NE(page.items[0].snippet.find("<mark>argon</mark>"), std::string::npos)
      << page.items[0].snippet;
}

TEST_P(SearchIndexTest, StemsWords) {
  IndexCorpus();
  const SearchPage page = Find("interpreters");
  ASSERT_EQ(page.total, 1);
  EXPECT_EQ(page.items[0].id, 2);
}

TEST_P(SearchIndexTest, TitleOutranksBody) {
  ASSERT_TRUE(index_->Upsert(Document("lab", 1, "Notes", "", "a long body about a pipeline")));
  ASSERT_TRUE(index_->Upsert(Document("lab", 2, "Pipeline", "", "a long body about notes")));
  const SearchPage page = Find("pipeline");
  ASSERT_EQ(page.total, 2);
  EXPECT_EQ(page.items[0].id, 2);
  EXPECT_GT(page.items[0].score, page.items[1].score);
}

TEST_P(SearchIndexTest, TotalCountsAllMatchesAcrossPages) {
  IndexCorpus();
  const SearchPage first = Find("python", "", {}, 1, 2);
  EXPECT_EQ(first.total, 4);
  EXPECT_EQ(first.items.size(), 2u);
  const SearchPage last = Find("python", "", {}, 2, 2);
  EXPECT_EQ(last.total, 4);
  ASSERT_EQ(last.items.size(), 2u);
  EXPECT_NE(first.items[0].id, last.items[0].id);
  EXPECT_NE(first.items[1].id, last.items[1].id);
  const SearchPage beyond = Find("python", "", {}, 3, 2);
  EXPECT_EQ(beyond.total, 4);
  EXPECT_TRUE(beyond.items.empty());
}

TEST_P(SearchIndexTest, FiltersByTypeAndTags) {
  IndexCorpus();
  EXPECT_EQ(Find("python", "lab").total, 2);
  EXPECT_EQ(Find("python", "article").total, 2);
  EXPECT_EQ(Find("python", "", {"physics"}).total, 1);
  EXPECT_EQ(Find("python", "", {"physics", "python"}).total, 1);
  EXPECT_EQ(Find("python", "", {"physics", "scipy"}).total, 0);
  EXPECT_EQ(Find("python", "article", {"physics"}).total, 0);
}

TEST_P(SearchIndexTest, FiltersByAuthor) {
  IndexCorpus();
  SearchDocument other = Document("lab", 10, "Python by another author", "", "");
  other.author_id = 8;
  ASSERT_TRUE(index_->Upsert(other));
  SearchQuery query;
  query.text = "python";
  query.author_id = 8;
  Result<SearchPage> page = index_->Search(query);
  ASSERT_TRUE(page);
  EXPECT_EQ(page->total, 1);
  query.author_id = 7;
  page = index_->Search(query);
  ASSERT_TRUE(page);
  EXPECT_EQ(page->total, 4);
}

TEST_P(SearchIndexTest, UpsertReplacesText) {
  IndexCorpus();
  SearchDocument changed = FixedCorpus()[5];
  changed.body = "Now about xenon instead.";
  changed.tags = {"chemistry"};
  ASSERT_TRUE(index_->Upsert(changed));
  EXPECT_EQ(Find("argon").total, 0);
  EXPECT_EQ(Find("xenon").total, 1);
  EXPECT_EQ(Find("python", "", {"physics"}).total, 0);
  EXPECT_EQ(Find("molecular", "", {"chemistry"}).total, 1);
}

TEST_P(SearchIndexTest, RemoveDeletesAndIsIdempotent) {
  IndexCorpus();
  ASSERT_TRUE(index_->Remove("lab", 6));
  EXPECT_EQ(Find("argon").total, 0);
  EXPECT_TRUE(index_->Remove("lab", 6));
  EXPECT_TRUE(index_->Remove("article", 999));
  EXPECT_EQ(Find("python").total, 3);
}

TEST_P(SearchIndexTest, SameIdOfOtherTypeIsSeparate) {
  ASSERT_TRUE(index_->Upsert(Document("lab", 1, "Alpha lab", "", "")));
  ASSERT_TRUE(index_->Upsert(Document("article", 1, "Alpha article", "", "")));
  EXPECT_EQ(Find("alpha").total, 2);
  ASSERT_TRUE(index_->Remove("lab", 1));
  const SearchPage page = Find("alpha");
  ASSERT_EQ(page.total, 1);
  EXPECT_EQ(page.items[0].type, "article");
}

TEST_P(SearchIndexTest, RejectsInvalidKey) {
  EXPECT_FALSE(index_->Upsert(Document("", 1, "x", "", "")));
  EXPECT_FALSE(index_->Upsert(Document("lab", 0, "x", "", "")));
  EXPECT_FALSE(index_->Upsert(Document("Lab; DROP", 1, "x", "", "")));
  EXPECT_FALSE(index_->Remove("lab", -1));
}

TEST_P(SearchIndexTest, SnippetEscapesDocumentHtml) {
  ASSERT_TRUE(index_->Upsert(
      Document("lab", 1, "Escaping", "", "Never trust <b>zebra</b> & <script>x</script> input")));
  const SearchPage page = Find("zebra");
  ASSERT_EQ(page.items.size(), 1u);
  const std::string& snippet = page.items[0].snippet;
  EXPECT_EQ(snippet.find("<b>"), std::string::npos) << snippet;
  EXPECT_EQ(snippet.find("<script>"), std::string::npos) << snippet;
  // PostgreSQL's ts_headline drops HTML tags, SQLite keeps them escaped.
  EXPECT_NE(snippet.find("&amp;"), std::string::npos) << snippet;
  EXPECT_NE(snippet.find("<mark>zebra</mark>"), std::string::npos) << snippet;
}

TEST_P(SearchIndexTest, HostileQueriesNeverFail) {
  IndexCorpus();
  const std::string long_text(10 * 1024, 'x');
  std::string long_words;
  while (long_words.size() < 10 * 1024) {
    long_words += "python \"game\" -theory OR ";
  }
  const std::vector<std::string> queries = {
      "\"",
      "\"\"",
      "*",
      "python*",
      "NEAR(",
      "NEAR(python game)",
      "-",
      "--",
      "-python",
      "OR",
      "python OR",
      "OR python",
      "AND",
      "NOT",
      "python NOT",
      "(",
      ")",
      "^",
      ":",
      "title:python",
      "{python}",
      "'",
      "\\",
      "%",
      "_",
      "é",
      "Navier–Stokes",
      "日本語",
      "😀",
      "\xff\xfe",
      std::string("a\0b", 3),
      "!!!",
      "&|!<->",
      "python:*",
      long_text,
      long_words,
  };
  for (const std::string& text : queries) {
    SearchQuery query;
    query.text = text;
    Result<SearchPage> result = index_->Search(query);
    EXPECT_TRUE(result) << "query: " << text.substr(0, 40) << ": "
                        << (result ? "" : result.error().internal);
  }
}

TEST_P(SearchIndexTest, HostileDocumentTextIsIndexed) {
  SearchDocument document = Document("article", 1, std::string("Bad\0bytes \xff", 11), "",
                                     "quokka " + std::string(2'000'000, 'y'));
  ASSERT_TRUE(index_->Upsert(document));
  EXPECT_EQ(Find("quokka").total, 1);
}

TEST_P(SearchIndexTest, EmptyQueryMatchesNothing) {
  IndexCorpus();
  EXPECT_EQ(Find("").total, 0);
  EXPECT_EQ(Find("   ").total, 0);
  EXPECT_EQ(Find("the of").total, 0);
}

TEST_P(SearchIndexTest, QueryOperators) {
  IndexCorpus();
  EXPECT_EQ(Find("python -jupyter").total, 3);
  EXPECT_EQ(Find("haskell OR argon").total, 2);
  EXPECT_EQ(Find("\"lambda calculus\"").total, 1);
  EXPECT_EQ(Find("\"calculus lambda\"").total, 0);
}

// A search repeated after changes to the index returns the changed results, although SQLite serves repeats from a cache.
TEST_P(SearchIndexTest, RepeatedSearchSeesChanges) {
  IndexCorpus();
  EXPECT_EQ(Find("argon").total, 1);
  EXPECT_EQ(Find("argon").total, 1);
  ASSERT_TRUE(index_->Upsert(Document("lab", 7, "Argon gas", "", "Noble gases: argon, neon.")));
  SearchPage after_add = Find("argon");
  EXPECT_EQ(after_add.total, 2);
  ASSERT_EQ(after_add.items.size(), 2u);
  EXPECT_EQ(after_add.items[0].id, 7);  // the title match ranks first
  ASSERT_TRUE(index_->Upsert(Document("lab", 7, "Neon gas", "", "Noble gases: neon.")));
  EXPECT_EQ(Find("argon").total, 1);
  ASSERT_TRUE(index_->Remove("lab", 6));
  EXPECT_EQ(Find("argon").total, 0);
}

// A CJK word is found inside a longer run of CJK letters, as a substring.
TEST_P(SearchIndexTest, FindsCjkWordInsideRun) {
  for (const SearchDocument& document : CjkCorpus()) {
    ASSERT_TRUE(index_->Upsert(document));
  }
  const std::vector<std::pair<std::string, int64_t>> cases = {
      {"学习", 21}, {"神经网络", 21}, {"python学习", 21}, {"言語", 22},
      {"形態素", 22}, {"東京", 22}, {"학교", 23}, {"검색", 23},
  };
  for (const auto& [text, expected_id] : cases) {
    const SearchPage page = Find(text);
    EXPECT_EQ(page.total, 1) << text;
    ASSERT_EQ(page.items.size(), 1u) << text;
    EXPECT_EQ(page.items[0].id, expected_id) << text;
  }
  EXPECT_EQ(Find("习学").total, 0);  // the letters occur, but not in this order
  EXPECT_EQ(Find("\"言語処理\"").total, 1);
  EXPECT_EQ(Find("学习 -神经").total, 0);
  EXPECT_EQ(Find("言語 OR 학교").total, 2);
  EXPECT_EQ(Find("学习", "", {"机器学习"}).total, 1);
  EXPECT_EQ(Find("training").total, 1);
}

// Titles and snippets show the text as written: one highlight over a CJK word and no spaces or
// separator bytes between its letters.
TEST_P(SearchIndexTest, CjkSnippetReadsNaturally) {
  for (const SearchDocument& document : CjkCorpus()) {
    ASSERT_TRUE(index_->Upsert(document));
  }
  const SearchPage page = Find("梯度下降");
  ASSERT_EQ(page.items.size(), 1u);
  EXPECT_EQ(page.items[0].title, "机器学习入门");
  const std::string& snippet = page.items[0].snippet;
  EXPECT_NE(snippet.find("<mark>梯度下降</mark>"), std::string::npos) << snippet;
  EXPECT_NE(snippet.find("训练神经网络"), std::string::npos) << snippet;
  EXPECT_NE(snippet.find("我们用<mark>梯度下降</mark>"), std::string::npos) << snippet;
  EXPECT_EQ(snippet.find(kCjkSeparator), std::string::npos) << snippet;
  EXPECT_EQ(snippet.find("梯 度"), std::string::npos) << snippet;
  const SearchPage korean = Find("학교");
  ASSERT_EQ(korean.items.size(), 1u);
  EXPECT_EQ(korean.items[0].title, "한국어 검색 엔진");
  EXPECT_NE(korean.items[0].snippet.find("<mark>학교</mark>에서"), std::string::npos)
      << korean.items[0].snippet;
}

// An index written before CJK letters were separated finds CJK words once migrated: SQLite's
// rows are rewritten when the index starts, PostgreSQL's by the migration.
TEST_P(SearchIndexTest, OldCjkIndexIsMigrated) {
  const std::string url = storage::NewTestDatabaseUrl(GetParam());
  Result<std::unique_ptr<Database>> opened = Database::Open(url, 2);
  ASSERT_TRUE(opened);
  Database& database = **opened;

  const std::span<const storage::Migration> migrations = SearchMigrations();
  ASSERT_GE(migrations.size(), 3u);
  ASSERT_TRUE(storage::ApplyMigrations(database, "search", migrations.first(2)));

  const std::string title = "机器学习入门";
  const std::string body = "我们用梯度下降训练神经网络模型。";
  const Status written = database.WithSession<void>([&](soci::session& session) -> Status {
    if (GetParam() == Dialect::kSqlite) {
      session << "INSERT INTO search_documents (id, doc_type, doc_id, author_id, created_at, "
                 "updated_at) VALUES (1, 'lab', 21, 7, 1, 1)";
      session << "INSERT INTO search_fts (rowid, title, tags, summary, body) VALUES (1, :title, "
                 "'', '', :body)",
          soci::use(title, "title"), soci::use(body, "body");
    } else {
      session << "INSERT INTO search_documents (doc_type, doc_id, author_id, title, tags_text, "
                 "summary, body, created_at, updated_at) VALUES ('lab', 21, 7, :title, '', '', "
                 ":body, 1, 1)",
          soci::use(title, "title"), soci::use(body, "body");
    }
    return {};
  });
  ASSERT_TRUE(written);

  ASSERT_TRUE(storage::ApplyMigrations(database, "search", migrations));
  std::unique_ptr<SearchIndex> index = MakeSearchIndex(database);
  SearchQuery query;
  query.text = "神经网络";
  Result<SearchPage> page = index->Search(query);
  ASSERT_TRUE(page);
  EXPECT_EQ(page->total, 1);
  ASSERT_EQ(page->items.size(), 1u);
  EXPECT_EQ(page->items[0].title, title);
  EXPECT_NE(page->items[0].snippet.find("<mark>神经网络</mark>"), std::string::npos)
      << page->items[0].snippet;

  // A second start leaves the rewritten rows as they are.
  index = MakeSearchIndex(database);
  page = index->Search(query);
  ASSERT_TRUE(page);
  EXPECT_EQ(page->total, 1);
}

// Migration 0005 keeps PostgreSQL's tsvectors in their rows and rewrites the rows written
// before it, which stay searchable with the same total and score.
TEST_P(SearchIndexTest, TsvectorStorageIsMigrated) {
  if (GetParam() != Dialect::kPostgres) {
    GTEST_SKIP() << "the storage of tsvectors exists only on PostgreSQL";
  }
  const std::string url = storage::NewTestDatabaseUrl(GetParam());
  Result<std::unique_ptr<Database>> opened = Database::Open(url, 2);
  ASSERT_TRUE(opened);
  Database& database = **opened;
  const std::span<const storage::Migration> migrations = SearchMigrations();
  ASSERT_GE(migrations.size(), 5u);
  ASSERT_TRUE(storage::ApplyMigrations(database, "search", migrations.first(4)));

  // About 400 distinct words, so that the tsvector is over 2 kB, like those of most documents
  // that bench/generate_content.py writes.
  std::string body;
  for (int i = 0; i < 400; ++i) {
    body += "word" + std::to_string(i) + "x ";
  }
  std::unique_ptr<SearchIndex> index = MakeSearchIndex(database);
  ASSERT_TRUE(index->Upsert(Document("lab", 1, "Storage check", "", body + "argon")));
  SearchQuery query;
  query.text = "argon";
  Result<SearchPage> before = index->Search(query);
  ASSERT_TRUE(before);
  ASSERT_EQ(before->items.size(), 1u);
  // The id of the transaction that wrote the row's current version.
  const auto row_writer = [&] {
    std::string writer;
    const Status read = database.WithSession<void>([&](soci::session& session) -> Status {
      session << "SELECT xmin::text FROM search_documents WHERE doc_id = 1", soci::into(writer);
      return {};
    });
    EXPECT_TRUE(read);
    return writer;
  };
  const std::string writer_before = row_writer();

  ASSERT_TRUE(storage::ApplyMigrations(database, "search", migrations));
  std::string storage_kind;
  const Status read = database.WithSession<void>([&](soci::session& session) -> Status {
    session << "SELECT attstorage::text FROM pg_attribute WHERE attrelid = "
               "'search_documents'::regclass AND attname = 'document'",
        soci::into(storage_kind);
    return {};
  });
  ASSERT_TRUE(read);
  EXPECT_EQ(storage_kind, "m");
  EXPECT_NE(row_writer(), writer_before);
  Result<SearchPage> after = MakeSearchIndex(database)->Search(query);
  ASSERT_TRUE(after);
  EXPECT_EQ(after->total, 1);
  ASSERT_EQ(after->items.size(), 1u);
  EXPECT_EQ(after->items[0].id, 1);
  EXPECT_EQ(after->items[0].score, before->items[0].score);
  EXPECT_EQ(after->items[0].snippet, before->items[0].snippet);
}

INSTANTIATE_TEST_SUITE_P(Engines, SearchIndexTest, ::testing::ValuesIn(storage::TestDialects()),
                         [](const auto& info) { return storage::DialectName(info.param); });

// The same documents indexed on SQLite and on PostgreSQL.
class SearchEnginesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    sqlite_ = OpenMigrated(Dialect::kSqlite);
    postgres_ = OpenMigrated(Dialect::kPostgres);
    if (postgres_ == nullptr) {
      GTEST_SKIP() << "OPENLABS_TEST_POSTGRES_URL is not set; run under scripts/with-postgres.sh";
    }
    ASSERT_NE(sqlite_, nullptr);
    sqlite_index_ = MakeSearchIndex(*sqlite_);
    postgres_index_ = MakeSearchIndex(*postgres_);
  }

  void IndexOnBoth(const std::vector<SearchDocument>& corpus) {
    for (const SearchDocument& document : corpus) {
      ASSERT_TRUE(sqlite_index_->Upsert(document));
      ASSERT_TRUE(postgres_index_->Upsert(document));
    }
  }

  std::unique_ptr<Database> sqlite_;
  std::unique_ptr<Database> postgres_;
  std::unique_ptr<SearchIndex> sqlite_index_;
  std::unique_ptr<SearchIndex> postgres_index_;
};

// The same queries give the same top results on SQLite and PostgreSQL for a fixed corpus.
TEST_F(SearchEnginesTest, AgreeOnTopResults) {
  IndexOnBoth(FixedCorpus());
  const std::vector<std::pair<std::string, int64_t>> cases = {
      {"curve fitting", 1},          {"lambda calculus", 2},
      {"fluid dynamics", 3},         {"prisoner's dilemma", 4},
      {"operating system shell", 5}, {"molecular dynamics", 6},
      {"jupyter notebooks", 3},      {"game theory", 4},
  };
  for (const auto& [text, expected_id] : cases) {
    SearchQuery query;
    query.text = text;
    Result<SearchPage> from_sqlite = sqlite_index_->Search(query);
    Result<SearchPage> from_postgres = postgres_index_->Search(query);
    ASSERT_TRUE(from_sqlite && from_postgres) << text;
    ASSERT_FALSE(from_sqlite->items.empty()) << text;
    ASSERT_FALSE(from_postgres->items.empty()) << text;
    EXPECT_EQ(from_sqlite->items[0].id, expected_id) << "sqlite: " << text;
    EXPECT_EQ(from_postgres->items[0].id, expected_id) << "postgres: " << text;
    EXPECT_EQ(from_sqlite->total, from_postgres->total) << text;
  }
}

// CJK queries give the same totals and top results on SQLite and PostgreSQL.
TEST_F(SearchEnginesTest, AgreeOnCjkResults) {
  IndexOnBoth(CjkCorpus());
  for (const std::string text : {"学习", "机器学习", "python学习", "自然言語", "大学 -東京",
                                 "言語 OR 학교", "\"형태소 분석기\"", "入门 training"}) {
    SearchQuery query;
    query.text = text;
    Result<SearchPage> from_sqlite = sqlite_index_->Search(query);
    Result<SearchPage> from_postgres = postgres_index_->Search(query);
    ASSERT_TRUE(from_sqlite) << text;
    ASSERT_TRUE(from_postgres) << text;
    EXPECT_EQ(from_sqlite->total, from_postgres->total) << text;
    ASSERT_EQ(from_sqlite->items.size(), from_postgres->items.size()) << text;
    if (!from_sqlite->items.empty()) {
      EXPECT_EQ(from_sqlite->items[0].id, from_postgres->items[0].id) << text;
    }
  }
}

}  // namespace
}  // namespace openlabs::search
