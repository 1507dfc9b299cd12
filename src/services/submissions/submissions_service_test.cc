#include "services/submissions/submissions_service.h"

#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <map>
#include <mutex>
#include <thread>
#include <vector>

#include "common/random.h"
#include "services/feedback/reviews_service.h"
#include "storage/test_database.h"

namespace openlabs::submissions {
namespace {

using storage::Database;
using storage::Dialect;

constexpr int64_t kLabId = 7;
constexpr int64_t kLeaseMillis = 60'000;

// A LabDirectory double: labs in a map, submissions counted.
class FakeLabs final : public LabDirectory {
 public:
  void Add(int64_t lab_id, int64_t author_id, bool archived = false) {
    std::lock_guard lock(mutex_);
    labs_[lab_id] = LabSummary{lab_id, author_id, archived};
  }

  Result<LabSummary> GetLab(int64_t lab_id) override {
    std::lock_guard lock(mutex_);
    auto found = labs_.find(lab_id);
    if (found == labs_.end()) {
      return Fail(Error::NotFound("The lab does not exist."));
    }
    return found->second;
  }

  Status RecordSubmission(int64_t lab_id) override {
    std::lock_guard lock(mutex_);
    ++recorded_[lab_id];
    return {};
  }

  int Recorded(int64_t lab_id) {
    std::lock_guard lock(mutex_);
    return recorded_[lab_id];
  }

 private:
  std::mutex mutex_;
  std::map<int64_t, LabSummary> labs_;
  std::map<int64_t, int> recorded_;
};

// A NotebookCopies double: copies in a map, each with its owner, lab and current source.
class FakeNotebookCopies final : public NotebookCopies {
 public:
  struct Copy {
    int64_t owner_id = 0;
    int64_t lab_id = 0;
    std::string source;
  };

  void Put(int64_t copy_id, Copy copy) {
    std::lock_guard lock(mutex_);
    copies_[copy_id] = std::move(copy);
  }

  Result<NotebookSnapshot> ExportCopyForLab(int64_t copy_id, int64_t lab_id,
                                            const CallContext& learner) override {
    std::lock_guard lock(mutex_);
    auto found = copies_.find(copy_id);
    if (found == copies_.end() || found->second.owner_id != learner.user_id) {
      return Fail(Error::NotFound("The notebook copy does not exist."));
    }
    if (found->second.lab_id != lab_id) {
      return Fail(
          Error::Validation({{"notebook_copy_id", "must be a copy of this lab's notebook"}}));
    }
    return NotebookSnapshot{"copy.py", found->second.source};
  }

 private:
  std::mutex mutex_;
  std::map<int64_t, Copy> copies_;
};

class SubmissionsServiceTest : public ::testing::TestWithParam<Dialect> {
 protected:
  void SetUp() override {
    const std::string url = storage::NewTestDatabaseUrl(GetParam());
    if (url.empty()) {
      GTEST_SKIP() << "OPENLABS_TEST_POSTGRES_URL is not set; run under scripts/with-postgres.sh";
    }
    Result<std::unique_ptr<Database>> opened = Database::Open(url, 8);
    ASSERT_TRUE(opened) << opened.error().internal;
    database_ = std::move(*opened);
    ASSERT_TRUE(storage::ApplyMigrations(*database_, "users", UsersMigrations()));
    ASSERT_TRUE(storage::ApplyMigrations(*database_, "submissions", SubmissionsMigrations()));
    ASSERT_TRUE(storage::ApplyMigrations(*database_, "reviews", ReviewsMigrations()));
    blob_root_ = std::filesystem::temp_directory_path() / ("openlabs-subs-" + NewUuid());
    blobs_ = storage::MakeLocalBlobStore(blob_root_.string());
    users_ = users::MakeUsersService(*database_, users::UsersOptions{.initial_points = 10});

    learner_ = Create("learner");
    author_ = Create("author");
    stranger_ = Create("stranger");
    moderator_ = Create("moderator", "moderator");
    labs_.Add(kLabId, author_.user_id);
    StartServices(1);
  }

  void TearDown() override {
    std::error_code ignored;
    std::filesystem::remove_all(blob_root_, ignored);
  }

  void StartServices(int required_reviews) {
    reviews_.reset();
    SubmissionsOptions options;
    options.required_reviews = required_reviews;
    options.claim_lease_seconds = kLeaseMillis / 1000;
    options.now_millis = [this] { return now_.load(); };
    submissions_ =
        MakeSubmissionsService(*database_, *blobs_, *users_, labs_, options, &notebook_copies_);
    reviews_ = feedback::MakeReviewsService(*database_, *submissions_, *users_, {});
  }

  CallContext Create(const std::string& username, const std::string& role = "user") {
    v1::CreateUserRequest request;
    request.set_username(username);
    request.set_email(username + "@example.org");
    request.set_role(role);
    Result<v1::User> user = users_->CreateUser(request);
    EXPECT_TRUE(user) << (user ? "" : user.error().message);
    CallContext context;
    context.user_id = user ? user->id() : 0;
    context.username = username;
    context.role = role;
    return context;
  }

  int64_t Balance(const CallContext& user) {
    v1::GetUserRequest get;
    get.set_id(user.user_id);
    return users_->GetUser(get, user)->balance();
  }

  v1::User Profile(const CallContext& user) {
    v1::GetUserRequest get;
    get.set_id(user.user_id);
    return *users_->GetUser(get, user);
  }

  v1::UploadedFileRef Upload(const std::string& content, const std::string& filename) {
    const std::string key = "uploads/" + NewUuid();
    EXPECT_TRUE(blobs_->Put(key, content));
    v1::UploadedFileRef file;
    file.set_blob_key(key);
    file.set_filename(filename);
    file.set_content_type("text/plain");
    file.set_size(static_cast<int64_t>(content.size()));
    file.set_sha256(Sha256Hex(content));
    return file;
  }

