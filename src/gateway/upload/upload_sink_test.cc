#include "gateway/upload/upload_sink.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "common/random.h"

namespace openlabs::gateway {
namespace {

class UploadSinkTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = std::filesystem::temp_directory_path() / ("openlabs-upload-" + NewUuid());
    blobs_ = storage::MakeLocalBlobStore(root_.string());
  }
  void TearDown() override { std::filesystem::remove_all(root_); }

  size_t StoredUploads() {
    Result<std::vector<std::string>> keys = blobs_->List("uploads/");
    return keys ? keys->size() : 0;
  }

  static std::string Body(const std::string& file_content) {
    return "--b\r\nContent-Disposition: form-data; name=\"text\"\r\n\r\nhello\r\n"
           "--b\r\nContent-Disposition: form-data; name=\"files[]\"; filename=\"../../x.txt\"\r\n"
           "Content-Type: text/plain\r\n\r\n" +
           file_content + "\r\n--b--\r\n";
  }

  std::filesystem::path root_;
  std::unique_ptr<storage::BlobStore> blobs_;
};

TEST_F(UploadSinkTest, StoresFilesAndKeepsFields) {
  UploadSink sink(*blobs_, {});
  MultipartParser parser("b", sink);
  ASSERT_TRUE(parser.Feed(Body("abc")));
  ASSERT_TRUE(parser.Finish());
  auto fields = sink.TakeFields();
  auto files = sink.TakeFiles();
  ASSERT_EQ(fields.count("text"), 1u);
  EXPECT_EQ(fields.find("text")->second, "hello");
  ASSERT_EQ(files.size(), 1u);
  EXPECT_EQ(files[0].filename, "x.txt");
  EXPECT_EQ(files[0].size, 3);
  EXPECT_EQ(files[0].sha256, Sha256Hex("abc"));
  EXPECT_EQ(files[0].head, "abc");
  EXPECT_EQ(*blobs_->Get(files[0].blob_key), "abc");
}

TEST_F(UploadSinkTest, OversizedFileIsRejectedAndNothingKept) {
  {
    UploadSink sink(*blobs_, UploadLimits{.max_file_bytes = 10});
    MultipartParser parser("b", sink);
    Status status = parser.Feed(Body(std::string(11, 'x')));
    ASSERT_FALSE(status);
    EXPECT_EQ(status.error().code, ErrorCode::kPayloadTooLarge);
  }
  EXPECT_EQ(StoredUploads(), 0u);
}

TEST_F(UploadSinkTest, FileAtLimitIsAccepted) {
  UploadSink sink(*blobs_, UploadLimits{.max_file_bytes = 10});
  MultipartParser parser("b", sink);
  ASSERT_TRUE(parser.Feed(Body(std::string(10, 'x'))));
  ASSERT_TRUE(parser.Finish());
  EXPECT_EQ(sink.TakeFiles().size(), 1u);
}

// A file past the first 2 MiB buffer is hashed and written on the blob writer's threads.
TEST_F(UploadSinkTest, LargeFileHashIsRight) {
  std::string content(3 << 20, '\0');
  for (size_t i = 0; i < content.size(); ++i) {
    content[i] = static_cast<char>((i * 2654435761u) >> 11);
  }
  UploadSink sink(*blobs_, {});
  MultipartParser parser("b", sink);
  const std::string body = Body(content);
  for (size_t offset = 0; offset < body.size(); offset += 300000) {
    ASSERT_TRUE(parser.Feed(std::string_view(body).substr(offset, 300000)));
  }
  ASSERT_TRUE(parser.Finish());

  const std::vector<UploadedFile> files = sink.TakeFiles();
  ASSERT_EQ(files.size(), 1u);
  EXPECT_EQ(files[0].size, static_cast<int64_t>(content.size()));
  EXPECT_EQ(files[0].sha256, Sha256Hex(content));
  EXPECT_TRUE(*blobs_->Get(files[0].blob_key) == content);
}

