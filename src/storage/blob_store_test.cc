#include "storage/blob_store.h"

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>
#include <vector>

#include "common/random.h"
#include "common/test_resident_memory.h"
#include "storage/s3_blob_store.h"
#include "storage/test_s3.h"

namespace openlabs::storage {
namespace {

using ::openlabs::test_support::ResidentKiB;

// The stores that the shared tests run on: the local store with O_DIRECT and through the page
// cache, and the S3 store on the server of scripts/with-s3.sh.
enum class StoreKind { kLocalDirect, kLocalBuffered, kS3 };

std::string StoreName(const ::testing::TestParamInfo<StoreKind>& info) {
  switch (info.param) {
    case StoreKind::kLocalDirect:
      return "direct";
    case StoreKind::kLocalBuffered:
      return "buffered";
    case StoreKind::kS3:
      return "s3";
  }
  return "";
}

std::string PatternBytes(size_t size, size_t seed) {
  std::string data(size, '\0');
  for (size_t i = 0; i < data.size(); ++i) {
    data[i] = static_cast<char>((i * 2654435761u + seed) >> 9);
  }
  return data;
}

class BlobStoreTest : public ::testing::TestWithParam<StoreKind> {
 protected:
  void SetUp() override {
    if (GetParam() == StoreKind::kS3) {
      std::optional<S3BlobStoreOptions> options = TestS3StoreOptions();
      if (!options) {
        GTEST_SKIP() << kNoS3Message;
      }
      store_ = MakeS3BlobStore(std::move(*options));
      return;
    }
    root_ = std::filesystem::temp_directory_path() / ("openlabs-blobs-" + NewUuid());
    store_ = MakeLocalBlobStore(
        root_.string(), LocalBlobStoreOptions{.direct_io = GetParam() == StoreKind::kLocalDirect});
  }
  void TearDown() override {
    if (!root_.empty()) {
      std::filesystem::remove_all(root_);
    }
  }

  // True when no temporary file of an upload is left; the S3 store has none.
  bool NoTemporaryFilesLeft() {
    if (root_.empty()) {
      return true;
    }
    std::error_code error;
    return std::filesystem::is_empty(root_ / ".tmp", error) && !error;
  }

