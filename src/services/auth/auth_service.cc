#include "services/auth/auth_service.h"

#include <spdlog/spdlog.h>

#include <mutex>
#include <optional>

#include "common/clock.h"
#include "common/random.h"
#include "common/rate_limiter.h"
#include "services/auth/crypto/jwt.h"
#include "services/auth/crypto/password.h"
#include "services/auth/crypto/qr.h"
#include "services/auth/crypto/recovery_codes.h"
#include "services/auth/crypto/totp.h"
#include "services/auth/signing_keys.h"
#include "services/users/validation.h"

namespace openlabs::auth {
namespace {

using storage::Database;

constexpr size_t kMinPasswordLength = 8;
constexpr size_t kMaxPasswordLength = 1024;
constexpr size_t kMaxOpaqueTokenLength = 256;
constexpr size_t kMaxUserAgentLength = 512;

struct Credentials {
  long long user_id = 0;
  std::string password_hash;
  std::string totp_secret;
  std::string totp_pending_secret;
  int totp_enabled = 0;
  long long totp_last_step = 0;
};

std::optional<Credentials> LoadCredentials(soci::session& session, long long user_id) {
  Credentials row;
  soci::indicator secret_indicator = soci::i_null;
  soci::indicator pending_indicator = soci::i_null;
  session << "SELECT user_id, password_hash, totp_secret, totp_pending_secret, totp_enabled, "
             "totp_last_step FROM auth_credentials WHERE user_id = :id",
      soci::use(user_id), soci::into(row.user_id), soci::into(row.password_hash),
      soci::into(row.totp_secret, secret_indicator),
      soci::into(row.totp_pending_secret, pending_indicator), soci::into(row.totp_enabled),
      soci::into(row.totp_last_step);
  if (!session.got_data()) {
    return std::nullopt;
  }
  if (secret_indicator != soci::i_ok) {
    row.totp_secret.clear();
  }
  if (pending_indicator != soci::i_ok) {
    row.totp_pending_secret.clear();
  }
  return row;
}

std::vector<FieldViolation> CheckNewPassword(std::string_view password, std::string_view username,
                                             std::string_view email, std::string_view field) {
  std::vector<FieldViolation> problems;
  if (password.size() < kMinPasswordLength) {
    problems.push_back({std::string(field), "must be at least 8 characters long"});
  } else if (password.size() > kMaxPasswordLength) {
    problems.push_back({std::string(field), "must be at most 1024 bytes long"});
  } else if (IsCommonPassword(password)) {
    problems.push_back({std::string(field), "is too common; choose a less guessable password"});
  } else if (!username.empty() && (users::LoginKey(password) == users::LoginKey(username) ||
                                   users::LoginKey(password) == users::LoginKey(email))) {
    problems.push_back({std::string(field), "must differ from the username and email"});
  }
  return problems;
}

// The outcome of a second-factor code.
enum class SecondFactor {
  kAccepted,
  kRejected,
  // A valid TOTP code of a step at or before the last one used, such as the code that confirmed
  // the setup within the same 30 seconds.
  kAlreadyUsed,
};

Error RejectedCode(SecondFactor outcome) {
  if (outcome == SecondFactor::kAlreadyUsed) {
    return Error::Unauthenticated(
        "Each code works only once, and this one was already used. Wait for the next code in "
        "your authenticator app and enter it.");
  }
  return Error::Unauthenticated("The code is incorrect.");
}

Error InvalidCredentials() { return Error::Unauthenticated("The login or password is incorrect."); }

Error RateLimited(int retry_after_seconds, std::string message) {
  Error error{ErrorCode::kRateLimited, std::move(message)};
  error.retry_after_seconds = std::max(retry_after_seconds, 1);
  return error;
}

v1::Principal ToPrincipal(const AccessClaims& claims) {
  v1::Principal principal;
  principal.set_user_id(std::stoll(claims.subject));
  principal.set_username(claims.username);
  principal.set_role(claims.role);
  principal.set_session_id(claims.session_id);
  principal.set_token_id(claims.jti);
  return principal;
}

class SqlAuthService final : public AuthService {
 public:
  SqlAuthService(Database& database, users::UsersService& users, AuthOptions options,
                 TokenSigner signer)
      : database_(database),
        users_(users),
        options_(std::move(options)),
        signer_(std::move(signer)),
        account_limiter_(options_.login_attempts_per_account, options_.login_window_seconds),
        address_limiter_(options_.login_attempts_per_address, options_.login_window_seconds),
        mfa_limiter_(options_.mfa_attempts_per_account, options_.mfa_window_seconds) {}

