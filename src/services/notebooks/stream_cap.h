// The limit on what one cell run prints, shared by live sessions and headless runs.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace openlabs::notebooks {

// Bytes of stdout and stderr together that one run of a cell keeps.
inline constexpr size_t kMaxStreamBytesPerRun = size_t{1} << 20;

// Appended to the stream that reached the limit, so the reader sees that text is missing.
inline constexpr std::string_view kStreamTruncatedMarker = "\n[output truncated after 1 MiB]\n";

// Counts the bytes a cell run prints and cuts them at kMaxStreamBytesPerRun. Not thread-safe.
class StreamCap {
 public:
  // Returns the part of `text` to keep: all of it below the limit; the prefix up to the limit
  // (cut at a UTF-8 character boundary) followed by kStreamTruncatedMarker when this text
  // reaches it; nothing once the run was truncated.
  std::string Take(std::string_view text);

  // Starts counting a new run of the cell.
  void Reset() {
    bytes_ = 0;
    truncated_ = false;
  }

  bool truncated() const { return truncated_; }

 private:
  size_t bytes_ = 0;
  bool truncated_ = false;
};

}  // namespace openlabs::notebooks
