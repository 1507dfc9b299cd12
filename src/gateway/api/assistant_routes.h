#pragma once

#include "gateway/router.h"
#include "services/assistant/answer_pool.h"
#include "services/assistant/chat_service.h"
#include "services/auth/auth_service.h"

namespace openlabs::gateway {

// Adds the assistant routes:
//   POST   /api/v1/assistant/chat                 answer as server-sent events
//   GET    /api/v1/assistant/conversations        the caller's, optionally ?lab_id= or ?article_id=
//   GET    /api/v1/assistant/conversations/{id}
//   DELETE /api/v1/assistant/conversations/{id}
//   GET    /api/v1/labs/{id}/assistant            the lab's assistant mode
//   PUT    /api/v1/labs/{id}/assistant            {mode: "on" | "guide" | "off"}, author only
void AddAssistantRoutes(Router& router, assistant::ChatService& chat, auth::AuthService& auth,
                        assistant::AnswerPool& answers);

}  // namespace openlabs::gateway
