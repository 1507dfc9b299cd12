"""Import IntroClass into a running server, grade it with the server's workers and compare.

Usage: through_server.py --binary build/src/app/openlabs [--corpus DIR] [--per-assignment N]
                   [--workers 2] [--port PORT] [--output FILE.md] [--min-agreement 0.99]

Starts `openlabs serve` on 127.0.0.1:PORT with a new data folder and imports the corpus through
the REST API: each assignment becomes a lab with the stdin/stdout grader and answer checker of
make_graders.py, and each revision becomes a submission. A learner may have one open submission
per lab, so each revision is submitted by its own learner account, named after the assignment,
student and revision (the mapping is in the page). The server's worker pool grades the
submissions; each test's pass/fail is compared with the recorded one as compare.py does, and
the grading throughput is measured from the first submission to the last finished job. The
corpus folder is $OPENLABS_CORPUS_DIR (default /work/shared/corpus). Exits 77 (ctest's skip
code) when the corpus is missing, 1 when the agreement is below --min-agreement.
"""

import argparse
import io
import json
import os
import pathlib
import socket
import subprocess
import sys
import tarfile
import tempfile
import time
import urllib.error
import urllib.request
import uuid

sys.path.insert(0, str(pathlib.Path(__file__).parent))
import compare  # noqa: E402
import make_graders  # noqa: E402

SKIP = 77
PASSWORD = "introclass bench password"


