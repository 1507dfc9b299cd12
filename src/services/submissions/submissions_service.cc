#include "services/submissions/submissions_service.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <optional>
#include <set>

#include "common/random.h"
#include "services/submissions/submission_export.h"
#include "services/submissions/submission_rows.h"
#include "services/submissions/verdicts.h"

namespace openlabs::submissions {
namespace {

using storage::Database;

constexpr int kDefaultPageSize = 20;
constexpr int kMaxPageSize = 100;
constexpr size_t kMaxFilenameLength = 255;

Error SubmissionNotFound() { return Error::NotFound("The submission does not exist."); }

std::pair<int, int> PageAndLimit(int page, int limit) {
  const int clamped_page = std::max(page, 1);
  const int clamped_limit = limit <= 0 ? kDefaultPageSize : std::min(limit, kMaxPageSize);
  return {clamped_page, clamped_limit};
}

// The caller's relation to one submission.
struct Relation {
  bool learner = false;
  bool lab_author = false;
  bool moderator = false;
  bool holds_claim = false;  // a live claim, or an expired one no other reviewer has taken since
  bool reviewed = false;
  bool solved_lab = false;

  bool CanRead() const { return learner || lab_author || moderator || holds_claim || reviewed; }
  // Eligible to claim and review, whatever the submission's state.
  bool MayReview() const { return !learner && (lab_author || moderator || solved_lab); }
};

Relation RelationOf(soci::session& session, const SubmissionRow& row, const CallContext& context) {
  Relation relation;
  if (!context.authenticated()) {
    return relation;
  }
  relation.learner = row.learner_id == context.user_id;
  relation.lab_author = row.lab_author_id == context.user_id;
  relation.moderator = context.is_moderator();
  relation.holds_claim = row.status == kInReview && row.claimed_by == context.user_id;
  relation.reviewed = HasReviewed(session, row.id, context.user_id);
  relation.solved_lab = HasAcceptedSubmission(session, row.lab_id, context.user_id);
  return relation;
}

v1::StoredFile ToStoredFile(const FileRow& row) {
  v1::StoredFile file;
  file.set_filename(row.filename);
  file.set_content_type(row.content_type);
  file.set_size(row.size);
  file.set_sha256(row.sha256);
  file.set_blob_key(row.blob_key);
  return file;
}

std::string FormatUtc(long long millis) {
  const std::time_t seconds = static_cast<std::time_t>(millis / 1000);
  std::tm parts{};
  gmtime_r(&seconds, &parts);
  char text[32];
  std::strftime(text, sizeof(text), "%Y-%m-%dT%H:%M:%SZ", &parts);
  return text;
}

class SqlSubmissionsService final : public SubmissionsService {
 public:
  SqlSubmissionsService(Database& database, storage::BlobStore& blobs, users::UsersService& users,
                        LabDirectory& labs, SubmissionsOptions options,
                        NotebookCopies* notebook_copies, GradingRecord* grading)
      : database_(database),
        blobs_(blobs),
        users_(users),
        labs_(labs),
        options_(std::move(options)),
        notebook_copies_(notebook_copies),
        grading_(grading) {}

  Result<v1::Submission> CreateSubmission(const v1::CreateSubmissionRequest& request,
                                          const CallContext& context) override {
    if (!context.authenticated()) {
      return Fail(Error::Unauthenticated("Sign in to submit."));
    }
    if (std::vector<FieldViolation> problems = CheckCreate(request); !problems.empty()) {
      return Fail(Error::Validation(std::move(problems)));
    }
    Result<LabSummary> lab = CheckLabAcceptsSubmission(request.lab_id(), context);
    if (!lab) {
      return Fail(lab.error());
    }
    if (Status open = CheckNoActiveSubmission(request.lab_id(), context.user_id); !open) {
      return Fail(open.error());
    }

    // The UUID exists before the row so that the spend's idempotency key names the submission.
    const std::string uuid = NewUuid();
    Result<std::optional<v1::UploadedFileRef>> snapshot =
        StoreNotebookSnapshot(uuid, request, context);
    if (!snapshot) {
      return Fail(snapshot.error());
    }
    if (Status paid = Spend(uuid, request.lab_id(), context.user_id); !paid) {
      DeleteSnapshot(*snapshot);
      return Fail(paid.error());
    }
    Result<long long> id = Insert(uuid, lab->author_id, request, *snapshot, context.user_id);
    if (!id) {
      Compensate(uuid, context.user_id, id.error());
      DeleteSnapshot(*snapshot);
      return Fail(id.error());
    }
    if (Status recorded = labs_.RecordSubmission(request.lab_id()); !recorded) {
      spdlog::warn("submission id={} was not counted by lab id={}: {}", *id, request.lab_id(),
                   recorded.error().internal);
    }
    spdlog::info("user id={} submitted id={} to lab id={}", context.user_id, *id, request.lab_id());
    v1::GetSubmissionRequest get;
    get.set_id(*id);
    return GetSubmission(get, context);
  }