  Result<v1::SessionTokens> Register(const v1::RegisterRequest& request) override {
    const std::string address_key = request.client().address();
    if (std::optional<int> retry = address_limiter_.RetryAfter(address_key, NowSeconds())) {
      return Fail(RateLimited(*retry, "Too many attempts from this address; try again later."));
    }
    address_limiter_.Record(address_key, NowSeconds());

    std::vector<FieldViolation> problems;
    users::CheckUsername(request.username(), problems);
    users::CheckEmail(request.email(), problems);
    users::CheckText("name", request.name(), users::kMaxNameLength, false, problems);
    users::CheckText("surname", request.surname(), users::kMaxNameLength, false, problems);
    std::vector<FieldViolation> password_problems =
        CheckNewPassword(request.password(), request.username(), request.email(), "password");
    problems.insert(problems.end(), password_problems.begin(), password_problems.end());
    if (!problems.empty()) {
      return Fail(Error::Validation(std::move(problems)));
    }

    Result<std::string> hash = HashPassword(request.password());
    if (!hash) {
      return Fail(hash.error());
    }
    v1::CreateUserRequest create;
    create.set_username(request.username());
    create.set_email(request.email());
    create.set_name(request.name());
    create.set_surname(request.surname());
    Result<v1::User> user = users_.CreateUser(create);
    if (!user) {
      return Fail(user.error());
    }

    Status stored = StoreCredentials(user->id(), *hash);
    if (!stored) {
      // Undo the user so that the username stays free for a retry.
      v1::DeleteUserRequest undo;
      undo.set_id(user->id());
      if (Status undone = users_.DeleteUser(undo); !undone) {
        spdlog::error("failed to undo user id={} after a failed registration: {}", user->id(),
                      undone.error().internal);
      }
      return Fail(stored.error());
    }
    spdlog::info("registered user id={}", user->id());
    return StartSession(*user, request.client());
  }

  Result<v1::LoginResponse> Login(const v1::LoginRequest& request) override {
    if (request.login().empty() || request.password().empty()) {
      return Fail(Error::Validation({{"login", "and password are required"}}));
    }
    if (request.login().size() > users::kMaxEmailLength ||
        request.password().size() > kMaxPasswordLength) {
      return Fail(InvalidCredentials());
    }
    const int64_t now = NowSeconds();
    const std::string& address_key = request.client().address();
    if (std::optional<int> retry = address_limiter_.RetryAfter(address_key, now)) {
      return Fail(RateLimited(*retry, "Too many logins from this address; try again later."));
    }
    address_limiter_.Record(address_key, now);

    v1::FindUserRequest find;
    find.set_login(request.login());
    Result<v1::User> user = users_.FindUser(find);
    if (!user && user.error().code != ErrorCode::kNotFound) {
      return Fail(user.error());
    }
    // Failures count per account, so the username and the email share one budget; logins that
    // name no account count per login text.
    const std::string account_key = user ? "user:" + std::to_string(user->id())
                                         : "login:" + users::LoginKey(request.login());
    if (std::optional<int> retry = account_limiter_.RetryAfter(account_key, now)) {
      return Fail(RateLimited(*retry, "Too many failed logins for this account; try again later."));
    }
    Result<std::optional<Credentials>> credentials =
        user ? ReadCredentials(user->id()) : Result<std::optional<Credentials>>(std::nullopt);
    if (!credentials) {
      return Fail(credentials.error());
    }
    const bool matched = *credentials
                             ? VerifyPassword((*credentials)->password_hash, request.password())
                             : (VerifyPassword(DummyHash(), request.password()), false);
    if (!matched) {
      account_limiter_.Record(account_key, now);
      spdlog::warn("failed login for account {}", user ? std::to_string(user->id()) : "unknown");
      return Fail(InvalidCredentials());
    }
    account_limiter_.Reset(account_key);

    v1::LoginResponse response;
    if ((*credentials)->totp_enabled != 0) {
      Result<std::string> challenge = CreateMfaChallenge(user->id(), request.client());
      if (!challenge) {
        return Fail(challenge.error());
      }
      response.mutable_mfa()->set_mfa_required(true);
      response.mutable_mfa()->set_mfa_token(*challenge);
      return response;
    }
    Result<v1::SessionTokens> session = StartSession(*user, request.client());
    if (!session) {
      return Fail(session.error());
    }
    *response.mutable_session() = std::move(*session);
    return response;
  }