class Api:
    """JSON and multipart requests to the server, with an optional bearer token."""

    def __init__(self, base):
        self.base = base

    def request(self, method, path, token="", body=None, content_type="application/json"):
        headers = {}
        if body is not None:
            headers["Content-Type"] = content_type
        if token:
            headers["Authorization"] = "Bearer " + token
        request = urllib.request.Request(self.base + path, data=body, method=method,
                                         headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                text = response.read()
                status = response.status
        except urllib.error.HTTPError as error:
            text = error.read()
            status = error.code
        return status, json.loads(text) if text else None

    def json(self, method, path, payload, token=""):
        return self.request(method, path, token, json.dumps(payload).encode())

    def form(self, method, path, fields, files, token):
        boundary = "introclass-" + uuid.uuid4().hex
        body = io.BytesIO()
        for name, value in fields.items():
            body.write(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'
                       f"{value}\r\n".encode())
        for name, filename, data in files:
            body.write(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; '
                       f'filename="{filename}"\r\nContent-Type: application/octet-stream\r\n\r\n'
                       .encode())
            body.write(data + b"\r\n")
        body.write(f"--{boundary}--\r\n".encode())
        return self.request(method, path, token, body.getvalue(),
                            f"multipart/form-data; boundary={boundary}")


def expect(status, body, expected_status, action):
    if status != expected_status:
        raise RuntimeError(f"{action} failed: HTTP {status}: {body}")
    return body


def register(api, username):
    status, body = api.json("POST", "/api/v1/auth/register",
                            {"username": username, "email": f"{username}@example.org",
                             "password": PASSWORD, "name": "IntroClass", "surname": "Learner"})
    return expect(status, body, 201, f"registering {username}")


def free_port():
    # Another process may take the port before the server binds it; the run then fails.
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_server(binary, root, port, workers):
    config = root / "config.toml"
    config.write_text(
        "[log]\nlevel = \"warn\"\n"
        "[auth]\nlogin_attempts_per_address = 1000000\n"
        f"[grading]\nworkers = {workers}\n")
    log = open(root / "server.log", "w")
    server = subprocess.Popen(
        [binary, "serve", "--config", str(config), "--data-dir", str(root / "data"),
         "--listen", f"127.0.0.1:{port}"], stdout=log, stderr=subprocess.STDOUT)
    api = Api(f"http://127.0.0.1:{port}")
    for _ in range(300):
        if server.poll() is not None:
            raise RuntimeError(f"the server exited with {server.returncode}; see "
                               f"{root / 'server.log'}")
        try:
            if api.request("GET", "/healthz")[0] == 200:
                return server, api
        except (urllib.error.URLError, ConnectionError):
            pass
        time.sleep(0.1)
    server.kill()
    raise RuntimeError("the server did not become healthy in 30 s")


def create_lab(api, token, corpus, graders_dir, assignment):
    lab = expect(*api.json("POST", "/api/v1/labs",
                           {"title": f"IntroClass: {assignment}",
                            "description": f"The IntroClass \"{assignment}\" assignment in C.",
                            "body": f"# {assignment}\n\nWrite `{assignment}.c`."}, token),
                 201, f"creating the {assignment} lab")
    grader = make_graders.make_grader(corpus, graders_dir, assignment)
    archive = io.BytesIO()
    with tarfile.open(fileobj=archive, mode="w:gz") as tar:
        tar.add(grader, arcname=assignment)
    expect(*api.form("PUT", f"/api/v1/labs/{lab['id']}/grader", {},
                     [("archive", f"{assignment}.tar.gz", archive.getvalue())], token),
           201, f"attaching the {assignment} grader")
    return lab["id"]


def wait_for_jobs(api, token, labs, total, timeout_s):
    """Polls the labs' job lists until `total` jobs have finished; returns the jobs."""
    deadline = time.monotonic() + timeout_s
    while True:
        jobs = []
        for lab_id in labs.values():
            body = expect(*api.request("GET", f"/api/v1/labs/{lab_id}/grading-jobs", token),
                          200, "listing grading jobs")
            jobs.extend(body["items"])
        finished = [job for job in jobs if job["status"] in ("done", "failed")]
        if len(finished) >= total:
            return jobs
        if time.monotonic() > deadline:
            raise RuntimeError(f"only {len(finished)} of {total} jobs finished in {timeout_s} s")
        time.sleep(0.5)


def write_page(path, args, summary, disagreements, throughput, loads, mapping, failed):
    lines = [
        "# IntroClass through the platform: agreement and server-side throughput",
        "",
        "Generated by `bench/introclass/through_server.py`: a fresh `openlabs serve` with "
        f"`[grading] workers = {args.workers}` imports each IntroClass assignment as a lab with "
        "the grader of `bench/introclass/make_graders.py` (gcc build, answer checker), and each "
        "revision as a submission over the REST API. Each revision is submitted by its own "
        "learner account, because a learner may have one open submission per lab. The server's "
        "worker pool grades them, and each test's pass/fail is compared with the recorded one, "
        "as `bench/introclass/compare.py` does for `openlabs grade`.",
        "",
        f"Run: {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, {os.cpu_count()} cores, "
        f"load average {loads[0]:.2f} before and {loads[1]:.2f} after"
        + (f", first {args.per_assignment} revisions of each assignment." if args.per_assignment
           else "."),
        "",
    ]
    lines += compare.agreement_lines(summary, "submissions")
    lines += [
        "",
        f"Server-side throughput: {throughput['submissions']} submissions graded in "
        f"{throughput['seconds']:.1f} s from the first submission to the last finished job = "
        f"**{throughput['per_minute']:.1f} submissions per minute** with {args.workers} "
        f"workers. By the jobs' own times (first job queued to last job finished): "
        f"{throughput['job_seconds']:.1f} s, {throughput['job_per_minute']:.1f} per minute. "
        f"Jobs that failed in the machinery: {failed}.",
        "",
    ]
    lines += compare.disagreement_lines(disagreements)
    lines += ["", "## Revisions and their submissions", "",
              "| assignment | student | revision | learner | submission |", "|---|---|---|---|---|"]
    for row in mapping:
        lines.append(f"| {row['assignment']} | {row['student'][:12]} | {row['revision']} | "
                     f"{row['learner']} | {row['submission_id']} |")
    pathlib.Path(path).write_text("\n".join(lines) + "\n")


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--binary", required=True)
    parser.add_argument("--corpus", default=os.environ.get("OPENLABS_CORPUS_DIR",
                                                           "/work/shared/corpus"))
    parser.add_argument("--per-assignment", type=int, default=0)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--port", type=int, default=0,
                        help="port on 127.0.0.1 for the server; 0 picks a free one")
    parser.add_argument("--timeout", type=int, default=3600,
                        help="seconds to wait for the grading to finish")
    parser.add_argument("--output")
    parser.add_argument("--min-agreement", type=float, default=0.99)
    args = parser.parse_args()

    corpus = pathlib.Path(args.corpus) / "introclass"
    if not (corpus / "median" / "tests").is_dir():
        print(f"SKIP: no IntroClass corpus in {corpus}; set OPENLABS_CORPUS_DIR")
        return SKIP
    revisions = compare.list_revisions(corpus, args.per_assignment)
    loads = [os.getloadavg()[0]]
    with tempfile.TemporaryDirectory(prefix="introclass-platform-") as temp:
        root = pathlib.Path(temp)
        (root / "graders").mkdir()
        server, api = start_server(args.binary, root, args.port or free_port(), args.workers)
        try:
            run_id = uuid.uuid4().hex[:6]
            author = register(api, f"ic-author-{run_id}")
            token = author["access_token"]
            labs = {name: create_lab(api, token, corpus, root / "graders", name)
                    for name in make_graders.ANSWER_PATTERNS}
            learners = []
            for index, (assignment, student, revision) in enumerate(revisions):
                username = f"ic-{run_id}-{index:03d}"
                learners.append((username, register(api, username)["access_token"]))

            mapping = []
            started = time.monotonic()
            for (assignment, student, revision), (username, learner_token) in zip(revisions,
                                                                                   learners):
                source = revision / f"{assignment}.c"
                body = expect(*api.form("POST", "/api/v1/submissions",
                                        {"lab_id": labs[assignment],
                                         "text": f"IntroClass {assignment}, student {student}, "
                                                 f"revision {revision.name}"},
                                        [("files[]", source.name, source.read_bytes())],
                                        learner_token),
                              201, f"submitting {revision}")
                mapping.append({"assignment": assignment, "student": student,
                                "revision": revision.name, "learner": username,
                                "submission_id": body["id"]})
            jobs = wait_for_jobs(api, token, labs, len(revisions), args.timeout)
            seconds = time.monotonic() - started

            results = []
            for row, (assignment, student, revision) in zip(mapping, revisions):
                grading = expect(*api.request(
                    "GET", f"/api/v1/submissions/{row['submission_id']}/grading", token),
                    200, f"reading the grading of submission {row['submission_id']}")
                results.append((assignment, student, revision, grading))
        finally:
            server.terminate()
            server.wait(timeout=60)
    loads.append(os.getloadavg()[0])

    failed = sum(1 for _, _, _, grading in results if grading["status"] != "done")
    summary, disagreements = compare.tally(
        corpus, [(assignment, student, revision, grading.get("results") or {"tests": []})
                 for assignment, student, revision, grading in results])

    finished = [job for job in jobs if job.get("finished_at")]
    job_seconds = ((max(job["finished_at"] for job in finished) -
                    min(job["created_at"] for job in jobs)) / 1000) if finished else 0
    throughput = {"submissions": len(results), "seconds": seconds,
                  "per_minute": len(results) / seconds * 60 if seconds else 0,
                  "job_seconds": job_seconds,
                  "job_per_minute": len(finished) / job_seconds * 60 if job_seconds else 0}
    compared = sum(row[2] for row in summary.values())
    agreeing = sum(row[3] for row in summary.values())
    agreement = agreeing / compared if compared else 0
    print(f"{compared} tests compared, {agreeing} agree ({agreement:.2%}), "
          f"{len(disagreements)} disagree, {failed} jobs not done; "
          f"{throughput['per_minute']:.1f} submissions/min with {args.workers} workers; "
          f"load average {loads[0]:.2f} -> {loads[1]:.2f}")
    compare.print_disagreements(disagreements)
    if args.output:
        write_page(args.output, args, summary, disagreements, throughput, loads, mapping, failed)
    if compared == 0:
        print("error: no test was compared")
        return 1
    return 0 if agreement >= args.min_agreement else 1


if __name__ == "__main__":
    sys.exit(main())
