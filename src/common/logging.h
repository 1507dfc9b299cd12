#pragma once

#include <string>
#include <string_view>

namespace openlabs::logging {

enum class Format {
  kText,  // readable lines for a terminal
  kJson,  // one JSON object per line, for log collectors
};

// Configures the default spdlog logger: output format and minimum level ("debug", "info",
// "warn", "error"). Call once at start-up, before other threads log.
void Init(Format format, std::string_view level);

// Copies `text` with each byte that is not part of a valid UTF-8 sequence written as "\xNN"
// (two upper-case hex digits), so that text log lines stay valid UTF-8 whatever a client sent.
std::string EscapeInvalidUtf8(std::string_view text);

// The request id of the request this thread is handling, or an empty view.
std::string_view CurrentRequestId();

// Sets the request id that every log line written on this thread carries, until destroyed.
class ScopedRequestId {
 public:
  explicit ScopedRequestId(std::string request_id);
  ~ScopedRequestId();
  ScopedRequestId(const ScopedRequestId&) = delete;
  ScopedRequestId& operator=(const ScopedRequestId&) = delete;

 private:
  std::string previous_;
};

}  // namespace openlabs::logging
