#include "services/notebooks/notebook_importer.h"

#include <algorithm>
#include <fstream>
#include <set>
#include <sstream>

#include "common/random.h"
#include "services/labs/lab_importer.h"
#include "services/labs/validation.h"
#include "services/notebooks/marimo_file.h"
#include "services/notebooks/python_tokens.h"

namespace openlabs::notebooks {
namespace {

namespace fs = std::filesystem;

constexpr size_t kMaxTitleLength = 200;

std::string Describe(const Error& error) {
  std::string text = error.message;
  for (const FieldViolation& detail : error.details) {
    text += " " + detail.field + " " + detail.message + ".";
  }
  return text;
}

std::vector<fs::path> FindPythonFiles(const fs::path& dir, std::error_code& error) {
  std::vector<fs::path> files;
  fs::recursive_directory_iterator it(dir, fs::directory_options::none, error);
  for (fs::recursive_directory_iterator end; !error && it != end; it.increment(error)) {
    const std::string name = it->path().filename().string();
    if (name.starts_with(".") || name == "__pycache__") {
      if (it->is_directory()) {
        it.disable_recursion_pending();
      }
      continue;
    }
    if (it->is_regular_file() && it->path().extension() == ".py") {
      files.push_back(fs::relative(it->path(), dir));
    }
  }
  std::sort(files.begin(), files.end());
  return files;
}

// The first "# " heading of the first Markdown cell that has one.
std::string HeadingOf(const MarimoNotebook& notebook, std::string& first_markdown) {
  for (const MarimoCell& cell : notebook.cells) {
    const std::optional<std::string> markdown =
        cell.kind == kCellKind ? MarkdownOfCell(cell.code) : std::nullopt;
    if (!markdown) {
      continue;
    }
    if (first_markdown.empty()) {
      first_markdown = *markdown;
    }
    std::istringstream lines(*markdown);
    for (std::string line; std::getline(lines, line);) {
      if (line.starts_with("# ")) {
        return line.substr(2);
      }
    }
  }
  return "";
}

std::string AppTitleOf(const std::string& arguments) {
  Result<std::vector<Token>> tokens = TokenizePython(arguments);
  if (!tokens) {
    return "";
  }
  for (size_t i = 0; i + 2 < tokens->size(); ++i) {
    if ((*tokens)[i].text == "app_title" && (*tokens)[i + 2].kind == TokenKind::kString) {
      return DecodeStringLiteral((*tokens)[i + 2].text).value_or("");
    }
  }
  return "";
}

// String literals in the cells that name files beside the notebook, as asset paths.
std::vector<std::string> ReferencedFiles(const MarimoNotebook& notebook, const fs::path& root,
                                         const fs::path& folder) {
  std::set<std::string> paths;
  for (const MarimoCell& cell : notebook.cells) {
    Result<std::vector<Token>> tokens = TokenizePython(cell.code);
    if (!tokens) {
      continue;
    }
    for (const Token& token : *tokens) {
      if (token.kind != TokenKind::kString || token.formatted || token.text.size() > 300) {
        continue;
      }
      Result<std::string> value = DecodeStringLiteral(token.text);
      if (!value || value->empty() || value->find("://") != std::string::npos ||
          value->find('\n') != std::string::npos) {
        continue;
      }
      Result<std::string> path = labs::NormalizeAssetPath(*value);
      if (!path || (*value)[0] == '/') {
        continue;
      }
      std::error_code error;
      const fs::path file = fs::weakly_canonical(folder / *path, error);
      const fs::path canonical_root = fs::weakly_canonical(root, error);
      const std::string relative = fs::relative(file, canonical_root, error).string();
      if (error || relative.starts_with("..") || !fs::is_regular_file(file, error)) {
        continue;
      }
      paths.insert(*path);
    }
  }
  return {paths.begin(), paths.end()};
}

class Importer {
 public:
  Importer(const fs::path& root, NotebooksService& notebooks, storage::BlobStore& blobs,
           const CallContext& context, const ParentChooser& choose_parent,
           const NotebookImportOptions& options, std::ostream& out)
      : root_(root),
        notebooks_(notebooks),
        blobs_(blobs),
        context_(context),
        choose_parent_(choose_parent),
        options_(options),
        out_(out) {}

