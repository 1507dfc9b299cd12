#include "services/grading/submission_files.h"

#include <algorithm>
#include <array>
#include <fstream>

namespace openlabs::grading {
namespace {

constexpr int64_t kMaxCodeFileBytes = 256 * 1024;

constexpr std::array<std::string_view, 16> kSourceExtensions = {
    ".c",  ".h",  ".cc", ".cpp", ".cxx", ".hpp", ".java", ".py",
    ".js", ".ts", ".go", ".rs",  ".cs",  ".kt",  ".rb",   ".m"};

bool IsSourceFile(const std::string& name) {
  const std::string extension = std::filesystem::path(name).extension().string();
  return std::find(kSourceExtensions.begin(), kSourceExtensions.end(), extension) !=
         kSourceExtensions.end();
}

}  // namespace

std::string SafeFileName(const std::string& name) {
  std::string base = std::filesystem::path(name).filename().string();
  for (char& c : base) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '.' && c != '_' && c != '-' &&
        c != '+') {
      c = '_';
    }
  }
  if (base.empty() || base.front() == '.') {
    base = "file" + base;
  }
  return base;
}

Status WriteSubmissionFiles(storage::BlobStore& blobs, const SubmissionSnapshot& submission,
                            const std::filesystem::path& target) {
  for (const SubmissionFileRef& file : submission.files) {
    Result<std::string> content = blobs.Get(file.blob_key);
    if (!content) {
      return Fail(content.error());
    }
    std::ofstream out(target / SafeFileName(file.filename), std::ios::binary | std::ios::trunc);
    out.write(content->data(), static_cast<std::streamsize>(content->size()));
    out.close();
    if (!out) {
      return Fail(Error::Internal("cannot write the file " + file.filename + " of submission " +
                                  std::to_string(submission.id)));
    }
  }
  return {};
}

Result<std::string> ReadSubmissionCode(storage::BlobStore& blobs,
                                       const SubmissionSnapshot& submission) {
  std::string code;
  for (const SubmissionFileRef& file : submission.files) {
    if (!IsSourceFile(file.filename) || file.size > kMaxCodeFileBytes) {
      continue;
    }
    Result<std::string> content = blobs.Get(file.blob_key);
    if (!content) {
      return Fail(content.error());
    }
    code += "// file: " + SafeFileName(file.filename) + "\n" + *content + "\n";
  }
  return code;
}

}  // namespace openlabs::grading
