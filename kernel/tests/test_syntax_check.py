"""Tests of the syntax check that decides which cells are written unparsable."""

import json
import pathlib
import subprocess
import sys
import unittest

from openlabs_kernel import syntax_check

KERNEL_DIR = pathlib.Path(__file__).resolve().parent.parent


class SyntaxErrorTest(unittest.TestCase):
    def test_valid_code_parses(self) -> None:
        self.assertIsNone(syntax_check.syntax_error("x = 1\nprint(x)"))

    def test_top_level_await_parses(self) -> None:
        self.assertIsNone(syntax_check.syntax_error("import asyncio\nawait asyncio.sleep(0)"))

    def test_error_that_tokenizes_is_found(self) -> None:
        error = syntax_check.syntax_error("x = = 1")
        self.assertIsNotNone(error)
        self.assertIn("line 1", error)

    def test_invalid_fstring_is_found(self) -> None:
        self.assertIsNotNone(syntax_check.syntax_error('f"{x!}"'))

    def test_null_byte_is_found(self) -> None:
        self.assertIsNotNone(syntax_check.syntax_error("x = 1\0"))

    def test_code_is_not_run(self) -> None:
        self.assertIsNone(syntax_check.syntax_error("raise SystemExit(3)"))


class CheckSyntaxScriptTest(unittest.TestCase):
    def run_script(self, stdin: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "-I", str(KERNEL_DIR / "check_syntax.py")],
            input=stdin, capture_output=True, text=True, timeout=60, check=False)

    def test_reports_each_cell_in_order(self) -> None:
        done = self.run_script(json.dumps(["a = 1", "b = = 2", "c = 3"]))
        self.assertEqual(done.returncode, 0, done.stderr)
        result = json.loads(done.stdout)
        self.assertEqual(len(result), 3)
        self.assertIsNone(result[0])
        self.assertIn("invalid syntax", result[1])
        self.assertIsNone(result[2])

    def test_rejects_input_that_is_not_a_list_of_strings(self) -> None:
        done = self.run_script(json.dumps({"code": "x"}))
        self.assertEqual(done.returncode, 2)
        self.assertIn("JSON list of strings", done.stderr)


if __name__ == "__main__":
    unittest.main()
