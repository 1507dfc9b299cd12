#include "services/labs/lab_importer.h"

#include <spdlog/spdlog.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <fstream>
#include <map>
#include <optional>
#include <regex>
#include <set>
#include <sstream>

#include "common/random.h"
#include "services/labs/validation.h"

namespace openlabs::labs {
namespace {

namespace fs = std::filesystem;

constexpr size_t kChunkBytes = 64 * 1024;
constexpr size_t kHeadBytes = 512;
constexpr size_t kMaxDescriptionChars = 300;

// Files that describe a folder rather than teach anything.
const std::set<std::string> kNotLabs = {"readme.md",    "manifest.md",     "license.md",
                                        "changelog.md", "contributing.md", "code_of_conduct.md"};

struct FrontMatter {
  std::string title;
  std::string description;
  std::vector<std::string> tags;
  std::string body;     // the document without the front matter
  std::string problem;  // why the front matter was not read, when it was invalid
};

std::string Lower(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return text;
}

std::string Trim(std::string_view text) {
  const size_t first = text.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos) {
    return {};
  }
  const size_t last = text.find_last_not_of(" \t\r\n");
  return std::string(text.substr(first, last - first + 1));
}

// Replaces each run of whitespace, line breaks included, with one space.
std::string CollapseWhitespace(std::string_view text) {
  std::string collapsed;
  bool space = false;
  for (const char c : text) {
    if (std::isspace(static_cast<unsigned char>(c))) {
      space = !collapsed.empty();
      continue;
    }
    if (space) {
      collapsed.push_back(' ');
      space = false;
    }
    collapsed.push_back(c);
  }
  return collapsed;
}

// The text of a scalar front matter value, or "" for a missing value, a list or a map.
std::string ScalarText(const YAML::Node& node) {
  return node && node.IsScalar() ? CollapseWhitespace(node.Scalar()) : std::string();
}

// Tags written as a YAML list, or as one string split at commas (at spaces when it has no
// comma, as Jekyll reads `tags: a b`).
std::vector<std::string> TagList(const YAML::Node& node) {
  std::vector<std::string> items;
  if (!node) {
    return items;
  }
  if (node.IsSequence()) {
    for (const YAML::Node& item : node) {
      if (std::string text = ScalarText(item); !text.empty()) {
        items.push_back(std::move(text));
      }
    }
    return items;
  }
  const std::string text = ScalarText(node);
  const char separator = text.find(',') != std::string::npos ? ',' : ' ';
  std::stringstream stream(text);
  std::string item;
  while (std::getline(stream, item, separator)) {
    if (std::string value = Trim(item); !value.empty()) {
      items.push_back(std::move(value));
    }
  }
  return items;
}

// Splits off YAML front matter: a first line "---" up to the next line "---" or "...". Without
// the closing line the whole text is the body.
FrontMatter ParseFrontMatter(const std::string& text) {
  FrontMatter result;
  result.body = text;
  if (!text.starts_with("---\n") && !text.starts_with("---\r\n")) {
    return result;
  }
  std::istringstream lines(text);
  std::string line;
  std::getline(lines, line);
  const std::streamoff yaml_start = lines.tellg();
  std::streamoff yaml_end = -1;
  for (std::streamoff line_start = yaml_start; std::getline(lines, line);
       line_start = lines.tellg()) {
    const std::string trimmed = Trim(line);
    if (trimmed == "---" || trimmed == "...") {
      yaml_end = line_start;
      break;
    }
  }
  if (yaml_end < 0) {
    return result;
  }
  const std::streamoff body_start = lines.tellg();
  result.body = body_start < 0 ? std::string() : text.substr(static_cast<size_t>(body_start));
  const std::string yaml =
      text.substr(static_cast<size_t>(yaml_start), static_cast<size_t>(yaml_end - yaml_start));
  try {
    const YAML::Node root = YAML::Load(yaml);
    if (!root.IsMap()) {
      if (root.IsDefined() && !root.IsNull()) {
        result.problem = "front matter is not a YAML mapping";
      }
      return result;
    }
    result.title = ScalarText(root["title"]);
    result.description = ScalarText(root["description"]);
    result.tags = TagList(root["tags"]);
    if (result.tags.empty()) {
      result.tags = TagList(root["keywords"]);
    }
  } catch (const YAML::Exception& error) {
    result.problem = "front matter is not valid YAML (" + error.msg + ")";
  }
  return result;
}

// Cuts `text` to at most `max_chars` characters without splitting a UTF-8 sequence. A cut text
// ends at its last space when it has one, and "…" marks the cut.
std::string Truncate(const std::string& text, size_t max_chars) {
  const auto is_char_start = [](char c) { return (static_cast<unsigned char>(c) & 0xc0) != 0x80; };
  if (static_cast<size_t>(std::count_if(text.begin(), text.end(), is_char_start)) <= max_chars) {
    return text;
  }
  size_t chars = 0;
  size_t cut = 0;
  while (cut < text.size() && !(is_char_start(text[cut]) && chars++ == max_chars - 1)) {
    ++cut;
  }
  if (const size_t space = text.rfind(' ', cut); space != std::string::npos && space > 0) {
    cut = space;
  }
  return Trim(text.substr(0, cut)) + "…";
}

// The level of an ATX heading line ("## Title" is 2), or 0 for other lines.
int HeadingLevel(std::string_view line) {
  const size_t hashes = line.find_first_not_of('#');
  if (hashes == 0 || hashes > 6 || hashes == std::string_view::npos || line[hashes] != ' ') {
    return 0;
  }
  return static_cast<int>(hashes);
}

// Removes Markdown and HTML markup from a paragraph: links keep their text, images and tags go.
std::string PlainText(const std::string& paragraph) {
  static const std::regex kImage(R"re(!\[[^\]]*\]\([^)]*\))re");
  static const std::regex kLink(R"re(\[([^\]]*)\]\([^)]*\))re");
  static const std::regex kTag(R"re(</?[A-Za-z][^>]*>)re");
  static const std::regex kEmphasis(R"re(\*\*|__|`)re");
  std::string text = std::regex_replace(paragraph, kImage, "");
  text = std::regex_replace(text, kLink, "$1");
  text = std::regex_replace(text, kTag, "");
  text = std::regex_replace(text, kEmphasis, "");
  return CollapseWhitespace(text);
}

// Whether a paragraph is prose that can describe the lab: not a heading, list, table, quote,
// fenced div, block of HTML, or a short label such as "Table of Contents:" that introduces
// the list after it.
bool IsProse(const std::string& paragraph, const std::string& plain) {
  static const std::regex kBlockStart(R"re(^(#|[-*+] |\d+[.)] |\||>|:::|!\[|\{|\$\$|\[\^?[^\]]*\]:))re");
  static const std::regex kBlockHtml(R"re(^<(?!(a|b|i|em|strong|code|span)[\s>])[A-Za-z])re",
                                     std::regex::icase);
  if (std::regex_search(paragraph, kBlockStart) || std::regex_search(paragraph, kBlockHtml)) {
    return false;
  }
  if (plain.empty() || !std::isalpha(static_cast<unsigned char>(plain.front()))) {
    return false;
  }
  constexpr size_t kMaxLabelChars = 40;
  return !(plain.back() == ':' && plain.size() <= kMaxLabelChars);
}

struct DocumentText {
  std::string heading;    // the only heading at the top level the document uses, if any
  std::string paragraph;  // the first prose paragraph as plain text
};

// Reads the document's title heading and first prose paragraph, outside code fences.
DocumentText ReadDocumentText(const std::string& body) {
  std::istringstream lines(body);
  std::string line;
  DocumentText result;
  int top_level = 7;
  int top_level_count = 0;
  std::string top_heading;
  std::string paragraph;
  bool in_fence = false;
  const auto end_paragraph = [&] {
    if (result.paragraph.empty() && !paragraph.empty()) {
      if (std::string plain = PlainText(paragraph); IsProse(paragraph, plain)) {
        result.paragraph = std::move(plain);
      }
    }
    paragraph.clear();
  };
  while (std::getline(lines, line)) {
    const std::string trimmed = Trim(line);
    if (trimmed.starts_with("```") || trimmed.starts_with("~~~")) {
      end_paragraph();
      in_fence = !in_fence;
      continue;
    }
    if (in_fence) {
      continue;
    }
    if (const int level = HeadingLevel(trimmed); level > 0) {
      end_paragraph();
      if (level < top_level) {
        top_level = level;
        top_level_count = 0;
        top_heading = Trim(trimmed.substr(static_cast<size_t>(level)));
      }
      top_level_count += level == top_level ? 1 : 0;
      continue;
    }
    if (trimmed.empty() || trimmed.starts_with(":::")) {
      end_paragraph();
      continue;
    }
    paragraph += paragraph.empty() ? trimmed : "\n" + trimmed;
  }
  end_paragraph();
  if (top_level_count == 1) {
    result.heading = std::move(top_heading);
  }
  return result;
}

// "optimization-1.md" becomes "Optimization 1".
std::string TitleFromFileName(const fs::path& relative) {
  std::string title = relative.stem().string();
  std::replace_if(title.begin(), title.end(), [](char c) { return c == '-' || c == '_'; }, ' ');
  title = CollapseWhitespace(title);
  if (!title.empty()) {
    title.front() = static_cast<char>(std::toupper(static_cast<unsigned char>(title.front())));
  }
  return title;
}

// Tags come only from the front matter. Folder names are not used because in real courses
// they name layouts ("episodes", "_2020", "2-Regression") rather than subjects.
std::vector<std::string> ChooseTags(const FrontMatter& front) {
  std::vector<std::string> tags;
  for (const std::string& candidate : front.tags) {
    Result<std::string> tag = NormalizeTag(candidate);
    if (tag && std::find(tags.begin(), tags.end(), *tag) == tags.end() && tags.size() < kMaxTags) {
      tags.push_back(*tag);
    }
  }
  return tags;
}

bool IsUrl(std::string_view target) {
  if (target.starts_with("//") || target.starts_with("#")) {
    return true;
  }
  const size_t colon = target.find(':');
  const size_t slash = target.find('/');
  return colon != std::string_view::npos && colon > 0 &&
         (slash == std::string_view::npos || colon < slash);
}

std::string PercentDecode(std::string_view text) {
  std::string decoded;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '%' && i + 2 < text.size() &&
        std::isxdigit(static_cast<unsigned char>(text[i + 1])) &&
        std::isxdigit(static_cast<unsigned char>(text[i + 2]))) {
      decoded.push_back(
          static_cast<char>(std::stoi(std::string(text.substr(i + 1, 2)), nullptr, 16)));
      i += 2;
    } else {
      decoded.push_back(text[i]);
    }
  }
  return decoded;
}

