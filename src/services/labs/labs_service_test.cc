#include "services/labs/labs_service.h"

#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <map>
#include <mutex>
#include <random>
#include <span>
#include <thread>
#include <unordered_map>
#include <vector>

#include "common/random.h"
#include "services/labs/validation.h"
#include "services/labs/view_counts.h"
#include "services/search/search_index.h"
#include "storage/test_database.h"

namespace openlabs::labs {
namespace {

using storage::Database;
using storage::Dialect;

class FakeSubmissionCounter final : public SubmissionCounter {
 public:
  Result<int64_t> CountForLab(int64_t lab_id) override { return counts[lab_id]; }
  std::map<int64_t, int64_t> counts;
};

// Records what the labs service pushes, and finds labs whose title contains the query.
class FakeSearchIndex final : public search::SearchIndex {
 public:
  Status Upsert(const search::SearchDocument& document) override {
    documents[document.id] = document;
    return {};
  }
  Status Remove(std::string_view type, int64_t id) override {
    documents.erase(id);
    ++removals;
    return {};
  }
  Result<search::SearchPage> Search(const search::SearchQuery& query) override {
    search::SearchPage page;
    for (auto it = documents.rbegin(); it != documents.rend(); ++it) {
      if (it->second.title.find(query.text) != std::string::npos) {
        page.items.push_back({"lab", it->first, it->second.title, "", 1.0});
      }
    }
    page.total = static_cast<int64_t>(page.items.size());
    return page;
  }
  Result<int> TextVersion(std::string_view type) override { return text_versions[std::string(type)]; }
  Status SetTextVersion(std::string_view type, int version) override {
    text_versions[std::string(type)] = version;
    return {};
  }
  std::map<int64_t, search::SearchDocument> documents;
  std::map<std::string, int> text_versions;
  int removals = 0;
};

class LabsServiceTest : public ::testing::TestWithParam<Dialect> {
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
    blob_root_ = std::filesystem::temp_directory_path() / ("labs-test-" + NewUuid());
    blobs_ = storage::MakeLocalBlobStore(blob_root_.string());
    service_ = MakeLabsService(*database_, *blobs_, &search_, counter_);
  }

  void TearDown() override { std::filesystem::remove_all(blob_root_); }

  static CallContext User(int64_t id, std::string role = "user") {
    CallContext context;
    context.user_id = id;
    context.role = std::move(role);
    return context;
  }

  v1::Lab Create(const std::string& title, std::vector<std::string> tags = {},
                 int64_t author = kAuthor) {
    v1::CreateLabRequest request;
    request.set_title(title);
    request.set_description("About " + title);
    request.set_body("# " + title + "\n\n![plot](img/plot.png)\n");
    for (const std::string& tag : tags) {
      request.add_tags(tag);
    }
    Result<v1::Lab> lab = service_->CreateLab(request, User(author));
    EXPECT_TRUE(lab) << (lab ? "" : lab.error().message + lab.error().internal);
    return lab.value_or(v1::Lab());
  }

  v1::NewLabAsset StoreBlob(const std::string& path, const std::string& content) {
    const std::string key = "uploads/" + NewUuid();
    EXPECT_TRUE(blobs_->Put(key, content));
    v1::NewLabAsset asset;
    asset.set_path(path);
    asset.set_filename(std::filesystem::path(path).filename().string());
    asset.set_blob_key(key);
    asset.set_size(static_cast<int64_t>(content.size()));
    asset.set_sha256(Sha256Hex(content));
    asset.set_head(content.substr(0, 512));
    return asset;
  }

  v1::ListLabsResponse List(v1::ListLabsRequest request) {
    Result<v1::ListLabsResponse> page = service_->ListLabs(request);
    EXPECT_TRUE(page) << (page ? "" : page.error().message + page.error().internal);
    return page.value_or(v1::ListLabsResponse());
  }

  static constexpr int64_t kAuthor = 7;
  static constexpr int64_t kOther = 8;
  static constexpr int64_t kModerator = 9;

