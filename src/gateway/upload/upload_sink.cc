#include "gateway/upload/upload_sink.h"

#include <openssl/evp.h>
#include <spdlog/spdlog.h>

#include <condition_variable>
#include <mutex>
#include <system_error>
#include <thread>

#include "common/random.h"

namespace openlabs::gateway {

// The SHA-256 of one file part. Pieces of at least kParallelBytes are hashed on a helper thread
// while the calling thread writes the same bytes to the blob store, so the two overlap instead
// of adding up. For a large upload, each takes about a third of the receiving thread's time.
struct UploadSink::HashState {
  static constexpr size_t kParallelBytes = 64 * 1024;

  HashState() { EVP_DigestInit_ex(context, EVP_sha256(), nullptr); }

  ~HashState() {
    if (helper.joinable()) {
      {
        std::lock_guard lock(mutex);
        stopping = true;
      }
      changed.notify_all();
      helper.join();
    }
    EVP_MD_CTX_free(context);
  }

  // Hashes `data` and runs `write` (which writes the same bytes) at the same time, and returns
  // once both are done, so `data` may be reused afterwards.
  template <typename Write>
  Status UpdateWhile(std::string_view data, Write&& write) {
    if (data.size() < kParallelBytes || !StartHelper()) {
      Update(data);
      return write();
    }
    Submit(data);
    struct WaitOnExit {
      HashState& state;
      ~WaitOnExit() { state.WaitUntilIdle(); }
    } wait_on_exit{*this};
    return write();
  }

  void Update(std::string_view data) { EVP_DigestUpdate(context, data.data(), data.size()); }

  std::string FinishHex() {
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int length = 0;
    EVP_DigestFinal_ex(context, digest, &length);
    static constexpr char kHex[] = "0123456789abcdef";
    std::string hex;
    for (unsigned int i = 0; i < length; ++i) {
      hex.push_back(kHex[digest[i] >> 4]);
      hex.push_back(kHex[digest[i] & 0x0f]);
    }
    return hex;
  }

 private:
  // Starts the helper thread on first use; false when the system cannot create a thread, in
  // which case hashing stays on the calling thread.
  bool StartHelper() {
    if (helper.joinable()) {
      return true;
    }
    try {
      helper = std::thread([this] { RunHelper(); });
    } catch (const std::system_error& error) {
      spdlog::warn("Hashing uploads on the receiving thread: starting a thread failed: {}",
                   error.what());
      return false;
    }
    return true;
  }

  void Submit(std::string_view data) {
    {
      std::lock_guard lock(mutex);
      pending = data;
      has_pending = true;
    }
    changed.notify_all();
  }

  void WaitUntilIdle() {
    std::unique_lock lock(mutex);
    changed.wait(lock, [this] { return !has_pending; });
  }

  void RunHelper() {
    std::unique_lock lock(mutex);
    for (;;) {
      changed.wait(lock, [this] { return has_pending || stopping; });
      if (stopping) {
        return;
      }
      const std::string_view data = pending;
      lock.unlock();
      Update(data);
      lock.lock();
      has_pending = false;
      changed.notify_all();
    }
  }

  EVP_MD_CTX* context = EVP_MD_CTX_new();
  std::thread helper;
  std::mutex mutex;
  std::condition_variable changed;
  std::string_view pending;  // the bytes the helper hashes while has_pending is true
  bool has_pending = false;
  bool stopping = false;
};

namespace {

constexpr size_t kHeadBytes = 512;

Error TooLarge(std::string message) { return {ErrorCode::kPayloadTooLarge, std::move(message)}; }

}  // namespace

std::string SafeFilename(std::string_view filename) {
  const size_t slash = filename.find_last_of("/\\");
  if (slash != std::string_view::npos) {
    filename.remove_prefix(slash + 1);
  }
  std::string safe;
  for (const char c : filename) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte < 0x20 || byte == 0x7f || c == '"' || c == '\'' || c == '<' || c == '>' || c == ':' ||
        c == '*' || c == '?' || c == '|') {
      continue;
    }
    safe.push_back(c);
  }
  while (!safe.empty() && (safe.front() == '.' || safe.front() == ' ')) {
    safe.erase(safe.begin());
  }
  if (safe.size() > 200) {
    safe.resize(200);
  }
  return safe.empty() ? "file" : safe;
}

