"""Check cell codes with Python's parser: `python3 -I check_syntax.py`.

Reads a JSON list of codes on stdin and writes a JSON list of the same length: null for a code
that parses, else the reason it does not. Nothing is executed.
"""

import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from openlabs_kernel import syntax_check  # noqa: E402


def main() -> int:
    """Check the codes from stdin; exit 2 when the input is not a JSON list of strings."""
    codes = json.load(sys.stdin)
    if not isinstance(codes, list) or not all(isinstance(code, str) for code in codes):
        print("the input must be a JSON list of strings", file=sys.stderr)
        return 2
    json.dump(syntax_check.check_cells(codes), sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main())
