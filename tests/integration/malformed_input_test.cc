// Malformed input never crashes the server: after each request below, GET /healthz still
// returns 200 and the shared server's exit status is checked at the end of the run.
#include <random>

#include "api_test.h"

namespace openlabs::integration {
namespace {

class MalformedInputTest : public ApiTest {
 protected:
  void TearDown() override {
    if (IsSkipped()) {
      return;
    }
    HttpClient fresh(server().base_url());
    const HttpResponse health = fresh.Get("/healthz");
    EXPECT_EQ(health.status, 200) << "the server stopped answering: " << health.transport_error;
    ProcessResult exit;
    EXPECT_TRUE(server().Running(&exit)) << "the server ended with " << exit.Describe() << "\n"
                                         << exit.output;
  }

  HttpResponse PostJson(const std::string& path, const std::string& body,
                        const std::string& bearer_token = "") {
    return client().Send(
        {.method = "POST", .path = path, .body = body, .bearer_token = bearer_token});
  }

  std::string Raw(std::string_view bytes, bool shutdown_write = true) {
    return SendRaw(server().port(), bytes, shutdown_write, std::chrono::seconds(5));
  }
};

TEST_P(MalformedInputTest, GarbageBytesGet400) {
  std::mt19937 random(20240601);
  std::string garbage(4096, '\0');
  for (char& c : garbage) {
    c = static_cast<char>(random() & 0xff);
  }
  garbage += "\r\n\r\n";
  const std::string raw = Raw(garbage);
  EXPECT_TRUE(raw.empty() || RawStatus(raw) == 400) << raw.substr(0, 200);
}

TEST_P(MalformedInputTest, InvalidRequestLinesGet400) {
  for (const std::string line :
       {"GET\r\n\r\n", "GET /healthz HTTP/9.9\r\n\r\n", "G@T /healthz HTTP/1.1\r\n\r\n",
        "GET /healthz HTTP/1.1\r\nBad Header Without Colon\r\n\r\n",
        "GET /healthz HTTP/1.1\r\nHost: a\r\nContent-Length: -5\r\n\r\n",
        "GET /healthz HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab",
        "POST /api/v1/auth/login HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"
        "zz\r\n{}\r\n0\r\n\r\n"}) {
    SCOPED_TRACE(line.substr(0, 40));
    const std::string raw = Raw(line);
    EXPECT_EQ(RawStatus(raw), 400) << raw.substr(0, 200);
  }
}

TEST_P(MalformedInputTest, TruncatedRequestsAreDropped) {
  // Cut inside the request line, inside the header and inside the body.
  for (const std::string partial :
       {"POST /api/v1/au", "POST /api/v1/auth/login HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Ty",
        "POST /api/v1/auth/login HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json"
        "\r\nContent-Length: 100\r\n\r\n{\"login\": \"a"}) {
    SCOPED_TRACE(partial);
    const std::string raw = Raw(partial);
    EXPECT_TRUE(raw.empty() || RawStatus(raw) == 400) << raw.substr(0, 200);
  }
}

TEST_P(MalformedInputTest, HugeHeaderGets431) {
  const std::string request =
      "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: " + std::string(64 * 1024, 'a') +
      "\r\n\r\n";
  const std::string raw = Raw(request);
  EXPECT_EQ(RawStatus(raw), 431) << raw.substr(0, 200);
}

TEST_P(MalformedInputTest, TooManyHeaderFieldsGet431) {
  std::string request = "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n";
  for (int i = 0; i < 500; ++i) {
    request += "X-Field-" + std::to_string(i) + ": v\r\n";
  }
  request += "\r\n";
  const std::string raw = Raw(request);
  EXPECT_EQ(RawStatus(raw), 431) << raw.substr(0, 200);
}

TEST_P(MalformedInputTest, HugeTargetIsRejected) {
  const std::string request =
      "GET /api/v1/users/" + std::string(100 * 1024, '1') + " HTTP/1.1\r\nHost: a\r\n\r\n";
  const std::string raw = Raw(request);
  EXPECT_GE(RawStatus(raw), 400) << raw.substr(0, 200);
  EXPECT_LT(RawStatus(raw), 500) << raw.substr(0, 200);
}

TEST_P(MalformedInputTest, NonUtf8JsonStringsGet400) {
  const std::string username = UniqueUsername("utf");
  const std::string tail = "\", \"email\": \"" + username + "@example.org\", \"password\": \"" +
                           std::string(kPassword) + "\"}";
  for (const std::string& bad : {std::string("\xff\xfe"), std::string("ab\xc3"),
                                 std::string("\xed\xa0\x80"), std::string("\xc0\xaf")}) {
    SCOPED_TRACE(::testing::PrintToString(bad));
    ExpectErrorResponse(PostJson("/api/v1/auth/register", "{\"username\": \"" + bad + tail), 400,
                        "invalid_argument");
  }
}

TEST_P(MalformedInputTest, LoneSurrogateEscapeGets400) {
  const TestUser user = Register("surrogate");
  const HttpResponse response = client().Send({.method = "PATCH",
                                               .path = "/api/v1/users/me",
                                               .body = R"({"bio": "\ud800"})",
                                               .bearer_token = user.access_token});
  ExpectErrorResponse(response, 400, "invalid_argument");
}

TEST_P(MalformedInputTest, ControlCharactersInNameGet422) {
  const TestUser user = Register("control");
  const HttpResponse response = client().Send({.method = "PATCH",
                                               .path = "/api/v1/users/me",
                                               .body = R"({"name": "a\u0000b"})",
                                               .bearer_token = user.access_token});
  ExpectErrorResponse(response, 422, "validation_failed");
}

TEST_P(MalformedInputTest, DeeplyNestedArraysAreRejected) {
  constexpr size_t kDepth = 100'000;
  const std::string open(kDepth, '[');
  const std::string close(kDepth, ']');
  // Unclosed arrays are not JSON; closed ones are JSON of the wrong type.
  ExpectErrorResponse(PostJson("/api/v1/auth/login", open), 400, "invalid_argument");
  ExpectErrorResponse(PostJson("/api/v1/auth/login", open + close), 422, "validation_failed");
  ExpectErrorResponse(PostJson("/api/v1/auth/register", "{\"username\": " + open + close + "}"),
                      422, "validation_failed");
}

TEST_P(MalformedInputTest, DeeplyNestedObjectsAreRejected) {
  constexpr size_t kDepth = 40'000;
  std::string nested;
  for (size_t i = 0; i < kDepth; ++i) {
    nested += "{\"a\":";
  }
  nested += "1" + std::string(kDepth, '}');
  ASSERT_LT(nested.size() + 32, static_cast<size_t>(kSharedMaxBodyBytes));

  // A string field gets an object: the wrong type.
  ExpectErrorResponse(PostJson("/api/v1/auth/register", "{\"username\": " + nested + "}"), 422,
                      "validation_failed");
  // "client" is a message field, so the nested object reaches the conversion of nested
  // messages, which rejects its unknown field "a".
  const HttpResponse client_field =
      PostJson("/api/v1/auth/register", "{\"client\": " + nested + "}");
  ExpectErrorResponse(client_field, 422, "validation_failed");
  EXPECT_NE(client_field.body.find("\"client.a\""), std::string::npos) << client_field.body;
}

TEST_P(MalformedInputTest, NonObjectTopLevelGets422) {
  for (const std::string body : {"[1, 2]", "[]", "\"text\"", "42", "null", "true"}) {
    SCOPED_TRACE(body);
    const HttpResponse response = PostJson("/api/v1/auth/login", body);
    ExpectErrorResponse(response, 422, "validation_failed");
    EXPECT_NE(response.body.find("\"body\""), std::string::npos) << response.body;
  }
  const TestUser user = Register("nonobject");
  for (const char* path : {"/api/v1/assistant/chat", "/api/v1/notebook-sessions"}) {
    SCOPED_TRACE(path);
    const HttpResponse response = client().Send(
        {.method = "POST", .path = path, .body = "[1]", .bearer_token = user.access_token});
    ExpectErrorResponse(response, 422, "validation_failed");
  }
}

TEST_P(MalformedInputTest, DuplicateKeysGet422) {
  const TestUser user = Register("duplicates");
  for (const std::string body :
       {R"({"bio": "first", "bio": "second"})", R"({"name": "a", "client": {"x": 1, "x": 2}})"}) {
    SCOPED_TRACE(body);
    const HttpResponse response = client().Send({.method = "PATCH",
                                                 .path = "/api/v1/users/me",
                                                 .body = body,
                                                 .bearer_token = user.access_token});
    ExpectErrorResponse(response, 422, "validation_failed");
    EXPECT_NE(response.body.find("twice"), std::string::npos) << response.body;
  }
  const HttpResponse chat = client().Send({.method = "POST",
                                           .path = "/api/v1/assistant/chat",
                                           .body = R"({"message": "a", "message": "b"})",
                                           .bearer_token = user.access_token});
  ExpectErrorResponse(chat, 422, "validation_failed");
  const HttpResponse session = client().Send({.method = "POST",
                                              .path = "/api/v1/notebook-sessions",
                                              .body = R"({"source": "a", "source": "b"})",
                                              .bearer_token = user.access_token});
  ExpectErrorResponse(session, 422, "validation_failed");

  // The same key in two different objects is not a duplicate.
  const HttpResponse lab =
      client().Post("/api/v1/labs", {{"title", "Lab"}, {"description", "d"}, {"body", "# Do it"}},
                    user.access_token);
  ASSERT_EQ(lab.status, 201) << lab.body;
  const HttpResponse rubric = client().Send(
      {.method = "PUT",
       .path = "/api/v1/labs/" + std::to_string(lab.Json().value("id", 0)) + "/rubric",
       .body = R"({"criteria": [{"name": "a", "description": "x"},
                                {"name": "b", "description": "y"}]})",
       .bearer_token = user.access_token});
  ASSERT_EQ(rubric.status, 200) << rubric.body;
  EXPECT_EQ(rubric.Json()["criteria"].size(), 2u);
}

