#include "gateway/metrics.h"

#include <array>
#include <charconv>
#include <map>
#include <mutex>
#include <tuple>
#include <unordered_map>

namespace openlabs::gateway {
namespace {

// Upper bounds of the latency buckets in seconds, from 1 ms to 10 s.
constexpr std::array<double, 13> kBucketBounds = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1,
                                                  0.25,  0.5,    1,     2.5,  5,     10};
constexpr std::array<std::string_view, 13> kBucketLabels = {
    "0.001", "0.0025", "0.005", "0.01", "0.025", "0.05", "0.1",
    "0.25",  "0.5",    "1",     "2.5",  "5",     "10"};

constexpr std::array<std::string_view, 8> kMethodNames = {"GET",   "HEAD",   "POST",    "PUT",
                                                          "PATCH", "DELETE", "OPTIONS", "other"};

struct SeriesKey {
  const char* route_data;
  size_t route_size;
  MethodLabel method;
  int status;

  bool operator==(const SeriesKey&) const = default;
};

struct SeriesKeyHash {
  size_t operator()(const SeriesKey& key) const {
    size_t hash = std::hash<const void*>{}(key.route_data);
    hash ^= (static_cast<size_t>(key.status) << 8) + static_cast<size_t>(key.method);
    return hash * 0x9e3779b97f4a7c15ULL;
  }
};

struct Series {
  uint64_t count = 0;
  double sum = 0;
  std::array<uint64_t, kBucketBounds.size()> buckets{};  // not cumulative; overflow is implied

  void Add(const Series& other) {
    count += other.count;
    sum += other.sum;
    for (size_t i = 0; i < buckets.size(); ++i) {
      buckets[i] += other.buckets[i];
    }
  }
};

// Escapes a label value as the text format requires: backslash, double quote and line feed.
void AppendLabelValue(std::string& out, std::string_view value) {
  for (const char c : value) {
    if (c == '\\' || c == '"') {
      out.push_back('\\');
      out.push_back(c);
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out.push_back(c);
    }
  }
}

void AppendNumber(std::string& out, double value) {
  char buffer[32];
  const auto result = std::to_chars(buffer, buffer + sizeof(buffer), value);
  out.append(buffer, result.ptr);
}

void AppendNumber(std::string& out, uint64_t value) {
  char buffer[24];
  const auto result = std::to_chars(buffer, buffer + sizeof(buffer), value);
  out.append(buffer, result.ptr);
}

using MergedKey = std::tuple<std::string, MethodLabel, int>;

void AppendLabels(std::string& out, const MergedKey& key) {
  out += "{method=\"";
  out += kMethodNames[static_cast<size_t>(std::get<1>(key))];
  out += "\",route=\"";
  AppendLabelValue(out, std::get<0>(key));
  out += "\",status=\"";
  out += std::to_string(std::get<2>(key));
  out += '"';
}

void AppendCounters(std::string& out, const std::map<MergedKey, Series>& merged) {
  out +=
      "# HELP openlabs_http_requests_total HTTP requests handled, by method, route pattern and "
      "status.\n# TYPE openlabs_http_requests_total counter\n";
  for (const auto& [key, series] : merged) {
    out += "openlabs_http_requests_total";
    AppendLabels(out, key);
    out += "} ";
    AppendNumber(out, series.count);
    out += '\n';
  }
}

void AppendHistograms(std::string& out, const std::map<MergedKey, Series>& merged) {
  out +=
      "# HELP openlabs_http_request_duration_seconds Time from the first byte of a request to "
      "the end of its response.\n# TYPE openlabs_http_request_duration_seconds histogram\n";
  for (const auto& [key, series] : merged) {
    uint64_t cumulative = 0;
    for (size_t i = 0; i < kBucketBounds.size(); ++i) {
      cumulative += series.buckets[i];
      out += "openlabs_http_request_duration_seconds_bucket";
      AppendLabels(out, key);
      out += ",le=\"";
      out += kBucketLabels[i];
      out += "\"} ";
      AppendNumber(out, cumulative);
      out += '\n';
    }
    out += "openlabs_http_request_duration_seconds_bucket";
    AppendLabels(out, key);
    out += ",le=\"+Inf\"} ";
    AppendNumber(out, series.count);
    out += "\nopenlabs_http_request_duration_seconds_sum";
    AppendLabels(out, key);
    out += "} ";
    AppendNumber(out, series.sum);
    out += "\nopenlabs_http_request_duration_seconds_count";
    AppendLabels(out, key);
    out += "} ";
    AppendNumber(out, series.count);
    out += '\n';
  }
}

}  // namespace

MethodLabel MethodLabelFor(std::string_view method) {
  for (size_t i = 0; i + 1 < kMethodNames.size(); ++i) {
    if (kMethodNames[i] == method) {
      return static_cast<MethodLabel>(i);
    }
  }
  return MethodLabel::kOther;
}

// Aligned to a cache line so that io threads writing neighbouring shards do not contend.
struct alignas(64) HttpMetrics::Shard {
  std::atomic<int64_t> in_flight{0};
  mutable std::mutex mutex;
  std::unordered_map<SeriesKey, Series, SeriesKeyHash> series;
};

HttpMetrics::HttpMetrics(size_t shard_count)
    : shards_(std::make_unique<Shard[]>(shard_count == 0 ? 1 : shard_count)),
      shard_count_(shard_count == 0 ? 1 : shard_count) {}

HttpMetrics::~HttpMetrics() = default;

void HttpMetrics::AddInFlight(size_t shard, int delta) {
  shards_[shard % shard_count_].in_flight.fetch_add(delta, std::memory_order_relaxed);
}

void HttpMetrics::Record(size_t shard, std::string_view route, MethodLabel method, int status,
                         double seconds) {
  size_t bucket = 0;
  while (bucket < kBucketBounds.size() && seconds > kBucketBounds[bucket]) {
    ++bucket;
  }

  Shard& target = shards_[shard % shard_count_];
  std::lock_guard lock(target.mutex);
  Series& series = target.series[SeriesKey{route.data(), route.size(), method, status}];
  ++series.count;
  series.sum += seconds;
  if (bucket < kBucketBounds.size()) {
    ++series.buckets[bucket];
  }
}

std::string HttpMetrics::Render() const {
  // Series with equal labels from different shards, or from different route objects with the
  // same pattern, are summed here.
  std::map<MergedKey, Series> merged;
  int64_t in_flight = 0;
  for (size_t i = 0; i < shard_count_; ++i) {
    const Shard& shard = shards_[i];
    in_flight += shard.in_flight.load(std::memory_order_relaxed);
    std::lock_guard lock(shard.mutex);
    for (const auto& [key, series] : shard.series) {
      merged[MergedKey{std::string(key.route_data, key.route_size), key.method, key.status}].Add(
          series);
    }
  }

  std::string out;
  out.reserve(256 + merged.size() * 2048);
  AppendCounters(out, merged);
  AppendHistograms(out, merged);
  out +=
      "# HELP openlabs_http_requests_in_flight HTTP requests being read, handled or written.\n"
      "# TYPE openlabs_http_requests_in_flight gauge\nopenlabs_http_requests_in_flight ";
  out += std::to_string(in_flight);
  out += '\n';
  return out;
}

}  // namespace openlabs::gateway
