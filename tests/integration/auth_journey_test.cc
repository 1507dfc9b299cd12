// The sign-in journey over HTTP: register, login, the caller's profile, token rotation, logout,
// and the revocations that logout-all, a password change and a reused refresh token cause.
#include <chrono>
#include <latch>
#include <set>
#include <thread>
#include <vector>

#include "api_test.h"

namespace openlabs::integration {
namespace {

// The default auth.refresh_reuse_grace_seconds, which the shared server keeps.
constexpr int kRefreshGraceSeconds = 10;

class AuthJourneyTest : public ApiTest {
 protected:
  HttpResponse Me(const std::string& access_token) {
    return client().Get("/api/v1/users/me", access_token);
  }

  HttpResponse Refresh(const std::string& refresh_token) {
    return client().Post("/api/v1/auth/refresh", {{"refresh_token", refresh_token}});
  }

  // Logs in and returns the access and refresh token; fails the test unless that returns 200.
  std::pair<std::string, std::string> LoginTokens(const TestUser& user) {
    const HttpResponse response = Login(user.username, user.password);
    EXPECT_EQ(response.status, 200) << response.body;
    nlohmann::json body = response.Json();
    if (!body.is_object()) {
      return {};
    }
    return {body.value("access_token", ""), body.value("refresh_token", "")};
  }
};

TEST_P(AuthJourneyTest, RegisterReturnsUserAndTokens) {
  const std::string username = UniqueUsername("reg");
  const HttpResponse response =
      client().Post("/api/v1/auth/register", {{"username", username},
                                              {"email", username + "@example.org"},
                                              {"password", kPassword},
                                              {"name", "Ada"},
                                              {"surname", "Lovelace"}});

  ASSERT_EQ(response.status, 201) << response.body;
  EXPECT_EQ(response.Header("content-type"), "application/json");
  nlohmann::json body = response.Json();
  ASSERT_TRUE(body.is_object()) << response.body;
  EXPECT_GT(body["user"].value("id", int64_t{0}), 0);
  EXPECT_EQ(body["user"].value("username", ""), username);
  EXPECT_EQ(body["user"].value("email", ""), username + "@example.org");
  EXPECT_EQ(body["user"].value("role", ""), "user");
  EXPECT_EQ(body["user"].value("balance", int64_t{-1}), 10);
  EXPECT_FALSE(body.value("access_token", "").empty());
  EXPECT_FALSE(body.value("refresh_token", "").empty());
  EXPECT_EQ(body.value("expires_in", 0), 900);
  EXPECT_EQ(body.value("token_type", ""), "Bearer");
  EXPECT_FALSE(body["user"].contains("password"));
  EXPECT_FALSE(body["user"].contains("password_hash"));
}

TEST_P(AuthJourneyTest, LoginMeRefreshLogoutJourney) {
  const TestUser user = Register("journey");

  const HttpResponse by_username = Login(user.username, user.password);
  ASSERT_EQ(by_username.status, 200) << by_username.body;
  const HttpResponse by_email = Login(user.email, user.password);
  EXPECT_EQ(by_email.status, 200) << by_email.body;
  const std::string access = by_username.Json().value("access_token", "");
  const std::string refresh = by_username.Json().value("refresh_token", "");
  ASSERT_FALSE(access.empty());
  ASSERT_FALSE(refresh.empty());

  const HttpResponse me = Me(access);
  ASSERT_EQ(me.status, 200) << me.body;
  EXPECT_EQ(me.Json().value("id", int64_t{0}), user.id);
  EXPECT_EQ(me.Json().value("username", ""), user.username);
  EXPECT_EQ(me.Json().value("email", ""), user.email);
  EXPECT_EQ(me.Json().value("balance", int64_t{-1}), 10);

  const HttpResponse refreshed = Refresh(refresh);
  ASSERT_EQ(refreshed.status, 200) << refreshed.body;
  const std::string new_access = refreshed.Json().value("access_token", "");
  const std::string new_refresh = refreshed.Json().value("refresh_token", "");
  EXPECT_NE(new_access, access);
  EXPECT_NE(new_refresh, refresh);
  EXPECT_EQ(Me(new_access).status, 200);

  const HttpResponse logout = client().PostEmpty("/api/v1/auth/logout", new_access);
  EXPECT_EQ(logout.status, 204) << logout.body;
  EXPECT_TRUE(logout.body.empty());

  ExpectErrorResponse(Me(new_access), 401, "unauthenticated");
  ExpectErrorResponse(Me(access), 401, "unauthenticated");
  ExpectErrorResponse(Refresh(new_refresh), 401, "unauthenticated");
  // The registration started a session of its own, which this logout leaves alone.
  EXPECT_EQ(Me(user.access_token).status, 200);
  EXPECT_EQ(Refresh(user.refresh_token).status, 200);
}

TEST_P(AuthJourneyTest, WrongPasswordIsUnauthenticated) {
  const TestUser user = Register("wrongpw");
  ExpectErrorResponse(Login(user.username, "not-the-password-1"), 401, "unauthenticated");
  ExpectErrorResponse(Login(UniqueUsername("nobody"), "not-the-password-1"), 401,
                      "unauthenticated");
}

TEST_P(AuthJourneyTest, LogoutAllEndsEverySession) {
  const TestUser user = Register("logoutall");
  const auto [first_access, first_refresh] = LoginTokens(user);
  const auto [second_access, second_refresh] = LoginTokens(user);

  const HttpResponse logout_all = client().PostEmpty("/api/v1/auth/logout-all", first_access);
  EXPECT_EQ(logout_all.status, 204) << logout_all.body;

  ExpectErrorResponse(Me(first_access), 401, "unauthenticated");
  ExpectErrorResponse(Me(second_access), 401, "unauthenticated");
  ExpectErrorResponse(Me(user.access_token), 401, "unauthenticated");
  ExpectErrorResponse(Refresh(first_refresh), 401, "unauthenticated");
  ExpectErrorResponse(Refresh(second_refresh), 401, "unauthenticated");
  ExpectErrorResponse(Refresh(user.refresh_token), 401, "unauthenticated");
  EXPECT_EQ(Login(user.username, user.password).status, 200);
}

TEST_P(AuthJourneyTest, PasswordChangeKeepsOnlyCurrentSession) {
  const TestUser user = Register("passwd");
  const auto [other_access, other_refresh] = LoginTokens(user);
  const std::string new_password = "another-horse-battery-82";

  const HttpResponse wrong_old = client().Post(
      "/api/v1/auth/password",
      {{"old_password", "not-the-password-1"}, {"new_password", new_password}}, user.access_token);
  ExpectErrorResponse(wrong_old, 422, "validation_failed");
  EXPECT_EQ(Me(other_access).status, 200) << "a rejected change must not revoke sessions";

  const HttpResponse changed = client().Post(
      "/api/v1/auth/password", {{"old_password", user.password}, {"new_password", new_password}},
      user.access_token);
  ASSERT_EQ(changed.status, 204) << changed.body;

  EXPECT_EQ(Me(user.access_token).status, 200);
  ExpectErrorResponse(Me(other_access), 401, "unauthenticated");
  ExpectErrorResponse(Refresh(other_refresh), 401, "unauthenticated");
  EXPECT_EQ(Refresh(user.refresh_token).status, 200);
  ExpectErrorResponse(Login(user.username, user.password), 401, "unauthenticated");
  EXPECT_EQ(Login(user.username, new_password).status, 200);
}

TEST_P(AuthJourneyTest, RefreshTokenReuseRevokesFamily) {
  const TestUser user = Register("reuse");
  const auto [first_access, first_refresh] = LoginTokens(user);

  const HttpResponse rotated = Refresh(first_refresh);
  ASSERT_EQ(rotated.status, 200) << rotated.body;
  const std::string second_access = rotated.Json().value("access_token", "");
  const std::string second_refresh = rotated.Json().value("refresh_token", "");
  ASSERT_EQ(Me(second_access).status, 200);

  // Presenting the rotated-out token again after the grace window looks like theft: the whole
  // family ends.
  std::this_thread::sleep_for(std::chrono::seconds(kRefreshGraceSeconds) +
                              std::chrono::milliseconds(500));
  ExpectErrorResponse(Refresh(first_refresh), 401, "unauthenticated");
  ExpectErrorResponse(Refresh(second_refresh), 401, "unauthenticated");
  ExpectErrorResponse(Me(second_access), 401, "unauthenticated");
  ExpectErrorResponse(Me(first_access), 401, "unauthenticated");
  // Other sessions of the same user are other families.
  EXPECT_EQ(Me(user.access_token).status, 200);
}

// Browser tabs that refresh at once present the same refresh token. Within the grace window
// every one of them gets a working token pair of the same session, and nothing is revoked.
TEST_P(AuthJourneyTest, ConcurrentRefreshesKeepSession) {
  constexpr int kTabs = 4;
  const TestUser user = Register("refreshrace");
  const auto [access, refresh] = LoginTokens(user);

  std::vector<HttpResponse> responses(kTabs);
  std::latch ready(kTabs);
  std::vector<std::thread> tabs;
  for (int tab = 0; tab < kTabs; ++tab) {
    tabs.emplace_back([&, tab] {
      HttpClient http(server().base_url());
      ready.arrive_and_wait();
      responses[tab] = http.Post("/api/v1/auth/refresh", {{"refresh_token", refresh}});
    });
  }
  for (std::thread& tab : tabs) {
    tab.join();
  }

  std::set<std::string> new_refresh_tokens;
  for (const HttpResponse& response : responses) {
    ASSERT_EQ(response.status, 200) << response.body;
    const std::string new_access = response.Json().value("access_token", "");
    new_refresh_tokens.insert(response.Json().value("refresh_token", ""));
    EXPECT_EQ(Me(new_access).status, 200) << "a tab was signed out";
  }
  EXPECT_EQ(new_refresh_tokens.size(), static_cast<size_t>(kTabs));
  EXPECT_EQ(Me(access).status, 200);
  for (const std::string& new_refresh : new_refresh_tokens) {
    EXPECT_EQ(Refresh(new_refresh).status, 200);
  }
}

TEST_P(AuthJourneyTest, UnknownRefreshTokenIsUnauthenticated) {
  ExpectErrorResponse(Refresh("not-a-refresh-token"), 401, "unauthenticated");
  ExpectErrorResponse(Refresh(""), 401, "unauthenticated");
}

TEST_P(AuthJourneyTest, JwksPublishesSigningKey) {
  const HttpResponse response = client().Get("/api/v1/auth/jwks");
  ASSERT_EQ(response.status, 200) << response.body;
  nlohmann::json body = response.Json();
  ASSERT_TRUE(body.contains("keys")) << response.body;
  ASSERT_FALSE(body["keys"].empty());
  const nlohmann::json& key = body["keys"][0];
  EXPECT_EQ(key.value("kty", ""), "EC");
  EXPECT_EQ(key.value("crv", ""), "P-256");
  EXPECT_EQ(key.value("alg", ""), "ES256");
  EXPECT_FALSE(key.value("kid", "").empty());
  EXPECT_FALSE(key.value("x", "").empty());
  EXPECT_FALSE(key.value("y", "").empty());
  EXPECT_FALSE(key.contains("d")) << "the JWKS must not publish the private key";
}

INSTANTIATE_TEST_SUITE_P(Dialects, AuthJourneyTest, ::testing::ValuesIn(storage::TestDialects()),
                         DialectTestName);

}  // namespace
}  // namespace openlabs::integration
