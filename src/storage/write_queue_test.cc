#include "storage/write_queue.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <future>
#include <stdexcept>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "storage/database.h"
#include "storage/test_database.h"

namespace openlabs::storage {
namespace {

using std::chrono::milliseconds;

// Generous, so that a loaded machine does not turn a wait into a failure.
constexpr milliseconds kLongWait{30'000};

// Blocks until `queue` has `count` waiters.
void AwaitWaiters(const WriteQueue& queue, size_t count) {
  while (queue.waiting() < count) {
    std::this_thread::sleep_for(milliseconds(1));
  }
}

TEST(WriteQueueTest, GrantsTurnsInArrivalOrder) {
  WriteQueue queue;
  ASSERT_TRUE(queue.Acquire(kLongWait));
  std::mutex order_mutex;
  std::vector<int> order;
  std::vector<std::thread> waiters;
  for (int i = 0; i < 5; ++i) {
    waiters.emplace_back([&, i] {
      ASSERT_TRUE(queue.Acquire(kLongWait));
      {
        std::lock_guard lock(order_mutex);
        order.push_back(i);
      }
      queue.Release();
    });
    // The next waiter starts only once this one is in line.
    AwaitWaiters(queue, static_cast<size_t>(i) + 1);
  }
  queue.Release();
  for (std::thread& waiter : waiters) {
    waiter.join();
  }
  EXPECT_EQ(order, (std::vector<int>{0, 1, 2, 3, 4}));
  EXPECT_EQ(queue.waiting(), 0u);
}

TEST(WriteQueueTest, HolderAcquiresAgainWithoutWaiting) {
  WriteQueue queue;
  ASSERT_TRUE(queue.Acquire(kLongWait));
  EXPECT_TRUE(queue.Acquire(milliseconds(0)));
  queue.Release();

  // The turn is still held after one of the two releases.
  std::future<bool> other =
      std::async(std::launch::async, [&] { return queue.Acquire(milliseconds(50)); });
  EXPECT_FALSE(other.get());

  queue.Release();
  other = std::async(std::launch::async, [&] {
    const bool acquired = queue.Acquire(kLongWait);
    if (acquired) {
      queue.Release();
    }
    return acquired;
  });
  EXPECT_TRUE(other.get());
}

TEST(WriteQueueTest, TimedOutWaiterLeavesTheLine) {
  WriteQueue queue;
  ASSERT_TRUE(queue.Acquire(kLongWait));
  std::future<bool> late =
      std::async(std::launch::async, [&] { return queue.Acquire(milliseconds(20)); });
  EXPECT_FALSE(late.get());
  EXPECT_EQ(queue.waiting(), 0u);

  // A waiter queued behind the one that gave up is granted the turn on release.
  std::future<bool> next = std::async(std::launch::async, [&] {
    const bool acquired = queue.Acquire(kLongWait);
    if (acquired) {
      queue.Release();
    }
    return acquired;
  });
  AwaitWaiters(queue, 1);
  queue.Release();
  EXPECT_TRUE(next.get());
}

TEST(WriteQueueTest, SameFileSharesOneQueue) {
  const std::string url = NewTestDatabaseUrl(Dialect::kSqlite);
  const std::string path = url.substr(std::string("sqlite://").size());
  std::shared_ptr<WriteQueue> first = WriteQueue::ForFile(path);
  std::shared_ptr<WriteQueue> again = WriteQueue::ForFile(path + "/../test.db");
  std::shared_ptr<WriteQueue> other = WriteQueue::ForFile(path + "-other");
  EXPECT_EQ(first, again);
  EXPECT_NE(first, other);
}

class SqliteWritersTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const std::string url = NewTestDatabaseUrl(Dialect::kSqlite);
    path_ = url.substr(std::string("sqlite://").size());
    Result<std::unique_ptr<Database>> opened = Database::Open(url, 4);
    ASSERT_TRUE(opened) << opened.error().internal;
    database_ = std::move(*opened);
    Result<int> created = database_->InTransaction<int>([](soci::session& session) -> Result<int> {
      session << "CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT NOT NULL)";
      session << "CREATE TABLE counter (value INTEGER NOT NULL)";
      session << "INSERT INTO counter (value) VALUES (0)";
      return 0;
    });
    ASSERT_TRUE(created) << created.error().internal;
  }

