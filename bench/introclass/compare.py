"""Grade IntroClass revisions with `openlabs grade` and compare with the recorded pass/fail.

Usage: compare.py --binary build/src/app/openlabs [--corpus DIR] [--per-assignment N]
                  [--jobs 2] [--output FILE.md] [--min-agreement 0.99]

The corpus folder is $OPENLABS_CORPUS_DIR (default /work/shared/corpus); the revisions are in its
introclass/ subfolder. Every revision is graded, and each test of each revision that is not
marked nondeterministic is compared with the recorded pass/fail. --per-assignment N grades only
the first N revisions of each assignment (the quick run of `make test`). With --output, the
similarity of every pair of revisions is measured too, and the page is written there. Exits 77
(ctest's skip code) when the corpus is missing, 1 when the agreement is below --min-agreement.
"""

import argparse
import ast
import concurrent.futures
import json
import os
import pathlib
import re
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, str(pathlib.Path(__file__).parent))
import make_graders  # noqa: E402

SKIP = 77
SUITES = ("blackbox", "whitebox")


def list_revisions(corpus, per_assignment):
    revisions = []
    for assignment in make_graders.ANSWER_PATTERNS:
        found = []
        for student in sorted((corpus / assignment).iterdir()):
            if not student.is_dir() or student.name == "tests":
                continue
            for revision in sorted(student.iterdir()):
                if (revision / "metadata.json").is_file():
                    found.append((assignment, student.name, revision))
        revisions.extend(found[:per_assignment] if per_assignment else found)
    return revisions


def grade(binary, grader, revision, assignment):
    with tempfile.TemporaryDirectory(prefix="introclass-") as submission:
        source = revision / f"{assignment}.c"
        pathlib.Path(submission, source.name).write_bytes(source.read_bytes())
        started = time.monotonic()
        completed = subprocess.run(
            [binary, "grade", "--grader", str(grader), "--submission", submission,
             "--format", "json"],
            capture_output=True, text=True, timeout=600)
        seconds = time.monotonic() - started
    if completed.returncode not in (0, 1):
        raise RuntimeError(f"openlabs grade failed on {revision}: {completed.stderr}")
    return json.loads(completed.stdout), seconds


def recorded_output(metadata, suite, number):
    outputs = metadata["output"][suite].get(number) or [""]
    text = outputs[0]
    return ast.literal_eval(text).decode("latin-1") if text else ""


def checker_verdict(pattern, expected, actual):
    """The answer checker's verdict, computed here on a recorded output."""
    expected_answers = re.findall(pattern, expected)
    found = re.findall(pattern, actual)
    return (len(expected_answers) == 1 and bool(found)
            and all(answer == expected_answers[0] for answer in found))


def explain(assignment, metadata, suite, number, corpus, ours, test_output):
    """Why this run and the record disagree, judged from the recorded output."""
    pattern = make_graders.ANSWER_PATTERNS[assignment]
    expected = (corpus / assignment / "tests" / suite / f"{number}.out").read_text("latin-1")
    recorded = recorded_output(metadata, suite, number)
    tail = recorded.strip()[-60:]
    if checker_verdict(pattern, expected, recorded) == ours:
        verdict = "pass" if ours else "fail"
        return (f"the record contradicts itself: its kept output ({tail!r}) is a {verdict} by "
                "the same rule, so the recorded verdict probably came from a run whose output "
                "differed")
    if not recorded:
        return ("the recorded run printed nothing (a crash or undefined behaviour, such as an "
                f"uninitialized variable); here the program printed an answer: "
                f"{test_output.strip()[:100]!r}")
    return (f"the program printed something else here than in the recorded run ({tail!r}); "
            f"checker here: {test_output.strip()[:100]!r}")


def compare(corpus, revision, assignment, student, report):
    metadata = json.loads((revision / "metadata.json").read_text())
    if metadata.get("nondeterministic"):
        return None
    rows = []
    by_name = {test["name"]: test for test in report["tests"]}
    for suite in SUITES:
        passed = set(metadata[suite]["pass"])
        for number in list(metadata[suite]["pass"]) + list(metadata[suite]["fail"]):
            test = by_name.get(f"{suite}/{number}")
            ours = test is not None and test["status"] == "passed"
            recorded = number in passed
            reason = ""
            if ours != recorded:
                reason = explain(assignment, metadata, suite, number, corpus, ours,
                                 test["output"] if test else "not run")
            rows.append({"assignment": assignment, "student": student, "revision": revision.name,
                         "test": f"{suite}/{number}", "recorded": recorded, "ours": ours,
                         "reason": reason})
    return rows


