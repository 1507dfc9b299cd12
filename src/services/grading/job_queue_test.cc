#include "services/grading/job_queue.h"

#include <gtest/gtest.h>

#include <atomic>
#include <mutex>
#include <set>
#include <thread>

#include "services/grading/grading_service.h"
#include "storage/test_database.h"

namespace openlabs::grading {
namespace {

using storage::Database;
using storage::Dialect;

class JobQueueTest : public ::testing::TestWithParam<Dialect> {
 protected:
  void SetUp() override {
    const std::string url = storage::NewTestDatabaseUrl(GetParam());
    if (url.empty()) {
      GTEST_SKIP() << "OPENLABS_TEST_POSTGRES_URL is not set; run under scripts/with-postgres.sh";
    }
    Result<std::unique_ptr<Database>> opened = Database::Open(url, 4);
    ASSERT_TRUE(opened) << opened.error().internal;
    database_ = std::move(*opened);
    ASSERT_TRUE(storage::ApplyMigrations(*database_, "grading", GradingMigrations()));
    database_->WithSession<void>([](soci::session& session) -> Status {
      session << "INSERT INTO lab_graders (lab_id, version, blob_key, archive_name, size, sha256, "
                 "kind, test_count, summary_json, uploaded_by, active, created_at) VALUES (1, 1, "
                 "'grading/graders/1/x', 'g.tar', 1, 'x', 'tests', 1, '{}', 1, 1, 0)";
      return {};
    });
  }

  JobQueue MakeQueue(int max_attempts = 3) {
    JobQueueOptions options;
    options.lease_millis = 1000;
    options.max_attempts = max_attempts;
    options.retry_base_millis = 100;
    options.now_millis = [this] { return now_.load(); };
    return JobQueue(*database_, options);
  }

  int64_t GraderId() {
    long long id = 0;
    database_->WithSession<void>([&](soci::session& session) -> Status {
      session << "SELECT id FROM lab_graders", soci::into(id);
      return {};
    });
    return id;
  }

  std::unique_ptr<Database> database_;
  std::atomic<int64_t> now_{1'000'000};
};

TEST_P(JobQueueTest, EnqueueIsIdempotentPerSubmission) {
  JobQueue queue = MakeQueue();

  Result<bool> first = queue.Enqueue(10, 1, GraderId(), "", std::nullopt);
  Result<bool> again = queue.Enqueue(10, 1, GraderId(), "", std::nullopt);
  Result<bool> batch = queue.Enqueue(10, 1, GraderId(), "batch-1", 2.0);

  ASSERT_TRUE(first.has_value()) << first.error().internal;
  EXPECT_TRUE(*first);
  ASSERT_TRUE(again.has_value());
  EXPECT_FALSE(*again);
  ASSERT_TRUE(batch.has_value());
  EXPECT_TRUE(*batch);
}

TEST_P(JobQueueTest, ConcurrentClaimsTakeEachJobOnce) {
  JobQueue queue = MakeQueue();
  constexpr int kJobs = 30;
  for (int i = 1; i <= kJobs; ++i) {
    ASSERT_TRUE(queue.Enqueue(i, 1, GraderId(), "", std::nullopt).has_value());
  }
  std::mutex mutex;
  std::multiset<int64_t> claimed;
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (;;) {
        Result<std::optional<ClaimedJob>> job = queue.Claim();
        if (!job || !*job) {
          return;
        }
        std::lock_guard lock(mutex);
        claimed.insert((*job)->submission_id);
      }
    });
  }
  for (std::thread& thread : threads) {
    thread.join();
  }

  EXPECT_EQ(claimed.size(), static_cast<size_t>(kJobs));
  for (int i = 1; i <= kJobs; ++i) {
    EXPECT_EQ(claimed.count(i), 1u) << "submission " << i;
  }
}

