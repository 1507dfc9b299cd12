#include "gateway/dispatcher.h"

#include <spdlog/spdlog.h>
#include <strings.h>

#include <algorithm>
#include <exception>

#include "common/logging.h"
#include "common/random.h"
#include "gateway/blob_response.h"
#include "gateway/response_head.h"

namespace openlabs::gateway {
namespace {

constexpr size_t kMaxRequestIdLength = 64;
constexpr size_t kMaxLoggedPathLength = 256;
constexpr std::string_view kPreflightMaxAgeSeconds = "600";

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && strncasecmp(a.data(), b.data(), a.size()) == 0;
}

bool IsApiPath(std::string_view path) { return path == "/api" || path.substr(0, 5) == "/api/"; }

bool IsSaneRequestId(std::string_view id) {
  if (id.empty() || id.size() > kMaxRequestIdLength) {
    return false;
  }
  return std::all_of(id.begin(), id.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
           c == '_' || c == '-';
  });
}

bool HasBodyToCheck(const Route& route, const Request& request, bool has_body) {
  if (!has_body || route.upload_store != nullptr || !IsApiPath(request.path)) {
    return false;
  }
  return request.method == "POST" || request.method == "PUT" || request.method == "PATCH";
}

// The media type of a Content-Type value: the part before ';', without surrounding spaces.
std::string_view MediaType(std::string_view content_type) {
  content_type = content_type.substr(0, content_type.find(';'));
  const size_t first = content_type.find_first_not_of(" \t");
  if (first == std::string_view::npos) {
    return {};
  }
  const size_t last = content_type.find_last_not_of(" \t");
  return content_type.substr(first, last - first + 1);
}

bool AcceptsContentType(const Route& route, std::string_view content_type) {
  const std::string_view media_type = MediaType(content_type);
  return std::any_of(
      route.content_types.begin(), route.content_types.end(),
      [&](const std::string& accepted) { return EqualsIgnoreCase(accepted, media_type); });
}

// The 422 error for an API request whose query has a parameter that the route does not read
// (Route::query_params) or has one parameter twice. Nothing when the query is acceptable.
std::optional<Error> CheckQueryParams(const Route& route, const Request& request) {
  const auto is_known = [&route](const std::string& name) {
    return std::find(route.query_params.begin(), route.query_params.end(), name) !=
           route.query_params.end();
  };
  std::vector<FieldViolation> problems;
  for (const auto& [name, value] : request.query) {
    if (is_known(name)) {
      continue;
    }
    std::string accepted;
    for (const std::string& known : route.query_params) {
      accepted += accepted.empty() ? "" : ", ";
      accepted += known;
    }
    problems.push_back({name, accepted.empty()
                                  ? "is not a query parameter of this route; it accepts none"
                                  : "is not a query parameter of this route; it accepts " +
                                        accepted});
  }
  for (const std::string& name : request.repeated_query) {
    if (is_known(name)) {
      problems.push_back({name, "occurs more than once; send each query parameter once"});
    }
  }
  if (problems.empty()) {
    return std::nullopt;
  }
  // The query is an unordered map, so the details are sorted to keep the body stable.
  std::sort(problems.begin(), problems.end(),
            [](const FieldViolation& a, const FieldViolation& b) { return a.field < b.field; });
  return Error::Validation(std::move(problems));
}

// The 422 error for a multipart body with a text field twice; nothing when each name is unique.
std::optional<Error> CheckRepeatedFormFields(const Request& request) {
  std::vector<FieldViolation> problems;
  // Equal keys of an unordered_multimap are adjacent, so each name is visited once.
  for (auto it = request.form.begin(); it != request.form.end();) {
    const auto [first, last] = request.form.equal_range(it->first);
    if (std::distance(first, last) > 1) {
      problems.push_back({first->first, "occurs more than once; send each form field once"});
    }
    it = last;
  }
  if (problems.empty()) {
    return std::nullopt;
  }
  std::sort(problems.begin(), problems.end(),
            [](const FieldViolation& a, const FieldViolation& b) { return a.field < b.field; });
  return Error::Validation(std::move(problems));
}

Dispatch Respond(Response response, std::string_view label) {
  Dispatch dispatch;
  dispatch.response = std::move(response);
  dispatch.label = label;
  return dispatch;
}

// 405 responses carry the allowed methods in an Allow header as well as in the error details.
Response ErrorResponse(const Error& error) {
  Response response = Response::FromError(error);
  if (error.code != ErrorCode::kMethodNotAllowed) {
    return response;
  }
  for (const FieldViolation& detail : error.details) {
    if (detail.field == kAllowDetailField) {
      response.headers.emplace_back("Allow", detail.message);
    }
  }
  return response;
}

// Replaces control characters, so that a request path cannot forge lines in a text log.
std::string LoggablePath(std::string_view path) {
  if (path.empty()) {
    return "-";
  }
  std::string text(path.substr(0, kMaxLoggedPathLength));
  for (char& c : text) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
      c = '?';
    }
  }
  if (path.size() > kMaxLoggedPathLength) {
    text += "...";
  }
  return text;
}

