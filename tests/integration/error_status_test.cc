// Every error status of the API produced by a real request, each with the JSON error body
// {"error": {"code", "message", "details"}} and an X-Request-Id header.
#include "api_test.h"
#include "form_data.h"

namespace openlabs::integration {
namespace {

class ErrorStatusTest : public ApiTest {
 protected:
  HttpResponse PostRegister(const std::string& body,
                            const std::string& content_type = "application/json") {
    return client().Send({.method = "POST",
                          .path = "/api/v1/auth/register",
                          .body = body,
                          .content_type = content_type});
  }

  // A registration body with one field replaced.
  nlohmann::json RegistrationWith(const std::string& field, const nlohmann::json& value) {
    const std::string username = UniqueUsername("err");
    nlohmann::json body = {
        {"username", username}, {"email", username + "@example.org"}, {"password", kPassword}};
    body[field] = value;
    return body;
  }

  // True when the error details of `response` name `field`.
  static bool HasDetailFor(const HttpResponse& response, const std::string& field) {
    nlohmann::json body = response.Json();
    if (!body.is_object() || !body["error"].is_object() || !body["error"]["details"].is_array()) {
      return false;
    }
    for (const nlohmann::json& detail : body["error"]["details"]) {
      if (detail.is_object() && detail.value("field", "") == field) {
        return true;
      }
    }
    return false;
  }
};

TEST_P(ErrorStatusTest, MalformedJsonIs400) {
  ExpectErrorResponse(PostRegister("{\"username\": "), 400, "invalid_argument");
  ExpectErrorResponse(PostRegister("{'username': 'ada'}"), 400, "invalid_argument");
  ExpectErrorResponse(PostRegister("{\"username\": \"ada\",}"), 400, "invalid_argument");
}

TEST_P(ErrorStatusTest, MissingBodyIs400) {
  const HttpResponse response = client().Send({.method = "POST", .path = "/api/v1/auth/register"});
  ExpectErrorResponse(response, 400, "invalid_argument");
}

TEST_P(ErrorStatusTest, WrongFieldTypeIs422WithField) {
  const HttpResponse number = PostRegister(RegistrationWith("username", 12345).dump());
  ExpectErrorResponse(number, 422, "validation_failed");
  EXPECT_TRUE(HasDetailFor(number, "username")) << number.body;

  const HttpResponse object = PostRegister(RegistrationWith("password", {{"a", 1}}).dump());
  ExpectErrorResponse(object, 422, "validation_failed");
  EXPECT_TRUE(HasDetailFor(object, "password")) << object.body;

  const TestUser user = Register("errtype");
  const HttpResponse profile = client().Send({.method = "PATCH",
                                              .path = "/api/v1/users/me",
                                              .body = R"({"bio": ["a"]})",
                                              .bearer_token = user.access_token});
  ExpectErrorResponse(profile, 422, "validation_failed");
  EXPECT_TRUE(HasDetailFor(profile, "bio")) << profile.body;
}

TEST_P(ErrorStatusTest, BadPathIdIs400) {
  for (const std::string id : {"abc", "0", "-1", "1.5", "99999999999999999999", "%20"}) {
    SCOPED_TRACE(id);
    ExpectErrorResponse(client().Get("/api/v1/users/" + id), 400, "invalid_argument");
  }
}

TEST_P(ErrorStatusTest, BadQueryParameterIs422) {
  const TestUser user = Register("errquery");
  // Each request names the parameter that the error details must name.
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"/api/v1/users/me/points?limit=0", "limit"},
      {"/api/v1/users/me/points?limit=101", "limit"},
      {"/api/v1/users/me/points?page=x", "page"},
      {"/api/v1/users/me/points?page=99999999999999999999", "page"},
      {"/api/v1/labs?author=-1", "author"},
      {"/api/v1/labs?author_id=-1", "author_id"},
      {"/api/v1/labs?author_id=1", "author_id"},
      {"/api/v1/articles?author=x", "author"},
      {"/api/v1/articles?tag=python", "tag"},
      {"/api/v1/submissions/mine?page=0", "page"},
      {"/api/v1/submissions/mine?status=accepted", "status"},
      {"/api/v1/reviews/queue?limit=x", "limit"},
      {"/api/v1/labs/1/comments?limit=-5", "limit"},
      {"/api/v1/leaderboard?sort=new", "sort"},
      {"/api/v1/search?q=a&type=video", "type"},
      {"/api/v1/search?q=a&kind=lab", "kind"},
      {"/api/v1/assistant/conversations?lab_id=-1", "lab_id"},
  };
  for (const auto& [path, parameter] : cases) {
    SCOPED_TRACE(path);
    const HttpResponse response = client().Get(path, user.access_token);
    ExpectErrorResponse(response, 422, "validation_failed");
    EXPECT_TRUE(HasDetailFor(response, parameter)) << response.body;
  }
}

