#include "services/articles/article_importer.h"

#include <gtest/gtest.h>

#include <cctype>
#include <fstream>
#include <set>
#include <sstream>

#include "common/random.h"
#include "services/articles/test_pdf.h"
#include "storage/test_database.h"

namespace openlabs::articles {
namespace {

namespace fs = std::filesystem;
using storage::Database;
using storage::Dialect;

// The lower-case words of `text` that have only ASCII letters and at least `min_length` of them.
std::set<std::string> Words(const std::string& text, size_t min_length) {
  std::set<std::string> words;
  std::string word;
  for (char c : text + " ") {
    if (std::isalpha(static_cast<unsigned char>(c))) {
      word += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      continue;
    }
    if (word.size() >= min_length) {
      words.insert(word);
    }
    word.clear();
  }
  return words;
}

class ArticleImporterTest : public ::testing::TestWithParam<Dialect> {
 protected:
  void SetUp() override {
    const std::string url = storage::NewTestDatabaseUrl(GetParam());
    if (url.empty()) {
      GTEST_SKIP() << "OPENLABS_TEST_POSTGRES_URL is not set; run under scripts/with-postgres.sh";
    }
    Result<std::unique_ptr<Database>> opened = Database::Open(url, 4);
    ASSERT_TRUE(opened) << opened.error().internal;
    database_ = std::move(*opened);
    ASSERT_TRUE(storage::ApplyMigrations(*database_, "search", SearchMigrations()));
    ASSERT_TRUE(storage::ApplyMigrations(*database_, "articles", ArticlesMigrations()));
    scratch_ = fs::temp_directory_path() / ("openlabs-import-" + NewUuid());
    fs::create_directories(scratch_ / "in");
    blobs_ = storage::MakeLocalBlobStore((scratch_ / "blobs").string());
    search_ = search::MakeSearchIndex(*database_);
    service_ = MakeArticlesService(*database_, *blobs_, *search_, ArticlesOptions{});
    uploader_.user_id = 5;
    uploader_.role = "user";
  }

  void TearDown() override {
    std::error_code ignored;
    fs::remove_all(scratch_, ignored);
  }

  ImportSummary Import(const fs::path& dir) {
    std::ostringstream progress;
    Result<ImportSummary> summary = ImportArticles(dir, *service_, *blobs_, uploader_, progress);
    EXPECT_TRUE(summary) << (summary ? "" : summary.error().message);
    progress_ = progress.str();
    return summary.value_or(ImportSummary());
  }

  void Write(const fs::path& path, const std::string& data) {
    std::ofstream(path, std::ios::binary) << data;
  }

  std::unique_ptr<Database> database_;
  fs::path scratch_;
  std::unique_ptr<storage::BlobStore> blobs_;
  std::unique_ptr<search::SearchIndex> search_;
  std::unique_ptr<ArticlesService> service_;
  CallContext uploader_;
  std::string progress_;
};

TEST_P(ArticleImporterTest, ImportsFolderWithMetadata) {
  Write(scratch_ / "in" / "a.pdf", MakeTestPdf({"the narwhal tusk"}));
  Write(scratch_ / "in" / "b.PDF", MakeTestPdf({"no metadata here"}));
  Write(scratch_ / "in" / "fake.pdf", "<html>not a pdf</html>");
  Write(scratch_ / "in" / "empty.pdf", "");
  Write(scratch_ / "in" / "notes.txt", "ignored");
  Write(scratch_ / "in" / "metadata.json",
        R"([{"file": "a.pdf", "title": "Narwhals", "authors": ["Ada Lovelace"],
             "abstract": "About tusks.", "tags": ["Biology"], "doi": "ignored"}])");

  const ImportSummary summary = Import(scratch_ / "in");
  EXPECT_EQ(summary.imported, 2);
  EXPECT_EQ(summary.skipped, 0);
  EXPECT_EQ(summary.rejected, 2);
  ASSERT_EQ(summary.problems.size(), 2u);
  EXPECT_NE(summary.problems[0].find("empty.pdf: file is empty"), std::string::npos)
      << summary.problems[0];
  EXPECT_NE(summary.problems[1].find("fake.pdf: file is not a PDF"), std::string::npos)
      << summary.problems[1];
  EXPECT_NE(progress_.find("[1/4] a.pdf: imported as article"), std::string::npos) << progress_;

