#pragma once

#include <filesystem>
#include <memory>
#include <optional>

#include "sandbox/uid_lease.h"
#include "services/notebooks/cell_syntax.h"

namespace openlabs::notebooks {

// A CellSyntaxChecker that runs the kernel's check_syntax.py under /usr/bin/python3 in a
// sandbox (no network, the kernel sources read-only, CPU, memory, process and time limits), one
// process per Check call. `kernel_dir` is the kernel directory (FindKernelDir). As root, each
// Check leases a uid of `uid_block` for its sandbox, so that the processes of grading jobs and
// notebook sessions do not count towards its process limit. Without a block the checks run
// under sandbox::DefaultSandboxUser() and share that limit with every other such sandbox. A
// check fails with kUnavailable when every uid of the block is leased.
std::unique_ptr<CellSyntaxChecker> MakeSandboxedSyntaxChecker(
    std::filesystem::path kernel_dir, std::optional<sandbox::UidBlock> uid_block = std::nullopt);

}  // namespace openlabs::notebooks
