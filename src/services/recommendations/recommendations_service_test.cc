// Rankings on a small site with two communities: statistics learners and systems learners. The
// expected orders follow from who did what, the items' words and tags, and their popularity.
#include "services/recommendations/recommendations_service.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <map>
#include <set>
#include <thread>

#include "common/random.h"
#include "services/articles/articles_service.h"
#include "services/feedback/comments_service.h"
#include "services/labs/labs_service.h"
#include "services/search/search_index.h"
#include "services/submissions/submissions_service.h"
#include "services/users/users_service.h"
#include "storage/migrations.h"
#include "storage/test_database.h"

namespace openlabs::recommendations {
namespace {

using storage::Database;
using storage::Dialect;

constexpr long long kStatisticsAuthor = 100;
constexpr long long kSystemsAuthor = 200;
// Learners: 1 to 4 solved statistics labs, 5 and 6 systems labs.
constexpr long long kNewcomer = 12;
constexpr long long kRegressionLearner = 10;  // solved linear regression only
constexpr long long kShellLearner = 11;       // submitted the shell lab, not accepted yet
constexpr long long kKernelAuthor = 13;       // wrote a kernel lab and a comment on paging
constexpr long long kReviewer = 14;           // reviewed a linear regression submission

// The narrow adapters that the services take from each other. The recommender reads only
// through the services' bulk-read calls, so these only need to let the services be built.
class NoSubmissionCounter final : public labs::SubmissionCounter {
 public:
  Result<int64_t> CountForLab(int64_t /*lab_id*/) override { return 0; }
};

class NoLabDirectory final : public submissions::LabDirectory {
 public:
  Result<submissions::LabSummary> GetLab(int64_t /*lab_id*/) override {
    return Fail(Error::NotFound("The lab does not exist."));
  }
  Status RecordSubmission(int64_t /*lab_id*/) override { return {}; }
};

class AnyCommentTarget final : public feedback::CommentTargets {
 public:
  Status CheckTarget(std::string_view /*target_type*/, int64_t /*target_id*/) override {
    return {};
  }
};

// Counts the loads of the service-backed source, to show when the service reuses its model.
class CountingSource final : public ActivitySource {
 public:
  explicit CountingSource(std::unique_ptr<ActivitySource> inner) : inner_(std::move(inner)) {}
  Result<Activity> Load() override {
    ++loads;
    return inner_->Load();
  }
  Result<std::string> Version() override { return inner_->Version(); }
  std::atomic<int> loads = 0;  // a background rebuild loads on its own thread

 private:
  std::unique_ptr<ActivitySource> inner_;
};

class RecommendationsTest : public ::testing::TestWithParam<Dialect> {
 protected:
  void SetUp() override {
    const std::string url = storage::NewTestDatabaseUrl(GetParam());
    if (url.empty()) {
      GTEST_SKIP() << "OPENLABS_TEST_POSTGRES_URL is not set; run under scripts/with-postgres.sh";
    }
    Result<std::unique_ptr<Database>> opened = Database::Open(url, 2);
    ASSERT_TRUE(opened) << opened.error().internal;
    database_ = std::move(*opened);
    ASSERT_TRUE(storage::ApplyMigrations(*database_, "labs", LabsMigrations()));
    ASSERT_TRUE(storage::ApplyMigrations(*database_, "articles", ArticlesMigrations()));
    ASSERT_TRUE(storage::ApplyMigrations(*database_, "submissions", SubmissionsMigrations()));
    ASSERT_TRUE(storage::ApplyMigrations(*database_, "comments", CommentsMigrations()));
    ASSERT_TRUE(storage::ApplyMigrations(*database_, "users", UsersMigrations()));
    ASSERT_TRUE(storage::ApplyMigrations(*database_, "search", SearchMigrations()));
    blob_root_ = std::filesystem::temp_directory_path() / ("openlabs-recommendations-" + NewUuid());
    blobs_ = storage::MakeLocalBlobStore(blob_root_.string());
    search_ = search::MakeSearchIndex(*database_, {});
    users_ = users::MakeUsersService(*database_, {});
    labs_ = labs::MakeLabsService(*database_, *blobs_, nullptr, submission_counter_);
    articles_ = articles::MakeArticlesService(*database_, *blobs_, *search_, {});
    submissions_ =
        submissions::MakeSubmissionsService(*database_, *blobs_, *users_, lab_directory_, {});
    comments_ = feedback::MakeCommentsService(*database_, comment_targets_);
    ASSERT_NO_FATAL_FAILURE(BuildSite());
    auto source = std::make_unique<CountingSource>(
        MakeServiceActivitySource(*labs_, *articles_, *submissions_, *comments_));
    source_ = source.get();
    service_ = MakeRecommendationsService(std::move(source));
  }

