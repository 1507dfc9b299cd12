// Tests of the real HttpServer on a free port, spoken to over plain sockets.
#include "gateway/server.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <future>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <stdexcept>
#include <thread>
#include <vector>

#include "gateway/test_http_client.h"

namespace openlabs::gateway {
namespace {

using namespace std::chrono_literals;
using test_support::Client;
using test_support::Get;
using test_support::HttpReply;
using test_support::Post;

class HttpServerTest : public ::testing::Test {
 protected:
  HttpServerTest() {
    router_.Add("GET", "/api/v1/users/{id}", [](const Request& request) {
      return Response::Json(
          200, {{"id", request.PathParam("id")}, {"sort", request.QueryParam("sort")}});
    }).query_params = {"sort"};
    router_.Add("GET", "/api/v1/users/me", [](const Request&) {
      return Response::Json(200, {{"me", true}});
    });
    router_.Add("POST", "/api/v1/echo", [](const Request& request) {
      return Response::Json(200, {{"received", request.body}});
    });
    router_.Add("GET", "/api/v1/boom",
                [](const Request&) -> Response { throw std::runtime_error("secret detail"); });
    router_.Add("GET", "/api/v1/limited", [](const Request&) {
      Error error{ErrorCode::kRateLimited, "Too many requests."};
      error.retry_after_seconds = 7;
      return Response::FromError(error);
    });
    router_.Add("GET", "/api/v1/thread/inline", [this](const Request&) {
      inline_thread_ = std::this_thread::get_id();
      return Response::Json(200, {{"ok", true}});
    });
    router_.Add(
        "GET", "/api/v1/thread/worker",
        [this](const Request&) {
          worker_thread_ = std::this_thread::get_id();
          return Response::Json(200, {{"ok", true}});
        },
        Execution::kWorker);
    router_.Add(
        "GET", "/api/v1/slow",
        [this](const Request&) {
          slow_started_.set_value();
          std::this_thread::sleep_for(500ms);
          return Response::Json(200, {{"slow", true}});
        },
        Execution::kWorker);
    Route upload;
    upload.method = "POST";
    upload.pattern = "/api/v1/notes";
    upload.content_types = {"text/plain", "application/json"};
    upload.handler = [](const Request& request) {
      return Response::Json(201, {{"length", request.body.size()}});
    };
    router_.Add(std::move(upload));
  }

  ~HttpServerTest() override { StopServer(); }

  void StartServer(ServerOptions options = {}) {
    options.host = "127.0.0.1";
    options.port = 0;
    if (options.cors_origins.empty()) {
      options.cors_origins = {"https://app.example.org"};
    }
    server_ = std::make_unique<HttpServer>(std::move(options), router_, [this]() -> Status {
      if (ready_) {
        return {};
      }
      return Fail(Error{ErrorCode::kUnavailable, "The database is not reachable."});
    });
    const Result<uint16_t> port = server_->Listen();
    ASSERT_TRUE(port.has_value()) << port.error().message;
    port_ = *port;
    run_returned_ = std::async(std::launch::async, [this] { server_->Run(); });
  }

  void StopServer() {
    if (!server_) {
      return;
    }
    server_->Stop();
    run_returned_.wait();
    server_.reset();
  }

  HttpReply Fetch(const std::string& request, bool head_request = false) {
    Client client(port_);
    EXPECT_TRUE(client.Send(request));
    std::optional<HttpReply> reply = client.Read(head_request);
    EXPECT_TRUE(reply.has_value()) << request;
    return reply.value_or(HttpReply{});
  }

