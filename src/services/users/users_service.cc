#include "services/users/users_service.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <optional>

#include "common/clock.h"
#include "services/users/validation.h"

namespace openlabs::users {
namespace {

using storage::Database;

constexpr int kDefaultPageSize = 20;
constexpr int kMaxPageSize = 100;
constexpr size_t kMaxReasonLength = 64;
constexpr size_t kMaxReferenceLength = 200;
constexpr size_t kMaxIdempotencyKeyLength = 200;

constexpr const char* kUserColumns =
    "id, username, email, name, surname, bio, role, balance, labs_solved, labs_reviewed, "
    "mfa_enabled, created_at";

constexpr const char* kLedgerColumns =
    "id, user_id, amount, balance_after, reason, reference, idempotency_key, created_at";

// One row of the users table, read with typed into() so that it works on both engines.
struct UserRow {
  long long id = 0;
  std::string username;
  std::string email;
  std::string name;
  std::string surname;
  std::string bio;
  std::string role;
  long long balance = 0;
  long long labs_solved = 0;
  long long labs_reviewed = 0;
  int mfa_enabled = 0;
  long long created_at = 0;

  v1::User ToProto(bool with_private_fields) const {
    v1::User user;
    user.set_id(id);
    user.set_username(username);
    user.set_name(name);
    user.set_surname(surname);
    user.set_bio(bio);
    user.set_role(role);
    user.set_labs_solved(labs_solved);
    user.set_labs_reviewed(labs_reviewed);
    user.set_created_at(created_at);
    if (with_private_fields) {
      user.set_email(email);
      user.set_balance(balance);
      user.set_mfa_enabled(mfa_enabled != 0);
    }
    return user;
  }
};

struct LedgerRow {
  long long id = 0;
  long long user_id = 0;
  long long amount = 0;
  long long balance_after = 0;
  std::string reason;
  std::string reference;
  std::string idempotency_key;
  long long created_at = 0;

  v1::LedgerEntry ToProto() const {
    v1::LedgerEntry entry;
    entry.set_id(id);
    entry.set_user_id(user_id);
    entry.set_amount(amount);
    entry.set_balance_after(balance_after);
    entry.set_reason(reason);
    entry.set_reference(reference);
    entry.set_idempotency_key(idempotency_key);
    entry.set_created_at(created_at);
    return entry;
  }
};

// Binds every column of kUserColumns, in order, to `row`.
template <typename Statement>
void IntoUser(Statement&& statement, UserRow& row) {
  statement, soci::into(row.id), soci::into(row.username), soci::into(row.email),
      soci::into(row.name), soci::into(row.surname), soci::into(row.bio), soci::into(row.role),
      soci::into(row.balance), soci::into(row.labs_solved), soci::into(row.labs_reviewed),
      soci::into(row.mfa_enabled), soci::into(row.created_at);
}

std::optional<UserRow> LoadUserById(soci::session& session, long long id) {
  UserRow row;
  IntoUser((session << std::string("SELECT ") + kUserColumns + " FROM users WHERE id = :id",
            soci::use(id)),
           row);
  if (!session.got_data()) {
    return std::nullopt;
  }
  return row;
}

// SELECT of one user by id, prepared once per pooled connection (see Database::WithPrepared).
class UserByIdQuery {
 public:
  explicit UserByIdQuery(soci::session& session)
      : statement_((session.prepare << std::string("SELECT ") + kUserColumns +
                                           " FROM users WHERE id = :id",
                    soci::use(id_, "id"), soci::into(row_.id), soci::into(row_.username),
                    soci::into(row_.email), soci::into(row_.name), soci::into(row_.surname),
                    soci::into(row_.bio), soci::into(row_.role), soci::into(row_.balance),
                    soci::into(row_.labs_solved), soci::into(row_.labs_reviewed),
                    soci::into(row_.mfa_enabled), soci::into(row_.created_at))) {}
  UserByIdQuery(const UserByIdQuery&) = delete;
  UserByIdQuery& operator=(const UserByIdQuery&) = delete;

