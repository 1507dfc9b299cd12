#include "services/labs/lab_importer.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <map>
#include <sstream>

#include "common/random.h"
#include "services/labs/validation.h"
#include "storage/test_database.h"

namespace openlabs::labs {
namespace {

namespace fs = std::filesystem;
using storage::Database;
using storage::Dialect;

class NoSubmissions final : public SubmissionCounter {
 public:
  Result<int64_t> CountForLab(int64_t) override { return 0; }
};

fs::path CorpusLabsDir() {
  const char* corpus = std::getenv("OPENLABS_CORPUS_DIR");
  return fs::path(corpus != nullptr ? corpus : "/work/shared/corpus") / "labs";
}

void WriteFile(const fs::path& path, const std::string& content) {
  fs::create_directories(path.parent_path());
  std::ofstream(path, std::ios::binary) << content;
}

class LabImporterTest : public ::testing::TestWithParam<Dialect> {
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
    scratch_ = fs::temp_directory_path() / ("lab-import-test-" + NewUuid());
    blobs_ = storage::MakeLocalBlobStore((scratch_ / "blobs").string());
    service_ = MakeLabsService(*database_, *blobs_, nullptr, no_submissions_);
    context_.user_id = 1;
    context_.role = "user";
  }

  void TearDown() override { fs::remove_all(scratch_); }

  ImportSummary Import(const fs::path& dir, std::string* output = nullptr) {
    std::ostringstream out;
    Result<ImportSummary> summary = ImportLabs(dir, *service_, *blobs_, context_, {}, out);
    EXPECT_TRUE(summary) << (summary ? "" : summary.error().message);
    if (output != nullptr) {
      *output = out.str();
    }
    return summary.value_or(ImportSummary());
  }

  std::vector<v1::Lab> AllLabs() {
    v1::ListLabsRequest list;
    list.set_limit(100);
    std::vector<v1::Lab> labs;
    const v1::ListLabsResponse page = service_->ListLabs(list).value();
    for (const v1::Lab& summary : page.items()) {
      v1::GetLabRequest get;
      get.set_id(summary.id());
      labs.push_back(service_->GetLab(get).value());
    }
    return labs;
  }

