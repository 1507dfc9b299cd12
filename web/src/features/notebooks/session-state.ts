import type { CellStatus, SessionCell } from "./api/sessions-api";

/** The state of a live session that the page shows. */
export interface SessionState {
  cells: SessionCell[];
  /** Text that the kernel printed outside any cell, and messages of the connection. */
  console: string[];
  ended: string | null;
}

export const initialSessionState: SessionState = { cells: [], console: [], ended: null };

/** One event from the session's WebSocket (see kernel/PROTOCOL.md for the kernel's events). */
export type SessionEvent = { type: string } & Record<string, unknown>;

const maxConsoleLines = 200;

/**
 * The maximum number of characters of each stream that a cell keeps on the page. A cell that
 * prints in a loop would otherwise make every update re-render megabytes of text.
 */
export const maxStreamChars = 50_000;

/** Appends `text` to `current`, keeping the last maxStreamChars; returns the dropped count. */
function appendStream(current: string, text: string): [string, number] {
  const joined = current + text;
  if (joined.length <= maxStreamChars) {
    return [joined, 0];
  }
  return [joined.slice(joined.length - maxStreamChars), joined.length - maxStreamChars];
}

function text(value: unknown, fallback: string): string {
  return typeof value === "string" ? value : fallback;
}

function emptyCell(source: Record<string, unknown>): SessionCell {
  return {
    id: String(source.id),
    name: typeof source.name === "string" ? source.name : "_",
    kind: typeof source.kind === "string" ? source.kind : "cell",
    code: typeof source.code === "string" ? source.code : "",
    status: "stale",
    duration_ms: 0,
    output: null,
    stdout: "",
    stderr: "",
    run_error: null,
    error: typeof source.error === "string" ? source.error : null,
  };
}

function updateCell(
  state: SessionState,
  id: unknown,
  change: (cell: SessionCell) => SessionCell,
): SessionState {
  if (typeof id !== "string") {
    return state;
  }
  return { ...state, cells: state.cells.map((cell) => (cell.id === id ? change(cell) : cell)) };
}

function addConsole(state: SessionState, line: string): SessionState {
  return { ...state, console: [...state.console, line].slice(-maxConsoleLines) };
}

/** Applies one event to the state; unknown events leave it unchanged. */
export function applySessionEvent(state: SessionState, event: SessionEvent): SessionState {
  switch (event.type) {
    case "snapshot": {
      const cells = Array.isArray(event.cells) ? (event.cells as SessionCell[]) : [];
      return {
        ...state,
        cells,
        ended: event.ended === true ? text(event.reason, "the session ended") : null,
      };
    }
    case "notebook": {
      const cells = Array.isArray(event.cells) ? (event.cells as Record<string, unknown>[]) : [];
      return { ...state, cells: cells.map(emptyCell) };
    }
    case "cell": {
      const known = state.cells.some((cell) => cell.id === event.id);
      if (!known) {
        return { ...state, cells: [...state.cells, emptyCell(event)] };
      }
      return updateCell(state, event.id, (cell) => ({
        ...cell,
        code: typeof event.code === "string" ? event.code : cell.code,
        error: typeof event.error === "string" ? event.error : null,
      }));
    }
    case "deleted":
      return { ...state, cells: state.cells.filter((cell) => cell.id !== event.cell) };
    case "status":
      return updateCell(state, event.cell, (cell) => {
        const status = event.status as CellStatus;
        const started = status === "running";
        return {
          ...cell,
          status,
          duration_ms: typeof event.duration_ms === "number" ? event.duration_ms : cell.duration_ms,
          stdout: started ? "" : cell.stdout,
          stderr: started ? "" : cell.stderr,
          dropped_chars: started ? undefined : cell.dropped_chars,
          run_error: started ? null : cell.run_error,
        };
      });
    case "output":
      return updateCell(state, event.cell, (cell) => ({
        ...cell,
        output:
          typeof event.mime === "string"
            ? { mime: event.mime, data: typeof event.data === "string" ? event.data : "" }
            : null,
      }));
    case "stream": {
      const text = typeof event.text === "string" ? event.text : "";
      if (typeof event.cell !== "string") {
        return addConsole(state, text);
      }
      return updateCell(state, event.cell, (cell) => {
        const stream = event.name === "stderr" ? "stderr" : "stdout";
        const [kept, dropped] = appendStream(cell[stream], text);
        return {
          ...cell,
          [stream]: kept,
          dropped_chars: dropped > 0 ? (cell.dropped_chars ?? 0) + dropped : cell.dropped_chars,
        };
      });
    }
    case "error":
      return updateCell(state, event.cell, (cell) => ({
        ...cell,
        run_error: {
          kind: text(event.kind, "exception"),
          message: text(event.message, ""),
          traceback: text(event.traceback, ""),
        },
      }));
    case "failed":
    case "rejected":
      return addConsole(state, `Request failed: ${text(event.message, "no reason given")}`);
    case "session_ended":
      return addConsole(
        {
          ...state,
          // The kernel is gone, so cells waiting for it or running in it will not finish.
          cells: state.cells.map((cell) =>
            cell.status === "queued" || cell.status === "running"
              ? { ...cell, status: "stale" }
              : cell,
          ),
          ended: text(event.reason, "the session ended"),
        },
        `Session ended: ${text(event.reason, "")}`,
      );
    default:
      return state;
  }
}

/** Applies events in order; the page batches the events of one animation frame this way. */
export function applySessionEvents(state: SessionState, events: SessionEvent[]): SessionState {
  return events.reduce(applySessionEvent, state);
}