  Result<v1::Submission> GetSubmission(const v1::GetSubmissionRequest& request,
                                       const CallContext& context) override {
    if (!context.authenticated()) {
      return Fail(Error::Unauthenticated("Sign in to see a submission."));
    }
    return database_.WithSession<v1::Submission>(
        [&](soci::session& session) -> Result<v1::Submission> {
          std::optional<SubmissionRow> row = LoadVisible(session, request.id());
          if (!row) {
            return Fail(SubmissionNotFound());
          }
          const Relation relation = RelationOf(session, *row, context);
          if (!relation.CanRead()) {
            return Fail(SubmissionNotFound());
          }
          v1::Submission submission = row->ToProto(Now(), options_.required_reviews, true);
          submission.set_may_claim(CheckMayClaim(*row, relation).has_value());
          for (const FileRow& file : LoadFiles(session, row->id)) {
            *submission.add_files() = file.ToProto();
          }
          return submission;
        });
  }

  Result<v1::DeleteSubmissionResponse> DeleteSubmission(const v1::DeleteSubmissionRequest& request,
                                                        const CallContext& context) override {
    if (!context.authenticated()) {
      return Fail(Error::Unauthenticated("Sign in to delete a submission."));
    }
    Result<SubmissionRow> withdrawn = Withdraw(request.id(), context);
    if (!withdrawn) {
      return Fail(withdrawn.error());
    }
    // Asked only after the withdrawal has committed: a grader that starts later cannot read the
    // withdrawn submission, so it produces no result that the refund would make free.
    Result<bool> graded = GradingStarted(withdrawn->id);
    if (!graded) {
      spdlog::error("deleting submission id={} failed; it stays withdrawn: {}", withdrawn->id,
                    graded.error().internal);
      return Fail(graded.error());
    }
    const int64_t refund_points = *graded ? 0 : withdrawn->cost_points;
    if (Status refunded = Refund(*withdrawn, refund_points); !refunded) {
      // The row stays "withdrawn"; deleting it again retries the refund with the same key.
      spdlog::error("refund of deleted submission id={} failed; it stays withdrawn: {}",
                    withdrawn->id, refunded.error().internal);
      return Fail(refunded.error());
    }
    if (Status removed = RemoveRows(*withdrawn); !removed) {
      return Fail(removed.error());
    }
    spdlog::info("user id={} deleted submission id={}; {} of {} points refunded{}", context.user_id,
                 withdrawn->id, refund_points, withdrawn->cost_points,
                 *graded ? " (grading had started)" : "");
    return DeletionResponse(*withdrawn, refund_points, *graded);
  }

  Result<v1::ListSubmissionsResponse> ListMine(const v1::ListSubmissionsRequest& request,
                                               const CallContext& context) override {
    if (!context.authenticated()) {
      return Fail(Error::Unauthenticated("Sign in to see your submissions."));
    }
    return List("learner_id", context.user_id, request);
  }

  Result<v1::ListSubmissionsResponse> ListForLab(const v1::ListSubmissionsRequest& request,
                                                 const CallContext& context) override {
    if (!context.authenticated()) {
      return Fail(Error::Unauthenticated("Sign in to see a lab's submissions."));
    }
    Result<LabSummary> lab = labs_.GetLab(request.lab_id());
    if (!lab) {
      return Fail(lab.error());
    }
    if (lab->author_id != context.user_id && !context.is_moderator()) {
      return Fail(Error::PermissionDenied(
          "Only the lab's author and moderators can list its submissions."));
    }
    return List("lab_id", request.lab_id(), request);
  }

  Result<v1::ReviewQueueResponse> ReviewQueue(const v1::ReviewQueueRequest& request,
                                              const CallContext& context) override {
    if (!context.authenticated()) {
      return Fail(Error::Unauthenticated("Sign in to see the review queue."));
    }
    return database_.WithSession<v1::ReviewQueueResponse>(
        [&](soci::session& session) { return LoadQueue(session, request, context); });
  }

  Result<v1::Claim> ClaimSubmission(const v1::ClaimRequest& request,
                                    const CallContext& context) override {
    if (!context.authenticated()) {
      return Fail(Error::Unauthenticated("Sign in to review."));
    }
    return database_.InTransaction<v1::Claim>([&](soci::session& session) -> Result<v1::Claim> {
      std::optional<SubmissionRow> row = LoadVisible(session, request.submission_id());
      if (!row) {
        return Fail(SubmissionNotFound());
      }
      const Relation relation = RelationOf(session, *row, context);
      if (Status allowed = CheckMayClaim(*row, relation); !allowed) {
        return Fail(allowed.error());
      }
      return TakeLease(session, *row, context.user_id);
    });
  }