  void ImportOne(const fs::path& relative, const std::string& counter,
                 NotebookImportSummary& summary) {
    const std::string key = relative.generic_string();
    std::string content;
    if (Status read = Read(root_ / relative, content); !read) {
      out_ << counter << " rejected " << key << ": " << Describe(read.error()) << "\n";
      ++summary.rejected;
      return;
    }
    Result<ParsedNotebook> parsed = ParseMarimoFile(content);
    if (!parsed && parsed.error().message.find("not a marimo notebook") != std::string::npos) {
      out_ << counter << " ignored " << key << ": not a marimo notebook (no marimo.App)\n";
      ++summary.ignored;
      return;
    }
    if (!parsed) {
      out_ << counter << " rejected " << key << ": " << Describe(parsed.error()) << "\n";
      ++summary.rejected;
      return;
    }
    Result<std::string> outcome = Import(relative, key, content, *parsed);
    if (!outcome) {
      out_ << counter << " rejected " << key << ": " << Describe(outcome.error()) << "\n";
      ++summary.rejected;
      return;
    }
    out_ << counter << " " << *outcome << "\n";
    for (const std::string& warning : parsed->warnings) {
      out_ << "    note: " << warning << "\n";
    }
    if (outcome->starts_with("skipped")) {
      ++summary.skipped;
    } else {
      ++summary.imported;
    }
  }

 private:
  Status Read(const fs::path& file, std::string& content) const {
    std::error_code error;
    const uintmax_t size = fs::file_size(file, error);
    if (error) {
      return Fail(Error::InvalidArgument("reading the file failed: " + error.message()));
    }
    if (static_cast<int64_t>(size) > options_.max_file_bytes) {
      return Fail(Error::InvalidArgument("the file is " + std::to_string(size) +
                                         " bytes; notebook files are limited to " +
                                         std::to_string(options_.max_file_bytes) + " bytes"));
    }
    std::ifstream input(file, std::ios::binary);
    std::ostringstream read;
    read << input.rdbuf();
    if (!input) {
      return Fail(Error::InvalidArgument("reading the file failed"));
    }
    content = read.str();
    return {};
  }

  Result<std::string> Import(const fs::path& relative, const std::string& key,
                             const std::string& content, const ParsedNotebook& parsed) {
    NotebookDraft draft;
    draft.source_key = key;
    draft.title = HeadingOf(parsed.notebook, draft.first_markdown);
    if (draft.title.empty()) {
      draft.title = AppTitleOf(parsed.notebook.app_arguments);
    }
    if (draft.title.empty()) {
      draft.title = relative.stem().string();
    }
    draft.title = draft.title.substr(0, kMaxTitleLength);
    if (labs::Utf8Length(draft.title) == std::string::npos) {
      draft.title = relative.stem().string();
    }

    Result<NotebookParent> parent = choose_parent_(draft);
    if (!parent) {
      return Fail(parent.error());
    }
    const std::string sha256 = Sha256Hex(content);
    v1::FindNotebookBySourceRequest find;
    find.set_parent_type(parent->type);
    find.set_parent_id(parent->id);
    find.set_source_key(key);
    Result<v1::FindNotebookBySourceResponse> found = notebooks_.FindNotebookBySource(find);
    if (!found) {
      return Fail(found.error());
    }
    if (found->found()) {
      if (found->source_sha256() != sha256) {
        return Fail(Error::AlreadyExists(
            "it was imported before as notebook " + std::to_string(found->notebook_id()) +
            " and has changed since; delete that notebook to import it again."));
      }
      return "skipped " + key + ": already imported as notebook " +
             std::to_string(found->notebook_id()) + " of " + parent->type + " " +
             std::to_string(parent->id);
    }

    v1::ImportNotebookRequest import;
    import.set_parent_type(parent->type);
    import.set_parent_id(parent->id);
    import.set_title(draft.title);
    import.set_filename(relative.filename().string());
    import.set_source(content);
    import.set_source_key(key);
    import.set_source_sha256(sha256);
    Result<v1::ImportNotebookResponse> imported = notebooks_.ImportNotebook(import, context_);
    if (!imported) {
      return Fail(imported.error());
    }
    const int64_t id = imported->notebook().id();
    std::vector<std::string> notes;
    Result<int> assets = AddAssets(id, parsed.notebook, root_ / relative.parent_path(), notes);
    if (!assets) {
      v1::DeleteNotebookRequest remove;
      remove.set_id(id);
      if (Result<v1::DeleteNotebookResponse> deleted = notebooks_.DeleteNotebook(remove, context_);
          !deleted) {
        out_ << "    note: removing the half-imported notebook " << id
             << " failed: " << deleted.error().message << "\n";
      }
      return Fail(assets.error());
    }
    std::string line = "imported " + key + " as notebook " + std::to_string(id) + " of " +
                       parent->description + " (" +
                       std::to_string(imported->notebook().cells_size()) + " cells, " +
                       std::to_string(*assets) + " assets)";
    for (const std::string& note : notes) {
      line += "\n    note: " + note;
    }
    return line;
  }

