#include "services/users/validation.h"

#include <cctype>

namespace openlabs::users {
namespace {

bool IsAsciiAlphanumeric(char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0; }

// True when `text` is valid UTF-8 and, unless `multiline`, free of control characters.
bool IsCleanUtf8(std::string_view text, bool multiline) {
  size_t i = 0;
  while (i < text.size()) {
    const auto lead = static_cast<unsigned char>(text[i]);
    if (lead < 0x80) {
      const bool allowed_control = multiline && (lead == '\n' || lead == '\r' || lead == '\t');
      if ((lead < 0x20 && !allowed_control) || lead == 0x7f) {
        return false;
      }
      ++i;
      continue;
    }
    size_t length = 0;
    uint32_t code_point = 0;
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
      return false;
    }
    if (i + length > text.size()) {
      return false;
    }
    for (size_t k = 1; k < length; ++k) {
      const auto next = static_cast<unsigned char>(text[i + k]);
      if ((next & 0xc0) != 0x80) {
        return false;
      }
      code_point = (code_point << 6) | (next & 0x3f);
    }
    const bool overlong = (length == 2 && code_point < 0x80) ||
                          (length == 3 && code_point < 0x800) ||
                          (length == 4 && code_point < 0x10000);
    if (overlong || code_point > 0x10ffff || (code_point >= 0xd800 && code_point <= 0xdfff)) {
      return false;
    }
    i += length;
  }
  return true;
}

}  // namespace

void CheckUsername(std::string_view username, std::vector<FieldViolation>& problems) {
  if (username.size() < 3 || username.size() > kMaxUsernameLength) {
    problems.push_back({"username", "must be 3 to 32 characters long"});
    return;
  }
  if (!IsAsciiAlphanumeric(username.front())) {
    problems.push_back({"username", "must start with an ASCII letter or digit"});
    return;
  }
  for (const char c : username) {
    if (!IsAsciiAlphanumeric(c) && c != '_' && c != '.' && c != '-') {
      problems.push_back({"username", "may contain only letters, digits, '_', '.' and '-'"});
      return;
    }
  }
}

void CheckEmail(std::string_view email, std::vector<FieldViolation>& problems) {
  const size_t at = email.find('@');
  const bool shape_ok = email.size() <= kMaxEmailLength && at != std::string_view::npos &&
                        at > 0 && at <= 64 && email.find('@', at + 1) == std::string_view::npos;
  if (!shape_ok) {
    problems.push_back({"email", "must be an email address such as name@example.org"});
    return;
  }
  const std::string_view domain = email.substr(at + 1);
  const size_t dot = domain.rfind('.');
  if (domain.empty() || dot == std::string_view::npos || dot == 0 || dot + 3 > domain.size() ||
      domain.find("..") != std::string_view::npos || domain.front() == '-') {
    problems.push_back({"email", "must have a domain such as example.org"});
    return;
  }
  for (const char c : email) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte <= 0x20 || byte == 0x7f || c == '<' || c == '>' || c == '(' || c == ')' ||
        c == ',' || c == ';' || c == ':' || c == '\\' || c == '"' || c == '[' || c == ']') {
      problems.push_back({"email", "contains a character that is not allowed in an address"});
      return;
    }
  }
}

void CheckText(std::string_view field, std::string_view value, size_t max_length, bool multiline,
               std::vector<FieldViolation>& problems) {
  if (value.size() > max_length) {
    problems.push_back(
        {std::string(field), "must be at most " + std::to_string(max_length) + " bytes long"});
    return;
  }
  if (!IsCleanUtf8(value, multiline)) {
    problems.push_back({std::string(field), "must be valid UTF-8 without control characters"});
  }
}

std::string LoginKey(std::string_view login) {
  std::string key(login);
  for (char& c : key) {
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return key;
}

}  // namespace openlabs::users
