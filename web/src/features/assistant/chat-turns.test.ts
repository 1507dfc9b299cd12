import { describe, expect, it } from "vitest";

import type { Citation, Conversation } from "./api/assistant-api";
import {
  citationLabel,
  excerptParts,
  modeNotice,
  sourceLabel,
  turnsFromConversation,
} from "./chat-turns";

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
  it("labels model answers only", () => {
    // The server's retrieval answer starts with "No language model is configured", so a label
    // would say it twice.
    expect(sourceLabel("retrieval")).toBeNull();
    expect(sourceLabel("model:small-chat")).toMatch(/language model \(small-chat\)/);
    expect(sourceLabel(undefined)).toBeNull();
    expect(sourceLabel("")).toBeNull();
  });

  it("splits an excerpt into prose and code", () => {
    const excerpt = "Chain tests with `elif`:\n```python\nif x > 0:\n    print('+')\n```\nDone.";
    expect(excerptParts(excerpt)).toEqual([
      { code: false, text: "Chain tests with `elif`:" },
      { code: true, text: "if x > 0:\n    print('+')" },
      { code: false, text: "Done." },
    ]);
  });

  it("keeps code of a fence the cut left open", () => {
    expect(excerptParts("Run:\n```bash\nfor R in 1 2; do\n  echo $R")).toEqual([
      { code: false, text: "Run:" },
      { code: true, text: "for R in 1 2; do\n  echo $R" },
    ]);
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
