#pragma once

#include <cstdint>

#include "common/error.h"

namespace openlabs::submissions {

// The facts about a lab that the submissions service uses.
struct LabSummary {
  int64_t id = 0;
  int64_t author_id = 0;
  bool archived = false;  // archived labs stay readable but take no new submissions
};

// The submissions service's view of the labs service, so that it does not depend on the labs
// service's full interface. The platform adapts the labs service to it; tests use a double.
// Implementations are thread-safe.
class LabDirectory {
 public:
  virtual ~LabDirectory() = default;

  // The lab's author and status. kNotFound when the lab does not exist.
  virtual Result<LabSummary> GetLab(int64_t lab_id) = 0;

  // Tells the labs service that the lab received a submission (for its counters).
  virtual Status RecordSubmission(int64_t lab_id) = 0;
};

}  // namespace openlabs::submissions
