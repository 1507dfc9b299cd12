#include "gateway/api/submissions_routes.h"

#include <charconv>

#include "gateway/api/api_support.h"

namespace openlabs::gateway {
namespace {

bool IsTokenChar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) ||
         std::string_view("!#$&-^_.+").find(c) != std::string_view::npos;
}

// True for "type/subtype" made of RFC 9110 token characters, without parameters.
bool IsMediaType(std::string_view value) {
  const size_t slash = value.find('/');
  if (slash == std::string_view::npos || slash == 0 || slash + 1 == value.size()) {
    return false;
  }
  for (size_t i = 0; i < value.size(); ++i) {
    if (i != slash && !IsTokenChar(value[i])) {
      return false;
    }
  }
  return true;
}

Result<int64_t> ParseFormId(const Request& request, const std::string& name) {
  const std::string text = FormField(request, name);
  int64_t id = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), id);
  if (text.empty() || error != std::errc() || end != text.data() + text.size() || id <= 0) {
    return Fail(Error::Validation({{name, "must be a positive integer"}}));
  }
  return id;
}

Response CreateSubmission(const ApiCall& call, submissions::SubmissionsService& submissions) {
  Result<int64_t> lab_id = ParseFormId(call.request, "lab_id");
  if (!lab_id) {
    return Response::FromError(lab_id.error());
  }
  v1::CreateSubmissionRequest create;
  create.set_lab_id(*lab_id);
  create.set_text(FormField(call.request, "text"));
  if (!FormField(call.request, "notebook_copy_id").empty()) {
    Result<int64_t> copy_id = ParseFormId(call.request, "notebook_copy_id");
    if (!copy_id) {
      return Response::FromError(copy_id.error());
    }
    create.set_notebook_copy_id(*copy_id);
  }
  if (Status collected = CollectUploadedFiles(call.request, *create.mutable_files()); !collected) {
    return Response::FromError(collected.error());
  }
  return ProtoResponse(submissions.CreateSubmission(create, call.caller), 201);
}

Result<v1::ListSubmissionsRequest> ListRequest(const Request& request) {
  if (Status known = RejectUnknownQueryParams(request, {"page", "limit"}); !known) {
    return Fail(known.error());
  }
  Result<Page> page = ParsePage(request);
  if (!page) {
    return Fail(page.error());
  }
  v1::ListSubmissionsRequest list;
  SetPage(*page, list);
  return list;
}

Response ListMine(const ApiCall& call, submissions::SubmissionsService& submissions) {
  Result<v1::ListSubmissionsRequest> list = ListRequest(call.request);
  if (!list) {
    return Response::FromError(list.error());
  }
  return ProtoResponse(submissions.ListMine(*list, call.caller));
}

Response ListForLab(const ApiCall& call, submissions::SubmissionsService& submissions) {
  Result<v1::ListSubmissionsRequest> list = ListRequest(call.request);
  if (!list) {
    return Response::FromError(list.error());
  }
  list->set_lab_id(call.id);
  return ProtoResponse(submissions.ListForLab(*list, call.caller));
}

// The submission with its files and its reviews.
Response GetSubmission(const ApiCall& call, submissions::SubmissionsService& submissions,
                       feedback::ReviewsService& reviews) {
  v1::GetSubmissionRequest get;
  get.set_id(call.id);
  Result<v1::Submission> submission = submissions.GetSubmission(get, call.caller);
  if (!submission) {
    return Response::FromError(submission.error());
  }
  v1::ListReviewsRequest list;
  list.set_submission_id(call.id);
  Result<v1::ListReviewsResponse> listed = reviews.ListReviews(list, call.caller);
  if (!listed) {
    return Response::FromError(listed.error());
  }
  nlohmann::json body = ProtoToJson(*submission);
  body["reviews"] = ProtoToJson(*listed).value("items", nlohmann::json::array());
  return Response::Json(200, body);
}

Response DownloadFile(const ApiCall& call, submissions::SubmissionsService& submissions,
                      storage::BlobStore& blobs) {
  Result<int64_t> file_id = PathId(call.request, "file_id");
  if (!file_id) {
    return Response::FromError(file_id.error());
  }
  v1::GetSubmissionFileRequest get;
  get.set_submission_id(call.id);
  get.set_file_id(*file_id);
  Result<v1::StoredFile> file = submissions.GetSubmissionFile(get, call.caller);
  if (!file) {
    return Response::FromError(file.error());
  }
  return BlobDownload(call.request, blobs, file->blob_key(), PrivateFileDownload(*file));
}

}  // namespace

