#include "services/grading/grading_service.h"

#include <gtest/gtest.h>

#include <atomic>
#include <fstream>
#include <limits>
#include <map>
#include <mutex>
#include <sstream>
#include <thread>

#include "common/random.h"
#include "services/grading/grading_test_support.h"
#include "storage/test_database.h"

namespace openlabs::grading {
namespace {

using namespace std::chrono_literals;
using storage::Database;
using storage::Dialect;

constexpr int64_t kLab = 3;
constexpr int64_t kAuthor = 100;
constexpr int64_t kLearner = 200;
constexpr int64_t kOtherLearner = 201;

// An in-memory SubmissionDirectory whose files live in the real blob store.
class MemoryDirectory final : public SubmissionDirectory {
 public:
  void Add(SubmissionSnapshot submission) {
    std::lock_guard lock(mutex_);
    submissions_[submission.id] = std::move(submission);
  }

  Result<int64_t> GetLabAuthor(int64_t lab_id) override {
    if (lab_id != kLab) {
      return Fail(Error::NotFound("lab not found"));
    }
    return kAuthor;
  }

  Result<SubmissionSnapshot> GetSubmission(int64_t submission_id) override {
    std::lock_guard lock(mutex_);
    auto found = submissions_.find(submission_id);
    if (found == submissions_.end()) {
      return Fail(Error::NotFound("submission not found"));
    }
    return found->second;
  }

  Result<LabText> GetLabText(int64_t lab_id) override {
    if (lab_id != kLab) {
      return Fail(Error::NotFound("lab not found"));
    }
    return LabText{"Doubling", "Double a number.", "Read a number and print twice its value."};
  }

  Result<std::vector<int64_t>> ListLabSubmissions(int64_t lab_id, int limit) override {
    std::lock_guard lock(mutex_);
    std::vector<int64_t> ids;
    for (const auto& [id, submission] : submissions_) {
      if (submission.lab_id == lab_id && static_cast<int>(ids.size()) < limit) {
        ids.push_back(id);
      }
    }
    return ids;
  }

  Result<std::vector<int64_t>> ListLabSubmissionsSince(int64_t lab_id, int64_t since_millis,
                                                       int limit) override {
    std::lock_guard lock(mutex_);
    std::vector<int64_t> ids;
    for (auto it = submissions_.rbegin(); it != submissions_.rend(); ++it) {
      const SubmissionSnapshot& submission = it->second;
      if (submission.lab_id == lab_id && submission.created_at >= since_millis &&
          static_cast<int>(ids.size()) < limit) {
        ids.push_back(submission.id);
      }
    }
    return ids;
  }

  Result<SubmissionAccess> GetAccess(int64_t submission_id, const CallContext& caller) override {
    Result<SubmissionSnapshot> submission = GetSubmission(submission_id);
    if (!submission) {
      return Fail(submission.error());
    }
    const bool can_read = caller.user_id == submission->learner_id || caller.user_id == kAuthor ||
                          caller.is_moderator();
    return SubmissionAccess{submission->lab_id, submission->learner_id, kAuthor, can_read};
  }

