#include "services/grading/grading_messages.h"

#include <nlohmann/json.hpp>

#include "common/proto_json.h"

namespace openlabs::grading {
namespace {

// Sets the fields that GradingJob and SubmissionGrading share, which have the same names.
template <typename Message>
void FillJobFields(const JobRow& row, Message& message) {
  message.set_job_id(row.id);
  message.set_submission_id(row.submission_id);
  message.set_status(row.status);
  message.set_attempts(row.attempts);
  message.set_created_at(row.created_at);
  message.set_updated_at(row.updated_at);
  if (row.finished_at) {
    message.set_finished_at(*row.finished_at);
  }
  if (row.score) {
    message.set_score(*row.score);
  }
  if (row.max_score) {
    message.set_max_score(*row.max_score);
  }
  if (!row.batch.empty()) {
    message.set_batch(row.batch);
    if (row.previous_score) {
      message.set_previous_score(*row.previous_score);
    }
    if (row.status == "done") {
      message.set_score_changed(row.score != row.previous_score);
    }
  }
  if (!row.error.empty()) {
    message.set_error(row.error);
  }
}

}  // namespace

std::string SpecSummaryJson(const GraderSpec& spec) {
  nlohmann::json tests = nlohmann::json::array();
  for (const TestCase& test : spec.tests) {
    tests.push_back({{"name", test.name},
                     {"visibility", test.hidden ? "hidden" : "visible"},
                     {"max_score", test.max_score}});
  }
  const nlohmann::json summary = {{"kind", spec.command ? "command" : "tests"},
                                  {"language", spec.language},
                                  {"compare", CompareModeName(spec.compare)},
                                  {"has_checker", spec.checker.has_value()},
                                  {"has_build", spec.build.has_value()},
                                  {"time_limit_s", spec.time_limit_s},
                                  {"memory_mb", spec.memory_mb},
                                  {"tests", std::move(tests)}};
  return summary.dump();
}

v1::Grader GraderMessage(int64_t lab_id, const GraderRow& row, bool manager) {
  v1::Grader settings;
  const nlohmann::json summary = nlohmann::json::parse(row.summary_json, nullptr, false);
  if (summary.is_object()) {
    // summary_json is written by SpecSummaryJson only, so a field that does not parse stays
    // unset.
    [[maybe_unused]] Status parsed = JsonToProto(summary, settings, UnknownFields::kIgnore);
  }

  v1::Grader grader;
  grader.set_lab_id(lab_id);
  grader.set_version(row.version);
  grader.set_created_at(row.created_at);
  grader.set_kind(settings.kind());
  grader.set_language(settings.language());
  grader.set_test_count(settings.tests_size());
  if (!manager) {
    return grader;
  }
  if (settings.has_compare()) {
    grader.set_compare(settings.compare());
  }
  if (settings.has_has_checker()) {
    grader.set_has_checker(settings.has_checker());
  }
  if (settings.has_has_build()) {
    grader.set_has_build(settings.has_build());
  }
  if (settings.has_time_limit_s()) {
    grader.set_time_limit_s(settings.time_limit_s());
  }
  if (settings.has_memory_mb()) {
    grader.set_memory_mb(settings.memory_mb());
  }
  *grader.mutable_tests() = settings.tests();
  grader.set_archive_name(row.archive_name);
  grader.set_size(row.size);
  grader.set_sha256(row.sha256);
  grader.set_uploaded_by(row.uploaded_by);
  return grader;
}

v1::GradeResults ResultsMessage(const GradeReport& report) {
  v1::GradeResults results;
  results.set_score(report.score);
  results.set_max_score(report.max_score);
  results.set_output(ToValidUtf8(report.output));
  results.set_execution_time(report.execution_seconds);
  for (const TestResult& test : report.tests) {
    v1::TestResult* added = results.add_tests();
    added->set_name(ToValidUtf8(test.name));
    added->set_score(test.score);
    added->set_max_score(test.max_score);
    added->set_status(test.passed ? "passed" : "failed");
    added->set_output(ToValidUtf8(test.output));
    added->set_visibility(test.visibility);
  }
  if (!report.grader_error.empty()) {
    results.set_grader_error(ToValidUtf8(report.grader_error));
  }
  return results;
}

Result<GradeReport> StoredReport(const std::string& result_json) {
  const nlohmann::json stored = nlohmann::json::parse(result_json, nullptr, false);
  if (stored.is_discarded()) {
    return Fail(Error::Internal("the stored grading result is not JSON"));
  }
  Result<GradeReport> report = ReportFromJson(stored);
  if (!report) {
    return Fail(report.error());
  }
  // ReportFromJson reads only what a grader may write, so the two fields that the server adds
  // are read here.
  if (stored.contains("execution_time") && stored["execution_time"].is_number()) {
    report->execution_seconds = stored["execution_time"].get<double>();
  }
  if (stored.contains("grader_error") && stored["grader_error"].is_string()) {
    report->grader_error = stored["grader_error"].get<std::string>();
  }
  return report;
}

v1::GradingJob JobMessage(const JobRow& row) {
  v1::GradingJob job;
  FillJobFields(row, job);
  return job;
}

v1::SubmissionGrading SubmissionGradingMessage(const JobRow& row, bool all_tests) {
  v1::SubmissionGrading grading;
  FillJobFields(row, grading);
  grading.set_view(all_tests ? "all_tests" : "visible_tests");
  if (!all_tests) {
    grading.clear_previous_score();
    grading.clear_score_changed();
  }
  if (row.result_json.empty()) {
    return grading;
  }
  Result<GradeReport> report = StoredReport(row.result_json);
  if (!report) {
    return grading;
  }
  if (all_tests) {
    *grading.mutable_results() = ResultsMessage(*report);
    return grading;
  }
  const GradeReport view = VisibleView(*report);
  *grading.mutable_results() = ResultsMessage(view);
  if (row.score) {
    grading.set_score(view.score);
    grading.set_max_score(view.max_score);
  }
  grading.set_hidden_tests(static_cast<int32_t>(report->tests.size() - view.tests.size()));
  return grading;
}

}  // namespace openlabs::grading
