#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/error.h"

// Field checks of the articles service. Each Check function appends its problems to `problems`
// and returns the normalised value.
namespace openlabs::articles {

inline constexpr size_t kMaxTitleLength = 300;      // characters
inline constexpr size_t kMaxAbstractLength = 5000;  // characters
inline constexpr size_t kMaxAuthors = 50;
inline constexpr size_t kMaxAuthorLength = 200;  // characters
inline constexpr size_t kMaxTags = 10;
inline constexpr size_t kMaxTagLength = 40;
inline constexpr size_t kMaxFilenameBytes = 255;

// Number of code points in `text`, or std::string_view::npos when it is not valid UTF-8.
size_t Utf8Length(std::string_view text);

std::string CheckTitle(std::string_view title, std::vector<FieldViolation>& problems);
std::string CheckAbstract(std::string_view abstract, std::vector<FieldViolation>& problems);
// Trims every name and drops empty ones.
std::vector<std::string> CheckAuthors(const std::vector<std::string>& authors,
                                      std::vector<FieldViolation>& problems);
// Normalises every tag (see NormalizeTag) and drops duplicates, keeping the first position.
std::vector<std::string> CheckTags(const std::vector<std::string>& tags,
                                   std::vector<FieldViolation>& problems);
// The file name to show in downloads: "article.pdf" when empty.
std::string CheckFilename(std::string_view filename, std::vector<FieldViolation>& problems);

}  // namespace openlabs::articles
