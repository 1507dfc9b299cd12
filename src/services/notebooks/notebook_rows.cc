#include "services/notebooks/notebook_rows.h"

#include "common/clock.h"
#include "services/labs/validation.h"
#include "services/notebooks/python_tokens.h"

namespace openlabs::notebooks {
namespace {

constexpr const char* kNotebookColumns =
    "id, parent_type, parent_id, owner_id, kind, COALESCE(copy_of, 0), title, app_arguments, "
    "header, generated_with, revision, COALESCE(source_key, ''), source_sha256, created_at, "
    "updated_at";
constexpr const char* kAssetColumns =
    "id, notebook_id, path, filename, content_type, size, sha256, blob_key, created_at";

// A prepared SELECT of kAssetColumns into `row`, with `notebook_id` and `key` bound in order.
soci::statement SelectAssets(soci::session& session, const std::string& sql,
                             const long long& notebook_id, const std::string* key, AssetRow& row) {
  if (key == nullptr) {
    return (session.prepare << sql, soci::use(notebook_id), soci::into(row.id),
            soci::into(row.notebook_id), soci::into(row.path), soci::into(row.filename),
            soci::into(row.content_type), soci::into(row.size), soci::into(row.sha256),
            soci::into(row.blob_key), soci::into(row.created_at));
  }
  return (session.prepare << sql, soci::use(notebook_id), soci::use(*key), soci::into(row.id),
          soci::into(row.notebook_id), soci::into(row.path), soci::into(row.filename),
          soci::into(row.content_type), soci::into(row.size), soci::into(row.sha256),
          soci::into(row.blob_key), soci::into(row.created_at));
}

const std::set<std::string> kCellKinds = {"cell", "function", "class", "setup", "unparsable"};

// The name a function or class cell defines: the first `def` or `class` at the top level.
std::optional<std::string> DefinedName(std::string_view code) {
  Result<std::vector<Token>> tokens = TokenizePython(code);
  if (!tokens) {
    return std::nullopt;
  }
  int depth = 0;
  for (size_t i = 0; i + 1 < tokens->size(); ++i) {
    const Token& token = (*tokens)[i];
    if (token.kind == TokenKind::kIndent) {
      ++depth;
    } else if (token.kind == TokenKind::kDedent) {
      --depth;
    } else if (depth == 0 && token.kind == TokenKind::kName &&
               (token.text == "def" || token.text == "class") &&
               (*tokens)[i + 1].kind == TokenKind::kName) {
      return std::string((*tokens)[i + 1].text);
    }
  }
  return std::nullopt;
}

}  // namespace

v1::NotebookAsset AssetRow::ToProto() const {
  v1::NotebookAsset asset;
  asset.set_id(id);
  asset.set_notebook_id(notebook_id);
  asset.set_path(path);
  asset.set_filename(filename);
  asset.set_content_type(content_type);
  asset.set_size(size);
  asset.set_sha256(sha256);
  asset.set_created_at(created_at);
  asset.set_url(NotebookAssetUrl(notebook_id, id));
  return asset;
}

std::optional<NotebookRow> LoadNotebookRow(soci::session& session, long long id) {
  NotebookRow row;
  session << "SELECT " << kNotebookColumns << " FROM notebooks WHERE id = :id", soci::use(id),
      soci::into(row.id), soci::into(row.parent_type), soci::into(row.parent_id),
      soci::into(row.owner_id), soci::into(row.kind), soci::into(row.copy_of),
      soci::into(row.title), soci::into(row.app_arguments), soci::into(row.header),
      soci::into(row.generated_with), soci::into(row.revision), soci::into(row.source_key),
      soci::into(row.source_sha256), soci::into(row.created_at), soci::into(row.updated_at);
  if (!session.got_data()) {
    return std::nullopt;
  }
  return row;
}

std::vector<CellRow> LoadCellRows(soci::session& session, long long notebook_id) {
  std::vector<CellRow> rows;
  CellRow row;
  std::string options;
  soci::statement select =
      (session.prepare << "SELECT id, position, kind, name, code, options FROM notebook_cells "
                          "WHERE notebook_id = :id ORDER BY position, id",
       soci::use(notebook_id), soci::into(row.id), soci::into(row.position),
       soci::into(row.cell.kind), soci::into(row.cell.name), soci::into(row.cell.code),
       soci::into(options));
  select.execute();
  while (select.fetch()) {
    row.cell.options = nlohmann::json::parse(options, nullptr, false);
    if (!row.cell.options.is_object()) {
      row.cell.options = nlohmann::json::object();
    }
    rows.push_back(row);
  }
  return rows;
}

std::vector<AssetRow> LoadAssetRows(soci::session& session, long long notebook_id) {
  std::vector<AssetRow> rows;
  AssetRow row;
  const std::string sql = std::string("SELECT ") + kAssetColumns +
                          " FROM notebook_assets WHERE notebook_id = :id ORDER BY path";
  soci::statement select = SelectAssets(session, sql, notebook_id, nullptr, row);
  select.execute();
  while (select.fetch()) {
    rows.push_back(row);
  }
  return rows;
}

std::optional<AssetRow> LoadAssetRow(soci::session& session, long long notebook_id,
                                     const std::string& asset_id, const std::string& path) {
  AssetRow row;
  const bool by_id = !asset_id.empty();
  const std::string& key = by_id ? asset_id : path;
  const std::string sql = std::string("SELECT ") + kAssetColumns +
                          " FROM notebook_assets WHERE notebook_id = :notebook AND " +
                          (by_id ? "id" : "path") + " = :key";
  soci::statement select = SelectAssets(session, sql, notebook_id, &key, row);
  select.execute();
  if (!select.fetch()) {
    return std::nullopt;
  }
  return row;
}

long long InsertNotebookRow(soci::session& session, const NotebookRow& row) {
  long long id = 0;
  soci::indicator source = row.source_key.empty() ? soci::i_null : soci::i_ok;
  soci::indicator copy_of = row.copy_of == 0 ? soci::i_null : soci::i_ok;
  session << "INSERT INTO notebooks (parent_type, parent_id, owner_id, kind, copy_of, title, "
             "app_arguments, header, generated_with, source_key, source_sha256, created_at, "
             "updated_at) VALUES (:parent_type, :parent_id, :owner_id, :kind, :copy_of, :title, "
             ":app_arguments, :header, :generated_with, :source_key, :source_sha256, "
             ":created_at, :updated_at) RETURNING id",
      soci::use(row.parent_type, "parent_type"), soci::use(row.parent_id, "parent_id"),
      soci::use(row.owner_id, "owner_id"), soci::use(row.kind, "kind"),
      soci::use(row.copy_of, copy_of, "copy_of"), soci::use(row.title, "title"),
      soci::use(row.app_arguments, "app_arguments"), soci::use(row.header, "header"),
      soci::use(row.generated_with, "generated_with"),
      soci::use(row.source_key, source, "source_key"),
      soci::use(row.source_sha256, "source_sha256"), soci::use(row.created_at, "created_at"),
      soci::use(row.updated_at, "updated_at"), soci::into(id);
  return id;
}

void InsertCellRow(soci::session& session, long long notebook_id, const CellRow& row) {
  const long long now = NowMillis();
  const std::string options = row.cell.options.dump();
  session << "INSERT INTO notebook_cells (id, notebook_id, position, kind, name, code, options, "
             "created_at, updated_at) VALUES (:id, :notebook_id, :position, :kind, :name, :code, "
             ":options, :created_at, :updated_at)",
      soci::use(row.id, "id"), soci::use(notebook_id, "notebook_id"),
      soci::use(row.position, "position"), soci::use(row.cell.kind, "kind"),
      soci::use(row.cell.name, "name"), soci::use(row.cell.code, "code"),
      soci::use(options, "options"), soci::use(now, "created_at"), soci::use(now, "updated_at");
}

void InsertAssetRow(soci::session& session, const AssetRow& row) {
  session << "INSERT INTO notebook_assets (" << kAssetColumns
          << ") VALUES (:id, :notebook_id, :path, :filename, :content_type, :size, :sha256, "
             ":blob_key, :created_at)",
      soci::use(row.id, "id"), soci::use(row.notebook_id, "notebook_id"),
      soci::use(row.path, "path"), soci::use(row.filename, "filename"),
      soci::use(row.content_type, "content_type"), soci::use(row.size, "size"),
      soci::use(row.sha256, "sha256"), soci::use(row.blob_key, "blob_key"),
      soci::use(row.created_at, "created_at");
}

void WritePositions(soci::session& session, const std::vector<CellRow>& cells) {
  for (size_t i = 0; i < cells.size(); ++i) {
    const long long position = static_cast<long long>(i);
    session << "UPDATE notebook_cells SET position = :position WHERE id = :id", soci::use(position),
        soci::use(cells[i].id);
  }
}

void TouchNotebook(soci::session& session, long long id) {
  const long long now = NowMillis();
  session << "UPDATE notebooks SET revision = revision + 1, updated_at = :now WHERE id = :id",
      soci::use(now), soci::use(id);
}

v1::NotebookCell CellToProto(const CellRow& row) {
  v1::NotebookCell cell;
  cell.set_id(row.id);
  cell.set_kind(row.cell.kind);
  cell.set_name(row.cell.name);
  cell.set_code(row.cell.code);
  const std::optional<std::string> markdown =
      row.cell.kind == kCellKind ? MarkdownOfCell(row.cell.code) : std::nullopt;
  cell.set_language(markdown ? "markdown" : "python");
  if (markdown) {
    cell.set_markdown(*markdown);
  }
  v1::CellOptions* options = cell.mutable_options();
  for (const auto& [key, value] : row.cell.options.items()) {
    if (key == "hide_code" && value.is_boolean()) {
      options->set_hide_code(value.get<bool>());
    } else if (key == "disabled" && value.is_boolean()) {
      options->set_disabled(value.get<bool>());
    } else if (key == "column" && value.is_number_integer()) {
      options->set_column(value.get<int>());
    } else {
      v1::OtherCellOption* other = options->add_other();
      other->set_name(key);
      other->set_python(JsonToPythonLiteral(value));
    }
  }
  return cell;
}

v1::Notebook NotebookToProto(const NotebookRow& row, const std::vector<CellRow>& cells,
                             const std::vector<AssetRow>& assets, int cell_count) {
  v1::Notebook notebook;
  notebook.set_id(row.id);
  notebook.set_title(row.title);
  notebook.set_parent_type(row.parent_type);
  notebook.set_parent_id(row.parent_id);
  notebook.set_owner_id(row.owner_id);
  notebook.set_copy_of(row.copy_of);
  notebook.set_app_arguments(row.app_arguments);
  notebook.set_header(row.header);
  notebook.set_generated_with(row.generated_with);
  notebook.set_revision(row.revision);
  notebook.set_created_at(row.created_at);
  notebook.set_updated_at(row.updated_at);
  notebook.set_source_key(row.source_key);
  notebook.set_cell_count(cell_count);
  for (const CellRow& cell : cells) {
    *notebook.add_cells() = CellToProto(cell);
  }
  for (const AssetRow& asset : assets) {
    *notebook.add_assets() = asset.ToProto();
  }
  return notebook;
}

MarimoNotebook ToMarimo(const NotebookRow& row, const std::vector<CellRow>& cells) {
  MarimoNotebook notebook;
  notebook.header = row.header;
  notebook.generated_with = row.generated_with;
  notebook.app_arguments = row.app_arguments;
  for (const CellRow& cell : cells) {
    notebook.cells.push_back(cell.cell);
  }
  return notebook;
}

Result<nlohmann::json> OptionsFromProto(const v1::CellOptions& options, const std::string& field) {
  nlohmann::json json = nlohmann::json::object();
  if (options.hide_code()) {
    json["hide_code"] = true;
  }
  if (options.disabled()) {
    json["disabled"] = true;
  }
  if (options.has_column()) {
    json["column"] = options.column();
  }
  std::vector<FieldViolation> problems;
  for (const v1::OtherCellOption& other : options.other()) {
    if (!IsPythonIdentifier(other.name()) || json.contains(other.name())) {
      problems.push_back({field + ".options.other",
                          "\"" + other.name() + "\" is not a valid, unused option name"});
      continue;
    }
    Result<nlohmann::json> value = PythonLiteralToJson(other.python());
    if (!value || other.python().size() > 1000) {
      problems.push_back({field + ".options.other",
                          "the value of " + other.name() +
                              " must be a Python literal of at most 1000 bytes (True, False, "
                              "None, a number or a string)"});
      continue;
    }
    json[other.name()] = *value;
  }
  if (!problems.empty()) {
    return Fail(Error::Validation(std::move(problems)));
  }
  return json;
}

std::vector<FieldViolation> CheckCell(const MarimoCell& cell, const std::string& field,
                                      const NotebooksOptions& options) {
  std::vector<FieldViolation> problems;
  if (!kCellKinds.contains(cell.kind)) {
    problems.push_back(
        {field + ".kind",
         "must be cell, function, class, setup or unparsable, got \"" + cell.kind + "\""});
  }
  if (static_cast<int64_t>(cell.code.size()) > options.max_cell_bytes) {
    problems.push_back({field + ".code", "must be at most " +
                                             std::to_string(options.max_cell_bytes) +
                                             " bytes, got " + std::to_string(cell.code.size())});
  } else if (labs::Utf8Length(cell.code) == std::string::npos) {
    problems.push_back({field + ".code", "must be valid UTF-8"});
  }
  if (cell.name != kDefaultCellName && !IsPythonIdentifier(cell.name)) {
    problems.push_back({field + ".name", "must be \"_\" or a Python identifier, got \"" +
                                             cell.name.substr(0, 100) + "\""});
  }
  return problems;
}

std::vector<FieldViolation> CheckSetupPlacement(const std::vector<MarimoCell>& cells) {
  for (size_t i = 0; i < cells.size(); ++i) {
    if (cells[i].kind == kSetupKind && i != 0) {
      return {{"cells", "the setup cell must be the first cell, and a notebook has at most one"}};
    }
  }
  return {};
}

Result<MarimoCell> CellFromRequest(const v1::NewNotebookCell& request, const std::string& field,
                                   const NotebooksOptions& options) {
  MarimoCell cell;
  cell.kind = request.kind().empty() ? std::string(kCellKind) : request.kind();
  cell.name = request.name().empty() ? std::string(kDefaultCellName) : request.name();
  std::vector<FieldViolation> problems;
  if (request.language() == "markdown") {
    if (cell.kind != kCellKind) {
      problems.push_back({field + ".language", "markdown cells must have kind \"cell\""});
    }
    cell.code = MarkdownCellCode(request.markdown());
  } else if (request.language().empty() || request.language() == "python") {
    cell.code = request.code();
  } else {
    problems.push_back(
        {field + ".language", "must be python or markdown, got \"" + request.language() + "\""});
  }
  if (cell.kind == kSetupKind) {
    cell.name = "setup";
  }
  if (cell.kind == kFunctionKind || cell.kind == kClassKind) {
    // marimo names these cells after what they define.
    std::optional<std::string> defined = DefinedName(cell.code);
    if (!defined) {
      problems.push_back(
          {field + ".code", "a " + cell.kind + " cell must define one " +
                                (cell.kind == kFunctionKind ? "function" : "class")});
    } else {
      cell.name = *defined;
    }
  }
  Result<nlohmann::json> cell_options = OptionsFromProto(request.options(), field);
  if (!cell_options) {
    problems.insert(problems.end(), cell_options.error().details.begin(),
                    cell_options.error().details.end());
  } else {
    cell.options = std::move(*cell_options);
  }
  std::vector<FieldViolation> cell_problems = CheckCell(cell, field, options);
  problems.insert(problems.end(), cell_problems.begin(), cell_problems.end());
  if (!problems.empty()) {
    return Fail(Error::Validation(std::move(problems)));
  }
  return cell;
}

}  // namespace openlabs::notebooks
