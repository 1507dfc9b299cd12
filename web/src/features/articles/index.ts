export { ArticleList } from "./components/ArticleList";
export { ArticleUploadForm } from "./components/ArticleUploadForm";
export { ArticleView } from "./components/ArticleView";
export { useArticle } from "./hooks/queries";
