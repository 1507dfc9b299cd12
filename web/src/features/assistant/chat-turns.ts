import type { AssistantMode, Citation, Conversation } from "./api/assistant-api";

/** One entry of the chat: a question, or an answer with the passages it cites. */
export interface Turn {
  role: "user" | "assistant";
  text: string;
  citations: Citation[];
  generatedBy?: string;
  streaming?: boolean;
  error?: string;
}

export function citationLabel(citation: Citation): string {
  if (citation.page > 0) return `${citation.title}, page ${citation.page}`;
  if (citation.cell > 0) return `${citation.title}, cell ${citation.cell}`;
  return `${citation.title} › ${citation.heading}`;
}

/**
 * Labels an answer by what wrote it, so a list of passages never passes for a model's text. A
 * retrieval answer gets no label, because the server's text already starts by saying that no
 * language model is configured.
 */
export function sourceLabel(generatedBy: string | undefined): string | null {
  if (generatedBy === undefined || generatedBy === "" || generatedBy === "retrieval") return null;
  return `Written by a language model (${generatedBy.replace(/^model:/, "")}) from the passages below. Check it against them.`;
}

/** Turns a stored conversation into the chat's entries, oldest first. */
export function turnsFromConversation(conversation: Conversation): Turn[] {
  return conversation.messages.map((message) =>
    message.role === "user"
      ? { role: "user", text: message.content, citations: [] }
      : {
          role: "assistant",
          text: message.content,
          citations: message.citations,
          generatedBy: message.generated_by,
        },
  );
}

/** Returns the panel's notice for a lab's assistant mode, or null for the default mode. */
export function modeNotice(mode: AssistantMode | undefined): string | null {
  if (mode === "off") return "The author turned the assistant off for this lab.";
  if (mode === "guide")
    return "The author set the assistant to guide you: it leaves out the lab's solution sections.";
  return null;
}

/** A run of an excerpt: prose, or the lines of a fenced code block. */
export interface ExcerptPart {
  code: boolean;
  text: string;
}

/**
 * Splits a passage excerpt into prose and fenced code blocks, so that code keeps its lines. A
 * fence that the excerpt's cut leaves open runs to the end.
 */
export function excerptParts(excerpt: string): ExcerptPart[] {
  const parts: ExcerptPart[] = [];
  let code = false;
  let lines: string[] = [];
  const flush = () => {
    const text = code ? lines.join("\n") : lines.join("\n").trim();
    if (text !== "") parts.push({ code, text });
    lines = [];
  };
  for (const line of excerpt.split("\n")) {
    if (/^\s*(```|~~~)/.test(line)) {
      flush();
      code = !code;
      continue;
    }
    lines.push(line);
  }
  flush();
  return parts;
}
