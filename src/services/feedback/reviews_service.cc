#include "services/feedback/reviews_service.h"

#include <spdlog/spdlog.h>

#include <optional>

#include "common/clock.h"

namespace openlabs::feedback {
namespace {

using storage::Database;

struct ReviewRow {
  long long id = 0;
  long long submission_id = 0;
  long long reviewer_id = 0;
  std::string content;
  std::string verdict;
  int score = 0;
  std::optional<int> helpfulness;
  long long created_at = 0;

  v1::Review ToProto() const {
    v1::Review review;
    review.set_id(id);
    review.set_submission_id(submission_id);
    review.set_reviewer_id(reviewer_id);
    review.set_content(content);
    review.set_verdict(verdict);
    review.set_score(score);
    if (helpfulness) {
      review.set_helpfulness(*helpfulness);
    }
    review.set_created_at(created_at);
    return review;
  }
};

struct ReviewFileRow {
  long long id = 0;
  long long review_id = 0;
  std::string blob_key;
  std::string filename;
  std::string content_type;
  long long size = 0;
  std::string sha256;
  long long created_at = 0;

  v1::ReviewFile ToProto() const {
    v1::ReviewFile file;
    file.set_id(id);
    file.set_review_id(review_id);
    file.set_filename(filename);
    file.set_content_type(content_type);
    file.set_size(size);
    file.set_sha256(sha256);
    file.set_created_at(created_at);
    return file;
  }
};

constexpr const char* kReviewColumns =
    "id, submission_id, reviewer_id, content, verdict, score, helpfulness, created_at";

std::vector<ReviewRow> FetchReviews(soci::session& session, const std::string& where,
                                    long long key) {
  ReviewRow row;
  int helpfulness = 0;
  soci::indicator helpfulness_null = soci::i_ok;
  soci::statement select = (session.prepare << std::string("SELECT ") + kReviewColumns +
                                                   " FROM reviews WHERE " + where + " ORDER BY id",
                            soci::use(key), soci::into(row.id), soci::into(row.submission_id),
                            soci::into(row.reviewer_id), soci::into(row.content),
                            soci::into(row.verdict), soci::into(row.score),
                            soci::into(helpfulness, helpfulness_null), soci::into(row.created_at));
  select.execute();
  std::vector<ReviewRow> rows;
  while (select.fetch()) {
    row.helpfulness =
        helpfulness_null == soci::i_ok ? std::optional<int>(helpfulness) : std::nullopt;
    rows.push_back(row);
  }
  return rows;
}

std::optional<ReviewRow> LoadReview(soci::session& session, long long id) {
  std::vector<ReviewRow> rows = FetchReviews(session, "id = :id", id);
  if (rows.empty()) {
    return std::nullopt;
  }
  return rows.front();
}

std::vector<ReviewFileRow> LoadReviewFiles(soci::session& session, long long review_id) {
  ReviewFileRow row;
  soci::statement select =
      (session.prepare << "SELECT id, review_id, blob_key, filename, content_type, size, sha256, "
                          "created_at FROM review_files WHERE review_id = :id ORDER BY id",
       soci::use(review_id), soci::into(row.id), soci::into(row.review_id),
       soci::into(row.blob_key), soci::into(row.filename), soci::into(row.content_type),
       soci::into(row.size), soci::into(row.sha256), soci::into(row.created_at));
  select.execute();
  std::vector<ReviewFileRow> files;
  while (select.fetch()) {
    files.push_back(row);
  }
  return files;
}

v1::Review WithFiles(soci::session& session, const ReviewRow& row) {
  v1::Review review = row.ToProto();
  for (const ReviewFileRow& file : LoadReviewFiles(session, row.id)) {
    *review.add_files() = file.ToProto();
  }
  return review;
}

Error ReviewNotFound() { return Error::NotFound("The review does not exist."); }

// The number and the sum of the helpfulness ratings of one reviewer's reviews, prepared once
// per pooled connection (see Database::WithPrepared).
class HelpfulnessQuery {
 public:
  explicit HelpfulnessQuery(soci::session& session)
      : statement_((session.prepare << "SELECT COUNT(helpfulness), COALESCE(SUM(helpfulness), 0) "
                                       "FROM reviews WHERE reviewer_id = :id",
                    soci::use(reviewer_id_, "id"), soci::into(count_), soci::into(sum_))) {}
  HelpfulnessQuery(const HelpfulnessQuery&) = delete;
  HelpfulnessQuery& operator=(const HelpfulnessQuery&) = delete;

  // Returns {count, sum}.
  std::pair<long long, long long> Run(long long reviewer_id) {
    reviewer_id_ = reviewer_id;
    std::pair<long long, long long> result{0, 0};
    if (statement_.execute(true)) {
      result = {count_, sum_};
      // An aggregate returns one row; this runs the statement to its end.
      while (statement_.fetch()) {
      }
    }
    return result;
  }

