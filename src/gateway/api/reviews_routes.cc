#include "gateway/api/reviews_routes.h"

#include <charconv>

#include "gateway/api/api_support.h"
#include "gateway/api/submissions_routes.h"

namespace openlabs::gateway {
namespace {

constexpr int32_t kMaxPage = 1'000'000;
constexpr int32_t kMaxLimit = 100;

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

Response CreateReview(const Request& request, feedback::ReviewsService& reviews,
                      auth::AuthService& auth) {
  Result<int64_t> id = PathId(request, "id");
  if (!id) {
    return Response::FromError(id.error());
  }
  Result<CallContext> caller = RequireCaller(request, auth);
  if (!caller) {
    return Response::FromError(caller.error());
  }
  Result<int32_t> score = ParseScore(request);
  if (!score) {
    return Response::FromError(score.error());
  }
  v1::CreateReviewRequest create;
  create.set_submission_id(*id);
  create.set_content(FormField(request, "content"));
  create.set_verdict(FormField(request, "verdict"));
  create.set_score(*score);
  if (Status collected = CollectUploadedFiles(request, *create.mutable_files()); !collected) {
    return Response::FromError(collected.error());
  }
  return ProtoResponse(reviews.CreateReview(create, *caller), 201);
}

Response ListReviews(const Request& request, feedback::ReviewsService& reviews,
                     auth::AuthService& auth) {
  Result<int64_t> id = PathId(request, "id");
  if (!id) {
    return Response::FromError(id.error());
  }
  Result<CallContext> caller = OptionalCaller(request, auth);
  if (!caller) {
    return Response::FromError(caller.error());
  }
  v1::ListReviewsRequest list;
  list.set_submission_id(*id);
  return ProtoResponse(reviews.ListReviews(list, *caller));
}

Response ReviewQueue(const Request& request, submissions::SubmissionsService& submissions,
                     auth::AuthService& auth) {
  Result<CallContext> caller = RequireCaller(request, auth);
  if (!caller) {
    return Response::FromError(caller.error());
  }
  Result<std::optional<int32_t>> page = QueryInt(request, "page", 1, kMaxPage);
  if (!page) {
    return Response::FromError(page.error());
  }
  Result<std::optional<int32_t>> limit = QueryInt(request, "limit", 1, kMaxLimit);
  if (!limit) {
    return Response::FromError(limit.error());
  }
  v1::ReviewQueueRequest queue;
  queue.set_page(page->value_or(1));
  queue.set_limit(limit->value_or(20));
  return ProtoResponse(submissions.ReviewQueue(queue, *caller));
}

Response RateReview(const Request& request, feedback::ReviewsService& reviews,
                    auth::AuthService& auth) {
  Result<int64_t> id = PathId(request, "id");
  if (!id) {
    return Response::FromError(id.error());
  }
  Result<CallContext> caller = RequireCaller(request, auth);
  if (!caller) {
    return Response::FromError(caller.error());
  }
  v1::RateReviewRequest rate;
  if (Status parsed = ParseJsonBody(request, rate); !parsed) {
    return Response::FromError(parsed.error());
  }
  rate.set_review_id(*id);
  return ProtoResponse(reviews.RateReview(rate, *caller));
}

Response DownloadFile(const Request& request, feedback::ReviewsService& reviews,
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
  v1::GetReviewFileRequest get;
  get.set_review_id(*id);
  get.set_file_id(*file_id);
  Result<v1::StoredFile> file = reviews.GetReviewFile(get, *caller);
  if (!file) {
    return Response::FromError(file.error());
  }
  return BlobDownload(request, blobs, file->blob_key(), PrivateFileDownload(*file));
}

}  // namespace

void AddReviewsRoutes(Router& router, submissions::SubmissionsService& submissions,
                      feedback::ReviewsService& reviews, auth::AuthService& auth,
                      storage::BlobStore& blobs, ReviewsRouteOptions options) {
  Route upload;
  upload.method = "POST";
  upload.pattern = "/api/v1/submissions/{id}/reviews";
  upload.handler = [&](const Request& request) { return CreateReview(request, reviews, auth); };
  upload.execution = Execution::kWorker;
  upload.content_types = {"multipart/form-data"};
  upload.upload_store = &blobs;
  upload.upload_limits.max_file_bytes = options.max_file_bytes;
  upload.upload_limits.max_files = options.max_files;
  router.Add(std::move(upload));

  router.Add("GET", "/api/v1/submissions/{id}/reviews",
             [&](const Request& request) { return ListReviews(request, reviews, auth); });
  router.Add("GET", "/api/v1/reviews/queue",
             [&](const Request& request) { return ReviewQueue(request, submissions, auth); });
  router.Add("POST", "/api/v1/reviews/{id}/rating",
             [&](const Request& request) { return RateReview(request, reviews, auth); });
  router.Add(
      "GET", "/api/v1/reviews/{id}/files/{file_id}",
      [&](const Request& request) { return DownloadFile(request, reviews, auth, blobs); },
      Execution::kWorker);
}

}  // namespace openlabs::gateway