 private:
  std::mutex mutex_;
  std::map<int64_t, SubmissionSnapshot> submissions_;
};

CallContext User(int64_t id, const std::string& role = "user") {
  CallContext context;
  context.user_id = id;
  context.username = "user" + std::to_string(id);
  context.role = role;
  return context;
}

v1::AttachGraderRequest AttachRequest(int64_t lab_id, const std::string& upload_key,
                                      const std::string& archive_name) {
  v1::AttachGraderRequest request;
  request.set_lab_id(lab_id);
  request.set_upload_key(upload_key);
  request.set_archive_name(archive_name);
  return request;
}

v1::GetSubmissionGradingRequest GradingRequest(int64_t submission_id) {
  v1::GetSubmissionGradingRequest request;
  request.set_submission_id(submission_id);
  return request;
}

v1::ListGradingJobsRequest JobsRequest(int64_t lab_id, const std::string& batch) {
  v1::ListGradingJobsRequest request;
  request.set_lab_id(lab_id);
  request.set_batch(batch);
  return request;
}

v1::FindSimilarSubmissionsRequest SimilarRequest(int64_t lab_id, double threshold) {
  v1::FindSimilarSubmissionsRequest request;
  request.set_lab_id(lab_id);
  request.set_threshold(threshold);
  return request;
}

// A stdin/stdout grader that doubles a number; "hidden/big" is hidden from learners.
void WriteDoubleGrader(const TempFolder& grader, const std::string& big_expected = "200\n") {
  grader.Write("grader.toml",
               "run = \"python3 double.py\"\ntime_limit_s = 5\nhidden = [\"hidden/*\"]\n");
  grader.Write("tests/one.in", "1\n");
  grader.Write("tests/one.out", "2\n");
  grader.Write("tests/hidden/big.in", "100\n");
  grader.Write("tests/hidden/big.out", big_expected);
}

class GradingServiceTest : public ::testing::TestWithParam<Dialect> {
 protected:
  void SetUp() override {
    const std::string url = storage::NewTestDatabaseUrl(GetParam());
    if (url.empty()) {
      GTEST_SKIP() << "OPENLABS_TEST_POSTGRES_URL is not set; run under scripts/with-postgres.sh";
    }
    Result<std::unique_ptr<Database>> opened = Database::Open(url, 8);
    ASSERT_TRUE(opened) << opened.error().internal;
    database_ = std::move(*opened);
    ASSERT_TRUE(storage::ApplyMigrations(*database_, "grading", GradingMigrations()));
    blobs_ = storage::MakeLocalBlobStore((blob_root_.path() / "blobs").string());
  }

  void TearDown() override {
    if (service_) {
      service_->Stop();
    }
  }

  void StartService(GradingOptions options = {}) {
    options.poll_millis = 50;
    options.retry_base_millis = 50;
    service_ = MakeGradingService(*database_, *blobs_, directory_, std::move(options));
    service_->Start();
  }

  // Packs `folder` into a .tar.gz upload blob and returns its key.
  std::string UploadArchive(const TempFolder& folder) {
    const std::filesystem::path archive = blob_root_.path() / ("grader-" + NewUuid() + ".tar.gz");
    const std::string command =
        "tar -czf " + archive.string() + " -C " + folder.path().string() + " .";
    EXPECT_EQ(std::system(command.c_str()), 0);
    std::ifstream file(archive, std::ios::binary);
    std::stringstream bytes;
    bytes << file.rdbuf();
    const std::string key = "uploads/" + NewUuid();
    EXPECT_TRUE(blobs_->Put(key, bytes.str()).has_value());
    return key;
  }

  void AddSubmission(int64_t id, int64_t learner, const std::string& code,
                     int64_t created_at = NowMillis()) {
    const std::string key = "submissions/" + std::to_string(id) + "/double.py";
    ASSERT_TRUE(blobs_->Put(key, code).has_value());
    directory_.Add({id, kLab, learner, "", {{"double.py", key, static_cast<int64_t>(code.size())}},
                    created_at});
  }

  // Polls the submission's grading until its status is done or failed.
  v1::SubmissionGrading WaitForResult(int64_t submission_id, const CallContext& caller) {
    for (int i = 0; i < 600; ++i) {
      Result<v1::SubmissionGrading> grading =
          service_->GetSubmissionGrading(GradingRequest(submission_id), caller);
      if (grading && (grading->status() == "done" || grading->status() == "failed")) {
        return *grading;
      }
      std::this_thread::sleep_for(50ms);
    }
    ADD_FAILURE() << "submission " << submission_id << " was not graded in 30 s";
    return {};
  }