  void TearDown() override {
    std::error_code ignored;
    std::filesystem::remove_all(blob_root_, ignored);
  }

  void Execute(const std::function<void(soci::session&)>& body) {
    Result<bool> done = database_->WithSession<bool>([&](soci::session& session) -> Result<bool> {
      body(session);
      return true;
    });
    ASSERT_TRUE(done) << done.error().internal;
  }

  long long AddLab(const std::string& title, const std::string& description,
                   const std::vector<std::string>& tags, long long author, long long submissions) {
    long long id = 0;
    const std::string body = "## " + title + "\n" + description;
    Execute([&](soci::session& session) {
      const long long now = ++clock_;
      session << "INSERT INTO labs (title, description, body, author_id, status, views, "
                 "submission_count, created_at, updated_at) VALUES (:title, :description, "
                 ":body, :author, 'published', 0, :submissions, :created, :updated)",
          soci::use(title), soci::use(description), soci::use(body), soci::use(author),
          soci::use(submissions), soci::use(now), soci::use(now);
      session << "SELECT id FROM labs WHERE title = :title", soci::use(title), soci::into(id);
      int position = 0;
      for (const std::string& tag : tags) {
        session << "INSERT INTO lab_tags (lab_id, tag, position) VALUES (:id, :tag, :position)",
            soci::use(id), soci::use(tag), soci::use(position);
        ++position;
      }
    });
    return id;
  }

  long long AddArticle(const std::string& title, const std::string& abstract,
                       const std::vector<std::string>& tags, long long uploader) {
    long long id = 0;
    Execute([&](soci::session& session) {
      const long long now = ++clock_;
      session << "INSERT INTO articles (title, abstract, authors, uploader_id, filename, "
                 "blob_key, size, sha256, page_count, views, created_at, updated_at) VALUES "
                 "(:title, :abstract, '[]', :uploader, 'a.pdf', 'articles/a', 1, 'x', 1, 0, "
                 ":created, :updated)",
          soci::use(title), soci::use(abstract), soci::use(uploader), soci::use(now),
          soci::use(now);
      session << "SELECT id FROM articles WHERE title = :title", soci::use(title), soci::into(id);
      int position = 0;
      for (const std::string& tag : tags) {
        session << "INSERT INTO article_tags (article_id, tag, position) VALUES (:id, :tag, "
                   ":position)",
            soci::use(id), soci::use(tag), soci::use(position);
        ++position;
      }
    });
    return id;
  }

  long long Submit(long long lab, long long learner, const std::string& status) {
    long long id = 0;
    Execute([&](soci::session& session) {
      const long long now = ++clock_;
      const std::string uuid = "submission-" + std::to_string(now);
      const std::string text = "My answer.";
      session << "INSERT INTO submissions (uuid, lab_id, lab_author_id, learner_id, text, status, "
                 "cost_points, created_at, updated_at) VALUES (:uuid, :lab, 0, :learner, :text, "
                 ":status, 1, :created, :updated)",
          soci::use(uuid), soci::use(lab), soci::use(learner), soci::use(text), soci::use(status),
          soci::use(now), soci::use(now);
      session << "SELECT id FROM submissions WHERE uuid = :uuid", soci::use(uuid), soci::into(id);
    });
    return id;
  }

  void Review(long long submission, long long reviewer) {
    Execute([&](soci::session& session) {
      const long long now = ++clock_;
      session << "INSERT INTO submission_verdicts (submission_id, reviewer_id, review_id, verdict, "
                 "score, created_at) VALUES (:submission, :reviewer, :review, 'accept', 90, "
                 ":created)",
          soci::use(submission), soci::use(reviewer), soci::use(now), soci::use(now);
    });
  }