  std::unique_ptr<Database> database_;
  std::filesystem::path blob_root_;
  std::unique_ptr<storage::BlobStore> blobs_;
  FakeSearchIndex search_;
  FakeSubmissionCounter counter_;
  std::unique_ptr<LabsService> service_;
};

const std::string kPng = std::string("\x89PNG\r\n\x1a\n", 8) + "rest of the image";

TEST_P(LabsServiceTest, CreateStoresNormalizedTagsAndIndexes) {
  const v1::Lab lab = Create("Linear regression", {"Machine Learning", "Python", "python"});
  EXPECT_GT(lab.id(), 0);
  EXPECT_EQ(lab.status(), "published");
  EXPECT_EQ(lab.author_id(), kAuthor);
  ASSERT_EQ(lab.tags_size(), 2);
  EXPECT_EQ(lab.tags(0), "machine-learning");
  EXPECT_EQ(lab.tags(1), "python");
  ASSERT_TRUE(search_.documents.contains(lab.id()));
  EXPECT_EQ(search_.documents[lab.id()].type, "lab");
  EXPECT_EQ(search_.documents[lab.id()].tags.size(), 2u);
}

TEST_P(LabsServiceTest, CreateValidatesFields) {
  v1::CreateLabRequest request;
  request.set_title("");
  request.set_body(std::string((1 << 20) + 1, 'x'));
  request.add_tags("bad/tag");
  Result<v1::Lab> lab = service_->CreateLab(request, User(kAuthor));
  ASSERT_FALSE(lab);
  EXPECT_EQ(lab.error().code, ErrorCode::kValidationFailed);
  EXPECT_EQ(lab.error().details.size(), 3u);

  request.set_title("t");
  request.set_body("");
  request.clear_tags();
  EXPECT_EQ(service_->CreateLab(request, CallContext()).error().code, ErrorCode::kUnauthenticated);
}

TEST_P(LabsServiceTest, OnlyAuthorOrModeratorEdits) {
  const v1::Lab lab = Create("Original");
  v1::UpdateLabRequest update;
  update.set_id(lab.id());
  update.set_title("Changed");

  EXPECT_EQ(service_->UpdateLab(update, User(kOther)).error().code, ErrorCode::kPermissionDenied);
  EXPECT_EQ(service_->UpdateLab(update, CallContext()).error().code, ErrorCode::kUnauthenticated);

  Result<v1::Lab> by_author = service_->UpdateLab(update, User(kAuthor));
  ASSERT_TRUE(by_author);
  EXPECT_EQ(by_author->title(), "Changed");
  EXPECT_EQ(by_author->description(), lab.description());

  update.set_title("Moderated");
  update.add_tags("reviewed");
  update.set_replace_tags(true);
  Result<v1::Lab> by_moderator = service_->UpdateLab(update, User(kModerator, "moderator"));
  ASSERT_TRUE(by_moderator);
  EXPECT_EQ(by_moderator->title(), "Moderated");
  ASSERT_EQ(by_moderator->tags_size(), 1);
  EXPECT_EQ(by_moderator->tags(0), "reviewed");
  EXPECT_EQ(search_.documents[lab.id()].title, "Moderated");
}

TEST_P(LabsServiceTest, OnlyAuthorOrModeratorDeletes) {
  const v1::Lab first = Create("First");
  const v1::Lab second = Create("Second");
  v1::DeleteLabRequest request;
  request.set_id(first.id());
  EXPECT_EQ(service_->DeleteLab(request, User(kOther)).error().code, ErrorCode::kPermissionDenied);

  Result<v1::DeleteLabResponse> by_author = service_->DeleteLab(request, User(kAuthor));
  ASSERT_TRUE(by_author);
  EXPECT_FALSE(by_author->archived());
  v1::GetLabRequest get;
  get.set_id(first.id());
  EXPECT_EQ(service_->GetLab(get).error().code, ErrorCode::kNotFound);
  EXPECT_FALSE(search_.documents.contains(first.id()));

  request.set_id(second.id());
  EXPECT_TRUE(service_->DeleteLab(request, User(kModerator, "admin")));
}

TEST_P(LabsServiceTest, DeleteWithSubmissionsArchives) {
  const v1::Lab lab = Create("Popular lab");
  counter_.counts[lab.id()] = 2;
  v1::DeleteLabRequest request;
  request.set_id(lab.id());
  Result<v1::DeleteLabResponse> deleted = service_->DeleteLab(request, User(kAuthor));
  ASSERT_TRUE(deleted);
  EXPECT_TRUE(deleted->archived());

  v1::GetLabRequest get;
  get.set_id(lab.id());
  Result<v1::Lab> archived = service_->GetLab(get);
  ASSERT_TRUE(archived);
  EXPECT_EQ(archived->status(), "archived");
  EXPECT_EQ(List({}).total(), 0);
  EXPECT_FALSE(search_.documents.contains(lab.id()));
}

TEST_P(LabsServiceTest, DeleteAfterRecordedSubmissionArchives) {
  const v1::Lab lab = Create("Submitted lab");
  v1::RecordSubmissionRequest record;
  record.set_lab_id(lab.id());
  Result<v1::RecordSubmissionResponse> recorded = service_->RecordSubmission(record);
  ASSERT_TRUE(recorded);
  EXPECT_EQ(recorded->submission_count(), 1);

  v1::DeleteLabRequest request;
  request.set_id(lab.id());
  EXPECT_TRUE(service_->DeleteLab(request, User(kAuthor))->archived());
}

TEST_P(LabsServiceTest, ListHasRealTotalAndPages) {
  for (int i = 0; i < 25; ++i) {
    Create("Lab " + std::to_string(i), {i % 2 == 0 ? "even" : "odd"});
  }
  v1::ListLabsRequest request;
  request.set_limit(10);
  request.set_page(3);
  const v1::ListLabsResponse page = List(request);
  EXPECT_EQ(page.total(), 25);
  EXPECT_EQ(page.items_size(), 5);
  EXPECT_EQ(page.page(), 3);
  EXPECT_EQ(page.limit(), 10);
  EXPECT_TRUE(page.items(0).body().empty());
  EXPECT_EQ(page.items(4).title(), "Lab 0");  // newest first
  ASSERT_EQ(page.items(4).tags_size(), 1);
  EXPECT_EQ(page.items(4).tags(0), "even");
}

// The unfiltered total comes from a count that triggers keep, so every change of a lab's
// status must move it.
TEST_P(LabsServiceTest, ListTotalFollowsCreateArchiveDelete) {
  const v1::Lab kept = Create("Kept");
  const v1::Lab archived = Create("Archived");
  const v1::Lab deleted = Create("Deleted");
  EXPECT_EQ(List({}).total(), 3);

  counter_.counts[archived.id()] = 1;
  v1::DeleteLabRequest request;
  request.set_id(archived.id());
  Result<v1::DeleteLabResponse> archiving = service_->DeleteLab(request, User(kAuthor));
  ASSERT_TRUE(archiving);
  EXPECT_TRUE(archiving->archived());
  EXPECT_EQ(List({}).total(), 2);

  request.set_id(deleted.id());
  Result<v1::DeleteLabResponse> deleting = service_->DeleteLab(request, User(kAuthor));
  ASSERT_TRUE(deleting);
  EXPECT_FALSE(deleting->archived());
  const v1::ListLabsResponse page = List({});
  EXPECT_EQ(page.total(), 1);
  ASSERT_EQ(page.items_size(), 1);
  EXPECT_EQ(page.items(0).id(), kept.id());
}

// Labs stored before the count existed are counted when the migration adds it.
TEST_P(LabsServiceTest, ListTotalCountsLabsFromBeforeMigration) {
  Result<std::unique_ptr<Database>> opened =
      Database::Open(storage::NewTestDatabaseUrl(GetParam()), 2);
  ASSERT_TRUE(opened) << opened.error().internal;
  Database& database = **opened;
  const std::span<const storage::Migration> migrations = LabsMigrations();
  ASSERT_GE(migrations.size(), 2u);
  ASSERT_TRUE(storage::ApplyMigrations(database, "labs", migrations.first(1)));
  const Status inserted = database.WithSession<void>([](soci::session& session) -> Status {
    session << "INSERT INTO labs (title, author_id, status, created_at, updated_at) VALUES "
               "('one', 7, 'published', 1, 1), ('two', 7, 'published', 2, 2), "
               "('old', 7, 'archived', 3, 3)";
    return {};
  });
  ASSERT_TRUE(inserted) << inserted.error().internal;

  ASSERT_TRUE(storage::ApplyMigrations(database, "labs", migrations));
  std::unique_ptr<LabsService> service = MakeLabsService(database, *blobs_, &search_, counter_);
  Result<v1::ListLabsResponse> page = service->ListLabs({});

  ASSERT_TRUE(page) << page.error().internal;
  EXPECT_EQ(page->total(), 2);
  EXPECT_EQ(page->items_size(), 2);
}

TEST_P(LabsServiceTest, ListFiltersByEveryTagAndAuthor) {
  Create("Both", {"python", "numpy"});
  Create("Python only", {"python"});
  Create("Other author", {"python", "numpy"}, kOther);

  v1::ListLabsRequest request;
  request.add_tags("Python");
  request.add_tags("numpy");
  EXPECT_EQ(List(request).total(), 2);
  request.set_author_id(kAuthor);
  const v1::ListLabsResponse mine = List(request);
  ASSERT_EQ(mine.total(), 1);
  EXPECT_EQ(mine.items(0).title(), "Both");
}

TEST_P(LabsServiceTest, ListSortsByPopularity) {
  const v1::Lab quiet = Create("Quiet");
  const v1::Lab busy = Create("Busy");
  Create("Newest");
  v1::RecordSubmissionRequest record;
  record.set_lab_id(quiet.id());
  ASSERT_TRUE(service_->RecordSubmission(record));
  ASSERT_TRUE(service_->RecordSubmission(record));
  v1::GetLabRequest view;
  view.set_id(busy.id());
  view.set_count_view(true);
  ASSERT_TRUE(service_->GetLab(view));
  // The popular order reads the stored views; a stopping service writes the counted ones.
  service_ = MakeLabsService(*database_, *blobs_, &search_, counter_);

  v1::ListLabsRequest request;
  request.set_sort("popular");
  const v1::ListLabsResponse page = List(request);
  ASSERT_EQ(page.items_size(), 3);
  EXPECT_EQ(page.items(0).title(), "Quiet");
  EXPECT_EQ(page.items(1).title(), "Busy");
  EXPECT_EQ(page.items(1).views(), 1);

  request.set_sort("oldest");
  EXPECT_EQ(service_->ListLabs(request).error().code, ErrorCode::kValidationFailed);
}

TEST_P(LabsServiceTest, ViewsCountBeforeTheyAreWritten) {
  const v1::Lab lab = Create("Viewed");
  v1::GetLabRequest view;
  view.set_id(lab.id());
  view.set_count_view(true);
  for (int expected = 1; expected <= 3; ++expected) {
    Result<v1::Lab> seen = service_->GetLab(view);
    ASSERT_TRUE(seen);
    EXPECT_EQ(seen->views(), expected);
  }
  v1::GetLabRequest read;
  read.set_id(lab.id());
  Result<v1::Lab> unviewed = service_->GetLab(read);
  ASSERT_TRUE(unviewed);
  EXPECT_EQ(unviewed->views(), 3);

  const v1::ListLabsResponse page = List(v1::ListLabsRequest());
  ASSERT_EQ(page.items_size(), 1);
  EXPECT_EQ(page.items(0).views(), 3);
  Result<v1::Lab> after_list = service_->GetLab(read);
  ASSERT_TRUE(after_list);
  EXPECT_EQ(after_list->views(), 3);
}

TEST_P(LabsServiceTest, ViewsAreWrittenInTheBackground) {
  const v1::Lab lab = Create("Viewed");
  v1::GetLabRequest view;
  view.set_id(lab.id());
  view.set_count_view(true);
  ASSERT_TRUE(service_->GetLab(view));
  ASSERT_TRUE(service_->GetLab(view));

  // No further request is made; the writer's thread stores the views within about a second.
  const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  long long stored = 0;
  while (stored < 2 && std::chrono::steady_clock::now() < give_up) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    Result<long long> read =
        database_->WithSession<long long>([&](soci::session& session) -> Result<long long> {
          long long views = 0;
          session << "SELECT views FROM labs WHERE id = :id", soci::use(lab.id()),
              soci::into(views);
          return views;
        });
    ASSERT_TRUE(read) << read.error().internal;
    stored = *read;
  }
  EXPECT_EQ(stored, 2);
}