  Result<v1::Submission> Submit(const CallContext& user, int64_t lab_id = kLabId,
                                std::vector<v1::UploadedFileRef> files = {}) {
    v1::CreateSubmissionRequest request;
    request.set_lab_id(lab_id);
    request.set_text("# My answer\n\n$x^2$");
    for (v1::UploadedFileRef& file : files) {
      *request.add_files() = std::move(file);
    }
    return submissions_->CreateSubmission(request, user);
  }

  Result<v1::Submission> SubmitWithCopy(const CallContext& user, int64_t copy_id,
                                        std::vector<v1::UploadedFileRef> files = {}) {
    v1::CreateSubmissionRequest request;
    request.set_lab_id(kLabId);
    request.set_text("# My answer");
    request.set_notebook_copy_id(copy_id);
    for (v1::UploadedFileRef& file : files) {
      *request.add_files() = std::move(file);
    }
    return submissions_->CreateSubmission(request, user);
  }

  // The content of a submission file, read as the learner.
  std::string FileContent(const CallContext& user, int64_t submission_id, int64_t file_id) {
    v1::GetSubmissionFileRequest request;
    request.set_submission_id(submission_id);
    request.set_file_id(file_id);
    Result<v1::StoredFile> file = submissions_->GetSubmissionFile(request, user);
    EXPECT_TRUE(file) << file.error().message;
    if (!file) {
      return {};
    }
    Result<std::string> content = blobs_->Get(file->blob_key());
    EXPECT_TRUE(content) << content.error().message;
    return content.value_or("");
  }

  Result<v1::Claim> Claim(const CallContext& user, int64_t submission_id) {
    v1::ClaimRequest request;
    request.set_submission_id(submission_id);
    return submissions_->ClaimSubmission(request, user);
  }

  Result<v1::CreateReviewResponse> Review(const CallContext& user, int64_t submission_id,
                                          const std::string& verdict, int score,
                                          std::vector<v1::UploadedFileRef> files = {}) {
    v1::CreateReviewRequest request;
    request.set_submission_id(submission_id);
    request.set_content("Clear derivation; check step 3.");
    request.set_verdict(verdict);
    request.set_score(score);
    for (v1::UploadedFileRef& file : files) {
      *request.add_files() = std::move(file);
    }
    return reviews_->CreateReview(request, user);
  }

  // Claims and reviews in one step.
  Result<v1::CreateReviewResponse> ClaimAndReview(const CallContext& user, int64_t submission_id,
                                                  const std::string& verdict, int score) {
    Result<v1::Claim> claim = Claim(user, submission_id);
    if (!claim) {
      return Fail(claim.error());
    }
    return Review(user, submission_id, verdict, score);
  }

  Result<v1::Submission> Get(const CallContext& user, int64_t id) {
    v1::GetSubmissionRequest request;
    request.set_id(id);
    return submissions_->GetSubmission(request, user);
  }

  long long CountRows(const std::string& table) {
    long long count = -1;
    EXPECT_TRUE(database_->WithSession<int>([&](soci::session& session) -> Result<int> {
      session << "SELECT COUNT(*) FROM " + table, soci::into(count);
      return 0;
    }));
    return count;
  }

  // A user whose submission to the lab has been accepted, so that they may review it.
  CallContext Graduate(const std::string& username) {
    CallContext user = Create(username);
    Result<v1::Submission> submission = Submit(user);
    EXPECT_TRUE(submission);
    EXPECT_TRUE(ClaimAndReview(author_, submission->id(), "accept", 90));
    return user;
  }

  std::unique_ptr<Database> database_;
  std::filesystem::path blob_root_;
  std::unique_ptr<storage::BlobStore> blobs_;
  std::unique_ptr<users::UsersService> users_;
  FakeLabs labs_;
  FakeNotebookCopies notebook_copies_;
  std::atomic<int64_t> now_{1'000'000};
  std::unique_ptr<SubmissionsService> submissions_;
  std::unique_ptr<feedback::ReviewsService> reviews_;
  CallContext learner_;
  CallContext author_;
  CallContext stranger_;
  CallContext moderator_;
};

TEST_P(SubmissionsServiceTest, WholeLoopMovesPointsAndAccepts) {
  Result<v1::Submission> submission = Submit(learner_, kLabId, {Upload("print(1)", "a.py")});
  ASSERT_TRUE(submission) << submission.error().message;
  EXPECT_EQ(submission->status(), "submitted");
  EXPECT_EQ(submission->files_size(), 1);
  EXPECT_EQ(Balance(learner_), 9);
  EXPECT_EQ(labs_.Recorded(kLabId), 1);

  Result<v1::Claim> claim = Claim(author_, submission->id());
  ASSERT_TRUE(claim) << claim.error().message;
  EXPECT_EQ(claim->expires_at(), now_.load() + kLeaseMillis);
  EXPECT_EQ(Get(learner_, submission->id())->status(), "in_review");

  Result<v1::CreateReviewResponse> review =
      Review(author_, submission->id(), "accept", 85, {Upload("notes", "notes.md")});
  ASSERT_TRUE(review) << review.error().message;
  EXPECT_EQ(review->points_earned(), 3);
  EXPECT_EQ(review->review().files_size(), 1);
  EXPECT_EQ(review->submission().status(), "accepted");
  EXPECT_EQ(review->submission().final_score(), 85);
  EXPECT_EQ(Balance(author_), 13);
  EXPECT_EQ(Balance(learner_), 9);
  EXPECT_EQ(Profile(learner_).labs_solved(), 1);
  EXPECT_EQ(Profile(author_).labs_reviewed(), 1);

  Result<v1::Submission> decided = Get(learner_, submission->id());
  ASSERT_TRUE(decided);
  EXPECT_EQ(decided->status(), "accepted");
  Result<int64_t> count = submissions_->CountForLab(kLabId);
  ASSERT_TRUE(count);
  EXPECT_EQ(*count, 1);
}

TEST_P(SubmissionsServiceTest, TooFewPointsStoresNothing) {
  v1::PointsChangeRequest drain;
  drain.set_user_id(learner_.user_id);
  drain.set_amount(10);
  drain.set_reason("test");
  drain.set_idempotency_key("drain");
  ASSERT_TRUE(users_->SpendPoints(drain));

  Result<v1::Submission> submission = Submit(learner_, kLabId, {Upload("x", "a.txt")});
  ASSERT_FALSE(submission);
  EXPECT_EQ(submission.error().code, ErrorCode::kPaymentRequired);
  EXPECT_NE(submission.error().message.find("enough points"), std::string::npos);
  EXPECT_EQ(CountRows("submissions"), 0);
  EXPECT_EQ(CountRows("submission_files"), 0);
  EXPECT_EQ(Balance(learner_), 0);
  EXPECT_EQ(labs_.Recorded(kLabId), 0);
}

TEST_P(SubmissionsServiceTest, SubmitRulesForLabs) {
  Result<v1::Submission> own = Submit(author_);
  ASSERT_FALSE(own);
  EXPECT_EQ(own.error().code, ErrorCode::kPermissionDenied);

  labs_.Add(8, author_.user_id, /*archived=*/true);
  Result<v1::Submission> archived = Submit(learner_, 8);
  ASSERT_FALSE(archived);
  EXPECT_EQ(archived.error().code, ErrorCode::kFailedPrecondition);

  Result<v1::Submission> missing = Submit(learner_, 999);
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, ErrorCode::kNotFound);

