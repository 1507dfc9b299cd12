#include "gateway/api/config_routes.h"

#include <nlohmann/json.hpp>

namespace openlabs::gateway {

void AddConfigRoutes(Router& router, const PublicSettings& settings) {
  // The settings are fixed for the life of the process, so the body is built once.
  const nlohmann::json body = {
      {"points", {{"initial_points", settings.initial_points}}},
      {"submissions",
       {{"cost_points", settings.submission_cost_points},
        {"max_file_bytes", settings.submission_max_file_bytes},
        {"max_files", settings.submission_max_files}}},
      {"reviews",
       {{"reward_points", settings.review_reward_points},
        {"required_count", settings.review_required_count},
        {"claim_lease_seconds", settings.review_claim_lease_seconds}}},
      {"labs", {{"max_asset_bytes", settings.lab_max_asset_bytes}}},
      {"articles", {{"max_pdf_bytes", settings.article_max_pdf_bytes}}},
  };
  router.Add("GET", "/api/v1/config", [body](const Request&) {
    Response response = Response::Json(200, body);
    // The settings change only on a restart, so clients may keep them for five minutes.
    response.headers.emplace_back("Cache-Control", "public, max-age=300");
    return response;
  });
}

}  // namespace openlabs::gateway
