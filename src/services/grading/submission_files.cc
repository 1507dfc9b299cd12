#include "services/grading/submission_files.h"

#include <magic.h>

#include <algorithm>
#include <array>
#include <fstream>
#include <set>
#include <utility>
#include <vector>

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

// Types file contents with libmagic, whose database loads on first use.
class ZipDetector {
 public:
  ZipDetector() = default;
  ZipDetector(const ZipDetector&) = delete;
  ZipDetector& operator=(const ZipDetector&) = delete;
  ~ZipDetector() {
    if (cookie_ != nullptr) {
      magic_close(cookie_);
    }
  }

  // True when libmagic's media type of `content` is application/zip.
  Result<bool> IsZip(std::string_view content) {
    if (cookie_ == nullptr) {
      cookie_ = magic_open(MAGIC_MIME_TYPE);
      if (cookie_ == nullptr || magic_load(cookie_, nullptr) != 0) {
        return Fail(Error::Internal(
            "cannot load libmagic's database to type submitted files: " +
            std::string(cookie_ == nullptr ? "out of memory" : magic_error(cookie_))));
      }
    }
    const char* type = magic_buffer(cookie_, content.data(), content.size());
    if (type == nullptr) {
      return Fail(Error::Internal(std::string("libmagic cannot type a submitted file: ") +
                                  magic_error(cookie_)));
    }
    return std::string_view(type) == "application/zip";
  }

 private:
  magic_t cookie_ = nullptr;
};

// The learner's message for an archive problem from ExtractArchive.
std::string DescribeArchiveProblem(const Error& error) {
  std::string text;
  for (const FieldViolation& detail : error.details) {
    constexpr std::string_view kEntryPrefix = "archive:";
    if (!text.empty()) {
      text += "; ";
    }
    text += detail.field.starts_with(kEntryPrefix)
                ? "its entry " + detail.field.substr(kEntryPrefix.size()) + " " + detail.message
                : "it " + detail.message;
  }
  return text.empty() ? error.message : text;
}

// Unpacks one zip file of the submission into `target`, through a scratch folder beside it so
// that a single top folder can be stripped and clashes found before anything moves.
Result<std::optional<std::string>> UnpackZip(const std::string& filename, std::string_view content,
                                             const std::filesystem::path& target,
                                             const ArchiveLimits& limits) {
  Result<ScratchDir> scratch = ScratchDir::Create("openlabs-unzip", target.parent_path());
  if (!scratch) {
    return Fail(scratch.error());
  }
  const std::string rejected = "The zip file " + SafeFileName(filename) + " was not unpacked: ";
  if (Status extracted = ExtractArchive(content, scratch->path(), limits); !extracted) {
    if (extracted.error().code != ErrorCode::kValidationFailed) {
      return Fail(extracted.error());
    }
    return rejected + DescribeArchiveProblem(extracted.error()) + ".";
  }

  std::error_code error;
  std::vector<std::filesystem::path> names;
  for (const auto& entry : std::filesystem::directory_iterator(scratch->path(), error)) {
    names.push_back(entry.path().filename());
  }
  for (const std::filesystem::path& name : names) {
    if (std::filesystem::exists(target / name, error)) {
      return rejected + "it contains " + name.string() +
             ", which a submitted file or another zip file already uses.";
    }
  }
  for (const std::filesystem::path& name : names) {
    if (!error) {
      std::filesystem::rename(scratch->path() / name, target / name, error);
    }
  }
  if (error) {
    return Fail(Error::Internal("cannot move the files of the zip file " + filename + " into " +
                                target.string() + ": " + error.message()));
  }
  return std::nullopt;
}

}  // namespace

std::vector<std::string> SubmissionFileNames(const SubmissionSnapshot& submission) {
  // Names that differ, such as "a b.c" and "a_b.c", can be equal once made safe. Both files
  // are kept, because the second would otherwise replace the first in the folder.
  std::set<std::string> used;
  std::vector<std::string> names;
  names.reserve(submission.files.size());
  for (const SubmissionFileRef& file : submission.files) {
    const std::filesystem::path safe(SafeFileName(file.filename));
    std::string name = safe.string();
    for (int copy = 2; !used.insert(name).second; ++copy) {
      name = safe.stem().string() + "-" + std::to_string(copy) + safe.extension().string();
    }
    names.push_back(std::move(name));
  }
  return names;
}

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

Result<std::optional<std::string>> WriteSubmissionFiles(storage::BlobStore& blobs,
                                                        const SubmissionSnapshot& submission,
                                                        const std::filesystem::path& target,
                                                        const ArchiveLimits& zip_limits) {
  ZipDetector detector;
  std::vector<std::pair<std::string, std::string>> zips;  // file name and content
  const std::vector<std::string> names = SubmissionFileNames(submission);
  for (size_t i = 0; i < submission.files.size(); ++i) {
    const SubmissionFileRef& file = submission.files[i];
    Result<std::string> content = blobs.Get(file.blob_key);
    if (!content) {
      return Fail(content.error());
    }
    std::ofstream out(target / names[i], std::ios::binary | std::ios::trunc);
    out.write(content->data(), static_cast<std::streamsize>(content->size()));
    out.close();
    if (!out) {
      return Fail(Error::Internal("cannot write the file " + file.filename + " of submission " +
                                  std::to_string(submission.id)));
    }
    Result<bool> is_zip = detector.IsZip(*content);
    if (!is_zip) {
      return Fail(is_zip.error());
    }
    if (*is_zip) {
      zips.emplace_back(file.filename, std::move(*content));
    }
  }

  // The plain files are all written first, so that a clash with any of them is found.
  for (const auto& [filename, content] : zips) {
    Result<std::optional<std::string>> rejected = UnpackZip(filename, content, target, zip_limits);
    if (!rejected || *rejected) {
      return rejected;
    }
  }
  return std::nullopt;
}

Result<std::string> ReadSubmissionCode(storage::BlobStore& blobs,
                                       const SubmissionSnapshot& submission) {
  const std::vector<std::string> names = SubmissionFileNames(submission);
  std::string code;
  for (size_t i = 0; i < submission.files.size(); ++i) {
    const SubmissionFileRef& file = submission.files[i];
    if (!IsSourceFile(file.filename) || file.size > kMaxCodeFileBytes) {
      continue;
    }
    Result<std::string> content = blobs.Get(file.blob_key);
    if (!content) {
      return Fail(content.error());
    }
    code += "// file: " + names[i] + "\n" + *content + "\n";
  }
  return code;
}

}  // namespace openlabs::grading
