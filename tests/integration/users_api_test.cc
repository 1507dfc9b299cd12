// The users API over HTTP: profiles and their private fields, roles set by an admin that
// `openlabs user create --admin` made, the points ledger and the leaderboard.
#include <limits>
#include <map>

#include "api_test.h"

namespace openlabs::integration {
namespace {

class UsersApiTest : public ApiTest {
 protected:
  // Creates an admin with the command line on the shared server's database and logs in.
  TestUser CreateAdmin() { return CreateUserWithCli("admin", "--admin"); }

  // An admin made once per server by CreateAdmin, for the tests that only need one.
  const TestUser& SharedAdmin() {
    static std::map<std::string, TestUser>* admins = new std::map<std::string, TestUser>();
    auto found = admins->find(server().database_url());
    if (found == admins->end()) {
      found = admins->emplace(server().database_url(), CreateAdmin()).first;
    }
    return found->second;
  }

  HttpResponse SetRole(int64_t id, const nlohmann::json& role, const std::string& token) {
    return client().Send({.method = "PUT",
                          .path = "/api/v1/users/" + std::to_string(id) + "/role",
                          .body = nlohmann::json{{"role", role}}.dump(),
                          .bearer_token = token});
  }

  HttpResponse GetUser(int64_t id, const std::string& token = "") {
    return client().Get("/api/v1/users/" + std::to_string(id), token);
  }
};

TEST_P(UsersApiTest, CliAdminSetsModeratorRole) {
  const TestUser admin = CreateAdmin();
  ASSERT_GT(admin.id, 0);
  EXPECT_EQ(client().Get("/api/v1/users/me", admin.access_token).Json().value("role", ""), "admin");
  const TestUser user = Register("promoted");

  const HttpResponse promoted = SetRole(user.id, "moderator", admin.access_token);
  ASSERT_EQ(promoted.status, 200) << promoted.body;
  EXPECT_EQ(promoted.Json().value("role", ""), "moderator");
  EXPECT_EQ(promoted.Json().value("id", int64_t{0}), user.id);

  EXPECT_EQ(GetUser(user.id).Json().value("role", ""), "moderator");
  const HttpResponse login = Login(user.username, user.password);
  ASSERT_EQ(login.status, 200) << login.body;
  EXPECT_EQ(login.Json()["user"].value("role", ""), "moderator");
}

TEST_P(UsersApiTest, AdminSettingUnknownRoleGets422) {
  const TestUser& admin = SharedAdmin();
  const TestUser user = Register("badrole");
  const HttpResponse response = SetRole(user.id, "king", admin.access_token);
  ExpectErrorResponse(response, 422, "validation_failed");
  EXPECT_EQ(GetUser(user.id).Json().value("role", ""), "user");
}

TEST_P(UsersApiTest, AdminSettingRoleOfUnknownUserGets404) {
  const TestUser& admin = SharedAdmin();
  ExpectErrorResponse(SetRole(999999999, "moderator", admin.access_token), 404, "not_found");
}

// The role in an access token is a copy made at sign-in. After a demotion, the access tokens that
// the user already has must not keep the old role's rights, or a demoted admin can promote
// themself back at once.
TEST_P(UsersApiTest, DemotedAdminTokenCannotSetRoles) {
  const TestUser& admin = SharedAdmin();
  const TestUser demoted = CreateAdmin();
  ASSERT_EQ(SetRole(demoted.id, "user", admin.access_token).status, 200);

  const HttpResponse response = SetRole(demoted.id, "admin", demoted.access_token);
  EXPECT_TRUE(response.status == 401 || response.status == 403)
      << response.status << " " << response.body;
  EXPECT_EQ(GetUser(demoted.id).Json().value("role", ""), "user");
}

TEST_P(UsersApiTest, CliRejectsDuplicateUsername) {
  const TestUser user = Register("clidup");
  std::vector<std::string> args = {"user",
                                   "create",
                                   "--username",
                                   user.username,
                                   "--email",
                                   "other@example.org",
                                   "--password-stdin"};
  const std::vector<std::string> storage_flags = server().StorageFlags();
  args.insert(args.end(), storage_flags.begin(), storage_flags.end());
  const ProcessResult created = RunOpenlabs(args, std::string(kPassword) + "\n");
  EXPECT_FALSE(created.ExitedWithZero()) << created.output;
}

TEST_P(UsersApiTest, CliReportsEmptyPasswordLine) {
  std::vector<std::string> args = {"user",    "create", "--username",      "emptyline",
                                   "--email", "bad",    "--password-stdin"};
  const std::vector<std::string> storage_flags = server().StorageFlags();
  args.insert(args.end(), storage_flags.begin(), storage_flags.end());
  const ProcessResult created = RunOpenlabs(args, "\n");
  EXPECT_FALSE(created.ExitedWithZero()) << created.output;
  EXPECT_NE(created.output.find("first line of standard input is empty"), std::string::npos)
      << created.output;
  EXPECT_EQ(created.output.find("give the password with"), std::string::npos) << created.output;
}

TEST_P(UsersApiTest, PrivateFieldsHiddenFromOthers) {
  const TestUser owner = Register("private");
  const TestUser other = Register("curious");

  nlohmann::json anonymous = GetUser(owner.id).Json();
  EXPECT_EQ(anonymous.value("username", ""), owner.username);
  EXPECT_FALSE(anonymous.contains("email")) << anonymous.dump();
  EXPECT_FALSE(anonymous.contains("balance")) << anonymous.dump();
  EXPECT_FALSE(anonymous.contains("mfa_enabled")) << anonymous.dump();

  nlohmann::json by_other = GetUser(owner.id, other.access_token).Json();
  EXPECT_EQ(by_other.value("username", ""), owner.username);
  EXPECT_FALSE(by_other.contains("email")) << by_other.dump();
  EXPECT_FALSE(by_other.contains("balance")) << by_other.dump();
  EXPECT_FALSE(by_other.contains("mfa_enabled")) << by_other.dump();
}

TEST_P(UsersApiTest, PrivateFieldsShownToSelfAndAdmin) {
  const TestUser owner = Register("ownview");
  const TestUser& admin = SharedAdmin();

  nlohmann::json by_self = GetUser(owner.id, owner.access_token).Json();
  EXPECT_EQ(by_self.value("email", ""), owner.email) << by_self.dump();
  EXPECT_EQ(by_self.value("balance", int64_t{-1}), 10) << by_self.dump();
  EXPECT_EQ(by_self.value("mfa_enabled", true), false) << by_self.dump();

  nlohmann::json by_admin = GetUser(owner.id, admin.access_token).Json();
  EXPECT_EQ(by_admin.value("email", ""), owner.email) << by_admin.dump();
  EXPECT_EQ(by_admin.value("balance", int64_t{-1}), 10) << by_admin.dump();
  EXPECT_EQ(by_admin.value("mfa_enabled", true), false) << by_admin.dump();
}

TEST_P(UsersApiTest, InvalidTokenOnPublicProfileGets401) {
  const TestUser owner = Register("publictoken");
  ExpectErrorResponse(GetUser(owner.id, "not-a-token"), 401, "unauthenticated");
}

TEST_P(UsersApiTest, PatchMeUpdatesProfile) {
  const TestUser user = Register("patch");
  const HttpResponse patched =
      client().Send({.method = "PATCH",
                     .path = "/api/v1/users/me",
                     .body = R"({"name": "Grace", "bio": "Writes compilers. \u00e9\u4e2d"})",
                     .bearer_token = user.access_token});
  ASSERT_EQ(patched.status, 200) << patched.body;

  nlohmann::json me = client().Get("/api/v1/users/me", user.access_token).Json();
  EXPECT_EQ(me.value("name", ""), "Grace");
  EXPECT_EQ(me.value("surname", ""), "User") << "fields left out must keep their value";
  EXPECT_EQ(me.value("bio", ""), "Writes compilers. \xc3\xa9\xe4\xb8\xad");
}

TEST_P(UsersApiTest, PointsLedgerListsSignupCredit) {
  const TestUser user = Register("ledger");
  const HttpResponse response = client().Get("/api/v1/users/me/points", user.access_token);
  ASSERT_EQ(response.status, 200) << response.body;
  nlohmann::json body = response.Json();
  EXPECT_EQ(body.value("total", int64_t{0}), 1);
  ASSERT_EQ(body["items"].size(), 1u) << response.body;
  EXPECT_EQ(body["items"][0].value("amount", int64_t{0}), 10);
  EXPECT_EQ(body["items"][0].value("balance_after", int64_t{0}), 10);
  EXPECT_EQ(body["items"][0].value("reason", ""), "signup");

  const HttpResponse second_page =
      client().Get("/api/v1/users/me/points?page=2&limit=1", user.access_token);
  ASSERT_EQ(second_page.status, 200) << second_page.body;
  EXPECT_TRUE(second_page.Json()["items"].empty()) << second_page.body;
}

TEST_P(UsersApiTest, LeaderboardRanksUsers) {
  Register("board");
  const HttpResponse response = client().Get("/api/v1/leaderboard?limit=5");
  ASSERT_EQ(response.status, 200) << response.body;
  nlohmann::json body = response.Json();
  ASSERT_TRUE(body["items"].is_array()) << response.body;
  ASSERT_FALSE(body["items"].empty()) << response.body;
  EXPECT_LE(body["items"].size(), 5u);
  EXPECT_EQ(body["items"][0].value("rank", int64_t{0}), 1);
  int64_t previous = std::numeric_limits<int64_t>::max();
  for (const nlohmann::json& entry : body["items"]) {
    EXPECT_LE(entry.value("points", int64_t{0}), previous) << response.body;
    previous = entry.value("points", int64_t{0});
    EXPECT_FALSE(entry.contains("email")) << response.body;
  }
}

INSTANTIATE_TEST_SUITE_P(Dialects, UsersApiTest, ::testing::ValuesIn(storage::TestDialects()),
                         DialectTestName);

}  // namespace
}  // namespace openlabs::integration