// The target without "#fragment" and "?query", percent-decoded; empty for URLs.
std::string CleanTarget(std::string_view target) {
  if (IsUrl(target)) {
    return {};
  }
  const size_t cut = target.find_first_of("#?");
  return PercentDecode(target.substr(0, cut));
}

bool IsInside(const fs::path& path, const fs::path& root) {
  std::error_code error;
  const fs::path canonical = fs::weakly_canonical(path, error);
  if (error) {
    return false;
  }
  const auto mismatch = std::mismatch(root.begin(), root.end(), canonical.begin(), canonical.end());
  return mismatch.first == root.end();
}

// Where the file a link names is, or nullopt when it does not exist under `root`.
std::optional<fs::path> ResolveTarget(const std::string& target, const fs::path& folder,
                                      const fs::path& root, bool& escapes) {
  escapes = false;
  std::vector<fs::path> candidates;
  if (target.starts_with("/")) {
    const std::string relative = target.substr(target.find_first_not_of('/'));
    for (fs::path dir = folder;; dir = dir.parent_path()) {
      candidates.push_back(dir / relative);
      if (dir == root || !IsInside(dir, root) || dir == dir.parent_path()) {
        break;
      }
    }
  } else {
    candidates.push_back((folder / target).lexically_normal());
  }
  for (const fs::path& candidate : candidates) {
    std::error_code error;
    if (!fs::is_regular_file(candidate, error)) {
      continue;
    }
    if (!IsInside(candidate, root)) {
      escapes = true;
      return std::nullopt;
    }
    return candidate;
  }
  return std::nullopt;
}

