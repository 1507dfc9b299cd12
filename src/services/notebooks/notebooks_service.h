#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <span>
#include <string_view>

#include "common/call_context.h"
#include "common/error.h"
#include "openlabs/v1/notebooks.pb.h"
#include "services/notebooks/cell_syntax.h"
#include "storage/blob_store.h"
#include "storage/database.h"
#include "storage/migrations.h"

namespace openlabs::notebooks {

// The author of the lab or article a notebook belongs to.
struct ParentInfo {
  int64_t author_id = 0;
};

// Looks up the labs and articles that notebooks belong to, which other services own. The
// platform wires it to the labs and articles services.
class NotebookParents {
 public:
  virtual ~NotebookParents() = default;
  // kNotFound when the parent does not exist or `context` may not read it.
  virtual Result<ParentInfo> GetParent(std::string_view parent_type, int64_t parent_id,
                                       const CallContext& context) = 0;
};

struct NotebooksOptions {
  int max_cells = 1000;                      // per notebook
  int64_t max_cell_bytes = 256 * 1024;       // code of one cell
  int64_t max_file_bytes = 4 * 1024 * 1024;  // an imported or saved marimo file
  int max_notebooks_per_parent = 50;         // originals per lab or article
  int max_assets = 200;                      // per notebook
  // Decides which cells are stored unparsable; without it, only the token analysis of
  // cell_analysis.h decides, which misses syntax errors that tokenize (`x = = 1`).
  CellSyntaxChecker* syntax_checker = nullptr;
};

// The notebooks service: marimo notebooks attached to labs and articles, their cells, their
// asset files, and learners' private copies. The cells in SQL are the source of truth because
// edits change one cell at a time. The `.py` file is derived from them on export, as marimo
// itself derives everything in a file but the cells (signatures, return lines).
//
// Read access to an original follows its parent: any caller that may read the lab or article
// may read its notebooks. Editing an original (cells, assets, title, deletion) needs the parent's
// author, a moderator or an admin. A copy is read and edited by its owner, moderators and admins
// only. Every change increases the notebook's revision. Implementations are thread-safe.
class NotebooksService {
 public:
  virtual ~NotebooksService() = default;

  virtual Result<v1::Notebook> CreateNotebook(const v1::CreateNotebookRequest& request,
                                              const CallContext& context) = 0;
  // Parses a marimo file and stores it as a new notebook. kValidationFailed on field "source"
  // when the text is not a marimo notebook; kAlreadyExists when `source_key` was imported into the
  // parent.
  virtual Result<v1::ImportNotebookResponse> ImportNotebook(
      const v1::ImportNotebookRequest& request, const CallContext& context) = 0;
  // The notebook with its cells in page order and its assets.
  virtual Result<v1::Notebook> GetNotebook(const v1::GetNotebookRequest& request,
                                           const CallContext& context) = 0;
  // The originals of a lab or article, oldest first, without cells.
  virtual Result<v1::ListNotebooksResponse> ListNotebooks(const v1::ListNotebooksRequest& request,
                                                          const CallContext& context) = 0;
  virtual Result<v1::Notebook> UpdateNotebook(const v1::UpdateNotebookRequest& request,
                                              const CallContext& context) = 0;
  // Deletes the notebook, its cells and its assets. Copies saved from it stay, without assets.
  virtual Result<v1::DeleteNotebookResponse> DeleteNotebook(
      const v1::DeleteNotebookRequest& request, const CallContext& context) = 0;

  // Cell edits return the whole notebook after the change.
  virtual Result<v1::Notebook> AddCell(const v1::AddCellRequest& request,
                                       const CallContext& context) = 0;
  virtual Result<v1::Notebook> UpdateCell(const v1::UpdateCellRequest& request,
                                          const CallContext& context) = 0;
  virtual Result<v1::Notebook> DeleteCell(const v1::DeleteCellRequest& request,
                                          const CallContext& context) = 0;
  virtual Result<v1::Notebook> ReorderCells(const v1::ReorderCellsRequest& request,
                                            const CallContext& context) = 0;