TEST_P(LabsServiceTest, MissingLabCountsNoView) {
  v1::GetLabRequest view;
  view.set_id(999999);
  view.set_count_view(true);
  EXPECT_EQ(service_->GetLab(view).error().code, ErrorCode::kNotFound);
}

TEST(ViewWriterTest, WritesWhenNotifiedAndOnStop) {
  PendingViews views;
  views.Add(7);
  views.Add(7);
  std::mutex mutex;
  std::condition_variable written_cv;
  std::vector<std::unordered_map<long long, long long>> written;
  ViewWriter writer(views, [&](const std::unordered_map<long long, long long>& taken) {
    std::lock_guard lock(mutex);
    written.push_back(taken);
    written_cv.notify_all();
  });
  writer.Notify();
  {
    std::unique_lock lock(mutex);
    ASSERT_TRUE(written_cv.wait_for(lock, std::chrono::seconds(30), [&] { return !written.empty(); }));
    ASSERT_EQ(written.size(), 1u);
    EXPECT_EQ(written[0].at(7), 2);
  }

  views.Add(8);
  writer.Stop();
  std::lock_guard lock(mutex);
  ASSERT_EQ(written.size(), 2u);
  EXPECT_EQ(written[1].at(8), 1);
  EXPECT_EQ(views.Count(8), 0);
}

