// Login rate limits over HTTP: per account on the shared server, and per client address on a
// server of its own, because every test connects from 127.0.0.1 and would share that budget.
#include <charconv>

#include "api_test.h"

namespace openlabs::integration {
namespace {

// The Retry-After header as seconds, or -1 when it is missing or not a number.
int RetryAfterSeconds(const HttpResponse& response) {
  const std::string value = response.Header("retry-after");
  int seconds = -1;
  const auto [end, error] = std::from_chars(value.data(), value.data() + value.size(), seconds);
  if (value.empty() || error != std::errc() || end != value.data() + value.size()) {
    return -1;
  }
  return seconds;
}

class RateLimitTest : public ApiTest {};

TEST_P(RateLimitTest, FailedLoginsPerAccountGet429WithRetryAfter) {
  const TestUser user = Register("ratelimit");
  for (int attempt = 0; attempt < kSharedLoginAttemptsPerAccount; ++attempt) {
    ExpectErrorResponse(Login(user.username, "not-the-password-1"), 401, "unauthenticated");
  }

  const HttpResponse limited = Login(user.username, "not-the-password-1");
  ExpectErrorResponse(limited, 429, "rate_limited");
  EXPECT_GE(RetryAfterSeconds(limited), 1) << limited.Header("retry-after");
  EXPECT_LE(RetryAfterSeconds(limited), kSharedLoginWindowSeconds) << limited.Header("retry-after");

  // The account stays locked for the right password, and in any letter case.
  ExpectErrorResponse(Login(user.username, user.password), 429, "rate_limited");
  std::string upper = user.username;
  for (char& c : upper) {
    c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  }
  ExpectErrorResponse(Login(upper, user.password), 429, "rate_limited");
  // Other accounts are not affected.
  const TestUser other = Register("ratelimitother");
  EXPECT_EQ(Login(other.username, other.password).status, 200);
}

// The limit is per account, so failures by username and by email share one budget. Otherwise
// an attacker gets twice the guesses.
TEST_P(RateLimitTest, AccountLimitCoversUsernameAndEmail) {
  const TestUser user = Register("ratelimitemail");
  for (int attempt = 0; attempt < kSharedLoginAttemptsPerAccount; ++attempt) {
    EXPECT_EQ(Login(user.username, "not-the-password-1").status, 401);
  }
  ExpectErrorResponse(Login(user.email, "not-the-password-1"), 429, "rate_limited");
  ExpectErrorResponse(Login(user.email, user.password), 429, "rate_limited");
}

TEST_P(RateLimitTest, SuccessfulLoginResetsAccountCount) {
  const TestUser user = Register("ratereset");
  for (int round = 0; round < 3; ++round) {
    for (int attempt = 0; attempt < kSharedLoginAttemptsPerAccount - 1; ++attempt) {
      EXPECT_EQ(Login(user.username, "not-the-password-1").status, 401);
    }
    EXPECT_EQ(Login(user.username, user.password).status, 200) << "round " << round;
  }
}

INSTANTIATE_TEST_SUITE_P(Dialects, RateLimitTest, ::testing::ValuesIn(storage::TestDialects()),
                         DialectTestName);

class AddressRateLimitTest : public ::testing::TestWithParam<storage::Dialect> {};

TEST_P(AddressRateLimitTest, RequestsPerAddressGet429WithRetryAfter) {
  if (PostgresMissing(GetParam())) {
    GTEST_SKIP() << kNoPostgresMessage;
  }
  constexpr int kAttemptsPerAddress = 4;
  auto started = ServerProcess::Start(
      {.dialect = GetParam(),
       .config_toml = "[log]\nlevel = \"warn\"\n[auth]\nlogin_attempts_per_address = " +
                      std::to_string(kAttemptsPerAddress) + "\nlogin_window_seconds = 600\n"});
  ASSERT_TRUE(started) << started.error();
  ServerProcess& server = **started;
  HttpClient client(server.base_url());
  const std::string username = UniqueUsername("address");

  // Registrations and logins, failed or not, count against the address.
  const HttpResponse registered = client.Post(
      "/api/v1/auth/register",
      {{"username", username}, {"email", username + "@example.org"}, {"password", kPassword}});
  ASSERT_EQ(registered.status, 201) << registered.body;
  for (int attempt = 1; attempt < kAttemptsPerAddress; ++attempt) {
    const HttpResponse login =
        client.Post("/api/v1/auth/login", {{"login", username}, {"password", kPassword}});
    EXPECT_EQ(login.status, 200) << "attempt " << attempt << ": " << login.body;
  }

  const HttpResponse limited =
      client.Post("/api/v1/auth/login", {{"login", username}, {"password", kPassword}});
  ExpectErrorResponse(limited, 429, "rate_limited");
  EXPECT_GE(RetryAfterSeconds(limited), 1) << limited.Header("retry-after");
  EXPECT_LE(RetryAfterSeconds(limited), 600) << limited.Header("retry-after");
  const HttpResponse register_limited =
      client.Post("/api/v1/auth/register", {{"username", username + "b"},
                                            {"email", username + "b@example.org"},
                                            {"password", kPassword}});
  ExpectErrorResponse(register_limited, 429, "rate_limited");
  EXPECT_GE(RetryAfterSeconds(register_limited), 1);
  // Requests that do not check a password are not limited.
  EXPECT_EQ(client.Get("/api/v1/leaderboard").status, 200);

  const ProcessResult exit = server.Stop();
  EXPECT_TRUE(exit.ExitedWithZero()) << exit.Describe() << "\n" << exit.output;
}

INSTANTIATE_TEST_SUITE_P(Dialects, AddressRateLimitTest,
                         ::testing::ValuesIn(storage::TestDialects()), DialectTestName);

}  // namespace
}  // namespace openlabs::integration
