#include "gateway/api/grading_routes.h"

#include <charconv>

#include "gateway/api/api_support.h"

namespace openlabs::gateway {
namespace {

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
  v1::AttachGraderRequest attach;
  attach.set_lab_id(target->id);
  attach.set_upload_key(request.files[0].blob_key);
  attach.set_archive_name(request.files[0].filename);
  return ProtoResponse(grading.AttachGrader(attach, target->caller), 201);
}

// Reads the optional `threshold` (default 0.5). The service checks its range.
Result<double> SimilarityThreshold(const Request& request) {
  double threshold = 0.5;
  const std::string_view text = request.QueryParam("threshold");
  if (text.empty()) {
    return threshold;
  }
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), threshold);
  if (error != std::errc() || end != text.data() + text.size()) {
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
            v1::GetGraderRequest get;
            get.set_lab_id(call.id);
            return ProtoResponse(grading.GetGrader(get, call.caller));
          });
  api.Add("DELETE", "/api/v1/labs/{id}/grader", CallerPolicy::kRequired,
          [&grading](const ApiCall& call) {
            v1::DetachGraderRequest detach;
            detach.set_lab_id(call.id);
            return NoContentResponse(grading.DetachGrader(detach, call.caller));
          });
  api.Add(
      "POST", "/api/v1/labs/{id}/grader/regrade", CallerPolicy::kRequired,
      [&grading](const ApiCall& call) {
        v1::RegradeRequest regrade;
        regrade.set_lab_id(call.id);
        return ProtoResponse(grading.Regrade(regrade, call.caller), 202);
      },
      Execution::kWorker);
  api.Add("GET", "/api/v1/labs/{id}/grading-jobs", CallerPolicy::kRequired,
          [&grading](const ApiCall& call) {
            v1::ListGradingJobsRequest list;
            list.set_lab_id(call.id);
            list.set_batch(std::string(call.request.QueryParam("batch")));
            return ProtoResponse(grading.ListGradingJobs(list, call.caller));
          })
      .query_params = {"batch"};
  api.Add(
      "GET", "/api/v1/labs/{id}/similarity", CallerPolicy::kRequired,
      [&grading](const ApiCall& call) {
        Result<double> threshold = SimilarityThreshold(call.request);
        if (!threshold) {
          return Response::FromError(threshold.error());
        }
        v1::FindSimilarSubmissionsRequest find;
        find.set_lab_id(call.id);
        find.set_threshold(*threshold);
        return ProtoResponse(grading.FindSimilarSubmissions(find, call.caller));
      },
      Execution::kWorker)
      .query_params = {"threshold"};
  api.Add("GET", "/api/v1/submissions/{id}/grading", CallerPolicy::kRequired,
          [&grading](const ApiCall& call) {
            v1::GetSubmissionGradingRequest get;
            get.set_submission_id(call.id);
            return ProtoResponse(grading.GetSubmissionGrading(get, call.caller));
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
