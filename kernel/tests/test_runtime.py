"""Tests of reactive execution in a Session, run in-process (no sandbox)."""

import linecache
import os
import unittest

from openlabs_kernel import runtime

NOTEBOOK = '''import marimo

__generated_with = "0.19.7"
app = marimo.App()


@app.cell
def _():
    import marimo as mo
    return (mo,)


@app.cell
def _(mo):
    slider = mo.ui.slider(1, 10, value=3)
    slider
    return (slider,)


@app.cell
def _(slider):
    doubled = slider.value * 2
    print("doubled", doubled)
    return (doubled,)


@app.cell
def _(doubled):
    doubled + 1
    return


if __name__ == "__main__":
    app.run()
'''


class Recorder:
    def __init__(self) -> None:
        self.events: list[dict] = []

    def __call__(self, event: dict) -> None:
        self.events.append(event)

    def of(self, kind: str, cell: str | None = None) -> list[dict]:
        return [e for e in self.events
                if e["type"] == kind and (cell is None or e.get("cell") == cell)]

    def last_output(self, cell: str):
        outputs = [e for e in self.of("output", cell) if e["mime"] is not None]
        return outputs[-1]["data"] if outputs else None

    def statuses(self, cell: str) -> list[str]:
        return [e["status"] for e in self.of("status", cell)]


def make_session(source: str = NOTEBOOK, **limits) -> tuple[runtime.Session, Recorder]:
    recorder = Recorder()
    session = runtime.Session(recorder, **limits)
    session.open(source)
    return session, recorder