  std::optional<UserRow> Run(long long id) {
    id_ = id;
    std::optional<UserRow> found;
    if (statement_.execute(true)) {
      found = row_;
      // Runs the statement to its end; ids are unique, so this fetches no second row.
      while (statement_.fetch()) {
      }
    }
    return found;
  }

 private:
  long long id_ = 0;
  UserRow row_;
  soci::statement statement_;
};

std::optional<UserRow> LoadUserByKey(soci::session& session, const std::string& key) {
  UserRow row;
  IntoUser(
      (session << std::string("SELECT ") + kUserColumns +
                      " FROM users WHERE username_key = :username_key OR email_key = :email_key",
       soci::use(key, "username_key"), soci::use(key, "email_key")),
      row);
  if (!session.got_data()) {
    return std::nullopt;
  }
  return row;
}

std::optional<LedgerRow> LoadLedgerByKey(soci::session& session, const std::string& key) {
  LedgerRow row;
  session << std::string("SELECT ") + kLedgerColumns +
                 " FROM points_ledger WHERE idempotency_key = :key",
      soci::use(key), soci::into(row.id), soci::into(row.user_id), soci::into(row.amount),
      soci::into(row.balance_after), soci::into(row.reason), soci::into(row.reference),
      soci::into(row.idempotency_key), soci::into(row.created_at);
  if (!session.got_data()) {
    return std::nullopt;
  }
  return row;
}

Error UserNotFound() { return Error::NotFound("The user does not exist."); }

bool IsValidRole(std::string_view role) {
  return role == "user" || role == "moderator" || role == "admin";
}

std::pair<int, int> PageAndLimit(int page, int limit) {
  const int clamped_page = std::max(page, 1);
  const int clamped_limit = limit <= 0 ? kDefaultPageSize : std::min(limit, kMaxPageSize);
  return {clamped_page, clamped_limit};
}

std::vector<FieldViolation> CheckPointsRequest(const v1::PointsChangeRequest& request) {
  std::vector<FieldViolation> problems;
  if (request.user_id() <= 0) {
    problems.push_back({"user_id", "must be a user id"});
  }
  if (request.amount() <= 0 || request.amount() > 1'000'000) {
    problems.push_back({"amount", "must be between 1 and 1000000"});
  }
  if (request.reason().empty() || request.reason().size() > kMaxReasonLength) {
    problems.push_back({"reason", "must be 1 to 64 characters long"});
  }
  if (request.reference().size() > kMaxReferenceLength) {
    problems.push_back({"reference", "must be at most 200 characters long"});
  }
  if (request.idempotency_key().empty() ||
      request.idempotency_key().size() > kMaxIdempotencyKeyLength) {
    problems.push_back({"idempotency_key", "must be 1 to 200 characters long"});
  }
  return problems;
}

// Marks a transaction that lost an idempotency-key race; the caller then reads the winner.
constexpr const char* kKeyRaceMarker = "idempotency key race";

class SqlUsersService final : public UsersService {
 public:
  SqlUsersService(Database& database, UsersOptions options)
      : database_(database), options_(options) {}

