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
      !std::equal(kScheme.begin(), kScheme.end(), header.begin(), [](char a, char b) {
        return a == std::tolower(static_cast<unsigned char>(b));
      })) {
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

Result<std::optional<int32_t>> QueryInt(const Request& request, std::string_view name, int32_t min,
                                        int32_t max) {
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

Result<int64_t> QueryId(const Request& request, std::string_view name) {
  const std::string_view text = request.QueryParam(name);
  if (text.empty()) {
    return 0;
  }
  int64_t id = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), id);
  if (error != std::errc() || end != text.data() + text.size() || id <= 0) {
    return Fail(Error::InvalidArgument("The query parameter " + std::string(name) +
                                       " must be a positive integer id."));
  }
  return id;
}

std::vector<std::string> SplitComma(std::string_view text) {
  std::vector<std::string> items;
  size_t start = 0;
  while (start <= text.size()) {
    size_t end = text.find(',', start);
    if (end == std::string_view::npos) {
      end = text.size();
    }
    std::string_view item = text.substr(start, end - start);
    const size_t first = item.find_first_not_of(" \t");
    if (first != std::string_view::npos) {
      items.emplace_back(item.substr(first, item.find_last_not_of(" \t") - first + 1));
    }
    start = end + 1;
  }
  return items;
}

Result<ListQuery> ParseListQuery(const Request& request) {
  constexpr int32_t kMaxPage = 1'000'000;
  constexpr int32_t kMaxLimit = 100;
  constexpr size_t kMaxTagsParameterBytes = 1000;

  Result<std::optional<int32_t>> page = QueryInt(request, "page", 1, kMaxPage);
  if (!page) {
    return Fail(page.error());
  }
  Result<std::optional<int32_t>> limit = QueryInt(request, "limit", 1, kMaxLimit);
  if (!limit) {
    return Fail(limit.error());
  }
  Result<int64_t> author = QueryId(request, "author");
  if (!author) {
    return Fail(author.error());
  }
  const std::string_view tags = request.QueryParam("tags");
  if (tags.size() > kMaxTagsParameterBytes) {
    return Fail(Error::InvalidArgument("The query parameter tags must be at most 1000 bytes."));
  }

  ListQuery query;
  query.page = page->value_or(1);
  query.limit = limit->value_or(20);
  query.author_id = *author;
  query.q = std::string(request.QueryParam("q"));
  query.sort = std::string(request.QueryParam("sort"));
  query.tags = SplitComma(tags);
  return query;
}

}  // namespace openlabs::gateway