  Result<v1::SessionTokens> CompleteMfaLogin(const v1::MfaLoginRequest& request) override {
    if (request.mfa_token().empty() || request.mfa_token().size() > kMaxOpaqueTokenLength ||
        request.code().empty() || request.code().size() > 64) {
      return Fail(Error::Unauthenticated("The sign-in code is invalid or has expired."));
    }
    Result<MfaCheck> check = database_.InTransaction<MfaCheck>(
        [&](soci::session& session) { return CheckMfaChallenge(session, request); });
    if (!check) {
      return Fail(check.error());
    }
    if (check->outcome != SecondFactor::kAccepted) {
      return Fail(RejectedCode(check->outcome));
    }
    v1::GetUserRequest get;
    get.set_id(check->user_id);
    CallContext self;
    self.user_id = check->user_id;
    Result<v1::User> user = users_.GetUser(get, self);
    if (!user) {
      return Fail(user.error());
    }
    return StartSession(*user, request.client());
  }

  Result<v1::SessionTokens> Refresh(const v1::RefreshRequest& request) override {
    if (request.refresh_token().empty() || request.refresh_token().size() > kMaxOpaqueTokenLength) {
      return Fail(Error::Unauthenticated("The refresh token is invalid."));
    }
    const std::string token_hash = Sha256Hex(request.refresh_token());
    Result<Rotation> rotation = database_.InTransaction<Rotation>(
        [&](soci::session& session) { return RotateRefreshToken(session, token_hash); });
    if (!rotation) {
      return Fail(rotation.error());
    }
    if (rotation->reuse_detected) {
      return Fail(Error::Unauthenticated(
          "The refresh token was already used, so the session has been revoked. Sign in again."));
    }
    v1::GetUserRequest get;
    get.set_id(rotation->user_id);
    CallContext self;
    self.user_id = rotation->user_id;
    Result<v1::User> user = users_.GetUser(get, self);
    if (!user) {
      return Fail(user.error());
    }
    return IssueTokens(*user, rotation->session_id, rotation->refresh_token);
  }

  Status Logout(const CallContext& context) override {
    if (!context.authenticated()) {
      return Fail(Error::Unauthenticated("Sign in first."));
    }
    return database_.InTransaction<void>([&](soci::session& session) -> Status {
      RevokeSession(session, context.session_id, "logout");
      return {};
    });
  }

  Status RevokeAllSessions(int64_t user_id, const std::string& reason) override {
    return database_.InTransaction<void>([&](soci::session& session) -> Status {
      RevokeUserSessions(session, user_id, "", reason);
      spdlog::info("revoked every session of user id={}: {}", user_id, reason);
      return {};
    });
  }

  Status LogoutAll(const CallContext& context) override {
    if (!context.authenticated()) {
      return Fail(Error::Unauthenticated("Sign in first."));
    }
    return database_.InTransaction<void>([&](soci::session& session) -> Status {
      RevokeUserSessions(session, context.user_id, "", "logout everywhere");
      return {};
    });
  }

  Status ChangePassword(const v1::ChangePasswordRequest& request,
                        const CallContext& context) override {
    if (!context.authenticated()) {
      return Fail(Error::Unauthenticated("Sign in first."));
    }
    Result<std::optional<Credentials>> credentials = ReadCredentials(context.user_id);
    if (!credentials) {
      return Fail(credentials.error());
    }
    if (!*credentials || request.old_password().size() > kMaxPasswordLength ||
        !VerifyPassword((*credentials)->password_hash, request.old_password())) {
      return Fail(Error::Validation({{"old_password", "is incorrect"}}));
    }
    std::vector<FieldViolation> problems =
        CheckNewPassword(request.new_password(), context.username, "", "new_password");
    if (problems.empty() && request.new_password() == request.old_password()) {
      problems.push_back({"new_password", "must differ from the old password"});
    }
    if (!problems.empty()) {
      return Fail(Error::Validation(std::move(problems)));
    }
    Result<std::string> hash = HashPassword(request.new_password());
    if (!hash) {
      return Fail(hash.error());
    }
    return database_.InTransaction<void>([&](soci::session& session) -> Status {
      const long long now = NowMillis();
      session << "UPDATE auth_credentials SET password_hash = :hash, updated_at = :now "
                 "WHERE user_id = :id",
          soci::use(*hash), soci::use(now), soci::use(context.user_id);
      RevokeUserSessions(session, context.user_id, context.session_id, "password change");
      spdlog::info("user id={} changed their password; other sessions revoked", context.user_id);
      return {};
    });
  }

