// The response messages of grading.proto, built from the rows of the grading tables.
#pragma once

#include <cstdint>
#include <string>

#include "common/error.h"
#include "openlabs/v1/grading.pb.h"
#include "services/grading/grade_report.h"
#include "services/grading/grader_spec.h"
#include "services/grading/job_queue.h"

namespace openlabs::grading {

// A row of lab_graders.
struct GraderRow {
  int64_t id = 0;
  int64_t version = 0;
  std::string blob_key;
  std::string archive_name;
  std::string sha256;
  int64_t size = 0;
  std::string summary_json;  // the settings and tests that SpecSummaryJson wrote
  int64_t uploaded_by = 0;
  int64_t created_at = 0;
};

// The grader's settings and tests as stored in lab_graders.summary_json, with the field names
// of the Grader message.
std::string SpecSummaryJson(const GraderSpec& spec);

// The grader of lab `lab_id`. `manager` (the lab's author or a moderator) adds the settings,
// the tests and the archive's details.
v1::Grader GraderMessage(int64_t lab_id, const GraderRow& row, bool manager);

v1::GradeResults ResultsMessage(const GradeReport& report);

// Reads a report as JobQueue::Complete stored it in grading_jobs.result_json.
Result<GradeReport> StoredReport(const std::string& result_json);

v1::GradingJob JobMessage(const JobRow& row);

// The job with its stored result. Without `all_tests`, the submitter's view: the visible tests
// with the score summed over them, the number of hidden tests, and no previous score.
v1::SubmissionGrading SubmissionGradingMessage(const JobRow& row, bool all_tests);

}  // namespace openlabs::grading
