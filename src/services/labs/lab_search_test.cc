// Labs in the real search index on SQLite and PostgreSQL. A lab is indexed as the text of its
// Markdown, so searches find its words and snippets show no syntax. Labs indexed with the Markdown
// itself are indexed again once, when the labs service starts.
#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "common/random.h"
#include "services/labs/labs_service.h"
#include "services/search/search_index.h"
#include "storage/test_database.h"

namespace openlabs::labs {
namespace {

using storage::Database;
using storage::Dialect;

// Every piece of Markdown and HTML syntax of kRichBody, none of which may reach a snippet.
const std::vector<std::string> kSyntax = {"#",      "**",     "`",    "](",   "![",
                                          "&lt;",   "&gt;",   "div",  "href", "class",
                                          "plot-",  ".png",   "http", "~~",   "|"};

const std::string kRichBody =
    "# Zebrafish lab\n\n"
    "Zebrafish **embryos** are *transparent*, so `count_cells()` sees every zebrafish cell.\n\n"
    "See the [zebrafish atlas](https://zfin.example/atlas) and "
    "![zebrafish larva](img/plot-larva.png).\n\n"
    "```python\nzebrafish = load_embryos()\n```\n\n"
    "<div class=\"note\"><p>Keep the zebrafish tanks at <b>28 degrees</b>.</p></div>\n\n"
    "| Stage | Zebrafish hours |\n|---|---|\n| shield | 6 |\n";

class LabSearchTest : public ::testing::TestWithParam<Dialect> {
 protected:
  void SetUp() override {
    const std::string url = storage::NewTestDatabaseUrl(GetParam());
    if (url.empty()) {
      GTEST_SKIP() << "OPENLABS_TEST_POSTGRES_URL is not set; run under scripts/with-postgres.sh";
    }
    Result<std::unique_ptr<Database>> opened = Database::Open(url, 4);
    ASSERT_TRUE(opened) << opened.error().internal;
    database_ = std::move(*opened);
    ASSERT_TRUE(storage::ApplyMigrations(*database_, "labs", LabsMigrations()));
    ASSERT_TRUE(storage::ApplyMigrations(*database_, "search", SearchMigrations()));
    blob_root_ = std::filesystem::temp_directory_path() / ("lab-search-test-" + NewUuid());
    blobs_ = storage::MakeLocalBlobStore(blob_root_.string());
    index_ = search::MakeSearchIndex(*database_, {.champion_min_matches = 0});
    service_ = MakeLabsService(*database_, *blobs_, index_.get(), counter_);
  }

  void TearDown() override { std::filesystem::remove_all(blob_root_); }

  v1::Lab Create(const std::string& title, const std::string& body) {
    v1::CreateLabRequest request;
    request.set_title(title);
    request.set_description("A lab.");
    request.set_body(body);
    CallContext author;
    author.user_id = 7;
    Result<v1::Lab> lab = service_->CreateLab(request, author);
    EXPECT_TRUE(lab) << (lab ? "" : lab.error().message);
    return lab.value_or(v1::Lab());
  }

  search::SearchPage Search(const std::string& text) {
    Result<search::SearchPage> page = index_->Search({.text = text, .fresh = true});
    EXPECT_TRUE(page) << (page ? "" : page.error().internal);
    return page.value_or(search::SearchPage());
  }

  static void ExpectNoSyntax(const std::string& snippet) {
    for (const std::string& syntax : kSyntax) {
      EXPECT_EQ(snippet.find(syntax), std::string::npos) << "\"" << syntax << "\" in " << snippet;
    }
  }

  class Counter final : public SubmissionCounter {
   public:
    Result<int64_t> CountForLab(int64_t /*lab_id*/) override { return 0; }
  };

