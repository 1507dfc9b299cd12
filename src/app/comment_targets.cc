#include "app/comment_targets.h"

namespace openlabs::app {

Status CommentTargetsAdapter::CheckTarget(std::string_view target_type, int64_t target_id) {
  if (target_type == "lab") {
    v1::GetLabRequest get;
    get.set_id(target_id);
    Result<v1::Lab> lab = labs_.GetLab(get);
    if (!lab) {
      return Fail(lab.error());
    }
    return {};
  }
  if (target_type == "article") {
    v1::GetArticleRequest get;
    get.set_id(target_id);
    Result<v1::Article> article = articles_.GetArticle(get);
    if (!article) {
      return Fail(article.error());
    }
    return {};
  }
  return Fail(Error::NotFound("Comments exist only on labs and articles."));
}

}  // namespace openlabs::app