TEST_P(ErrorStatusTest, UnknownQueryParameterIs422OnEveryRoute) {
  const TestUser user = Register("errunknown");
  // Routes that read no query parameter. The check runs before the caller and the resource are
  // looked up, so the ids need not exist.
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"GET", "/api/v1/labs/1?x=1"},
      {"GET", "/api/v1/labs/1/grader?verbose=1"},
      {"GET", "/api/v1/submissions/1?x=1"},
      {"GET", "/api/v1/users/me?fields=id"},
      {"GET", "/api/v1/users/1?x="},
      {"GET", "/api/v1/config?x=1"},
      {"GET", "/api/v1/articles/1?x=1"},
      {"GET", "/api/v1/notebooks/1?x=1"},
      {"GET", "/api/openapi.json?x=1"},
      {"POST", "/api/v1/auth/login?x=1"},
      {"DELETE", "/api/v1/labs/1?force=1"},
  };
  for (const auto& [method, path] : cases) {
    SCOPED_TRACE(method + " " + path);
    const HttpResponse response = client().Send({.method = method,
                                                 .path = path,
                                                 .body = method == "POST" ? "{}" : "",
                                                 .bearer_token = user.access_token});
    ExpectErrorResponse(response, 422, "validation_failed");
    const std::string name = path.substr(path.find('?') + 1, path.find('=') - path.find('?') - 1);
    EXPECT_TRUE(HasDetailFor(response, name)) << response.body;
  }

  // A route that reads some parameters lists them in the detail.
  const HttpResponse tags = client().Get("/api/v1/tags?sort=name");
  ExpectErrorResponse(tags, 422, "validation_failed");
  EXPECT_NE(tags.body.find("it accepts limit"), std::string::npos) << tags.body;
  ASSERT_EQ(client().Get("/api/v1/tags?limit=5").status, 200);
}

TEST_P(ErrorStatusTest, RepeatedQueryParameterIs422) {
  const TestUser user = Register("errrepeat");
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"/api/v1/labs?page=1&page=2", "page"},
      {"/api/v1/search?q=a&q=b", "q"},
      {"/api/v1/users/me/points?limit=5&limit=5", "limit"},
  };
  for (const auto& [path, parameter] : cases) {
    SCOPED_TRACE(path);
    const HttpResponse response = client().Get(path, user.access_token);
    ExpectErrorResponse(response, 422, "validation_failed");
    EXPECT_TRUE(HasDetailFor(response, parameter)) << response.body;
    EXPECT_NE(response.body.find("more than once"), std::string::npos) << response.body;
  }
}

TEST_P(ErrorStatusTest, RepeatedFormFieldIs422) {
  const TestUser user = Register("errform");
  const HttpResponse response =
      PostForm(client(), "/api/v1/articles",
               {{.name = "title", .value = "First"},
                {.name = "title", .value = "Second"},
                {.name = "file", .value = "%PDF-1.4\n", .filename = "a.pdf",
                 .content_type = "application/pdf"}},
               user.access_token);
  ExpectErrorResponse(response, 422, "validation_failed");
  EXPECT_TRUE(HasDetailFor(response, "title")) << response.body;
}

TEST_P(ErrorStatusTest, MissingTokenIs401) {
  ExpectErrorResponse(client().Get("/api/v1/users/me"), 401, "unauthenticated");
  ExpectErrorResponse(client().PostEmpty("/api/v1/auth/logout", ""), 401, "unauthenticated");
  ExpectErrorResponse(client().PostEmpty("/api/v1/auth/mfa/setup", ""), 401, "unauthenticated");
}

