#include "gateway/api/labs_routes.h"

#include <charconv>

#include "gateway/api/api_support.h"
#include "gateway/blob_response.h"
#include "services/labs/content_type.h"

namespace openlabs::gateway {
namespace {


Result<v1::ListLabsRequest> ParseListLabs(const Request& request) {
  Result<ListQuery> query = ParseListQuery(request);
  if (!query) {
    return Fail(query.error());
  }
  v1::ListLabsRequest list;
  list.set_page(query->page);
  list.set_limit(query->limit);
  list.set_author_id(query->author_id);
  list.set_q(std::move(query->q));
  list.set_sort(std::move(query->sort));
  for (std::string& tag : query->tags) {
    list.add_tags(std::move(tag));
  }
  return list;
}

Response CreateLab(const Request& request, labs::LabsService& labs, auth::AuthService& auth) {
  Result<CallContext> caller = RequireCaller(request, auth);
  if (!caller) {
    return Response::FromError(caller.error());
  }
  v1::CreateLabRequest create;
  if (Status parsed = ParseJsonBody(request, create); !parsed) {
    return Response::FromError(parsed.error());
  }
  // Only the importer, which calls the service directly, records where a lab came from.
  create.clear_source_key();
  create.clear_source_sha256();
  return ProtoResponse(labs.CreateLab(create, *caller), 201);
}

Response ListLabs(const Request& request, labs::LabsService& labs) {
  Result<v1::ListLabsRequest> list = ParseListLabs(request);
  if (!list) {
    return Response::FromError(list.error());
  }
  return ProtoResponse(labs.ListLabs(*list));
}

Response GetLab(const Request& request, labs::LabsService& labs) {
  Result<int64_t> id = PathId(request, "id");
  if (!id) {
    return Response::FromError(id.error());
  }
  v1::GetLabRequest get;
  get.set_id(*id);
  get.set_count_view(request.method == "GET");
  return ProtoResponse(labs.GetLab(get));
}

Response UpdateLab(const Request& request, labs::LabsService& labs, auth::AuthService& auth) {
  Result<int64_t> id = PathId(request, "id");
  if (!id) {
    return Response::FromError(id.error());
  }
  Result<CallContext> caller = RequireCaller(request, auth);
  if (!caller) {
    return Response::FromError(caller.error());
  }
  v1::UpdateLabRequest update;
  if (Status parsed = ParseJsonBody(request, update); !parsed) {
    return Response::FromError(parsed.error());
  }
  // ParseJsonBody accepted the body, so it is a JSON value; "tags" present means replace them.
  const nlohmann::json json = nlohmann::json::parse(request.body, nullptr, false);
  update.set_replace_tags(json.is_object() && json.contains("tags") && !json["tags"].is_null());
  update.set_id(*id);
  return ProtoResponse(labs.UpdateLab(update, *caller));
}

Response DeleteLab(const Request& request, labs::LabsService& labs, auth::AuthService& auth) {
  Result<int64_t> id = PathId(request, "id");
  if (!id) {
    return Response::FromError(id.error());
  }
  Result<CallContext> caller = RequireCaller(request, auth);
  if (!caller) {
    return Response::FromError(caller.error());
  }
  v1::DeleteLabRequest remove;
  remove.set_id(*id);
  return ProtoResponse(labs.DeleteLab(remove, *caller));
}

Response ListTags(const Request& request, labs::LabsService& labs) {
  Result<std::optional<int32_t>> limit = QueryInt(request, "limit", 1, 1000);
  if (!limit) {
    return Response::FromError(limit.error());
  }
  v1::ListTagsRequest list;
  list.set_limit(limit->value_or(100));
  return ProtoResponse(labs.ListTags(list));
}

// Records the files the server streamed into the blob store. On an error response the server
// deletes them again.
Response UploadAssets(const Request& request, labs::LabsService& labs, auth::AuthService& auth) {
  Result<int64_t> id = PathId(request, "id");
  if (!id) {
    return Response::FromError(id.error());
  }
  Result<CallContext> caller = RequireCaller(request, auth);
  if (!caller) {
    return Response::FromError(caller.error());
  }
  if (request.files.empty()) {
    return Response::FromError(Error::Validation(
        {{"files[]", "the form must contain at least one file in files[] or file"}}));
  }
  const auto path_field = request.form.find("path");
  if (path_field != request.form.end() && request.files.size() > 1) {
    return Response::FromError(Error::Validation(
        {{"path", "may be given only with a single file; several files use their names"}}));
  }

  v1::AddAssetsRequest add;
  add.set_lab_id(*id);
  for (const UploadedFile& file : request.files) {
    v1::NewLabAsset* asset = add.add_assets();
    asset->set_path(path_field != request.form.end() ? path_field->second : file.filename);
    asset->set_filename(file.filename);
    asset->set_blob_key(file.blob_key);
    asset->set_size(file.size);
    asset->set_sha256(file.sha256);
    asset->set_head(file.head);
  }
  return ProtoResponse(labs.AddAssets(add, *caller), 201);
}

Response ListAssets(const Request& request, labs::LabsService& labs) {
  Result<int64_t> id = PathId(request, "id");
  if (!id) {
    return Response::FromError(id.error());
  }
  v1::ListAssetsRequest list;
  list.set_lab_id(*id);
  return ProtoResponse(labs.ListAssets(list));
}

// Sends an asset's bytes with the headers of a safe download (see BlobDownload).
Response SendAsset(const Request& request, labs::LabsService& labs, storage::BlobStore& blobs,
                   const v1::GetAssetRequest& get) {
  Result<v1::AssetBlob> found = labs.GetAsset(get);
  if (!found) {
    return Response::FromError(found.error());
  }
  const v1::LabAsset& asset = found->asset();
  DownloadOptions options;
  options.content_type = asset.content_type();
  if (options.content_type.starts_with("text/")) {
    options.content_type += "; charset=utf-8";
  }
  options.filename = asset.filename();
  options.attachment = !labs::IsInlineContentType(asset.content_type());
  options.sha256 = asset.sha256();
  // Assets never change under an id, so caches may keep them; the ETag still revalidates.
  options.cache_control = "public, max-age=3600";
  return BlobDownload(request, blobs, found->blob_key(), options);
}

Response DownloadAsset(const Request& request, labs::LabsService& labs, storage::BlobStore& blobs) {
  Result<int64_t> id = PathId(request, "id");
  if (!id) {
    return Response::FromError(id.error());
  }
  v1::GetAssetRequest get;
  get.set_lab_id(*id);
  get.set_asset_id(std::string(request.PathParam("asset_id")));
  return SendAsset(request, labs, blobs, get);
}

Response DownloadFileByPath(const Request& request, labs::LabsService& labs,
                            storage::BlobStore& blobs) {
  Result<int64_t> id = PathId(request, "id");
  if (!id) {
    return Response::FromError(id.error());
  }
  if (request.QueryParam("path").empty()) {
    return Response::FromError(
        Error::InvalidArgument("The query parameter path is missing: give the file's relative "
                               "path, e.g. ?path=img/x.png"));
  }
  v1::GetAssetRequest get;
  get.set_lab_id(*id);
  get.set_path(std::string(request.QueryParam("path")));
  return SendAsset(request, labs, blobs, get);
}

Response DeleteAsset(const Request& request, labs::LabsService& labs, auth::AuthService& auth) {
  Result<int64_t> id = PathId(request, "id");
  if (!id) {
    return Response::FromError(id.error());
  }
  Result<CallContext> caller = RequireCaller(request, auth);
  if (!caller) {
    return Response::FromError(caller.error());
  }
  v1::DeleteAssetRequest remove;
  remove.set_lab_id(*id);
  remove.set_asset_id(std::string(request.PathParam("asset_id")));
  Result<v1::DeleteAssetResponse> deleted = labs.DeleteAsset(remove, *caller);
  if (!deleted) {
    return Response::FromError(deleted.error());
  }
  return Response::NoContent();
}

}  // namespace

void AddLabsRoutes(Router& router, labs::LabsService& labs, auth::AuthService& auth,
                   storage::BlobStore& blobs, LabsRouteOptions options) {
  router.Add("POST", "/api/v1/labs",
             [&](const Request& request) { return CreateLab(request, labs, auth); });
  router.Add("GET", "/api/v1/labs",
             [&](const Request& request) { return ListLabs(request, labs); });
  router.Add("GET", "/api/v1/labs/{id}",
             [&](const Request& request) { return GetLab(request, labs); });
  router.Add("PATCH", "/api/v1/labs/{id}",
             [&](const Request& request) { return UpdateLab(request, labs, auth); });
  router.Add("DELETE", "/api/v1/labs/{id}",
             [&](const Request& request) { return DeleteLab(request, labs, auth); });
  router.Add("GET", "/api/v1/tags",
             [&](const Request& request) { return ListTags(request, labs); });

  Route upload;
  upload.method = "POST";
  upload.pattern = "/api/v1/labs/{id}/assets";
  upload.handler = [&](const Request& request) { return UploadAssets(request, labs, auth); };
  upload.content_types = {"multipart/form-data"};
  upload.upload_store = &blobs;
  upload.upload_limits.max_file_bytes = options.max_asset_bytes;
  router.Add(std::move(upload));

  router.Add("GET", "/api/v1/labs/{id}/assets",
             [&](const Request& request) { return ListAssets(request, labs); });
  router.Add(
      "GET", "/api/v1/labs/{id}/assets/{asset_id}",
      [&](const Request& request) { return DownloadAsset(request, labs, blobs); },
      Execution::kWorker);
  router.Add(
      "GET", "/api/v1/labs/{id}/file",
      [&](const Request& request) { return DownloadFileByPath(request, labs, blobs); },
      Execution::kWorker);
  router.Add("DELETE", "/api/v1/labs/{id}/assets/{asset_id}",
             [&](const Request& request) { return DeleteAsset(request, labs, auth); });
}

}  // namespace openlabs::gateway
