export { ArticleEditForm } from "./components/ArticleEditForm";
export { ArticleList } from "./components/ArticleList";
export { ArticleUploadForm } from "./components/ArticleUploadForm";
export { ArticleView } from "./components/ArticleView";
export { DeleteArticleButton } from "./components/DeleteArticleButton";
export { RecentArticles } from "./components/RecentArticles";
export { useArticle } from "./hooks/queries";
