#include "services/notebooks/notebooks_service.h"

#include <spdlog/spdlog.h>

#include <atomic>
#include <fstream>
#include <functional>
#include <map>
#include <set>

#include "common/clock.h"
#include "common/random.h"
#include "services/labs/content_type.h"
#include "services/labs/validation.h"
#include "services/notebooks/cell_analysis.h"
#include "services/notebooks/notebook_rows.h"
#include "services/notebooks/python_tokens.h"

namespace openlabs::notebooks {
namespace {

using storage::Database;

constexpr size_t kMaxTitleLength = 200;
constexpr size_t kMaxAppArgumentsBytes = 2000;
constexpr size_t kMaxSourceKeyBytes = 1024;
constexpr int kMaxExportLimit = 5000;
constexpr const char* kDefaultAppArguments = "width=\"medium\"";

Error NotebookNotFound() { return Error::NotFound("The notebook does not exist."); }

Error CellNotFound() { return Error::NotFound("The cell does not exist in this notebook."); }

Error AssetNotFound() { return Error::NotFound("The asset does not exist in this notebook."); }

bool IsSha256Hex(std::string_view text) {
  return text.size() == 64 && std::all_of(text.begin(), text.end(), [](char c) {
           return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
         });
}

// A file name for the export: the imported file's name, else the title in snake case.
std::string ExportFilename(const NotebookRow& row) {
  if (!row.source_key.empty()) {
    const size_t slash = row.source_key.find_last_of('/');
    return slash == std::string::npos ? row.source_key : row.source_key.substr(slash + 1);
  }
  std::string name;
  for (char c : row.title) {
    if (std::isalnum(static_cast<unsigned char>(c))) {
      name += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    } else if (!name.empty() && name.back() != '_') {
      name += '_';
    }
    if (name.size() >= 60) {
      break;
    }
  }
  while (!name.empty() && name.back() == '_') {
    name.pop_back();
  }
  return (name.empty() ? "notebook" : name) + ".py";
}

// The app_title argument of marimo.App(...), if the arguments set one as a plain string.
std::string AppTitle(std::string_view app_arguments) {
  Result<std::vector<Token>> tokens = TokenizePython(app_arguments);
  if (!tokens) {
    return "";
  }
  for (size_t i = 0; i + 2 < tokens->size(); ++i) {
    if ((*tokens)[i].text == "app_title" && (*tokens)[i + 1].text == "=" &&
        (*tokens)[i + 2].kind == TokenKind::kString) {
      return DecodeStringLiteral((*tokens)[i + 2].text).value_or("");
    }
  }
  return "";
}

std::vector<FieldViolation> CheckAppArguments(const std::string& arguments) {
  if (arguments.size() > kMaxAppArgumentsBytes) {
    return {{"app_arguments", "must be at most 2000 bytes"}};
  }
  Result<std::vector<Token>> tokens = TokenizePython("marimo.App(" + arguments + ")");
  if (!tokens) {
    return {{"app_arguments", "must be Python keyword arguments such as width=\"medium\""}};
  }
  for (const Token& token : *tokens) {
    if (token.kind == TokenKind::kNewline && token.line > 1) {
      return {{"app_arguments", "must be on one line"}};
    }
  }
  return {};
}

std::vector<FieldViolation> CheckTitle(const std::string& title) {
  std::vector<FieldViolation> problems;
  labs::CheckText("title", title, kMaxTitleLength, false, true, problems);
  return problems;
}

Status CheckParentType(const std::string& type) {
  if (type != "lab" && type != "article") {
    return Fail(Error::Validation({{"parent_type", "must be lab or article"}}));
  }
  return {};
}

class SqlNotebooksService final : public NotebooksService {
 public:
  SqlNotebooksService(Database& database, storage::BlobStore& blobs, NotebookParents& parents,
                      NotebooksOptions options)
      : database_(database), blobs_(blobs), parents_(parents), options_(options) {}

  Result<v1::Notebook> CreateNotebook(const v1::CreateNotebookRequest& request,
                                      const CallContext& context) override {
    if (Status allowed = CheckCanAttach(request.parent_type(), request.parent_id(), context);
        !allowed) {
      return Fail(allowed.error());
    }
    std::vector<FieldViolation> problems = CheckTitle(request.title());
    const std::string arguments =
        request.app_arguments().empty() ? kDefaultAppArguments : request.app_arguments();
    std::vector<FieldViolation> argument_problems = CheckAppArguments(arguments);
    problems.insert(problems.end(), argument_problems.begin(), argument_problems.end());
    Result<std::vector<MarimoCell>> cells = CellsFromRequest(request.cells(), problems);
    if (!problems.empty()) {
      return Fail(Error::Validation(std::move(problems)));
    }
    NotebookRow row = NewRow(request.parent_type(), request.parent_id(), context.user_id);
    row.title = request.title();
    row.app_arguments = arguments;
    return Insert(row, *cells, context);
  }

  Result<v1::ImportNotebookResponse> ImportNotebook(const v1::ImportNotebookRequest& request,
                                                    const CallContext& context) override {
    if (Status allowed = CheckCanAttach(request.parent_type(), request.parent_id(), context);
        !allowed) {
      return Fail(allowed.error());
    }
    Result<ParsedNotebook> parsed = ParseSource(request.source());
    if (!parsed) {
      return Fail(parsed.error());
    }
    if (request.source_key().size() > kMaxSourceKeyBytes) {
      return Fail(Error::Validation({{"source_key", "must be at most 1024 bytes"}}));
    }
    NotebookRow row = NewRow(request.parent_type(), request.parent_id(), context.user_id);
    row.title = request.title();
    if (row.title.empty()) {
      row.title = AppTitle(parsed->notebook.app_arguments);
    }
    if (row.title.empty()) {
      row.title = request.filename().ends_with(".py")
                      ? request.filename().substr(0, request.filename().size() - 3)
                      : request.filename();
    }
    if (row.title.empty()) {
      row.title = "Notebook";
    }
    row.title = row.title.substr(0, kMaxTitleLength);
    if (std::vector<FieldViolation> problems = CheckTitle(row.title); !problems.empty()) {
      return Fail(Error::Validation(std::move(problems)));
    }
    row.app_arguments = parsed->notebook.app_arguments;
    row.header = parsed->notebook.header;
    row.generated_with = parsed->notebook.generated_with;
    row.source_key = request.source_key();
    row.source_sha256 = request.source_sha256();
    Result<v1::Notebook> created = Insert(row, parsed->notebook.cells, context);
    if (!created) {
      return Fail(created.error());
    }
    v1::ImportNotebookResponse response;
    *response.mutable_notebook() = std::move(*created);
    for (std::string& warning : parsed->warnings) {
      response.add_warnings(std::move(warning));
    }
    return response;
  }

