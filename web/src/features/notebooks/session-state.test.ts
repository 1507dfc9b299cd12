import { describe, expect, it } from "vitest";

import {
  applySessionEvent,
  applySessionEvents,
  initialSessionState,
  maxStreamChars,
  type SessionState,
} from "./session-state";

function at(state: SessionState, index: number) {
  const cell = state.cells[index];
  if (cell === undefined) {
    throw new Error(`no cell at ${String(index)}`);
  }
  return cell;
}

function opened(): SessionState {
  return applySessionEvent(initialSessionState, {
    type: "notebook",
    cells: [
      { id: "c1", name: "_", kind: "cell", code: "x = 1", error: null },
      { id: "c2", name: "_", kind: "cell", code: "print(x)", error: null },
    ],
  });
}

describe("applySessionEvent", () => {
  it("lists the cells of an opened notebook as stale", () => {
    const state = opened();
    expect(state.cells.map((cell) => cell.id)).toEqual(["c1", "c2"]);
    expect(at(state, 0).status).toBe("stale");
  });

  it("clears printed text when a cell starts and appends streamed text", () => {
    let state = opened();
    state = applySessionEvent(state, { type: "stream", cell: "c2", name: "stdout", text: "old" });
    state = applySessionEvent(state, { type: "status", cell: "c2", status: "running" });
    expect(at(state, 1).stdout).toBe("");
    state = applySessionEvent(state, { type: "stream", cell: "c2", name: "stdout", text: "1\n" });
    state = applySessionEvent(state, { type: "stream", cell: "c2", name: "stderr", text: "w" });
    state = applySessionEvent(state, {
      type: "status",
      cell: "c2",
      status: "done",
      duration_ms: 1.5,
    });
    expect(at(state, 1).stdout).toBe("1\n");
    expect(at(state, 1).stderr).toBe("w");
    expect(at(state, 1).status).toBe("done");
    expect(at(state, 1).duration_ms).toBe(1.5);
  });

  it("keeps an output and clears it on a null MIME type", () => {
    let state = applySessionEvent(opened(), {
      type: "output",
      cell: "c1",
      mime: "text/html",
      data: "<b>1</b>",
    });
    expect(at(state, 0).output).toEqual({ mime: "text/html", data: "<b>1</b>" });
    state = applySessionEvent(state, { type: "output", cell: "c1", mime: null });
    expect(at(state, 0).output).toBeNull();
  });

  it("records a run error on its cell", () => {
    const state = applySessionEvent(opened(), {
      type: "error",
      cell: "c1",
      kind: "timeout",
      message: "too long",
      traceback: "",
    });
    expect(at(state, 0).run_error).toEqual({
      kind: "timeout",
      message: "too long",
      traceback: "",
    });
  });

  it("adds, updates and deletes cells", () => {
    let state = applySessionEvent(opened(), { type: "cell", id: "c3", code: "y = 2" });
    expect(state.cells).toHaveLength(3);
    state = applySessionEvent(state, { type: "cell", id: "c3", code: "y = 3", error: null });
    expect(at(state, 2).code).toBe("y = 3");
    state = applySessionEvent(state, { type: "deleted", cell: "c1" });
    expect(state.cells.map((cell) => cell.id)).toEqual(["c2", "c3"]);
  });

  it("puts text from outside cells and request failures in the console", () => {
    let state = applySessionEvent(opened(), { type: "stream", cell: null, text: "loading" });
    state = applySessionEvent(state, { type: "rejected", message: "unknown type" });
    expect(state.console).toEqual(["loading", "Request failed: unknown type"]);
  });

  it("marks the session ended with its reason", () => {
    const state = applySessionEvent(opened(), {
      type: "session_ended",
      reason: "the session was idle",
    });
    expect(state.ended).toBe("the session was idle");
  });

  it("keeps only the last characters of a flooding stream and counts the rest", () => {
    const line = "0123456789\n";
    const lines = Math.ceil((maxStreamChars * 3) / line.length);
    const events = Array.from({ length: lines }, () => ({
      type: "stream",
      cell: "c2",
      name: "stdout",
      text: line,
    }));
    const state = applySessionEvents(opened(), events);
    expect(at(state, 1).stdout.length).toBe(maxStreamChars);
    expect(at(state, 1).stdout.endsWith(line)).toBe(true);
    expect(at(state, 1).dropped_chars).toBe(lines * line.length - maxStreamChars);
    const rerun = applySessionEvent(state, { type: "status", cell: "c2", status: "running" });
    expect(at(rerun, 1).dropped_chars).toBeUndefined();
    expect(at(rerun, 1).stdout).toBe("");
  });

  it("applies a batch of events in order", () => {
    const state = applySessionEvents(opened(), [
      { type: "status", cell: "c1", status: "running" },
      { type: "stream", cell: "c1", name: "stdout", text: "a" },
      { type: "stream", cell: "c1", name: "stdout", text: "b" },
      { type: "status", cell: "c1", status: "done" },
    ]);
    expect(at(state, 0).stdout).toBe("ab");
    expect(at(state, 0).status).toBe("done");
    expect(at(state, 0).dropped_chars).toBeUndefined();
  });

  it("stops waiting for queued and running cells when the session ends", () => {
    let state = applySessionEvent(opened(), { type: "status", cell: "c1", status: "running" });
    state = applySessionEvent(state, { type: "status", cell: "c2", status: "queued" });
    state = applySessionEvent(state, {
      type: "session_ended",
      reason: "the kernel exited with status 3",
    });
    expect(state.cells.map((cell) => cell.status)).not.toContain("queued");
    expect(state.cells.map((cell) => cell.status)).not.toContain("running");
    expect(state.ended).toBe("the kernel exited with status 3");
  });
});
