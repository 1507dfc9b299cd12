#include "gateway/api/api_support.h"

#include <algorithm>
#include <charconv>
#include <optional>
#include <set>
#include <nlohmann/json.hpp>

namespace openlabs::gateway {

Result<nlohmann::json> ParseJsonRequestBody(const Request& request) {
  if (request.body.empty()) {
    return Fail(Error::InvalidArgument("The request needs a JSON body."));
  }
  // nlohmann::json keeps the last of duplicate keys, so the parser callback records the keys of
  // each open object to reject a body whose meaning depends on which copy a reader keeps.
  std::vector<std::set<std::string>> open_objects;
  std::string duplicate_key;
  const auto check_keys = [&](int /*depth*/, nlohmann::json::parse_event_t event,
                              nlohmann::json& parsed) {
    using Event = nlohmann::json::parse_event_t;
    if (event == Event::object_start) {
      open_objects.emplace_back();
    } else if (event == Event::object_end && !open_objects.empty()) {
      open_objects.pop_back();
    } else if (event == Event::key && !open_objects.empty() &&
               !open_objects.back().insert(parsed.get<std::string>()).second &&
               duplicate_key.empty()) {
      duplicate_key = parsed.get<std::string>();
    }
    return true;
  };
  nlohmann::json json = nlohmann::json::parse(request.body, check_keys, false);
  if (json.is_discarded()) {
    return Fail(Error::InvalidArgument("The request body is not valid JSON."));
  }
  if (!duplicate_key.empty()) {
    return Fail(Error{ErrorCode::kValidationFailed,
                      "The request body has the key \"" + duplicate_key +
                          "\" twice in one object; send each key once.",
                      {{duplicate_key, "is duplicated"}}});
  }
  return json;
}

Status ParseJsonBody(const Request& request, google::protobuf::Message& message) {
  Result<nlohmann::json> json = ParseJsonRequestBody(request);
  if (!json) {
    return Fail(json.error());
  }
  return JsonToProto(*json, message);
}

Result<nlohmann::json> ParseJsonObjectBody(const Request& request,
                                           std::initializer_list<std::string_view> fields) {
  Result<nlohmann::json> json = ParseJsonRequestBody(request);
  if (!json) {
    return Fail(json.error());
  }
  if (Status known = CheckJsonFields(*json, {fields.begin(), fields.size()}); !known) {
    return Fail(known.error());
  }
  return json;
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

namespace {

Error InvalidQueryParam(std::string_view name, std::string message) {
  return Error::Validation({{std::string(name), std::move(message)}});
}

}  // namespace

Result<std::optional<int32_t>> QueryInt(const Request& request, std::string_view name, int32_t min,
                                        int32_t max) {
  const std::string_view text = request.QueryParam(name);
  if (text.empty()) {
    return std::optional<int32_t>();
  }
  int32_t value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size() || value < min || value > max) {
    return Fail(InvalidQueryParam(name, "must be an integer from " + std::to_string(min) +
                                            " to " + std::to_string(max)));
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
    return Fail(InvalidQueryParam(name, "must be a positive integer id"));
  }
  return id;
}

Status RejectUnknownQueryParams(const Request& request,
                                std::initializer_list<std::string_view> known) {
  std::vector<FieldViolation> unknown;
  for (const auto& [name, value] : request.query) {
    if (std::find(known.begin(), known.end(), name) == known.end()) {
      std::string accepted;
      for (std::string_view item : known) {
        accepted += accepted.empty() ? "" : ", ";
        accepted += item;
      }
      unknown.push_back({name, "is not a query parameter of this route; it accepts " + accepted});
    }
  }
  if (unknown.empty()) {
    return {};
  }
  // The query is an unordered map, so the details are sorted to keep the body stable.
  std::sort(unknown.begin(), unknown.end(),
            [](const FieldViolation& a, const FieldViolation& b) { return a.field < b.field; });
  return Fail(Error::Validation(std::move(unknown)));
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

Result<Page> ParsePage(const Request& request) {
  Result<std::optional<int32_t>> page = QueryInt(request, "page", 1, kMaxPage);
  if (!page) {
    return Fail(page.error());
  }
  Result<std::optional<int32_t>> limit = QueryInt(request, "limit", 1, kMaxPageLimit);
  if (!limit) {
    return Fail(limit.error());
  }
  return Page{page->value_or(1), limit->value_or(kDefaultPageLimit)};
}

Result<ListQuery> ParseListQuery(const Request& request) {
  constexpr size_t kMaxTagsParameterBytes = 1000;

  if (Status known = RejectUnknownQueryParams(request, {"page", "limit", "author", "q", "sort", "tags"});
      !known) {
    return Fail(known.error());
  }
  Result<Page> page = ParsePage(request);
  if (!page) {
    return Fail(page.error());
  }
  Result<int64_t> author = QueryId(request, "author");
  if (!author) {
    return Fail(author.error());
  }
  const std::string_view tags = request.QueryParam("tags");
  if (tags.size() > kMaxTagsParameterBytes) {
    return Fail(InvalidQueryParam("tags", "must be at most 1000 bytes"));
  }

  ListQuery query;
  query.page = *page;
  query.author_id = *author;
  query.q = std::string(request.QueryParam("q"));
  query.sort = std::string(request.QueryParam("sort"));
  query.tags = SplitComma(tags);
  return query;
}

Response JsonResponse(const Result<nlohmann::json>& result) {
  if (!result) {
    return Response::FromError(result.error());
  }
  return Response::Json(200, *result);
}

Handler MakeApiHandler(std::string_view pattern, auth::AuthService* auth, CallerPolicy policy,
                       ApiHandler handler) {
  const bool has_id = pattern.find("{id}") != std::string_view::npos;
  return [auth, policy, has_id, handler = std::move(handler)](const Request& request) {
    int64_t id = 0;
    if (has_id) {
      Result<int64_t> parsed = PathId(request, "id");
      if (!parsed) {
        return Response::FromError(parsed.error());
      }
      id = *parsed;
    }
    Result<CallContext> caller = policy == CallerPolicy::kRequired ? RequireCaller(request, *auth)
                                 : policy == CallerPolicy::kOptional
                                     ? OptionalCaller(request, *auth)
                                     : Result<CallContext>(AnonymousCaller(request));
    if (!caller) {
      return Response::FromError(caller.error());
    }
    return handler(ApiCall{request, std::move(*caller), id});
  };
}

Route& ApiRoutes::Add(std::string_view method, std::string_view pattern, CallerPolicy policy,
                      ApiHandler handler, Execution execution) {
  return router_.Add(method, pattern, MakeApiHandler(pattern, auth_, policy, std::move(handler)),
              execution);
}

Route ApiRoutes::MakeRoute(std::string_view method, std::string_view pattern, CallerPolicy policy,
                           ApiHandler handler) const {
  Route route;
  route.method = std::string(method);
  route.pattern = std::string(pattern);
  route.handler = MakeApiHandler(pattern, auth_, policy, std::move(handler));
  // An upload route checks the caller before the body is read too, so that a request without a
  // valid token gets its 401 at once instead of after its files were written.
  if (policy != CallerPolicy::kAnonymous) {
    route.upload_check = [auth = auth_, policy](const Request& request) -> std::optional<Response> {
      const Result<CallContext> caller = policy == CallerPolicy::kRequired
                                             ? RequireCaller(request, *auth)
                                             : OptionalCaller(request, *auth);
      if (!caller) {
        return Response::FromError(caller.error());
      }
      return std::nullopt;
    };
  }
  return route;
}

}  // namespace openlabs::gateway