TEST(PendingViewsTest, DueAfterMaxAgeOrCount) {
  PendingViews views;
  const PendingViews::Clock::time_point start = PendingViews::Clock::now();
  EXPECT_FALSE(views.Add(7, start));
  EXPECT_FALSE(views.Add(7, start + PendingViews::kMaxAge / 2));
  EXPECT_EQ(views.Count(7), 2);
  EXPECT_EQ(views.Count(8), 0);
  EXPECT_TRUE(views.Add(8, start + PendingViews::kMaxAge));

  const std::unordered_map<long long, long long> taken = views.Take();
  EXPECT_EQ(taken.at(7), 2);
  EXPECT_EQ(taken.at(8), 1);
  EXPECT_EQ(views.Count(7), 0);

  for (long long i = 1; i < PendingViews::kMaxCount; ++i) {
    EXPECT_FALSE(views.Add(i, start));
  }
  EXPECT_TRUE(views.Add(0, start));
}

TEST_P(LabsServiceTest, ListQueryUsesSearchIndexAndFilters) {
  Create("Gradient descent", {"optimization"});
  Create("Stochastic gradient", {"sgd"});
  Create("Unrelated");
  v1::ListLabsRequest request;
  request.set_q("gradient");
  EXPECT_EQ(List(request).total(), 1);  // the fake index matches case-sensitively
  request.set_q("radient");
  EXPECT_EQ(List(request).total(), 2);
  request.add_tags("sgd");
  const v1::ListLabsResponse filtered = List(request);
  ASSERT_EQ(filtered.total(), 1);
  EXPECT_EQ(filtered.items(0).title(), "Stochastic gradient");
}

TEST_P(LabsServiceTest, ListQueryWithoutIndexMatchesSubstrings) {
  std::unique_ptr<LabsService> plain = MakeLabsService(*database_, *blobs_, nullptr, counter_);
  v1::CreateLabRequest create;
  create.set_title("Matrix 100% done");
  ASSERT_TRUE(plain->CreateLab(create, User(kAuthor)));
  create.set_title("Matrix algebra");
  ASSERT_TRUE(plain->CreateLab(create, User(kAuthor)));
  v1::ListLabsRequest request;
  request.set_q("MATRIX");
  EXPECT_EQ(plain->ListLabs(request)->total(), 2);
  request.set_q("100%");
  EXPECT_EQ(plain->ListLabs(request)->total(), 1);
  request.set_q("0_");
  EXPECT_EQ(plain->ListLabs(request)->total(), 0);
}

