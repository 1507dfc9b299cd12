#include "storage/s3_client.h"

#include <curl/curl.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <thread>

#include "common/random.h"
#include "storage/s3_xml.h"

namespace openlabs::storage {
namespace {

constexpr size_t kMaxResponseBytes = 16 << 20;
// A download pauses the transfer once this much is received and not yet read.
constexpr size_t kDownloadBufferBytes = 256 << 10;
constexpr int kMaxAttempts = 3;
constexpr size_t kMaxIdleHandles = 16;

void InitCurlOnce() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

Error Unavailable(std::string internal) {
  return {ErrorCode::kUnavailable, "The file storage is unavailable; try again later.", {},
          std::move(internal)};
}

std::string HeaderValue(CURL* curl, const char* name) {
  curl_header* header = nullptr;
  if (curl_easy_header(curl, name, 0, CURLH_HEADER, -1, &header) != CURLHE_OK ||
      header == nullptr) {
    return "";
  }
  return header->value;
}

// Fills the status and headers of `response` from a transfer that received its headers.
void ReadResponseHead(CURL* curl, S3Response& response) {
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &response.status);
  curl_off_t length = -1;
  curl_easy_getinfo(curl, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &length);
  response.content_length = length;
  curl_off_t modified = -1;
  curl_easy_getinfo(curl, CURLINFO_FILETIME_T, &modified);
  response.last_modified_ms = modified < 0 ? 0 : int64_t{modified} * 1000;
  response.etag = UnquotedEtag(HeaderValue(curl, "ETag"));
  response.content_range = HeaderValue(curl, "Content-Range");
  response.request_id = HeaderValue(curl, "x-amz-request-id");
}

size_t CollectBody(char* data, size_t size, size_t count, void* target) {
  std::string& body = *static_cast<std::string*>(target);
  const size_t bytes = size * count;
  if (body.size() + bytes > kMaxResponseBytes) {
    return 0;  // makes libcurl fail the transfer with CURLE_WRITE_ERROR
  }
  body.append(data, bytes);
  return bytes;
}

bool Retryable(const Result<S3Response>& response) {
  return !response || response->status == 500 || response->status == 503;
}

}  // namespace

std::string S3UriEncode(std::string_view text, bool keep_slash) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string encoded;
  encoded.reserve(text.size());
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    const bool unreserved = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
                            (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' || c == '~';
    if (unreserved || (keep_slash && c == '/')) {
      encoded.push_back(c);
      continue;
    }
    encoded.push_back('%');
    encoded.push_back(kHex[byte >> 4]);
    encoded.push_back(kHex[byte & 0x0f]);
  }
  return encoded;
}

Error S3ResponseError(const S3Request& request, const S3Response& response) {
  const std::optional<S3ErrorBody> body = ParseS3Error(response.body);
  std::string internal = "S3 " + request.method + " " + request.path + " returned HTTP " +
                         std::to_string(response.status);
  if (body) {
    internal += " " + body->code + ": " + body->message;
  }
  if (!response.request_id.empty()) {
    internal += " (request id " + response.request_id + ")";
  }
  const std::string code = body ? body->code : "";
  // A missing bucket is a configuration problem, not a missing file.
  if (response.status == 404 && code != "NoSuchBucket" && code != "NoSuchUpload") {
    Error error = Error::NotFound("The file does not exist.");
    error.internal = std::move(internal);
    return error;
  }
  if (response.status == 403 || response.status == 404 || response.status == 429 ||
      response.status >= 500) {
    return Unavailable(std::move(internal));
  }
  return Error::Internal(std::move(internal));
}

S3Client::S3Client(S3ClientOptions options) : options_(std::move(options)) {
  InitCurlOnce();
  signing_scope_ = "aws:amz:" + options_.region + ":s3";
}

S3Client::~S3Client() {
  for (CURL* curl : idle_handles_) {
    curl_easy_cleanup(curl);
  }
}

CURL* S3Client::TakeHandle() {
  {
    std::lock_guard lock(mutex_);
    if (!idle_handles_.empty()) {
      CURL* curl = idle_handles_.back();
      idle_handles_.pop_back();
      // Clears the options and keeps the open connections, so the next request reuses them.
      curl_easy_reset(curl);
      return curl;
    }
  }
  return curl_easy_init();
}

void S3Client::ReturnHandle(CURL* curl) {
  {
    std::lock_guard lock(mutex_);
    if (idle_handles_.size() < kMaxIdleHandles) {
      idle_handles_.push_back(curl);
      return;
    }
  }
  curl_easy_cleanup(curl);
}

