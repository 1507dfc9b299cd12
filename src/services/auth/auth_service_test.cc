#include "services/auth/auth_service.h"

#include <gtest/gtest.h>

#include <thread>

#include "common/clock.h"
#include "services/auth/crypto/totp.h"
#include "storage/test_database.h"

namespace openlabs::auth {
namespace {

using storage::Database;
using storage::Dialect;

constexpr char kPassword[] = "correct horse battery staple";

class AuthServiceTest : public ::testing::TestWithParam<Dialect> {
 protected:
  void SetUp() override {
    const std::string url = storage::NewTestDatabaseUrl(GetParam());
    if (url.empty()) {
      GTEST_SKIP() << "OPENLABS_TEST_POSTGRES_URL is not set; run under scripts/with-postgres.sh";
    }
    Result<std::unique_ptr<Database>> opened = Database::Open(url, 8);
    ASSERT_TRUE(opened) << opened.error().internal;
    database_ = std::move(*opened);
    ASSERT_TRUE(storage::ApplyMigrations(*database_, "users", UsersMigrations()));
    ASSERT_TRUE(storage::ApplyMigrations(*database_, "auth", AuthMigrations()));
    users_ = users::MakeUsersService(*database_, {});
    Start(AuthOptions{.login_attempts_per_account = 3});
  }

  void Start(AuthOptions options) {
    Result<std::unique_ptr<AuthService>> service =
        MakeAuthService(*database_, *users_, std::move(options));
    ASSERT_TRUE(service) << service.error().internal;
    service_ = std::move(*service);
  }

  v1::SessionTokens Register(const std::string& username) {
    v1::RegisterRequest request;
    request.set_username(username);
    request.set_email(username + "@example.org");
    request.set_password(kPassword);
    request.set_name("Test");
    request.set_surname("User");
    request.mutable_client()->set_address("127.0.0.1");
    Result<v1::SessionTokens> tokens = service_->Register(request);
    EXPECT_TRUE(tokens) << (tokens ? "" : tokens.error().message + tokens.error().internal);
    return tokens.value_or(v1::SessionTokens());
  }

  Result<v1::LoginResponse> Login(const std::string& login, const std::string& password) {
    v1::LoginRequest request;
    request.set_login(login);
    request.set_password(password);
    request.mutable_client()->set_address("127.0.0.1");
    return service_->Login(request);
  }

  Result<v1::SessionTokens> Refresh(const std::string& token) {
    v1::RefreshRequest request;
    request.set_refresh_token(token);
    return service_->Refresh(request);
  }

  Result<CallContext> ContextFor(const std::string& access_token) {
    v1::AuthenticateRequest request;
    request.set_access_token(access_token);
    Result<v1::Principal> principal = service_->Authenticate(request);
    if (!principal) {
      return Fail(principal.error());
    }
    CallContext context;
    context.user_id = principal->user_id();
    context.username = principal->username();
    context.role = principal->role();
    context.session_id = principal->session_id();
    return context;
  }

  // Enables TOTP for the user behind `access_token`; returns the secret and recovery codes.
  std::pair<std::string, std::vector<std::string>> EnableMfa(const std::string& access_token) {
    Result<CallContext> context = ContextFor(access_token);
    EXPECT_TRUE(context);
    Result<v1::MfaSetupResponse> setup = service_->SetupMfa(*context);
    EXPECT_TRUE(setup);
    v1::MfaConfirmRequest confirm;
    confirm.set_code(*TotpCode(setup->secret(), NowSeconds()));
    Result<v1::MfaConfirmResponse> confirmed = service_->ConfirmMfa(confirm, *context);
    EXPECT_TRUE(confirmed) << (confirmed ? "" : confirmed.error().message);
    std::vector<std::string> codes(confirmed->recovery_codes().begin(),
                                   confirmed->recovery_codes().end());
    return {setup->secret(), codes};
  }

