#pragma once

#include <cstdint>

#include "services/labs/labs_service.h"
#include "services/submissions/lab_directory.h"
#include "services/submissions/submissions_service.h"

namespace openlabs::app {

// Adapts the labs service to the submissions service's LabDirectory: reads a lab's author and
// status, and forwards new submissions to the lab's counter.
class LabDirectoryAdapter final : public submissions::LabDirectory {
 public:
  explicit LabDirectoryAdapter(labs::LabsService& labs) : labs_(labs) {}

  Result<submissions::LabSummary> GetLab(int64_t lab_id) override;
  Status RecordSubmission(int64_t lab_id) override;

 private:
  labs::LabsService& labs_;
};

// Adapts the submissions service to the labs service's SubmissionCounter. The labs service is
// built first, so the submissions service is attached afterwards.
class SubmissionCounterAdapter final : public labs::SubmissionCounter {
 public:
  void Attach(submissions::SubmissionsService& submissions) { submissions_ = &submissions; }

  // kUnavailable until Attach has run.
  Result<int64_t> CountForLab(int64_t lab_id) override;

 private:
  submissions::SubmissionsService* submissions_ = nullptr;
};

}  // namespace openlabs::app
