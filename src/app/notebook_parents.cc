#include "app/notebook_parents.h"

namespace openlabs::app {

Result<notebooks::ParentInfo> NotebookParentsAdapter::GetParent(std::string_view parent_type,
                                                                int64_t parent_id,
                                                                const CallContext&) {
  if (parent_type == "lab") {
    v1::GetLabRequest get;
    get.set_id(parent_id);
    Result<v1::Lab> lab = labs_.GetLab(get);
    if (!lab) {
      return Fail(lab.error());
    }
    return notebooks::ParentInfo{lab->author_id()};
  }
  if (parent_type == "article") {
    v1::GetArticleRequest get;
    get.set_id(parent_id);
    Result<v1::Article> article = articles_.GetArticle(get);
    if (!article) {
      return Fail(article.error());
    }
    return notebooks::ParentInfo{article->uploader_id()};
  }
  return Fail(Error::NotFound("Notebooks belong only to labs and articles."));
}

}  // namespace openlabs::app
