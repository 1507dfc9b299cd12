import { useParams } from "react-router";

import { ErrorMessage } from "@/components/ui/ErrorMessage";
import { Loading } from "@/components/ui/Loading";
import { ArticleView, useArticle } from "@/features/articles";
import { CommentThread } from "@/features/comments";
import { useMe, UserLink } from "@/features/users";
import { useDocumentTitle } from "@/lib/use-document-title";

import { parseId } from "../parse-id";

export function ArticlePage() {
  const id = parseId(useParams().id);
  const article = useArticle(id);
  const { data: me } = useMe();
  useDocumentTitle(article.data?.title ?? "Article");
  if (article.isPending) return <Loading label="Loading the article…" />;
  if (article.isError)
    return <ErrorMessage error={article.error} title="This article could not be loaded." />;
  return (
    <div className="space-y-10">
      <ArticleView article={article.data} />
      <CommentThread
        targetType="article"
        targetId={id}
        viewer={{ userId: me?.id, canModerate: me !== undefined && me.role !== "user" }}
        renderAuthor={(authorId) => <UserLink id={authorId} />}
      />
    </div>
  );
}