// Sizes around the 2 MiB buffers in which the local blob writer hashes and writes, fed in pieces
// of varying sizes, so that pieces cross buffer ends and a blob passes through every buffer.
TEST_F(UploadSinkTest, MixedPieceSizesHashRight) {
  constexpr size_t kBuffer = 2 << 20;
  const std::vector<size_t> sizes = {0, 1, kBuffer - 1, kBuffer, kBuffer + 1, 7 * kBuffer + 12345};
  const std::vector<size_t> piece_sizes = {1, 7, 4096, 65536, 300001, kBuffer + 3};
  for (const size_t size : sizes) {
    std::string content(size, '\0');
    for (size_t i = 0; i < content.size(); ++i) {
      content[i] = static_cast<char>((i * 2654435761u + size) >> 9);
    }
    UploadSink sink(*blobs_, UploadLimits{.max_file_bytes = 16 << 20});
    MultipartParser parser("b", sink);
    const std::string body = Body(content);
    size_t offset = 0;
    for (size_t piece = 0; offset < body.size(); ++piece) {
      const size_t length = piece_sizes[piece % piece_sizes.size()];
      ASSERT_TRUE(parser.Feed(std::string_view(body).substr(offset, length))) << size;
      offset += length;
    }
    ASSERT_TRUE(parser.Finish()) << size;

    const std::vector<UploadedFile> files = sink.TakeFiles();
    ASSERT_EQ(files.size(), 1u) << size;
    EXPECT_EQ(files[0].size, static_cast<int64_t>(size));
    EXPECT_EQ(files[0].sha256, Sha256Hex(content)) << size;
    EXPECT_TRUE(*blobs_->Get(files[0].blob_key) == content) << size;
  }
}

// A sink destroyed in the middle of a large file stops its blob writer's threads and keeps
// nothing, not even the temporary file.
TEST_F(UploadSinkTest, AbandonedLargeFileLeavesNothing) {
  {
    UploadSink sink(*blobs_, {});
    MultipartParser parser("b", sink);
    const std::string body = Body(std::string(5 << 20, 'x'));
    ASSERT_TRUE(parser.Feed(std::string_view(body).substr(0, 3 << 20)));
  }
  EXPECT_EQ(StoredUploads(), 0u);
  std::error_code error;
  EXPECT_TRUE(std::filesystem::is_empty(root_ / ".tmp", error));
  EXPECT_FALSE(error) << error.message();
}

TEST_F(UploadSinkTest, DiscardDeletesStoredFiles) {
  UploadSink sink(*blobs_, {});
  MultipartParser parser("b", sink);
  ASSERT_TRUE(parser.Feed(Body("abc")));
  EXPECT_EQ(StoredUploads(), 1u);
  sink.Discard();
  EXPECT_EQ(StoredUploads(), 0u);
}

TEST_F(UploadSinkTest, TooManyFilesIsRejected) {
  UploadSink sink(*blobs_, UploadLimits{.max_files = 0});
  MultipartParser parser("b", sink);
  EXPECT_FALSE(parser.Feed(Body("abc")));
}

TEST(SafeFilenameTest, StripsPathsAndControls) {
  EXPECT_EQ(SafeFilename("../../etc/passwd"), "passwd");
  EXPECT_EQ(SafeFilename("C:\\Users\\a\\report.pdf"), "report.pdf");
  EXPECT_EQ(SafeFilename("a\"b\r\n.txt"), "a\"b.txt");
  EXPECT_EQ(SafeFilename("q%22uote;.txt"), "q\"uote;.txt");
  EXPECT_EQ(SafeFilename("two%0D%0Alines.txt"), "twolines.txt");
  EXPECT_EQ(SafeFilename("100% done %41.txt"), "100% done %41.txt");
  EXPECT_EQ(SafeFilename("..%2F..%2Fx"), "%2F..%2Fx");
  EXPECT_EQ(SafeFilename("a%0Ab/c.txt"), "c.txt");
  EXPECT_EQ(SafeFilename(".hidden"), "hidden");
  EXPECT_EQ(SafeFilename(""), "file");
  EXPECT_EQ(SafeFilename("données.csv"), "données.csv");
}

TEST(SafeFilenameTest, CutsAtCharacterBoundary) {
  std::string long_name = "a";
  for (int i = 0; i < 120; ++i) {
    long_name += "é";
  }
  const std::string cut = SafeFilename(long_name);
  EXPECT_EQ(cut.size(), 199u);
  EXPECT_EQ(cut.substr(0, 3), "a\xc3\xa9");
  EXPECT_EQ(cut.substr(cut.size() - 2), "é");
}

}  // namespace
}  // namespace openlabs::gateway
