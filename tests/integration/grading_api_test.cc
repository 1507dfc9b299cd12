// Autograding over HTTP: attaching a grader archive, grading jobs for new submissions, the
// learner's and the author's views, regrading, similarity reports, permission checks, and a
// job that survives the server being killed in the middle of it.
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <thread>
#include <utility>

#include "api_test.h"
#include "common/random.h"
#include "services/grading/test_archive.h"

namespace openlabs::integration {
namespace {

using namespace std::chrono_literals;

constexpr std::string_view kBoundary = "openlabs-grading-boundary";

struct Part {
  std::string name;
  std::string value;
  std::string filename;
};

std::string MultipartBody(const std::vector<Part>& parts) {
  std::string body;
  for (const Part& part : parts) {
    body += "--" + std::string(kBoundary) + "\r\nContent-Disposition: form-data; name=\"" +
            part.name + "\"";
    if (!part.filename.empty()) {
      body += "; filename=\"" + part.filename + "\"\r\nContent-Type: application/octet-stream";
    }
    body += "\r\n\r\n" + part.value + "\r\n";
  }
  return body + "--" + std::string(kBoundary) + "--\r\n";
}

HttpResponse SendForm(HttpClient& http, const std::string& method, const std::string& path,
                      const std::vector<Part>& parts, const std::string& token) {
  return http.Send({.method = method,
                    .path = path,
                    .body = MultipartBody(parts),
                    .content_type = "multipart/form-data; boundary=" + std::string(kBoundary),
                    .bearer_token = token});
}

// A folder of files packed as .tar.gz bytes with the tar command.
class GraderArchive {
 public:
  GraderArchive() {
    root_ = std::filesystem::temp_directory_path() / ("grading-api-" + NewUuid());
    std::filesystem::create_directories(root_ / "grader");
  }
  ~GraderArchive() {
    std::error_code ignored;
    std::filesystem::remove_all(root_, ignored);
  }

  void Write(const std::string& relative, const std::string& content) {
    const std::filesystem::path target = root_ / "grader" / relative;
    std::filesystem::create_directories(target.parent_path());
    std::ofstream(target, std::ios::binary) << content;
  }

  std::string Pack() {
    const std::filesystem::path archive = root_ / "grader.tar.gz";
    const std::string command =
        "tar -czf " + archive.string() + " -C " + root_.string() + " grader";
    EXPECT_EQ(std::system(command.c_str()), 0);
    std::ifstream file(archive, std::ios::binary);
    std::stringstream bytes;
    bytes << file.rdbuf();
    return bytes.str();
  }

 private:
  std::filesystem::path root_;
};

// A Python grader that doubles a number: test "one" is visible, "hidden/big" hidden. `run`
// replaces the command, for a slow grader.
std::string DoubleGraderArchive(const std::string& run = "python3 double.py") {
  GraderArchive archive;
  archive.Write("grader.toml", "language = \"python3\"\nrun = \"" + run +
                                   "\"\ntime_limit_s = 5\nhidden = [\"hidden/*\"]\n");
  archive.Write("tests/one.in", "1\n");
  archive.Write("tests/one.out", "2\n");
  archive.Write("tests/hidden/big.in", "100\n");
  archive.Write("tests/hidden/big.out", "200\n");
  return archive.Pack();
}

constexpr const char* kDoubleProgram = "print(int(input()) * 2)\n";

// Calls over HTTP shared by the tests on the shared server and on their own servers.
struct GradingClient {
  HttpClient& http;

  int64_t CreateLab(const std::string& token) {
    const HttpResponse created =
        http.Post("/api/v1/labs",
                  {{"title", "Doubling"}, {"description", "d"}, {"body", "# Double it"}}, token);
    EXPECT_EQ(created.status, 201) << created.body;
    return created.Json().value("id", int64_t{0});
  }

  HttpResponse AttachGrader(int64_t lab_id, const std::string& archive, const std::string& token) {
    return SendForm(http, "PUT", "/api/v1/labs/" + std::to_string(lab_id) + "/grader",
                    {{"archive", archive, "grader.tar.gz"}}, token);
  }

  int64_t Submit(int64_t lab_id, const std::string& code, const std::string& token) {
    return SubmitFile(lab_id, "double.py", code, token);
  }