  // The notebook in marimo's file format.
  virtual Result<v1::ExportNotebookResponse> ExportNotebook(
      const v1::ExportNotebookRequest& request, const CallContext& context) = 0;

  // Records blobs already in the blob store as assets. The caller still owns the blobs when
  // this fails. kAlreadyExists when a path is taken.
  virtual Result<v1::AddNotebookAssetsResponse> AddAssets(
      const v1::AddNotebookAssetsRequest& request, const CallContext& context) = 0;
  virtual Result<v1::ListNotebookAssetsResponse> ListAssets(
      const v1::ListNotebookAssetsRequest& request, const CallContext& context) = 0;
  virtual Result<v1::NotebookAssetBlob> GetAsset(const v1::GetNotebookAssetRequest& request,
                                                 const CallContext& context) = 0;
  // Removes the asset's record, then its blob.
  virtual Result<v1::DeleteNotebookAssetResponse> DeleteAsset(
      const v1::DeleteNotebookAssetRequest& request, const CallContext& context) = 0;

  // Replaces the cells with those of a marimo file, for saving what an author edited in a
  // session. Needs edit rights like the cell edits; returns the notebook and the parse warnings.
  virtual Result<v1::ImportNotebookResponse> ReplaceSource(const v1::ReplaceSourceRequest& request,
                                                           const CallContext& context) = 0;

  // Saves the caller's own copy of an original notebook.
  virtual Result<v1::Notebook> SaveCopy(const v1::SaveCopyRequest& request,
                                        const CallContext& context) = 0;
  // The caller's copies, newest first, without cells.
  virtual Result<v1::ListMyCopiesResponse> ListMyCopies(const v1::ListMyCopiesRequest& request,
                                                        const CallContext& context) = 0;

  // What a notebook session starts from: the marimo file text, the revision it reflects, and
  // the blobs of the assets (the original's, for a copy). Checks read access like GetNotebook.
  // Materialize the assets with MaterializeAssets.
  virtual Result<v1::NotebookSource> GetNotebookSource(const v1::GetNotebookSourceRequest& request,
                                                       const CallContext& context) = 0;

  // The notebook imported from `source_key` into a parent, if any; for `openlabs import
  // notebooks`. Trusts its caller.
  virtual Result<v1::FindNotebookBySourceResponse> FindNotebookBySource(
      const v1::FindNotebookBySourceRequest& request) = 0;

  // The originals of every parent, a page at a time in id order, without cells; for readers of
  // all notebooks such as the assistant's index. Trusts its caller.
  virtual Result<v1::ExportNotebooksResponse> ExportNotebooks(
      const v1::ExportNotebooksRequest& request) = 0;
};

// The SQL implementation. Its tables are "notebooks", "notebook_cells" and "notebook_assets".
// Every reference must outlive the service.
std::unique_ptr<NotebooksService> MakeNotebooksService(storage::Database& database,
                                                       storage::BlobStore& blobs,
                                                       NotebookParents& parents,
                                                       NotebooksOptions options = {});

// Copies the asset blobs of `source` into `dir` at their relative paths, creating folders, so
// that cells open them as they would beside the notebook file. Fails on the first blob that
// cannot be read or written; paths were normalised when stored, so none leaves `dir`.
Status MaterializeAssets(storage::BlobStore& blobs, const v1::NotebookSource& source,
                         const std::filesystem::path& dir);

// The URL that serves a notebook asset's content.
std::string NotebookAssetUrl(int64_t notebook_id, std::string_view asset_id);

}  // namespace openlabs::notebooks

namespace openlabs {
// The notebooks service's migrations (generated from migrations/).
std::span<const storage::Migration> NotebooksMigrations();
}  // namespace openlabs
