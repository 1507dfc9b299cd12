#include "services/labs/content_type.h"

#include <algorithm>
#include <array>
#include <utility>

namespace openlabs::labs {
namespace {

struct Magic {
  std::string_view prefix;
  std::string_view content_type;
};

constexpr std::array kMagics = {
    Magic{"\x89PNG\r\n\x1a\n", "image/png"},
    Magic{"\xff\xd8\xff", "image/jpeg"},
    Magic{"GIF87a", "image/gif"},
    Magic{"GIF89a", "image/gif"},
    Magic{"%PDF-", "application/pdf"},
    Magic{"\x1f\x8b", "application/gzip"},
    Magic{"PK\x03\x04", "application/zip"},
    Magic{"PK\x05\x06", "application/zip"},  // an empty archive
};

// Extensions of text formats and the type each is served as.
constexpr std::array<std::pair<std::string_view, std::string_view>, 22> kTextTypes = {{
    {"csv", "text/csv"},           {"tsv", "text/tab-separated-values"},
    {"txt", "text/plain"},         {"log", "text/plain"},
    {"md", "text/markdown"},       {"markdown", "text/markdown"},
    {"json", "application/json"},  {"geojson", "application/json"},
    {"ipynb", "application/json"}, {"py", "text/x-python"},
    {"r", "text/plain"},           {"c", "text/plain"},
    {"h", "text/plain"},           {"cc", "text/plain"},
    {"cpp", "text/plain"},         {"java", "text/plain"},
    {"yaml", "text/plain"},        {"yml", "text/plain"},
    {"toml", "text/plain"},        {"html", "text/plain"},
    {"htm", "text/plain"},         {"js", "text/plain"},
}};

std::string Extension(std::string_view filename) {
  const size_t slash = filename.rfind('/');
  const std::string_view name =
      slash == std::string_view::npos ? filename : filename.substr(slash + 1);
  const size_t dot = name.rfind('.');
  if (dot == std::string_view::npos || dot == 0) {
    return {};
  }
  std::string extension(name.substr(dot + 1));
  std::transform(extension.begin(), extension.end(), extension.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return extension;
}

// True when `head` could be the start of a UTF-8 text: no NUL, no invalid sequence except one
// cut off at the end of the sample.
bool LooksLikeText(std::string_view head) {
  size_t i = 0;
  while (i < head.size()) {
    const auto lead = static_cast<unsigned char>(head[i]);
    if (lead == 0) {
      return false;
    }
    size_t length = 1;
    if (lead >= 0x80) {
      if ((lead & 0xe0) == 0xc0) {
        length = 2;
      } else if ((lead & 0xf0) == 0xe0) {
        length = 3;
      } else if ((lead & 0xf8) == 0xf0) {
        length = 4;
      } else {
        return false;
      }
    }
    for (size_t k = 1; k < length && i + k < head.size(); ++k) {
      if ((static_cast<unsigned char>(head[i + k]) & 0xc0) != 0x80) {
        return false;
      }
    }
    i += length;
  }
  return true;
}

bool LooksLikeSvg(std::string_view head) {
  if (head.starts_with("\xef\xbb\xbf")) {
    head.remove_prefix(3);
  }
  const size_t first = head.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos) {
    return false;
  }
  head.remove_prefix(first);
  return head.starts_with("<?xml") || head.starts_with("<svg") || head.starts_with("<!--") ||
         head.starts_with("<!DOCTYPE svg");
}

bool IsWebp(std::string_view head) {
  return head.size() >= 12 && head.starts_with("RIFF") && head.substr(8, 4) == "WEBP";
}

}  // namespace

std::string DetectContentType(std::string_view head, std::string_view filename) {
  for (const Magic& magic : kMagics) {
    if (head.starts_with(magic.prefix)) {
      return std::string(magic.content_type);
    }
  }
  if (IsWebp(head)) {
    return "image/webp";
  }

  const std::string extension = Extension(filename);
  if (!LooksLikeText(head)) {
    return "application/octet-stream";
  }
  if (extension == "svg" && LooksLikeSvg(head)) {
    return "image/svg+xml";
  }
  for (const auto& [text_extension, content_type] : kTextTypes) {
    if (extension == text_extension) {
      return std::string(content_type);
    }
  }
  if (extension.empty() && !head.empty()) {
    return "text/plain";
  }
  return "application/octet-stream";
}

bool IsInlineContentType(std::string_view content_type) {
  return content_type.starts_with("image/") || content_type.starts_with("text/") ||
         content_type == "application/pdf" || content_type == "application/json";
}

}  // namespace openlabs::labs