  Result<v1::MfaSetupResponse> SetupMfa(const CallContext& context) override {
    if (!context.authenticated()) {
      return Fail(Error::Unauthenticated("Sign in first."));
    }
    const std::string secret = GenerateTotpSecret();
    Result<v1::MfaSetupResponse> response = database_.InTransaction<v1::MfaSetupResponse>(
        [&](soci::session& session) -> Result<v1::MfaSetupResponse> {
          std::optional<Credentials> credentials = LoadCredentials(session, context.user_id);
          if (!credentials) {
            return Fail(Error::NotFound("The account has no password credentials."));
          }
          if (credentials->totp_enabled != 0) {
            return Fail(Error::FailedPrecondition(
                "Two-factor sign-in is already on; turn it off before setting it up again."));
          }
          const long long now = NowMillis();
          session << "UPDATE auth_credentials SET totp_pending_secret = :secret, "
                     "updated_at = :now WHERE user_id = :id",
              soci::use(secret), soci::use(now), soci::use(context.user_id);
          v1::MfaSetupResponse setup;
          setup.set_secret(secret);
          setup.set_otpauth_uri(OtpauthUri(options_.totp_issuer, context.username, secret));
          return setup;
        });
    if (!response) {
      return Fail(response.error());
    }
    Result<std::string> svg = QrSvg(response->otpauth_uri());
    if (!svg) {
      return Fail(svg.error());
    }
    response->set_qr_svg(std::move(*svg));
    return response;
  }

  Result<v1::MfaConfirmResponse> ConfirmMfa(const v1::MfaConfirmRequest& request,
                                            const CallContext& context) override {
    if (!context.authenticated()) {
      return Fail(Error::Unauthenticated("Sign in first."));
    }
    const std::vector<std::string> codes = GenerateRecoveryCodes();
    Result<v1::MfaConfirmResponse> confirmed = database_.InTransaction<v1::MfaConfirmResponse>(
        [&](soci::session& session) -> Result<v1::MfaConfirmResponse> {
          std::optional<Credentials> credentials = LoadCredentials(session, context.user_id);
          if (!credentials || credentials->totp_pending_secret.empty()) {
            return Fail(Error::FailedPrecondition("Start the two-factor setup first."));
          }
          std::optional<int64_t> step =
              VerifyTotp(credentials->totp_pending_secret, request.code(), NowSeconds());
          if (!step) {
            return Fail(Error::Validation({{"code", "is not the current code of the app"}}));
          }
          const long long now = NowMillis();
          const long long last_step = *step;
          session << "UPDATE auth_credentials SET totp_secret = totp_pending_secret, "
                     "totp_pending_secret = NULL, totp_enabled = 1, totp_last_step = :step, "
                     "updated_at = :now WHERE user_id = :id",
              soci::use(last_step), soci::use(now), soci::use(context.user_id);
          ReplaceRecoveryCodes(session, context.user_id, codes);
          v1::MfaConfirmResponse response;
          for (const std::string& code : codes) {
            response.add_recovery_codes(code);
          }
          return response;
        });
    if (!confirmed) {
      return Fail(confirmed.error());
    }
    SetMfaFlag(context.user_id, true);
    spdlog::info("user id={} turned on two-factor sign-in", context.user_id);
    return confirmed;
  }

