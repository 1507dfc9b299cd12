#include "services/articles/articles_service.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <span>

#include "common/random.h"
#include "services/articles/test_pdf.h"
#include "storage/test_database.h"

namespace openlabs::articles {
namespace {

using storage::Database;
using storage::Dialect;

constexpr int64_t kMaxPdfBytes = 64 * 1024;

CallContext Caller(int64_t user_id, std::string role = "user") {
  CallContext context;
  context.user_id = user_id;
  context.role = std::move(role);
  return context;
}

class ArticlesServiceTest : public ::testing::TestWithParam<Dialect> {
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
    blob_root_ = std::filesystem::temp_directory_path() / ("openlabs-articles-" + NewUuid());
    blobs_ = storage::MakeLocalBlobStore(blob_root_.string());
    search_ = search::MakeSearchIndex(*database_);
    service_ = MakeArticlesService(*database_, *blobs_, *search_,
                                   ArticlesOptions{.max_pdf_bytes = kMaxPdfBytes});
  }

  void TearDown() override {
    std::error_code ignored;
    std::filesystem::remove_all(blob_root_, ignored);
  }

  std::string Upload(const std::string& data) {
    const std::string key = "uploads/" + NewUuid();
    EXPECT_TRUE(blobs_->Put(key, data));
    return key;
  }

  v1::CreateArticleRequest Request(const std::string& title, const std::string& data,
                                   std::vector<std::string> tags = {}) {
    v1::CreateArticleRequest request;
    request.set_title(title);
    request.set_abstract("An abstract about " + title);
    request.add_authors("Ada Lovelace");
    request.add_authors("Alan Turing");
    for (const std::string& tag : tags) {
      request.add_tags(tag);
    }
    request.set_filename("paper.pdf");
    request.set_blob_key(Upload(data));
    return request;
  }

  v1::Article Create(const std::string& title, const std::string& page_text,
                     std::vector<std::string> tags = {}, int64_t uploader = 1) {
    Result<v1::Article> created = service_->CreateArticle(
        Request(title, MakeTestPdf({page_text, "page two"}), std::move(tags)), Caller(uploader));
    EXPECT_TRUE(created) << (created ? "" : created.error().message + created.error().internal);
    return created.value_or(v1::Article());
  }

  v1::ListArticlesResponse List(const std::string& q = "", std::vector<std::string> tags = {},
                                int page = 1, int limit = 20, int64_t uploader = 0,
                                const std::string& sort = "") {
    v1::ListArticlesRequest request;
    request.set_q(q);
    for (const std::string& tag : tags) {
      request.add_tags(tag);
    }
    request.set_page(page);
    request.set_limit(limit);
    request.set_uploader_id(uploader);
    request.set_sort(sort);
    Result<v1::ListArticlesResponse> listed = service_->ListArticles(request);
    EXPECT_TRUE(listed) << (listed ? "" : listed.error().message + listed.error().internal);
    return listed.value_or(v1::ListArticlesResponse());
  }

