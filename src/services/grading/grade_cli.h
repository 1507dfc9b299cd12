// The `openlabs grade` command, kept here so that main() only wires it.
#pragma once

#include <CLI/CLI.hpp>
#include <optional>
#include <string>

namespace openlabs::grading {

class GradeCommand {
 public:
  // Adds `grade --grader DIR --submission DIR [--format text|json] [--config FILE]
  // [--data-dir DIR]` to `app`.
  explicit GradeCommand(CLI::App& app);

  // True when the command line selected `grade`.
  bool Selected() const;
  // Runs the grader and returns the process exit code: 0 when every test passed, 1 when a test
  // failed, 2 when the grader is invalid or could not run.
  int Run() const;

 private:
  CLI::App* command_ = nullptr;
  std::string grader_dir_;
  std::string submission_dir_;
  std::string format_ = "text";
  std::optional<std::string> config_file_;
  std::optional<std::string> data_dir_;
};

}  // namespace openlabs::grading
