#include "services/labs/view_counts.h"

#include <utility>

namespace openlabs::labs {

bool PendingViews::Add(long long lab_id, Clock::time_point now) {
  std::lock_guard lock(mutex_);
  if (total_ == 0) {
    oldest_ = now;
  }
  ++counts_[lab_id];
  ++total_;
  return total_ >= kMaxCount || now - oldest_ >= kMaxAge;
}

long long PendingViews::Count(long long lab_id) const {
  std::lock_guard lock(mutex_);
  const auto found = counts_.find(lab_id);
  return found == counts_.end() ? 0 : found->second;
}

std::unordered_map<long long, long long> PendingViews::Take() {
  std::lock_guard lock(mutex_);
  total_ = 0;
  return std::exchange(counts_, {});
}

}  // namespace openlabs::labs
