#include "gateway/api/labs_routes.h"

#include <spdlog/spdlog.h>

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
  SetPage(query->page, list);
  list.set_author_id(query->author_id);
  list.set_q(std::move(query->q));
  list.set_sort(std::move(query->sort));
  for (std::string& tag : query->tags) {
    list.add_tags(std::move(tag));
  }
  return list;
}

Response UpdateLab(const ApiCall& call, labs::LabsService& labs, v1::UpdateLabRequest& update) {
  // The body parsed already, so it is a JSON object. A "tags" list that is present replaces them.
  const nlohmann::json json = ParseJsonRequestBody(call.request).value_or(nlohmann::json());
  update.set_replace_tags(json.is_object() && json.contains("tags") && !json["tags"].is_null());
  update.set_id(call.id);
  return ProtoResponse(labs.UpdateLab(update, call.caller));
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
Response UploadAssets(const ApiCall& call, labs::LabsService& labs) {
  const Request& request = call.request;
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
  add.set_lab_id(call.id);
  for (const UploadedFile& file : request.files) {
    v1::NewLabAsset* asset = add.add_assets();
    asset->set_path(path_field != request.form.end() ? path_field->second : file.filename);
    asset->set_filename(file.filename);
    asset->set_blob_key(file.blob_key);
    asset->set_size(file.size);
    asset->set_sha256(file.sha256);
    asset->set_head(file.head);
  }
  return ProtoResponse(labs.AddAssets(add, call.caller), 201);
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

Response DownloadFileByPath(const ApiCall& call, labs::LabsService& labs,
                            storage::BlobStore& blobs) {
  const Request& request = call.request;
  if (request.QueryParam("path").empty()) {
    return Response::FromError(Error::Validation(
        {{"path", "is missing: give the file's relative path, e.g. ?path=img/x.png"}}));
  }
  v1::GetAssetRequest get;
  get.set_lab_id(call.id);
  get.set_path(std::string(request.QueryParam("path")));
  return SendAsset(request, labs, blobs, get);
}

// Sets the lab's grading setup. A failure only leaves it out, because the lab page works without
// it: it then requests the grader and the rubric themselves.
void AddLabGrading(v1::Lab& lab,
                   const std::function<Result<v1::LabGrading>(int64_t lab_id)>& lab_grading) {
  Result<v1::LabGrading> grading = lab_grading(lab.id());
  if (!grading) {
    spdlog::warn("reading the grading setup of lab id={} failed, so its response leaves it out: {}",
                 lab.id(), grading.error().internal);
    return;
  }
  *lab.mutable_grading() = std::move(*grading);
}

}  // namespace

void AddLabsRoutes(Router& router, labs::LabsService& labs, auth::AuthService& auth,
                   storage::BlobStore& blobs, LabsRouteOptions options) {
  ApiRoutes api(router, &auth);
  api.AddJson<v1::CreateLabRequest>(
      "POST", "/api/v1/labs", CallerPolicy::kRequired,
      [&labs](const ApiCall& call, v1::CreateLabRequest& create) {
        return ProtoResponse(labs.CreateLab(create, call.caller), 201);
      });
  api.Add("GET", "/api/v1/labs", CallerPolicy::kAnonymous, [&labs](const ApiCall& call) {
    Result<v1::ListLabsRequest> list = ParseListLabs(call.request);
    if (!list) {
      return Response::FromError(list.error());
    }
    return ProtoResponse(labs.ListLabs(*list));
  }).query_params = kListQueryParams;
  api.Add("GET", "/api/v1/labs/{id}", CallerPolicy::kAnonymous,
          [&labs, lab_grading = options.lab_grading](const ApiCall& call) {
            v1::GetLabRequest get;
            get.set_id(call.id);
            // Pages that show only a lab's title (submission lists, review pages) read the lab
            // with count_view=false, so that those reads are not counted as views.
            get.set_count_view(call.request.method == "GET" &&
                               call.request.QueryParam("count_view") != "false");
            Result<v1::Lab> lab = labs.GetLab(get);
            if (lab && lab_grading) {
              AddLabGrading(*lab, lab_grading);
            }
            return ProtoResponse(lab);
          })
      .query_params = {"count_view"};
  api.AddJson<v1::UpdateLabRequest>(
      "PATCH", "/api/v1/labs/{id}", CallerPolicy::kRequired,
      [&labs](const ApiCall& call, v1::UpdateLabRequest& update) {
        return UpdateLab(call, labs, update);
      });
  api.Add("DELETE", "/api/v1/labs/{id}", CallerPolicy::kRequired, [&labs](const ApiCall& call) {
    v1::DeleteLabRequest remove;
    remove.set_id(call.id);
    // 204 when the lab is gone; 200 with {"archived": true} when submissions keep it archived.
    Result<v1::DeleteLabResponse> removed = labs.DeleteLab(remove, call.caller);
    if (removed && !removed->archived()) {
      return Response::NoContent();
    }
    return ProtoResponse(removed);
  });
  router.Add("GET", "/api/v1/tags", [&](const Request& request) {
    return ListTags(request, labs);
  }).query_params = {"limit"};

  Route upload =
      api.MakeRoute("POST", "/api/v1/labs/{id}/assets", CallerPolicy::kRequired,
                    [&labs](const ApiCall& call) { return UploadAssets(call, labs); });
  upload.content_types = {"multipart/form-data"};
  upload.upload_store = &blobs;
  upload.upload_limits.max_file_bytes = options.max_asset_bytes;
  router.Add(std::move(upload));

  api.Add("GET", "/api/v1/labs/{id}/assets", CallerPolicy::kAnonymous,
          [&labs](const ApiCall& call) {
            v1::ListAssetsRequest list;
            list.set_lab_id(call.id);
            return ProtoResponse(labs.ListAssets(list));
          });
  api.Add(
      "GET", "/api/v1/labs/{id}/assets/{asset_id}", CallerPolicy::kAnonymous,
      [&labs, &blobs](const ApiCall& call) {
        v1::GetAssetRequest get;
        get.set_lab_id(call.id);
        get.set_asset_id(std::string(call.request.PathParam("asset_id")));
        return SendAsset(call.request, labs, blobs, get);
      },
      Execution::kWorker);
  api.Add(
      "GET", "/api/v1/labs/{id}/file", CallerPolicy::kAnonymous,
      [&labs, &blobs](const ApiCall& call) { return DownloadFileByPath(call, labs, blobs); },
      Execution::kWorker)
      .query_params = {"path"};
  api.Add("DELETE", "/api/v1/labs/{id}/assets/{asset_id}", CallerPolicy::kRequired,
          [&labs](const ApiCall& call) {
            v1::DeleteAssetRequest remove;
            remove.set_lab_id(call.id);
            remove.set_asset_id(std::string(call.request.PathParam("asset_id")));
            return NoContentResponse(labs.DeleteAsset(remove, call.caller));
          });
}

}  // namespace openlabs::gateway