curl_slist* S3Client::Prepare(CURL* curl, const S3Request& request, std::string& url) {
  url = options_.endpoint + request.path;
  if (!request.query.empty()) {
    url += "?" + request.query;
  }
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT, static_cast<long>(options_.connect_timeout.count()));
  curl_easy_setopt(curl, CURLOPT_FILETIME, 1L);
  curl_easy_setopt(curl, CURLOPT_AWS_SIGV4, signing_scope_.c_str());
  curl_easy_setopt(curl, CURLOPT_USERNAME, options_.access_key_id.c_str());
  curl_easy_setopt(curl, CURLOPT_PASSWORD, options_.secret_access_key.c_str());

  if (request.method == "HEAD") {
    curl_easy_setopt(curl, CURLOPT_NOBODY, 1L);
  } else if (request.method != "GET") {
    curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, request.method.c_str());
  }
  if (request.method == "PUT" || request.method == "POST") {
    // libcurl hashes in-memory POST fields for the signature, and sends them with any method.
    // An empty view may have no data pointer, and null POST fields would send no body at all.
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, request.body.empty() ? "" : request.body.data());
    curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(request.body.size()));
  }

  curl_slist* headers = nullptr;
  for (const std::string& header : request.headers) {
    headers = curl_slist_append(headers, header.c_str());
  }
  // libcurl 7.88 signs the payload hash it finds in this header, and S3 requires the header.
  headers = curl_slist_append(
      headers, ("x-amz-content-sha256: " + Sha256Hex(request.body)).c_str());
  if (!options_.session_token.empty()) {
    headers = curl_slist_append(headers,
                                ("x-amz-security-token: " + options_.session_token).c_str());
  }
  // libcurl 7.88 signs every header in this list, even the empty "Name:" form that removes a
  // header it would add, so the headers it adds itself (Expect, and the form Content-Type of
  // POST fields) cannot be removed that way. The body goes without waiting for 100-continue.
  curl_easy_setopt(curl, CURLOPT_EXPECT_100_TIMEOUT_MS, 0L);
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
  return headers;
}

Result<S3Response> S3Client::SendOnce(const S3Request& request) {
  CURL* curl = TakeHandle();
  if (curl == nullptr) {
    return Fail(Error::Internal("curl_easy_init failed"));
  }
  std::string url;
  curl_slist* headers = Prepare(curl, request, url);
  S3Response response;
  char error_text[CURL_ERROR_SIZE] = "";
  curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, error_text);
  curl_easy_setopt(curl, CURLOPT_TIMEOUT, static_cast<long>(options_.request_timeout.count()));
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, CollectBody);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &response.body);

  const CURLcode code = curl_easy_perform(curl);
  if (code == CURLE_OK) {
    ReadResponseHead(curl, response);
  }
  curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, nullptr);
  curl_slist_free_all(headers);
  ReturnHandle(curl);
  if (code == CURLE_WRITE_ERROR) {
    return Fail(Error::Internal("S3 " + request.method + " " + request.path +
                                ": the response body is larger than 16 MiB"));
  }
  if (code != CURLE_OK) {
    return Fail(Unavailable("S3 " + request.method + " " + url + " failed: " +
                            (error_text[0] != '\0' ? error_text : curl_easy_strerror(code))));
  }
  return response;
}

Result<S3Response> S3Client::Send(const S3Request& request) {
  std::chrono::milliseconds delay{100};
  for (int attempt = 1;; ++attempt) {
    Result<S3Response> response = SendOnce(request);
    if (attempt == kMaxAttempts || !Retryable(response)) {
      return response;
    }
    spdlog::warn("S3 {} {} failed ({}); retrying in {} ms, attempt {} of {}", request.method,
                 request.path,
                 response ? "HTTP " + std::to_string(response->status) : response.error().internal,
                 delay.count(), attempt + 1, kMaxAttempts);
    std::this_thread::sleep_for(delay);
    delay *= 4;
  }
}

