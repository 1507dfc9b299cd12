import { useQueryClient } from "@tanstack/react-query";
import { useRef, useState } from "react";
import { Link, useLocation, useNavigate } from "react-router";

import { Button } from "@/components/ui/Button";
import { buttonClass } from "@/components/ui/button-class";
import { ErrorMessage } from "@/components/ui/ErrorMessage";
import { useSignedIn } from "@/lib/session";

import { assistantApi, type AssistantScope, type Citation, streamChat } from "../api/assistant-api";
import {
  citationLabel,
  excerptParts,
  modeNotice,
  sourceLabel,
  type Turn,
  turnsFromConversation,
} from "../chat-turns";
import { assistantKeys, useLabAssistant } from "../hooks/queries";
import { ConversationHistory } from "./ConversationHistory";

interface AssistantPanelProps {
  scope: AssistantScope;
}

/**
 * A chat about the lab or article on the page, answered from its text with citations, with the
 * user's past conversations about it. A lab's author can set the assistant to guide or off.
 */
export function AssistantPanel({ scope }: AssistantPanelProps) {
  const signedIn = useSignedIn();
  const location = useLocation();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const settings = useLabAssistant("lab_id" in scope ? scope.lab_id : undefined);
  const [turns, setTurns] = useState<Turn[]>([]);
  const [message, setMessage] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const conversationId = useRef<number | undefined>(undefined);
  const [openId, setOpenId] = useState<number | undefined>(undefined);
  const [emptyQuestion, setEmptyQuestion] = useState(false);
  const mode = settings.data?.mode;

  const updateLast = (change: (turn: Turn) => Turn) => {
    setTurns((current) => {
      const last = current.at(-1);
      return last === undefined ? current : [...current.slice(0, -1), change(last)];
    });
  };

  const ask = async (event: React.SyntheticEvent) => {
    event.preventDefault();
    const question = message.trim();
    if (busy) return;
    if (question === "") {
      setEmptyQuestion(true);
      return;
    }
    setEmptyQuestion(false);
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
          if (chatEvent.type === "conversation") {
            conversationId.current = chatEvent.conversationId;
            setOpenId(chatEvent.conversationId);
          }
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
      // The author may have turned the assistant off since the page loaded.
      void settings.refetch();
    } finally {
      updateLast((turn) => ({ ...turn, streaming: false }));
      setBusy(false);
      void queryClient.invalidateQueries({ queryKey: assistantKeys.conversations(scope) });
    }
  };

  const startNew = () => {
    conversationId.current = undefined;
    setOpenId(undefined);
    setTurns([]);
    setError(null);
  };

  const openConversation = async (id: number) => {
    if (busy) return;
    setError(null);
    try {
      const conversation = await assistantApi.conversation(id);
      conversationId.current = id;
      setOpenId(id);
      setTurns(turnsFromConversation(conversation));
    } catch (caught) {
      setError(caught);
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
          {settings.isError && (
            <ErrorMessage
              error={settings.error}
              title="The assistant's settings could not be loaded."
            />
          )}
          {modeNotice(mode) !== null && (
            <p
              role="status"
              data-testid="assistant-mode"
              className="text-sm text-slate-700 dark:text-slate-300"
            >
              {modeNotice(mode)}
            </p>
          )}
          <ol className="space-y-3" aria-live="polite" aria-label="Conversation">
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
                        {citation.excerpt !== "" && (
                          <blockquote className="mt-1 space-y-1 border-l-2 border-slate-300 pl-2 text-slate-700 dark:border-slate-600 dark:text-slate-300">
                            {excerptParts(citation.excerpt).map((part, partIndex) =>
                              part.code ? (
                                <pre
                                  key={partIndex}
                                  tabIndex={0}
                                  className="overflow-x-auto rounded bg-slate-100 p-2 font-mono dark:bg-slate-800"
                                >
                                  <code>{part.text}</code>
                                </pre>
                              ) : (
                                <p key={partIndex} className="whitespace-pre-wrap">
                                  {part.text}
                                </p>
                              ),
                            )}
                          </blockquote>
                        )}
                      </li>
                    ))}
                  </ol>
                )}
              </li>
            ))}
          </ol>
          <ErrorMessage error={error} title="The assistant could not answer." />
          {mode !== "off" && (
            <form
              onSubmit={(event) => void ask(event)}
              className="flex flex-col gap-2 sm:flex-row sm:flex-wrap"
            >
              <label htmlFor="assistant-message" className="sr-only">
                Your question
              </label>
              <textarea
                id="assistant-message"
                value={message}
                onChange={(event) => {
                  setMessage(event.target.value);
                  setEmptyQuestion(false);
                }}
                aria-invalid={emptyQuestion || undefined}
                aria-describedby={emptyQuestion ? "assistant-message-empty" : undefined}
                maxLength={4000}
                rows={2}
                placeholder="Ask about this material…"
                className="min-h-10 flex-1 rounded-md border border-slate-300 bg-white px-3 py-2 text-sm dark:border-slate-600 dark:bg-slate-800"
              />
              {emptyQuestion && (
                <p
                  id="assistant-message-empty"
                  role="alert"
                  className="text-sm text-red-700 sm:order-last sm:basis-full dark:text-red-300"
                >
                  Type a question first.
                </p>
              )}
              <button
                type="submit"
                disabled={busy || settings.isLoading}
                className={buttonClass("primary")}
              >
                {busy ? "Answering…" : "Ask"}
              </button>
            </form>
          )}
          {turns.length > 0 && (
            <Button variant="ghost" disabled={busy} onClick={startNew}>
              New conversation
            </Button>
          )}
          <ConversationHistory
            scope={scope}
            openId={openId}
            onOpen={(id) => void openConversation(id)}
            onDeleted={(id) => {
              if (id === conversationId.current) startNew();
            }}
          />
        </>
      )}
    </section>
  );
}
