#include "gateway/api/grading_routes.h"

#include <charconv>
#include <cmath>

#include "gateway/api/api_support.h"

namespace openlabs::gateway {
namespace {

// Whether `batch` has the form of the ids the regrade route returns: a lowercase UUID
// (8-4-4-4-12 hexadecimal digits), as NewUuid makes them.
bool IsBatchId(std::string_view batch) {
  if (batch.size() != 36) {
    return false;
  }
  for (size_t i = 0; i < batch.size(); ++i) {
    const char c = batch[i];
    const bool dash_position = i == 8 || i == 13 || i == 18 || i == 23;
    const bool valid = dash_position ? c == '-' : (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
    if (!valid) {
      return false;
    }
  }
  return true;
}

Response JsonResult(const Result<nlohmann::json>& result, int status = 200) {
  if (!result) {
    return Response::FromError(result.error());
  }
  return Response::Json(status, *result);
}

// The {id} path parameter and the signed-in caller, which every route but GET grader needs.
struct Target {
  int64_t id = 0;
  CallContext caller;
};

Result<Target> RequireTarget(const Request& request, auth::AuthService& auth) {
  Result<int64_t> id = PathId(request, "id");
  if (!id) {
    return Fail(id.error());
  }
  Result<CallContext> caller = RequireCaller(request, auth);
  if (!caller) {
    return Fail(caller.error());
  }
  return Target{*id, std::move(*caller)};
}

// Deletes the uploaded parts of a request that is rejected before it reaches the service.
void DropUploads(const Request& request, storage::BlobStore& blobs) {
  for (const UploadedFile& file : request.files) {
    [[maybe_unused]] Status removed = blobs.Delete(file.blob_key);
  }
}

Response AttachGrader(const Request& request, grading::GradingService& grading,
                      auth::AuthService& auth, storage::BlobStore& blobs) {
  Result<Target> target = RequireTarget(request, auth);
  if (!target) {
    DropUploads(request, blobs);
    return Response::FromError(target.error());
  }
  if (request.files.size() != 1 ||
      (request.files[0].field != "archive" && request.files[0].field != "file")) {
    DropUploads(request, blobs);
    return Response::FromError(
        Error::Validation({{"archive",
                            "send exactly one file, the grader folder as a .tar, .tar.gz or .zip "
                            "archive, in the form field \"archive\""}}));
  }
  const UploadedFile& archive = request.files[0];
  return JsonResult(
      grading.AttachGrader(target->id, archive.blob_key, archive.filename, target->caller), 201);
}

Response GetGrader(const Request& request, grading::GradingService& grading,
                   auth::AuthService& auth) {
  Result<int64_t> id = PathId(request, "id");
  if (!id) {
    return Response::FromError(id.error());
  }
  Result<CallContext> caller = OptionalCaller(request, auth);
  if (!caller) {
    return Response::FromError(caller.error());
  }
  return JsonResult(grading.GetGrader(*id, *caller));
}

Response DetachGrader(const Request& request, grading::GradingService& grading,
                      auth::AuthService& auth) {
  Result<Target> target = RequireTarget(request, auth);
  if (!target) {
    return Response::FromError(target.error());
  }
  return StatusResponse(grading.DetachGrader(target->id, target->caller));
}

Response Regrade(const Request& request, grading::GradingService& grading,
                 auth::AuthService& auth) {
  Result<Target> target = RequireTarget(request, auth);
  if (!target) {
    return Response::FromError(target.error());
  }
  return JsonResult(grading.Regrade(target->id, target->caller), 202);
}

Response ListJobs(const Request& request, grading::GradingService& grading,
                  auth::AuthService& auth) {
  Result<Target> target = RequireTarget(request, auth);
  if (!target) {
    return Response::FromError(target.error());
  }
  const std::string batch(request.QueryParam("batch"));
  if (!batch.empty() && !IsBatchId(batch)) {
    return Response::FromError(Error::Validation(
        {{"batch", "must be a batch id returned by the regrade route, a lowercase UUID"}}));
  }
  return JsonResult(grading.ListJobs(target->id, batch, target->caller));
}

Response FindSimilar(const Request& request, grading::GradingService& grading,
                     auth::AuthService& auth) {
  Result<Target> target = RequireTarget(request, auth);
  if (!target) {
    return Response::FromError(target.error());
  }
  double threshold = 0.5;
  const std::string_view text = request.QueryParam("threshold");
  if (!text.empty()) {
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), threshold);
    // from_chars accepts "nan", which fails no comparison, so it is rejected by name.
    if (error != std::errc() || end != text.data() + text.size() || !std::isfinite(threshold) ||
        threshold < 0 || threshold > 1) {
      return Response::FromError(
          Error::Validation({{"threshold", "must be a number from 0 to 1"}}));
    }
  }
  return JsonResult(grading.FindSimilar(target->id, threshold, target->caller));
}

Response GetSubmissionGrading(const Request& request, grading::GradingService& grading,
                              auth::AuthService& auth) {
  Result<Target> target = RequireTarget(request, auth);
  if (!target) {
    return Response::FromError(target.error());
  }
  return JsonResult(grading.GetSubmissionGrading(target->id, target->caller));
}

Response PutRubric(const Request& request, grading::GradingService& grading,
                   auth::AuthService& auth) {
  Result<Target> target = RequireTarget(request, auth);
  if (!target) {
    return Response::FromError(target.error());
  }
  v1::PutRubricRequest put;
  if (Status parsed = ParseJsonBody(request, put); !parsed) {
    return Response::FromError(parsed.error());
  }
  put.set_lab_id(target->id);
  return ProtoResponse(grading.PutRubric(put, target->caller));
}

Response GetRubric(const Request& request, grading::GradingService& grading,
                   auth::AuthService& auth) {
  Result<int64_t> id = PathId(request, "id");
  if (!id) {
    return Response::FromError(id.error());
  }
  Result<CallContext> caller = OptionalCaller(request, auth);
  if (!caller) {
    return Response::FromError(caller.error());
  }
  v1::GetRubricRequest get;
  get.set_lab_id(*id);
  return ProtoResponse(grading.GetRubric(get, *caller));
}

Response GetRubricReview(const Request& request, grading::GradingService& grading,
                         auth::AuthService& auth) {
  Result<Target> target = RequireTarget(request, auth);
  if (!target) {
    return Response::FromError(target.error());
  }
  v1::GetRubricReviewRequest get;
  get.set_submission_id(target->id);
  return ProtoResponse(grading.GetRubricReview(get, target->caller));
}

}  // namespace

