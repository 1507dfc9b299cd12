#include "services/users/users_service.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

#include "storage/test_database.h"

namespace openlabs::users {
namespace {

using storage::Database;
using storage::Dialect;

class UsersServiceTest : public ::testing::TestWithParam<Dialect> {
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
    service_ = MakeUsersService(*database_, UsersOptions{.initial_points = 10});
  }

  v1::User Create(const std::string& username) {
    v1::CreateUserRequest request;
    request.set_username(username);
    request.set_email(username + "@example.org");
    request.set_name("Test");
    request.set_surname("User");
    Result<v1::User> user = service_->CreateUser(request);
    EXPECT_TRUE(user) << (user ? "" : user.error().message + user.error().internal);
    return user.value_or(v1::User());
  }

  static v1::PointsChangeRequest Change(int64_t user_id, int64_t amount, const std::string& key) {
    v1::PointsChangeRequest request;
    request.set_user_id(user_id);
    request.set_amount(amount);
    request.set_reason("test");
    request.set_idempotency_key(key);
    return request;
  }

  static CallContext ContextFor(const v1::User& user) {
    CallContext context;
    context.user_id = user.id();
    context.username = user.username();
    context.role = user.role();
    return context;
  }

  std::unique_ptr<Database> database_;
  std::unique_ptr<UsersService> service_;
};

TEST_P(UsersServiceTest, NewUserStartsWithTenPoints) {
  const v1::User user = Create("ada");
  EXPECT_EQ(user.balance(), 10);
  EXPECT_EQ(user.role(), "user");

  Result<v1::ListLedgerResponse> ledger = service_->ListLedger({}, ContextFor(user));
  ASSERT_TRUE(ledger);
  ASSERT_EQ(ledger->total(), 1);
  EXPECT_EQ(ledger->items(0).reason(), "signup");
  EXPECT_EQ(ledger->items(0).amount(), 10);
}

TEST_P(UsersServiceTest, DuplicateUsernameOrEmailConflicts) {
  Create("ada");
  v1::CreateUserRequest same_name;
  same_name.set_username("ADA");
  same_name.set_email("other@example.org");
  Result<v1::User> first = service_->CreateUser(same_name);
  ASSERT_FALSE(first);
  EXPECT_EQ(first.error().code, ErrorCode::kAlreadyExists);

  v1::CreateUserRequest same_email;
  same_email.set_username("grace");
  same_email.set_email("Ada@Example.org");
  Result<v1::User> second = service_->CreateUser(same_email);
  ASSERT_FALSE(second);
  EXPECT_EQ(second.error().code, ErrorCode::kAlreadyExists);
}

TEST_P(UsersServiceTest, InvalidFieldsAreAllReported) {
  v1::CreateUserRequest request;
  request.set_username("a");
  request.set_email("not-an-email");
  request.set_name(std::string("bad\x01name"));
  Result<v1::User> user = service_->CreateUser(request);
  ASSERT_FALSE(user);
  EXPECT_EQ(user.error().code, ErrorCode::kValidationFailed);
  EXPECT_EQ(user.error().details.size(), 3u);
}

TEST_P(UsersServiceTest, PrivateFieldsOnlyForSelfAndAdmin) {
  const v1::User ada = Create("ada");
  const v1::User bob = Create("bob");
  v1::GetUserRequest request;
  request.set_id(ada.id());

  Result<v1::User> as_bob = service_->GetUser(request, ContextFor(bob));
  ASSERT_TRUE(as_bob);
  EXPECT_FALSE(as_bob->has_email());
  EXPECT_FALSE(as_bob->has_balance());

  Result<v1::User> as_self = service_->GetUser(request, ContextFor(ada));
  ASSERT_TRUE(as_self);
  EXPECT_EQ(as_self->email(), "ada@example.org");
  EXPECT_EQ(as_self->balance(), 10);

  CallContext admin = ContextFor(bob);
  admin.role = "admin";
  Result<v1::User> as_admin = service_->GetUser(request, admin);
  ASSERT_TRUE(as_admin);
  EXPECT_TRUE(as_admin->has_email());
}

TEST_P(UsersServiceTest, SpendBeyondBalanceFailsAndChangesNothing) {
  const v1::User user = Create("ada");
  Result<v1::PointsChangeResponse> spent = service_->SpendPoints(Change(user.id(), 11, "big"));
  ASSERT_FALSE(spent);
  EXPECT_EQ(spent.error().code, ErrorCode::kPaymentRequired);

  Result<v1::ListLedgerResponse> ledger = service_->ListLedger({}, ContextFor(user));
  ASSERT_TRUE(ledger);
  EXPECT_EQ(ledger->total(), 1);
  v1::GetUserRequest get;
  get.set_id(user.id());
  EXPECT_EQ(service_->GetUser(get, ContextFor(user))->balance(), 10);
}

TEST_P(UsersServiceTest, SameIdempotencyKeyChangesBalanceOnce) {
  const v1::User user = Create("ada");
  Result<v1::PointsChangeResponse> first = service_->SpendPoints(Change(user.id(), 3, "k1"));
  ASSERT_TRUE(first);
  EXPECT_EQ(first->balance(), 7);
  EXPECT_FALSE(first->replayed());

  Result<v1::PointsChangeResponse> second = service_->SpendPoints(Change(user.id(), 3, "k1"));
  ASSERT_TRUE(second);
  EXPECT_EQ(second->balance(), 7);
  EXPECT_TRUE(second->replayed());
  EXPECT_EQ(second->entry().id(), first->entry().id());
}

TEST_P(UsersServiceTest, ReusedKeyWithOtherAmountConflicts) {
  const v1::User user = Create("ada");
  ASSERT_TRUE(service_->EarnPoints(Change(user.id(), 3, "k1")));
  Result<v1::PointsChangeResponse> other = service_->EarnPoints(Change(user.id(), 4, "k1"));
  ASSERT_FALSE(other);
  EXPECT_EQ(other.error().code, ErrorCode::kAlreadyExists);
}

TEST_P(UsersServiceTest, PointsForMissingUserIsNotFound) {
  Result<v1::PointsChangeResponse> earned = service_->EarnPoints(Change(999999, 1, "k"));
  ASSERT_FALSE(earned);
  EXPECT_EQ(earned.error().code, ErrorCode::kNotFound);
}

TEST_P(UsersServiceTest, IncrementCountersAddsToProfile) {
  const v1::User user = Create("ada");
  v1::IncrementCountersRequest increment;
  increment.set_user_id(user.id());
  increment.set_labs_solved(1);
  increment.set_labs_reviewed(2);
  ASSERT_TRUE(service_->IncrementCounters(increment));
  ASSERT_TRUE(service_->IncrementCounters(increment));

  v1::GetUserRequest get;
  get.set_id(user.id());
  Result<v1::User> updated = service_->GetUser(get, ContextFor(user));
  ASSERT_TRUE(updated);
  EXPECT_EQ(updated->labs_solved(), 2);
  EXPECT_EQ(updated->labs_reviewed(), 4);

  increment.set_user_id(999999);
  Status missing = service_->IncrementCounters(increment);
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, ErrorCode::kNotFound);
}

