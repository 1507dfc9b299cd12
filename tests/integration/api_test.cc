#include "api_test.h"

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <map>
#include <mutex>
#include <sstream>

namespace openlabs::integration {
namespace {

struct SharedServers {
  std::mutex mutex;
  std::map<storage::Dialect, std::unique_ptr<ServerProcess>> servers;
};

SharedServers& Shared() {
  static SharedServers* shared = new SharedServers();
  return *shared;
}

}  // namespace

std::string SharedServerConfig() {
  // The per-address limit is high because every test connects from 127.0.0.1, and
  // registrations count against it too.
  return "[server]\n"
         "max_body_bytes = " +
         std::to_string(kSharedMaxBodyBytes) +
         "\n"
         "request_timeout_seconds = 10\n"
         "cors_origins = [\"" +
         std::string(kAllowedOrigin) +
         "\"]\n"
         "[log]\n"
         "level = \"warn\"\n"
         "[auth]\n"
         "login_attempts_per_account = " +
         std::to_string(kSharedLoginAttemptsPerAccount) +
         "\n"
         "login_attempts_per_address = 100000\n"
         "login_window_seconds = " +
         std::to_string(kSharedLoginWindowSeconds) + "\n";
}

ServerProcess* SharedServer(storage::Dialect dialect) {
  SharedServers& shared = Shared();
  std::lock_guard lock(shared.mutex);
  std::unique_ptr<ServerProcess>& server = shared.servers[dialect];
  ProcessResult exit;
  if (server && !server->Running(&exit)) {
    ADD_FAILURE() << "The shared " << storage::DialectName(dialect)
                  << " server ended before this test with " << exit.Describe()
                  << "; a new one is started. Its output:\n"
                  << exit.output;
    server.reset();
  }
  if (server) {
    return server.get();
  }
  auto started = ServerProcess::Start({.dialect = dialect, .config_toml = SharedServerConfig()});
  if (!started) {
    ADD_FAILURE() << started.error();
    return nullptr;
  }
  server = std::move(*started);
  return server.get();
}

void StopSharedServers() {
  SharedServers& shared = Shared();
  std::lock_guard lock(shared.mutex);
  for (auto& [dialect, server] : shared.servers) {
    if (!server) {
      continue;
    }
    const ProcessResult exit = server->Stop();
    EXPECT_TRUE(exit.ExitedWithZero())
        << "The shared " << storage::DialectName(dialect) << " server ended with "
        << exit.Describe() << " after SIGTERM. Its output:\n"
        << exit.output;
  }
  shared.servers.clear();
}

bool PostgresMissing(storage::Dialect dialect) {
  if (dialect != storage::Dialect::kPostgres) {
    return false;
  }
  const char* url = std::getenv("OPENLABS_TEST_POSTGRES_URL");
  return url == nullptr || *url == '\0';
}

std::string UniqueUsername(std::string_view prefix) {
  static std::atomic<int> counter{0};
  return std::string(prefix) + std::to_string(::getpid() % 100000) + "x" +
         std::to_string(counter++);
}

void ExpectErrorResponse(const HttpResponse& response, long status, std::string_view code) {
  EXPECT_EQ(response.status, status) << response.body << response.transport_error;
  EXPECT_EQ(response.Header("content-type"), "application/json");
  EXPECT_FALSE(response.Header("x-request-id").empty());
  const nlohmann::json body = response.Json();
  ASSERT_TRUE(body.is_object()) << "not a JSON object: " << response.body;
  ASSERT_TRUE(body.contains("error")) << response.body;
  const nlohmann::json& error = body["error"];
  ASSERT_TRUE(error.is_object()) << response.body;
  EXPECT_EQ(error.value("code", ""), code) << response.body;
  ASSERT_TRUE(error.contains("message")) << response.body;
  EXPECT_TRUE(error["message"].is_string()) << response.body;
  EXPECT_FALSE(error["message"].get<std::string>().empty()) << response.body;
  ASSERT_TRUE(error.contains("details")) << response.body;
  EXPECT_TRUE(error["details"].is_array()) << response.body;
}

std::string DialectTestName(const ::testing::TestParamInfo<storage::Dialect>& info) {
  return storage::DialectName(info.param);
}

void ApiTest::SetUp() {
  if (PostgresMissing(GetParam())) {
    GTEST_SKIP() << kNoPostgresMessage;
  }
  server_ = SharedServer(GetParam());
  ASSERT_NE(server_, nullptr);
  client_ = std::make_unique<HttpClient>(server_->base_url());
}

TestUser RegisterUser(HttpClient& client, std::string_view prefix) {
  TestUser user;
  user.username = UniqueUsername(prefix);
  user.email = user.username + "@example.org";
  user.password = std::string(kPassword);
  const HttpResponse response = client.Post("/api/v1/auth/register", {{"username", user.username},
                                                                        {"email", user.email},
                                                                        {"password", user.password},
                                                                        {"name", "Test"},
                                                                        {"surname", "User"}});
  EXPECT_EQ(response.status, 201) << response.body << response.transport_error;
  const nlohmann::json body = response.Json();
  if (response.status != 201 || !body.is_object()) {
    return user;
  }
  if (body.contains("user") && body["user"].is_object()) {
    user.id = body["user"].value("id", int64_t{0});
  }
  user.access_token = body.value("access_token", "");
  user.refresh_token = body.value("refresh_token", "");
  return user;
}

TestUser ApiTest::Register(std::string_view prefix) { return RegisterUser(client(), prefix); }

HttpResponse ApiTest::Login(const std::string& login, const std::string& password) {
  return client().Post("/api/v1/auth/login", {{"login", login}, {"password", password}});
}

TestUser ApiTest::CreateUserWithCli(std::string_view prefix, std::string_view role_flag) {
  TestUser user;
  user.username = UniqueUsername(prefix);
  user.email = user.username + "@example.org";
  user.password = std::string(kPassword);
  std::vector<std::string> args = {"user",    "create",   "--username",      user.username,
                                   "--email", user.email, "--password-stdin"};
  if (!role_flag.empty()) {
    args.emplace_back(role_flag);
  }
  const std::vector<std::string> storage_flags = server().StorageFlags();
  args.insert(args.end(), storage_flags.begin(), storage_flags.end());
  const ProcessResult created = RunOpenlabs(args, user.password + "\n");
  EXPECT_TRUE(created.ExitedWithZero()) << created.Describe() << "\n" << created.output;
  const std::string role = role_flag.empty() ? "user" : std::string(role_flag.substr(2));
  EXPECT_NE(created.output.find("role " + role + ")"), std::string::npos) << created.output;

  const HttpResponse login = Login(user.username, user.password);
  EXPECT_EQ(login.status, 200) << login.body;
  const nlohmann::json body = login.Json();
  if (body.is_object() && body.contains("user") && body["user"].is_object()) {
    user.id = body["user"].value("id", int64_t{0});
    user.access_token = body.value("access_token", "");
    user.refresh_token = body.value("refresh_token", "");
  }
  return user;
}

std::set<std::string> ApiTest::RegisteredRoutes() {
  // The command builds the routes on a temporary database, so it takes only the configuration.
  std::vector<std::string> args = {"routes"};
  const std::vector<std::string> storage_flags = server().StorageFlags();
  const auto config = std::find(storage_flags.begin(), storage_flags.end(), "--config");
  if (config != storage_flags.end() && config + 1 != storage_flags.end()) {
    args.insert(args.end(), config, config + 2);
  }
  const ProcessResult listed = RunOpenlabs(args, "");
  EXPECT_TRUE(listed.ExitedWithZero()) << listed.Describe() << "\n" << listed.output;

  // Log lines may share the output, so only "METHOD /pattern" lines count.
  static const std::set<std::string> kMethods = {"GET", "PUT", "POST", "DELETE", "PATCH"};
  std::set<std::string> routes;
  std::istringstream lines(listed.output);
  std::string line;
  while (std::getline(lines, line)) {
    std::istringstream words(line);
    std::string method;
    std::string pattern;
    std::string rest;
    if (words >> method >> pattern && !(words >> rest) && kMethods.contains(method) &&
        pattern.starts_with('/')) {
      routes.insert(method + " " + pattern);
    }
  }
  EXPECT_FALSE(routes.empty()) << "openlabs routes printed no route:\n" << listed.output;
  return routes;
}

std::unique_ptr<storage::Database> ApiTest::OpenDatabase(int pool_size) const {
  Result<std::unique_ptr<storage::Database>> opened =
      storage::Database::Open(server_->database_url(), pool_size);
  if (!opened) {
    ADD_FAILURE() << "cannot open " << server_->database_url() << ": " << opened.error().message
                  << " " << opened.error().internal;
    return nullptr;
  }
  return std::move(*opened);
}

}  // namespace openlabs::integration