  Result<v1::User> CreateUser(const v1::CreateUserRequest& request) override {
    std::vector<FieldViolation> problems;
    CheckUsername(request.username(), problems);
    CheckEmail(request.email(), problems);
    CheckText("name", request.name(), kMaxNameLength, false, problems);
    CheckText("surname", request.surname(), kMaxNameLength, false, problems);
    const std::string role = request.role().empty() ? "user" : request.role();
    if (!IsValidRole(role)) {
      problems.push_back({"role", "must be user, moderator or admin"});
    }
    if (!problems.empty()) {
      return Fail(Error::Validation(std::move(problems)));
    }

    return database_.InTransaction<v1::User>([&](soci::session& session) -> Result<v1::User> {
      const std::string username_key = LoginKey(request.username());
      const std::string email_key = LoginKey(request.email());
      if (Result<void> free = CheckLoginsFree(session, username_key, email_key); !free) {
        return Fail(free.error());
      }

      const long long now = NowMillis();
      long long id = 0;
      try {
        session << "INSERT INTO users (username, username_key, email, email_key, name, surname, "
                   "role, created_at, updated_at) VALUES (:username, :username_key, :email, "
                   ":email_key, :name, :surname, :role, :created_at, :updated_at) RETURNING id",
            soci::use(request.username(), "username"), soci::use(username_key, "username_key"),
            soci::use(request.email(), "email"), soci::use(email_key, "email_key"),
            soci::use(request.name(), "name"), soci::use(request.surname(), "surname"),
            soci::use(role, "role"), soci::use(now, "created_at"), soci::use(now, "updated_at"),
            soci::into(id);
      } catch (const soci::soci_error& error) {
        if (storage::IsUniqueViolation(error)) {
          return Fail(Error::AlreadyExists("The username or email is already registered."));
        }
        throw;
      }

      if (options_.initial_points > 0) {
        v1::PointsChangeRequest signup;
        signup.set_user_id(id);
        signup.set_amount(options_.initial_points);
        signup.set_reason("signup");
        signup.set_reference("user:" + std::to_string(id));
        signup.set_idempotency_key("signup:" + std::to_string(id));
        Result<v1::PointsChangeResponse> credited = ApplyChange(session, signup, 1);
        if (!credited) {
          return Fail(credited.error());
        }
      }
      spdlog::info("created user id={} role={}", id, role);
      return LoadUserById(session, id)->ToProto(true);
    });
  }

  Result<v1::User> GetUser(const v1::GetUserRequest& request, const CallContext& context) override {
    return database_.WithSession<v1::User>([&](soci::session& session) -> Result<v1::User> {
      std::optional<UserRow> row = database_.WithPrepared<UserByIdQuery>(
          session, [&](UserByIdQuery& query) { return query.Run(request.id()); });
      if (!row) {
        return Fail(UserNotFound());
      }
      return row->ToProto(context.user_id == row->id || context.is_admin());
    });
  }

  Result<v1::User> FindUser(const v1::FindUserRequest& request) override {
    return database_.WithSession<v1::User>([&](soci::session& session) -> Result<v1::User> {
      std::optional<UserRow> row = LoadUserByKey(session, LoginKey(request.login()));
      if (!row) {
        return Fail(UserNotFound());
      }
      return row->ToProto(true);
    });
  }

  Status DeleteUser(const v1::DeleteUserRequest& request) override {
    return database_.InTransaction<void>([&](soci::session& session) -> Status {
      const long long id = request.id();
      session << "DELETE FROM points_ledger WHERE user_id = :id", soci::use(id);
      session << "DELETE FROM users WHERE id = :id", soci::use(id);
      spdlog::warn("deleted user id={} to undo a failed registration", id);
      return {};
    });
  }

  Result<v1::User> UpdateProfile(const v1::UpdateProfileRequest& request,
                                 const CallContext& context) override {
    if (!context.authenticated()) {
      return Fail(Error::Unauthenticated("Sign in to change a profile."));
    }
    if (request.id() != context.user_id && !context.is_admin()) {
      return Fail(Error::PermissionDenied("You can change only your own profile."));
    }
    std::vector<FieldViolation> problems;
    CheckText("name", request.name(), kMaxNameLength, false, problems);
    CheckText("surname", request.surname(), kMaxNameLength, false, problems);
    CheckText("bio", request.bio(), kMaxBioLength, true, problems);
    if (!problems.empty()) {
      return Fail(Error::Validation(std::move(problems)));
    }

    return database_.InTransaction<v1::User>([&](soci::session& session) -> Result<v1::User> {
      std::optional<UserRow> row = LoadUserById(session, request.id());
      if (!row) {
        return Fail(UserNotFound());
      }
      const std::string name = request.has_name() ? request.name() : row->name;
      const std::string surname = request.has_surname() ? request.surname() : row->surname;
      const std::string bio = request.has_bio() ? request.bio() : row->bio;
      const long long now = NowMillis();
      session << "UPDATE users SET name = :name, surname = :surname, bio = :bio, "
                 "updated_at = :now WHERE id = :id",
          soci::use(name), soci::use(surname), soci::use(bio), soci::use(now), soci::use(row->id);
      row->name = name;
      row->surname = surname;
      row->bio = bio;
      return row->ToProto(true);
    });
  }