TEST_P(UsersServiceTest, ConcurrentSpendAndEarnKeepLedgerConsistent) {
  const v1::User user = Create("ada");
  constexpr int kThreads = 20;
  constexpr int kOperations = 15;
  std::atomic<int> insufficient{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kOperations; ++i) {
        const std::string key = "t" + std::to_string(t) + "-" + std::to_string(i);
        // Even threads spend 2, odd threads earn 1: spends outrun earnings and hit zero.
        Result<v1::PointsChangeResponse> result =
            t % 2 == 0 ? service_->SpendPoints(Change(user.id(), 2, key))
                       : service_->EarnPoints(Change(user.id(), 1, key));
        if (!result) {
          EXPECT_EQ(result.error().code, ErrorCode::kPaymentRequired) << result.error().internal;
          ++insufficient;
          continue;
        }
        EXPECT_GE(result->balance(), 0);
      }
    });
  }
  for (std::thread& thread : threads) {
    thread.join();
  }

  long long balance = -1;
  long long ledger_sum = -2;
  long long negative_rows = -1;
  ASSERT_TRUE(database_->WithSession<int>([&](soci::session& session) -> Result<int> {
    session << "SELECT balance FROM users WHERE id = :id", soci::use(user.id()),
        soci::into(balance);
    session << "SELECT SUM(amount) FROM points_ledger WHERE user_id = :id", soci::use(user.id()),
        soci::into(ledger_sum);
    session << "SELECT COUNT(*) FROM points_ledger WHERE balance_after < 0",
        soci::into(negative_rows);
    return 0;
  }));
  EXPECT_EQ(balance, ledger_sum);
  EXPECT_EQ(negative_rows, 0);
  EXPECT_GT(insufficient.load(), 0);
}

