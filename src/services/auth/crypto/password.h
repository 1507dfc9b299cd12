#pragma once

#include <string>
#include <string_view>

#include "common/error.h"

// Password hashing with libsodium's argon2id and a check against common passwords.
// All functions are thread-safe.
namespace openlabs::auth {

// Hashes `password` with argon2id at libsodium's INTERACTIVE limits (2 passes, 64 MiB). Each call
// allocates 64 MiB and takes tens of milliseconds of CPU time, so callers should bound how many
// run at once. Returns the self-describing "$argon2id$v=19$m=...,t=...,p=...$..."
// string, with its own random salt, to store as is. Fails with an internal error when libsodium
// cannot allocate the memory.
Result<std::string> HashPassword(std::string_view password);

// Returns true when `password` matches `stored_hash`, a string from HashPassword (or any argon2i
// or argon2id hash in libsodium's format). A malformed hash never matches.
bool VerifyPassword(std::string_view stored_hash, std::string_view password);

// Returns true when `stored_hash` was made with other parameters than HashPassword uses now, or
// with another algorithm, so the caller should rehash the password after a successful login.
bool PasswordNeedsRehash(std::string_view stored_hash);

// Returns true when `password`, compared case-insensitively (ASCII only), is one of the 10,000
// most common passwords of the list embedded at build time from common_passwords.txt.
bool IsCommonPassword(std::string_view password);

}  // namespace openlabs::auth
