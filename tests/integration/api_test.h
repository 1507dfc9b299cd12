#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <ostream>
#include <set>
#include <string>
#include <string_view>

#include "http_client.h"
#include "server_process.h"
#include "storage/database.h"
#include "storage/test_database.h"

namespace openlabs::integration {

// Limits of the shared server's configuration that tests rely on.
inline constexpr int kSharedLoginAttemptsPerAccount = 3;
inline constexpr int64_t kSharedMaxBodyBytes = 256 * 1024;
inline constexpr int kSharedLoginWindowSeconds = 300;
inline constexpr std::string_view kAllowedOrigin = "http://allowed.example";

// A password that passes every check of registration.
inline constexpr std::string_view kPassword = "correct-horse-battery-71";

// The TOML configuration of the shared server.
std::string SharedServerConfig();

// The server that every ApiTest of `dialect` shares, started on first use. When the previous
// server has died (a crash), this records a test failure with its exit status and output and
// starts a new one. Returns nullptr, after recording the failure, when the start fails.
ServerProcess* SharedServer(storage::Dialect dialect);

// Stops the shared servers and checks that each exits with status 0 on SIGTERM.
void StopSharedServers();

// A registered user and the tokens of their registration session.
struct TestUser {
  int64_t id = 0;
  std::string username;
  std::string email;
  std::string password;
  std::string access_token;
  std::string refresh_token;
};

// A username that no other test of this process uses: `prefix` and a counter.
std::string UniqueUsername(std::string_view prefix);

// Registers a new user through `client` and fails the test when that does not return 201.
TestUser RegisterUser(HttpClient& client, std::string_view prefix);

// Checks the shape every error response has: `status`, a JSON body
// {"error": {"code": `code`, "message": non-empty, "details": [...]}} and an X-Request-Id header.
void ExpectErrorResponse(const HttpResponse& response, long status, std::string_view code);

// True when `dialect` is PostgreSQL and OPENLABS_TEST_POSTGRES_URL names no server, so that
// the test must skip with kNoPostgresMessage.
bool PostgresMissing(storage::Dialect dialect);
inline constexpr std::string_view kNoPostgresMessage =
    "OPENLABS_TEST_POSTGRES_URL is not set; run under scripts/with-postgres.sh";

// The test name suffix of a dialect parameter: "sqlite" or "postgres".
std::string DialectTestName(const ::testing::TestParamInfo<storage::Dialect>& info);

// Base of the tests that use the shared server of the dialect parameter. Skips PostgreSQL when
// OPENLABS_TEST_POSTGRES_URL is unset.
class ApiTest : public ::testing::TestWithParam<storage::Dialect> {
 protected:
  void SetUp() override;

  // Registers a new user over HTTP and fails the test when that does not return 201.
  TestUser Register(std::string_view prefix);

  // Logs in with a password and returns the response.
  HttpResponse Login(const std::string& login, const std::string& password);

  // Creates a user with `openlabs user create` on the server's database, with `role_flag`
  // ("--admin", "--moderator" or empty), and logs in. Fails the test when either step fails.
  TestUser CreateUserWithCli(std::string_view prefix, std::string_view role_flag);

  // The routes the server registers, as "METHOD PATTERN" from `openlabs routes`, such as
  // "GET /api/v1/labs/{id}". Fails the test when the command fails.
  std::set<std::string> RegisteredRoutes();

  // Opens the server's database in this process, with `pool_size` connections.
  std::unique_ptr<storage::Database> OpenDatabase(int pool_size = 2) const;

  ServerProcess& server() { return *server_; }
  HttpClient& client() { return *client_; }

 private:
  ServerProcess* server_ = nullptr;
  std::unique_ptr<HttpClient> client_;
};

}  // namespace openlabs::integration

namespace openlabs::storage {

// Prints a dialect parameter by name in test output, in place of its bytes.
inline void PrintTo(Dialect dialect, std::ostream* out) { *out << DialectName(dialect); }

}  // namespace openlabs::storage
