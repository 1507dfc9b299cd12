#include "gateway/api/auth_routes.h"

#include "gateway/api/api_support.h"

namespace openlabs::gateway {
namespace {

void FillClient(const Request& request, v1::ClientInfo& client) {
  client.set_address(request.remote_address);
  client.set_user_agent(std::string(request.Header("user-agent")));
}

// The token pair with the user, flattened as clients expect it.
Response SessionResponse(const Result<v1::SessionTokens>& tokens, int status) {
  return ProtoResponse(tokens, status);
}

Response Register(const Request& request, auth::AuthService& auth) {
  v1::RegisterRequest body;
  if (Status parsed = ParseJsonBody(request, body); !parsed) {
    return Response::FromError(parsed.error());
  }
  FillClient(request, *body.mutable_client());
  return SessionResponse(auth.Register(body), 201);
}

Response Login(const Request& request, auth::AuthService& auth) {
  v1::LoginRequest body;
  if (Status parsed = ParseJsonBody(request, body); !parsed) {
    return Response::FromError(parsed.error());
  }
  FillClient(request, *body.mutable_client());
  Result<v1::LoginResponse> login = auth.Login(body);
  if (!login) {
    return Response::FromError(login.error());
  }
  if (login->has_mfa()) {
    return Response::Json(200, ProtoToJson(login->mfa()));
  }
  return Response::Json(200, ProtoToJson(login->session()));
}

Response CompleteMfaLogin(const Request& request, auth::AuthService& auth) {
  v1::MfaLoginRequest body;
  if (Status parsed = ParseJsonBody(request, body); !parsed) {
    return Response::FromError(parsed.error());
  }
  FillClient(request, *body.mutable_client());
  return SessionResponse(auth.CompleteMfaLogin(body), 200);
}

Response Refresh(const Request& request, auth::AuthService& auth) {
  v1::RefreshRequest body;
  if (Status parsed = ParseJsonBody(request, body); !parsed) {
    return Response::FromError(parsed.error());
  }
  FillClient(request, *body.mutable_client());
  return SessionResponse(auth.Refresh(body), 200);
}

// Wraps a handler that needs the signed-in caller.
template <typename Body>
Handler WithCaller(auth::AuthService& auth, Body body) {
  return [&auth, body](const Request& request) {
    Result<CallContext> caller = RequireCaller(request, auth);
    if (!caller) {
      return Response::FromError(caller.error());
    }
    return body(request, *caller);
  };
}

}  // namespace

void AddAuthRoutes(Router& router, auth::AuthService& auth) {
  router.Add(
      "POST", "/api/v1/auth/register",
      [&auth](const Request& request) { return Register(request, auth); }, Execution::kWorker);
  router.Add(
      "POST", "/api/v1/auth/login",
      [&auth](const Request& request) { return Login(request, auth); }, Execution::kWorker);
  router.Add("POST", "/api/v1/auth/login/mfa",
             [&auth](const Request& request) { return CompleteMfaLogin(request, auth); });
  router.Add("POST", "/api/v1/auth/refresh",
             [&auth](const Request& request) { return Refresh(request, auth); });

  router.Add("POST", "/api/v1/auth/logout",
             WithCaller(auth, [&auth](const Request&, const CallContext& caller) {
               return StatusResponse(auth.Logout(caller));
             }));
  router.Add("POST", "/api/v1/auth/logout-all",
             WithCaller(auth, [&auth](const Request&, const CallContext& caller) {
               return StatusResponse(auth.LogoutAll(caller));
             }));
  router.Add(
      "POST", "/api/v1/auth/password",
      WithCaller(auth,
                 [&auth](const Request& request, const CallContext& caller) {
                   v1::ChangePasswordRequest body;
                   if (Status parsed = ParseJsonBody(request, body); !parsed) {
                     return Response::FromError(parsed.error());
                   }
                   return StatusResponse(auth.ChangePassword(body, caller));
                 }),
      Execution::kWorker);

  router.Add("POST", "/api/v1/auth/mfa/setup",
             WithCaller(auth, [&auth](const Request&, const CallContext& caller) {
               return ProtoResponse(auth.SetupMfa(caller));
             }));
  router.Add("POST", "/api/v1/auth/mfa/confirm",
             WithCaller(auth, [&auth](const Request& request, const CallContext& caller) {
               v1::MfaConfirmRequest body;
               if (Status parsed = ParseJsonBody(request, body); !parsed) {
                 return Response::FromError(parsed.error());
               }
               return ProtoResponse(auth.ConfirmMfa(body, caller));
             }));
  router.Add(
      "POST", "/api/v1/auth/mfa/disable",
      WithCaller(auth,
                 [&auth](const Request& request, const CallContext& caller) {
                   v1::MfaDisableRequest body;
                   if (Status parsed = ParseJsonBody(request, body); !parsed) {
                     return Response::FromError(parsed.error());
                   }
                   return StatusResponse(auth.DisableMfa(body, caller));
                 }),
      Execution::kWorker);

  router.Add("GET", "/api/v1/auth/jwks",
             [&auth](const Request&) { return ProtoResponse(auth.GetJwks()); });
}

}  // namespace openlabs::gateway