void AddGradingRoutes(Router& router, grading::GradingService& grading, auth::AuthService& auth,
                      storage::BlobStore& blobs, GradingRouteOptions options) {
  Route attach;
  attach.method = "PUT";
  attach.pattern = "/api/v1/labs/{id}/grader";
  attach.handler = [&](const Request& request) {
    return AttachGrader(request, grading, auth, blobs);
  };
  attach.execution = Execution::kWorker;
  attach.content_types = {"multipart/form-data"};
  attach.upload_store = &blobs;
  attach.upload_limits.max_file_bytes = options.max_archive_bytes;
  attach.upload_limits.max_files = 1;
  router.Add(std::move(attach));

  router.Add("GET", "/api/v1/labs/{id}/grader",
             [&](const Request& request) { return GetGrader(request, grading, auth); });
  router.Add("DELETE", "/api/v1/labs/{id}/grader",
             [&](const Request& request) { return DetachGrader(request, grading, auth); });
  router.Add(
      "POST", "/api/v1/labs/{id}/grader/regrade",
      [&](const Request& request) { return Regrade(request, grading, auth); }, Execution::kWorker);
  router.Add("GET", "/api/v1/labs/{id}/grading-jobs",
             [&](const Request& request) { return ListJobs(request, grading, auth); });
  router.Add(
      "GET", "/api/v1/labs/{id}/similarity",
      [&](const Request& request) { return FindSimilar(request, grading, auth); },
      Execution::kWorker);
  router.Add("GET", "/api/v1/submissions/{id}/grading",
             [&](const Request& request) { return GetSubmissionGrading(request, grading, auth); });
  router.Add("PUT", "/api/v1/labs/{id}/rubric",
             [&](const Request& request) { return PutRubric(request, grading, auth); });
  router.Add("GET", "/api/v1/labs/{id}/rubric",
             [&](const Request& request) { return GetRubric(request, grading, auth); });
  router.Add("GET", "/api/v1/submissions/{id}/rubric-review",
             [&](const Request& request) { return GetRubricReview(request, grading, auth); });
}

}  // namespace openlabs::gateway