struct LocalFile {
  std::string asset_path;
  fs::path file;
};

// Every local file `body` references, keyed by asset path; problems go to `notes`.
std::vector<LocalFile> FindReferencedFiles(const std::string& body, const fs::path& folder,
                                           const fs::path& root, std::vector<std::string>& notes) {
  static const std::regex kQuotedPath(
      R"re(["']([A-Za-z0-9_][A-Za-z0-9_./-]*\.[A-Za-z0-9]{1,8})["'])re");
  std::vector<std::string> targets = LocalLinkTargets(body, false);
  for (std::sregex_iterator it(body.begin(), body.end(), kQuotedPath), end; it != end; ++it) {
    std::string target = (*it)[1].str();
    // Lessons often load a bare file name from a data/ folder beside the page, as the
    // Carpentries lessons do with numpy.loadtxt(fname='inflammation-01.csv').
    std::error_code error;
    if (target.find('/') == std::string::npos && !fs::exists(folder / target, error) &&
        fs::is_regular_file(folder / "data" / target, error)) {
      target = "data/" + target;
    }
    targets.push_back(std::move(target));
  }
  const std::vector<std::string> images = LocalLinkTargets(body, true);

  std::vector<LocalFile> files;
  std::set<std::string> seen;
  for (const std::string& target : targets) {
    bool escapes = false;
    std::optional<fs::path> file = ResolveTarget(target, folder, root, escapes);
    const bool is_image = std::find(images.begin(), images.end(), target) != images.end();
    if (!file) {
      if (escapes) {
        notes.push_back("rejected reference " + target + ": it points outside the import folder");
      } else if (is_image) {
        notes.push_back("missing image " + target);
      }
      continue;
    }
    Result<std::string> path = NormalizeAssetPath(target);
    if (!path) {
      notes.push_back("skipped " + target + ": " + path.error().details.front().message);
      continue;
    }
    if (seen.insert(*path).second) {
      files.push_back({*path, *file});
    }
  }
  return files;
}

