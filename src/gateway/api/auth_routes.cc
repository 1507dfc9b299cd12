#include "gateway/api/auth_routes.h"

#include "gateway/api/api_support.h"

namespace openlabs::gateway {
namespace {

void FillClient(const Request& request, v1::ClientInfo& client) {
  client.set_address(request.remote_address);
  client.set_user_agent(std::string(request.Header("user-agent")));
}

Response Login(const ApiCall& call, auth::AuthService& auth, v1::LoginRequest& body) {
  FillClient(call.request, *body.mutable_client());
  Result<v1::LoginResponse> login = auth.Login(body);
  if (!login) {
    return Response::FromError(login.error());
  }
  if (login->has_mfa()) {
    return Response::Json(200, ProtoToJson(login->mfa()));
  }
  return Response::Json(200, ProtoToJson(login->session()));
}

}  // namespace

void AddAuthRoutes(Router& router, auth::AuthService& auth) {
  ApiRoutes api(router, &auth);
  api.AddJson<v1::RegisterRequest>(
      "POST", "/api/v1/auth/register", CallerPolicy::kAnonymous,
      [&auth](const ApiCall& call, v1::RegisterRequest& body) {
        FillClient(call.request, *body.mutable_client());
        return ProtoResponse(auth.Register(body), 201);
      },
      Execution::kWorker);
  api.AddJson<v1::LoginRequest>(
      "POST", "/api/v1/auth/login", CallerPolicy::kAnonymous,
      [&auth](const ApiCall& call, v1::LoginRequest& body) { return Login(call, auth, body); },
      Execution::kWorker);
  api.AddJson<v1::MfaLoginRequest>("POST", "/api/v1/auth/login/mfa", CallerPolicy::kAnonymous,
                                   [&auth](const ApiCall& call, v1::MfaLoginRequest& body) {
                                     FillClient(call.request, *body.mutable_client());
                                     return ProtoResponse(auth.CompleteMfaLogin(body));
                                   });
  api.AddJson<v1::RefreshRequest>("POST", "/api/v1/auth/refresh", CallerPolicy::kAnonymous,
                                  [&auth](const ApiCall& call, v1::RefreshRequest& body) {
                                    FillClient(call.request, *body.mutable_client());
                                    return ProtoResponse(auth.Refresh(body));
                                  });

  api.Add("POST", "/api/v1/auth/logout", CallerPolicy::kRequired,
          [&auth](const ApiCall& call) { return StatusResponse(auth.Logout(call.caller)); });
  api.Add("POST", "/api/v1/auth/logout-all", CallerPolicy::kRequired,
          [&auth](const ApiCall& call) { return StatusResponse(auth.LogoutAll(call.caller)); });
  api.AddJson<v1::ChangePasswordRequest>(
      "POST", "/api/v1/auth/password", CallerPolicy::kRequired,
      [&auth](const ApiCall& call, v1::ChangePasswordRequest& body) {
        return StatusResponse(auth.ChangePassword(body, call.caller));
      },
      Execution::kWorker);

  api.Add("POST", "/api/v1/auth/mfa/setup", CallerPolicy::kRequired,
          [&auth](const ApiCall& call) { return ProtoResponse(auth.SetupMfa(call.caller)); });
  api.AddJson<v1::MfaConfirmRequest>(
      "POST", "/api/v1/auth/mfa/confirm", CallerPolicy::kRequired,
      [&auth](const ApiCall& call, v1::MfaConfirmRequest& body) {
        return ProtoResponse(auth.ConfirmMfa(body, call.caller));
      });
  api.AddJson<v1::MfaDisableRequest>(
      "POST", "/api/v1/auth/mfa/disable", CallerPolicy::kRequired,
      [&auth](const ApiCall& call, v1::MfaDisableRequest& body) {
        return StatusResponse(auth.DisableMfa(body, call.caller));
      },
      Execution::kWorker);

  api.Add("GET", "/api/v1/auth/jwks", CallerPolicy::kAnonymous,
          [&auth](const ApiCall&) { return ProtoResponse(auth.GetJwks()); });
}

}  // namespace openlabs::gateway
