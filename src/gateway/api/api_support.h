#pragma once

#include <google/protobuf/message.h>

#include <cstdint>
#include <functional>
#include <initializer_list>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/call_context.h"
#include "common/error.h"
#include "common/proto_json.h"
#include "gateway/http.h"
#include "gateway/router.h"
#include "services/auth/auth_service.h"

namespace openlabs::gateway {

// Parses the JSON body. An empty or malformed body is kInvalidArgument (400). A well-formed body
// with a key twice in one object is kValidationFailed (422) naming the key.
Result<nlohmann::json> ParseJsonRequestBody(const Request& request);

// Parses the JSON body into `message`. An empty or malformed body is kInvalidArgument (400). A
// body that is not an object, a repeated key, a key that names no field of the message or a
// field of the wrong type is kValidationFailed (422), with details that name what to fix.
Status ParseJsonBody(const Request& request, google::protobuf::Message& message);

// Parses a JSON body that no protobuf message describes. Like ParseJsonBody, it must be an object
// whose keys are all in `fields`, where "scope.lab_id" names a key of the object in "scope" (see
// CheckJsonFields). The handler checks the values.
Result<nlohmann::json> ParseJsonObjectBody(const Request& request,
                                           std::initializer_list<std::string_view> fields);

// The caller behind the request's "Authorization: Bearer" token. kUnauthenticated when the
// header is missing or malformed, or the token fails verification or its session has ended.
Result<CallContext> RequireCaller(const Request& request, auth::AuthService& auth);

// Like RequireCaller, but an anonymous context when the request carries no token at all. A
// token that is present but invalid is still an error, so clients learn to refresh it.
Result<CallContext> OptionalCaller(const Request& request, auth::AuthService& auth);

// Client address and user agent of the request, for rate limits and session records.
CallContext AnonymousCaller(const Request& request);

// Reads a positive 64-bit id from a path parameter; kInvalidArgument names the parameter.
Result<int64_t> PathId(const Request& request, std::string_view name);

// Reads an optional integer query parameter within [min, max]. A value that is not such an
// integer is kValidationFailed with the parameter named in the details.
Result<std::optional<int32_t>> QueryInt(const Request& request, std::string_view name, int32_t min,
                                        int32_t max);

// Reads an optional positive id from a query parameter: 0 when absent, kValidationFailed naming
// the parameter when it is not a positive integer.
Result<int64_t> QueryId(const Request& request, std::string_view name);

// Rejects the query parameters that are not in `known` with kValidationFailed, one detail for
// each, so that a misspelt filter (author_id for author) is reported instead of ignored.
Status RejectUnknownQueryParams(const Request& request,
                                std::initializer_list<std::string_view> known);

// Splits "a, b,c" into its trimmed, non-empty items.
std::vector<std::string> SplitComma(std::string_view text);

// Page limits of every paginated list route.
inline constexpr int32_t kMaxPage = 1'000'000;
inline constexpr int32_t kMaxPageLimit = 100;
inline constexpr int32_t kDefaultPageLimit = 20;

// One page of a list: `page` counts from 1, `limit` is the page size.
struct Page {
  int32_t page = 1;
  int32_t limit = kDefaultPageLimit;
};

// Reads `page` (1 to kMaxPage, default 1) and `limit` (1 to kMaxPageLimit, default 20).
Result<Page> ParsePage(const Request& request);

// Copies `page` into a list request message with `page` and `limit` fields.
template <typename ListRequest>
void SetPage(const Page& page, ListRequest& list) {
  list.set_page(page.page);
  list.set_limit(page.limit);
}

// The query parameters shared by the list routes of labs and articles.
struct ListQuery {
  Page page;
  int64_t author_id = 0;  // 0 when the list is not filtered by author
  std::string q;
  std::string sort;
  std::vector<std::string> tags;
};

// The query parameters that ParsePage and ParseListQuery read, for Route::query_params.
inline const std::vector<std::string> kPageQueryParams = {"page", "limit"};
inline const std::vector<std::string> kListQueryParams = {"page", "limit", "author",
                                                          "q",    "sort",  "tags"};

// Reads `page`, `limit`, `author`, `q`, `sort` and the comma-separated `tags` (at most 1000
// bytes), and rejects any other parameter. The services validate `sort` and the tags.
Result<ListQuery> ParseListQuery(const Request& request);

// The response for a result: `status` with the message as JSON, or the mapped error.
template <typename Message>
Response ProtoResponse(const Result<Message>& result, int status = 200) {
  if (!result) {
    return Response::FromError(result.error());
  }
  return Response::JsonText(status, ProtoToJsonText(*result));
}

// 200 with the JSON value, or the mapped error.
Response JsonResponse(const Result<nlohmann::json>& result);

// 204 No Content, or the mapped error.
inline Response StatusResponse(const Status& status) {
  if (!status) {
    return Response::FromError(status.error());
  }
  return Response::NoContent();
}

// 204 No Content when the call succeeded (its value is not sent), or the mapped error.
template <typename Value>
Response NoContentResponse(const Result<Value>& result) {
  if (!result) {
    return Response::FromError(result.error());
  }
  return Response::NoContent();
}

// The caller identity that a route reads from the request's access token.
enum class CallerPolicy {
  kAnonymous,  // the route ignores tokens; the caller carries only the client's address
  kOptional,   // a valid token, or none at all (see OptionalCaller)
  kRequired,   // a valid token (see RequireCaller)
};

// The inputs of an API handler, after the checks that every route shares.
struct ApiCall {
  const Request& request;
  CallContext caller;
  int64_t id = 0;  // the "{id}" path parameter; 0 when the route pattern has none
};

using ApiHandler = std::function<Response(const ApiCall&)>;

// Wraps `handler` as a route handler that checks, in this order: the "{id}" path parameter when
// `pattern` has one (400 unless a positive integer), then the caller by `policy` (401 for a
// missing or invalid token), and then calls `handler`. `auth` may be null only with kAnonymous.
Handler MakeApiHandler(std::string_view pattern, auth::AuthService* auth, CallerPolicy policy,
                       ApiHandler handler);

// Registers API routes on a router with the shared checks of MakeApiHandler.
class ApiRoutes {
 public:
  ApiRoutes(Router& router, auth::AuthService* auth) : router_(router), auth_(auth) {}

  // Registers the route and returns it, for setting Route::query_params.
  Route& Add(std::string_view method, std::string_view pattern, CallerPolicy policy,
             ApiHandler handler, Execution execution = Execution::kInline);

  // Adds a route whose handler also receives the JSON body parsed into `Body` (400 when the
  // body is missing or malformed, checked after the caller).
  template <typename Body>
  Route& AddJson(std::string_view method, std::string_view pattern, CallerPolicy policy,
                 std::function<Response(const ApiCall&, Body&)> handler,
                 Execution execution = Execution::kInline) {
    return Add(
        method, pattern, policy,
        [handler = std::move(handler)](const ApiCall& call) {
          Body body;
          if (Status parsed = ParseJsonBody(call.request, body); !parsed) {
            return Response::FromError(parsed.error());
          }
          return handler(call, body);
        },
        execution);
  }

  // A route with the shared checks, for the caller to add settings (uploads) before
  // registering it with router(). Unless `policy` is kAnonymous, its upload_check checks the
  // caller before an upload body is read.
  Route MakeRoute(std::string_view method, std::string_view pattern, CallerPolicy policy,
                  ApiHandler handler) const;

  Router& router() { return router_; }

 private:
  Router& router_;
  auth::AuthService* auth_;
};

}  // namespace openlabs::gateway
