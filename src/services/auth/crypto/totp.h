#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/error.h"

// Time-based one-time passwords (TOTP, RFC 6238) as authenticator apps use them: HMAC-SHA-1,
// 6 digits, 30-second steps. All functions are thread-safe.
namespace openlabs::auth {

inline constexpr int kTotpDigits = 6;
inline constexpr int kTotpStepSeconds = 30;
// The widest window VerifyTotp accepts: 10 steps (5 minutes) either side.
inline constexpr int kMaxTotpWindowSteps = 10;

// Generates a new secret: 20 random bytes (the HMAC-SHA-1 block of RFC 4226) as upper-case
// base32 without padding, 32 characters.
std::string GenerateTotpSecret();

// Computes the HMAC-SHA-1 code of `base32_secret` for the step that contains `unix_seconds`.
// Lower-case letters, spaces and padding in the secret are accepted. Fails with
// Error::InvalidArgument when the secret is not base32 or empty, `digits` is outside 6..8,
// `step` is not positive or `unix_seconds` is negative.
Result<std::string> TotpCode(std::string_view base32_secret, int64_t unix_seconds,
                             int digits = kTotpDigits, int step = kTotpStepSeconds);

// Checks a 6-digit `code` against the steps from `window_steps` before to `window_steps` after
// the step of `now`, and returns the counter (Unix time / 30) of the step that matched. The
// caller stores it and rejects a later code whose counter is not greater, so a code cannot be
// used twice. Returns nullopt when the code is not exactly 6 ASCII digits, the secret is
// invalid, `window_steps` is outside 0..kMaxTotpWindowSteps, or no step matches. Codes are
// compared in constant time.
std::optional<int64_t> VerifyTotp(std::string_view base32_secret, std::string_view code,
                                  int64_t now, int window_steps = 1);

// Builds the otpauth:// URI (the Key URI Format of Google Authenticator) that an authenticator
// app reads from a QR code: otpauth://totp/Issuer:account?secret=...&issuer=...&algorithm=SHA1
// &digits=6&period=30, with the issuer and account percent-encoded.
std::string OtpauthUri(std::string_view issuer, std::string_view account,
                       std::string_view base32_secret);

// The HMAC of RFC 6238. Logins use only kSha1, because authenticator apps ignore the other
// algorithms. kSha256 and kSha512 exist so that the tests can check every RFC 6238 test vector.
enum class TotpAlgorithm { kSha1, kSha256, kSha512 };

// Computes the code for a raw (not base32) `key`. Fails like TotpCode, and when `key` is empty.
Result<std::string> TotpCodeForKey(std::string_view key, int64_t unix_seconds,
                                   TotpAlgorithm algorithm, int digits = kTotpDigits,
                                   int step = kTotpStepSeconds);

}  // namespace openlabs::auth
