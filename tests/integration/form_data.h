#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "http_client.h"

namespace openlabs::integration {

// One part of a multipart/form-data body: a text field, or a file when `filename` is set.
struct FormPart {
  std::string name;
  std::string value;
  std::string filename;
  std::string content_type = "text/plain";  // sent for files only
};

// The body of a multipart/form-data request with the boundary kFormBoundary.
std::string MultipartBody(const std::vector<FormPart>& parts);

inline constexpr std::string_view kFormBoundary = "openlabs-test-boundary";

// Sends `parts` as a multipart/form-data POST to `path`.
HttpResponse PostForm(HttpClient& http, const std::string& path, const std::vector<FormPart>& parts,
                      const std::string& bearer_token);

}  // namespace openlabs::integration
