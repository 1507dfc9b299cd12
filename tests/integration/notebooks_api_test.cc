// Notebooks over HTTP: import and export of marimo files, cell edits by the author only, assets,
// learners' private copies, and the JSON errors of each limit.
#include <filesystem>
#include <fstream>
#include <sstream>

#include "api_test.h"
#include "services/notebooks/marimo_file.h"

namespace openlabs::integration {
namespace {

constexpr std::string_view kBoundary = "openlabs-notebook-boundary";

constexpr std::string_view kNotebook =
    "import marimo\n\n__generated_with = \"0.19.7\"\napp = marimo.App(width=\"medium\")\n\n\n"
    "@app.cell\ndef _():\n    import marimo as mo\n    return (mo,)\n\n\n"
    "@app.cell(hide_code=True)\ndef _(mo):\n    mo.md(r\"\"\"\n    # Slider\n    \"\"\")\n    "
    "return\n\n\n"
    "@app.cell\ndef make_slider(mo):\n    slider = mo.ui.slider(start=1, stop=10)\n    slider\n"
    "    return (slider,)\n\n\n"
    "if __name__ == \"__main__\":\n    app.run()\n";

struct FormPart {
  std::string name;
  std::string value;
  std::string filename;  // set for a file part
};

std::string FormBody(const std::vector<FormPart>& parts) {
  std::string body;
  for (const FormPart& part : parts) {
    body += "--" + std::string(kBoundary) + "\r\nContent-Disposition: form-data; name=\"" +
            part.name + "\"";
    if (!part.filename.empty()) {
      body += "; filename=\"" + part.filename + "\"\r\nContent-Type: text/x-python";
    }
    body += "\r\n\r\n" + part.value + "\r\n";
  }
  return body + "--" + std::string(kBoundary) + "--\r\n";
}

class NotebooksApiTest : public ApiTest {
 protected:
  HttpResponse PostForm(const std::string& path, const std::vector<FormPart>& parts,
                        const std::string& token) {
    return client().Send({.method = "POST",
                          .path = path,
                          .body = FormBody(parts),
                          .content_type = "multipart/form-data; boundary=" + std::string(kBoundary),
                          .bearer_token = token});
  }

  HttpResponse SendJson(const std::string& method, const std::string& path,
                        const nlohmann::json& body, const std::string& token) {
    return client().Send(
        {.method = method, .path = path, .body = body.dump(), .bearer_token = token});
  }

  int64_t CreateLab(const TestUser& author) {
    const HttpResponse created =
        client().Post("/api/v1/labs", {{"title", "Lab"}, {"description", "d"}, {"body", "# Do it"}},
                      author.access_token);
    EXPECT_EQ(created.status, 201) << created.body;
    return created.Json().value("id", int64_t{0});
  }

  HttpResponse Import(const TestUser& author, int64_t lab_id, std::string_view source,
                      const std::string& filename = "slider.py") {
    return PostForm(
        "/api/v1/notebooks/import",
        {{"lab_id", std::to_string(lab_id), ""}, {"file", std::string(source), filename}},
        author.access_token);
  }

