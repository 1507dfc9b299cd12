"""Run every corpus notebook through `openlabs notebook run --format json` and tabulate the result.

Usage: run_corpus.py --binary build/src/app/openlabs [--corpus DIR] [--table FILE.md] [--sessions]

With --sessions, each notebook runs instead in a live session of `openlabs serve`, through the
REST routes: start a session from the notebook's source, run all, read the cells' states.

The corpus folder is $OPENLABS_CORPUS_DIR (default /work/shared/corpus), and the notebooks are
in its marimo-notebooks/ subfolder. Exits 77 (ctest's skip code) when that folder is missing, 1 when a notebook
fails in a way not listed in EXPECTED_FAILURES, else 0.
"""

from __future__ import annotations

import argparse
import json
import os
import pathlib
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

SKIP = 77

# Notebooks whose failures are part of the notebook, each with the cells (by number in page
# order, from 1) that must fail and why. Any other failure fails the test.
EXPECTED_FAILURES = {
    "testing_test_with_pytest.py": (
        {2}, "the cell test_answer asserts inc(3) == 5 and fails on purpose"),
    "tutorial_for_jupyter_users.py": (
        {18, 19, 20},
        "defines df in two cells on purpose to show marimo's multiple-definitions error; the "
        "cell that reads df cannot run"),
    "running_cells_multiple_definitions.py": (
        {5}, "reads the cell-local _i in a cell that does not define it, on purpose"),
    "misc_filterable_table.py": (
        {2, 3, 4, 5, 6},
        "reads cars.json from a CDN URL, and the sandbox has no network; the cells that use "
        "the data cannot run"),
}


def run_notebook(binary: str, path: pathlib.Path, timeout: int) -> tuple[dict, float]:
    """Run one notebook; return the JSON report (or a kernel_error) and the seconds taken."""
    started = time.monotonic()
    try:
        completed = subprocess.run(
            [binary, "notebook", "run", str(path), "--format", "json"],
            capture_output=True, text=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired:
        return {"cells": [], "kernel_error": f"timed out after {timeout} s"}, timeout
    elapsed = time.monotonic() - started
    try:
        return json.loads(completed.stdout), elapsed
    except json.JSONDecodeError:
        detail = (completed.stderr or completed.stdout).strip()[:300]
        return {"cells": [], "kernel_error": f"exit {completed.returncode}: {detail}"}, elapsed


class SessionServer:
    """An `openlabs serve` on a free loopback port with one signed-in user."""

    def __init__(self, binary: str) -> None:
        self.data_dir = tempfile.TemporaryDirectory(prefix="openlabs-corpus-")
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        self.base = f"http://127.0.0.1:{port}/api/v1"
        self.log = open(os.path.join(self.data_dir.name, "server.log"), "w")
        self.process = subprocess.Popen(
            [binary, "serve", "--data-dir", self.data_dir.name, "--listen", f"127.0.0.1:{port}"],
            stdout=self.log, stderr=subprocess.STDOUT)
        for _ in range(200):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1)
                break
            except OSError:
                time.sleep(0.05)
        password = "corpus runner passphrase"
        self.token = None
        self.call("POST", "/auth/register", {"username": "corpus", "email": "corpus@example.org",
                                             "password": password, "name": "Corpus",
                                             "surname": "Runner"})
        self.token = self.call("POST", "/auth/login",
                               {"login": "corpus", "password": password})[1]["access_token"]

    def call(self, method: str, path: str, body: dict | None = None,
             timeout: float = 60) -> tuple[int, dict | None]:
        """Send one request; return the status and the parsed JSON body."""
        headers = {"content-type": "application/json"}
        if self.token:
            headers["authorization"] = f"Bearer {self.token}"
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(self.base + path, data=data, headers=headers,
                                         method=method)
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                text = response.read()
                return response.status, json.loads(text) if text else None
        except urllib.error.HTTPError as error:
            text = error.read()
            return error.code, json.loads(text) if text else None

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=60)
        self.log.close()
        self.data_dir.cleanup()


def run_in_session(server: SessionServer, path: pathlib.Path, timeout: int) -> tuple[dict, float]:
    """Run one notebook in a live session; return a report shaped like `notebook run`'s JSON."""
    started = time.monotonic()
    status, created = server.call("POST", "/notebook-sessions", {"source": path.read_text()})
    if status != 201:
        return {"cells": [], "kernel_error": f"starting the session failed: {created}"}, 0.0
    session = f"/notebook-sessions/{created['id']}"
    server.call("POST", f"{session}/run-all", {})
    # The kernel handles requests in order, so the export returns once run-all has finished.
    deadline = started + timeout
    status = 0
    while status != 200 and time.monotonic() < deadline:
        status, _ = server.call("GET", f"{session}/export", timeout=timeout)
        if status not in (200, 504):
            break
    _, snapshot = server.call("GET", session)
    server.call("DELETE", session)
    elapsed = time.monotonic() - started
    cells = []
    for cell in (snapshot or {}).get("cells", []):
        entry = {"name": cell["name"], "status": cell["status"]}
        if cell.get("run_error"):
            entry["error"] = cell["run_error"]
        cells.append(entry)
    report = {"cells": cells}
    if status != 200:
        report["kernel_error"] = f"the run did not finish: status {status}"
    if snapshot and snapshot.get("ended"):
        report["kernel_error"] = snapshot.get("reason", "the session ended")
    return report, elapsed


