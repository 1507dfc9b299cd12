import { useState } from "react";
import { Link } from "react-router";

import { EmptyState } from "@/components/ui/EmptyState";
import { ErrorMessage } from "@/components/ui/ErrorMessage";
import { Loading } from "@/components/ui/Loading";
import { Pagination } from "@/components/ui/Pagination";
import { draftKey } from "@/lib/drafts";

import type { TargetType } from "../api/comments-api";
import { useCommentActions, useComments } from "../hooks/queries";
import { CommentForm } from "./CommentForm";
import { CommentItem, type Viewer } from "./CommentItem";

interface CommentThreadProps {
  targetType: TargetType;
  targetId: number;
  viewer: Viewer;
  renderAuthor: (authorId: number) => React.ReactNode;
}

/** Shows the discussion under a lab or an article. Anyone can read it, but writing needs an account. */
export function CommentThread({ targetType, targetId, viewer, renderAuthor }: CommentThreadProps) {
  const [page, setPage] = useState(1);
  const comments = useComments(targetType, targetId, page);
  const actions = useCommentActions(targetType, targetId);

  return (
    <section aria-labelledby="comments-title" className="space-y-4">
      <h2 id="comments-title" className="text-lg font-semibold">
        Discussion
      </h2>
      {viewer.userId !== undefined ? (
        <CommentForm
          label="Add a comment"
          submitLabel="Comment"
          draftKey={draftKey(viewer.userId, `comment:${targetType}:${String(targetId)}`)}
          busy={actions.create.isPending && actions.create.variables.parentId === undefined}
          error={actions.create.variables?.parentId === undefined ? actions.create.error : null}
          onSubmit={(content) => actions.create.mutateAsync({ content })}
        />
      ) : (
        <p className="text-sm">
          <Link to="/sign-in" className="underline">
            Sign in
          </Link>{" "}
          to join the discussion.
        </p>
      )}
      <ErrorMessage error={actions.remove.error} />
      {comments.isPending && <Loading label="Loading comments…" />}
      {comments.isError && (
        <ErrorMessage error={comments.error} title="The comments could not be loaded." />
      )}
      {comments.data?.items.length === 0 && (
        <EmptyState title="No comments yet.">
          Ask a question or share a tip about this {targetType}.
        </EmptyState>
      )}
      {comments.data !== undefined && comments.data.items.length > 0 && (
        <>
          <ul className="space-y-3">
            {comments.data.items.map((comment) => (
              <CommentItem
                key={comment.id}
                comment={comment}
                viewer={viewer}
                actions={actions}
                renderAuthor={renderAuthor}
              />
            ))}
          </ul>
          <Pagination
            page={page}
            limit={comments.data.limit}
            total={comments.data.total}
            onChange={setPage}
          />
        </>
      )}
    </section>
  );
}
