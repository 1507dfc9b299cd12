#pragma once

#include "services/notebooks/notebooks_service.h"
#include "services/submissions/notebook_copies.h"

namespace openlabs::app {

// Adapts the notebooks service to the submissions service's NotebookCopies: checks that a copy
// is the learner's own and was saved from a notebook of the lab, then exports it. The
// submissions service is built before the notebooks service, so the latter is attached later.
class NotebookCopiesAdapter final : public submissions::NotebookCopies {
 public:
  void Attach(notebooks::NotebooksService& notebooks) { notebooks_ = &notebooks; }

  // kUnavailable until Attach has run.
  Result<submissions::NotebookSnapshot> ExportCopyForLab(int64_t copy_id, int64_t lab_id,
                                                         const CallContext& learner) override;

 private:
  notebooks::NotebooksService* notebooks_ = nullptr;
};

}  // namespace openlabs::app
