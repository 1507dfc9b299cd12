#include "services/submissions/submission_rows.h"

namespace openlabs::submissions {
namespace {

// Receives one row of SubmissionColumns; indicators carry the NULLs of the optional columns.
struct SubmissionBuffer {
  SubmissionRow row;
  int final_score = 0;
  long long claimed_by = 0;
  long long claim_expires_at = 0;
  long long decided_at = 0;
  soci::indicator final_score_null = soci::i_ok;
  soci::indicator claimed_by_null = soci::i_ok;
  soci::indicator claim_expires_null = soci::i_ok;
  soci::indicator decided_at_null = soci::i_ok;

  void Bind(soci::statement& statement) {
    statement.exchange(soci::into(row.id));
    statement.exchange(soci::into(row.uuid));
    statement.exchange(soci::into(row.lab_id));
    statement.exchange(soci::into(row.lab_author_id));
    statement.exchange(soci::into(row.learner_id));
    statement.exchange(soci::into(row.text));
    statement.exchange(soci::into(row.status));
    statement.exchange(soci::into(row.cost_points));
    statement.exchange(soci::into(row.reviews_count));
    statement.exchange(soci::into(final_score, final_score_null));
    statement.exchange(soci::into(claimed_by, claimed_by_null));
    statement.exchange(soci::into(claim_expires_at, claim_expires_null));
    statement.exchange(soci::into(row.created_at));
    statement.exchange(soci::into(row.updated_at));
    statement.exchange(soci::into(decided_at, decided_at_null));
  }

  SubmissionRow Take() const {
    SubmissionRow result = row;
    if (final_score_null == soci::i_ok) {
      result.final_score = final_score;
    }
    if (claimed_by_null == soci::i_ok) {
      result.claimed_by = claimed_by;
    }
    if (claim_expires_null == soci::i_ok) {
      result.claim_expires_at = claim_expires_at;
    }
    if (decided_at_null == soci::i_ok) {
      result.decided_at = decided_at;
    }
    return result;
  }
};

}  // namespace

v1::Submission SubmissionRow::ToProto(long long now, int required_reviews, bool with_text) const {
  v1::Submission submission;
  submission.set_id(id);
  submission.set_lab_id(lab_id);
  submission.set_learner_id(learner_id);
  if (with_text) {
    submission.set_text(text);
  }
  const bool expired_claim = status == kInReview && !HasLiveClaim(now);
  submission.set_status(expired_claim ? kSubmitted : status);
  submission.set_reviews_count(reviews_count);
  submission.set_required_reviews(required_reviews);
  if (final_score) {
    submission.set_final_score(*final_score);
  }
  if (HasLiveClaim(now)) {
    submission.set_claimed_by(*claimed_by);
    submission.set_claim_expires_at(*claim_expires_at);
  }
  submission.set_cost_points(cost_points);
  submission.set_created_at(created_at);
  submission.set_updated_at(updated_at);
  if (decided_at) {
    submission.set_decided_at(*decided_at);
  }
  return submission;
}

v1::SubmissionFile FileRow::ToProto() const {
  v1::SubmissionFile file;
  file.set_id(id);
  file.set_submission_id(submission_id);
  file.set_filename(filename);
  file.set_content_type(content_type);
  file.set_size(size);
  file.set_sha256(sha256);
  file.set_created_at(created_at);
  file.set_notebook_copy_id(notebook_copy_id);
  return file;
}

std::string SubmissionColumns(const std::string& alias) {
  static const char* const kColumns[] = {"id",
                                         "uuid",
                                         "lab_id",
                                         "lab_author_id",
                                         "learner_id",
                                         "text",
                                         "status",
                                         "cost_points",
                                         "reviews_count",
                                         "final_score",
                                         "claimed_by",
                                         "claim_expires_at",
                                         "created_at",
                                         "updated_at",
                                         "decided_at"};
  std::string columns;
  for (const char* column : kColumns) {
    if (!columns.empty()) {
      columns += ", ";
    }
    columns += alias.empty() ? column : alias + "." + column;
  }
  return columns;
}

std::vector<SubmissionRow> FetchSubmissions(soci::session& session, const std::string& sql,
                                            const std::function<void(soci::statement&)>& bind) {
  SubmissionBuffer buffer;
  soci::statement statement(session);
  bind(statement);
  buffer.Bind(statement);
  statement.alloc();
  statement.prepare(sql);
  statement.define_and_bind();
  statement.execute();
  std::vector<SubmissionRow> rows;
  while (statement.fetch()) {
    rows.push_back(buffer.Take());
  }
  return rows;
}

std::optional<SubmissionRow> LoadSubmission(soci::session& session, long long id) {
  std::vector<SubmissionRow> rows = FetchSubmissions(
      session, "SELECT " + SubmissionColumns("") + " FROM submissions WHERE id = :id",
      [&](soci::statement& statement) { statement.exchange(soci::use(id, "id")); });
  if (rows.empty()) {
    return std::nullopt;
  }
  return rows.front();
}

std::vector<FileRow> LoadFiles(soci::session& session, long long submission_id) {
  FileRow row;
  soci::statement select =
      (session.prepare << "SELECT id, submission_id, blob_key, filename, content_type, size, "
                          "sha256, created_at, notebook_copy_id FROM submission_files WHERE "
                          "submission_id = :id ORDER BY id",
       soci::use(submission_id), soci::into(row.id), soci::into(row.submission_id),
       soci::into(row.blob_key), soci::into(row.filename), soci::into(row.content_type),
       soci::into(row.size), soci::into(row.sha256), soci::into(row.created_at),
       soci::into(row.notebook_copy_id));
  select.execute();
  std::vector<FileRow> files;
  while (select.fetch()) {
    files.push_back(row);
  }
  return files;
}

bool HasReviewed(soci::session& session, long long submission_id, long long reviewer_id) {
  int count = 0;
  session << "SELECT COUNT(*) FROM submission_verdicts WHERE submission_id = :submission_id "
             "AND reviewer_id = :reviewer_id",
      soci::use(submission_id, "submission_id"), soci::use(reviewer_id, "reviewer_id"),
      soci::into(count);
  return count > 0;
}

bool HasAcceptedSubmission(soci::session& session, long long lab_id, long long learner_id) {
  int count = 0;
  session << "SELECT COUNT(*) FROM submissions WHERE lab_id = :lab_id AND "
             "learner_id = :learner_id AND status = 'accepted'",
      soci::use(lab_id, "lab_id"), soci::use(learner_id, "learner_id"), soci::into(count);
  return count > 0;
}

}  // namespace openlabs::submissions
