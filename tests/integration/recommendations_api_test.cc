// The recommendation routes over HTTP. The shared server contains other tests' labs too, so each
// test gives its labs a tag and words of their own, which no other lab shares.
#include <algorithm>

#include "api_test.h"

namespace openlabs::integration {
namespace {

class RecommendationsApiTest : public ApiTest {
 protected:
  int64_t CreateLab(const TestUser& author, const std::string& title, const std::string& tag) {
    const HttpResponse created =
        client().Post("/api/v1/labs",
                      {{"title", title},
                       {"description", "Practise " + tag + " with " + title},
                       {"body", "# " + title},
                       {"tags", nlohmann::json::array({tag})}},
                      author.access_token);
    EXPECT_EQ(created.status, 201) << created.body;
    return created.Json().value("id", int64_t{0});
  }

  // The ids of the items of a recommendations response, in order.
  static std::vector<int64_t> Ids(const HttpResponse& response) {
    std::vector<int64_t> ids;
    const nlohmann::json body = response.Json();
    if (body.is_object() && body["items"].is_array()) {
      for (const nlohmann::json& item : body["items"]) {
        ids.push_back(item.value("id", int64_t{0}));
      }
    }
    return ids;
  }
};

TEST_P(RecommendationsApiTest, RelatedLabSharesTagAndAuthor) {
  const TestUser author = Register("related");
  const std::string tag = "quokka-" + author.username;
  const int64_t first = CreateLab(author, "Quokka census " + author.username, tag);
  const int64_t second = CreateLab(author, "Quokka habitats " + author.username, tag);

  const HttpResponse related =
      client().Get("/api/v1/labs/" + std::to_string(first) + "/related?type=lab&limit=5");
  ASSERT_EQ(related.status, 200) << related.body;
  const std::vector<int64_t> ids = Ids(related);
  ASSERT_FALSE(ids.empty()) << related.body;
  EXPECT_EQ(ids[0], second);
  EXPECT_EQ(std::count(ids.begin(), ids.end(), first), 0);
  EXPECT_LE(ids.size(), 5u);

  const nlohmann::json item = related.Json()["items"][0];
  EXPECT_EQ(item.value("type", ""), "lab");
  EXPECT_EQ(item.value("title", ""), "Quokka habitats " + author.username);
  EXPECT_EQ(item["tags"], nlohmann::json::array({tag}));
  EXPECT_GT(item.value("score", 0.0), 0.0);
  EXPECT_TRUE(item["reasons"].is_array());
}

TEST_P(RecommendationsApiTest, SubmittedLabLeavesRecommendations) {
  const TestUser author = Register("recauthor");
  const TestUser learner = Register("reclearner");
  const std::string tag = "narwhal-" + author.username;
  const int64_t first = CreateLab(author, "Narwhal tusks " + author.username, tag);
  const int64_t second = CreateLab(author, "Narwhal songs " + author.username, tag);

  const HttpResponse submitted = client().Send(
      {.method = "POST",
       .path = "/api/v1/submissions",
       .body = "--b\r\nContent-Disposition: form-data; name=\"lab_id\"\r\n\r\n" +
               std::to_string(first) +
               "\r\n--b\r\nContent-Disposition: form-data; name=\"text\"\r\n\r\nMy answer\r\n"
               "--b--\r\n",
       .content_type = "multipart/form-data; boundary=b",
       .bearer_token = learner.access_token});
  ASSERT_EQ(submitted.status, 201) << submitted.body;

  const HttpResponse recommended =
      client().Get("/api/v1/recommendations?type=lab&limit=50", learner.access_token);
  ASSERT_EQ(recommended.status, 200) << recommended.body;
  const std::vector<int64_t> ids = Ids(recommended);
  ASSERT_FALSE(ids.empty()) << recommended.body;
  EXPECT_EQ(ids[0], second);
  EXPECT_EQ(std::count(ids.begin(), ids.end(), first), 0);
}

TEST_P(RecommendationsApiTest, RejectsBadRequests) {
  ExpectErrorResponse(client().Get("/api/v1/recommendations"), 401, "unauthenticated");
  ExpectErrorResponse(client().Get("/api/v1/labs/999999999/related"), 404, "not_found");
  ExpectErrorResponse(client().Get("/api/v1/articles/999999999/related"), 404, "not_found");
  ExpectErrorResponse(client().Get("/api/v1/labs/1/related?limit=0"), 422, "validation_failed");
  ExpectErrorResponse(client().Get("/api/v1/labs/1/related?count=5"), 422, "validation_failed");
  ExpectErrorResponse(client().Get("/api/v1/labs/abc/related"), 400, "invalid_argument");
  const TestUser user = Register("recbad");
  ExpectErrorResponse(client().Get("/api/v1/recommendations?type=video", user.access_token), 422,
                      "validation_failed");
}

INSTANTIATE_TEST_SUITE_P(Dialects, RecommendationsApiTest,
                         ::testing::ValuesIn(storage::TestDialects()), DialectTestName);

}  // namespace
}  // namespace openlabs::integration