spdlog::level::level_enum AccessLogLevel(int status) {
  if (status >= 500) {
    return spdlog::level::err;
  }
  if (status >= 400) {
    return spdlog::level::warn;
  }
  return spdlog::level::info;
}

}  // namespace

Dispatcher::Dispatcher(const ServerOptions& options, const Router& router,
                       std::function<Status()> readiness_check, HttpMetrics& metrics,
                       StaticFiles static_files)
    : options_(options),
      router_(router),
      readiness_check_(std::move(readiness_check)),
      metrics_(metrics),
      static_files_(std::move(static_files)) {
  AddBuiltinRoutes();
}

void Dispatcher::AddBuiltinRoutes() {
  builtins_.Add("GET", "/healthz", [](const Request&) {
    return Response::Json(200, {{"status", "ok"}});
  });

  // The readiness check usually talks to the database, so it runs on the worker pool.
  builtins_.Add(
      "GET", "/readyz",
      [this](const Request&) {
        if (readiness_check_) {
          const Status status = readiness_check_();
          if (!status) {
            spdlog::warn("Readiness check failed: {}{}{}", status.error().message,
                         status.error().internal.empty() ? "" : " ", status.error().internal);
            return Response::FromError(status.error());
          }
        }
        nlohmann::json body = {{"status", "ready"}};
        if (options_.readiness_warnings) {
          if (std::vector<std::string> warnings = options_.readiness_warnings();
              !warnings.empty()) {
            body["warnings"] = std::move(warnings);
          }
        }
        return Response::Json(200, body);
      },
      Execution::kWorker);

  builtins_.Add("GET", "/metrics", [this](const Request&) {
    Response response;
    response.content_type = "text/plain; version=0.0.4; charset=utf-8";
    response.body = metrics_.Render();
    return response;
  });
}

Dispatch Dispatcher::Resolve(Request& request, bool has_body) const {
  if (request.method == "OPTIONS" && !request.Header("origin").empty() &&
      !request.Header("access-control-request-method").empty()) {
    return Preflight(request);
  }

  const Result<Router::Match> builtin = builtins_.Find(request.method, request.path);
  if (builtin) {
    return Handle(*builtin, request, has_body);
  }
  if (builtin.error().code == ErrorCode::kMethodNotAllowed) {
    return Respond(ErrorResponse(builtin.error()), kUnmatchedLabel);
  }

  const Result<Router::Match> match = router_.Find(request.method, request.path);
  if (match) {
    return Handle(*match, request, has_body);
  }
  const bool wants_file = request.method == "GET" || request.method == "HEAD";
  if (match.error().code == ErrorCode::kNotFound && wants_file && static_files_.enabled() &&
      !IsApiPath(request.path)) {
    return ServeFile(request);
  }
  return Respond(ErrorResponse(match.error()), kUnmatchedLabel);
}

Dispatch Dispatcher::Preflight(const Request& request) const {
  const std::string_view origin = AllowedOrigin(request);
  if (origin.empty()) {
    return Respond(Response::FromError(Error::PermissionDenied(
                       "Cross-origin requests from this origin are not allowed.")),
                   kPreflightLabel);
  }

  Response response = Response::NoContent();
  response.headers.emplace_back("Access-Control-Allow-Methods",
                                "GET, HEAD, POST, PUT, PATCH, DELETE");
  response.headers.emplace_back("Access-Control-Allow-Headers",
                                "Authorization, Content-Type, X-Request-Id");
  response.headers.emplace_back("Access-Control-Max-Age", std::string(kPreflightMaxAgeSeconds));
  return Respond(std::move(response), kPreflightLabel);
}

Dispatch Dispatcher::Handle(const Router::Match& match, Request& request, bool has_body) const {
  const Route& route = *match.route;
  if (IsApiPath(request.path)) {
    if (std::optional<Error> query_error = CheckQueryParams(route, request)) {
      return Respond(Response::FromError(*query_error), route.pattern);
    }
  }
  if (HasBodyToCheck(route, request, has_body) &&
      !AcceptsContentType(route, request.Header("content-type"))) {
    Error error{ErrorCode::kUnsupportedMediaType,
                "The request body must have one of the accepted content types."};
    for (const std::string& type : route.content_types) {
      error.details.push_back({"content-type", type});
    }
    return Respond(Response::FromError(error), route.pattern);
  }

  request.path_params.clear();
  for (const auto& [name, value] : match.params) {
    request.path_params.emplace(name, value);
  }
  Dispatch dispatch;
  dispatch.kind = Dispatch::Kind::kHandle;
  dispatch.route = &route;
  dispatch.label = route.pattern;
  return dispatch;
}

