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

ViewWriter::ViewWriter(PendingViews& views, WriteFunction write)
    : views_(views), write_(std::move(write)), thread_([this] { Run(); }) {}

ViewWriter::~ViewWriter() { Stop(); }

void ViewWriter::Notify() {
  std::lock_guard lock(mutex_);
  due_ = true;
  wake_.notify_one();
}

void ViewWriter::Stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
    wake_.notify_one();
  }
  if (thread_.joinable()) {
    thread_.join();
  }
}

void ViewWriter::Run() {
  for (;;) {
    bool stopping = false;
    {
      std::unique_lock lock(mutex_);
      // The thread wakes at least every kMaxAge, so a view waits about that long at most.
      wake_.wait_for(lock, PendingViews::kMaxAge, [this] { return due_ || stopping_; });
      due_ = false;
      stopping = stopping_;
    }
    WritePending();
    if (stopping) {
      return;
    }
  }
}

void ViewWriter::WritePending() {
  const std::unordered_map<long long, long long> views = views_.Take();
  if (!views.empty()) {
    write_(views);
  }
}

}  // namespace openlabs::labs
