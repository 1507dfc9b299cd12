// The learning loop over HTTP on the real server. A lab imported from the corpus goes through
// submission, claim, review and download. Every write route rejects callers who may not write.
// Two reviewers race on one submission, comment threads keep their shape, and an article that
// is not a PDF is rejected.
#include <curl/curl.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "common/random.h"
#include "learning_api_test.h"
#include "services/articles/test_pdf.h"

namespace openlabs::integration {
namespace {

namespace fs = std::filesystem;

// The labs corpus: $OPENLABS_CORPUS_DIR/labs, or the corpus beside the source tree.
fs::path CorpusLabsDir() {
  const char* corpus = std::getenv("OPENLABS_CORPUS_DIR");
  return fs::path(corpus != nullptr && *corpus != '\0' ? corpus : OPENLABS_DEFAULT_CORPUS_DIR) /
         "labs";
}

// The file name in a Content-Disposition value's RFC 8187 `filename*=UTF-8''...` parameter.
std::string ExtendedFilename(const std::string& disposition) {
  const std::string marker = "filename*=UTF-8''";
  const size_t start = disposition.find(marker);
  if (start == std::string::npos) {
    return "";
  }
  std::string encoded = disposition.substr(start + marker.size());
  encoded = encoded.substr(0, encoded.find(';'));
  int length = 0;
  char* decoded =
      curl_easy_unescape(nullptr, encoded.c_str(), static_cast<int>(encoded.size()), &length);
  std::string name(decoded, static_cast<size_t>(length));
  curl_free(decoded);
  return name;
}

std::string IdPath(std::string_view prefix, int64_t id, std::string_view suffix = "") {
  return std::string(prefix) + std::to_string(id) + std::string(suffix);
}

class LearningLoopTest : public LearningApiTest {
 protected:
  HttpResponse SendJson(const std::string& method, const std::string& path,
                        const nlohmann::json& body, const std::string& token) {
    return client().Send({.method = method,
                          .path = path,
                          .body = body.is_null() ? "" : body.dump(),
                          .bearer_token = token});
  }
};

TEST_P(LearningLoopTest, ImportedLabJourney) {
  const fs::path folder = CorpusLabsDir() / "swcarpentry-python-novice-inflammation";
  if (!fs::is_directory(folder)) {
    GTEST_SKIP() << "no lab corpus at " << folder << "; set OPENLABS_CORPUS_DIR to its parent";
  }
  const TestUser author = Register("author");
  const TestUser learner = Register("learner");
  const TestUser stranger = Register("stranger");

  std::vector<std::string> args = {"import", "labs", folder.string(), "--author", author.username};
  const std::vector<std::string> storage_flags = server().StorageFlags();
  args.insert(args.end(), storage_flags.begin(), storage_flags.end());
  const ProcessResult imported = RunOpenlabs(args, "");
  ASSERT_TRUE(imported.ExitedWithZero()) << imported.Describe() << "\n" << imported.output;
  // Standard output and standard error share one stream here, as on a terminal: no log line
  // may appear, and each line is a whole progress line or the header or summary.
  std::istringstream lines(imported.output);
  int progress_lines = 0;
  for (std::string line; std::getline(lines, line);) {
    static const std::regex kProgressLine(R"(\[\d+/\d+\] (imported|skipped|ignored) .*)");
    const bool known = line.starts_with("Importing ") || line.starts_with("Imported ") ||
                       std::regex_match(line, kProgressLine);
    EXPECT_TRUE(known) << "unexpected import output line: " << line;
    progress_lines += line.starts_with("[") ? 1 : 0;
  }
  EXPECT_GT(progress_lines, 0) << imported.output;

  // The imported labs belong to the author; pick one whose Markdown links an image asset.
  const HttpResponse listed =
      client().Get("/api/v1/labs?limit=100&author=" + std::to_string(author.id));
  ASSERT_EQ(listed.status, 200) << listed.body;
  ASSERT_GT(listed.Json().value("total", 0), 0) << imported.output;
  int64_t lab_id = 0;
  std::string image_path;
  const nlohmann::json imported_labs = listed.Json();
  for (const nlohmann::json& item : imported_labs["items"]) {
    const nlohmann::json lab = client().Get(IdPath("/api/v1/labs/", item.value("id", 0))).Json();
    for (const nlohmann::json& asset : lab.value("assets", nlohmann::json::array())) {
      const std::string path = asset.value("path", "");
      if (asset.value("content_type", "").starts_with("image/") &&
          lab.value("body", "").find(path) != std::string::npos) {
        lab_id = lab.value("id", int64_t{0});
        image_path = path;
        break;
      }
    }
    if (lab_id != 0) {
      break;
    }
  }
  ASSERT_NE(lab_id, 0) << "no imported lab links an image asset: " << listed.body;
  const HttpResponse image =
      client().Get(IdPath("/api/v1/labs/", lab_id, "/file?path=") + image_path);
  EXPECT_EQ(image.status, 200) << image_path;
  EXPECT_TRUE(image.Header("content-type").starts_with("image/")) << image.Header("content-type");

  // The learner pays 1 point to submit text and a file.
  const HttpResponse submitted = Submit(learner, lab_id, "import numpy\n");
  ASSERT_EQ(submitted.status, 201) << submitted.body;
  const int64_t submission_id = submitted.Json().value("id", int64_t{0});
  EXPECT_EQ(submitted.Json().value("status", ""), "submitted");
  ASSERT_EQ(submitted.Json()["files"].size(), 1u);
  EXPECT_EQ(Balance(learner), 10 - 1);

  // The author is an eligible reviewer: claims, then reviews with an attachment.
  const HttpResponse queue = client().Get("/api/v1/reviews/queue", author.access_token);
  ASSERT_EQ(queue.status, 200) << queue.body;
  const nlohmann::json entries = queue.Json()["items"];
  EXPECT_TRUE(std::any_of(entries.begin(), entries.end(), [&](const nlohmann::json& entry) {
    return entry.value("submission_id", int64_t{0}) == submission_id;
  })) << queue.body;
  const HttpResponse claimed = client().PostEmpty(
      IdPath("/api/v1/submissions/", submission_id, "/claim"), author.access_token);
  ASSERT_EQ(claimed.status, 200) << claimed.body;
  EXPECT_EQ(claimed.Json().value("reviewer_id", int64_t{0}), author.id);

  const HttpResponse reviewed = Review(client(), author, submission_id, "Line 3: use np.mean.");
  ASSERT_EQ(reviewed.status, 201) << reviewed.body;
  EXPECT_EQ(reviewed.Json().value("points_earned", 0), 3);
  EXPECT_EQ(reviewed.Json()["submission"].value("status", ""), "accepted");
  EXPECT_EQ(Balance(author), 10 + 3);
  EXPECT_EQ(Balance(learner), 10 - 1);

  // The learner reads the review and downloads its attachment; a stranger cannot.
  const HttpResponse own =
      client().Get(IdPath("/api/v1/submissions/", submission_id), learner.access_token);
  ASSERT_EQ(own.status, 200) << own.body;
  ASSERT_EQ(own.Json()["reviews"].size(), 1u) << own.body;
  const nlohmann::json review = own.Json()["reviews"][0];
  ASSERT_EQ(review["files"].size(), 1u) << own.body;
  const std::string attachment =
      IdPath("/api/v1/reviews/", review.value("id", int64_t{0}), "/files/") +
      std::to_string(review["files"][0].value("id", int64_t{0}));
  const HttpResponse downloaded = client().Get(attachment, learner.access_token);
  ASSERT_EQ(downloaded.status, 200) << downloaded.body;
  EXPECT_EQ(downloaded.body, "Line 3: use np.mean.");
  EXPECT_NE(downloaded.Header("content-disposition").find("review.txt"), std::string::npos);
  ExpectErrorResponse(client().Get(attachment, stranger.access_token), 404, "not_found");
}

// Only `openlabs import labs` records where a lab came from. POST /api/v1/labs rejects the
// source fields, so no client can make the importer skip a file or collide with its lab.
TEST_P(LearningLoopTest, CreateLabRejectsSourceFields) {
  const TestUser author = Register("importer");
  const TestUser stranger = Register("squatter");
  const fs::path folder = fs::temp_directory_path() / ("source-fields-" + NewUuid());
  fs::create_directories(folder);
  const std::string content = "# Loops\n\nWrite a loop that sums a list.\n";
  std::ofstream(folder / "loops.md") << content;

  const HttpResponse squatted = SendJson("POST", "/api/v1/labs",
                                         {{"title", "Loops"},
                                          {"source_key", "loops.md"},
                                          {"source_sha256", Sha256Hex(content)}},
                                         stranger.access_token);
  ExpectErrorResponse(squatted, 422, "validation_failed");
  const nlohmann::json details = squatted.Json()["error"]["details"];
  ASSERT_EQ(details.size(), 2u) << squatted.body;
  EXPECT_EQ(details[0].value("field", ""), "source_key");
  EXPECT_EQ(details[1].value("field", ""), "source_sha256");
  const HttpResponse none =
      client().Get("/api/v1/labs?author=" + std::to_string(stranger.id));
  ASSERT_EQ(none.status, 200) << none.body;
  EXPECT_EQ(none.Json().value("total", -1), 0) << none.body;

  // The importer still creates the lab from the file and records its source.
  std::vector<std::string> args = {"import", "labs", folder.string(), "--author", author.username};
  const std::vector<std::string> storage_flags = server().StorageFlags();
  args.insert(args.end(), storage_flags.begin(), storage_flags.end());
  const ProcessResult imported = RunOpenlabs(args, "");
  fs::remove_all(folder);
  ASSERT_TRUE(imported.ExitedWithZero()) << imported.Describe() << "\n" << imported.output;
  EXPECT_NE(imported.output.find("imported loops.md as lab"), std::string::npos)
      << imported.output;
  const HttpResponse listed = client().Get("/api/v1/labs?author=" + std::to_string(author.id));
  ASSERT_EQ(listed.status, 200) << listed.body;
  ASSERT_EQ(listed.Json().value("total", 0), 1) << listed.body;
  const int64_t lab_id = listed.Json()["items"][0].value("id", int64_t{0});
  const HttpResponse lab = client().Get(IdPath("/api/v1/labs/", lab_id));
  ASSERT_EQ(lab.status, 200) << lab.body;
  EXPECT_EQ(lab.Json().value("source_key", ""), "loops.md");
}

// Every write route of the API, called without a token, returns 401 and changes nothing. The
// routes come from the server, so a new write route is covered as soon as it is registered.
TEST_P(LearningLoopTest, WriteRoutesRejectAnonymousCallers) {
  // Writes that create a session, or need none, by design.
  const std::set<std::string> kPublicWrites = {
      "POST /api/v1/auth/register", "POST /api/v1/auth/login", "POST /api/v1/auth/login/mfa",
      "POST /api/v1/auth/refresh"};
  const TestUser author = Register("author");
  const int64_t lab_id = CreateLab(author);

  int checked = 0;
  for (const std::string& route : RegisteredRoutes()) {
    const size_t space = route.find(' ');
    const std::string method = route.substr(0, space);
    std::string path = route.substr(space + 1);
    if (method == "GET" || !path.starts_with("/api/") || kPublicWrites.contains(route)) {
      continue;
    }
    // Every path parameter names the lab, which exists, so only the missing token can fail.
    for (size_t open = path.find('{'); open != std::string::npos; open = path.find('{')) {
      path.replace(open, path.find('}', open) - open + 1, std::to_string(lab_id));
    }
    // A JSON object first. An upload route rejects it with 415, so it then gets a multipart form.
    HttpResponse response = SendJson(method, path, {{"content", "x"}}, "");
    if (response.status == 415) {
      // One file in the field "file", which every upload route accepts or rejects after the
      // token check.
      const std::vector<FormPart> form = {{"lab_id", std::to_string(lab_id)},
                                          {"file", "data", "a.txt"}};
      response = client().Send(
          {.method = method,
           .path = path,
           .body = MultipartBody(form),
           .content_type = "multipart/form-data; boundary=" + std::string(kFormBoundary)});
    }
    EXPECT_EQ(response.status, 401)
        << route << " (as " << method << " " << path
        << ") accepted a caller without a token: " << response.body
        << "\nIf this route is meant to be public, add it to kPublicWrites in this test.";
    ++checked;
  }
  EXPECT_GT(checked, 25);

  const HttpResponse lab = client().Get(IdPath("/api/v1/labs/", lab_id));
  ASSERT_EQ(lab.status, 200) << lab.body;
  EXPECT_EQ(lab.Json().value("title", ""), "Lab");
  EXPECT_EQ(client().Get(IdPath("/api/v1/labs/", lab_id, "/comments")).Json().value("total", -1),
            0);
}

// Signed-in users who do not own the resource, or may not review it, are rejected, and the
// resource stays as it was.
TEST_P(LearningLoopTest, WriteRoutesRejectOtherUsers) {
  const TestUser author = Register("author");
  const TestUser learner = Register("learner");
  const TestUser other = Register("other");
  const int64_t lab_id = CreateLab(author);
  const std::string lab = IdPath("/api/v1/labs/", lab_id);

  const HttpResponse asset =
      PostForm(client(), lab + "/assets", {{"files[]", "1,2", "data.csv"}}, author.access_token);
  ASSERT_EQ(asset.status, 201) << asset.body;
  const std::string asset_id = asset.Json()["items"][0].value("id", "");

  const HttpResponse article =
      PostForm(client(), "/api/v1/articles",
               {{"title", "Owned article"},
                {"file", articles::MakeTestPdf({"Page one"}), "paper.pdf", "application/pdf"}},
               author.access_token);
  ASSERT_EQ(article.status, 201) << article.body;
  const std::string article_path = IdPath("/api/v1/articles/", article.Json().value("id", 0));

  const HttpResponse comment =
      client().Post(lab + "/comments", {{"content", "Mine"}}, author.access_token);
  ASSERT_EQ(comment.status, 201) << comment.body;
  const std::string comment_path = IdPath("/api/v1/comments/", comment.Json().value("id", 0));

  const HttpResponse submitted = Submit(learner, lab_id, "x = 1");
  ASSERT_EQ(submitted.status, 201) << submitted.body;
  const std::string submission = IdPath("/api/v1/submissions/", submitted.Json().value("id", 0));

  struct Case {
    const char* action;
    HttpResponse response;
    long status;
    const char* code;
  };
  const Case cases[] = {
      {"edit another's lab", SendJson("PATCH", lab, {{"title", "Taken"}}, other.access_token), 403,
       "permission_denied"},
      {"delete another's lab", SendJson("DELETE", lab, nullptr, other.access_token), 403,
       "permission_denied"},
      {"upload to another's lab",
       PostForm(client(), lab + "/assets", {{"files[]", "x", "x.txt"}}, other.access_token), 403,
       "permission_denied"},
      {"delete another's asset",
       SendJson("DELETE", lab + "/assets/" + asset_id, nullptr, other.access_token), 403,
       "permission_denied"},
      {"edit another's article",
       SendJson("PATCH", article_path, {{"title", "Taken"}}, other.access_token), 403,
       "permission_denied"},
      {"delete another's article", SendJson("DELETE", article_path, nullptr, other.access_token),
       403, "permission_denied"},
      {"edit another's comment",
       SendJson("PATCH", comment_path, {{"content", "Taken"}}, other.access_token), 403,
       "permission_denied"},
      {"delete another's comment", SendJson("DELETE", comment_path, nullptr, other.access_token),
       403, "permission_denied"},
      {"submit to one's own lab", Submit(author, lab_id), 403, "permission_denied"},
      {"delete another's submission", SendJson("DELETE", submission, nullptr, other.access_token),
       404, "not_found"},
      {"claim without being eligible",
       client().PostEmpty(submission + "/claim", other.access_token), 404, "not_found"},
      {"claim one's own submission",
       client().PostEmpty(submission + "/claim", learner.access_token), 403, "permission_denied"},
      {"review without being eligible", Review(client(), other, submitted.Json().value("id", 0)),
       404, "not_found"},
      {"review one's own submission", Review(client(), learner, submitted.Json().value("id", 0)),
       403, "permission_denied"},
  };
  for (const Case& rejected : cases) {
    SCOPED_TRACE(rejected.action);
    ExpectErrorResponse(rejected.response, rejected.status, rejected.code);
  }

  // Nothing changed: the lab, its asset, the article, the comment and the submission are intact.
  const HttpResponse lab_after = client().Get(lab);
  EXPECT_EQ(lab_after.Json().value("title", ""), "Lab");
  EXPECT_EQ(lab_after.Json()["assets"].size(), 1u);
  EXPECT_EQ(client().Get(article_path).Json().value("title", ""), "Owned article");
  const nlohmann::json threads = client().Get(lab + "/comments").Json();
  ASSERT_EQ(threads["items"].size(), 1u);
  EXPECT_EQ(threads["items"][0].value("content", ""), "Mine");
  const HttpResponse submission_after = client().Get(submission, learner.access_token);
  EXPECT_EQ(submission_after.Json().value("status", ""), "submitted");
  EXPECT_EQ(submission_after.Json()["reviews"].size(), 0u);
  EXPECT_EQ(Balance(other), 10);
  EXPECT_EQ(Balance(learner), 9);

  // Only the learner may rate the review.
  ASSERT_EQ(client().PostEmpty(submission + "/claim", author.access_token).status, 200);
  const HttpResponse reviewed = Review(client(), author, submitted.Json().value("id", 0));
  ASSERT_EQ(reviewed.status, 201) << reviewed.body;
  const std::string rating =
      IdPath("/api/v1/reviews/", reviewed.Json()["review"].value("id", 0), "/rating");
  ExpectErrorResponse(client().Post(rating, {{"rating", 5}}, other.access_token), 404, "not_found");
  ExpectErrorResponse(client().Post(rating, {{"rating", 5}}, author.access_token), 403,
                      "permission_denied");
  EXPECT_EQ(client().Post(rating, {{"rating", 4}}, learner.access_token).status, 200);
  ExpectErrorResponse(SendJson("DELETE", submission, nullptr, learner.access_token), 409,
                      "failed_precondition");
}

// Two eligible reviewers claim and review the same submission at the same time, several times
// over: exactly one review is stored per submission and the points are paid once.
TEST_P(LearningLoopTest, TwoReviewersRacingEarnOnce) {
  const TestUser author = Register("author");
  const TestUser moderator = CreateUserWithCli("moderator", "--moderator");
  const TestUser learner = Register("learner");

  // A learner submits to a lab once until rejected, so every round has its own lab.
  constexpr int kRounds = 3;
  for (int round = 0; round < kRounds; ++round) {
    SCOPED_TRACE("round " + std::to_string(round));
    const HttpResponse submitted = Submit(learner, CreateLab(author));
    ASSERT_EQ(submitted.status, 201) << submitted.body;
    const int64_t submission_id = submitted.Json().value("id", int64_t{0});

    std::atomic<int> reviews_created{0};
    std::vector<std::thread> threads;
    for (const TestUser* reviewer : {&author, &moderator}) {
      threads.emplace_back([&, reviewer] {
        HttpClient http(server().base_url());
        const HttpResponse claimed = http.PostEmpty(
            IdPath("/api/v1/submissions/", submission_id, "/claim"), reviewer->access_token);
        if (claimed.status != 200) {
          EXPECT_EQ(claimed.status, 409) << claimed.body;
        }
        const HttpResponse reviewed = Review(http, *reviewer, submission_id);
        if (reviewed.status == 201) {
          ++reviews_created;
        } else {
          EXPECT_TRUE(reviewed.status == 409 || reviewed.status == 403) << reviewed.body;
        }
      });
    }
    for (std::thread& thread : threads) {
      thread.join();
    }
    EXPECT_EQ(reviews_created.load(), 1);
    const HttpResponse reviews = client().Get(
        IdPath("/api/v1/submissions/", submission_id, "/reviews"), learner.access_token);
    EXPECT_EQ(reviews.Json()["items"].size(), 1u) << reviews.body;
  }
  EXPECT_EQ(Balance(author) + Balance(moderator), 10 + 10 + 3 * kRounds);
  EXPECT_EQ(Balance(learner), 10 - kRounds);
}

TEST_P(LearningLoopTest, DeletedMiddleCommentKeepsThreadShape) {
  const TestUser author = Register("author");
  const TestUser commenter = Register("commenter");
  const int64_t lab_id = CreateLab(author);
  const std::string comments = IdPath("/api/v1/labs/", lab_id, "/comments");

  // Five comments, each replying to the one before, written by two users in turn.
  std::vector<int64_t> ids;
  for (int depth = 0; depth < 5; ++depth) {
    nlohmann::json body = {{"content", "Level " + std::to_string(depth)}};
    if (!ids.empty()) {
      body["parent_id"] = ids.back();
    }
    const TestUser& writer = depth % 2 == 0 ? author : commenter;
    const HttpResponse created = client().Post(comments, body, writer.access_token);
    ASSERT_EQ(created.status, 201) << created.body;
    EXPECT_EQ(created.Json().value("depth", -1), depth);
    ids.push_back(created.Json().value("id", int64_t{0}));
  }

  // Deleting the middle one, written by the author, leaves a placeholder.
  const HttpResponse deleted =
      SendJson("DELETE", IdPath("/api/v1/comments/", ids[2]), nullptr, author.access_token);
  ASSERT_EQ(deleted.status, 200) << deleted.body;
  EXPECT_TRUE(deleted.Json().value("placeholder", false));

  // Reading is public; the thread still has five levels and the placeholder keeps its place.
  const HttpResponse listed = client().Get(comments);
  ASSERT_EQ(listed.status, 200) << listed.body;
  EXPECT_EQ(listed.Json().value("total", 0), 1);
  nlohmann::json node = listed.Json()["items"][0];
  for (int depth = 0; depth < 5; ++depth) {
    SCOPED_TRACE("depth " + std::to_string(depth));
    EXPECT_EQ(node.value("id", int64_t{0}), ids[depth]);
    EXPECT_EQ(node.value("depth", -1), depth);
    if (depth == 2) {
      EXPECT_TRUE(node.value("deleted", false));
      EXPECT_EQ(node.value("content", "?"), "");
      EXPECT_EQ(node.value("author_id", int64_t{-1}), 0);
    } else {
      EXPECT_FALSE(node.value("deleted", true));
      EXPECT_EQ(node.value("content", ""), "Level " + std::to_string(depth));
    }
    if (depth < 4) {
      ASSERT_EQ(node["replies"].size(), 1u) << listed.body;
      node = node["replies"][0];
    } else {
      EXPECT_TRUE(node["replies"].empty());
    }
  }

  // A placeholder cannot be edited, and a leaf without replies disappears when deleted.
  const HttpResponse edited = SendJson("PATCH", IdPath("/api/v1/comments/", ids[2]),
                                       {{"content", "Back"}}, author.access_token);
  EXPECT_GE(edited.status, 400) << edited.body;
  const HttpResponse leaf =
      SendJson("DELETE", IdPath("/api/v1/comments/", ids[4]), nullptr, author.access_token);
  ASSERT_EQ(leaf.status, 204) << leaf.body;
  EXPECT_TRUE(leaf.body.empty()) << leaf.body;
  nlohmann::json level3 = client().Get(comments).Json()["items"][0];
  for (int depth = 0; depth < 3; ++depth) {
    level3 = level3["replies"][0];
  }
  EXPECT_EQ(level3.value("id", int64_t{0}), ids[3]);
  EXPECT_TRUE(level3["replies"].empty());
}

TEST_P(LearningLoopTest, ArticleThatIsNotPdfIs422) {
  const TestUser uploader = Register("uploader");
  const int64_t total_before = client().Get("/api/v1/articles").Json().value("total", -1);
  const HttpResponse rejected =
      PostForm(client(), "/api/v1/articles",
               {{"title", "Fake paper"},
                {"file", "<html>this is not a PDF</html>", "paper.pdf", "application/pdf"}},
               uploader.access_token);
  ExpectErrorResponse(rejected, 422, "validation_failed");
  EXPECT_EQ(client().Get("/api/v1/articles").Json().value("total", -2), total_before);
}

TEST_P(LearningLoopTest, ArticleAuthorsNotAListAre422) {
  const TestUser uploader = Register("authorsform");
  const std::string pdf = articles::MakeTestPdf({"Page one"});
  const int64_t total_before = client().Get("/api/v1/articles").Json().value("total", -1);
  for (const char* authors : {R"({"a":1})", R"( {"name":"Ada"})", R"(["Ada", 7])", R"(["Ada", ""])",
                              R"(["Ada", " "])", "[not json"}) {
    const HttpResponse rejected = PostForm(client(), "/api/v1/articles",
                                           {{"title", "Odd authors"},
                                            {"authors", authors},
                                            {"file", pdf, "paper.pdf", "application/pdf"}},
                                           uploader.access_token);
    ExpectErrorResponse(rejected, 422, "validation_failed");
    EXPECT_NE(rejected.body.find("\"authors\""), std::string::npos)
        << authors << " " << rejected.body;
  }
  EXPECT_EQ(client().Get("/api/v1/articles").Json().value("total", -2), total_before);

  const HttpResponse listed = PostForm(client(), "/api/v1/articles",
                                       {{"title", "Two authors"},
                                        {"authors", R"(["Ada Lovelace", "Alan Turing"])"},
                                        {"file", pdf, "paper.pdf", "application/pdf"}},
                                       uploader.access_token);
  ASSERT_EQ(listed.status, 201) << listed.body;
  EXPECT_EQ(listed.Json()["authors"], nlohmann::json::array({"Ada Lovelace", "Alan Turing"}));
  const HttpResponse comma = PostForm(client(), "/api/v1/articles",
                                      {{"title", "Comma authors"},
                                       {"authors", "Ada Lovelace, Alan Turing"},
                                       {"file", pdf, "paper.pdf", "application/pdf"}},
                                      uploader.access_token);
  ASSERT_EQ(comma.status, 201) << comma.body;
  EXPECT_EQ(comma.Json()["authors"], nlohmann::json::array({"Ada Lovelace", "Alan Turing"}));
}

// Browsers and curl send '"', CR and LF in a multipart file name as %22, %0D and %0A. The server
// stores the name as the user chose it and escapes it once, in the download's Content-Disposition.
TEST_P(LearningLoopTest, AssetFilenameRoundTrip) {
  const TestUser author = Register("oddnames");
  const std::string lab = IdPath("/api/v1/labs/", CreateLab(author));
  struct Case {
    std::string sent;
    std::string stored;
    std::string fallback;  // the ASCII filename="..." parameter
  };
  const std::vector<Case> cases = {
      {"q%22uote;.txt", "q\"uote;.txt", "quote;.txt"},
      {"semi;colon, and comma.txt", "semi;colon, and comma.txt", "semi;colon, and comma.txt"},
      {"données été ✓.csv", "données été ✓.csv", "donn_es _t_ _.csv"},
      {"100% sure %41 %2522.txt", "100% sure %41 %2522.txt", "100 sure 41 2522.txt"},
      {"two%0D%0Alines.txt", "twolines.txt", "twolines.txt"},
      // A quoted-string escapes '\\' as "\\\\"; the name's folder part goes.
      {"C:\\\\Users\\\\back 'single'.txt", "back 'single'.txt", "back 'single'.txt"},
  };
  for (const Case& one : cases) {
    const HttpResponse uploaded = PostForm(client(), lab + "/assets",
                                           {{"files[]", "content", one.sent}}, author.access_token);
    ASSERT_EQ(uploaded.status, 201) << one.sent << " " << uploaded.body;
    const nlohmann::json asset = uploaded.Json()["items"][0];
    EXPECT_EQ(asset.value("filename", ""), one.stored) << uploaded.body;

    const HttpResponse downloaded = client().Get(lab + "/assets/" + asset.value("id", ""));
    ASSERT_EQ(downloaded.status, 200) << one.sent << " " << downloaded.body;
    EXPECT_EQ(downloaded.body, "content");
    const std::string disposition = downloaded.Header("content-disposition");
    EXPECT_EQ(ExtendedFilename(disposition), one.stored) << disposition;
    EXPECT_NE(disposition.find("filename=\"" + one.fallback + "\";"), std::string::npos)
        << disposition;
  }
}

TEST_P(LearningLoopTest, DeleteLabIs204OrArchived) {
  const TestUser author = Register("deleter");
  const TestUser learner = Register("deletelearner");

  const int64_t unused = CreateLab(author);
  const HttpResponse deleted =
      SendJson("DELETE", IdPath("/api/v1/labs/", unused), nullptr, author.access_token);
  ASSERT_EQ(deleted.status, 204) << deleted.body;
  EXPECT_TRUE(deleted.body.empty()) << deleted.body;
  EXPECT_EQ(client().Get(IdPath("/api/v1/labs/", unused)).status, 404);

  // A lab with a submission stays, archived, and the response body reports it.
  const int64_t submitted = CreateLab(author);
  const HttpResponse submission = Submit(learner, submitted);
  ASSERT_EQ(submission.status, 201) << submission.body;
  const HttpResponse archived =
      SendJson("DELETE", IdPath("/api/v1/labs/", submitted), nullptr, author.access_token);
  ASSERT_EQ(archived.status, 200) << archived.body;
  EXPECT_TRUE(archived.Json().value("archived", false)) << archived.body;
  EXPECT_EQ(client().Get(IdPath("/api/v1/labs/", submitted)).Json().value("status", ""),
            "archived");
}

// GET /api/v1/tags counts the published labs of each tag, most used first and then by name,
// through creates, tag edits with a duplicate, a delete and an archive.
TEST_P(LearningLoopTest, TagsFollowLabWrites) {
  const TestUser author = Register("tagcounter");
  const TestUser learner = Register("taglearner");
  // Other tests share the server, so these tags carry a suffix of their own.
  const std::string suffix = "-" + NewUuid().substr(0, 8);
  auto tag = [&](const std::string& name) { return name + suffix; };
  auto create = [&](const std::vector<std::string>& tags) {
    const HttpResponse created = SendJson(
        "POST", "/api/v1/labs", {{"title", "Tagged"}, {"body", "# Tagged"}, {"tags", tags}},
        author.access_token);
    EXPECT_EQ(created.status, 201) << created.body;
    return created.Json().value("id", int64_t{0});
  };
  create({tag("a"), tag("b")});
  create({tag("a")});
  const int64_t deleted = create({tag("a"), tag("c")});
  const int64_t archived = create({tag("b"), tag("c")});
  const int64_t edited = create({tag("d")});
  create({tag("f"), tag("e")});

  const HttpResponse patched =
      SendJson("PATCH", IdPath("/api/v1/labs/", edited),
               {{"tags", {tag("b"), tag("A"), tag("b")}}}, author.access_token);
  ASSERT_EQ(patched.status, 200) << patched.body;
  ASSERT_EQ(SendJson("DELETE", IdPath("/api/v1/labs/", deleted), nullptr, author.access_token)
                .status,
            204);
  ASSERT_EQ(Submit(learner, archived).status, 201);
  ASSERT_EQ(SendJson("DELETE", IdPath("/api/v1/labs/", archived), nullptr, author.access_token)
                .status,
            200);

  const HttpResponse listed = client().Get("/api/v1/tags?limit=1000");
  ASSERT_EQ(listed.status, 200) << listed.body;
  std::vector<std::pair<std::string, int64_t>> mine;
  for (const nlohmann::json& item : listed.Json().value("items", nlohmann::json::array())) {
    const std::string name = item.value("name", "");
    if (name.ends_with(suffix)) {
      mine.emplace_back(name, item.value("count", int64_t{-1}));
    }
  }
  const std::vector<std::pair<std::string, int64_t>> expected = {
      {tag("a"), 3}, {tag("b"), 2}, {tag("e"), 1}, {tag("f"), 1}};
  EXPECT_EQ(mine, expected) << listed.body;

  const HttpResponse both = client().Get("/api/v1/labs?tags=" + tag("a") + "," + tag("b"));
  ASSERT_EQ(both.status, 200) << both.body;
  EXPECT_EQ(both.Json().value("total", int64_t{-1}), 2) << both.body;
  EXPECT_EQ(both.Json().value("items", nlohmann::json::array()).size(), 2u) << both.body;
  const HttpResponse gone = client().Get("/api/v1/labs?tags=" + tag("c"));
  EXPECT_EQ(gone.Json().value("total", int64_t{-1}), 0) << gone.body;
}

// A lab's response includes the views counted but not yet written, so each GET shows at once
// whether it was counted.
TEST_P(LearningLoopTest, GetLabCountsViewUnlessCountViewFalse) {
  const TestUser author = Register("viewcount");
  const std::string lab = IdPath("/api/v1/labs/", CreateLab(author));

  const HttpResponse uncounted = client().Get(lab + "?count_view=false");
  ASSERT_EQ(uncounted.status, 200) << uncounted.body;
  EXPECT_EQ(uncounted.Json().value("views", int64_t{-1}), 0) << uncounted.body;
  const HttpResponse uncounted_again = client().Get(lab + "?count_view=false");
  EXPECT_EQ(uncounted_again.Json().value("views", int64_t{-1}), 0) << uncounted_again.body;

  const HttpResponse counted = client().Get(lab);
  ASSERT_EQ(counted.status, 200) << counted.body;
  EXPECT_EQ(counted.Json().value("views", int64_t{-1}), 1) << counted.body;
  const HttpResponse counted_with_true = client().Get(lab + "?count_view=true");
  EXPECT_EQ(counted_with_true.Json().value("views", int64_t{-1}), 2) << counted_with_true.body;

  const HttpResponse after = client().Get(lab + "?count_view=false");
  EXPECT_EQ(after.Json().value("views", int64_t{-1}), 2) << after.body;
}

INSTANTIATE_TEST_SUITE_P(Dialects, LearningLoopTest, ::testing::ValuesIn(storage::TestDialects()),
                         DialectTestName);

}  // namespace
}  // namespace openlabs::integration
