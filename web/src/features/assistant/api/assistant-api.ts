import { api, apiUrl, withSessionRetry } from "@/lib/api-client";
import { errorFromBody, networkError } from "@/lib/api-error";

import { EventStreamParser } from "./sse";

/** The lab or article a question is about. */
export type AssistantScope = { lab_id: number } | { article_id: number };

/** A passage an answer cites, with the link to its lab section or PDF page. */
export interface Citation {
  number: number;
  doc_type: "lab" | "article" | "notebook";
  doc_id: number;
  title: string;
  heading: string;
  anchor: string;
  page: number;
  cell: number;
  url: string;
  in_scope: boolean;
  excerpt: string;
}

/** What the chat stream reports, in order: conversation, citations, deltas, then done or error. */
export type ChatEvent =
  | { type: "conversation"; conversationId: number; mode: string }
  | { type: "citations"; citations: Citation[] }
  | { type: "delta"; text: string }
  | { type: "done"; generatedBy: string }
  | { type: "error"; message: string };

function toChatEvent(name: string, data: string): ChatEvent | null {
  const body = JSON.parse(data) as Record<string, unknown>;
  switch (name) {
    case "conversation":
      return {
        type: "conversation",
        conversationId: Number(body.conversation_id),
        mode: String(body.mode),
      };
    case "citations":
      return { type: "citations", citations: body.citations as Citation[] };
    case "delta":
      return { type: "delta", text: String(body.text) };
    case "done":
      return { type: "done", generatedBy: String(body.generated_by) };
    case "error":
      return { type: "error", message: String(body.message) };
    default:
      return null;
  }
}

/**
 * Asks the assistant a question and calls `onEvent` for each event of the streamed answer.
 * Throws an ApiError when the server rejects the question (sign-in, rate limit, assistant off).
 */
export async function streamChat(
  request: { scope: AssistantScope; message: string; conversationId?: number },
  onEvent: (event: ChatEvent) => void,
  signal?: AbortSignal,
): Promise<void> {
  const body = JSON.stringify({
    scope: request.scope,
    message: request.message,
    conversation_id: request.conversationId,
  });
  const response = await withSessionRetry(async (accessToken) => {
    const headers: Record<string, string> = {
      Accept: "text/event-stream",
      "Content-Type": "application/json",
    };
    if (accessToken !== undefined) headers.Authorization = `Bearer ${accessToken}`;
    try {
      return await fetch(apiUrl("/assistant/chat"), { method: "POST", headers, body, signal });
    } catch (error) {
      if (error instanceof DOMException && error.name === "AbortError") throw error;
      throw networkError();
    }
  });
  if (!response.ok || response.body === null) {
    const text = await response.text();
    let parsed: unknown = undefined;
    try {
      parsed = JSON.parse(text);
    } catch {
      // Not JSON: errorFromBody falls back to a message for the status.
    }
    throw errorFromBody(response.status, parsed);
  }
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  const parser = new EventStreamParser();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return;
    for (const event of parser.push(value)) {
      const chatEvent = toChatEvent(event.event, event.data);
      if (chatEvent !== null) onEvent(chatEvent);
    }
  }
}

/** A stored conversation as GET /assistant/conversations lists it. */
export interface ConversationSummary {
  id: number;
  scope: AssistantScope;
  title: string;
  created_at: number;
  updated_at: number;
}

/** One stored message: a question (`user`) or an answer (`assistant`). */
export interface ConversationMessage {
  id: number;
  role: "user" | "assistant";
  content: string;
  citations: Citation[];
  generated_by: string;
  created_at: number;
}

export interface Conversation extends ConversationSummary {
  /** Oldest first. */
  messages: ConversationMessage[];
}

export interface ConversationPage {
  items: ConversationSummary[];
  page: number;
  limit: number;
}

/** A lab's assistant mode: `on` replies in full, `guide` leaves out solution sections, `off` is off. */
export type AssistantMode = "on" | "guide" | "off";

export interface LabAssistantSettings {
  lab_id: number;
  mode: AssistantMode;
  /** True when a language model writes the replies; returned by GET only. */
  model_configured?: boolean;
}

export const assistantApi = {
  conversations: (scope: AssistantScope, page = 1, limit = 20) =>
    api.get<ConversationPage>("/assistant/conversations", { ...scope, page, limit }),
  conversation: (id: number) => api.get<Conversation>(`/assistant/conversations/${id}`),
  deleteConversation: (id: number) => api.delete<undefined>(`/assistant/conversations/${id}`),
  labSettings: (labId: number) => api.get<LabAssistantSettings>(`/labs/${labId}/assistant`),
  setLabMode: (labId: number, mode: AssistantMode) =>
    api.put<LabAssistantSettings>(`/labs/${labId}/assistant`, { mode }),
};