  std::unique_ptr<Database> database_;
  std::filesystem::path blob_root_;
  std::unique_ptr<storage::BlobStore> blobs_;
  std::unique_ptr<search::SearchIndex> search_;
  std::unique_ptr<ArticlesService> service_;
};

TEST_P(ArticlesServiceTest, CreateStoresMetadataAndPages) {
  const std::string pdf = MakeTestPdf({"alpha words", "beta words"});
  v1::CreateArticleRequest request = Request("  A Paper  ", pdf, {"Python", "python", "C++"});
  Result<v1::Article> created = service_->CreateArticle(request, Caller(42));
  ASSERT_TRUE(created) << created.error().message;
  EXPECT_GT(created->id(), 0);
  EXPECT_EQ(created->title(), "A Paper");
  EXPECT_EQ(created->authors_size(), 2);
  EXPECT_EQ(created->authors(1), "Alan Turing");
  ASSERT_EQ(created->tags_size(), 2);
  EXPECT_EQ(created->tags(0), "python");
  EXPECT_EQ(created->tags(1), "c++");
  EXPECT_EQ(created->uploader_id(), 42);
  EXPECT_EQ(created->page_count(), 2);
  EXPECT_EQ(created->size(), static_cast<int64_t>(pdf.size()));
  EXPECT_EQ(created->sha256().size(), 64u);
  EXPECT_EQ(created->filename(), "paper.pdf");
  EXPECT_EQ(created->pdf_url(), "/api/v1/articles/" + std::to_string(created->id()) + "/pdf");

  v1::ListArticlePagesRequest pages;
  pages.set_article_id(created->id());
  Result<v1::ListArticlePagesResponse> listed = service_->ListArticlePages(pages);
  ASSERT_TRUE(listed);
  ASSERT_EQ(listed->pages_size(), 2);
  EXPECT_EQ(listed->pages(1).page_number(), 2);
  EXPECT_NE(listed->pages(1).text().find("beta words"), std::string::npos);

  pages.set_first_page(2);
  pages.set_last_page(2);
  listed = service_->ListArticlePages(pages);
  ASSERT_TRUE(listed);
  ASSERT_EQ(listed->pages_size(), 1);
  EXPECT_EQ(listed->pages(0).page_number(), 2);

  v1::GetArticleRequest get;
  get.set_id(created->id());
  Result<v1::ArticlePdf> stored = service_->GetArticlePdf(get);
  ASSERT_TRUE(stored);
  EXPECT_EQ(stored->blob_key(), request.blob_key());
  EXPECT_EQ(blobs_->Get(stored->blob_key()).value_or(""), pdf);
}

TEST_P(ArticlesServiceTest, CreateRejectsNonPdf) {
  Result<v1::Article> created = service_->CreateArticle(
      Request("Fake", "<html><body>I am not a PDF</body></html>"), Caller(1));
  ASSERT_FALSE(created);
  EXPECT_EQ(created.error().code, ErrorCode::kValidationFailed);
  ASSERT_EQ(created.error().details.size(), 1u);
  EXPECT_EQ(created.error().details[0].field, "file");
  EXPECT_EQ(List().total(), 0);
}

TEST_P(ArticlesServiceTest, CreateRejectsDamagedPdf) {
  Result<v1::Article> created =
      service_->CreateArticle(Request("Damaged", "%PDF-1.4\ngarbage garbage"), Caller(1));
  ASSERT_FALSE(created);
  EXPECT_EQ(created.error().code, ErrorCode::kValidationFailed);
}

TEST_P(ArticlesServiceTest, CreateRejectsEmptyFile) {
  Result<v1::Article> created = service_->CreateArticle(Request("Empty", ""), Caller(1));
  ASSERT_FALSE(created);
  EXPECT_EQ(created.error().code, ErrorCode::kValidationFailed);
  ASSERT_EQ(created.error().details.size(), 1u);
  EXPECT_NE(created.error().details[0].message.find("empty"), std::string::npos);
}

TEST_P(ArticlesServiceTest, CreateRejectsOversizedPdf) {
  std::string pdf = MakeTestPdf({"big"});
  pdf += "%" + std::string(kMaxPdfBytes, 'x') + "\n";
  Result<v1::Article> created = service_->CreateArticle(Request("Big", pdf), Caller(1));
  ASSERT_FALSE(created);
  EXPECT_EQ(created.error().code, ErrorCode::kPayloadTooLarge);
}

TEST_P(ArticlesServiceTest, CreateRequiresSignIn) {
  Result<v1::Article> created =
      service_->CreateArticle(Request("Anonymous", MakeTestPdf({"x"})), CallContext());
  ASSERT_FALSE(created);
  EXPECT_EQ(created.error().code, ErrorCode::kUnauthenticated);
}

TEST_P(ArticlesServiceTest, CreateReportsEveryInvalidField) {
  v1::CreateArticleRequest request = Request("", MakeTestPdf({"x"}), {"bad/tag"});
  request.set_abstract(std::string(5001, 'a'));
  for (int i = 0; i < 51; ++i) {
    request.add_authors("Author " + std::to_string(i));
  }
  Result<v1::Article> created = service_->CreateArticle(request, Caller(1));
  ASSERT_FALSE(created);
  EXPECT_EQ(created.error().code, ErrorCode::kValidationFailed);
  std::vector<std::string> fields;
  for (const FieldViolation& problem : created.error().details) {
    fields.push_back(problem.field);
  }
  EXPECT_EQ(fields, (std::vector<std::string>{"title", "abstract", "authors", "tags"}));
}

TEST_P(ArticlesServiceTest, CreateRejectsMissingBlob) {
  v1::CreateArticleRequest request = Request("Lost", MakeTestPdf({"x"}));
  request.set_blob_key("uploads/does-not-exist");
  Result<v1::Article> created = service_->CreateArticle(request, Caller(1));
  ASSERT_FALSE(created);
  EXPECT_EQ(created.error().code, ErrorCode::kValidationFailed);
}

TEST_P(ArticlesServiceTest, TextIsSearchable) {
  const v1::Article article = Create("Plain title", "the axolotl regenerates limbs");
  Create("Other", "nothing to see");
  const v1::ListArticlesResponse found = List("axolotl");
  EXPECT_EQ(found.total(), 1);
  ASSERT_EQ(found.items_size(), 1);
  EXPECT_EQ(found.items(0).id(), article.id());
  EXPECT_EQ(found.items(0).tags_size(), 0);
  EXPECT_EQ(List("turing").total(), 2);  // authors are searchable
}

TEST_P(ArticlesServiceTest, ListHasRealTotals) {
  for (int i = 0; i < 5; ++i) {
    Create("Paper " + std::to_string(i), "common words",
           i % 2 == 0 ? std::vector<std::string>{"even"} : std::vector<std::string>{},
           i < 3 ? 1 : 2);
  }
  v1::ListArticlesResponse first = List("", {}, 1, 2);
  EXPECT_EQ(first.total(), 5);
  ASSERT_EQ(first.items_size(), 2);
  EXPECT_EQ(first.items(0).title(), "Paper 4");  // newest first
  EXPECT_EQ(List("", {}, 3, 2).items_size(), 1);
  EXPECT_EQ(List("", {}, 4, 2).items_size(), 0);
  EXPECT_EQ(List("", {"even"}).total(), 3);
  EXPECT_EQ(List("", {"Even"}).total(), 3);
  EXPECT_EQ(List("", {}, 1, 20, 2).total(), 2);
  EXPECT_EQ(List("", {"even"}, 1, 20, 2).total(), 1);
  EXPECT_EQ(List("common", {}, 1, 2).total(), 5);
  EXPECT_EQ(List("common", {}, 1, 2).items_size(), 2);
  EXPECT_EQ(List("common", {"even"}, 1, 20, 1).total(), 2);
}

// Every page of a list filtered by tags, with or without an uploader, contains the matching
// articles newest first, whether the page is found by walking all articles or from the tags.
TEST_P(ArticlesServiceTest, TagFilterPagesMatchEveryTag) {
  std::vector<v1::Article> created;
  for (int i = 0; i < 12; ++i) {
    std::vector<std::string> tags;
    if (i % 2 == 0) {
      tags.push_back("even");
    }
    if (i % 3 == 0) {
      tags.push_back("three");
    }
    created.push_back(Create("Paper " + std::to_string(i), "words", tags, i < 6 ? 1 : 2));
  }
  struct Case {
    std::vector<std::string> tags;
    int64_t uploader;
    std::vector<int> expected;  // indexes into `created`, newest first
  };
  const std::vector<Case> cases = {
      {{"even"}, 0, {10, 8, 6, 4, 2, 0}}, {{"three", "even"}, 0, {6, 0}},
      {{"even", "three"}, 2, {6}},        {{"three"}, 1, {3, 0}},
      {{"even", "missing"}, 0, {}},
  };
  for (const Case& each : cases) {
    for (const int limit : {1, 2, 5}) {
      for (int page = 1; page <= 7; ++page) {
        const v1::ListArticlesResponse listed = List("", each.tags, page, limit, each.uploader);
        const std::string where =
            each.tags.front() + " page " + std::to_string(page) + " limit " + std::to_string(limit);
        EXPECT_EQ(listed.total(), static_cast<int64_t>(each.expected.size())) << where;
        std::vector<int64_t> ids;
        for (const v1::Article& article : listed.items()) {
          ids.push_back(article.id());
        }
        std::vector<int64_t> expected_ids;
        for (size_t i = static_cast<size_t>((page - 1) * limit);
             i < each.expected.size() && i < static_cast<size_t>(page * limit); ++i) {
          expected_ids.push_back(created[each.expected[i]].id());
        }
        EXPECT_EQ(ids, expected_ids) << where;
      }
    }
  }
}

// Articles stored before the count existed are counted when the migration adds it.
TEST_P(ArticlesServiceTest, ListTotalCountsArticlesFromBeforeMigration) {
  Result<std::unique_ptr<Database>> opened =
      Database::Open(storage::NewTestDatabaseUrl(GetParam()), 2);
  ASSERT_TRUE(opened) << opened.error().internal;
  Database& database = **opened;
  const std::span<const storage::Migration> migrations = ArticlesMigrations();
  ASSERT_GE(migrations.size(), 2u);
  ASSERT_TRUE(storage::ApplyMigrations(database, "articles", migrations.first(1)));
  const Status inserted = database.WithSession<void>([](soci::session& session) -> Status {
    session << "INSERT INTO articles (title, uploader_id, filename, blob_key, size, sha256, "
               "page_count, created_at, updated_at) VALUES "
               "('one', 1, 'a.pdf', 'k1', 1, 's1', 1, 1, 1), "
               "('two', 1, 'b.pdf', 'k2', 1, 's2', 1, 2, 2)";
    return {};
  });
  ASSERT_TRUE(inserted) << inserted.error().internal;

  ASSERT_TRUE(storage::ApplyMigrations(database, "articles", migrations));
  std::unique_ptr<ArticlesService> service = MakeArticlesService(
      database, *blobs_, *search_, ArticlesOptions{.max_pdf_bytes = kMaxPdfBytes});
  Result<v1::ListArticlesResponse> page = service->ListArticles({});

  ASSERT_TRUE(page) << page.error().internal;
  EXPECT_EQ(page->total(), 2);
  EXPECT_EQ(page->items_size(), 2);
}

TEST_P(ArticlesServiceTest, ListRejectsBadSortAndTags) {
  v1::ListArticlesRequest request;
  request.set_sort("oldest");
  EXPECT_FALSE(service_->ListArticles(request));
  request.set_sort("new");
  request.add_tags("bad tag!");
  EXPECT_FALSE(service_->ListArticles(request));
}

TEST_P(ArticlesServiceTest, PopularSortsByViews) {
  const v1::Article quiet = Create("Quiet", "x");
  const v1::Article popular = Create("Popular", "y");
  Create("Newest", "z");
  v1::GetArticleRequest get;
  get.set_id(quiet.id());
  get.set_count_view(true);
  ASSERT_TRUE(service_->GetArticle(get));
  get.set_id(popular.id());
  ASSERT_TRUE(service_->GetArticle(get));
  Result<v1::Article> viewed = service_->GetArticle(get);
  ASSERT_TRUE(viewed);
  EXPECT_EQ(viewed->views(), 2);
  const v1::ListArticlesResponse listed = List("", {}, 1, 20, 0, "popular");
  ASSERT_EQ(listed.items_size(), 3);
  EXPECT_EQ(listed.items(0).id(), popular.id());
  EXPECT_EQ(listed.items(1).id(), quiet.id());
}

TEST_P(ArticlesServiceTest, GetMissingArticleIsNotFound) {
  v1::GetArticleRequest get;
  get.set_id(999);
  Result<v1::Article> article = service_->GetArticle(get);
  ASSERT_FALSE(article);
  EXPECT_EQ(article.error().code, ErrorCode::kNotFound);
  EXPECT_FALSE(service_->GetArticlePdf(get));
}

TEST_P(ArticlesServiceTest, UpdateFollowsPermissions) {
  const v1::Article article = Create("Original", "text", {"old"}, 1);
  v1::UpdateArticleRequest update;
  update.set_id(article.id());
  update.set_title("By another user");
  Result<v1::Article> denied = service_->UpdateArticle(update, Caller(2));
  ASSERT_FALSE(denied);
  EXPECT_EQ(denied.error().code, ErrorCode::kPermissionDenied);
  EXPECT_FALSE(service_->UpdateArticle(update, CallContext()));

  update.set_title("By the uploader");
  update.add_tags("New");
  update.set_replace_tags(true);
  update.add_authors("Grace Hopper");
  update.set_replace_authors(true);
  Result<v1::Article> changed = service_->UpdateArticle(update, Caller(1));
  ASSERT_TRUE(changed) << changed.error().message;
  EXPECT_EQ(changed->title(), "By the uploader");
  ASSERT_EQ(changed->tags_size(), 1);
  EXPECT_EQ(changed->tags(0), "new");
  ASSERT_EQ(changed->authors_size(), 1);
  EXPECT_EQ(changed->authors(0), "Grace Hopper");
  EXPECT_EQ(changed->abstract(), article.abstract());

  update.set_title("By a moderator");
  EXPECT_TRUE(service_->UpdateArticle(update, Caller(3, "moderator")));
  update.set_title("By an admin");
  EXPECT_TRUE(service_->UpdateArticle(update, Caller(4, "admin")));

  // The search index follows the change.
  EXPECT_EQ(List("admin").total(), 1);
  EXPECT_EQ(List("uploader").total(), 0);
  EXPECT_EQ(List("hopper").total(), 1);
  EXPECT_EQ(List("", {"new"}).total(), 1);
}

TEST_P(ArticlesServiceTest, UpdateValidatesFields) {
  const v1::Article article = Create("Original", "text");
  v1::UpdateArticleRequest update;
  update.set_id(article.id());
  update.set_title("");
  Result<v1::Article> changed = service_->UpdateArticle(update, Caller(1));
  ASSERT_FALSE(changed);
  EXPECT_EQ(changed.error().code, ErrorCode::kValidationFailed);
  update.set_id(12345);
  update.set_title("Fine");
  changed = service_->UpdateArticle(update, Caller(1));
  ASSERT_FALSE(changed);
  EXPECT_EQ(changed.error().code, ErrorCode::kNotFound);
}

TEST_P(ArticlesServiceTest, DeleteFollowsPermissionsAndCleansUp) {
  const v1::Article first = Create("First", "quetzal", {}, 1);
  const v1::Article second = Create("Second", "quetzal", {}, 1);
  v1::GetArticleRequest get;
  get.set_id(first.id());
  const std::string blob_key = service_->GetArticlePdf(get).value().blob_key();

  v1::DeleteArticleRequest remove;
  remove.set_id(first.id());
  Status denied = service_->DeleteArticle(remove, Caller(2));
  ASSERT_FALSE(denied);
  EXPECT_EQ(denied.error().code, ErrorCode::kPermissionDenied);
  EXPECT_FALSE(service_->DeleteArticle(remove, CallContext()));

  ASSERT_TRUE(service_->DeleteArticle(remove, Caller(1)));
  EXPECT_FALSE(service_->GetArticle(get));
  EXPECT_FALSE(blobs_->Stat(blob_key));
  EXPECT_EQ(List("quetzal").total(), 1);
  v1::ListArticlePagesRequest pages;
  pages.set_article_id(first.id());
  EXPECT_FALSE(service_->ListArticlePages(pages));

  Status again = service_->DeleteArticle(remove, Caller(1));
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().code, ErrorCode::kNotFound);

