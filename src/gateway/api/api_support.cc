#include "gateway/api/api_support.h"

#include <charconv>
#include <nlohmann/json.hpp>

namespace openlabs::gateway {

Status ParseJsonBody(const Request& request, google::protobuf::Message& message) {
  if (request.body.empty()) {
    return Fail(Error::InvalidArgument("The request needs a JSON body."));
  }
  nlohmann::json json = nlohmann::json::parse(request.body, nullptr, false);
  if (json.is_discarded()) {
    return Fail(Error::InvalidArgument("The request body is not valid JSON."));
  }
  return JsonToProto(json, message);
}

CallContext AnonymousCaller(const Request& request) {
  CallContext context;
  context.client_address = request.remote_address;
  context.user_agent = std::string(request.Header("user-agent"));
  context.request_id = request.request_id;
  return context;
}

Result<CallContext> OptionalCaller(const Request& request, auth::AuthService& auth) {
  if (request.Header("authorization").empty()) {
    return AnonymousCaller(request);
  }
  return RequireCaller(request, auth);
}

Result<CallContext> RequireCaller(const Request& request, auth::AuthService& auth) {
  const std::string_view header = request.Header("authorization");
  if (header.empty()) {
    return Fail(Error::Unauthenticated("Sign in first: the request has no access token."));
  }
  constexpr std::string_view kScheme = "bearer ";
  if (header.size() <= kScheme.size() ||
      !std::equal(kScheme.begin(), kScheme.end(), header.begin(),
                  [](char a, char b) { return a == std::tolower(static_cast<unsigned char>(b)); })) {
    return Fail(Error::Unauthenticated(
        "The Authorization header must be \"Bearer\" followed by an access token."));
  }
  v1::AuthenticateRequest authenticate;
  authenticate.set_access_token(std::string(header.substr(kScheme.size())));
  Result<v1::Principal> principal = auth.Authenticate(authenticate);
  if (!principal) {
    return Fail(principal.error());
  }
  CallContext context = AnonymousCaller(request);
  context.user_id = principal->user_id();
  context.username = principal->username();
  context.role = principal->role();
  context.session_id = principal->session_id();
  context.token_id = principal->token_id();
  return context;
}

Result<int64_t> PathId(const Request& request, std::string_view name) {
  const std::string_view text = request.PathParam(name);
  int64_t id = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), id);
  if (text.empty() || error != std::errc() || end != text.data() + text.size() || id <= 0) {
    return Fail(Error::InvalidArgument("The " + std::string(name) +
                                       " in the path must be a positive integer."));
  }
  return id;
}

Result<std::optional<int32_t>> QueryInt(const Request& request, std::string_view name,
                                        int32_t min, int32_t max) {
  const std::string_view text = request.QueryParam(name);
  if (text.empty()) {
    return std::optional<int32_t>();
  }
  int32_t value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size() || value < min || value > max) {
    Error invalid = Error::InvalidArgument("The query parameter " + std::string(name) +
                                           " must be an integer from " + std::to_string(min) +
                                           " to " + std::to_string(max) + ".");
    invalid.details.push_back({std::string(name), "must be an integer in range"});
    return Fail(std::move(invalid));
  }
  return std::optional<int32_t>(value);
}

}  // namespace openlabs::gateway
