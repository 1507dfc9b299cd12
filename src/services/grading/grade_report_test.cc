#include "services/grading/grade_report.h"

#include <gtest/gtest.h>

namespace openlabs::grading {
namespace {

TEST(ReportFromJson, ReadsGradescopeResults) {
  const nlohmann::json json = nlohmann::json::parse(R"({
    "tests": [
      {"name": "adds", "score": 2, "max_score": 2, "output": "ok", "visibility": "visible"},
      {"name": "edge", "score": 0, "max_score": 3, "visibility": "hidden", "status": "failed"}
    ]
  })");

  Result<GradeReport> report = ReportFromJson(json);

  ASSERT_TRUE(report.has_value()) << report.error().message;
  EXPECT_DOUBLE_EQ(report->score, 2);
  EXPECT_DOUBLE_EQ(report->max_score, 5);
  ASSERT_EQ(report->tests.size(), 2u);
  EXPECT_TRUE(report->tests[0].passed);
  EXPECT_EQ(report->tests[0].output, "ok");
  EXPECT_FALSE(report->tests[1].passed);
  EXPECT_EQ(report->tests[1].visibility, "hidden");
}

TEST(ReportFromJson, TopLevelScoreWins) {
  Result<GradeReport> report = ReportFromJson(
      nlohmann::json::parse(R"({"score": 7.5, "tests": [{"score": 1, "max_score": 1}]})"));

  ASSERT_TRUE(report.has_value());
  EXPECT_DOUBLE_EQ(report->score, 7.5);
}

TEST(ReportFromJson, RejectsInvalidFields) {
  const char* invalid[] = {
      R"([1, 2])",
      R"({"output": "no score"})",
      R"({"tests": [{"score": "ten"}]})",
      R"({"tests": [{"score": 1, "visibility": "sometimes"}]})",
      R"({"tests": [{"score": 1, "status": "maybe"}]})",
      R"({"tests": {"name": "not an array"}})",
  };
  for (const char* text : invalid) {
    Result<GradeReport> report = ReportFromJson(nlohmann::json::parse(text));
    EXPECT_FALSE(report.has_value()) << text;
  }
}

TEST(ReportToJson, WritesStatusPerTest) {
  GradeReport report;
  report.score = 1;
  report.max_score = 2;
  report.tests.push_back({"a", 1, 1, true, "", "visible"});
  report.tests.push_back({"b", 0, 1, false, "wrong", "hidden"});

  const nlohmann::json json = ReportToJson(report);

  EXPECT_EQ(json["score"], 1);
  EXPECT_EQ(json["max_score"], 2);
  EXPECT_EQ(json["tests"][0]["status"], "passed");
  EXPECT_EQ(json["tests"][1]["status"], "failed");
  EXPECT_EQ(json["tests"][1]["visibility"], "hidden");
  Result<GradeReport> again = ReportFromJson(json);
  ASSERT_TRUE(again.has_value());
  EXPECT_EQ(again->tests.size(), 2u);
}

TEST(ReportToJson, ReplacesInvalidUtf8) {
  GradeReport report;
  report.output = "build \x92 log";
  report.tests.push_back({"a", 0, 1, false, "bad \xff\xfe bytes, good \xc3\xa9", "visible"});

  const nlohmann::json json = ReportToJson(report);

  EXPECT_EQ(json["output"], "build \xEF\xBF\xBD log");
  EXPECT_EQ(json["tests"][0]["output"], "bad \xEF\xBF\xBD\xEF\xBF\xBD bytes, good \xc3\xa9");
  EXPECT_NO_THROW(json.dump());
}

TEST(ToValidUtf8, RejectsOverlongAndSurrogates) {
  EXPECT_EQ(ToValidUtf8("\xc0\xaf"), "\xEF\xBF\xBD\xEF\xBF\xBD");
  EXPECT_EQ(ToValidUtf8("\xed\xa0\x80"), "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");
  EXPECT_EQ(ToValidUtf8("\xf0\x9f\x98\x80"), "\xf0\x9f\x98\x80");
  EXPECT_EQ(ToValidUtf8("cut \xe2\x82"), "cut \xEF\xBF\xBD\xEF\xBF\xBD");
}

TEST(VisibleView, DropsHiddenTestsAndTheirScore) {
  GradeReport report;
  report.score = 3;
  report.max_score = 4;
  report.tests.push_back({"a", 1, 1, true, "", "visible"});
  report.tests.push_back({"b", 2, 2, true, "", "hidden"});
  report.tests.push_back({"c", 0, 1, false, "", "after_due_date"});

  const GradeReport view = VisibleView(report);

  ASSERT_EQ(view.tests.size(), 1u);
  EXPECT_EQ(view.tests[0].name, "a");
  EXPECT_DOUBLE_EQ(view.score, 1);
  EXPECT_DOUBLE_EQ(view.max_score, 1);
}

}  // namespace
}  // namespace openlabs::grading
