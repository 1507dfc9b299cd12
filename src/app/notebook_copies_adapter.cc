#include "app/notebook_copies_adapter.h"

namespace openlabs::app {

Result<submissions::NotebookSnapshot> NotebookCopiesAdapter::ExportCopyForLab(
    int64_t copy_id, int64_t lab_id, const CallContext& learner) {
  if (notebooks_ == nullptr) {
    return Fail({ErrorCode::kUnavailable,
                 "The notebooks service is not running.",
                 {},
                 "NotebookCopiesAdapter used before Attach"});
  }
  const Error not_found = Error::NotFound("The notebook copy " + std::to_string(copy_id) +
                                          " does not exist or is not yours.");
  v1::GetNotebookRequest get;
  get.set_id(copy_id);
  Result<v1::Notebook> notebook = notebooks_->GetNotebook(get, learner);
  if (!notebook && notebook.error().code != ErrorCode::kNotFound) {
    return Fail(notebook.error());
  }
  // Moderators may read every copy, so ownership is checked here and not left to GetNotebook.
  if (!notebook || notebook->copy_of() == 0 || notebook->owner_id() != learner.user_id) {
    return Fail(not_found);
  }
  if (notebook->parent_type() != "lab" || notebook->parent_id() != lab_id) {
    return Fail(Error::Validation(
        {{"notebook_copy_id", "must be a copy of one of lab " + std::to_string(lab_id) +
                                  "'s notebooks; copy " + std::to_string(copy_id) + " belongs to " +
                                  notebook->parent_type() + " " +
                                  std::to_string(notebook->parent_id())}}));
  }

  v1::ExportNotebookRequest request;
  request.set_id(copy_id);
  Result<v1::ExportNotebookResponse> exported = notebooks_->ExportNotebook(request, learner);
  if (!exported) {
    return Fail(exported.error());
  }
  return submissions::NotebookSnapshot{exported->filename(), exported->source()};
}

}  // namespace openlabs::app