  Result<v1::Notebook> GetNotebook(const v1::GetNotebookRequest& request,
                                   const CallContext& context) override {
    Result<NotebookRow> row = LoadReadable(request.id(), context);
    if (!row) {
      return Fail(row.error());
    }
    return LoadFull(row->id);
  }

  Result<v1::ListNotebooksResponse> ListNotebooks(const v1::ListNotebooksRequest& request,
                                                  const CallContext& context) override {
    if (Status type = CheckParentType(request.parent_type()); !type) {
      return Fail(type.error());
    }
    Result<ParentInfo> parent =
        parents_.GetParent(request.parent_type(), request.parent_id(), context);
    if (!parent) {
      return Fail(parent.error());
    }
    return database_.WithSession<v1::ListNotebooksResponse>(
        [&](soci::session& session) -> Result<v1::ListNotebooksResponse> {
          std::vector<long long> ids;
          long long id = 0;
          const long long parent_id = request.parent_id();
          soci::statement select =
              (session.prepare << "SELECT id FROM notebooks WHERE parent_type = :type AND "
                                  "parent_id = :id AND kind = 'original' ORDER BY id",
               soci::use(request.parent_type()), soci::use(parent_id), soci::into(id));
          select.execute();
          while (select.fetch()) {
            ids.push_back(id);
          }
          v1::ListNotebooksResponse response;
          for (long long notebook_id : ids) {
            *response.add_items() = Summary(session, notebook_id);
          }
          return response;
        });
  }

  Result<v1::Notebook> UpdateNotebook(const v1::UpdateNotebookRequest& request,
                                      const CallContext& context) override {
    std::vector<FieldViolation> problems;
    if (request.has_title()) {
      problems = CheckTitle(request.title());
    }
    if (request.has_app_arguments()) {
      std::vector<FieldViolation> argument_problems = CheckAppArguments(request.app_arguments());
      problems.insert(problems.end(), argument_problems.begin(), argument_problems.end());
    }
    if (!problems.empty()) {
      return Fail(Error::Validation(std::move(problems)));
    }
    return Edit(request.id(), context, "edit this notebook",
                [&](soci::session& session, NotebookRow& row) -> Status {
                  const std::string& title = request.has_title() ? request.title() : row.title;
                  const std::string& arguments =
                      request.has_app_arguments() ? request.app_arguments() : row.app_arguments;
                  session << "UPDATE notebooks SET title = :title, app_arguments = :arguments "
                             "WHERE id = :id",
                      soci::use(title), soci::use(arguments), soci::use(row.id);
                  return {};
                });
  }

  Result<v1::DeleteNotebookResponse> DeleteNotebook(const v1::DeleteNotebookRequest& request,
                                                    const CallContext& context) override {
    Result<NotebookRow> row = LoadEditable(request.id(), context, "delete this notebook");
    if (!row) {
      return Fail(row.error());
    }
    Result<std::vector<AssetRow>> assets = database_.InTransaction<std::vector<AssetRow>>(
        [&](soci::session& session) -> Result<std::vector<AssetRow>> {
          std::vector<AssetRow> rows = LoadAssetRows(session, row->id);
          session << "DELETE FROM notebook_assets WHERE notebook_id = :id", soci::use(row->id);
          session << "DELETE FROM notebook_cells WHERE notebook_id = :id", soci::use(row->id);
          session << "DELETE FROM notebooks WHERE id = :id", soci::use(row->id);
          return rows;
        });
    if (!assets) {
      return Fail(assets.error());
    }
    for (const AssetRow& asset : *assets) {
      DeleteBlob(asset.blob_key);
    }
    spdlog::info("user id={} deleted notebook id={}", context.user_id, row->id);
    return v1::DeleteNotebookResponse();
  }

  Result<v1::Notebook> AddCell(const v1::AddCellRequest& request,
                               const CallContext& context) override {
    Result<MarimoCell> cell = CellFromRequest(request.cell(), "cell", options_);
    if (!cell) {
      return Fail(cell.error());
    }
    std::vector<MarimoCell> checked = {*cell};
    MarkUnparsable(checked, nullptr, false);
    cell->kind = checked.front().kind;
    return Edit(request.notebook_id(), context, "edit this notebook",
                [&](soci::session& session, NotebookRow& row) -> Status {
                  std::vector<CellRow> cells = LoadCellRows(session, row.id);
                  if (static_cast<int>(cells.size()) >= options_.max_cells) {
                    return Fail(TooManyCells());
                  }
                  const long long index =
                      request.has_index() ? std::clamp<long long>(request.index(), 0, cells.size())
                                          : static_cast<long long>(cells.size());
                  CellRow added{NewUuid(), index, *cell};
                  cells.insert(cells.begin() + index, added);
                  if (Status placed = CheckPlacement(cells); !placed) {
                    return placed;
                  }
                  if (Status sized = CheckTotalSize(cells); !sized) {
                    return sized;
                  }
                  InsertCellRow(session, row.id, added);
                  WritePositions(session, cells);
                  return {};
                });
  }

