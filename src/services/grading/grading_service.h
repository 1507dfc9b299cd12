// The grading service: graders attached to labs, grading jobs for submissions with a worker
// pool, regrading, and similarity reports. Part of the assistant service of the design, kept in
// its own library.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "common/call_context.h"
#include "common/clock.h"
#include "common/error.h"
#include "openlabs/v1/labs.pb.h"
#include "services/grading/grader_runner.h"
#include "services/grading/rubric.h"
#include "storage/blob_store.h"
#include "storage/database.h"
#include "storage/migrations.h"

namespace openlabs::grading {

// A submission as the grader reads it: its files in the blob store.
struct SubmissionFileRef {
  std::string filename;
  std::string blob_key;
  int64_t size = 0;
};

struct SubmissionSnapshot {
  int64_t id = 0;
  int64_t lab_id = 0;
  int64_t learner_id = 0;
  std::string text;  // the learner's Markdown
  std::vector<SubmissionFileRef> files;
  int64_t created_at = 0;  // Unix milliseconds
};

// The caller's relation to a submission.
struct SubmissionAccess {
  int64_t lab_id = 0;
  int64_t learner_id = 0;
  int64_t lab_author_id = 0;
  bool can_read = false;  // submitter, lab author, reviewers and moderators
};

// The grading service's view of the labs and submissions services, which the platform adapts
// to it. Implementations are thread-safe.
class SubmissionDirectory {
 public:
  virtual ~SubmissionDirectory() = default;
  // The lab's author; kNotFound when the lab does not exist.
  virtual Result<int64_t> GetLabAuthor(int64_t lab_id) = 0;
  // kNotFound when the submission was deleted.
  virtual Result<SubmissionSnapshot> GetSubmission(int64_t submission_id) = 0;
  // The lab's title, description and body. kNotFound when the lab does not exist.
  virtual Result<LabText> GetLabText(int64_t lab_id) = 0;
  // The ids of the lab's submissions, newest first, at most `limit`.
  virtual Result<std::vector<int64_t>> ListLabSubmissions(int64_t lab_id, int limit) = 0;
  // The ids of the lab's submissions created at or after `since_millis` (Unix milliseconds),
  // newest first, at most `limit`.
  virtual Result<std::vector<int64_t>> ListLabSubmissionsSince(int64_t lab_id,
                                                               int64_t since_millis,
                                                               int limit) = 0;
  // kNotFound when the submission does not exist.
  virtual Result<SubmissionAccess> GetAccess(int64_t submission_id, const CallContext& caller) = 0;
};

struct GradingOptions {
  int workers = 2;  // 0 runs no jobs in this process (they wait in the database)
  int64_t lease_millis = 60'000;
  int max_attempts = 3;
  int64_t retry_base_millis = 5'000;
  int64_t poll_millis = 1'000;  // how often idle workers look for due jobs
  // How often QueueMissingJobs runs after the one at Start.
  int64_t reconcile_interval_millis = 300'000;
  int64_t max_archive_bytes = int64_t{64} << 20;
  int max_regrade_submissions = 10'000;
  int max_similarity_submissions = 300;
  RunnerOptions runner;
  // The language model that writes rubric review drafts; unset: no drafts.
  RubricModel rubric_model;
  // Size limits of the submission's files and the lab's text in the model request.
  RubricPromptLimits rubric_prompt_limits;
  int64_t rubric_lease_millis = 300'000;  // longer than the model client's timeout
  std::function<int64_t()> now_millis = NowMillis;
};

// The C++ interface of the Grading service of grading.proto.
//
// Access: the lab's author and moderators manage graders, regrade and read similarity reports.
// A submission's grading result is readable by anyone who may read the submission. The
// submitter gets the visible tests only, and everyone else all of them. Thread-safe.
class GradingService {
 public:
  virtual ~GradingService() = default;

