#include "storage/database.h"

#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "storage/migrations.h"
#include "storage/test_database.h"

namespace openlabs::storage {
namespace {

constexpr Migration kMigrations[] = {
    {1, "create_items", "CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT UNIQUE NOT NULL);",
     "CREATE TABLE items (id BIGSERIAL PRIMARY KEY, name TEXT UNIQUE NOT NULL);"},
    {2, "add_count",
     "ALTER TABLE items ADD COLUMN count INTEGER NOT NULL DEFAULT 0;\n"
     "INSERT INTO items (name) VALUES ('seed');",
     "ALTER TABLE items ADD COLUMN count INTEGER NOT NULL DEFAULT 0;\n"
     "INSERT INTO items (name) VALUES ('seed');"},
};

class DatabaseTest : public ::testing::TestWithParam<Dialect> {
 protected:
  void SetUp() override {
    const std::string url = NewTestDatabaseUrl(GetParam());
    if (url.empty()) {
      GTEST_SKIP() << "OPENLABS_TEST_POSTGRES_URL is not set; run under scripts/with-postgres.sh";
    }
    Result<std::unique_ptr<Database>> opened = Database::Open(url, 4);
    ASSERT_TRUE(opened) << opened.error().internal;
    database_ = std::move(*opened);
  }

  int CountItems() {
    Result<int> count = database_->WithSession<int>([](soci::session& session) -> Result<int> {
      int count = 0;
      session << "SELECT COUNT(*) FROM items", soci::into(count);
      return count;
    });
    return count.value_or(-1);
  }

  std::unique_ptr<Database> database_;
};

TEST_P(DatabaseTest, PingSucceeds) { EXPECT_TRUE(database_->Ping()); }

TEST_P(DatabaseTest, DialectMatchesUrl) { EXPECT_EQ(database_->dialect(), GetParam()); }

TEST_P(DatabaseTest, MigrationsApplyOnceAndAreRecorded) {
  Result<int> first = ApplyMigrations(*database_, "test", kMigrations);
  ASSERT_TRUE(first) << first.error().internal;
  EXPECT_EQ(*first, 2);

  Result<int> second = ApplyMigrations(*database_, "test", kMigrations);
  ASSERT_TRUE(second) << second.error().internal;
  EXPECT_EQ(*second, 0);
  EXPECT_EQ(CountItems(), 1);

  Result<int> recorded = database_->WithSession<int>([](soci::session& session) -> Result<int> {
    int count = 0;
    session << "SELECT COUNT(*) FROM schema_migrations WHERE service = 'test'", soci::into(count);
    return count;
  });
  ASSERT_TRUE(recorded);
  EXPECT_EQ(*recorded, 2);
}

TEST_P(DatabaseTest, FailedMigrationLeavesNoTrace) {
  ASSERT_TRUE(ApplyMigrations(*database_, "test", std::span(kMigrations, 1)));
  constexpr Migration kBroken[] = {
      {3, "broken", "INSERT INTO items (name) VALUES ('partial'); SELECT * FROM missing_table;",
       "INSERT INTO items (name) VALUES ('partial'); SELECT * FROM missing_table;"},
  };
  Result<int> applied = ApplyMigrations(*database_, "test", kBroken);
  EXPECT_FALSE(applied);
  EXPECT_EQ(CountItems(), 0);
}

TEST_P(DatabaseTest, TransactionRollsBackOnError) {
  ASSERT_TRUE(ApplyMigrations(*database_, "test", kMigrations));
  Result<int> result = database_->InTransaction<int>([](soci::session& session) -> Result<int> {
    session << "INSERT INTO items (name) VALUES ('doomed')";
    return Fail(Error::FailedPrecondition("stop"));
  });
  EXPECT_FALSE(result);
  EXPECT_EQ(CountItems(), 1);
}

// A commit on another connection between two reads of one read transaction is not seen until
// the transaction ends.
TEST_P(DatabaseTest, ReadTransactionSeesOneSnapshot) {
  ASSERT_TRUE(ApplyMigrations(*database_, "test", kMigrations));
  const int before = CountItems();

  Result<std::pair<int, int>> counts = database_->InReadTransaction<std::pair<int, int>>(
      [&](soci::session& session) -> Result<std::pair<int, int>> {
        int first = 0;
        session << "SELECT COUNT(*) FROM items", soci::into(first);
        const Status inserted = database_->InTransaction<void>([](soci::session& writer) -> Status {
          writer << "INSERT INTO items (name) VALUES ('during the read')";
          return {};
        });
        EXPECT_TRUE(inserted) << (inserted ? "" : inserted.error().internal);
        int second = 0;
        session << "SELECT COUNT(*) FROM items", soci::into(second);
        return std::pair{first, second};
      });

  ASSERT_TRUE(counts) << counts.error().internal;
  EXPECT_EQ(counts->first, before);
  EXPECT_EQ(counts->second, before);
  EXPECT_EQ(CountItems(), before + 1);
}

TEST_P(DatabaseTest, UniqueViolationIsDetected) {
  ASSERT_TRUE(ApplyMigrations(*database_, "test", kMigrations));
  bool detected = false;
  Result<int> result =
      database_->InTransaction<int>([&](soci::session& session) -> Result<int> {
        try {
          session << "INSERT INTO items (name) VALUES ('seed')";
        } catch (const soci::soci_error& error) {
          detected = IsUniqueViolation(error);
          return Fail(Error::AlreadyExists("duplicate"));
        }
        return 0;
      });
  EXPECT_FALSE(result);
  EXPECT_TRUE(detected);
}

TEST_P(DatabaseTest, ConcurrentIncrementsAreNotLost) {
  ASSERT_TRUE(ApplyMigrations(*database_, "test", kMigrations));
  constexpr int kThreads = 8;
  constexpr int kIncrements = 25;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([this] {
      for (int i = 0; i < kIncrements; ++i) {
        Result<int> done = database_->InTransaction<int>([](soci::session& session) -> Result<int> {
          session << "UPDATE items SET count = count + 1 WHERE name = 'seed'";
          return 0;
        });
        EXPECT_TRUE(done) << done.error().internal;
      }
    });
  }
  for (std::thread& thread : threads) {
    thread.join();
  }
  int count = 0;
  Result<int> read = database_->WithSession<int>([&](soci::session& session) -> Result<int> {
    session << "SELECT count FROM items WHERE name = 'seed'", soci::into(count);
    return count;
  });
  ASSERT_TRUE(read);
  EXPECT_EQ(*read, kThreads * kIncrements);
}

// A prepared SELECT of one item's count, as services use with WithPrepared.
class ItemCountQuery {
 public:
  explicit ItemCountQuery(soci::session& session)
      : statement_((session.prepare << "SELECT count FROM items WHERE name = :name",
                    soci::use(name_, "name"), soci::into(count_))) {
    ++constructed;
  }