TEST_P(LabsServiceTest, TagsCountPublishedLabs) {
  Create("A", {"python", "numpy"});
  Create("B", {"python"});
  const v1::Lab archived = Create("C", {"python", "rust"});
  counter_.counts[archived.id()] = 1;
  v1::DeleteLabRequest remove;
  remove.set_id(archived.id());
  ASSERT_TRUE(service_->DeleteLab(remove, User(kAuthor)));

  Result<v1::ListTagsResponse> tags = service_->ListTags({});
  ASSERT_TRUE(tags);
  ASSERT_EQ(tags->items_size(), 2);
  EXPECT_EQ(tags->items(0).name(), "python");
  EXPECT_EQ(tags->items(0).count(), 2);
  EXPECT_EQ(tags->items(1).name(), "numpy");
  EXPECT_EQ(tags->items(1).count(), 1);
}

TEST_P(LabsServiceTest, AssetsAreRecordedWithDetectedTypes) {
  const v1::Lab lab = Create("With assets");
  v1::AddAssetsRequest add;
  add.set_lab_id(lab.id());
  *add.add_assets() = StoreBlob("./img/plot.png", kPng);
  *add.add_assets() = StoreBlob("data/table.csv", "a,b\n1,2\n");
  v1::NewLabAsset fake_png = StoreBlob("evil.png", "<script>alert(1)</script>");
  *add.add_assets() = fake_png;
  Result<v1::AddAssetsResponse> added = service_->AddAssets(add, User(kAuthor));
  ASSERT_TRUE(added) << added.error().message;
  ASSERT_EQ(added->items_size(), 3);
  EXPECT_EQ(added->items(0).path(), "img/plot.png");
  EXPECT_EQ(added->items(0).content_type(), "image/png");
  EXPECT_EQ(added->items(1).content_type(), "text/csv");
  EXPECT_EQ(added->items(2).content_type(), "application/octet-stream");
  EXPECT_EQ(added->items(0).id().size(), 36u);
  EXPECT_EQ(added->items(0).url(),
            "/api/v1/labs/" + std::to_string(lab.id()) + "/assets/" + added->items(0).id());

  v1::GetAssetRequest by_path;
  by_path.set_lab_id(lab.id());
  by_path.set_path("/img/plot.png");
  Result<v1::AssetBlob> found = service_->GetAsset(by_path);
  ASSERT_TRUE(found);
  EXPECT_EQ(found->asset().id(), added->items(0).id());
  EXPECT_EQ(blobs_->Get(found->blob_key()).value(), kPng);

  v1::GetLabRequest get;
  get.set_id(lab.id());
  EXPECT_EQ(service_->GetLab(get)->assets_size(), 3);
}

TEST_P(LabsServiceTest, AssetPathsAreUniqueAndSafe) {
  const v1::Lab lab = Create("Paths");
  v1::AddAssetsRequest add;
  add.set_lab_id(lab.id());
  *add.add_assets() = StoreBlob("img/x.png", kPng);
  ASSERT_TRUE(service_->AddAssets(add, User(kAuthor)));
  EXPECT_EQ(service_->AddAssets(add, User(kAuthor)).error().code, ErrorCode::kAlreadyExists);

  add.clear_assets();
  *add.add_assets() = StoreBlob("../outside.png", kPng);
  EXPECT_EQ(service_->AddAssets(add, User(kAuthor)).error().code, ErrorCode::kValidationFailed);

  add.clear_assets();
  *add.add_assets() = StoreBlob("same.csv", "1");
  *add.add_assets() = StoreBlob("same.csv", "2");
  EXPECT_EQ(service_->AddAssets(add, User(kAuthor)).error().code, ErrorCode::kValidationFailed);

  v1::ListAssetsRequest list;
  list.set_lab_id(lab.id());
  EXPECT_EQ(service_->ListAssets(list)->items_size(), 1);
}

TEST_P(LabsServiceTest, OnlyAuthorOrModeratorManagesAssets) {
  const v1::Lab lab = Create("Guarded");
  v1::AddAssetsRequest add;
  add.set_lab_id(lab.id());
  *add.add_assets() = StoreBlob("a.csv", "1,2\n");
  EXPECT_EQ(service_->AddAssets(add, User(kOther)).error().code, ErrorCode::kPermissionDenied);
  Result<v1::AddAssetsResponse> added = service_->AddAssets(add, User(kModerator, "moderator"));
  ASSERT_TRUE(added);
  const std::string blob_key = add.assets(0).blob_key();

  v1::DeleteAssetRequest remove;
  remove.set_lab_id(lab.id());
  remove.set_asset_id(added->items(0).id());
  EXPECT_EQ(service_->DeleteAsset(remove, User(kOther)).error().code, ErrorCode::kPermissionDenied);
  ASSERT_TRUE(service_->DeleteAsset(remove, User(kAuthor)));
  EXPECT_EQ(blobs_->Stat(blob_key).error().code, ErrorCode::kNotFound);
  EXPECT_EQ(service_->DeleteAsset(remove, User(kAuthor)).error().code, ErrorCode::kNotFound);
}

TEST_P(LabsServiceTest, DeletingLabDeletesAssetBlobs) {
  const v1::Lab lab = Create("Temporary");
  v1::AddAssetsRequest add;
  add.set_lab_id(lab.id());
  *add.add_assets() = StoreBlob("a.csv", "1,2\n");
  ASSERT_TRUE(service_->AddAssets(add, User(kAuthor)));
  v1::DeleteLabRequest remove;
  remove.set_id(lab.id());
  ASSERT_TRUE(service_->DeleteLab(remove, User(kAuthor)));
  EXPECT_EQ(blobs_->Stat(add.assets(0).blob_key()).error().code, ErrorCode::kNotFound);
}