  std::unique_ptr<Database> database_;
  fs::path scratch_;
  std::unique_ptr<storage::BlobStore> blobs_;
  NoSubmissions no_submissions_;
  std::unique_ptr<LabsService> service_;
  CallContext context_;
};

TEST_P(LabImporterTest, CorpusImportsWithEveryImageAsAsset) {
  const fs::path dir = CorpusLabsDir();
  if (!fs::is_directory(dir)) {
    GTEST_SKIP() << "no lab corpus at " << dir << "; set OPENLABS_CORPUS_DIR to its parent";
  }
  const size_t documents = FindLabFiles(dir)->size();
  std::string output;
  const ImportSummary summary = Import(dir, &output);
  EXPECT_EQ(summary.rejected, 0) << output;
  EXPECT_EQ(summary.imported + summary.ignored, static_cast<int>(documents)) << output;
  EXPECT_GT(summary.imported, 0);

  const std::vector<v1::Lab> labs = AllLabs();
  ASSERT_EQ(static_cast<int>(labs.size()), summary.imported);
  int images = 0;
  for (const v1::Lab& lab : labs) {
    EXPECT_FALSE(lab.title().empty()) << lab.source_key();
    for (const std::string& target : LocalLinkTargets(lab.body(), true)) {
      v1::GetAssetRequest get;
      get.set_lab_id(lab.id());
      get.set_path(target);
      Result<v1::AssetBlob> asset = service_->GetAsset(get);
      EXPECT_TRUE(asset) << lab.source_key() << " links " << target;
      if (asset) {
        EXPECT_TRUE(asset->asset().content_type().starts_with("image/")) << target;
        ++images;
      }
    }
  }
  EXPECT_GT(images, 0);

  // The Carpentries pages load data files by bare name from data/ beside the page.
  for (const v1::Lab& lab : labs) {
    if (lab.source_key().ends_with("episodes/02-numpy.md")) {
      v1::GetAssetRequest get;
      get.set_lab_id(lab.id());
      get.set_path("data/inflammation-01.csv");
      EXPECT_TRUE(service_->GetAsset(get)) << "02-numpy.md has no data/inflammation-01.csv";
    }
  }

  std::string again;
  const ImportSummary second = Import(dir, &again);
  EXPECT_EQ(second.imported, 0) << again;
  EXPECT_EQ(second.skipped, summary.imported);
  EXPECT_EQ(second.rejected, 0);
}

TEST_P(LabImporterTest, CorpusTitlesAndDescriptionsAreTrue) {
  const fs::path dir = CorpusLabsDir();
  if (!fs::is_directory(dir)) {
    GTEST_SKIP() << "no lab corpus at " << dir << "; set OPENLABS_CORPUS_DIR to its parent";
  }
  std::string output;
  Import(dir, &output);
  std::map<std::string, v1::Lab> labs;
  for (const v1::Lab& lab : AllLabs()) {
    labs[lab.source_key()] = lab;
    EXPECT_EQ(lab.tags_size(), 0) << lab.source_key() << " has no tags in its front matter";
    EXPECT_NE(lab.description(), ">") << lab.source_key();
    EXPECT_FALSE(lab.description().starts_with("Table of Contents")) << lab.source_key();
  }
  struct Expected {
    std::string key;
    std::string title;
    std::string description_start;
  };
  const std::vector<Expected> expected = {
      {"missing-semester/_2020/data-wrangling.md", "Data Wrangling",
       "Learn how to manipulate and transform data using command-line tools like sed, awk, and "
       "regular expressions."},
      {"missing-semester/_2020/version-control.md", "Version Control (Git)",
       "Learn Git's data model and how to use Git for version control and collaboration."},
      {"cs231n/classification.md", "Image Classification",
       "This is an introductory lecture designed to introduce people from outside of Computer "
       "Vision"},
      {"cs231n/neural-networks-case-study.md", "Neural networks case study",
       "In this section we'll walk through a complete implementation of a toy Neural Network"},
      {"cs231n/optimization-1.md", "Optimization 1",
       "In the previous section we introduced two key components"},
      {"cs231n/assignments/2025/assignment1.md", "Assignment 1", "This assignment is due on"},
      {"swcarpentry-python-novice-inflammation/episodes/02-numpy.md", "Analyzing Patient Data",
       "Words are useful, but what's more useful are the sentences and stories"},
      {"ml-for-beginners/2-Regression/3-Linear/assignment.md", "Create a Regression Model",
       "In this lesson you were shown how to build a model"},
  };
  for (const Expected& lab : expected) {
    if (!labs.contains(lab.key)) {
      ADD_FAILURE() << lab.key << " was not imported:\n" << output;
      continue;
    }
    EXPECT_EQ(labs.at(lab.key).title(), lab.title) << lab.key;
    EXPECT_TRUE(labs.at(lab.key).description().starts_with(lab.description_start))
        << lab.key << ": " << labs.at(lab.key).description();
  }
}

TEST_P(LabImporterTest, DataFilesInCodeBecomeAssets) {
  const fs::path root = scratch_ / "course";
  WriteFile(root / "episodes/data/table.csv", "a,b\n1,2\n");
  WriteFile(root / "episodes/fig/plot.svg", "<svg xmlns=\"http://www.w3.org/2000/svg\"/>");
  WriteFile(root / "episodes/load.md",
            "---\ntitle: Loading data\ntags: [Python, pandas]\n---\n\n"
            "Read a table.\n\n![](fig/plot.svg)\n\n```python\nload('data/table.csv')\n```\n");
  const ImportSummary summary = Import(root);
  ASSERT_EQ(summary.imported, 1);
  const v1::Lab lab = AllLabs().at(0);
  EXPECT_EQ(lab.title(), "Loading data");
  EXPECT_EQ(lab.description(), "Read a table.");
  ASSERT_EQ(lab.tags_size(), 2);
  EXPECT_EQ(lab.tags(0), "python");
  EXPECT_FALSE(lab.body().starts_with("---"));
  ASSERT_EQ(lab.assets_size(), 2);
  EXPECT_EQ(lab.assets(0).path(), "data/table.csv");
  EXPECT_EQ(lab.assets(0).content_type(), "text/csv");
  EXPECT_EQ(lab.assets(1).path(), "fig/plot.svg");
  EXPECT_EQ(lab.assets(1).content_type(), "image/svg+xml");
  EXPECT_EQ(lab.assets(0).sha256(), Sha256Hex("a,b\n1,2\n"));
  EXPECT_EQ(lab.assets(0).size(), 8);
}

// The hash comes from the blob writer, over every chunk of a file larger than one read.
TEST_P(LabImporterTest, StoredFileHasWritersHash) {
  std::string content;
  for (int i = 0; content.size() < (3u << 20) + 123; ++i) {
    content += "line " + std::to_string(i) + "\n";
  }
  const fs::path file = scratch_ / "big.txt";
  WriteFile(file, content);

  const Result<v1::NewLabAsset> asset = StoreLocalFile(*blobs_, file, "data/big.txt", "test/");

  ASSERT_TRUE(asset) << asset.error().internal;
  EXPECT_EQ(asset->sha256(), Sha256Hex(content));
  EXPECT_EQ(asset->size(), static_cast<int64_t>(content.size()));
  EXPECT_EQ(asset->path(), "data/big.txt");
  EXPECT_TRUE(content.starts_with(asset->head()));
  Result<std::string> stored = blobs_->Get(asset->blob_key());
  ASSERT_TRUE(stored) << stored.error().internal;
  EXPECT_EQ(*stored, content);
}

TEST_P(LabImporterTest, RootPathsResolveAgainstParentFolders) {
  const fs::path root = scratch_ / "site";
  WriteFile(root / "notes/assets/a.png", std::string("\x89PNG\r\n\x1a\n", 8) + "png");
  WriteFile(root / "notes/lesson.md", "# Lesson\n\n<img src=\"/assets/a.png\" width=\"50%\">\n");
  ASSERT_EQ(Import(root).imported, 1);
  const v1::Lab lab = AllLabs().at(0);
  ASSERT_EQ(lab.assets_size(), 1);
  EXPECT_EQ(lab.assets(0).path(), "assets/a.png");
  EXPECT_EQ(lab.assets(0).content_type(), "image/png");
}

TEST_P(LabImporterTest, PathsOutsideFolderAreRejected) {
  const fs::path root = scratch_ / "import";
  WriteFile(scratch_ / "secret.png", std::string("\x89PNG\r\n\x1a\n", 8));
  WriteFile(root / "lab.md", "# Escape\n\n![](../secret.png)\n![](/../secret.png)\n");
  std::string output;
  ASSERT_EQ(Import(root, &output).imported, 1);
  EXPECT_NE(output.find("rejected reference ../secret.png"), std::string::npos) << output;
  EXPECT_EQ(AllLabs().at(0).assets_size(), 0);
}

TEST_P(LabImporterTest, TitleFallsBackToFileName) {
  const fs::path root = scratch_ / "tree";
  WriteFile(root / "Course_One/week 1/first_steps-2.md", "Just text, no heading.\n");
  WriteFile(root / "README.md", "# Not a lab\n");
  std::string output;
  const ImportSummary summary = Import(root, &output);
  EXPECT_EQ(summary.imported, 1);
  EXPECT_EQ(summary.ignored, 1) << output;
  const v1::Lab lab = AllLabs().at(0);
  EXPECT_EQ(lab.title(), "First steps 2");
  EXPECT_EQ(lab.description(), "Just text, no heading.");
  EXPECT_EQ(lab.tags_size(), 0) << "folder names are not tags";
}

TEST_P(LabImporterTest, FrontMatterIsReadAsYaml) {
  const fs::path root = scratch_ / "yaml";
  WriteFile(root / "folded.md",
            "---\n"
            "title: \"Data: cleaning\"\n"
            "description: >\n"
            "  Clean a table\n"
            "  with pandas.\n"
            "keywords: pandas, Data Science\n"
            "video:\n"
            "  id: abc\n"
            "---\n\n# Other heading\n\nBody text.\n");
  WriteFile(root / "listed.md",
            "---\ntitle: Listed\ntags:\n  - Python\n  - numpy\n---\n\nFirst paragraph\n"
            "wrapped over two lines.\n");
  WriteFile(root / "broken.md", "---\ntitle: [unclosed\n---\n\n# Broken front matter\n\nText.\n");
  std::string output;
  ASSERT_EQ(Import(root, &output).imported, 3) << output;
  std::map<std::string, v1::Lab> labs;
  for (const v1::Lab& lab : AllLabs()) {
    labs[lab.source_key()] = lab;
  }

  const v1::Lab& folded = labs.at("folded.md");
  EXPECT_EQ(folded.title(), "Data: cleaning");
  EXPECT_EQ(folded.description(), "Clean a table with pandas.");
  ASSERT_EQ(folded.tags_size(), 2);
  EXPECT_EQ(folded.tags(0), "pandas");
  EXPECT_EQ(folded.tags(1), "data-science");
  EXPECT_TRUE(folded.body().starts_with("\n# Other heading")) << folded.body();

  const v1::Lab& listed = labs.at("listed.md");
  EXPECT_EQ(listed.description(), "First paragraph wrapped over two lines.");
  ASSERT_EQ(listed.tags_size(), 2);
  EXPECT_EQ(listed.tags(0), "python");
  EXPECT_EQ(listed.tags(1), "numpy");

  const v1::Lab& broken = labs.at("broken.md");
  EXPECT_EQ(broken.title(), "Broken front matter");
  EXPECT_FALSE(broken.body().starts_with("---")) << broken.body();
  EXPECT_NE(output.find("broken.md as lab"), std::string::npos) << output;
  EXPECT_NE(output.find("front matter is not valid YAML"), std::string::npos) << output;
}

TEST_P(LabImporterTest, DescriptionSkipsLabelsAndMarkup) {
  const fs::path root = scratch_ / "prose";
  WriteFile(root / "lesson.md",
            "Table of Contents:\n\n- [Intro](#intro)\n- [More](#more)\n\n"
            "<a name='intro'></a>\n\n## Intro\n\n"
            "<div class=\"fig\"><img src=\"x.png\"> A caption.</div>\n\n"
            "```\ncode paragraph\n```\n\n"
            "This **lab** uses [NumPy](https://numpy.org) and `arrays`.\n\n## More\n");
  ASSERT_EQ(Import(root).imported, 1);
  const v1::Lab lab = AllLabs().at(0);
  EXPECT_EQ(lab.title(), "Lesson") << "two headings share the top level, so neither is the title";
  EXPECT_EQ(lab.description(), "This lab uses NumPy and arrays.");
}

TEST_P(LabImporterTest, LongDescriptionIsCutAtSpace) {
  const fs::path root = scratch_ / "long";
  std::string paragraph;
  for (int i = 0; i < 100; ++i) {
    paragraph += "word" + std::to_string(i) + " ";
  }
  WriteFile(root / "long.md", "# Long\n\n" + paragraph + "\n");
  ASSERT_EQ(Import(root).imported, 1);
  const std::string description = AllLabs().at(0).description();
  EXPECT_TRUE(description.ends_with("…")) << description;
  EXPECT_LE(description.size(), 300u + std::string("…").size() - 1);
  EXPECT_TRUE(description.starts_with("word0 word1 ")) << description;
  const std::string before_mark = description.substr(0, description.size() - 3);
  EXPECT_EQ(paragraph.find(before_mark + " "), 0u) << "the cut falls inside a word";
}

TEST_P(LabImporterTest, ChangedFileIsRejectedNotDuplicated) {
  const fs::path root = scratch_ / "changing";
  WriteFile(root / "lab.md", "# Version one\n");
  ASSERT_EQ(Import(root).imported, 1);
  WriteFile(root / "lab.md", "# Version two\n");
  std::string output;
  const ImportSummary summary = Import(root, &output);
  EXPECT_EQ(summary.rejected, 1);
  EXPECT_NE(output.find("has changed since"), std::string::npos) << output;
  EXPECT_EQ(AllLabs().size(), 1u);
}

INSTANTIATE_TEST_SUITE_P(Engines, LabImporterTest, ::testing::ValuesIn(storage::TestDialects()),
                         [](const auto& info) { return storage::DialectName(info.param); });

}  // namespace
}  // namespace openlabs::labs
