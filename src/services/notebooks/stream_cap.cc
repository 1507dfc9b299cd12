#include "services/notebooks/stream_cap.h"

namespace openlabs::notebooks {

std::string StreamCap::Take(std::string_view text) {
  if (truncated_) {
    return {};
  }
  if (bytes_ + text.size() <= kMaxStreamBytesPerRun) {
    bytes_ += text.size();
    return std::string(text);
  }
  size_t keep = kMaxStreamBytesPerRun - bytes_;
  // Continuation bytes (10xxxxxx) belong to the character before them, so the cut moves back
  // to the first byte of a character.
  while (keep > 0 && (static_cast<unsigned char>(text[keep]) & 0xC0) == 0x80) {
    --keep;
  }
  truncated_ = true;
  bytes_ = kMaxStreamBytesPerRun;
  std::string kept(text.substr(0, keep));
  kept += kStreamTruncatedMarker;
  return kept;
}

}  // namespace openlabs::notebooks
