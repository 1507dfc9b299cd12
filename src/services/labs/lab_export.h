#pragma once

#include "common/error.h"
#include "openlabs/v1/labs.pb.h"
#include "storage/database.h"

namespace openlabs::labs {

// Reads one page of published labs with their tags, in id order, for LabsService::ExportLabs.
// kValidationFailed names each request field out of range.
Result<v1::ExportLabsResponse> ExportLabs(storage::Database& database,
                                          const v1::ExportLabsRequest& request);

// Computes the version for LabsService::GetLabsVersion: the number of labs and the newest update
// time, so inserts and deletes change it through the count and edits through the time.
Result<v1::LabsVersion> GetLabsVersion(storage::Database& database);

}  // namespace openlabs::labs
