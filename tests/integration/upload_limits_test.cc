// Upload size limits through the real server, configured small: a file of 0 bytes and one of
// exactly the limit are stored, one byte more is 413 and leaves nothing behind.
#include <filesystem>
#include <string>
#include <vector>

#include "api_test.h"
#include "form_data.h"
#include "services/articles/test_pdf.h"

namespace openlabs::integration {
namespace {

constexpr int64_t kMaxFileBytes = 1024;  // submissions.max_file_bytes and labs.max_asset_bytes
constexpr int64_t kMaxPdfBytes = 4096;   // articles.max_pdf_bytes

class UploadLimitsTest : public ::testing::TestWithParam<storage::Dialect> {
 protected:
  void SetUp() override {
    if (PostgresMissing(GetParam())) {
      GTEST_SKIP() << kNoPostgresMessage;
    }
    const std::string limit = std::to_string(kMaxFileBytes);
    auto started = ServerProcess::Start(
        {.dialect = GetParam(),
         .config_toml = "[log]\nlevel = \"warn\"\n[submissions]\nmax_file_bytes = " + limit +
                        "\n[labs]\nmax_asset_bytes = " + limit +
                        "\n[articles]\nmax_pdf_bytes = " + std::to_string(kMaxPdfBytes) + "\n"});
    ASSERT_TRUE(started) << started.error();
    server_ = std::move(*started);
    client_ = std::make_unique<HttpClient>(server_->base_url());
  }

  void TearDown() override {
    if (server_) {
      const ProcessResult exit = server_->Stop();
      EXPECT_TRUE(exit.ExitedWithZero()) << exit.Describe() << "\n" << exit.output;
    }
  }

  // Registers a user and returns the access token.
  std::string RegisterToken(const std::string& prefix, int64_t* id = nullptr) {
    const std::string username = UniqueUsername(prefix);
    const HttpResponse registered = client_->Post(
        "/api/v1/auth/register",
        {{"username", username}, {"email", username + "@example.org"}, {"password", kPassword}});
    EXPECT_EQ(registered.status, 201) << registered.body;
    if (id != nullptr) {
      *id = registered.Json()["user"].value("id", int64_t{0});
    }
    return registered.Json().value("access_token", "");
  }

  // Files in the blob store's upload folder: uploads that a rejected request left behind.
  size_t UploadedBlobCount() const {
    const std::vector<std::string> flags = server_->StorageFlags();
    const auto data_dir = std::find(flags.begin(), flags.end(), "--data-dir");
    const std::filesystem::path uploads = std::filesystem::path(*(data_dir + 1)) / "blobs";
    size_t count = 0;
    for (const auto& entry : std::filesystem::recursive_directory_iterator(uploads)) {
      count += entry.is_regular_file() ? 1 : 0;
    }
    return count;
  }

  int64_t Balance(const std::string& token) {
    return client_->Get("/api/v1/users/me", token).Json().value("balance", int64_t{-1});
  }

