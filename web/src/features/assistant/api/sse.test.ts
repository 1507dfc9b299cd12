import { describe, expect, it } from "vitest";

import { EventStreamParser } from "./sse";

describe("EventStreamParser", () => {
  it("parses events split across chunks", () => {
    const parser = new EventStreamParser();

    expect(parser.push('event: delta\ndata: {"text":"He')).toEqual([]);
    const events = parser.push('llo"}\n\nevent: done\ndata: {}\n\n');

    expect(events).toEqual([
      { event: "delta", data: '{"text":"Hello"}' },
      { event: "done", data: "{}" },
    ]);
  });

  it("joins data lines and skips comments", () => {
    const parser = new EventStreamParser();

    const events = parser.push(": keep-alive\n\ndata: a\ndata: b\r\n\r\n");

    expect(events).toEqual([{ event: "message", data: "a\nb" }]);
  });
});
