#pragma once

#include <cstdint>

#include "gateway/router.h"

namespace openlabs::gateway {

// The settings that clients show before an action: what a submission costs, what a review
// earns, and the upload limits. Every field is public, so no secret may be added here.
struct PublicSettings {
  int64_t initial_points = 0;
  int64_t submission_cost_points = 0;
  int64_t submission_max_file_bytes = 0;
  int submission_max_files = 0;
  int64_t review_reward_points = 0;
  int review_required_count = 0;
  int64_t review_claim_lease_seconds = 0;
  int64_t lab_max_asset_bytes = 0;
  int64_t article_max_pdf_bytes = 0;
};

// Adds GET /api/v1/config, which needs no token and returns
// {points: {initial_points}, submissions: {cost_points, max_file_bytes, max_files},
//  reviews: {reward_points, required_count, claim_lease_seconds}, labs: {max_asset_bytes},
//  articles: {max_pdf_bytes}}. The names follow the TOML keys of the same settings.
void AddConfigRoutes(Router& router, const PublicSettings& settings);

}  // namespace openlabs::gateway
