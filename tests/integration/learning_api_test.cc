#include "learning_api_test.h"

#include <vector>

namespace openlabs::integration {

int64_t LearningApiTest::CreateLab(const TestUser& author) {
  const HttpResponse created =
      client().Post("/api/v1/labs", {{"title", "Lab"}, {"description", "d"}, {"body", "# Do it"}},
                    author.access_token);
  EXPECT_EQ(created.status, 201) << created.body;
  return created.Json().value("id", int64_t{0});
}

HttpResponse LearningApiTest::Submit(const TestUser& learner, int64_t lab_id,
                                     const std::string& file) {
  std::vector<FormPart> parts = {{"lab_id", std::to_string(lab_id)}, {"text", "# Answer"}};
  if (!file.empty()) {
    parts.push_back({"files[]", file, "answer.txt"});
  }
  return PostForm(client(), "/api/v1/submissions", parts, learner.access_token);
}

HttpResponse LearningApiTest::Review(HttpClient& http, const TestUser& reviewer,
                                     int64_t submission_id, const std::string& attachment) {
  std::vector<FormPart> parts = {
      {"content", "Well argued."}, {"verdict", "accept"}, {"score", "80"}};
  if (!attachment.empty()) {
    parts.push_back({"files[]", attachment, "review.txt"});
  }
  return PostForm(http, "/api/v1/submissions/" + std::to_string(submission_id) + "/reviews", parts,
                  reviewer.access_token);
}

int64_t LearningApiTest::Balance(const TestUser& user) {
  return client().Get("/api/v1/users/me", user.access_token).Json().value("balance", int64_t{-1});
}

}  // namespace openlabs::integration
