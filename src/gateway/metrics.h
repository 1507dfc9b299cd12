#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace openlabs::gateway {

// The "method" label of a request. Methods outside this list count as "other", so that a client
// cannot create new time series by inventing methods.
enum class MethodLabel : uint8_t {
  kGet,
  kHead,
  kPost,
  kPut,
  kPatch,
  kDelete,
  kOptions,
  kOther,
};

MethodLabel MethodLabelFor(std::string_view method);

// Request counters and latency histograms of the HTTP server, rendered in the Prometheus text
// format 0.0.4. Each io thread writes its own shard, so recording takes only that shard's lock,
// which no other thread holds except during Render.
class HttpMetrics {
 public:
  explicit HttpMetrics(size_t shard_count);
  ~HttpMetrics();
  HttpMetrics(const HttpMetrics&) = delete;
  HttpMetrics& operator=(const HttpMetrics&) = delete;

  // Adds `delta` to the in-flight gauge. `shard` is the index of the calling io thread.
  void AddInFlight(size_t shard, int delta);

  // Counts one finished request. `route` must stay valid as long as this object, because the
  // series are keyed by its address; route patterns and string literals qualify.
  void Record(size_t shard, std::string_view route, MethodLabel method, int status, double seconds);

  // All series: openlabs_http_requests_total, openlabs_http_request_duration_seconds and
  // openlabs_http_requests_in_flight. Safe to call from any thread.
  std::string Render() const;

 private:
  struct Shard;

  std::unique_ptr<Shard[]> shards_;
  size_t shard_count_;
};

}  // namespace openlabs::gateway
