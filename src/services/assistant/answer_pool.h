#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace openlabs::assistant {

// Threads that stream chat answers, apart from the HTTP worker pool, because one answer may wait
// on a model for a minute. Tasks beyond the queue limit are rejected, not queued. Thread-safe.
class AnswerPool {
 public:
  AnswerPool(int threads, size_t max_queued);
  ~AnswerPool();  // runs the queued tasks, then joins
  AnswerPool(const AnswerPool&) = delete;
  AnswerPool& operator=(const AnswerPool&) = delete;

  // Queues a task; false when max_queued tasks already wait.
  bool Submit(std::function<void()> task);

 private:
  void Run();

  const size_t max_queued_;
  std::mutex mutex_;
  std::condition_variable ready_;
  std::deque<std::function<void()>> tasks_;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace openlabs::assistant