  Result<v1::Claim> ReleaseClaim(const v1::ClaimRequest& request,
                                 const CallContext& context) override {
    if (!context.authenticated()) {
      return Fail(Error::Unauthenticated("Sign in to release a claim."));
    }
    return database_.InTransaction<v1::Claim>([&](soci::session& session) -> Result<v1::Claim> {
      std::optional<SubmissionRow> row = LoadVisible(session, request.submission_id());
      if (!row) {
        return Fail(SubmissionNotFound());
      }
      const Relation relation = RelationOf(session, *row, context);
      if (!relation.CanRead() && !relation.MayReview()) {
        return Fail(SubmissionNotFound());
      }
      if (!relation.holds_claim && !(context.is_moderator() && row->status == kInReview)) {
        return Fail(Error::FailedPrecondition("You hold no claim on this submission."));
      }
      const long long holder = *row->claimed_by;
      const long long now = Now();
      soci::statement update =
          (session.prepare << "UPDATE submissions SET status = 'submitted', claimed_by = NULL, "
                              "claim_expires_at = NULL, updated_at = :now WHERE id = :id AND "
                              "status = 'in_review' AND claimed_by = :holder",
           soci::use(now, "now"), soci::use(row->id, "id"), soci::use(holder, "holder"));
      update.execute(true);
      if (update.get_affected_rows() == 0) {
        return Fail(Error::FailedPrecondition("The claim has already ended."));
      }
      spdlog::info("user id={} released the claim of user id={} on submission id={}",
                   context.user_id, holder, row->id);
      v1::Claim claim;
      claim.set_submission_id(row->id);
      claim.set_reviewer_id(holder);
      claim.set_expires_at(now);
      return claim;
    });
  }

  Result<v1::StoredFile> GetSubmissionFile(const v1::GetSubmissionFileRequest& request,
                                           const CallContext& context) override {
    if (!context.authenticated()) {
      return Fail(Error::Unauthenticated("Sign in to download a submission's files."));
    }
    return database_.WithSession<v1::StoredFile>(
        [&](soci::session& session) -> Result<v1::StoredFile> {
          std::optional<SubmissionRow> row = LoadVisible(session, request.submission_id());
          if (!row || !RelationOf(session, *row, context).CanRead()) {
            return Fail(SubmissionNotFound());
          }
          for (const FileRow& file : LoadFiles(session, row->id)) {
            if (file.id == request.file_id()) {
              return ToStoredFile(file);
            }
          }
          return Fail(Error::NotFound("The file does not exist."));
        });
  }

  Result<v1::SubmissionAccess> GetAccess(const v1::GetSubmissionRequest& request,
                                         const CallContext& context) override {
    return database_.WithSession<v1::SubmissionAccess>(
        [&](soci::session& session) -> Result<v1::SubmissionAccess> {
          std::optional<SubmissionRow> row = LoadVisible(session, request.id());
          if (!row) {
            return Fail(SubmissionNotFound());
          }
          const Relation relation = RelationOf(session, *row, context);
          v1::SubmissionAccess access;
          access.set_submission_id(row->id);
          access.set_lab_id(row->lab_id);
          access.set_learner_id(row->learner_id);
          access.set_lab_author_id(row->lab_author_id);
          access.set_status(row->ToProto(Now(), options_.required_reviews, false).status());
          access.set_can_read(relation.CanRead());
          access.set_holds_claim(relation.holds_claim);
          access.set_may_review(relation.MayReview());
          return access;
        });
  }

  Result<v1::RecordReviewResponse> RecordReview(const v1::RecordReviewRequest& request) override {
    if (request.verdict() != "accept" && request.verdict() != "reject") {
      return Fail(Error::Validation({{"verdict", "must be accept or reject"}}));
    }
    if (request.score() < 0 || request.score() > 100) {
      return Fail(Error::Validation({{"score", "must be an integer from 0 to 100"}}));
    }
    return database_.InTransaction<v1::RecordReviewResponse>(
        [&](soci::session& session) { return CountReview(session, request); });
  }

  Result<int64_t> CountForLab(int64_t lab_id) override {
    return database_.WithSession<int64_t>([&](soci::session& session) -> Result<int64_t> {
      long long count = 0;
      const long long id = lab_id;
      session << "SELECT COUNT(*) FROM submissions WHERE lab_id = :lab_id AND "
                 "status <> 'withdrawn'",
          soci::use(id), soci::into(count);
      return count;
    });
  }

  Result<v1::ExportSubmissionsResponse> ExportSubmissions(
      const v1::ExportSubmissionsRequest& request) override {
    return submissions::ExportSubmissions(database_, request);
  }

  Result<v1::SubmissionsVersion> GetSubmissionsVersion(
      const v1::GetSubmissionsVersionRequest& /*request*/) override {
    return submissions::GetSubmissionsVersion(database_);
  }

 private:
  long long Now() const { return options_.now_millis(); }