def tally(corpus, graded):
    """Compares each (assignment, student, revision, report) with the record.

    Returns the counts per assignment (revisions, revisions compared, tests compared, agreeing,
    disagreeing) and the rows of the disagreeing tests.
    """
    summary = {name: [0, 0, 0, 0, 0] for name in make_graders.ANSWER_PATTERNS}
    disagreements = []
    for assignment, student, revision, report in graded:
        summary[assignment][0] += 1
        rows = compare(corpus, revision, assignment, student, report)
        if rows is None:
            continue
        summary[assignment][1] += 1
        for row in rows:
            summary[assignment][2] += 1
            if row["recorded"] == row["ours"]:
                summary[assignment][3] += 1
            else:
                summary[assignment][4] += 1
                disagreements.append(row)
    return summary, disagreements


def print_disagreements(disagreements):
    for row in disagreements:
        print(f"  {row['assignment']}/{row['student'][:12]}/{row['revision']} {row['test']}: "
              f"recorded {'pass' if row['recorded'] else 'fail'}, this run "
              f"{'pass' if row['ours'] else 'fail'}: {row['reason']}")


def quantile(values, fraction):
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def similarity_rows(binary, corpus):
    """Score every pair of revisions with `openlabs similarity`, by assignment and pair kind."""
    rows = []
    for assignment in make_graders.ANSWER_PATTERNS:
        with tempfile.TemporaryDirectory(prefix="introclass-similarity-") as folder:
            # Only the C files, so that metadata is not compared.
            for student in (corpus / assignment).iterdir():
                if not student.is_dir() or student.name == "tests":
                    continue
                for revision in student.iterdir():
                    source = revision / f"{assignment}.c"
                    if source.is_file():
                        target = pathlib.Path(folder, student.name[:16], revision.name)
                        target.mkdir(parents=True)
                        (target / source.name).write_bytes(source.read_bytes())
            for common_fraction in (0.5, 1.0):
                completed = subprocess.run(
                    [binary, "similarity", folder, "--include-same-learner", "--threshold", "0",
                     "--common-fraction", str(common_fraction), "--format", "json"],
                    capture_output=True, text=True, timeout=600, check=True)
                pairs = json.loads(completed.stdout)["pairs"]
                for same in (True, False):
                    scores = [pair["score"] for pair in pairs if pair["same_learner"] == same]
                    rows.append({"assignment": assignment, "common_fraction": common_fraction,
                                 "kind": "same student" if same else "different students",
                                 "pairs": len(scores),
                                 "p10": quantile(scores, 0.1), "median": quantile(scores, 0.5),
                                 "p90": quantile(scores, 0.9),
                                 "at_least_half": sum(score >= 0.5 for score in scores) /
                                                  len(scores) if scores else float("nan")})
    return rows


