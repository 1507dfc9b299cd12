#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "gateway/http.h"

namespace openlabs::gateway {

// Headers that the server adds to a response besides the handler's own.
struct HeadOptions {
  std::string_view request_id;
  std::string_view cors_origin;  // empty: no CORS headers
  bool no_store = false;         // adds "Cache-Control: no-store" unless the handler set one
  bool keep_alive = true;
  uint64_t content_length = 0;
  bool chunked = false;  // "Transfer-Encoding: chunked" in place of Content-Length
};

// The reason phrase for a status code, or "Unknown" when it has none here.
std::string_view ReasonPhrase(int status);

// Appends the status line and header block of `response` to `out`: the handler's headers, Date,
// Content-Type, Content-Length, Connection, X-Request-Id, CORS and the security headers that
// the handler did not set. A handler header whose name is not an HTTP token, or whose value
// contains CR, LF or NUL, is dropped and logged, so that no handler can split the response.
void AppendResponseHead(const Response& response, const HeadOptions& options, std::string& out);

}  // namespace openlabs::gateway