  std::string path_;
  std::unique_ptr<Database> database_;
};

// A background thread commits and begins its next write transaction at once, as a batch job
// does. With only SQLite's busy handler, such a thread kept the file until other writers failed
// with "database is locked" after busy_timeout. The write queue hands the file over in turn.
TEST_F(SqliteWritersTest, ForegroundWritesAreNotStarved) {
  std::atomic<bool> stop{false};
  std::atomic<int> background_commits{0};
  std::thread background([&] {
    while (!stop) {
      Result<int> written =
          database_->InTransaction<int>([](soci::session& session) -> Result<int> {
            session << "UPDATE counter SET value = value + 1";
            // Holds the write lock for most of the loop, as a transaction of real work does.
            std::this_thread::sleep_for(milliseconds(3));
            return 0;
          });
      ASSERT_TRUE(written) << written.error().internal;
      ++background_commits;
    }
  });
  while (background_commits < 3) {
    std::this_thread::sleep_for(milliseconds(1));
  }

  constexpr int kForegroundWrites = 20;
  std::vector<std::string> failures;
  for (int i = 0; i < kForegroundWrites && failures.empty(); ++i) {
    Result<int> inserted =
        database_->InTransaction<int>([i](soci::session& session) -> Result<int> {
          session << "INSERT INTO items (name) VALUES (:name)", soci::use("item" + std::to_string(i));
          return 0;
        });
    if (!inserted) {
      failures.push_back("foreground write " + std::to_string(i) + ": " +
                         inserted.error().internal);
    }
  }
  stop = true;
  background.join();
  ASSERT_EQ(failures, std::vector<std::string>{});

  Result<int> count = database_->WithSession<int>([](soci::session& session) -> Result<int> {
    int count = 0;
    session << "SELECT COUNT(*) FROM items", soci::into(count);
    return count;
  });
  ASSERT_TRUE(count) << count.error().internal;
  EXPECT_EQ(*count, kForegroundWrites);
}

// True when another thread can take the file's turn at once, so no transaction still has it.
bool TurnIsFree(const std::string& path) {
  std::shared_ptr<WriteQueue> queue = WriteQueue::ForFile(path);
  return std::async(std::launch::async, [&] {
           const bool acquired = queue->Acquire(milliseconds(0));
           if (acquired) {
             queue->Release();
           }
           return acquired;
         }).get();
}

TEST_F(SqliteWritersTest, TurnEndsWithTheTransaction) {
  const auto run = [&](const std::function<Result<int>(soci::session&)>& body) {
    return database_->InTransaction<int>(body);
  };
  EXPECT_TRUE(run([](soci::session& session) -> Result<int> {
    session << "INSERT INTO items (name) VALUES ('committed')";
    return 0;
  }));
  EXPECT_TRUE(TurnIsFree(path_)) << "after a commit";

  EXPECT_TRUE(run([](soci::session& session) -> Result<int> {
    int count = 0;
    session << "SELECT COUNT(*) FROM items", soci::into(count);
    return count;
  }));
  EXPECT_TRUE(TurnIsFree(path_)) << "after a commit that changed nothing";

  EXPECT_FALSE(run([](soci::session& session) -> Result<int> {
    session << "INSERT INTO items (name) VALUES ('rolled back')";
    return Fail(Error::FailedPrecondition("stop"));
  }));
  EXPECT_TRUE(TurnIsFree(path_)) << "after a rollback";

  EXPECT_FALSE(run([](soci::session& session) -> Result<int> {
    session << "INSERT INTO missing_table (name) VALUES ('x')";
    return 0;
  }));
  EXPECT_TRUE(TurnIsFree(path_)) << "after a failed statement";

  EXPECT_THROW(run([](soci::session&) -> Result<int> { throw std::runtime_error("thrown"); }),
               std::runtime_error);
  EXPECT_TRUE(TurnIsFree(path_)) << "after an exception";
}

TEST_F(SqliteWritersTest, HolderWaitsWhileTransactionIsOpen) {
  std::promise<void> started;
  std::promise<void> finish;
  std::thread holder([&] {
    Result<int> held = database_->InTransaction<int>([&](soci::session& session) -> Result<int> {
      session << "UPDATE counter SET value = value + 1";
      started.set_value();
      finish.get_future().wait();
      return 0;
    });
    EXPECT_TRUE(held) << held.error().internal;
  });
  started.get_future().wait();
  EXPECT_FALSE(TurnIsFree(path_));
  finish.set_value();
  holder.join();
  EXPECT_TRUE(TurnIsFree(path_));
}

}  // namespace
}  // namespace openlabs::storage
