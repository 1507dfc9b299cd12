// Materializing graders and submissions from the blob store into folders.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "common/error.h"
#include "services/grading/grader_archive.h"
#include "services/grading/grading_service.h"
#include "storage/blob_store.h"

namespace openlabs::grading {

// Limits on each zip file of a submission, which WriteSubmissionFiles unpacks for the grader.
// Source code and text usually compress less than tenfold with deflate, so a zip that unpacks
// to a hundred times its size is taken for a zip bomb.
inline constexpr ArchiveLimits kSubmissionZipLimits = {.max_entries = 2000,
                                                       .max_total_bytes = 64ull << 20,
                                                       .max_file_bytes = 32ull << 20,
                                                       .max_ratio = 100};

// Writes the submission's files into `target` under the names of SubmissionFileNames.
//
// A file whose content libmagic types as application/zip is also unpacked into `target` by
// ExtractArchive's rules, so a single top folder is stripped. The zip file itself stays, for
// graders that read it. Formats built on zip that libmagic types otherwise stay packed: .docx,
// .odt, .epub and the JDK's .jar files as their usual tools write them.
//
// Returns the reason, for the learner, when a zip file is unsafe, beyond `zip_limits` or contains
// a name already taken by a submitted file. Nothing is graded then. Errors are failures to read the
// blobs or to write the folder.
Result<std::optional<std::string>> WriteSubmissionFiles(
    storage::BlobStore& blobs, const SubmissionSnapshot& submission,
    const std::filesystem::path& target, const ArchiveLimits& zip_limits = kSubmissionZipLimits);

// The file name a submission file is written under: its base name, with characters other than
// letters, digits and "._-+" replaced by '_', and never empty, "." or "..".
std::string SafeFileName(const std::string& name);

// The names the submission's files are written under, in the order of `submission.files`: each
// file's SafeFileName, with "-2", "-3", ... before the extension of a name that an earlier file
// already took, so that no file replaces another.
std::vector<std::string> SubmissionFileNames(const SubmissionSnapshot& submission);

// Reads the submission's source files (by extension, at most 256 KiB each) into one text, each
// file preceded by a "// file: NAME" line.
// NOTE: the files inside a submitted zip file are not read, so similarity reports miss them.
Result<std::string> ReadSubmissionCode(storage::BlobStore& blobs,
                                       const SubmissionSnapshot& submission);

}  // namespace openlabs::grading
