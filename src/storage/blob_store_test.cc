#include "storage/blob_store.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "common/random.h"
#include "common/test_resident_memory.h"

namespace openlabs::storage {
namespace {

using ::openlabs::test_support::ResidentKiB;

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

std::string PatternBytes(size_t size, size_t seed) {
  std::string data(size, '\0');
  for (size_t i = 0; i < data.size(); ++i) {
    data[i] = static_cast<char>((i * 2654435761u + seed) >> 9);
  }
  return data;
}

// The local writer in both modes: with O_DIRECT (true) and through the page cache (false).
class LocalBlobWriterTest : public ::testing::TestWithParam<bool> {
 protected:
  void SetUp() override {
    root_ = std::filesystem::temp_directory_path() / ("openlabs-blobs-" + NewUuid());
    store_ = MakeLocalBlobStore(root_.string(), LocalBlobStoreOptions{.direct_io = GetParam()});
  }
  void TearDown() override { std::filesystem::remove_all(root_); }

  bool TempFolderIsEmpty() {
    std::error_code error;
    return std::filesystem::is_empty(root_ / ".tmp", error) && !error;
  }

  std::filesystem::path root_;
  std::unique_ptr<BlobStore> store_;
};

// Sizes around the 4096-byte blocks of O_DIRECT and the 2 MiB buffers, written in pieces that
// cross both, up to a blob that passes through every buffer more than once.
TEST_P(LocalBlobWriterTest, StoresBytesAndSha256) {
  constexpr size_t kBuffer = 2 << 20;
  const std::vector<size_t> sizes = {
      0, 1, 4095, 4096, 4097, kBuffer - 1, kBuffer, kBuffer + 1, 13 * kBuffer + 12345};
  const std::vector<size_t> piece_sizes = {1, 7, 4096, 65536, 300001, kBuffer + 3};
  for (const size_t size : sizes) {
    const std::string content = PatternBytes(size, size);
    const std::string key = "sizes/" + std::to_string(size);
    Result<std::unique_ptr<BlobWriter>> writer = store_->OpenWriter(key);
    ASSERT_TRUE(writer) << writer.error().internal;
    size_t offset = 0;
    for (size_t piece = 0; offset < size; ++piece) {
      const std::string_view data =
          std::string_view(content).substr(offset, piece_sizes[piece % piece_sizes.size()]);
      ASSERT_TRUE((*writer)->Write(data)) << size;
      offset += data.size();
    }
    EXPECT_EQ((*writer)->bytes_written(), static_cast<int64_t>(size));

    Result<BlobInfo> info = (*writer)->Commit();

    ASSERT_TRUE(info) << info.error().internal;
    EXPECT_EQ(info->size, static_cast<int64_t>(size));
    EXPECT_EQ(info->sha256, Sha256Hex(content)) << size;
    Result<std::string> stored = store_->Get(key);
    ASSERT_TRUE(stored);
    EXPECT_TRUE(*stored == content) << size;
  }
  EXPECT_TRUE(TempFolderIsEmpty());
}

TEST_P(LocalBlobWriterTest, PutReturnsSha256) {
  Result<BlobInfo> info = store_->Put("a", "abc");

  ASSERT_TRUE(info);
  EXPECT_EQ(info->sha256, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

// A writer destroyed with buffers still queued stops its threads and removes its file.
TEST_P(LocalBlobWriterTest, AbandonedLargeWriterLeavesNothing) {
  {
    Result<std::unique_ptr<BlobWriter>> writer = store_->OpenWriter("abandoned");
    ASSERT_TRUE(writer);
    const std::string chunk = PatternBytes(3 << 20, 1);
    for (int i = 0; i < 4; ++i) {
      ASSERT_TRUE((*writer)->Write(chunk));
    }
  }

  EXPECT_FALSE(store_->Stat("abandoned"));
  EXPECT_TRUE(TempFolderIsEmpty());
}

TEST_P(LocalBlobWriterTest, LargeBlobKeepsMemoryBounded) {
  const std::string chunk = PatternBytes(1 << 20, 2);
  Result<std::unique_ptr<BlobWriter>> writer = store_->OpenWriter("large");
  ASSERT_TRUE(writer);
  const int64_t before = ResidentKiB();
  int64_t peak = before;

  for (int i = 0; i < 96; ++i) {
    ASSERT_TRUE((*writer)->Write(chunk));
    peak = std::max(peak, ResidentKiB());
  }
  Result<BlobInfo> info = (*writer)->Commit();

  ASSERT_TRUE(info);
  EXPECT_EQ(info->size, int64_t{96} << 20);
  // Six buffers of 2 MiB, plus the two threads' stacks as far as they are touched.
  EXPECT_LT(peak - before, 16 * 1024);
}

INSTANTIATE_TEST_SUITE_P(Modes, LocalBlobWriterTest, ::testing::Values(true, false),
                         [](const ::testing::TestParamInfo<bool>& info) {
                           return info.param ? "direct" : "buffered";
                         });

size_t FilesIn(const std::filesystem::path& folder) {
  std::error_code ignored;
  size_t count = 0;
  for (auto it = std::filesystem::directory_iterator(folder, ignored);
       it != std::filesystem::directory_iterator(); ++it) {
    ++count;
  }
  return count;
}

// A file in .tmp that no writer has locked is what a killed process leaves. Opening the store
// deletes it and keeps the temporary file of a writer that is still receiving its blob.
TEST_F(LocalBlobStoreTest, OpeningRemovesStaleTemporaryFiles) {
  Result<std::unique_ptr<BlobWriter>> live = store_->OpenWriter("labs/1/live");
  ASSERT_TRUE(live);
  ASSERT_TRUE((*live)->Write("partial"));
  std::ofstream(root_ / ".tmp" / "left-by-a-crash") << "partial upload";
  ASSERT_EQ(FilesIn(root_ / ".tmp"), 2u);

  const std::unique_ptr<BlobStore> reopened = MakeLocalBlobStore(root_.string());
  EXPECT_EQ(FilesIn(root_ / ".tmp"), 1u);
  EXPECT_FALSE(std::filesystem::exists(root_ / ".tmp" / "left-by-a-crash"));

  ASSERT_TRUE((*live)->Write(" and the rest"));
  ASSERT_TRUE((*live)->Commit());
  EXPECT_EQ(*reopened->Get("labs/1/live"), "partial and the rest");
  EXPECT_EQ(FilesIn(root_ / ".tmp"), 0u);
}

}  // namespace
}  // namespace openlabs::storage
