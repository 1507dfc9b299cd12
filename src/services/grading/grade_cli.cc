#include "services/grading/grade_cli.h"

#include <unistd.h>

#include <cstdio>
#include <iostream>

#include "services/grading/grader_runner.h"

namespace openlabs::grading {
namespace {

void PrintText(const GradeReport& report) {
  if (!report.output.empty()) {
    std::cout << report.output << "\n\n";
  }
  for (const TestResult& test : report.tests) {
    std::cout << (test.passed ? "passed " : "FAILED ") << test.name;
    if (test.visibility != "visible") {
      std::cout << " (" << test.visibility << ")";
    }
    std::cout << "  " << test.score << "/" << test.max_score << "\n";
    if (!test.passed && !test.output.empty()) {
      std::cout << "  " << test.output << "\n";
    }
  }
  if (!report.grader_error.empty()) {
    std::cout << "grader error: " << report.grader_error << "\n";
  }
  char summary[160];
  std::snprintf(summary, sizeof(summary), "score %g/%g, %d of %zu tests passed, %.2f s\n",
                report.score, report.max_score, CountPassed(report), report.tests.size(),
                report.execution_seconds);
  std::cout << summary;
}

}  // namespace

GradeCommand::GradeCommand(CLI::App& app) {
  command_ = app.add_subcommand(
      "grade",
      "Run a grader folder once against a submission folder, in the sandbox, and print the "
      "results (Gradescope's results.json shape with --format json)");
  command_->add_option("--grader", grader_dir_, "Folder with grader.toml and its tests/")
      ->required()
      ->check(CLI::ExistingDirectory);
  command_->add_option("--submission", submission_dir_, "Folder with the submission's files")
      ->required()
      ->check(CLI::ExistingDirectory);
  command_->add_option("--format", format_, "Output format: text or json (default: text)")
      ->check(CLI::IsMember({"text", "json"}));
  command_
      ->add_option("--config", config_file_,
                   "TOML configuration file whose [notebooks] sandbox uid block the run leases "
                   "its uid from")
      ->check(CLI::ExistingFile);
  command_->add_option("--data-dir", data_dir_,
                       "Data folder of the server whose derived uid block the run uses "
                       "(default: ./data)");
  command_->footer(
      "Exit status: 0 when every test passed, 1 when a test failed or the grader reported an "
      "error, 2 when the grader folder is invalid or the sandbox could not run.");
}

bool GradeCommand::Selected() const { return command_ != nullptr && *command_; }

int GradeCommand::Run() const {
  Result<GraderSpec> spec = LoadGraderSpec(grader_dir_);
  if (!spec) {
    std::cerr << "error: the grader in " << grader_dir_ << " is invalid\n";
    for (const FieldViolation& problem : spec.error().details) {
      std::cerr << "  " << problem.field << ": " << problem.message << "\n";
    }
    return 2;
  }
  RunnerOptions options;
  // As root, the run leases a uid from the server's block, as each grading job of the server
  // does. An unprivileged caller cannot switch uids and runs the grader as itself.
  if (geteuid() == 0) {
    Result<sandbox::UidBlock> block = sandbox::LoadConfiguredUidBlock(config_file_, data_dir_);
    if (!block) {
      std::cerr << "error: cannot read the sandbox uid block: " << block.error().message << "\n";
      for (const FieldViolation& problem : block.error().details) {
        std::cerr << "  " << problem.field << ": " << problem.message << "\n";
      }
      return 2;
    }
    options.uid_block = *block;
  }
  Result<GradeReport> report = RunGrader(*spec, grader_dir_, submission_dir_, options);
  if (!report) {
    std::cerr << "error: cannot run the grader: " << report.error().message << " "
              << report.error().internal << "\n";
    return 2;
  }
  if (format_ == "json") {
    std::cout << ReportToJson(*report).dump(2) << "\n";
  } else {
    PrintText(*report);
  }
  const bool all_passed = report->grader_error.empty() &&
                          CountPassed(*report) == static_cast<int>(report->tests.size()) &&
                          report->score >= report->max_score;
  return all_passed ? 0 : 1;
}

}  // namespace openlabs::grading
