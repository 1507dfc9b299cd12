#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "gateway/http.h"
#include "storage/blob_store.h"

namespace openlabs::gateway {

// The Content-Security-Policy that BlobDownload sends by default. It blocks scripts, plugins,
// forms and framing, so an uploaded HTML or SVG file opened in the browser cannot run code on
// this origin, while images, media and inline styles still display.
inline constexpr std::string_view kDownloadContentSecurityPolicy =
    "default-src 'none'; img-src 'self' data:; media-src 'self'; style-src 'unsafe-inline'; "
    "frame-ancestors 'none'; form-action 'none'; base-uri 'none'";

// Options of BlobDownload: the headers that describe the blob to the client.
struct DownloadOptions {
  // The Content-Type of the bytes. Set it from what the service has checked (for example the
  // file's first bytes), not from the uploader's declaration alone.
  std::string content_type = "application/octet-stream";
  // The file name offered to the browser. Empty sends Content-Disposition without a file name.
  std::string filename;
  // True sends "attachment", so browsers save the file; false sends "inline", so they display it
  // when they can.
  bool attachment = false;
  // The hex SHA-256 of the content. When set it becomes the ETag, which then stays the same when
  // the same content is stored again; otherwise the blob store's etag is used.
  std::string sha256;
  std::string cache_control = "private, max-age=0, must-revalidate";
  // Empty sends none, which leaves the server's default policy for the web app in place.
  std::string content_security_policy = std::string(kDownloadContentSecurityPolicy);
};

// Builds the response that sends blob `key` to the client, with the standard HTTP handling of a
// file download. The server streams the bytes from the blob store in chunks
// (Response::body_reader), so memory does not grow with the file size. Thread-safe when `blobs`
// is; a handler can call it inline or on the worker pool.
//
//   - 404 not_found when the blob does not exist; 500 (logged) when the store fails.
//   - ETag: the quoted `options.sha256`, or the quoted etag of the blob store.
//   - If-None-Match that lists the ETag (weak comparison) or "*": 304 without a body.
//   - GET with one range, "Range: bytes=a-b", "bytes=a-" or "bytes=-n": 206 with
//     "Content-Range: bytes a-b/size". Ranges past the end are shortened to the size.
//   - A range that starts at or past the end, or "bytes=-0": 416 with a JSON error and
//     "Content-Range: bytes */size".
//   - Several ranges, a Range header that does not parse, a Range on HEAD, an empty blob, or an
//     If-Range that does not equal the ETag: the whole blob with 200, as RFC 9110 allows.
//   - Always: Accept-Ranges: bytes, Content-Type, Content-Disposition (see ContentDisposition),
//     X-Content-Type-Options: nosniff, Cache-Control and, unless empty, Content-Security-Policy.
//   - HEAD: the same status and headers as GET, and no body.
//
// The caller checks access before calling it, and can add headers to the returned response.
// Example:
//   DownloadOptions options;
//   options.content_type = "application/pdf";
//   options.filename = article.file_name;
//   return BlobDownload(request, blobs, article.pdf_key, options);
Response BlobDownload(const Request& request, storage::BlobStore& blobs, std::string_view key,
                      const DownloadOptions& options = {});

// The outcome of a Range header for a representation of a known size.
struct RangeSelection {
  enum class Kind {
    kFull,           // send the whole representation with 200
    kPartial,        // send `range` with 206
    kUnsatisfiable,  // send 416
  };
  Kind kind = Kind::kFull;
  storage::ByteRange range;  // inclusive and within the size when kind is kPartial
};

// Interprets the value of a Range header for a representation of `size` bytes (RFC 9110
// section 14.2). An empty, malformed or multi-range value, and any range of an empty
// representation, selects kFull.
RangeSelection SelectRange(std::string_view range_header, int64_t size);

// The range to send for `request`: SelectRange of its Range header for GET, when an If-Range
// header is absent or equals `etag` (quoted). kFull for every other method.
RangeSelection SelectRequestRange(const Request& request, std::string_view etag, int64_t size);

// The Content-Range value "bytes first-last/size".
std::string ContentRange(const storage::ByteRange& range, int64_t size);

// The 416 response for a representation of `size` bytes: a JSON error (code invalid_argument)
// with "Content-Range: bytes */size".
Response RangeNotSatisfiable(int64_t size);

// True when an If-None-Match value lists `etag` (weak comparison, so W/"x" equals "x") or is
// "*". `etag` is quoted.
bool IfNoneMatchMatches(std::string_view if_none_match, std::string_view etag);

// A Content-Disposition value: "inline" or "attachment" and, for a non-empty `filename`, two
// file name parameters (RFC 6266, RFC 8187). The ASCII fallback `filename="..."` drops quotes,
// backslashes, percent signs, slashes and control characters, and replaces other non-ASCII
// characters by '_'. The exact UTF-8 name follows as `filename*=UTF-8''<percent-encoded>`,
// unless the name is not valid UTF-8. Any directory part of `filename` is dropped.
std::string ContentDisposition(bool attachment, std::string_view filename);

}  // namespace openlabs::gateway
