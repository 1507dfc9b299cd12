// Unit tests of the parts of the gateway that need no socket: requests and responses, targets,
// response heads, request ids, metrics and static file resolution.
#include "gateway/http.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <set>

#include "gateway/dispatcher.h"
#include "gateway/metrics.h"
#include "gateway/response_head.h"
#include "gateway/static_files.h"
#include "gateway/url.h"

namespace openlabs::gateway {
namespace {

TEST(RequestTest, HeaderLookupIgnoresCase) {
  Request request;
  request.headers = {{"content-type", "application/json"}, {"x-a", "1"}, {"x-a", "2"}};

  EXPECT_EQ(request.Header("Content-Type"), "application/json");
  EXPECT_EQ(request.Header("X-A"), "1");
  EXPECT_EQ(request.Header("missing"), "");
}

TEST(RequestTest, PathAndQueryParameters) {
  Request request;
  request.path_params = {{"id", "42"}};
  request.query = {{"page", "2"}};

  EXPECT_EQ(request.PathParam("id"), "42");
  EXPECT_EQ(request.PathParam("other"), "");
  EXPECT_EQ(request.QueryParam("page"), "2");
  EXPECT_EQ(request.QueryParam("size"), "");
}

TEST(ResponseTest, JsonSetsStatusAndBody) {
  const Response response = Response::Json(201, {{"id", 5}});

  EXPECT_EQ(response.status, 201);
  EXPECT_EQ(response.content_type, "application/json");
  EXPECT_EQ(response.body, R"({"id":5})");
}

TEST(ResponseTest, JsonReplacesInvalidUtf8) {
  const Response response = Response::Json(200, {{"name", std::string("a\xff")}});

  EXPECT_EQ(response.status, 200);
  EXPECT_NE(response.body.find("\xEF\xBF\xBD"), std::string::npos);
}

TEST(ResponseTest, NoContentHasNoBodyOrType) {
  const Response response = Response::NoContent();

  EXPECT_EQ(response.status, 204);
  EXPECT_TRUE(response.body.empty());
  EXPECT_TRUE(response.content_type.empty());
}

TEST(ResponseTest, FromErrorHasStableShape) {
  Error error = Error::Validation({{"title", "The title is empty."}});
  error.internal = "SELECT secret FROM table";

  const Response response = Response::FromError(error);
  const auto body = nlohmann::json::parse(response.body);

  EXPECT_EQ(response.status, 422);
  EXPECT_EQ(body["error"]["code"], "validation_failed");
  EXPECT_EQ(body["error"]["message"], "The request has invalid fields.");
  ASSERT_EQ(body["error"]["details"].size(), 1u);
  EXPECT_EQ(body["error"]["details"][0]["field"], "title");
  EXPECT_EQ(body["error"]["details"][0]["message"], "The title is empty.");
  EXPECT_EQ(response.body.find("secret"), std::string::npos);
  EXPECT_TRUE(response.headers.empty());
}

TEST(ResponseTest, FromErrorAlwaysHasDetailsArray) {
  const Response response = Response::FromError(Error::NotFound("No such lab."));
  const auto body = nlohmann::json::parse(response.body);

  EXPECT_EQ(response.status, 404);
  ASSERT_TRUE(body["error"]["details"].is_array());
  EXPECT_TRUE(body["error"]["details"].empty());
}

TEST(ResponseTest, FromErrorAddsRetryAfter) {
  Error error{ErrorCode::kRateLimited, "Too many login attempts."};
  error.retry_after_seconds = 30;

  const Response response = Response::FromError(error);

  EXPECT_EQ(response.status, 429);
  ASSERT_EQ(response.headers.size(), 1u);
  EXPECT_EQ(response.headers[0].first, "Retry-After");
  EXPECT_EQ(response.headers[0].second, "30");
}

TEST(UrlTest, PercentDecode) {
  EXPECT_EQ(PercentDecode("a%20b%2Fc", false), "a b/c");
  EXPECT_EQ(PercentDecode("a+b", false), "a+b");
  EXPECT_EQ(PercentDecode("a+b", true), "a b");
  EXPECT_FALSE(PercentDecode("%2", false).has_value());
  EXPECT_FALSE(PercentDecode("%", false).has_value());
  EXPECT_FALSE(PercentDecode("%zz", false).has_value());
}

TEST(UrlTest, ParseTargetSplitsPathAndQuery) {
  Request request;
  request.target = "/api/v1/labs%20x?q=graph+theory&page=2&q=ignored&flag";

  ASSERT_TRUE(ParseTarget(request).has_value());
  EXPECT_EQ(request.path, "/api/v1/labs x");
  EXPECT_EQ(request.QueryParam("q"), "graph theory");
  EXPECT_EQ(request.QueryParam("page"), "2");
  EXPECT_TRUE(request.query.contains("flag"));
}

TEST(UrlTest, ParseTargetRecordsRepeatedParameters) {
  Request request;
  request.target = "/labs?page=1&q=a&page=2&q=b&page=3&limit=5";
  ASSERT_TRUE(ParseTarget(request).has_value());
  EXPECT_EQ(request.QueryParam("page"), "1");
  EXPECT_EQ(request.QueryParam("limit"), "5");
  EXPECT_EQ(request.repeated_query, (std::vector<std::string>{"page", "q"}));

  // A new target clears what the previous request recorded.
  request.target = "/labs?page=1";
  ASSERT_TRUE(ParseTarget(request).has_value());
  EXPECT_TRUE(request.repeated_query.empty());
}

TEST(UrlTest, ParseTargetAcceptsAbsoluteForm) {
  Request request;
  request.target = "http://example.org/api/v1/labs?x=1";

  ASSERT_TRUE(ParseTarget(request).has_value());
  EXPECT_EQ(request.path, "/api/v1/labs");
  EXPECT_EQ(request.QueryParam("x"), "1");
}

TEST(UrlTest, ParseTargetRejectsBadTargets) {
  for (const char* target : {"*", "api/v1", "/a%zz", "/a%00b", "/a?b=%", "ftp://x/y"}) {
    Request request;
    request.target = target;
    const Status status = ParseTarget(request);
    ASSERT_FALSE(status.has_value()) << target;
    EXPECT_EQ(status.error().code, ErrorCode::kInvalidArgument) << target;
  }
}

TEST(ResponseHeadTest, WritesStatusLineAndHeaders) {
  Response response = Response::Json(200, {{"ok", true}});
  HeadOptions options;
  options.request_id = "abc";
  options.no_store = true;
  options.content_length = response.body.size();
  std::string head;

  AppendResponseHead(response, options, head);

  EXPECT_EQ(head.rfind("HTTP/1.1 200 OK\r\n", 0), 0u);
  EXPECT_NE(head.find("\r\nContent-Type: application/json\r\n"), std::string::npos);
  EXPECT_NE(head.find("\r\nContent-Length: 11\r\n"), std::string::npos);
  EXPECT_NE(head.find("\r\nX-Request-Id: abc\r\n"), std::string::npos);
  EXPECT_NE(head.find("\r\nCache-Control: no-store\r\n"), std::string::npos);
  EXPECT_NE(head.find("\r\nX-Content-Type-Options: nosniff\r\n"), std::string::npos);
  EXPECT_NE(head.find("\r\nDate: "), std::string::npos);
  EXPECT_EQ(head.find("Connection:"), std::string::npos);
  EXPECT_EQ(head.substr(head.size() - 4), "\r\n\r\n");
}

TEST(ResponseHeadTest, DropsHeadersThatWouldSplitTheResponse) {
  Response response;
  response.headers = {{"X-Good", "1"}, {"X-Bad", "a\r\nSet-Cookie: x=1"}, {"Bad Name", "v"}};
  std::string head;

  AppendResponseHead(response, HeadOptions{}, head);

  EXPECT_NE(head.find("X-Good: 1\r\n"), std::string::npos);
  EXPECT_EQ(head.find("Set-Cookie"), std::string::npos);
  EXPECT_EQ(head.find("Bad Name"), std::string::npos);
}

TEST(ResponseHeadTest, HandlerHeadersOverrideDefaults) {
  Response response;
  response.headers = {{"Cache-Control", "private, max-age=60"}, {"X-Frame-Options", "SAMEORIGIN"}};
  HeadOptions options;
  options.no_store = true;
  std::string head;

  AppendResponseHead(response, options, head);

  EXPECT_EQ(head.find("no-store"), std::string::npos);
  EXPECT_EQ(head.find("DENY"), std::string::npos);
}

TEST(ResponseHeadTest, NoContentHasNoLength) {
  std::string head;

  AppendResponseHead(Response::NoContent(), HeadOptions{}, head);

  EXPECT_EQ(head.rfind("HTTP/1.1 204 No Content\r\n", 0), 0u);
  EXPECT_EQ(head.find("\r\nContent-Length:"), std::string::npos);
  EXPECT_EQ(head.find("\r\nContent-Type:"), std::string::npos);
}

TEST(RequestIdTest, KeepsSaneIncomingId) {
  EXPECT_EQ(RequestIdFor("trace-1.2_x"), "trace-1.2_x");
  EXPECT_EQ(RequestIdFor(std::string(64, 'a')), std::string(64, 'a'));
}

TEST(RequestIdTest, ReplacesInsaneIncomingId) {
  for (const std::string& incoming : {std::string(65, 'a'), std::string("a b"), std::string("a\nb"),
                                      std::string("<script>"), std::string()}) {
    const std::string id = RequestIdFor(incoming);
    EXPECT_NE(id, incoming);
    EXPECT_EQ(id.size(), 15u);
  }
}

TEST(RequestIdTest, GeneratedIdsAreUnique) {
  std::set<std::string> ids;
  for (int i = 0; i < 1000; ++i) {
    ids.insert(RequestIdFor(""));
  }
  EXPECT_EQ(ids.size(), 1000u);
}

TEST(MetricsTest, MethodLabels) {
  EXPECT_EQ(MethodLabelFor("GET"), MethodLabel::kGet);
  EXPECT_EQ(MethodLabelFor("DELETE"), MethodLabel::kDelete);
  EXPECT_EQ(MethodLabelFor("get"), MethodLabel::kOther);
  EXPECT_EQ(MethodLabelFor("BREW"), MethodLabel::kOther);
}

TEST(MetricsTest, RendersCountersAndHistogramsAcrossShards) {
  HttpMetrics metrics(2);
  static const std::string kRoute = "/api/v1/users/{id}";
  const std::string same_pattern_elsewhere = kRoute;
  metrics.Record(0, kRoute, MethodLabel::kGet, 200, 0.0005);
  metrics.Record(1, kRoute, MethodLabel::kGet, 200, 0.02);
  metrics.Record(1, same_pattern_elsewhere, MethodLabel::kGet, 200, 20);
  metrics.Record(0, "unmatched", MethodLabel::kOther, 404, 0.001);
  metrics.AddInFlight(0, 1);
  metrics.AddInFlight(1, 2);
  metrics.AddInFlight(0, -1);

  const std::string text = metrics.Render();
  const std::string labels = R"(method="GET",route="/api/v1/users/{id}",status="200")";

  EXPECT_NE(text.find("# TYPE openlabs_http_requests_total counter"), std::string::npos);
  EXPECT_NE(text.find("openlabs_http_requests_total{" + labels + "} 3\n"), std::string::npos);
  EXPECT_NE(text.find("_bucket{" + labels + ",le=\"0.001\"} 1\n"), std::string::npos);
  EXPECT_NE(text.find("_bucket{" + labels + ",le=\"0.025\"} 2\n"), std::string::npos);
  EXPECT_NE(text.find("_bucket{" + labels + ",le=\"10\"} 2\n"), std::string::npos);
  EXPECT_NE(text.find("_bucket{" + labels + ",le=\"+Inf\"} 3\n"), std::string::npos);
  EXPECT_NE(text.find("_count{" + labels + "} 3\n"), std::string::npos);
  EXPECT_NE(text.find("_sum{" + labels + "} 20.0205"), std::string::npos);
  EXPECT_NE(
      text.find(R"(openlabs_http_requests_total{method="other",route="unmatched",status="404"} 1)"),
      std::string::npos);
  EXPECT_NE(text.find("openlabs_http_requests_in_flight 2\n"), std::string::npos);
}

TEST(MetricsTest, EscapesLabelValues) {
  HttpMetrics metrics(1);
  static const std::string kRoute = "/a\"b\\c";
  metrics.Record(0, kRoute, MethodLabel::kGet, 200, 0.1);

  EXPECT_NE(metrics.Render().find(R"(route="/a\"b\\c")"), std::string::npos);
}

class StaticFilesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    base_ = std::filesystem::temp_directory_path() /
            ("openlabs_static_" + std::to_string(getpid()) + "_" +
             ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(base_ / "web" / "assets");
    Write(base_ / "web" / "index.html", "<html></html>");
    Write(base_ / "web" / "assets" / "app-1a2b.js", "console.log(1)");
    Write(base_ / "web" / "favicon.ico", "icon");
    Write(base_ / "web" / ".env", "SECRET=1");
    Write(base_ / "secret.txt", "outside");
    std::filesystem::create_symlink(base_ / "secret.txt", base_ / "web" / "link.txt");
    auto opened = StaticFiles::Open((base_ / "web").string());
    ASSERT_TRUE(opened.has_value());
    files_ = std::move(*opened);
  }

  void TearDown() override { std::filesystem::remove_all(base_); }

  static void Write(const std::filesystem::path& path, const std::string& text) {
    std::ofstream(path) << text;
  }

  std::filesystem::path base_;
  StaticFiles files_;
};

TEST_F(StaticFilesTest, ServesIndexAtRoot) {
  const auto file = files_.Resolve("/");

  ASSERT_TRUE(file.has_value());
  EXPECT_EQ(std::filesystem::path(file->path).filename(), "index.html");
  EXPECT_EQ(file->content_type, "text/html; charset=utf-8");
  EXPECT_EQ(file->cache_control, "no-cache");
  EXPECT_EQ(file->size, 13u);
  EXPECT_FALSE(file->etag.empty());
}

TEST_F(StaticFilesTest, AssetsAreImmutable) {
  const auto file = files_.Resolve("/assets/app-1a2b.js");

  ASSERT_TRUE(file.has_value());
  EXPECT_EQ(file->content_type, "text/javascript; charset=utf-8");
  EXPECT_EQ(file->cache_control, "public, max-age=31536000, immutable");
}

TEST_F(StaticFilesTest, ClientRoutesFallBackToIndex) {
  const auto file = files_.Resolve("/labs/42/edit");

  ASSERT_TRUE(file.has_value());
  EXPECT_EQ(std::filesystem::path(file->path).filename(), "index.html");
}

TEST_F(StaticFilesTest, MissingFilesAreNotFound) {
  EXPECT_EQ(files_.Resolve("/missing.png").error().code, ErrorCode::kNotFound);
  EXPECT_EQ(files_.Resolve("/assets/missing").error().code, ErrorCode::kNotFound);
}

TEST_F(StaticFilesTest, RejectsTraversalAndHiddenFiles) {
  for (const char* path : {"/../secret.txt", "/assets/../../secret.txt", "/./index.html", "/.env",
                           "/a\\b", "relative"}) {
    const auto file = files_.Resolve(path);
    ASSERT_FALSE(file.has_value()) << path;
    EXPECT_EQ(file.error().code, ErrorCode::kInvalidArgument) << path;
  }
}

TEST_F(StaticFilesTest, RejectsSymlinkOutsideRoot) {
  const auto file = files_.Resolve("/link.txt");

  ASSERT_FALSE(file.has_value());
  EXPECT_EQ(file.error().code, ErrorCode::kNotFound);
}

TEST_F(StaticFilesTest, OpenRejectsMissingDirectory) {
  const auto opened = StaticFiles::Open((base_ / "nope").string());

  ASSERT_FALSE(opened.has_value());
  EXPECT_EQ(opened.error().code, ErrorCode::kInvalidArgument);
}

TEST(ContentTypeTest, ByExtension) {
  EXPECT_EQ(StaticFiles::ContentTypeFor("a.CSS"), "text/css; charset=utf-8");
  EXPECT_EQ(StaticFiles::ContentTypeFor("a.woff2"), "font/woff2");
  EXPECT_EQ(StaticFiles::ContentTypeFor("a.svg"), "image/svg+xml");
  EXPECT_EQ(StaticFiles::ContentTypeFor("a.unknown"), "application/octet-stream");
  EXPECT_EQ(StaticFiles::ContentTypeFor("README"), "application/octet-stream");
}

}  // namespace
}  // namespace openlabs::gateway
