#include "services/notebooks/notebook_cli.h"

#include <fstream>
#include <iostream>
#include <sstream>

#include "services/notebooks/notebook_runner.h"

namespace openlabs::notebooks {

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
  run_command_->add_option("--cell-cpu-seconds", cell_cpu_seconds_,
                           "CPU time limit of one cell, in seconds (default: 30)");
  run_command_->add_option("--cell-wall-seconds", cell_wall_seconds_,
                           "Wall-clock limit of one cell, in seconds (default: 120)");
  run_command_->add_option("--timeout", timeout_seconds_,
                           "Wall-clock limit of the whole run, in seconds (default: 900)");
}

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
  Result<NotebookReport> report = RunNotebook(source.str(), options);
  if (!report) {
    std::cerr << "error: cannot run the notebook: " << report.error().message << " "
              << report.error().internal << "\n";
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