  TempFolder blob_root_;
  std::unique_ptr<Database> database_;
  std::unique_ptr<storage::BlobStore> blobs_;
  MemoryDirectory directory_;
  std::unique_ptr<GradingService> service_;
};

TEST_P(GradingServiceTest, GradesNewSubmissionWithVisibleView) {
  StartService();
  TempFolder grader;
  WriteDoubleGrader(grader);
  Result<v1::Grader> attached = service_->AttachGrader(
      AttachRequest(kLab, UploadArchive(grader), "double.tar.gz"), User(kAuthor));
  ASSERT_TRUE(attached.has_value()) << attached.error().message;
  EXPECT_EQ(attached->version(), 1);
  EXPECT_EQ(attached->test_count(), 2);
  EXPECT_EQ(attached->tests_size(), 2);
  EXPECT_EQ(attached->archive_name(), "double.tar.gz");
  v1::GetGraderRequest get;
  get.set_lab_id(kLab);
  Result<v1::Grader> public_view = service_->GetGrader(get, User(kLearner));
  ASSERT_TRUE(public_view.has_value());
  EXPECT_EQ(public_view->test_count(), 2);
  EXPECT_EQ(public_view->tests_size(), 0);
  EXPECT_FALSE(public_view->has_archive_name());
  AddSubmission(1, kLearner, "print(int(input()) * 2)\n");

  ASSERT_TRUE(service_->SubmissionCreated(1, kLab).has_value());
  const v1::SubmissionGrading learner_view = WaitForResult(1, User(kLearner));
  Result<v1::SubmissionGrading> author_view =
      service_->GetSubmissionGrading(GradingRequest(1), User(kAuthor));

  EXPECT_EQ(learner_view.status(), "done");
  EXPECT_EQ(learner_view.view(), "visible_tests");
  ASSERT_EQ(learner_view.results().tests_size(), 1);
  EXPECT_EQ(learner_view.results().tests(0).name(), "one");
  EXPECT_EQ(learner_view.hidden_tests(), 1);
  EXPECT_EQ(learner_view.score(), 1.0);
  EXPECT_GT(learner_view.results().execution_time(), 0.0);
  ASSERT_TRUE(author_view.has_value());
  EXPECT_EQ(author_view->view(), "all_tests");
  EXPECT_EQ(author_view->results().tests_size(), 2);
  EXPECT_EQ(author_view->score(), 2.0);
  EXPECT_FALSE(author_view->has_hidden_tests());
}

// The job folder is emptied when the workers start, because what is in it then was left by
// the jobs of a killed server. Jobs keep their temporary files there and remove them.
TEST_P(GradingServiceTest, StartEmptiesJobFolder) {
  const TempFolder scratch;
  // Sandbox uids pass through the scratch folder to their work directories.
  std::filesystem::permissions(scratch.path(), std::filesystem::perms(0711));
  const std::filesystem::path job_folder = scratch.path() / "jobs";
  scratch.Write("jobs/openlabs-sandbox-stale/core", "left by a killed server");
  GradingOptions options;
  options.runner.work_parent = job_folder;
  StartService(std::move(options));
  EXPECT_FALSE(std::filesystem::exists(job_folder / "openlabs-sandbox-stale"));
  EXPECT_EQ(std::filesystem::status(job_folder).permissions(), std::filesystem::perms(0711));

  TempFolder grader;
  WriteDoubleGrader(grader);
  ASSERT_TRUE(service_->AttachGrader(AttachRequest(kLab, UploadArchive(grader), "double.tar.gz"),
                                     User(kAuthor)));
  AddSubmission(1, kLearner, "print(int(input()) * 2)\n");
  ASSERT_TRUE(service_->SubmissionCreated(1, kLab).has_value());
  const v1::SubmissionGrading result = WaitForResult(1, User(kAuthor));

  EXPECT_EQ(result.status(), "done") << result.ShortDebugString();
  EXPECT_EQ(result.score(), 2.0) << result.ShortDebugString();
  EXPECT_TRUE(std::filesystem::is_empty(job_folder)) << "a job left files behind";
}

// A submission committed without its job, as when the process dies between the two steps,
// is queued when the workers start. One made before the grader was attached is not.
TEST_P(GradingServiceTest, StartQueuesSubmissionWithoutJob) {
  const int64_t before_grader = NowMillis() - 1000;
  TempFolder grader;
  WriteDoubleGrader(grader);
  service_ = MakeGradingService(*database_, *blobs_, directory_, {});
  ASSERT_TRUE(
      service_->AttachGrader(AttachRequest(kLab, UploadArchive(grader), "g.tgz"), User(kAuthor)));
  AddSubmission(1, kLearner, "print(int(input()) * 2)\n");
  AddSubmission(2, kOtherLearner, "print(int(input()) * 2)\n", before_grader);

  StartService();
  const v1::SubmissionGrading result = WaitForResult(1, User(kAuthor));

  EXPECT_EQ(result.status(), "done");
  EXPECT_EQ(result.score(), 2.0);
  Result<v1::SubmissionGrading> old =
      service_->GetSubmissionGrading(GradingRequest(2), User(kAuthor));
  ASSERT_FALSE(old.has_value());
  EXPECT_EQ(old.error().code, ErrorCode::kNotFound);
  Result<int> again = service_->QueueMissingJobs();
  ASSERT_TRUE(again.has_value());
  EXPECT_EQ(*again, 0);
}

// A new grader version continues the active period; a detach ends it.
TEST_P(GradingServiceTest, MissingJobsFollowActivePeriod) {
  service_ = MakeGradingService(*database_, *blobs_, directory_, {.workers = 0});
  TempFolder grader;
  WriteDoubleGrader(grader);
  ASSERT_TRUE(
      service_->AttachGrader(AttachRequest(kLab, UploadArchive(grader), "v1.tgz"), User(kAuthor)));
  AddSubmission(1, kLearner, "print(int(input()) * 2)\n");
  std::this_thread::sleep_for(5ms);
  ASSERT_TRUE(
      service_->AttachGrader(AttachRequest(kLab, UploadArchive(grader), "v2.tgz"), User(kAuthor)));

  Result<int> first = service_->QueueMissingJobs();
  ASSERT_TRUE(first.has_value()) << first.error().internal;
  EXPECT_EQ(*first, 1);

  v1::DetachGraderRequest detach;
  detach.set_lab_id(kLab);
  ASSERT_TRUE(service_->DetachGrader(detach, User(kAuthor)));
  AddSubmission(2, kOtherLearner, "print(int(input()) * 2)\n");
  std::this_thread::sleep_for(5ms);
  ASSERT_TRUE(
      service_->AttachGrader(AttachRequest(kLab, UploadArchive(grader), "v3.tgz"), User(kAuthor)));
  Result<int> second = service_->QueueMissingJobs();
  ASSERT_TRUE(second.has_value());
  EXPECT_EQ(*second, 0);
  Result<v1::SubmissionGrading> queued =
      service_->GetSubmissionGrading(GradingRequest(1), User(kAuthor));
  ASSERT_TRUE(queued.has_value());
  EXPECT_EQ(queued->status(), "queued");
  EXPECT_FALSE(queued->has_score());
}

TEST_P(GradingServiceTest, StrangerCannotReadResults) {
  StartService();
  TempFolder grader;
  WriteDoubleGrader(grader);
  ASSERT_TRUE(
      service_->AttachGrader(AttachRequest(kLab, UploadArchive(grader), "g.tgz"), User(kAuthor)));
  AddSubmission(1, kLearner, "print(int(input()) * 2)\n");
  ASSERT_TRUE(service_->SubmissionCreated(1, kLab).has_value());

  Result<v1::SubmissionGrading> stranger =
      service_->GetSubmissionGrading(GradingRequest(1), User(kOtherLearner));

  ASSERT_FALSE(stranger.has_value());
  EXPECT_EQ(stranger.error().code, ErrorCode::kNotFound);
}

TEST_P(GradingServiceTest, OnlyManagersAttachGraders) {
  StartService();
  TempFolder grader;
  WriteDoubleGrader(grader);

  Result<v1::Grader> learner =
      service_->AttachGrader(AttachRequest(kLab, UploadArchive(grader), "g.tgz"), User(kLearner));
  Result<v1::Grader> moderator = service_->AttachGrader(
      AttachRequest(kLab, UploadArchive(grader), "g.tgz"), User(kOtherLearner, "moderator"));
  Result<v1::Grader> missing_lab =
      service_->AttachGrader(AttachRequest(99, UploadArchive(grader), "g.tgz"), User(kAuthor));

  ASSERT_FALSE(learner.has_value());
  EXPECT_EQ(learner.error().code, ErrorCode::kPermissionDenied);
  ASSERT_TRUE(moderator.has_value());
  ASSERT_FALSE(missing_lab.has_value());
  EXPECT_EQ(missing_lab.error().code, ErrorCode::kNotFound);
}

TEST_P(GradingServiceTest, InvalidGraderIsRejectedWithDetails) {
  StartService();
  TempFolder grader;
  grader.Write("grader.toml", "run = \"cat\"\ncompare = \"roughly\"\n");
  grader.Write("tests/a.in", "x");
  const std::string garbage_key = "uploads/" + NewUuid();
  ASSERT_TRUE(blobs_->Put(garbage_key, "not an archive at all").has_value());

  Result<v1::Grader> invalid =
      service_->AttachGrader(AttachRequest(kLab, UploadArchive(grader), "g.tgz"), User(kAuthor));
  Result<v1::Grader> garbage =
      service_->AttachGrader(AttachRequest(kLab, garbage_key, "x"), User(kAuthor));

  ASSERT_FALSE(invalid.has_value());
  EXPECT_EQ(invalid.error().code, ErrorCode::kValidationFailed);
  std::vector<std::string> fields;
  for (const FieldViolation& violation : invalid.error().details) {
    fields.push_back(violation.field);
  }
  EXPECT_NE(std::find(fields.begin(), fields.end(), "grader/compare"), fields.end());
  EXPECT_NE(std::find(fields.begin(), fields.end(), "grader/tests/a.out"), fields.end());
  ASSERT_FALSE(garbage.has_value());
  EXPECT_EQ(garbage.error().code, ErrorCode::kValidationFailed);
  EXPECT_FALSE(blobs_->Stat(garbage_key).has_value()) << "the upload must be deleted";
}

TEST_P(GradingServiceTest, RegradeReportsChangedScores) {
  StartService();
  TempFolder grader;
  WriteDoubleGrader(grader);
  ASSERT_TRUE(
      service_->AttachGrader(AttachRequest(kLab, UploadArchive(grader), "g.tgz"), User(kAuthor)));
  AddSubmission(1, kLearner, "print(int(input()) * 2)\n");
  AddSubmission(2, kOtherLearner, "n = int(input())\nprint(2 if n == 1 else 0)\n");
  ASSERT_TRUE(service_->SubmissionCreated(1, kLab).has_value());
  ASSERT_TRUE(service_->SubmissionCreated(2, kLab).has_value());
  EXPECT_EQ(WaitForResult(1, User(kAuthor)).score(), 2.0);
  EXPECT_EQ(WaitForResult(2, User(kAuthor)).score(), 1.0);

  // The new grader expects 201 for 100: the first program now fails that test, and the second
  // failed it already.
  TempFolder changed;
  WriteDoubleGrader(changed, "201\n");
  ASSERT_TRUE(
      service_->AttachGrader(AttachRequest(kLab, UploadArchive(changed), "g2.tgz"), User(kAuthor)));
  v1::RegradeRequest regrade;
  regrade.set_lab_id(kLab);
  Result<v1::RegradeResponse> batch = service_->Regrade(regrade, User(kAuthor));
  ASSERT_TRUE(batch.has_value()) << batch.error().message;
  EXPECT_EQ(batch->queued(), 2);
  EXPECT_EQ(batch->grader_version(), 2);
  const std::string batch_id = batch->batch();
  v1::ListGradingJobsResponse jobs;
  for (int i = 0; i < 600; ++i) {
    Result<v1::ListGradingJobsResponse> listed =
        service_->ListGradingJobs(JobsRequest(kLab, batch_id), User(kAuthor));
    ASSERT_TRUE(listed.has_value());
    jobs = *listed;
    if (jobs.done() == 2) {
      break;
    }
    std::this_thread::sleep_for(50ms);
  }

  ASSERT_EQ(jobs.done(), 2);
  EXPECT_EQ(jobs.changed(), 1);
  EXPECT_EQ(jobs.batch(), batch_id);
  for (const v1::GradingJob& item : jobs.items()) {
    EXPECT_EQ(item.batch(), batch_id);
    ASSERT_TRUE(item.has_score_changed());
    if (item.submission_id() == 1) {
      EXPECT_EQ(item.previous_score(), 2.0);
      EXPECT_EQ(item.score(), 1.0);
      EXPECT_TRUE(item.score_changed());
    } else {
      EXPECT_EQ(item.previous_score(), 1.0);
      EXPECT_EQ(item.score(), 1.0);
      EXPECT_FALSE(item.score_changed());
    }
  }
  Result<v1::ListGradingJobsResponse> learner_list =
      service_->ListGradingJobs(JobsRequest(kLab, batch_id), User(kLearner));
  Result<v1::ListGradingJobsResponse> malformed =
      service_->ListGradingJobs(JobsRequest(kLab, "not-a-batch"), User(kAuthor));
  ASSERT_FALSE(learner_list.has_value());
  EXPECT_EQ(learner_list.error().code, ErrorCode::kPermissionDenied);
  ASSERT_FALSE(malformed.has_value());
  EXPECT_EQ(malformed.error().code, ErrorCode::kValidationFailed);
}

TEST_P(GradingServiceTest, MachineryFailureIsRetriedThenFailed) {
  GradingOptions options;
  options.max_attempts = 2;
  options.runner.bwrap_path = "/nonexistent/bwrap";
  StartService(options);
  TempFolder grader;
  WriteDoubleGrader(grader);
  ASSERT_TRUE(
      service_->AttachGrader(AttachRequest(kLab, UploadArchive(grader), "g.tgz"), User(kAuthor)));
  AddSubmission(1, kLearner, "print(int(input()) * 2)\n");

  ASSERT_TRUE(service_->SubmissionCreated(1, kLab).has_value());
  const v1::SubmissionGrading result = WaitForResult(1, User(kAuthor));

  EXPECT_EQ(result.status(), "failed");
  EXPECT_EQ(result.attempts(), 2);
  EXPECT_FALSE(result.has_score());
  EXPECT_NE(result.error().find("bwrap"), std::string::npos);
}

TEST_P(GradingServiceTest, SimilarityFindsRenamedCopy) {
  StartService();
  const std::string original =
      "def solve(numbers):\n    total = 0\n    for value in numbers:\n"
      "        if value % 2 == 0:\n            total += value * value\n"
      "        else:\n            total -= value\n    return total\n\n"
      "print(solve([int(x) for x in input().split()]))\n";
  const std::string renamed =
      "def f(xs):\n    s = 0\n    for v in xs:\n        if v % 2 == 0:\n"
      "            s += v * v\n        else:\n            s -= v\n    return s\n"
      "print(f([int(t) for t in input().split()]))\n";
  const std::string different =
      "import sys\ndata = sys.stdin.read().split()\n"
      "print(max(map(int, data)) if data else 0)\n";
  AddSubmission(1, kLearner, original);
  AddSubmission(2, kOtherLearner, renamed);
  AddSubmission(3, 202, different);

  Result<v1::SimilarityReport> report =
      service_->FindSimilarSubmissions(SimilarRequest(kLab, 0.5), User(kAuthor));
  Result<v1::SimilarityReport> denied =
      service_->FindSimilarSubmissions(SimilarRequest(kLab, 0.5), User(kLearner));
  Result<v1::SimilarityReport> not_a_number = service_->FindSimilarSubmissions(
      SimilarRequest(kLab, std::numeric_limits<double>::quiet_NaN()), User(kAuthor));

  ASSERT_TRUE(report.has_value()) << report.error().message;
  EXPECT_EQ(report->submissions_compared(), 3);
  ASSERT_EQ(report->pairs_size(), 1);
  const v1::SimilarSubmissionPair& pair = report->pairs(0);
  EXPECT_EQ(pair.submission_a() + pair.submission_b(), 3);
  ASSERT_GT(pair.regions_size(), 0);
  EXPECT_NE(pair.regions(0).a().text().find("for"), std::string::npos);
  ASSERT_FALSE(denied.has_value());
  EXPECT_EQ(denied.error().code, ErrorCode::kPermissionDenied);
  ASSERT_FALSE(not_a_number.has_value());
  EXPECT_EQ(not_a_number.error().code, ErrorCode::kValidationFailed);
}

INSTANTIATE_TEST_SUITE_P(Engines, GradingServiceTest, ::testing::ValuesIn(storage::TestDialects()),
                         [](const ::testing::TestParamInfo<Dialect>& info) {
                           return storage::DialectName(info.param);
                         });

}  // namespace
}  // namespace openlabs::grading
