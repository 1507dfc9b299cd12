#pragma once

#include <filesystem>
#include <memory>

#include "services/notebooks/cell_syntax.h"

namespace openlabs::notebooks {

// A CellSyntaxChecker that runs the kernel's check_syntax.py under /usr/bin/python3 in a
// sandbox (no network, the kernel sources read-only, CPU, memory and time limits), one process
// per Check call. `kernel_dir` is the kernel directory (FindKernelDir).
std::unique_ptr<CellSyntaxChecker> MakeSandboxedSyntaxChecker(std::filesystem::path kernel_dir);

}  // namespace openlabs::notebooks