  void Comment(const std::string& type, long long target, long long author,
               const std::string& content) {
    Execute([&](soci::session& session) {
      const long long now = ++clock_;
      session << "INSERT INTO comments (target_type, target_id, author_id, content, created_at, "
                 "updated_at) VALUES (:type, :target, :author, :content, :created, :updated)",
          soci::use(type), soci::use(target), soci::use(author), soci::use(content), soci::use(now),
          soci::use(now);
    });
  }

  void BuildSite() {
    linear_ = AddLab("Linear regression by hand", "Fit a line to data with least squares.",
                     {"statistics", "regression", "python"}, kStatisticsAuthor, 6);
    logistic_ = AddLab("Logistic regression for classification",
                       "Fit a logistic regression model and measure its accuracy.",
                       {"statistics", "regression", "classification"}, kStatisticsAuthor, 4);
    bayes_ = AddLab("Bayesian inference with conjugate priors",
                    "Update a Beta prior with coin flips and plot the posterior.",
                    {"statistics", "probability"}, kStatisticsAuthor, 3);
    shell_ = AddLab("Write a Unix shell", "Parse commands, fork and exec processes, wire pipes.",
                    {"systems", "c"}, kSystemsAuthor, 3);
    allocator_ = AddLab("A memory allocator", "Implement malloc and free over pages of memory.",
                        {"systems", "c", "memory"}, kSystemsAuthor, 2);
    echo_ = AddLab("A TCP echo server", "Sockets, accept loops and non-blocking input and output.",
                   {"networking", "c", "systems"}, kSystemsAuthor, 1);
    kernel_ = AddLab("Kernel page tables", "Walk the page tables of a toy kernel and map memory.",
                     {"systems", "memory"}, kKernelAuthor, 0);
    gradient_ = AddArticle("Gradient descent for least squares",
                           "Notes on fitting regression models by gradient descent.",
                           {"statistics", "optimization"}, kStatisticsAuthor);
    paging_ = AddArticle("Virtual memory and paging",
                         "How page tables map virtual memory to physical pages.",
                         {"systems", "memory"}, kSystemsAuthor);

    const std::map<long long, std::vector<long long>> solved = {
        {1, {linear_, logistic_, bayes_}}, {2, {linear_, logistic_}},
        {3, {linear_, logistic_}},         {4, {linear_, bayes_}},
        {5, {shell_, allocator_, echo_}},  {6, {shell_, allocator_}},
        {kRegressionLearner, {linear_}}};
    for (const auto& [learner, labs] : solved) {
      for (long long lab : labs) {
        const long long submission = Submit(lab, learner, "accepted");
        if (learner == 2 && lab == linear_) {
          Review(submission, kReviewer);
        }
      }
    }
    Submit(shell_, kShellLearner, "submitted");
    Comment("article", gradient_, 3, "A clear derivation of the normal equations.");
    Comment("article", paging_, kKernelAuthor,
            "Page tables and virtual memory explained well; my kernel lab walks them too.");
  }

  std::vector<std::pair<std::string, long long>> Recommend(long long user, int limit = 20,
                                                           const std::string& type = "") {
    v1::RecommendRequest request;
    request.set_user_id(user);
    request.set_limit(limit);
    request.set_type(type);
    Result<v1::RecommendationsResponse> response = service_->Recommend(request);
    EXPECT_TRUE(response) << response.error().message;
    return Keys(response ? *response : v1::RecommendationsResponse());
  }

  std::vector<std::pair<std::string, long long>> Related(const std::string& type, long long id,
                                                         const std::string& result_type = "") {
    v1::RelatedRequest request;
    request.set_type(type);
    request.set_id(id);
    request.set_limit(20);
    request.set_result_type(result_type);
    Result<v1::RecommendationsResponse> response = service_->Related(request);
    EXPECT_TRUE(response) << response.error().message;
    return Keys(response ? *response : v1::RecommendationsResponse());
  }

  static std::vector<std::pair<std::string, long long>> Keys(
      const v1::RecommendationsResponse& response) {
    std::vector<std::pair<std::string, long long>> keys;
    for (const v1::RecommendedItem& item : response.items()) {
      keys.emplace_back(item.type(), item.id());
    }
    return keys;
  }