// Copies a file into a new blob; memory stays at one chunk. The blob writer hashes what it
// writes, so the file is read once.
Result<v1::NewLabAsset> StoreFile(storage::BlobStore& blobs, const LocalFile& local,
                                  std::string_view key_prefix = "labs/assets/") {
  std::ifstream input(local.file, std::ios::binary);
  if (!input) {
    return Fail(Error::Internal("opening " + local.file.string() + " failed"));
  }
  v1::NewLabAsset asset;
  asset.set_path(local.asset_path);
  asset.set_filename(local.file.filename().string());
  asset.set_blob_key(std::string(key_prefix) + NewUuid());
  Result<std::unique_ptr<storage::BlobWriter>> writer = blobs.OpenWriter(asset.blob_key());
  if (!writer) {
    return Fail(writer.error());
  }
  std::string chunk(kChunkBytes, '\0');
  while (input.read(chunk.data(), static_cast<std::streamsize>(chunk.size())) ||
         input.gcount() > 0) {
    const std::string_view data(chunk.data(), static_cast<size_t>(input.gcount()));
    if (asset.head().size() < kHeadBytes) {
      asset.mutable_head()->append(data.substr(0, kHeadBytes - asset.head().size()));
    }
    if (Status written = (*writer)->Write(data); !written) {
      return Fail(written.error());
    }
  }
  Result<storage::BlobInfo> committed = (*writer)->Commit();
  if (!committed) {
    return Fail(committed.error());
  }
  asset.set_sha256(committed->sha256);
  asset.set_size(committed->size);
  return asset;
}

class Importer {
 public:
  Importer(const fs::path& root, LabsService& labs, storage::BlobStore& blobs,
           const CallContext& context, const ImportOptions& options, std::ostream& out)
      : root_(root), labs_(labs), blobs_(blobs), context_(context), options_(options), out_(out) {}

