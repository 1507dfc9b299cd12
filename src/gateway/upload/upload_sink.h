#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "common/error.h"
#include "gateway/upload/multipart.h"
#include "storage/blob_store.h"

namespace openlabs::gateway {

// A file part of a multipart upload, already stored in the blob store.
struct UploadedFile {
  std::string field;         // form field name, e.g. "files[]"
  std::string filename;      // base name from the client, made safe (see SafeFilename)
  std::string content_type;  // as the client declared it; check the content, not this
  std::string blob_key;      // where the bytes are: "uploads/<uuid>"
  int64_t size = 0;
  std::string sha256;  // hex digest of the content
  std::string head;    // the first bytes (up to 512), for checking the type by content
};

struct UploadLimits {
  int64_t max_file_bytes = 100 << 20;  // per file part
  int max_files = 10;
  int64_t max_field_bytes = 1 << 20;  // per text field
  int max_fields = 32;
};

// Receives the parts of a multipart body: text fields are kept in memory (within limits), file
// parts stream into new blobs under "uploads/". On any failure, and when Discard is called, the
// blobs written so far are deleted, so a rejected request leaves nothing stored. Not
// thread-safe.
class UploadSink final : public PartListener {
 public:
  UploadSink(storage::BlobStore& blobs, UploadLimits limits);
  ~UploadSink() override;

  Status OnPartBegin(const PartHeaders& headers) override;
  Status OnPartData(std::string_view data) override;
  Status OnPartEnd() override;

  // Deletes every blob this sink wrote.
  void Discard();

  // Hands the results over; after this the sink deletes nothing on destruction.
  std::unordered_multimap<std::string, std::string> TakeFields();
  std::vector<UploadedFile> TakeFiles();

 private:
  storage::BlobStore& blobs_;
  UploadLimits limits_;
  std::unordered_multimap<std::string, std::string> fields_;
  std::vector<UploadedFile> files_;
  // The part being received: a text field, or a file with its open writer.
  PartHeaders current_;
  std::string current_text_;
  std::unique_ptr<storage::BlobWriter> writer_;
  UploadedFile current_file_;
  struct HashState;
  std::unique_ptr<HashState> hash_;
  bool handed_over_ = false;
};

// The last path segment of a client's file name, without control characters, quotes, slashes or
// backslashes, at most 200 bytes; "file" when nothing remains.
std::string SafeFilename(std::string_view filename);

}  // namespace openlabs::gateway