Result<std::unique_ptr<S3Download>> S3Client::Download(const S3Request& request) {
  std::unique_ptr<S3Download> download(new S3Download());
  download->curl_ = curl_easy_init();
  download->multi_ = curl_multi_init();
  if (download->curl_ == nullptr || download->multi_ == nullptr) {
    return Fail(Error::Internal("curl_easy_init or curl_multi_init failed"));
  }
  std::string url;
  download->header_list_ = Prepare(download->curl_, request, url);
  download->method_and_path_ = request.method + " " + request.path;
  CURL* curl = download->curl_;
  // A download may take as long as its reader needs, but not stall: the transfer fails when
  // fewer than 1 byte per second arrives over the request timeout.
  curl_easy_setopt(curl, CURLOPT_LOW_SPEED_LIMIT, 1L);
  curl_easy_setopt(curl, CURLOPT_LOW_SPEED_TIME, static_cast<long>(options_.request_timeout.count()));
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, S3Download::OnData);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, download.get());
  curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, S3Download::OnHeader);
  curl_easy_setopt(curl, CURLOPT_HEADERDATA, download.get());
  curl_multi_add_handle(download->multi_, curl);

  while (!download->headers_done_ && !download->finished_) {
    if (Status driven = download->Drive(); !driven) {
      return Fail(driven.error());
    }
  }
  ReadResponseHead(curl, download->response_);
  if (download->response_.status >= 300) {
    // The body of an error is a small XML document: read it whole for the error code.
    while (!download->finished_ && !download->paused_) {
      if (Status driven = download->Drive(); !driven) {
        return Fail(driven.error());
      }
    }
    download->response_.body = download->buffer_.substr(0, kMaxResponseBytes);
  }
  return download;
}

S3Download::~S3Download() {
  if (multi_ != nullptr && curl_ != nullptr) {
    curl_multi_remove_handle(multi_, curl_);
  }
  if (curl_ != nullptr) {
    curl_easy_cleanup(curl_);
  }
  if (multi_ != nullptr) {
    curl_multi_cleanup(multi_);
  }
  curl_slist_free_all(header_list_);
}

size_t S3Download::OnData(char* data, size_t size, size_t count, void* self) {
  S3Download& download = *static_cast<S3Download*>(self);
  if (download.buffer_.size() - download.buffer_offset_ >= kDownloadBufferBytes) {
    download.paused_ = true;
    return CURL_WRITEFUNC_PAUSE;  // libcurl keeps this data and passes it again after unpausing
  }
  download.buffer_.append(data, size * count);
  return size * count;
}

size_t S3Download::OnHeader(char* data, size_t size, size_t count, void* self) {
  S3Download& download = *static_cast<S3Download*>(self);
  const std::string_view line(data, size * count);
  // The empty line ends the headers of a response; a 1xx response is followed by another.
  if (line == "\r\n" || line == "\n") {
    long status = 0;
    curl_easy_getinfo(download.curl_, CURLINFO_RESPONSE_CODE, &status);
    download.headers_done_ = status >= 200;
  }
  return size * count;
}

// Runs the transfer until libcurl has done what it can without waiting, then waits up to one
// second for the socket. Marks the download finished when the transfer ended.
Status S3Download::Drive() {
  int running = 0;
  const CURLMcode performed = curl_multi_perform(multi_, &running);
  if (performed != CURLM_OK) {
    return Fail(Unavailable(std::string("S3 download: ") + curl_multi_strerror(performed)));
  }
  if (running == 0) {
    int queued = 0;
    while (CURLMsg* message = curl_multi_info_read(multi_, &queued)) {
      if (message->msg == CURLMSG_DONE) {
        result_ = message->data.result;
      }
    }
    finished_ = true;
    if (result_ != CURLE_OK) {
      return Fail(Unavailable("S3 " + method_and_path_ + " failed: " +
                              curl_easy_strerror(static_cast<CURLcode>(result_))));
    }
    return {};
  }
  if (buffer_.size() > buffer_offset_ || (headers_done_ && paused_)) {
    return {};
  }
  curl_multi_poll(multi_, nullptr, 0, 1000, nullptr);
  return {};
}

Result<size_t> S3Download::Read(char* buffer, size_t capacity) {
  while (buffer_offset_ == buffer_.size()) {
    buffer_.clear();
    buffer_offset_ = 0;
    if (paused_) {
      paused_ = false;
      curl_easy_pause(curl_, CURLPAUSE_CONT);  // may pass data to OnData right away
      continue;
    }
    if (finished_) {
      return 0;
    }
    if (Status driven = Drive(); !driven) {
      return Fail(driven.error());
    }
  }
  const size_t count = std::min(capacity, buffer_.size() - buffer_offset_);
  std::copy_n(buffer_.data() + buffer_offset_, count, buffer);
  buffer_offset_ += count;
  return count;
}

}  // namespace openlabs::storage