def similarity_lines(rows):
    lines = [
        "",
        "## Similarity of revisions",
        "",
        "`openlabs similarity` scores every pair of revisions of an assignment: the Jaccard "
        "similarity of their winnowed fingerprints (6-token k-grams, windows of 5, over tokens "
        "with names and literals normalized). With the default `--common-fraction 0.5`, code "
        "found in more than half of the students' programs (and in at least three) is ignored as "
        "shared boilerplate; 1.0 keeps all code. The server's report flags pairs scoring 0.5 or "
        "more by default.",
        "",
        "| assignment | common fraction | pairs of | pairs | p10 | median | p90 | share ≥ 0.5 |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for row in rows:
        lines.append(f"| {row['assignment']} | {row['common_fraction']} | {row['kind']} | "
                     f"{row['pairs']} | {row['p10']:.2f} | {row['median']:.2f} | "
                     f"{row['p90']:.2f} | {row['at_least_half']:.1%} |")
    return lines


def agreement_lines(summary, graded_label):
    """Return the agreement table of a results page: a row per assignment and a total."""
    lines = [
        f"| assignment | {graded_label} | compared (deterministic) | tests compared | agree | "
        "disagree | agreement |",
        "|---|---|---|---|---|---|---|",
    ]
    totals = [0, 0, 0, 0, 0]
    for assignment, row in summary.items():
        agreement = row[3] / row[2] if row[2] else 0
        lines.append(f"| {assignment} | {row[0]} | {row[1]} | {row[2]} | {row[3]} | {row[4]} | "
                     f"{agreement:.2%} |")
        totals = [a + b for a, b in zip(totals, row)]
    overall = totals[3] / totals[2] if totals[2] else 0
    lines.append(f"| all | {totals[0]} | {totals[1]} | {totals[2]} | {totals[3]} | {totals[4]} | "
                 f"**{overall:.2%}** |")
    return lines


def disagreement_lines(disagreements):
    """Return the disagreements section of a results page, each with its reason."""
    lines = ["## Disagreements", ""]
    if not disagreements:
        return lines + ["None."]
    lines += ["| assignment | student | revision | test | recorded | this run | reason |",
              "|---|---|---|---|---|---|---|"]
    for row in disagreements:
        reason = row["reason"].replace("|", "\\|")
        lines.append(f"| {row['assignment']} | {row['student'][:12]} | {row['revision']} | "
                     f"{row['test']} | {'pass' if row['recorded'] else 'fail'} | "
                     f"{'pass' if row['ours'] else 'fail'} | {reason} |")
    return lines


def write_page(path, args, summary, disagreements, throughput, loads, similarity):
    lines = [
        "# IntroClass: autograder agreement and throughput",
        "",
        "Generated by `bench/introclass/compare.py`: each revision of the IntroClass corpus is "
        "graded by `openlabs grade` with a gcc build and an answer checker (the number before "
        "\"is the median\" / \"is the smallest\", the character after \"Check sum is\"), and each "
        "test's pass/fail is compared with the recorded one. Revisions marked nondeterministic "
        "are graded but not compared.",
        "",
        f"Run: {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, {os.cpu_count()} cores, "
        f"{args.jobs} graders in parallel, load average {loads[0]:.2f} before and "
        f"{loads[1]:.2f} after.",
        "",
    ]
    lines += agreement_lines(summary, "revisions graded")
    lines += [
        "",
        f"Throughput: {throughput['submissions']} submissions in {throughput['seconds']:.1f} s "
        f"of wall-clock time = **{throughput['per_minute']:.1f} submissions per minute** with "
        f"{args.jobs} parallel graders; median {throughput['median']:.2f} s per submission "
        "(build plus every test and checker run, each in its own sandbox).",
        "",
    ]
    lines += disagreement_lines(disagreements)
    lines += similarity_lines(similarity)
    pathlib.Path(path).write_text("\n".join(lines) + "\n")


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--binary", required=True)
    parser.add_argument("--corpus", default=os.environ.get("OPENLABS_CORPUS_DIR",
                                                           "/work/shared/corpus"))
    parser.add_argument("--per-assignment", type=int, default=0)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--output")
    parser.add_argument("--min-agreement", type=float, default=0.99)
    args = parser.parse_args()

    corpus = pathlib.Path(args.corpus) / "introclass"
    if not (corpus / "median" / "tests").is_dir():
        print(f"SKIP: no IntroClass corpus in {corpus}; set OPENLABS_CORPUS_DIR")
        return SKIP
    loads = [os.getloadavg()[0]]
    with tempfile.TemporaryDirectory(prefix="introclass-graders-") as graders_dir:
        graders = {name: make_graders.make_grader(corpus, pathlib.Path(graders_dir), name)
                   for name in make_graders.ANSWER_PATTERNS}
        revisions = list_revisions(corpus, args.per_assignment)
        started = time.monotonic()
        with concurrent.futures.ThreadPoolExecutor(max_workers=args.jobs) as pool:
            futures = [(assignment, student, revision,
                        pool.submit(grade, args.binary, graders[assignment], revision, assignment))
                       for assignment, student, revision in revisions]
            results = [(assignment, student, revision, future.result())
                       for assignment, student, revision, future in futures]
        seconds = time.monotonic() - started
    loads.append(os.getloadavg()[0])

    summary, disagreements = tally(
        corpus, [(assignment, student, revision, report)
                 for assignment, student, revision, (report, _) in results])
    durations = sorted(duration for _, _, _, (_, duration) in results)
    throughput = {"submissions": len(results), "seconds": seconds,
                  "per_minute": len(results) / seconds * 60 if seconds else 0,
                  "median": durations[len(durations) // 2] if durations else 0}
    compared = sum(row[2] for row in summary.values())
    agreeing = sum(row[3] for row in summary.values())
    agreement = agreeing / compared if compared else 0
    print(f"{compared} tests compared, {agreeing} agree ({agreement:.2%}), "
          f"{len(disagreements)} disagree; {throughput['per_minute']:.1f} submissions/min "
          f"with {args.jobs} graders; load average {loads[0]:.2f} -> {loads[1]:.2f}")
    print_disagreements(disagreements)
    if args.output:
        similarity = similarity_rows(args.binary, corpus)
        for row in similarity:
            print(f"similarity {row['assignment']} (common fraction {row['common_fraction']}), "
                  f"{row['kind']}: {row['pairs']} pairs, median {row['median']:.2f}, "
                  f"{row['at_least_half']:.1%} at 0.5 or more")
        write_page(args.output, args, summary, disagreements, throughput, loads, similarity)
    if compared == 0:
        print("error: no test was compared")
        return 1
    return 0 if agreement >= args.min_agreement else 1


if __name__ == "__main__":
    sys.exit(main())
