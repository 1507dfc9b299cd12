"""The kernel's line-delimited JSON protocol on stdin and stdout (see kernel/PROTOCOL.md)."""

from __future__ import annotations

import _thread
import io
import json
import os
import queue
import shutil
import sys
import threading
from typing import Any, TextIO

from openlabs_kernel import runtime

PROTOCOL_VERSION = 1
# Requests read from stdin and waiting for the running one. A request beyond it gets a
# `failed` reply at once, so a client that sends faster than cells run cannot grow the kernel's
# memory without bound. `interrupt` requests never wait in this queue.
MAX_WAITING_REQUESTS = 1000


class Channel:
    """Writes events as JSON lines; safe to call from several threads."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.lock = threading.Lock()

    def send(self, event: dict[str, Any]) -> None:
        """Write one event and flush it."""
        line = json.dumps(event, default=str, ensure_ascii=False)
        with self.lock:
            self.stream.write(line + "\n")
            self.stream.flush()


class CellStream(io.TextIOBase):
    """sys.stdout or sys.stderr during a session: text goes out as `stream` events of the cell
    that is running, one event per line or per 4 KiB."""

    def __init__(self, channel: Channel, name: str, session_ref: list) -> None:
        self.channel = channel
        self.name = name
        self.session_ref = session_ref
        self.buffer_text = ""

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        self.buffer_text += text
        if "\n" in text or len(self.buffer_text) > 4096:
            self.flush()
        return len(text)

    def flush(self) -> None:
        if not self.buffer_text:
            return
        session = self.session_ref[0] if self.session_ref else None
        cell = session.current_cell if session is not None else None
        text, self.buffer_text = self.buffer_text, ""
        self.channel.send({"type": "stream", "cell": cell, "name": self.name, "text": text})

    def isatty(self) -> bool:
        return False


class NoInput(io.TextIOBase):
    """sys.stdin during a session: the protocol owns the real stdin."""

    def readable(self) -> bool:
        return True

    def readline(self, size: int = -1) -> str:
        raise RuntimeError("input() is not supported in notebooks: use a widget such as "
                           "mo.ui.text to get input from the reader")

    read = readline


def _forward_fd(read_fd: int, stream: CellStream) -> None:
    """Copy what subprocesses write to fd 1 or 2 into stream events."""
    with os.fdopen(read_fd, "r", errors="replace") as pipe:
        for line in pipe:
            stream.write(line)
            stream.flush()


def _redirect_standard_streams(channel: Channel, session_ref: list) -> TextIO:
    """Take over fds 0-2 and sys.std*; return the protocol's input stream."""
    protocol_in = os.fdopen(os.dup(0), "r", encoding="utf-8")
    null = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null, 0)
    os.close(null)
    for fd, name in ((1, "stdout"), (2, "stderr")):
        stream = CellStream(channel, name, session_ref)
        read_end, write_end = os.pipe()
        os.dup2(write_end, fd)
        os.close(write_end)
        threading.Thread(target=_forward_fd, args=(read_end, stream), daemon=True).start()
        setattr(sys, name, stream)
    sys.stdin = NoInput()
    return protocol_in


class Kernel:
    """Reads requests, applies them to the Session and reports completion."""

    def __init__(self, channel: Channel, session: runtime.Session) -> None:
        self.channel = channel
        self.session = session
        self.running = threading.Event()

    def handle(self, request: dict[str, Any]) -> bool:
        """Apply one request; return False when the kernel must exit."""
        kind = request.get("type")
        reply: dict[str, Any] = {"type": "done", "request": request.get("id")}
        self.running.set()
        try:
            keep_going = self._dispatch(kind, request, reply)
        except KeyboardInterrupt:
            reply = {"type": "failed", "request": request.get("id"),
                     "message": "interrupted"}
            keep_going = True
        except (KeyError, ValueError, TypeError, OSError) as error:
            message = error.args[0] if isinstance(error, KeyError) and error.args else str(error)
            reply = {"type": "failed", "request": request.get("id"), "message": str(message)}
            keep_going = True
        finally:
            self.running.clear()
            sys.stdout.flush()
            sys.stderr.flush()
        self.channel.send(reply)
        return keep_going

    def _dispatch(self, kind: str | None, request: dict[str, Any], reply: dict[str, Any]) -> bool:
        session = self.session
        if kind == "open":
            session.open(request["source"])
        elif kind == "run_all":
            session.run_all()
        elif kind == "run":
            session.run_cells(list(request["cells"]))
        elif kind == "set_widget":
            session.set_widget_value(request["widget"], request.get("value"))
        elif kind == "add_cell":
            reply["cell"] = session.add_cell(request.get("code", ""), request.get("after"),
                                             request.get("name", "_"))
        elif kind == "update_cell":
            session.update_cell(request["cell"], request.get("code"), request.get("name"),
                                request.get("options"))
        elif kind == "move_cell":
            session.move_cell(request["cell"], int(request["index"]))
        elif kind == "delete_cell":
            session.delete_cell(request["cell"])
        elif kind == "copy_files":
            reply["bytes"] = _copy_files(str(request["source"]))
        elif kind == "export":
            reply["source"] = session.export()
        elif kind == "describe":
            reply["notebook"] = session.describe()
        elif kind == "ping":
            pass
        elif kind == "shutdown":
            return False
        else:
            raise ValueError(f"unknown request type {kind!r}")
        return True


def _copy_files(source: str) -> int:
    """Copy the files under `source` into the working directory; return the bytes copied.

    Raises OSError when they do not fit, for example ENOSPC on a full tmpfs.
    """
    shutil.copytree(source, os.getcwd(), dirs_exist_ok=True)
    total = 0
    for directory, _, names in os.walk(source):
        total += sum(os.path.getsize(os.path.join(directory, name)) for name in names)
    return total


def _read_requests(protocol_in: TextIO, requests: queue.Queue, kernel: Kernel,
                   channel: Channel) -> None:
    """Queue requests; an `interrupt` request interrupts the running cell at once."""
    for line in protocol_in:
        if not line.strip():
            continue
        try:
            request = json.loads(line)
        except json.JSONDecodeError as error:
            channel.send({"type": "failed", "request": None,
                          "message": f"invalid JSON request: {error}"})
            continue
        if request.get("type") == "interrupt":
            if kernel.running.is_set():
                _thread.interrupt_main()
            channel.send({"type": "done", "request": request.get("id")})
            continue
        try:
            requests.put_nowait(request)
        except queue.Full:
            channel.send({"type": "failed", "request": request.get("id"),
                          "message": f"the kernel already has {requests.maxsize} requests "
                                     "waiting; try again when the running cell has finished"})
    requests.put({"type": "shutdown"})


def serve(cell_cpu_seconds: float | None, cell_wall_seconds: float | None) -> None:
    """Run the kernel until stdin closes or a `shutdown` request arrives."""
    channel = Channel(os.fdopen(os.dup(1), "w", encoding="utf-8"))
    session_ref: list = []
    protocol_in = _redirect_standard_streams(channel, session_ref)
    session = runtime.Session(channel.send, cell_cpu_seconds=cell_cpu_seconds,
                              cell_wall_seconds=cell_wall_seconds)
    session_ref.append(session)
    kernel = Kernel(channel, session)
    requests: queue.Queue = queue.Queue(maxsize=MAX_WAITING_REQUESTS)
    threading.Thread(target=_read_requests, args=(protocol_in, requests, kernel, channel),
                     daemon=True).start()
    channel.send({"type": "ready", "protocol": PROTOCOL_VERSION, "pid": os.getpid()})
    while kernel.handle(requests.get()):
        pass
