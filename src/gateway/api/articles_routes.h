#pragma once

#include <cstdint>

#include "gateway/router.h"
#include "services/articles/articles_service.h"
#include "services/auth/auth_service.h"
#include "storage/blob_store.h"

namespace openlabs::gateway {

struct ArticlesRouteOptions {
  int64_t max_pdf_bytes = int64_t{50} << 20;
};

// Adds /api/v1/articles/...: multipart upload of a PDF with its metadata (streamed into `blobs`
// under "uploads/" and kept there by the article), listing, reading, changing, deleting, and the
// PDF download with Range and ETag support.
void AddArticlesRoutes(Router& router, articles::ArticlesService& articles, auth::AuthService& auth,
                       storage::BlobStore& blobs, ArticlesRouteOptions options);

}  // namespace openlabs::gateway
