#include "common/rate_limiter.h"

namespace openlabs {

std::optional<int> RateLimiter::RetryAfter(std::string_view key, int64_t now_seconds) {
  std::lock_guard lock(mutex_);
  auto it = windows_.find(std::string(key));
  if (it == windows_.end() || now_seconds >= it->second.start + window_seconds_) {
    return std::nullopt;
  }
  if (it->second.count < limit_) {
    return std::nullopt;
  }
  return static_cast<int>(it->second.start + window_seconds_ - now_seconds);
}

void RateLimiter::Record(std::string_view key, int64_t now_seconds) {
  std::lock_guard lock(mutex_);
  PruneLocked(now_seconds);
  Window& window = windows_[std::string(key)];
  if (now_seconds >= window.start + window_seconds_) {
    window.start = now_seconds;
    window.count = 0;
  }
  ++window.count;
}

void RateLimiter::Reset(std::string_view key) {
  std::lock_guard lock(mutex_);
  windows_.erase(std::string(key));
}

void RateLimiter::PruneLocked(int64_t now_seconds) {
  // Expired windows are dropped at most once per window, so memory stays bounded by the number
  // of keys seen in the last two windows.
  if (now_seconds < last_prune_ + window_seconds_) {
    return;
  }
  last_prune_ = now_seconds;
  std::erase_if(windows_, [&](const auto& entry) {
    return now_seconds >= entry.second.start + window_seconds_;
  });
}

}  // namespace openlabs