  // Stores the files the cells reference and records them as assets; returns their count.
  Result<int> AddAssets(int64_t notebook_id, const MarimoNotebook& notebook, const fs::path& folder,
                        std::vector<std::string>& notes) {
    v1::AddNotebookAssetsRequest add;
    add.set_notebook_id(notebook_id);
    for (const std::string& path : ReferencedFiles(notebook, root_, folder)) {
      std::error_code error;
      const uintmax_t size = fs::file_size(folder / path, error);
      if (error || static_cast<int64_t>(size) > options_.max_asset_bytes) {
        notes.push_back("left out " + path + ": larger than " +
                        std::to_string(options_.max_asset_bytes) + " bytes");
        continue;
      }
      Result<v1::NewLabAsset> stored =
          labs::StoreLocalFile(blobs_, folder / path, path, "notebooks/assets/");
      if (!stored) {
        DeleteBlobs(add);
        return Fail(stored.error());
      }
      v1::NewNotebookAsset* asset = add.add_assets();
      asset->set_path(stored->path());
      asset->set_filename(stored->filename());
      asset->set_blob_key(stored->blob_key());
      asset->set_size(stored->size());
      asset->set_sha256(stored->sha256());
      asset->set_head(stored->head());
    }
    if (add.assets().empty()) {
      return 0;
    }
    Result<v1::AddNotebookAssetsResponse> added = notebooks_.AddAssets(add, context_);
    if (!added) {
      DeleteBlobs(add);
      return Fail(added.error());
    }
    return added->items_size();
  }

  void DeleteBlobs(const v1::AddNotebookAssetsRequest& add) {
    for (const v1::NewNotebookAsset& asset : add.assets()) {
      if (Status deleted = blobs_.Delete(asset.blob_key()); !deleted) {
        out_ << "    note: deleting blob " << asset.blob_key()
             << " failed: " << deleted.error().message << "\n";
      }
    }
  }

  fs::path root_;
  NotebooksService& notebooks_;
  storage::BlobStore& blobs_;
  const CallContext& context_;
  const ParentChooser& choose_parent_;
  const NotebookImportOptions& options_;
  std::ostream& out_;
};

}  // namespace

Result<NotebookImportSummary> ImportNotebooks(const fs::path& dir, NotebooksService& notebooks,
                                              storage::BlobStore& blobs, const CallContext& context,
                                              const ParentChooser& choose_parent,
                                              const NotebookImportOptions& options,
                                              std::ostream& out) {
  std::error_code error;
  const std::vector<fs::path> files = FindPythonFiles(dir, error);
  if (error) {
    return Fail(Error::InvalidArgument("reading the folder " + dir.string() +
                                       " failed: " + error.message()));
  }
  out << "Found " << files.size() << " Python files under " << dir.string() << ".\n";
  Importer importer(dir, notebooks, blobs, context, choose_parent, options, out);
  NotebookImportSummary summary;
  for (size_t i = 0; i < files.size(); ++i) {
    const std::string counter =
        "[" + std::to_string(i + 1) + "/" + std::to_string(files.size()) + "]";
    importer.ImportOne(files[i], counter, summary);
  }
  return summary;
}

}  // namespace openlabs::notebooks