  Result<v1::Notebook> UpdateCell(const v1::UpdateCellRequest& request,
                                  const CallContext& context) override {
    // The new code is checked before the transaction, because the check runs a process.
    std::optional<std::optional<std::string>> new_code_error;
    if (request.has_code() && !request.has_markdown()) {
      new_code_error = SyntaxErrors({request.code()}).front();
    }
    return Edit(
        request.notebook_id(), context, "edit this notebook",
        [&](soci::session& session, NotebookRow& row) -> Status {
          if (request.has_expected_revision() && request.expected_revision() != row.revision) {
            return Fail(RevisionMismatch(request.expected_revision(), row.revision));
          }
          std::vector<CellRow> cells = LoadCellRows(session, row.id);
          auto found = std::find_if(cells.begin(), cells.end(), [&](const CellRow& cell) {
            return cell.id == request.cell_id();
          });
          if (found == cells.end()) {
            return Fail(CellNotFound());
          }
          Result<MarimoCell> updated = ApplyCellUpdate(found->cell, request);
          if (!updated) {
            return Fail(updated.error());
          }
          if (new_code_error) {
            SetParsability(*updated, *new_code_error);
          }
          found->cell = *updated;
          if (Status sized = CheckTotalSize(cells); !sized) {
            return sized;
          }
          const std::string options = updated->options.dump();
          const long long now = NowMillis();
          session << "UPDATE notebook_cells SET kind = :kind, name = :name, code = :code, "
                     "options = :options, updated_at = :now WHERE id = :id",
              soci::use(updated->kind), soci::use(updated->name), soci::use(updated->code),
              soci::use(options), soci::use(now), soci::use(found->id);
          return {};
        });
  }

  Result<v1::Notebook> DeleteCell(const v1::DeleteCellRequest& request,
                                  const CallContext& context) override {
    return Edit(request.notebook_id(), context, "edit this notebook",
                [&](soci::session& session, NotebookRow& row) -> Status {
                  std::vector<CellRow> cells = LoadCellRows(session, row.id);
                  auto found = std::find_if(cells.begin(), cells.end(), [&](const CellRow& cell) {
                    return cell.id == request.cell_id();
                  });
                  if (found == cells.end()) {
                    return Fail(CellNotFound());
                  }
                  session << "DELETE FROM notebook_cells WHERE id = :id", soci::use(found->id);
                  cells.erase(found);
                  WritePositions(session, cells);
                  return {};
                });
  }

  Result<v1::Notebook> ReorderCells(const v1::ReorderCellsRequest& request,
                                    const CallContext& context) override {
    return Edit(request.notebook_id(), context, "edit this notebook",
                [&](soci::session& session, NotebookRow& row) -> Status {
                  std::vector<CellRow> cells = LoadCellRows(session, row.id);
                  std::map<std::string, CellRow> by_id;
                  for (CellRow& cell : cells) {
                    by_id.emplace(cell.id, std::move(cell));
                  }
                  std::vector<CellRow> ordered;
                  for (const std::string& id : request.cell_ids()) {
                    auto found = by_id.find(id);
                    if (found == by_id.end()) {
                      return Fail(Error::Validation(
                          {{"cell_ids", "must list every cell of the notebook exactly once; \"" +
                                            id.substr(0, 64) + "\" is unknown or repeated"}}));
                    }
                    ordered.push_back(std::move(found->second));
                    by_id.erase(found);
                  }
                  if (!by_id.empty()) {
                    return Fail(Error::Validation(
                        {{"cell_ids", "must list every cell of the notebook exactly once; " +
                                          std::to_string(by_id.size()) + " are missing"}}));
                  }
                  if (Status placed = CheckPlacement(ordered); !placed) {
                    return placed;
                  }
                  WritePositions(session, ordered);
                  return {};
                });
  }

  Result<v1::ExportNotebookResponse> ExportNotebook(const v1::ExportNotebookRequest& request,
                                                    const CallContext& context) override {
    Result<NotebookRow> row = LoadReadable(request.id(), context);
    if (!row) {
      return Fail(row.error());
    }
    return database_.WithSession<v1::ExportNotebookResponse>(
        [&](soci::session& session) -> Result<v1::ExportNotebookResponse> {
          v1::ExportNotebookResponse response;
          response.set_filename(ExportFilename(*row));
          response.set_source(ExportMarimoFile(ToMarimo(*row, LoadCellRows(session, row->id))));
          return response;
        });
  }

  Result<v1::AddNotebookAssetsResponse> AddAssets(const v1::AddNotebookAssetsRequest& request,
                                                  const CallContext& context) override {
    if (request.assets().empty()) {
      return Fail(Error::Validation({{"files", "must contain at least one file"}}));
    }
    Result<NotebookRow> row = LoadEditable(request.notebook_id(), context, "add assets");
    if (!row) {
      return Fail(row.error());
    }
    if (row->is_copy()) {
      return Fail(Error::FailedPrecondition(
          "A copy uses the assets of its original notebook and has none of its own."));
    }
    Result<std::vector<AssetRow>> rows = PrepareAssets(request);
    if (!rows) {
      return Fail(rows.error());
    }
    return database_.InTransaction<v1::AddNotebookAssetsResponse>(
        [&](soci::session& session) -> Result<v1::AddNotebookAssetsResponse> {
          long long existing = 0;
          session << "SELECT COUNT(*) FROM notebook_assets WHERE notebook_id = :id",
              soci::use(row->id), soci::into(existing);
          if (existing + static_cast<long long>(rows->size()) > options_.max_assets) {
            return Fail(Error::Validation(
                {{"files", "a notebook can have at most " + std::to_string(options_.max_assets) +
                               " assets"}}));
          }
          v1::AddNotebookAssetsResponse response;
          for (const AssetRow& asset : *rows) {
            if (LoadAssetRow(session, row->id, "", asset.path)) {
              Error error = Error::AlreadyExists("The notebook already has an asset at \"" +
                                                 asset.path + "\"; delete it first to replace it.");
              error.details.push_back({"path", "is already used by another asset"});
              return Fail(std::move(error));
            }
            InsertAssetRow(session, asset);
            *response.add_items() = asset.ToProto();
          }
          TouchNotebook(session, row->id);
          spdlog::info("user id={} added {} assets to notebook id={}", context.user_id,
                       rows->size(), row->id);
          return response;
        });
  }

  Result<v1::ListNotebookAssetsResponse> ListAssets(const v1::ListNotebookAssetsRequest& request,
                                                    const CallContext& context) override {
    Result<NotebookRow> row = LoadReadable(request.notebook_id(), context);
    if (!row) {
      return Fail(row.error());
    }
    return database_.WithSession<v1::ListNotebookAssetsResponse>(
        [&](soci::session& session) -> Result<v1::ListNotebookAssetsResponse> {
          v1::ListNotebookAssetsResponse response;
          for (const AssetRow& asset : LoadAssetRows(session, AssetOwner(*row))) {
            *response.add_items() = asset.ToProto();
          }
          return response;
        });
  }

