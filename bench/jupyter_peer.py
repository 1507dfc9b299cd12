"""Time the peers of a notebook session: a plain python3 process kept open, and a Jupyter kernel.

Usage: python3 bench/jupyter_peer.py ROUNDS WIDGET_ROUNDS

Prints one JSON object: for each peer, the start time and the round trips, in milliseconds, of
the same code the session benchmark runs. The plain process is the limit: a pipe, exec() and a
reply line, with no notebook around it. The Jupyter kernel is Debian's python3-ipykernel, driven
by python3-jupyter-client (an execute request, then its reply and the kernel's return to idle).
"""

from __future__ import annotations

import json
import subprocess
import sys
import time

TRIVIAL = "x = 1"
# The code of a widget change in a session: the new value, then the two cells that read it.
WIDGET = ["slope = {value}", "doubled = slope * 2", "print(doubled)"]

# Printed text is captured and sent back in the reply, as a notebook kernel sends it.
PLAIN_LOOP = r"""
import contextlib, io, json, sys
namespace = {}
reply = sys.stdout
for line in sys.stdin:
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        for code in json.loads(line):
            exec(code, namespace)
    reply.write(json.dumps(printed.getvalue()) + "\n")
    reply.flush()
"""


def plain_python(rounds: int, widget_rounds: int) -> dict:
    """Round trips through a python3 process that runs each request with exec() and replies."""
    started = time.perf_counter()
    process = subprocess.Popen([sys.executable, "-u", "-c", PLAIN_LOOP], stdin=subprocess.PIPE,
                               stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)

    def call(codes: list[str]) -> float:
        begin = time.perf_counter()
        process.stdin.write(json.dumps(codes) + "\n")
        process.stdin.flush()
        process.stdout.readline()
        return (time.perf_counter() - begin) * 1000

    call([TRIVIAL])
    start_ms = (time.perf_counter() - started) * 1000
    trivial = [call([TRIVIAL]) for _ in range(rounds)]
    call([line.format(value=1) for line in WIDGET])
    widget = [call([line.format(value=i % 10 + 1) for line in WIDGET])
              for i in range(widget_rounds)]
    process.stdin.close()
    process.wait()
    return {"start_ms": start_ms, "trivial_ms": trivial, "widget_ms": widget}


def jupyter(rounds: int, widget_rounds: int) -> dict:
    """Round trips through an IPython kernel: execute_request to reply and idle status."""
    from jupyter_client.manager import start_new_kernel

    started = time.perf_counter()
    manager, client = start_new_kernel(kernel_name="python3")
    start_ms = (time.perf_counter() - started) * 1000

    def call(code: str) -> float:
        begin = time.perf_counter()
        message_id = client.execute(code)
        while client.get_shell_msg(timeout=60)["parent_header"].get("msg_id") != message_id:
            pass
        while True:
            message = client.get_iopub_msg(timeout=60)
            if (message["parent_header"].get("msg_id") == message_id
                    and message["msg_type"] == "status"
                    and message["content"]["execution_state"] == "idle"):
                break
        return (time.perf_counter() - begin) * 1000

    try:
        call(TRIVIAL)
        trivial = [call(TRIVIAL) for _ in range(rounds)]
        call("\n".join(line.format(value=1) for line in WIDGET))
        widget = [call("\n".join(line.format(value=i % 10 + 1) for line in WIDGET))
                  for i in range(widget_rounds)]
    finally:
        client.stop_channels()
        manager.shutdown_kernel(now=True)
    return {"start_ms": start_ms, "trivial_ms": trivial, "widget_ms": widget}


def main() -> None:
    rounds, widget_rounds = int(sys.argv[1]), int(sys.argv[2])
    result = {"python3": plain_python(rounds, widget_rounds)}
    try:
        result["jupyter"] = jupyter(rounds, widget_rounds)
    except ImportError as error:
        result["jupyter_error"] = (f"{error}; install python3-ipykernel and "
                                   "python3-jupyter-client (scripts/install-deps.sh --bench)")
    print(json.dumps(result))


if __name__ == "__main__":
    main()
