// The `openlabs notebook` subcommands, kept here so that main() only wires them.
#pragma once

#include <CLI/CLI.hpp>
#include <optional>
#include <string>

namespace openlabs::notebooks {

class NotebookCommand {
 public:
  // Adds `notebook run FILE.py [--assets DIR] [--format text|json] [--config FILE]
  // [--data-dir DIR]` to `app`.
  explicit NotebookCommand(CLI::App& app);

  // True when the command line selected `notebook run`.
  bool Selected() const;
  // Runs the selected command and returns the process exit code: 0 when every cell ran, 1 when
  // a cell failed, 2 when the notebook could not be run at all.
  int Run() const;

 private:
  CLI::App* run_command_ = nullptr;
  std::string file_;
  std::optional<std::string> assets_;
  std::string format_ = "text";
  double cell_cpu_seconds_ = 30;
  double cell_wall_seconds_ = 120;
  int timeout_seconds_ = 900;
  std::optional<std::string> config_file_;
  std::optional<std::string> data_dir_;
};

}  // namespace openlabs::notebooks