  Result<v1::Submission> anonymous = Submit(CallContext{});
  ASSERT_FALSE(anonymous);
  EXPECT_EQ(anonymous.error().code, ErrorCode::kUnauthenticated);
  EXPECT_EQ(Balance(learner_), 10);
  EXPECT_EQ(Balance(author_), 10);
}

TEST_P(SubmissionsServiceTest, InvalidFieldsAreRejected) {
  v1::CreateSubmissionRequest request;
  request.set_lab_id(kLabId);
  request.set_text(std::string(100'001, 'a'));
  Result<v1::Submission> too_long = submissions_->CreateSubmission(request, learner_);
  ASSERT_FALSE(too_long);
  EXPECT_EQ(too_long.error().code, ErrorCode::kValidationFailed);

  request.set_text("ok");
  for (int i = 0; i < 11; ++i) {
    *request.add_files() = Upload("x", "f.txt");
  }
  Result<v1::Submission> too_many = submissions_->CreateSubmission(request, learner_);
  ASSERT_FALSE(too_many);
  EXPECT_EQ(too_many.error().code, ErrorCode::kValidationFailed);

  request.clear_files();
  v1::UploadedFileRef outside = Upload("x", "f.txt");
  outside.set_blob_key("labs/1/assets/x");
  *request.add_files() = outside;
  Result<v1::Submission> foreign_key = submissions_->CreateSubmission(request, learner_);
  ASSERT_FALSE(foreign_key);
  EXPECT_EQ(foreign_key.error().code, ErrorCode::kValidationFailed);
  EXPECT_EQ(Balance(learner_), 10);
}

TEST_P(SubmissionsServiceTest, ResubmitOnlyAfterRejection) {
  Result<v1::Submission> first = Submit(learner_);
  ASSERT_TRUE(first);
  Result<v1::Submission> pending = Submit(learner_);
  ASSERT_FALSE(pending);
  EXPECT_EQ(pending.error().code, ErrorCode::kAlreadyExists);
  EXPECT_EQ(Balance(learner_), 9);

  ASSERT_TRUE(ClaimAndReview(author_, first->id(), "reject", 20));
  EXPECT_EQ(Get(learner_, first->id())->status(), "rejected");
  Result<v1::Submission> second = Submit(learner_);
  ASSERT_TRUE(second) << second.error().message;
  EXPECT_EQ(Balance(learner_), 8);

  ASSERT_TRUE(ClaimAndReview(author_, second->id(), "accept", 80));
  Result<v1::Submission> after_accept = Submit(learner_);
  ASSERT_FALSE(after_accept);
  EXPECT_EQ(after_accept.error().code, ErrorCode::kAlreadyExists);
  EXPECT_EQ(Balance(learner_), 8);
}

TEST_P(SubmissionsServiceTest, ExportPagesWithReviewers) {
  Result<v1::Submission> rejected = Submit(learner_);
  ASSERT_TRUE(rejected);
  ASSERT_TRUE(ClaimAndReview(author_, rejected->id(), "reject", 20));
  Result<v1::Submission> accepted = Submit(learner_);
  ASSERT_TRUE(accepted);
  ASSERT_TRUE(ClaimAndReview(author_, accepted->id(), "accept", 80));
  Result<v1::Submission> withdrawn = Submit(stranger_);
  ASSERT_TRUE(withdrawn);
  v1::DeleteSubmissionRequest remove;
  remove.set_id(withdrawn->id());
  ASSERT_TRUE(submissions_->DeleteSubmission(remove, stranger_));
  Result<v1::Submission> open = Submit(moderator_);
  ASSERT_TRUE(open);
  Result<v1::SubmissionsVersion> before_review = submissions_->GetSubmissionsVersion({});
  ASSERT_TRUE(before_review);

  v1::ExportSubmissionsRequest request;
  request.set_limit(2);
  request.set_max_text_chars(11);
  std::vector<v1::SubmissionActivity> items;
  int pages = 0;
  do {
    Result<v1::ExportSubmissionsResponse> page = submissions_->ExportSubmissions(request);
    ASSERT_TRUE(page) << page.error().message;
    ++pages;
    items.insert(items.end(), page->items().begin(), page->items().end());
    request.set_after_id(page->next_after_id());
  } while (request.after_id() != 0 && pages < 10);
  ASSERT_EQ(items.size(), 3u);
  EXPECT_EQ(items[0].id(), rejected->id());
  EXPECT_EQ(items[0].status(), "rejected");
  EXPECT_EQ(items[0].learner_id(), learner_.user_id);
  EXPECT_EQ(items[0].lab_id(), kLabId);
  EXPECT_EQ(items[0].text(), "# My answer");
  ASSERT_EQ(items[0].reviewer_ids_size(), 1);
  EXPECT_EQ(items[0].reviewer_ids(0), author_.user_id);
  EXPECT_EQ(items[1].id(), accepted->id());
  EXPECT_EQ(items[1].status(), "accepted");
  EXPECT_EQ(items[2].id(), open->id());
  EXPECT_TRUE(items[2].reviewer_ids().empty());

  ASSERT_TRUE(ClaimAndReview(author_, open->id(), "accept", 90));
  Result<v1::SubmissionsVersion> after_review = submissions_->GetSubmissionsVersion({});
  ASSERT_TRUE(after_review);
  EXPECT_NE(after_review->version(), before_review->version());

  request.set_after_id(0);
  request.set_max_text_chars(-1);
  Result<v1::ExportSubmissionsResponse> invalid = submissions_->ExportSubmissions(request);
  ASSERT_FALSE(invalid);
  EXPECT_EQ(invalid.error().code, ErrorCode::kValidationFailed);
}

TEST_P(SubmissionsServiceTest, ConcurrentSubmitsChargeOnce) {
  constexpr int kThreads = 6;
  std::atomic<int> created{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back([&] {
      Result<v1::Submission> submission = Submit(learner_);
      if (submission) {
        ++created;
        return;
      }
      EXPECT_EQ(submission.error().code, ErrorCode::kAlreadyExists);
    });
  }
  for (std::thread& thread : threads) {
    thread.join();
  }
  EXPECT_EQ(created.load(), 1);
  EXPECT_EQ(Balance(learner_), 9);
  EXPECT_EQ(CountRows("submissions"), 1);
}

TEST_P(SubmissionsServiceTest, DeleteUnreviewedRefunds) {
  v1::UploadedFileRef file = Upload("answer", "a.txt");
  const std::string key = file.blob_key();
  Result<v1::Submission> submission = Submit(learner_, kLabId, {file});
  ASSERT_TRUE(submission);
  ASSERT_TRUE(Claim(author_, submission->id()));
  EXPECT_EQ(Balance(learner_), 9);

  v1::DeleteSubmissionRequest request;
  request.set_id(submission->id());
  Result<v1::DeleteSubmissionResponse> by_author = submissions_->DeleteSubmission(request, author_);
  ASSERT_FALSE(by_author);
  EXPECT_EQ(by_author.error().code, ErrorCode::kPermissionDenied);
  Result<v1::DeleteSubmissionResponse> by_stranger =
      submissions_->DeleteSubmission(request, stranger_);
  ASSERT_FALSE(by_stranger);
  EXPECT_EQ(by_stranger.error().code, ErrorCode::kNotFound);

  ASSERT_TRUE(submissions_->DeleteSubmission(request, learner_));
  EXPECT_EQ(Balance(learner_), 10);
  EXPECT_EQ(CountRows("submissions"), 0);
  EXPECT_EQ(CountRows("submission_files"), 0);
  EXPECT_FALSE(blobs_->Stat(key));

  Result<v1::DeleteSubmissionResponse> again = submissions_->DeleteSubmission(request, learner_);
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().code, ErrorCode::kNotFound);
  EXPECT_EQ(Balance(learner_), 10);
}

TEST_P(SubmissionsServiceTest, DeleteReviewedIsRefused) {
  StartServices(2);
  Result<v1::Submission> submission = Submit(learner_);
  ASSERT_TRUE(submission);
  ASSERT_TRUE(ClaimAndReview(author_, submission->id(), "accept", 70));

  v1::DeleteSubmissionRequest request;
  request.set_id(submission->id());
  Result<v1::DeleteSubmissionResponse> deleted = submissions_->DeleteSubmission(request, learner_);
  ASSERT_FALSE(deleted);
  EXPECT_EQ(deleted.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_EQ(Balance(learner_), 9);
  EXPECT_TRUE(Get(learner_, submission->id()));
}

TEST_P(SubmissionsServiceTest, ExpiredLeaseReturnsToQueue) {
  const CallContext graduate = Graduate("graduate");
  Result<v1::Submission> submission = Submit(learner_);
  ASSERT_TRUE(submission);

  ASSERT_TRUE(Claim(author_, submission->id()));
  Result<v1::Claim> taken = Claim(graduate, submission->id());
  ASSERT_FALSE(taken);
  EXPECT_EQ(taken.error().code, ErrorCode::kAlreadyExists);
  Result<v1::ReviewQueueResponse> queue = submissions_->ReviewQueue({}, graduate);
  ASSERT_TRUE(queue);
  EXPECT_EQ(queue->total(), 0);

  now_ += kLeaseMillis + 1;
  queue = submissions_->ReviewQueue({}, graduate);
  ASSERT_TRUE(queue);
  ASSERT_EQ(queue->total(), 1);
  EXPECT_EQ(queue->items(0).submission_id(), submission->id());
  EXPECT_EQ(Get(learner_, submission->id())->status(), "submitted");

  ASSERT_TRUE(Claim(graduate, submission->id()));
  Result<v1::CreateReviewResponse> late = Review(author_, submission->id(), "accept", 90);
  ASSERT_FALSE(late);
  EXPECT_EQ(late.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_EQ(CountRows("reviews"), 1);  // the graduate's own submission's review only
  ASSERT_TRUE(Review(graduate, submission->id(), "accept", 90));
}

TEST_P(SubmissionsServiceTest, ReleaseReturnsToQueue) {
  Result<v1::Submission> submission = Submit(learner_);
  ASSERT_TRUE(submission);
  ASSERT_TRUE(Claim(author_, submission->id()));
  v1::ClaimRequest release;
  release.set_submission_id(submission->id());
  Result<v1::Claim> by_learner = submissions_->ReleaseClaim(release, learner_);
  ASSERT_FALSE(by_learner);
  EXPECT_EQ(by_learner.error().code, ErrorCode::kFailedPrecondition);
  ASSERT_TRUE(submissions_->ReleaseClaim(release, author_));
  EXPECT_EQ(Get(learner_, submission->id())->status(), "submitted");
  ASSERT_TRUE(Claim(moderator_, submission->id()));
}

TEST_P(SubmissionsServiceTest, QueueListsEligibleOldestFirst) {
  labs_.Add(9, stranger_.user_id);
  Result<v1::Submission> first = Submit(learner_);
  now_ += 1000;
  const CallContext second_learner = Create("second");
  Result<v1::Submission> second = Submit(second_learner);
  Result<v1::Submission> other_lab = Submit(learner_, 9);
  ASSERT_TRUE(first);
  ASSERT_TRUE(second);
  ASSERT_TRUE(other_lab);

  Result<v1::ReviewQueueResponse> for_author = submissions_->ReviewQueue({}, author_);
  ASSERT_TRUE(for_author);
  ASSERT_EQ(for_author->total(), 2);
  EXPECT_EQ(for_author->items(0).submission_id(), first->id());
  EXPECT_EQ(for_author->items(1).submission_id(), second->id());

  v1::ReviewQueueRequest page;
  page.set_limit(1);
  page.set_page(2);
  Result<v1::ReviewQueueResponse> paged = submissions_->ReviewQueue(page, author_);
  ASSERT_TRUE(paged);
  EXPECT_EQ(paged->total(), 2);
  ASSERT_EQ(paged->items_size(), 1);
  EXPECT_EQ(paged->items(0).submission_id(), second->id());

  Result<v1::ReviewQueueResponse> for_moderator = submissions_->ReviewQueue({}, moderator_);
  ASSERT_TRUE(for_moderator);
  EXPECT_EQ(for_moderator->total(), 3);
  Result<v1::ReviewQueueResponse> for_learner = submissions_->ReviewQueue({}, learner_);
  ASSERT_TRUE(for_learner);
  EXPECT_EQ(for_learner->total(), 0);
}

// may_claim follows the checks of ClaimSubmission. For every reader in this test, it is true
// exactly when a claim by that reader succeeds, because no other reviewer has a claim.
TEST_P(SubmissionsServiceTest, MayClaimMatchesClaimChecks) {
  const CallContext graduate = Graduate("peer");
  Result<v1::Submission> submitted = Submit(learner_);
  ASSERT_TRUE(submitted) << submitted.error().message;
  const int64_t id = submitted->id();
  EXPECT_FALSE(submitted->may_claim()) << "the submitter's own create response";

  Result<v1::Submission> by_learner = Get(learner_, id);
  ASSERT_TRUE(by_learner);
  EXPECT_FALSE(by_learner->may_claim());
  Result<v1::Claim> learner_claim = Claim(learner_, id);
  ASSERT_FALSE(learner_claim);
  EXPECT_EQ(learner_claim.error().code, ErrorCode::kPermissionDenied);

  Result<v1::Submission> by_author = Get(author_, id);
  ASSERT_TRUE(by_author);
  EXPECT_TRUE(by_author->may_claim());
  Result<v1::Submission> by_moderator = Get(moderator_, id);
  ASSERT_TRUE(by_moderator);
  EXPECT_TRUE(by_moderator->may_claim());

  // A user who never solved the lab cannot read the submission, and a claim returns the same.
  Result<v1::Submission> by_stranger = Get(stranger_, id);
  ASSERT_FALSE(by_stranger);
  EXPECT_EQ(by_stranger.error().code, ErrorCode::kNotFound);
  Result<v1::Claim> stranger_claim = Claim(stranger_, id);
  ASSERT_FALSE(stranger_claim);
  EXPECT_EQ(stranger_claim.error().code, ErrorCode::kNotFound);

  // An eligible peer reads the submission once they hold the claim, and may renew it.
  Result<v1::Submission> peer_before = Get(graduate, id);
  ASSERT_FALSE(peer_before);
  EXPECT_EQ(peer_before.error().code, ErrorCode::kNotFound);
  ASSERT_TRUE(Claim(graduate, id));
  Result<v1::Submission> by_peer = Get(graduate, id);
  ASSERT_TRUE(by_peer);
  EXPECT_EQ(by_peer->status(), "in_review");
  EXPECT_TRUE(by_peer->may_claim());

  // After the peer's review decides it, no reader may claim it.
  ASSERT_TRUE(Review(graduate, id, "accept", 80));
  Result<v1::Submission> peer_after = Get(graduate, id);
  ASSERT_TRUE(peer_after);
  EXPECT_EQ(peer_after->status(), "accepted");
  EXPECT_FALSE(peer_after->may_claim());
  Result<v1::Submission> author_after = Get(author_, id);
  ASSERT_TRUE(author_after);
  EXPECT_FALSE(author_after->may_claim());
  Result<v1::Claim> author_claim = Claim(author_, id);
  ASSERT_FALSE(author_claim);
  EXPECT_EQ(author_claim.error().code, ErrorCode::kFailedPrecondition);
}

// With two reviews required, a reviewer who has reviewed may not claim again, but another may.
TEST_P(SubmissionsServiceTest, MayClaimFalseAfterOwnReview) {
  StartServices(2);
  Result<v1::Submission> submitted = Submit(learner_);
  ASSERT_TRUE(submitted);
  const int64_t id = submitted->id();
  ASSERT_TRUE(ClaimAndReview(author_, id, "accept", 70));

  Result<v1::Submission> by_author = Get(author_, id);
  ASSERT_TRUE(by_author);
  EXPECT_EQ(by_author->status(), "submitted");
  EXPECT_FALSE(by_author->may_claim());
  Result<v1::Claim> again = Claim(author_, id);
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().code, ErrorCode::kFailedPrecondition);

  Result<v1::Submission> by_moderator = Get(moderator_, id);
  ASSERT_TRUE(by_moderator);
  EXPECT_TRUE(by_moderator->may_claim());
  EXPECT_TRUE(Claim(moderator_, id));
}

TEST_P(SubmissionsServiceTest, WritesRejectUsersNotAllowed) {
  Result<v1::Submission> submission = Submit(learner_);
  ASSERT_TRUE(submission);

  Result<v1::Claim> by_stranger = Claim(stranger_, submission->id());
  ASSERT_FALSE(by_stranger);
  EXPECT_EQ(by_stranger.error().code, ErrorCode::kNotFound);
  Result<v1::Claim> by_learner = Claim(learner_, submission->id());
  ASSERT_FALSE(by_learner);
  EXPECT_EQ(by_learner.error().code, ErrorCode::kPermissionDenied);
  Result<v1::Claim> anonymous = Claim(CallContext{}, submission->id());
  ASSERT_FALSE(anonymous);
  EXPECT_EQ(anonymous.error().code, ErrorCode::kUnauthenticated);

  Result<v1::CreateReviewResponse> unclaimed = Review(author_, submission->id(), "accept", 50);
  ASSERT_FALSE(unclaimed);
  EXPECT_EQ(unclaimed.error().code, ErrorCode::kFailedPrecondition);
  Result<v1::CreateReviewResponse> by_self = Review(learner_, submission->id(), "accept", 100);
  ASSERT_FALSE(by_self);
  EXPECT_EQ(by_self.error().code, ErrorCode::kPermissionDenied);
  Result<v1::CreateReviewResponse> stranger_review =
      Review(stranger_, submission->id(), "accept", 50);
  ASSERT_FALSE(stranger_review);
  EXPECT_EQ(stranger_review.error().code, ErrorCode::kNotFound);

  v1::ListSubmissionsRequest list;
  list.set_lab_id(kLabId);
  Result<v1::ListSubmissionsResponse> lab_list = submissions_->ListForLab(list, stranger_);
  ASSERT_FALSE(lab_list);
  EXPECT_EQ(lab_list.error().code, ErrorCode::kPermissionDenied);
  Result<v1::ListSubmissionsResponse> author_list = submissions_->ListForLab(list, author_);
  ASSERT_TRUE(author_list);
  EXPECT_EQ(author_list->total(), 1);

  Result<v1::CreateReviewResponse> review = ClaimAndReview(author_, submission->id(), "accept", 60);
  ASSERT_TRUE(review);
  v1::RateReviewRequest rate;
  rate.set_review_id(review->review().id());
  rate.set_rating(4);
  Result<v1::Review> by_reviewer = reviews_->RateReview(rate, author_);
  ASSERT_FALSE(by_reviewer);
  EXPECT_EQ(by_reviewer.error().code, ErrorCode::kPermissionDenied);
  Result<v1::Review> rated_by_stranger = reviews_->RateReview(rate, stranger_);
  ASSERT_FALSE(rated_by_stranger);
  EXPECT_EQ(rated_by_stranger.error().code, ErrorCode::kNotFound);
  EXPECT_EQ(Balance(stranger_), 10);
  EXPECT_EQ(Balance(author_), 13);
}

TEST_P(SubmissionsServiceTest, PrivateFilesOnlyForAllowedReaders) {
  Result<v1::Submission> submission = Submit(learner_, kLabId, {Upload("secret", "a.txt")});
  ASSERT_TRUE(submission);
  const int64_t file_id = submission->files(0).id();
  const CallContext graduate = Graduate("graduate");
  Result<v1::CreateReviewResponse> review = Review(author_, submission->id(), "accept", 10);
  ASSERT_FALSE(review);  // not claimed yet
  ASSERT_TRUE(Claim(author_, submission->id()));
  review = Review(author_, submission->id(), "accept", 70, {Upload("feedback", "r.txt")});
  ASSERT_TRUE(review);
  const int64_t review_file_id = review->review().files(0).id();

  v1::GetSubmissionFileRequest file;
  file.set_submission_id(submission->id());
  file.set_file_id(file_id);
  v1::GetReviewFileRequest attachment;
  attachment.set_review_id(review->review().id());
  attachment.set_file_id(review_file_id);
  for (const CallContext& allowed : {learner_, author_, moderator_}) {
    Result<v1::StoredFile> stored = submissions_->GetSubmissionFile(file, allowed);
    ASSERT_TRUE(stored) << allowed.username;
    EXPECT_EQ(blobs_->Get(stored->blob_key()).value_or(""), "secret");
    Result<v1::StoredFile> attached = reviews_->GetReviewFile(attachment, allowed);
    ASSERT_TRUE(attached) << allowed.username;
    EXPECT_EQ(attached->filename(), "r.txt");
    EXPECT_TRUE(Get(allowed, submission->id())) << allowed.username;
  }
  for (const CallContext& denied : {stranger_, graduate}) {
    Result<v1::StoredFile> stored = submissions_->GetSubmissionFile(file, denied);
    ASSERT_FALSE(stored) << denied.username;
    EXPECT_EQ(stored.error().code, ErrorCode::kNotFound);
    Result<v1::StoredFile> attached = reviews_->GetReviewFile(attachment, denied);
    ASSERT_FALSE(attached) << denied.username;
    EXPECT_EQ(attached.error().code, ErrorCode::kNotFound);
    Result<v1::Submission> read = Get(denied, submission->id());
    ASSERT_FALSE(read) << denied.username;
    EXPECT_EQ(read.error().code, ErrorCode::kNotFound);
  }
  // Anonymous callers are asked to sign in, as on every other private resource.
  const CallContext anonymous;
  Result<v1::StoredFile> anonymous_file = submissions_->GetSubmissionFile(file, anonymous);
  ASSERT_FALSE(anonymous_file);
  EXPECT_EQ(anonymous_file.error().code, ErrorCode::kUnauthenticated);
  Result<v1::StoredFile> anonymous_attachment = reviews_->GetReviewFile(attachment, anonymous);
  ASSERT_FALSE(anonymous_attachment);
  EXPECT_EQ(anonymous_attachment.error().code, ErrorCode::kUnauthenticated);
  Result<v1::Submission> anonymous_read = Get(anonymous, submission->id());
  ASSERT_FALSE(anonymous_read);
  EXPECT_EQ(anonymous_read.error().code, ErrorCode::kUnauthenticated);
  file.set_file_id(file_id + 1000);
  EXPECT_FALSE(submissions_->GetSubmissionFile(file, learner_));
}

TEST_P(SubmissionsServiceTest, RacingClaimsHaveOneWinner) {
  const CallContext graduate = Graduate("graduate");
  Result<v1::Submission> submission = Submit(learner_);
  ASSERT_TRUE(submission);
  const std::vector<CallContext> reviewers = {author_, graduate, moderator_};
  std::vector<bool> claimed(reviewers.size());
  std::vector<std::thread> threads;
  for (size_t i = 0; i < reviewers.size(); ++i) {
    threads.emplace_back([&, i] {
      Result<v1::Claim> claim = Claim(reviewers[i], submission->id());
      claimed[i] = claim.has_value();
      if (!claim) {
        EXPECT_EQ(claim.error().code, ErrorCode::kAlreadyExists) << claim.error().internal;
      }
    });
  }
  for (std::thread& thread : threads) {
    thread.join();
  }
  EXPECT_EQ(std::count(claimed.begin(), claimed.end(), true), 1);
}

TEST_P(SubmissionsServiceTest, RacingReviewsEarnOnce) {
  const CallContext graduate = Graduate("graduate");
  const int64_t graduate_balance = Balance(graduate);
  const int64_t author_balance = Balance(author_);
  Result<v1::Submission> submission = Submit(learner_);
  ASSERT_TRUE(submission);
  ASSERT_TRUE(Claim(author_, submission->id()));

  // The claim holder sends the same review four times while the other reviewer tries too.
  const std::vector<CallContext> senders = {author_, author_, author_, author_, graduate};
  std::atomic<int> stored{0};
  std::vector<std::thread> threads;
  for (const CallContext& sender : senders) {
    threads.emplace_back([&, sender] {
      Result<v1::CreateReviewResponse> review = Review(sender, submission->id(), "accept", 75);
      if (review) {
        ++stored;
        return;
      }
      EXPECT_TRUE(review.error().code == ErrorCode::kAlreadyExists ||
                  review.error().code == ErrorCode::kFailedPrecondition)
          << review.error().message << review.error().internal;
    });
  }
  for (std::thread& thread : threads) {
    thread.join();
  }
  EXPECT_EQ(stored.load(), 1);
  EXPECT_EQ(Balance(author_), author_balance + 3);
  EXPECT_EQ(Balance(graduate), graduate_balance);
  v1::ListReviewsRequest list;
  list.set_submission_id(submission->id());
  Result<v1::ListReviewsResponse> reviews = reviews_->ListReviews(list, learner_);
  ASSERT_TRUE(reviews);
  EXPECT_EQ(reviews->items_size(), 1);
  EXPECT_EQ(Get(learner_, submission->id())->reviews_count(), 1);
}

TEST_P(SubmissionsServiceTest, ThreeReviewsAggregateByMajority) {
  StartServices(3);
  const CallContext graduate = Create("graduate");
  // With three required reviews, the graduate's own submission needs three reviewers too.
  Result<v1::Submission> earlier = Submit(graduate);
  ASSERT_TRUE(earlier);
  ASSERT_TRUE(ClaimAndReview(author_, earlier->id(), "accept", 90));
  ASSERT_TRUE(ClaimAndReview(moderator_, earlier->id(), "accept", 80));
  const CallContext second_moderator = Create("moderator2", "moderator");
  ASSERT_TRUE(ClaimAndReview(second_moderator, earlier->id(), "reject", 30));
  ASSERT_EQ(Get(graduate, earlier->id())->status(), "accepted");

  Result<v1::Submission> submission = Submit(learner_);
  ASSERT_TRUE(submission);
  Result<v1::CreateReviewResponse> first = ClaimAndReview(author_, submission->id(), "accept", 40);
  ASSERT_TRUE(first);
  EXPECT_EQ(first->submission().status(), "submitted");
  EXPECT_EQ(first->submission().reviews_count(), 1);
  ASSERT_TRUE(ClaimAndReview(graduate, submission->id(), "reject", 90));
  Result<v1::Claim> again = Claim(author_, submission->id());
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().code, ErrorCode::kFailedPrecondition);
  Result<v1::CreateReviewResponse> last =
      ClaimAndReview(moderator_, submission->id(), "accept", 70);
  ASSERT_TRUE(last);
  EXPECT_EQ(last->submission().status(), "accepted");
  EXPECT_EQ(last->submission().final_score(), 70);
  EXPECT_EQ(Profile(learner_).labs_solved(), 1);

  Result<v1::Claim> after = Claim(second_moderator, submission->id());
  ASSERT_FALSE(after);
  EXPECT_EQ(after.error().code, ErrorCode::kFailedPrecondition);
}

TEST_P(SubmissionsServiceTest, RatingOnceBuildsReputation) {
  Result<v1::Submission> submission = Submit(learner_);
  ASSERT_TRUE(submission);
  Result<v1::CreateReviewResponse> review = ClaimAndReview(author_, submission->id(), "reject", 30);
  ASSERT_TRUE(review);

  v1::RateReviewRequest rate;
  rate.set_review_id(review->review().id());
  rate.set_rating(6);
  Result<v1::Review> invalid = reviews_->RateReview(rate, learner_);
  ASSERT_FALSE(invalid);
  EXPECT_EQ(invalid.error().code, ErrorCode::kValidationFailed);
  rate.set_rating(4);
  Result<v1::Review> rated = reviews_->RateReview(rate, learner_);
  ASSERT_TRUE(rated);
  EXPECT_EQ(rated->helpfulness(), 4);
  Result<v1::Review> twice = reviews_->RateReview(rate, learner_);
  ASSERT_FALSE(twice);
  EXPECT_EQ(twice.error().code, ErrorCode::kAlreadyExists);

  Result<v1::Submission> retry = Submit(learner_);
  ASSERT_TRUE(retry);
  Result<v1::CreateReviewResponse> second = ClaimAndReview(author_, retry->id(), "accept", 80);
  ASSERT_TRUE(second);
  rate.set_review_id(second->review().id());
  rate.set_rating(5);
  ASSERT_TRUE(reviews_->RateReview(rate, learner_));

  v1::GetReputationRequest get;
  get.set_user_id(author_.user_id);
  Result<v1::Reputation> reputation = reviews_->GetReputation(get);
  ASSERT_TRUE(reputation);
  EXPECT_EQ(reputation->ratings_count(), 2);
  EXPECT_DOUBLE_EQ(reputation->average_helpfulness(), 4.5);
  get.set_user_id(stranger_.user_id);
  EXPECT_EQ(reviews_->GetReputation(get)->ratings_count(), 0);
}

TEST_P(SubmissionsServiceTest, NotebookCopyAttachedAsSnapshot) {
  const std::string source = "import marimo\napp = marimo.App()\n";
  notebook_copies_.Put(31, {learner_.user_id, kLabId, source});
  Result<v1::Submission> submission = SubmitWithCopy(learner_, 31, {Upload("notes", "a.txt")});
  ASSERT_TRUE(submission) << submission.error().message;
  ASSERT_EQ(submission->files_size(), 2);
  const v1::SubmissionFile& snapshot = submission->files(1);
  EXPECT_EQ(snapshot.filename(), "copy.py");
  EXPECT_EQ(snapshot.notebook_copy_id(), 31);
  EXPECT_EQ(snapshot.content_type(), "text/x-python");
  EXPECT_EQ(snapshot.size(), static_cast<int64_t>(source.size()));
  EXPECT_EQ(snapshot.sha256(), Sha256Hex(source));
  EXPECT_EQ(submission->files(0).notebook_copy_id(), 0);
  EXPECT_EQ(Balance(learner_), 9);

  // Edits of the copy after submitting leave the submitted snapshot as it was.
  notebook_copies_.Put(31, {learner_.user_id, kLabId, source + "# edited later\n"});
  EXPECT_EQ(FileContent(learner_, submission->id(), snapshot.id()), source);
  EXPECT_EQ(FileContent(author_, submission->id(), snapshot.id()), source);
}

TEST_P(SubmissionsServiceTest, NotebookCopyChecksStoreNothing) {
  notebook_copies_.Put(41, {stranger_.user_id, kLabId, "import marimo\n"});
  notebook_copies_.Put(42, {learner_.user_id, kLabId + 1, "import marimo\n"});

  Result<v1::Submission> foreign = SubmitWithCopy(learner_, 41);
  ASSERT_FALSE(foreign);
  EXPECT_EQ(foreign.error().code, ErrorCode::kNotFound);
  Result<v1::Submission> other_lab = SubmitWithCopy(learner_, 42);
  ASSERT_FALSE(other_lab);
  EXPECT_EQ(other_lab.error().code, ErrorCode::kValidationFailed);
  Result<v1::Submission> missing = SubmitWithCopy(learner_, 43);
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, ErrorCode::kNotFound);
  Result<v1::Submission> negative = SubmitWithCopy(learner_, -1);
  ASSERT_FALSE(negative);
  EXPECT_EQ(negative.error().code, ErrorCode::kValidationFailed);

  EXPECT_EQ(Balance(learner_), 10);
  EXPECT_EQ(CountRows("submissions"), 0);
  EXPECT_EQ(CountRows("submission_files"), 0);
}

TEST_P(SubmissionsServiceTest, NotebookCopyCountsAsFile) {
  notebook_copies_.Put(51, {learner_.user_id, kLabId, "import marimo\n"});
  std::vector<v1::UploadedFileRef> files;
  for (int i = 0; i < 10; ++i) {
    files.push_back(Upload("x", "f" + std::to_string(i) + ".txt"));
  }
  Result<v1::Submission> submission = SubmitWithCopy(learner_, 51, files);
  ASSERT_FALSE(submission);
  EXPECT_EQ(submission.error().code, ErrorCode::kValidationFailed);
  files.pop_back();
  EXPECT_TRUE(SubmitWithCopy(learner_, 51, files));
}

TEST_P(SubmissionsServiceTest, DeletingRemovesNotebookSnapshot) {
  notebook_copies_.Put(61, {learner_.user_id, kLabId, "import marimo\n"});
  Result<v1::Submission> submission = SubmitWithCopy(learner_, 61);
  ASSERT_TRUE(submission) << submission.error().message;
  Result<std::vector<std::string>> before = blobs_->List("submissions/");
  ASSERT_TRUE(before);
  EXPECT_EQ(before->size(), 1u);

  v1::DeleteSubmissionRequest request;
  request.set_id(submission->id());
  ASSERT_TRUE(submissions_->DeleteSubmission(request, learner_));
  Result<std::vector<std::string>> after = blobs_->List("submissions/");
  ASSERT_TRUE(after);
  EXPECT_TRUE(after->empty());
}

TEST_P(SubmissionsServiceTest, ListMineNewestFirst) {
  labs_.Add(9, stranger_.user_id);
  Result<v1::Submission> first = Submit(learner_);
  Result<v1::Submission> second = Submit(learner_, 9);
  ASSERT_TRUE(first);
  ASSERT_TRUE(second);
  Result<v1::ListSubmissionsResponse> mine = submissions_->ListMine({}, learner_);
  ASSERT_TRUE(mine);
  EXPECT_EQ(mine->total(), 2);
  ASSERT_EQ(mine->items_size(), 2);
  EXPECT_EQ(mine->items(0).id(), second->id());
  EXPECT_TRUE(mine->items(0).text().empty());
  Result<v1::ListSubmissionsResponse> others = submissions_->ListMine({}, author_);
  ASSERT_TRUE(others);
  EXPECT_EQ(others->total(), 0);
}

INSTANTIATE_TEST_SUITE_P(Engines, SubmissionsServiceTest,
                         ::testing::ValuesIn(storage::TestDialects()),
                         [](const ::testing::TestParamInfo<Dialect>& info) {
                           return storage::DialectName(info.param);
                         });

}  // namespace
}  // namespace openlabs::submissions