  std::unique_ptr<Database> database_;
  std::filesystem::path blob_root_;
  std::unique_ptr<storage::BlobStore> blobs_;
  std::unique_ptr<search::SearchIndex> index_;
  Counter counter_;
  std::unique_ptr<LabsService> service_;
};

TEST_P(LabSearchTest, FindsWordsOfEveryPart) {
  const v1::Lab lab = Create("Cell counting", kRichBody);
  // A heading, emphasis, a code span, link text, alt text, code, HTML and a table cell.
  for (const char* word :
       {"embryos", "transparent", "count_cells", "atlas", "larva", "load_embryos", "degrees",
        "shield"}) {
    const search::SearchPage page = Search(word);
    ASSERT_EQ(page.total, 1) << word;
    EXPECT_EQ(page.items[0].id, lab.id()) << word;
  }
  // URLs and HTML attributes are not text.
  for (const char* word : {"zfin", "plot", "note"}) {
    EXPECT_EQ(Search(word).total, 0) << word;
  }
}

TEST_P(LabSearchTest, SnippetsShowNoSyntax) {
  Create("Cell counting", kRichBody);
  for (const char* query : {"zebrafish", "embryos", "atlas", "degrees", "larva"}) {
    const search::SearchPage page = Search(query);
    ASSERT_EQ(page.items.size(), 1u) << query;
    const std::string& snippet = page.items[0].snippet;
    EXPECT_NE(snippet.find("<mark>"), std::string::npos) << query << ": " << snippet;
    const std::string without_marks = [&] {
      std::string text = snippet;
      for (const std::string tag : {"<mark>", "</mark>"}) {
        for (size_t at = text.find(tag); at != std::string::npos; at = text.find(tag)) {
          text.erase(at, tag.size());
        }
      }
      return text;
    }();
    EXPECT_EQ(without_marks.find('<'), std::string::npos) << query << ": " << snippet;
    ExpectNoSyntax(without_marks);
  }
}

TEST_P(LabSearchTest, UpdatedBodyIsIndexedAsText) {
  const v1::Lab lab = Create("Cell counting", "Plain words.");
  v1::UpdateLabRequest update;
  update.set_id(lab.id());
  update.set_body("## Heading with **axolotl**\n");
  CallContext author;
  author.user_id = 7;
  ASSERT_TRUE(service_->UpdateLab(update, author));

  const search::SearchPage page = Search("axolotl");
  ASSERT_EQ(page.items.size(), 1u);
  EXPECT_EQ(page.items[0].snippet.find("#"), std::string::npos) << page.items[0].snippet;
  EXPECT_EQ(page.items[0].snippet.find("**"), std::string::npos) << page.items[0].snippet;
}

TEST_P(LabSearchTest, StartIndexesOldRowsOnce) {
  const v1::Lab lab = Create("Cell counting", kRichBody);
  // The row as the labs service wrote it before bodies were indexed as text.
  search::SearchDocument old;
  old.type = "lab";
  old.id = lab.id();
  old.title = lab.title();
  old.summary = lab.description();
  old.body = kRichBody;
  old.author_id = lab.author_id();
  old.created_at = lab.created_at();
  ASSERT_TRUE(index_->Upsert(old));
  ASSERT_TRUE(index_->SetTextVersion("lab", 0));
  // The code fence's language name is Markdown syntax that both engines index as a word.
  ASSERT_NE(Search("python").total, 0) << "the old row has the code fence's language";

  service_ = MakeLabsService(*database_, *blobs_, index_.get(), counter_);
  EXPECT_EQ(Search("python").total, 0);
  const search::SearchPage page = Search("embryos");
  ASSERT_EQ(page.items.size(), 1u);
  ExpectNoSyntax(page.items[0].snippet);
  Result<int> version = index_->TextVersion("lab");
  ASSERT_TRUE(version);
  EXPECT_GE(*version, 1);

  // With the version recorded, a later start leaves the index as it is.
  ASSERT_TRUE(index_->Upsert(old));
  service_ = MakeLabsService(*database_, *blobs_, index_.get(), counter_);
  EXPECT_NE(Search("python").total, 0);
}

TEST_P(LabSearchTest, StartSkipsArchivedLabs) {
  const v1::Lab kept = Create("Kept", "Kept **okapi** lab.");
  const v1::Lab archived = Create("Archived", "Archived **okapi** lab.");
  ASSERT_TRUE(database_->InTransaction<void>([&](soci::session& session) -> Status {
    const long long id = archived.id();
    session << "UPDATE labs SET status = 'archived' WHERE id = :id", soci::use(id);
    return {};
  }));
  ASSERT_TRUE(index_->Remove("lab", archived.id()));
  ASSERT_TRUE(index_->SetTextVersion("lab", 0));

  service_ = MakeLabsService(*database_, *blobs_, index_.get(), counter_);
  const search::SearchPage page = Search("okapi");
  ASSERT_EQ(page.items.size(), 1u);
  EXPECT_EQ(page.items[0].id, kept.id());
}

TEST_P(LabSearchTest, TextVersionsAreKeptPerType) {
  Result<int> fresh = index_->TextVersion("article");
  ASSERT_TRUE(fresh);
  EXPECT_EQ(*fresh, 0);
  ASSERT_TRUE(index_->SetTextVersion("article", 3));
  ASSERT_TRUE(index_->SetTextVersion("article", 4));
  EXPECT_EQ(index_->TextVersion("article").value_or(-1), 4);
  EXPECT_EQ(index_->TextVersion("lab").value_or(-1), 1) << "set by the labs service at start";
  Result<int> invalid = index_->TextVersion("Lab; DROP");
  ASSERT_FALSE(invalid);
  EXPECT_EQ(invalid.error().code, ErrorCode::kValidationFailed);
}

INSTANTIATE_TEST_SUITE_P(Engines, LabSearchTest, ::testing::ValuesIn(storage::TestDialects()),
                         [](const ::testing::TestParamInfo<Dialect>& info) {
                           return storage::DialectName(info.param);
                         });

}  // namespace
}  // namespace openlabs::labs
