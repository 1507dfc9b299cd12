import { act, renderHook } from "@testing-library/react";
import { afterEach, describe, expect, it } from "vitest";

import { draftKey, hasDraft, useDraft } from "./drafts";

afterEach(() => {
  window.sessionStorage.clear();
});

describe("useDraft", () => {
  it("restores typed text after a remount", () => {
    const first = renderHook(() => useDraft("7:comment:lab:1", { content: "" }));
    act(() => {
      first.result.current.change({ content: "half a thought" });
    });
    first.unmount();

    const second = renderHook(() => useDraft("7:comment:lab:1", { content: "" }));
    expect(second.result.current.value.content).toBe("half a thought");
    expect(second.result.current.restored).toBe(true);
  });

  it("starts empty without a draft", () => {
    const { result } = renderHook(() => useDraft("7:comment:lab:1", { content: "start" }));
    expect(result.current.value.content).toBe("start");
    expect(result.current.restored).toBe(false);
  });

  it("keeps drafts apart by user", () => {
    const mine = renderHook(() => useDraft(draftKey(7, "review:submission:3"), { content: "" }));
    act(() => {
      mine.result.current.change({ content: "mine" });
    });
    const theirs = renderHook(() => useDraft(draftKey(8, "review:submission:3"), { content: "" }));
    expect(theirs.result.current.value.content).toBe("");
    expect(theirs.result.current.restored).toBe(false);
  });

  it("reads the draft once the user is known", () => {
    window.sessionStorage.setItem("openlabs.draft.7:x", JSON.stringify({ content: "saved" }));
    const { result, rerender } = renderHook(
      ({ userId }: { userId: number | undefined }) =>
        useDraft(draftKey(userId, "x"), { content: "" }),
      { initialProps: { userId: undefined as number | undefined } },
    );
    expect(result.current.value.content).toBe("");
    rerender({ userId: 7 });
    expect(result.current.value.content).toBe("saved");
    expect(result.current.restored).toBe(true);
  });

  it("keeps text typed before the user is known", () => {
    const { result, rerender } = renderHook(
      ({ userId }: { userId: number | undefined }) =>
        useDraft(draftKey(userId, "x"), { content: "" }),
      { initialProps: { userId: undefined as number | undefined } },
    );
    act(() => {
      result.current.change({ content: "early" });
    });
    rerender({ userId: 7 });
    expect(result.current.value.content).toBe("early");
  });

  it("forgets the draft on clear", () => {
    const { result } = renderHook(() => useDraft("7:x", { content: "" }));
    act(() => {
      result.current.change({ content: "sent" });
    });
    expect(hasDraft("7:x")).toBe(true);
    act(() => {
      result.current.clear();
    });
    expect(hasDraft("7:x")).toBe(false);
    expect(result.current.value.content).toBe("");
  });

  it("ignores a corrupt stored draft", () => {
    window.sessionStorage.setItem("openlabs.draft.7:x", "{not json");
    const { result } = renderHook(() => useDraft("7:x", { content: "" }));
    expect(result.current.value.content).toBe("");
    expect(result.current.restored).toBe(false);
  });

  it("stores no draft for an emptied form", () => {
    const { result } = renderHook(() => useDraft("7:x", { content: "", fileNames: [] }));
    act(() => {
      result.current.change({ content: "typed" });
    });
    act(() => {
      result.current.change({ content: "" });
    });
    expect(hasDraft("7:x")).toBe(false);
  });
});
