// Submissions and reviews over HTTP: multipart uploads, the points they move, claims, reviews
// with attachments, private downloads and a spend that fails for lack of points.
#include <algorithm>
#include <atomic>
#include <filesystem>
#include <thread>
#include <vector>

#include "learning_api_test.h"

namespace openlabs::integration {
namespace {

class SubmissionsApiTest : public LearningApiTest {
 protected:
  size_t UploadBlobCount() {
    const std::vector<std::string> flags = server().StorageFlags();
    const auto data_dir = std::find(flags.begin(), flags.end(), "--data-dir");
    const std::filesystem::path uploads =
        std::filesystem::path(*(data_dir + 1)) / "blobs" / "uploads";
    if (!std::filesystem::exists(uploads)) {
      return 0;
    }
    return std::distance(std::filesystem::directory_iterator(uploads),
                         std::filesystem::directory_iterator());
  }
};

TEST_P(SubmissionsApiTest, JourneyMovesPointsAndSharesFiles) {
  const TestUser author = Register("author");
  const TestUser learner = Register("learner");
  const TestUser stranger = Register("stranger");
  const int64_t lab_id = CreateLab(author);

  const HttpResponse submitted = Submit(learner, lab_id, "print(42)");
  ASSERT_EQ(submitted.status, 201) << submitted.body;
  const int64_t submission_id = submitted.Json().value("id", int64_t{0});
  const int64_t file_id = submitted.Json()["files"][0].value("id", int64_t{0});
  EXPECT_EQ(Balance(learner), 9);

  const std::string claim_path = "/api/v1/submissions/" + std::to_string(submission_id) + "/claim";
  ExpectErrorResponse(client().PostEmpty(claim_path, stranger.access_token), 404, "not_found");
  const HttpResponse claimed = client().PostEmpty(claim_path, author.access_token);
  ASSERT_EQ(claimed.status, 200) << claimed.body;

  const HttpResponse reviewed = Review(client(), author, submission_id, "see line 1");
  ASSERT_EQ(reviewed.status, 201) << reviewed.body;
  EXPECT_EQ(reviewed.Json()["submission"].value("status", ""), "accepted");
  EXPECT_EQ(Balance(author), 13);
  EXPECT_EQ(Balance(learner), 9);

  const nlohmann::json review = reviewed.Json()["review"];
  const std::string attachment_path = "/api/v1/reviews/" + std::to_string(review.value("id", 0)) +
                                      "/files/" + std::to_string(review["files"][0].value("id", 0));
  const HttpResponse downloaded = client().Get(attachment_path, learner.access_token);
  ASSERT_EQ(downloaded.status, 200);
  EXPECT_EQ(downloaded.body, "see line 1");
  EXPECT_EQ(downloaded.Header("x-content-type-options"), "nosniff");
  EXPECT_NE(downloaded.Header("content-disposition").find("attachment"), std::string::npos);
  ExpectErrorResponse(client().Get(attachment_path, stranger.access_token), 404, "not_found");

  const std::string file_path =
      "/api/v1/submissions/" + std::to_string(submission_id) + "/files/" + std::to_string(file_id);
  EXPECT_EQ(client().Get(file_path, author.access_token).body, "print(42)");
  ExpectErrorResponse(client().Get(file_path, stranger.access_token), 404, "not_found");

  // Anonymous callers get 401 on every private resource of the submission, existing or not.
  const std::string submission_path = "/api/v1/submissions/" + std::to_string(submission_id);
  for (const std::string& path :
       {file_path, attachment_path, submission_path, submission_path + "/reviews",
        submission_path + "/grading", std::string("/api/v1/submissions/999999"),
        std::string("/api/v1/submissions/999999/grading")}) {
    SCOPED_TRACE(path);
    ExpectErrorResponse(client().Get(path), 401, "unauthenticated");
  }

  const HttpResponse profile = client().Get("/api/v1/users/" + std::to_string(author.id));
  EXPECT_EQ(profile.Json()["reputation"].value("ratings_count", -1), 0);
}

// The grader writes a submission's files into one folder, where the second median.c would
// silently replace the first, so two files of one name are rejected, and so are a review's.
TEST_P(SubmissionsApiTest, RepeatedFileNameIsRejected) {
  const TestUser author = Register("author");
  const TestUser learner = Register("learner");
  const int64_t lab_id = CreateLab(author);
  const std::vector<FormPart> repeated = {{"lab_id", std::to_string(lab_id)},
                                          {"text", "# Answer"},
                                          {"files[]", "int main() { return 1; }", "median.c"},
                                          {"files[]", "int main() { return 2; }", "median.c"}};

  const HttpResponse refused =
      PostForm(client(), "/api/v1/submissions", repeated, learner.access_token);

  ExpectErrorResponse(refused, 422, "validation_failed");
  const std::string details = refused.Json()["error"]["details"].dump();
  EXPECT_NE(details.find("median.c"), std::string::npos) << details;
  EXPECT_EQ(Balance(learner), 10);

  const HttpResponse submitted = Submit(learner, lab_id, "print(1)");
  ASSERT_EQ(submitted.status, 201) << submitted.body;
  const int64_t submission_id = submitted.Json().value("id", int64_t{0});
  const std::string submission_path = "/api/v1/submissions/" + std::to_string(submission_id);
  ASSERT_EQ(client().PostEmpty(submission_path + "/claim", author.access_token).status, 200);
  const std::vector<FormPart> review = {{"content", "Well argued."},
                                        {"verdict", "accept"},
                                        {"score", "80"},
                                        {"files[]", "first", "notes.txt"},
                                        {"files[]", "second", "notes.txt"}};
  const HttpResponse review_refused =
      PostForm(client(), submission_path + "/reviews", review, author.access_token);
  ExpectErrorResponse(review_refused, 422, "validation_failed");
  const std::string review_details = review_refused.Json()["error"]["details"].dump();
  EXPECT_NE(review_details.find("notes.txt"), std::string::npos) << review_details;
}

TEST_P(SubmissionsApiTest, TooFewPointsStoresNothing) {
  const TestUser author = Register("author");
  const TestUser learner = Register("learner");
  for (int i = 0; i < 10; ++i) {
    ASSERT_EQ(Submit(learner, CreateLab(author)).status, 201);
  }
  ASSERT_EQ(Balance(learner), 0);
  const int64_t lab_id = CreateLab(author);
  const size_t blobs_before = UploadBlobCount();

  const HttpResponse refused = Submit(learner, lab_id, "an answer with a file");
  ExpectErrorResponse(refused, 402, "insufficient_points");
  EXPECT_EQ(UploadBlobCount(), blobs_before);
  std::unique_ptr<storage::Database> database = OpenDatabase();
  long long rows = -1;
  ASSERT_TRUE(database->WithSession<int>([&](soci::session& session) -> Result<int> {
    const long long lab = lab_id;
    session << "SELECT COUNT(*) FROM submissions WHERE lab_id = :lab", soci::use(lab),
        soci::into(rows);
    return 0;
  }));
  EXPECT_EQ(rows, 0);
  EXPECT_EQ(Balance(learner), 0);
}

TEST_P(SubmissionsApiTest, RacingReviewRequestsEarnOnce) {
  const TestUser author = Register("author");
  const TestUser learner = Register("learner");
  const int64_t lab_id = CreateLab(author);
  const HttpResponse submitted = Submit(learner, lab_id);
  ASSERT_EQ(submitted.status, 201) << submitted.body;
  const int64_t submission_id = submitted.Json().value("id", int64_t{0});
  ASSERT_EQ(client()
                .PostEmpty("/api/v1/submissions/" + std::to_string(submission_id) + "/claim",
                           author.access_token)
                .status,
            200);

  constexpr int kRequests = 4;
  std::atomic<int> created{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < kRequests; ++i) {
    threads.emplace_back([&] {
      HttpClient http(server().base_url());
      const HttpResponse response = Review(http, author, submission_id);
      if (response.status == 201) {
        ++created;
        return;
      }
      EXPECT_EQ(response.status, 409) << response.body;
    });
  }
  for (std::thread& thread : threads) {
    thread.join();
  }
  EXPECT_EQ(created.load(), 1);
  EXPECT_EQ(Balance(author), 13);
}

INSTANTIATE_TEST_SUITE_P(Engines, SubmissionsApiTest, ::testing::ValuesIn(storage::TestDialects()),
                         DialectTestName);

}  // namespace
}  // namespace openlabs::integration
