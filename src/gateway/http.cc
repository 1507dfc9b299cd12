#include "gateway/http.h"

#include <strings.h>

#include <string>
#include <utility>

namespace openlabs::gateway {
namespace {

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && strncasecmp(a.data(), b.data(), a.size()) == 0;
}

template <typename Map>
std::string_view FindOrEmpty(const Map& map, std::string_view key) {
  const auto it = map.find(std::string(key));
  if (it == map.end()) {
    return {};
  }
  return it->second;
}

}  // namespace

std::string_view Request::Header(std::string_view name) const {
  for (const auto& [header_name, value] : headers) {
    if (EqualsIgnoreCase(header_name, name)) {
      return value;
    }
  }
  return {};
}

std::string_view Request::PathParam(std::string_view name) const {
  return FindOrEmpty(path_params, name);
}

std::string_view Request::QueryParam(std::string_view name) const {
  return FindOrEmpty(query, name);
}

Response Response::Json(int status, const nlohmann::json& body) {
  Response response;
  response.status = status;
  // Invalid UTF-8 from user data is replaced rather than thrown, so a response is always sent.
  response.body = body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  return response;
}

Response Response::JsonText(int status, std::string body) {
  Response response;
  response.status = status;
  response.body = std::move(body);
  return response;
}

Response Response::NoContent() {
  Response response;
  response.status = 204;
  response.content_type.clear();
  return response;
}

Response Response::FromError(const Error& error) {
  nlohmann::json details = nlohmann::json::array();
  for (const FieldViolation& violation : error.details) {
    details.push_back({{"field", violation.field}, {"message", violation.message}});
  }
  const nlohmann::json body = {
      {"error",
       {{"code", ErrorCodeName(error.code)}, {"message", error.message}, {"details", details}}}};

  Response response = Json(HttpStatusFor(error.code), body);
  if (error.retry_after_seconds.has_value()) {
    response.headers.emplace_back("Retry-After", std::to_string(*error.retry_after_seconds));
  }
  return response;
}

}  // namespace openlabs::gateway