TEST_P(JobQueueTest, ExpiredLeaseMovesToNewWorker) {
  JobQueue queue = MakeQueue();
  ASSERT_TRUE(queue.Enqueue(5, 1, GraderId(), "", std::nullopt).has_value());
  Result<std::optional<ClaimedJob>> first = queue.Claim();
  ASSERT_TRUE(first.has_value());
  ASSERT_TRUE(first->has_value());
  Result<std::optional<ClaimedJob>> nothing = queue.Claim();
  ASSERT_TRUE(nothing.has_value());
  EXPECT_FALSE(nothing->has_value());

  now_ += 1500;  // the first worker stopped renewing
  Result<std::optional<ClaimedJob>> second = queue.Claim();
  ASSERT_TRUE(second.has_value());
  ASSERT_TRUE(second->has_value());
  EXPECT_EQ((*second)->id, (*first)->id);
  EXPECT_EQ((*second)->attempts, 2);

  GradeReport report;
  report.score = 1;
  report.max_score = 1;
  Result<bool> stale = queue.Complete(**first, report);
  Result<bool> current = queue.Complete(**second, report);
  ASSERT_TRUE(stale.has_value());
  EXPECT_FALSE(*stale);
  ASSERT_TRUE(current.has_value());
  EXPECT_TRUE(*current);
  Result<bool> again = queue.Complete(**second, report);
  ASSERT_TRUE(again.has_value());
  EXPECT_FALSE(*again);

  Result<std::optional<JobRow>> row = queue.Latest(5);
  ASSERT_TRUE(row.has_value());
  ASSERT_TRUE(row->has_value());
  EXPECT_EQ((*row)->status, "done");
  EXPECT_EQ((*row)->score, 1.0);
}

TEST_P(JobQueueTest, RenewKeepsTheLease) {
  JobQueue queue = MakeQueue();
  ASSERT_TRUE(queue.Enqueue(6, 1, GraderId(), "", std::nullopt).has_value());
  Result<std::optional<ClaimedJob>> job = queue.Claim();
  ASSERT_TRUE(job.has_value());
  ASSERT_TRUE(job->has_value());

  now_ += 800;
  Result<bool> renewed = queue.Renew(**job);
  now_ += 800;
  Result<std::optional<ClaimedJob>> other = queue.Claim();

  ASSERT_TRUE(renewed.has_value());
  EXPECT_TRUE(*renewed);
  ASSERT_TRUE(other.has_value());
  EXPECT_FALSE(other->has_value());
}

TEST_P(JobQueueTest, MachineryFailureRetriesWithBackoffThenFails) {
  JobQueue queue = MakeQueue(3);
  ASSERT_TRUE(queue.Enqueue(7, 1, GraderId(), "", std::nullopt).has_value());
  const int64_t delays[] = {100, 200};

  for (int attempt = 1; attempt <= 3; ++attempt) {
    Result<std::optional<ClaimedJob>> job = queue.Claim();
    ASSERT_TRUE(job.has_value());
    ASSERT_TRUE(job->has_value()) << "attempt " << attempt;
    EXPECT_EQ((*job)->attempts, attempt);
    ASSERT_TRUE(queue.Fail(**job, "sandbox cannot start", true).has_value());
    if (attempt == 3) {
      break;
    }
    now_ += delays[attempt - 1] - 1;
    Result<std::optional<ClaimedJob>> early = queue.Claim();
    ASSERT_TRUE(early.has_value());
    EXPECT_FALSE(early->has_value()) << "claimed before the backoff of attempt " << attempt;
    now_ += 1;
  }

  Result<std::optional<JobRow>> row = queue.Latest(7);
  ASSERT_TRUE(row.has_value());
  ASSERT_TRUE(row->has_value());
  EXPECT_EQ((*row)->status, "failed");
  EXPECT_EQ((*row)->attempts, 3);
  EXPECT_EQ((*row)->error, "sandbox cannot start");
}

TEST_P(JobQueueTest, RepeatedCrashesEndInFailure) {
  JobQueue queue = MakeQueue(2);
  ASSERT_TRUE(queue.Enqueue(8, 1, GraderId(), "", std::nullopt).has_value());
  for (int attempt = 1; attempt <= 2; ++attempt) {
    Result<std::optional<ClaimedJob>> job = queue.Claim();
    ASSERT_TRUE(job.has_value());
    ASSERT_TRUE(job->has_value());
    now_ += 1500;  // the worker died without a word
  }

  Result<std::optional<ClaimedJob>> job = queue.Claim();

  ASSERT_TRUE(job.has_value());
  EXPECT_FALSE(job->has_value());
  Result<std::optional<JobRow>> row = queue.Latest(8);
  ASSERT_TRUE(row.has_value());
  ASSERT_TRUE(row->has_value());
  EXPECT_EQ((*row)->status, "failed");
  EXPECT_NE((*row)->error.find("stopped"), std::string::npos);
}

INSTANTIATE_TEST_SUITE_P(Engines, JobQueueTest, ::testing::ValuesIn(storage::TestDialects()),
                         [](const ::testing::TestParamInfo<Dialect>& info) {
                           return storage::DialectName(info.param);
                         });

}  // namespace
}  // namespace openlabs::grading
