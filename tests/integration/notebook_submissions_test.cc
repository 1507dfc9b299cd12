// A learner's notebook copy attached to a submission over HTTP: the checks on the copy, the
// frozen snapshot file, and who may download it.
#include <string>
#include <vector>

#include "learning_api_test.h"

namespace openlabs::integration {
namespace {

constexpr std::string_view kNotebook =
    "import marimo\n\n__generated_with = \"0.19.7\"\napp = marimo.App()\n\n\n"
    "@app.cell\ndef _():\n    answer = 41\n    return (answer,)\n\n\n"
    "if __name__ == \"__main__\":\n    app.run()\n";

class NotebookSubmissionsTest : public LearningApiTest {
 protected:
  // Imports kNotebook into the lab and returns the notebook's id.
  int64_t ImportNotebook(const TestUser& author, int64_t lab_id) {
    const HttpResponse imported =
        PostForm(client(), "/api/v1/notebooks/import",
                 {{"lab_id", std::to_string(lab_id)},
                  {"file", std::string(kNotebook), "answer.py", "text/x-python"}},
                 author.access_token);
    EXPECT_EQ(imported.status, 201) << imported.body;
    return imported.Json()["notebook"].value("id", int64_t{0});
  }

  // Saves the user's copy of the notebook, starting from its cells, and returns the copy's id.
  int64_t SaveCopy(const TestUser& user, int64_t notebook_id) {
    const HttpResponse saved =
        client().Post("/api/v1/notebooks/" + std::to_string(notebook_id) + "/copies",
                      nlohmann::json::object(), user.access_token);
    EXPECT_EQ(saved.status, 201) << saved.body;
    return saved.Json().value("id", int64_t{0});
  }

  HttpResponse SubmitWithCopy(const TestUser& learner, int64_t lab_id, const std::string& copy_id) {
    return PostForm(
        client(), "/api/v1/submissions",
        {{"lab_id", std::to_string(lab_id)}, {"text", "# Answer"}, {"notebook_copy_id", copy_id}},
        learner.access_token);
  }

  std::string Export(const TestUser& user, int64_t notebook_id) {
    const HttpResponse exported = client().Get(
        "/api/v1/notebooks/" + std::to_string(notebook_id) + "/export", user.access_token);
    EXPECT_EQ(exported.status, 200) << exported.body;
    return exported.body;
  }
};

TEST_P(NotebookSubmissionsTest, SnapshotSurvivesLaterEdits) {
  const TestUser author = Register("nbsubauthor");
  const TestUser learner = Register("nbsublearner");
  const TestUser stranger = Register("nbsubstranger");
  const int64_t lab_id = CreateLab(author);
  const int64_t copy_id = SaveCopy(learner, ImportNotebook(author, lab_id));
  const std::string submitted_source = Export(learner, copy_id);

  const HttpResponse submitted = SubmitWithCopy(learner, lab_id, std::to_string(copy_id));
  ASSERT_EQ(submitted.status, 201) << submitted.body;
  const nlohmann::json files = submitted.Json()["files"];
  ASSERT_EQ(files.size(), 1u) << submitted.body;
  EXPECT_EQ(files[0].value("notebook_copy_id", int64_t{0}), copy_id);
  EXPECT_EQ(files[0].value("content_type", ""), "text/x-python");
  EXPECT_EQ(Balance(learner), 9);

  const HttpResponse edited =
      client().Post("/api/v1/notebooks/" + std::to_string(copy_id) + "/cells",
                    {{"cell", {{"code", "answer + 1"}}}}, learner.access_token);
  ASSERT_EQ(edited.status, 201) << edited.body;
  EXPECT_NE(Export(learner, copy_id), submitted_source);

  const std::string file_path = "/api/v1/submissions/" +
                                std::to_string(submitted.Json().value("id", int64_t{0})) +
                                "/files/" + std::to_string(files[0].value("id", int64_t{0}));
  const HttpResponse by_learner = client().Get(file_path, learner.access_token);
  ASSERT_EQ(by_learner.status, 200) << by_learner.body;
  EXPECT_EQ(by_learner.body, submitted_source);
  EXPECT_EQ(client().Get(file_path, author.access_token).body, submitted_source);
  ExpectErrorResponse(client().Get(file_path, stranger.access_token), 404, "not_found");
}

TEST_P(NotebookSubmissionsTest, RejectsCopiesNotOfLabOrLearner) {
  const TestUser author = Register("nbsubauthor");
  const TestUser learner = Register("nbsublearner");
  const TestUser other = Register("nbsubother");
  const int64_t lab_id = CreateLab(author);
  const int64_t other_lab_id = CreateLab(author);
  const int64_t notebook_id = ImportNotebook(author, lab_id);
  const int64_t other_lab_copy = SaveCopy(learner, ImportNotebook(author, other_lab_id));
  const int64_t others_copy = SaveCopy(other, notebook_id);

  const HttpResponse wrong_lab = SubmitWithCopy(learner, lab_id, std::to_string(other_lab_copy));
  ExpectErrorResponse(wrong_lab, 422, "validation_failed");
  EXPECT_EQ(wrong_lab.Json()["error"]["details"][0].value("field", ""), "notebook_copy_id");
  ExpectErrorResponse(SubmitWithCopy(learner, lab_id, std::to_string(others_copy)), 404,
                      "not_found");
  ExpectErrorResponse(SubmitWithCopy(learner, lab_id, std::to_string(notebook_id)), 404,
                      "not_found");
  ExpectErrorResponse(SubmitWithCopy(learner, lab_id, "first"), 422, "validation_failed");
  EXPECT_EQ(Balance(learner), 10);
  EXPECT_EQ(
      client().Get("/api/v1/submissions/mine", learner.access_token).Json().value("total", -1), 0);
}

INSTANTIATE_TEST_SUITE_P(Engines, NotebookSubmissionsTest,
                         ::testing::ValuesIn(storage::TestDialects()), DialectTestName);

}  // namespace
}  // namespace openlabs::integration
