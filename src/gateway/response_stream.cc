#include "gateway/response_stream.h"

namespace openlabs::gateway {

bool ResponseStream::Write(std::string_view bytes) {
  std::unique_lock lock(mutex_);
  drained_.wait(lock, [this] { return cancelled_ || pending_.size() <= kMaxPendingBytes; });
  if (cancelled_ || closed_) {
    return false;
  }
  pending_.append(bytes);
  Notify(lock);
  return true;
}

void ResponseStream::Close() {
  std::unique_lock lock(mutex_);
  closed_ = true;
  Notify(lock);
}

bool ResponseStream::cancelled() const {
  std::lock_guard lock(mutex_);
  return cancelled_;
}

void ResponseStream::SetNotifier(std::function<void()> notifier) {
  std::lock_guard lock(mutex_);
  notifier_ = std::move(notifier);
}

void ResponseStream::Take(std::string& out, bool& closed) {
  std::lock_guard lock(mutex_);
  out.swap(pending_);
  pending_.clear();
  closed = closed_;
  drained_.notify_all();
}

void ResponseStream::Cancel() {
  std::unique_lock lock(mutex_);
  cancelled_ = true;
  drained_.notify_all();
  Notify(lock);
}

// Calls the notifier outside the lock, because it may post work that takes the lock again.
void ResponseStream::Notify(std::unique_lock<std::mutex>& lock) {
  std::function<void()> notifier = notifier_;
  lock.unlock();
  if (notifier) {
    notifier();
  }
}

std::string ServerSentEvent(std::string_view name, std::string_view data) {
  std::string event = "event: ";
  event += name;
  event += '\n';
  size_t start = 0;
  for (;;) {
    const size_t end = data.find('\n', start);
    event += "data: ";
    event += data.substr(start, end == std::string_view::npos ? end : end - start);
    event += '\n';
    if (end == std::string_view::npos) {
      break;
    }
    start = end + 1;
  }
  event += '\n';
  return event;
}

}  // namespace openlabs::gateway
