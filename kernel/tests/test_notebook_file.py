"""Round-trip tests of the marimo file format over the corpus and hand-written cases."""

import os
import pathlib
import unittest

from openlabs_kernel import notebook_file

CORPUS = pathlib.Path(os.environ.get("OPENLABS_CORPUS_DIR", "/work/shared/corpus"))
NOTEBOOKS = sorted((CORPUS / "marimo-notebooks").glob("*.py"))


def cell_tuples(notebook: notebook_file.Notebook) -> list[tuple]:
    return [(c.kind, c.name, c.code, c.options) for c in notebook.cells]


class RoundTripTest(unittest.TestCase):
    @unittest.skipUnless(NOTEBOOKS, f"no corpus notebooks under {CORPUS}")
    def test_corpus_round_trip_keeps_cells(self) -> None:
        for path in NOTEBOOKS:
            with self.subTest(notebook=path.name):
                original = notebook_file.parse_notebook(path.read_text())
                exported = notebook_file.export_notebook(original)
                again = notebook_file.parse_notebook(exported)
                self.assertEqual(cell_tuples(original), cell_tuples(again))
                self.assertEqual(original.app_arguments, again.app_arguments)
                self.assertEqual(original.header, again.header)
                self.assertGreater(len(original.cells), 0)

    def test_parses_kinds_options_and_names(self) -> None:
        source = '''import marimo

app = marimo.App(width="medium")

with app.setup:
    import random


@app.cell(hide_code=True, disabled=True)
def named(x):
    y = x + 1
    return (y,)


@app.function
def roll():
    return random.randint(1, 6)


@app.cell
async def _():
    await something()
    return


app._unparsable_cell(
    r"""
    x = (
    """,
    name="broken"
)
'''
        notebook = notebook_file.parse_notebook(source)
        kinds = [(c.kind, c.name) for c in notebook.cells]
        self.assertEqual(kinds, [("setup", "setup"), ("cell", "named"), ("function", "roll"),
                                 ("cell", "_"), ("unparsable", "broken")])
        self.assertEqual(notebook.cells[1].options, {"hide_code": True, "disabled": True})
        self.assertEqual(notebook.cells[1].code, "y = x + 1")
        self.assertEqual(notebook.cells[2].code, "def roll():\n    return random.randint(1, 6)")
        self.assertEqual(notebook.app_arguments, 'width="medium"')
        again = notebook_file.parse_notebook(notebook_file.export_notebook(notebook))
        self.assertEqual(cell_tuples(notebook), cell_tuples(again))

    def test_export_regenerates_signature(self) -> None:
        notebook = notebook_file.Notebook(cells=[
            notebook_file.Cell(code="a = 1"), notebook_file.Cell(code="b = a + 1\nb")])
        exported = notebook_file.export_notebook(notebook)
        self.assertIn("def _(a):\n    b = a + 1\n    b\n    return (b,)", exported)
        self.assertIn("def _():\n    a = 1\n    return (a,)", exported)

    def test_rejects_non_notebook(self) -> None:
        with self.assertRaises(notebook_file.NotebookFormatError):
            notebook_file.parse_notebook("print('hello')")


if __name__ == "__main__":
    unittest.main()
