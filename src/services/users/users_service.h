#pragma once

#include <memory>
#include <span>

#include "common/call_context.h"
#include "common/error.h"
#include "openlabs/v1/users.pb.h"
#include "storage/database.h"
#include "storage/migrations.h"

namespace openlabs::users {

struct UsersOptions {
  int64_t initial_points = 10;  // credited to every new user as a "signup" ledger entry
};

// The users service: profiles, roles and the points ledger. Calls made for another service
// (CreateUser, FindUser, DeleteUser, SetMfaFlag and the points operations) trust their caller;
// the gateway exposes only GetUser, UpdateProfile, SetRole, ListLedger and Leaderboard, which
// check the CallContext. Implementations are thread-safe.
class UsersService {
 public:
  virtual ~UsersService() = default;

  // Creates a user with the initial points. kValidationFailed for a bad username, email or
  // name; kAlreadyExists when the username or email (case-insensitive) is taken.
  virtual Result<v1::User> CreateUser(const v1::CreateUserRequest& request) = 0;

  // The user with private fields (email, balance) filled only for the user themself and admins.
  virtual Result<v1::User> GetUser(const v1::GetUserRequest& request,
                                   const CallContext& context) = 0;

  // Finds a user by username or email, with all fields. kNotFound when there is none.
  virtual Result<v1::User> FindUser(const v1::FindUserRequest& request) = 0;

  // Removes a user and their ledger; used only to undo a registration that failed halfway.
  virtual Status DeleteUser(const v1::DeleteUserRequest& request) = 0;

  // Changes name, surname and bio of the caller (or of anyone, for admins).
  virtual Result<v1::User> UpdateProfile(const v1::UpdateProfileRequest& request,
                                         const CallContext& context) = 0;

  // Changes a role; only admins may.
  virtual Result<v1::User> SetRole(const v1::SetRoleRequest& request,
                                   const CallContext& context) = 0;

  virtual Status SetMfaFlag(const v1::SetMfaFlagRequest& request) = 0;

  // Points operations. The balance and the ledger row change in one transaction. A key seen
  // before returns the original entry with `replayed` set and changes nothing, and a key seen
  // before with another user or amount is kAlreadyExists. A spend beyond the balance is
  // kPaymentRequired and changes nothing.
  virtual Result<v1::PointsChangeResponse> SpendPoints(const v1::PointsChangeRequest& request) = 0;
  virtual Result<v1::PointsChangeResponse> EarnPoints(const v1::PointsChangeRequest& request) = 0;
  virtual Result<v1::PointsChangeResponse> RefundPoints(
      const v1::PointsChangeRequest& request) = 0;

  // Adds to the labs_solved and labs_reviewed counters; trusts its caller (the reviews service).
  // Not idempotent: these counters are statistics, not money. kNotFound for an unknown user.
  virtual Status IncrementCounters(const v1::IncrementCountersRequest& request) = 0;

  // The caller's ledger (admins may read anyone's), newest first.
  virtual Result<v1::ListLedgerResponse> ListLedger(const v1::ListLedgerRequest& request,
                                                    const CallContext& context) = 0;

  // Users ranked by points, then by age of account.
  virtual Result<v1::LeaderboardResponse> Leaderboard(const v1::LeaderboardRequest& request) = 0;
};

// The SQL implementation on the shared database. Its tables are "users" and "points_ledger".
std::unique_ptr<UsersService> MakeUsersService(storage::Database& database, UsersOptions options);

}  // namespace openlabs::users

namespace openlabs {
// The users service's migrations (generated from migrations/).
std::span<const storage::Migration> UsersMigrations();
}  // namespace openlabs