  Status DisableMfa(const v1::MfaDisableRequest& request, const CallContext& context) override {
    if (!context.authenticated()) {
      return Fail(Error::Unauthenticated("Sign in first."));
    }
    Result<std::optional<Credentials>> credentials = ReadCredentials(context.user_id);
    if (!credentials) {
      return Fail(credentials.error());
    }
    if (!*credentials || (*credentials)->totp_enabled == 0) {
      return Fail(Error::FailedPrecondition("Two-factor sign-in is not on."));
    }
    if (request.password().size() > kMaxPasswordLength ||
        !VerifyPassword((*credentials)->password_hash, request.password())) {
      return Fail(Error::Validation({{"password", "is incorrect"}}));
    }
    Status disabled = database_.InTransaction<void>([&](soci::session& session) -> Status {
      std::optional<Credentials> current = LoadCredentials(session, context.user_id);
      const SecondFactor outcome =
          current ? AcceptSecondFactor(session, *current, request.code()) : SecondFactor::kRejected;
      if (outcome == SecondFactor::kAlreadyUsed) {
        return Fail(Error::Validation(
            {{"code", "was already used; wait for the next code in your authenticator app"}}));
      }
      if (outcome != SecondFactor::kAccepted) {
        return Fail(Error::Validation({{"code", "is not a valid code or recovery code"}}));
      }
      const long long now = NowMillis();
      session << "UPDATE auth_credentials SET totp_secret = NULL, totp_pending_secret = NULL, "
                 "totp_enabled = 0, updated_at = :now WHERE user_id = :id",
          soci::use(now), soci::use(context.user_id);
      session << "DELETE FROM auth_recovery_codes WHERE user_id = :id", soci::use(context.user_id);
      return {};
    });
    if (!disabled) {
      return disabled;
    }
    SetMfaFlag(context.user_id, false);
    spdlog::info("user id={} turned off two-factor sign-in", context.user_id);
    return {};
  }

  Result<v1::Principal> Authenticate(const v1::AuthenticateRequest& request) override {
    Result<AccessClaims> claims = signer_.Verify(request.access_token(), NowSeconds());
    if (!claims) {
      return Fail(claims.error());
    }
    Result<bool> live = database_.WithSession<bool>([&](soci::session& session) -> Result<bool> {
      return SessionIsLive(session, claims->session_id, NowMillis());
    });
    if (!live) {
      return Fail(live.error());
    }
    if (!*live) {
      return Fail(Error::Unauthenticated("The session has ended. Sign in again."));
    }
    return ToPrincipal(*claims);
  }

  Result<v1::JwksResponse> GetJwks() override {
    v1::JwksResponse response;
    const nlohmann::json jwks = signer_.Jwks();
    for (const nlohmann::json& key : jwks.at("keys")) {
      v1::Jwk* jwk = response.add_keys();
      jwk->set_kty(key.value("kty", ""));
      jwk->set_crv(key.value("crv", ""));
      jwk->set_x(key.value("x", ""));
      jwk->set_y(key.value("y", ""));
      jwk->set_kid(key.value("kid", ""));
      jwk->set_alg(key.value("alg", ""));
      jwk->set_use(key.value("use", ""));
    }
    return response;
  }

 private:
  // The outcome of presenting a refresh token: the new token, or a detected reuse whose
  // revocation must commit, which is why it is a value and not an error.
  struct Rotation {
    long long user_id = 0;
    std::string session_id;
    std::string refresh_token;
    bool reuse_detected = false;
  };

  // Marks the presented token used and issues its successor in the same session.
  Result<Rotation> RotateRefreshToken(soci::session& session, const std::string& token_hash) {
    Rotation result;
    long long expires_at = 0;
    soci::indicator used_indicator = soci::i_null;
    long long used_at = 0;
    session << "SELECT session_id, user_id, expires_at, used_at FROM auth_refresh_tokens "
               "WHERE token_hash = :hash",
        soci::use(token_hash), soci::into(result.session_id), soci::into(result.user_id),
        soci::into(expires_at), soci::into(used_at, used_indicator);
    if (!session.got_data()) {
      return Fail(Error::Unauthenticated("The refresh token is invalid."));
    }
    const long long now = NowMillis();
    const long long grace_millis = options_.refresh_reuse_grace_seconds * 1000LL;
    if (used_indicator == soci::i_ok && now - used_at >= grace_millis) {
      RevokeSession(session, result.session_id, "refresh token reuse");
      spdlog::warn("refresh token reused; revoked session {} of user id={}", result.session_id,
                   result.user_id);
      result.reuse_detected = true;
      return result;
    }
    if (expires_at <= now) {
      return Fail(Error::Unauthenticated("The refresh token has expired. Sign in again."));
    }
    if (!SessionIsLive(session, result.session_id, now)) {
      return Fail(Error::Unauthenticated("The session has ended. Sign in again."));
    }
    if (used_indicator == soci::i_ok) {
      spdlog::info(
          "refresh token of session {} presented again {} ms after its rotation; issued "
          "another token pair",
          result.session_id, now - used_at);
    } else {
      soci::statement mark = (session.prepare << "UPDATE auth_refresh_tokens SET used_at = :now "
                                                 "WHERE token_hash = :hash AND used_at IS NULL",
                              soci::use(now), soci::use(token_hash));
      mark.execute(true);
      // Zero rows: a concurrent refresh with the same token has just rotated it, which the
      // grace window allows. Without a window, that is reuse too.
      if (mark.get_affected_rows() != 1 && grace_millis == 0) {
        RevokeSession(session, result.session_id, "refresh token reuse");
        result.reuse_detected = true;
        return result;
      }
    }
    result.refresh_token = IssueRefreshToken(session, result.session_id, result.user_id);
    session << "UPDATE auth_sessions SET last_used_at = :now, expires_at = :expires "
               "WHERE id = :id",
        soci::use(now), soci::use(now + options_.refresh_token_ttl_seconds * 1000LL),
        soci::use(result.session_id);
    return result;
  }