class SessionTest(unittest.TestCase):
    def test_run_all_in_dependency_order(self) -> None:
        session, events = make_session()
        session.run_all()
        self.assertEqual(events.last_output("c4"), "7")
        self.assertEqual(events.statuses("c4")[-1], "done")
        streams = "".join(e["text"] for e in events.of("stream", "c3"))
        self.assertEqual(streams, "")  # print goes to sys.stdout, captured by the protocol layer

    def test_widget_change_reruns_readers(self) -> None:
        session, events = make_session()
        session.run_all()
        events.events.clear()
        session.set_widget_value("c2-1", 5)
        self.assertEqual(events.last_output("c4"), "11")
        self.assertEqual(events.of("status", "c2"), [])  # the defining cell does not re-run

    def test_run_cell_reruns_descendants(self) -> None:
        session, events = make_session()
        session.run_all()
        session.update_cell("c3", code="doubled = slider.value * 100")
        events.events.clear()
        session.run_cells(["c3"])
        self.assertEqual(events.last_output("c4"), "301")

    def test_delete_cell_removes_definitions(self) -> None:
        session, events = make_session()
        session.run_all()
        events.events.clear()
        session.delete_cell("c3")
        self.assertNotIn("doubled", session.namespace)
        errors = events.of("error", "c4")
        self.assertEqual(len(errors), 1)
        self.assertIn("NameError", errors[0]["message"])

    def test_exception_blocks_descendants(self) -> None:
        session, events = make_session()
        session.update_cell("c3", code="doubled = 1 / 0")
        session.run_all()
        self.assertIn("ZeroDivisionError", events.of("error", "c3")[0]["traceback"])
        self.assertEqual(events.of("error", "c4")[0]["kind"], "ancestor")

    def test_private_names_stay_in_cell(self) -> None:
        session, events = make_session()
        first = session.add_cell("_x = 1\n_x")
        second = session.add_cell("_x")
        session.run_cells([first, second])
        self.assertEqual(events.last_output(first), "1")
        error = events.of("error", second)[0]
        self.assertEqual(error["message"], "NameError: name '_x' is not defined")

    def test_private_function_in_cell(self) -> None:
        session, events = make_session()
        cell = session.add_cell("def _helper(_v):\n    return _v + 1\n_helper(1)")
        session.run_cells([cell])
        self.assertEqual(events.last_output(cell), "2")

    def test_top_level_await(self) -> None:
        session, events = make_session()
        cell = session.add_cell("import asyncio\nawait asyncio.sleep(0)\n'awaited'")
        session.run_cells([cell])
        self.assertEqual(events.last_output(cell), "'awaited'")

    def test_multiple_definitions_do_not_run(self) -> None:
        session, events = make_session()
        first = session.add_cell("dup = 1")
        second = session.add_cell("dup = 2")
        session.run_cells([first, second])
        self.assertEqual(events.of("error", first)[0]["kind"], "graph")
        self.assertEqual(events.of("error", second)[0]["kind"], "graph")
        self.assertNotIn("dup", session.namespace)

    def test_stop_skips_descendants(self) -> None:
        session, events = make_session()
        first = session.add_cell("mo.stop(True, mo.md('stopped'))\nstopped_value = 1")
        second = session.add_cell("stopped_value + 1")
        session.run_cells(["c1", first])
        self.assertIn("stopped", events.last_output(first))
        self.assertEqual(events.statuses(second)[-1], "stale")
        self.assertEqual(events.of("error", second), [])

    def test_run_button_true_only_during_run(self) -> None:
        session, events = make_session()
        button = session.add_cell("go = mo.ui.run_button()")
        reader = session.add_cell("go.value")
        session.run_cells(["c1", button])
        self.assertEqual(events.last_output(reader), "False")
        session.set_widget_value(f"{button}-1", True)
        self.assertEqual(events.last_output(reader), "True")
        self.assertFalse(session.namespace["go"].value)

    def test_state_setter_reruns_getter_readers(self) -> None:
        session, events = make_session()
        state = session.add_cell("get_count, set_count = mo.state(0)")
        reader = session.add_cell("get_count()")
        button = session.add_cell(
            "bump = mo.ui.button(on_change=lambda _: set_count(lambda v: v + 1))")
        session.run_cells(["c1", state, button])
        self.assertEqual(events.last_output(reader), "0")
        session.set_widget_value(f"{button}-1", 1)
        self.assertEqual(events.last_output(reader), "1")

    def test_table_selection_reruns_readers(self) -> None:
        session, events = make_session()
        table = session.add_cell("people = mo.ui.table([{'n': 'Ada'}, {'n': 'Bo'}])")
        reader = session.add_cell("[row['n'] for row in people.value]")
        session.run_cells(["c1", table])
        self.assertEqual(events.last_output(reader), "[]")
        session.set_widget_value(f"{table}-1", [1])
        self.assertEqual(events.last_output(reader), "['Bo']")

    def test_form_child_waits_for_submit(self) -> None:
        session, events = make_session()
        form = session.add_cell("entry = mo.ui.text().form()")
        reader = session.add_cell("entry.value")
        session.run_cells(["c1", form])
        self.assertEqual(events.of("output", reader)[-1]["data"], None)
        events.events.clear()
        session.set_widget_value(f"{form}-1", "draft")  # the text field, inside the form
        self.assertEqual(events.of("status", reader), [])
        session.set_widget_value(f"{form}-2", "sent")  # the form: a submit
        self.assertEqual(events.last_output(reader), "'sent'")

    def test_array_child_reruns_parent_readers(self) -> None:
        session, events = make_session()
        array = session.add_cell("pair = mo.ui.array([mo.ui.number(value=1), mo.ui.number()])")
        reader = session.add_cell("sum(pair.value)")
        session.run_cells(["c1", array])
        self.assertEqual(events.last_output(reader), "1")
        session.set_widget_value(f"{array}-2", 41)
        self.assertEqual(events.last_output(reader), "42")

    def test_invalid_widget_value_raises_value_error(self) -> None:
        session, events = make_session()
        table = session.add_cell("rows = mo.ui.table([1, 2])")
        session.run_cells(["c1", table])
        with self.assertRaises(ValueError) as raised:
            session.set_widget_value(f"{table}-1", [5])
        self.assertIn("not a row index", str(raised.exception))

    def test_cpu_limit_stops_cell(self) -> None:
        session, events = make_session(cell_cpu_seconds=1)
        cell = session.add_cell("while True:\n    pass")
        after = session.add_cell("print('still alive')")
        session.run_cells([cell, after])
        self.assertEqual(events.of("error", cell)[0]["kind"], "timeout")
        self.assertEqual(events.statuses(after)[-1], "done")

    def test_wall_limit_stops_cell(self) -> None:
        session, events = make_session(cell_wall_seconds=0.5)
        cell = session.add_cell("import time\ntime.sleep(30)")
        session.run_cells([cell])
        self.assertEqual(events.of("error", cell)[0]["kind"], "timeout")

    def test_unsupported_feature_says_so(self) -> None:
        session, events = make_session()
        cell = session.add_cell("mo.ui.plotly(None)")
        session.run_cells(["c1", cell])
        error = events.of("error", cell)[0]
        self.assertEqual(error["kind"], "unsupported")
        self.assertIn("not supported", error["message"])

    def test_dataframe_rendered_as_table(self) -> None:
        session, events = make_session()
        cell = session.add_cell("import pandas as pd\npd.DataFrame({'a': [1, 2]})")
        session.run_cells([cell])
        self.assertIn("<table", events.last_output(cell))

    def test_matplotlib_axes_rendered_as_png(self) -> None:
        os.environ.setdefault("MPLBACKEND", "Agg")
        session, events = make_session()
        cell = session.add_cell("import matplotlib.pyplot as plt\nplt.plot([1, 2])\nplt.gca()")
        session.run_cells([cell])
        outputs = [e for e in events.of("output", cell) if e["mime"]]
        self.assertEqual(outputs[-1]["mime"], "image/png")

    def test_export_keeps_cells(self) -> None:
        session, _ = make_session()
        exported = session.export()
        again, _ = make_session(exported)
        self.assertEqual([s.cell.code for s in session.cells.values()],
                         [s.cell.code for s in again.cells.values()])

    def test_add_cell_beyond_limit_raises(self) -> None:
        session, _ = make_session()
        for _ in range(runtime.MAX_CELLS - len(session.cells)):
            session.add_cell("pass")
        with self.assertRaises(ValueError):
            session.add_cell("pass")
        self.assertEqual(len(session.cells), runtime.MAX_CELLS)

    def test_deleted_cells_leave_no_source(self) -> None:
        session, _ = make_session()
        before = len(linecache.cache)
        for _ in range(50):
            cell = session.add_cell("x_unused = 1")
            session.run_cells([cell])
            session.delete_cell(cell)
        self.assertLessEqual(len(linecache.cache), before + 1)


    def test_unbound_tabs_accept_value(self) -> None:
        session, events = make_session()
        session.run_all()
        cell = session.add_cell('mo.ui.tabs({"A": mo.ui.text(label="x"), "B": 2})')
        session.run_cells([cell])
        widgets = events.of("widgets", cell)[-1]["widgets"]
        tabs = next(widget["id"] for widget in widgets if widget["kind"] == "tabs")
        text = next(widget["id"] for widget in widgets if widget["kind"] == "text")
        session.set_widget_value(tabs, "B")
        session.set_widget_value(text, "typed")
        session.delete_cell(cell)
        with self.assertRaises(KeyError):
            session.set_widget_value(tabs, "A")

    def test_tabs_change_reruns_readers(self) -> None:
        session, events = make_session()
        tabs = session.add_cell('view = mo.ui.tabs({"Plot": 1, "Table": 2})\nview')
        reader = session.add_cell("len(view.value)")
        session.run_all()
        self.assertEqual(events.last_output(reader), "4")
        session.set_widget_value(f"{tabs}-1", "Table")
        self.assertEqual(events.last_output(reader), "5")

if __name__ == "__main__":
    unittest.main()