  std::filesystem::path root_;  // empty for S3
  std::unique_ptr<BlobStore> store_;
};

TEST_P(BlobStoreTest, PutThenGetRoundTrips) {
  Result<BlobInfo> info = store_->Put("labs/1/a.txt", "hello");
  ASSERT_TRUE(info) << info.error().internal;
  EXPECT_EQ(info->size, 5);
  EXPECT_FALSE(info->etag.empty());
  Result<std::string> data = store_->Get("labs/1/a.txt");
  ASSERT_TRUE(data);
  EXPECT_EQ(*data, "hello");
}

TEST_P(BlobStoreTest, StatReturnsSizeEtagAndTime) {
  const auto before = std::chrono::system_clock::now() - std::chrono::seconds(5);
  Result<BlobInfo> put = store_->Put("k", "0123456789");
  ASSERT_TRUE(put) << put.error().internal;

  Result<BlobInfo> info = store_->Stat("k");

  ASSERT_TRUE(info) << info.error().internal;
  EXPECT_EQ(info->key, "k");
  EXPECT_EQ(info->size, 10);
  EXPECT_EQ(info->etag, put->etag);
  EXPECT_GE(info->modified_at, std::chrono::duration_cast<std::chrono::milliseconds>(
                                   before.time_since_epoch())
                                   .count());
}

TEST_P(BlobStoreTest, MissingKeyIsNotFound) {
  Result<BlobInfo> info = store_->Stat("labs/none");
  ASSERT_FALSE(info);
  EXPECT_EQ(info.error().code, ErrorCode::kNotFound);
  Result<std::unique_ptr<BlobReader>> reader = store_->OpenReader("labs/none");
  ASSERT_FALSE(reader);
  EXPECT_EQ(reader.error().code, ErrorCode::kNotFound);
}

TEST_P(BlobStoreTest, RangeReadReturnsInclusiveSlice) {
  ASSERT_TRUE(store_->Put("k", "0123456789"));
  Result<std::unique_ptr<BlobReader>> reader = store_->OpenReader("k", ByteRange{2, 5});
  ASSERT_TRUE(reader) << reader.error().internal;
  EXPECT_EQ((*reader)->length(), 4);
  EXPECT_EQ((*reader)->info().size, 10);
  char buffer[16];
  Result<size_t> count = (*reader)->Read(buffer, sizeof(buffer));
  ASSERT_TRUE(count);
  EXPECT_EQ(std::string(buffer, *count), "2345");
  Result<size_t> end = (*reader)->Read(buffer, sizeof(buffer));
  ASSERT_TRUE(end);
  EXPECT_EQ(*end, 0u);
}

TEST_P(BlobStoreTest, RangePastEndIsClamped) {
  ASSERT_TRUE(store_->Put("k", "0123456789"));
  Result<std::unique_ptr<BlobReader>> reader = store_->OpenReader("k", ByteRange{8, 100});
  ASSERT_TRUE(reader) << reader.error().internal;
  EXPECT_EQ((*reader)->length(), 2);
  Result<std::unique_ptr<BlobReader>> after_end = store_->OpenReader("k", ByteRange{10, 20});
  ASSERT_TRUE(after_end) << after_end.error().internal;
  EXPECT_EQ((*after_end)->length(), 0);
  EXPECT_EQ((*after_end)->info().size, 10);
}

// A reader hands out a large blob in the caller's chunk size, in order, to the last byte.
TEST_P(BlobStoreTest, ReaderStreamsLargeRangeInChunks) {
  const std::string content = PatternBytes(3 << 20, 7);
  ASSERT_TRUE(store_->Put("big", content));
  Result<std::unique_ptr<BlobReader>> reader =
      store_->OpenReader("big", ByteRange{1000, (3 << 20) - 1001});
  ASSERT_TRUE(reader) << reader.error().internal;
  ASSERT_EQ((*reader)->length(), (3 << 20) - 2000);

  std::string received;
  char buffer[10000];
  for (;;) {
    Result<size_t> count = (*reader)->Read(buffer, sizeof(buffer));
    ASSERT_TRUE(count) << count.error().internal;
    if (*count == 0) {
      break;
    }
    received.append(buffer, *count);
  }

  EXPECT_TRUE(received == content.substr(1000, (3 << 20) - 2000));
}

TEST_P(BlobStoreTest, UncommittedWriterLeavesNothing) {
  {
    Result<std::unique_ptr<BlobWriter>> writer = store_->OpenWriter("partial");
    ASSERT_TRUE(writer);
    ASSERT_TRUE((*writer)->Write("half of it"));
  }
  Result<BlobInfo> info = store_->Stat("partial");
  ASSERT_FALSE(info);
  EXPECT_EQ(info.error().code, ErrorCode::kNotFound);
  EXPECT_TRUE(NoTemporaryFilesLeft());
}

TEST_P(BlobStoreTest, StreamsLargeBlobInChunks) {
  Result<std::unique_ptr<BlobWriter>> writer = store_->OpenWriter("big");
  ASSERT_TRUE(writer);
  const std::string chunk(1 << 20, 'x');
  for (int i = 0; i < 16; ++i) {
    ASSERT_TRUE((*writer)->Write(chunk));
  }
  Result<BlobInfo> info = (*writer)->Commit();
  ASSERT_TRUE(info) << info.error().internal;
  EXPECT_EQ(info->size, 16 << 20);
  Result<BlobInfo> stat = store_->Stat("big");
  ASSERT_TRUE(stat);
  EXPECT_EQ(stat->size, 16 << 20);
}

TEST_P(BlobStoreTest, ReplacingChangesEtag) {
  Result<BlobInfo> first = store_->Put("k", "one");
  Result<BlobInfo> second = store_->Put("k", "three");
  ASSERT_TRUE(first);
  ASSERT_TRUE(second);
  EXPECT_NE(first->etag, second->etag);
  EXPECT_EQ(*store_->Get("k"), "three");
}

TEST_P(BlobStoreTest, UnsafeKeysAreRejected) {
  for (const char* key : {"", "/abs", "../up", "a/../b", "a//b", "A", "a b", ".hidden", "a/"}) {
    EXPECT_FALSE(IsValidBlobKey(key)) << key;
    EXPECT_FALSE(store_->OpenWriter(key)) << key;
  }
  EXPECT_TRUE(IsValidBlobKey("labs/42/assets/9f3c-1.png"));
}

TEST_P(BlobStoreTest, DeleteMissingKeySucceeds) { EXPECT_TRUE(store_->Delete("nothing")); }

TEST_P(BlobStoreTest, DeleteRemovesBlob) {
  ASSERT_TRUE(store_->Put("labs/1/a", "x"));

  ASSERT_TRUE(store_->Delete("labs/1/a"));

  Result<BlobInfo> info = store_->Stat("labs/1/a");
  ASSERT_FALSE(info);
  EXPECT_EQ(info.error().code, ErrorCode::kNotFound);
}

TEST_P(BlobStoreTest, ListFiltersByPrefix) {
  ASSERT_TRUE(store_->Put("labs/1/a", "x"));
  ASSERT_TRUE(store_->Put("labs/2/b", "y"));
  ASSERT_TRUE(store_->Put("articles/1/c", "z"));
  Result<std::vector<std::string>> keys = store_->List("labs/");
  ASSERT_TRUE(keys) << keys.error().internal;
  EXPECT_EQ(*keys, (std::vector<std::string>{"labs/1/a", "labs/2/b"}));
  Result<std::vector<std::string>> all = store_->List("");
  ASSERT_TRUE(all);
  EXPECT_EQ(all->size(), 3u);
}

// Sizes around the 4096-byte blocks of O_DIRECT, the local writer's 2 MiB buffers, the 256 KiB
// pieces that its hasher takes from the second buffer on and the S3 writer's 8 MiB parts. Each
// blob is written in pieces that cross all of them, up to a blob that passes through every
// buffer more than once.
TEST_P(BlobStoreTest, StoresBytesAndSha256) {
  constexpr size_t kBuffer = 2 << 20;
  constexpr size_t kHashPiece = 256 << 10;
  constexpr size_t kPart = 8 << 20;
  const std::vector<size_t> sizes = {0,
                                     1,
                                     4095,
                                     4096,
                                     4097,
                                     kBuffer - 1,
                                     kBuffer,
                                     kBuffer + 1,
                                     kBuffer + kHashPiece - 1,
                                     kBuffer + kHashPiece,
                                     kBuffer + kHashPiece + 1,
                                     kPart,
                                     kPart + 1,
                                     13 * kBuffer + 12345};
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
    ASSERT_TRUE(stored) << stored.error().internal;
    EXPECT_TRUE(*stored == content) << size;
  }
  EXPECT_TRUE(NoTemporaryFilesLeft());
}

TEST_P(BlobStoreTest, PutReturnsSha256) {
  Result<BlobInfo> info = store_->Put("a", "abc");

  ASSERT_TRUE(info);
  EXPECT_EQ(info->sha256, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

// A writer destroyed after sending part of a large blob (buffers queued for the local store,
// parts of a multipart upload for S3) leaves nothing under the key.
TEST_P(BlobStoreTest, AbandonedLargeWriterLeavesNothing) {
  {
    Result<std::unique_ptr<BlobWriter>> writer = store_->OpenWriter("abandoned");
    ASSERT_TRUE(writer);
    const std::string chunk = PatternBytes(3 << 20, 1);
    for (int i = 0; i < 4; ++i) {
      ASSERT_TRUE((*writer)->Write(chunk));
    }
  }

  EXPECT_FALSE(store_->Stat("abandoned"));
  Result<std::vector<std::string>> keys = store_->List("");
  ASSERT_TRUE(keys);
  EXPECT_TRUE(keys->empty());
  EXPECT_TRUE(NoTemporaryFilesLeft());
}

TEST_P(BlobStoreTest, LargeBlobKeepsMemoryBounded) {
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

  ASSERT_TRUE(info) << info.error().internal;
  EXPECT_EQ(info->size, int64_t{96} << 20);
  // Local: six buffers of 2 MiB plus the two threads' stacks as far as they are touched.
  // S3: one 8 MiB part plus libcurl's buffers.
  EXPECT_LT(peak - before, 16 * 1024);
}

INSTANTIATE_TEST_SUITE_P(Stores, BlobStoreTest,
                         ::testing::Values(StoreKind::kLocalDirect, StoreKind::kLocalBuffered,
                                           StoreKind::kS3),
                         StoreName);

// Only the S3 store: its key prefix, paging and error mapping against the real test server.
class S3BlobStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::optional<S3BlobStoreOptions> options = TestS3StoreOptions();
    if (!options) {
      GTEST_SKIP() << kNoS3Message;
    }
    options_ = *options;
    store_ = MakeS3BlobStore(*options);
  }

  S3BlobStoreOptions options_;
  std::unique_ptr<BlobStore> store_;
};

TEST_F(S3BlobStoreTest, KeysLiveUnderThePrefix) {
  ASSERT_TRUE(store_->Put("labs/1/a", "x"));
  S3BlobStoreOptions whole_bucket = options_;
  whole_bucket.prefix = "";
  const std::unique_ptr<BlobStore> bucket = MakeS3BlobStore(whole_bucket);

  Result<std::string> data = bucket->Get(options_.prefix + "labs/1/a");

  ASSERT_TRUE(data) << data.error().internal;
  EXPECT_EQ(*data, "x");
  EXPECT_EQ(*store_->List(""), (std::vector<std::string>{"labs/1/a"}));
}

TEST_F(S3BlobStoreTest, ListFollowsContinuationTokens) {
  S3BlobStoreOptions small_pages = options_;
  small_pages.list_page_size = 2;
  const std::unique_ptr<BlobStore> store = MakeS3BlobStore(small_pages);
  std::vector<std::string> expected;
  for (int i = 0; i < 5; ++i) {
    expected.push_back("labs/" + std::to_string(i));
    ASSERT_TRUE(store->Put(expected.back(), "x"));
  }

  Result<std::vector<std::string>> keys = store->List("labs/");

  ASSERT_TRUE(keys) << keys.error().internal;
  EXPECT_EQ(*keys, expected);
}

TEST_F(S3BlobStoreTest, MissingBucketIsUnavailable) {
  S3BlobStoreOptions options = options_;
  options.bucket = "no-such-bucket-" + NewUuid().substr(0, 8);
  const std::unique_ptr<BlobStore> store = MakeS3BlobStore(options);

  Result<BlobInfo> info = store->Put("k", "x");

  ASSERT_FALSE(info);
  EXPECT_EQ(info.error().code, ErrorCode::kUnavailable);
  EXPECT_NE(info.error().internal.find("NoSuchBucket"), std::string::npos)
      << info.error().internal;
}

TEST_F(S3BlobStoreTest, UnknownAccessKeyIsUnavailable) {
  S3BlobStoreOptions options = options_;
  options.client.access_key_id = "NOSUCHKEY";
  const std::unique_ptr<BlobStore> store = MakeS3BlobStore(options);

  Result<std::vector<std::string>> keys = store->List("");

  ASSERT_FALSE(keys);
  EXPECT_EQ(keys.error().code, ErrorCode::kUnavailable);
  EXPECT_NE(keys.error().internal.find("HTTP 403"), std::string::npos) << keys.error().internal;
}

TEST_F(S3BlobStoreTest, UnreachableEndpointIsUnavailable) {
  S3BlobStoreOptions options = options_;
  options.client.endpoint = "http://127.0.0.1:1";
  const std::unique_ptr<BlobStore> store = MakeS3BlobStore(options);

  Result<BlobInfo> info = store->Stat("k");

  ASSERT_FALSE(info);
  EXPECT_EQ(info.error().code, ErrorCode::kUnavailable);
}

// The local store alone: its temporary folder.
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