 private:
  long long reviewer_id_ = 0;
  long long count_ = 0;
  long long sum_ = 0;
  soci::statement statement_;
};

class SqlReviewsService final : public ReviewsService {
 public:
  SqlReviewsService(Database& database, submissions::SubmissionsService& submissions,
                    users::UsersService& users, ReviewsOptions options)
      : database_(database), submissions_(submissions), users_(users), options_(options) {}

  Result<v1::CreateReviewResponse> CreateReview(const v1::CreateReviewRequest& request,
                                                const CallContext& context) override {
    if (!context.authenticated()) {
      return Fail(Error::Unauthenticated("Sign in to review."));
    }
    if (std::vector<FieldViolation> problems = CheckCreate(request); !problems.empty()) {
      return Fail(Error::Validation(std::move(problems)));
    }
    if (Status claimed = CheckHoldsClaim(request.submission_id(), context); !claimed) {
      return Fail(claimed.error());
    }

    Result<ReviewRow> review = Insert(request, context.user_id);
    if (!review) {
      return Fail(review.error());
    }
    v1::RecordReviewRequest record;
    record.set_submission_id(request.submission_id());
    record.set_reviewer_id(context.user_id);
    record.set_review_id(review->id);
    record.set_verdict(request.verdict());
    record.set_score(request.score());
    Result<v1::RecordReviewResponse> counted = submissions_.RecordReview(record);
    if (!counted) {
      Remove(review->id, counted.error());
      return Fail(counted.error());
    }

    v1::CreateReviewResponse response;
    response.set_points_earned(Reward(review->id, context.user_id));
    UpdateCounters(context.user_id, counted->submission(), counted->decided());
    spdlog::info("user id={} reviewed submission id={} (review id={}, {})", context.user_id,
                 request.submission_id(), review->id, request.verdict());
    Result<v1::Review> stored = database_.WithSession<v1::Review>(
        [&](soci::session& session) -> Result<v1::Review> { return WithFiles(session, *review); });
    if (!stored) {
      return Fail(stored.error());
    }
    *response.mutable_review() = std::move(*stored);
    *response.mutable_submission() = counted->submission();
    return response;
  }

  Result<v1::ListReviewsResponse> ListReviews(const v1::ListReviewsRequest& request,
                                              const CallContext& context) override {
    if (!context.authenticated()) {
      return Fail(Error::Unauthenticated("Sign in to see a submission's reviews."));
    }
    if (Status readable = CheckCanRead(request.submission_id(), context); !readable) {
      return Fail(readable.error());
    }
    return database_.WithSession<v1::ListReviewsResponse>(
        [&](soci::session& session) -> Result<v1::ListReviewsResponse> {
          v1::ListReviewsResponse response;
          for (const ReviewRow& row :
               FetchReviews(session, "submission_id = :id", request.submission_id())) {
            *response.add_items() = WithFiles(session, row);
          }
          return response;
        });
  }

  Result<v1::Review> RateReview(const v1::RateReviewRequest& request,
                                const CallContext& context) override {
    if (!context.authenticated()) {
      return Fail(Error::Unauthenticated("Sign in to rate a review."));
    }
    if (request.rating() < 1 || request.rating() > 5) {
      return Fail(Error::Validation({{"rating", "must be an integer from 1 to 5"}}));
    }
    Result<ReviewRow> review = LoadReadable(request.review_id(), context);
    if (!review) {
      return Fail(review.error());
    }
    Result<v1::SubmissionAccess> access = Access(review->submission_id, context);
    if (!access) {
      return Fail(access.error());
    }
    if (access->learner_id() != context.user_id) {
      return Fail(Error::PermissionDenied(
          "Only the learner whose submission was reviewed can rate the review."));
    }
    return database_.InTransaction<v1::Review>(
        [&](soci::session& session) { return StoreRating(session, *review, request.rating()); });
  }

  Result<v1::StoredFile> GetReviewFile(const v1::GetReviewFileRequest& request,
                                       const CallContext& context) override {
    if (!context.authenticated()) {
      return Fail(Error::Unauthenticated("Sign in to download a review's files."));
    }
    Result<ReviewRow> review = LoadReadable(request.review_id(), context);
    if (!review) {
      return Fail(review.error());
    }
    return database_.WithSession<v1::StoredFile>(
        [&](soci::session& session) -> Result<v1::StoredFile> {
          for (const ReviewFileRow& row : LoadReviewFiles(session, review->id)) {
            if (row.id != request.file_id()) {
              continue;
            }
            v1::StoredFile file;
            file.set_filename(row.filename);
            file.set_content_type(row.content_type);
            file.set_size(row.size);
            file.set_sha256(row.sha256);
            file.set_blob_key(row.blob_key);
            return file;
          }
          return Fail(Error::NotFound("The file does not exist."));
        });
  }

