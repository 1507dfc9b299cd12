#pragma once

#include <string>

#include "gateway/router.h"

namespace openlabs::gateway {

struct ApiDocsRouteOptions {
  // Folder of the built web app; the reference page is its api-docs.html. Empty when the server
  // serves no web app, and then GET /api/docs returns 404 with a pointer to the document.
  std::string web_root;
};

// Adds GET /api/openapi.json, the OpenAPI 3.0 document built by BuildOpenApiDocument on the
// first request (an invalid embedded document makes it return 500), and GET /api/docs, the
// browsable reference (Swagger UI, bundled into the web app so that it works offline).
void AddApiDocsRoutes(Router& router, const ApiDocsRouteOptions& options);

}  // namespace openlabs::gateway
