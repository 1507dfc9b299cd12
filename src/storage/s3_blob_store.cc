#include "storage/s3_blob_store.h"

#include <openssl/evp.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <optional>
#include <utility>

#include "storage/digest.h"
#include "storage/s3_xml.h"

namespace openlabs::storage {
namespace {

// Every part but the last must have at least 5 MiB (an S3 rule), and a multipart upload has at
// most 10,000 parts, so blobs up to 78 GiB fit.
constexpr size_t kPartBytes = 8 << 20;
constexpr size_t kMaxParts = 10000;

int64_t NowMillis() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// The blob size from a Content-Range value "bytes FIRST-LAST/SIZE" or "bytes */SIZE".
std::optional<int64_t> SizeFromContentRange(std::string_view value) {
  const size_t slash = value.rfind('/');
  if (slash == std::string_view::npos) {
    return std::nullopt;
  }
  const std::string_view digits = value.substr(slash + 1);
  int64_t size = 0;
  const auto [end, error] = std::from_chars(digits.data(), digits.data() + digits.size(), size);
  if (error != std::errc() || end != digits.data() + digits.size()) {
    return std::nullopt;
  }
  return size;
}

class S3BlobReader final : public BlobReader {
 public:
  S3BlobReader(std::unique_ptr<S3Download> download, BlobInfo info, int64_t length)
      : download_(std::move(download)), info_(std::move(info)), length_(length) {}

  Result<size_t> Read(char* buffer, size_t capacity) override {
    if (download_ == nullptr) {
      return 0;
    }
    return download_->Read(buffer, capacity);
  }

  const BlobInfo& info() const override { return info_; }
  int64_t length() const override { return length_; }

 private:
  std::unique_ptr<S3Download> download_;  // null for an empty range
  BlobInfo info_;
  int64_t length_;
};

class S3BlobWriter final : public BlobWriter {
 public:
  S3BlobWriter(S3Client& client, std::string key, std::string path)
      : client_(client), key_(std::move(key)), path_(std::move(path)), sha256_(EVP_MD_CTX_new()) {
    EVP_DigestInit_ex(sha256_, EVP_sha256(), nullptr);
  }

  ~S3BlobWriter() override {
    if (!committed_ && !upload_id_.empty()) {
      Abort();
    }
    EVP_MD_CTX_free(sha256_);
  }

  Status Write(std::string_view chunk) override {
    if (error_) {
      return Fail(*error_);
    }
    EVP_DigestUpdate(sha256_, chunk.data(), chunk.size());
    bytes_written_ += static_cast<int64_t>(chunk.size());
    while (!chunk.empty()) {
      // A full part goes out only once more data follows, so a blob of exactly one part size
      // is still a single PUT.
      if (part_.size() == kPartBytes) {
        if (Status sent = SendPart(); !sent) {
          error_ = sent.error();
          return sent;
        }
      }
      const size_t count = std::min(chunk.size(), kPartBytes - part_.size());
      part_.append(chunk.substr(0, count));
      chunk.remove_prefix(count);
    }
    return {};
  }

  Result<BlobInfo> Commit() override {
    if (error_) {
      return Fail(*error_);
    }
    Result<std::string> etag = upload_id_.empty() ? PutWhole() : CompleteUpload();
    if (!etag) {
      error_ = etag.error();
      return Fail(etag.error());
    }
    committed_ = true;
    part_ = std::string();
    BlobInfo info;
    info.key = key_;
    info.size = bytes_written_;
    info.etag = std::move(*etag);
    info.modified_at = NowMillis();
    info.sha256 = HexDigest(sha256_);
    return info;
  }

  int64_t bytes_written() const override { return bytes_written_; }

 private:
  Result<std::string> PutWhole() {
    const S3Request request{.method = "PUT",
                            .path = path_,
                            .headers = {"Content-Type: application/octet-stream"},
                            .body = part_};
    Result<S3Response> response = client_.Send(request);
    if (!response) {
      return Fail(response.error());
    }
    if (response->status != 200) {
      return Fail(S3ResponseError(request, *response));
    }
    return response->etag;
  }

  Status StartUpload() {
    const S3Request request{.method = "POST",
                            .path = path_,
                            .query = "uploads=",
                            .headers = {"Content-Type: application/octet-stream"}};
    Result<S3Response> response = client_.Send(request);
    if (!response) {
      return Fail(response.error());
    }
    if (response->status != 200) {
      return Fail(S3ResponseError(request, *response));
    }
    Result<std::string> upload_id = ParseUploadId(response->body);
    if (!upload_id) {
      return Fail(upload_id.error());
    }
    upload_id_ = std::move(*upload_id);
    return {};
  }

