// Claims, leases and retries with backoff for the tables that serve as durable work queues
// shared by every server process of one database: grading_jobs and rubric_reviews.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "common/clock.h"
#include "storage/database.h"

namespace openlabs::grading {

struct JobQueueOptions {
  int64_t lease_millis = 60'000;
  int max_attempts = 3;
  int64_t retry_base_millis = 5'000;  // first retry delay, doubled on each further retry
  std::function<int64_t()> now_millis = NowMillis;
};

// A row that this process has claimed. Only the holder of `token` may finish it.
struct Lease {
  int64_t id = 0;
  int64_t submission_id = 0;
  int attempts = 0;  // including this one
  std::string token;
};

// The queue logic of a table with the columns id, submission_id, status ("queued", "running",
// "done" or "failed"), attempts, run_after, lease_token, lease_expires_at, error, finished_at and
// updated_at. Each call runs inside the caller's transaction.
class LeasedQueue {
 public:
  // `table` is a table name written into the SQL, so it must be a constant of the code. `noun`
  // names a row in log lines, such as "grading job".
  LeasedQueue(std::string table, std::string noun, JobQueueOptions options)
      : table_(std::move(table)), noun_(std::move(noun)), options_(std::move(options)) {}

  // Takes the oldest queued row that is due, or a running row whose lease has expired (its
  // worker died). A row whose lease expired max_attempts times is marked failed instead, and
  // the next row is tried.
  std::optional<Lease> Claim(soci::session& session) const;

  // Extends the lease. Returns false when the row is no longer held with this token.
  bool Renew(soci::session& session, const Lease& lease) const;

  // Records a failed attempt. The row is queued again after a backoff (retry_base_millis,
  // doubled for each earlier attempt) while attempts remain and `retryable`, and failed
  // otherwise. Returns false when the lease was lost, and then nothing is written.
  bool RecordFailure(soci::session& session, const Lease& lease, const std::string& error,
                     bool retryable) const;

  // The SQL condition of a row held under a lease, with the parameters :id and :token.
  static constexpr const char* kHeld = "id = :id AND status = 'running' AND lease_token = :token";

  const JobQueueOptions& options() const { return options_; }

 private:
  std::string table_;
  std::string noun_;
  JobQueueOptions options_;
};

// The ids among `submission_ids` that no row of `table` has in its submission_id column, in the
// given order. Only rows that match `condition` (SQL, empty for all rows) count. Both are
// written into the SQL, so they must be constants of the code.
std::vector<int64_t> SubmissionsWithoutRow(soci::session& session, const std::string& table,
                                           const std::string& condition,
                                           const std::vector<int64_t>& submission_ids);

}  // namespace openlabs::grading