TEST_P(ErrorStatusTest, NonAdminSettingRoleIs403) {
  const TestUser user = Register("errrole");
  const TestUser other = Register("errroletarget");
  const HttpResponse response =
      client().Send({.method = "PUT",
                     .path = "/api/v1/users/" + std::to_string(other.id) + "/role",
                     .body = R"({"role": "admin"})",
                     .bearer_token = user.access_token});
  ExpectErrorResponse(response, 403, "permission_denied");

  const HttpResponse self =
      client().Send({.method = "PUT",
                     .path = "/api/v1/users/" + std::to_string(user.id) + "/role",
                     .body = R"({"role": "admin"})",
                     .bearer_token = user.access_token});
  ExpectErrorResponse(self, 403, "permission_denied");
  EXPECT_EQ(client().Get("/api/v1/users/me", user.access_token).Json().value("role", ""), "user");
}

TEST_P(ErrorStatusTest, UnknownUserIs404) {
  ExpectErrorResponse(client().Get("/api/v1/users/999999999"), 404, "not_found");
}

TEST_P(ErrorStatusTest, UnknownApiPathIs404) {
  ExpectErrorResponse(client().Get("/api/v1/nothing-here"), 404, "not_found");
  ExpectErrorResponse(client().Get("/api"), 404, "not_found");
  ExpectErrorResponse(client().Post("/api/v2/auth/login", {{"login", "a"}}), 404, "not_found");
}

TEST_P(ErrorStatusTest, WrongMethodIs405WithAllow) {
  const HttpResponse response =
      client().Send({.method = "DELETE", .path = "/api/v1/auth/register"});
  ExpectErrorResponse(response, 405, "method_not_allowed");
  EXPECT_EQ(response.Header("allow"), "POST");
  EXPECT_TRUE(HasDetailFor(response, "allow")) << response.body;

  const HttpResponse me = client().Send({.method = "DELETE", .path = "/api/v1/users/me"});
  ExpectErrorResponse(me, 405, "method_not_allowed");
  EXPECT_NE(me.Header("allow").find("GET"), std::string::npos) << me.Header("allow");
  EXPECT_NE(me.Header("allow").find("PATCH"), std::string::npos) << me.Header("allow");

  const HttpResponse healthz = client().Send({.method = "POST", .path = "/healthz", .body = "{}"});
  ExpectErrorResponse(healthz, 405, "method_not_allowed");
}

TEST_P(ErrorStatusTest, DuplicateUsernameOrEmailIs409) {
  const TestUser user = Register("errdup");

  nlohmann::json same_name = RegistrationWith("username", user.username);
  ExpectErrorResponse(PostRegister(same_name.dump()), 409, "already_exists");

  std::string upper_name = user.username;
  for (char& c : upper_name) {
    c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  }
  ExpectErrorResponse(PostRegister(RegistrationWith("username", upper_name).dump()), 409,
                      "already_exists");

  ExpectErrorResponse(PostRegister(RegistrationWith("email", user.email).dump()), 409,
                      "already_exists");
}

TEST_P(ErrorStatusTest, BodyOverLimitIs413) {
  nlohmann::json body = RegistrationWith("name", std::string(kSharedMaxBodyBytes, 'a'));
  ExpectErrorResponse(PostRegister(body.dump()), 413, "payload_too_large");

  // Chunked bodies have no Content-Length to check up front, so the limit applies while reading.
  const HttpResponse chunked = client().Send({.method = "POST",
                                              .path = "/api/v1/auth/register",
                                              .body = body.dump(),
                                              .extra_headers = {"Transfer-Encoding: chunked"}});
  ExpectErrorResponse(chunked, 413, "payload_too_large");
}

