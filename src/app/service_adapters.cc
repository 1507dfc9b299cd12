#include "app/service_adapters.h"

namespace openlabs::app {

Result<submissions::LabSummary> LabDirectoryAdapter::GetLab(int64_t lab_id) {
  v1::GetLabRequest get;
  get.set_id(lab_id);
  Result<v1::Lab> lab = labs_.GetLab(get);
  if (!lab) {
    return Fail(lab.error());
  }
  submissions::LabSummary summary;
  summary.id = lab->id();
  summary.author_id = lab->author_id();
  summary.archived = lab->status() == "archived";
  return summary;
}

Status LabDirectoryAdapter::RecordSubmission(int64_t lab_id) {
  v1::RecordSubmissionRequest record;
  record.set_lab_id(lab_id);
  Result<v1::RecordSubmissionResponse> recorded = labs_.RecordSubmission(record);
  if (!recorded) {
    return Fail(recorded.error());
  }
  return {};
}

Result<int64_t> SubmissionCounterAdapter::CountForLab(int64_t lab_id) {
  if (submissions_ == nullptr) {
    return Fail({ErrorCode::kUnavailable,
                 "The submissions service is not running.",
                 {},
                 "SubmissionCounterAdapter used before Attach"});
  }
  return submissions_->CountForLab(lab_id);
}

}  // namespace openlabs::app
