#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "common/error.h"
#include "gateway/http.h"
#include "gateway/upload/multipart.h"
#include "storage/blob_store.h"

namespace openlabs::gateway {

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
  bool handed_over_ = false;
};

// Returns the last path segment of a client's file name, with the %22, %0D and %0A escapes of
// browsers undone and without control characters or leading dots. The result is cut to at most
// 200 bytes of whole UTF-8 characters, and is "file" when nothing remains.
std::string SafeFilename(std::string_view filename);

}  // namespace openlabs::gateway