TEST_P(LabsServiceTest, SourceKeyFindsImportedLab) {
  v1::ImportLabRequest import;
  import.mutable_lab()->set_title("Imported");
  import.set_source_key("course/lab1.md");
  import.set_source_sha256(Sha256Hex("content"));
  Result<v1::Lab> lab = service_->ImportLab(import, User(kAuthor));
  ASSERT_TRUE(lab);
  EXPECT_EQ(lab->source_key(), "course/lab1.md");
  EXPECT_EQ(service_->ImportLab(import, User(kAuthor)).error().code, ErrorCode::kAlreadyExists);
  // A lab created without a source records none, so a second one is no duplicate.
  EXPECT_TRUE(service_->CreateLab(import.lab(), User(kAuthor)));
  EXPECT_TRUE(service_->CreateLab(import.lab(), User(kAuthor)));

  v1::FindLabBySourceRequest find;
  find.set_source_key("course/lab1.md");
  Result<v1::FindLabBySourceResponse> found = service_->FindLabBySource(find);
  ASSERT_TRUE(found);
  EXPECT_TRUE(found->found());
  EXPECT_EQ(found->lab_id(), lab->id());
  EXPECT_EQ(found->source_sha256(), Sha256Hex("content"));
  find.set_source_key("other.md");
  EXPECT_FALSE(service_->FindLabBySource(find)->found());
}

TEST_P(LabsServiceTest, ExportPagesThroughPublishedLabs) {
  const v1::Lab first = Create("First lab", {"Python", "stats"});
  const v1::Lab archived = Create("Archived lab", {"c"});
  const v1::Lab third = Create("Third lab");
  const v1::Lab fourth = Create("Fourth lab", {"rust"});
  counter_.counts[archived.id()] = 1;
  v1::DeleteLabRequest remove;
  remove.set_id(archived.id());
  ASSERT_TRUE(service_->DeleteLab(remove, User(kAuthor))->archived());

  v1::ExportLabsRequest request;
  request.set_limit(2);
  request.set_max_body_chars(7);
  std::vector<v1::Lab> labs;
  int pages = 0;
  do {
    Result<v1::ExportLabsResponse> page = service_->ExportLabs(request);
    ASSERT_TRUE(page) << page.error().message;
    ++pages;
    labs.insert(labs.end(), page->items().begin(), page->items().end());
    request.set_after_id(page->next_after_id());
  } while (request.after_id() != 0 && pages < 10);
  EXPECT_EQ(pages, 2);
  ASSERT_EQ(labs.size(), 3u);
  EXPECT_EQ(labs[0].id(), first.id());
  EXPECT_EQ(labs[1].id(), third.id());
  EXPECT_EQ(labs[2].id(), fourth.id());
  EXPECT_EQ(labs[0].body(), "# First");
  EXPECT_EQ(labs[0].description(), "About First lab");
  EXPECT_EQ(labs[0].author_id(), kAuthor);
  EXPECT_EQ(std::vector<std::string>(labs[0].tags().begin(), labs[0].tags().end()),
            (std::vector<std::string>{"python", "stats"}));
  EXPECT_TRUE(labs[1].tags().empty());
  EXPECT_EQ(labs[2].tags_size(), 1);

  request.set_after_id(0);
  request.set_limit(5001);
  Result<v1::ExportLabsResponse> invalid = service_->ExportLabs(request);
  ASSERT_FALSE(invalid);
  EXPECT_EQ(invalid.error().code, ErrorCode::kValidationFailed);
}

TEST_P(LabsServiceTest, VersionChangesWithEdits) {
  const v1::Lab lab = Create("Versioned lab");
  Result<v1::LabsVersion> created = service_->GetLabsVersion({});
  ASSERT_TRUE(created);

  // Update times have millisecond resolution, so the edit must land in a later millisecond.
  std::this_thread::sleep_for(std::chrono::milliseconds(2));
  v1::UpdateLabRequest update;
  update.set_id(lab.id());
  update.set_title("Renamed lab");
  ASSERT_TRUE(service_->UpdateLab(update, User(kAuthor)));
  Result<v1::LabsVersion> edited = service_->GetLabsVersion({});
  ASSERT_TRUE(edited);
  EXPECT_NE(edited->version(), created->version());

  v1::DeleteLabRequest remove;
  remove.set_id(lab.id());
  ASSERT_TRUE(service_->DeleteLab(remove, User(kAuthor)));
  Result<v1::LabsVersion> deleted = service_->GetLabsVersion({});
  ASSERT_TRUE(deleted);
  EXPECT_NE(deleted->version(), edited->version());
}

using TagCounts = std::vector<std::pair<std::string, long long>>;

// Rows of a "SELECT tag, count" query, in its order.
TagCounts SelectTagCounts(Database& database, const std::string& sql) {
  Result<TagCounts> rows = database.WithSession<TagCounts>([&](soci::session& session) {
    TagCounts counts;
    std::string tag;
    long long count = 0;
    soci::statement select = (session.prepare << sql, soci::into(tag), soci::into(count));
    select.execute();
    while (select.fetch()) {
      counts.emplace_back(tag, count);
    }
    return Result<TagCounts>(counts);
  });
  EXPECT_TRUE(rows) << (rows ? "" : rows.error().internal);
  return rows.value_or(TagCounts());
}

