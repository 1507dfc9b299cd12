"""Write one grader folder per IntroClass assignment, for `openlabs grade` and for labs.

Usage: make_graders.py CORPUS OUT

CORPUS is the introclass corpus folder (with checksum/, median/, smallest/). Each grader in
OUT/<assignment> compiles the student's C file with gcc, pipes each black-box and white-box test
into the program and runs answer_checker.py on the output. White-box tests are hidden from
learners, as they target the reference solution's branches.
"""

import pathlib
import shutil
import sys

# The answer each assignment prints, as a regular expression with one group.
ANSWER_PATTERNS = {
    "checksum": r"Check sum is (.)",
    "median": r"(-?\d+)\s+is the median",
    "smallest": r"(-?\d+)\s+is the smallest",
}

GRADER_TOML = """\
# IntroClass "{name}": compile with gcc, then check the answer printed for each test.
language = "c"
build = "gcc -std=gnu99 -w -o program {name}.c -lm"
run = "./program"
time_limit_s = 1
memory_mb = 256
# The recorded results keep no exit status, only the output, so the exit status is not checked.
check_exit_code = false
checker = "python3 answer_checker.py '{pattern}'"
hidden = ["whitebox/*"]
"""


def make_grader(corpus, out, name):
    target = out / name
    if target.exists():
        shutil.rmtree(target)
    shutil.copytree(corpus / name / "tests", target / "tests")
    shutil.copy(pathlib.Path(__file__).with_name("answer_checker.py"), target)
    pattern = ANSWER_PATTERNS[name].replace("\\", "\\\\")
    (target / "grader.toml").write_text(GRADER_TOML.format(name=name, pattern=pattern))
    return target


def main(argv):
    if len(argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    corpus, out = pathlib.Path(argv[1]), pathlib.Path(argv[2])
    out.mkdir(parents=True, exist_ok=True)
    for name in ANSWER_PATTERNS:
        print(make_grader(corpus, out, name))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