  Result<v1::User> SetRole(const v1::SetRoleRequest& request, const CallContext& context) override {
    if (!context.is_admin()) {
      return Fail(Error::PermissionDenied("Only admins can change roles."));
    }
    if (!IsValidRole(request.role())) {
      return Fail(Error::Validation({{"role", "must be user, moderator or admin"}}));
    }
    return database_.InTransaction<v1::User>([&](soci::session& session) -> Result<v1::User> {
      std::optional<UserRow> row = LoadUserById(session, request.id());
      if (!row) {
        return Fail(UserNotFound());
      }
      const long long now = NowMillis();
      session << "UPDATE users SET role = :role, updated_at = :now WHERE id = :id",
          soci::use(request.role()), soci::use(now), soci::use(row->id);
      spdlog::info("user id={} set the role of user id={} to {}", context.user_id, row->id,
                   request.role());
      row->role = request.role();
      return row->ToProto(true);
    });
  }

  Status SetMfaFlag(const v1::SetMfaFlagRequest& request) override {
    return database_.InTransaction<void>([&](soci::session& session) -> Status {
      const int enabled = request.enabled() ? 1 : 0;
      const long long now = NowMillis();
      const long long id = request.id();
      soci::statement update = (session.prepare << "UPDATE users SET mfa_enabled = :enabled, "
                                                   "updated_at = :now WHERE id = :id",
                                soci::use(enabled), soci::use(now), soci::use(id));
      update.execute(true);
      if (update.get_affected_rows() == 0) {
        return Fail(UserNotFound());
      }
      return {};
    });
  }

  Result<v1::PointsChangeResponse> SpendPoints(const v1::PointsChangeRequest& request) override {
    return ChangePoints(request, -1);
  }

  Result<v1::PointsChangeResponse> EarnPoints(const v1::PointsChangeRequest& request) override {
    return ChangePoints(request, 1);
  }

  Result<v1::PointsChangeResponse> RefundPoints(const v1::PointsChangeRequest& request) override {
    return ChangePoints(request, 1);
  }

  Status IncrementCounters(const v1::IncrementCountersRequest& request) override {
    return database_.InTransaction<void>([&](soci::session& session) -> Status {
      const long long solved = request.labs_solved();
      const long long reviewed = request.labs_reviewed();
      const long long now = NowMillis();
      const long long id = request.user_id();
      soci::statement update =
          (session.prepare << "UPDATE users SET labs_solved = labs_solved + :solved, "
                              "labs_reviewed = labs_reviewed + :reviewed, updated_at = :now "
                              "WHERE id = :id",
           soci::use(solved, "solved"), soci::use(reviewed, "reviewed"), soci::use(now, "now"),
           soci::use(id, "id"));
      update.execute(true);
      if (update.get_affected_rows() == 0) {
        return Fail(UserNotFound());
      }
      return {};
    });
  }

