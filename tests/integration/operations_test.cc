// The operational surface: readiness, metrics, security and CORS headers on the shared server,
// and a graceful stop on SIGTERM on servers of their own.
#include <stdlib.h>

#include <cstdlib>
#include <filesystem>
#include <string>
#include <thread>

#include "api_test.h"

namespace openlabs::integration {
namespace {

class OperationsTest : public ApiTest {};

TEST_P(OperationsTest, HealthzReturns200) {
  const HttpResponse response = client().Get("/healthz");
  EXPECT_EQ(response.status, 200) << response.body;
  EXPECT_EQ(response.Json().value("status", ""), "ok");
}

TEST_P(OperationsTest, ReadyzReturns200) {
  const HttpResponse response = client().Get("/readyz");
  EXPECT_EQ(response.status, 200) << response.body;
  EXPECT_EQ(response.Json().value("status", ""), "ready");
}

TEST_P(OperationsTest, MetricsCountCalledRoute) {
  const TestUser user = Register("metrics");
  ASSERT_EQ(client().Get("/api/v1/users/" + std::to_string(user.id)).status, 200);

  const HttpResponse response = client().Get("/metrics");
  ASSERT_EQ(response.status, 200);
  EXPECT_TRUE(response.Header("content-type").starts_with("text/plain"))
      << response.Header("content-type");
  EXPECT_NE(response.body.find("# TYPE openlabs_http_requests_total counter"), std::string::npos);
  EXPECT_NE(response.body.find("openlabs_http_requests_total{method=\"GET\",route=\"/api/v1/"
                               "users/{id}\",status=\"200\"}"),
            std::string::npos)
      << response.body.substr(0, 2000);
  EXPECT_NE(response.body.find("openlabs_http_requests_total{method=\"POST\",route=\"/api/v1/"
                               "auth/register\",status=\"201\"}"),
            std::string::npos);
  EXPECT_NE(response.body.find("openlabs_http_request_duration_seconds_bucket{method=\"GET\","
                               "route=\"/api/v1/users/{id}\""),
            std::string::npos);
  // Path parameters go into the route pattern, never into a label of their own.
  EXPECT_EQ(response.body.find("/api/v1/users/" + std::to_string(user.id)), std::string::npos);
}

TEST_P(OperationsTest, ResponsesCarrySecurityHeaders) {
  const HttpResponse response = client().Get("/api/v1/leaderboard");
  EXPECT_EQ(response.Header("x-content-type-options"), "nosniff");
  EXPECT_EQ(response.Header("x-frame-options"), "DENY");
  EXPECT_EQ(response.Header("cache-control"), "no-store");
  EXPECT_FALSE(response.Header("content-security-policy").empty());
  EXPECT_FALSE(response.Header("x-request-id").empty());
}

TEST_P(OperationsTest, CorsAllowsOnlyConfiguredOrigin) {
  const HttpResponse allowed = client().Send(
      {.path = "/api/v1/leaderboard", .extra_headers = {"Origin: " + std::string(kAllowedOrigin)}});
  EXPECT_EQ(allowed.Header("access-control-allow-origin"), kAllowedOrigin);

  const HttpResponse other = client().Send(
      {.path = "/api/v1/leaderboard", .extra_headers = {"Origin: http://evil.example"}});
  EXPECT_EQ(other.status, 200);
  EXPECT_EQ(other.Header("access-control-allow-origin"), "");

  const HttpResponse preflight =
      client().Send({.method = "OPTIONS",
                     .path = "/api/v1/auth/login",
                     .extra_headers = {"Origin: " + std::string(kAllowedOrigin),
                                       "Access-Control-Request-Method: POST"}});
  EXPECT_EQ(preflight.status, 204) << preflight.body;
  EXPECT_NE(preflight.Header("access-control-allow-methods").find("POST"), std::string::npos);

  const HttpResponse rejected_preflight = client().Send(
      {.method = "OPTIONS",
       .path = "/api/v1/auth/login",
       .extra_headers = {"Origin: http://evil.example", "Access-Control-Request-Method: POST"}});
  ExpectErrorResponse(rejected_preflight, 403, "permission_denied");
}

INSTANTIATE_TEST_SUITE_P(Dialects, OperationsTest, ::testing::ValuesIn(storage::TestDialects()),
                         DialectTestName);

// Tests that stop their server or need other settings, each with a server of its own.
class DedicatedServerTest : public ::testing::TestWithParam<storage::Dialect> {
 protected:
  void SetUp() override {
    if (PostgresMissing(GetParam())) {
      GTEST_SKIP() << kNoPostgresMessage;
    }
  }

