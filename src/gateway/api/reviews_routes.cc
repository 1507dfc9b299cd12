#include "gateway/api/reviews_routes.h"

#include <charconv>

#include "gateway/api/api_support.h"
#include "gateway/api/submissions_routes.h"

namespace openlabs::gateway {
namespace {

Result<int32_t> ParseScore(const Request& request) {
  const std::string text = FormField(request, "score");
  int32_t score = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), score);
  if (text.empty() || error != std::errc() || end != text.data() + text.size() || score < 0 ||
      score > 100) {
    return Fail(Error::Validation({{"score", "must be an integer from 0 to 100"}}));
  }
  return score;
}

Response CreateReview(const ApiCall& call, feedback::ReviewsService& reviews) {
  Result<int32_t> score = ParseScore(call.request);
  if (!score) {
    return Response::FromError(score.error());
  }
  v1::CreateReviewRequest create;
  create.set_submission_id(call.id);
  create.set_content(FormField(call.request, "content"));
  create.set_verdict(FormField(call.request, "verdict"));
  create.set_score(*score);
  if (Status collected = CollectUploadedFiles(call.request, *create.mutable_files()); !collected) {
    return Response::FromError(collected.error());
  }
  return ProtoResponse(reviews.CreateReview(create, call.caller), 201);
}

Response ReviewQueue(const ApiCall& call, submissions::SubmissionsService& submissions) {
  if (Status known = RejectUnknownQueryParams(call.request, {"page", "limit"}); !known) {
    return Response::FromError(known.error());
  }
  Result<Page> page = ParsePage(call.request);
  if (!page) {
    return Response::FromError(page.error());
  }
  v1::ReviewQueueRequest queue;
  SetPage(*page, queue);
  return ProtoResponse(submissions.ReviewQueue(queue, call.caller));
}

Response DownloadFile(const ApiCall& call, feedback::ReviewsService& reviews,
                      storage::BlobStore& blobs) {
  Result<int64_t> file_id = PathId(call.request, "file_id");
  if (!file_id) {
    return Response::FromError(file_id.error());
  }
  v1::GetReviewFileRequest get;
  get.set_review_id(call.id);
  get.set_file_id(*file_id);
  Result<v1::StoredFile> file = reviews.GetReviewFile(get, call.caller);
  if (!file) {
    return Response::FromError(file.error());
  }
  return BlobDownload(call.request, blobs, file->blob_key(), PrivateFileDownload(*file));
}

}  // namespace

void AddReviewsRoutes(Router& router, submissions::SubmissionsService& submissions,
                      feedback::ReviewsService& reviews, auth::AuthService& auth,
                      storage::BlobStore& blobs, ReviewsRouteOptions options) {
  ApiRoutes api(router, &auth);
  Route upload =
      api.MakeRoute("POST", "/api/v1/submissions/{id}/reviews", CallerPolicy::kRequired,
                    [&reviews](const ApiCall& call) { return CreateReview(call, reviews); });
  upload.execution = Execution::kWorker;
  upload.content_types = {"multipart/form-data"};
  upload.upload_store = &blobs;
  upload.upload_limits.max_file_bytes = options.max_file_bytes;
  upload.upload_limits.max_files = options.max_files;
  router.Add(std::move(upload));

  api.Add("GET", "/api/v1/submissions/{id}/reviews", CallerPolicy::kRequired,
          [&reviews](const ApiCall& call) {
            v1::ListReviewsRequest list;
            list.set_submission_id(call.id);
            return ProtoResponse(reviews.ListReviews(list, call.caller));
          });
  api.Add("GET", "/api/v1/reviews/queue", CallerPolicy::kRequired,
          [&submissions](const ApiCall& call) { return ReviewQueue(call, submissions); })
      .query_params = kPageQueryParams;
  api.AddJson<v1::RateReviewRequest>(
      "POST", "/api/v1/reviews/{id}/rating", CallerPolicy::kRequired,
      [&reviews](const ApiCall& call, v1::RateReviewRequest& rate) {
        rate.set_review_id(call.id);
        return ProtoResponse(reviews.RateReview(rate, call.caller));
      });
  api.Add(
      "GET", "/api/v1/reviews/{id}/files/{file_id}", CallerPolicy::kRequired,
      [&reviews, &blobs](const ApiCall& call) { return DownloadFile(call, reviews, blobs); },
      Execution::kWorker);
}

}  // namespace openlabs::gateway