  Result<v1::NotebookAssetBlob> GetAsset(const v1::GetNotebookAssetRequest& request,
                                         const CallContext& context) override {
    std::string path;
    if (request.asset_id().empty()) {
      Result<std::string> normalized = labs::NormalizeAssetPath(request.path());
      if (!normalized) {
        return Fail(normalized.error());
      }
      path = std::move(*normalized);
    }
    Result<NotebookRow> row = LoadReadable(request.notebook_id(), context);
    if (!row) {
      return Fail(row.error());
    }
    return database_.WithSession<v1::NotebookAssetBlob>(
        [&](soci::session& session) -> Result<v1::NotebookAssetBlob> {
          std::optional<AssetRow> asset =
              LoadAssetRow(session, AssetOwner(*row), request.asset_id(), path);
          if (!asset) {
            return Fail(AssetNotFound());
          }
          v1::NotebookAssetBlob found;
          *found.mutable_asset() = asset->ToProto();
          found.set_blob_key(asset->blob_key);
          return found;
        });
  }

  Result<v1::DeleteNotebookAssetResponse> DeleteAsset(const v1::DeleteNotebookAssetRequest& request,
                                                      const CallContext& context) override {
    Result<NotebookRow> row = LoadEditable(request.notebook_id(), context, "delete its assets");
    if (!row) {
      return Fail(row.error());
    }
    Result<std::string> blob_key =
        database_.InTransaction<std::string>([&](soci::session& session) -> Result<std::string> {
          std::optional<AssetRow> asset = LoadAssetRow(session, row->id, request.asset_id(), "");
          if (request.asset_id().empty() || !asset) {
            return Fail(AssetNotFound());
          }
          session << "DELETE FROM notebook_assets WHERE id = :id", soci::use(asset->id);
          TouchNotebook(session, row->id);
          return asset->blob_key;
        });
    if (!blob_key) {
      return Fail(blob_key.error());
    }
    DeleteBlob(*blob_key);
    return v1::DeleteNotebookAssetResponse();
  }

  Result<v1::ImportNotebookResponse> ReplaceSource(const v1::ReplaceSourceRequest& request,
                                                   const CallContext& context) override {
    Result<ParsedNotebook> parsed = ParseSource(request.source());
    if (!parsed) {
      return Fail(parsed.error());
    }
    if (std::vector<FieldViolation> problems = CheckSetupPlacement(parsed->notebook.cells);
        !problems.empty()) {
      return Fail(Error::Validation(std::move(problems)));
    }
    Result<v1::Notebook> replaced = Edit(
        request.id(), context, "edit this notebook",
        [&](soci::session& session, NotebookRow& row) -> Status {
          if (request.has_expected_revision() && request.expected_revision() != row.revision) {
            return Fail(RevisionMismatch(request.expected_revision(), row.revision));
          }
          session << "DELETE FROM notebook_cells WHERE notebook_id = :id", soci::use(row.id);
          const std::vector<MarimoCell>& cells = parsed->notebook.cells;
          for (size_t i = 0; i < cells.size(); ++i) {
            InsertCellRow(session, row.id, CellRow{NewUuid(), static_cast<long long>(i), cells[i]});
          }
          session << "UPDATE notebooks SET header = :header, app_arguments = :arguments, "
                     "generated_with = :version WHERE id = :id",
              soci::use(parsed->notebook.header), soci::use(parsed->notebook.app_arguments),
              soci::use(parsed->notebook.generated_with), soci::use(row.id);
          return {};
        });
    if (!replaced) {
      return Fail(replaced.error());
    }
    v1::ImportNotebookResponse response;
    *response.mutable_notebook() = std::move(*replaced);
    for (std::string& warning : parsed->warnings) {
      response.add_warnings(std::move(warning));
    }
    return response;
  }

  Result<v1::Notebook> SaveCopy(const v1::SaveCopyRequest& request,
                                const CallContext& context) override {
    if (!context.authenticated()) {
      return Fail(Error::Unauthenticated("Sign in to save your own copy of a notebook."));
    }
    Result<NotebookRow> original = LoadReadable(request.notebook_id(), context);
    if (!original) {
      return Fail(original.error());
    }
    if (original->is_copy()) {
      return Fail(Error::FailedPrecondition(
          "This notebook is already a copy; save copies of the original notebook " +
          std::to_string(original->copy_of) + "."));
    }
    NotebookRow row = NewRow(original->parent_type, original->parent_id, context.user_id);
    row.kind = "copy";
    row.copy_of = original->id;
    row.title = request.title().empty() ? original->title : request.title();
    row.app_arguments = original->app_arguments;
    row.header = original->header;
    row.generated_with = original->generated_with;
    if (std::vector<FieldViolation> problems = CheckTitle(row.title); !problems.empty()) {
      return Fail(Error::Validation(std::move(problems)));
    }
    std::vector<MarimoCell> cells;
    if (!request.source().empty()) {
      Result<ParsedNotebook> parsed = ParseSource(request.source());
      if (!parsed) {
        return Fail(parsed.error());
      }
      cells = std::move(parsed->notebook.cells);
      row.app_arguments = parsed->notebook.app_arguments;
    } else if (request.cells().empty()) {
      // With neither source nor cells, the copy starts with the original's current cells.
      Result<std::vector<MarimoCell>> current = database_.WithSession<std::vector<MarimoCell>>(
          [&](soci::session& session) -> Result<std::vector<MarimoCell>> {
            std::vector<MarimoCell> loaded;
            for (CellRow& cell : LoadCellRows(session, original->id)) {
              loaded.push_back(std::move(cell.cell));
            }
            return loaded;
          });
      if (!current) {
        return Fail(current.error());
      }
      cells = std::move(*current);
    } else {
      std::vector<FieldViolation> problems;
      Result<std::vector<MarimoCell>> requested = CellsFromRequest(request.cells(), problems);
      if (!problems.empty()) {
        return Fail(Error::Validation(std::move(problems)));
      }
      cells = std::move(*requested);
    }
    return Insert(row, cells, context);
  }

