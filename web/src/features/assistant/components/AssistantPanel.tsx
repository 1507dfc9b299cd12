import { useRef, useState } from "react";
import { Link, useLocation, useNavigate } from "react-router";

import { buttonClass } from "@/components/ui/button-class";
import { ErrorMessage } from "@/components/ui/ErrorMessage";
import { useSignedIn } from "@/lib/session";

import { type AssistantScope, type Citation, streamChat } from "../api/assistant-api";

interface Turn {
  role: "user" | "assistant";
  text: string;
  citations: Citation[];
  generatedBy?: string;
  streaming?: boolean;
  error?: string;
}

interface AssistantPanelProps {
  scope: AssistantScope;
}

function citationLabel(citation: Citation): string {
  if (citation.page > 0) return `${citation.title}, page ${citation.page}`;
  if (citation.cell > 0) return `${citation.title}, cell ${citation.cell}`;
  return `${citation.title} › ${citation.heading}`;
}

/** Labels an answer by what wrote it, so a list of passages never passes for a model's text. */
function sourceLabel(generatedBy: string | undefined): string | null {
  if (generatedBy === undefined) return null;
  if (generatedBy === "retrieval") {
    return "No language model is configured: these are the best matching passages.";
  }
  return `Written by a language model (${generatedBy.replace(/^model:/, "")}) from the passages below. Check it against them.`;
}

/** A chat about the lab or article on the page, answered from its text with citations. */
export function AssistantPanel({ scope }: AssistantPanelProps) {
  const signedIn = useSignedIn();
  const location = useLocation();
  const navigate = useNavigate();
  const [turns, setTurns] = useState<Turn[]>([]);
  const [message, setMessage] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const conversationId = useRef<number | undefined>(undefined);

  const updateLast = (change: (turn: Turn) => Turn) => {
    setTurns((current) => {
      const last = current.at(-1);
      return last === undefined ? current : [...current.slice(0, -1), change(last)];
    });
  };

  const ask = async (event: React.SyntheticEvent) => {
    event.preventDefault();
    const question = message.trim();
    if (question === "" || busy) return;
    setBusy(true);
    setError(null);
    setMessage("");
    setTurns((current) => [
      ...current,
      { role: "user", text: question, citations: [] },
      { role: "assistant", text: "", citations: [], streaming: true },
    ]);
    try {
      await streamChat(
        { scope, message: question, conversationId: conversationId.current },
        (chatEvent) => {
          if (chatEvent.type === "conversation") conversationId.current = chatEvent.conversationId;
          if (chatEvent.type === "citations")
            updateLast((turn) => ({ ...turn, citations: chatEvent.citations }));
          if (chatEvent.type === "delta")
            updateLast((turn) => ({ ...turn, text: turn.text + chatEvent.text }));
          if (chatEvent.type === "done")
            updateLast((turn) => ({ ...turn, generatedBy: chatEvent.generatedBy }));
          if (chatEvent.type === "error")
            updateLast((turn) => ({ ...turn, error: chatEvent.message }));
        },
      );
    } catch (caught) {
      setError(caught);
      setTurns((current) => current.slice(0, -1));
    } finally {
      updateLast((turn) => ({ ...turn, streaming: false }));
      setBusy(false);
    }
  };

  // A citation of the page being read scrolls to its section or turns the PDF to its page.
  const openCitation = (citation: Citation, event: React.MouseEvent) => {
    const target = new URL(citation.url, window.location.origin);
    if (target.pathname !== location.pathname) return;
    event.preventDefault();
    if (citation.anchor !== "") {
      document.getElementById(citation.anchor)?.scrollIntoView({ behavior: "smooth" });
      void navigate({ hash: citation.anchor }, { replace: true });
    } else if (citation.page > 0) {
      void navigate({ search: `?page=${citation.page}` }, { replace: true });
      document.getElementById("article-pdf")?.scrollIntoView({ behavior: "smooth" });
    }
  };

  return (
    <section
      aria-labelledby="assistant-title"
      className="space-y-3 rounded-lg bg-white p-4 shadow-sm dark:bg-slate-900"
    >
      <h2 id="assistant-title" className="text-lg font-semibold">
        Ask the assistant
      </h2>
      {!signedIn ? (
        <p className="text-sm text-slate-600 dark:text-slate-400">
          <Link to={`/sign-in?next=${encodeURIComponent(location.pathname)}`} className="underline">
            Sign in
          </Link>{" "}
          to ask questions about this material.
        </p>
      ) : (
        <>
          <ol className="space-y-3" aria-live="polite">
            {turns.map((turn, index) => (
              <li
                key={index}
                className={
                  turn.role === "user"
                    ? "rounded-md bg-indigo-50 px-3 py-2 text-sm text-indigo-950 dark:bg-indigo-950 dark:text-indigo-100"
                    : "space-y-2 rounded-md border border-slate-200 px-3 py-2 text-sm dark:border-slate-700"
                }
              >
                <p className="whitespace-pre-wrap">
                  {turn.text}
                  {turn.streaming === true && <span aria-label="Answer in progress">▍</span>}
                </p>
                {turn.error !== undefined && (
                  <p role="alert" className="text-red-700 dark:text-red-300">
                    {turn.error}
                  </p>
                )}
                {sourceLabel(turn.generatedBy) !== null && (
                  <p className="text-xs text-slate-600 dark:text-slate-400">
                    {sourceLabel(turn.generatedBy)}
                  </p>
                )}
                {turn.citations.length > 0 && (
                  <ol className="space-y-1 text-xs" aria-label="Sources">
                    {turn.citations.map((citation) => (
                      <li key={citation.number}>
                        [{citation.number}]{" "}
                        <a
                          href={citation.url}
                          onClick={(event) => {
                            openCitation(citation, event);
                          }}
                          className="text-indigo-700 underline dark:text-indigo-300"
                        >
                          {citationLabel(citation)}
                        </a>
                        {!citation.in_scope && (
                          <span className="text-slate-600 dark:text-slate-400"> (related)</span>
                        )}
                      </li>
                    ))}
                  </ol>
                )}
              </li>
            ))}
          </ol>
          <ErrorMessage error={error} title="The assistant could not answer." />
          <form onSubmit={(event) => void ask(event)} className="flex flex-col gap-2 sm:flex-row">
            <label htmlFor="assistant-message" className="sr-only">
              Your question
            </label>
            <textarea
              id="assistant-message"
              value={message}
              onChange={(event) => {
                setMessage(event.target.value);
              }}
              maxLength={4000}
              rows={2}
              placeholder="Ask about this material…"
              className="min-h-10 flex-1 rounded-md border border-slate-300 bg-white px-3 py-2 text-sm dark:border-slate-600 dark:bg-slate-800"
            />
            <button type="submit" disabled={busy} className={buttonClass("primary")}>
              {busy ? "Answering…" : "Ask"}
            </button>
          </form>
        </>
      )}
    </section>
  );
}
