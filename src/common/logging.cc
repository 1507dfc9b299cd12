#include "common/logging.h"

#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <chrono>
#include <memory>
#include <nlohmann/json.hpp>

namespace openlabs::logging {
namespace {

thread_local std::string current_request_id;

// Writes {"time":…,"level":…,"request_id":…,"msg":…} with the message JSON-escaped.
class JsonFormatter final : public spdlog::formatter {
 public:
  void format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) override {
    nlohmann::json line;
    line["time"] = FormatTime(msg.time);
    line["level"] = std::string(spdlog::level::to_string_view(msg.level).data(),
                                spdlog::level::to_string_view(msg.level).size());
    if (!current_request_id.empty()) {
      line["request_id"] = current_request_id;
    }
    line["msg"] = std::string(msg.payload.data(), msg.payload.size());
    const std::string text = line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    dest.append(text.data(), text.data() + text.size());
    dest.push_back('\n');
  }

  std::unique_ptr<spdlog::formatter> clone() const override {
    return std::make_unique<JsonFormatter>();
  }

 private:
  static std::string FormatTime(spdlog::log_clock::time_point time) {
    const auto millis =
        std::chrono::duration_cast<std::chrono::milliseconds>(time.time_since_epoch()).count();
    const std::time_t seconds = millis / 1000;
    std::tm utc{};
    gmtime_r(&seconds, &utc);
    char buffer[40];
    const size_t length = std::strftime(buffer, sizeof(buffer), "%Y-%m-%dT%H:%M:%S", &utc);
    return std::string(buffer, length) + fmt::format(".{:03}Z", millis % 1000);
  }
};

// The length of the valid UTF-8 sequence at the start of `text`, or 0 when its first byte does
// not begin one. Overlong forms, surrogates and code points above U+10FFFF are invalid.
size_t ValidUtf8SequenceLength(std::string_view text) {
  const auto byte = [&text](size_t i) { return static_cast<unsigned char>(text[i]); };
  const unsigned char lead = byte(0);
  if (lead < 0x80) {
    return 1;
  }
  size_t length = 0;
  unsigned char second_min = 0x80;
  unsigned char second_max = 0xBF;
  if (lead >= 0xC2 && lead <= 0xDF) {
    length = 2;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    length = 3;
    second_min = lead == 0xE0 ? 0xA0 : 0x80;
    second_max = lead == 0xED ? 0x9F : 0xBF;
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    length = 4;
    second_min = lead == 0xF0 ? 0x90 : 0x80;
    second_max = lead == 0xF4 ? 0x8F : 0xBF;
  } else {
    return 0;
  }
  if (text.size() < length || byte(1) < second_min || byte(1) > second_max) {
    return 0;
  }
  for (size_t i = 2; i < length; ++i) {
    if (byte(i) < 0x80 || byte(i) > 0xBF) {
      return 0;
    }
  }
  return length;
}

// Formats text lines with spdlog's pattern formatter, then escapes invalid UTF-8 in them.
class TextFormatter final : public spdlog::formatter {
 public:
  explicit TextFormatter(std::unique_ptr<spdlog::formatter> pattern)
      : pattern_(std::move(pattern)) {}

  void format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) override {
    spdlog::memory_buf_t line;
    pattern_->format(msg, line);
    const std::string escaped = EscapeInvalidUtf8(std::string_view(line.data(), line.size()));
    dest.append(escaped.data(), escaped.data() + escaped.size());
  }

  std::unique_ptr<spdlog::formatter> clone() const override {
    return std::make_unique<TextFormatter>(pattern_->clone());
  }

 private:
  std::unique_ptr<spdlog::formatter> pattern_;
};

// Adds "[request_id]" to text lines when a request is being handled.
class RequestIdFlag final : public spdlog::custom_flag_formatter {
 public:
  void format(const spdlog::details::log_msg&, const std::tm&,
              spdlog::memory_buf_t& dest) override {
    if (current_request_id.empty()) {
      return;
    }
    dest.push_back('[');
    dest.append(current_request_id.data(), current_request_id.data() + current_request_id.size());
    dest.append(std::string_view("] "));
  }

  std::unique_ptr<custom_flag_formatter> clone() const override {
    return std::make_unique<RequestIdFlag>();
  }
};

}  // namespace

void Init(Format format, std::string_view level) {
  auto logger = std::make_shared<spdlog::logger>(
      "openlabs", std::make_shared<spdlog::sinks::stderr_sink_mt>());
  if (format == Format::kJson) {
    logger->set_formatter(std::make_unique<JsonFormatter>());
  } else {
    auto formatter = std::make_unique<spdlog::pattern_formatter>();
    formatter->add_flag<RequestIdFlag>('*').set_pattern("%Y-%m-%d %H:%M:%S.%e %^%-5l%$ %*%v");
    logger->set_formatter(std::make_unique<TextFormatter>(std::move(formatter)));
  }
  logger->set_level(spdlog::level::from_str(std::string(level)));
  logger->flush_on(spdlog::level::warn);
  spdlog::set_default_logger(std::move(logger));
}

std::string EscapeInvalidUtf8(std::string_view text) {
  static constexpr char kHexDigits[] = "0123456789ABCDEF";
  std::string escaped;
  escaped.reserve(text.size());
  size_t i = 0;
  while (i < text.size()) {
    const size_t length = ValidUtf8SequenceLength(text.substr(i));
    if (length > 0) {
      escaped.append(text.substr(i, length));
      i += length;
      continue;
    }
    const auto value = static_cast<unsigned char>(text[i]);
    escaped += "\\x";
    escaped.push_back(kHexDigits[value >> 4]);
    escaped.push_back(kHexDigits[value & 0x0F]);
    ++i;
  }
  return escaped;
}

std::string_view CurrentRequestId() { return current_request_id; }

ScopedRequestId::ScopedRequestId(std::string request_id)
    : previous_(std::exchange(current_request_id, std::move(request_id))) {}

ScopedRequestId::~ScopedRequestId() { current_request_id = std::move(previous_); }

}  // namespace openlabs::logging