  // Validates the grader archive stored at `request.upload_key` and attaches it to the lab as
  // its next version. The upload blob is deleted either way. kValidationFailed lists what is
  // wrong with the grader.
  virtual Result<v1::Grader> AttachGrader(const v1::AttachGraderRequest& request,
                                          const CallContext& caller) = 0;
  // The lab's current grader. kNotFound when it has none.
  virtual Result<v1::Grader> GetGrader(const v1::GetGraderRequest& request,
                                       const CallContext& caller) = 0;
  // Detaches the grader: new submissions are no longer graded. Results stay.
  virtual Result<v1::DetachGraderResponse> DetachGrader(const v1::DetachGraderRequest& request,
                                                        const CallContext& caller) = 0;

  // Queues the grading of a new submission when its lab has a grader, and its rubric review
  // draft when the lab's rubric is enabled and a model is configured. Idempotent.
  virtual Status SubmissionCreated(int64_t submission_id, int64_t lab_id) = 0;

  // Queues what SubmissionCreated should have queued but is missing, for example because the
  // process died between the submission's commit and SubmissionCreated. Each submission made
  // since its lab's grader became active gets a grading job. While a model is configured, each
  // submission made since its lab's rubric was enabled gets a rubric review draft. Returns the
  // number queued. Start runs it once and then every reconcile_interval_millis.
  virtual Result<int> QueueMissingJobs() = 0;

  // Whether a grading worker has started on the submission: it has claimed one of its jobs, the
  // one queued with the submission or a regrade, and so may have read its files.
  virtual Result<bool> GradingStarted(int64_t submission_id) = 0;

  // The submission's newest grading job: status and, once done, the results.
  virtual Result<v1::SubmissionGrading> GetSubmissionGrading(
      const v1::GetSubmissionGradingRequest& request, const CallContext& caller) = 0;
  // Queues every submission of the lab with the current grader, as one batch.
  virtual Result<v1::RegradeResponse> Regrade(const v1::RegradeRequest& request,
                                              const CallContext& caller) = 0;
  // The jobs of a batch (empty: those queued with the submissions), with each score beside
  // the score before the batch and whether it changed. kValidationFailed when `batch` is not
  // a batch id.
  virtual Result<v1::ListGradingJobsResponse> ListGradingJobs(
      const v1::ListGradingJobsRequest& request, const CallContext& caller) = 0;
  // Pairs of the lab's submissions by different learners whose code similarity reaches
  // `threshold`, with the matching lines side by side. kValidationFailed unless the threshold
  // is a number from 0 to 1.
  virtual Result<v1::SimilarityReport> FindSimilarSubmissions(
      const v1::FindSimilarSubmissionsRequest& request, const CallContext& caller) = 0;

  // Sets the lab's rubric for machine-written review drafts of new submissions. The lab's
  // author and moderators only.
  virtual Result<v1::Rubric> PutRubric(const v1::PutRubricRequest& request,
                                       const CallContext& caller) = 0;
  // The lab's rubric; kNotFound when the author has set none.
  virtual Result<v1::Rubric> GetRubric(const v1::GetRubricRequest& request,
                                       const CallContext& caller) = 0;
  // Whether the lab has or had a grader, a rubric and, with a configured model, drafts. Does
  // not check that the lab exists, and needs no rights, because the lab's page shows it to all.
  virtual Result<v1::LabGrading> GetLabGrading(int64_t lab_id) = 0;
  // The machine-written draft of a submission, for those who may read the submission except
  // its learner. kFailedPrecondition when no model is configured.
  virtual Result<v1::RubricReview> GetRubricReview(const v1::GetRubricReviewRequest& request,
                                                   const CallContext& caller) = 0;

  // Starts the worker threads and the reconciliation; Stop lets running jobs finish, then
  // joins them.
  virtual void Start() = 0;
  virtual void Stop() = 0;
};

// The SQL implementation. Tables "lab_graders", "grading_jobs", "lab_rubrics" and
// "rubric_reviews"; blobs under "grading/".
std::unique_ptr<GradingService> MakeGradingService(storage::Database& database,
                                                   storage::BlobStore& blobs,
                                                   SubmissionDirectory& directory,
                                                   GradingOptions options);

}  // namespace openlabs::grading

namespace openlabs {
// The grading service's migrations (generated from migrations/).
std::span<const storage::Migration> GradingMigrations();
}  // namespace openlabs
