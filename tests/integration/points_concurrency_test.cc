// 20 threads spend and earn points on one balance through the users service in this process,
// while the server process reads and writes the same user over HTTP. The points operations have
// no HTTP routes yet, so they run in-process on the server's own database: on SQLite that is the
// same file, which makes the two processes contend for its write lock.
#include <atomic>
#include <thread>
#include <vector>

#include "api_test.h"
#include "services/users/users_service.h"

namespace openlabs::integration {
namespace {

constexpr int kThreads = 20;
constexpr int kOperationsPerThread = 15;

class PointsConcurrencyTest : public ApiTest {};

TEST_P(PointsConcurrencyTest, SpendAndEarnKeepBalanceEqualToLedger) {
  const TestUser user = Register("points");
  ASSERT_GT(user.id, 0);
  std::unique_ptr<storage::Database> database = OpenDatabase(kThreads);
  ASSERT_NE(database, nullptr);
  std::unique_ptr<users::UsersService> service =
      users::MakeUsersService(*database, users::UsersOptions{.initial_points = 10});

  std::atomic<bool> done{false};
  std::atomic<int> http_failures{0};
  // The server's side of the contention: profile updates write the same users row that the
  // points operations update, and reads of /users/me see the balance mid-flight.
  std::thread http_load([&] {
    HttpClient client(server().base_url());
    for (int i = 0; !done.load(); ++i) {
      const HttpResponse me = client.Get("/api/v1/users/me", user.access_token);
      if (me.status != 200 || me.Json().value("balance", int64_t{-1}) < 0) {
        ++http_failures;
      }
      const HttpResponse patched =
          client.Send({.method = "PATCH",
                       .path = "/api/v1/users/me",
                       .body = nlohmann::json{{"bio", "update " + std::to_string(i)}}.dump(),
                       .bearer_token = user.access_token});
      if (patched.status != 200) {
        ++http_failures;
        ADD_FAILURE() << "PATCH /users/me: " << patched.status << " " << patched.body;
      }
    }
  });

  std::atomic<int> applied{0};
  std::atomic<int> insufficient{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kOperationsPerThread; ++i) {
        v1::PointsChangeRequest change;
        change.set_user_id(user.id);
        change.set_reason("integration");
        change.set_idempotency_key("it-" + std::to_string(user.id) + "-" + std::to_string(t) + "-" +
                                   std::to_string(i));
        // Even threads spend 3, odd threads earn 1, so spends outrun earnings and hit zero.
        change.set_amount(t % 2 == 0 ? 3 : 1);
        Result<v1::PointsChangeResponse> result =
            t % 2 == 0 ? service->SpendPoints(change) : service->EarnPoints(change);
        if (!result) {
          EXPECT_EQ(result.error().code, ErrorCode::kPaymentRequired)
              << result.error().message << " " << result.error().internal;
          ++insufficient;
          continue;
        }
        EXPECT_GE(result->balance(), 0);
        ++applied;
      }
    });
  }
  for (std::thread& thread : threads) {
    thread.join();
  }
  done = true;
  http_load.join();

  long long balance = -1;
  long long ledger_sum = -2;
  long long ledger_rows = -1;
  long long negative_rows = -1;
  Result<int> read = database->WithSession<int>([&](soci::session& session) -> Result<int> {
    session << "SELECT balance FROM users WHERE id = :id", soci::use(user.id), soci::into(balance);
    session << "SELECT SUM(amount), COUNT(*) FROM points_ledger WHERE user_id = :id",
        soci::use(user.id), soci::into(ledger_sum), soci::into(ledger_rows);
    session << "SELECT COUNT(*) FROM points_ledger WHERE user_id = :id AND balance_after < 0",
        soci::use(user.id), soci::into(negative_rows);
    return 0;
  });
  ASSERT_TRUE(read) << read.error().internal;

  EXPECT_EQ(balance, ledger_sum);
  EXPECT_EQ(negative_rows, 0);
  EXPECT_EQ(ledger_rows, 1 + applied.load()) << "one signup row and one row per applied change";
  EXPECT_EQ(applied.load() + insufficient.load(), kThreads * kOperationsPerThread);
  EXPECT_GT(insufficient.load(), 0) << "the spends never reached zero, so the test proved less";
  EXPECT_EQ(http_failures.load(), 0);

  const HttpResponse me = client().Get("/api/v1/users/me", user.access_token);
  ASSERT_EQ(me.status, 200) << me.body;
  EXPECT_EQ(me.Json().value("balance", int64_t{-1}), ledger_sum);
  const HttpResponse ledger = client().Get("/api/v1/users/me/points?limit=1", user.access_token);
  ASSERT_EQ(ledger.status, 200) << ledger.body;
  EXPECT_EQ(ledger.Json().value("total", int64_t{-1}), ledger_rows);
  EXPECT_EQ(ledger.Json()["items"][0].value("balance_after", int64_t{-1}), balance)
      << "the newest ledger row must carry the final balance";
}

TEST_P(PointsConcurrencyTest, SameIdempotencyKeyAppliesOnceAcrossThreads) {
  const TestUser user = Register("pointskey");
  std::unique_ptr<storage::Database> database = OpenDatabase(8);
  ASSERT_NE(database, nullptr);
  std::unique_ptr<users::UsersService> service =
      users::MakeUsersService(*database, users::UsersOptions{.initial_points = 10});

  std::atomic<int> applied{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&] {
      v1::PointsChangeRequest change;
      change.set_user_id(user.id);
      change.set_amount(5);
      change.set_reason("integration");
      change.set_idempotency_key("once-" + std::to_string(user.id));
      Result<v1::PointsChangeResponse> result = service->EarnPoints(change);
      ASSERT_TRUE(result) << result.error().internal;
      if (!result->replayed()) {
        ++applied;
      }
    });
  }
  for (std::thread& thread : threads) {
    thread.join();
  }

  EXPECT_EQ(applied.load(), 1);
  const HttpResponse me = client().Get("/api/v1/users/me", user.access_token);
  EXPECT_EQ(me.Json().value("balance", int64_t{-1}), 15) << me.body;
}

INSTANTIATE_TEST_SUITE_P(Dialects, PointsConcurrencyTest,
                         ::testing::ValuesIn(storage::TestDialects()), DialectTestName);

}  // namespace
}  // namespace openlabs::integration