// The ids of the published labs that carry both tags (the same tag twice for one) and, unless
// 0, have this author, newest first, selected afresh from the labs and lab_tags rows.
std::vector<int64_t> SelectTaggedAfresh(Database& database, const std::string& first,
                                        const std::string& second, long long author) {
  using Ids = std::vector<int64_t>;
  Result<Ids> ids = database.WithSession<Ids>([&](soci::session& session) {
    Ids found;
    long long id = 0;
    soci::statement select =
        (session.prepare
             << "SELECT l.id FROM labs l WHERE l.status = 'published' "
                "AND EXISTS (SELECT 1 FROM lab_tags t WHERE t.lab_id = l.id AND t.tag = :first) "
                "AND EXISTS (SELECT 1 FROM lab_tags t WHERE t.lab_id = l.id AND t.tag = :second)" +
                    (author == 0 ? "" : " AND l.author_id = " + std::to_string(author)) +
                    " ORDER BY l.created_at DESC, l.id DESC",
         soci::use(first, "first"), soci::use(second, "second"), soci::into(id));
    select.execute();
    while (select.fetch()) {
      found.push_back(id);
    }
    return Result<Ids>(found);
  });
  EXPECT_TRUE(ids) << (ids ? "" : ids.error().internal);
  return ids.value_or(Ids());
}

// Every kind of lab write, picked at random, must keep lab_tag_counts equal to a fresh GROUP BY,
// and the responses of ListTags and of the tag filter equal to what the rows give.
TEST_P(LabsServiceTest, TagCountsStayExactUnderRandomWrites) {
  const std::vector<std::string> pool = {"python", "Numpy", "rust", "go", "sql", "c"};
  std::mt19937 random(20261205);
  auto pick = [&](size_t n) { return static_cast<size_t>(random() % n); };
  // 0 to 4 tags from the pool, in any order and case, sometimes one twice.
  auto random_tags = [&] {
    std::vector<std::string> tags;
    for (size_t n = pick(5); tags.size() < n;) {
      std::string tag = pool[pick(pool.size())];
      if (pick(3) == 0) {
        tag[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(tag[0])));
      }
      tags.push_back(tag);
    }
    return tags;
  };
  auto execute = [&](const std::string& sql, long long id) {
    const Status done = database_->InTransaction<void>([&](soci::session& session) -> Status {
      session << sql, soci::use(id);
      return {};
    });
    ASSERT_TRUE(done) << done.error().internal;
  };
  const std::string fresh =
      "SELECT t.tag, COUNT(*) AS uses FROM lab_tags t JOIN labs l ON l.id = t.lab_id "
      "WHERE l.status = 'published' GROUP BY t.tag ORDER BY uses DESC, t.tag";

  std::vector<int64_t> labs;
  for (int step = 0; step < 300; ++step) {
    const size_t operation = labs.empty() ? 0 : pick(9);
    const int64_t id = labs.empty() ? 0 : labs[pick(labs.size())];
    std::string done;
    if (operation == 0) {
      done = "create";
      labs.push_back(
          Create("Lab " + std::to_string(step), random_tags(), pick(2) == 0 ? kAuthor : kOther)
              .id());
    } else if (operation == 1) {
      done = "import";
      v1::ImportLabRequest import;
      import.mutable_lab()->set_title("Imported " + std::to_string(step));
      for (const std::string& tag : random_tags()) {
        import.mutable_lab()->add_tags(tag);
      }
      import.set_source_key("labs/" + std::to_string(step) + ".md");
      Result<v1::Lab> lab = service_->ImportLab(import, User(kAuthor));
      ASSERT_TRUE(lab) << lab.error().message;
      labs.push_back(lab->id());
    } else if (operation <= 3) {
      done = "edit tags of " + std::to_string(id);
      v1::UpdateLabRequest update;
      update.set_id(id);
      update.set_replace_tags(true);
      for (const std::string& tag : random_tags()) {
        update.add_tags(tag);
      }
      ASSERT_TRUE(service_->UpdateLab(update, User(kModerator, "moderator")));
    } else if (operation == 4) {
      done = "edit title of " + std::to_string(id);
      v1::UpdateLabRequest update;
      update.set_id(id);
      update.set_title("Edited " + std::to_string(step));
      ASSERT_TRUE(service_->UpdateLab(update, User(kModerator, "moderator")));
    } else if (operation == 5) {
      // With submissions the lab is archived, else deleted; an archived lab can be deleted too.
      counter_.counts[id] = static_cast<int64_t>(pick(2));
      done = (counter_.counts[id] > 0 ? "archive " : "delete ") + std::to_string(id);
      v1::DeleteLabRequest remove;
      remove.set_id(id);
      Result<v1::DeleteLabResponse> removed =
          service_->DeleteLab(remove, User(kModerator, "moderator"));
      ASSERT_TRUE(removed) << removed.error().message;
      if (!removed->archived()) {
        std::erase(labs, id);
      }
    } else if (operation == 6) {
      done = "publish " + std::to_string(id);
      execute("UPDATE labs SET status = 'published' WHERE id = :id", id);
    } else if (operation == 7) {
      done = "archive with SQL " + std::to_string(id);
      execute("UPDATE labs SET status = 'archived' WHERE id = :id", id);
    } else {
      done = "rename a tag row of " + std::to_string(id);
      execute(
          "UPDATE lab_tags SET tag = 'renamed' WHERE lab_id = :id AND tag = "
          "(SELECT MIN(tag) FROM lab_tags m WHERE m.lab_id = lab_tags.lab_id) AND NOT EXISTS "
          "(SELECT 1 FROM lab_tags r WHERE r.lab_id = lab_tags.lab_id AND r.tag = 'renamed')",
          id);
    }

    const TagCounts expected = SelectTagCounts(*database_, fresh);
    ASSERT_EQ(
        SelectTagCounts(*database_, "SELECT tag, labs FROM lab_tag_counts ORDER BY labs DESC, tag"),
        expected)
        << "after step " << step << ": " << done;
    Result<v1::ListTagsResponse> listed = service_->ListTags({});
    ASSERT_TRUE(listed);
    TagCounts answered;
    for (const v1::Tag& tag : listed->items()) {
      answered.emplace_back(tag.name(), tag.count());
    }
    ASSERT_EQ(answered, expected) << "after step " << step << ": " << done;
  }

  // The totals of the tag filter, for each tag and pair of tags, with and without an author.
  std::vector<std::string> tags = {"renamed", "unused"};
  for (const std::string& tag : pool) {
    tags.push_back(NormalizeTag(tag).value());
  }
  for (const std::string& first : tags) {
    for (const std::string& second : tags) {
      for (const int64_t author : {int64_t{0}, kAuthor}) {
        const std::vector<int64_t> expected = SelectTaggedAfresh(*database_, first, second, author);
        // Small pages deep in the list and one page of all, so that both SQL forms of the tag
        // filter run (see WalkTags in lab_list.cc).
        for (const auto& [page, limit] : {std::pair{1, 100}, {1, 2}, {2, 2}, {4, 3}}) {
          v1::ListLabsRequest request;
          request.add_tags(first);
          request.add_tags(second);
          request.set_author_id(author);
          request.set_page(page);
          request.set_limit(limit);
          const v1::ListLabsResponse listed = List(request);
          const std::string where = first + ", " + second + ", author " + std::to_string(author) +
                                    ", page " + std::to_string(page);
          EXPECT_EQ(listed.total(), static_cast<int64_t>(expected.size())) << where;
          std::vector<int64_t> ids;
          for (const v1::Lab& lab : listed.items()) {
            ids.push_back(lab.id());
          }
          const size_t from = std::min(expected.size(), static_cast<size_t>((page - 1) * limit));
          const size_t to = std::min(expected.size(), from + limit);
          EXPECT_EQ(ids, std::vector<int64_t>(expected.begin() + from, expected.begin() + to))
              << where;
        }
      }
    }
  }
}

