#include "storage/orphan_blobs.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>

#include "common/random.h"
#include "storage/s3_blob_store.h"
#include "storage/test_database.h"
#include "storage/test_s3.h"

namespace openlabs::storage {
namespace {

using std::chrono::hours;

class OrphanBlobsTest : public ::testing::TestWithParam<Dialect> {
 protected:
  void SetUp() override {
    const std::string url = NewTestDatabaseUrl(GetParam());
    if (url.empty()) {
      GTEST_SKIP() << "OPENLABS_TEST_POSTGRES_URL is not set; run under scripts/with-postgres.sh";
    }
    Result<std::unique_ptr<Database>> opened = Database::Open(url, 2);
    ASSERT_TRUE(opened) << opened.error().internal;
    database_ = std::move(*opened);
    root_ = std::filesystem::temp_directory_path() / ("openlabs-orphans-" + NewUuid());
    blobs_ = MakeLocalBlobStore(root_.string());
    Result<bool> created = database_->WithSession<bool>([](soci::session& session) {
      session << "CREATE TABLE lab_files (id INTEGER PRIMARY KEY, blob_key TEXT NOT NULL)";
      session << "CREATE TABLE review_files (id INTEGER PRIMARY KEY, blob_key TEXT NOT NULL)";
      session << "CREATE TABLE unrelated (id INTEGER PRIMARY KEY, note TEXT)";
      return Result<bool>(true);
    });
    ASSERT_TRUE(created) << created.error().internal;
  }

  void TearDown() override { std::filesystem::remove_all(root_); }

  void Reference(const std::string& table, int id, const std::string& key) {
    Result<bool> inserted = database_->WithSession<bool>([&](soci::session& session) {
      session << "INSERT INTO " + table + " (id, blob_key) VALUES (:id, :key)", soci::use(id),
          soci::use(key);
      return Result<bool>(true);
    });
    ASSERT_TRUE(inserted) << inserted.error().internal;
  }

  // Puts a blob whose modification time lies `age` in the past.
  void PutAged(const std::string& key, std::chrono::seconds age) {
    ASSERT_TRUE(blobs_->Put(key, "data"));
    const auto when = std::chrono::system_clock::now() - age;
    timespec times[2];
    times[0].tv_sec = std::chrono::system_clock::to_time_t(when);
    times[0].tv_nsec = 0;
    times[1] = times[0];
    ASSERT_EQ(::utimensat(AT_FDCWD, (root_ / key).c_str(), times, 0), 0);
  }

  bool Exists(const std::string& key) { return static_cast<bool>(blobs_->Stat(key)); }

  std::unique_ptr<Database> database_;
  std::filesystem::path root_;
  std::unique_ptr<BlobStore> blobs_;
};

TEST_P(OrphanBlobsTest, DeletesOldUnreferencedBlobsOnly) {
  PutAged("labs/assets/referenced", hours(48));
  PutAged("uploads/reviewed", hours(48));
  PutAged("uploads/orphan", hours(48));
  PutAged("uploads/fresh-orphan", hours(1));
  Reference("lab_files", 1, "labs/assets/referenced");
  Reference("review_files", 1, "uploads/reviewed");

  const Result<OrphanCollectionStats> stats = CollectOrphanBlobs(
      *database_, *blobs_, {.grace = hours(24)}, std::chrono::system_clock::now());
  ASSERT_TRUE(stats) << stats.error().internal;

  EXPECT_TRUE(Exists("labs/assets/referenced"));
  EXPECT_TRUE(Exists("uploads/reviewed"));
  EXPECT_FALSE(Exists("uploads/orphan"));
  EXPECT_TRUE(Exists("uploads/fresh-orphan"));
  EXPECT_EQ(stats->listed, 4);
  EXPECT_EQ(stats->referenced, 2);
  EXPECT_EQ(stats->fresh, 1);
  EXPECT_EQ(stats->deleted, 1);
  EXPECT_EQ(stats->failed, 0);
}

TEST_P(OrphanBlobsTest, PassDeletesAtMostTheLimit) {
  for (const char* key : {"uploads/a", "uploads/b", "uploads/c"}) {
    PutAged(key, hours(48));
  }
  const OrphanCollectionOptions options{.grace = hours(24), .max_deletions = 2};
  const Result<OrphanCollectionStats> first =
      CollectOrphanBlobs(*database_, *blobs_, options, std::chrono::system_clock::now());
  ASSERT_TRUE(first) << first.error().internal;
  EXPECT_EQ(first->deleted, 2);
  const Result<OrphanCollectionStats> second =
      CollectOrphanBlobs(*database_, *blobs_, options, std::chrono::system_clock::now());
  ASSERT_TRUE(second) << second.error().internal;
  EXPECT_EQ(second->listed, 1);
  EXPECT_EQ(second->deleted, 1);
  EXPECT_FALSE(Exists("uploads/a") || Exists("uploads/b") || Exists("uploads/c"));
}

INSTANTIATE_TEST_SUITE_P(Dialects, OrphanBlobsTest, ::testing::ValuesIn(TestDialects()),
                         [](const auto& info) { return DialectName(info.param); });

// The collection works through List, Stat and Delete alone, so it runs on the S3 store too. S3
// sets an object's time itself, so the pass looks from two days ahead instead of aging blobs.
TEST(S3OrphanBlobsTest, DeletesUnreferencedBlobsInBucket) {
  std::optional<S3BlobStoreOptions> options = TestS3StoreOptions();
  if (!options) {
    GTEST_SKIP() << kNoS3Message;
  }
  const std::unique_ptr<BlobStore> blobs = MakeS3BlobStore(std::move(*options));
  Result<std::unique_ptr<Database>> database =
      Database::Open(NewTestDatabaseUrl(Dialect::kSqlite), 2);
  ASSERT_TRUE(database) << database.error().internal;
  Result<bool> created = (*database)->WithSession<bool>([](soci::session& session) {
    session << "CREATE TABLE lab_files (id INTEGER PRIMARY KEY, blob_key TEXT NOT NULL)";
    session << "INSERT INTO lab_files (id, blob_key) VALUES (1, 'labs/assets/referenced')";
    return Result<bool>(true);
  });
  ASSERT_TRUE(created) << created.error().internal;
  ASSERT_TRUE(blobs->Put("labs/assets/referenced", "data"));
  ASSERT_TRUE(blobs->Put("uploads/orphan", "data"));

  const Result<OrphanCollectionStats> stats = CollectOrphanBlobs(
      **database, *blobs, {.grace = hours(24)}, std::chrono::system_clock::now() + hours(48));

  ASSERT_TRUE(stats) << stats.error().internal;
  EXPECT_EQ(stats->listed, 2);
  EXPECT_EQ(stats->referenced, 1);
  EXPECT_EQ(stats->deleted, 1);
  EXPECT_EQ(stats->failed, 0);
  EXPECT_TRUE(blobs->Stat("labs/assets/referenced"));
  EXPECT_FALSE(blobs->Stat("uploads/orphan"));
}

}  // namespace
}  // namespace openlabs::storage
