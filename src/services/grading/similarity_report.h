#pragma once

#include "common/error.h"
#include "openlabs/v1/grading.pb.h"
#include "services/grading/grading_service.h"
#include "storage/blob_store.h"

namespace openlabs::grading {

// Fingerprints the source files of the lab's newest `max_submissions` submissions and returns
// the pairs by different learners scoring at least `threshold`, each with its matching regions
// as line ranges and the text of those lines side by side.
Result<v1::SimilarityReport> BuildSimilarityReport(storage::BlobStore& blobs,
                                                   SubmissionDirectory& directory, int64_t lab_id,
                                                   double threshold, int max_submissions);

}  // namespace openlabs::grading
