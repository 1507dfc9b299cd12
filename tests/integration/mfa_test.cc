// Two-factor sign-in over HTTP: setup, confirmation, the login with a TOTP code or a recovery
// code, and turning it off. Codes come from TotpCode with the secret that setup returns.
#include <chrono>

#include "api_test.h"
#include "services/auth/crypto/totp.h"

namespace openlabs::integration {
namespace {

int64_t NowSeconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string CodeAt(const std::string& secret, int64_t unix_seconds) {
  Result<std::string> code = auth::TotpCode(secret, unix_seconds);
  EXPECT_TRUE(code) << code.error().message;
  return code.value_or("");
}

// A 6-digit code that matches none of the steps the server accepts now.
std::string WrongCode(const std::string& secret) {
  const int64_t now = NowSeconds();
  for (int candidate = 0; candidate < 1000; ++candidate) {
    std::string code = std::to_string(100000 + candidate * 7);
    bool valid = false;
    for (int step = -2; step <= 2; ++step) {
      valid = valid || code == CodeAt(secret, now + step * auth::kTotpStepSeconds);
    }
    if (!valid) {
      return code;
    }
  }
  return "000000";
}

struct MfaAccount {
  TestUser user;
  std::string secret;
  std::vector<std::string> recovery_codes;
};

class MfaTest : public ApiTest {
 protected:
  // Registers a user and turns on two-factor sign-in with the current step's code.
  MfaAccount RegisterWithMfa(std::string_view prefix) {
    MfaAccount account;
    account.user = Register(prefix);
    const HttpResponse setup =
        client().PostEmpty("/api/v1/auth/mfa/setup", account.user.access_token);
    EXPECT_EQ(setup.status, 200) << setup.body;
    account.secret = setup.Json().value("secret", "");
    const HttpResponse confirm =
        client().Post("/api/v1/auth/mfa/confirm", {{"code", CodeAt(account.secret, NowSeconds())}},
                      account.user.access_token);
    EXPECT_EQ(confirm.status, 200) << confirm.body;
    nlohmann::json body = confirm.Json();
    if (body.is_object() && body["recovery_codes"].is_array()) {
      account.recovery_codes = body["recovery_codes"].get<std::vector<std::string>>();
    }
    return account;
  }

  // Logs in with the password and returns the MFA token of the challenge.
  std::string StartChallenge(const TestUser& user) {
    const HttpResponse response = Login(user.username, user.password);
    EXPECT_EQ(response.status, 200) << response.body;
    return response.Json().value("mfa_token", "");
  }

