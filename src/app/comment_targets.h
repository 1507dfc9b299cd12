#pragma once

#include <cstdint>
#include <string_view>

#include "services/articles/articles_service.h"
#include "services/feedback/comments_service.h"
#include "services/labs/labs_service.h"

namespace openlabs::app {

// Tells the comments service whether a lab or an article exists, by asking the service that
// owns it. Archived labs still take comments, because they stay readable by id.
class CommentTargetsAdapter final : public feedback::CommentTargets {
 public:
  CommentTargetsAdapter(labs::LabsService& labs, articles::ArticlesService& articles)
      : labs_(labs), articles_(articles) {}

  Status CheckTarget(std::string_view target_type, int64_t target_id) override;

 private:
  labs::LabsService& labs_;
  articles::ArticlesService& articles_;
};

}  // namespace openlabs::app