  void ImportOne(const fs::path& relative, const std::string& counter, ImportSummary& summary) {
    const std::string key = relative.generic_string();
    if (kNotLabs.contains(Lower(relative.filename().string()))) {
      out_ << counter << " ignored " << key << ": a folder description, not a lab\n";
      ++summary.ignored;
      return;
    }
    Result<std::string> outcome = Import(relative, key);
    if (!outcome) {
      out_ << counter << " rejected " << key << ": " << Describe(outcome.error()) << "\n";
      ++summary.rejected;
      return;
    }
    out_ << counter << " " << *outcome << "\n";
    if (outcome->starts_with("skipped")) {
      ++summary.skipped;
    } else {
      ++summary.imported;
    }
  }

 private:
  static std::string Describe(const Error& error) {
    std::string text = error.message;
    for (const FieldViolation& detail : error.details) {
      text += " " + detail.field + " " + detail.message + ".";
    }
    return text;
  }

  Result<std::string> Import(const fs::path& relative, const std::string& key) {
    std::ifstream input(root_ / relative, std::ios::binary);
    std::ostringstream read;
    read << input.rdbuf();
    if (!input) {
      return Fail(Error::InvalidArgument("reading the file failed"));
    }
    const std::string content = read.str();
    const std::string sha256 = Sha256Hex(content);

    v1::FindLabBySourceRequest find;
    find.set_source_key(key);
    Result<v1::FindLabBySourceResponse> found = labs_.FindLabBySource(find);
    if (!found) {
      return Fail(found.error());
    }
    if (found->found()) {
      if (found->source_sha256() != sha256) {
        return Fail(Error::AlreadyExists(
            "it was imported before as lab " + std::to_string(found->lab_id()) +
            " and has changed since; delete that lab to import it again."));
      }
      return "skipped " + key + ": already imported as lab " + std::to_string(found->lab_id());
    }
    return Create(relative, key, content, sha256);
  }

  Result<std::string> Create(const fs::path& relative, const std::string& key,
                             const std::string& content, const std::string& sha256) {
    const FrontMatter front = ParseFrontMatter(content);
    const DocumentText text = ReadDocumentText(front.body);
    v1::ImportLabRequest import;
    v1::CreateLabRequest& create = *import.mutable_lab();
    std::string title = !front.title.empty() ? front.title : text.heading;
    create.set_title(
        Truncate(title.empty() ? TitleFromFileName(relative) : title, kMaxTitleLength));
    create.set_description(Truncate(
        !front.description.empty() ? front.description : text.paragraph, kMaxDescriptionChars));
    create.set_body(front.body);
    for (const std::string& tag : ChooseTags(front)) {
      create.add_tags(tag);
    }
    import.set_source_key(key);
    import.set_source_sha256(sha256);

    std::vector<std::string> notes;
    if (!front.problem.empty()) {
      notes.push_back(front.problem);
    }
    const std::vector<LocalFile> files =
        FindReferencedFiles(front.body, (root_ / relative).parent_path(), root_, notes);
    Result<v1::Lab> lab = labs_.ImportLab(import, context_);
    if (!lab) {
      return Fail(lab.error());
    }
    Result<int> assets = AddAssets(lab->id(), files, notes);
    if (!assets) {
      DeleteLab(lab->id());
      return Fail(assets.error());
    }
    std::string line = "imported " + key + " as lab " + std::to_string(lab->id()) + " with " +
                       std::to_string(*assets) + (*assets == 1 ? " asset" : " assets");
    for (const std::string& note : notes) {
      line += "; " + note;
    }
    return line;
  }

  Result<int> AddAssets(int64_t lab_id, const std::vector<LocalFile>& files,
                        std::vector<std::string>& notes) {
    v1::AddAssetsRequest add;
    add.set_lab_id(lab_id);
    for (const LocalFile& file : files) {
      std::error_code error;
      const auto size = fs::file_size(file.file, error);
      if (error || static_cast<int64_t>(size) > options_.max_asset_bytes) {
        notes.push_back("left out " + file.asset_path + ": larger than the asset limit");
        continue;
      }
      Result<v1::NewLabAsset> stored = StoreFile(blobs_, file);
      if (!stored) {
        DeleteBlobs(add);
        return Fail(stored.error());
      }
      *add.add_assets() = std::move(*stored);
    }
    if (add.assets().empty()) {
      return 0;
    }
    Result<v1::AddAssetsResponse> added = labs_.AddAssets(add, context_);
    if (!added) {
      DeleteBlobs(add);
      return Fail(added.error());
    }
    return added->items_size();
  }

