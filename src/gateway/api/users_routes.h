#pragma once

#include <functional>

#include "gateway/router.h"
#include "openlabs/v1/submissions.pb.h"
#include "services/auth/auth_service.h"
#include "services/users/users_service.h"

namespace openlabs::gateway {

// Looks up a reviewer's reputation for the profile responses. A function, so that the users
// routes do not depend on the reviews service that stores the ratings.
using ReputationLookup = std::function<Result<v1::Reputation>(int64_t user_id)>;

// Adds /api/v1/users/... and /api/v1/leaderboard. With `reputation` set, user profiles carry a
// "reputation" object.
void AddUsersRoutes(Router& router, users::UsersService& users, auth::AuthService& auth,
                    ReputationLookup reputation = {});

}  // namespace openlabs::gateway
