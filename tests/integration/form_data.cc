#include "form_data.h"

namespace openlabs::integration {

std::string MultipartBody(const std::vector<FormPart>& parts) {
  std::string body;
  for (const FormPart& part : parts) {
    body += "--" + std::string(kFormBoundary) + "\r\nContent-Disposition: form-data; name=\"" +
            part.name + "\"";
    if (!part.filename.empty()) {
      body += "; filename=\"" + part.filename + "\"\r\nContent-Type: " + part.content_type;
    }
    body += "\r\n\r\n" + part.value + "\r\n";
  }
  return body + "--" + std::string(kFormBoundary) + "--\r\n";
}

HttpResponse PostForm(HttpClient& http, const std::string& path, const std::vector<FormPart>& parts,
                      const std::string& bearer_token) {
  return http.Send({.method = "POST",
                    .path = path,
                    .body = MultipartBody(parts),
                    .content_type = "multipart/form-data; boundary=" + std::string(kFormBoundary),
                    .bearer_token = bearer_token});
}

}  // namespace openlabs::integration