TEST_P(MalformedInputTest, NumbersOutOfRangeAreRejected) {
  const TestUser user = Register("numbers");
  // "id" is an int64 field of the profile update. The server ignores its value but must parse it.
  // A number too large for a double makes the body invalid JSON (400). Any other number that does
  // not fit the int64 field, including -1e-999 (read as -0.0), is a wrong value (422).
  const std::vector<std::pair<std::string, int>> cases = {
      {R"({"id": 1e999})", 400},
      {R"({"id": -1e-999})", 422},
      {R"({"id": 18446744073709551615})", 422},
      {R"({"id": -9223372036854775809})", 422},
      {R"({"id": 99999999999999999999999999999})", 422},
      {R"({"id": 1.5})", 422},
  };
  for (const auto& [body, status] : cases) {
    SCOPED_TRACE(body);
    const HttpResponse response = client().Send({.method = "PATCH",
                                                 .path = "/api/v1/users/me",
                                                 .body = body,
                                                 .bearer_token = user.access_token});
    ExpectErrorResponse(response, status, status == 400 ? "invalid_argument" : "validation_failed");
  }
}

TEST_P(MalformedInputTest, UnknownFieldsGet422) {
  const TestUser user = Register("unknownfield");
  const HttpResponse response = client().Send({.method = "PATCH",
                                               .path = "/api/v1/users/me",
                                               .body = R"({"bio": "hi", "role": "admin",
                                                           "balance": 1000000})",
                                               .bearer_token = user.access_token});
  ExpectErrorResponse(response, 422, "validation_failed");
  const nlohmann::json details = response.Json()["error"]["details"];
  ASSERT_EQ(details.size(), 2u) << response.body;
  EXPECT_EQ(details[0].value("field", ""), "balance");
  EXPECT_EQ(details[1].value("field", ""), "role");
  EXPECT_EQ(details[1].value("message", ""),
            "is not a field of this object; it accepts id, name, surname, bio");

  // Nothing was stored: the profile keeps its old bio.
  const HttpResponse me = client().Get("/api/v1/users/me", user.access_token);
  ASSERT_EQ(me.status, 200) << me.body;
  EXPECT_EQ(me.Json().value("bio", ""), "");
  EXPECT_EQ(me.Json().value("role", ""), "user");
}

