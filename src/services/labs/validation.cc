#include "services/labs/validation.h"

#include <algorithm>

namespace openlabs::labs {
namespace {

bool IsTagCharacter(char c) {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '+' || c == '.' ||
         c == '#';
}

bool HasControlCharacter(std::string_view text, bool multiline) {
  return std::any_of(text.begin(), text.end(), [multiline](char c) {
    const auto byte = static_cast<unsigned char>(c);
    if (multiline && (c == '\n' || c == '\r' || c == '\t')) {
      return false;
    }
    return byte < 0x20 || byte == 0x7f;
  });
}

std::string_view Trim(std::string_view text) {
  const size_t first = text.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos) {
    return {};
  }
  const size_t last = text.find_last_not_of(" \t\r\n");
  return text.substr(first, last - first + 1);
}

}  // namespace

size_t Utf8Length(std::string_view text) {
  size_t count = 0;
  size_t i = 0;
  while (i < text.size()) {
    const auto lead = static_cast<unsigned char>(text[i]);
    size_t length = 1;
    uint32_t code_point = lead;
    if (lead >= 0x80) {
      if ((lead & 0xe0) == 0xc0) {
        length = 2;
        code_point = lead & 0x1f;
      } else if ((lead & 0xf0) == 0xe0) {
        length = 3;
        code_point = lead & 0x0f;
      } else if ((lead & 0xf8) == 0xf0) {
        length = 4;
        code_point = lead & 0x07;
      } else {
        return std::string_view::npos;
      }
    }
    if (i + length > text.size()) {
      return std::string_view::npos;
    }
    for (size_t k = 1; k < length; ++k) {
      const auto next = static_cast<unsigned char>(text[i + k]);
      if ((next & 0xc0) != 0x80) {
        return std::string_view::npos;
      }
      code_point = (code_point << 6) | (next & 0x3f);
    }
    const bool overlong = (length == 2 && code_point < 0x80) ||
                          (length == 3 && code_point < 0x800) ||
                          (length == 4 && code_point < 0x10000);
    if (overlong || code_point > 0x10ffff || (code_point >= 0xd800 && code_point <= 0xdfff)) {
      return std::string_view::npos;
    }
    i += length;
    ++count;
  }
  return count;
}

void CheckText(std::string_view field, std::string_view value, size_t max_length, bool multiline,
               bool required, std::vector<FieldViolation>& problems) {
  const size_t length = Utf8Length(value);
  if (length == std::string_view::npos) {
    problems.push_back({std::string(field), "must be valid UTF-8"});
    return;
  }
  if (HasControlCharacter(value, multiline)) {
    problems.push_back({std::string(field), "must not contain control characters"});
    return;
  }
  if (required && Trim(value).empty()) {
    problems.push_back({std::string(field), "must not be empty"});
    return;
  }
  if (length > max_length) {
    problems.push_back({std::string(field), "must be at most " + std::to_string(max_length) +
                                                " characters long, got " + std::to_string(length)});
  }
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

Result<std::vector<std::string>> NormalizeTags(const std::vector<std::string>& tags) {
  std::vector<std::string> normalized;
  for (const std::string& tag : tags) {
    Result<std::string> one = NormalizeTag(tag);
    if (!one) {
      return Fail(one.error());
    }
    if (std::find(normalized.begin(), normalized.end(), *one) == normalized.end()) {
      normalized.push_back(std::move(*one));
    }
  }
  if (normalized.size() > kMaxTags) {
    return Fail(Error::Validation({{"tags", "must have at most 10 distinct tags, got " +
                                                std::to_string(normalized.size())}}));
  }
  return normalized;
}

Result<std::string> NormalizeAssetPath(std::string_view path) {
  auto invalid = [](std::string reason) {
    return Fail(Error::Validation({{"path", std::move(reason)}}));
  };
  if (path.size() > kMaxAssetPathBytes) {
    return invalid("must be at most 1024 bytes long");
  }
  if (Utf8Length(path) == std::string_view::npos || HasControlCharacter(path, false)) {
    return invalid("must be valid UTF-8 without control characters");
  }
  if (path.find('\\') != std::string_view::npos) {
    return invalid("must use '/' between folders, not '\\'");
  }

  std::string normalized;
  size_t start = 0;
  while (start <= path.size()) {
    size_t end = path.find('/', start);
    if (end == std::string_view::npos) {
      end = path.size();
    }
    const std::string_view segment = path.substr(start, end - start);
    start = end + 1;
    if (segment == "..") {
      return invalid("must not contain \"..\" segments");
    }
    if (segment == "." || (segment.empty() && normalized.empty())) {
      continue;  // "./x" and "/x" mean "x" in a lab's folder
    }
    if (segment.empty()) {
      if (end == path.size()) {
        return invalid("must name a file, not a folder");
      }
      return invalid("must not contain empty segments (\"//\")");
    }
    if (!normalized.empty()) {
      normalized.push_back('/');
    }
    normalized.append(segment);
  }
  if (normalized.empty()) {
    return invalid("must name a file");
  }
  return normalized;
}

}  // namespace openlabs::labs
