#pragma once

#include "gateway/router.h"
#include "services/auth/auth_service.h"
#include "services/feedback/reviews_service.h"
#include "services/submissions/submissions_service.h"
#include "storage/blob_store.h"

namespace openlabs::gateway {

struct ReviewsRouteOptions {
  int64_t max_file_bytes = int64_t{25} << 20;  // per attachment
  int max_files = 5;
};

// Adds POST/GET /api/v1/submissions/{id}/reviews, GET /api/v1/reviews/queue,
// POST /api/v1/reviews/{id}/rating and GET /api/v1/reviews/{id}/files/{file_id}.
void AddReviewsRoutes(Router& router, submissions::SubmissionsService& submissions,
                      feedback::ReviewsService& reviews, auth::AuthService& auth,
                      storage::BlobStore& blobs, ReviewsRouteOptions options);

}  // namespace openlabs::gateway
