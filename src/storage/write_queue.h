#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

namespace openlabs::storage {

// A first-come, first-served lock for the writers of one SQLite file in this process.
//
// SQLite lets one connection write at a time, and a connection that finds the file locked
// sleeps and retries (the busy handler) instead of queueing. A thread that commits and begins
// its next write transaction at once can therefore win the lock again and again, and starve
// other threads past busy_timeout. Writers that take a turn here before BEGIN IMMEDIATE are
// granted the file in the order they asked, so a background writer hands over to a foreground
// one after its current transaction. Writers in other processes still meet SQLite's busy
// handler. Thread-safe.
class WriteQueue {
 public:
  // The queue of the SQLite file at `path`, shared by every Database in this process that opens
  // the same file (compared after making the path absolute and resolving symbolic links).
  static std::shared_ptr<WriteQueue> ForFile(const std::string& path);

  // Waits until every earlier caller has released its turn, then holds the turn. Returns false
  // and leaves the queue when `timeout` passes first. A thread that already holds the turn gets
  // it again at once (each Acquire then needs its own Release).
  bool Acquire(std::chrono::milliseconds timeout);
  void Release();

  // The number of callers waiting for their turn.
  size_t waiting() const;

 private:
  mutable std::mutex mutex_;
  std::condition_variable released_;
  std::deque<uint64_t> waiting_;  // tickets, in arrival order
  uint64_t next_ticket_ = 0;
  bool held_ = false;
  std::thread::id holder_;
  int depth_ = 0;  // Acquire calls of the holder not yet released
};

// Holds a turn of a WriteQueue until destroyed; does nothing for a null queue.
class WriteTurn {
 public:
  WriteTurn() = default;
  explicit WriteTurn(WriteQueue* queue) : queue_(queue) {}
  ~WriteTurn() {
    if (queue_ != nullptr) {
      queue_->Release();
    }
  }
  WriteTurn(const WriteTurn&) = delete;
  WriteTurn& operator=(const WriteTurn&) = delete;

 private:
  WriteQueue* queue_ = nullptr;
};

}  // namespace openlabs::storage