  std::vector<FieldViolation> CheckCreate(const v1::CreateSubmissionRequest& request) const {
    std::vector<FieldViolation> problems;
    if (request.lab_id() <= 0) {
      problems.push_back({"lab_id", "must be a lab id"});
    }
    if (CountCodePoints(request.text()) > options_.max_text_chars) {
      problems.push_back(
          {"text", "must be at most " + std::to_string(options_.max_text_chars) + " characters"});
    }
    // Empty files are kept with the rest (an empty __init__.py is legitimate), but a submission
    // made only of them, or of blank text, has nothing to review.
    const bool has_text =
        request.text().find_first_not_of(" \t\r\n") != std::string::npos;
    const bool has_content = std::any_of(request.files().begin(), request.files().end(),
                                         [](const v1::UploadedFileRef& file) {
                                           return file.size() > 0;
                                         });
    // An attached notebook copy is content too.
    if (!has_text && !has_content && request.notebook_copy_id() == 0) {
      problems.push_back({"text",
                          request.files().empty()
                              ? "must not be empty: write an answer or attach a file"
                              : "must not be empty when every attached file is empty (0 bytes): "
                                "write an answer or attach a file with content"});
    }
    if (request.notebook_copy_id() < 0) {
      problems.push_back({"notebook_copy_id", "must be a notebook copy id"});
    }
    if (request.notebook_copy_id() > 0 && request.files_size() >= options_.max_files) {
      problems.push_back({"files", "must be at most " + std::to_string(options_.max_files - 1) +
                                       " files when a notebook copy is attached"});
    }
    std::vector<FieldViolation> file_problems =
        CheckUploadedFiles(request.files(), options_.max_files, "files");
    problems.insert(problems.end(), file_problems.begin(), file_problems.end());
    return problems;
  }

  // Exports the learner's notebook copy named by the request and stores it as a blob of the
  // submission, so that later edits of the copy leave the submitted version as it was. Returns
  // the file to record, or nothing when the request attaches no copy.
  Result<std::optional<v1::UploadedFileRef>> StoreNotebookSnapshot(
      const std::string& uuid, const v1::CreateSubmissionRequest& request,
      const CallContext& context) {
    if (request.notebook_copy_id() == 0) {
      return std::optional<v1::UploadedFileRef>();
    }
    if (notebook_copies_ == nullptr) {
      return Fail(Error::Validation(
          {{"notebook_copy_id", "cannot be attached: this server keeps no notebooks"}}));
    }
    Result<NotebookSnapshot> snapshot =
        notebook_copies_->ExportCopyForLab(request.notebook_copy_id(), request.lab_id(), context);
    if (!snapshot) {
      return Fail(snapshot.error());
    }
    const std::string key =
        "submissions/" + uuid + "/notebook-" + std::to_string(request.notebook_copy_id()) + ".py";
    Result<storage::BlobInfo> stored = blobs_.Put(key, snapshot->source);
    if (!stored) {
      return Fail(stored.error());
    }
    v1::UploadedFileRef file;
    file.set_blob_key(key);
    file.set_filename(snapshot->filename);
    file.set_content_type("text/x-python");
    file.set_size(stored->size);
    file.set_sha256(Sha256Hex(snapshot->source));
    return std::optional<v1::UploadedFileRef>(std::move(file));
  }

  void DeleteSnapshot(const std::optional<v1::UploadedFileRef>& snapshot) {
    if (!snapshot) {
      return;
    }
    if (Status deleted = blobs_.Delete(snapshot->blob_key()); !deleted) {
      spdlog::warn("notebook snapshot blob {} of a failed submission was not deleted: {}",
                   snapshot->blob_key(), deleted.error().internal);
    }
  }

  Result<LabSummary> CheckLabAcceptsSubmission(int64_t lab_id, const CallContext& context) {
    Result<LabSummary> lab = labs_.GetLab(lab_id);
    if (!lab) {
      return lab;
    }
    if (lab->author_id == context.user_id) {
      return Fail(Error::PermissionDenied("You cannot submit to your own lab."));
    }
    if (lab->archived) {
      return Fail(Error::FailedPrecondition("The lab is archived and takes no new submissions."));
    }
    return lab;
  }

  Status CheckNoActiveSubmission(int64_t lab_id, int64_t learner_id) {
    Result<int> active = database_.WithSession<int>([&](soci::session& session) -> Result<int> {
      int count = 0;
      const long long lab = lab_id;
      const long long learner = learner_id;
      session << "SELECT COUNT(*) FROM submissions WHERE lab_id = :lab_id AND "
                 "learner_id = :learner_id AND status IN ('submitted', 'in_review', 'accepted')",
          soci::use(lab, "lab_id"), soci::use(learner, "learner_id"), soci::into(count);
      return count;
    });
    if (!active) {
      return Fail(active.error());
    }
    if (*active > 0) {
      return Fail(ActiveSubmissionExists());
    }
    return {};
  }

  static Error ActiveSubmissionExists() {
    return Error::AlreadyExists(
        "You already have a pending or accepted submission to this lab; you may submit again "
        "only after a rejection.");
  }

  Status Spend(const std::string& uuid, int64_t lab_id, int64_t learner_id) {
    if (options_.cost_points <= 0) {
      return {};
    }
    v1::PointsChangeRequest spend;
    spend.set_user_id(learner_id);
    spend.set_amount(options_.cost_points);
    spend.set_reason("submission");
    spend.set_reference("lab:" + std::to_string(lab_id) + " submission:" + uuid);
    spend.set_idempotency_key("submission:" + uuid + ":spend");
    Result<v1::PointsChangeResponse> spent = users_.SpendPoints(spend);
    if (!spent && spent.error().code == ErrorCode::kPaymentRequired) {
      return Fail({ErrorCode::kPaymentRequired,
                   "You do not have enough points to submit: a submission costs " +
                       std::to_string(options_.cost_points) +
                       " points. Review other learners' work to earn points."});
    }
    if (!spent) {
      return Fail(spent.error());
    }
    return {};
  }

