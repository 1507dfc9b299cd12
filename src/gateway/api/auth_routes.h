#pragma once

#include "gateway/router.h"
#include "services/auth/auth_service.h"

namespace openlabs::gateway {

// Adds the /api/v1/auth/... routes.
void AddAuthRoutes(Router& router, auth::AuthService& auth);

}  // namespace openlabs::gateway
