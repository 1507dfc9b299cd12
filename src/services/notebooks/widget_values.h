// Checks of the values that a client sends for notebook widgets. The server makes them before the
// value reaches the kernel, so a bad value is rejected with HTTP 422 and no cell runs with it.
#pragma once

#include <nlohmann/json.hpp>

#include "common/error.h"

namespace openlabs::notebooks {

// Checks `value` against `widget`, a widget description of the kernel's `widgets` event
// ({"id", "kind", "props", ...}). A slider's value must be a number from `start` to `stop`, on
// the grid of `step` (1 when unset) from `start`. With a `steps` list, which the kernel snaps
// to, any number in the range passes. A range_slider's value must be a [low, high] pair of such
// numbers, and a number field's value null or a number within its `start` and `stop` (when
// set). Values of other kinds are left to the kernel. Fails with kValidationFailed on "value".
Status CheckWidgetValue(const nlohmann::json& widget, const nlohmann::json& value);

}  // namespace openlabs::notebooks
