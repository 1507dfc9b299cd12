#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "gateway/http.h"
#include "gateway/websocket.h"

namespace openlabs::storage {
class BlobStore;
}  // namespace openlabs::storage

namespace openlabs::gateway {

struct Route {
  std::string method;
  std::string pattern;  // e.g. "/api/v1/users/{id}"; also the route label in metrics
  Handler handler;
  Execution execution = Execution::kInline;
  // Media types (without parameters) accepted in the body of POST, PUT and PATCH requests under
  // /api/. Other types get 415 unsupported_media_type. Upload routes ignore this list.
  std::vector<std::string> content_types = {"application/json"};
  // Set for multipart upload routes: the server streams the body through an UploadSink into
  // this blob store instead of buffering it, under upload_limits instead of the server's body
  // limit, and fills Request::form and Request::files (Request::body stays empty). The body must
  // be multipart/form-data (415 otherwise, 400 without a boundary or when malformed, 413 over a
  // limit, all sent before the rest of the body is read). The handler runs once the whole body
  // is stored.
  storage::BlobStore* upload_store = nullptr;
  UploadLimits upload_limits;
  // For upload routes: runs on the request head before the body is read. A response it returns
  // is sent at once with "Connection: close", and nothing of the body is stored, so that a
  // request without a valid login does not make the server write its files first. The server
  // then reads and discards the body, up to its announced size within the route's body limit
  // and for at most 30 s, so that a client that sends the whole body first still gets the
  // response.
  // NOTE: a client still sending after that may see the connection reset before it reads the
  // response. After an early 413 the server reads and discards at most 16 MiB in 2 s.
  std::function<std::optional<Response>(const Request&)> upload_check;
  // Set for WebSocket routes (method GET): a request that asks for the upgrade goes to this
  // function (see websocket.h); any other request runs `handler`.
  WebSocketAccept websocket;
  WebSocketLimits websocket_limits;
  // The query parameters that the handler reads. For paths under /api/, the server responds 422
  // validation_failed before the handler runs when the query has any other parameter or has
  // one parameter twice, with one detail naming each such parameter.
  std::vector<std::string> query_params;
};

// The "field" of the error detail that lists the allowed methods of a 405 error, for example
// {"field": "allow", "message": "GET, HEAD"}.
inline constexpr std::string_view kAllowDetailField = "allow";

// Maps a method and path to a handler. Patterns are literal segments and "{name}" segments; a
// literal segment wins over a parameter at the same position. Not thread-safe while routes are
// added; safe for concurrent Find once serving starts.
class Router {
 public:
  Router();
  ~Router();
  Router(Router&&) noexcept;
  Router& operator=(Router&&) noexcept;

  // Registers a route. Throws std::invalid_argument on a malformed pattern (not starting with
  // '/', an empty segment, a "{" segment not closed by "}") or on a duplicate method and
  // pattern, because both are programming errors found at start-up. Returns the stored route,
  // so that the caller can set more of it (query_params) before serving starts.
  Route& Add(std::string_view method, std::string_view pattern, Handler handler,
             Execution execution = Execution::kInline);
  Route& Add(Route route);

  struct Match {
    const Route* route = nullptr;
    std::vector<std::pair<std::string, std::string>> params;
  };

  // The matching route, or kNotFound when no pattern matches the path, or kMethodNotAllowed
  // (with the allowed methods in the error's details) when the path matches with other methods.
  // A HEAD request matches a GET route when no HEAD route exists for that path. An empty path
  // segment ("//" or a trailing "/") matches neither a literal nor a parameter.
  Result<Match> Find(std::string_view method, std::string_view path) const;

  // Every registered route, in the order of registration.
  std::vector<const Route*> Routes() const;

 private:
  struct Node;

  std::vector<std::unique_ptr<Route>> routes_;
  std::unique_ptr<Node> root_;
};

}  // namespace openlabs::gateway
