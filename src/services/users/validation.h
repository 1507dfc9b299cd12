#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/error.h"

namespace openlabs::users {

inline constexpr size_t kMaxUsernameLength = 32;
inline constexpr size_t kMaxEmailLength = 254;
inline constexpr size_t kMaxNameLength = 100;
inline constexpr size_t kMaxBioLength = 2000;

// Appends a violation for `field` when the value breaks its rule:
// usernames are 3-32 ASCII letters, digits, '_', '.', '-', starting with a letter or digit;
// emails have one '@', a non-empty local part of at most 64 bytes and a dotted domain;
// names and bios are valid UTF-8 without control characters, within their maximum length.
void CheckUsername(std::string_view username, std::vector<FieldViolation>& problems);
void CheckEmail(std::string_view email, std::vector<FieldViolation>& problems);
void CheckText(std::string_view field, std::string_view value, size_t max_length, bool multiline,
               std::vector<FieldViolation>& problems);

// The case-folded form under which usernames and emails are unique.
std::string LoginKey(std::string_view login);

}  // namespace openlabs::users