  remove.set_id(second.id());
  EXPECT_TRUE(service_->DeleteArticle(remove, Caller(9, "moderator")));
  EXPECT_EQ(List().total(), 0);
}

TEST_P(ArticlesServiceTest, FindsBySha256) {
  const v1::Article article = Create("Hashed", "content");
  v1::FindArticleBySha256Request find;
  find.set_sha256(article.sha256());
  Result<v1::Article> found = service_->FindArticleBySha256(find);
  ASSERT_TRUE(found);
  EXPECT_EQ(found->id(), article.id());
  find.set_sha256(std::string(64, '0'));
  EXPECT_FALSE(service_->FindArticleBySha256(find));
}

TEST_P(ArticlesServiceTest, ExportPagesWithTags) {
  const v1::Article first = Create("First paper", "alpha", {"Physics", "optics"});
  const v1::Article second = Create("Second paper", "beta");
  const v1::Article third = Create("Third paper", "gamma", {"math"}, 2);
  Result<v1::ArticlesVersion> before = service_->GetArticlesVersion({});
  ASSERT_TRUE(before);

  v1::ExportArticlesRequest request;
  request.set_limit(2);
  std::vector<v1::Article> articles;
  int pages = 0;
  do {
    Result<v1::ExportArticlesResponse> page = service_->ExportArticles(request);
    ASSERT_TRUE(page) << page.error().message;
    ++pages;
    articles.insert(articles.end(), page->items().begin(), page->items().end());
    request.set_after_id(page->next_after_id());
  } while (request.after_id() != 0 && pages < 10);
  EXPECT_EQ(pages, 2);
  ASSERT_EQ(articles.size(), 3u);
  EXPECT_EQ(articles[0].id(), first.id());
  EXPECT_EQ(articles[1].id(), second.id());
  EXPECT_EQ(articles[2].id(), third.id());
  EXPECT_EQ(articles[0].abstract(), "An abstract about First paper");
  EXPECT_EQ(std::vector<std::string>(articles[0].tags().begin(), articles[0].tags().end()),
            (std::vector<std::string>{"physics", "optics"}));
  EXPECT_TRUE(articles[1].tags().empty());
  EXPECT_EQ(articles[2].uploader_id(), 2);

  v1::DeleteArticleRequest remove;
  remove.set_id(second.id());
  ASSERT_TRUE(service_->DeleteArticle(remove, Caller(1)));
  Result<v1::ArticlesVersion> after = service_->GetArticlesVersion({});
  ASSERT_TRUE(after);
  EXPECT_NE(after->version(), before->version());

  request.set_after_id(-1);
  Result<v1::ExportArticlesResponse> invalid = service_->ExportArticles(request);
  ASSERT_FALSE(invalid);
  EXPECT_EQ(invalid.error().code, ErrorCode::kValidationFailed);
}

INSTANTIATE_TEST_SUITE_P(Engines, ArticlesServiceTest, ::testing::ValuesIn(storage::TestDialects()),
                         [](const auto& info) { return storage::DialectName(info.param); });

}  // namespace
}  // namespace openlabs::articles