TEST_P(MalformedInputTest, NestedUnknownFieldsAreNamedByPath) {
  const TestUser user = Register("nestedunknown");
  struct Case {
    std::string method;
    std::string path;
    std::string body;
    std::string field;
  };
  const std::vector<Case> cases = {
      {"PUT", "/api/v1/labs/1/rubric", R"({"scale": {"min": 0, "max": 4, "step": 1}})",
       "scale.step"},
      {"PUT", "/api/v1/labs/1/rubric", R"({"criteria": [{"name": "a"}, {"name": "b", "w": 1}]})",
       "criteria[1].w"},
      {"POST", "/api/v1/assistant/chat", R"({"scope": {"lab": 1}, "message": "hi"})", "scope.lab"},
  };
  for (const Case& test : cases) {
    SCOPED_TRACE(test.body);
    const HttpResponse response = client().Send({.method = test.method,
                                                 .path = test.path,
                                                 .body = test.body,
                                                 .bearer_token = user.access_token});
    ExpectErrorResponse(response, 422, "validation_failed");
    const nlohmann::json details = response.Json()["error"]["details"];
    ASSERT_EQ(details.size(), 1u) << response.body;
    EXPECT_EQ(details[0].value("field", ""), test.field);
  }
}

TEST_P(MalformedInputTest, ManyKeepAliveRequestsOnOneConnection) {
  std::string requests;
  for (int i = 0; i < 200; ++i) {
    requests += "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
  }
  requests += "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n";
  const std::string raw = Raw(requests);
  size_t responses = 0;
  for (size_t at = raw.find("HTTP/1.1 200"); at != std::string::npos;
       at = raw.find("HTTP/1.1 200", at + 1)) {
    ++responses;
  }
  EXPECT_EQ(responses, 201u);
}

INSTANTIATE_TEST_SUITE_P(Dialects, MalformedInputTest, ::testing::ValuesIn(storage::TestDialects()),
                         DialectTestName);

}  // namespace
}  // namespace openlabs::integration