  Result<v1::ListLedgerResponse> ListLedger(const v1::ListLedgerRequest& request,
                                            const CallContext& context) override {
    if (!context.authenticated()) {
      return Fail(Error::Unauthenticated("Sign in to see your points."));
    }
    const long long user_id = request.user_id() == 0 ? context.user_id : request.user_id();
    if (user_id != context.user_id && !context.is_admin()) {
      return Fail(Error::PermissionDenied("You can see only your own points history."));
    }
    const auto [page, limit] = PageAndLimit(request.page(), request.limit());

    return database_.WithSession<v1::ListLedgerResponse>(
        [&](soci::session& session) -> Result<v1::ListLedgerResponse> {
          v1::ListLedgerResponse response;
          long long total = 0;
          session << "SELECT COUNT(*) FROM points_ledger WHERE user_id = :id", soci::use(user_id),
              soci::into(total);
          response.set_total(total);
          response.set_page(page);
          response.set_limit(limit);

          LedgerRow row;
          const long long offset = static_cast<long long>(page - 1) * limit;
          const long long limit_value = limit;
          soci::statement select =
              (session.prepare << std::string("SELECT ") + kLedgerColumns +
                                      " FROM points_ledger WHERE user_id = :id ORDER BY id DESC "
                                      "LIMIT :limit OFFSET :offset",
               soci::use(user_id), soci::use(limit_value), soci::use(offset), soci::into(row.id),
               soci::into(row.user_id), soci::into(row.amount), soci::into(row.balance_after),
               soci::into(row.reason), soci::into(row.reference), soci::into(row.idempotency_key),
               soci::into(row.created_at));
          select.execute();
          while (select.fetch()) {
            *response.add_items() = row.ToProto();
          }
          return response;
        });
  }

  Result<v1::LeaderboardResponse> Leaderboard(const v1::LeaderboardRequest& request) override {
    const auto [page, limit] = PageAndLimit(request.page(), request.limit());
    return database_.WithSession<v1::LeaderboardResponse>(
        [&](soci::session& session) -> Result<v1::LeaderboardResponse> {
          v1::LeaderboardResponse response;
          long long total = 0;
          session << "SELECT COUNT(*) FROM users", soci::into(total);
          response.set_total(total);
          response.set_page(page);
          response.set_limit(limit);

          v1::LeaderboardEntry entry;
          long long id = 0;
          long long points = 0;
          long long solved = 0;
          long long reviewed = 0;
          std::string username;
          std::string name;
          std::string surname;
          const long long offset = static_cast<long long>(page - 1) * limit;
          const long long limit_value = limit;
          soci::statement select =
              (session.prepare << "SELECT id, username, name, surname, balance, labs_solved, "
                                  "labs_reviewed FROM users ORDER BY balance DESC, id ASC "
                                  "LIMIT :limit OFFSET :offset",
               soci::use(limit_value), soci::use(offset), soci::into(id), soci::into(username),
               soci::into(name), soci::into(surname), soci::into(points), soci::into(solved),
               soci::into(reviewed));
          select.execute();
          long long rank = offset;
          while (select.fetch()) {
            v1::LeaderboardEntry* item = response.add_items();
            item->set_rank(++rank);
            item->set_user_id(id);
            item->set_username(username);
            item->set_name(name);
            item->set_surname(surname);
            item->set_points(points);
            item->set_labs_solved(solved);
            item->set_labs_reviewed(reviewed);
          }
          return response;
        });
  }

 private:
  static Status CheckLoginsFree(soci::session& session, const std::string& username_key,
                                const std::string& email_key) {
    std::vector<FieldViolation> taken;
    int count = 0;
    session << "SELECT COUNT(*) FROM users WHERE username_key = :key", soci::use(username_key),
        soci::into(count);
    if (count > 0) {
      taken.push_back({"username", "is already taken"});
    }
    session << "SELECT COUNT(*) FROM users WHERE email_key = :key", soci::use(email_key),
        soci::into(count);
    if (count > 0) {
      taken.push_back({"email", "is already registered"});
    }
    if (!taken.empty()) {
      return Fail({ErrorCode::kAlreadyExists, "The username or email is already registered.",
                   std::move(taken)});
    }
    return {};
  }

