#pragma once

#include <cstdint>
#include <string>

#include "common/call_context.h"
#include "common/error.h"

namespace openlabs::submissions {

// A learner's notebook copy as a marimo `.py` file, exported when the learner submits.
struct NotebookSnapshot {
  std::string filename;  // ends in ".py"
  std::string source;    // marimo's file format
};

// The submissions service's view of the notebooks service, so that it reads no notebook tables.
// The platform adapts the notebooks service to it; tests use a double. Implementations are
// thread-safe.
class NotebookCopies {
 public:
  virtual ~NotebookCopies() = default;

  // Exports the copy `copy_id` that `learner` saved of one of lab `lab_id`'s notebooks.
  // kNotFound when the copy does not exist or is not the learner's own copy. kValidationFailed
  // on field "notebook_copy_id" when the copy's notebook belongs to another lab or an article.
  virtual Result<NotebookSnapshot> ExportCopyForLab(int64_t copy_id, int64_t lab_id,
                                                    const CallContext& learner) = 0;
};

}  // namespace openlabs::submissions