  Status StoreCredentials(long long user_id, const std::string& hash) {
    return database_.InTransaction<void>([&](soci::session& session) -> Status {
      const long long now = NowMillis();
      session << "INSERT INTO auth_credentials (user_id, password_hash, created_at, updated_at) "
                 "VALUES (:id, :hash, :created_at, :updated_at)",
          soci::use(user_id), soci::use(hash), soci::use(now), soci::use(now);
      return {};
    });
  }

  Result<std::optional<Credentials>> ReadCredentials(long long user_id) {
    return database_.WithSession<std::optional<Credentials>>(
        [&](soci::session& session) -> Result<std::optional<Credentials>> {
          return LoadCredentials(session, user_id);
        });
  }

  void SetMfaFlag(long long user_id, bool enabled) {
    v1::SetMfaFlagRequest flag;
    flag.set_id(user_id);
    flag.set_enabled(enabled);
    if (Status status = users_.SetMfaFlag(flag); !status) {
      spdlog::error("failed to record the MFA flag of user id={}: {}", user_id,
                    status.error().internal);
    }
  }

  // Creates a session (a new refresh-token family) and its first token pair.
  Result<v1::SessionTokens> StartSession(const v1::User& user, const v1::ClientInfo& client) {
    const std::string session_id = NewUuid();
    Result<std::string> refresh =
        database_.InTransaction<std::string>([&](soci::session& session) -> Result<std::string> {
          const long long now = NowMillis();
          const long long expires = now + options_.refresh_token_ttl_seconds * 1000LL;
          const std::string address = client.address().substr(0, 64);
          const std::string agent = client.user_agent().substr(0, kMaxUserAgentLength);
          const long long user_id = user.id();
          session << "INSERT INTO auth_sessions (id, user_id, client_address, user_agent, "
                     "created_at, last_used_at, expires_at) VALUES (:id, :user_id, :address, "
                     ":agent, :created_at, :last_used_at, :expires_at)",
              soci::use(session_id), soci::use(user_id), soci::use(address), soci::use(agent),
              soci::use(now), soci::use(now), soci::use(expires);
          return IssueRefreshToken(session, session_id, user_id);
        });
    if (!refresh) {
      return Fail(refresh.error());
    }
    return IssueTokens(user, session_id, *refresh);
  }

  std::string IssueRefreshToken(soci::session& session, const std::string& session_id,
                                long long user_id) {
    const std::string token = RandomToken(32);
    const std::string token_hash = Sha256Hex(token);
    const long long now = NowMillis();
    const long long expires = now + options_.refresh_token_ttl_seconds * 1000LL;
    session << "INSERT INTO auth_refresh_tokens (token_hash, session_id, user_id, created_at, "
               "expires_at) VALUES (:hash, :session_id, :user_id, :created_at, :expires_at)",
        soci::use(token_hash), soci::use(session_id), soci::use(user_id), soci::use(now),
        soci::use(expires);
    return token;
  }

