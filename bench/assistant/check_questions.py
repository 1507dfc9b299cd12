#!/usr/bin/env python3
"""Checks bench/assistant/questions.json against the corpus passages.

Each question's evidence phrase must occur in a passage of its document at the stated location
(lab section anchor or PDF page). Reads the passages printed by `assistant_bench dump`.

usage: check_questions.py QUESTIONS.json DUMP.txt
"""
import json
import re
import sys


def normalize(text):
    return re.sub(r"\s+", " ", text).strip().lower()


def load_passages(dump_path):
    passages = []
    text = open(dump_path, encoding="utf-8").read()
    for block in re.split(r"^=== ", text, flags=re.M)[1:]:
        head, _, body = block.partition("\n")
        path = head.split(" | ")[0].strip()
        anchor = re.search(r"anchor=(\S*)", head).group(1)
        page = int(re.search(r"page=(\d+)", head).group(1))
        passages.append((path, anchor, page, normalize(body)))
    return passages


def main():
    if len(sys.argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    questions = json.load(open(sys.argv[1], encoding="utf-8"))["questions"]
    passages = load_passages(sys.argv[2])
    problems = 0
    for question in questions:
        evidence = normalize(question["evidence"])
        location = question["location"]
        found = [
            (anchor, page)
            for path, anchor, page, body in passages
            if path == question["document"] and evidence in body
        ]
        wanted = (location.get("anchor", ""), location.get("page", 0))
        matches = [
            f for f in found
            if (wanted[1] and f[1] == wanted[1]) or (wanted[0] and f[0] == wanted[0])
        ]
        if not matches:
            problems += 1
            print(f"{question['id']}: evidence found at {found or 'nowhere'}, not at {wanted}")
    print(f"{len(questions)} questions, {problems} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
