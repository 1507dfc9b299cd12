import { useCallback, useEffect, useReducer, useRef, useState } from "react";

import { refreshSession } from "@/lib/api-client";
import { ApiError } from "@/lib/api-error";
import { tokenStore } from "@/lib/token-store";

import {
  createSession,
  endSession,
  endSessionOnUnload,
  type NotebookOrigin,
  updateCell as updateCellRequest,
  uploadWidgetFiles as uploadWidgetFilesRequest,
} from "../api/sessions-api";
import {
  applySessionEvents,
  initialSessionState,
  type SessionEvent,
  type SessionState,
} from "../session-state";

type Action = { kind: "events"; events: SessionEvent[] } | { kind: "reset" };

function reduce(state: SessionState, action: Action): SessionState {
  return action.kind === "reset" ? initialSessionState : applySessionEvents(state, action.events);
}

export type ConnectionStatus = "idle" | "starting" | "connected" | "ended" | "closed" | "failed";

export interface NotebookSession {
  state: SessionState;
  connection: ConnectionStatus;
  error: string | null;
  sessionId: string | null;
  /** True after a start failed because the user has the maximum number of sessions open. */
  atSessionLimit: boolean;
  start: () => void;
  stop: () => void;
  run: (cellId: string) => void;
  runAll: () => void;
  interrupt: () => void;
  setWidget: (widgetId: string, value: unknown) => void;
  /** Uploads files as a file widget's value; rejects with the server's message. */
  uploadWidgetFiles: (widgetId: string, files: File[]) => Promise<void>;
  updateCode: (cellId: string, code: string) => Promise<void>;
}

function socketUrl(path: string): string {
  const scheme = window.location.protocol === "https:" ? "wss" : "ws";
  return `${scheme}://${window.location.host}${path}`;
}

interface SocketHandlers {
  onEvent: (event: SessionEvent) => void;
  onClose: (socket: WebSocket, code: number, reason: string) => void;
}

/** Opens the session's event socket and sends the access token as its first message. */
function openSessionSocket(events: string, handlers: SocketHandlers): WebSocket {
  const ws = new WebSocket(socketUrl(events));
  ws.onopen = () => {
    ws.send(JSON.stringify({ type: "auth", token: tokenStore.get()?.accessToken ?? "" }));
  };
  ws.onmessage = (message: MessageEvent<string>) => {
    handlers.onEvent(JSON.parse(message.data) as SessionEvent);
  };
  ws.onclose = (closed) => {
    handlers.onClose(ws, closed.code, closed.reason);
  };
  return ws;
}

/**
 * Starts a live session of a notebook on demand and follows its events over a WebSocket, which
 * also carries run requests and widget values. The session ends when the component unmounts.
 */
