#include "services/grading/rubric_store.h"

#include <nlohmann/json.hpp>

#include "common/proto_json.h"

namespace openlabs::grading {
namespace {

using nlohmann::json;

// The rubric as stored in rubric_json: criteria and scale only.
std::string RubricJson(const v1::Rubric& rubric) {
  json stored = {{"criteria", json::array()},
                 {"scale", {{"min", rubric.scale().min()}, {"max", rubric.scale().max()}}}};
  for (const v1::RubricCriterion& criterion : rubric.criteria()) {
    stored["criteria"].push_back(
        {{"name", criterion.name()}, {"description", criterion.description()}});
  }
  return stored.dump();
}

v1::Rubric RubricFromJson(const std::string& text) {
  v1::Rubric rubric;
  const json stored = json::parse(text, nullptr, false);
  if (stored.is_object()) {
    // The column is written by RubricJson only, so a failure here leaves the rubric empty.
    [[maybe_unused]] Status parsed = JsonToProto(stored, rubric, UnknownFields::kIgnore);
  }
  return rubric;
}

}  // namespace

Result<v1::Rubric> RubricStore::Save(const v1::Rubric& rubric, int64_t user_id) {
  Status saved = database_.InTransaction<void>([&](soci::session& session) -> Status {
    const long long now = leases_.options().now_millis();
    const long long lab = rubric.lab_id();
    const long long by = user_id;
    const int enabled = rubric.enabled() ? 1 : 0;
    const std::string criteria = json::parse(RubricJson(rubric))["criteria"].dump();
    const int min = rubric.scale().min();
    const int max = rubric.scale().max();
    soci::indicator since_null = rubric.enabled() ? soci::i_ok : soci::i_null;
    // A rubric that stays enabled keeps its enabled_since.
    session << "INSERT INTO lab_rubrics (lab_id, enabled, criteria_json, scale_min, scale_max, "
               "updated_by, created_at, updated_at, enabled_since) VALUES (:lab, :enabled, "
               ":criteria, :min, :max, :by, :created, :updated, :since) ON CONFLICT (lab_id) DO "
               "UPDATE SET enabled = excluded.enabled, criteria_json = excluded.criteria_json, "
               "scale_min = excluded.scale_min, scale_max = excluded.scale_max, updated_by = "
               "excluded.updated_by, updated_at = excluded.updated_at, enabled_since = CASE "
               "WHEN excluded.enabled = 0 THEN NULL WHEN lab_rubrics.enabled = 1 THEN "
               "COALESCE(lab_rubrics.enabled_since, excluded.enabled_since) ELSE "
               "excluded.enabled_since END",
        soci::use(lab), soci::use(enabled), soci::use(criteria), soci::use(min), soci::use(max),
        soci::use(by), soci::use(now), soci::use(now), soci::use(now, since_null);
    return {};
  });
  if (!saved) {
    return Fail(saved.error());
  }
  Result<std::optional<v1::Rubric>> stored = Load(rubric.lab_id());
  if (!stored) {
    return Fail(stored.error());
  }
  if (!*stored) {
    return Fail(Error::Internal("the rubric of lab " + std::to_string(rubric.lab_id()) +
                                " is missing right after it was saved"));
  }
  return **stored;
}

Result<std::optional<v1::Rubric>> RubricStore::Load(int64_t lab_id) {
  return database_.WithSession<std::optional<v1::Rubric>>(
      [&](soci::session& session) -> Result<std::optional<v1::Rubric>> {
        const long long lab = lab_id;
        int enabled = 0, min = 0, max = 0;
        long long by = 0, created = 0, updated = 0;
        std::string criteria;
        soci::indicator found = soci::i_null;
        session << "SELECT enabled, criteria_json, scale_min, scale_max, updated_by, created_at, "
                   "updated_at FROM lab_rubrics WHERE lab_id = :lab",
            soci::use(lab), soci::into(enabled, found), soci::into(criteria), soci::into(min),
            soci::into(max), soci::into(by), soci::into(created), soci::into(updated);
        if (!session.got_data() || found != soci::i_ok) {
          return std::optional<v1::Rubric>();
        }
        v1::Rubric rubric = RubricFromJson(
            json{{"criteria", json::parse(criteria, nullptr, false)}}.dump());
        rubric.set_lab_id(lab_id);
        rubric.set_enabled(enabled != 0);
        rubric.mutable_scale()->set_min(min);
        rubric.mutable_scale()->set_max(max);
        rubric.set_updated_by(by);
        rubric.set_created_at(created);
        rubric.set_updated_at(updated);
        return std::optional<v1::Rubric>(std::move(rubric));
      });
}

Result<std::vector<EnabledRubric>> RubricStore::ListEnabled() {
  return database_.WithSession<std::vector<EnabledRubric>>(
      [&](soci::session& session) -> Result<std::vector<EnabledRubric>> {
        std::vector<EnabledRubric> found;
        long long lab = 0, since = 0;
        soci::statement select =
            (session.prepare << "SELECT lab_id, enabled_since FROM lab_rubrics WHERE enabled = 1 "
                                "AND enabled_since IS NOT NULL ORDER BY lab_id",
             soci::into(lab), soci::into(since));
        select.execute();
        while (select.fetch()) {
          found.push_back({lab, since});
        }
        return found;
      });
}

Result<bool> RubricStore::Enqueue(int64_t submission_id, const v1::Rubric& rubric) {
  return database_.InTransaction<bool>([&](soci::session& session) -> Result<bool> {
    const long long now = leases_.options().now_millis();
    const long long submission = submission_id;
    const long long lab = rubric.lab_id();
    const std::string stored = RubricJson(rubric);
    try {
      session << "INSERT INTO rubric_reviews (submission_id, lab_id, rubric_json, status, "
                 "run_after, created_at, updated_at) VALUES (:submission, :lab, :rubric, "
                 "'queued', :run_after, :created, :updated)",
          soci::use(submission), soci::use(lab), soci::use(stored), soci::use(now),
          soci::use(now), soci::use(now);
    } catch (const soci::soci_error& error) {
      if (storage::IsUniqueViolation(error)) {
        return false;
      }
      throw;
    }
    return true;
  });
}

Result<std::optional<RubricJob>> RubricStore::Claim() {
  return database_.InTransaction<std::optional<RubricJob>>(
      [&](soci::session& session) -> Result<std::optional<RubricJob>> {
        const std::optional<Lease> lease = leases_.Claim(session);
        if (!lease) {
          return std::optional<RubricJob>();
        }
        const long long id = lease->id;
        long long lab = 0;
        std::string rubric;
        session << "SELECT lab_id, rubric_json FROM rubric_reviews WHERE id = :id", soci::use(id),
            soci::into(lab), soci::into(rubric);
        RubricJob job;
        job.id = lease->id;
        job.submission_id = lease->submission_id;
        job.lab_id = lab;
        job.attempts = lease->attempts;
        job.lease_token = lease->token;
        job.rubric = RubricFromJson(rubric);
        job.rubric.set_lab_id(lab);
        return std::optional<RubricJob>(std::move(job));
      });
}

Result<bool> RubricStore::Complete(const RubricJob& job, const RubricDraft& draft,
                                   const std::string& model) {
  return database_.InTransaction<bool>([&](soci::session& session) -> Result<bool> {
    const long long now = leases_.options().now_millis();
    const long long id = job.id;
    json stored = {{"scores", json::array()}, {"summary", draft.summary}};
    for (const v1::RubricScore& score : draft.scores) {
      stored["scores"].push_back(ProtoToJson(score));
    }
    const std::string text = stored.dump(-1, ' ', false, json::error_handler_t::replace);
    soci::statement update =
        (session.prepare << "UPDATE rubric_reviews SET status = 'done', draft_json = :draft, "
                            "model = :model, error = NULL, lease_token = NULL, lease_expires_at = "
                            "NULL, finished_at = :finished, updated_at = :updated WHERE " +
                                std::string(LeasedQueue::kHeld),
         soci::use(text), soci::use(model), soci::use(now), soci::use(now), soci::use(id),
         soci::use(job.lease_token));
    update.execute(true);
    return update.get_affected_rows() > 0;
  });
}

Result<bool> RubricStore::RecordFailure(const RubricJob& job, const std::string& error,
                                        bool retryable) {
  return database_.InTransaction<bool>([&](soci::session& session) -> Result<bool> {
    const Lease lease{.id = job.id,
                      .submission_id = job.submission_id,
                      .attempts = job.attempts,
                      .token = job.lease_token};
    return leases_.RecordFailure(session, lease, error, retryable);
  });
}

Result<std::optional<v1::RubricReview>> RubricStore::Find(int64_t submission_id) {
  return database_.WithSession<std::optional<v1::RubricReview>>(
      [&](soci::session& session) -> Result<std::optional<v1::RubricReview>> {
        const long long submission = submission_id;
        long long lab = 0, created = 0, updated = 0, finished = 0;
        int attempts = 0;
        std::string rubric, status, model, draft, error;
        soci::indicator found = soci::i_null, model_null{}, draft_null{}, error_null{},
                        finished_null{};
        session << "SELECT lab_id, rubric_json, status, attempts, model, draft_json, error, "
                   "created_at, updated_at, finished_at FROM rubric_reviews WHERE submission_id "
                   "= :submission",
            soci::use(submission), soci::into(lab, found), soci::into(rubric),
            soci::into(status), soci::into(attempts), soci::into(model, model_null),
            soci::into(draft, draft_null), soci::into(error, error_null), soci::into(created),
            soci::into(updated), soci::into(finished, finished_null);
        if (!session.got_data() || found != soci::i_ok) {
          return std::optional<v1::RubricReview>();
        }
        const v1::Rubric requested = RubricFromJson(rubric);
        v1::RubricReview review;
        review.set_submission_id(submission_id);
        review.set_lab_id(lab);
        review.set_machine_written(true);
        review.set_status(status);
        review.set_attempts(attempts);
        *review.mutable_criteria() = requested.criteria();
        *review.mutable_scale() = requested.scale();
        if (model_null == soci::i_ok) {
          review.set_model(model);
        }
        if (error_null == soci::i_ok) {
          review.set_error(error);
        }
        const json stored =
            draft_null == soci::i_ok ? json::parse(draft, nullptr, false) : json();
        if (status == "done" && stored.is_object()) {
          int total = 0;
          for (const json& score : stored.value("scores", json::array())) {
            v1::RubricScore* added = review.add_scores();
            [[maybe_unused]] Status parsed = JsonToProto(score, *added, UnknownFields::kIgnore);
            total += added->score();
          }
          review.set_summary(stored.value("summary", ""));
          review.set_total(total);
          review.set_max_total(requested.scale().max() * requested.criteria_size());
        }
        review.set_created_at(created);
        review.set_updated_at(updated);
        if (finished_null == soci::i_ok) {
          review.set_finished_at(finished);
        }
        return std::optional<v1::RubricReview>(std::move(review));
      });
}

Result<std::vector<int64_t>> RubricStore::WithoutReview(
    const std::vector<int64_t>& submission_ids) {
  return database_.WithSession<std::vector<int64_t>>(
      [&](soci::session& session) -> Result<std::vector<int64_t>> {
        return SubmissionsWithoutRow(session, "rubric_reviews", "", submission_ids);
      });
}

}  // namespace openlabs::grading
