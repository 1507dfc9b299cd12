#pragma once

#include "gateway/router.h"
#include "services/auth/auth_service.h"
#include "services/users/users_service.h"

namespace openlabs::gateway {

// Adds /api/v1/users/... and /api/v1/leaderboard.
void AddUsersRoutes(Router& router, users::UsersService& users, auth::AuthService& auth);

}  // namespace openlabs::gateway