  Result<v1::SessionTokens> IssueTokens(const v1::User& user, const std::string& session_id,
                                        const std::string& refresh_token) {
    AccessClaims claims;
    claims.subject = std::to_string(user.id());
    claims.username = user.username();
    claims.role = user.role();
    claims.jti = NewUuid();
    claims.session_id = session_id;
    claims.issued_at = NowSeconds();
    claims.expires_at = claims.issued_at + options_.access_token_ttl_seconds;
    Result<std::string> access = signer_.Issue(claims);
    if (!access) {
      return Fail(access.error());
    }
    v1::SessionTokens tokens;
    *tokens.mutable_user() = user;
    tokens.set_access_token(std::move(*access));
    tokens.set_refresh_token(refresh_token);
    tokens.set_expires_in(options_.access_token_ttl_seconds);
    tokens.set_token_type("Bearer");
    return tokens;
  }

  static bool SessionIsLive(soci::session& session, const std::string& session_id, long long now) {
    long long expires_at = 0;
    long long revoked_at = 0;
    soci::indicator revoked_indicator = soci::i_null;
    session << "SELECT expires_at, revoked_at FROM auth_sessions WHERE id = :id",
        soci::use(session_id), soci::into(expires_at), soci::into(revoked_at, revoked_indicator);
    return session.got_data() && revoked_indicator != soci::i_ok && expires_at > now;
  }

  static void RevokeSession(soci::session& session, const std::string& session_id,
                            const std::string& reason) {
    const long long now = NowMillis();
    session << "UPDATE auth_sessions SET revoked_at = :now, revoked_reason = :reason "
               "WHERE id = :id AND revoked_at IS NULL",
        soci::use(now), soci::use(reason), soci::use(session_id);
  }

  // Revokes every live session of a user except `keep_session_id` (empty keeps none).
  static void RevokeUserSessions(soci::session& session, long long user_id,
                                 const std::string& keep_session_id, const std::string& reason) {
    const long long now = NowMillis();
    session << "UPDATE auth_sessions SET revoked_at = :now, revoked_reason = :reason "
               "WHERE user_id = :user_id AND id <> :keep AND revoked_at IS NULL",
        soci::use(now), soci::use(reason), soci::use(user_id), soci::use(keep_session_id);
  }

  Result<std::string> CreateMfaChallenge(long long user_id, const v1::ClientInfo& client) {
    const std::string token = RandomToken(32);
    Status stored = database_.InTransaction<void>([&](soci::session& session) -> Status {
      const long long now = NowMillis();
      const long long expires = now + options_.mfa_challenge_ttl_seconds * 1000LL;
      const std::string token_hash = Sha256Hex(token);
      const std::string address = client.address().substr(0, 64);
      session << "INSERT INTO auth_mfa_challenges (token_hash, user_id, client_address, "
                 "created_at, expires_at) VALUES (:hash, :user_id, :address, :created_at, "
                 ":expires_at)",
          soci::use(token_hash), soci::use(user_id), soci::use(address), soci::use(now),
          soci::use(expires);
      return {};
    });
    if (!stored) {
      return Fail(stored.error());
    }
    return token;
  }

  // The outcome of a sign-in code. A rejected code is a value, not an error, so that the
  // transaction commits the counted attempt.
  struct MfaCheck {
    long long user_id = 0;
    SecondFactor outcome = SecondFactor::kRejected;
  };