  Result<v1::ListMyCopiesResponse> ListMyCopies(const v1::ListMyCopiesRequest& request,
                                                const CallContext& context) override {
    if (!context.authenticated()) {
      return Fail(Error::Unauthenticated("Sign in to list your notebook copies."));
    }
    return database_.WithSession<v1::ListMyCopiesResponse>(
        [&](soci::session& session) -> Result<v1::ListMyCopiesResponse> {
          std::vector<long long> ids;
          long long id = 0;
          const long long owner = context.user_id;
          const long long notebook = request.notebook_id();
          const std::string sql =
              std::string("SELECT id FROM notebooks WHERE owner_id = :owner AND kind = 'copy' ") +
              "AND (copy_of = :notebook OR :all = 1) ORDER BY id DESC LIMIT 1000";
          const int all = notebook == 0 ? 1 : 0;
          soci::statement select =
              (session.prepare << sql, soci::use(owner, "owner"), soci::use(notebook, "notebook"),
               soci::use(all, "all"), soci::into(id));
          select.execute();
          while (select.fetch()) {
            ids.push_back(id);
          }
          v1::ListMyCopiesResponse response;
          for (long long copy_id : ids) {
            *response.add_items() = Summary(session, copy_id);
          }
          return response;
        });
  }

  Result<v1::NotebookSource> GetNotebookSource(const v1::GetNotebookSourceRequest& request,
                                               const CallContext& context) override {
    Result<NotebookRow> row = LoadReadable(request.id(), context);
    if (!row) {
      return Fail(row.error());
    }
    return database_.WithSession<v1::NotebookSource>(
        [&](soci::session& session) -> Result<v1::NotebookSource> {
          // Read again in this session, so that the source and the revision agree.
          std::optional<NotebookRow> current = LoadNotebookRow(session, row->id);
          if (!current) {
            return Fail(NotebookNotFound());
          }
          v1::NotebookSource source;
          source.set_notebook_id(current->id);
          source.set_revision(current->revision);
          source.set_filename(ExportFilename(*current));
          source.set_source(ExportMarimoFile(ToMarimo(*current, LoadCellRows(session, row->id))));
          for (const AssetRow& asset : LoadAssetRows(session, AssetOwner(*current))) {
            v1::NotebookAssetBlob* blob = source.add_assets();
            *blob->mutable_asset() = asset.ToProto();
            blob->set_blob_key(asset.blob_key);
          }
          return source;
        });
  }

  Result<v1::FindNotebookBySourceResponse> FindNotebookBySource(
      const v1::FindNotebookBySourceRequest& request) override {
    return database_.WithSession<v1::FindNotebookBySourceResponse>(
        [&](soci::session& session) -> Result<v1::FindNotebookBySourceResponse> {
          v1::FindNotebookBySourceResponse response;
          long long id = 0;
          std::string sha256;
          const long long parent_id = request.parent_id();
          session << "SELECT id, source_sha256 FROM notebooks WHERE parent_type = :type AND "
                     "parent_id = :parent AND source_key = :key",
              soci::use(request.parent_type()), soci::use(parent_id),
              soci::use(request.source_key()), soci::into(id), soci::into(sha256);
          if (session.got_data()) {
            response.set_found(true);
            response.set_notebook_id(id);
            response.set_source_sha256(sha256);
          }
          return response;
        });
  }

  Result<v1::ExportNotebooksResponse> ExportNotebooks(
      const v1::ExportNotebooksRequest& request) override {
    std::vector<FieldViolation> problems;
    if (request.after_id() < 0) {
      problems.push_back({"after_id", "must be 0 or a notebook id"});
    }
    if (request.limit() < 1 || request.limit() > kMaxExportLimit) {
      problems.push_back({"limit", "must be from 1 to 5000"});
    }
    if (!problems.empty()) {
      return Fail(Error::Validation(std::move(problems)));
    }
    return database_.WithSession<v1::ExportNotebooksResponse>(
        [&](soci::session& session) -> Result<v1::ExportNotebooksResponse> {
          std::vector<long long> ids;
          long long id = 0;
          const long long after_id = request.after_id();
          const long long limit = request.limit();
          soci::statement select =
              (session.prepare << "SELECT id FROM notebooks WHERE kind = 'original' AND id > "
                                  ":after_id ORDER BY id LIMIT :limit",
               soci::use(after_id), soci::use(limit), soci::into(id));
          select.execute();
          while (select.fetch()) {
            ids.push_back(id);
          }
          v1::ExportNotebooksResponse response;
          for (long long notebook_id : ids) {
            *response.add_items() = Summary(session, notebook_id);
          }
          if (static_cast<long long>(ids.size()) == limit) {
            response.set_next_after_id(ids.back());
          }
          return response;
        });
  }

 private:
  static NotebookRow NewRow(const std::string& parent_type, int64_t parent_id, int64_t owner) {
    NotebookRow row;
    row.parent_type = parent_type;
    row.parent_id = parent_id;
    row.owner_id = owner;
    row.kind = "original";
    row.created_at = NowMillis();
    row.updated_at = row.created_at;
    return row;
  }

  static Error RevisionMismatch(int64_t expected, int64_t actual) {
    return Error::FailedPrecondition(
        "The notebook changed since revision " + std::to_string(expected) + " (it is at revision " +
        std::to_string(actual) + "); reload it and apply the edit again.");
  }

  Error TooManyCells() const {
    return Error::Validation({{"cells", "a notebook can have at most " +
                                            std::to_string(options_.max_cells) + " cells"}});
  }

  // The code of all cells together must fit in a notebook file of max_file_bytes.
  Status CheckTotalSize(const std::vector<CellRow>& cells) const {
    int64_t total = 0;
    for (const CellRow& cell : cells) {
      total += static_cast<int64_t>(cell.cell.code.size());
    }
    if (total > options_.max_file_bytes) {
      return Fail(Error::Validation(
          {{"cells", "the cells of a notebook can hold at most " +
                         std::to_string(options_.max_file_bytes) + " bytes of code together, got " +
                         std::to_string(total)}}));
    }
    return {};
  }

  Status CheckPlacement(const std::vector<CellRow>& cells) const {
    std::vector<MarimoCell> marimo;
    for (const CellRow& cell : cells) {
      marimo.push_back(cell.cell);
    }
    if (std::vector<FieldViolation> problems = CheckSetupPlacement(marimo); !problems.empty()) {
      return Fail(Error::Validation(std::move(problems)));
    }
    return {};
  }