  Result<long long> Insert(const std::string& uuid, int64_t lab_author_id,
                           const v1::CreateSubmissionRequest& request,
                           const std::optional<v1::UploadedFileRef>& snapshot, int64_t learner_id) {
    return database_.InTransaction<long long>([&](soci::session& session) -> Result<long long> {
      const long long now = Now();
      const long long lab_id = request.lab_id();
      const long long author = lab_author_id;
      const long long learner = learner_id;
      const long long cost = options_.cost_points;
      long long id = 0;
      try {
        session << "INSERT INTO submissions (uuid, lab_id, lab_author_id, learner_id, text, "
                   "status, cost_points, created_at, updated_at) VALUES (:uuid, :lab_id, "
                   ":lab_author_id, :learner_id, :text, 'submitted', :cost, :created_at, "
                   ":updated_at) RETURNING id",
            soci::use(uuid, "uuid"), soci::use(lab_id, "lab_id"),
            soci::use(author, "lab_author_id"), soci::use(learner, "learner_id"),
            soci::use(request.text(), "text"), soci::use(cost, "cost"),
            soci::use(now, "created_at"), soci::use(now, "updated_at"), soci::into(id);
      } catch (const soci::soci_error& error) {
        if (storage::IsUniqueViolation(error)) {
          return Fail(ActiveSubmissionExists());
        }
        throw;
      }
      for (const v1::UploadedFileRef& file : request.files()) {
        InsertFile(session, id, file, 0, now);
      }
      if (snapshot) {
        InsertFile(session, id, *snapshot, request.notebook_copy_id(), now);
      }
      return id;
    });
  }

  static void InsertFile(soci::session& session, long long submission_id,
                         const v1::UploadedFileRef& file, long long notebook_copy_id,
                         long long now) {
    const long long size = file.size();
    session << "INSERT INTO submission_files (submission_id, blob_key, filename, content_type, "
               "size, sha256, created_at, notebook_copy_id) VALUES (:submission_id, :blob_key, "
               ":filename, :content_type, :size, :sha256, :created_at, :notebook_copy_id)",
        soci::use(submission_id, "submission_id"), soci::use(file.blob_key(), "blob_key"),
        soci::use(file.filename(), "filename"), soci::use(file.content_type(), "content_type"),
        soci::use(size, "size"), soci::use(file.sha256(), "sha256"), soci::use(now, "created_at"),
        soci::use(notebook_copy_id, "notebook_copy_id");
  }

  // Gives back the points of a spend whose submission could not be stored.
  void Compensate(const std::string& uuid, int64_t learner_id, const Error& cause) {
    if (options_.cost_points <= 0) {
      return;
    }
    spdlog::warn("storing submission {} of user id={} failed ({}); refunding {} points", uuid,
                 learner_id, cause.internal.empty() ? cause.message : cause.internal,
                 options_.cost_points);
    v1::PointsChangeRequest refund;
    refund.set_user_id(learner_id);
    refund.set_amount(options_.cost_points);
    refund.set_reason("refund");
    refund.set_reference("submission:" + uuid);
    refund.set_idempotency_key("submission:" + uuid + ":refund");
    if (Result<v1::PointsChangeResponse> refunded = users_.RefundPoints(refund); !refunded) {
      spdlog::error("refund {} for user id={} failed; the points are owed: {}",
                    refund.idempotency_key(), learner_id, refunded.error().internal);
    }
  }

  // Marks the submission withdrawn so that no review can be counted any more. A row that is
  // already withdrawn (an earlier deletion whose refund failed) is returned as it is.
  Result<SubmissionRow> Withdraw(int64_t id, const CallContext& context) {
    return database_.InTransaction<SubmissionRow>(
        [&](soci::session& session) -> Result<SubmissionRow> {
          std::optional<SubmissionRow> row = LoadSubmission(session, id);
          if (!row) {
            return Fail(SubmissionNotFound());
          }
          const bool owner = row->learner_id == context.user_id;
          if (row->status == kWithdrawn) {
            if (!owner && !context.is_moderator()) {
              return Fail(SubmissionNotFound());
            }
            return *row;
          }
          const Relation relation = RelationOf(session, *row, context);
          if (!relation.CanRead()) {
            return Fail(SubmissionNotFound());
          }
          if (!owner && !context.is_moderator()) {
            return Fail(
                Error::PermissionDenied("Only the learner who submitted it can delete it."));
          }
          const long long now = Now();
          soci::statement update =
              (session.prepare << "UPDATE submissions SET status = 'withdrawn', claimed_by = "
                                  "NULL, claim_expires_at = NULL, updated_at = :now WHERE id = "
                                  ":id AND reviews_count = 0 AND status IN ('submitted', "
                                  "'in_review')",
               soci::use(now, "now"), soci::use(row->id, "id"));
          update.execute(true);
          if (update.get_affected_rows() == 0) {
            return Fail(Error::FailedPrecondition(
                "The submission has been reviewed and can no longer be deleted."));
          }
          return *row;
        });
  }

