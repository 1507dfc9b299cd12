import { useState } from "react";

import { Markdown } from "@/components/markdown/Markdown";
import { Button } from "@/components/ui/Button";
import { ConfirmButton } from "@/components/ui/ConfirmButton";
import { draftKey, hasDraft } from "@/lib/drafts";
import { formatDateTime } from "@/lib/format";

import { maxCommentDepth, type Comment } from "../api/comments-api";
import type { useCommentActions } from "../hooks/queries";
import { CommentForm } from "./CommentForm";

export interface Viewer {
  userId: number | undefined;
  canModerate: boolean;
}

interface CommentItemProps {
  comment: Comment;
  viewer: Viewer;
  actions: ReturnType<typeof useCommentActions>;
  renderAuthor: (authorId: number) => React.ReactNode;
}

/** Shows one comment with its indented replies, and opens the reply form in place. */
export function CommentItem({ comment, viewer, actions, renderAuthor }: CommentItemProps) {
  const replyDraftKey = draftKey(viewer.userId, `comment:reply:${String(comment.id)}`);
  const editDraftKey = draftKey(viewer.userId, `comment:edit:${String(comment.id)}`);
  // A form with an unsent draft opens again, as when the user returns after signing in.
  const [mode, setMode] = useState<"view" | "reply" | "edit">(() => {
    if (hasDraft(editDraftKey)) return "edit";
    return hasDraft(replyDraftKey) ? "reply" : "view";
  });
  const own = viewer.userId !== undefined && viewer.userId === comment.author_id;
  const canReply =
    viewer.userId !== undefined && !comment.deleted && comment.depth < maxCommentDepth;

  return (
    <li className="space-y-2" data-testid="comment">
      <div className="rounded-md border border-slate-200 p-3 dark:border-slate-700">
        {comment.deleted ? (
          <p className="text-sm text-slate-600 italic dark:text-slate-400">
            This comment was deleted.
          </p>
        ) : (
          <>
            <p className="text-xs text-slate-600 dark:text-slate-400">
              {renderAuthor(comment.author_id)} · {formatDateTime(comment.created_at)}
              {comment.edited && " · edited"}
            </p>
            {mode === "edit" ? (
              <CommentForm
                label="Edit comment"
                submitLabel="Save"
                initial={comment.content}
                draftKey={editDraftKey}
                busy={actions.update.isPending}
                error={actions.update.error}
                onSubmit={(content) =>
                  actions.update.mutateAsync({ commentId: comment.id, content }).then(() => {
                    setMode("view");
                  })
                }
                onCancel={() => {
                  setMode("view");
                }}
              />
            ) : (
              <Markdown source={comment.content} />
            )}
            <div className="mt-1 flex gap-1">
              {canReply && (
                <Button
                  variant="ghost"
                  onClick={() => {
                    setMode("reply");
                  }}
                >
                  Reply
                </Button>
              )}
              {own && (
                <Button
                  variant="ghost"
                  onClick={() => {
                    setMode("edit");
                  }}
                >
                  Edit
                </Button>
              )}
              {(own || viewer.canModerate) && (
                <ConfirmButton
                  variant="ghost"
                  label="Delete"
                  question="Delete this comment?"
                  confirmLabel="Delete comment"
                  busy={actions.remove.isPending}
                  onConfirm={() => {
                    actions.remove.mutate(comment.id);
                  }}
                />
              )}
            </div>
          </>
        )}
      </div>
      {mode === "reply" && (
        <div className="ml-4 sm:ml-8">
          <CommentForm
            label="Your reply"
            submitLabel="Reply"
            draftKey={replyDraftKey}
            busy={actions.create.isPending}
            error={actions.create.error}
            onSubmit={(content) =>
              actions.create.mutateAsync({ content, parentId: comment.id }).then(() => {
                setMode("view");
              })
            }
            onCancel={() => {
              setMode("view");
            }}
          />
        </div>
      )}
      {comment.replies.length > 0 && (
        <ul className="ml-4 space-y-2 border-l border-slate-200 pl-3 sm:ml-8 dark:border-slate-700">
          {comment.replies.map((reply) => (
            <CommentItem
              key={reply.id}
              comment={reply}
              viewer={viewer}
              actions={actions}
              renderAuthor={renderAuthor}
            />
          ))}
        </ul>
      )}
    </li>
  );
}