TEST_P(ErrorStatusTest, DeclaredLengthOverLimitIs413BeforeBody) {
  // Only the header is sent, so the server must respond from Content-Length alone.
  const std::string request =
      "POST /api/v1/auth/register HTTP/1.1\r\nHost: 127.0.0.1\r\n"
      "Content-Type: application/json\r\nContent-Length: " +
      std::to_string(kSharedMaxBodyBytes * 100) + "\r\n\r\n";
  const std::string raw = SendRaw(server().port(), request, false, std::chrono::seconds(5));
  EXPECT_EQ(RawStatus(raw), 413) << raw.substr(0, 200);
  EXPECT_NE(raw.find("payload_too_large"), std::string::npos) << raw.substr(0, 400);
}

TEST_P(ErrorStatusTest, NonJsonContentTypeIs415) {
  const std::string body = RegistrationWith("name", "x").dump();
  ExpectErrorResponse(PostRegister(body, "text/plain"), 415, "unsupported_media_type");
  ExpectErrorResponse(PostRegister(body, "application/x-www-form-urlencoded"), 415,
                      "unsupported_media_type");
  // Parameters and case do not matter.
  const HttpResponse with_charset = PostRegister(body, "Application/JSON; charset=utf-8");
  EXPECT_EQ(with_charset.status, 201) << with_charset.body;
}

TEST_P(ErrorStatusTest, WeakPasswordIs422) {
  for (const std::string password : {"short", "password", "12345678"}) {
    SCOPED_TRACE(password);
    const HttpResponse response = PostRegister(RegistrationWith("password", password).dump());
    ExpectErrorResponse(response, 422, "validation_failed");
    EXPECT_TRUE(HasDetailFor(response, "password")) << response.body;
  }
}

TEST_P(ErrorStatusTest, PasswordEqualToUsernameIs422) {
  const std::string username = UniqueUsername("samepassword");
  const HttpResponse response = PostRegister(nlohmann::json{
      {"username", username},
      {"email", username + "@example.org"},
      {"password", username}}.dump());
  ExpectErrorResponse(response, 422, "validation_failed");
  EXPECT_TRUE(HasDetailFor(response, "password")) << response.body;
}

TEST_P(ErrorStatusTest, BadEmailIs422) {
  for (const std::string email : {"not-an-email", "a@b@example.org", "@example.org", ""}) {
    SCOPED_TRACE(email);
    const HttpResponse response = PostRegister(RegistrationWith("email", email).dump());
    ExpectErrorResponse(response, 422, "validation_failed");
    EXPECT_TRUE(HasDetailFor(response, "email")) << response.body;
  }
}

TEST_P(ErrorStatusTest, AllInvalidFieldsAreReportedAt422) {
  const HttpResponse response =
      PostRegister(R"({"username": "a", "email": "nope", "password": "short"})");
  ExpectErrorResponse(response, 422, "validation_failed");
  EXPECT_TRUE(HasDetailFor(response, "username")) << response.body;
  EXPECT_TRUE(HasDetailFor(response, "email")) << response.body;
  EXPECT_TRUE(HasDetailFor(response, "password")) << response.body;
}

TEST_P(ErrorStatusTest, WrongRoleTypeIs422) {
  const TestUser user = Register("errbadrole");
  const HttpResponse response =
      client().Send({.method = "PUT",
                     .path = "/api/v1/users/" + std::to_string(user.id) + "/role",
                     .body = R"({"role": 5})",
                     .bearer_token = user.access_token});
  ExpectErrorResponse(response, 422, "validation_failed");
}

TEST_P(ErrorStatusTest, ClientRequestIdIsEchoed) {
  const HttpResponse response = client().Send(
      {.path = "/api/v1/nothing-here", .extra_headers = {"X-Request-Id: client-chosen-id.42"}});
  EXPECT_EQ(response.status, 404);
  EXPECT_EQ(response.Header("x-request-id"), "client-chosen-id.42");

  // An id with characters that could forge log lines is replaced.
  const HttpResponse unsafe =
      client().Send({.path = "/api/v1/nothing-here", .extra_headers = {"X-Request-Id: a b\"c"}});
  EXPECT_FALSE(unsafe.Header("x-request-id").empty());
  EXPECT_NE(unsafe.Header("x-request-id"), "a b\"c");
}

INSTANTIATE_TEST_SUITE_P(Dialects, ErrorStatusTest, ::testing::ValuesIn(storage::TestDialects()),
                         DialectTestName);

}  // namespace
}  // namespace openlabs::integration
