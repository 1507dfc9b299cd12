#include "services/assistant/model_client.h"

#include <curl/curl.h>
#include <spdlog/spdlog.h>

#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>

namespace openlabs::assistant {
namespace {

using nlohmann::json;

constexpr long kConnectTimeoutSeconds = 10;
// A stream that sends nothing for this long is dropped.
constexpr long kStallSeconds = 60;
constexpr size_t kMaxErrorBodyBytes = 64 * 1024;
constexpr size_t kMaxResponseBytes = 256 * 1024 * 1024;

void InitCurlOnce() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

std::string Url(const ModelEndpoint& endpoint, std::string_view path) {
  std::string url = endpoint.base_url;
  while (!url.empty() && url.back() == '/') {
    url.pop_back();
  }
  return url + std::string(path);
}

struct CurlDeleter {
  void operator()(CURL* curl) const { curl_easy_cleanup(curl); }
};
struct HeaderListDeleter {
  void operator()(curl_slist* list) const { curl_slist_free_all(list); }
};

// The state of one transfer: the collected body, or the unfinished line of an event stream.
struct Transfer {
  CURL* curl = nullptr;
  bool streaming = false;
  std::string body;           // the whole body, or an error body, up to its limit
  std::string pending_line;   // a stream line not yet complete
  std::function<bool(std::string_view)> on_delta;
  bool stopped_by_caller = false;
  bool done = false;
  std::string stream_error;  // an error object sent inside the stream

  long Status() const {
    long status = 0;
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
    return status;
  }

  // Handles one "data: …" line of the event stream. Returns false to stop the transfer.
  bool HandleLine(std::string_view line) {
    if (!line.empty() && line.back() == '\r') {
      line.remove_suffix(1);
    }
    if (line.substr(0, 5) != "data:") {
      return true;  // comments, event names, blank separators
    }
    line.remove_prefix(5);
    if (!line.empty() && line.front() == ' ') {
      line.remove_prefix(1);
    }
    if (line == "[DONE]") {
      done = true;
      return true;
    }
    const json event = json::parse(line, nullptr, false);
    if (event.is_discarded() || !event.is_object()) {
      return true;
    }
    if (event.contains("error")) {
      stream_error = event["error"].is_object() ? event["error"].value("message", "") : "";
      return false;
    }
    const json& choices = event.value("choices", json::array());
    if (!choices.is_array() || choices.empty() || !choices[0].is_object()) {
      return true;
    }
    const json& delta = choices[0].value("delta", json::object());
    if (delta.is_object() && delta.contains("content") && delta["content"].is_string()) {
      const std::string& content = delta["content"].get_ref<const std::string&>();
      if (!content.empty() && !on_delta(content)) {
        stopped_by_caller = true;
        return false;
      }
    }
    return true;
  }