  // False without a grading record. Once true for a withdrawn submission, it stays true, so a
  // retried deletion does not refund what the first attempt did not.
  // NOTE: a worker that claims the job after the withdrawal also makes it true, although it
  // fails on the missing submission, so a retry after a failed refund may refund nothing.
  Result<bool> GradingStarted(int64_t submission_id) {
    if (grading_ == nullptr) {
      return false;
    }
    return grading_->GradingStarted(submission_id);
  }

  static v1::DeleteSubmissionResponse DeletionResponse(const SubmissionRow& row,
                                                       int64_t refunded_points, bool graded) {
    v1::DeleteSubmissionResponse response;
    response.set_id(row.id);
    response.set_refunded_points(refunded_points);
    response.set_grading_started(graded);
    const std::string cost =
        std::to_string(row.cost_points) + (row.cost_points == 1 ? " point" : " points");
    if (row.cost_points <= 0) {
      response.set_message("The submission was deleted.");
    } else if (graded) {
      response.set_message("The submission was deleted without a refund of its " + cost +
                           ", because the automatic tests had already started on it.");
    } else {
      response.set_message("The submission was deleted and its " + cost + " refunded.");
    }
    return response;
  }

  Status Refund(const SubmissionRow& row, int64_t points) {
    if (points <= 0) {
      return {};
    }
    v1::PointsChangeRequest refund;
    refund.set_user_id(row.learner_id);
    refund.set_amount(points);
    refund.set_reason("refund");
    refund.set_reference("submission:" + std::to_string(row.id) + " deletion");
    refund.set_idempotency_key("submission:" + row.uuid + ":refund");
    Result<v1::PointsChangeResponse> refunded = users_.RefundPoints(refund);
    if (!refunded) {
      return Fail(refunded.error());
    }
    return {};
  }

  // Deletes a withdrawn submission's rows, then its blobs. A blob that fails to delete is an
  // orphan for the collector, not an error for the learner.
  Status RemoveRows(const SubmissionRow& row) {
    Result<std::vector<FileRow>> files = database_.InTransaction<std::vector<FileRow>>(
        [&](soci::session& session) -> Result<std::vector<FileRow>> {
          std::vector<FileRow> files = LoadFiles(session, row.id);
          session << "DELETE FROM submission_files WHERE submission_id = :id", soci::use(row.id);
          session << "DELETE FROM submission_verdicts WHERE submission_id = :id", soci::use(row.id);
          session << "DELETE FROM submissions WHERE id = :id", soci::use(row.id);
          return files;
        });
    if (!files) {
      return Fail(files.error());
    }
    for (const FileRow& file : *files) {
      if (Status deleted = blobs_.Delete(file.blob_key); !deleted) {
        spdlog::warn("blob {} of deleted submission id={} was not deleted: {}", file.blob_key,
                     row.id, deleted.error().internal);
      }
    }
    return {};
  }

  std::optional<SubmissionRow> LoadVisible(soci::session& session, int64_t id) const {
    std::optional<SubmissionRow> row = LoadSubmission(session, id);
    if (!row || row->status == kWithdrawn) {
      return std::nullopt;
    }
    return row;
  }

  Result<v1::ListSubmissionsResponse> List(const char* column, int64_t value,
                                           const v1::ListSubmissionsRequest& request) {
    const auto [page, limit] = PageAndLimit(request.page(), request.limit());
    return database_.WithSession<v1::ListSubmissionsResponse>(
        [&](soci::session& session) -> Result<v1::ListSubmissionsResponse> {
          const std::string where = std::string(" FROM submissions WHERE ") + column +
                                    " = :value AND status <> " + "'withdrawn'";
          const long long key = value;
          long long total = 0;
          session << "SELECT COUNT(*)" + where, soci::use(key), soci::into(total);

          const long long limit_value = limit;
          const long long offset = static_cast<long long>(page - 1) * limit;
          std::vector<SubmissionRow> rows =
              FetchSubmissions(session,
                               "SELECT " + SubmissionColumns("") + where +
                                   " ORDER BY id DESC LIMIT :limit OFFSET :offset",
                               [&](soci::statement& statement) {
                                 statement.exchange(soci::use(key, "value"));
                                 statement.exchange(soci::use(limit_value, "limit"));
                                 statement.exchange(soci::use(offset, "offset"));
                               });
          v1::ListSubmissionsResponse response;
          for (const SubmissionRow& row : rows) {
            *response.add_items() = row.ToProto(Now(), options_.required_reviews, false);
          }
          response.set_total(total);
          response.set_page(page);
          response.set_limit(limit);
          return response;
        });
  }

