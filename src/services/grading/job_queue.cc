#include "services/grading/job_queue.h"

namespace openlabs::grading {
namespace {

constexpr const char* kJobColumns =
    "id, submission_id, lab_id, grader_id, batch, status, attempts, score, max_score, "
    "previous_score, result_json, error, created_at, updated_at, finished_at";

// Receives one row of kJobColumns; indicators carry the NULLs.
struct JobBuffer {
  long long id = 0, submission_id = 0, lab_id = 0, grader_id = 0;
  std::string batch, status, result_json, error;
  int attempts = 0;
  double score = 0, max_score = 0, previous_score = 0;
  long long created_at = 0, updated_at = 0, finished_at = 0;
  soci::indicator batch_null{}, score_null{}, max_null{}, previous_null{}, result_null{},
      error_null{}, finished_null{};

  void Bind(soci::statement& statement) {
    statement.exchange(soci::into(id));
    statement.exchange(soci::into(submission_id));
    statement.exchange(soci::into(lab_id));
    statement.exchange(soci::into(grader_id));
    statement.exchange(soci::into(batch, batch_null));
    statement.exchange(soci::into(status));
    statement.exchange(soci::into(attempts));
    statement.exchange(soci::into(score, score_null));
    statement.exchange(soci::into(max_score, max_null));
    statement.exchange(soci::into(previous_score, previous_null));
    statement.exchange(soci::into(result_json, result_null));
    statement.exchange(soci::into(error, error_null));
    statement.exchange(soci::into(created_at));
    statement.exchange(soci::into(updated_at));
    statement.exchange(soci::into(finished_at, finished_null));
  }

