#include "gateway/api/notebooks_routes.h"

#include <spdlog/spdlog.h>

#include "gateway/api/api_support.h"
#include "gateway/blob_response.h"
#include "services/labs/content_type.h"

namespace openlabs::gateway {
namespace {

using notebooks::NotebooksService;

// The notebook id of the path and the caller; a missing token is an anonymous caller.
struct Target {
  int64_t id = 0;
  CallContext caller;
};

Result<Target> ReadTarget(const Request& request, auth::AuthService& auth, bool require_caller) {
  Result<int64_t> id = PathId(request, "id");
  if (!id) {
    return Fail(id.error());
  }
  Result<CallContext> caller =
      require_caller ? RequireCaller(request, auth) : OptionalCaller(request, auth);
  if (!caller) {
    return Fail(caller.error());
  }
  return Target{*id, std::move(*caller)};
}

// The fields ReadParent reads a parent from: query parameters or form fields of an upload.
// Either way a value that fails its check gets 422 with the field named, like every other
// invalid query parameter and body field.
struct ParentSource {
  std::string_view lab_field;
  std::string_view article_field;
};

Error ParentError(std::string_view field, const std::string& message) {
  Error error = Error::Validation({{std::string(field), message}});
  error.message = message;
  return error;
}

// Reads the lab or article id (query parameters, or form fields of an upload) into a parent.
Status ReadParent(std::string_view lab, std::string_view article, const ParentSource& from,
                  std::string& type, int64_t& id) {
  if (lab.empty() == article.empty()) {
    return Fail(ParentError(from.lab_field,
                            "Give exactly one of " + std::string(from.lab_field) + " and " +
                                std::string(from.article_field) +
                                ": the id of the lab or article the notebook belongs to."));
  }
  type = lab.empty() ? "article" : "lab";
  const std::string_view field = lab.empty() ? from.article_field : from.lab_field;
  const std::string_view text = lab.empty() ? article : lab;
  id = 0;
  for (char c : text) {
    if (c < '0' || c > '9' || id > (int64_t{1} << 53)) {
      return Fail(ParentError(field,
                              "The " + type + " id must be a positive integer, got \"" +
                                  std::string(text.substr(0, 40)) + "\"."));
    }
    id = id * 10 + (c - '0');
  }
  if (id == 0) {
    return Fail(ParentError(field, "The " + type + " id must be a positive integer."));
  }
  return {};
}

std::string_view FormValue(const Request& request, std::string_view name) {
  const auto found = request.form.find(std::string(name));
  return found == request.form.end() ? std::string_view() : std::string_view(found->second);
}

Response CreateNotebook(const Request& request, NotebooksService& notebooks,
                        auth::AuthService& auth) {
  Result<CallContext> caller = RequireCaller(request, auth);
  if (!caller) {
    return Response::FromError(caller.error());
  }
  v1::CreateNotebookRequest create;
  if (Status parsed = ParseJsonBody(request, create); !parsed) {
    return Response::FromError(parsed.error());
  }
  return ProtoResponse(notebooks.CreateNotebook(create, *caller), 201);
}

Response ListNotebooks(const Request& request, NotebooksService& notebooks,
                       auth::AuthService& auth) {
  Result<CallContext> caller = OptionalCaller(request, auth);
  if (!caller) {
    return Response::FromError(caller.error());
  }
  v1::ListNotebooksRequest list;
  int64_t parent_id = 0;
  if (Status parent = ReadParent(request.QueryParam("lab"), request.QueryParam("article"),
                                 {"lab", "article"}, *list.mutable_parent_type(), parent_id);
      !parent) {
    return Response::FromError(parent.error());
  }
  list.set_parent_id(parent_id);
  return ProtoResponse(notebooks.ListNotebooks(list, *caller));
}

// Reads the uploaded marimo file, deletes its blob, and imports it.
Response ImportNotebook(const Request& request, NotebooksService& notebooks,
                        auth::AuthService& auth, storage::BlobStore& blobs) {
  Result<CallContext> caller = RequireCaller(request, auth);
  if (!caller) {
    return Response::FromError(caller.error());
  }
  if (request.files.size() != 1) {
    return Response::FromError(
        Error::Validation({{"file", "the form must contain exactly one marimo .py file"}}));
  }
  v1::ImportNotebookRequest import;
  int64_t parent_id = 0;
  if (Status parent =
          ReadParent(FormValue(request, "lab_id"), FormValue(request, "article_id"),
                     {"lab_id", "article_id"}, *import.mutable_parent_type(), parent_id);
      !parent) {
    return Response::FromError(parent.error());
  }
  import.set_parent_id(parent_id);
  import.set_title(std::string(FormValue(request, "title")));
  const UploadedFile& file = request.files.front();
  import.set_filename(file.filename);
  Result<std::string> source = blobs.Get(file.blob_key);
  if (Status deleted = blobs.Delete(file.blob_key); !deleted) {
    spdlog::warn("deleting uploaded notebook file {} failed: {}", file.blob_key,
                 deleted.error().internal);
  }
  if (!source) {
    return Response::FromError(source.error());
  }
  import.set_source(std::move(*source));
  Result<v1::ImportNotebookResponse> imported = notebooks.ImportNotebook(import, *caller);
  if (!imported) {
    // The service names the file's text "source"; this form sends it as "file".
    Error error = std::move(imported.error());
    for (FieldViolation& detail : error.details) {
      if (detail.field == "source") {
        detail.field = "file";
      }
    }
    return Response::FromError(error);
  }
  return ProtoResponse(std::move(imported), 201);
}

Response GetNotebook(const Request& request, NotebooksService& notebooks, auth::AuthService& auth) {
  Result<Target> target = ReadTarget(request, auth, false);
  if (!target) {
    return Response::FromError(target.error());
  }
  v1::GetNotebookRequest get;
  get.set_id(target->id);
  return ProtoResponse(notebooks.GetNotebook(get, target->caller));
}

Response UpdateNotebook(const Request& request, NotebooksService& notebooks,
                        auth::AuthService& auth) {
  Result<Target> target = ReadTarget(request, auth, true);
  if (!target) {
    return Response::FromError(target.error());
  }
  v1::UpdateNotebookRequest update;
  if (Status parsed = ParseJsonBody(request, update); !parsed) {
    return Response::FromError(parsed.error());
  }
  update.set_id(target->id);
  return ProtoResponse(notebooks.UpdateNotebook(update, target->caller));
}

Response DeleteNotebook(const Request& request, NotebooksService& notebooks,
                        auth::AuthService& auth) {
  Result<Target> target = ReadTarget(request, auth, true);
  if (!target) {
    return Response::FromError(target.error());
  }
  v1::DeleteNotebookRequest remove;
  remove.set_id(target->id);
  Result<v1::DeleteNotebookResponse> deleted = notebooks.DeleteNotebook(remove, target->caller);
  if (!deleted) {
    return Response::FromError(deleted.error());
  }
  return Response::NoContent();
}

Response ExportNotebook(const Request& request, NotebooksService& notebooks,
                        auth::AuthService& auth) {
  Result<Target> target = ReadTarget(request, auth, false);
  if (!target) {
    return Response::FromError(target.error());
  }
  v1::ExportNotebookRequest get;
  get.set_id(target->id);
  Result<v1::ExportNotebookResponse> exported = notebooks.ExportNotebook(get, target->caller);
  if (!exported) {
    return Response::FromError(exported.error());
  }
  Response response;
  response.content_type = "text/x-python; charset=utf-8";
  response.body = exported->source();
  // The file name is ASCII letters, digits, '_', '-' and '.' (see ExportFilename).
  std::string filename;
  for (char c : exported->filename()) {
    filename +=
        (std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.') ? c : '_';
  }
  response.headers.emplace_back("Content-Disposition", "attachment; filename=\"" + filename + "\"");
  response.headers.emplace_back("Cache-Control", "private, no-cache");
  return response;
}

Response ReplaceSource(const Request& request, NotebooksService& notebooks,
                       auth::AuthService& auth) {
  Result<Target> target = ReadTarget(request, auth, true);
  if (!target) {
    return Response::FromError(target.error());
  }
  v1::ReplaceSourceRequest replace;
  if (Status parsed = ParseJsonBody(request, replace); !parsed) {
    return Response::FromError(parsed.error());
  }
  replace.set_id(target->id);
  return ProtoResponse(notebooks.ReplaceSource(replace, target->caller));
}

Response AddCell(const Request& request, NotebooksService& notebooks, auth::AuthService& auth) {
  Result<Target> target = ReadTarget(request, auth, true);
  if (!target) {
    return Response::FromError(target.error());
  }
  v1::AddCellRequest add;
  if (Status parsed = ParseJsonBody(request, add); !parsed) {
    return Response::FromError(parsed.error());
  }
  add.set_notebook_id(target->id);
  return ProtoResponse(notebooks.AddCell(add, target->caller), 201);
}

Response UpdateCell(const Request& request, NotebooksService& notebooks, auth::AuthService& auth) {
  Result<Target> target = ReadTarget(request, auth, true);
  if (!target) {
    return Response::FromError(target.error());
  }
  v1::UpdateCellRequest update;
  if (Status parsed = ParseJsonBody(request, update); !parsed) {
    return Response::FromError(parsed.error());
  }
  update.set_notebook_id(target->id);
  update.set_cell_id(std::string(request.PathParam("cell_id")));
  return ProtoResponse(notebooks.UpdateCell(update, target->caller));
}

Response DeleteCell(const Request& request, NotebooksService& notebooks, auth::AuthService& auth) {
  Result<Target> target = ReadTarget(request, auth, true);
  if (!target) {
    return Response::FromError(target.error());
  }
  v1::DeleteCellRequest remove;
  remove.set_notebook_id(target->id);
  remove.set_cell_id(std::string(request.PathParam("cell_id")));
  return ProtoResponse(notebooks.DeleteCell(remove, target->caller));
}

Response ReorderCells(const Request& request, NotebooksService& notebooks,
                      auth::AuthService& auth) {
  Result<Target> target = ReadTarget(request, auth, true);
  if (!target) {
    return Response::FromError(target.error());
  }
  v1::ReorderCellsRequest reorder;
  if (Status parsed = ParseJsonBody(request, reorder); !parsed) {
    return Response::FromError(parsed.error());
  }
  reorder.set_notebook_id(target->id);
  return ProtoResponse(notebooks.ReorderCells(reorder, target->caller));
}

// Records the files the server streamed into the blob store. On an error response the server
// deletes them again.
Response UploadAssets(const Request& request, NotebooksService& notebooks,
                      auth::AuthService& auth) {
  Result<Target> target = ReadTarget(request, auth, true);
  if (!target) {
    return Response::FromError(target.error());
  }
  if (request.files.empty()) {
    return Response::FromError(Error::Validation(
        {{"files[]", "the form must contain at least one file in files[] or file"}}));
  }
  const std::string_view path = FormValue(request, "path");
  if (!path.empty() && request.files.size() > 1) {
    return Response::FromError(Error::Validation(
        {{"path", "may be given only with a single file; several files use their names"}}));
  }
  v1::AddNotebookAssetsRequest add;
  add.set_notebook_id(target->id);
  for (const UploadedFile& file : request.files) {
    v1::NewNotebookAsset* asset = add.add_assets();
    asset->set_path(path.empty() ? file.filename : std::string(path));
    asset->set_filename(file.filename);
    asset->set_blob_key(file.blob_key);
    asset->set_size(file.size);
    asset->set_sha256(file.sha256);
    asset->set_head(file.head);
  }
  return ProtoResponse(notebooks.AddAssets(add, target->caller), 201);
}

Response ListAssets(const Request& request, NotebooksService& notebooks, auth::AuthService& auth) {
  Result<Target> target = ReadTarget(request, auth, false);
  if (!target) {
    return Response::FromError(target.error());
  }
  v1::ListNotebookAssetsRequest list;
  list.set_notebook_id(target->id);
  return ProtoResponse(notebooks.ListAssets(list, target->caller));
}

Response SendAsset(const Request& request, NotebooksService& notebooks, auth::AuthService& auth,
                   storage::BlobStore& blobs, bool by_path) {
  Result<Target> target = ReadTarget(request, auth, false);
  if (!target) {
    return Response::FromError(target.error());
  }
  v1::GetNotebookAssetRequest get;
  get.set_notebook_id(target->id);
  if (by_path) {
    if (request.QueryParam("path").empty()) {
      return Response::FromError(Error::Validation(
          {{"path", "is missing: give the file's relative path, e.g. ?path=data/points.csv"}}));
    }
    get.set_path(std::string(request.QueryParam("path")));
  } else {
    get.set_asset_id(std::string(request.PathParam("asset_id")));
  }
  Result<v1::NotebookAssetBlob> found = notebooks.GetAsset(get, target->caller);
  if (!found) {
    return Response::FromError(found.error());
  }
  const v1::NotebookAsset& asset = found->asset();
  DownloadOptions options;
  options.content_type = asset.content_type();
  if (options.content_type.starts_with("text/")) {
    options.content_type += "; charset=utf-8";
  }
  options.filename = asset.filename();
  options.attachment = !labs::IsInlineContentType(asset.content_type());
  options.sha256 = asset.sha256();
  return BlobDownload(request, blobs, found->blob_key(), options);
}

Response DeleteAsset(const Request& request, NotebooksService& notebooks, auth::AuthService& auth) {
  Result<Target> target = ReadTarget(request, auth, true);
  if (!target) {
    return Response::FromError(target.error());
  }
  v1::DeleteNotebookAssetRequest remove;
  remove.set_notebook_id(target->id);
  remove.set_asset_id(std::string(request.PathParam("asset_id")));
  Result<v1::DeleteNotebookAssetResponse> deleted = notebooks.DeleteAsset(remove, target->caller);
  if (!deleted) {
    return Response::FromError(deleted.error());
  }
  return Response::NoContent();
}

Response SaveCopy(const Request& request, NotebooksService& notebooks, auth::AuthService& auth) {
  Result<Target> target = ReadTarget(request, auth, true);
  if (!target) {
    return Response::FromError(target.error());
  }
  v1::SaveCopyRequest save;
  if (Status parsed = ParseJsonBody(request, save); !parsed) {
    return Response::FromError(parsed.error());
  }
  save.set_notebook_id(target->id);
  return ProtoResponse(notebooks.SaveCopy(save, target->caller), 201);
}

Response ListMyCopies(const Request& request, NotebooksService& notebooks,
                      auth::AuthService& auth) {
  Result<CallContext> caller = RequireCaller(request, auth);
  if (!caller) {
    return Response::FromError(caller.error());
  }
  Result<int64_t> notebook = QueryId(request, "notebook");
  if (!notebook) {
    return Response::FromError(notebook.error());
  }
  v1::ListMyCopiesRequest list;
  list.set_notebook_id(*notebook);
  return ProtoResponse(notebooks.ListMyCopies(list, *caller));
}

Route UploadRoute(std::string pattern, Handler handler, storage::BlobStore& blobs,
                  int64_t max_file_bytes) {
  Route route;
  route.method = "POST";
  route.pattern = std::move(pattern);
  route.handler = std::move(handler);
  route.content_types = {"multipart/form-data"};
  route.upload_store = &blobs;
  route.upload_limits.max_file_bytes = max_file_bytes;
  return route;
}

}  // namespace

void AddNotebooksRoutes(Router& router, NotebooksService& notebooks, auth::AuthService& auth,
                        storage::BlobStore& blobs, NotebooksRouteOptions options) {
  const std::string base = "/api/v1/notebooks";
  router.Add("POST", base, [&](const Request& r) { return CreateNotebook(r, notebooks, auth); });
  router.Add("GET", base, [&](const Request& r) {
    return ListNotebooks(r, notebooks, auth);
  }).query_params = {"lab", "article"};
  router.Add(UploadRoute(
      base + "/import", [&](const Request& r) { return ImportNotebook(r, notebooks, auth, blobs); },
      blobs, options.max_file_bytes));
  router.Add("GET", base + "/{id}",
             [&](const Request& r) { return GetNotebook(r, notebooks, auth); });
  router.Add("PATCH", base + "/{id}",
             [&](const Request& r) { return UpdateNotebook(r, notebooks, auth); });
  router.Add("DELETE", base + "/{id}",
             [&](const Request& r) { return DeleteNotebook(r, notebooks, auth); });
  router.Add("GET", base + "/{id}/export",
             [&](const Request& r) { return ExportNotebook(r, notebooks, auth); });
  router.Add("PUT", base + "/{id}/source",
             [&](const Request& r) { return ReplaceSource(r, notebooks, auth); });

  router.Add("POST", base + "/{id}/cells",
             [&](const Request& r) { return AddCell(r, notebooks, auth); });
  router.Add("PATCH", base + "/{id}/cells/{cell_id}",
             [&](const Request& r) { return UpdateCell(r, notebooks, auth); });
  router.Add("DELETE", base + "/{id}/cells/{cell_id}",
             [&](const Request& r) { return DeleteCell(r, notebooks, auth); });
  router.Add("PUT", base + "/{id}/cell-order",
             [&](const Request& r) { return ReorderCells(r, notebooks, auth); });

  router.Add(UploadRoute(
      base + "/{id}/assets", [&](const Request& r) { return UploadAssets(r, notebooks, auth); },
      blobs, options.max_asset_bytes));
  router.Add("GET", base + "/{id}/assets",
             [&](const Request& r) { return ListAssets(r, notebooks, auth); });
  router.Add(
      "GET", base + "/{id}/assets/{asset_id}",
      [&](const Request& r) { return SendAsset(r, notebooks, auth, blobs, false); },
      Execution::kWorker);
  router.Add(
      "GET", base + "/{id}/file",
      [&](const Request& r) { return SendAsset(r, notebooks, auth, blobs, true); },
      Execution::kWorker)
      .query_params = {"path"};
  router.Add("DELETE", base + "/{id}/assets/{asset_id}",
             [&](const Request& r) { return DeleteAsset(r, notebooks, auth); });

  router.Add("POST", base + "/{id}/copies",
             [&](const Request& r) { return SaveCopy(r, notebooks, auth); });
  router.Add("GET", "/api/v1/notebook-copies", [&](const Request& r) {
    return ListMyCopies(r, notebooks, auth);
  }).query_params = {"notebook"};
}

}  // namespace openlabs::gateway