  Result<v1::Reputation> GetReputation(const v1::GetReputationRequest& request) override {
    return database_.WithSession<v1::Reputation>(
        [&](soci::session& session) -> Result<v1::Reputation> {
          const long long user_id = request.user_id();
          const auto [count, sum] = database_.WithPrepared<HelpfulnessQuery>(
              session, [&](HelpfulnessQuery& query) { return query.Run(user_id); });
          v1::Reputation reputation;
          reputation.set_user_id(user_id);
          reputation.set_ratings_count(count);
          reputation.set_average_helpfulness(count == 0 ? 0.0 : static_cast<double>(sum) / count);
          return reputation;
        });
  }

 private:
  std::vector<FieldViolation> CheckCreate(const v1::CreateReviewRequest& request) const {
    std::vector<FieldViolation> problems;
    const size_t chars = submissions::CountCodePoints(request.content());
    if (chars == 0 || chars > options_.max_content_chars) {
      problems.push_back({"content", "must be 1 to " + std::to_string(options_.max_content_chars) +
                                         " characters"});
    }
    if (request.verdict() != "accept" && request.verdict() != "reject") {
      problems.push_back({"verdict", "must be accept or reject"});
    }
    if (request.score() < 0 || request.score() > 100) {
      problems.push_back({"score", "must be an integer from 0 to 100"});
    }
    std::vector<FieldViolation> file_problems =
        submissions::CheckUploadedFiles(request.files(), options_.max_files, "files");
    problems.insert(problems.end(), file_problems.begin(), file_problems.end());
    return problems;
  }

  Result<v1::SubmissionAccess> Access(int64_t submission_id, const CallContext& context) {
    v1::GetSubmissionRequest get;
    get.set_id(submission_id);
    return submissions_.GetAccess(get, context);
  }

  Status CheckCanRead(int64_t submission_id, const CallContext& context) {
    Result<v1::SubmissionAccess> access = Access(submission_id, context);
    if (!access) {
      return Fail(access.error());
    }
    if (!access->can_read()) {
      return Fail(Error::NotFound("The submission does not exist."));
    }
    return {};
  }

  // A fast check before storing anything; RecordReview repeats it atomically.
  Status CheckHoldsClaim(int64_t submission_id, const CallContext& context) {
    Result<v1::SubmissionAccess> access = Access(submission_id, context);
    if (!access) {
      return Fail(access.error());
    }
    if (access->learner_id() == context.user_id) {
      return Fail(Error::PermissionDenied("You cannot review your own submission."));
    }
    if (!access->can_read() && !access->may_review()) {
      return Fail(Error::NotFound("The submission does not exist."));
    }
    if (!access->holds_claim()) {
      return Fail(Error::FailedPrecondition(
          "Claim the submission (POST /api/v1/submissions/{id}/claim) before reviewing it."));
    }
    return {};
  }

  Result<ReviewRow> LoadReadable(int64_t review_id, const CallContext& context) {
    Result<std::optional<ReviewRow>> review = database_.WithSession<std::optional<ReviewRow>>(
        [&](soci::session& session) -> Result<std::optional<ReviewRow>> {
          return LoadReview(session, review_id);
        });
    if (!review) {
      return Fail(review.error());
    }
    if (!*review) {
      return Fail(ReviewNotFound());
    }
    Result<v1::SubmissionAccess> access = Access((*review)->submission_id, context);
    if (!access || !access->can_read()) {
      return Fail(ReviewNotFound());
    }
    return **review;
  }

