#pragma once

#include <chrono>
#include <cstdint>

namespace openlabs {

// Milliseconds since the Unix epoch. All stored times use this unit.
inline int64_t NowMillis() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

inline int64_t NowSeconds() { return NowMillis() / 1000; }

}  // namespace openlabs
