// The real server with its blobs in an S3 bucket, on the s3rver that scripts/with-s3.sh starts:
// a lab asset uploaded over HTTP lands in the bucket, not in the data folder, and downloads
// whole and by byte range with the bytes that were sent.
#include <filesystem>
#include <string>
#include <vector>

#include "api_test.h"
#include "form_data.h"
#include "storage/s3_blob_store.h"
#include "storage/test_s3.h"

namespace openlabs::integration {
namespace {

namespace fs = std::filesystem;

std::string PatternBytes(size_t size) {
  std::string data(size, '\0');
  for (size_t i = 0; i < data.size(); ++i) {
    data[i] = static_cast<char>((i * 2654435761u) >> 11);
  }
  return data;
}

class S3BlobsTest : public ::testing::TestWithParam<storage::Dialect> {
 protected:
  void SetUp() override {
    blob_url_ = storage::TestS3BlobUrl();
    if (blob_url_.empty()) {
      GTEST_SKIP() << storage::kNoS3Message;
    }
    auto started = ServerProcess::Start(
        {.dialect = GetParam(), .config_toml = "[storage]\nblob_url = \"" + blob_url_ + "\"\n"});
    ASSERT_TRUE(started) << started.error();
    server_ = std::move(*started);
    client_ = std::make_unique<HttpClient>(server_->base_url());
  }

  void TearDown() override {
    if (server_ && server_->Running()) {
      const ProcessResult stopped = server_->Stop();
      EXPECT_TRUE(stopped.ExitedWithZero()) << stopped.Describe() << "\n" << stopped.output;
    }
  }

  fs::path DataDir() const {
    const std::vector<std::string> flags = server_->StorageFlags();
    return *(std::find(flags.begin(), flags.end(), "--data-dir") + 1);
  }

  std::string blob_url_;
  std::unique_ptr<ServerProcess> server_;
  std::unique_ptr<HttpClient> client_;
};

TEST_P(S3BlobsTest, LabAssetRoundTripsThroughBucket) {
  const TestUser author = RegisterUser(*client_, "s3author");
  const HttpResponse lab = client_->Post("/api/v1/labs", {{"title", "Blobs in S3"}, {"body", "# Task"}},
                                         author.access_token);
  ASSERT_EQ(lab.status, 201) << lab.body;
  const std::string assets = "/api/v1/labs/" + std::to_string(lab.Json().value("id", 0)) + "/assets";
  // Larger than one 8 MiB part, so the store sends it as a multipart upload.
  const std::string content = PatternBytes((9 << 20) + 12345);

  const HttpResponse uploaded = PostForm(
      *client_, assets, {{"files[]", content, "data.bin", "application/octet-stream"}},
      author.access_token);

  ASSERT_EQ(uploaded.status, 201) << uploaded.body;
  const std::string asset = assets + "/" + uploaded.Json()["items"][0].value("id", "");
  const HttpResponse whole = client_->Get(asset, author.access_token);
  ASSERT_EQ(whole.status, 200) << whole.body.substr(0, 500);
  EXPECT_EQ(whole.body.size(), content.size());
  EXPECT_TRUE(whole.body == content);

  const HttpResponse slice = client_->Send({.method = "GET",
                                            .path = asset,
                                            .bearer_token = author.access_token,
                                            .extra_headers = {"Range: bytes=8388600-8388709"}});
  ASSERT_EQ(slice.status, 206) << slice.body.substr(0, 500);
  EXPECT_EQ(slice.Header("content-range"),
            "bytes 8388600-8388709/" + std::to_string(content.size()));
  EXPECT_TRUE(slice.body == content.substr(8388600, 110));

  // The blob is in the bucket under the URL's prefix, and none is in the data folder.
  Result<S3Url> url = ParseS3Url(blob_url_);
  ASSERT_TRUE(url);
  const char* key = std::getenv("AWS_ACCESS_KEY_ID");
  const char* secret = std::getenv("AWS_SECRET_ACCESS_KEY");
  const std::unique_ptr<storage::BlobStore> bucket = storage::MakeS3BlobStore(
      storage::S3BlobStoreOptionsFor(*url, key == nullptr ? "" : key, secret == nullptr ? "" : secret));
  Result<std::vector<std::string>> keys = bucket->List("");
  ASSERT_TRUE(keys) << keys.error().internal;
  ASSERT_EQ(keys->size(), 1u);
  Result<storage::BlobInfo> info = bucket->Stat(keys->front());
  ASSERT_TRUE(info) << info.error().internal;
  EXPECT_EQ(info->size, static_cast<int64_t>(content.size()));
  std::error_code ignored;
  EXPECT_FALSE(fs::exists(DataDir() / "blobs", ignored));
}

INSTANTIATE_TEST_SUITE_P(Dialects, S3BlobsTest, ::testing::Values(storage::Dialect::kSqlite),
                         DialectTestName);

}  // namespace
}  // namespace openlabs::integration
