// Grading results in the shape of Gradescope's results.json, so that graders written for that
// convention port over: an overall score and a list of tests with name, score, max_score,
// output, visibility and status.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "common/error.h"

namespace openlabs::grading {

struct TestResult {
  std::string name;
  double score = 0;
  double max_score = 0;
  bool passed = false;
  std::string output;
  // "visible", "hidden", "after_due_date" or "after_published", as in Gradescope. Learners see
  // only "visible" tests, because labs have no due date or publication step.
  std::string visibility = "visible";
};

struct GradeReport {
  double score = 0;
  double max_score = 0;
  std::string output;  // text for the whole run, such as a build log
  std::vector<TestResult> tests;
  double execution_seconds = 0;
  // Set when the grader itself is broken (invalid results.json, missing file): no grade exists.
  // The learner's code failing is not a grader error.
  std::string grader_error;
};

// The report as results.json: {"score", "max_score", "output", "execution_time", "tests": [...]},
// each test with "status" "passed" or "failed".
nlohmann::json ReportToJson(const GradeReport& report);

// Reads a results.json written by a command grader. Without a top-level "score" the score is the
// sum of the tests' scores; a test without "status" has passed when its score reaches its
// max_score. kInvalidArgument names the field at fault.
Result<GradeReport> ReportFromJson(const nlohmann::json& json);

// The part of a report that the submitter may see: the visible tests, with the score and
// max_score summed over them.
GradeReport VisibleView(const GradeReport& report);

// `text` with each byte that is not part of valid UTF-8 replaced by U+FFFD, because programs may
// print any bytes and JSON strings must be UTF-8.
std::string ToValidUtf8(std::string_view text);

// Counts the passed tests.
int CountPassed(const GradeReport& report);

}  // namespace openlabs::grading