  v1::ListArticlesRequest list;
  list.set_q("narwhal");
  Result<v1::ListArticlesResponse> found = service_->ListArticles(list);
  ASSERT_TRUE(found);
  ASSERT_EQ(found->total(), 1);
  const v1::Article& article = found->items(0);
  EXPECT_EQ(article.title(), "Narwhals");
  EXPECT_EQ(article.abstract(), "About tusks.");
  ASSERT_EQ(article.authors_size(), 1);
  EXPECT_EQ(article.tags(0), "biology");
  EXPECT_EQ(article.uploader_id(), 5);
  EXPECT_EQ(article.filename(), "a.pdf");

  list.set_q("metadata");
  found = service_->ListArticles(list);
  ASSERT_TRUE(found);
  ASSERT_EQ(found->total(), 1);
  EXPECT_EQ(found->items(0).title(), "b");

  // Rejected files leave no blob behind: only the two imported PDFs remain.
  EXPECT_EQ(blobs_->List("articles/").value_or(std::vector<std::string>()).size(), 2u);
}

TEST_P(ArticleImporterTest, SecondRunSkipsImportedFiles) {
  Write(scratch_ / "in" / "a.pdf", MakeTestPdf({"once only"}));
  EXPECT_EQ(Import(scratch_ / "in").imported, 1);
  const ImportSummary again = Import(scratch_ / "in");
  EXPECT_EQ(again.imported, 0);
  EXPECT_EQ(again.skipped, 1);
  EXPECT_NE(progress_.find("skipped: already imported as article"), std::string::npos);
}

TEST_P(ArticleImporterTest, FailsOnMissingFolderOrBadMetadata) {
  std::ostringstream progress;
  EXPECT_FALSE(ImportArticles(scratch_ / "missing", *service_, *blobs_, uploader_, progress));
  Write(scratch_ / "in" / "metadata.json", "{not json");
  EXPECT_FALSE(ImportArticles(scratch_ / "in", *service_, *blobs_, uploader_, progress));
}

// Every corpus PDF imports, and a word found only in one PDF's text finds that article.
TEST_P(ArticleImporterTest, CorpusTextIsSearchable) {
  const std::optional<std::string> dir = CorpusArticlesDir();
  if (!dir) {
    GTEST_SKIP() << "no corpus articles folder; set OPENLABS_CORPUS_DIR";
  }
  const ImportSummary summary = Import(*dir);
  EXPECT_EQ(summary.rejected, 0) << progress_;
  ASSERT_GT(summary.imported, 0) << progress_;

  v1::ListArticlesRequest all;
  all.set_limit(100);
  Result<v1::ListArticlesResponse> listed = service_->ListArticles(all);
  ASSERT_TRUE(listed);
  ASSERT_EQ(listed->total(), summary.imported);

  std::map<int64_t, std::set<std::string>> words;
  for (const v1::Article& article : listed->items()) {
    v1::ListArticlePagesRequest pages;
    pages.set_article_id(article.id());
    Result<v1::ListArticlePagesResponse> text = service_->ListArticlePages(pages);
    ASSERT_TRUE(text);
    std::string joined;
    for (const v1::ArticlePage& page : text->pages()) {
      joined += page.text() + "\n";
    }
    words[article.id()] = Words(joined, 9);
  }
  for (const auto& [id, own] : words) {
    std::optional<std::string> distinctive;
    for (const std::string& word : own) {
      const bool elsewhere = std::any_of(words.begin(), words.end(), [&](const auto& other) {
        return other.first != id && other.second.contains(word);
      });
      if (!elsewhere) {
        distinctive = word;
        break;
      }
    }
    ASSERT_TRUE(distinctive) << "article " << id << " has no word of its own";
    v1::ListArticlesRequest query;
    query.set_q(*distinctive);
    query.set_limit(100);
    Result<v1::ListArticlesResponse> found = service_->ListArticles(query);
    ASSERT_TRUE(found);
    const bool hit = std::any_of(found->items().begin(), found->items().end(),
                                 [&](const v1::Article& article) { return article.id() == id; });
    EXPECT_TRUE(hit) << "searching \"" << *distinctive << "\" did not find article " << id;
  }
}

INSTANTIATE_TEST_SUITE_P(Engines, ArticleImporterTest, ::testing::ValuesIn(storage::TestDialects()),
                         [](const auto& info) { return storage::DialectName(info.param); });

}  // namespace
}  // namespace openlabs::articles
