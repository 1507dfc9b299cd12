#pragma once

#include <condition_variable>
#include <cstddef>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>

namespace openlabs::gateway {

// A response body that another thread writes over time, such as a stream of server-sent events.
// A handler sets Response::stream, hands the stream to a producer thread and returns at once.
// The server sends the head with "Transfer-Encoding: chunked", then each batch of written bytes
// as one chunk as soon as it arrives, and the last chunk after Close. Thread-safe.
class ResponseStream {
 public:
  // Queues bytes for the client. Blocks while more than max_pending_bytes wait to be sent.
  // Returns false once the stream is cancelled (the client went away or the server stops), so
  // the producer should stop. Writing after Close is ignored and returns false.
  bool Write(std::string_view bytes);

  // Ends the body after the queued bytes.
  void Close();

  bool cancelled() const;

  // Server side: called from any thread after every Write, Close and Cancel.
  void SetNotifier(std::function<void()> notifier);
  // Server side: moves the queued bytes into `out` (replacing its content) and sets `closed`
  // when the producer has closed the stream.
  void Take(std::string& out, bool& closed);
  // Server side: the client is gone; wakes a blocked Write and makes later ones fail.
  void Cancel();

  static constexpr size_t kMaxPendingBytes = 1 << 20;

 private:
  void Notify(std::unique_lock<std::mutex>& lock);

  mutable std::mutex mutex_;
  std::condition_variable drained_;
  std::string pending_;
  bool closed_ = false;
  bool cancelled_ = false;
  std::function<void()> notifier_;
};

// One server-sent event: "event: NAME" and one "data:" line per line of `data`, then a blank
// line.
std::string ServerSentEvent(std::string_view name, std::string_view data);

}  // namespace openlabs::gateway
