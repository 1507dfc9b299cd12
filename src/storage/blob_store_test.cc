#include "storage/blob_store.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "common/random.h"

namespace openlabs::storage {
namespace {

class LocalBlobStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = std::filesystem::temp_directory_path() / ("openlabs-blobs-" + NewUuid());
    store_ = MakeLocalBlobStore(root_.string());
  }
  void TearDown() override { std::filesystem::remove_all(root_); }

  std::filesystem::path root_;
  std::unique_ptr<BlobStore> store_;
};

TEST_F(LocalBlobStoreTest, PutThenGetRoundTrips) {
  Result<BlobInfo> info = store_->Put("labs/1/a.txt", "hello");
  ASSERT_TRUE(info) << info.error().internal;
  EXPECT_EQ(info->size, 5);
  EXPECT_FALSE(info->etag.empty());
  Result<std::string> data = store_->Get("labs/1/a.txt");
  ASSERT_TRUE(data);
  EXPECT_EQ(*data, "hello");
}

TEST_F(LocalBlobStoreTest, RangeReadReturnsInclusiveSlice) {
  ASSERT_TRUE(store_->Put("k", "0123456789"));
  Result<std::unique_ptr<BlobReader>> reader = store_->OpenReader("k", ByteRange{2, 5});
  ASSERT_TRUE(reader);
  EXPECT_EQ((*reader)->length(), 4);
  char buffer[16];
  Result<size_t> count = (*reader)->Read(buffer, sizeof(buffer));
  ASSERT_TRUE(count);
  EXPECT_EQ(std::string(buffer, *count), "2345");
  Result<size_t> end = (*reader)->Read(buffer, sizeof(buffer));
  ASSERT_TRUE(end);
  EXPECT_EQ(*end, 0u);
}

TEST_F(LocalBlobStoreTest, RangePastEndIsClamped) {
  ASSERT_TRUE(store_->Put("k", "0123456789"));
  Result<std::unique_ptr<BlobReader>> reader = store_->OpenReader("k", ByteRange{8, 100});
  ASSERT_TRUE(reader);
  EXPECT_EQ((*reader)->length(), 2);
}

TEST_F(LocalBlobStoreTest, UncommittedWriterLeavesNothing) {
  {
    Result<std::unique_ptr<BlobWriter>> writer = store_->OpenWriter("partial");
    ASSERT_TRUE(writer);
    ASSERT_TRUE((*writer)->Write("half of it"));
  }
  Result<BlobInfo> info = store_->Stat("partial");
  ASSERT_FALSE(info);
  EXPECT_EQ(info.error().code, ErrorCode::kNotFound);
  EXPECT_TRUE(std::filesystem::is_empty(root_ / ".tmp"));
}

TEST_F(LocalBlobStoreTest, StreamsLargeBlobInChunks) {
  Result<std::unique_ptr<BlobWriter>> writer = store_->OpenWriter("big");
  ASSERT_TRUE(writer);
  const std::string chunk(1 << 20, 'x');
  for (int i = 0; i < 16; ++i) {
    ASSERT_TRUE((*writer)->Write(chunk));
  }
  Result<BlobInfo> info = (*writer)->Commit();
  ASSERT_TRUE(info);
  EXPECT_EQ(info->size, 16 << 20);
}

TEST_F(LocalBlobStoreTest, ReplacingChangesEtag) {
  Result<BlobInfo> first = store_->Put("k", "one");
  Result<BlobInfo> second = store_->Put("k", "three");
  ASSERT_TRUE(first);
  ASSERT_TRUE(second);
  EXPECT_NE(first->etag, second->etag);
}

TEST_F(LocalBlobStoreTest, UnsafeKeysAreRejected) {
  for (const char* key : {"", "/abs", "../up", "a/../b", "a//b", "A", "a b", ".hidden", "a/"}) {
    EXPECT_FALSE(IsValidBlobKey(key)) << key;
    EXPECT_FALSE(store_->OpenWriter(key)) << key;
  }
  EXPECT_TRUE(IsValidBlobKey("labs/42/assets/9f3c-1.png"));
}

TEST_F(LocalBlobStoreTest, DeleteMissingKeySucceeds) { EXPECT_TRUE(store_->Delete("nothing")); }

TEST_F(LocalBlobStoreTest, ListFiltersByPrefix) {
  ASSERT_TRUE(store_->Put("labs/1/a", "x"));
  ASSERT_TRUE(store_->Put("labs/2/b", "y"));
  ASSERT_TRUE(store_->Put("articles/1/c", "z"));
  Result<std::vector<std::string>> keys = store_->List("labs/");
  ASSERT_TRUE(keys);
  EXPECT_EQ(*keys, (std::vector<std::string>{"labs/1/a", "labs/2/b"}));
}

}  // namespace
}  // namespace openlabs::storage
