#include "services/notebooks/sandboxed_syntax_checker.h"

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include "sandbox/sandbox.h"
#include "services/notebooks/notebook_runner.h"

namespace openlabs::notebooks {
namespace {

using nlohmann::json;

class SandboxedSyntaxChecker final : public CellSyntaxChecker {
 public:
  SandboxedSyntaxChecker(std::filesystem::path kernel_dir,
                         std::optional<sandbox::UidBlock> uid_block)
      : kernel_dir_(std::move(kernel_dir)), uid_block_(std::move(uid_block)) {
    if (geteuid() != 0) {
      spdlog::warn(
          "The server does not run as root, so cell syntax checks run under its own uid and "
          "share one process limit");
    } else if (!uid_block_) {
      spdlog::warn("No sandbox uid block is set, so cell syntax checks share the uid {}",
                   sandbox::DefaultSandboxUser().uid);
    }
  }

  Result<std::vector<std::optional<std::string>>> Check(
      const std::vector<std::string>& codes) override {
    if (codes.empty()) {
      return std::vector<std::optional<std::string>>();
    }
    Result<sandbox::SandboxUserLease> lease =
        sandbox::LeaseSandboxUser(uid_block_, "openlabs-syntax-check");
    if (!lease) {
      return Fail(lease.error());
    }
    sandbox::Options options;
    options.user = lease->user();
    options.binds.push_back({kernel_dir_, kKernelMountPoint, false});
    options.env = {{"PYTHONDONTWRITEBYTECODE", "1"}};
    // Parsing, unlike running, needs little: these bound a hostile cell that nests deeply.
    options.limits.cpu_seconds = 20;
    options.limits.memory_bytes = 512ull << 20;
    // On a uid of its own the check needs few processes: bwrap and the parser, which executes
    // no cell code. On a shared uid, RLIMIT_NPROC counts every process of that uid (the server's
    // own threads when it does not run as root), so only a high limit lets the check start.
    options.limits.max_processes = lease->leased() ? 16 : 4096;
    options.limits.max_file_bytes = 1 << 20;
    sandbox::RunOptions run;
    run.wall_timeout = std::chrono::seconds(30);
    // A message per cell: the parser's text and a line number.
    run.max_output_bytes = 64 + codes.size() * 512;

    // Invalid UTF-8 is replaced, so that dump() cannot throw; the service rejects such text
    // before it gets here.
    const std::string input = json(codes).dump(-1, ' ', false, json::error_handler_t::replace);
    Result<sandbox::RunResult> ran = sandbox::Run(
        {"/usr/bin/python3", "-I", std::string(kKernelMountPoint) + "/check_syntax.py"}, input,
        options, run);
    if (!ran) {
      return Fail(ran.error());
    }
    if (ran->timed_out || ran->status.exit_code != 0) {
      return Fail(Error::Internal("the cell syntax check failed (" +
                                  DescribeKernelExit(ran->status) +
                                  "): " + ran->stderr_text.substr(0, 500)));
    }
    return ParseOutput(ran->stdout_text, codes.size());
  }

 private:
  static Result<std::vector<std::optional<std::string>>> ParseOutput(const std::string& output,
                                                                     size_t expected) {
    const json parsed = json::parse(output, nullptr, false);
    if (!parsed.is_array() || parsed.size() != expected) {
      return Fail(Error::Internal("the cell syntax check wrote an unexpected result: " +
                                  output.substr(0, 200)));
    }
    std::vector<std::optional<std::string>> errors;
    for (const json& entry : parsed) {
      if (entry.is_string()) {
        errors.emplace_back(entry.get<std::string>());
      } else {
        errors.emplace_back(std::nullopt);
      }
    }
    return errors;
  }

  std::filesystem::path kernel_dir_;
  std::optional<sandbox::UidBlock> uid_block_;
};

}  // namespace

std::unique_ptr<CellSyntaxChecker> MakeSandboxedSyntaxChecker(
    std::filesystem::path kernel_dir, std::optional<sandbox::UidBlock> uid_block) {
  return std::make_unique<SandboxedSyntaxChecker>(std::move(kernel_dir), std::move(uid_block));
}

}  // namespace openlabs::notebooks
