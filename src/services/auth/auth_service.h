#pragma once

#include <memory>
#include <span>
#include <string>

#include "common/call_context.h"
#include "common/error.h"
#include "openlabs/v1/auth.pb.h"
#include "services/users/users_service.h"
#include "storage/database.h"
#include "storage/migrations.h"

namespace openlabs::auth {

struct AuthOptions {
  std::string issuer = "openlabs";
  int access_token_ttl_seconds = 15 * 60;
  int refresh_token_ttl_seconds = 30 * 24 * 3600;
  int mfa_challenge_ttl_seconds = 5 * 60;
  int mfa_challenge_max_attempts = 5;
  int login_attempts_per_account = 10;  // failed logins per account per window
  int login_attempts_per_address = 50;  // login and register attempts per address per window
  int login_window_seconds = 300;
  // Wrong second-factor codes per account per window, over every challenge of the account,
  // because a caller who knows the password can start a new challenge at will.
  int mfa_attempts_per_account = 10;
  int mfa_window_seconds = 900;
  // Seconds after a refresh token's rotation in which presenting it again, as two browser tabs
  // refreshing at once do, gets another token pair for the same session instead of revoking it.
  // 0 revokes the session on every reuse.
  int refresh_reuse_grace_seconds = 10;
  std::string totp_issuer = "Open Labs Share";
};

// The auth service: credentials, sessions, token rotation, revocation and TOTP. Calls that act
// for a signed-in user take the CallContext that Authenticate produced from their access token.
// Implementations are thread-safe. Password hashing makes Register, Login, ChangePassword and
// DisableMfa take about 60 ms of CPU each.
class AuthService {
 public:
  virtual ~AuthService() = default;

  // Creates the user (through the users service) and the credentials, and signs in.
  virtual Result<v1::SessionTokens> Register(const v1::RegisterRequest& request) = 0;
  // Checks a password; returns tokens, or an MFA challenge when TOTP is on. Rate-limited per
  // account and per client address (kRateLimited with retry_after_seconds).
  virtual Result<v1::LoginResponse> Login(const v1::LoginRequest& request) = 0;
  // Completes a login with a TOTP code or an unused recovery code. Once an account has had
  // mfa_attempts_per_account wrong codes in a window, every code is rejected with kRateLimited
  // until the window ends.
  virtual Result<v1::SessionTokens> CompleteMfaLogin(const v1::MfaLoginRequest& request) = 0;
  // Rotates a refresh token. A token presented a second time revokes its whole session, unless
  // it was rotated less than refresh_reuse_grace_seconds ago: then it gets another token pair
  // for the same session.
  virtual Result<v1::SessionTokens> Refresh(const v1::RefreshRequest& request) = 0;

  // Revokes the caller's session: its refresh tokens and its access tokens.
  virtual Status Logout(const CallContext& context) = 0;
  // Revokes every session of the caller.
  virtual Status LogoutAll(const CallContext& context) = 0;
  // Revokes every session of a user, for example after their role changed, so that no access
  // token keeps the old role. For other services; the caller checks permissions.
  virtual Status RevokeAllSessions(int64_t user_id, const std::string& reason) = 0;
  // Changes the password and revokes every other session of the caller.
  virtual Status ChangePassword(const v1::ChangePasswordRequest& request,
                                const CallContext& context) = 0;

  virtual Result<v1::MfaSetupResponse> SetupMfa(const CallContext& context) = 0;
  virtual Result<v1::MfaConfirmResponse> ConfirmMfa(const v1::MfaConfirmRequest& request,
                                                    const CallContext& context) = 0;
  virtual Status DisableMfa(const v1::MfaDisableRequest& request,
                            const CallContext& context) = 0;

  // Verifies an access token: signature, algorithm, issuer, type, expiry, and that its session
  // is not revoked (a stored check, so revocation applies across processes).
  virtual Result<v1::Principal> Authenticate(const v1::AuthenticateRequest& request) = 0;

  virtual Result<v1::JwksResponse> GetJwks() = 0;
};

// Builds the service on the shared database. Loads the signing key, creating one on first start
// (concurrent first starts agree on the oldest key). Fails when the stored keys are unusable.
Result<std::unique_ptr<AuthService>> MakeAuthService(storage::Database& database,
                                                     users::UsersService& users,
                                                     AuthOptions options);

}  // namespace openlabs::auth

namespace openlabs {
// The auth service's migrations (generated from migrations/).
std::span<const storage::Migration> AuthMigrations();
}  // namespace openlabs
