#pragma once

#include <cstdint>
#include <memory>
#include <span>

#include "common/call_context.h"
#include "common/error.h"
#include "openlabs/v1/submissions.pb.h"
#include "services/submissions/submissions_service.h"
#include "services/users/users_service.h"
#include "storage/database.h"
#include "storage/migrations.h"

namespace openlabs::feedback {

struct ReviewsOptions {
  int64_t reward_points = 3;  // earned by the reviewer once per review
  int max_files = 5;
  size_t max_content_chars = 50'000;  // Unicode code points of the Markdown content
};

// The reviews part of the feedback service: reviews of submissions, their attachments and the
// submitters' helpfulness ratings, which make up each reviewer's reputation. Who may read what
// follows the submissions service (GetAccess): a caller who may not read the submission gets
// kNotFound for its reviews and their files. Implementations are thread-safe.
class ReviewsService {
 public:
  virtual ~ReviewsService() = default;

  // Stores a review by the holder of the submission's claim, counts it with the submissions
  // service, then credits the reviewer's reward with the key "review:<id>:reward" and updates
  // the activity counters. A reviewer reviews a submission once (kAlreadyExists for a second
  // review, also when two requests race). When counting fails (the claim was lost), the review
  // is deleted again and the caller deletes the uploaded blobs.
  virtual Result<v1::CreateReviewResponse> CreateReview(const v1::CreateReviewRequest& request,
                                                        const CallContext& context) = 0;

  // A submission's reviews with their files, oldest first.
  virtual Result<v1::ListReviewsResponse> ListReviews(const v1::ListReviewsRequest& request,
                                                      const CallContext& context) = 0;

  // Records the submitter's helpfulness rating (1 to 5) of one review; only once per review
  // (kAlreadyExists after that).
  virtual Result<v1::Review> RateReview(const v1::RateReviewRequest& request,
                                        const CallContext& context) = 0;

  // Where a review attachment's bytes are, after the read check.
  virtual Result<v1::StoredFile> GetReviewFile(const v1::GetReviewFileRequest& request,
                                               const CallContext& context) = 0;

  // A reviewer's average helpfulness rating and the number of ratings; public.
  virtual Result<v1::Reputation> GetReputation(const v1::GetReputationRequest& request) = 0;
};

// The SQL implementation. Its tables are "reviews" and "review_files".
std::unique_ptr<ReviewsService> MakeReviewsService(storage::Database& database,
                                                   submissions::SubmissionsService& submissions,
                                                   users::UsersService& users,
                                                   ReviewsOptions options);

}  // namespace openlabs::feedback

namespace openlabs {
// The reviews tables' migrations (generated from migrations/reviews/).
std::span<const storage::Migration> ReviewsMigrations();
}  // namespace openlabs
