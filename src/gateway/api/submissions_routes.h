#pragma once

#include <cstdint>

#include "gateway/blob_response.h"
#include "gateway/router.h"
#include "services/auth/auth_service.h"
#include "services/feedback/reviews_service.h"
#include "services/submissions/submissions_service.h"
#include "storage/blob_store.h"

namespace openlabs::gateway {

struct SubmissionsRouteOptions {
  int64_t max_file_bytes = int64_t{25} << 20;  // per attached file
  int max_files = 10;
};

// Adds /api/v1/submissions/... (without the reviews routes) and GET /api/v1/labs/{id}/submissions.
// Uploaded files stream into `blobs` under "uploads/" and are recorded where they land; private
// files are sent only after the service's access check.
void AddSubmissionsRoutes(Router& router, submissions::SubmissionsService& submissions,
                          feedback::ReviewsService& reviews, auth::AuthService& auth,
                          storage::BlobStore& blobs, SubmissionsRouteOptions options);

// The DownloadOptions of a private submission or review file: always an attachment, with the
// declared content type when it is a well-formed media type.
DownloadOptions PrivateFileDownload(const v1::StoredFile& file);

// Copies the uploaded files of the form fields "files[]", "files" or "file" into `out`. Other
// file fields are a kValidationFailed error, so that no upload is silently dropped.
Status CollectUploadedFiles(const Request& request,
                            google::protobuf::RepeatedPtrField<v1::UploadedFileRef>& out);

// The first value of a text field of a multipart form, or an empty string.
std::string FormField(const Request& request, const std::string& name);

}  // namespace openlabs::gateway