  void DeleteBlobs(const v1::AddAssetsRequest& add) {
    for (const v1::NewLabAsset& asset : add.assets()) {
      if (Status deleted = blobs_.Delete(asset.blob_key()); !deleted) {
        spdlog::warn("deleting blob {} failed, leaving an orphan", asset.blob_key());
      }
    }
  }

  void DeleteLab(int64_t lab_id) {
    v1::DeleteLabRequest remove;
    remove.set_id(lab_id);
    if (Result<v1::DeleteLabResponse> deleted = labs_.DeleteLab(remove, context_); !deleted) {
      spdlog::warn("undoing the import of lab id={} failed: {}", lab_id, deleted.error().message);
    }
  }

  fs::path root_;
  LabsService& labs_;
  storage::BlobStore& blobs_;
  const CallContext& context_;
  ImportOptions options_;
  std::ostream& out_;
};

}  // namespace

std::vector<std::string> LocalLinkTargets(std::string_view markdown, bool images_only) {
  static const std::regex kMarkdownLink(
      R"re((!?)\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\))re");
  static const std::regex kHtmlAttribute(
      R"re(<(\w+)[^>]*?\s(?:src|href)\s*=\s*["']([^"']+)["'])re");
  const std::string text(markdown);
  std::vector<std::string> targets;
  for (std::sregex_iterator it(text.begin(), text.end(), kMarkdownLink), end; it != end; ++it) {
    if (!images_only || (*it)[1].length() > 0) {
      targets.push_back((*it)[2].str());
    }
  }
  for (std::sregex_iterator it(text.begin(), text.end(), kHtmlAttribute), end; it != end; ++it) {
    if (!images_only || Lower((*it)[1].str()) == "img") {
      targets.push_back((*it)[2].str());
    }
  }
  std::vector<std::string> cleaned;
  for (const std::string& target : targets) {
    if (std::string clean = CleanTarget(target); !clean.empty()) {
      cleaned.push_back(std::move(clean));
    }
  }
  return cleaned;
}

Result<std::vector<fs::path>> FindLabFiles(const fs::path& dir) {
  std::vector<fs::path> files;
  std::error_code error;
  for (fs::recursive_directory_iterator it(dir, error), end; !error && it != end;
       it.increment(error)) {
    if (it->is_regular_file() && Lower(it->path().extension().string()) == ".md") {
      files.push_back(it->path().lexically_relative(dir));
    }
  }
  if (error) {
    return Fail(Error::InvalidArgument("reading the folder " + dir.string() +
                                       " failed: " + error.message()));
  }
  std::sort(files.begin(), files.end());
  return files;
}

Result<ImportSummary> ImportLabs(const fs::path& dir, LabsService& labs, storage::BlobStore& blobs,
                                 const CallContext& context, const ImportOptions& options,
                                 std::ostream& out) {
  std::error_code error;
  const fs::path root = fs::canonical(dir, error);
  if (error) {
    return Fail(Error::InvalidArgument("reading the folder " + dir.string() +
                                       " failed: " + error.message()));
  }
  Result<std::vector<fs::path>> files = FindLabFiles(root);
  if (!files) {
    return Fail(files.error());
  }
  ImportSummary summary;
  Importer importer(root, labs, blobs, context, options, out);
  for (size_t i = 0; i < files->size(); ++i) {
    const std::string counter =
        "[" + std::to_string(i + 1) + "/" + std::to_string(files->size()) + "]";
    importer.ImportOne((*files)[i], counter, summary);
  }
  return summary;
}

Result<v1::NewLabAsset> StoreLocalFile(storage::BlobStore& blobs, const fs::path& file,
                                       const std::string& asset_path,
                                       std::string_view key_prefix) {
  return StoreFile(blobs, LocalFile{asset_path, file}, key_prefix);
}

}  // namespace openlabs::labs
