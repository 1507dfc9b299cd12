// Runs a grader folder against a submission folder inside the sandbox.
#pragma once

#include <filesystem>
#include <optional>

#include "common/error.h"
#include "sandbox/sandbox.h"
#include "sandbox/uid_lease.h"
#include "services/grading/grade_report.h"
#include "services/grading/grader_spec.h"

namespace openlabs::grading {

struct RunnerOptions {
  // Parent folder of the sandboxes' temporary work directories; empty means the system's.
  std::filesystem::path work_parent;
  // RLIMIT_NPROC of every sandboxed run: processes and threads of the job's uid.
  int max_processes = 64;
  // Output of a program beyond this many bytes per stream is dropped; the test then fails.
  size_t max_output_bytes = 4 << 20;
  // Characters of actual output quoted in a failed test's message.
  size_t quoted_output_chars = 2000;
  // As root, each RunGrader call leases one uid of this block and runs all the sandboxes of its
  // job under it, so that one job's processes never count towards another job's RLIMIT_NPROC.
  // Unset: every job runs under sandbox::DefaultSandboxUser(), and all jobs share that limit.
  std::optional<sandbox::UidBlock> uid_block;
  // The uid to run as, in place of one leased from uid_block.
  std::optional<sandbox::SandboxUser> user;
  std::filesystem::path bwrap_path = "/usr/bin/bwrap";
};

// Grades `submission_dir` with the grader in `grader_dir`, whose grader.toml is `spec`.
//
// A stdin/stdout grader copies the submission into a fresh sandbox, runs `build` there once, then
// pipes each test's input into `run` and compares the output (or runs `checker` in a second
// sandbox that contains the grader's files). A failed build fails every test. A command grader runs
// `command` with the Gradescope layout and reads the results.json it writes.
//
// Errors are failures of the machinery (the sandbox cannot start, a file cannot be copied, no
// uid of the block is free): the caller may retry them. Failures of the learner's code, and a broken grader (reported in
// GradeReport::grader_error), are results.
Result<GradeReport> RunGrader(const GraderSpec& spec, const std::filesystem::path& grader_dir,
                              const std::filesystem::path& submission_dir,
                              const RunnerOptions& options = {});

// Builds the report for a submission that cannot be graded as sent, such as one with a rejected
// zip file: `reason` as the output, and each test of a stdin/stdout grader failed with score 0. A
// command grader's tests are unknown without running it, so its report has none.
GradeReport RejectedSubmissionReport(const GraderSpec& spec, const std::string& reason);

}  // namespace openlabs::grading
