#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "common/error.h"

namespace openlabs::storage {
class BlobReader;
}  // namespace openlabs::storage

namespace openlabs::gateway {

class ResponseStream;

// A file part of a multipart upload, already stored in the blob store by the server.
struct UploadedFile {
  std::string field;         // form field name, e.g. "files[]"
  std::string filename;      // base name from the client, made safe (see SafeFilename)
  std::string content_type;  // as the client declared it; check the content, not this
  std::string blob_key;      // where the bytes are: "uploads/<uuid>"
  int64_t size = 0;
  std::string sha256;  // hex digest of the content
  std::string head;    // the first bytes (up to 512), for checking the type by content
};

// Limits of one multipart upload request.
struct UploadLimits {
  int64_t max_file_bytes = 100 << 20;  // per file part
  int max_files = 10;
  int64_t max_field_bytes = 1 << 20;  // per text field
  int max_fields = 32;
};

// An HTTP request as handlers see it: independent of Boost.Beast, with the body read in full
// (for upload routes, the parts of the body are in `form` and `files` instead).
struct Request {
  std::string method;  // upper case, e.g. "GET"
  std::string target;  // as received, with the query string
  std::string path;    // percent-decoded path without the query string
  std::unordered_map<std::string, std::string> query;        // percent-decoded parameters
  std::vector<std::string> repeated_query;  // parameters that occur more than once in the query
  std::vector<std::pair<std::string, std::string>> headers;  // names in lower case
  std::string body;
  std::string remote_address;  // the peer's IP address
  std::string request_id;
  std::unordered_map<std::string, std::string> path_params;  // from "{name}" route segments
  // For upload routes only: the text fields and the stored files of the multipart body. When
  // the handler responds with a status of 400 or more, the server deletes these files; otherwise
  // the handler owns them and must record or delete them.
  std::unordered_multimap<std::string, std::string> form;
  std::vector<UploadedFile> files;

  // The first header with this name (case-insensitive), or an empty view.
  std::string_view Header(std::string_view name) const;
  // The value of a "{name}" route segment, or an empty view.
  std::string_view PathParam(std::string_view name) const;
  // The value of a query parameter, or an empty view.
  std::string_view QueryParam(std::string_view name) const;
};

struct Response {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
  // When set, the server sends the reader's bytes as the body instead of `body`, in chunks so
  // that memory does not grow with the file size; Content-Length is the reader's length(). For
  // downloads of blobs (assets, PDFs, private files), including 206 partial responses: the
  // handler sets status, Content-Range and the other headers, and opens the reader on the range.
  // A HEAD request, and a 204 or 304 status, get the headers only. BlobDownload (in
  // blob_response.h) fills all of this for the usual cases.
  std::shared_ptr<storage::BlobReader> body_reader;
  // When set (and body_reader is not), the body is written over time by another thread and sent
  // with chunked transfer coding, one chunk per batch of written bytes; see ResponseStream.
  std::shared_ptr<ResponseStream> stream;

  static Response Json(int status, const nlohmann::json& body);
  // A JSON response whose body is already serialized.
  static Response JsonText(int status, std::string body);
  static Response NoContent();
  // The JSON error body {"error": {"code", "message", "details"}} with the mapped status.
  static Response FromError(const Error& error);
};

using Handler = std::function<Response(const Request&)>;

// The thread pool a handler runs on. Handlers that block for long (password hashing, large file work) run on
// the worker pool so that they do not stall the event loop of their connection's thread.
enum class Execution {
  kInline,
  kWorker,
};

}  // namespace openlabs::gateway
