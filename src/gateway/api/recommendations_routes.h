#pragma once

#include "gateway/router.h"
#include "services/auth/auth_service.h"
#include "services/recommendations/recommendations_service.h"

namespace openlabs::gateway {

// Adds the recommendation routes. Each returns {items: [{type, id, title, summary, tags, score,
// reasons}]}, best first; `limit` is 1 to 50 (default 10) and `type` is "lab" or "article" to
// return one kind only.
//   GET /api/v1/recommendations            for the signed-in caller (401 without a token)
//   GET /api/v1/labs/{id}/related          public; 404 for a missing or archived lab
//   GET /api/v1/articles/{id}/related      public; 404 for a missing article
void AddRecommendationsRoutes(Router& router, recommendations::RecommendationsService& service,
                              auth::AuthService& auth);

}  // namespace openlabs::gateway
