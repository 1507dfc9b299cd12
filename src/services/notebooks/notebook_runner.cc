#include "services/notebooks/notebook_runner.h"

#include <poll.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <map>
#include <sstream>

#include "services/notebooks/stream_cap.h"

namespace openlabs::notebooks {
namespace {

using Clock = std::chrono::steady_clock;
using nlohmann::json;

// Text shown in reports is cut here; the JSON report keeps outputs whole.
constexpr size_t kTextPreviewChars = 2000;

// Accumulates kernel events into a report.
class ReportBuilder {
 public:
  NotebookReport report;
  bool finished = false;  // the run_all request completed
  std::string running_cell;
  Clock::time_point running_since;

  void Apply(const json& event) {
    const std::string type = event.value("type", "");
    if (type == "notebook") {
      for (const json& cell : event["cells"]) {
        CellReport entry;
        entry.id = cell.value("id", "");
        entry.name = cell.value("name", "_");
        index_[entry.id] = report.cells.size();
        report.cells.push_back(std::move(entry));
      }
    } else if (type == "failed") {
      report.kernel_error = event.value("message", "the kernel rejected a request");
      finished = true;
    } else if (type == "done" && event.value("request", json()) == json(2)) {
      finished = true;
    } else if (CellReport* cell = Find(event)) {
      ApplyCellEvent(type, event, *cell);
    }
  }

 private:
  std::map<std::string, size_t> index_;
  std::map<std::string, StreamCap> stream_caps_;  // by cell id

  CellReport* Find(const json& event) {
    const json& id = event.contains("cell") ? event["cell"] : json();
    if (!id.is_string()) {
      return nullptr;
    }
    auto found = index_.find(id.get<std::string>());
    return found == index_.end() ? nullptr : &report.cells[found->second];
  }

