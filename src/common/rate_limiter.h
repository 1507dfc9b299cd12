#pragma once

#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

namespace openlabs {

// Counts events per key in fixed windows and reports when a key is over its limit. Thread-safe.
// NOTE: counts live in this process's memory, so with several processes behind a load balancer
// each process enforces the limit on its own share of the traffic.
class RateLimiter {
 public:
  RateLimiter(int limit, int window_seconds) : limit_(limit), window_seconds_(window_seconds) {}

  // Seconds until `key` may act again, or nullopt when it is under the limit. Does not count.
  std::optional<int> RetryAfter(std::string_view key, int64_t now_seconds);

  // Counts one event for `key`.
  void Record(std::string_view key, int64_t now_seconds);

  // Forgets `key`, for example after a successful login.
  void Reset(std::string_view key);

 private:
  struct Window {
    int64_t start = 0;
    int count = 0;
  };

  void PruneLocked(int64_t now_seconds);

  const int limit_;
  const int window_seconds_;
  std::mutex mutex_;
  std::unordered_map<std::string, Window> windows_;
  int64_t last_prune_ = 0;
};

}  // namespace openlabs
