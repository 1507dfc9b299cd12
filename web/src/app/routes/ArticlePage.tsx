import { Suspense } from "react";
import { Link, useNavigate, useParams } from "react-router";

import { buttonClass } from "@/components/ui/button-class";
import { LoadErrorPage } from "@/components/ui/ErrorPage";
import { Loading } from "@/components/ui/Loading";
import { ArticleView, DeleteArticleButton, useArticle } from "@/features/articles";
import { AssistantPanel } from "@/features/assistant";
import { CommentThread } from "@/features/comments";
import { ParentNotebooks } from "@/features/notebooks";
import { RelatedItems } from "@/features/recommendations";
import { useMe, UserLink } from "@/features/users";
import { useDocumentTitle } from "@/lib/use-document-title";

import { parseId } from "../parse-id";

export function ArticlePage() {
  const id = parseId(useParams().id);
  const article = useArticle(id);
  const { data: me } = useMe();
  const navigate = useNavigate();
  useDocumentTitle(article.data?.title ?? "Article");
  if (article.isPending) return <Loading label="Loading the article…" />;
  if (article.isError) return <LoadErrorPage thing="article" error={article.error} />;

  const canModerate = me !== undefined && me.role !== "user";
  const canEdit = me !== undefined && (me.id === article.data.uploader_id || canModerate);
  const actions = canEdit && (
    <>
      <Link to={`/articles/${id}/edit`} className={buttonClass("secondary")}>
        Edit
      </Link>
      <DeleteArticleButton
        articleId={id}
        onDeleted={() => {
          void navigate("/articles");
        }}
      />
    </>
  );

  return (
    <div className="space-y-10">
      <ArticleView article={article.data} actions={actions} />
      {me !== undefined && (
        <Suspense fallback={null}>
          <ParentNotebooks parent={{ article: id }} viewerId={me.id} />
        </Suspense>
      )}
      <AssistantPanel scope={{ article_id: id }} />
      <RelatedItems source="article" id={id} title="Related labs and articles" />
      <CommentThread
        targetType="article"
        targetId={id}
        viewer={{ userId: me?.id, canModerate }}
        renderAuthor={(authorId) => <UserLink id={authorId} />}
      />
    </div>
  );
}
