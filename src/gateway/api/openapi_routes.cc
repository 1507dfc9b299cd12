#include "gateway/api/openapi_routes.h"

#include <spdlog/spdlog.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <stdexcept>

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

}  // namespace

void AddApiDocsRoutes(Router& router, const ApiDocsRouteOptions& options) {
  Result<nlohmann::json> document = BuildOpenApiDocument(OpenApiSourceFiles());
  if (!document) {
    throw std::logic_error(document.error().internal);
  }
  auto body = std::make_shared<const std::string>(document->dump());
  router.Add("GET", "/api/openapi.json", [body](const Request&) {
    Response response;
    response.body = *body;
    response.headers.emplace_back("Cache-Control", "no-cache");
    return response;
  });
  router.Add(
      "GET", "/api/docs",
      [web_root = options.web_root](const Request&) { return SendDocsPage(web_root); },
      Execution::kWorker);
}

}  // namespace openlabs::gateway
