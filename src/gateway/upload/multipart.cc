#include "gateway/upload/multipart.h"

#include <string.h>

#include <algorithm>
#include <cctype>
#include <vector>

namespace openlabs::gateway {
namespace {

Error Malformed(std::string detail) {
  return Error::InvalidArgument("The multipart body is malformed: " + std::move(detail) + ".");
}

std::string Lower(std::string_view text) {
  std::string result(text);
  std::transform(result.begin(), result.end(), result.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return result;
}

std::string_view Trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) {
    text.remove_prefix(1);
  }
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) {
    text.remove_suffix(1);
  }
  return text;
}

// Splits `value` of a header such as Content-Disposition into its parameters; quoted values
// may contain ';' and backslash escapes.
std::vector<std::pair<std::string, std::string>> HeaderParameters(std::string_view value) {
  std::vector<std::pair<std::string, std::string>> parameters;
  size_t i = value.find(';');
  while (i != std::string_view::npos && i < value.size()) {
    ++i;
    const size_t equals = value.find('=', i);
    if (equals == std::string_view::npos) {
      break;
    }
    std::string name = Lower(Trim(value.substr(i, equals - i)));
    size_t j = equals + 1;
    while (j < value.size() && value[j] == ' ') {
      ++j;
    }
    std::string parameter;
    if (j < value.size() && value[j] == '"') {
      ++j;
      while (j < value.size() && value[j] != '"') {
        if (value[j] == '\\' && j + 1 < value.size()) {
          ++j;
        }
        parameter.push_back(value[j]);
        ++j;
      }
      i = value.find(';', j);
    } else {
      const size_t end = value.find(';', j);
      parameter = std::string(Trim(value.substr(j, end == std::string_view::npos ? end : end - j)));
      i = end;
    }
    parameters.emplace_back(std::move(name), std::move(parameter));
  }
  return parameters;
}

}  // namespace

MultipartParser::MultipartParser(std::string_view boundary, PartListener& listener,
                                 MultipartLimits limits)
    : delimiter_("\r\n--" + std::string(boundary)), listener_(listener), limits_(limits) {
  // The first boundary may start the body without a preceding CRLF; a virtual CRLF makes the
  // preamble search uniform.
  buffer_ = "\r\n";
}

Result<std::string> MultipartParser::BoundaryFromContentType(std::string_view content_type) {
  const size_t semicolon = content_type.find(';');
  if (Lower(Trim(content_type.substr(0, semicolon))) != "multipart/form-data") {
    return Fail(
        {ErrorCode::kUnsupportedMediaType, "The request body must be multipart/form-data."});
  }
  for (auto& [name, value] : HeaderParameters(content_type)) {
    if (name == "boundary") {
      if (value.empty() || value.size() > 70) {
        return Fail(Malformed("the boundary must be 1 to 70 characters long"));
      }
      return value;
    }
  }
  return Fail(Malformed("the Content-Type has no boundary"));
}

// Part data, which is nearly all of a large upload, is scanned in `chunk` itself. Only the few
// bytes that may start a delimiter are copied into buffer_. Headers and boundaries go through
// buffer_ and Step.
Status MultipartParser::Feed(std::string_view chunk) {
  size_t position = 0;
  while (position < chunk.size()) {
    if (state_ == State::kBody && buffer_.empty()) {
      Result<size_t> used = ScanBody(chunk.substr(position));
      if (!used) {
        return Fail(used.error());
      }
      position += *used;
      continue;
    }

    // In a part body, appending one delimiter's length is enough to finish any delimiter that
    // starts in the buffered bytes.
    const bool in_body = state_ == State::kBody;
    const size_t remaining = chunk.size() - position;
    const size_t take = in_body ? std::min(remaining, delimiter_.size()) : remaining;
    buffer_.append(chunk.substr(position, take));
    position += take;
    if (Status status = Drain(); !status) {
      return status;
    }
    if (in_body && state_ == State::kBody && buffer_.size() <= take) {
      // The kept bytes are the last ones just appended, so the scan goes on inside `chunk`.
      position -= buffer_.size();
      buffer_.clear();
    }
  }
  return {};
}

Status MultipartParser::Drain() {
  bool progressed = true;
  while (progressed) {
    progressed = false;
    if (Status status = Step(progressed); !status) {
      return status;
    }
  }
  return {};
}

// Passes the part data in `data` on up to the next delimiter, while buffer_ is empty. Keeps in
// buffer_ the last bytes that could be the start of a delimiter. Returns the bytes consumed.
Result<size_t> MultipartParser::ScanBody(std::string_view data) {
  const size_t found = FindDelimiter(data);
  if (found == std::string_view::npos) {
    const size_t keep = std::min(data.size(), delimiter_.size() - 1);
    const size_t safe = data.size() - keep;
    if (safe > 0) {
      if (Status status = listener_.OnPartData(data.substr(0, safe)); !status) {
        return Fail(status.error());
      }
    }
    buffer_.assign(data.substr(safe));
    return data.size();
  }

  if (found > 0) {
    if (Status status = listener_.OnPartData(data.substr(0, found)); !status) {
      return Fail(status.error());
    }
  }
  if (Status status = listener_.OnPartEnd(); !status) {
    return Fail(status.error());
  }
  state_ = State::kAfterBoundary;
  return found + delimiter_.size();
}

