#pragma once

#include <cstdint>
#include <functional>

#include "gateway/router.h"
#include "services/auth/auth_service.h"
#include "services/labs/labs_service.h"
#include "storage/blob_store.h"

namespace openlabs::gateway {

struct LabsRouteOptions {
  int64_t max_asset_bytes = int64_t{100} << 20;  // per uploaded asset file
  // Reads the grading setup that GET /api/v1/labs/{id} adds to the lab (Lab.grading). Without
  // it, or when it fails, the response leaves the field out.
  std::function<Result<v1::LabGrading>(int64_t lab_id)> lab_grading;
};

// Adds /api/v1/labs/... (labs, their assets and asset downloads) and /api/v1/tags. Asset
// uploads stream into `blobs` under "uploads/" and are recorded where they land.
void AddLabsRoutes(Router& router, labs::LabsService& labs, auth::AuthService& auth,
                   storage::BlobStore& blobs, LabsRouteOptions options);

}  // namespace openlabs::gateway
