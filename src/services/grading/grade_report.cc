#include "services/grading/grade_report.h"

#include <algorithm>

namespace openlabs::grading {
namespace {

constexpr size_t kMaxTests = 10'000;
constexpr size_t kMaxOutputChars = 64 * 1024;

bool IsVisibility(const std::string& value) {
  return value == "visible" || value == "hidden" || value == "after_due_date" ||
         value == "after_published";
}

std::string Truncate(std::string text) {
  if (text.size() > kMaxOutputChars) {
    text.resize(kMaxOutputChars);
    text += "\n[output truncated]";
  }
  return text;
}

Result<TestResult> ReadTest(const nlohmann::json& item, size_t index) {
  const std::string where = "tests[" + std::to_string(index) + "]";
  if (!item.is_object()) {
    return Fail(Error::InvalidArgument(where + " must be an object"));
  }
  TestResult test;
  test.name = item.value("name", "test " + std::to_string(index + 1));
  if (item.contains("score") && !item["score"].is_number()) {
    return Fail(Error::InvalidArgument(where + ".score must be a number"));
  }
  if (item.contains("max_score") && !item["max_score"].is_number()) {
    return Fail(Error::InvalidArgument(where + ".max_score must be a number"));
  }
  test.score = item.value("score", 0.0);
  test.max_score = item.value("max_score", 0.0);
  if (item.contains("output")) {
    if (!item["output"].is_string()) {
      return Fail(Error::InvalidArgument(where + ".output must be a string"));
    }
    test.output = Truncate(item["output"].get<std::string>());
  }
  test.visibility = item.value("visibility", "visible");
  if (!IsVisibility(test.visibility)) {
    return Fail(Error::InvalidArgument(
        where + ".visibility must be visible, hidden, after_due_date or after_published"));
  }
  if (item.contains("status")) {
    const std::string status = item["status"].is_string() ? item["status"].get<std::string>() : "";
    if (status != "passed" && status != "failed") {
      return Fail(Error::InvalidArgument(where + ".status must be \"passed\" or \"failed\""));
    }
    test.passed = status == "passed";
  } else {
    test.passed = test.score >= test.max_score;
  }
  return test;
}

// The length of the valid UTF-8 sequence at the start of `text`, or 0.
size_t Utf8SequenceLength(std::string_view text) {
  const auto byte = [&](size_t i) { return static_cast<unsigned char>(text[i]); };
  const unsigned char lead = byte(0);
  size_t length = 0;
  uint32_t min_code_point = 0;
  if (lead < 0x80) {
    return 1;
  }
  if ((lead & 0xe0) == 0xc0) {
    length = 2;
    min_code_point = 0x80;
  } else if ((lead & 0xf0) == 0xe0) {
    length = 3;
    min_code_point = 0x800;
  } else if ((lead & 0xf8) == 0xf0) {
    length = 4;
    min_code_point = 0x10000;
  } else {
    return 0;
  }
  if (text.size() < length) {
    return 0;
  }
  uint32_t code_point = lead & (0x7f >> length);
  for (size_t i = 1; i < length; ++i) {
    if ((byte(i) & 0xc0) != 0x80) {
      return 0;
    }
    code_point = (code_point << 6) | (byte(i) & 0x3f);
  }
  const bool surrogate = code_point >= 0xd800 && code_point <= 0xdfff;
  if (code_point < min_code_point || code_point > 0x10ffff || surrogate) {
    return 0;
  }
  return length;
}

}  // namespace

std::string ToValidUtf8(std::string_view text) {
  std::string valid;
  valid.reserve(text.size());
  while (!text.empty()) {
    const size_t length = Utf8SequenceLength(text);
    if (length == 0) {
      valid += "\xEF\xBF\xBD";
      text.remove_prefix(1);
      continue;
    }
    valid.append(text.substr(0, length));
    text.remove_prefix(length);
  }
  return valid;
}

nlohmann::json ReportToJson(const GradeReport& report) {
  nlohmann::json tests = nlohmann::json::array();
  for (const TestResult& test : report.tests) {
    tests.push_back({{"name", ToValidUtf8(test.name)},
                     {"score", test.score},
                     {"max_score", test.max_score},
                     {"status", test.passed ? "passed" : "failed"},
                     {"output", ToValidUtf8(test.output)},
                     {"visibility", test.visibility}});
  }
  nlohmann::json json = {{"score", report.score},
                         {"max_score", report.max_score},
                         {"output", ToValidUtf8(report.output)},
                         {"execution_time", report.execution_seconds},
                         {"tests", std::move(tests)}};
  if (!report.grader_error.empty()) {
    json["grader_error"] = ToValidUtf8(report.grader_error);
  }
  return json;
}

Result<GradeReport> ReportFromJson(const nlohmann::json& json) {
  if (!json.is_object()) {
    return Fail(Error::InvalidArgument("results.json must contain a JSON object"));
  }
  GradeReport report;
  if (json.contains("tests")) {
    const nlohmann::json& tests = json["tests"];
    if (!tests.is_array() || tests.size() > kMaxTests) {
      return Fail(Error::InvalidArgument("tests must be an array of at most 10000 tests"));
    }
    for (size_t i = 0; i < tests.size(); ++i) {
      Result<TestResult> test = ReadTest(tests[i], i);
      if (!test) {
        return Fail(test.error());
      }
      report.max_score += test->max_score;
      report.score += test->score;
      report.tests.push_back(std::move(*test));
    }
  }
  if (json.contains("score")) {
    if (!json["score"].is_number()) {
      return Fail(Error::InvalidArgument("score must be a number"));
    }
    report.score = json["score"].get<double>();
  } else if (!json.contains("tests")) {
    return Fail(Error::InvalidArgument("results.json needs a score or a tests array"));
  }
  if (json.contains("max_score") && json["max_score"].is_number()) {
    report.max_score = json["max_score"].get<double>();
  }
  if (json.contains("output") && json["output"].is_string()) {
    report.output = Truncate(json["output"].get<std::string>());
  }
  return report;
}

GradeReport VisibleView(const GradeReport& report) {
  GradeReport view;
  view.output = report.output;
  view.execution_seconds = report.execution_seconds;
  view.grader_error = report.grader_error.empty() ? "" : "the grader failed";
  if (report.tests.empty()) {
    view.score = report.score;
    view.max_score = report.max_score;
    return view;
  }
  for (const TestResult& test : report.tests) {
    if (test.visibility != "visible") {
      continue;
    }
    view.score += test.score;
    view.max_score += test.max_score;
    view.tests.push_back(test);
  }
  return view;
}

int CountPassed(const GradeReport& report) {
  return static_cast<int>(std::count_if(report.tests.begin(), report.tests.end(),
                                        [](const TestResult& test) { return test.passed; }));
}

}  // namespace openlabs::grading
