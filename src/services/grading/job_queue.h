// The grading jobs table as a durable queue shared by every server process of one database.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/error.h"
#include "services/grading/grade_report.h"
#include "services/grading/leased_queue.h"
#include "storage/database.h"

namespace openlabs::grading {

// A job this process has claimed; only the holder of `lease_token` may finish it.
struct ClaimedJob {
  int64_t id = 0;
  int64_t submission_id = 0;
  int64_t lab_id = 0;
  int64_t grader_id = 0;
  int attempts = 0;  // including this one
  std::string lease_token;
};

struct JobRow {
  int64_t id = 0;
  int64_t submission_id = 0;
  int64_t lab_id = 0;
  int64_t grader_id = 0;
  std::string batch;  // empty for the job queued with the submission
  std::string status;
  int attempts = 0;
  std::optional<double> score;
  std::optional<double> max_score;
  std::optional<double> previous_score;
  std::string result_json;
  std::string error;
  int64_t created_at = 0;
  int64_t updated_at = 0;
  std::optional<int64_t> finished_at;
};

// Thread-safe: every call runs in its own transaction.
class JobQueue {
 public:
  JobQueue(storage::Database& database, JobQueueOptions options)
      : database_(database), leases_("grading_jobs", "grading job", std::move(options)) {}

  // Queues a job. The job of a new submission (empty `batch`) is queued at most once; a regrade
  // batch contains at most one job per submission. Returns false when the job already existed.
  Result<bool> Enqueue(int64_t submission_id, int64_t lab_id, int64_t grader_id,
                       const std::string& batch, std::optional<double> previous_score);

  // Takes the oldest queued job that is due, or a running job whose lease has expired (its
  // worker died). A job whose lease expired max_attempts times is marked failed instead.
  Result<std::optional<ClaimedJob>> Claim();

  // Extends the lease; false when the job is no longer held with this token.
  Result<bool> Renew(const ClaimedJob& job);

  // Stores the report: status done, or failed when the grader reported a grader error. False
  // when the lease was lost, and then nothing is written.
  Result<bool> Complete(const ClaimedJob& job, const GradeReport& report);

  // Records a failure of the machinery: queued again after a backoff while attempts remain,
  // else failed. `retryable` false fails the job at once.
  Result<bool> Fail(const ClaimedJob& job, const std::string& error, bool retryable);

  // The ids among `submission_ids` that have no job queued with the submission (empty batch),
  // in the given order.
  Result<std::vector<int64_t>> WithoutInitialJob(const std::vector<int64_t>& submission_ids);

  Result<std::optional<JobRow>> Latest(int64_t submission_id);
  // Whether a worker has claimed any job of the submission, at least once.
  Result<bool> AnyClaimed(int64_t submission_id);
  // The score of the submission's newest finished job.
  Result<std::optional<double>> LatestScore(int64_t submission_id);
  // The lab's jobs of one batch (empty: the jobs queued with submissions), oldest first.
  Result<std::vector<JobRow>> ListForLab(int64_t lab_id, const std::string& batch, int limit);

 private:
  storage::Database& database_;
  LeasedQueue leases_;
};

}  // namespace openlabs::grading
