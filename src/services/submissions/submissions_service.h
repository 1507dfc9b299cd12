#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <span>

#include "common/call_context.h"
#include "common/clock.h"
#include "common/error.h"
#include "openlabs/v1/submissions.pb.h"
#include "services/submissions/grading_record.h"
#include "services/submissions/lab_directory.h"
#include "services/submissions/notebook_copies.h"
#include "services/users/users_service.h"
#include "storage/blob_store.h"
#include "storage/database.h"
#include "storage/migrations.h"

namespace openlabs::submissions {

struct SubmissionsOptions {
  int64_t cost_points = 1;   // spent by the learner on each submission
  int required_reviews = 1;  // reviews that decide a submission
  int64_t claim_lease_seconds = 8 * 3600;
  int max_files = 10;
  size_t max_text_chars = 100'000;                  // Unicode code points of the Markdown text
  std::function<int64_t()> now_millis = NowMillis;  // tests replace it to expire leases
};

// The submissions service: learners' solutions to labs, their files, the review queue and
// reviewers' claims. Decisions (accepted or rejected) follow the verdicts that the reviews
// service records through RecordReview.
//
// Access: a caller who may not read a submission gets kNotFound for it, so that its existence
// stays hidden; a caller who may read it but not perform the operation gets kPermissionDenied.
// Readers are the submitter, the lab's author, the submission's reviewers (including the
// current claim holder) and moderators. Implementations are thread-safe.
class SubmissionsService {
 public:
  virtual ~SubmissionsService() = default;

  // Spends the submission's cost from the learner and stores the submission with its files.
  // With `notebook_copy_id`, the copy's marimo export at this moment is stored as one more file,
  // a snapshot that later edits of the copy do not change. NotebookCopies checks the copy.
  // Errors: kPaymentRequired with too few points, kPermissionDenied for the lab's author,
  // kFailedPrecondition for an archived lab, and kAlreadyExists while another submission of the
  // learner to the lab is open or accepted. On failure nothing is stored and no points move,
  // and the caller deletes the uploaded blobs.
  virtual Result<v1::Submission> CreateSubmission(const v1::CreateSubmissionRequest& request,
                                                  const CallContext& context) = 0;

  // The submission with its files.
  virtual Result<v1::Submission> GetSubmission(const v1::GetSubmissionRequest& request,
                                               const CallContext& context) = 0;

  // Deletes a submission that has no counted review yet. Its points are refunded unless a
  // grader has started on it (GradingRecord), since the points pay for the grading and a
  // refund would make grading free to repeat. Learners delete their own, moderators any.
  // kFailedPrecondition once a review has been counted.
  virtual Result<v1::DeleteSubmissionResponse> DeleteSubmission(
      const v1::DeleteSubmissionRequest& request, const CallContext& context) = 0;

  virtual Result<v1::ListSubmissionsResponse> ListMine(const v1::ListSubmissionsRequest& request,
                                                       const CallContext& context) = 0;

  // One lab's submissions, for the lab's author and moderators.
  virtual Result<v1::ListSubmissionsResponse> ListForLab(const v1::ListSubmissionsRequest& request,
                                                         const CallContext& context) = 0;

  // Submissions the caller may claim, oldest first: not their own, not decided, not claimed by
  // someone else with a live lease, not already reviewed by them, on labs they wrote or solved
  // (any lab for moderators).
  virtual Result<v1::ReviewQueueResponse> ReviewQueue(const v1::ReviewQueueRequest& request,
                                                      const CallContext& context) = 0;

  // Gives the caller a lease on the submission. Claiming again renews the caller's own lease.
  // kAlreadyExists while another reviewer holds a live lease; kPermissionDenied for callers
  // who may not review it; kFailedPrecondition once decided or already reviewed by the caller.
  virtual Result<v1::Claim> ClaimSubmission(const v1::ClaimRequest& request,
                                            const CallContext& context) = 0;

  // Ends the caller's lease (moderators may end anyone's).
  virtual Result<v1::Claim> ReleaseClaim(const v1::ClaimRequest& request,
                                         const CallContext& context) = 0;

  // Where a submission file's bytes are, after the read check.
  virtual Result<v1::StoredFile> GetSubmissionFile(const v1::GetSubmissionFileRequest& request,
                                                   const CallContext& context) = 0;

  // The caller's relation to a submission, for the reviews service. kNotFound when the
  // submission does not exist; never fails for lack of rights.
  virtual Result<v1::SubmissionAccess> GetAccess(const v1::GetSubmissionRequest& request,
                                                 const CallContext& context) = 0;

  // Counts a committed review and releases the reviewer's claim. Trusts its caller (the reviews
  // service). The reviewer must hold the claim, and an expired lease still counts unless another
  // reviewer has claimed the submission since. Once enough reviews are in, the submission is
  // decided as Decide in verdicts.h describes: majority verdict, ties by median score.
  // kFailedPrecondition without the claim; kAlreadyExists when the reviewer was already counted.
  virtual Result<v1::RecordReviewResponse> RecordReview(const v1::RecordReviewRequest& request) = 0;

  // The number of submissions a lab has received (every status), for the labs service, which
  // archives a lab with submissions instead of deleting it.
  virtual Result<int64_t> CountForLab(int64_t lab_id) = 0;

  // One page of submissions in id order, without withdrawn ones, with the reviewers whose
  // verdicts counted and texts cut to `max_text_chars`, for a service that learns from people's
  // history (the recommender). Trusts its caller. kValidationFailed for a limit outside 1 to
  // 5000 or a text limit outside 0 to 100,000.
  virtual Result<v1::ExportSubmissionsResponse> ExportSubmissions(
      const v1::ExportSubmissionsRequest& request) = 0;

  // A value that changes whenever ExportSubmissions would return other rows. Cheap next to
  // ExportSubmissions, so a reader checks it before reading the submissions again.
  virtual Result<v1::SubmissionsVersion> GetSubmissionsVersion(
      const v1::GetSubmissionsVersionRequest& request) = 0;
};

// The SQL implementation. Its tables are "submissions", "submission_files" and
// "submission_verdicts". Points move through `users`; lab facts come from `labs`; notebook
// snapshots come from `notebook_copies`, and without it requests that attach a copy fail. Blobs
// of deleted submissions are removed from `blobs`; snapshots are written under "submissions/".
// Without `grading`, every deletion refunds the points.
std::unique_ptr<SubmissionsService> MakeSubmissionsService(
    storage::Database& database, storage::BlobStore& blobs, users::UsersService& users,
    LabDirectory& labs, SubmissionsOptions options, NotebookCopies* notebook_copies = nullptr,
    GradingRecord* grading = nullptr);

// Checks the fields of uploaded file references: a key under "uploads/", a name, a size, and
// names that differ from each other.
std::vector<FieldViolation> CheckUploadedFiles(
    const google::protobuf::RepeatedPtrField<v1::UploadedFileRef>& files, int max_files,
    const char* field);

// The number of Unicode code points in UTF-8 text; invalid bytes count one each.
size_t CountCodePoints(std::string_view text);

}  // namespace openlabs::submissions

namespace openlabs {
// The submissions service's migrations (generated from migrations/).
std::span<const storage::Migration> SubmissionsMigrations();
}  // namespace openlabs
