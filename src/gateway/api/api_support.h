#pragma once

#include <google/protobuf/message.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/call_context.h"
#include "common/error.h"
#include "common/proto_json.h"
#include "gateway/http.h"
#include "services/auth/auth_service.h"

namespace openlabs::gateway {

// Parses the JSON body into `message`. An empty or malformed body, or a field of the wrong type,
// is kInvalidArgument with a message that names what to fix.
Status ParseJsonBody(const Request& request, google::protobuf::Message& message);

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

// Reads an optional integer query parameter within [min, max].
Result<std::optional<int32_t>> QueryInt(const Request& request, std::string_view name, int32_t min,
                                        int32_t max);

// Reads an optional positive id from a query parameter: 0 when absent, kInvalidArgument when
// it is not a positive integer.
Result<int64_t> QueryId(const Request& request, std::string_view name);

// Splits "a, b,c" into its trimmed, non-empty items.
std::vector<std::string> SplitComma(std::string_view text);

// The query parameters shared by the list routes of labs and articles.
struct ListQuery {
  int32_t page = 1;
  int32_t limit = 20;
  int64_t author_id = 0;  // 0 when the list is not filtered by author
  std::string q;
  std::string sort;
  std::vector<std::string> tags;
};

// Reads `page` (1 to 1,000,000), `limit` (1 to 100), `author`, `q`, `sort` and the
// comma-separated `tags` (at most 1000 bytes). The services validate `sort` and the tags.
Result<ListQuery> ParseListQuery(const Request& request);

// The response for a result: `status` with the message as JSON, or the mapped error.
template <typename Message>
Response ProtoResponse(const Result<Message>& result, int status = 200) {
  if (!result) {
    return Response::FromError(result.error());
  }
  return Response::Json(status, ProtoToJson(*result));
}

inline Response StatusResponse(const Status& status) {
  if (!status) {
    return Response::FromError(status.error());
  }
  return Response::NoContent();
}

}  // namespace openlabs::gateway