def summarize(report: dict) -> tuple[int, list[tuple[int, dict]]]:
    """Return the number of cells that ran and the (1-based position, cell) pairs that failed."""
    ran = sum(1 for cell in report["cells"] if cell["status"] == "done")
    failed = [(i + 1, c) for i, c in enumerate(report["cells"]) if c["status"] == "error"]
    return ran, failed


def describe_failure(position: int, cell: dict) -> str:
    name = "" if cell["name"] in ("_", "__") else f" {cell['name']}"
    error = cell.get("error", {})
    message = error.get("message", "").splitlines()[-1:] or [""]
    return f"cell {position}{name}: {error.get('kind', '?')}: {message[0][:120]}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--binary", required=True, help="path of the openlabs binary")
    parser.add_argument("--corpus", default=os.environ.get("OPENLABS_CORPUS_DIR",
                                                           "/work/shared/corpus"))
    parser.add_argument("--table", help="write the Markdown table of results to this file")
    parser.add_argument("--timeout", type=int, default=300, help="seconds per notebook")
    parser.add_argument("--sessions", action="store_true",
                        help="run each notebook in a live session of `openlabs serve`")
    arguments = parser.parse_args()

    folder = pathlib.Path(arguments.corpus) / "marimo-notebooks"
    notebooks = sorted(folder.glob("*.py"))
    if not notebooks:
        print(f"SKIP: no notebooks in {folder}; set OPENLABS_CORPUS_DIR to the corpus folder")
        return SKIP

    rows = []
    unexpected = []
    server = SessionServer(arguments.binary) if arguments.sessions else None
    for path in notebooks:
        if server is not None:
            report, elapsed = run_in_session(server, path, arguments.timeout)
        else:
            report, elapsed = run_notebook(arguments.binary, path, arguments.timeout)
        ran, failed = summarize(report)
        expected_cells, reason = EXPECTED_FAILURES.get(path.name, (set(), ""))
        failed_positions = {position for position, _ in failed}
        notes = "; ".join(describe_failure(position, cell) for position, cell in failed)
        if report.get("kernel_error"):
            notes = f"kernel: {report['kernel_error']}; {notes}"
        if failed_positions != expected_cells or report.get("kernel_error"):
            verdict = "UNEXPECTED"
            unexpected.append(path.name)
        elif failed:
            verdict = f"expected: {reason}"
        else:
            verdict = "ok"
        rows.append((path.name, len(report["cells"]), ran, len(failed), elapsed, verdict, notes))
        print(f"{path.name}: {len(report['cells'])} cells, {ran} ran, {len(failed)} failed, "
              f"{elapsed:.1f} s, {verdict} {notes}", flush=True)

    if server is not None:
        server.stop()
    if arguments.table:
        write_table(pathlib.Path(arguments.table), rows, folder, arguments.sessions)
    if unexpected:
        print("unexpected failures in: " + ", ".join(unexpected))
        return 1
    return 0


def write_table(path: pathlib.Path, rows: list[tuple], folder: pathlib.Path,
                sessions: bool) -> None:
    """Write the results as a Markdown page."""
    how = ("in a live session of `openlabs serve` (start a session, run all, read the cells "
           "through the REST routes)" if sessions else
           "with `openlabs notebook run --format json`")
    test = "notebooks_corpus_sessions" if sessions else "notebooks_corpus"
    lines = [
        "# Notebook corpus: " + ("live sessions" if sessions else "headless runs"),
        "",
        f"Every notebook in `{folder}` run {how} in the "
        "sandbox (bubblewrap, no network, 512 MiB address space, 30 s CPU per cell), widgets at "
        f"their defaults. Generated by `tests/notebooks/run_corpus.py` (ctest: {test}) "
        f"on {time.strftime('%Y-%m-%d')}.",
        "",
        "| notebook | cells | ran | failed | seconds | result | failed cells |",
        "|---|---|---|---|---|---|---|",
    ]
    for name, cells, ran, failed, elapsed, verdict, notes in rows:
        notes = notes.replace("|", "\\|")
        lines.append(f"| `{name}` | {cells} | {ran} | {failed} | {elapsed:.1f} | {verdict} | "
                     f"{notes} |")
    total_cells = sum(row[1] for row in rows)
    total_ran = sum(row[2] for row in rows)
    lines += ["", f"{len(rows)} notebooks, {total_cells} cells, {total_ran} ran without error.",
              "", "A cell that is neither ran nor failed was not run because a cell it depends "
              "on failed or called `mo.stop`.", ""]
    path.write_text("\n".join(lines))


if __name__ == "__main__":
    sys.exit(main())
