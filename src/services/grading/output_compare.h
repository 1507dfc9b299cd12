#pragma once

#include <string_view>

#include "services/grading/grader_spec.h"

namespace openlabs::grading {

// True when `actual` matches `expected` under `mode` (see CompareMode).
bool OutputsMatch(std::string_view expected, std::string_view actual, CompareMode mode);

}  // namespace openlabs::grading
