#pragma once

#include "gateway/router.h"
#include "services/auth/auth_service.h"
#include "services/feedback/comments_service.h"

namespace openlabs::gateway {

// Adds /api/v1/labs/{id}/comments, /api/v1/articles/{id}/comments and /api/v1/comments/{id}.
void AddCommentsRoutes(Router& router, feedback::CommentsService& comments,
                       auth::AuthService& auth);

}  // namespace openlabs::gateway
