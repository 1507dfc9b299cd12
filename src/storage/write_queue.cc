#include "storage/write_queue.h"

#include <algorithm>
#include <filesystem>
#include <map>

namespace openlabs::storage {

std::shared_ptr<WriteQueue> WriteQueue::ForFile(const std::string& path) {
  static std::mutex registry_mutex;
  static std::map<std::string, std::weak_ptr<WriteQueue>> registry;

  std::error_code error;
  std::string key = std::filesystem::weakly_canonical(path, error).string();
  if (error) {
    key = std::filesystem::absolute(path, error).string();
  }
  std::lock_guard lock(registry_mutex);
  std::weak_ptr<WriteQueue>& entry = registry[key];
  std::shared_ptr<WriteQueue> queue = entry.lock();
  if (!queue) {
    queue = std::make_shared<WriteQueue>();
    entry = queue;
  }
  // Entries of closed databases are dropped here, so the map stays as small as the set of
  // files open at once.
  std::erase_if(registry, [](const auto& item) { return item.second.expired(); });
  return queue;
}

bool WriteQueue::Acquire(std::chrono::milliseconds timeout) {
  std::unique_lock lock(mutex_);
  const std::thread::id self = std::this_thread::get_id();
  if (held_ && holder_ == self) {
    ++depth_;
    return true;
  }
  const uint64_t ticket = next_ticket_++;
  waiting_.push_back(ticket);
  const bool turn = released_.wait_for(
      lock, timeout, [&] { return !held_ && waiting_.front() == ticket; });
  if (!turn) {
    waiting_.erase(std::find(waiting_.begin(), waiting_.end(), ticket));
    // This waiter may have been first in line, so the next one may go now.
    released_.notify_all();
    return false;
  }
  waiting_.pop_front();
  held_ = true;
  holder_ = self;
  depth_ = 1;
  return true;
}

void WriteQueue::Release() {
  {
    std::lock_guard lock(mutex_);
    if (--depth_ > 0) {
      return;
    }
    held_ = false;
    holder_ = {};
  }
  // Every waiter checks whether it is first in line. The waiters are few, because each one
  // leases a pooled connection first.
  released_.notify_all();
}

size_t WriteQueue::waiting() const {
  std::lock_guard lock(mutex_);
  return waiting_.size();
}

}  // namespace openlabs::storage