export function useNotebookSession(origin: NotebookOrigin | null): NotebookSession {
  const [state, dispatch] = useReducer(reduce, initialSessionState);
  const [connection, setConnection] = useState<ConnectionStatus>("idle");
  const [error, setError] = useState<string | null>(null);
  const [sessionId, setSessionId] = useState<string | null>(null);
  const [atSessionLimit, setAtSessionLimit] = useState(false);
  const socket = useRef<WebSocket | null>(null);
  const session = useRef<string | null>(null);
  const refreshed = useRef(false);
  // Events wait here for the next animation frame and are applied together, so that a cell
  // printing thousands of lines a second costs one render per frame.
  const pending = useRef<SessionEvent[]>([]);
  const frame = useRef<number | null>(null);

  const enqueue = useCallback((event: SessionEvent) => {
    pending.current.push(event);
    if (frame.current !== null) {
      return;
    }
    frame.current = requestAnimationFrame(() => {
      frame.current = null;
      const events = pending.current;
      pending.current = [];
      dispatch({ kind: "events", events });
    });
  }, []);

  const dropPending = useCallback(() => {
    if (frame.current !== null) {
      cancelAnimationFrame(frame.current);
      frame.current = null;
    }
    pending.current = [];
  }, []);

  const connect = useCallback(
    (id: string, events: string) => {
      const reconnect = () => {
        socket.current = openSessionSocket(events, {
          onEvent: (event) => {
            if (event.type === "snapshot") {
              setConnection("connected");
              refreshed.current = false;
            }
            enqueue(event);
            const ended =
              event.type === "session_ended" || (event.type === "snapshot" && event.ended === true);
            if (ended && session.current === id) {
              // The kernel is gone (it exited, was stopped or the session expired): let go of the
              // session so that the page offers to start a new one.
              session.current = null;
              const ws = socket.current;
              socket.current = null;
              ws?.close(1000, "the session ended");
              setSessionId(null);
              setConnection("ended");
              void endSession(id).catch(() => undefined);
            }
          },
          onClose: (ws, code, reason) => {
            if (socket.current !== ws) {
              return;
            }
            socket.current = null;
            // An expired access token closes the socket with 1008 before the snapshot: refresh
            // the token once and connect again.
            if (code === 1008 && !refreshed.current && session.current === id) {
              refreshed.current = true;
              void refreshSession().then((ok) => {
                if (ok && session.current === id) {
                  reconnect();
                }
              });
              return;
            }
            setConnection("closed");
            if (reason !== "") {
              setError(`The connection to the session closed: ${reason}.`);
            }
          },
        });
      };
      reconnect();
    },
    [enqueue],
  );

  const stop = useCallback(() => {
    const id = session.current;
    session.current = null;
    dropPending();
    socket.current?.close(1000, "the page closed the session");
    socket.current = null;
    setSessionId(null);
    setConnection("idle");
    if (id !== null) {
      void endSession(id).catch(() => undefined);
    }
  }, [dropPending]);

  const start = useCallback(() => {
    if (origin === null || session.current !== null) {
      return;
    }
    setConnection("starting");
    setError(null);
    setAtSessionLimit(false);
    dropPending();
    dispatch({ kind: "reset" });
    createSession(origin)
      .then((created) => {
        session.current = created.id;
        setSessionId(created.id);
        dispatch({ kind: "events", events: [{ type: "snapshot", cells: created.cells }] });
        connect(created.id, created.events);
      })
      .catch((failure: unknown) => {
        setConnection("failed");
        setError(failure instanceof Error ? failure.message : "The session could not start.");
        // The server returns 429 both for the per-user session limit and for request rate
        // limits. The list of open sessions shows the user which one it was.
        setAtSessionLimit(failure instanceof ApiError && failure.status === 429);
      });
  }, [origin, connect, dropPending]);

  useEffect(() => stop, [stop]);

  // Leaving or reloading the page does not unmount the component, so end the session here too.
  // Otherwise it would count towards the user's limit until it expires.
  useEffect(() => {
    const onPageHide = () => {
      const id = session.current;
      if (id !== null) {
        session.current = null;
        socket.current?.close(1000, "the page was left");
        socket.current = null;
        endSessionOnUnload(id);
        // A page restored from the back-forward cache then offers to start again.
        setSessionId(null);
        setConnection("idle");
      }
    };
    window.addEventListener("pagehide", onPageHide);
    return () => {
      window.removeEventListener("pagehide", onPageHide);
    };
  }, []);

  const send = useCallback((message: object) => {
    socket.current?.send(JSON.stringify(message));
  }, []);

  const setWidget = useCallback(
    (widgetId: string, value: unknown) => {
      send({ type: "set_widget", widget: widgetId, value });
    },
    [send],
  );

  const uploadWidgetFiles = useCallback(async (widgetId: string, files: File[]) => {
    if (session.current === null) {
      throw new Error("The notebook session is not running; start it again.");
    }
    await uploadWidgetFilesRequest(session.current, widgetId, files);
  }, []);

  const updateCode = useCallback(async (cellId: string, code: string) => {
    if (session.current === null) {
      return;
    }
    try {
      await updateCellRequest(session.current, cellId, code);
    } catch (failure: unknown) {
      setError(failure instanceof Error ? failure.message : "The cell could not be changed.");
    }
  }, []);

  return {
    state,
    connection,
    error,
    sessionId,
    atSessionLimit,
    start,
    stop,
    run: (cellId) => {
      send({ type: "run", cells: [cellId] });
    },
    runAll: () => {
      send({ type: "run_all" });
    },
    interrupt: () => {
      send({ type: "interrupt" });
    },
    setWidget,
    uploadWidgetFiles,
    updateCode,
  };
}
