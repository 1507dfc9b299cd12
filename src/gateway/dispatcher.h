#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "common/error.h"
#include "gateway/http.h"
#include "gateway/metrics.h"
#include "gateway/router.h"
#include "gateway/server.h"
#include "gateway/static_files.h"
#include "storage/blob_store.h"

namespace openlabs::gateway {

// Route labels, in metrics and access logs, of requests that match no route pattern.
inline constexpr std::string_view kUnmatchedLabel = "unmatched";
inline constexpr std::string_view kStaticLabel = "static";
inline constexpr std::string_view kPreflightLabel = "cors_preflight";

// The server's plan for one request: a ready response, a handler to run or a file to send.
struct Dispatch {
  enum class Kind {
    kRespond,    // send `response` as it is
    kHandle,     // run `route`'s handler
    kServeFile,  // send `file` with the headers in `response`
  };
  Kind kind = Kind::kRespond;
  Response response;
  const Route* route = nullptr;
  StaticFile file;
  std::optional<storage::ByteRange> file_range;  // set for a 206 response with part of `file`
  std::string_view label = kUnmatchedLabel;
  bool no_store = true;  // add "Cache-Control: no-store" unless the response sets its own
};

// The protocol-independent part of the server: built-in routes, CORS, content-type checks,
// static files, response headers, metrics and access logs. The Beast code in server.cc only
// reads requests, calls these and writes bytes. Thread-safe after construction.
class Dispatcher {
 public:
  // `metrics` must outlive the dispatcher.
  Dispatcher(const ServerOptions& options, const Router& router,
             std::function<Status()> readiness_check, HttpMetrics& metrics,
             StaticFiles static_files);
  Dispatcher(const Dispatcher&) = delete;
  Dispatcher& operator=(const Dispatcher&) = delete;

  // Decides how to respond to a request whose path and query are parsed, from its header alone.
  // `has_body` is true when the header announces a body; such a body must have one of the
  // route's content types, except on upload routes, which check their multipart body
  // themselves. Fills request.path_params when a route matches.
  Dispatch Resolve(Request& request, bool has_body) const;

  // Runs a route's handler with the request id set for logging. An exception from the handler
  // becomes a 500 error response and is logged with its message.
  Response Invoke(const Route& route, const Request& request) const;

  // Appends the status line and headers of the response to `request` to `out`. With `chunked`,
  // the body length is left out and "Transfer-Encoding: chunked" is sent instead.
  void AppendHead(const Request& request, const Response& response, bool no_store, bool keep_alive,
                  uint64_t content_length, std::string& out, bool chunked = false) const;

  // Updates the metrics and writes the access log line of a finished request.
  void RecordAccess(size_t shard, const Request& request, std::string_view label, int status,
                    double seconds, uint64_t body_bytes) const;

  // Returns true when a WebSocket upgrade may go ahead. Browsers send Origin with every upgrade
  // but apply no CORS rule to WebSockets, so the server checks it. It allows requests without
  // Origin (non-browser clients), the origins in cors_origins and the server's own origin, whose
  // host and port equal the Host header.
  bool AllowsWebSocketOrigin(const Request& request) const;

  // The routes the dispatcher serves itself, before the application's router.
  const Router& builtin_routes() const { return builtins_; }

 private:
  void AddBuiltinRoutes();
  std::string_view AllowedOrigin(const Request& request) const;
  Dispatch Preflight(const Request& request) const;
  Dispatch Handle(const Router::Match& match, Request& request, bool has_body) const;
  Dispatch ServeFile(const Request& request) const;

  const ServerOptions& options_;
  const Router& router_;
  std::function<Status()> readiness_check_;
  HttpMetrics& metrics_;
  StaticFiles static_files_;
  Router builtins_;  // /healthz, /readyz, /metrics
};

// The request id for a request: `incoming` (an X-Request-Id header) when it has 1 to 64
// characters of [A-Za-z0-9._-], otherwise a new id of 15 characters: a random 48-bit prefix per
// thread and a counter. Ids of two threads collide only when their prefixes do. The system's
// random source is read once per thread, not per request, because ids need not be secret.
std::string RequestIdFor(std::string_view incoming);

}  // namespace openlabs::gateway