  std::unique_ptr<ServerProcess> server_;
  std::unique_ptr<HttpClient> client_;
};

TEST_P(UploadLimitsTest, SubmissionFiles) {
  const std::string author = RegisterToken("author");
  const std::string learner = RegisterToken("learner");
  // A learner submits to a lab once until rejected, so every submission gets its own lab.
  const auto submit = [&](const std::string& bytes) {
    const HttpResponse lab =
        client_->Post("/api/v1/labs", {{"title", "Limits"}, {"body", "# Task"}}, author);
    EXPECT_EQ(lab.status, 201) << lab.body;
    const std::string lab_id = std::to_string(lab.Json().value("id", 0));
    return PostForm(*client_, "/api/v1/submissions",
                    {{"lab_id", lab_id}, {"text", "answer"}, {"files[]", bytes, "data.bin"}},
                    learner);
  };

  const HttpResponse empty = submit("");
  ASSERT_EQ(empty.status, 201) << empty.body;
  EXPECT_EQ(empty.Json()["files"][0].value("size", -1), 0);
  // With no text, an empty file alone is not a submission: 422 and no points spent.
  const HttpResponse lab =
      client_->Post("/api/v1/labs", {{"title", "Empty"}, {"body", "# Task"}}, author);
  const HttpResponse only_empty =
      PostForm(*client_, "/api/v1/submissions",
               {{"lab_id", std::to_string(lab.Json().value("id", 0))},
                {"files[]", "", "empty.txt"}},
               learner);
  ExpectErrorResponse(only_empty, 422, "validation_failed");
  EXPECT_NE(only_empty.body.find("empty (0 bytes)"), std::string::npos) << only_empty.body;
  EXPECT_EQ(Balance(learner), 10 - 1);
  const HttpResponse exact = submit(std::string(kMaxFileBytes, 'a'));
  ASSERT_EQ(exact.status, 201) << exact.body;
  EXPECT_EQ(exact.Json()["files"][0].value("size", -1), kMaxFileBytes);
  EXPECT_EQ(Balance(learner), 10 - 2);

  const size_t blobs_before = UploadedBlobCount();
  ExpectErrorResponse(submit(std::string(kMaxFileBytes + 1, 'a')), 413, "payload_too_large");
  EXPECT_EQ(Balance(learner), 10 - 2);
  EXPECT_EQ(UploadedBlobCount(), blobs_before);
  EXPECT_EQ(client_->Get("/api/v1/submissions/mine", learner).Json().value("total", -1), 2);

  // The stored files come back byte for byte.
  const nlohmann::json file = exact.Json()["files"][0];
  const HttpResponse downloaded =
      client_->Get("/api/v1/submissions/" + std::to_string(exact.Json().value("id", 0)) +
                       "/files/" + std::to_string(file.value("id", 0)),
                   learner);
  EXPECT_EQ(downloaded.body, std::string(kMaxFileBytes, 'a'));
}

TEST_P(UploadLimitsTest, LabAssets) {
  const std::string author = RegisterToken("author");
  const HttpResponse lab =
      client_->Post("/api/v1/labs", {{"title", "Assets"}, {"body", "# Task"}}, author);
  ASSERT_EQ(lab.status, 201) << lab.body;
  const std::string assets =
      "/api/v1/labs/" + std::to_string(lab.Json().value("id", 0)) + "/assets";
  const auto upload = [&](const std::string& name, const std::string& bytes) {
    return PostForm(*client_, assets, {{"files[]", bytes, name, "application/octet-stream"}},
                    author);
  };

  const HttpResponse empty = upload("empty.bin", "");
  ASSERT_EQ(empty.status, 201) << empty.body;
  EXPECT_EQ(empty.Json()["items"][0].value("size", -1), 0);
  const HttpResponse exact = upload("exact.bin", std::string(kMaxFileBytes, 'b'));
  ASSERT_EQ(exact.status, 201) << exact.body;
  EXPECT_EQ(exact.Json()["items"][0].value("size", -1), kMaxFileBytes);

  const size_t blobs_before = UploadedBlobCount();
  ExpectErrorResponse(upload("over.bin", std::string(kMaxFileBytes + 1, 'b')), 413,
                      "payload_too_large");
  EXPECT_EQ(UploadedBlobCount(), blobs_before);
  const nlohmann::json listed = client_->Get(assets).Json();
  EXPECT_EQ(listed["items"].size(), 2u) << listed.dump();
}

TEST_P(UploadLimitsTest, ArticlePdfs) {
  const std::string uploader = RegisterToken("uploader");
  const auto upload = [&](const std::string& title, const std::string& bytes) {
    return PostForm(*client_, "/api/v1/articles",
                    {{"title", title}, {"file", bytes, "paper.pdf", "application/pdf"}}, uploader);
  };

  // An empty file is not a PDF; a real PDF under the limit is stored.
  ExpectErrorResponse(upload("Empty", ""), 422, "validation_failed");
  const std::string pdf = articles::MakeTestPdf({"A small paper"});
  ASSERT_LT(static_cast<int64_t>(pdf.size()), kMaxPdfBytes);
  const HttpResponse stored = upload("Small", pdf);
  ASSERT_EQ(stored.status, 201) << stored.body;
  EXPECT_EQ(stored.Json().value("size", int64_t{-1}), static_cast<int64_t>(pdf.size()));

  const size_t blobs_before = UploadedBlobCount();
  ExpectErrorResponse(upload("Large", pdf + std::string(kMaxPdfBytes, ' ')), 413,
                      "payload_too_large");
  EXPECT_EQ(UploadedBlobCount(), blobs_before);
  EXPECT_EQ(client_->Get("/api/v1/articles").Json().value("total", -1), 1);
}

INSTANTIATE_TEST_SUITE_P(Dialects, UploadLimitsTest, ::testing::ValuesIn(storage::TestDialects()),
                         DialectTestName);

}  // namespace
}  // namespace openlabs::integration
