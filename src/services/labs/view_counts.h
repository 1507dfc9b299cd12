#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>
#include <unordered_map>

namespace openlabs::labs {

// Views of labs counted in memory and not yet written to the database. Writing each view in its
// own transaction made every GET of a lab wait for SQLite's single write lock, so the labs
// service counts views here and a ViewWriter writes them in one transaction once they are due
// (see Add). Thread-safe.
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

// Writes the views counted in a PendingViews from a thread of its own, so that no request waits
// for the database's write lock to record a view. It writes once the views are due (Notify, or
// kMaxAge after the last write) and a last time on Stop. Thread-safe.
class ViewWriter {
 public:
  // Receives the views taken from the PendingViews, by lab id; never called with none.
  using WriteFunction = std::function<void(const std::unordered_map<long long, long long>&)>;

  ViewWriter(PendingViews& views, WriteFunction write);
  ~ViewWriter();
  ViewWriter(const ViewWriter&) = delete;
  ViewWriter& operator=(const ViewWriter&) = delete;

  // Wakes the thread to write now, because PendingViews::Add returned true.
  void Notify();

  // Ends the thread after writing what is counted. Views counted after Stop stay in the
  // PendingViews until the caller takes them.
  void Stop();

 private:
  void Run();
  void WritePending();

  PendingViews& views_;
  WriteFunction write_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool due_ = false;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace openlabs::labs
