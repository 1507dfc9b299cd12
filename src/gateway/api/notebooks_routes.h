#pragma once

#include <cstdint>

#include "gateway/router.h"
#include "services/auth/auth_service.h"
#include "services/notebooks/notebooks_service.h"
#include "storage/blob_store.h"

namespace openlabs::gateway {

struct NotebooksRouteOptions {
  int64_t max_asset_bytes = int64_t{100} << 20;  // per uploaded asset file
  int64_t max_file_bytes = int64_t{4} << 20;     // per imported marimo file
};

// Adds /api/v1/notebooks/... (notebooks, cells, import and export, assets, copies) and
// /api/v1/notebook-copies. Uploads stream into `blobs` under "uploads/"; asset uploads are
// recorded where they land, and an imported file is read and then deleted.
void AddNotebooksRoutes(Router& router, notebooks::NotebooksService& notebooks,
                        auth::AuthService& auth, storage::BlobStore& blobs,
                        NotebooksRouteOptions options);

}  // namespace openlabs::gateway
