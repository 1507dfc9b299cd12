#include "services/articles/validation.h"

#include <algorithm>

#include "services/articles/articles_service.h"

namespace openlabs::articles {
namespace {

std::string_view Trim(std::string_view text) {
  const size_t first = text.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos) {
    return {};
  }
  const size_t last = text.find_last_not_of(" \t\r\n");
  return text.substr(first, last - first + 1);
}

bool HasControlCharacter(std::string_view text, bool allow_newlines) {
  return std::any_of(text.begin(), text.end(), [&](char c) {
    const auto byte = static_cast<unsigned char>(c);
    if (allow_newlines && (c == '\n' || c == '\r' || c == '\t')) {
      return false;
    }
    return byte < 0x20 || byte == 0x7F;
  });
}

// Checks that `text` is valid UTF-8 of at most `max_length` characters without control
// characters (newlines and tabs allowed when `multiline`).
void CheckText(std::string_view field, std::string_view text, size_t max_length, bool multiline,
               std::vector<FieldViolation>& problems) {
  const size_t length = Utf8Length(text);
  if (length == std::string_view::npos) {
    problems.push_back({std::string(field), "must be valid UTF-8"});
    return;
  }
  if (length > max_length) {
    problems.push_back({std::string(field), "must be at most " + std::to_string(max_length) +
                                                " characters long, got " + std::to_string(length)});
    return;
  }
  if (HasControlCharacter(text, multiline)) {
    problems.push_back({std::string(field), "must not contain control characters"});
  }
}

bool IsTagCharacter(char c) {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '+' || c == '.' ||
         c == '#';
}

}  // namespace

size_t Utf8Length(std::string_view text) {
  size_t length = 0;
  size_t i = 0;
  while (i < text.size()) {
    const auto lead = static_cast<unsigned char>(text[i]);
    size_t size = 0;
    if (lead < 0x80) {
      size = 1;
    } else if (lead >= 0xC2 && lead <= 0xDF) {
      size = 2;
    } else if (lead >= 0xE0 && lead <= 0xEF) {
      size = 3;
    } else if (lead >= 0xF0 && lead <= 0xF4) {
      size = 4;
    } else {
      return std::string_view::npos;
    }
    if (i + size > text.size()) {
      return std::string_view::npos;
    }
    for (size_t k = 1; k < size; ++k) {
      if ((static_cast<unsigned char>(text[i + k]) & 0xC0) != 0x80) {
        return std::string_view::npos;
      }
    }
    // Overlong three-byte forms, surrogates and code points past U+10FFFF.
    const auto second = size > 1 ? static_cast<unsigned char>(text[i + 1]) : 0;
    if ((lead == 0xE0 && second < 0xA0) || (lead == 0xED && second > 0x9F) ||
        (lead == 0xF0 && second < 0x90) || (lead == 0xF4 && second > 0x8F)) {
      return std::string_view::npos;
    }
    i += size;
    ++length;
  }
  return length;
}

std::string CheckTitle(std::string_view title, std::vector<FieldViolation>& problems) {
  const std::string_view trimmed = Trim(title);
  if (trimmed.empty()) {
    problems.push_back({"title", "must not be empty"});
    return "";
  }
  CheckText("title", trimmed, kMaxTitleLength, false, problems);
  return std::string(trimmed);
}

std::string CheckAbstract(std::string_view abstract, std::vector<FieldViolation>& problems) {
  const std::string_view trimmed = Trim(abstract);
  CheckText("abstract", trimmed, kMaxAbstractLength, true, problems);
  return std::string(trimmed);
}

std::vector<std::string> CheckAuthors(const std::vector<std::string>& authors,
                                      std::vector<FieldViolation>& problems) {
  std::vector<std::string> names;
  for (const std::string& author : authors) {
    const std::string_view name = Trim(author);
    if (name.empty()) {
      continue;
    }
    CheckText("authors", name, kMaxAuthorLength, false, problems);
    names.emplace_back(name);
  }
  if (names.size() > kMaxAuthors) {
    problems.push_back(
        {"authors", "must have at most 50 names, got " + std::to_string(names.size())});
  }
  return names;
}

std::vector<std::string> CheckTags(const std::vector<std::string>& tags,
                                   std::vector<FieldViolation>& problems) {
  std::vector<std::string> normalized;
  for (const std::string& tag : tags) {
    Result<std::string> one = NormalizeTag(tag);
    if (!one) {
      problems.insert(problems.end(), one.error().details.begin(), one.error().details.end());
      continue;
    }
    if (std::find(normalized.begin(), normalized.end(), *one) == normalized.end()) {
      normalized.push_back(std::move(*one));
    }
  }
  if (normalized.size() > kMaxTags) {
    problems.push_back(
        {"tags", "must have at most 10 distinct tags, got " + std::to_string(normalized.size())});
  }
  return normalized;
}

std::string CheckFilename(std::string_view filename, std::vector<FieldViolation>& problems) {
  const std::string_view trimmed = Trim(filename);
  if (trimmed.empty()) {
    return "article.pdf";
  }
  if (trimmed.size() > kMaxFilenameBytes) {
    problems.push_back({"filename", "must be at most 255 bytes long"});
  }
  CheckText("filename", trimmed, kMaxFilenameBytes, false, problems);
  const bool has_separator = trimmed.find_first_of("/\\") != std::string_view::npos;
  if (has_separator) {
    problems.push_back({"filename", "must be a file name without '/' or '\\'"});
  }
  return std::string(trimmed);
}

Result<std::string> NormalizeTag(std::string_view tag) {
  std::string normalized;
  for (const char c : Trim(tag)) {
    if (c >= 'A' && c <= 'Z') {
      normalized.push_back(static_cast<char>(c - 'A' + 'a'));
    } else if (c == ' ' || c == '_') {
      normalized.push_back('-');
    } else {
      normalized.push_back(c);
    }
  }
  if (normalized.empty() || normalized.size() > kMaxTagLength ||
      !std::all_of(normalized.begin(), normalized.end(), IsTagCharacter)) {
    return Fail(Error::Validation(
        {{"tags", "tag \"" + std::string(tag).substr(0, 60) +
                      "\" must be 1 to 40 characters of a-z, 0-9, '-', '+', '.' and '#'"}}));
  }
  return normalized;
}

}  // namespace openlabs::articles