  Result<ReviewRow> Insert(const v1::CreateReviewRequest& request, int64_t reviewer_id) {
    return database_.InTransaction<ReviewRow>([&](soci::session& session) -> Result<ReviewRow> {
      ReviewRow row;
      row.submission_id = request.submission_id();
      row.reviewer_id = reviewer_id;
      row.content = request.content();
      row.verdict = request.verdict();
      row.score = request.score();
      row.created_at = NowMillis();
      try {
        session << "INSERT INTO reviews (submission_id, reviewer_id, content, verdict, score, "
                   "created_at, updated_at) VALUES (:submission_id, :reviewer_id, :content, "
                   ":verdict, :score, :created_at, :updated_at) RETURNING id",
            soci::use(row.submission_id, "submission_id"),
            soci::use(row.reviewer_id, "reviewer_id"), soci::use(row.content, "content"),
            soci::use(row.verdict, "verdict"), soci::use(row.score, "score"),
            soci::use(row.created_at, "created_at"), soci::use(row.created_at, "updated_at"),
            soci::into(row.id);
      } catch (const soci::soci_error& error) {
        if (storage::IsUniqueViolation(error)) {
          return Fail(Error::AlreadyExists("You have already reviewed this submission."));
        }
        throw;
      }
      for (const v1::UploadedFileRef& file : request.files()) {
        const long long size = file.size();
        session << "INSERT INTO review_files (review_id, blob_key, filename, content_type, size, "
                   "sha256, created_at) VALUES (:review_id, :blob_key, :filename, "
                   ":content_type, :size, :sha256, :created_at)",
            soci::use(row.id, "review_id"), soci::use(file.blob_key(), "blob_key"),
            soci::use(file.filename(), "filename"), soci::use(file.content_type(), "content_type"),
            soci::use(size, "size"), soci::use(file.sha256(), "sha256"),
            soci::use(row.created_at, "created_at");
      }
      return row;
    });
  }

  // Compensation: deletes a stored review that the submissions service did not count.
  void Remove(long long review_id, const Error& cause) {
    spdlog::warn("review id={} was not counted ({}); deleting it", review_id, cause.message);
    Status removed = database_.InTransaction<void>([&](soci::session& session) -> Status {
      session << "DELETE FROM review_files WHERE review_id = :id", soci::use(review_id);
      session << "DELETE FROM reviews WHERE id = :id", soci::use(review_id);
      return {};
    });
    if (!removed) {
      spdlog::error("uncounted review id={} could not be deleted: {}", review_id,
                    removed.error().internal);
    }
  }

  // Credits the reviewer; the key makes the credit happen once per review. Returns the points
  // credited by this call (0 on failure, which is logged with the key to replay).
  int64_t Reward(long long review_id, int64_t reviewer_id) {
    if (options_.reward_points <= 0) {
      return 0;
    }
    v1::PointsChangeRequest earn;
    earn.set_user_id(reviewer_id);
    earn.set_amount(options_.reward_points);
    earn.set_reason("review");
    earn.set_reference("review:" + std::to_string(review_id));
    earn.set_idempotency_key("review:" + std::to_string(review_id) + ":reward");
    Result<v1::PointsChangeResponse> earned = users_.EarnPoints(earn);
    if (!earned) {
      // NOTE: nothing retries a failed reward yet. Replaying the same key credits it once.
      spdlog::error("reward {} for user id={} failed; the points are owed: {}",
                    earn.idempotency_key(), reviewer_id, earned.error().internal);
      return 0;
    }
    return earned->replayed() ? 0 : options_.reward_points;
  }

  void UpdateCounters(int64_t reviewer_id, const v1::Submission& submission, bool decided) {
    v1::IncrementCountersRequest reviewer;
    reviewer.set_user_id(reviewer_id);
    reviewer.set_labs_reviewed(1);
    if (Status updated = users_.IncrementCounters(reviewer); !updated) {
      spdlog::warn("labs_reviewed of user id={} not updated: {}", reviewer_id,
                   updated.error().internal);
    }
    if (!decided || submission.status() != "accepted") {
      return;
    }
    v1::IncrementCountersRequest learner;
    learner.set_user_id(submission.learner_id());
    learner.set_labs_solved(1);
    if (Status updated = users_.IncrementCounters(learner); !updated) {
      spdlog::warn("labs_solved of user id={} not updated: {}", submission.learner_id(),
                   updated.error().internal);
    }
  }

  static Result<v1::Review> StoreRating(soci::session& session, const ReviewRow& review,
                                        int rating) {
    const long long now = NowMillis();
    soci::statement update =
        (session.prepare << "UPDATE reviews SET helpfulness = :rating, rated_at = :rated_at, "
                            "updated_at = :updated_at WHERE id = :id AND helpfulness IS NULL",
         soci::use(rating, "rating"), soci::use(now, "rated_at"), soci::use(now, "updated_at"),
         soci::use(review.id, "id"));
    update.execute(true);
    if (update.get_affected_rows() == 0) {
      return Fail(Error::AlreadyExists("You have already rated this review."));
    }
    ReviewRow rated = review;
    rated.helpfulness = rating;
    return WithFiles(session, rated);
  }

  Database& database_;
  submissions::SubmissionsService& submissions_;
  users::UsersService& users_;
  ReviewsOptions options_;
};

}  // namespace

std::unique_ptr<ReviewsService> MakeReviewsService(storage::Database& database,
                                                   submissions::SubmissionsService& submissions,
                                                   users::UsersService& users,
                                                   ReviewsOptions options) {
  return std::make_unique<SqlReviewsService>(database, submissions, users, options);
}

}  // namespace openlabs::feedback
