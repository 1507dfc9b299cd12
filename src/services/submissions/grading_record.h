#pragma once

#include <cstdint>

#include "common/error.h"

namespace openlabs::submissions {

// The submissions service's view of the grading service. A deletion refunds the submission's
// points only while no grader has started on it, because the points pay for the grading. The
// platform adapts the grading service to it. Implementations are thread-safe.
class GradingRecord {
 public:
  virtual ~GradingRecord() = default;

  // Whether a grading worker has started on the submission and so may have read its files.
  virtual Result<bool> GradingStarted(int64_t submission_id) = 0;
};

}  // namespace openlabs::submissions
