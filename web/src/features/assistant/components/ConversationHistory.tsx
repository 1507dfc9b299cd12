import { useState } from "react";

import { Button } from "@/components/ui/Button";
import { ConfirmButton } from "@/components/ui/ConfirmButton";
import { ErrorMessage } from "@/components/ui/ErrorMessage";
import { Loading } from "@/components/ui/Loading";
import { formatDateTime } from "@/lib/format";

import type { AssistantScope } from "../api/assistant-api";
import { conversationsPerPage, useConversations, useDeleteConversation } from "../hooks/queries";

interface ConversationHistoryProps {
  scope: AssistantScope;
  /** The conversation shown in the panel, if it is a stored one. */
  openId: number | undefined;
  onOpen: (id: number) => void;
  onDeleted: (id: number) => void;
}

/** The user's past conversations about this lab or article, to reopen or delete. */
export function ConversationHistory({
  scope,
  openId,
  onOpen,
  onDeleted,
}: ConversationHistoryProps) {
  const [page, setPage] = useState(1);
  const conversations = useConversations(scope, page);
  const remove = useDeleteConversation();
  // The list route returns no total, so a full page means that older ones may follow.
  const mayHaveOlder = conversations.data?.items.length === conversationsPerPage;

  let body: React.ReactNode;
  if (conversations.isPending) body = <Loading label="Loading your conversations…" />;
  else if (conversations.isError)
    body = (
      <ErrorMessage error={conversations.error} title="Your conversations could not be loaded." />
    );
  else if (conversations.data.items.length === 0 && page === 1)
    body = (
      <p className="text-sm text-slate-600 dark:text-slate-400">
        You have no past conversations here.
      </p>
    );
  else if (conversations.data.items.length === 0)
    body = <p className="text-sm text-slate-600 dark:text-slate-400">No older conversations.</p>;
  else
    body = (
      <ul className="space-y-2" aria-label="Past conversations">
        {conversations.data.items.map((conversation) => (
          <li
            key={conversation.id}
            data-testid="past-conversation"
            className="flex flex-wrap items-center gap-2 text-sm"
          >
            <button
              type="button"
              onClick={() => {
                onOpen(conversation.id);
              }}
              aria-current={conversation.id === openId ? "true" : undefined}
              className="min-w-0 flex-1 truncate text-left text-indigo-700 underline aria-[current=true]:font-semibold dark:text-indigo-300"
            >
              {conversation.title}
            </button>
            <span className="text-xs text-slate-600 dark:text-slate-400">
              {formatDateTime(conversation.updated_at)}
            </span>
            <ConfirmButton
              label="Delete"
              accessibleLabel={`Delete “${conversation.title}”`}
              question="Delete this conversation?"
              confirmLabel="Delete conversation"
              variant="ghost"
              busy={remove.isPending && remove.variables === conversation.id}
              onConfirm={() => {
                remove.mutate(conversation.id, {
                  onSuccess: () => {
                    onDeleted(conversation.id);
                  },
                });
              }}
            />
          </li>
        ))}
      </ul>
    );

  return (
    <section aria-labelledby="assistant-history-title" className="space-y-2">
      <h3 id="assistant-history-title" className="text-sm font-semibold">
        Your past conversations
      </h3>
      {body}
      {(page > 1 || mayHaveOlder) && (
        <nav aria-label="Past conversation pages" className="flex gap-2">
          <Button
            variant="secondary"
            disabled={page <= 1}
            onClick={() => {
              setPage(page - 1);
            }}
          >
            Newer
          </Button>
          <Button
            variant="secondary"
            disabled={!mayHaveOlder}
            onClick={() => {
              setPage(page + 1);
            }}
          >
            Older
          </Button>
        </nav>
      )}
      <ErrorMessage error={remove.error} title="The conversation was not deleted." />
    </section>
  );
}