  void ApplyCellEvent(const std::string& type, const json& event, CellReport& cell) {
    if (type == "status") {
      cell.status = event.value("status", "");
      cell.duration_ms = event.value("duration_ms", cell.duration_ms);
      if (cell.status == "running") {
        stream_caps_[cell.id].Reset();
        running_cell = cell.id;
        running_since = Clock::now();
      } else if (running_cell == cell.id) {
        running_cell.clear();
      }
    } else if (type == "output") {
      if (event["mime"].is_string()) {
        cell.output = CellOutput{event["mime"], event.value("data", "")};
      } else {
        cell.output.reset();
      }
    } else if (type == "stream") {
      (event.value("name", "") == "stderr" ? cell.stderr_text : cell.stdout_text) +=
          stream_caps_[cell.id].Take(event.value("text", ""));
    } else if (type == "error") {
      cell.error_kind = event.value("kind", "");
      cell.error_message = event.value("message", "");
      cell.traceback = event.value("traceback", "");
    }
  }
};

sandbox::Options SandboxOptions(const RunOptions& options, const sandbox::WorkDir& work) {
  sandbox::Options sandbox_options;
  sandbox_options.work_dir = work.path();
  sandbox_options.binds.push_back({options.kernel_dir, kKernelMountPoint, false});
  sandbox_options.limits = options.limits;
  sandbox_options.user = options.user;
  sandbox_options.env = {{"MPLBACKEND", "Agg"},
                         {"MPLCONFIGDIR", "/tmp/matplotlib"},
                         {"OPENBLAS_NUM_THREADS", "1"},
                         {"PYTHONDONTWRITEBYTECODE", "1"}};
  return sandbox_options;
}

// Marks the cell that was running (if any) and every cell not yet run as failed by the kernel.
void ReportKernelDeath(ReportBuilder& builder, const std::string& reason) {
  builder.report.kernel_error = reason;
  for (CellReport& cell : builder.report.cells) {
    if (cell.id == builder.running_cell) {
      cell.status = "error";
      cell.error_kind = "kernel";
      cell.error_message = reason;
    } else if (cell.status == "queued" || cell.status == "running") {
      cell.status = "stale";
    }
  }
}

// Reads complete lines from `fd` into `pending`; returns false at end of file.
bool ReadLines(int fd, std::string& pending, std::vector<std::string>& lines) {
  char buffer[65536];
  const ssize_t got = read(fd, buffer, sizeof(buffer));
  if (got < 0 && errno == EINTR) {
    return true;
  }
  if (got <= 0) {
    return false;
  }
  pending.append(buffer, static_cast<size_t>(got));
  size_t newline;
  while ((newline = pending.find('\n')) != std::string::npos) {
    lines.push_back(pending.substr(0, newline));
    pending.erase(0, newline + 1);
  }
  return true;
}

std::string Preview(const std::string& text) {
  if (text.size() <= kTextPreviewChars) {
    return text;
  }
  return text.substr(0, kTextPreviewChars) + "... (" +
         std::to_string(text.size() - kTextPreviewChars) + " more characters)";
}

}  // namespace

Result<std::filesystem::path> FindKernelDir() {
  if (const char* configured = std::getenv("OPENLABS_KERNEL_DIR"); configured && *configured) {
    return std::filesystem::path(configured);
  }
  std::error_code error;
  const std::filesystem::path binary = std::filesystem::read_symlink("/proc/self/exe", error);
  if (error) {
    return Fail(Error::Internal("cannot find the running binary: " + error.message()));
  }
  const std::filesystem::path installed =
      (binary.parent_path() / OPENLABS_KERNEL_INSTALLED_DIR).lexically_normal();
  if (std::filesystem::exists(installed / "run_kernel.py", error)) {
    return installed;
  }
  // The binary sits in <build>/src/app/; the kernel in <build>/kernel/.
  for (std::filesystem::path dir = binary.parent_path(); !dir.empty() && dir != dir.root_path();
       dir = dir.parent_path()) {
    if (std::filesystem::exists(dir / "kernel" / "run_kernel.py")) {
      return dir / "kernel";
    }
  }
  return Fail(Error::NotFound(
      "the notebook kernel was not found next to " + binary.string() +
      "; build the openlabs target or set OPENLABS_KERNEL_DIR to the kernel/ directory"));
}

std::vector<std::string> KernelCommand(double cell_cpu_seconds, double cell_wall_seconds) {
  std::ostringstream cpu, wall;
  cpu << cell_cpu_seconds;
  wall << cell_wall_seconds;
  return {"/usr/bin/python3",
          "-I",
          std::string(kKernelMountPoint) + "/run_kernel.py",
          "--cell-cpu-seconds",
          cpu.str(),
          "--cell-wall-seconds",
          wall.str()};
}

std::string DescribeKernelExit(const sandbox::ExitStatus& status) {
  if (status.signal != 0) {
    return "the kernel process was killed by signal " + std::to_string(status.signal);
  }
  if (status.exit_code >= 128) {
    return "the kernel process was killed by signal " + std::to_string(status.exit_code - 128) +
           " (a CPU or memory limit, most likely)";
  }
  return "the kernel process exited with code " + std::to_string(status.exit_code);
}

bool NotebookReport::Succeeded() const {
  if (!kernel_error.empty()) {
    return false;
  }
  for (const CellReport& cell : cells) {
    if (cell.status == "error") {
      return false;
    }
  }
  return true;
}

Result<NotebookReport> RunNotebook(const std::string& source, const RunOptions& options) {
  const sandbox::SandboxUser user = options.user.value_or(sandbox::DefaultSandboxUser());
  Result<sandbox::WorkDir> work = sandbox::WorkDir::Create(user);
  if (!work) {
    return Fail(work.error());
  }
  if (options.assets_dir) {
    if (Status copied = work->CopyFrom(*options.assets_dir); !copied) {
      return Fail(copied.error());
    }
  }
  // Notebooks may read their own file through __file__, which the kernel sets to this path.
  if (Status written = work->WriteFile("notebook.py", source); !written) {
    return Fail(written.error());
  }
  Result<std::unique_ptr<sandbox::Process>> kernel =
      sandbox::Spawn(KernelCommand(options.cell_cpu_seconds, options.cell_wall_seconds),
                     SandboxOptions(options, *work));
  if (!kernel) {
    return Fail(kernel.error());
  }
  sandbox::Process& process = **kernel;
  const std::string requests = json({{"type", "open"}, {"id", 1}, {"source", source}}).dump() +
                               "\n" + json({{"type", "run_all"}, {"id", 2}}).dump() + "\n" +
                               json({{"type", "shutdown"}, {"id", 3}}).dump() + "\n";
  ReportBuilder builder;
  if (Status written = process.WriteStdin(requests); !written) {
    ReportKernelDeath(builder, DescribeKernelExit(process.Wait()));
    return builder.report;
  }

  const Clock::time_point deadline = Clock::now() + options.total_timeout;
  const auto cell_guard =
      std::chrono::milliseconds(static_cast<int64_t>(options.cell_wall_seconds * 1000) + 10'000);
  std::string pending, kernel_stderr;
  bool open = true;
  while (open && !builder.finished) {
    pollfd polled[2] = {{process.stdout_fd(), POLLIN, 0}, {process.stderr_fd(), POLLIN, 0}};
    poll(polled, 2, 500);
    if (polled[1].revents != 0) {
      char buffer[4096];
      const ssize_t got = read(process.stderr_fd(), buffer, sizeof(buffer));
      if (got > 0 && kernel_stderr.size() < 65536) {
        kernel_stderr.append(buffer, static_cast<size_t>(got));
      }
    }
    if (polled[0].revents != 0) {
      std::vector<std::string> lines;
      open = ReadLines(process.stdout_fd(), pending, lines);
      for (const std::string& line : lines) {
        json event = json::parse(line, nullptr, false);
        if (!event.is_discarded()) {
          builder.Apply(event);
        }
      }
    }
    const Clock::time_point now = Clock::now();
    const bool cell_stuck =
        !builder.running_cell.empty() && now - builder.running_since > cell_guard;
    if (now > deadline || cell_stuck) {
      process.Kill();
      ReportKernelDeath(builder, "the notebook run timed out and the kernel was stopped");
      return builder.report;
    }
  }
  if (!builder.finished) {
    std::string reason = DescribeKernelExit(process.Wait());
    if (!kernel_stderr.empty()) {
      reason += ": " + Preview(kernel_stderr);
    }
    ReportKernelDeath(builder, reason);
  }
  return builder.report;
}

std::string FormatText(const NotebookReport& report) {
  std::ostringstream out;
  int failed = 0;
  for (const CellReport& cell : report.cells) {
    out << "[" << cell.status << "] cell " << cell.id;
    if (cell.name != "_" && cell.name != "__") {
      out << " (" << cell.name << ")";
    }
    out << " " << cell.duration_ms << " ms\n";
    if (!cell.stdout_text.empty()) {
      out << "  stdout: " << Preview(cell.stdout_text) << "\n";
    }
    if (!cell.stderr_text.empty()) {
      out << "  stderr: " << Preview(cell.stderr_text) << "\n";
    }
    if (cell.output && cell.output->mime.starts_with("text/")) {
      out << "  output (" << cell.output->mime << "): " << Preview(cell.output->data) << "\n";
    } else if (cell.output) {
      out << "  output (" << cell.output->mime << "): " << cell.output->data.size() << " bytes\n";
    }
    if (cell.status == "error") {
      ++failed;
      out << "  error (" << cell.error_kind << "): " << cell.error_message << "\n";
      if (!cell.traceback.empty()) {
        out << Preview(cell.traceback) << "\n";
      }
    }
  }
  if (!report.kernel_error.empty()) {
    out << "kernel error: " << report.kernel_error << "\n";
  }
  out << report.cells.size() << " cells, " << failed << " failed\n";
  return out.str();
}

json ToJson(const NotebookReport& report) {
  json cells = json::array();
  for (const CellReport& cell : report.cells) {
    json entry = {{"id", cell.id},
                  {"name", cell.name},
                  {"status", cell.status},
                  {"duration_ms", cell.duration_ms},
                  {"stdout", cell.stdout_text},
                  {"stderr", cell.stderr_text}};
    if (cell.output) {
      entry["output"] = {{"mime", cell.output->mime}, {"data", cell.output->data}};
    }
    if (cell.status == "error") {
      entry["error"] = {{"kind", cell.error_kind},
                        {"message", cell.error_message},
                        {"traceback", cell.traceback}};
    }
    cells.push_back(std::move(entry));
  }
  json result = {{"cells", std::move(cells)}, {"ok", report.Succeeded()}};
  if (!report.kernel_error.empty()) {
    result["kernel_error"] = report.kernel_error;
  }
  return result;
}

}  // namespace openlabs::notebooks
