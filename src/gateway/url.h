#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "common/error.h"
#include "gateway/http.h"

namespace openlabs::gateway {

// Decodes %XX escapes; with `plus_as_space` also '+' to ' ', as HTML forms encode query
// strings. Returns nullopt on a malformed escape.
std::optional<std::string> PercentDecode(std::string_view text, bool plus_as_space);

// Fills request.path and request.query from request.target. Accepts the origin form
// ("/path?query") and the absolute form ("http://host/path?query"). Returns kInvalidArgument for
// any other form, a malformed escape, or a path that decodes to a NUL byte.
Status ParseTarget(Request& request);

}  // namespace openlabs::gateway
