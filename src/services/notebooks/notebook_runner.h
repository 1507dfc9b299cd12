// Headless notebook runs: every cell of a marimo notebook, in dependency order, in a sandboxed
// kernel, with widgets at their defaults. Used by `openlabs notebook run` and by CI.
#pragma once

#include <chrono>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "common/error.h"
#include "sandbox/sandbox.h"

namespace openlabs::notebooks {

// Mount point of the kernel's Python sources inside the sandbox.
inline constexpr const char* kKernelMountPoint = "/opt/openlabs/kernel";

// The kernel directory: $OPENLABS_KERNEL_DIR when set, else where `cmake --install` puts it
// relative to the running binary (../share/openlabs/kernel from bin/), else `kernel/` next to the
// build tree of the running binary (the build copies it to ${CMAKE_BINARY_DIR}/kernel).
Result<std::filesystem::path> FindKernelDir();

// The command line that starts the kernel inside the sandbox, with its per-cell limits.
std::vector<std::string> KernelCommand(double cell_cpu_seconds, double cell_wall_seconds);

// Why the kernel process ended, in words for a cell's error or a log line.
std::string DescribeKernelExit(const sandbox::ExitStatus& status);

struct RunOptions {
  std::filesystem::path kernel_dir;
  // Files copied into the sandbox's /work, where cells open them by relative path.
  std::optional<std::filesystem::path> assets_dir;
  // The uid the kernel runs under, such as one leased from the notebook sandboxes' block; empty
  // means sandbox::DefaultSandboxUser().
  std::optional<sandbox::SandboxUser> user;
  // Limits of the whole kernel process. limits.cpu_seconds is the session's total CPU time.
  sandbox::Limits limits = {.cpu_seconds = 600};
  double cell_cpu_seconds = 30;
  double cell_wall_seconds = 120;
  std::chrono::seconds total_timeout{900};
};

// One output of a cell: a MIME type and its data (text, HTML, or base64 for images).
struct CellOutput {
  std::string mime;
  std::string data;
};

struct CellReport {
  std::string id;
  std::string name;
  std::string status = "stale";  // queued, running, done, error or stale (not run)
  double duration_ms = 0;
  std::optional<CellOutput> output;
  std::string stdout_text;
  std::string stderr_text;
  std::string error_kind;  // exception, graph, syntax, ancestor, timeout, unsupported, kernel
  std::string error_message;
  std::string traceback;
};

struct NotebookReport {
  std::vector<CellReport> cells;
  // Set when the kernel could not open the notebook or died.
  std::string kernel_error;

  bool Succeeded() const;
};

// Runs every cell of the notebook source in a fresh sandboxed kernel.
Result<NotebookReport> RunNotebook(const std::string& source, const RunOptions& options);

// A human-readable report: one block per cell with its status, output and error.
std::string FormatText(const NotebookReport& report);
nlohmann::json ToJson(const NotebookReport& report);

}  // namespace openlabs::notebooks