  Result<v1::PointsChangeResponse> ChangePoints(const v1::PointsChangeRequest& request, int sign) {
    if (std::vector<FieldViolation> problems = CheckPointsRequest(request); !problems.empty()) {
      return Fail(Error::Validation(std::move(problems)));
    }
    Result<v1::PointsChangeResponse> result = database_.InTransaction<v1::PointsChangeResponse>(
        [&](soci::session& session) { return ApplyChange(session, request, sign); });
    if (result || result.error().internal != kKeyRaceMarker) {
      return result;
    }
    // Another request with the same key committed first; report its entry.
    return database_.WithSession<v1::PointsChangeResponse>(
        [&](soci::session& session) { return Replay(session, request, sign); });
  }

  // Applies one change inside the caller's transaction.
  static Result<v1::PointsChangeResponse> ApplyChange(soci::session& session,
                                                      const v1::PointsChangeRequest& request,
                                                      int sign) {
    if (LoadLedgerByKey(session, request.idempotency_key())) {
      return Replay(session, request, sign);
    }

    const long long delta = sign * request.amount();
    const long long user_id = request.user_id();
    const long long now = NowMillis();
    soci::statement update =
        (session.prepare << "UPDATE users SET balance = balance + :delta, updated_at = :now "
                            "WHERE id = :id AND balance + :check_delta >= 0",
         soci::use(delta, "delta"), soci::use(now, "now"), soci::use(user_id, "id"),
         soci::use(delta, "check_delta"));
    update.execute(true);
    if (update.get_affected_rows() == 0) {
      if (!LoadUserById(session, user_id)) {
        return Fail(UserNotFound());
      }
      return Fail({ErrorCode::kPaymentRequired, "You do not have enough points: this costs " +
                                                    std::to_string(request.amount()) + "."});
    }

    LedgerRow row;
    row.user_id = user_id;
    row.amount = delta;
    row.reason = request.reason();
    row.reference = request.reference();
    row.idempotency_key = request.idempotency_key();
    row.created_at = now;
    session << "SELECT balance FROM users WHERE id = :id", soci::use(user_id),
        soci::into(row.balance_after);
    try {
      session << "INSERT INTO points_ledger (user_id, amount, balance_after, reason, reference, "
                 "idempotency_key, created_at) VALUES (:user_id, :amount, :balance_after, "
                 ":reason, :reference, :key, :created_at) RETURNING id",
          soci::use(row.user_id), soci::use(row.amount), soci::use(row.balance_after),
          soci::use(row.reason), soci::use(row.reference), soci::use(row.idempotency_key),
          soci::use(row.created_at), soci::into(row.id);
    } catch (const soci::soci_error& error) {
      if (storage::IsUniqueViolation(error)) {
        return Fail(
            {ErrorCode::kInternal, "The points change failed; retry it.", {}, kKeyRaceMarker});
      }
      throw;
    }

    v1::PointsChangeResponse response;
    *response.mutable_entry() = row.ToProto();
    response.set_balance(row.balance_after);
    return response;
  }

  static Result<v1::PointsChangeResponse> Replay(soci::session& session,
                                                 const v1::PointsChangeRequest& request, int sign) {
    std::optional<LedgerRow> existing = LoadLedgerByKey(session, request.idempotency_key());
    if (!existing) {
      return Fail(Error::Internal("idempotency key vanished: " + request.idempotency_key()));
    }
    if (existing->user_id != request.user_id() || existing->amount != sign * request.amount()) {
      return Fail(Error::AlreadyExists(
          "The idempotency key was already used for a different points change."));
    }
    long long balance = 0;
    session << "SELECT balance FROM users WHERE id = :id", soci::use(existing->user_id),
        soci::into(balance);
    v1::PointsChangeResponse response;
    *response.mutable_entry() = existing->ToProto();
    response.set_balance(balance);
    response.set_replayed(true);
    return response;
  }

  Database& database_;
  UsersOptions options_;
};

}  // namespace

std::unique_ptr<UsersService> MakeUsersService(Database& database, UsersOptions options) {
  return std::make_unique<SqlUsersService>(database, options);
}

}  // namespace openlabs::users
