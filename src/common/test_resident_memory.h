// Test support: the memory use of the test process, for tests that bound a transfer's memory.
#pragma once

#include <cstdint>
#include <fstream>
#include <string>

namespace openlabs::test_support {

// The resident set size of this process in KiB, from /proc/self/status; -1 when it is not there.
inline int64_t ResidentKiB() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.starts_with("VmRSS:")) {
      return std::stoll(line.substr(6));
    }
  }
  return -1;
}

}  // namespace openlabs::test_support