  static long long Position(const std::vector<std::pair<std::string, long long>>& ranking,
                            const std::pair<std::string, long long>& key) {
    auto found = std::find(ranking.begin(), ranking.end(), key);
    return found == ranking.end() ? -1 : found - ranking.begin();
  }

  // Fails unless every item of `first` that is ranked comes before every ranked item of `second`.
  static void ExpectGroupsOrdered(const std::vector<std::pair<std::string, long long>>& ranking,
                                  const std::vector<std::pair<std::string, long long>>& first,
                                  const std::vector<std::pair<std::string, long long>>& second) {
    for (const auto& earlier : first) {
      for (const auto& later : second) {
        const long long a = Position(ranking, earlier);
        const long long b = Position(ranking, later);
        if (a >= 0 && b >= 0) {
          EXPECT_LT(a, b) << earlier.first << " " << earlier.second << " should rank above "
                          << later.first << " " << later.second;
        }
      }
    }
  }

  std::vector<std::pair<std::string, long long>> Statistics() const {
    return {Lab(linear_), Lab(logistic_), Lab(bayes_), Article(gradient_)};
  }
  std::vector<std::pair<std::string, long long>> Systems() const {
    return {Lab(shell_), Lab(allocator_), Lab(echo_), Lab(kernel_), Article(paging_)};
  }
  static std::pair<std::string, long long> Lab(long long id) { return {"lab", id}; }
  static std::pair<std::string, long long> Article(long long id) { return {"article", id}; }

