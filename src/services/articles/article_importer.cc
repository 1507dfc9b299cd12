#include "services/articles/article_importer.h"

#include <openssl/evp.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <fstream>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>

#include "common/random.h"

namespace openlabs::articles {
namespace {

namespace fs = std::filesystem;

constexpr size_t kCopyChunkBytes = 256 * 1024;
// metadata.json lists a few fields per file; a larger file is a mistake, not metadata.
constexpr std::uintmax_t kMaxMetadataBytes = 16 << 20;

struct FileMetadata {
  std::string title;
  std::string abstract;
  std::vector<std::string> authors;
  std::vector<std::string> tags;
};

std::vector<std::string> StringList(const nlohmann::json& value) {
  std::vector<std::string> items;
  if (!value.is_array()) {
    return items;
  }
  for (const nlohmann::json& item : value) {
    if (item.is_string()) {
      items.push_back(item.get<std::string>());
    }
  }
  return items;
}

std::string StringField(const nlohmann::json& entry, const char* key) {
  const auto found = entry.find(key);
  return found != entry.end() && found->is_string() ? found->get<std::string>() : "";
}

// The entries of metadata.json by file name; an empty map when the file does not exist.
Result<std::map<std::string, FileMetadata>> ReadMetadata(const fs::path& dir) {
  std::map<std::string, FileMetadata> entries;
  const fs::path path = dir / "metadata.json";
  std::error_code error;
  if (!fs::exists(path, error)) {
    return entries;
  }
  if (fs::file_size(path, error) > kMaxMetadataBytes) {
    return Fail(Error::InvalidArgument(path.string() + " is larger than 16 MiB."));
  }
  std::ifstream file(path);
  const nlohmann::json parsed = nlohmann::json::parse(file, nullptr, false);
  if (!parsed.is_array()) {
    return Fail(
        Error::InvalidArgument(path.string() +
                               " must be a JSON array of {\"file\", \"title\", \"authors\", "
                               "\"abstract\", \"tags\"} objects."));
  }
  for (const nlohmann::json& entry : parsed) {
    if (!entry.is_object() || StringField(entry, "file").empty()) {
      continue;
    }
    FileMetadata metadata;
    metadata.title = StringField(entry, "title");
    metadata.abstract = StringField(entry, "abstract");
    metadata.authors = StringList(entry.value("authors", nlohmann::json()));
    metadata.tags = StringList(entry.value("tags", nlohmann::json()));
    entries[StringField(entry, "file")] = std::move(metadata);
  }
  return entries;
}

std::vector<fs::path> ListPdfs(const fs::path& dir) {
  std::vector<fs::path> pdfs;
  for (const fs::directory_entry& entry : fs::directory_iterator(dir)) {
    std::string extension = entry.path().extension().string();
    std::transform(extension.begin(), extension.end(), extension.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    if (entry.is_regular_file() && extension == ".pdf") {
      pdfs.push_back(entry.path());
    }
  }
  std::sort(pdfs.begin(), pdfs.end());
  return pdfs;
}

// The hex SHA-256 of a file, read in chunks.
Result<std::string> FileSha256(const fs::path& path) {
  std::ifstream file(path, std::ios::binary);
  if (!file) {
    return Fail(Error::InvalidArgument("cannot be opened for reading"));
  }
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> context(EVP_MD_CTX_new(),
                                                                  EVP_MD_CTX_free);
  EVP_DigestInit_ex(context.get(), EVP_sha256(), nullptr);
  std::vector<char> chunk(kCopyChunkBytes);
  while (file.read(chunk.data(), static_cast<std::streamsize>(chunk.size())) || file.gcount() > 0) {
    EVP_DigestUpdate(context.get(), chunk.data(), static_cast<size_t>(file.gcount()));
  }
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_DigestFinal_ex(context.get(), digest, &length);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string hex;
  for (unsigned int i = 0; i < length; ++i) {
    hex += kHex[digest[i] >> 4];
    hex += kHex[digest[i] & 0x0F];
  }
  return hex;
}

// Copies a file into a new blob in chunks and returns the blob's key.
Result<std::string> CopyToBlob(const fs::path& path, storage::BlobStore& blobs) {
  const std::string key = "articles/" + NewUuid() + ".pdf";
  Result<std::unique_ptr<storage::BlobWriter>> writer = blobs.OpenWriter(key);
  if (!writer) {
    return Fail(writer.error());
  }
  std::ifstream file(path, std::ios::binary);
  std::vector<char> chunk(kCopyChunkBytes);
  while (file.read(chunk.data(), static_cast<std::streamsize>(chunk.size())) || file.gcount() > 0) {
    Status written =
        (*writer)->Write(std::string_view(chunk.data(), static_cast<size_t>(file.gcount())));
    if (!written) {
      return Fail(written.error());
    }
  }
  if (Result<storage::BlobInfo> committed = (*writer)->Commit(); !committed) {
    return Fail(committed.error());
  }
  return key;
}

// The reason an error rejected a file, in one line.
std::string Reason(const Error& error) {
  if (error.details.empty()) {
    return error.message + (error.internal.empty() ? "" : " (" + error.internal + ")");
  }
  std::string reason;
  for (const FieldViolation& problem : error.details) {
    reason += (reason.empty() ? "" : "; ") + problem.field + " " + problem.message;
  }
  return reason;
}

v1::CreateArticleRequest RequestFor(const fs::path& path,
                                    const std::optional<FileMetadata>& metadata) {
  v1::CreateArticleRequest request;
  request.set_filename(path.filename().string());
  request.set_title(metadata && !metadata->title.empty() ? metadata->title : path.stem().string());
  if (metadata) {
    request.set_abstract(metadata->abstract);
    for (const std::string& author : metadata->authors) {
      request.add_authors(author);
    }
    for (const std::string& tag : metadata->tags) {
      request.add_tags(tag);
    }
  }
  return request;
}

// One progress line, written to `out` when it goes out of scope.
struct ProgressLine {
  explicit ProgressLine(std::ostream& out) : out(out) {}
  ~ProgressLine() { out << text.str() << std::flush; }
  ProgressLine(const ProgressLine&) = delete;
  ProgressLine& operator=(const ProgressLine&) = delete;

  std::ostream& out;
  std::ostringstream text;
};

}  // namespace

Result<ImportSummary> ImportArticles(const fs::path& dir, ArticlesService& articles,
                                     storage::BlobStore& blobs, const CallContext& uploader,
                                     std::ostream& progress) {
  std::error_code error;
  if (!fs::is_directory(dir, error)) {
    return Fail(Error::InvalidArgument(dir.string() + " is not a folder."));
  }
  Result<std::map<std::string, FileMetadata>> metadata = ReadMetadata(dir);
  if (!metadata) {
    return Fail(metadata.error());
  }
  const std::vector<fs::path> pdfs = ListPdfs(dir);

  ImportSummary summary;
  for (size_t i = 0; i < pdfs.size(); ++i) {
    const fs::path& path = pdfs[i];
    const std::string name = path.filename().string();
    // The line is written whole when the file is done, so that a log line written meanwhile
    // to the same terminal lands before it rather than inside it.
    ProgressLine line(progress);
    line.text << "[" << i + 1 << "/" << pdfs.size() << "] " << name << ": ";
    const auto reject = [&](const std::string& reason) {
      ++summary.rejected;
      summary.problems.push_back(name + ": " + reason);
      line.text << "rejected: " << reason << "\n";
    };

    Result<std::string> sha256 = FileSha256(path);
    if (!sha256) {
      reject(Reason(sha256.error()));
      continue;
    }
    v1::FindArticleBySha256Request find;
    find.set_sha256(*sha256);
    if (Result<v1::Article> existing = articles.FindArticleBySha256(find); existing) {
      ++summary.skipped;
      line.text << "skipped: already imported as article " << existing->id() << "\n";
      continue;
    }

    Result<std::string> key = CopyToBlob(path, blobs);
    if (!key) {
      reject("copying into the blob store failed: " + Reason(key.error()));
      continue;
    }
    const auto found = metadata->find(name);
    v1::CreateArticleRequest request =
        RequestFor(path, found == metadata->end() ? std::nullopt : std::optional(found->second));
    request.set_blob_key(*key);
    Result<v1::Article> created = articles.CreateArticle(request, uploader);
    if (!created) {
      if (Status deleted = blobs.Delete(*key); !deleted) {
        spdlog::warn("deleting blob {} of rejected file {} failed: {}", *key, name,
                     deleted.error().internal);
      }
      reject(Reason(created.error()));
      continue;
    }
    ++summary.imported;
    line.text << "imported as article " << created->id() << " (" << created->page_count()
              << " pages)\n";
  }
  return summary;
}

}  // namespace openlabs::articles