  // Checks the challenge and the code in one transaction.
  Result<MfaCheck> CheckMfaChallenge(soci::session& session, const v1::MfaLoginRequest& request) {
    const Error expired = Error::Unauthenticated("The sign-in code is invalid or has expired.");
    const std::string token_hash = Sha256Hex(request.mfa_token());
    long long user_id = 0;
    long long expires_at = 0;
    int attempts = 0;
    long long used_at = 0;
    soci::indicator used_indicator = soci::i_null;
    session << "SELECT user_id, expires_at, attempts, used_at FROM auth_mfa_challenges "
               "WHERE token_hash = :hash",
        soci::use(token_hash), soci::into(user_id), soci::into(expires_at), soci::into(attempts),
        soci::into(used_at, used_indicator);
    const long long now = NowMillis();
    if (!session.got_data() || used_indicator == soci::i_ok || expires_at <= now ||
        attempts >= options_.mfa_challenge_max_attempts) {
      return Fail(expired);
    }
    std::optional<Credentials> credentials = LoadCredentials(session, user_id);
    if (!credentials || credentials->totp_enabled == 0) {
      return Fail(expired);
    }
    // Checked before the code, so that the right code is rejected too while the account is
    // locked.
    const std::string account_key = "user:" + std::to_string(user_id);
    if (std::optional<int> retry = mfa_limiter_.RetryAfter(account_key, NowSeconds())) {
      return Fail(RateLimited(
          *retry, "Too many incorrect sign-in codes for this account; try again later."));
    }
    const SecondFactor outcome = AcceptSecondFactor(session, *credentials, request.code());
    if (outcome != SecondFactor::kAccepted) {
      mfa_limiter_.Record(account_key, NowSeconds());
      spdlog::warn("{} sign-in code for account {}",
                   outcome == SecondFactor::kAlreadyUsed ? "already used" : "incorrect", user_id);
      session << "UPDATE auth_mfa_challenges SET attempts = attempts + 1 WHERE token_hash = :hash",
          soci::use(token_hash);
      return MfaCheck{user_id, outcome};
    }
    mfa_limiter_.Reset(account_key);
    session << "UPDATE auth_mfa_challenges SET used_at = :now WHERE token_hash = :hash",
        soci::use(now), soci::use(token_hash);
    return MfaCheck{user_id, SecondFactor::kAccepted};
  }

  // Accepts a TOTP code newer than the last one used, or an unused recovery code, and records
  // its use so that neither works twice.
  static SecondFactor AcceptSecondFactor(soci::session& session, const Credentials& credentials,
                                         const std::string& code) {
    if (std::optional<int64_t> step = VerifyTotp(credentials.totp_secret, code, NowSeconds())) {
      if (*step <= credentials.totp_last_step) {
        return SecondFactor::kAlreadyUsed;
      }
      const long long last_step = *step;
      session << "UPDATE auth_credentials SET totp_last_step = :step WHERE user_id = :id",
          soci::use(last_step), soci::use(credentials.user_id);
      return SecondFactor::kAccepted;
    }
    const std::string code_hash = HashRecoveryCode(code);
    const long long now = NowMillis();
    soci::statement use_code =
        (session.prepare << "UPDATE auth_recovery_codes SET used_at = :now WHERE user_id = :id "
                            "AND code_hash = :hash AND used_at IS NULL",
         soci::use(now), soci::use(credentials.user_id), soci::use(code_hash));
    use_code.execute(true);
    return use_code.get_affected_rows() == 1 ? SecondFactor::kAccepted : SecondFactor::kRejected;
  }

  static void ReplaceRecoveryCodes(soci::session& session, long long user_id,
                                   const std::vector<std::string>& codes) {
    session << "DELETE FROM auth_recovery_codes WHERE user_id = :id", soci::use(user_id);
    const long long now = NowMillis();
    for (const std::string& code : codes) {
      const std::string code_hash = HashRecoveryCode(code);
      session << "INSERT INTO auth_recovery_codes (user_id, code_hash, created_at) "
                 "VALUES (:id, :hash, :now)",
          soci::use(user_id), soci::use(code_hash), soci::use(now);
    }
  }

  // A hash to verify against when the login names no account, so that such logins take as
  // long as real ones and do not reveal which accounts exist. Made on first use, because hashing
  // takes about 60 ms and start-up should not wait for it.
  const std::string& DummyHash() {
    std::call_once(dummy_hash_once_,
                   [this] { dummy_hash_ = HashPassword(RandomToken(16)).value_or(""); });
    return dummy_hash_;
  }

  Database& database_;
  users::UsersService& users_;
  AuthOptions options_;
  TokenSigner signer_;
  RateLimiter account_limiter_;
  RateLimiter address_limiter_;
  RateLimiter mfa_limiter_;  // wrong second-factor codes, keyed by "user:<id>"
  std::once_flag dummy_hash_once_;
  std::string dummy_hash_;
};

}  // namespace

Result<std::unique_ptr<AuthService>> MakeAuthService(Database& database, users::UsersService& users,
                                                     AuthOptions options) {
  Result<TokenSigner> signer = LoadSigningKeys(database, options.issuer);
  if (!signer) {
    return Fail(signer.error());
  }
  return std::unique_ptr<AuthService>(
      new SqlAuthService(database, users, std::move(options), std::move(*signer)));
}

}  // namespace openlabs::auth
