"""Checker for the IntroClass graders: compares the answer in a program's output, not its text.

Usage: answer_checker.py PATTERN INPUT EXPECTED ACTUAL

PATTERN is a regular expression with one group that captures the answer, for example
'(-?\\d+)\\s+is the median'. The test passes when ACTUAL contains at least one answer and every
answer it contains equals the one in EXPECTED. So the wording of the prompt does not matter, a
program that prints the right answer twice passes, and one that prints two different answers
fails, as in the recorded IntroClass results. Exit status: 0 passed, 1 failed, 2 the expected
output has no answer.
"""

import re
import sys


def read_text(path):
    with open(path, "rb") as handle:
        return handle.read().decode("latin-1")


def main(argv):
    if len(argv) != 5:
        print("usage: answer_checker.py PATTERN INPUT EXPECTED ACTUAL", file=sys.stderr)
        return 2
    pattern = re.compile(argv[1])
    expected = pattern.findall(read_text(argv[3]))
    actual = pattern.findall(read_text(argv[4]))
    if len(expected) != 1:
        print(f"the expected output has {len(expected)} answers; it needs exactly one")
        return 2
    if not actual:
        print(f"expected answer {expected[0]!r}, found no answer")
        return 1
    wrong = [answer for answer in actual if answer != expected[0]]
    if wrong:
        print(f"expected answer {expected[0]!r}, found {actual[:5]!r}")
        return 1
    print(f"answer {actual[0]!r} is correct")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
