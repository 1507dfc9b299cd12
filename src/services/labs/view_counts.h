#pragma once

#include <chrono>
#include <mutex>
#include <unordered_map>

namespace openlabs::labs {

// Views of labs counted in memory and not yet written to the database. Writing each view in its
// own transaction made every GET of a lab wait for SQLite's single write lock, so the labs
// service writes the counted views in one transaction once they are due (see Add). Thread-safe.
class PendingViews {
 public:
  using Clock = std::chrono::steady_clock;

  // Views are due once the oldest of them is this old, or once this many are counted.
  static constexpr Clock::duration kMaxAge = std::chrono::seconds(1);
  static constexpr long long kMaxCount = 1000;

  // Counts one view of `lab_id` and returns whether the counted views are due to be written.
  bool Add(long long lab_id, Clock::time_point now = Clock::now());

  // The views of `lab_id` counted and not yet taken.
  long long Count(long long lab_id) const;

  // Removes and returns every counted view, by lab id.
  std::unordered_map<long long, long long> Take();

 private:
  mutable std::mutex mutex_;
  std::unordered_map<long long, long long> counts_;
  long long total_ = 0;
  Clock::time_point oldest_;
};

}  // namespace openlabs::labs