  std::unique_ptr<Database> database_;
  std::unique_ptr<users::UsersService> users_;
  std::unique_ptr<AuthService> service_;
};

TEST_P(AuthServiceTest, RegisterReturnsUserAndTokens) {
  const v1::SessionTokens tokens = Register("ada");
  EXPECT_GT(tokens.user().id(), 0);
  EXPECT_EQ(tokens.user().balance(), 10);
  EXPECT_FALSE(tokens.access_token().empty());
  EXPECT_FALSE(tokens.refresh_token().empty());
  EXPECT_EQ(tokens.expires_in(), 900);
  Result<CallContext> context = ContextFor(tokens.access_token());
  ASSERT_TRUE(context);
  EXPECT_EQ(context->user_id, tokens.user().id());
  EXPECT_EQ(context->role, "user");
}

TEST_P(AuthServiceTest, RegisterRejectsWeakPasswords) {
  v1::RegisterRequest request;
  request.set_username("ada");
  request.set_email("ada@example.org");
  for (const char* password : {"short", "password123", "ada@example.org"}) {
    request.set_password(password);
    Result<v1::SessionTokens> tokens = service_->Register(request);
    ASSERT_FALSE(tokens) << password;
    EXPECT_EQ(tokens.error().code, ErrorCode::kValidationFailed) << password;
    ASSERT_EQ(tokens.error().details.size(), 1u) << password;
    EXPECT_EQ(tokens.error().details[0].field, "password");
  }
}

TEST_P(AuthServiceTest, LoginByUsernameOrEmail) {
  Register("ada");
  Result<v1::LoginResponse> by_name = Login("ada", kPassword);
  ASSERT_TRUE(by_name);
  EXPECT_TRUE(by_name->has_session());
  Result<v1::LoginResponse> by_email = Login("ADA@example.org", kPassword);
  ASSERT_TRUE(by_email);
  EXPECT_TRUE(by_email->has_session());
}

TEST_P(AuthServiceTest, WrongPasswordAndUnknownUserLookTheSame) {
  Register("ada");
  Result<v1::LoginResponse> wrong = Login("ada", "not the password");
  Result<v1::LoginResponse> unknown = Login("nobody", "not the password");
  ASSERT_FALSE(wrong);
  ASSERT_FALSE(unknown);
  EXPECT_EQ(wrong.error().code, ErrorCode::kUnauthenticated);
  EXPECT_EQ(wrong.error().message, unknown.error().message);
}

TEST_P(AuthServiceTest, FailedLoginsAreRateLimitedPerAccount) {
  Register("ada");
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(Login("ada", "wrong password").error().code, ErrorCode::kUnauthenticated);
  }
  Result<v1::LoginResponse> limited = Login("ada", kPassword);
  ASSERT_FALSE(limited);
  EXPECT_EQ(limited.error().code, ErrorCode::kRateLimited);
  ASSERT_TRUE(limited.error().retry_after_seconds);
  EXPECT_GT(*limited.error().retry_after_seconds, 0);
}

TEST_P(AuthServiceTest, RefreshRotatesAndReuseRevokesFamily) {
  Start(AuthOptions{.refresh_reuse_grace_seconds = 0});
  const v1::SessionTokens first = Register("ada");
  Result<v1::SessionTokens> second = Refresh(first.refresh_token());
  ASSERT_TRUE(second);
  EXPECT_NE(second->refresh_token(), first.refresh_token());
  ASSERT_TRUE(ContextFor(second->access_token()));

  Result<v1::SessionTokens> reused = Refresh(first.refresh_token());
  ASSERT_FALSE(reused);
  EXPECT_EQ(reused.error().code, ErrorCode::kUnauthenticated);

  // The whole family is revoked: the newest refresh token and the access tokens too.
  EXPECT_FALSE(Refresh(second->refresh_token()));
  EXPECT_FALSE(ContextFor(second->access_token()));
  EXPECT_FALSE(ContextFor(first.access_token()));
}

TEST_P(AuthServiceTest, ReuseWithinGraceGetsPairOfSameSession) {
  Start(AuthOptions{.refresh_reuse_grace_seconds = 1});
  const v1::SessionTokens first = Register("ada");
  Result<v1::SessionTokens> second = Refresh(first.refresh_token());
  ASSERT_TRUE(second);

  Result<v1::SessionTokens> again = Refresh(first.refresh_token());
  ASSERT_TRUE(again) << again.error().message;
  EXPECT_NE(again->refresh_token(), second->refresh_token());
  Result<CallContext> second_context = ContextFor(second->access_token());
  Result<CallContext> again_context = ContextFor(again->access_token());
  ASSERT_TRUE(second_context);
  ASSERT_TRUE(again_context);
  EXPECT_EQ(again_context->session_id, second_context->session_id);

  // After the window, the same reuse revokes the session.
  std::this_thread::sleep_for(std::chrono::milliseconds(1100));
  Result<v1::SessionTokens> late = Refresh(first.refresh_token());
  ASSERT_FALSE(late);
  EXPECT_EQ(late.error().code, ErrorCode::kUnauthenticated);
  EXPECT_FALSE(ContextFor(second->access_token()));
  EXPECT_FALSE(Refresh(again->refresh_token()));
}

TEST_P(AuthServiceTest, LogoutRevokesOnlyThisSession) {
  const v1::SessionTokens one = Register("ada");
  Result<v1::LoginResponse> other = Login("ada", kPassword);
  ASSERT_TRUE(other);
  Result<CallContext> context = ContextFor(one.access_token());
  ASSERT_TRUE(context);
  ASSERT_TRUE(service_->Logout(*context));
  EXPECT_FALSE(ContextFor(one.access_token()));
  EXPECT_FALSE(Refresh(one.refresh_token()));
  EXPECT_TRUE(ContextFor(other->session().access_token()));
}

TEST_P(AuthServiceTest, LogoutAllRevokesEverySession) {
  const v1::SessionTokens one = Register("ada");
  Result<v1::LoginResponse> other = Login("ada", kPassword);
  ASSERT_TRUE(other);
  ASSERT_TRUE(service_->LogoutAll(*ContextFor(one.access_token())));
  EXPECT_FALSE(ContextFor(one.access_token()));
  EXPECT_FALSE(ContextFor(other->session().access_token()));
}

TEST_P(AuthServiceTest, PasswordChangeRevokesOtherSessions) {
  const v1::SessionTokens one = Register("ada");
  Result<v1::LoginResponse> other = Login("ada", kPassword);
  ASSERT_TRUE(other);
  v1::ChangePasswordRequest change;
  change.set_old_password(kPassword);
  change.set_new_password("a much newer passphrase");
  ASSERT_TRUE(service_->ChangePassword(change, *ContextFor(one.access_token())));
  EXPECT_TRUE(ContextFor(one.access_token()));
  EXPECT_FALSE(ContextFor(other->session().access_token()));
  EXPECT_FALSE(Login("ada", kPassword));
  EXPECT_TRUE(Login("ada", "a much newer passphrase"));
}

TEST_P(AuthServiceTest, PasswordChangeNeedsOldPassword) {
  const v1::SessionTokens one = Register("ada");
  v1::ChangePasswordRequest change;
  change.set_old_password("wrong old password");
  change.set_new_password("a much newer passphrase");
  Status status = service_->ChangePassword(change, *ContextFor(one.access_token()));
  ASSERT_FALSE(status);
  EXPECT_EQ(status.error().code, ErrorCode::kValidationFailed);
}

TEST_P(AuthServiceTest, MfaLoginWithTotpCode) {
  const v1::SessionTokens tokens = Register("ada");
  const auto [secret, codes] = EnableMfa(tokens.access_token());
  EXPECT_EQ(codes.size(), 10u);

  Result<v1::LoginResponse> login = Login("ada", kPassword);
  ASSERT_TRUE(login);
  ASSERT_TRUE(login->has_mfa());
  EXPECT_TRUE(login->mfa().mfa_required());

  // The code used to confirm the setup cannot be replayed; the next time step's code works.
  v1::MfaLoginRequest second_step;
  second_step.set_mfa_token(login->mfa().mfa_token());
  second_step.set_code(*TotpCode(secret, NowSeconds() + 30));
  Result<v1::SessionTokens> session = service_->CompleteMfaLogin(second_step);
  ASSERT_TRUE(session) << session.error().message;
  EXPECT_EQ(session->user().username(), "ada");

  // The challenge is single use.
  EXPECT_FALSE(service_->CompleteMfaLogin(second_step));
}

TEST_P(AuthServiceTest, MfaRejectsWrongCodeAndLimitsAttempts) {
  const v1::SessionTokens tokens = Register("ada");
  const auto [secret, codes] = EnableMfa(tokens.access_token());
  Result<v1::LoginResponse> login = Login("ada", kPassword);
  ASSERT_TRUE(login);
  v1::MfaLoginRequest second_step;
  second_step.set_mfa_token(login->mfa().mfa_token());
  second_step.set_code("000000");
  for (int i = 0; i < 5; ++i) {
    EXPECT_FALSE(service_->CompleteMfaLogin(second_step));
  }
  second_step.set_code(*TotpCode(secret, NowSeconds() + 30));
  EXPECT_FALSE(service_->CompleteMfaLogin(second_step));
}

TEST_P(AuthServiceTest, RecoveryCodeWorksOnce) {
  const v1::SessionTokens tokens = Register("ada");
  const auto [secret, codes] = EnableMfa(tokens.access_token());
  for (int attempt = 0; attempt < 2; ++attempt) {
    Result<v1::LoginResponse> login = Login("ada", kPassword);
    ASSERT_TRUE(login);
    v1::MfaLoginRequest second_step;
    second_step.set_mfa_token(login->mfa().mfa_token());
    second_step.set_code(codes[0]);
    Result<v1::SessionTokens> session = service_->CompleteMfaLogin(second_step);
    EXPECT_EQ(session.has_value(), attempt == 0) << "attempt " << attempt;
  }
}

TEST_P(AuthServiceTest, DisableMfaNeedsPasswordAndCode) {
  const v1::SessionTokens tokens = Register("ada");
  const auto [secret, codes] = EnableMfa(tokens.access_token());
  const CallContext context = *ContextFor(tokens.access_token());
  v1::MfaDisableRequest disable;
  disable.set_password("wrong password here");
  disable.set_code(codes[1]);
  EXPECT_FALSE(service_->DisableMfa(disable, context));
  disable.set_password(kPassword);
  ASSERT_TRUE(service_->DisableMfa(disable, context));
  Result<v1::LoginResponse> login = Login("ada", kPassword);
  ASSERT_TRUE(login);
  EXPECT_TRUE(login->has_session());
}

TEST_P(AuthServiceTest, ExpiredAccessTokenIsRejected) {
  Start(AuthOptions{.access_token_ttl_seconds = 1});
  const v1::SessionTokens tokens = Register("ada");
  ASSERT_TRUE(ContextFor(tokens.access_token()));
  std::this_thread::sleep_for(std::chrono::milliseconds(2100));
  Result<CallContext> expired = ContextFor(tokens.access_token());
  ASSERT_FALSE(expired);
  EXPECT_EQ(expired.error().code, ErrorCode::kUnauthenticated);
}

TEST_P(AuthServiceTest, SecondInstanceSharesSigningKey) {
  const v1::SessionTokens tokens = Register("ada");
  Result<std::unique_ptr<AuthService>> other = MakeAuthService(*database_, *users_, {});
  ASSERT_TRUE(other);
  v1::AuthenticateRequest request;
  request.set_access_token(tokens.access_token());
  EXPECT_TRUE((*other)->Authenticate(request));
  ASSERT_TRUE(service_->Logout(*ContextFor(tokens.access_token())));
  EXPECT_FALSE((*other)->Authenticate(request));
}

TEST_P(AuthServiceTest, JwksListsTheSigningKey) {
  Result<v1::JwksResponse> jwks = service_->GetJwks();
  ASSERT_TRUE(jwks);
  ASSERT_EQ(jwks->keys_size(), 1);
  EXPECT_EQ(jwks->keys(0).kty(), "EC");
  EXPECT_EQ(jwks->keys(0).alg(), "ES256");
}

INSTANTIATE_TEST_SUITE_P(Engines, AuthServiceTest, ::testing::ValuesIn(storage::TestDialects()),
                         [](const auto& info) { return storage::DialectName(info.param); });

}  // namespace
}  // namespace openlabs::auth
