#include "gateway/router.h"

#include <gtest/gtest.h>

#include <stdexcept>

namespace openlabs::gateway {
namespace {

Handler Named(std::string name) {
  return [name](const Request&) { return Response::Json(200, {{"handler", name}}); };
}

std::string HandlerName(const Router::Match& match) {
  const Response response = match.route->handler(Request{});
  return nlohmann::json::parse(response.body).at("handler");
}

TEST(RouterTest, MatchesLiteralPath) {
  Router router;
  router.Add("GET", "/api/v1/labs", Named("labs"));

  const auto match = router.Find("GET", "/api/v1/labs");

  ASSERT_TRUE(match.has_value());
  EXPECT_EQ(match->route->pattern, "/api/v1/labs");
  EXPECT_TRUE(match->params.empty());
}

TEST(RouterTest, ListsRoutesInRegistrationOrder) {
  Router router;
  router.Add("POST", "/api/v1/labs", Named("create"));
  router.Add("GET", "/api/v1/labs/{id}", Named("get"));
  router.Add("GET", "/api/v1/labs", Named("list"));

  const std::vector<const Route*> routes = router.Routes();

  ASSERT_EQ(routes.size(), 3u);
  EXPECT_EQ(routes[0]->method, "POST");
  EXPECT_EQ(routes[0]->pattern, "/api/v1/labs");
  EXPECT_EQ(routes[1]->pattern, "/api/v1/labs/{id}");
  EXPECT_EQ(routes[2]->method, "GET");
  EXPECT_EQ(routes[2]->pattern, "/api/v1/labs");
}

TEST(RouterTest, ExtractsParameters) {
  Router router;
  router.Add("GET", "/api/v1/users/{user_id}/labs/{lab_id}", Named("lab"));

  const auto match = router.Find("GET", "/api/v1/users/7/labs/abc");

  ASSERT_TRUE(match.has_value());
  ASSERT_EQ(match->params.size(), 2u);
  EXPECT_EQ(match->params[0].first, "user_id");
  EXPECT_EQ(match->params[0].second, "7");
  EXPECT_EQ(match->params[1].first, "lab_id");
  EXPECT_EQ(match->params[1].second, "abc");
}

TEST(RouterTest, LiteralBeatsParameter) {
  Router router;
  router.Add("GET", "/api/v1/users/{id}", Named("by_id"));
  router.Add("GET", "/api/v1/users/me", Named("me"));

  const auto me = router.Find("GET", "/api/v1/users/me");
  const auto other = router.Find("GET", "/api/v1/users/42");

  ASSERT_TRUE(me.has_value());
  EXPECT_EQ(HandlerName(*me), "me");
  ASSERT_TRUE(other.has_value());
  EXPECT_EQ(HandlerName(*other), "by_id");
}

TEST(RouterTest, FallsBackToParameterWhenLiteralBranchFails) {
  Router router;
  router.Add("GET", "/a/me/settings", Named("settings"));
  router.Add("GET", "/a/{id}/labs", Named("labs"));

  const auto match = router.Find("GET", "/a/me/labs");

  ASSERT_TRUE(match.has_value());
  EXPECT_EQ(HandlerName(*match), "labs");
  ASSERT_EQ(match->params.size(), 1u);
  EXPECT_EQ(match->params[0].second, "me");
}

TEST(RouterTest, PrefersPathWithRequestedMethod) {
  Router router;
  router.Add("POST", "/a/me", Named("post_me"));
  router.Add("GET", "/a/{id}", Named("get_id"));

  const auto match = router.Find("GET", "/a/me");

  ASSERT_TRUE(match.has_value());
  EXPECT_EQ(HandlerName(*match), "get_id");
}

TEST(RouterTest, UnknownPathIsNotFound) {
  Router router;
  router.Add("GET", "/api/v1/labs", Named("labs"));

  const auto match = router.Find("GET", "/api/v1/nothing");

  ASSERT_FALSE(match.has_value());
  EXPECT_EQ(match.error().code, ErrorCode::kNotFound);
}

TEST(RouterTest, WrongMethodListsAllowedMethods) {
  Router router;
  router.Add("GET", "/api/v1/labs", Named("list"));
  router.Add("POST", "/api/v1/labs", Named("create"));

  const auto match = router.Find("DELETE", "/api/v1/labs");

  ASSERT_FALSE(match.has_value());
  EXPECT_EQ(match.error().code, ErrorCode::kMethodNotAllowed);
  ASSERT_EQ(match.error().details.size(), 1u);
  EXPECT_EQ(match.error().details[0].field, kAllowDetailField);
  EXPECT_EQ(match.error().details[0].message, "GET, HEAD, POST");
}

TEST(RouterTest, HeadMatchesGetRoute) {
  Router router;
  router.Add("GET", "/api/v1/labs", Named("list"));

  const auto match = router.Find("HEAD", "/api/v1/labs");

  ASSERT_TRUE(match.has_value());
  EXPECT_EQ(match->route->method, "GET");
}

TEST(RouterTest, HeadRouteWinsOverGet) {
  Router router;
  router.Add("GET", "/file", Named("get"));
  router.Add("HEAD", "/file", Named("head"));

  const auto match = router.Find("HEAD", "/file");

  ASSERT_TRUE(match.has_value());
  EXPECT_EQ(HandlerName(*match), "head");
}

TEST(RouterTest, EmptySegmentsDoNotMatch) {
  Router router;
  router.Add("GET", "/api/v1/users/{id}", Named("user"));
  router.Add("GET", "/api/v1/labs", Named("labs"));

  EXPECT_FALSE(router.Find("GET", "/api/v1/users/").has_value());
  EXPECT_FALSE(router.Find("GET", "/api/v1/labs/").has_value());
  EXPECT_FALSE(router.Find("GET", "/api//v1/labs").has_value());
  EXPECT_FALSE(router.Find("GET", "").has_value());
}

TEST(RouterTest, RootPatternMatchesSlash) {
  Router router;
  router.Add("GET", "/", Named("root"));

  EXPECT_TRUE(router.Find("GET", "/").has_value());
  EXPECT_FALSE(router.Find("GET", "/x").has_value());
}

TEST(RouterTest, VeryLongPathIsNotFound) {
  Router router;
  router.Add("GET", "/{a}", Named("one"));
  std::string path;
  for (int i = 0; i < 100; ++i) {
    path += "/x";
  }

  const auto match = router.Find("GET", path);

  ASSERT_FALSE(match.has_value());
  EXPECT_EQ(match.error().code, ErrorCode::kNotFound);
}

TEST(RouterTest, RejectsMalformedPatterns) {
  Router router;
  EXPECT_THROW(router.Add("GET", "api/v1", Named("x")), std::invalid_argument);
  EXPECT_THROW(router.Add("GET", "/api//v1", Named("x")), std::invalid_argument);
  EXPECT_THROW(router.Add("GET", "/api/{}", Named("x")), std::invalid_argument);
  EXPECT_THROW(router.Add("GET", "/api/{id", Named("x")), std::invalid_argument);
  EXPECT_THROW(router.Add("GET", "/api/x{id}", Named("x")), std::invalid_argument);
  EXPECT_THROW(router.Add("GET", "/api/{a-b}", Named("x")), std::invalid_argument);
  EXPECT_THROW(router.Add("GET", "/{id}/{id}", Named("x")), std::invalid_argument);
  EXPECT_THROW(router.Add("", "/api", Named("x")), std::invalid_argument);
  EXPECT_THROW(router.Add("GET", "/api", Handler()), std::invalid_argument);
}

TEST(RouterTest, RejectsDuplicateRoute) {
  Router router;
  router.Add("GET", "/api/v1/users/{id}", Named("a"));

  EXPECT_THROW(router.Add("GET", "/api/v1/users/{user_id}", Named("b")), std::invalid_argument);
  EXPECT_NO_THROW(router.Add("PUT", "/api/v1/users/{id}", Named("c")));
}

TEST(RouterTest, AddRouteKeepsContentTypes) {
  Router router;
  Route route;
  route.method = "POST";
  route.pattern = "/api/v1/uploads";
  route.handler = Named("upload");
  route.content_types = {"multipart/form-data"};
  router.Add(std::move(route));

  const auto match = router.Find("POST", "/api/v1/uploads");

  ASSERT_TRUE(match.has_value());
  ASSERT_EQ(match->route->content_types.size(), 1u);
  EXPECT_EQ(match->route->content_types[0], "multipart/form-data");
}

TEST(RouterTest, DefaultContentTypeIsJson) {
  Router router;
  router.Add("POST", "/api/v1/labs", Named("create"));

  const auto match = router.Find("POST", "/api/v1/labs");

  ASSERT_TRUE(match.has_value());
  ASSERT_EQ(match->route->content_types.size(), 1u);
  EXPECT_EQ(match->route->content_types[0], "application/json");
}

TEST(RouterTest, MovedRouterKeepsRoutes) {
  Router router;
  router.Add("GET", "/a/{id}", Named("a"));

  Router moved = std::move(router);

  EXPECT_TRUE(moved.Find("GET", "/a/1").has_value());
}

}  // namespace
}  // namespace openlabs::gateway
