#include "gateway/upload/upload_sink.h"

#include <spdlog/spdlog.h>

#include "common/random.h"

namespace openlabs::gateway {

namespace {

constexpr size_t kHeadBytes = 512;
constexpr size_t kMaxFilenameBytes = 200;

Error TooLarge(std::string message) { return {ErrorCode::kPayloadTooLarge, std::move(message)}; }

}  // namespace

std::string SafeFilename(std::string_view filename) {
  // Browsers and curl send '"', CR and LF in a multipart file name as %22, %0D and %0A (the HTML
  // standard's multipart/form-data encoding), and leave every other byte, '%' included, as it is.
  // NOTE: a name that really contains "%22" therefore comes back with '"' in its place; the
  // encoding is ambiguous there and browsers accept that.
  std::string decoded;
  for (size_t i = 0; i < filename.size(); ++i) {
    const std::string_view escape = filename.substr(i, 3);
    if (escape == "%22") {
      decoded.push_back('"');
      i += 2;
    } else if (escape == "%0D" || escape == "%0d" || escape == "%0A" || escape == "%0a") {
      i += 2;  // a line break has no place in a file name
    } else {
      decoded.push_back(filename[i]);
    }
  }

  std::string_view base = decoded;
  const size_t slash = base.find_last_of("/\\");
  if (slash != std::string_view::npos) {
    base.remove_prefix(slash + 1);
  }
  std::string safe;
  for (const char c : base) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte < 0x20 || byte == 0x7f) {
      continue;
    }
    safe.push_back(c);
  }
  while (!safe.empty() && (safe.front() == '.' || safe.front() == ' ')) {
    safe.erase(safe.begin());
  }
  if (safe.size() > kMaxFilenameBytes) {
    // Never cut inside a UTF-8 character, so that the name stays valid UTF-8.
    size_t cut = kMaxFilenameBytes;
    while (cut > 0 && (static_cast<unsigned char>(safe[cut]) & 0xc0) == 0x80) {
      --cut;
    }
    safe.resize(cut);
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
  return writer_->Write(data);
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
  current_file_.sha256 = std::move(committed->sha256);
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