  Result<std::vector<MarimoCell>> CellsFromRequest(
      const google::protobuf::RepeatedPtrField<v1::NewNotebookCell>& requested,
      std::vector<FieldViolation>& problems) const {
    if (requested.size() > options_.max_cells) {
      problems.push_back(TooManyCells().details.front());
      return std::vector<MarimoCell>();
    }
    std::vector<MarimoCell> cells;
    int64_t total = 0;
    for (const v1::NewNotebookCell& cell : requested) {
      total += static_cast<int64_t>(cell.code().size() + cell.markdown().size());
    }
    if (total > options_.max_file_bytes) {
      problems.push_back({"cells", "the cells of a notebook can hold at most " +
                                       std::to_string(options_.max_file_bytes) +
                                       " bytes of code together, got " + std::to_string(total)});
      return cells;
    }
    for (int i = 0; i < requested.size(); ++i) {
      Result<MarimoCell> cell =
          CellFromRequest(requested[i], "cells[" + std::to_string(i) + "]", options_);
      if (!cell) {
        problems.insert(problems.end(), cell.error().details.begin(), cell.error().details.end());
        continue;
      }
      cells.push_back(std::move(*cell));
    }
    std::vector<FieldViolation> placement = CheckSetupPlacement(cells);
    problems.insert(problems.end(), placement.begin(), placement.end());
    if (problems.empty()) {
      MarkUnparsable(cells, nullptr, false);
    }
    return cells;
  }

  // A validation error on field "source" whose message is the parser's reason.
  static Error NotANotebook(const std::string& reason) {
    Error error = Error::Validation({{"source", reason}});
    error.message = reason;
    return error;
  }

  Result<ParsedNotebook> ParseSource(const std::string& source) const {
    if (static_cast<int64_t>(source.size()) > options_.max_file_bytes) {
      return Fail(
          {ErrorCode::kPayloadTooLarge, "The notebook file is " + std::to_string(source.size()) +
                                            " bytes; the limit is " +
                                            std::to_string(options_.max_file_bytes) + " bytes."});
    }
    // The request itself was read, so a file that is not a marimo notebook is a field that
    // fails validation (422), as every other rejected field value of the notebook routes is.
    if (labs::Utf8Length(source) == std::string::npos) {
      return Fail(NotANotebook("The notebook file is not UTF-8 text."));
    }
    Result<ParsedNotebook> parsed = ParseMarimoFile(source);
    if (!parsed) {
      return Fail(NotANotebook(parsed.error().message));
    }
    if (static_cast<int>(parsed->notebook.cells.size()) > options_.max_cells) {
      return Fail(TooManyCells());
    }
    std::vector<FieldViolation> problems;
    for (size_t i = 0; i < parsed->notebook.cells.size(); ++i) {
      std::vector<FieldViolation> cell_problems =
          CheckCell(parsed->notebook.cells[i], "cells[" + std::to_string(i) + "]", options_);
      problems.insert(problems.end(), cell_problems.begin(), cell_problems.end());
    }
    if (!problems.empty()) {
      return Fail(Error::Validation(std::move(problems)));
    }
    if (parsed->notebook.app_arguments.size() > kMaxAppArgumentsBytes) {
      return Fail(Error::Validation({{"app_arguments", "must be at most 2000 bytes"}}));
    }
    MarkUnparsable(parsed->notebook.cells, &parsed->warnings, false);
    return parsed;
  }

  // Marks the cells whose code Python cannot parse as unparsable, as marimo writes them. With
  // `revive`, an unparsable cell whose code parses now becomes a plain cell again. Without it,
  // a cell that a file marks unparsable stays unparsable, as the file has it.
  void MarkUnparsable(std::vector<MarimoCell>& cells, std::vector<std::string>* warnings,
                      bool revive) const {
    std::vector<size_t> checked;
    std::vector<std::string> codes;
    for (size_t i = 0; i < cells.size(); ++i) {
      const std::string& kind = cells[i].kind;
      if (kind == kCellKind || kind == kFunctionKind || kind == kClassKind ||
          (revive && kind == kUnparsableKind)) {
        checked.push_back(i);
        codes.push_back(cells[i].code);
      }
    }
    const std::vector<std::optional<std::string>> errors = SyntaxErrors(codes);
    for (size_t j = 0; j < checked.size(); ++j) {
      MarimoCell& cell = cells[checked[j]];
      if (errors[j] && cell.kind != kUnparsableKind) {
        cell.kind = std::string(kUnparsableKind);
        if (warnings != nullptr) {
          warnings->push_back("the code of cell " + cell.name + " is not valid Python (" +
                              *errors[j] + "); it is kept unparsable");
        }
      } else if (!errors[j] && cell.kind == kUnparsableKind) {
        cell.kind = std::string(kCellKind);
      }
    }
  }

  // Makes an edited cell unparsable when its new code does not parse, and an unparsable cell a
  // plain cell again when it does.
  static void SetParsability(MarimoCell& cell, const std::optional<std::string>& syntax_error) {
    const bool checked_kind =
        cell.kind == kCellKind || cell.kind == kFunctionKind || cell.kind == kClassKind;
    if (syntax_error && checked_kind) {
      cell.kind = std::string(kUnparsableKind);
    } else if (!syntax_error && cell.kind == kUnparsableKind) {
      cell.kind = std::string(kCellKind);
    }
  }

  // For each code, nullopt when it parses, else why not: from the configured checker, or from
  // the token analysis when there is none or it failed.
  std::vector<std::optional<std::string>> SyntaxErrors(
      const std::vector<std::string>& codes) const {
    if (options_.syntax_checker != nullptr && !codes.empty()) {
      Result<std::vector<std::optional<std::string>>> checked =
          options_.syntax_checker->Check(codes);
      if (checked) {
        return std::move(*checked);
      }
      // Repeats are logged once per 100, because a broken sandbox fails every check.
      static std::atomic<int64_t> failures{0};
      if (failures++ % 100 == 0) {
        spdlog::warn(
            "the cell syntax check failed ({} failures so far); using the token "
            "analysis, which misses errors that tokenize: {} {}",
            failures.load(), checked.error().message, checked.error().internal);
      }
    }
    std::vector<std::optional<std::string>> errors;
    for (const std::string& code : codes) {
      if (AnalyzeCell(code).well_formed) {
        errors.emplace_back(std::nullopt);
      } else {
        errors.emplace_back("not valid Python");
      }
    }
    return errors;
  }