  std::unique_ptr<Database> database_;
  std::filesystem::path blob_root_;
  std::unique_ptr<storage::BlobStore> blobs_;
  std::unique_ptr<search::SearchIndex> search_;
  std::unique_ptr<users::UsersService> users_;
  NoSubmissionCounter submission_counter_;
  NoLabDirectory lab_directory_;
  AnyCommentTarget comment_targets_;
  std::unique_ptr<labs::LabsService> labs_;
  std::unique_ptr<articles::ArticlesService> articles_;
  std::unique_ptr<submissions::SubmissionsService> submissions_;
  std::unique_ptr<feedback::CommentsService> comments_;
  CountingSource* source_ = nullptr;
  std::unique_ptr<RecommendationsService> service_;
  long long clock_ = 1'700'000'000'000;
  long long linear_ = 0, logistic_ = 0, bayes_ = 0, shell_ = 0, allocator_ = 0, echo_ = 0,
            kernel_ = 0, gradient_ = 0, paging_ = 0;
};

TEST_P(RecommendationsTest, CoOccurrenceRanksNextLab) {
  const auto labs = Recommend(kRegressionLearner, 20, "lab");
  ASSERT_GE(labs.size(), 2u);
  // Three of the four other linear regression learners did logistic regression, two did Bayes.
  EXPECT_EQ(labs[0], Lab(logistic_));
  EXPECT_EQ(labs[1], Lab(bayes_));
  EXPECT_EQ(Position(labs, Lab(linear_)), -1) << "a solved lab was recommended";

  // Across both types, the least squares article shares the author and the words.
  const auto ranking = Recommend(kRegressionLearner);
  ASSERT_FALSE(ranking.empty());
  EXPECT_EQ(ranking[0], Lab(logistic_));
  EXPECT_LT(Position(ranking, Article(gradient_)), Position(ranking, Lab(shell_)));
  ExpectGroupsOrdered(ranking, Statistics(), Systems());
}

TEST_P(RecommendationsTest, PendingSubmissionCountsAsDone) {
  const auto ranking = Recommend(kShellLearner);
  ASSERT_GE(ranking.size(), 2u);
  EXPECT_EQ(Position(ranking, Lab(shell_)), -1);
  // Both shell learners did the allocator, and one of them did the echo server.
  EXPECT_EQ(ranking[0], Lab(allocator_));
  EXPECT_EQ(ranking[1], Lab(echo_));
  ExpectGroupsOrdered(ranking, {Lab(allocator_), Lab(echo_)}, Statistics());
}

TEST_P(RecommendationsTest, NewUserGetsPopularItems) {
  v1::RecommendRequest request;
  request.set_user_id(kNewcomer);
  request.set_limit(3);
  Result<v1::RecommendationsResponse> response = service_->Recommend(request);
  ASSERT_TRUE(response) << response.error().message;
  ASSERT_EQ(response->items_size(), 3);
  // Linear regression has the most submissions and learners, then logistic regression.
  EXPECT_EQ(response->items(0).id(), linear_);
  EXPECT_EQ(response->items(1).id(), logistic_);
  for (const v1::RecommendedItem& item : response->items()) {
    ASSERT_EQ(item.reasons_size(), 1);
    EXPECT_EQ(item.reasons(0), "popular");
  }
  EXPECT_EQ(response->items(0).title(), "Linear regression by hand");
  EXPECT_EQ(response->items(0).type(), "lab");
  EXPECT_EQ(response->items(0).tags_size(), 3);
}

TEST_P(RecommendationsTest, WrittenTextSteersContent) {
  // Only the kernel author's own lab and comment mention page tables and virtual memory.
  const auto ranking = Recommend(kKernelAuthor);
  ASSERT_FALSE(ranking.empty());
  EXPECT_EQ(ranking[0], Article(paging_));
  EXPECT_EQ(Position(ranking, Lab(kernel_)), -1);
  ExpectGroupsOrdered(ranking, {Article(paging_), Lab(allocator_)}, Statistics());
}

TEST_P(RecommendationsTest, ReviewingCountsAsHistory) {
  const auto ranking = Recommend(kReviewer, 20, "lab");
  ASSERT_FALSE(ranking.empty());
  EXPECT_EQ(Position(ranking, Lab(linear_)), -1);
  EXPECT_EQ(ranking[0], Lab(logistic_));
  for (const auto& [type, id] : ranking) {
    EXPECT_EQ(type, "lab");
  }
}

TEST_P(RecommendationsTest, RelatedLabsFollowTheLab) {
  const auto labs = Related("lab", linear_, "lab");
  ASSERT_GE(labs.size(), 2u);
  EXPECT_EQ(labs[0], Lab(logistic_));
  EXPECT_EQ(labs[1], Lab(bayes_));
  EXPECT_EQ(Position(labs, Lab(linear_)), -1);

  const auto related = Related("lab", linear_);
  ASSERT_GE(related.size(), 3u);
  EXPECT_EQ(related[0], Lab(logistic_));
  ExpectGroupsOrdered(related, Statistics(), Systems());

  const auto articles = Related("lab", linear_, "article");
  ASSERT_FALSE(articles.empty());
  EXPECT_EQ(articles[0], Article(gradient_));
  for (const auto& [type, id] : articles) {
    EXPECT_EQ(type, "article");
  }
}

// Two labs with no words in common are "done by the same people" only when more than one
// learner did both.
TEST_P(RecommendationsTest, OneSharedLearnerIsNoCoOccurrence) {
  const long long pottery = AddLab("Pottery glazes", "Mix glazes for stoneware.", {}, 300, 0);
  const long long sailing = AddLab("Knots for sailing", "Tie a bowline quickly.", {}, 301, 0);
  constexpr long long kFirstLearner = 40;
  constexpr long long kSecondLearner = 41;
  Submit(pottery, kFirstLearner, "accepted");
  Submit(sailing, kFirstLearner, "accepted");

  const auto reasons_for_sailing = [&] {
    v1::RelatedRequest request;
    request.set_type("lab");
    request.set_id(pottery);
    request.set_limit(50);
    Result<v1::RecommendationsResponse> response = service_->Related(request);
    std::vector<std::string> reasons;
    if (!response) {
      ADD_FAILURE() << response.error().message;
      return reasons;
    }
    for (const v1::RecommendedItem& item : response->items()) {
      if (item.id() == sailing) {
        reasons.assign(item.reasons().begin(), item.reasons().end());
      }
    }
    return reasons;
  };
  const std::vector<std::string> one_learner = reasons_for_sailing();
  EXPECT_EQ(std::count(one_learner.begin(), one_learner.end(), "co_occurrence"), 0);

  Submit(pottery, kSecondLearner, "accepted");
  Submit(sailing, kSecondLearner, "accepted");
  const std::vector<std::string> two_learners = reasons_for_sailing();
  ASSERT_FALSE(two_learners.empty()) << "two learners did both labs";
  EXPECT_EQ(two_learners.front(), "co_occurrence");
}

TEST_P(RecommendationsTest, RelatedToArticleByContent) {
  const auto related = Related("article", paging_);
  ASSERT_FALSE(related.empty());
  const std::set<std::pair<std::string, long long>> memory = {Lab(allocator_), Lab(kernel_)};
  EXPECT_TRUE(memory.contains(related[0])) << related[0].first << " " << related[0].second;
  ExpectGroupsOrdered(related, Systems(), Statistics());
}

TEST_P(RecommendationsTest, RejectsBadRequests) {
  v1::RelatedRequest missing;
  missing.set_type("lab");
  missing.set_id(999'999);
  missing.set_limit(5);
  Result<v1::RecommendationsResponse> not_found = service_->Related(missing);
  ASSERT_FALSE(not_found);
  EXPECT_EQ(not_found.error().code, ErrorCode::kNotFound);

  v1::RecommendRequest zero;
  zero.set_user_id(1);
  zero.set_limit(0);
  Result<v1::RecommendationsResponse> bad_limit = service_->Recommend(zero);
  ASSERT_FALSE(bad_limit);
  EXPECT_EQ(bad_limit.error().code, ErrorCode::kValidationFailed);

  v1::RecommendRequest video;
  video.set_user_id(1);
  video.set_limit(5);
  video.set_type("video");
  Result<v1::RecommendationsResponse> bad_type = service_->Recommend(video);
  ASSERT_FALSE(bad_type);
  EXPECT_EQ(bad_type.error().code, ErrorCode::kValidationFailed);
}

TEST_P(RecommendationsTest, ModelRebuildsAfterChange) {
  ASSERT_EQ(Recommend(kRegressionLearner, 20, "lab")[0], Lab(logistic_));
  Related("lab", linear_);
  EXPECT_EQ(source_->loads, 1) << "the model was rebuilt with nothing changed";

  Submit(logistic_, kRegressionLearner, "accepted");
  const auto refreshed = Recommend(kRegressionLearner, 20, "lab");
  EXPECT_EQ(source_->loads, 2);
  EXPECT_EQ(Position(refreshed, Lab(logistic_)), -1);
  ASSERT_FALSE(refreshed.empty());
  EXPECT_EQ(refreshed[0], Lab(bayes_));
}

// On a site where rebuilds are slow (here every rebuild counts as slow), a change does not make
// the next request wait: it gets the current model, and the rebuilt one follows.
TEST_P(RecommendationsTest, SlowRebuildRunsInBackground) {
  RecommendationsOptions options;
  options.wait_for_rebuild = std::chrono::steady_clock::duration::zero();
  auto source = std::make_unique<CountingSource>(
      MakeServiceActivitySource(*labs_, *articles_, *submissions_, *comments_));
  CountingSource* counting = source.get();
  service_ = MakeRecommendationsService(std::move(source), options);
  source_ = counting;
  ASSERT_EQ(Recommend(kRegressionLearner, 20, "lab")[0], Lab(logistic_));
  EXPECT_EQ(source_->loads, 1) << "the first model is built before the first answer";

  Submit(logistic_, kRegressionLearner, "accepted");
  EXPECT_EQ(Recommend(kRegressionLearner, 20, "lab")[0], Lab(logistic_))
      << "the answer came from a model built after the change, so the request waited for it";
  std::vector<std::pair<std::string, long long>> refreshed;
  for (int attempt = 0; attempt < 200; ++attempt) {
    refreshed = Recommend(kRegressionLearner, 20, "lab");
    if (Position(refreshed, Lab(logistic_)) == -1) {
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(25));
  }
  EXPECT_EQ(Position(refreshed, Lab(logistic_)), -1) << "the background rebuild never arrived";
  ASSERT_FALSE(refreshed.empty());
  EXPECT_EQ(refreshed[0], Lab(bayes_));
  EXPECT_EQ(source_->loads, 2) << "one rebuild per change";
}

INSTANTIATE_TEST_SUITE_P(Dialects, RecommendationsTest,
                         ::testing::ValuesIn(storage::TestDialects()),
                         [](const auto& info) { return storage::DialectName(info.param); });

}  // namespace
}  // namespace openlabs::recommendations
