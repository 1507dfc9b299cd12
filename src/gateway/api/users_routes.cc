#include "gateway/api/users_routes.h"

#include "gateway/api/api_support.h"

namespace openlabs::gateway {
namespace {

constexpr int32_t kMaxPage = 1'000'000;
constexpr int32_t kMaxLimit = 100;

// The profile, with the reviewer reputation when a lookup is configured.
Response UserResponse(const Result<v1::User>& user, const ReputationLookup& reputation) {
  if (!user || !reputation) {
    return ProtoResponse(user);
  }
  Result<v1::Reputation> found = reputation(user->id());
  if (!found) {
    return Response::FromError(found.error());
  }
  nlohmann::json body = ProtoToJson(*user);
  body["reputation"] = ProtoToJson(*found);
  return Response::Json(200, body);
}

Response GetMe(const Request& request, users::UsersService& users, auth::AuthService& auth,
               const ReputationLookup& reputation) {
  Result<CallContext> caller = RequireCaller(request, auth);
  if (!caller) {
    return Response::FromError(caller.error());
  }
  v1::GetUserRequest get;
  get.set_id(caller->user_id);
  return UserResponse(users.GetUser(get, *caller), reputation);
}

Response UpdateMe(const Request& request, users::UsersService& users, auth::AuthService& auth) {
  Result<CallContext> caller = RequireCaller(request, auth);
  if (!caller) {
    return Response::FromError(caller.error());
  }
  v1::UpdateProfileRequest update;
  if (Status parsed = ParseJsonBody(request, update); !parsed) {
    return Response::FromError(parsed.error());
  }
  update.set_id(caller->user_id);
  return ProtoResponse(users.UpdateProfile(update, *caller));
}

Response GetUser(const Request& request, users::UsersService& users, auth::AuthService& auth,
                 const ReputationLookup& reputation) {
  Result<int64_t> id = PathId(request, "id");
  if (!id) {
    return Response::FromError(id.error());
  }
  Result<CallContext> caller = OptionalCaller(request, auth);
  if (!caller) {
    return Response::FromError(caller.error());
  }
  v1::GetUserRequest get;
  get.set_id(*id);
  return UserResponse(users.GetUser(get, *caller), reputation);
}

Response SetRole(const Request& request, users::UsersService& users, auth::AuthService& auth) {
  Result<int64_t> id = PathId(request, "id");
  if (!id) {
    return Response::FromError(id.error());
  }
  Result<CallContext> caller = RequireCaller(request, auth);
  if (!caller) {
    return Response::FromError(caller.error());
  }
  v1::SetRoleRequest set;
  if (Status parsed = ParseJsonBody(request, set); !parsed) {
    return Response::FromError(parsed.error());
  }
  set.set_id(*id);
  Result<v1::User> changed = users.SetRole(set, *caller);
  if (!changed) {
    return Response::FromError(changed.error());
  }
  // Access tokens carry the role, so the user signs in again to get tokens with the new one.
  if (Status revoked = auth.RevokeAllSessions(changed->id(), "role change"); !revoked) {
    return Response::FromError(revoked.error());
  }
  return Response::Json(200, ProtoToJson(*changed));
}

Response ListPoints(const Request& request, users::UsersService& users, auth::AuthService& auth) {
  Result<CallContext> caller = RequireCaller(request, auth);
  if (!caller) {
    return Response::FromError(caller.error());
  }
  Result<std::optional<int32_t>> page = QueryInt(request, "page", 1, kMaxPage);
  Result<std::optional<int32_t>> limit = QueryInt(request, "limit", 1, kMaxLimit);
  if (!page || !limit) {
    return Response::FromError(!page ? page.error() : limit.error());
  }
  v1::ListLedgerRequest list;
  list.set_user_id(caller->user_id);
  list.set_page(page->value_or(1));
  list.set_limit(limit->value_or(20));
  return ProtoResponse(users.ListLedger(list, *caller));
}

Response Leaderboard(const Request& request, users::UsersService& users) {
  Result<std::optional<int32_t>> page = QueryInt(request, "page", 1, kMaxPage);
  Result<std::optional<int32_t>> limit = QueryInt(request, "limit", 1, kMaxLimit);
  if (!page || !limit) {
    return Response::FromError(!page ? page.error() : limit.error());
  }
  v1::LeaderboardRequest board;
  board.set_page(page->value_or(1));
  board.set_limit(limit->value_or(20));
  return ProtoResponse(users.Leaderboard(board));
}

}  // namespace

void AddUsersRoutes(Router& router, users::UsersService& users, auth::AuthService& auth,
                    ReputationLookup reputation) {
  router.Add("GET", "/api/v1/users/me", [&users, &auth, reputation](const Request& request) {
    return GetMe(request, users, auth, reputation);
  });
  router.Add("PATCH", "/api/v1/users/me",
             [&](const Request& request) { return UpdateMe(request, users, auth); });
  router.Add("GET", "/api/v1/users/me/points",
             [&](const Request& request) { return ListPoints(request, users, auth); });
  router.Add("GET", "/api/v1/users/{id}", [&users, &auth, reputation](const Request& request) {
    return GetUser(request, users, auth, reputation);
  });
  router.Add("PUT", "/api/v1/users/{id}/role",
             [&](const Request& request) { return SetRole(request, users, auth); });
  router.Add("GET", "/api/v1/leaderboard",
             [&](const Request& request) { return Leaderboard(request, users); });
}

}  // namespace openlabs::gateway