// memmem (glibc) skips through binary data faster than std::string::find, which stops at every
// byte equal to the delimiter's first character, '\r'.
size_t MultipartParser::FindDelimiter(std::string_view data) const {
  const void* found = memmem(data.data(), data.size(), delimiter_.data(), delimiter_.size());
  if (found == nullptr) {
    return std::string_view::npos;
  }
  return static_cast<size_t>(static_cast<const char*>(found) - data.data());
}

Status MultipartParser::Finish() {
  if (state_ != State::kEpilogue) {
    return Fail(Malformed("the body ended before the closing boundary"));
  }
  return {};
}

Status MultipartParser::Step(bool& progressed) {
  switch (state_) {
    case State::kPreamble: {
      const size_t found = buffer_.find(delimiter_);
      if (found == std::string::npos) {
        // Keep only what could still be the start of the delimiter.
        if (buffer_.size() > delimiter_.size()) {
          buffer_.erase(0, buffer_.size() - delimiter_.size());
        }
        return {};
      }
      buffer_.erase(0, found + delimiter_.size());
      state_ = State::kAfterBoundary;
      progressed = true;
      return {};
    }
    case State::kAfterBoundary: {
      if (buffer_.size() < 2) {
        return {};
      }
      if (buffer_.compare(0, 2, "--") == 0) {
        state_ = State::kEpilogue;
        buffer_.clear();
        progressed = true;
        return {};
      }
      const size_t line_end = buffer_.find("\r\n");
      if (line_end == std::string::npos) {
        if (buffer_.size() > 256) {
          return Fail(Malformed("a boundary line is too long"));
        }
        return {};
      }
      // RFC 2046 allows transport padding (spaces, tabs) after the boundary.
      if (!Trim(std::string_view(buffer_).substr(0, line_end)).empty()) {
        return Fail(Malformed("unexpected text after a boundary"));
      }
      buffer_.erase(0, line_end + 2);
      if (++parts_ > limits_.max_parts) {
        return Fail(Malformed("it has more than " + std::to_string(limits_.max_parts) + " parts"));
      }
      state_ = State::kHeaders;
      progressed = true;
      return {};
    }
    case State::kHeaders: {
      const size_t end = buffer_.find("\r\n\r\n");
      if (end == std::string::npos) {
        if (buffer_.size() > limits_.max_header_bytes) {
          return Fail(Malformed("the headers of a part are too long"));
        }
        return {};
      }
      if (end > limits_.max_header_bytes) {
        return Fail(Malformed("the headers of a part are too long"));
      }
      if (Status parsed = ParseHeaders(std::string_view(buffer_).substr(0, end)); !parsed) {
        return parsed;
      }
      buffer_.erase(0, end + 4);
      state_ = State::kBody;
      progressed = true;
      return {};
    }
    case State::kBody: {
      const size_t found = FindDelimiter(buffer_);
      if (found == std::string::npos) {
        const size_t safe =
            buffer_.size() > delimiter_.size() - 1 ? buffer_.size() - (delimiter_.size() - 1) : 0;
        if (safe > 0) {
          if (Status status = listener_.OnPartData(std::string_view(buffer_).substr(0, safe));
              !status) {
            return status;
          }
          buffer_.erase(0, safe);
        }
        return {};
      }
      if (found > 0) {
        if (Status status = listener_.OnPartData(std::string_view(buffer_).substr(0, found));
            !status) {
          return status;
        }
      }
      if (Status status = listener_.OnPartEnd(); !status) {
        return status;
      }
      buffer_.erase(0, found + delimiter_.size());
      state_ = State::kAfterBoundary;
      progressed = true;
      return {};
    }
    case State::kEpilogue:
      buffer_.clear();
      return {};
  }
  return {};
}

Status MultipartParser::ParseHeaders(std::string_view block) {
  PartHeaders headers;
  headers.content_type = "text/plain";
  bool has_disposition = false;
  size_t start = 0;
  while (start <= block.size()) {
    size_t end = block.find("\r\n", start);
    if (end == std::string_view::npos) {
      end = block.size();
    }
    const std::string_view line = block.substr(start, end - start);
    start = end + 2;
    if (line.empty()) {
      continue;
    }
    const size_t colon = line.find(':');
    if (colon == std::string_view::npos) {
      return Fail(Malformed("a part header has no ':'"));
    }
    const std::string name = Lower(Trim(line.substr(0, colon)));
    const std::string_view value = Trim(line.substr(colon + 1));
    if (name == "content-type") {
      headers.content_type = std::string(value);
    } else if (name == "content-disposition") {
      if (Lower(Trim(value.substr(0, value.find(';')))) != "form-data") {
        return Fail(Malformed("a part's Content-Disposition is not form-data"));
      }
      has_disposition = true;
      for (auto& [parameter, parameter_value] : HeaderParameters(value)) {
        if (parameter == "name") {
          headers.name = std::move(parameter_value);
        } else if (parameter == "filename") {
          headers.filename = std::move(parameter_value);
        }
      }
    }
  }
  if (!has_disposition || headers.name.empty()) {
    return Fail(Malformed("a part has no Content-Disposition with a field name"));
  }
  return listener_.OnPartBegin(headers);
}

}  // namespace openlabs::gateway
