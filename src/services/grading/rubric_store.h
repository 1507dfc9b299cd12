// The lab_rubrics table, and the rubric_reviews table as a durable queue of draft requests.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/error.h"
#include "services/grading/leased_queue.h"
#include "services/grading/rubric.h"
#include "storage/database.h"

namespace openlabs::grading {

// A draft request this process has claimed; only the holder of `lease_token` may finish it.
struct RubricJob {
  int64_t id = 0;
  int64_t submission_id = 0;
  int64_t lab_id = 0;
  int attempts = 0;  // including this one
  std::string lease_token;
  v1::Rubric rubric;
};

// A lab whose rubric is enabled, and the time since which it has been without a gap.
struct EnabledRubric {
  int64_t lab_id = 0;
  int64_t enabled_since = 0;  // Unix milliseconds
};

// Thread-safe: every call runs in its own transaction. Leases, attempts and backoff are those of
// grading jobs (LeasedQueue).
class RubricStore {
 public:
  RubricStore(storage::Database& database, JobQueueOptions options)
      : database_(database), leases_("rubric_reviews", "rubric review", std::move(options)) {}

  // Creates or replaces the lab's rubric and returns it with its times. Enabling a disabled
  // rubric starts a new enabled period, and disabling one ends it.
  Result<v1::Rubric> Save(const v1::Rubric& rubric, int64_t user_id);
  Result<std::optional<v1::Rubric>> Load(int64_t lab_id);
  // The labs whose rubric is enabled, by lab id.
  Result<std::vector<EnabledRubric>> ListEnabled();

  // Queues the draft of a submission with the rubric as it is now. False when the submission
  // already has one.
  Result<bool> Enqueue(int64_t submission_id, const v1::Rubric& rubric);
  // Takes the oldest due request, or a running one whose lease expired. A request whose lease
  // expired max_attempts times is marked failed instead.
  Result<std::optional<RubricJob>> Claim();
  // False when the lease was lost, and then nothing is written.
  Result<bool> Complete(const RubricJob& job, const RubricDraft& draft, const std::string& model);
  // Records a failed attempt: queued again after a backoff while attempts remain and
  // `retryable`, else failed. `error` is kept for the reviewers to read.
  Result<bool> RecordFailure(const RubricJob& job, const std::string& error, bool retryable);

  Result<std::optional<v1::RubricReview>> Find(int64_t submission_id);
  // The ids among `submission_ids` that have no draft, in the given order.
  Result<std::vector<int64_t>> WithoutReview(const std::vector<int64_t>& submission_ids);

 private:
  storage::Database& database_;
  LeasedQueue leases_;
};

}  // namespace openlabs::grading
