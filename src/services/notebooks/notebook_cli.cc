#include "services/notebooks/notebook_cli.h"

#include <unistd.h>

#include <fstream>
#include <iostream>
#include <sstream>

#include "common/config.h"
#include "sandbox/uid_lease.h"
#include "services/notebooks/notebook_runner.h"

namespace openlabs::notebooks {
namespace {

// Rejects a number of seconds outside [min, max], in the words of the server's configuration
// check, so that CLI11 reports a usage error before the run starts.
CLI::Validator SecondsBetween(int min, int max) {
  const std::string range = "between " + std::to_string(min) + " and " + std::to_string(max);
  return CLI::Validator(
      [min, max, range](std::string& input) -> std::string {
        double seconds = 0;
        if (!CLI::detail::lexical_cast(input, seconds) || !(seconds >= min && seconds <= max)) {
          return "must be " + range + " seconds, got " + input;
        }
        return "";
      },
      "SECONDS " + range);
}

}  // namespace

NotebookCommand::NotebookCommand(CLI::App& app) {
  CLI::App* notebook = app.add_subcommand("notebook", "Work with marimo notebooks");
  notebook->require_subcommand(1);
  run_command_ = notebook->add_subcommand(
      "run",
      "Run every cell of a notebook in the sandbox, widgets at their defaults, and print "
      "each cell's status and output");
  run_command_->add_option("file", file_, "Notebook in marimo's .py format")
      ->required()
      ->check(CLI::ExistingFile);
  run_command_
      ->add_option("--assets", assets_,
                   "Folder whose files are copied into the notebook's working directory")
      ->check(CLI::ExistingDirectory);
  run_command_->add_option("--format", format_, "Output format: text or json (default: text)")
      ->check(CLI::IsMember({"text", "json"}));
  // The ranges of notebooks.cell_cpu_seconds and notebooks.cell_wall_seconds in the server's
  // configuration.
  run_command_
      ->add_option("--cell-cpu-seconds", cell_cpu_seconds_,
                   "CPU time limit of one cell, in seconds (default: 30)")
      ->check(SecondsBetween(1, 3600));
  run_command_
      ->add_option("--cell-wall-seconds", cell_wall_seconds_,
                   "Wall-clock limit of one cell, in seconds (default: 120)")
      ->check(SecondsBetween(1, 7200));
  run_command_
      ->add_option("--timeout", timeout_seconds_,
                   "Wall-clock limit of the whole run, in seconds (default: 900)")
      ->check(SecondsBetween(1, 86400));
  run_command_
      ->add_option("--config", config_file_,
                   "TOML configuration file whose [notebooks] sandbox uid block the run uses")
      ->check(CLI::ExistingFile);
  run_command_->add_option("--data-dir", data_dir_,
                           "Data folder of the server whose derived uid block the run uses "
                           "(default: ./data)");
}

namespace {

// Leases a uid from the notebook sandboxes' block of the configuration, as the server's
// sessions do, so that a run shares its process limit and files with no session or other run.
Result<sandbox::UidLease> LeaseRunUid(const std::optional<std::string>& config_file,
                                      const std::optional<std::string>& data_dir) {
  Result<sandbox::UidBlock> block = sandbox::LoadConfiguredUidBlock(config_file, data_dir);
  if (!block) {
    return Fail(block.error());
  }
  return sandbox::LeaseUid(*block);
}

void PrintError(const char* action, const Error& error) {
  std::cerr << "error: " << action << ": " << error.message;
  if (!error.internal.empty()) {
    std::cerr << " " << error.internal;
  }
  std::cerr << "\n";
  for (const FieldViolation& problem : error.details) {
    std::cerr << "  " << problem.field << ": " << problem.message << "\n";
  }
}

}  // namespace

bool NotebookCommand::Selected() const { return run_command_ != nullptr && *run_command_; }

int NotebookCommand::Run() const {
  std::ifstream file(file_);
  std::stringstream source;
  source << file.rdbuf();
  if (!file) {
    std::cerr << "error: cannot read " << file_ << "\n";
    return 2;
  }
  Result<std::filesystem::path> kernel_dir = FindKernelDir();
  if (!kernel_dir) {
    std::cerr << "error: " << kernel_dir.error().message << "\n";
    return 2;
  }
  RunOptions options;
  options.kernel_dir = *kernel_dir;
  if (assets_) {
    options.assets_dir = *assets_;
  }
  options.cell_cpu_seconds = cell_cpu_seconds_;
  options.cell_wall_seconds = cell_wall_seconds_;
  options.total_timeout = std::chrono::seconds(timeout_seconds_);
  // Only root can switch uids; an unprivileged caller runs the kernel as itself.
  std::optional<sandbox::UidLease> lease;
  if (geteuid() == 0) {
    Result<sandbox::UidLease> leased = LeaseRunUid(config_file_, data_dir_);
    if (!leased) {
      PrintError("cannot take a sandbox uid", leased.error());
      return 2;
    }
    lease.emplace(std::move(*leased));
    options.user = sandbox::SandboxUser{lease->uid(), lease->uid(), "openlabs-run"};
  }
  Result<NotebookReport> report = RunNotebook(source.str(), options);
  if (lease) {
    sandbox::KillProcessesOfUid(lease->uid());
  }
  if (!report) {
    PrintError("cannot run the notebook", report.error());
    return 2;
  }
  if (format_ == "json") {
    std::cout << ToJson(*report).dump(2) << "\n";
  } else {
    std::cout << FormatText(*report);
  }
  return report->Succeeded() ? 0 : 1;
}

}  // namespace openlabs::notebooks