  // Submits one file in files[]; returns the submission's id, or 0 when the request failed.
  int64_t SubmitFile(int64_t lab_id, const std::string& filename, const std::string& content,
                     const std::string& token) {
    const HttpResponse created = SendForm(
        http, "POST", "/api/v1/submissions",
        {{"lab_id", std::to_string(lab_id)}, {"text", "# Mine"}, {"files[]", content, filename}},
        token);
    EXPECT_EQ(created.status, 201) << created.body;
    return created.Json().value("id", int64_t{0});
  }

  // Polls the submission's grading until `done` returns true, for up to a minute.
  nlohmann::json WaitForGrading(int64_t submission_id, const std::string& token,
                                const std::function<bool(const nlohmann::json&)>& done) {
    nlohmann::json last;
    for (int i = 0; i < 600; ++i) {
      const HttpResponse response =
          http.Get("/api/v1/submissions/" + std::to_string(submission_id) + "/grading", token);
      last = response.Json();
      if (response.status == 200 && done(last)) {
        return last;
      }
      std::this_thread::sleep_for(100ms);
    }
    ADD_FAILURE() << "grading of submission " << submission_id << " did not finish: " << last;
    return last;
  }
};

bool Finished(const nlohmann::json& grading) {
  const std::string status = grading.value("status", "");
  return status == "done" || status == "failed";
}

class GradingApiTest : public ApiTest {
 protected:
  GradingClient grading() { return GradingClient{client()}; }
};

TEST_P(GradingApiTest, GradesSubmissionForEachRole) {
  const TestUser author = Register("grader-author");
  const TestUser learner = Register("grader-learner");
  const TestUser stranger = Register("grader-stranger");
  GradingClient api = grading();
  const int64_t lab_id = api.CreateLab(author.access_token);
  const std::string lab_path = "/api/v1/labs/" + std::to_string(lab_id);
  const nlohmann::json bare = client().Get(lab_path).Json();
  EXPECT_EQ(bare["grading"], nlohmann::json({{"has_grader", false},
                                             {"had_grader", false},
                                             {"has_rubric", false},
                                             {"has_drafts", false}}))
      << bare;

  const HttpResponse denied = api.AttachGrader(lab_id, DoubleGraderArchive(), learner.access_token);
  ExpectErrorResponse(denied, 403, "permission_denied");
  const HttpResponse attached =
      api.AttachGrader(lab_id, DoubleGraderArchive(), author.access_token);
  ASSERT_EQ(attached.status, 201) << attached.body;
  EXPECT_EQ(attached.Json()["version"], 1);
  EXPECT_EQ(attached.Json()["tests"].size(), 2u);
  const nlohmann::json graded = client().Get(lab_path + "?count_view=false").Json();
  EXPECT_EQ(graded["grading"]["has_grader"], true) << graded;
  EXPECT_EQ(graded["grading"]["had_grader"], true) << graded;
  EXPECT_EQ(graded["grading"]["has_rubric"], false) << graded;

  const std::string grader_path = "/api/v1/labs/" + std::to_string(lab_id) + "/grader";
  const nlohmann::json public_view = client().Get(grader_path, learner.access_token).Json();
  EXPECT_EQ(public_view["test_count"], 2);
  EXPECT_FALSE(public_view.contains("tests"));

  const int64_t submission_id = api.Submit(lab_id, kDoubleProgram, learner.access_token);
  const nlohmann::json learner_view =
      api.WaitForGrading(submission_id, learner.access_token, Finished);
  EXPECT_EQ(learner_view["status"], "done");
  EXPECT_EQ(learner_view["view"], "visible_tests");
  ASSERT_EQ(learner_view["results"]["tests"].size(), 1u);
  EXPECT_EQ(learner_view["results"]["tests"][0]["status"], "passed");
  EXPECT_EQ(learner_view["hidden_tests"], 1);

  const std::string result_path =
      "/api/v1/submissions/" + std::to_string(submission_id) + "/grading";
  const HttpResponse author_view = client().Get(result_path, author.access_token);
  ASSERT_EQ(author_view.status, 200);
  EXPECT_EQ(author_view.Json()["results"]["tests"].size(), 2u);
  EXPECT_EQ(author_view.Json()["score"], 2.0);
  ExpectErrorResponse(client().Get(result_path, stranger.access_token), 404, "not_found");
  ExpectErrorResponse(client().Get(result_path), 401, "unauthenticated");
}

// A C grader builds sources that arrive only inside a submitted zip file, which the grader
// unpacks beside the zip. A zip with an entry outside its folder is rejected in the result.
TEST_P(GradingApiTest, GradesSourcesInsideSubmittedZip) {
  const TestUser author = Register("zip-author");
  const TestUser learner = Register("zip-learner");
  const TestUser escaper = Register("zip-escaper");
  GradingClient api = grading();
  const int64_t lab_id = api.CreateLab(author.access_token);
  GraderArchive grader;
  grader.Write("grader.toml",
               "language = \"c\"\nbuild = \"gcc -O2 -o prog *.c\"\nrun = \"./prog\"\n"
               "time_limit_s = 5\n");
  grader.Write("tests/three.in", "3\n");
  grader.Write("tests/three.out", "6\n");
  grader.Write("tests/big.in", "250\n");
  grader.Write("tests/big.out", "500\n");
  const HttpResponse attached = api.AttachGrader(lab_id, grader.Pack(), author.access_token);
  ASSERT_EQ(attached.status, 201) << attached.body;

  const std::string project = grading::MakeTestArchive(
      {{.name = "solution/main.c",
        .content = "#include <stdio.h>\n#include \"twice.h\"\n"
                   "int main(void) { int n; scanf(\"%d\", &n); printf(\"%d\\n\", twice(n)); }\n"},
       {.name = "solution/twice.c",
        .content = "#include \"twice.h\"\nint twice(int n) { return 2 * n; }\n"},
       {.name = "solution/twice.h", .content = "int twice(int n);\n"}});
  const int64_t submitted = api.SubmitFile(lab_id, "solution.zip", project, learner.access_token);
  ASSERT_NE(submitted, 0);
  const nlohmann::json graded = api.WaitForGrading(submitted, learner.access_token, Finished);
  EXPECT_EQ(graded["status"], "done") << graded;
  EXPECT_EQ(graded["score"], 2.0) << graded;
  ASSERT_EQ(graded["results"]["tests"].size(), 2u) << graded;
  EXPECT_EQ(graded["results"]["tests"][0]["status"], "passed") << graded;
  EXPECT_EQ(graded["results"]["tests"][1]["status"], "passed") << graded;

  const std::string escaping =
      grading::MakeTestArchive({{.name = "main.c", .content = "int main(void) { return 0; }\n"},
                                {.name = "../../outside.c", .content = "int x;\n"}});
  const int64_t escaped = api.SubmitFile(lab_id, "escape.zip", escaping, escaper.access_token);
  ASSERT_NE(escaped, 0);
  const nlohmann::json rejected = api.WaitForGrading(escaped, escaper.access_token, Finished);
  EXPECT_EQ(rejected["status"], "done") << rejected;
  EXPECT_EQ(rejected["score"], 0.0) << rejected;
  EXPECT_EQ(rejected["results"].value("output", ""),
            "The zip file escape.zip was not unpacked: its entry ../../outside.c has an absolute "
            "path or a '..' segment.")
      << rejected;
  ASSERT_EQ(rejected["results"]["tests"].size(), 2u) << rejected;
  EXPECT_EQ(rejected["results"]["tests"][0]["output"],
            "Not run, because the submission was rejected.")
      << rejected;
}

int64_t Balance(HttpClient& http, const TestUser& user) {
  return http.Get("/api/v1/users/me", user.access_token).Json().value("balance", int64_t{-1});
}

HttpResponse DeleteSubmission(HttpClient& http, int64_t submission_id, const TestUser& user) {
  return http.Send({.method = "DELETE",
                    .path = "/api/v1/submissions/" + std::to_string(submission_id),
                    .bearer_token = user.access_token});
}

// The points pay for the grading, so deleting a submission after the grader has run on it
// refunds nothing. Otherwise submitting, waiting for the result and deleting would repeat the
// grading for free.
TEST_P(GradingApiTest, DeletingGradedSubmissionRefundsNothing) {
  const TestUser author = Register("refund-author");
  const TestUser learner = Register("refund-learner");
  GradingClient api = grading();
  const int64_t lab_id = api.CreateLab(author.access_token);
  ASSERT_EQ(api.AttachGrader(lab_id, DoubleGraderArchive(), author.access_token).status, 201);
  const int64_t balance = Balance(client(), learner);

  const int64_t submission_id = api.Submit(lab_id, kDoubleProgram, learner.access_token);
  const nlohmann::json graded = api.WaitForGrading(submission_id, learner.access_token, Finished);
  EXPECT_EQ(graded["status"], "done");
  EXPECT_EQ(Balance(client(), learner), balance - 1);
  const HttpResponse deleted = DeleteSubmission(client(), submission_id, learner);

  ASSERT_EQ(deleted.status, 200) << deleted.body;
  EXPECT_EQ(deleted.Json()["id"], submission_id);
  EXPECT_EQ(deleted.Json()["refunded_points"], 0);
  EXPECT_EQ(deleted.Json()["grading_started"], true);
  const std::string message = deleted.Json().value("message", "");
  EXPECT_NE(message.find("without a refund"), std::string::npos) << message;
  EXPECT_EQ(Balance(client(), learner), balance - 1);
  ExpectErrorResponse(
      client().Get("/api/v1/submissions/" + std::to_string(submission_id), learner.access_token),
      404, "not_found");
}

// A lab without a grader never grades, so deleting its submission refunds the points.
TEST_P(GradingApiTest, DeletingUngradedSubmissionRefunds) {
  const TestUser author = Register("refund-plain-author");
  const TestUser learner = Register("refund-plain-learner");
  GradingClient api = grading();
  const int64_t lab_id = api.CreateLab(author.access_token);
  const int64_t balance = Balance(client(), learner);
  const int64_t submission_id = api.Submit(lab_id, kDoubleProgram, learner.access_token);
  EXPECT_EQ(Balance(client(), learner), balance - 1);

  const HttpResponse deleted = DeleteSubmission(client(), submission_id, learner);

  ASSERT_EQ(deleted.status, 200) << deleted.body;
  EXPECT_EQ(deleted.Json()["refunded_points"], 1);
  EXPECT_EQ(deleted.Json()["grading_started"], false);
  EXPECT_EQ(deleted.Json().value("message", ""),
            "The submission was deleted and its 1 point refunded.");
  EXPECT_EQ(Balance(client(), learner), balance);
}

TEST_P(GradingApiTest, RejectsInvalidGraderUploads) {
  const TestUser author = Register("grader-invalid");
  GradingClient api = grading();
  const int64_t lab_id = api.CreateLab(author.access_token);
  GraderArchive broken;
  broken.Write("grader.toml", "run = \"cat\"\ntime_limit_s = -1\n");
  broken.Write("tests/a.in", "x");

  const HttpResponse invalid = api.AttachGrader(lab_id, broken.Pack(), author.access_token);
  const HttpResponse garbage = api.AttachGrader(lab_id, "not an archive", author.access_token);
  const HttpResponse wrong_field =
      SendForm(client(), "PUT", "/api/v1/labs/" + std::to_string(lab_id) + "/grader",
               {{"files[]", DoubleGraderArchive(), "g.tgz"}}, author.access_token);
  const HttpResponse missing_lab =
      api.AttachGrader(999999999, DoubleGraderArchive(), author.access_token);

  ExpectErrorResponse(invalid, 422, "validation_failed");
  const std::string details = invalid.Json()["error"]["details"].dump();
  EXPECT_NE(details.find("grader/time_limit_s"), std::string::npos) << details;
  EXPECT_NE(details.find("grader/tests/a.out"), std::string::npos) << details;
  ExpectErrorResponse(garbage, 422, "validation_failed");
  ExpectErrorResponse(wrong_field, 422, "validation_failed");
  ExpectErrorResponse(missing_lab, 404, "not_found");
  ExpectErrorResponse(client().Get("/api/v1/labs/" + std::to_string(lab_id) + "/grader"), 404,
                      "not_found");
}

TEST_P(GradingApiTest, RegradeShowsChangedScoresAndSimilarity) {
  const TestUser author = Register("regrade-author");
  const TestUser first = Register("regrade-first");
  const TestUser second = Register("regrade-second");
  GradingClient api = grading();
  const int64_t lab_id = api.CreateLab(author.access_token);
  ASSERT_EQ(api.AttachGrader(lab_id, DoubleGraderArchive(), author.access_token).status, 201);
  const int64_t right = api.Submit(lab_id,
                                   "def double(number):\n    result = 0\n    for _ in range(2):\n"
                                   "        result = result + number\n    return result\n\n"
                                   "text = input().strip()\nvalue = int(text)\n"
                                   "print(double(value))\n",
                                   first.access_token);
  // The same program with other names and layout: the similarity report must pair the two.
  const int64_t copied = api.Submit(lab_id,
                                    "def twice(n):\n  acc = 0\n  for _ in range(2):\n"
                                    "    acc = acc + n  # add\n  return acc\n"
                                    "line = input().strip()\nx = int(line)\nprint(twice(x))\n",
                                    second.access_token);
  api.WaitForGrading(right, author.access_token, Finished);
  api.WaitForGrading(copied, author.access_token, Finished);

  // Version 2 expects 201 for 100, which both programs now fail.
  GraderArchive changed;
  changed.Write("grader.toml", "run = \"python3 double.py\"\nhidden = [\"hidden/*\"]\n");
  changed.Write("tests/one.in", "1\n");
  changed.Write("tests/one.out", "2\n");
  changed.Write("tests/hidden/big.in", "100\n");
  changed.Write("tests/hidden/big.out", "201\n");
  ASSERT_EQ(api.AttachGrader(lab_id, changed.Pack(), author.access_token).status, 201);
  const std::string lab_path = "/api/v1/labs/" + std::to_string(lab_id);
  ExpectErrorResponse(client().PostEmpty(lab_path + "/grader/regrade", first.access_token), 403,
                      "permission_denied");
  const HttpResponse regrade =
      client().PostEmpty(lab_path + "/grader/regrade", author.access_token);
  ASSERT_EQ(regrade.status, 202) << regrade.body;
  EXPECT_EQ(regrade.Json()["queued"], 2);
  const std::string batch = regrade.Json()["batch"];
  nlohmann::json jobs;
  for (int i = 0; i < 600; ++i) {
    jobs = client().Get(lab_path + "/grading-jobs?batch=" + batch, author.access_token).Json();
    if (jobs.value("done", 0) + jobs.value("failed", 0) == 2) {
      break;
    }
    std::this_thread::sleep_for(100ms);
  }
  EXPECT_EQ(jobs["done"], 2) << jobs;
  EXPECT_EQ(jobs["changed"], 2) << jobs;
  for (const nlohmann::json& item : jobs["items"]) {
    EXPECT_EQ(item["previous_score"], 2.0);
    EXPECT_EQ(item["score"], 1.0);
  }

  const HttpResponse similar =
      client().Get(lab_path + "/similarity?threshold=0.5", author.access_token);
  ASSERT_EQ(similar.status, 200) << similar.body;
  ASSERT_EQ(similar.Json()["pairs"].size(), 1u) << similar.body;
  EXPECT_GE(similar.Json()["pairs"][0]["score"].get<double>(), 0.5);
  ExpectErrorResponse(client().Get(lab_path + "/similarity", first.access_token), 403,
                      "permission_denied");
  ExpectErrorResponse(client().Get(lab_path + "/similarity?threshold=2", author.access_token), 422,
                      "validation_failed");
  for (const char* threshold : {"nan", "NaN", "-nan", "inf", "infinity", "-inf"}) {
    ExpectErrorResponse(
        client().Get(lab_path + "/similarity?threshold=" + threshold, author.access_token), 422,
        "validation_failed");
  }
  for (const std::string& malformed : std::vector<std::string>{
           "x", "not-a-batch", batch.substr(1), batch + "0", std::string(36, '-'),
           "ABCDEF01-2345-4678-89ab-0123456789ab", "0123456789ab-4678-89ab-0123-45678901"}) {
    ExpectErrorResponse(
        client().Get(lab_path + "/grading-jobs?batch=" + malformed, author.access_token), 422,
        "validation_failed");
  }

  ASSERT_EQ(client()
                .Send({.method = "DELETE",
                       .path = lab_path + "/grader",
                       .bearer_token = author.access_token})
                .status,
            204);
  ExpectErrorResponse(client().PostEmpty(lab_path + "/grader/regrade", author.access_token), 409,
                      "failed_precondition");
  const nlohmann::json detached = client().Get(lab_path + "?count_view=false").Json();
  EXPECT_EQ(detached["grading"]["has_grader"], false) << detached;
  EXPECT_EQ(detached["grading"]["had_grader"], true) << detached;
}

INSTANTIATE_TEST_SUITE_P(Engines, GradingApiTest, ::testing::ValuesIn(storage::TestDialects()),
                         DialectTestName);

// A server killed with SIGKILL in the middle of a grading job: no process of the job's sandbox
// outlives the server, after a restart the job's lease expires, another attempt runs it, and
// exactly one result is stored.
class GradingRestartTest : public ::testing::TestWithParam<storage::Dialect> {};

// The real uid and state ("R", "S", "Z", ...) of the process /proc/PID/status describes.
std::pair<uid_t, std::string> UidAndState(const std::filesystem::path& process_dir) {
  std::ifstream status(process_dir / "status");
  std::string line;
  uid_t uid = 0;
  std::string state;
  while (std::getline(status, line)) {
    if (line.starts_with("State:")) {
      std::istringstream(line.substr(6)) >> state;
    } else if (line.starts_with("Uid:")) {
      std::istringstream(line.substr(4)) >> uid;
    }
  }
  return {uid, state};
}

// The uids of the processes whose command line contains `marker`, after waiting up to five
// seconds for the first one to appear.
std::set<uid_t> UidsOfProcessesWith(const std::string& marker) {
  std::set<uid_t> uids;
  for (int attempt = 0; attempt < 100 && uids.empty(); ++attempt) {
    std::error_code error;
    for (const auto& entry : std::filesystem::directory_iterator("/proc", error)) {
      std::ifstream cmdline(entry.path() / "cmdline");
      std::stringstream text;
      text << cmdline.rdbuf();
      if (text.str().find(marker) != std::string::npos) {
        uids.insert(UidAndState(entry.path()).first);
      }
    }
    if (uids.empty()) {
      std::this_thread::sleep_for(50ms);
    }
  }
  return uids;
}

// The number of processes, zombies left out, that run under one of `uids`, after waiting up to
// three seconds for it to drop to zero.
int LiveProcessCount(const std::set<uid_t>& uids) {
  int count = 0;
  for (int attempt = 0; attempt < 60; ++attempt) {
    count = 0;
    std::error_code error;
    for (const auto& entry : std::filesystem::directory_iterator("/proc", error)) {
      const auto [uid, state] = UidAndState(entry.path());
      count += uids.contains(uid) && !state.empty() && state != "Z" ? 1 : 0;
    }
    if (count == 0) {
      break;
    }
    std::this_thread::sleep_for(50ms);
  }
  return count;
}

TEST_P(GradingRestartTest, KilledServerJobRunsOnceAfterRestart) {
  if (PostgresMissing(GetParam())) {
    GTEST_SKIP() << kNoPostgresMessage;
  }
  auto started = ServerProcess::Start(
      {.dialect = GetParam(),
       .config_toml = "[log]\nlevel = \"info\"\n[grading]\nworkers = 1\nlease_seconds = 2\n"});
  ASSERT_TRUE(started.has_value()) << started.error();
  ServerProcess& server = **started;
  auto http = std::make_unique<HttpClient>(server.base_url());
  GradingClient api{*http};
  const TestUser author = RegisterUser(*http, "restart-author");
  const TestUser learner = RegisterUser(*http, "restart-learner");
  const int64_t lab_id = api.CreateLab(author.access_token);
  // The daemon leaves the shell's process group and session, and the marker names the job's
  // sandbox processes on this machine.
  const std::string marker = "restart-marker-" + NewUuid();
  ASSERT_EQ(api.AttachGrader(lab_id,
                             DoubleGraderArchive("(setsid sleep 60 &); sleep 3; python3 double.py"
                                                 " # " +
                                                 marker),
                             author.access_token)
                .status,
            201);
  const int64_t submission_id = api.Submit(lab_id, kDoubleProgram, learner.access_token);
  api.WaitForGrading(submission_id, author.access_token, [](const nlohmann::json& grading) {
    return grading.value("status", "") == "running";
  });
  const std::set<uid_t> sandbox_uids = UidsOfProcessesWith(marker);
  EXPECT_FALSE(sandbox_uids.empty()) << "no sandbox process of the job was seen";

  const ProcessResult killed = server.Kill();
  EXPECT_TRUE(WIFSIGNALED(killed.wait_status)) << killed.Describe();
  // Checked before the restart, whose new attempt may lease the same uid.
  if (geteuid() == 0) {
    // The block derived from the data folder starts at 1,000,000, so a uid below it would be
    // the shared sandbox account or root.
    for (const uid_t uid : sandbox_uids) {
      EXPECT_GE(uid, 1'000'000u) << "the job did not run under a leased uid";
    }
    EXPECT_EQ(LiveProcessCount(sandbox_uids), 0) << "a sandbox process outlived the server";
  }
  const auto restarted = server.Restart();
  ASSERT_TRUE(restarted.has_value()) << restarted.error();
  http = std::make_unique<HttpClient>(server.base_url());
  GradingClient after{*http};
  const nlohmann::json result = after.WaitForGrading(submission_id, author.access_token, Finished);

  EXPECT_EQ(result["status"], "done") << result;
  EXPECT_EQ(result["attempts"], 2) << result;
  EXPECT_EQ(result["score"], 2.0) << result;
  Result<std::unique_ptr<storage::Database>> database =
      storage::Database::Open(server.database_url(), 1);
  ASSERT_TRUE(database.has_value()) << database.error().internal;
  long long jobs = 0;
  long long done = 0;
  (*database)->WithSession<void>([&](soci::session& session) -> Status {
    const long long id = submission_id;
    session << "SELECT COUNT(*) FROM grading_jobs WHERE submission_id = :id", soci::use(id),
        soci::into(jobs);
    session << "SELECT COUNT(*) FROM grading_jobs WHERE submission_id = :id AND status = 'done' "
               "AND finished_at IS NOT NULL AND lease_token IS NULL",
        soci::use(id), soci::into(done);
    return {};
  });
  EXPECT_EQ(jobs, 1);
  EXPECT_EQ(done, 1);
  EXPECT_NE(server.ReadOutput().find("lease expired, taking it over"), std::string::npos);
  EXPECT_TRUE(server.Stop().ExitedWithZero());
}

// The state a crash between a submission's commit and its job's insert leaves: the submission
// exists and its job does not. The restarted server queues the job and grades the submission.
TEST_P(GradingRestartTest, SubmissionWithoutJobGradedAfterRestart) {
  if (PostgresMissing(GetParam())) {
    GTEST_SKIP() << kNoPostgresMessage;
  }
  auto started = ServerProcess::Start(
      {.dialect = GetParam(), .config_toml = "[log]\nlevel = \"info\"\n[grading]\nworkers = 1\n"});
  ASSERT_TRUE(started.has_value()) << started.error();
  ServerProcess& server = **started;
  auto http = std::make_unique<HttpClient>(server.base_url());
  GradingClient api{*http};
  const TestUser author = RegisterUser(*http, "lost-author");
  const TestUser learner = RegisterUser(*http, "lost-learner");
  const int64_t lab_id = api.CreateLab(author.access_token);
  ASSERT_EQ(api.AttachGrader(lab_id, DoubleGraderArchive(), author.access_token).status, 201);
  const int64_t submission_id = api.Submit(lab_id, kDoubleProgram, learner.access_token);
  api.WaitForGrading(submission_id, author.access_token, Finished);
  ASSERT_TRUE(server.Stop().ExitedWithZero());

  Result<std::unique_ptr<storage::Database>> database =
      storage::Database::Open(server.database_url(), 1);
  ASSERT_TRUE(database.has_value()) << database.error().internal;
  (*database)->WithSession<void>([&](soci::session& session) -> Status {
    session << "DELETE FROM grading_jobs WHERE submission_id = :id",
        soci::use(static_cast<long long>(submission_id));
    return {};
  });
  const auto restarted = server.Restart();
  ASSERT_TRUE(restarted.has_value()) << restarted.error();
  http = std::make_unique<HttpClient>(server.base_url());
  GradingClient after{*http};
  const nlohmann::json result = after.WaitForGrading(submission_id, author.access_token, Finished);

  EXPECT_EQ(result["status"], "done") << result;
  EXPECT_EQ(result["attempts"], 1) << result;
  EXPECT_EQ(result["score"], 2.0) << result;
  EXPECT_NE(server.ReadOutput().find("had no grading job; queued it now"), std::string::npos);
  EXPECT_TRUE(server.Stop().ExitedWithZero());
}

INSTANTIATE_TEST_SUITE_P(Engines, GradingRestartTest, ::testing::ValuesIn(storage::TestDialects()),
                         DialectTestName);

}  // namespace
}  // namespace openlabs::integration
