// Materializing graders and submissions from the blob store into folders.
#pragma once

#include <filesystem>
#include <string>

#include "common/error.h"
#include "services/grading/grading_service.h"
#include "storage/blob_store.h"

namespace openlabs::grading {

// Writes the submission's files into `target` under their file names. A name with a path
// separator or starting with '.' is reduced to a safe base name.
Status WriteSubmissionFiles(storage::BlobStore& blobs, const SubmissionSnapshot& submission,
                            const std::filesystem::path& target);

// The file name a submission file is written under: its base name, with characters other than
// letters, digits and "._-+" replaced by '_', and never empty, "." or "..".
std::string SafeFileName(const std::string& name);

// Reads the submission's source files (by extension, at most 256 KiB each) into one text, each
// file preceded by a "// file: NAME" line.
Result<std::string> ReadSubmissionCode(storage::BlobStore& blobs,
                                       const SubmissionSnapshot& submission);

}  // namespace openlabs::grading
