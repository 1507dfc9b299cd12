#include "gateway/api/openapi_routes.h"

#include <spdlog/spdlog.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <mutex>
#include <sstream>

#include "gateway/api/openapi_document.h"

namespace openlabs::gateway {
namespace {

constexpr const char* kDocsPage = "api-docs.html";

Response SendDocsPage(const std::string& web_root) {
  const Error missing = Error::NotFound(
      "The API reference page is part of the web app, which this server does not serve: start "
      "it with --web-root pointing at web/dist. The OpenAPI document is at /api/openapi.json.");
  if (web_root.empty()) {
    return Response::FromError(missing);
  }
  const std::filesystem::path path = std::filesystem::path(web_root) / kDocsPage;
  std::ifstream file(path, std::ios::binary);
  if (!file) {
    spdlog::warn("GET /api/docs: cannot open {}; build the web app with npm run build",
                 path.string());
    return Response::FromError(missing);
  }
  std::ostringstream html;
  html << file.rdbuf();
  Response response;
  response.content_type = "text/html; charset=utf-8";
  response.body = std::move(html).str();
  response.headers.emplace_back("Cache-Control", "no-cache");
  return response;
}

// The OpenAPI document as JSON text, built on first use.
class OpenApiCache {
 public:
  const Result<std::string>& Get() {
    std::call_once(built_, [this] {
      Result<nlohmann::json> document = BuildOpenApiDocument(OpenApiSourceFiles());
      if (document) {
        body_ = document->dump();
      } else {
        spdlog::error("Building the OpenAPI document failed: {}", document.error().internal);
        body_ = Fail(document.error());
      }
    });
    return body_;
  }

 private:
  std::once_flag built_;
  Result<std::string> body_;
};

}  // namespace

void AddApiDocsRoutes(Router& router, const ApiDocsRouteOptions& options) {
  // Building the document parses every YAML part, which took about as long as the rest of the
  // start-up, so it is built by the first request instead. openapi_document_test checks that
  // the embedded document is valid.
  auto document = std::make_shared<OpenApiCache>();
  router.Add(
      "GET", "/api/openapi.json",
      [document](const Request&) {
        const Result<std::string>& body = document->Get();
        if (!body) {
          return Response::FromError(body.error());
        }
        Response response;
        response.body = *body;
        response.headers.emplace_back("Cache-Control", "no-cache");
        return response;
      },
      Execution::kWorker);
  router.Add(
      "GET", "/api/docs",
      [web_root = options.web_root](const Request&) { return SendDocsPage(web_root); },
      Execution::kWorker);
}

}  // namespace openlabs::gateway