Dispatch Dispatcher::ServeFile(const Request& request) const {
  Result<StaticFile> file = static_files_.Resolve(request.path);
  if (!file) {
    return Respond(Response::FromError(file.error()), kStaticLabel);
  }

  Dispatch dispatch;
  dispatch.label = kStaticLabel;
  dispatch.no_store = false;
  dispatch.response.content_type = file->content_type;
  dispatch.response.headers.emplace_back("Cache-Control", file->cache_control);
  dispatch.response.headers.emplace_back("ETag", file->etag);
  dispatch.response.headers.emplace_back("Accept-Ranges", "bytes");
  if (IfNoneMatchMatches(request.Header("if-none-match"), file->etag)) {
    dispatch.response.status = 304;
    return dispatch;
  }

  const RangeSelection selection =
      SelectRequestRange(request, file->etag, static_cast<int64_t>(file->size));
  if (selection.kind == RangeSelection::Kind::kUnsatisfiable) {
    dispatch.response = RangeNotSatisfiable(static_cast<int64_t>(file->size));
    dispatch.no_store = true;
    return dispatch;
  }
  if (selection.kind == RangeSelection::Kind::kPartial) {
    dispatch.response.status = 206;
    dispatch.response.headers.emplace_back(
        "Content-Range", ContentRange(selection.range, static_cast<int64_t>(file->size)));
    dispatch.file_range = selection.range;
  }
  dispatch.kind = Dispatch::Kind::kServeFile;
  dispatch.file = std::move(*file);
  return dispatch;
}

Response Dispatcher::Invoke(const Route& route, const Request& request) const {
  logging::ScopedRequestId scoped_id(request.request_id);
  // When the response is an error, the server deletes the files that the upload stored.
  if (route.upload_store != nullptr) {
    if (std::optional<Error> repeated = CheckRepeatedFormFields(request)) {
      return Response::FromError(*repeated);
    }
  }
  try {
    return route.handler(request);
  } catch (const std::exception& exception) {
    spdlog::error("Handler of {} {} threw an exception: {}", route.method, route.pattern,
                  exception.what());
  } catch (...) {
    spdlog::error("Handler of {} {} threw a non-standard exception", route.method, route.pattern);
  }
  return Response::FromError(Error::Internal("handler threw"));
}

std::string_view Dispatcher::AllowedOrigin(const Request& request) const {
  const std::string_view origin = request.Header("origin");
  if (origin.empty()) {
    return {};
  }
  for (const std::string& allowed : options_.cors_origins) {
    if (allowed == origin) {
      return origin;
    }
  }
  return {};
}

bool Dispatcher::AllowsWebSocketOrigin(const Request& request) const {
  const std::string_view origin = request.Header("origin");
  if (origin.empty() || !AllowedOrigin(request).empty()) {
    return true;
  }
  // An origin is "scheme://host[:port]". Only the host and port are compared, because a proxy
  // that ends TLS forwards https pages to a server that itself speaks http.
  const size_t separator = origin.find("://");
  if (separator == std::string_view::npos) {
    return false;
  }
  const std::string_view authority = origin.substr(separator + 3);
  const std::string_view host = request.Header("host");
  return !host.empty() && authority.size() == host.size() &&
         strncasecmp(authority.data(), host.data(), host.size()) == 0;
}

void Dispatcher::AppendHead(const Request& request, const Response& response, bool no_store,
                            bool keep_alive, uint64_t content_length, std::string& out,
                            bool chunked) const {
  HeadOptions head;
  head.request_id = request.request_id;
  head.cors_origin = AllowedOrigin(request);
  head.no_store = no_store;
  head.keep_alive = keep_alive;
  head.content_length = content_length;
  head.chunked = chunked;
  AppendResponseHead(response, head, out);
}

void Dispatcher::RecordAccess(size_t shard, const Request& request, std::string_view label,
                              int status, double seconds, uint64_t body_bytes) const {
  metrics_.Record(shard, label, MethodLabelFor(request.method), status, seconds);

  const spdlog::level::level_enum level = AccessLogLevel(status);
  if (!spdlog::should_log(level)) {
    return;
  }
  logging::ScopedRequestId scoped_id(request.request_id);
  spdlog::log(level, "{} {} {} route={} duration_ms={:.3f} bytes={} remote={}",
              request.method.empty() ? "-" : request.method, LoggablePath(request.path), status,
              label, seconds * 1000, body_bytes, request.remote_address);
}

std::string RequestIdFor(std::string_view incoming) {
  if (IsSaneRequestId(incoming)) {
    return std::string(incoming);
  }

  // 48 random bits per thread (8 base64url characters), then 7 base-32 digits of a per-thread
  // counter: 15 characters, short enough for the small-string buffer of std::string.
  static constexpr char kDigits[] = "0123456789abcdefghijklmnopqrstuv";
  constexpr size_t kPrefixLength = 8;
  constexpr size_t kIdLength = 15;
  constexpr uint64_t kCounterLimit = 1ULL << (5 * (kIdLength - kPrefixLength));
  thread_local std::string prefix;
  thread_local uint64_t counter = 0;
  if (prefix.empty() || counter >= kCounterLimit) {
    prefix = RandomToken(6);
    counter = 0;
  }

  std::string id = prefix;
  id.resize(kIdLength);
  uint64_t value = counter++;
  for (size_t i = kIdLength; i > kPrefixLength; --i) {
    id[i - 1] = kDigits[value & 31];
    value >>= 5;
  }
  return id;
}

}  // namespace openlabs::gateway
