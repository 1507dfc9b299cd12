#include "services/grading/job_queue.h"

#include <spdlog/spdlog.h>

#include <set>

#include "common/random.h"

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

// The condition of a claimable job: due and queued, or running with an expired lease.
constexpr const char* kClaimable =
    "((status = 'queued' AND run_after <= :now) OR (status = 'running' AND lease_expires_at < "
    ":now2))";

}  // namespace

Result<bool> JobQueue::Enqueue(int64_t submission_id, int64_t lab_id, int64_t grader_id,
                               const std::string& batch, std::optional<double> previous_score) {
  return database_.InTransaction<bool>([&](soci::session& session) -> Result<bool> {
    const long long now = options_.now_millis();
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
        const long long now = options_.now_millis();
        // A few rounds, because a job that used up its attempts is failed and the next one tried.
        for (int round = 0; round < 16; ++round) {
          ClaimedJob job;
          long long id = 0, submission = 0, lab = 0, grader = 0;
          std::string status;
          soci::indicator found = soci::i_null;
          session << "SELECT id, submission_id, lab_id, grader_id, attempts, status FROM "
                     "grading_jobs WHERE " +
                         std::string(kClaimable) + " ORDER BY id LIMIT 1",
              soci::use(now, "now"), soci::use(now, "now2"), soci::into(id, found),
              soci::into(submission), soci::into(lab), soci::into(grader), soci::into(job.attempts),
              soci::into(status);
          if (found != soci::i_ok || !session.got_data()) {
            return std::optional<ClaimedJob>();
          }
          if (status == "running" && job.attempts >= options_.max_attempts) {
            const std::string error = "the grading process stopped during each of " +
                                      std::to_string(job.attempts) + " attempts";
            session << "UPDATE grading_jobs SET status = 'failed', error = :error, lease_token = "
                       "NULL, lease_expires_at = NULL, finished_at = :now, updated_at = :now2 "
                       "WHERE id = :id",
                soci::use(error), soci::use(now), soci::use(now), soci::use(id);
            spdlog::error("grading job {} of submission {} failed: {}", id, submission, error);
            continue;
          }
          job.lease_token = RandomToken(16);
          const long long expires = now + options_.lease_millis;
          soci::statement update =
              (session.prepare << "UPDATE grading_jobs SET status = 'running', attempts = "
                                  "attempts + 1, lease_token = :token, lease_expires_at = "
                                  ":expires, updated_at = :updated WHERE id = :id AND " +
                                      std::string(kClaimable),
               soci::use(job.lease_token, "token"), soci::use(expires, "expires"),
               soci::use(now, "updated"), soci::use(id, "id"), soci::use(now, "now"),
               soci::use(now, "now2"));
          update.execute(true);
          if (update.get_affected_rows() == 0) {
            continue;  // another process took it first
          }
          if (status == "running") {
            spdlog::warn("grading job {} of submission {}: lease expired, taking it over", id,
                         submission);
          }
          job.id = id;
          job.submission_id = submission;
          job.lab_id = lab;
          job.grader_id = grader;
          job.attempts += 1;
          return std::optional<ClaimedJob>(std::move(job));
        }
        return std::optional<ClaimedJob>();
      });
}

Result<bool> JobQueue::Renew(const ClaimedJob& job) {
  return database_.InTransaction<bool>([&](soci::session& session) -> Result<bool> {
    const long long expires = options_.now_millis() + options_.lease_millis;
    const long long id = job.id;
    soci::statement update =
        (session.prepare << "UPDATE grading_jobs SET lease_expires_at = :expires WHERE id = :id "
                            "AND status = 'running' AND lease_token = :token",
         soci::use(expires), soci::use(id), soci::use(job.lease_token));
    update.execute(true);
    return update.get_affected_rows() > 0;
  });
}

Result<bool> JobQueue::Complete(const ClaimedJob& job, const GradeReport& report) {
  const std::string result_json = ReportToJson(report).dump();
  return database_.InTransaction<bool>([&](soci::session& session) -> Result<bool> {
    const long long now = options_.now_millis();
    const long long id = job.id;
    const std::string status = report.grader_error.empty() ? "done" : "failed";
    const std::string error = report.grader_error;
    soci::indicator error_null = error.empty() ? soci::i_null : soci::i_ok;
    soci::indicator score_null = error.empty() ? soci::i_ok : soci::i_null;
    soci::statement update =
        (session.prepare << "UPDATE grading_jobs SET status = :status, score = :score, max_score "
                            "= :max_score, result_json = :result, error = :error, lease_token = "
                            "NULL, lease_expires_at = NULL, finished_at = :finished, updated_at = "
                            ":updated WHERE id = :id AND status = 'running' AND lease_token = "
                            ":token",
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
    const long long now = options_.now_millis();
    const long long id = job.id;
    const bool retry = retryable && job.attempts < options_.max_attempts;
    const long long delay = options_.retry_base_millis << std::min(job.attempts - 1, 20);
    const long long run_after = now + delay;
    const std::string status = retry ? "queued" : "failed";
    const long long finished = now;
    soci::indicator finished_null = retry ? soci::i_null : soci::i_ok;
    soci::statement update =
        (session.prepare << "UPDATE grading_jobs SET status = :status, error = :error, "
                            "run_after = :run_after, lease_token = NULL, lease_expires_at = NULL, "
                            "finished_at = :finished, updated_at = :updated WHERE id = :id AND "
                            "status = 'running' AND lease_token = :token",
         soci::use(status), soci::use(error), soci::use(run_after),
         soci::use(finished, finished_null), soci::use(now), soci::use(id),
         soci::use(job.lease_token));
    update.execute(true);
    return update.get_affected_rows() > 0;
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

Result<std::vector<int64_t>> JobQueue::WithoutInitialJob(
    const std::vector<int64_t>& submission_ids) {
  if (submission_ids.empty()) {
    return std::vector<int64_t>();
  }
  return database_.WithSession<std::vector<int64_t>>(
      [&](soci::session& session) -> Result<std::vector<int64_t>> {
        // The ids are integers, so they are written into the IN list directly.
        std::string list;
        for (int64_t id : submission_ids) {
          list += (list.empty() ? "" : ",") + std::to_string(id);
        }
        std::vector<long long> found(submission_ids.size());
        session << "SELECT submission_id FROM grading_jobs WHERE batch IS NULL AND "
                   "submission_id IN (" +
                       list + ")",
            soci::into(found);
        const std::set<int64_t> queued(found.begin(), found.end());
        std::vector<int64_t> missing;
        for (int64_t id : submission_ids) {
          if (!queued.contains(id)) {
            missing.push_back(id);
          }
        }
        return missing;
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
