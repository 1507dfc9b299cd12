#include "services/grading/leased_queue.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <set>

#include "common/random.h"

namespace openlabs::grading {
namespace {

// The condition of a claimable row: due and queued, or running with an expired lease.
constexpr const char* kClaimable =
    "((status = 'queued' AND run_after <= :now) OR (status = 'running' AND lease_expires_at < "
    ":now2))";

// Rows failed for expired leases are skipped, so a claim looks at a few rows at most.
constexpr int kMaxClaimRounds = 16;

}  // namespace

std::optional<Lease> LeasedQueue::Claim(soci::session& session) const {
  const long long now = options_.now_millis();
  for (int round = 0; round < kMaxClaimRounds; ++round) {
    long long id = 0;
    long long submission_id = 0;
    int attempts = 0;
    std::string status;
    soci::indicator found = soci::i_null;
    session << "SELECT id, submission_id, attempts, status FROM " + table_ + " WHERE " +
                   std::string(kClaimable) + " ORDER BY id LIMIT 1",
        soci::use(now, "now"), soci::use(now, "now2"), soci::into(id, found),
        soci::into(submission_id), soci::into(attempts), soci::into(status);
    if (found != soci::i_ok || !session.got_data()) {
      return std::nullopt;
    }
    if (status == "running" && attempts >= options_.max_attempts) {
      const std::string error =
          "the server stopped during each of " + std::to_string(attempts) + " attempts";
      session << "UPDATE " + table_ +
                     " SET status = 'failed', error = :error, lease_token = NULL, "
                     "lease_expires_at = NULL, finished_at = :now, updated_at = :now2 WHERE id = "
                     ":id",
          soci::use(error), soci::use(now), soci::use(now), soci::use(id);
      spdlog::error("{} {} of submission {} failed: {}", noun_, id, submission_id, error);
      continue;
    }
    Lease lease;
    lease.token = RandomToken(16);
    const long long expires = now + options_.lease_millis;
    soci::statement update =
        (session.prepare << "UPDATE " + table_ +
                                " SET status = 'running', attempts = attempts + 1, lease_token "
                                "= :token, lease_expires_at = :expires, updated_at = :updated "
                                "WHERE id = :id AND " +
                                std::string(kClaimable),
         soci::use(lease.token, "token"), soci::use(expires, "expires"), soci::use(now, "updated"),
         soci::use(id, "id"), soci::use(now, "now"), soci::use(now, "now2"));
    update.execute(true);
    if (update.get_affected_rows() == 0) {
      continue;  // another process took it first
    }
    if (status == "running") {
      spdlog::warn("{} {} of submission {}: lease expired, taking it over", noun_, id,
                   submission_id);
    }
    lease.id = id;
    lease.submission_id = submission_id;
    lease.attempts = attempts + 1;
    return lease;
  }
  return std::nullopt;
}

bool LeasedQueue::Renew(soci::session& session, const Lease& lease) const {
  const long long expires = options_.now_millis() + options_.lease_millis;
  const long long id = lease.id;
  soci::statement update =
      (session.prepare << "UPDATE " + table_ + " SET lease_expires_at = :expires WHERE " +
                              std::string(kHeld),
       soci::use(expires, "expires"), soci::use(id, "id"), soci::use(lease.token, "token"));
  update.execute(true);
  return update.get_affected_rows() > 0;
}

bool LeasedQueue::RecordFailure(soci::session& session, const Lease& lease,
                                const std::string& error, bool retryable) const {
  const long long now = options_.now_millis();
  const long long id = lease.id;
  const bool retry = retryable && lease.attempts < options_.max_attempts;
  const long long delay = options_.retry_base_millis << std::clamp(lease.attempts - 1, 0, 20);
  const long long run_after = now + delay;
  const std::string status = retry ? "queued" : "failed";
  soci::indicator finished_null = retry ? soci::i_null : soci::i_ok;
  soci::statement update =
      (session.prepare << "UPDATE " + table_ +
                              " SET status = :status, error = :error, run_after = :run_after, "
                              "lease_token = NULL, lease_expires_at = NULL, finished_at = "
                              ":finished, updated_at = :updated WHERE " +
                              std::string(kHeld),
       soci::use(status, "status"), soci::use(error, "error"), soci::use(run_after, "run_after"),
       soci::use(now, finished_null, "finished"), soci::use(now, "updated"), soci::use(id, "id"),
       soci::use(lease.token, "token"));
  update.execute(true);
  return update.get_affected_rows() > 0;
}

std::vector<int64_t> SubmissionsWithoutRow(soci::session& session, const std::string& table,
                                           const std::string& condition,
                                           const std::vector<int64_t>& submission_ids) {
  if (submission_ids.empty()) {
    return {};
  }
  // The ids are integers, so they are written into the IN list directly.
  std::string list;
  for (int64_t id : submission_ids) {
    list += (list.empty() ? "" : ",") + std::to_string(id);
  }
  std::vector<long long> found(submission_ids.size());
  session << "SELECT submission_id FROM " + table + " WHERE " +
                 (condition.empty() ? "" : condition + " AND ") + "submission_id IN (" + list + ")",
      soci::into(found);
  const std::set<int64_t> present(found.begin(), found.end());
  std::vector<int64_t> missing;
  for (int64_t id : submission_ids) {
    if (!present.contains(id)) {
      missing.push_back(id);
    }
  }
  return missing;
}

}  // namespace openlabs::grading
