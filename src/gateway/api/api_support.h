#pragma once

#include <google/protobuf/message.h>

#include <cstdint>
#include <optional>
#include <string_view>

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
Result<std::optional<int32_t>> QueryInt(const Request& request, std::string_view name,
                                        int32_t min, int32_t max);

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
