#pragma once

#include "common/error.h"
#include "openlabs/v1/submissions.pb.h"
#include "storage/database.h"

namespace openlabs::submissions {

// Reads one page of submissions that are not withdrawn, with the reviewers whose verdicts
// counted, in id order, for SubmissionsService::ExportSubmissions. kValidationFailed names each
// request field out of range.
Result<v1::ExportSubmissionsResponse> ExportSubmissions(
    storage::Database& database, const v1::ExportSubmissionsRequest& request);

// Computes the version for SubmissionsService::GetSubmissionsVersion: the number of
// submissions, their newest update time and the number of verdicts.
Result<v1::SubmissionsVersion> GetSubmissionsVersion(storage::Database& database);

}  // namespace openlabs::submissions