  bool Receive(std::string_view data) {
    if (!streaming || Status() >= 400) {
      const size_t limit = streaming ? kMaxErrorBodyBytes : kMaxResponseBytes;
      if (body.size() + data.size() > limit) {
        return false;
      }
      body.append(data);
      return true;
    }
    pending_line.append(data);
    size_t start = 0;
    for (size_t end = pending_line.find('\n'); end != std::string::npos;
         end = pending_line.find('\n', start)) {
      if (!HandleLine(std::string_view(pending_line).substr(start, end - start))) {
        return false;
      }
      start = end + 1;
    }
    pending_line.erase(0, start);
    return pending_line.size() <= kMaxErrorBodyBytes;
  }
};

size_t WriteCallback(char* data, size_t size, size_t count, void* user_data) {
  auto& transfer = *static_cast<Transfer*>(user_data);
  const size_t bytes = size * count;
  return transfer.Receive(std::string_view(data, bytes)) ? bytes : 0;
}

// The server's error message from an OpenAI-style error body, or the start of the body.
std::string ErrorMessage(const std::string& body) {
  const json parsed = json::parse(body, nullptr, false);
  if (parsed.is_object() && parsed.contains("error")) {
    const json& error = parsed["error"];
    if (error.is_object() && error.contains("message") && error["message"].is_string()) {
      return error["message"].get<std::string>();
    }
    if (error.is_string()) {
      return error.get<std::string>();
    }
  }
  return body.substr(0, 300);
}

// Posts `request` to `path` and feeds the response to `transfer`.
Status Post(const ModelEndpoint& endpoint, std::string_view path, const json& request,
            Transfer& transfer) {
  InitCurlOnce();
  std::unique_ptr<CURL, CurlDeleter> curl(curl_easy_init());
  if (!curl) {
    return Fail(Error{ErrorCode::kUnavailable, "The model client could not start.", {},
                      "curl_easy_init failed"});
  }
  transfer.curl = curl.get();
  const std::string url = Url(endpoint, path);
  const std::string body = request.dump();
  curl_slist* raw_headers = curl_slist_append(nullptr, "Content-Type: application/json");
  raw_headers = curl_slist_append(
      raw_headers, transfer.streaming ? "Accept: text/event-stream" : "Accept: application/json");
  if (!endpoint.api_key.empty()) {
    raw_headers =
        curl_slist_append(raw_headers, ("Authorization: Bearer " + endpoint.api_key).c_str());
  }
  std::unique_ptr<curl_slist, HeaderListDeleter> headers(raw_headers);

  CURL* handle = curl.get();
  curl_easy_setopt(handle, CURLOPT_URL, url.c_str());
  curl_easy_setopt(handle, CURLOPT_HTTPHEADER, headers.get());
  curl_easy_setopt(handle, CURLOPT_POSTFIELDS, body.c_str());
  curl_easy_setopt(handle, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
  curl_easy_setopt(handle, CURLOPT_WRITEFUNCTION, WriteCallback);
  curl_easy_setopt(handle, CURLOPT_WRITEDATA, &transfer);
  curl_easy_setopt(handle, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(handle, CURLOPT_CONNECTTIMEOUT, kConnectTimeoutSeconds);
  curl_easy_setopt(handle, CURLOPT_TIMEOUT, static_cast<long>(endpoint.timeout_seconds));
  curl_easy_setopt(handle, CURLOPT_LOW_SPEED_LIMIT, 1L);
  curl_easy_setopt(handle, CURLOPT_LOW_SPEED_TIME, kStallSeconds);
  curl_easy_setopt(handle, CURLOPT_PROTOCOLS_STR, "http,https");

  const CURLcode code = curl_easy_perform(handle);
  const long status = transfer.Status();
  if (code == CURLE_WRITE_ERROR && transfer.stopped_by_caller) {
    return {};
  }
  if (code == CURLE_OPERATION_TIMEDOUT) {
    return Fail(Error{ErrorCode::kDeadlineExceeded, "The language model did not answer in time.",
                      {}, url + ": " + curl_easy_strerror(code)});
  }
  if (status >= 400) {
    return Fail(Error{ErrorCode::kUnavailable,
                      "The language model server returned HTTP " + std::to_string(status) + ".",
                      {}, url + ": " + ErrorMessage(transfer.body)});
  }
  if (!transfer.stream_error.empty()) {
    return Fail(Error{ErrorCode::kUnavailable, "The language model reported an error.", {},
                      url + ": " + transfer.stream_error});
  }
  if (code != CURLE_OK) {
    return Fail(Error{ErrorCode::kUnavailable, "The language model server could not be reached.",
                      {}, url + ": " + curl_easy_strerror(code)});
  }
  return {};
}

}  // namespace

Status StreamChatCompletion(const ModelEndpoint& endpoint, const std::vector<ChatMessage>& messages,
                            const std::function<bool(std::string_view)>& on_delta) {
  json request = {{"model", endpoint.model}, {"stream", true}, {"messages", json::array()}};
  for (const ChatMessage& message : messages) {
    request["messages"].push_back({{"role", message.role}, {"content", message.content}});
  }
  Transfer transfer;
  transfer.streaming = true;
  transfer.on_delta = on_delta;
  if (Status posted = Post(endpoint, "/chat/completions", request, transfer); !posted) {
    return posted;
  }
  if (!transfer.done && !transfer.stopped_by_caller) {
    spdlog::warn("The chat completion stream from {} ended without [DONE]", endpoint.base_url);
  }
  return {};
}

Result<std::string> CreateChatCompletion(const ModelEndpoint& endpoint,
                                         const std::vector<ChatMessage>& messages,
                                         bool json_object) {
  json request = {{"model", endpoint.model}, {"stream", false}, {"messages", json::array()}};
  for (const ChatMessage& message : messages) {
    request["messages"].push_back({{"role", message.role}, {"content", message.content}});
  }
  if (json_object) {
    request["response_format"] = {{"type", "json_object"}};
  }
  Transfer transfer;
  if (Status posted = Post(endpoint, "/chat/completions", request, transfer); !posted) {
    return Fail(posted.error());
  }
  const json parsed = json::parse(transfer.body, nullptr, false);
  const json* content = nullptr;
  if (parsed.is_object() && parsed.contains("choices") && parsed["choices"].is_array() &&
      !parsed["choices"].empty() && parsed["choices"][0].is_object()) {
    const json& choice = parsed["choices"][0];
    if (choice.contains("message") && choice["message"].is_object() &&
        choice["message"].contains("content") && choice["message"]["content"].is_string()) {
      content = &choice["message"]["content"];
    }
  }
  if (content == nullptr) {
    return Fail(Error{ErrorCode::kUnavailable,
                      "The language model server returned a response that is not valid.", {},
                      endpoint.base_url + ": no choices[0].message.content string in " +
                          transfer.body.substr(0, 300)});
  }
  return content->get<std::string>();
}

Result<std::vector<std::vector<float>>> CreateEmbeddings(const ModelEndpoint& endpoint,
                                                         const std::vector<std::string>& inputs) {
  const json request = {{"model", endpoint.model}, {"input", inputs}};
  Transfer transfer;
  if (Status posted = Post(endpoint, "/embeddings", request, transfer); !posted) {
    return Fail(posted.error());
  }
  const auto invalid = [&](std::string detail) {
    return Fail(Error{ErrorCode::kUnavailable,
                      "The embedding server returned a response that is not valid.", {},
                      endpoint.base_url + ": " + std::move(detail)});
  };
  const json parsed = json::parse(transfer.body, nullptr, false);
  if (!parsed.is_object() || !parsed.contains("data") || !parsed["data"].is_array()) {
    return invalid("no \"data\" array");
  }
  std::vector<std::vector<float>> vectors(inputs.size());
  for (const json& item : parsed["data"]) {
    if (!item.is_object() || !item.contains("embedding") || !item["embedding"].is_array()) {
      return invalid("an item without an \"embedding\" array");
    }
    const size_t index = item.value("index", size_t{0});
    if (index >= vectors.size() || !vectors[index].empty()) {
      return invalid("index " + std::to_string(index) + " out of range or repeated");
    }
    for (const json& value : item["embedding"]) {
      if (!value.is_number()) {
        return invalid("a value that is not a number");
      }
      vectors[index].push_back(value.get<float>());
    }
  }
  for (const std::vector<float>& vector : vectors) {
    if (vector.empty() || vector.size() != vectors[0].size()) {
      return invalid("missing vectors or vectors of different lengths");
    }
  }
  return vectors;
}

}  // namespace openlabs::assistant
