import { describe, expect, it } from "vitest";

import type { Citation, Conversation } from "./api/assistant-api";
import { citationLabel, modeNotice, sourceLabel, turnsFromConversation } from "./chat-turns";

const citation: Citation = {
  number: 1,
  doc_type: "lab",
  doc_id: 4,
  title: "Sorting",
  heading: "Merge sort",
  anchor: "merge-sort",
  page: 0,
  cell: 0,
  url: "/labs/4#merge-sort",
  in_scope: true,
  excerpt: "Split the list in halves.",
};

describe("turnsFromConversation", () => {
  it("keeps the order, the citations and who wrote each answer", () => {
    const conversation: Conversation = {
      id: 9,
      scope: { lab_id: 4 },
      title: "How does merge sort split?",
      created_at: 1,
      updated_at: 2,
      messages: [
        {
          id: 1,
          role: "user",
          content: "How does merge sort split?",
          citations: [],
          generated_by: "user",
          created_at: 1,
        },
        {
          id: 2,
          role: "assistant",
          content: "[1] Split the list in halves.",
          citations: [citation],
          generated_by: "retrieval",
          created_at: 2,
        },
      ],
    };
    const turns = turnsFromConversation(conversation);
    expect(turns).toHaveLength(2);
    expect(turns[0]).toEqual({ role: "user", text: "How does merge sort split?", citations: [] });
    expect(turns[1]?.role).toBe("assistant");
    expect(turns[1]?.citations).toEqual([citation]);
    expect(turns[1]?.generatedBy).toBe("retrieval");
    expect(turns[1]?.streaming).toBeUndefined();
  });
});

describe("labels", () => {
  it("labels retrieval answers and model answers differently", () => {
    expect(sourceLabel("retrieval")).toMatch(/No language model is configured/);
    expect(sourceLabel("model:small-chat")).toMatch(/language model \(small-chat\)/);
    expect(sourceLabel(undefined)).toBeNull();
    expect(sourceLabel("")).toBeNull();
  });

  it("names the section, page or cell a citation points to", () => {
    expect(citationLabel(citation)).toBe("Sorting › Merge sort");
    expect(citationLabel({ ...citation, page: 3 })).toBe("Sorting, page 3");
    expect(citationLabel({ ...citation, cell: 2 })).toBe("Sorting, cell 2");
  });

  it("says when the author turned the assistant off or to guide", () => {
    expect(modeNotice("off")).toMatch(/turned the assistant off/);
    expect(modeNotice("guide")).toMatch(/leaves out the lab's solution sections/);
    expect(modeNotice("on")).toBeNull();
    expect(modeNotice(undefined)).toBeNull();
  });
});