  std::unique_ptr<ServerProcess> StartServer(const std::string& config_toml) {
    auto started = ServerProcess::Start({.dialect = GetParam(), .config_toml = config_toml});
    EXPECT_TRUE(started) << started.error();
    return started ? std::move(*started) : nullptr;
  }
};

class ShutdownTest : public DedicatedServerTest {};

// The value of the in-flight gauge in a /metrics body, or -1 when it is missing.
int InFlightRequests(const std::string& metrics) {
  const std::string name = "\nopenlabs_http_requests_in_flight ";
  const size_t at = metrics.find(name);
  if (at == std::string::npos) {
    return -1;
  }
  return std::atoi(metrics.c_str() + at + name.size());
}

TEST_P(ShutdownTest, SigtermExitsWithZero) {
  std::unique_ptr<ServerProcess> server = StartServer("[log]\nlevel = \"info\"\n");
  ASSERT_NE(server, nullptr);
  const auto started = std::chrono::steady_clock::now();
  const ProcessResult exit = server->Stop();
  EXPECT_TRUE(exit.ExitedWithZero()) << exit.Describe() << "\n" << exit.output;
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(5))
      << "an idle server should stop at once";
}

// Registrations hash a password with argon2id (tens of milliseconds), so they are still
// running when SIGTERM arrives, and the server must finish them before it exits.
TEST_P(ShutdownTest, InFlightRequestsFinishAfterSigterm) {
  constexpr int kRequests = 4;
  std::unique_ptr<ServerProcess> server = StartServer("[log]\nlevel = \"info\"\n");
  ASSERT_NE(server, nullptr);

  std::vector<std::thread> clients;
  std::vector<HttpResponse> responses(kRequests);
  for (int i = 0; i < kRequests; ++i) {
    clients.emplace_back([&, i] {
      HttpClient client(server->base_url());
      const std::string username = UniqueUsername("drain");
      responses[i] = client.Post(
          "/api/v1/auth/register",
          {{"username", username}, {"email", username + "@example.org"}, {"password", kPassword}});
    });
  }
  // SIGTERM goes out once the server counts the registrations in flight (plus the /metrics
  // request itself), so a slow machine cannot send it before the clients have connected.
  HttpClient observer(server->base_url());
  const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (std::chrono::steady_clock::now() < give_up &&
         InFlightRequests(observer.Get("/metrics").body) <= kRequests) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  server->SendTerminate();
  for (std::thread& client : clients) {
    client.join();
  }
  const ProcessResult exit = server->WaitForExit();

  for (int i = 0; i < kRequests; ++i) {
    EXPECT_EQ(responses[i].status, 201)
        << "request " << i << ": " << responses[i].body << responses[i].transport_error;
  }
  EXPECT_TRUE(exit.ExitedWithZero()) << exit.Describe() << "\n" << exit.output;
  EXPECT_NE(exit.output.find("stopping"), std::string::npos) << exit.output;
}

INSTANTIATE_TEST_SUITE_P(Dialects, ShutdownTest, ::testing::ValuesIn(storage::TestDialects()),
                         DialectTestName);

class RequestTimeoutTest : public DedicatedServerTest {};

// A client that sends part of a request and then nothing is cut off after
// request_timeout_seconds, so it cannot hold a connection open.
TEST_P(RequestTimeoutTest, StalledRequestIsCutOff) {
  std::unique_ptr<ServerProcess> server = StartServer(
      "[log]\nlevel = \"warn\"\n[server]\nrequest_timeout_seconds = 1\nidle_timeout_seconds = 1\n");
  ASSERT_NE(server, nullptr);

  const auto sent = std::chrono::steady_clock::now();
  const std::string raw = SendRaw(server->port(), "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n",
                                  false, std::chrono::seconds(10));
  const auto waited = std::chrono::steady_clock::now() - sent;
  // The deadline sweep runs once a second, so the cut comes one to about two seconds after.
  EXPECT_GE(waited, std::chrono::milliseconds(900));
  EXPECT_LT(waited, std::chrono::seconds(5)) << "the stalled connection was not closed";
  EXPECT_TRUE(raw.empty() || RawStatus(raw) == 408) << raw.substr(0, 200);
  EXPECT_EQ(HttpClient(server->base_url()).Get("/healthz").status, 200);

  const ProcessResult exit = server->Stop();
  EXPECT_TRUE(exit.ExitedWithZero()) << exit.Describe() << "\n" << exit.output;
}

INSTANTIATE_TEST_SUITE_P(Dialects, RequestTimeoutTest, ::testing::ValuesIn(storage::TestDialects()),
                         DialectTestName);

class TextLogTest : public DedicatedServerTest {};

// A path whose percent escapes decode to bytes that are not UTF-8 is written to the text log
// as \xNN escapes, so the log stays valid UTF-8.
TEST_P(TextLogTest, EscapesInvalidUtf8FromPaths) {
  std::unique_ptr<ServerProcess> server =
      StartServer("[log]\nlevel = \"info\"\nformat = \"text\"\n");
  ASSERT_NE(server, nullptr);
  EXPECT_EQ(HttpClient(server->base_url()).Get("/api/v1/caf%C3%A9-%FF%FE").status, 404);
  const ProcessResult exit = server->Stop();
  ASSERT_TRUE(exit.ExitedWithZero()) << exit.Describe() << "\n" << exit.output;
  EXPECT_NE(exit.output.find("/api/v1/caf\xC3\xA9-\\xFF\\xFE"), std::string::npos) << exit.output;
  EXPECT_EQ(exit.output.find("\xFF"), std::string::npos);
}

INSTANTIATE_TEST_SUITE_P(Dialects, TextLogTest, ::testing::Values(storage::Dialect::kSqlite),
                         DialectTestName);

class PortInUseTest : public DedicatedServerTest {};

// A second server on the port of a running one exits with an error. Before, it joined the first
// server's SO_REUSEPORT group, and the kernel split requests between the two databases.
TEST_P(PortInUseTest, SecondServerFailsToStart) {
  std::unique_ptr<ServerProcess> first = StartServer("");
  ASSERT_NE(first, nullptr);
  const std::string address = "127.0.0.1:" + std::to_string(first->port());
  std::string data_dir =
      (std::filesystem::temp_directory_path() / "openlabs-second-server.XXXXXX").string();
  ASSERT_NE(::mkdtemp(data_dir.data()), nullptr);

  const ProcessResult second =
      RunOpenlabs({"serve", "--listen", address, "--data-dir", data_dir}, "");
  std::filesystem::remove_all(data_dir);

  EXPECT_EQ(second.Describe(), "exit code 1") << second.output;
  EXPECT_NE(second.output.find("The address " + address + " is already in use"),
            std::string::npos)
      << second.output;
  EXPECT_EQ(HttpClient(first->base_url()).Get("/healthz").status, 200);
  const ProcessResult first_exit = first->Stop();
  EXPECT_TRUE(first_exit.ExitedWithZero()) << first_exit.Describe() << "\n" << first_exit.output;
}

INSTANTIATE_TEST_SUITE_P(Dialects, PortInUseTest, ::testing::Values(storage::Dialect::kSqlite),
                         DialectTestName);

TEST(Cli, UnknownCommandIsNamed) {
  const ProcessResult top = RunOpenlabs({"bogus"}, "");
  EXPECT_FALSE(top.ExitedWithZero()) << top.output;
  EXPECT_NE(top.output.find("unknown command \"bogus\""), std::string::npos) << top.output;
  EXPECT_NE(top.output.find("serve"), std::string::npos) << top.output;

  const ProcessResult nested = RunOpenlabs({"user", "remove"}, "");
  EXPECT_FALSE(nested.ExitedWithZero()) << nested.output;
  EXPECT_NE(nested.output.find("openlabs user: unknown command \"remove\""), std::string::npos)
      << nested.output;

  // With no command at all, CLI11's own message stays.
  const ProcessResult none = RunOpenlabs({}, "");
  EXPECT_FALSE(none.ExitedWithZero()) << none.output;
  EXPECT_NE(none.output.find("subcommand"), std::string::npos) << none.output;
}

}  // namespace
}  // namespace openlabs::integration