  JobRow Take() const {
    JobRow row;
    row.id = id;
    row.submission_id = submission_id;
    row.lab_id = lab_id;
    row.grader_id = grader_id;
    row.batch = batch_null == soci::i_ok ? batch : "";
    row.status = status;
    row.attempts = attempts;
    if (score_null == soci::i_ok) {
      row.score = score;
    }
    if (max_null == soci::i_ok) {
      row.max_score = max_score;
    }
    if (previous_null == soci::i_ok) {
      row.previous_score = previous_score;
    }
    row.result_json = result_null == soci::i_ok ? result_json : "";
    row.error = error_null == soci::i_ok ? error : "";
    row.created_at = created_at;
    row.updated_at = updated_at;
    if (finished_null == soci::i_ok) {
      row.finished_at = finished_at;
    }
    return row;
  }
};

// Runs `sql` (which selects kJobColumns) and collects the rows.
template <typename... Uses>
std::vector<JobRow> SelectJobs(soci::session& session, const std::string& sql, Uses&&... uses) {
  JobBuffer buffer;
  soci::statement statement(session);
  statement.alloc();
  statement.prepare(sql);
  (statement.exchange(std::forward<Uses>(uses)), ...);
  buffer.Bind(statement);
  statement.define_and_bind();
  std::vector<JobRow> rows;
  if (statement.execute(true)) {
    do {
      rows.push_back(buffer.Take());
    } while (statement.fetch());
  }
  return rows;
}

Lease HeldLease(const ClaimedJob& job) {
  return Lease{.id = job.id,
               .submission_id = job.submission_id,
               .attempts = job.attempts,
               .token = job.lease_token};
}

}  // namespace

Result<bool> JobQueue::Enqueue(int64_t submission_id, int64_t lab_id, int64_t grader_id,
                               const std::string& batch, std::optional<double> previous_score) {
  return database_.InTransaction<bool>([&](soci::session& session) -> Result<bool> {
    const long long now = leases_.options().now_millis();
    const long long submission = submission_id;
    const long long lab = lab_id;
    const long long grader = grader_id;
    soci::indicator batch_null = batch.empty() ? soci::i_null : soci::i_ok;
    const double previous = previous_score.value_or(0);
    soci::indicator previous_null = previous_score ? soci::i_ok : soci::i_null;
    try {
      session << "INSERT INTO grading_jobs (submission_id, lab_id, grader_id, batch, status, "
                 "run_after, previous_score, created_at, updated_at) VALUES (:submission, :lab, "
                 ":grader, :batch, 'queued', :run_after, :previous, :created, :updated)",
          soci::use(submission), soci::use(lab), soci::use(grader), soci::use(batch, batch_null),
          soci::use(now), soci::use(previous, previous_null), soci::use(now), soci::use(now);
    } catch (const soci::soci_error& error) {
      if (storage::IsUniqueViolation(error)) {
        return false;
      }
      throw;
    }
    return true;
  });
}

Result<std::optional<ClaimedJob>> JobQueue::Claim() {
  return database_.InTransaction<std::optional<ClaimedJob>>(
      [&](soci::session& session) -> Result<std::optional<ClaimedJob>> {
        const std::optional<Lease> lease = leases_.Claim(session);
        if (!lease) {
          return std::optional<ClaimedJob>();
        }
        const long long id = lease->id;
        long long lab = 0, grader = 0;
        session << "SELECT lab_id, grader_id FROM grading_jobs WHERE id = :id", soci::use(id),
            soci::into(lab), soci::into(grader);
        ClaimedJob job;
        job.id = lease->id;
        job.submission_id = lease->submission_id;
        job.lab_id = lab;
        job.grader_id = grader;
        job.attempts = lease->attempts;
        job.lease_token = lease->token;
        return std::optional<ClaimedJob>(std::move(job));
      });
}

Result<bool> JobQueue::Renew(const ClaimedJob& job) {
  return database_.InTransaction<bool>([&](soci::session& session) -> Result<bool> {
    return leases_.Renew(session, HeldLease(job));
  });
}

Result<bool> JobQueue::Complete(const ClaimedJob& job, const GradeReport& report) {
  const std::string result_json = ReportToJson(report).dump();
  return database_.InTransaction<bool>([&](soci::session& session) -> Result<bool> {
    const long long now = leases_.options().now_millis();
    const long long id = job.id;
    const std::string status = report.grader_error.empty() ? "done" : "failed";
    const std::string error = report.grader_error;
    soci::indicator error_null = error.empty() ? soci::i_null : soci::i_ok;
    soci::indicator score_null = error.empty() ? soci::i_ok : soci::i_null;
    soci::statement update =
        (session.prepare << "UPDATE grading_jobs SET status = :status, score = :score, max_score "
                            "= :max_score, result_json = :result, error = :error, lease_token = "
                            "NULL, lease_expires_at = NULL, finished_at = :finished, updated_at = "
                            ":updated WHERE " +
                                std::string(LeasedQueue::kHeld),
         soci::use(status), soci::use(report.score, score_null),
         soci::use(report.max_score, score_null), soci::use(result_json),
         soci::use(error, error_null), soci::use(now), soci::use(now), soci::use(id),
         soci::use(job.lease_token));
    update.execute(true);
    return update.get_affected_rows() > 0;
  });
}

Result<bool> JobQueue::Fail(const ClaimedJob& job, const std::string& error, bool retryable) {
  return database_.InTransaction<bool>([&](soci::session& session) -> Result<bool> {
    return leases_.RecordFailure(session, HeldLease(job), error, retryable);
  });
}

Result<std::optional<JobRow>> JobQueue::Latest(int64_t submission_id) {
  return database_.WithSession<std::optional<JobRow>>(
      [&](soci::session& session) -> Result<std::optional<JobRow>> {
        const long long submission = submission_id;
        std::vector<JobRow> rows = SelectJobs(
            session,
            "SELECT " + std::string(kJobColumns) +
                " FROM grading_jobs WHERE submission_id = :submission ORDER BY id DESC LIMIT 1",
            soci::use(submission));
        if (rows.empty()) {
          return std::optional<JobRow>();
        }
        return std::optional<JobRow>(std::move(rows.front()));
      });
}

Result<bool> JobQueue::AnyClaimed(int64_t submission_id) {
  return database_.WithSession<bool>([&](soci::session& session) -> Result<bool> {
    const long long submission = submission_id;
    long long claimed = 0;
    session << "SELECT COUNT(*) FROM grading_jobs WHERE submission_id = :submission AND "
               "attempts > 0",
        soci::use(submission), soci::into(claimed);
    return claimed > 0;
  });
}

Result<std::vector<int64_t>> JobQueue::WithoutInitialJob(
    const std::vector<int64_t>& submission_ids) {
  return database_.WithSession<std::vector<int64_t>>(
      [&](soci::session& session) -> Result<std::vector<int64_t>> {
        return SubmissionsWithoutRow(session, "grading_jobs", "batch IS NULL", submission_ids);
      });
}

Result<std::optional<double>> JobQueue::LatestScore(int64_t submission_id) {
  return database_.WithSession<std::optional<double>>(
      [&](soci::session& session) -> Result<std::optional<double>> {
        const long long submission = submission_id;
        std::vector<JobRow> rows =
            SelectJobs(session,
                       "SELECT " + std::string(kJobColumns) +
                           " FROM grading_jobs WHERE submission_id = :submission AND status = "
                           "'done' ORDER BY id DESC LIMIT 1",
                       soci::use(submission));
        if (rows.empty()) {
          return std::optional<double>();
        }
        return rows.front().score;
      });
}

Result<std::vector<JobRow>> JobQueue::ListForLab(int64_t lab_id, const std::string& batch,
                                                 int limit) {
  return database_.WithSession<std::vector<JobRow>>(
      [&](soci::session& session) -> Result<std::vector<JobRow>> {
        const long long lab = lab_id;
        const long long max_rows = limit;
        if (batch.empty()) {
          return SelectJobs(session,
                            "SELECT " + std::string(kJobColumns) +
                                " FROM grading_jobs WHERE lab_id = :lab AND batch IS NULL ORDER "
                                "BY id LIMIT :limit",
                            soci::use(lab), soci::use(max_rows));
        }
        return SelectJobs(session,
                          "SELECT " + std::string(kJobColumns) +
                              " FROM grading_jobs WHERE lab_id = :lab AND batch = :batch ORDER BY "
                              "id LIMIT :limit",
                          soci::use(lab), soci::use(batch), soci::use(max_rows));
      });
}

}  // namespace openlabs::grading