  static std::string NotebookPath(int64_t id) { return "/api/v1/notebooks/" + std::to_string(id); }
};

TEST_P(NotebooksApiTest, ImportExportKeepsCells) {
  const TestUser author = Register("nbauthor");
  const int64_t lab_id = CreateLab(author);
  const HttpResponse imported = Import(author, lab_id, kNotebook);
  ASSERT_EQ(imported.status, 201) << imported.body;
  const nlohmann::json notebook = imported.Json()["notebook"];
  EXPECT_EQ(notebook.value("title", ""), "slider");
  ASSERT_EQ(notebook["cells"].size(), 3u);
  EXPECT_EQ(notebook["cells"][1].value("language", ""), "markdown");
  EXPECT_EQ(notebook["cells"][1].value("markdown", ""), "# Slider");
  EXPECT_EQ(notebook["cells"][2].value("name", ""), "make_slider");

  const int64_t id = notebook.value("id", int64_t{0});
  const HttpResponse exported = client().Get(NotebookPath(id) + "/export");
  ASSERT_EQ(exported.status, 200) << exported.body;
  EXPECT_EQ(exported.Header("content-type"), "text/x-python; charset=utf-8");
  EXPECT_NE(exported.Header("content-disposition").find("slider.py"), std::string::npos);
  Result<notebooks::ParsedNotebook> original = notebooks::ParseMarimoFile(kNotebook);
  Result<notebooks::ParsedNotebook> again = notebooks::ParseMarimoFile(exported.body);
  ASSERT_TRUE(original);
  ASSERT_TRUE(again) << exported.body;
  ASSERT_EQ(again->notebook.cells.size(), original->notebook.cells.size());
  for (size_t i = 0; i < original->notebook.cells.size(); ++i) {
    EXPECT_EQ(again->notebook.cells[i].code, original->notebook.cells[i].code);
    EXPECT_EQ(again->notebook.cells[i].name, original->notebook.cells[i].name);
    EXPECT_EQ(again->notebook.cells[i].options, original->notebook.cells[i].options);
  }

  const HttpResponse listed = client().Get("/api/v1/notebooks?lab=" + std::to_string(lab_id));
  ASSERT_EQ(listed.status, 200) << listed.body;
  ASSERT_EQ(listed.Json()["items"].size(), 1u);
  EXPECT_EQ(listed.Json()["items"][0].value("cell_count", 0), 3);
}

TEST_P(NotebooksApiTest, AuthorEditsCellsOthersCannot) {
  const TestUser author = Register("nbauthor");
  const TestUser learner = Register("nblearner");
  const int64_t lab_id = CreateLab(author);
  const HttpResponse created = client().Post("/api/v1/notebooks",
                                             {{"parent_type", "lab"},
                                              {"parent_id", lab_id},
                                              {"title", "Fresh"},
                                              {"cells", {{{"code", "import marimo as mo"}}}}},
                                             author.access_token);
  ASSERT_EQ(created.status, 201) << created.body;
  const int64_t id = created.Json().value("id", int64_t{0});
  const std::string cells = NotebookPath(id) + "/cells";

  const nlohmann::json add = {{"cell", {{"code", "x = 1"}, {"name", "define_x"}}}};
  ExpectErrorResponse(client().Post(cells, add), 401, "unauthenticated");
  ExpectErrorResponse(client().Post(cells, add, learner.access_token), 403, "permission_denied");
  const HttpResponse added = client().Post(cells, add, author.access_token);
  ASSERT_EQ(added.status, 201) << added.body;
  ASSERT_EQ(added.Json()["cells"].size(), 2u);
  const std::string added_id = added.Json()["cells"][1].value("id", "");

  const HttpResponse updated =
      SendJson("PATCH", cells + "/" + added_id,
               {{"code", "x = 2"}, {"options", {{"hide_code", true}}}}, author.access_token);
  ASSERT_EQ(updated.status, 200) << updated.body;
  EXPECT_EQ(updated.Json()["cells"][1].value("code", ""), "x = 2");
  EXPECT_TRUE(updated.Json()["cells"][1]["options"].value("hide_code", false));
  ExpectErrorResponse(
      SendJson("PATCH", cells + "/" + added_id, {{"name", "not valid"}}, author.access_token), 422,
      "validation_failed");

  const HttpResponse exported = client().Get(NotebookPath(id) + "/export");
  ASSERT_EQ(exported.status, 200);
  const HttpResponse saved = SendJson("PUT", NotebookPath(id) + "/source",
                                      {{"source", exported.body}}, author.access_token);
  ASSERT_EQ(saved.status, 200) << saved.body;
  ASSERT_EQ(saved.Json()["notebook"]["cells"].size(), 2u);
  EXPECT_EQ(saved.Json()["notebook"]["cells"][1].value("code", ""), "x = 2");
  ExpectErrorResponse(SendJson("PUT", NotebookPath(id) + "/source", {{"source", exported.body}},
                               learner.access_token),
                      403, "permission_denied");
  // Replacing the source gives the cells new ids.
  const std::string first = saved.Json()["notebook"]["cells"][0].value("id", "");
  const std::string second = saved.Json()["notebook"]["cells"][1].value("id", "");

  const HttpResponse reordered = SendJson("PUT", NotebookPath(id) + "/cell-order",
                                          {{"cell_ids", {second, first}}}, author.access_token);
  ASSERT_EQ(reordered.status, 200) << reordered.body;
  EXPECT_EQ(reordered.Json()["cells"][0].value("id", ""), second);
  ExpectErrorResponse(SendJson("PUT", NotebookPath(id) + "/cell-order", {{"cell_ids", {second}}},
                               author.access_token),
                      422, "validation_failed");

  const HttpResponse removed = client().Send(
      {.method = "DELETE", .path = cells + "/" + first, .bearer_token = author.access_token});
  ASSERT_EQ(removed.status, 200) << removed.body;
  EXPECT_EQ(removed.Json()["cells"].size(), 1u);
  ExpectErrorResponse(
      client().Send(
          {.method = "DELETE", .path = cells + "/" + first, .bearer_token = author.access_token}),
      404, "not_found");

  ExpectErrorResponse(
      client().Send(
          {.method = "DELETE", .path = NotebookPath(id), .bearer_token = learner.access_token}),
      403, "permission_denied");
  const HttpResponse deleted = client().Send(
      {.method = "DELETE", .path = NotebookPath(id), .bearer_token = author.access_token});
  EXPECT_EQ(deleted.status, 204) << deleted.body;
  ExpectErrorResponse(client().Get(NotebookPath(id)), 404, "not_found");
}

TEST_P(NotebooksApiTest, ImportRejectsInvalidFiles) {
  const TestUser author = Register("nbauthor");
  const int64_t lab_id = CreateLab(author);
  const HttpResponse not_marimo = Import(author, lab_id, "print('hello')\n");
  ExpectErrorResponse(not_marimo, 422, "validation_failed");
  EXPECT_EQ(not_marimo.Json()["error"]["details"][0].value("field", ""), "file");
  EXPECT_NE(not_marimo.Json()["error"].value("message", "").find("not a marimo notebook"),
            std::string::npos)
      << not_marimo.body;
  ExpectErrorResponse(Import(author, lab_id, "import marimo\napp = marimo.App(\n"), 422,
                      "validation_failed");

  const std::string huge_cell =
      "import marimo\napp = marimo.App()\n\n@app.cell\ndef _():\n    x = \"" +
      std::string(300 * 1024, 'a') + "\"\n    return\n";
  const HttpResponse too_big_cell = Import(author, lab_id, huge_cell);
  ExpectErrorResponse(too_big_cell, 422, "validation_failed");
  EXPECT_EQ(too_big_cell.Json()["error"]["details"][0].value("field", ""), "cells[0].code");

  const HttpResponse too_big_file = Import(author, lab_id, std::string(5 * 1024 * 1024, '#'));
  EXPECT_EQ(too_big_file.status, 413) << too_big_file.body;

  const HttpResponse no_parent = PostForm(
      "/api/v1/notebooks/import", {{"file", std::string(kNotebook), "a.py"}}, author.access_token);
  ExpectErrorResponse(no_parent, 422, "validation_failed");
  EXPECT_EQ(no_parent.Json()["error"]["details"][0].value("field", ""), "lab_id");
  // A query parameter that is not a number gets 422, as on every route.
  ExpectErrorResponse(Import(author, lab_id + 100000, kNotebook), 404, "not_found");
  ExpectErrorResponse(client().Get("/api/v1/notebooks?lab=abc"), 422, "validation_failed");
}

TEST_P(NotebooksApiTest, SyntaxErrorCellExportsUnparsable) {
  const TestUser author = Register("nbauthor");
  const int64_t lab_id = CreateLab(author);
  const std::string source =
      "import marimo\napp = marimo.App()\n\n\n@app.cell\ndef _():\n    x = = 1\n    return\n";
  const HttpResponse imported = Import(author, lab_id, source);
  ASSERT_EQ(imported.status, 201) << imported.body;
  const nlohmann::json notebook = imported.Json()["notebook"];
  EXPECT_EQ(notebook["cells"][0].value("kind", ""), "unparsable");
  ASSERT_EQ(imported.Json()["warnings"].size(), 1u) << imported.body;

  const HttpResponse exported =
      client().Get(NotebookPath(notebook.value("id", int64_t{0})) + "/export", author.access_token);
  ASSERT_EQ(exported.status, 200) << exported.body;
  EXPECT_NE(exported.body.find("app._unparsable_cell("), std::string::npos) << exported.body;
  EXPECT_EQ(exported.body.find("@app.cell"), std::string::npos) << exported.body;
}

TEST_P(NotebooksApiTest, AssetsUploadListDownloadDelete) {
  const TestUser author = Register("nbauthor");
  const TestUser learner = Register("nblearner");
  const int64_t lab_id = CreateLab(author);
  const HttpResponse imported = Import(author, lab_id, kNotebook);
  ASSERT_EQ(imported.status, 201) << imported.body;
  const int64_t id = imported.Json()["notebook"].value("id", int64_t{0});
  const std::string assets = NotebookPath(id) + "/assets";

  ExpectErrorResponse(
      PostForm(assets, {{"file", "x,y\n1,2\n", "points.csv"}}, learner.access_token), 403,
      "permission_denied");
  const HttpResponse uploaded =
      PostForm(assets, {{"path", "data/points.csv", ""}, {"file", "x,y\n1,2\n", "points.csv"}},
               author.access_token);
  ASSERT_EQ(uploaded.status, 201) << uploaded.body;
  const nlohmann::json asset = uploaded.Json()["items"][0];
  EXPECT_EQ(asset.value("path", ""), "data/points.csv");
  ExpectErrorResponse(
      PostForm(assets, {{"path", "data/points.csv", ""}, {"file", "other", "points.csv"}},
               author.access_token),
      409, "already_exists");

  const HttpResponse listed = client().Get(assets);
  ASSERT_EQ(listed.status, 200) << listed.body;
  EXPECT_EQ(listed.Json()["items"].size(), 1u);
  EXPECT_EQ(client().Get(asset.value("url", "")).body, "x,y\n1,2\n");
  EXPECT_EQ(client().Get(NotebookPath(id) + "/file?path=data/points.csv").body, "x,y\n1,2\n");
  ExpectErrorResponse(client().Get(NotebookPath(id) + "/file?path=../etc/passwd"), 422,
                      "validation_failed");

  const HttpResponse deleted = client().Send({.method = "DELETE",
                                              .path = assets + "/" + asset.value("id", ""),
                                              .bearer_token = author.access_token});
  EXPECT_EQ(deleted.status, 204) << deleted.body;
  ExpectErrorResponse(client().Get(asset.value("url", "")), 404, "not_found");
}

TEST_P(NotebooksApiTest, LearnerCopiesArePrivate) {
  const TestUser author = Register("nbauthor");
  const TestUser learner = Register("nblearner");
  const TestUser stranger = Register("nbstranger");
  const int64_t lab_id = CreateLab(author);
  const HttpResponse imported = Import(author, lab_id, kNotebook);
  ASSERT_EQ(imported.status, 201) << imported.body;
  const int64_t id = imported.Json()["notebook"].value("id", int64_t{0});

  const nlohmann::json save = {
      {"cells", {{{"code", "import marimo as mo"}}, {{"code", "answer = 42"}}}}};
  ExpectErrorResponse(client().Post(NotebookPath(id) + "/copies", save), 401, "unauthenticated");
  const HttpResponse saved =
      client().Post(NotebookPath(id) + "/copies", save, learner.access_token);
  ASSERT_EQ(saved.status, 201) << saved.body;
  const int64_t copy_id = saved.Json().value("id", int64_t{0});
  EXPECT_EQ(saved.Json().value("copy_of", int64_t{0}), id);
  EXPECT_EQ(saved.Json().value("owner_id", int64_t{0}), learner.id);

  EXPECT_EQ(client().Get(NotebookPath(copy_id), learner.access_token).status, 200);
  ExpectErrorResponse(client().Get(NotebookPath(copy_id), stranger.access_token), 404, "not_found");
  ExpectErrorResponse(client().Get(NotebookPath(copy_id)), 404, "not_found");
  ExpectErrorResponse(client().Get(NotebookPath(copy_id) + "/export", author.access_token), 404,
                      "not_found");

  const HttpResponse mine = client().Get("/api/v1/notebook-copies", learner.access_token);
  ASSERT_EQ(mine.status, 200) << mine.body;
  ASSERT_EQ(mine.Json()["items"].size(), 1u);
  EXPECT_EQ(mine.Json()["items"][0].value("id", int64_t{0}), copy_id);
  EXPECT_EQ(client().Get("/api/v1/notebook-copies", stranger.access_token).Json()["items"].size(),
            0u);
  EXPECT_EQ(client().Get("/api/v1/notebooks?lab=" + std::to_string(lab_id)).Json()["items"].size(),
            1u);
}

INSTANTIATE_TEST_SUITE_P(Engines, NotebooksApiTest, ::testing::ValuesIn(storage::TestDialects()),
                         DialectTestName);

}  // namespace
}  // namespace openlabs::integration
