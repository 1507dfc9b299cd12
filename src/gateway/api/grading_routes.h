#pragma once

#include <cstdint>

#include "gateway/router.h"
#include "services/auth/auth_service.h"
#include "services/grading/grading_service.h"
#include "storage/blob_store.h"

namespace openlabs::gateway {

struct GradingRouteOptions {
  int64_t max_archive_bytes = int64_t{64} << 20;
};

// Adds the grading routes:
//   PUT    /api/v1/labs/{id}/grader           attach a grader archive (multipart field "archive")
//   GET    /api/v1/labs/{id}/grader           the lab's grader (tests listed for its managers)
//   DELETE /api/v1/labs/{id}/grader           detach it
//   POST   /api/v1/labs/{id}/grader/regrade   queue every submission again
//   GET    /api/v1/labs/{id}/grading-jobs     jobs of ?batch= (default: new submissions)
//   GET    /api/v1/labs/{id}/similarity       similar pairs, ?threshold= from 0 to 1 (0.5)
//   GET    /api/v1/submissions/{id}/grading   status and results of the newest grading job
void AddGradingRoutes(Router& router, grading::GradingService& grading, auth::AuthService& auth,
                      storage::BlobStore& blobs, GradingRouteOptions options);

}  // namespace openlabs::gateway