  Router router_;
  std::unique_ptr<HttpServer> server_;
  uint16_t port_ = 0;
  std::future<void> run_returned_;
  std::atomic<bool> ready_{true};
  std::thread::id inline_thread_;
  std::thread::id worker_thread_;
  std::promise<void> slow_started_;
};

TEST_F(HttpServerTest, SecondListenOnUsedPortFails) {
  StartServer();
  ServerOptions options;
  options.host = "127.0.0.1";
  options.port = port_;
  options.io_threads = 2;
  HttpServer second(options, router_, [] { return Status{}; });

  const Result<uint16_t> port = second.Listen();

  ASSERT_FALSE(port.has_value());
  EXPECT_EQ(port.error().code, ErrorCode::kUnavailable);
  const std::string address = "127.0.0.1:" + std::to_string(port_);
  EXPECT_NE(port.error().message.find("The address " + address + " is already in use"),
            std::string::npos)
      << port.error().message;
  EXPECT_EQ(Fetch(Get("/healthz")).status, 200);
}

TEST_F(HttpServerTest, UnknownOrRepeatedQueryParameterIs422) {
  StartServer();

  const HttpReply unknown = Fetch(Get("/api/v1/users/42?order=name"));
  EXPECT_EQ(unknown.status, 422);
  EXPECT_EQ(unknown.Json()["error"]["details"][0]["field"], "order");

  const HttpReply repeated = Fetch(Get("/api/v1/users/42?sort=a&sort=b"));
  EXPECT_EQ(repeated.status, 422);
  EXPECT_EQ(repeated.Json()["error"]["details"][0]["field"], "sort");

  const HttpReply none = Fetch(Get("/api/v1/users/me?sort=a"));
  EXPECT_EQ(none.status, 422);
}

TEST_F(HttpServerTest, RoutesWithPathAndQueryParameters) {
  StartServer();

  const HttpReply reply = Fetch(Get("/api/v1/users/42?sort=name%20asc"));

  EXPECT_EQ(reply.status, 200);
  EXPECT_EQ(reply.Header("content-type"), "application/json");
  EXPECT_EQ(reply.Json()["id"], "42");
  EXPECT_EQ(reply.Json()["sort"], "name asc");
}

TEST_F(HttpServerTest, LiteralRouteBeatsParameter) {
  StartServer();

  const HttpReply reply = Fetch(Get("/api/v1/users/me"));

  EXPECT_EQ(reply.status, 200);
  EXPECT_EQ(reply.Json()["me"], true);
}

TEST_F(HttpServerTest, UnknownApiPathIsJson404) {
  StartServer();

  const HttpReply reply = Fetch(Get("/api/v1/nothing/here"));

  EXPECT_EQ(reply.status, 404);
  EXPECT_EQ(reply.Json()["error"]["code"], "not_found");
  EXPECT_TRUE(reply.Json()["error"]["details"].is_array());
}

TEST_F(HttpServerTest, WrongMethodIsJson405WithAllow) {
  StartServer();

  const HttpReply reply = Fetch("DELETE /api/v1/users/42 HTTP/1.1\r\nHost: x\r\n\r\n");

  EXPECT_EQ(reply.status, 405);
  EXPECT_EQ(reply.Header("allow"), "GET, HEAD");
  EXPECT_EQ(reply.Json()["error"]["code"], "method_not_allowed");
  EXPECT_EQ(reply.Json()["error"]["details"][0]["field"], "allow");
  EXPECT_EQ(reply.Json()["error"]["details"][0]["message"], "GET, HEAD");
}

TEST_F(HttpServerTest, HeadSendsLengthWithoutBody) {
  StartServer();
  Client client(port_);

  ASSERT_TRUE(
      client.Send("HEAD /api/v1/users/42 HTTP/1.1\r\nHost: x\r\n\r\n" + Get("/api/v1/users/42")));
  const auto head = client.Read(true);
  const auto get = client.Read();

  ASSERT_TRUE(head.has_value());
  ASSERT_TRUE(get.has_value());
  EXPECT_EQ(head->status, 200);
  EXPECT_EQ(head->Header("content-length"), std::to_string(get->body.size()));
  EXPECT_EQ(get->status, 200);
  EXPECT_EQ(get->Json()["id"], "42");
}

TEST_F(HttpServerTest, EchoesJsonBody) {
  StartServer();

  const HttpReply reply = Fetch(Post("/api/v1/echo", "application/json", R"({"a":1})"));

  EXPECT_EQ(reply.status, 200);
  EXPECT_EQ(reply.Json()["received"], R"({"a":1})");
}

TEST_F(HttpServerTest, ChunkedBodyIsAccepted) {
  StartServer();

  const HttpReply reply = Fetch(
      "POST /api/v1/echo HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
      "Transfer-Encoding: chunked\r\n\r\n3\r\n{\"a\r\n4\r\n\":1}\r\n0\r\n\r\n");

  EXPECT_EQ(reply.status, 200);
  EXPECT_EQ(reply.Json()["received"], R"({"a":1})");
}

TEST_F(HttpServerTest, ExpectContinueGetsInterimResponse) {
  StartServer();
  Client client(port_);

  ASSERT_TRUE(
      client.Send("POST /api/v1/echo HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                  "Content-Length: 2\r\nExpect: 100-continue\r\n\r\n"));
  const auto interim = client.Read();
  ASSERT_TRUE(client.Send("{}"));
  const auto reply = client.Read();

  ASSERT_TRUE(interim.has_value());
  EXPECT_EQ(interim->status, 100);
  ASSERT_TRUE(reply.has_value());
  EXPECT_EQ(reply->status, 200);
}

TEST_F(HttpServerTest, DeclaredLargeBodyIs413) {
  ServerOptions options;
  options.max_body_bytes = 1024;
  StartServer(options);
  Client client(port_);

  ASSERT_TRUE(client.Send(Post("/api/v1/echo", "application/json", std::string(4096, 'x'))));
  const auto reply = client.Read();

  ASSERT_TRUE(reply.has_value());
  EXPECT_EQ(reply->status, 413);
  EXPECT_EQ(reply->Json()["error"]["code"], "payload_too_large");
  EXPECT_EQ(reply->Header("connection"), "close");
  EXPECT_TRUE(client.WaitForClose());
}

TEST_F(HttpServerTest, ChunkedLargeBodyIs413) {
  ServerOptions options;
  options.max_body_bytes = 1024;
  StartServer(options);
  Client client(port_);
  std::string request =
      "POST /api/v1/echo HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
      "Transfer-Encoding: chunked\r\n\r\n";
  for (int i = 0; i < 4; ++i) {
    request += "200\r\n" + std::string(512, 'x') + "\r\n";
  }
  request += "0\r\n\r\n";

  ASSERT_TRUE(client.Send(request));
  const auto reply = client.Read();

  ASSERT_TRUE(reply.has_value());
  EXPECT_EQ(reply->status, 413);
  EXPECT_EQ(reply->Json()["error"]["code"], "payload_too_large");
}

TEST_F(HttpServerTest, ChunkSizeOverLimitIs413BeforeData) {
  ServerOptions options;
  options.max_body_bytes = 1024;
  // Far longer than the read below, so only a response to the chunk size line can pass.
  options.request_timeout_seconds = 120;
  StartServer(options);
  Client client(port_);

  // The first chunk announces 1 MiB (hex 100000) and no data follows.
  ASSERT_TRUE(client.Send(
      "POST /api/v1/echo HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
      "Transfer-Encoding: chunked\r\n\r\n100000\r\n"));
  const auto reply = client.Read(false, 10000ms);

  ASSERT_TRUE(reply.has_value());
  EXPECT_EQ(reply->status, 413);
  EXPECT_EQ(reply->Json()["error"]["code"], "payload_too_large");
}

TEST_F(HttpServerTest, LaterChunkOverRemainingLimitIs413) {
  ServerOptions options;
  options.max_body_bytes = 1024;
  options.request_timeout_seconds = 120;
  StartServer(options);
  Client client(port_);

  // 1000 bytes arrive; the next chunk announces 100 more, past the 1024-byte limit.
  ASSERT_TRUE(client.Send(
      "POST /api/v1/echo HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
      "Transfer-Encoding: chunked\r\n\r\n3e8\r\n" +
      std::string(1000, 'x') + "\r\n64\r\n"));
  const auto reply = client.Read(false, 10000ms);

  ASSERT_TRUE(reply.has_value());
  EXPECT_EQ(reply->status, 413);
}

TEST_F(HttpServerTest, BodyAtLimitIsAccepted) {
  ServerOptions options;
  options.max_body_bytes = 1024;
  StartServer(options);
  const std::string body = "\"" + std::string(1022, 'x') + "\"";

  const HttpReply reply = Fetch(Post("/api/v1/echo", "application/json", body));

  EXPECT_EQ(reply.status, 200);
}

TEST_F(HttpServerTest, WrongContentTypeIs415) {
  StartServer();

  const HttpReply text = Fetch(Post("/api/v1/echo", "text/plain", "hello"));
  const HttpReply missing = Fetch(Post("/api/v1/echo", "", "{}"));
  const HttpReply form = Fetch(Post("/api/v1/echo", "application/x-www-form-urlencoded", "a=1"));

  EXPECT_EQ(text.status, 415);
  EXPECT_EQ(text.Json()["error"]["code"], "unsupported_media_type");
  EXPECT_EQ(missing.status, 415);
  EXPECT_EQ(form.status, 415);
}

TEST_F(HttpServerTest, JsonWithCharsetAndEmptyBodyAreAccepted) {
  StartServer();

  const HttpReply charset = Fetch(Post("/api/v1/echo", "Application/JSON; charset=utf-8", "{}"));
  const HttpReply empty = Fetch(Post("/api/v1/echo", "", ""));

  EXPECT_EQ(charset.status, 200);
  EXPECT_EQ(empty.status, 200);
}

TEST_F(HttpServerTest, RouteContentTypesAreHonoured) {
  StartServer();

  const HttpReply text = Fetch(Post("/api/v1/notes", "text/plain", "hello"));
  const HttpReply binary = Fetch(Post("/api/v1/notes", "application/octet-stream", "hello"));

  EXPECT_EQ(text.status, 201);
  EXPECT_EQ(binary.status, 415);
}

TEST_F(HttpServerTest, MalformedRequestLineIs400ThenClose) {
  StartServer();
  for (const std::string& request :
       {std::string("GARBAGE\r\n\r\n"), std::string("GET /x HTTP/9.9\r\n\r\n"),
        std::string("GET  HTTP/1.1\r\n\r\n"), std::string("GET /x HTTP/1.1\r\nNo colon\r\n\r\n"),
        std::string("GET /x HTTP/1.1\r\nContent-Length: abc\r\n\r\n"),
        std::string("POST /api/v1/echo HTTP/1.1\r\nContent-Length: 2\r\n"
                    "Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n")}) {
    Client client(port_);
    ASSERT_TRUE(client.Send(request));
    const auto reply = client.Read();
    ASSERT_TRUE(reply.has_value()) << request;
    EXPECT_EQ(reply->status, 400) << request;
    EXPECT_EQ(reply->Json()["error"]["code"], "invalid_argument") << request;
    EXPECT_EQ(reply->Header("connection"), "close") << request;
    EXPECT_FALSE(reply->Header("x-request-id").empty()) << request;
    EXPECT_TRUE(client.WaitForClose()) << request;
  }
}

TEST_F(HttpServerTest, InvalidTargetIs400) {
  StartServer();

  const HttpReply escape = Fetch(Get("/api/v1/users/%zz"));
  const HttpReply nul = Fetch(Get("/api/v1/users/a%00b"));

  EXPECT_EQ(escape.status, 400);
  EXPECT_EQ(nul.status, 400);
}

TEST_F(HttpServerTest, GarbageBytesNeverCrashTheServer) {
  StartServer();
  std::mt19937 random(12345);
  for (int round = 0; round < 200; ++round) {
    std::string bytes(1 + random() % 3000, '\0');
    for (char& c : bytes) {
      c = static_cast<char>(random() % 256);
    }
    if (round % 3 == 0) {
      bytes = "GET /" + bytes;  // gets past the method, then breaks the target or version
    }
    Client client(port_);
    client.Send(bytes);
    client.ShutdownWrite();
    const auto reply = client.Read(false, 2000ms);
    if (reply.has_value()) {
      EXPECT_EQ(reply->status / 100, 4) << "round " << round;
    }
  }

  const HttpReply health = Fetch(Get("/healthz"));
  EXPECT_EQ(health.status, 200);
}

TEST_F(HttpServerTest, OversizedHeaderIs431) {
  StartServer();
  Client client(port_);

  ASSERT_TRUE(
      client.Send("GET /healthz HTTP/1.1\r\nX-Big: " + std::string(20000, 'a') + "\r\n\r\n"));
  const auto reply = client.Read();

  ASSERT_TRUE(reply.has_value());
  EXPECT_EQ(reply->status, 431);
  EXPECT_EQ(reply->Json()["error"]["code"], "invalid_argument");
}

TEST_F(HttpServerTest, TooManyHeaderFieldsIs431) {
  StartServer();
  std::string headers;
  for (int i = 0; i < 150; ++i) {
    headers += "X-H" + std::to_string(i) + ": 1\r\n";
  }

  const HttpReply reply = Fetch(Get("/healthz", headers));

  EXPECT_EQ(reply.status, 431);
}

TEST_F(HttpServerTest, KeepAliveServesSequentialRequests) {
  StartServer();
  Client client(port_);

  ASSERT_TRUE(client.Send(Get("/api/v1/users/1")));
  const auto first = client.Read();
  ASSERT_TRUE(client.Send(Get("/api/v1/users/2")));
  const auto second = client.Read();

  ASSERT_TRUE(first.has_value());
  ASSERT_TRUE(second.has_value());
  EXPECT_EQ(first->Json()["id"], "1");
  EXPECT_EQ(second->Json()["id"], "2");
  EXPECT_FALSE(first->HasHeader("connection"));
}

TEST_F(HttpServerTest, KeepAliveServesPipelinedRequests) {
  StartServer();
  Client client(port_);

  ASSERT_TRUE(client.Send(Get("/api/v1/users/1") + Get("/api/v1/users/2") +
                          Post("/api/v1/echo", "application/json", "[]")));
  const auto first = client.Read();
  const auto second = client.Read();
  const auto third = client.Read();

  ASSERT_TRUE(first.has_value());
  ASSERT_TRUE(second.has_value());
  ASSERT_TRUE(third.has_value());
  EXPECT_EQ(first->Json()["id"], "1");
  EXPECT_EQ(second->Json()["id"], "2");
  EXPECT_EQ(third->Json()["received"], "[]");
}

TEST_F(HttpServerTest, ConnectionCloseIsHonoured) {
  StartServer();
  Client client(port_);

  ASSERT_TRUE(client.Send(Get("/healthz", "Connection: close\r\n")));
  const auto reply = client.Read();

  ASSERT_TRUE(reply.has_value());
  EXPECT_EQ(reply->Header("connection"), "close");
  EXPECT_TRUE(client.WaitForClose());
}

TEST_F(HttpServerTest, Http10ClosesByDefault) {
  StartServer();
  Client client(port_);

  ASSERT_TRUE(client.Send("GET /healthz HTTP/1.0\r\n\r\n"));
  const auto reply = client.Read();

  ASSERT_TRUE(reply.has_value());
  EXPECT_EQ(reply->status, 200);
  EXPECT_TRUE(client.WaitForClose());
}

TEST_F(HttpServerTest, EchoesSaneRequestId) {
  StartServer();

  const HttpReply reply = Fetch(Get("/healthz", "X-Request-Id: trace-abc.1_2\r\n"));

  EXPECT_EQ(reply.Header("x-request-id"), "trace-abc.1_2");
}

TEST_F(HttpServerTest, ReplacesInsaneRequestId) {
  StartServer();

  const HttpReply spaces = Fetch(Get("/healthz", "X-Request-Id: a b c\r\n"));
  const HttpReply long_id =
      Fetch(Get("/healthz", "X-Request-Id: " + std::string(65, 'a') + "\r\n"));

  EXPECT_EQ(spaces.Header("x-request-id").size(), 15u);
  EXPECT_EQ(long_id.Header("x-request-id").size(), 15u);
}

TEST_F(HttpServerTest, GeneratesDistinctRequestIds) {
  StartServer();

  const HttpReply first = Fetch(Get("/healthz"));
  const HttpReply second = Fetch(Get("/healthz"));

  EXPECT_FALSE(first.Header("x-request-id").empty());
  EXPECT_NE(first.Header("x-request-id"), second.Header("x-request-id"));
}

TEST_F(HttpServerTest, SecurityHeadersOnEveryResponse) {
  StartServer();
  for (const std::string& request : {Get("/api/v1/users/1"), Get("/api/v1/missing"),
                                     Get("/healthz"), std::string("BAD\r\n\r\n")}) {
    const HttpReply reply = Fetch(request);
    EXPECT_EQ(reply.Header("x-content-type-options"), "nosniff") << request;
    EXPECT_EQ(reply.Header("x-frame-options"), "DENY") << request;
    EXPECT_EQ(reply.Header("referrer-policy"), "no-referrer") << request;
    EXPECT_EQ(reply.Header("cross-origin-opener-policy"), "same-origin") << request;
    EXPECT_NE(reply.Header("content-security-policy").find("frame-ancestors 'none'"),
              std::string::npos)
        << request;
  }
}

TEST_F(HttpServerTest, ApiResponsesAreNotStored) {
  StartServer();

  const HttpReply reply = Fetch(Get("/api/v1/users/1"));

  EXPECT_EQ(reply.Header("cache-control"), "no-store");
}

TEST_F(HttpServerTest, RetryAfterIsSent) {
  StartServer();

  const HttpReply reply = Fetch(Get("/api/v1/limited"));

  EXPECT_EQ(reply.status, 429);
  EXPECT_EQ(reply.Header("retry-after"), "7");
}

TEST_F(HttpServerTest, CorsForAllowedOrigin) {
  StartServer();

  const HttpReply reply = Fetch(Get("/api/v1/users/1", "Origin: https://app.example.org\r\n"));

  EXPECT_EQ(reply.Header("access-control-allow-origin"), "https://app.example.org");
  EXPECT_EQ(reply.Header("vary"), "Origin");
}

TEST_F(HttpServerTest, NoCorsForOtherOrigin) {
  StartServer();

  const HttpReply reply = Fetch(Get("/api/v1/users/1", "Origin: https://evil.example\r\n"));

  EXPECT_EQ(reply.status, 200);
  EXPECT_FALSE(reply.HasHeader("access-control-allow-origin"));
  EXPECT_FALSE(reply.HasHeader("vary"));
}

TEST_F(HttpServerTest, PreflightForAllowedOrigin) {
  StartServer();

  const HttpReply reply = Fetch(
      "OPTIONS /api/v1/echo HTTP/1.1\r\nHost: x\r\nOrigin: https://app.example.org\r\n"
      "Access-Control-Request-Method: POST\r\n"
      "Access-Control-Request-Headers: content-type\r\n\r\n");

  EXPECT_EQ(reply.status, 204);
  EXPECT_EQ(reply.Header("access-control-allow-origin"), "https://app.example.org");
  EXPECT_NE(reply.Header("access-control-allow-methods").find("POST"), std::string::npos);
  EXPECT_EQ(reply.Header("access-control-allow-headers"),
            "Authorization, Content-Type, X-Request-Id");
  EXPECT_EQ(reply.Header("access-control-max-age"), "600");
  EXPECT_EQ(reply.Header("vary"), "Origin");
}

TEST_F(HttpServerTest, PreflightForOtherOriginIs403) {
  StartServer();

  const HttpReply reply = Fetch(
      "OPTIONS /api/v1/echo HTTP/1.1\r\nHost: x\r\nOrigin: https://app.example.org.evil\r\n"
      "Access-Control-Request-Method: POST\r\n\r\n");

  EXPECT_EQ(reply.status, 403);
  EXPECT_EQ(reply.Json()["error"]["code"], "permission_denied");
  EXPECT_FALSE(reply.HasHeader("access-control-allow-origin"));
}

TEST_F(HttpServerTest, Healthz) {
  StartServer();

  const HttpReply reply = Fetch(Get("/healthz"));

  EXPECT_EQ(reply.status, 200);
  EXPECT_EQ(reply.Json(), nlohmann::json({{"status", "ok"}}));
}

TEST_F(HttpServerTest, ReadyzWhenReady) {
  StartServer();

  const HttpReply reply = Fetch(Get("/readyz"));

  EXPECT_EQ(reply.status, 200);
  EXPECT_EQ(reply.Json(), nlohmann::json({{"status", "ready"}}));
}

TEST_F(HttpServerTest, ReadyzListsCurrentWarnings) {
  auto warnings = std::make_shared<std::vector<std::string>>();
  auto warnings_mutex = std::make_shared<std::mutex>();
  ServerOptions options;
  options.readiness_warnings = [warnings, warnings_mutex] {
    std::lock_guard lock(*warnings_mutex);
    return *warnings;
  };
  StartServer(options);

  const HttpReply before = Fetch(Get("/readyz"));
  EXPECT_EQ(before.status, 200);
  EXPECT_FALSE(before.Json().contains("warnings")) << before.body;

  {
    std::lock_guard lock(*warnings_mutex);
    warnings->push_back("PDF uploads are unavailable.");
  }
  const HttpReply reply = Fetch(Get("/readyz"));

  EXPECT_EQ(reply.status, 200);
  EXPECT_EQ(reply.Json()["status"], "ready");
  EXPECT_EQ(reply.Json()["warnings"], nlohmann::json::array({"PDF uploads are unavailable."}));
}

TEST_F(HttpServerTest, ReadyzWhenNotReady) {
  StartServer();
  ready_ = false;

  const HttpReply reply = Fetch(Get("/readyz"));

  EXPECT_EQ(reply.status, 503);
  EXPECT_EQ(reply.Json()["error"]["code"], "unavailable");
}

TEST_F(HttpServerTest, BuiltinWithWrongMethodIs405) {
  StartServer();

  const HttpReply reply = Fetch(Post("/healthz", "application/json", "{}"));

  EXPECT_EQ(reply.status, 405);
  EXPECT_EQ(reply.Header("allow"), "GET, HEAD");
}

TEST_F(HttpServerTest, MetricsCountRequests) {
  StartServer();
  Fetch(Get("/api/v1/users/1"));
  Fetch(Get("/api/v1/users/2"));
  Fetch(Get("/api/v1/missing"));
  const std::string user_labels = R"(method="GET",route="/api/v1/users/{id}",status="200")";
  const std::string missing_line =
      R"(openlabs_http_requests_total{method="GET",route="unmatched",status="404"} 1)";

  // A request is counted just after its response is written, so the client can see the
  // response before the count: poll briefly.
  HttpReply reply;
  const auto deadline = std::chrono::steady_clock::now() + 2s;
  do {
    reply = Fetch(Get("/metrics"));
  } while (reply.body.find(missing_line) == std::string::npos &&
           std::chrono::steady_clock::now() < deadline);

  EXPECT_EQ(reply.status, 200);
  EXPECT_EQ(reply.Header("content-type"), "text/plain; version=0.0.4; charset=utf-8");
  EXPECT_NE(reply.body.find("openlabs_http_requests_total{" + user_labels + "} 2\n"),
            std::string::npos)
      << reply.body;
  EXPECT_NE(reply.body.find(missing_line), std::string::npos);
  EXPECT_NE(reply.body.find("openlabs_http_request_duration_seconds_bucket{" + user_labels +
                            ",le=\"+Inf\"} 2\n"),
            std::string::npos);
  EXPECT_NE(
      reply.body.find("openlabs_http_request_duration_seconds_count{" + user_labels + "} 2\n"),
      std::string::npos);
  EXPECT_NE(reply.body.find("openlabs_http_request_duration_seconds_sum{" + user_labels + "} "),
            std::string::npos);
  // The scrape itself is in flight while the text is rendered.
  EXPECT_NE(reply.body.find("# TYPE openlabs_http_requests_in_flight gauge\n"), std::string::npos);
  EXPECT_EQ(reply.body.find("openlabs_http_requests_in_flight 0\n"), std::string::npos);
}

TEST_F(HttpServerTest, WorkerRoutesRunOffTheIoThread) {
  ServerOptions options;
  options.io_threads = 1;
  StartServer(options);

  const HttpReply inline_reply = Fetch(Get("/api/v1/thread/inline"));
  const HttpReply worker_reply = Fetch(Get("/api/v1/thread/worker"));

  EXPECT_EQ(inline_reply.status, 200);
  EXPECT_EQ(worker_reply.status, 200);
  EXPECT_NE(inline_thread_, std::thread::id());
  EXPECT_NE(worker_thread_, std::thread::id());
  EXPECT_NE(inline_thread_, worker_thread_);
}

TEST_F(HttpServerTest, HandlerExceptionIs500WithoutDetail) {
  StartServer();

  const HttpReply reply = Fetch(Get("/api/v1/boom"));

  EXPECT_EQ(reply.status, 500);
  EXPECT_EQ(reply.Json()["error"]["code"], "internal");
  EXPECT_EQ(reply.body.find("secret"), std::string::npos);
  EXPECT_EQ(reply.body.find("handler threw"), std::string::npos);
}

TEST_F(HttpServerTest, ListenFailsForMissingWebRoot) {
  ServerOptions options;
  options.web_root = "/nonexistent/openlabs/web";
  HttpServer server(options, router_, nullptr);

  const Result<uint16_t> port = server.Listen();

  ASSERT_FALSE(port.has_value());
  EXPECT_EQ(port.error().code, ErrorCode::kInvalidArgument);
}

TEST_F(HttpServerTest, StopDrainsInFlightRequest) {
  StartServer();
  Client client(port_);
  ASSERT_TRUE(client.Send(Get("/api/v1/slow")));
  ASSERT_EQ(slow_started_.get_future().wait_for(5s), std::future_status::ready);

  server_->Stop();
  const auto reply = client.Read();

  ASSERT_TRUE(reply.has_value());
  EXPECT_EQ(reply->status, 200);
  EXPECT_EQ(reply->Json()["slow"], true);
  EXPECT_EQ(reply->Header("connection"), "close");
  EXPECT_EQ(run_returned_.wait_for(5s), std::future_status::ready);
}

TEST_F(HttpServerTest, StopClosesIdleConnections) {
  StartServer();
  Client client(port_);
  ASSERT_TRUE(client.Send(Get("/healthz")));
  ASSERT_TRUE(client.Read().has_value());
  const auto started = std::chrono::steady_clock::now();

  server_->Stop();

  EXPECT_TRUE(client.WaitForClose(3000ms));
  EXPECT_EQ(run_returned_.wait_for(3s), std::future_status::ready);
  EXPECT_LT(std::chrono::steady_clock::now() - started, 2s);
}

TEST_F(HttpServerTest, StopRefusesNewConnections) {
  StartServer();
  server_->Stop();
  ASSERT_EQ(run_returned_.wait_for(5s), std::future_status::ready);

  EXPECT_THROW(Client client(port_), std::runtime_error);
}

TEST_F(HttpServerTest, SigtermStopsServer) {
  ServerOptions options;
  options.handle_signals = true;
  StartServer(options);
  // The signal handler is installed before the io threads start, so a successful request
  // shows that SIGTERM no longer takes the default action of ending this test process.
  ASSERT_EQ(Fetch(Get("/healthz")).status, 200);

  ASSERT_EQ(kill(getpid(), SIGTERM), 0);

  EXPECT_EQ(run_returned_.wait_for(5s), std::future_status::ready);
}

TEST_F(HttpServerTest, GracePeriodEndsStalledRequest) {
  ServerOptions options;
  options.shutdown_grace_seconds = 1;
  StartServer(options);
  Client client(port_);
  ASSERT_TRUE(client.Send("GET /healthz HTTP/1.1\r\nHost: x\r\n"));  // header never ends
  std::this_thread::sleep_for(100ms);
  const auto started = std::chrono::steady_clock::now();

  server_->Stop();

  EXPECT_EQ(run_returned_.wait_for(5s), std::future_status::ready);
  EXPECT_LT(std::chrono::steady_clock::now() - started, 3s);
  EXPECT_TRUE(client.WaitForClose(1000ms));
}

// True when `client` receives a 200 response within `timeout`.
bool Served(Client& client, std::chrono::milliseconds timeout) {
  const std::optional<HttpReply> reply = client.Read(false, timeout);
  return reply.has_value() && reply->status == 200;
}

TEST_F(HttpServerTest, ConnectionLimitHoldsBackExtraConnections) {
  constexpr int kLimit = 4;
  ServerOptions options;
  options.io_threads = 1;
  options.max_connections = kLimit;
  StartServer(options);

  std::vector<std::unique_ptr<Client>> open;
  for (int i = 0; i < kLimit; ++i) {
    open.push_back(std::make_unique<Client>(port_));
    ASSERT_TRUE(open.back()->Send(Get("/healthz")));
    ASSERT_TRUE(Served(*open.back(), 5000ms)) << "connection " << i;
  }

  // Past the limit the kernel completes the TCP handshake, but the server does not accept, so
  // the requests get no response while the limit holds.
  constexpr int kExtra = 3;
  std::vector<std::unique_ptr<Client>> extra;
  for (int i = 0; i < kExtra; ++i) {
    extra.push_back(std::make_unique<Client>(port_));
    ASSERT_TRUE(extra.back()->Send(Get("/healthz")));
  }
  for (auto& client : extra) {
    EXPECT_FALSE(Served(*client, 300ms));
  }
  ASSERT_TRUE(open[0]->Send(Get("/healthz")));
  EXPECT_TRUE(Served(*open[0], 5000ms)) << "an accepted connection stopped being served";

  // Closing two connections lets two of the waiting ones in, and no more.
  open.resize(kLimit - 2);
  EXPECT_TRUE(Served(*extra[0], 3000ms));
  EXPECT_TRUE(Served(*extra[1], 3000ms));
  EXPECT_FALSE(Served(*extra[2], 300ms));

  open.clear();
  EXPECT_TRUE(Served(*extra[2], 3000ms));
  Client fresh(port_);
  ASSERT_TRUE(fresh.Send(Get("/healthz")));
  EXPECT_TRUE(Served(fresh, 3000ms)) << "the server stopped accepting";
}

TEST_F(HttpServerTest, StopWhileAtConnectionLimit) {
  ServerOptions options;
  options.io_threads = 1;
  options.max_connections = 1;
  StartServer(options);
  Client held(port_);
  ASSERT_TRUE(held.Send(Get("/healthz")));
  ASSERT_TRUE(Served(held, 5000ms));
  Client waiting(port_);
  ASSERT_TRUE(waiting.Send(Get("/healthz")));
  EXPECT_FALSE(Served(waiting, 300ms));

  server_->Stop();

  EXPECT_EQ(run_returned_.wait_for(5s), std::future_status::ready);
}

TEST_F(HttpServerTest, IdleTimeoutClosesConnection) {
  ServerOptions options;
  options.idle_timeout_seconds = 1;
  StartServer(options);
  Client client(port_);
  ASSERT_TRUE(client.Send(Get("/healthz")));
  ASSERT_TRUE(client.Read().has_value());

  EXPECT_TRUE(client.WaitForClose(4000ms));
}

TEST_F(HttpServerTest, RequestTimeoutClosesSlowRequest) {
  ServerOptions options;
  options.request_timeout_seconds = 1;
  StartServer(options);
  Client client(port_);

  ASSERT_TRUE(client.Send("GET /healthz HTTP/1.1\r\nHost: x\r\n"));

  EXPECT_TRUE(client.WaitForClose(4000ms));
}

class StaticServerTest : public HttpServerTest {
 protected:
  void SetUp() override {
    base_ = std::filesystem::temp_directory_path() /
            ("openlabs_server_static_" + std::to_string(getpid()));
    std::filesystem::remove_all(base_);
    std::filesystem::create_directories(base_ / "web" / "assets");
    std::ofstream(base_ / "web" / "index.html") << "<!doctype html><div id=root></div>";
    std::ofstream(base_ / "web" / "assets" / "app-1a2b.js") << std::string(200000, 'j');
    std::ofstream(base_ / "secret.txt") << "outside";
    ServerOptions options;
    options.web_root = (base_ / "web").string();
    StartServer(options);
  }

  void TearDown() override {
    StopServer();
    std::filesystem::remove_all(base_);
  }

  std::filesystem::path base_;
};

TEST_F(StaticServerTest, ServesIndexAtRoot) {
  const HttpReply reply = Fetch(Get("/"));

  EXPECT_EQ(reply.status, 200);
  EXPECT_EQ(reply.Header("content-type"), "text/html; charset=utf-8");
  EXPECT_EQ(reply.Header("cache-control"), "no-cache");
  EXPECT_EQ(reply.body, "<!doctype html><div id=root></div>");
  EXPECT_EQ(reply.Header("x-frame-options"), "DENY");
}

TEST_F(StaticServerTest, ServesLargeAssetImmutable) {
  const HttpReply reply = Fetch(Get("/assets/app-1a2b.js"));

  EXPECT_EQ(reply.status, 200);
  EXPECT_EQ(reply.Header("content-type"), "text/javascript; charset=utf-8");
  EXPECT_EQ(reply.Header("cache-control"), "public, max-age=31536000, immutable");
  EXPECT_EQ(reply.body, std::string(200000, 'j'));
}

TEST_F(StaticServerTest, HeadOfAssetHasNoBody) {
  Client client(port_);

  ASSERT_TRUE(client.Send("HEAD /assets/app-1a2b.js HTTP/1.1\r\nHost: x\r\n\r\n" + Get("/")));
  const auto head = client.Read(true);
  const auto index = client.Read();

  ASSERT_TRUE(head.has_value());
  EXPECT_EQ(head->Header("content-length"), "200000");
  ASSERT_TRUE(index.has_value());
  EXPECT_EQ(index->body, "<!doctype html><div id=root></div>");
}

TEST_F(StaticServerTest, ClientRouteFallsBackToIndex) {
  const HttpReply reply = Fetch(Get("/labs/42"));

  EXPECT_EQ(reply.status, 200);
  EXPECT_EQ(reply.body, "<!doctype html><div id=root></div>");
}

TEST_F(StaticServerTest, MissingAssetIs404) {
  const HttpReply reply = Fetch(Get("/assets/missing.js"));

  EXPECT_EQ(reply.status, 404);
}

TEST_F(StaticServerTest, UnknownApiPathIsStillJson404) {
  const HttpReply reply = Fetch(Get("/api/v1/unknown"));

  EXPECT_EQ(reply.status, 404);
  EXPECT_EQ(reply.Json()["error"]["code"], "not_found");
}

TEST_F(StaticServerTest, TraversalIsRejected) {
  for (const char* path : {"/../secret.txt", "/assets/../../secret.txt", "/%2e%2e/secret.txt",
                           "/assets/%2E%2E/%2E%2E/secret.txt", "/..%2fsecret.txt"}) {
    const HttpReply reply = Fetch(Get(path));
    EXPECT_EQ(reply.status, 400) << path;
    EXPECT_EQ(reply.body.find("outside"), std::string::npos) << path;
  }
}

TEST_F(StaticServerTest, MatchingEtagIs304) {
  const HttpReply first = Fetch(Get("/assets/app-1a2b.js"));
  ASSERT_FALSE(first.Header("etag").empty());

  const HttpReply second =
      Fetch(Get("/assets/app-1a2b.js", "If-None-Match: " + first.Header("etag") + "\r\n"));

  EXPECT_EQ(second.status, 304);
  EXPECT_TRUE(second.body.empty());
}

TEST_F(StaticServerTest, RangeOfAssetIs206) {
  const HttpReply reply = Fetch(Get("/assets/app-1a2b.js", "Range: bytes=10-19\r\n"));

  EXPECT_EQ(reply.status, 206);
  EXPECT_EQ(reply.Header("content-range"), "bytes 10-19/200000");
  EXPECT_EQ(reply.Header("accept-ranges"), "bytes");
  EXPECT_EQ(reply.body, std::string(10, 'j'));
}

TEST_F(StaticServerTest, RangePastEndOfAssetIs416) {
  const HttpReply reply = Fetch(Get("/assets/app-1a2b.js", "Range: bytes=200000-\r\n"));

  EXPECT_EQ(reply.status, 416);
  EXPECT_EQ(reply.Header("content-range"), "bytes */200000");
}

TEST_F(StaticServerTest, PostToNonApiPathIs404) {
  const HttpReply reply = Fetch(Post("/labs/42", "application/json", "{}"));

  EXPECT_EQ(reply.status, 404);
}

}  // namespace
}  // namespace openlabs::gateway
