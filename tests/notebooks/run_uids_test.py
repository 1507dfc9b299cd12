"""Check that each `openlabs notebook run` takes its own uid from the configured block.

Usage: run_uids_test.py --binary build/src/app/openlabs

Starts three runs at once against a block of two uids. Two must run, under different uids of
the block; the third must stop with exit code 2 because every uid is leased. Exits 77 (ctest's
skip code) when not run as root, because only root switches uids.
"""

from __future__ import annotations

import argparse
import json
import os
import pathlib
import subprocess
import sys
import tempfile

SKIP = 77

# The first cell keeps its uid long enough for the three runs to overlap.
NOTEBOOK = '''import marimo

app = marimo.App()


@app.cell
def _():
    import os
    import time

    time.sleep(4)
    print(os.getuid())
    return


if __name__ == "__main__":
    app.run()
'''


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--binary", required=True)
    args = parser.parse_args()
    if os.geteuid() != 0:
        print("skipped: only root runs notebooks under uids of their own")
        return SKIP

    first_uid = 720000 + (os.getpid() % 4096) * 16
    with tempfile.TemporaryDirectory(prefix="openlabs-run-uids-") as folder:
        root = pathlib.Path(folder)
        notebook = root / "uid.py"
        notebook.write_text(NOTEBOOK)
        config = root / "config.toml"
        config.write_text(
            "[notebooks]\n"
            f"sandbox_first_uid = {first_uid}\n"
            "sandbox_uid_count = 2\n"
            "max_sessions = 1\n"
            "pool_size = 0\n"
            "[grading]\n"
            "workers = 1\n")
        command = [args.binary, "notebook", "run", str(notebook), "--format", "json",
                   "--config", str(config)]
        runs = [subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                 text=True) for _ in range(3)]
        results = [(run.wait(timeout=300), run.stdout.read(), run.stderr.read()) for run in runs]

    failures = []
    uids = []
    refused = 0
    for code, stdout, stderr in results:
        if code == 2 and "in use" in stderr:
            refused += 1
        elif code == 0:
            uids.append(int(json.loads(stdout)["cells"][0]["stdout"]))
        else:
            failures.append(f"a run exited {code}: {stderr.strip()[:300]} {stdout[:300]}")
    if refused != 1:
        failures.append(f"expected one run refused for lack of a uid, got {refused}")
    if len(set(uids)) != len(uids):
        failures.append(f"two runs shared a uid: {uids}")
    if any(uid not in (first_uid, first_uid + 1) for uid in uids):
        failures.append(f"a run used a uid outside the block {first_uid}..{first_uid + 1}: {uids}")
    for failure in failures:
        print("FAIL", failure)
    if not failures:
        print(f"ok: runs used uids {sorted(uids)}; the third was refused")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
