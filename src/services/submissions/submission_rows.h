#pragma once

// Row types and queries of the submissions tables, shared by the service's source files.

#include <soci/soci.h>

#include <optional>
#include <string>
#include <vector>

#include "openlabs/v1/submissions.pb.h"

namespace openlabs::submissions {

// Statuses as stored. "withdrawn" marks a deletion whose refund has not finished yet; such a
// row is invisible to every reader.
inline constexpr const char* kSubmitted = "submitted";
inline constexpr const char* kInReview = "in_review";
inline constexpr const char* kAccepted = "accepted";
inline constexpr const char* kRejected = "rejected";
inline constexpr const char* kWithdrawn = "withdrawn";

struct SubmissionRow {
  long long id = 0;
  std::string uuid;
  long long lab_id = 0;
  long long lab_author_id = 0;
  long long learner_id = 0;
  std::string text;
  std::string status;
  long long cost_points = 0;
  int reviews_count = 0;
  std::optional<int> final_score;
  std::optional<long long> claimed_by;
  std::optional<long long> claim_expires_at;
  long long created_at = 0;
  long long updated_at = 0;
  std::optional<long long> decided_at;

  bool decided() const { return status == kAccepted || status == kRejected; }
  // True while a reviewer's lease on the submission has not expired.
  bool HasLiveClaim(long long now) const {
    return status == kInReview && claimed_by && claim_expires_at && *claim_expires_at > now;
  }
  bool ClaimedBy(long long user_id, long long now) const {
    return HasLiveClaim(now) && *claimed_by == user_id;
  }

  // The API form: an expired lease shows as "submitted" without a claim.
  v1::Submission ToProto(long long now, int required_reviews, bool with_text) const;
};

struct FileRow {
  long long id = 0;
  long long submission_id = 0;
  std::string blob_key;
  std::string filename;
  std::string content_type;
  long long size = 0;
  std::string sha256;
  long long created_at = 0;
  long long notebook_copy_id = 0;  // set on a notebook snapshot

  v1::SubmissionFile ToProto() const;
};

std::optional<SubmissionRow> LoadSubmission(soci::session& session, long long id);
std::vector<FileRow> LoadFiles(soci::session& session, long long submission_id);
bool HasReviewed(soci::session& session, long long submission_id, long long reviewer_id);
bool HasAcceptedSubmission(soci::session& session, long long lab_id, long long learner_id);

// The SELECT column list that ReadSubmissions expects, with an optional table alias prefix.
std::string SubmissionColumns(const std::string& alias);

// Runs `statement` (prepared with SubmissionColumns and its parameters bound by `bind`) and
// returns every row.
std::vector<SubmissionRow> FetchSubmissions(soci::session& session, const std::string& sql,
                                            const std::function<void(soci::statement&)>& bind);

}  // namespace openlabs::submissions