  Result<MarimoCell> ApplyCellUpdate(const MarimoCell& current,
                                     const v1::UpdateCellRequest& request) const {
    MarimoCell cell = current;
    std::vector<FieldViolation> problems;
    if (request.has_code() && request.has_markdown()) {
      problems.push_back({"markdown", "give either code or markdown, not both"});
    }
    if (request.has_code()) {
      cell.code = request.code();
    }
    if (request.has_markdown()) {
      if (cell.kind != kCellKind) {
        problems.push_back({"markdown", "only cells of kind \"cell\" can be Markdown"});
      }
      cell.code = MarkdownCellCode(request.markdown());
    }
    if (request.has_name() && cell.kind != kSetupKind) {
      cell.name = request.name().empty() ? std::string(kDefaultCellName) : request.name();
    }
    if (request.has_options()) {
      Result<nlohmann::json> options = OptionsFromProto(request.options(), "cell");
      if (!options) {
        problems.insert(problems.end(), options.error().details.begin(),
                        options.error().details.end());
      } else {
        cell.options = std::move(*options);
      }
    }
    if (cell.kind == kFunctionKind || cell.kind == kClassKind) {
      // The code decides the name of a function or class cell, as in CellFromRequest.
      v1::NewNotebookCell check;
      check.set_kind(cell.kind);
      check.set_code(cell.code);
      Result<MarimoCell> renamed = CellFromRequest(check, "cell", options_);
      if (!renamed) {
        problems.insert(problems.end(), renamed.error().details.begin(),
                        renamed.error().details.end());
      } else {
        cell.name = renamed->name;
      }
    }
    std::vector<FieldViolation> cell_problems = CheckCell(cell, "cell", options_);
    problems.insert(problems.end(), cell_problems.begin(), cell_problems.end());
    if (!problems.empty()) {
      return Fail(Error::Validation(std::move(problems)));
    }
    return cell;
  }

  Result<std::vector<AssetRow>> PrepareAssets(const v1::AddNotebookAssetsRequest& request) const {
    std::vector<AssetRow> rows;
    std::set<std::string> paths;
    for (const v1::NewNotebookAsset& asset : request.assets()) {
      std::vector<FieldViolation> problems;
      labs::CheckText("filename", asset.filename(), 255, false, true, problems);
      if (!storage::IsValidBlobKey(asset.blob_key()) || asset.size() < 0 ||
          !IsSha256Hex(asset.sha256())) {
        return Fail(Error::Internal("invalid stored file for asset " + asset.filename()));
      }
      Result<std::string> path =
          labs::NormalizeAssetPath(asset.path().empty() ? asset.filename() : asset.path());
      if (!path) {
        problems.insert(problems.end(), path.error().details.begin(), path.error().details.end());
      }
      if (!problems.empty()) {
        return Fail(Error::Validation(std::move(problems)));
      }
      if (!paths.insert(*path).second) {
        return Fail(Error::Validation({{"path", "\"" + *path + "\" is given twice"}}));
      }
      AssetRow row;
      row.id = NewUuid();
      row.notebook_id = request.notebook_id();
      row.path = *path;
      row.filename = asset.filename();
      row.content_type = labs::DetectContentType(asset.head(), *path);
      row.size = asset.size();
      row.sha256 = asset.sha256();
      row.blob_key = asset.blob_key();
      row.created_at = NowMillis();
      rows.push_back(std::move(row));
    }
    return rows;
  }

  // Only the parent's author, moderators and admins attach notebooks to a lab or article.
  Status CheckCanAttach(const std::string& parent_type, int64_t parent_id,
                        const CallContext& context) {
    if (!context.authenticated()) {
      return Fail(Error::Unauthenticated("Sign in to add a notebook."));
    }
    if (Status type = CheckParentType(parent_type); !type) {
      return type;
    }
    Result<ParentInfo> parent = parents_.GetParent(parent_type, parent_id, context);
    if (!parent) {
      return Fail(parent.error());
    }
    if (parent->author_id != context.user_id && !context.is_moderator()) {
      return Fail(Error::PermissionDenied("Only the " + parent_type +
                                          "'s author or a moderator can add notebooks to it."));
    }
    Result<long long> count =
        database_.WithSession<long long>([&](soci::session& session) -> Result<long long> {
          long long existing = 0;
          const long long id = parent_id;
          session << "SELECT COUNT(*) FROM notebooks WHERE parent_type = :type AND "
                     "parent_id = :id AND kind = 'original'",
              soci::use(parent_type), soci::use(id), soci::into(existing);
          return existing;
        });
    if (!count) {
      return Fail(count.error());
    }
    if (*count >= options_.max_notebooks_per_parent) {
      return Fail(Error::Validation(
          {{"parent_id", "a " + parent_type + " can have at most " +
                             std::to_string(options_.max_notebooks_per_parent) + " notebooks"}}));
    }
    return {};
  }

  Result<NotebookRow> LoadRow(int64_t id) {
    return database_.WithSession<NotebookRow>([&](soci::session& session) -> Result<NotebookRow> {
      std::optional<NotebookRow> row = LoadNotebookRow(session, id);
      if (!row) {
        return Fail(NotebookNotFound());
      }
      return *row;
    });
  }

  // The notebook when `context` may read it: a copy's owner or a moderator for copies, anyone
  // who may read the parent for originals. Copies of others are reported as missing.
  Result<NotebookRow> LoadReadable(int64_t id, const CallContext& context) {
    Result<NotebookRow> row = LoadRow(id);
    if (!row) {
      return row;
    }
    if (row->is_copy()) {
      if (!context.authenticated() ||
          (row->owner_id != context.user_id && !context.is_moderator())) {
        return Fail(NotebookNotFound());
      }
      return row;
    }
    Result<ParentInfo> parent = parents_.GetParent(row->parent_type, row->parent_id, context);
    if (!parent) {
      return Fail(parent.error().code == ErrorCode::kNotFound ? NotebookNotFound()
                                                              : parent.error());
    }
    return row;
  }

