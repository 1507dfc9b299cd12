import { useNavigate, useParams } from "react-router";

import { LoadErrorPage } from "@/components/ui/ErrorPage";
import { Loading } from "@/components/ui/Loading";
import { ArticleEditForm, useArticle } from "@/features/articles";
import { useDocumentTitle } from "@/lib/use-document-title";

import { parseId } from "../parse-id";

export function ArticleEditPage() {
  const id = parseId(useParams().id);
  const article = useArticle(id);
  const navigate = useNavigate();
  useDocumentTitle("Edit article");
  if (article.isPending) return <Loading label="Loading the article…" />;
  if (article.isError) return <LoadErrorPage thing="article" error={article.error} />;
  return (
    <div className="max-w-2xl space-y-4">
      <h1 className="text-2xl font-bold">Edit “{article.data.title}”</h1>
      <ArticleEditForm
        article={article.data}
        onSaved={(saved) => {
          void navigate(`/articles/${saved.id}`);
        }}
      />
    </div>
  );
}
