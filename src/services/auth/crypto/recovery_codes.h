#pragma once

#include <string>
#include <string_view>
#include <vector>

// One-time recovery codes that replace a TOTP code when the authenticator is lost.
// All functions are thread-safe.
namespace openlabs::auth {

inline constexpr int kDefaultRecoveryCodeCount = 10;

// Generates `count` codes (none when `count` is not positive) of the form "xxxx-xxxx-xxxx":
// 12 characters of Crockford's base32 alphabet (0-9 and a-z without i, l, o, u), 60 random bits
// each. Show them to the user once and store only HashRecoveryCode of each.
std::vector<std::string> GenerateRecoveryCodes(int count = kDefaultRecoveryCodeCount);

// Normalizes a code as a user may type it: lower-cases ASCII letters, drops dashes, spaces, tabs
// and line breaks, and reads o as 0 and i and l as 1, as Crockford's base32 does.
std::string NormalizeRecoveryCode(std::string_view code);

// Returns the lower-case SHA-256 hex of the normalized code, to store and to look up. An unsalted
// fast hash is enough because each code has 60 random bits, so recovering a code from its hash
// takes 2^59 SHA-256 computations on average.
std::string HashRecoveryCode(std::string_view code);

}  // namespace openlabs::auth