  Result<NotebookRow> LoadEditable(int64_t id, const CallContext& context,
                                   std::string_view action) {
    if (!context.authenticated()) {
      return Fail(Error::Unauthenticated("Sign in to " + std::string(action) + "."));
    }
    Result<NotebookRow> row = LoadReadable(id, context);
    if (!row) {
      return row;
    }
    if (row->is_copy() || context.is_moderator()) {
      return row;  // LoadReadable let only the owner and moderators see a copy
    }
    Result<ParentInfo> parent = parents_.GetParent(row->parent_type, row->parent_id, context);
    if (!parent) {
      return Fail(parent.error());
    }
    if (parent->author_id != context.user_id) {
      return Fail(Error::PermissionDenied("Only the " + row->parent_type +
                                          "'s author or a moderator can " + std::string(action) +
                                          "."));
    }
    return row;
  }

  // Runs `change` on the editable notebook in a transaction, then bumps its revision.
  Result<v1::Notebook> Edit(int64_t id, const CallContext& context, std::string_view action,
                            const std::function<Status(soci::session&, NotebookRow&)>& change) {
    Result<NotebookRow> allowed = LoadEditable(id, context, action);
    if (!allowed) {
      return Fail(allowed.error());
    }
    Result<v1::Notebook> edited =
        database_.InTransaction<v1::Notebook>([&](soci::session& session) -> Result<v1::Notebook> {
          // Edits of one notebook take turns, so that cell positions stay dense and each
          // revision number is given once. SQLite transactions already take the write lock.
          if (database_.dialect() == storage::Dialect::kPostgres) {
            long long locked = 0;
            const long long notebook_id = id;
            session << "SELECT id FROM notebooks WHERE id = :id FOR UPDATE", soci::use(notebook_id),
                soci::into(locked);
          }
          std::optional<NotebookRow> row = LoadNotebookRow(session, id);
          if (!row) {
            return Fail(NotebookNotFound());
          }
          if (Status changed = change(session, *row); !changed) {
            return Fail(changed.error());
          }
          TouchNotebook(session, row->id);
          return Full(session, row->id);
        });
    if (edited) {
      spdlog::debug("user id={} edited notebook id={} to revision {}", context.user_id, id,
                    edited->revision());
    }
    return edited;
  }

  Result<v1::Notebook> Insert(NotebookRow row, const std::vector<MarimoCell>& cells,
                              const CallContext& context) {
    Result<v1::Notebook> created =
        database_.InTransaction<v1::Notebook>([&](soci::session& session) -> Result<v1::Notebook> {
          try {
            row.id = InsertNotebookRow(session, row);
          } catch (const soci::soci_error& error) {
            if (storage::IsUniqueViolation(error)) {
              return Fail(Error::AlreadyExists("A notebook was already imported from \"" +
                                               row.source_key + "\" into this " + row.parent_type +
                                               "."));
            }
            throw;
          }
          for (size_t i = 0; i < cells.size(); ++i) {
            InsertCellRow(session, row.id, CellRow{NewUuid(), static_cast<long long>(i), cells[i]});
          }
          return Full(session, row.id);
        });
    if (created) {
      spdlog::info("user id={} created {} notebook id={} with {} cells on {} id={}",
                   context.user_id, row.kind, created->id(), cells.size(), row.parent_type,
                   row.parent_id);
    }
    return created;
  }

  // The notebook whose assets `row` uses: its original for a copy.
  static long long AssetOwner(const NotebookRow& row) {
    return row.is_copy() ? row.copy_of : row.id;
  }

  Result<v1::Notebook> LoadFull(long long id) {
    return database_.WithSession<v1::Notebook>(
        [&](soci::session& session) -> Result<v1::Notebook> { return Full(session, id); });
  }

  static Result<v1::Notebook> Full(soci::session& session, long long id) {
    std::optional<NotebookRow> row = LoadNotebookRow(session, id);
    if (!row) {
      return Fail(NotebookNotFound());
    }
    std::vector<CellRow> cells = LoadCellRows(session, id);
    const int count = static_cast<int>(cells.size());
    return NotebookToProto(*row, cells, LoadAssetRows(session, AssetOwner(*row)), count);
  }

  static v1::Notebook Summary(soci::session& session, long long id) {
    std::optional<NotebookRow> row = LoadNotebookRow(session, id);
    long long count = 0;
    session << "SELECT COUNT(*) FROM notebook_cells WHERE notebook_id = :id", soci::use(id),
        soci::into(count);
    return row ? NotebookToProto(*row, {}, {}, static_cast<int>(count)) : v1::Notebook();
  }

  void DeleteBlob(const std::string& key) {
    if (Status deleted = blobs_.Delete(key); !deleted) {
      spdlog::warn("deleting blob {} failed, leaving an orphan: {}", key, deleted.error().internal);
    }
  }

  Database& database_;
  storage::BlobStore& blobs_;
  NotebookParents& parents_;
  NotebooksOptions options_;
};

}  // namespace

std::unique_ptr<NotebooksService> MakeNotebooksService(storage::Database& database,
                                                       storage::BlobStore& blobs,
                                                       NotebookParents& parents,
                                                       NotebooksOptions options) {
  return std::make_unique<SqlNotebooksService>(database, blobs, parents, options);
}

Status MaterializeAssets(storage::BlobStore& blobs, const v1::NotebookSource& source,
                         const std::filesystem::path& dir) {
  for (const v1::NotebookAssetBlob& asset : source.assets()) {
    const std::filesystem::path target = dir / asset.asset().path();
    std::error_code error;
    std::filesystem::create_directories(target.parent_path(), error);
    Result<std::unique_ptr<storage::BlobReader>> reader = blobs.OpenReader(asset.blob_key());
    if (!reader) {
      return Fail(reader.error());
    }
    std::ofstream out(target, std::ios::binary | std::ios::trunc);
    char buffer[64 * 1024];
    while (true) {
      Result<size_t> read = (*reader)->Read(buffer, sizeof buffer);
      if (!read) {
        return Fail(read.error());
      }
      if (*read == 0) {
        break;
      }
      out.write(buffer, static_cast<std::streamsize>(*read));
    }
    if (!out) {
      return Fail(Error::Internal("writing asset " + target.string() + " failed"));
    }
  }
  return {};
}

std::string NotebookAssetUrl(int64_t notebook_id, std::string_view asset_id) {
  return "/api/v1/notebooks/" + std::to_string(notebook_id) + "/assets/" + std::string(asset_id);
}

}  // namespace openlabs::notebooks