std::string FormField(const Request& request, const std::string& name) {
  const auto found = request.form.find(name);
  return found == request.form.end() ? std::string() : found->second;
}

Status CollectUploadedFiles(const Request& request,
                            google::protobuf::RepeatedPtrField<v1::UploadedFileRef>& out) {
  for (const UploadedFile& file : request.files) {
    if (file.field != "files[]" && file.field != "files" && file.field != "file") {
      return Fail(Error::Validation(
          {{file.field, "is not a file field of this form; send files as files[]"}}));
    }
    v1::UploadedFileRef* ref = out.Add();
    ref->set_blob_key(file.blob_key);
    ref->set_filename(file.filename);
    ref->set_content_type(file.content_type);
    ref->set_size(file.size);
    ref->set_sha256(file.sha256);
  }
  return {};
}

DownloadOptions PrivateFileDownload(const v1::StoredFile& file) {
  DownloadOptions options;
  // NOTE: the type is the uploader's declaration, not checked against the content. Sending every
  // file as an attachment with nosniff and the download CSP keeps a wrong type harmless.
  if (IsMediaType(file.content_type())) {
    options.content_type = file.content_type();
  }
  options.filename = file.filename();
  options.attachment = true;
  options.sha256 = file.sha256();
  options.cache_control = "private, no-store";
  return options;
}

void AddSubmissionsRoutes(Router& router, submissions::SubmissionsService& submissions,
                          feedback::ReviewsService& reviews, auth::AuthService& auth,
                          storage::BlobStore& blobs, SubmissionsRouteOptions options) {
  ApiRoutes api(router, &auth);
  Route upload = api.MakeRoute(
      "POST", "/api/v1/submissions", CallerPolicy::kRequired,
      [&submissions](const ApiCall& call) { return CreateSubmission(call, submissions); });
  upload.execution = Execution::kWorker;
  upload.content_types = {"multipart/form-data"};
  upload.upload_store = &blobs;
  upload.upload_limits.max_file_bytes = options.max_file_bytes;
  upload.upload_limits.max_files = options.max_files;
  router.Add(std::move(upload));

  api.Add("GET", "/api/v1/submissions/mine", CallerPolicy::kRequired,
          [&submissions](const ApiCall& call) { return ListMine(call, submissions); })
      .query_params = kPageQueryParams;
  api.Add("GET", "/api/v1/submissions/{id}", CallerPolicy::kRequired,
          [&submissions, &reviews](const ApiCall& call) {
            return GetSubmission(call, submissions, reviews);
          });
  api.Add("DELETE", "/api/v1/submissions/{id}", CallerPolicy::kRequired,
          [&submissions](const ApiCall& call) {
            v1::DeleteSubmissionRequest remove;
            remove.set_id(call.id);
            return ProtoResponse(submissions.DeleteSubmission(remove, call.caller));
          });
  api.Add("POST", "/api/v1/submissions/{id}/claim", CallerPolicy::kRequired,
          [&submissions](const ApiCall& call) {
            v1::ClaimRequest claim;
            claim.set_submission_id(call.id);
            return ProtoResponse(submissions.ClaimSubmission(claim, call.caller));
          });
  api.Add("DELETE", "/api/v1/submissions/{id}/claim", CallerPolicy::kRequired,
          [&submissions](const ApiCall& call) {
            v1::ClaimRequest claim;
            claim.set_submission_id(call.id);
            return NoContentResponse(submissions.ReleaseClaim(claim, call.caller));
          });
  api.Add(
      "GET", "/api/v1/submissions/{id}/files/{file_id}", CallerPolicy::kRequired,
      [&submissions, &blobs](const ApiCall& call) {
        return DownloadFile(call, submissions, blobs);
      },
      Execution::kWorker);
  api.Add("GET", "/api/v1/labs/{id}/submissions", CallerPolicy::kRequired,
          [&submissions](const ApiCall& call) { return ListForLab(call, submissions); })
      .query_params = kPageQueryParams;
}

}  // namespace openlabs::gateway
