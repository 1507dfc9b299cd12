#pragma once

#include <cstdint>
#include <string_view>

#include "services/articles/articles_service.h"
#include "services/labs/labs_service.h"
#include "services/notebooks/notebooks_service.h"

namespace openlabs::app {

// Finds the author of the lab or article a notebook belongs to, by asking the service that owns
// it. Every lab (published or archived) and every article is readable by id, so a parent that
// exists is readable by any caller.
class NotebookParentsAdapter final : public notebooks::NotebookParents {
 public:
  NotebookParentsAdapter(labs::LabsService& labs, articles::ArticlesService& articles)
      : labs_(labs), articles_(articles) {}

  Result<notebooks::ParentInfo> GetParent(std::string_view parent_type, int64_t parent_id,
                                          const CallContext& context) override;

 private:
  labs::LabsService& labs_;
  articles::ArticlesService& articles_;
};

}  // namespace openlabs::app