TEST_P(UsersServiceTest, ConcurrentSameKeyAppliesOnce) {
  const v1::User user = Create("ada");
  std::vector<std::thread> threads;
  std::atomic<int> applied{0};
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&] {
      Result<v1::PointsChangeResponse> result = service_->EarnPoints(Change(user.id(), 5, "once"));
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
  v1::GetUserRequest get;
  get.set_id(user.id());
  EXPECT_EQ(service_->GetUser(get, ContextFor(user))->balance(), 15);
}

TEST_P(UsersServiceTest, UpdateProfileKeepsUnsetFields) {
  const v1::User user = Create("ada");
  v1::UpdateProfileRequest request;
  request.set_id(user.id());
  request.set_bio("Writes about engines.");
  Result<v1::User> updated = service_->UpdateProfile(request, ContextFor(user));
  ASSERT_TRUE(updated);
  EXPECT_EQ(updated->bio(), "Writes about engines.");
  EXPECT_EQ(updated->name(), "Test");
}

TEST_P(UsersServiceTest, UpdateOtherProfileIsDenied) {
  const v1::User ada = Create("ada");
  const v1::User bob = Create("bob");
  v1::UpdateProfileRequest request;
  request.set_id(ada.id());
  request.set_name("Mallory");
  Result<v1::User> updated = service_->UpdateProfile(request, ContextFor(bob));
  ASSERT_FALSE(updated);
  EXPECT_EQ(updated.error().code, ErrorCode::kPermissionDenied);
}

TEST_P(UsersServiceTest, OnlyAdminsSetRoles) {
  const v1::User ada = Create("ada");
  v1::SetRoleRequest request;
  request.set_id(ada.id());
  request.set_role("moderator");
  Result<v1::User> denied = service_->SetRole(request, ContextFor(ada));
  ASSERT_FALSE(denied);
  EXPECT_EQ(denied.error().code, ErrorCode::kPermissionDenied);

  CallContext admin = ContextFor(ada);
  admin.role = "admin";
  Result<v1::User> changed = service_->SetRole(request, admin);
  ASSERT_TRUE(changed);
  EXPECT_EQ(changed->role(), "moderator");
}

TEST_P(UsersServiceTest, LeaderboardRanksByPoints) {
  const v1::User ada = Create("ada");
  const v1::User bob = Create("bob");
  ASSERT_TRUE(service_->EarnPoints(Change(bob.id(), 5, "bonus")));
  Result<v1::LeaderboardResponse> board = service_->Leaderboard({});
  ASSERT_TRUE(board);
  ASSERT_EQ(board->items_size(), 2);
  EXPECT_EQ(board->total(), 2);
  EXPECT_EQ(board->items(0).username(), "bob");
  EXPECT_EQ(board->items(0).rank(), 1);
  EXPECT_EQ(board->items(0).points(), 15);
  EXPECT_EQ(board->items(1).username(), "ada");
}

TEST_P(UsersServiceTest, FindUserByEmailOrUsername) {
  const v1::User ada = Create("ada");
  v1::FindUserRequest by_email;
  by_email.set_login("ADA@example.org");
  Result<v1::User> found = service_->FindUser(by_email);
  ASSERT_TRUE(found);
  EXPECT_EQ(found->id(), ada.id());

  v1::FindUserRequest missing;
  missing.set_login("nobody");
  Result<v1::User> not_found = service_->FindUser(missing);
  ASSERT_FALSE(not_found);
  EXPECT_EQ(not_found.error().code, ErrorCode::kNotFound);
}

INSTANTIATE_TEST_SUITE_P(Engines, UsersServiceTest, ::testing::ValuesIn(storage::TestDialects()),
                         [](const auto& info) { return storage::DialectName(info.param); });

}  // namespace
}  // namespace openlabs::users