  std::optional<int> Run(const std::string& name) {
    name_ = name;
    std::optional<int> found;
    if (statement_.execute(true)) {
      found = count_;
      while (statement_.fetch()) {
      }
    }
    return found;
  }

  static inline int constructed = 0;

 private:
  std::string name_;
  int count_ = 0;
  soci::statement statement_;
};

TEST_P(DatabaseTest, PreparedQueryIsReusedAndSeesNewWrites) {
  ASSERT_TRUE(ApplyMigrations(*database_, "test", kMigrations));
  ItemCountQuery::constructed = 0;
  Result<int> read = database_->WithSession<int>([&](soci::session& session) -> Result<int> {
    const auto run = [&](ItemCountQuery& query) { return query.Run("seed"); };
    EXPECT_EQ(database_->WithPrepared<ItemCountQuery>(session, run), 0);
    EXPECT_EQ(database_->WithPrepared<ItemCountQuery>(session, run), 0);
    EXPECT_EQ(database_->WithPrepared<ItemCountQuery>(session, [](ItemCountQuery& query) {
      return query.Run("missing");
    }), std::nullopt);

    // Another connection writes while this one stays leased. A statement left unfinished on
    // this connection would keep SQLite's old snapshot, and the read below would return 0.
    Result<int> written = database_->InTransaction<int>([](soci::session& other) -> Result<int> {
      other << "UPDATE items SET count = 5 WHERE name = 'seed'";
      return 0;
    });
    EXPECT_TRUE(written) << written.error().internal;
    int count = -1;
    session << "SELECT count FROM items WHERE name = 'seed'", soci::into(count);
    EXPECT_EQ(database_->WithPrepared<ItemCountQuery>(session, run), 5);
    return count;
  });
  ASSERT_TRUE(read) << read.error().internal;
  EXPECT_EQ(*read, 5);
  EXPECT_EQ(ItemCountQuery::constructed, 1);
}

TEST_P(DatabaseTest, PreparedQueryIsDiscardedAfterAnError) {
  ASSERT_TRUE(ApplyMigrations(*database_, "test", kMigrations));
  ItemCountQuery::constructed = 0;
  Result<int> failed = database_->WithSession<int>([&](soci::session& session) -> Result<int> {
    database_->WithPrepared<ItemCountQuery>(session, [](ItemCountQuery&) -> std::optional<int> {
      throw soci::soci_error("simulated failure");
    });
    return 0;
  });
  EXPECT_FALSE(failed);

  Result<int> read = database_->WithSession<int>([&](soci::session& session) -> Result<int> {
    return database_->WithPrepared<ItemCountQuery>(
               session, [](ItemCountQuery& query) { return query.Run("seed"); })
        .value_or(-1);
  });
  ASSERT_TRUE(read) << read.error().internal;
  EXPECT_EQ(*read, 0);
  // The pool lends its first free connection, the same one both times. The failed instance was
  // destroyed, so the second call built a new one.
  EXPECT_EQ(ItemCountQuery::constructed, 2);
}

TEST_P(DatabaseTest, PreparedQueryNeedsAPooledSession) {
  soci::session session(database_->pool());
  EXPECT_THROW(database_->WithPrepared<ItemCountQuery>(
                   session, [](ItemCountQuery& query) { return query.Run("seed"); }),
               soci::soci_error);
}

INSTANTIATE_TEST_SUITE_P(Engines, DatabaseTest, ::testing::ValuesIn(TestDialects()),
                         [](const auto& info) { return DialectName(info.param); });

TEST(DatabaseOpenTest, RejectsUnknownScheme) {
  Result<std::unique_ptr<Database>> opened = Database::Open("mysql://localhost/x", 1);
  ASSERT_FALSE(opened);
  EXPECT_EQ(opened.error().code, ErrorCode::kInvalidArgument);
}

TEST(DatabaseOpenTest, UnreachablePostgresIsUnavailable) {
  Result<std::unique_ptr<Database>> opened =
      Database::Open("postgresql://127.0.0.1:1/none?connect_timeout=2", 1);
  ASSERT_FALSE(opened);
  EXPECT_EQ(opened.error().code, ErrorCode::kUnavailable);
}

}  // namespace
}  // namespace openlabs::storage