// Tags stored before lab_tag_counts existed are counted when the migration adds it.
TEST_P(LabsServiceTest, TagCountsIncludeTagsFromBeforeMigration) {
  Result<std::unique_ptr<Database>> opened =
      Database::Open(storage::NewTestDatabaseUrl(GetParam()), 2);
  ASSERT_TRUE(opened) << opened.error().internal;
  Database& database = **opened;
  const std::span<const storage::Migration> migrations = LabsMigrations();
  ASSERT_GE(migrations.size(), 3u);
  ASSERT_TRUE(storage::ApplyMigrations(database, "labs", migrations.first(2)));
  const Status inserted = database.WithSession<void>([](soci::session& session) -> Status {
    session << "INSERT INTO labs (id, title, author_id, status, created_at, updated_at) VALUES "
               "(1, 'one', 7, 'published', 1, 1), (2, 'two', 7, 'published', 2, 2), "
               "(3, 'old', 7, 'archived', 3, 3)";
    session << "INSERT INTO lab_tags (lab_id, tag, position) VALUES (1, 'python', 0), "
               "(1, 'numpy', 1), (2, 'python', 0), (3, 'python', 0), (3, 'rust', 1)";
    return {};
  });
  ASSERT_TRUE(inserted) << inserted.error().internal;

  ASSERT_TRUE(storage::ApplyMigrations(database, "labs", migrations));
  std::unique_ptr<LabsService> service = MakeLabsService(database, *blobs_, &search_, counter_);
  Result<v1::ListTagsResponse> tags = service->ListTags({});

  ASSERT_TRUE(tags) << tags.error().internal;
  ASSERT_EQ(tags->items_size(), 2);
  EXPECT_EQ(tags->items(0).name(), "python");
  EXPECT_EQ(tags->items(0).count(), 2);
  EXPECT_EQ(tags->items(1).name(), "numpy");
  EXPECT_EQ(tags->items(1).count(), 1);
}

INSTANTIATE_TEST_SUITE_P(Engines, LabsServiceTest, ::testing::ValuesIn(storage::TestDialects()),
                         [](const auto& info) { return storage::DialectName(info.param); });

}  // namespace
}  // namespace openlabs::labs
