#include "gateway/api/users_routes.h"

#include "gateway/api/api_support.h"

namespace openlabs::gateway {
namespace {

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

Response SetRole(const ApiCall& call, users::UsersService& users, auth::AuthService& auth,
                 v1::SetRoleRequest& set) {
  set.set_id(call.id);
  Result<v1::User> changed = users.SetRole(set, call.caller);
  if (!changed) {
    return Response::FromError(changed.error());
  }
  // Access tokens carry the role, so the user signs in again to get tokens with the new one.
  if (Status revoked = auth.RevokeAllSessions(changed->id(), "role change"); !revoked) {
    return Response::FromError(revoked.error());
  }
  return Response::Json(200, ProtoToJson(*changed));
}

// Reads the page of a ranked or paged list and rejects other query parameters.
Result<Page> ParseListPage(const Request& request) {
  if (Status known = RejectUnknownQueryParams(request, {"page", "limit"}); !known) {
    return Fail(known.error());
  }
  return ParsePage(request);
}

}  // namespace

void AddUsersRoutes(Router& router, users::UsersService& users, auth::AuthService& auth,
                    ReputationLookup reputation) {
  ApiRoutes api(router, &auth);
  api.Add("GET", "/api/v1/users/me", CallerPolicy::kRequired,
          [&users, reputation](const ApiCall& call) {
            v1::GetUserRequest get;
            get.set_id(call.caller.user_id);
            return UserResponse(users.GetUser(get, call.caller), reputation);
          });
  api.AddJson<v1::UpdateProfileRequest>(
      "PATCH", "/api/v1/users/me", CallerPolicy::kRequired,
      [&users](const ApiCall& call, v1::UpdateProfileRequest& update) {
        update.set_id(call.caller.user_id);
        return ProtoResponse(users.UpdateProfile(update, call.caller));
      });
  api.Add("GET", "/api/v1/users/me/points", CallerPolicy::kRequired,
          [&users](const ApiCall& call) {
            Result<Page> page = ParseListPage(call.request);
            if (!page) {
              return Response::FromError(page.error());
            }
            v1::ListLedgerRequest list;
            list.set_user_id(call.caller.user_id);
            SetPage(*page, list);
            return ProtoResponse(users.ListLedger(list, call.caller));
          })
      .query_params = kPageQueryParams;
  api.Add("GET", "/api/v1/users/{id}", CallerPolicy::kOptional,
          [&users, reputation](const ApiCall& call) {
            v1::GetUserRequest get;
            get.set_id(call.id);
            return UserResponse(users.GetUser(get, call.caller), reputation);
          });
  api.AddJson<v1::SetRoleRequest>("PUT", "/api/v1/users/{id}/role", CallerPolicy::kRequired,
                                  [&users, &auth](const ApiCall& call, v1::SetRoleRequest& set) {
                                    return SetRole(call, users, auth, set);
                                  });
  api.Add("GET", "/api/v1/leaderboard", CallerPolicy::kAnonymous, [&users](const ApiCall& call) {
    Result<Page> page = ParseListPage(call.request);
    if (!page) {
      return Response::FromError(page.error());
    }
    v1::LeaderboardRequest board;
    SetPage(*page, board);
    return ProtoResponse(users.Leaderboard(board));
  }).query_params = kPageQueryParams;
}

}  // namespace openlabs::gateway