  Result<v1::ReviewQueueResponse> LoadQueue(soci::session& session,
                                            const v1::ReviewQueueRequest& request,
                                            const CallContext& context) {
    const auto [page, limit] = PageAndLimit(request.page(), request.limit());
    // Open submissions (unclaimed, claim expired, or claimed by the caller) that the caller may
    // review and has not reviewed yet.
    const std::string where =
        " FROM submissions s WHERE s.learner_id <> :me1 AND (s.status = 'submitted' OR "
        "(s.status = 'in_review' AND (s.claim_expires_at <= :now OR s.claimed_by = :me2))) "
        "AND NOT EXISTS (SELECT 1 FROM submission_verdicts v WHERE v.submission_id = s.id AND "
        "v.reviewer_id = :me3) AND (:moderator = 1 OR s.lab_author_id = :me4 OR s.lab_id IN "
        "(SELECT a.lab_id FROM submissions a WHERE a.learner_id = :me5 AND "
        "a.status = 'accepted'))";
    const long long me = context.user_id;
    const long long now = Now();
    const int moderator = context.is_moderator() ? 1 : 0;
    long long total = 0;
    session << "SELECT COUNT(*)" + where, soci::use(me, "me1"), soci::use(now, "now"),
        soci::use(me, "me2"), soci::use(me, "me3"), soci::use(moderator, "moderator"),
        soci::use(me, "me4"), soci::use(me, "me5"), soci::into(total);

    v1::ReviewQueueEntry entry;
    long long id = 0;
    long long lab_id = 0;
    int files_count = 0;
    int reviews_count = 0;
    long long created_at = 0;
    const long long limit_value = limit;
    const long long offset = static_cast<long long>(page - 1) * limit;
    soci::statement select =
        (session.prepare << "SELECT s.id, s.lab_id, (SELECT COUNT(*) FROM submission_files f "
                            "WHERE f.submission_id = s.id), s.reviews_count, s.created_at" +
                                where + " ORDER BY s.created_at, s.id LIMIT :limit OFFSET :offset",
         soci::use(me, "me1"), soci::use(now, "now"), soci::use(me, "me2"), soci::use(me, "me3"),
         soci::use(moderator, "moderator"), soci::use(me, "me4"), soci::use(me, "me5"),
         soci::use(limit_value, "limit"), soci::use(offset, "offset"), soci::into(id),
         soci::into(lab_id), soci::into(files_count), soci::into(reviews_count),
         soci::into(created_at));
    select.execute();
    v1::ReviewQueueResponse response;
    while (select.fetch()) {
      v1::ReviewQueueEntry* item = response.add_items();
      item->set_submission_id(id);
      item->set_lab_id(lab_id);
      item->set_files_count(files_count);
      item->set_reviews_count(reviews_count);
      item->set_required_reviews(options_.required_reviews);
      item->set_created_at(created_at);
    }
    response.set_total(total);
    response.set_page(page);
    response.set_limit(limit);
    return response;
  }

  Status CheckMayClaim(const SubmissionRow& row, const Relation& relation) const {
    if (!relation.CanRead() && !relation.MayReview()) {
      return Fail(SubmissionNotFound());
    }
    if (relation.learner) {
      return Fail(Error::PermissionDenied("You cannot review your own submission."));
    }
    if (!relation.MayReview()) {
      return Fail(Error::PermissionDenied(
          "Only the lab's author, learners whose submission to the lab was accepted, and "
          "moderators can review it."));
    }
    if (row.decided()) {
      return Fail(Error::FailedPrecondition("The submission has already been decided."));
    }
    if (relation.reviewed) {
      return Fail(Error::FailedPrecondition("You have already reviewed this submission."));
    }
    return {};
  }

  // Takes or renews the lease with a guarded UPDATE, so that of two racing reviewers exactly
  // one wins on both engines.
  Result<v1::Claim> TakeLease(soci::session& session, const SubmissionRow& row,
                              long long reviewer_id) {
    const long long now = Now();
    const long long expires_at = now + options_.claim_lease_seconds * 1000;
    soci::statement update =
        (session.prepare << "UPDATE submissions SET status = 'in_review', claimed_by = :me1, "
                            "claim_expires_at = :expires_at, updated_at = :now1 WHERE id = :id "
                            "AND (status = 'submitted' OR (status = 'in_review' AND "
                            "(claimed_by = :me2 OR claim_expires_at <= :now2)))",
         soci::use(reviewer_id, "me1"), soci::use(expires_at, "expires_at"), soci::use(now, "now1"),
         soci::use(row.id, "id"), soci::use(reviewer_id, "me2"), soci::use(now, "now2"));
    update.execute(true);
    if (update.get_affected_rows() == 0) {
      std::optional<SubmissionRow> current = LoadSubmission(session, row.id);
      if (current && current->HasLiveClaim(now)) {
        return Fail(Error::AlreadyExists("Another reviewer has claimed this submission until " +
                                         FormatUtc(*current->claim_expires_at) + "."));
      }
      return Fail(Error::FailedPrecondition("The submission is no longer open for review."));
    }
    spdlog::info("user id={} claimed submission id={} until {}", reviewer_id, row.id,
                 FormatUtc(expires_at));
    v1::Claim claim;
    claim.set_submission_id(row.id);
    claim.set_reviewer_id(reviewer_id);
    claim.set_expires_at(expires_at);
    return claim;
  }

