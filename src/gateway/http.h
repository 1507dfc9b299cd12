#pragma once

#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "common/error.h"

namespace openlabs::gateway {

// An HTTP request as handlers see it: independent of Boost.Beast, with the body read in full.
struct Request {
  std::string method;  // upper case, e.g. "GET"
  std::string target;  // as received, with the query string
  std::string path;    // percent-decoded path without the query string
  std::unordered_map<std::string, std::string> query;        // percent-decoded parameters
  std::vector<std::pair<std::string, std::string>> headers;  // names in lower case
  std::string body;
  std::string remote_address;  // the peer's IP address
  std::string request_id;
  std::unordered_map<std::string, std::string> path_params;  // from "{name}" route segments

  // The first header with this name (case-insensitive), or an empty view.
  std::string_view Header(std::string_view name) const;
  // The value of a "{name}" route segment, or an empty view.
  std::string_view PathParam(std::string_view name) const;
  // The value of a query parameter, or an empty view.
  std::string_view QueryParam(std::string_view name) const;
};

struct Response {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;

  static Response Json(int status, const nlohmann::json& body);
  static Response NoContent();
  // The JSON error body {"error": {"code", "message", "details"}} with the mapped status.
  static Response FromError(const Error& error);
};

using Handler = std::function<Response(const Request&)>;

// Where a handler runs. Handlers that block for long (password hashing, large file work) run on
// the worker pool so that they do not stall the event loop of their connection's thread.
enum class Execution {
  kInline,
  kWorker,
};

}  // namespace openlabs::gateway
