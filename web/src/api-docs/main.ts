// The API reference page (/api/docs): Swagger UI rendering the server's OpenAPI document. It is
// a separate entry of the build, so the app's pages do not download Swagger UI.
import "swagger-ui-dist/swagger-ui.css";
import "./api-docs.css";

import SwaggerUIBundle from "swagger-ui-dist/swagger-ui-bundle.js";

SwaggerUIBundle({
  url: "/api/openapi.json",
  dom_id: "#swagger-ui",
  deepLinking: true,
  // Turns off the badge that sends the document to an online validator, so that the page
  // requests nothing from other hosts.
  validatorUrl: null,
});