  Result<v1::RecordReviewResponse> CountReview(soci::session& session,
                                               const v1::RecordReviewRequest& request) {
    const long long now = Now();
    const long long submission_id = request.submission_id();
    const long long reviewer_id = request.reviewer_id();
    soci::statement update =
        (session.prepare << "UPDATE submissions SET reviews_count = reviews_count + 1, status = "
                            "'submitted', claimed_by = NULL, claim_expires_at = NULL, "
                            "updated_at = :now WHERE id = :id AND status = 'in_review' AND "
                            "claimed_by = :reviewer_id",
         soci::use(now, "now"), soci::use(submission_id, "id"),
         soci::use(reviewer_id, "reviewer_id"));
    update.execute(true);
    if (update.get_affected_rows() == 0) {
      return Fail(Error::FailedPrecondition(
          "Claim the submission before reviewing it; another reviewer may hold it now."));
    }

    const long long review_id = request.review_id();
    const int score = request.score();
    try {
      session << "INSERT INTO submission_verdicts (submission_id, reviewer_id, review_id, "
                 "verdict, score, created_at) VALUES (:submission_id, :reviewer_id, :review_id, "
                 ":verdict, :score, :created_at)",
          soci::use(submission_id, "submission_id"), soci::use(reviewer_id, "reviewer_id"),
          soci::use(review_id, "review_id"), soci::use(request.verdict(), "verdict"),
          soci::use(score, "score"), soci::use(now, "created_at");
    } catch (const soci::soci_error& error) {
      if (storage::IsUniqueViolation(error)) {
        return Fail(Error::AlreadyExists("You have already reviewed this submission."));
      }
      throw;
    }

    std::optional<SubmissionRow> row = LoadSubmission(session, submission_id);
    v1::RecordReviewResponse response;
    if (row->reviews_count >= options_.required_reviews) {
      DecideSubmission(session, *row, now);
      row = LoadSubmission(session, submission_id);
      response.set_decided(true);
    }
    *response.mutable_submission() = row->ToProto(now, options_.required_reviews, false);
    return response;
  }

  static void DecideSubmission(soci::session& session, const SubmissionRow& row, long long now) {
    std::string verdict;
    int score = 0;
    soci::statement select =
        (session.prepare << "SELECT verdict, score FROM submission_verdicts WHERE "
                            "submission_id = :id",
         soci::use(row.id), soci::into(verdict), soci::into(score));
    select.execute();
    std::vector<Vote> votes;
    while (select.fetch()) {
      votes.push_back({verdict == "accept", score});
    }
    const Decision decision = Decide(votes);
    const std::string status = decision.accepted ? kAccepted : kRejected;
    session << "UPDATE submissions SET status = :status, final_score = :score, decided_at = "
               ":decided_at, updated_at = :updated_at WHERE id = :id",
        soci::use(status, "status"), soci::use(decision.score, "score"),
        soci::use(now, "decided_at"), soci::use(now, "updated_at"), soci::use(row.id, "id");
    spdlog::info("submission id={} {} with score {} after {} reviews", row.id, status,
                 decision.score, votes.size());
  }

  Database& database_;
  storage::BlobStore& blobs_;
  users::UsersService& users_;
  LabDirectory& labs_;
  SubmissionsOptions options_;
  NotebookCopies* notebook_copies_;  // null when the platform keeps no notebooks
  GradingRecord* grading_;           // null when nothing grades submissions
};

}  // namespace

size_t CountCodePoints(std::string_view text) {
  size_t count = 0;
  for (const char byte : text) {
    // Continuation bytes (10xxxxxx) belong to the code point before them.
    if ((static_cast<unsigned char>(byte) & 0xC0) != 0x80) {
      ++count;
    }
  }
  return count;
}

std::vector<FieldViolation> CheckUploadedFiles(
    const google::protobuf::RepeatedPtrField<v1::UploadedFileRef>& files, int max_files,
    const char* field) {
  std::vector<FieldViolation> problems;
  if (files.size() > max_files) {
    problems.push_back({field, "must be at most " + std::to_string(max_files) + " files"});
  }
  // The grader writes the files into one folder, where a second file of the same name would
  // silently replace the first.
  std::set<std::string> names;
  std::set<std::string> repeated;
  for (const v1::UploadedFileRef& file : files) {
    if (!names.insert(file.filename()).second && repeated.insert(file.filename()).second) {
      problems.push_back({field, "contains the file name \"" + file.filename() +
                                     "\" more than once; give each file a different name"});
    }
    if (!file.blob_key().starts_with("uploads/") || !storage::IsValidBlobKey(file.blob_key())) {
      problems.push_back({field, "must refer to uploaded files"});
    }
    if (file.filename().empty() || file.filename().size() > kMaxFilenameLength) {
      problems.push_back({field, "every file needs a name of at most 255 bytes"});
    }
    if (file.size() < 0) {
      problems.push_back({field, "file sizes must not be negative"});
    }
  }
  return problems;
}

std::unique_ptr<SubmissionsService> MakeSubmissionsService(
    storage::Database& database, storage::BlobStore& blobs, users::UsersService& users,
    LabDirectory& labs, SubmissionsOptions options, NotebookCopies* notebook_copies,
    GradingRecord* grading) {
  return std::make_unique<SqlSubmissionsService>(database, blobs, users, labs, std::move(options),
                                                 notebook_copies, grading);
}

}  // namespace openlabs::submissions
