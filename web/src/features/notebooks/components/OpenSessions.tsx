import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";

import { Button } from "@/components/ui/Button";

import { endSession, listSessions } from "../api/sessions-api";

export interface OpenSessionsProps {
  /** The session of this notebook panel, which its own "End session" button ends. */
  currentId: string | null;
  /**
   * Set when starting failed at the per-user session limit: the list opens with an offer to end
   * the other sessions. The list reads it on mount only, so give the component a key that
   * changes with it.
   */
  atLimit: boolean;
  /** Starts this panel's notebook after the other sessions ended. */
  onStart: () => void;
}

function describeTime(ms: number): string {
  return new Date(ms).toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" });
}

/**
 * Lists the reader's open notebook sessions, from any page, and ends them. A session counts
 * towards the per-user limit until it ends, even when the page that started it is gone.
 */
export function OpenSessions({ currentId, atLimit, onStart }: OpenSessionsProps) {
  const [open, setOpen] = useState(atLimit);
  const [endError, setEndError] = useState<string | null>(null);
  const queryClient = useQueryClient();
  const sessions = useQuery({
    queryKey: ["notebook-sessions"],
    queryFn: listSessions,
    enabled: open,
    staleTime: 0,
  });
  const ending = useMutation({
    mutationFn: (ids: string[]) => Promise.all(ids.map((id) => endSession(id))),
    onMutate: () => {
      setEndError(null);
    },
    onError: (failure) => {
      setEndError(failure.message);
    },
    onSettled: () => queryClient.invalidateQueries({ queryKey: ["notebook-sessions"] }),
  });

  const list = sessions.data ?? null;
  const others = (list?.items ?? []).filter((item) => item.id !== currentId);
  const error = endError ?? sessions.error?.message ?? null;
  const busy = ending.isPending;

  const end = (ids: string[]) => ending.mutateAsync(ids).catch(() => undefined);

  const endOthersAndStart = async () => {
    await end(others.map((item) => item.id));
    onStart();
  };

  return (
    <details
      open={open}
      onToggle={(event) => {
        setOpen(event.currentTarget.open);
      }}
      className="rounded border border-slate-200 p-2 text-sm dark:border-slate-700"
      data-testid="open-sessions"
    >
      <summary className="cursor-pointer text-slate-700 dark:text-slate-300">
        Your open notebook sessions
      </summary>
      <div className="mt-2 space-y-2">
        {atLimit && list !== null && others.length > 0 && (
          <div className="space-y-2">
            <p>
              You have {others.length} {others.length === 1 ? "session" : "sessions"} open on other
              pages or tabs, and at most {list.max_sessions_per_user} may run at once. End the ones
              you no longer use to start this notebook.
            </p>
            <Button busy={busy} onClick={() => void endOthersAndStart()}>
              End {others.length === 1 ? "it" : "them"} and start this notebook
            </Button>
          </div>
        )}
        {error !== null && (
          <p role="alert" className="text-red-700 dark:text-red-300">
            {error}
          </p>
        )}
        {list !== null && others.length === 0 && (
          <p>
            {currentId === null
              ? "You have no open sessions."
              : "Only this notebook's session is open."}
          </p>
        )}
        {others.length > 0 && (
          <ul className="space-y-1">
            {others.map((item) => (
              <li key={item.id} className="flex flex-wrap items-center gap-2">
                <span>
                  Started {describeTime(item.started_at)}, last used{" "}
                  {describeTime(item.last_active_at)}
                  {item.notebook_id === null ? "" : ` (notebook ${item.notebook_id})`}
                  {item.ended ? ", kernel stopped" : ""}
                </span>
                <Button
                  variant="secondary"
                  busy={busy}
                  aria-label={`End the session started ${describeTime(item.started_at)}`}
                  onClick={() => void end([item.id])}
                >
                  End
                </Button>
              </li>
            ))}
          </ul>
        )}
      </div>
    </details>
  );
}
