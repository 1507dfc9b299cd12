// Rows of the notebooks tables, their SQL, and the checks that turn requests into rows.
#pragma once

#include <soci/soci.h>

#include <optional>
#include <string>
#include <vector>

#include "common/error.h"
#include "openlabs/v1/notebooks.pb.h"
#include "services/notebooks/marimo_file.h"
#include "services/notebooks/notebooks_service.h"

namespace openlabs::notebooks {

struct NotebookRow {
  long long id = 0;
  std::string parent_type;
  long long parent_id = 0;
  long long owner_id = 0;
  std::string kind;  // "original" or "copy"
  long long copy_of = 0;
  std::string title;
  std::string app_arguments;
  std::string header;
  std::string generated_with;
  long long revision = 0;
  std::string source_key;
  std::string source_sha256;
  long long created_at = 0;
  long long updated_at = 0;

  bool is_copy() const { return kind == "copy"; }
};

struct CellRow {
  std::string id;
  long long position = 0;
  MarimoCell cell;
};

struct AssetRow {
  std::string id;
  long long notebook_id = 0;
  std::string path;
  std::string filename;
  std::string content_type;
  long long size = 0;
  std::string sha256;
  std::string blob_key;
  long long created_at = 0;

  v1::NotebookAsset ToProto() const;
};

std::optional<NotebookRow> LoadNotebookRow(soci::session& session, long long id);
std::vector<CellRow> LoadCellRows(soci::session& session, long long notebook_id);
std::vector<AssetRow> LoadAssetRows(soci::session& session, long long notebook_id);
// One asset by id, or by normalised path when `asset_id` is empty.
std::optional<AssetRow> LoadAssetRow(soci::session& session, long long notebook_id,
                                     const std::string& asset_id, const std::string& path);

// Inserts the notebook row and returns its id. Throws soci_error (a unique violation when
// `row.source_key` was imported into the parent before).
long long InsertNotebookRow(soci::session& session, const NotebookRow& row);
void InsertCellRow(soci::session& session, long long notebook_id, const CellRow& row);
void InsertAssetRow(soci::session& session, const AssetRow& row);
// Rewrites every cell's position to its index in `cells`.
void WritePositions(soci::session& session, const std::vector<CellRow>& cells);
// Adds one to the revision and sets updated_at.
void TouchNotebook(soci::session& session, long long id);

// The notebook as clients see it; `cells` and `assets` may be empty for lists.
v1::Notebook NotebookToProto(const NotebookRow& row, const std::vector<CellRow>& cells,
                             const std::vector<AssetRow>& assets, int cell_count);
v1::NotebookCell CellToProto(const CellRow& row);
MarimoNotebook ToMarimo(const NotebookRow& row, const std::vector<CellRow>& cells);

// Validates a new cell and converts it to marimo's model; `field` prefixes the violations.
Result<MarimoCell> CellFromRequest(const v1::NewNotebookCell& cell, const std::string& field,
                                   const NotebooksOptions& options);
// The JSON options stored for a request's options; kValidationFailed names a bad option.
Result<nlohmann::json> OptionsFromProto(const v1::CellOptions& options, const std::string& field);
// Checks the limits of one cell's code, name and kind.
std::vector<FieldViolation> CheckCell(const MarimoCell& cell, const std::string& field,
                                      const NotebooksOptions& options);
// Checks that a notebook has at most one setup cell, and only in first position.
std::vector<FieldViolation> CheckSetupPlacement(const std::vector<MarimoCell>& cells);

}  // namespace openlabs::notebooks