  HttpResponse CompleteLogin(const std::string& mfa_token, const std::string& code) {
    return client().Post("/api/v1/auth/login/mfa", {{"mfa_token", mfa_token}, {"code", code}});
  }
};

TEST_P(MfaTest, SetupReturnsSecretUriAndQrCode) {
  const TestUser user = Register("mfasetup");
  const HttpResponse setup = client().PostEmpty("/api/v1/auth/mfa/setup", user.access_token);

  ASSERT_EQ(setup.status, 200) << setup.body;
  nlohmann::json body = setup.Json();
  const std::string secret = body.value("secret", "");
  EXPECT_EQ(secret.size(), 32u) << secret;
  EXPECT_TRUE(auth::TotpCode(secret, NowSeconds())) << "the secret is not base32: " << secret;
  const std::string uri = body.value("otpauth_uri", "");
  EXPECT_TRUE(uri.starts_with("otpauth://totp/")) << uri;
  EXPECT_NE(uri.find("secret=" + secret), std::string::npos) << uri;
  EXPECT_NE(uri.find(user.username), std::string::npos) << uri;
  EXPECT_TRUE(body.value("qr_svg", "").starts_with("<svg"))
      << body.value("qr_svg", "").substr(0, 80);
}

TEST_P(MfaTest, WholeMfaLoginOverHttp) {
  const MfaAccount account = RegisterWithMfa("mfalogin");
  ASSERT_EQ(account.recovery_codes.size(), 10u);
  const HttpResponse me = client().Get("/api/v1/users/me", account.user.access_token);
  EXPECT_TRUE(me.Json().value("mfa_enabled", false)) << me.body;

  const HttpResponse login = Login(account.user.username, account.user.password);
  ASSERT_EQ(login.status, 200) << login.body;
  nlohmann::json challenge = login.Json();
  EXPECT_TRUE(challenge.value("mfa_required", false)) << login.body;
  EXPECT_FALSE(challenge.value("mfa_token", "").empty()) << login.body;
  EXPECT_FALSE(challenge.contains("access_token")) << login.body;
  EXPECT_FALSE(challenge.contains("refresh_token")) << login.body;

  // Confirmation used the current step, so the login needs a later one: the next step's code,
  // which the server accepts as within one step of its clock.
  const HttpResponse completed =
      CompleteLogin(challenge.value("mfa_token", ""), CodeAt(account.secret, NowSeconds() + 30));
  ASSERT_EQ(completed.status, 200) << completed.body;
  const std::string access_token = completed.Json().value("access_token", "");
  EXPECT_FALSE(completed.Json().value("refresh_token", "").empty());
  EXPECT_EQ(client().Get("/api/v1/users/me", access_token).status, 200);
}

TEST_P(MfaTest, UsedTotpCodeIsRejected) {
  const MfaAccount account = RegisterWithMfa("mfareplay");
  const std::string code = CodeAt(account.secret, NowSeconds() + 30);
  ASSERT_EQ(CompleteLogin(StartChallenge(account.user), code).status, 200);

  const std::string second = StartChallenge(account.user);
  ExpectErrorResponse(CompleteLogin(second, code), 401, "unauthenticated");
  // The failed attempt leaves the challenge open for another factor.
  EXPECT_EQ(CompleteLogin(second, account.recovery_codes.at(0)).status, 200);
}

// The code that confirmed the setup is spent. Signing in with it within the same step gets a
// message that it was already used, not that it is incorrect.
TEST_P(MfaTest, ConfirmationCodeAtSignInSaysAlreadyUsed) {
  const TestUser user = Register("mfaconfirmreplay");
  const HttpResponse setup = client().PostEmpty("/api/v1/auth/mfa/setup", user.access_token);
  ASSERT_EQ(setup.status, 200) << setup.body;
  const std::string secret = setup.Json().value("secret", "");
  const std::string code = CodeAt(secret, NowSeconds());
  const HttpResponse confirm =
      client().Post("/api/v1/auth/mfa/confirm", {{"code", code}}, user.access_token);
  ASSERT_EQ(confirm.status, 200) << confirm.body;

  const std::string mfa_token = StartChallenge(user);
  const HttpResponse replayed = CompleteLogin(mfa_token, code);
  ExpectErrorResponse(replayed, 401, "unauthenticated");
  const std::string message = replayed.Json()["error"].value("message", "");
  EXPECT_NE(message.find("already used"), std::string::npos) << message;
  EXPECT_NE(message.find("next code"), std::string::npos) << message;

  const HttpResponse wrong = CompleteLogin(mfa_token, WrongCode(secret));
  EXPECT_EQ(wrong.Json()["error"].value("message", ""), "The code is incorrect.") << wrong.body;
  const HttpResponse next = CompleteLogin(mfa_token, CodeAt(secret, NowSeconds() + 30));
  EXPECT_EQ(next.status, 200) << next.body;
}

TEST_P(MfaTest, UsedMfaTokenIsRejected) {
  const MfaAccount account = RegisterWithMfa("mfatoken");
  const std::string mfa_token = StartChallenge(account.user);
  ASSERT_EQ(CompleteLogin(mfa_token, account.recovery_codes.at(0)).status, 200);
  ExpectErrorResponse(CompleteLogin(mfa_token, account.recovery_codes.at(1)), 401,
                      "unauthenticated");
}

TEST_P(MfaTest, RecoveryCodeWorksOnce) {
  const MfaAccount account = RegisterWithMfa("mfarecovery");
  ASSERT_EQ(account.recovery_codes.size(), 10u);
  const std::string& code = account.recovery_codes[3];

  const HttpResponse first = CompleteLogin(StartChallenge(account.user), code);
  EXPECT_EQ(first.status, 200) << first.body;
  EXPECT_FALSE(first.Json().value("access_token", "").empty());

  const HttpResponse second = CompleteLogin(StartChallenge(account.user), code);
  ExpectErrorResponse(second, 401, "unauthenticated");

  const HttpResponse other = CompleteLogin(StartChallenge(account.user), account.recovery_codes[4]);
  EXPECT_EQ(other.status, 200) << other.body;
}

TEST_P(MfaTest, WrongCodeIsRejected) {
  const MfaAccount account = RegisterWithMfa("mfawrong");
  ExpectErrorResponse(CompleteLogin(StartChallenge(account.user), WrongCode(account.secret)), 401,
                      "unauthenticated");
  ExpectErrorResponse(CompleteLogin("not-an-mfa-token", CodeAt(account.secret, NowSeconds())), 401,
                      "unauthenticated");
}

TEST_P(MfaTest, ChallengeEndsAfterFiveWrongCodes) {
  const MfaAccount account = RegisterWithMfa("mfalock");
  const std::string mfa_token = StartChallenge(account.user);
  const std::string wrong = WrongCode(account.secret);
  for (int attempt = 0; attempt < 5; ++attempt) {
    EXPECT_EQ(CompleteLogin(mfa_token, wrong).status, 401);
  }
  ExpectErrorResponse(CompleteLogin(mfa_token, account.recovery_codes.at(0)), 401,
                      "unauthenticated");
}

// The default budget of auth.mfa_attempts_per_account.
constexpr int kWrongCodesPerAccount = 10;
constexpr int kWrongCodesPerChallenge = 5;

// A caller who knows the password can start a new challenge at will, so the wrong codes count
// per account: after ten, every code gets 429, the right one and a recovery code too.
TEST_P(MfaTest, WrongCodesLockAccountAcrossChallenges) {
  const MfaAccount account = RegisterWithMfa("mfaaccountlock");
  const std::string wrong = WrongCode(account.secret);
  for (int challenge = 0; challenge < kWrongCodesPerAccount / kWrongCodesPerChallenge;
       ++challenge) {
    const std::string mfa_token = StartChallenge(account.user);
    for (int attempt = 0; attempt < kWrongCodesPerChallenge; ++attempt) {
      ExpectErrorResponse(CompleteLogin(mfa_token, wrong), 401, "unauthenticated");
    }
  }

  const std::string mfa_token = StartChallenge(account.user);
  const HttpResponse locked = CompleteLogin(mfa_token, wrong);
  ExpectErrorResponse(locked, 429, "rate_limited");
  EXPECT_FALSE(locked.Header("retry-after").empty()) << locked.body;
  const HttpResponse right = CompleteLogin(mfa_token, CodeAt(account.secret, NowSeconds() + 30));
  ExpectErrorResponse(right, 429, "rate_limited");
  EXPECT_FALSE(right.Header("retry-after").empty()) << right.body;
  ExpectErrorResponse(CompleteLogin(mfa_token, account.recovery_codes.at(0)), 429, "rate_limited");
}

TEST_P(MfaTest, ConfirmWithWrongCodeFails) {
  const TestUser user = Register("mfabadconfirm");
  const HttpResponse setup = client().PostEmpty("/api/v1/auth/mfa/setup", user.access_token);
  ASSERT_EQ(setup.status, 200) << setup.body;
  const std::string secret = setup.Json().value("secret", "");

  const HttpResponse confirm =
      client().Post("/api/v1/auth/mfa/confirm", {{"code", WrongCode(secret)}}, user.access_token);
  ExpectErrorResponse(confirm, 422, "validation_failed");
  const HttpResponse login = Login(user.username, user.password);
  EXPECT_FALSE(login.Json().contains("mfa_required")) << login.body;
}

TEST_P(MfaTest, ConfirmWithoutSetupFails) {
  const TestUser user = Register("mfanosetup");
  const HttpResponse confirm =
      client().Post("/api/v1/auth/mfa/confirm", {{"code", "123456"}}, user.access_token);
  ExpectErrorResponse(confirm, 409, "failed_precondition");
}

TEST_P(MfaTest, DisableRestoresPasswordLogin) {
  const MfaAccount account = RegisterWithMfa("mfadisable");

  const HttpResponse wrong_password =
      client().Post("/api/v1/auth/mfa/disable",
                    {{"password", "not-the-password-1"}, {"code", account.recovery_codes.at(0)}},
                    account.user.access_token);
  ExpectErrorResponse(wrong_password, 422, "validation_failed");

  const HttpResponse disabled =
      client().Post("/api/v1/auth/mfa/disable",
                    {{"password", account.user.password}, {"code", account.recovery_codes.at(0)}},
                    account.user.access_token);
  ASSERT_EQ(disabled.status, 204) << disabled.body;

  const HttpResponse login = Login(account.user.username, account.user.password);
  ASSERT_EQ(login.status, 200) << login.body;
  EXPECT_FALSE(login.Json().value("access_token", "").empty()) << login.body;
  EXPECT_FALSE(login.Json().contains("mfa_required")) << login.body;
}

INSTANTIATE_TEST_SUITE_P(Dialects, MfaTest, ::testing::ValuesIn(storage::TestDialects()),
                         DialectTestName);

}  // namespace
}  // namespace openlabs::integration