UploadSink::UploadSink(storage::BlobStore& blobs, UploadLimits limits)
    : blobs_(blobs), limits_(limits) {}

UploadSink::~UploadSink() {
  if (!handed_over_) {
    Discard();
  }
}

Status UploadSink::OnPartBegin(const PartHeaders& headers) {
  current_ = headers;
  current_text_.clear();
  if (!headers.filename) {
    if (static_cast<int>(fields_.size()) >= limits_.max_fields) {
      return Fail(
          TooLarge("The form has more than " + std::to_string(limits_.max_fields) + " fields."));
    }
    return {};
  }
  if (static_cast<int>(files_.size()) >= limits_.max_files) {
    return Fail(TooLarge("At most " + std::to_string(limits_.max_files) +
                         " files can be uploaded at once."));
  }
  current_file_ = UploadedFile{};
  current_file_.field = headers.name;
  current_file_.filename = SafeFilename(*headers.filename);
  current_file_.content_type = headers.content_type;
  current_file_.blob_key = "uploads/" + NewUuid();
  Result<std::unique_ptr<storage::BlobWriter>> writer = blobs_.OpenWriter(current_file_.blob_key);
  if (!writer) {
    return Fail(writer.error());
  }
  writer_ = std::move(*writer);
  hash_ = std::make_unique<HashState>();
  return {};
}

Status UploadSink::OnPartData(std::string_view data) {
  if (!writer_) {
    if (static_cast<int64_t>(current_text_.size() + data.size()) > limits_.max_field_bytes) {
      return Fail(TooLarge("The form field " + current_.name + " is larger than " +
                           std::to_string(limits_.max_field_bytes) + " bytes."));
    }
    current_text_.append(data);
    return {};
  }
  if (current_file_.size + static_cast<int64_t>(data.size()) > limits_.max_file_bytes) {
    return Fail(TooLarge("The file " + current_file_.filename + " is larger than the limit of " +
                         std::to_string(limits_.max_file_bytes) + " bytes."));
  }
  if (current_file_.head.size() < kHeadBytes) {
    current_file_.head.append(data.substr(0, kHeadBytes - current_file_.head.size()));
  }
  current_file_.size += static_cast<int64_t>(data.size());
  return hash_->UpdateWhile(data, [&] { return writer_->Write(data); });
}

Status UploadSink::OnPartEnd() {
  if (!writer_) {
    fields_.emplace(current_.name, std::move(current_text_));
    current_text_.clear();
    return {};
  }
  Result<storage::BlobInfo> committed = writer_->Commit();
  writer_.reset();
  if (!committed) {
    return Fail(committed.error());
  }
  current_file_.sha256 = hash_->FinishHex();
  hash_.reset();
  files_.push_back(std::move(current_file_));
  return {};
}

void UploadSink::Discard() {
  writer_.reset();  // an uncommitted writer removes its temporary file
  for (const UploadedFile& file : files_) {
    if (Status deleted = blobs_.Delete(file.blob_key); !deleted) {
      spdlog::error("failed to delete upload {}: {}", file.blob_key, deleted.error().internal);
    }
  }
  files_.clear();
}

std::unordered_multimap<std::string, std::string> UploadSink::TakeFields() {
  handed_over_ = true;
  return std::move(fields_);
}

std::vector<UploadedFile> UploadSink::TakeFiles() {
  handed_over_ = true;
  return std::move(files_);
}

}  // namespace openlabs::gateway
