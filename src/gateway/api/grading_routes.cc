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

// The {id} path parameter and the signed-in caller of the grader upload, which registers its
// route itself to set upload limits.
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

// Reads the optional `batch` filter: empty, or an id that the regrade route returned.
Result<std::string> BatchFilter(const Request& request) {
  std::string batch(request.QueryParam("batch"));
  if (!batch.empty() && !IsBatchId(batch)) {
    return Fail(Error::Validation(
        {{"batch", "must be a batch id returned by the regrade route, a lowercase UUID"}}));
  }
  return batch;
}

// Reads the optional `threshold`, a number from 0 to 1 (default 0.5).
Result<double> SimilarityThreshold(const Request& request) {
  double threshold = 0.5;
  const std::string_view text = request.QueryParam("threshold");
  if (text.empty()) {
    return threshold;
  }
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), threshold);
  // from_chars accepts "nan", which fails no comparison, so it is rejected by name.
  if (error != std::errc() || end != text.data() + text.size() || !std::isfinite(threshold) ||
      threshold < 0 || threshold > 1) {
    return Fail(Error::Validation({{"threshold", "must be a number from 0 to 1"}}));
  }
  return threshold;
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

  ApiRoutes api(router, &auth);
  api.Add("GET", "/api/v1/labs/{id}/grader", CallerPolicy::kOptional,
          [&grading](const ApiCall& call) {
            return JsonResult(grading.GetGrader(call.id, call.caller));
          });
  api.Add("DELETE", "/api/v1/labs/{id}/grader", CallerPolicy::kRequired,
          [&grading](const ApiCall& call) {
            return StatusResponse(grading.DetachGrader(call.id, call.caller));
          });
  api.Add(
      "POST", "/api/v1/labs/{id}/grader/regrade", CallerPolicy::kRequired,
      [&grading](const ApiCall& call) {
        return JsonResult(grading.Regrade(call.id, call.caller), 202);
      },
      Execution::kWorker);
  api.Add("GET", "/api/v1/labs/{id}/grading-jobs", CallerPolicy::kRequired,
          [&grading](const ApiCall& call) {
            Result<std::string> batch = BatchFilter(call.request);
            if (!batch) {
              return Response::FromError(batch.error());
            }
            return JsonResult(grading.ListJobs(call.id, *batch, call.caller));
          });
  api.Add(
      "GET", "/api/v1/labs/{id}/similarity", CallerPolicy::kRequired,
      [&grading](const ApiCall& call) {
        Result<double> threshold = SimilarityThreshold(call.request);
        if (!threshold) {
          return Response::FromError(threshold.error());
        }
        return JsonResult(grading.FindSimilar(call.id, *threshold, call.caller));
      },
      Execution::kWorker);
  api.Add("GET", "/api/v1/submissions/{id}/grading", CallerPolicy::kRequired,
          [&grading](const ApiCall& call) {
            return JsonResult(grading.GetSubmissionGrading(call.id, call.caller));
          });
  api.AddJson<v1::PutRubricRequest>(
      "PUT", "/api/v1/labs/{id}/rubric", CallerPolicy::kRequired,
      [&grading](const ApiCall& call, v1::PutRubricRequest& put) {
        put.set_lab_id(call.id);
        return ProtoResponse(grading.PutRubric(put, call.caller));
      });
  api.Add("GET", "/api/v1/labs/{id}/rubric", CallerPolicy::kOptional,
          [&grading](const ApiCall& call) {
            v1::GetRubricRequest get;
            get.set_lab_id(call.id);
            return ProtoResponse(grading.GetRubric(get, call.caller));
          });
  api.Add("GET", "/api/v1/submissions/{id}/rubric-review", CallerPolicy::kRequired,
          [&grading](const ApiCall& call) {
            v1::GetRubricReviewRequest get;
            get.set_submission_id(call.id);
            return ProtoResponse(grading.GetRubricReview(get, call.caller));
          });
}

}  // namespace openlabs::gateway
