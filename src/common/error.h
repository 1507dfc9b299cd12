#pragma once

#include <expected>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace openlabs {

// Protocol-neutral error codes. Each maps once to an HTTP status (HttpStatusFor) and, when the
// services talk gRPC, once to a gRPC status.
enum class ErrorCode {
  kInvalidArgument,       // 400: malformed request (bad JSON, wrong type, missing field)
  kUnauthenticated,       // 401: no valid credentials
  kPaymentRequired,       // 402: not enough points
  kPermissionDenied,      // 403: authenticated but not allowed
  kNotFound,              // 404
  kMethodNotAllowed,      // 405
  kAlreadyExists,         // 409: conflict with existing state
  kFailedPrecondition,    // 409: the resource is in the wrong state for this operation
  kPayloadTooLarge,       // 413
  kUnsupportedMediaType,  // 415
  kValidationFailed,      // 422: well-formed but semantically invalid fields
  kRateLimited,           // 429
  kInternal,              // 500
  kUnavailable,           // 503
  kDeadlineExceeded,      // 504
};

// One field-level problem, reported in the "details" array of an error body.
struct FieldViolation {
  std::string field;
  std::string message;
};

// The single error type of the platform. `message` is safe to show to clients; `internal` is
// for logs only and may contain SQL errors, paths or other detail that must not leak.
struct Error {
  ErrorCode code = ErrorCode::kInternal;
  std::string message;
  std::vector<FieldViolation> details;
  std::string internal;
  std::optional<int> retry_after_seconds;

  static Error InvalidArgument(std::string message) {
    return {ErrorCode::kInvalidArgument, std::move(message)};
  }
  static Error Unauthenticated(std::string message) {
    return {ErrorCode::kUnauthenticated, std::move(message)};
  }
  static Error PermissionDenied(std::string message) {
    return {ErrorCode::kPermissionDenied, std::move(message)};
  }
  static Error NotFound(std::string message) { return {ErrorCode::kNotFound, std::move(message)}; }
  static Error AlreadyExists(std::string message) {
    return {ErrorCode::kAlreadyExists, std::move(message)};
  }
  static Error FailedPrecondition(std::string message) {
    return {ErrorCode::kFailedPrecondition, std::move(message)};
  }
  static Error Validation(std::vector<FieldViolation> details) {
    return {ErrorCode::kValidationFailed, "The request has invalid fields.", std::move(details)};
  }
  static Error Internal(std::string internal_detail) {
    return {ErrorCode::kInternal, "An internal error occurred.", {}, std::move(internal_detail)};
  }
};

template <typename T>
using Result = std::expected<T, Error>;

// Result of an operation that produces no value.
using Status = std::expected<void, Error>;

inline std::unexpected<Error> Fail(Error error) { return std::unexpected(std::move(error)); }

// The HTTP status code for an error code.
int HttpStatusFor(ErrorCode code);

// The stable snake_case name of an error code, used as "code" in JSON error bodies.
const char* ErrorCodeName(ErrorCode code);

}  // namespace openlabs
