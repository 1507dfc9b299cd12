#pragma once

#include "common/config.h"
#include "services/grading/grading_service.h"
#include "services/labs/labs_service.h"
#include "services/submissions/lab_directory.h"
#include "services/submissions/submissions_service.h"

namespace openlabs::app {

// Adapts the labs and submissions services to the grading service's SubmissionDirectory. It
// reads submissions with a moderator's rights, as the grading machinery, not as a user.
class GradingDirectoryAdapter final : public grading::SubmissionDirectory {
 public:
  GradingDirectoryAdapter(submissions::SubmissionsService& submissions,
                          submissions::LabDirectory& labs, labs::LabsService& lab_texts)
      : submissions_(submissions), labs_(labs), lab_texts_(lab_texts) {}

  Result<int64_t> GetLabAuthor(int64_t lab_id) override;
  Result<grading::SubmissionSnapshot> GetSubmission(int64_t submission_id) override;
  Result<grading::LabText> GetLabText(int64_t lab_id) override;
  Result<std::vector<int64_t>> ListLabSubmissions(int64_t lab_id, int limit) override;
  Result<std::vector<int64_t>> ListLabSubmissionsSince(int64_t lab_id, int64_t since_millis,
                                                       int limit) override;
  Result<grading::SubmissionAccess> GetAccess(int64_t submission_id,
                                              const CallContext& caller) override;

 private:
  submissions::SubmissionsService& submissions_;
  submissions::LabDirectory& labs_;
  labs::LabsService& lab_texts_;
};

// Adapts the grading service to the submissions service's GradingRecord. The submissions
// service is built first, so the grading service is attached afterwards.
class GradingRecordAdapter final : public submissions::GradingRecord {
 public:
  void Attach(grading::GradingService& grading) { grading_ = &grading; }

  // kUnavailable until Attach has run.
  Result<bool> GradingStarted(int64_t submission_id) override;

 private:
  grading::GradingService* grading_ = nullptr;
};

// The [assistant] chat model as the grading service's rubric model: a non-streaming chat
// completion that requests a JSON object. Unset when no chat model is configured.
grading::RubricModel MakeRubricModel(const Config& config);

// The submissions service with one addition: each new submission is handed to the grading
// service, which queues a grading job when the lab has a grader. Every other call is forwarded.
//
// The job is queued in a second step, after the submission has committed. A submission left
// without a job, because the process died between the two steps or the insert failed, is found
// by GradingService::QueueMissingJobs when the workers start and at each reconcile interval.
class GradedSubmissionsService final : public submissions::SubmissionsService {
 public:
  GradedSubmissionsService(submissions::SubmissionsService& inner, grading::GradingService& grading)
      : inner_(inner), grading_(grading) {}

  Result<v1::Submission> CreateSubmission(const v1::CreateSubmissionRequest& request,
                                          const CallContext& context) override;
  Result<v1::Submission> GetSubmission(const v1::GetSubmissionRequest& request,
                                       const CallContext& context) override {
    return inner_.GetSubmission(request, context);
  }
  Result<v1::DeleteSubmissionResponse> DeleteSubmission(const v1::DeleteSubmissionRequest& request,
                                                        const CallContext& context) override {
    return inner_.DeleteSubmission(request, context);
  }
  Result<v1::ListSubmissionsResponse> ListMine(const v1::ListSubmissionsRequest& request,
                                               const CallContext& context) override {
    return inner_.ListMine(request, context);
  }
  Result<v1::ListSubmissionsResponse> ListForLab(const v1::ListSubmissionsRequest& request,
                                                 const CallContext& context) override {
    return inner_.ListForLab(request, context);
  }
  Result<v1::ReviewQueueResponse> ReviewQueue(const v1::ReviewQueueRequest& request,
                                              const CallContext& context) override {
    return inner_.ReviewQueue(request, context);
  }
  Result<v1::Claim> ClaimSubmission(const v1::ClaimRequest& request,
                                    const CallContext& context) override {
    return inner_.ClaimSubmission(request, context);
  }
  Result<v1::Claim> ReleaseClaim(const v1::ClaimRequest& request,
                                 const CallContext& context) override {
    return inner_.ReleaseClaim(request, context);
  }
  Result<v1::StoredFile> GetSubmissionFile(const v1::GetSubmissionFileRequest& request,
                                           const CallContext& context) override {
    return inner_.GetSubmissionFile(request, context);
  }
  Result<v1::SubmissionAccess> GetAccess(const v1::GetSubmissionRequest& request,
                                         const CallContext& context) override {
    return inner_.GetAccess(request, context);
  }
  Result<v1::RecordReviewResponse> RecordReview(const v1::RecordReviewRequest& request) override {
    return inner_.RecordReview(request);
  }
  Result<int64_t> CountForLab(int64_t lab_id) override { return inner_.CountForLab(lab_id); }
  Result<v1::ExportSubmissionsResponse> ExportSubmissions(
      const v1::ExportSubmissionsRequest& request) override {
    return inner_.ExportSubmissions(request);
  }
  Result<v1::SubmissionsVersion> GetSubmissionsVersion(
      const v1::GetSubmissionsVersionRequest& request) override {
    return inner_.GetSubmissionsVersion(request);
  }

 private:
  submissions::SubmissionsService& inner_;
  grading::GradingService& grading_;
};

}  // namespace openlabs::app
