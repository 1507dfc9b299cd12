#include "gateway/api/submissions_routes.h"

#include <charconv>

#include "gateway/api/api_support.h"

namespace openlabs::gateway {
namespace {

constexpr int32_t kMaxPage = 1'000'000;
constexpr int32_t kMaxLimit = 100;

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

Response CreateSubmission(const Request& request, submissions::SubmissionsService& submissions,
                          auth::AuthService& auth) {
  Result<CallContext> caller = RequireCaller(request, auth);
  if (!caller) {
    return Response::FromError(caller.error());
  }
  Result<int64_t> lab_id = ParseFormId(request, "lab_id");
  if (!lab_id) {
    return Response::FromError(lab_id.error());
  }
  v1::CreateSubmissionRequest create;
  create.set_lab_id(*lab_id);
  create.set_text(FormField(request, "text"));
  if (Status collected = CollectUploadedFiles(request, *create.mutable_files()); !collected) {
    return Response::FromError(collected.error());
  }
  return ProtoResponse(submissions.CreateSubmission(create, *caller), 201);
}

Result<v1::ListSubmissionsRequest> ListRequest(const Request& request) {
  Result<std::optional<int32_t>> page = QueryInt(request, "page", 1, kMaxPage);
  if (!page) {
    return Fail(page.error());
  }
  Result<std::optional<int32_t>> limit = QueryInt(request, "limit", 1, kMaxLimit);
  if (!limit) {
    return Fail(limit.error());
  }
  v1::ListSubmissionsRequest list;
  list.set_page(page->value_or(1));
  list.set_limit(limit->value_or(20));
  return list;
}

Response ListMine(const Request& request, submissions::SubmissionsService& submissions,
                  auth::AuthService& auth) {
  Result<CallContext> caller = RequireCaller(request, auth);
  if (!caller) {
    return Response::FromError(caller.error());
  }
  Result<v1::ListSubmissionsRequest> list = ListRequest(request);
  if (!list) {
    return Response::FromError(list.error());
  }
  return ProtoResponse(submissions.ListMine(*list, *caller));
}

Response ListForLab(const Request& request, submissions::SubmissionsService& submissions,
                    auth::AuthService& auth) {
  Result<int64_t> id = PathId(request, "id");
  if (!id) {
    return Response::FromError(id.error());
  }
  Result<CallContext> caller = RequireCaller(request, auth);
  if (!caller) {
    return Response::FromError(caller.error());
  }
  Result<v1::ListSubmissionsRequest> list = ListRequest(request);
  if (!list) {
    return Response::FromError(list.error());
  }
  list->set_lab_id(*id);
  return ProtoResponse(submissions.ListForLab(*list, *caller));
}

// The submission with its files and its reviews.
Response GetSubmission(const Request& request, submissions::SubmissionsService& submissions,
                       feedback::ReviewsService& reviews, auth::AuthService& auth) {
  Result<int64_t> id = PathId(request, "id");
  if (!id) {
    return Response::FromError(id.error());
  }
  Result<CallContext> caller = OptionalCaller(request, auth);
  if (!caller) {
    return Response::FromError(caller.error());
  }
  v1::GetSubmissionRequest get;
  get.set_id(*id);
  Result<v1::Submission> submission = submissions.GetSubmission(get, *caller);
  if (!submission) {
    return Response::FromError(submission.error());
  }
  v1::ListReviewsRequest list;
  list.set_submission_id(*id);
  Result<v1::ListReviewsResponse> listed = reviews.ListReviews(list, *caller);
  if (!listed) {
    return Response::FromError(listed.error());
  }
  nlohmann::json body = ProtoToJson(*submission);
  body["reviews"] = ProtoToJson(*listed).value("items", nlohmann::json::array());
  return Response::Json(200, body);
}

Response DeleteSubmission(const Request& request, submissions::SubmissionsService& submissions,
                          auth::AuthService& auth) {
  Result<int64_t> id = PathId(request, "id");
  if (!id) {
    return Response::FromError(id.error());
  }
  Result<CallContext> caller = RequireCaller(request, auth);
  if (!caller) {
    return Response::FromError(caller.error());
  }
  v1::DeleteSubmissionRequest remove;
  remove.set_id(*id);
  Result<v1::Submission> deleted = submissions.DeleteSubmission(remove, *caller);
  if (!deleted) {
    return Response::FromError(deleted.error());
  }
  return Response::NoContent();
}

Response Claim(const Request& request, submissions::SubmissionsService& submissions,
               auth::AuthService& auth, bool release) {
  Result<int64_t> id = PathId(request, "id");
  if (!id) {
    return Response::FromError(id.error());
  }
  Result<CallContext> caller = RequireCaller(request, auth);
  if (!caller) {
    return Response::FromError(caller.error());
  }
  v1::ClaimRequest claim;
  claim.set_submission_id(*id);
  if (release) {
    Result<v1::Claim> released = submissions.ReleaseClaim(claim, *caller);
    if (!released) {
      return Response::FromError(released.error());
    }
    return Response::NoContent();
  }
  return ProtoResponse(submissions.ClaimSubmission(claim, *caller));
}

Response DownloadFile(const Request& request, submissions::SubmissionsService& submissions,
                      auth::AuthService& auth, storage::BlobStore& blobs) {
  Result<int64_t> id = PathId(request, "id");
  if (!id) {
    return Response::FromError(id.error());
  }
  Result<int64_t> file_id = PathId(request, "file_id");
  if (!file_id) {
    return Response::FromError(file_id.error());
  }
  Result<CallContext> caller = OptionalCaller(request, auth);
  if (!caller) {
    return Response::FromError(caller.error());
  }
  v1::GetSubmissionFileRequest get;
  get.set_submission_id(*id);
  get.set_file_id(*file_id);
  Result<v1::StoredFile> file = submissions.GetSubmissionFile(get, *caller);
  if (!file) {
    return Response::FromError(file.error());
  }
  return BlobDownload(request, blobs, file->blob_key(), PrivateFileDownload(*file));
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
  Route upload;
  upload.method = "POST";
  upload.pattern = "/api/v1/submissions";
  upload.handler = [&](const Request& request) {
    return CreateSubmission(request, submissions, auth);
  };
  upload.execution = Execution::kWorker;
  upload.content_types = {"multipart/form-data"};
  upload.upload_store = &blobs;
  upload.upload_limits.max_file_bytes = options.max_file_bytes;
  upload.upload_limits.max_files = options.max_files;
  router.Add(std::move(upload));

  router.Add("GET", "/api/v1/submissions/mine",
             [&](const Request& request) { return ListMine(request, submissions, auth); });
  router.Add("GET", "/api/v1/submissions/{id}", [&](const Request& request) {
    return GetSubmission(request, submissions, reviews, auth);
  });
  router.Add("DELETE", "/api/v1/submissions/{id}",
             [&](const Request& request) { return DeleteSubmission(request, submissions, auth); });
  router.Add("POST", "/api/v1/submissions/{id}/claim",
             [&](const Request& request) { return Claim(request, submissions, auth, false); });
  router.Add("DELETE", "/api/v1/submissions/{id}/claim",
             [&](const Request& request) { return Claim(request, submissions, auth, true); });
  router.Add(
      "GET", "/api/v1/submissions/{id}/files/{file_id}",
      [&](const Request& request) { return DownloadFile(request, submissions, auth, blobs); },
      Execution::kWorker);
  router.Add("GET", "/api/v1/labs/{id}/submissions",
             [&](const Request& request) { return ListForLab(request, submissions, auth); });
}

}  // namespace openlabs::gateway
