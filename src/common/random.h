#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace openlabs {

// Cryptographically secure random bytes (libsodium's randombytes_buf).
std::string RandomBytes(size_t count);

// `byte_count` random bytes, base64url-encoded without padding. Used for opaque tokens.
std::string RandomToken(size_t byte_count = 32);

// A random (version 4) UUID in its canonical 36-character form.
std::string NewUuid();

// Base64url without padding, as JWTs and opaque tokens use it.
std::string Base64UrlEncode(std::string_view bytes);

// Lower-case hex of the SHA-256 digest of `data`.
std::string Sha256Hex(std::string_view data);

}  // namespace openlabs