  Status SendPart() {
    if (upload_id_.empty()) {
      if (Status started = StartUpload(); !started) {
        return started;
      }
    }
    if (part_etags_.size() == kMaxParts) {
      return Fail(Error::Internal("blob " + key_ + " is larger than the " +
                                  std::to_string(kMaxParts) + " parts of a multipart upload"));
    }
    const S3Request request{
        .method = "PUT",
        .path = path_,
        .query = "partNumber=" + std::to_string(part_etags_.size() + 1) +
                 "&uploadId=" + S3UriEncode(upload_id_, false),
        .body = part_};
    Result<S3Response> response = client_.Send(request);
    if (!response) {
      return Fail(response.error());
    }
    if (response->status != 200 || response->etag.empty()) {
      return Fail(S3ResponseError(request, *response));
    }
    part_etags_.push_back(response->etag);
    part_.clear();
    return {};
  }

  Result<std::string> CompleteUpload() {
    if (!part_.empty()) {
      if (Status sent = SendPart(); !sent) {
        return Fail(sent.error());
      }
    }
    const std::string body = CompleteMultipartUploadXml(part_etags_);
    const S3Request request{.method = "POST",
                            .path = path_,
                            .query = "uploadId=" + S3UriEncode(upload_id_, false),
                            .headers = {"Content-Type: application/xml"},
                            .body = body};
    Result<S3Response> response = client_.Send(request);
    if (!response) {
      return Fail(response.error());
    }
    // S3 may report a failed completion in the body of a 200 response.
    if (response->status != 200 || ParseS3Error(response->body)) {
      return Fail(S3ResponseError(request, *response));
    }
    return ParseCompletedEtag(response->body);
  }

  void Abort() {
    const S3Request request{.method = "DELETE",
                            .path = path_,
                            .query = "uploadId=" + S3UriEncode(upload_id_, false)};
    Result<S3Response> response = client_.Send(request);
    if (response && (response->status == 204 || response->status == 200)) {
      spdlog::debug("Aborted the unfinished upload of blob {}", key_);
      return;
    }
    spdlog::warn(
        "Aborting the unfinished multipart upload of blob {} failed, so its parts stay on the S3 "
        "server: {}",
        key_, response ? S3ResponseError(request, *response).internal : response.error().internal);
  }

  S3Client& client_;
  std::string key_;
  std::string path_;
  EVP_MD_CTX* sha256_;
  std::string part_;  // received and not yet sent, at most kPartBytes
  std::string upload_id_;
  std::vector<std::string> part_etags_;
  int64_t bytes_written_ = 0;
  std::optional<Error> error_;
  bool committed_ = false;
};

class S3BlobStore final : public BlobStore {
 public:
  explicit S3BlobStore(S3BlobStoreOptions options)
      : bucket_(std::move(options.bucket)),
        prefix_(std::move(options.prefix)),
        list_page_size_(options.list_page_size),
        client_(std::move(options.client)) {}

  Result<std::unique_ptr<BlobWriter>> OpenWriter(std::string_view key) override {
    if (!IsValidBlobKey(key)) {
      return Fail(Error::InvalidArgument("invalid blob key"));
    }
    return std::make_unique<S3BlobWriter>(client_, std::string(key), ObjectPath(key));
  }

  Result<std::unique_ptr<BlobReader>> OpenReader(std::string_view key,
                                                 std::optional<ByteRange> range) override {
    if (!IsValidBlobKey(key)) {
      return Fail(Error::NotFound("The file does not exist."));
    }
    if (range && (range->last < range->first || range->last < 0)) {
      return EmptyReader(key);
    }
    S3Request request{.method = "GET", .path = ObjectPath(key)};
    if (range) {
      request.headers.push_back("Range: bytes=" + std::to_string(std::max<int64_t>(0, range->first)) +
                                "-" + std::to_string(range->last));
    }
    Result<std::unique_ptr<S3Download>> download = client_.Download(request);
    if (!download) {
      return Fail(download.error());
    }
    const S3Response& response = (*download)->response();
    // 416: the range starts past the end; the local store returns nothing for it, so this does.
    if (response.status == 416) {
      return EmptyReader(key);
    }
    if (response.status != 200 && response.status != 206) {
      return Fail(S3ResponseError(request, response));
    }
    if (range && response.status != 206) {
      return Fail(Error::Internal("S3 GET " + request.path + " ignored the Range header"));
    }
    BlobInfo info = InfoFrom(key, response);
    if (response.status == 206) {
      const std::optional<int64_t> size = SizeFromContentRange(response.content_range);
      if (!size) {
        return Fail(Error::Internal("S3 GET " + request.path + " returned Content-Range \"" +
                                    response.content_range + "\""));
      }
      info.size = *size;
    }
    const int64_t length = response.content_length;
    return std::make_unique<S3BlobReader>(std::move(*download), std::move(info), length);
  }

