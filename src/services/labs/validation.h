#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/error.h"

namespace openlabs::labs {

inline constexpr size_t kMaxTitleLength = 200;         // characters
inline constexpr size_t kMaxDescriptionLength = 1000;  // characters
inline constexpr size_t kMaxBodyBytes = 1 << 20;       // 1 MiB of Markdown
inline constexpr size_t kMaxTags = 10;
inline constexpr size_t kMaxTagLength = 40;
inline constexpr size_t kMaxAssetPathBytes = 1024;
inline constexpr size_t kMaxAssetsPerLab = 1000;

// The number of code points in `text`, or npos when it is not valid UTF-8.
size_t Utf8Length(std::string_view text);

// Appends a violation for `field` when `value` is not valid UTF-8, contains control characters
// (line breaks and tabs are allowed when `multiline`), or has more than `max_length` characters,
// or is blank while `required`.
void CheckText(std::string_view field, std::string_view value, size_t max_length, bool multiline,
               bool required, std::vector<FieldViolation>& problems);

// The canonical form of a tag: trimmed, ASCII lower case, with spaces and '_' turned into '-'.
// A tag is 1 to 40 characters of [a-z0-9-+.#]; kValidationFailed names the offending tag.
Result<std::string> NormalizeTag(std::string_view tag);

// Normalises every tag and drops duplicates, keeping the first occurrence's position. At most
// 10 tags remain allowed.
Result<std::vector<std::string>> NormalizeTags(const std::vector<std::string>& tags);

// The canonical form of an asset path as a Markdown link would write it: "./" segments and
// leading "/" are dropped, so "/img/x.png" and "./img/x.png" both become "img/x.png".
// kValidationFailed for an empty path, "..", backslashes, control characters, an empty segment
// or more than 1024 bytes.
Result<std::string> NormalizeAssetPath(std::string_view path);

}  // namespace openlabs::labs