  Result<BlobInfo> Stat(std::string_view key) override {
    if (!IsValidBlobKey(key)) {
      return Fail(Error::NotFound("The file does not exist."));
    }
    const S3Request request{.method = "HEAD", .path = ObjectPath(key)};
    Result<S3Response> response = client_.Send(request);
    if (!response) {
      return Fail(response.error());
    }
    if (response->status != 200) {
      return Fail(S3ResponseError(request, *response));
    }
    return InfoFrom(key, *response);
  }

  Status Delete(std::string_view key) override {
    if (!IsValidBlobKey(key)) {
      return Fail(Error::InvalidArgument("invalid blob key"));
    }
    const S3Request request{.method = "DELETE", .path = ObjectPath(key)};
    Result<S3Response> response = client_.Send(request);
    if (!response) {
      return Fail(response.error());
    }
    // S3 answers 204 whether or not the key existed; some compatible servers answer 404.
    if (response->status == 204 || response->status == 200) {
      return {};
    }
    const Error error = S3ResponseError(request, *response);
    if (error.code == ErrorCode::kNotFound) {
      return {};
    }
    return Fail(error);
  }

  Result<std::vector<std::string>> List(std::string_view prefix) override {
    std::vector<std::string> keys;
    std::string token;
    do {
      // The canonical query of Signature Version 4: parameters sorted by name.
      std::string query;
      if (!token.empty()) {
        query = "continuation-token=" + S3UriEncode(token, false) + "&";
      }
      query += "list-type=2&max-keys=" + std::to_string(list_page_size_) +
               "&prefix=" + S3UriEncode(prefix_ + std::string(prefix), false);
      const S3Request request{.method = "GET", .path = "/" + bucket_, .query = query};
      Result<S3Response> response = client_.Send(request);
      if (!response) {
        return Fail(response.error());
      }
      if (response->status != 200) {
        return Fail(S3ResponseError(request, *response));
      }
      Result<S3ListPage> page = ParseListObjectsV2(response->body);
      if (!page) {
        return Fail(page.error());
      }
      for (std::string& key : page->keys) {
        if (key.starts_with(prefix_)) {
          keys.push_back(key.substr(prefix_.size()));
        }
      }
      token = page->truncated ? page->next_continuation_token : "";
    } while (!token.empty());
    std::sort(keys.begin(), keys.end());
    return keys;
  }

 private:
  std::string ObjectPath(std::string_view key) const {
    return "/" + bucket_ + "/" + S3UriEncode(prefix_ + std::string(key), true);
  }

  BlobInfo InfoFrom(std::string_view key, const S3Response& response) const {
    BlobInfo info;
    info.key = std::string(key);
    info.size = std::max<int64_t>(0, response.content_length);
    info.etag = response.etag;
    info.modified_at = response.last_modified_ms;
    return info;
  }

  Result<std::unique_ptr<BlobReader>> EmptyReader(std::string_view key) {
    Result<BlobInfo> info = Stat(key);
    if (!info) {
      return Fail(info.error());
    }
    return std::make_unique<S3BlobReader>(nullptr, std::move(*info), 0);
  }

  std::string bucket_;
  std::string prefix_;
  int list_page_size_;
  S3Client client_;
};

}  // namespace

S3BlobStoreOptions S3BlobStoreOptionsFor(const S3Url& url, std::string access_key_id,
                                         std::string secret_access_key,
                                         std::string session_token) {
  S3BlobStoreOptions options;
  options.bucket = url.bucket;
  options.prefix = url.prefix;
  options.client.endpoint = url.endpoint;
  options.client.region = url.region;
  options.client.access_key_id = std::move(access_key_id);
  options.client.secret_access_key = std::move(secret_access_key);
  options.client.session_token = std::move(session_token);
  return options;
}

std::unique_ptr<BlobStore> MakeS3BlobStore(S3BlobStoreOptions options) {
  return std::make_unique<S3BlobStore>(std::move(options));
}

}  // namespace openlabs::storage
