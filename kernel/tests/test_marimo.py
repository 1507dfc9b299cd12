"""Tests of the marimo API subset: Markdown, widgets and layouts."""

import datetime
import unittest

import marimo as mo


class MarkdownTest(unittest.TestCase):
    def test_headings_emphasis_and_math(self) -> None:
        text = mo.md("# Title\n\nSome *em* and **strong** with $x^2$.").text
        self.assertIn("<h1>Title</h1>", text)
        self.assertIn("<em>em</em>", text)
        self.assertIn("<strong>strong</strong>", text)
        self.assertIn('<span class="math inline">$x^2$</span>', text)

    def test_embeds_widget_unchanged(self) -> None:
        slider = mo.ui.slider(1, 10, label="$x_1$ *bold*")
        text = mo.md(f"Pick: {slider}").text
        self.assertIn(slider.text, text)

    def test_table_cells_keep_widgets(self) -> None:
        slider = mo.ui.slider(0, 10)
        table = mo.ui.table([{"name": "<b>rate</b>", "control": slider}], selection=None)
        text = mo.md(f"## Parameters\n\n{table}").text
        self.assertIn(f"<td>{slider.text}</td>", text)
        self.assertIn("<td>&lt;b&gt;rate&lt;/b&gt;</td>", text)

    def test_code_block_escaped(self) -> None:
        text = mo.md("```python\nx = '<b>'\n```").text
        self.assertIn("&lt;b&gt;", text)


class WidgetTest(unittest.TestCase):
    def test_defaults(self) -> None:
        self.assertEqual(mo.ui.slider(2, 9).value, 2)
        self.assertEqual(mo.ui.range_slider(1, 5).value, [1, 5])
        self.assertEqual(mo.ui.text().value, "")
        self.assertFalse(mo.ui.switch().value)
        self.assertIsNone(mo.ui.dropdown(["a", "b"]).value)
        self.assertEqual(mo.ui.radio({"one": 1}, value="one").value, 1)
        self.assertEqual(mo.ui.multiselect(["a", "b"]).value, [])
        self.assertIsInstance(mo.ui.date().value, datetime.date)
        self.assertIsNone(mo.ui.text().form().value)
        self.assertEqual(mo.ui.tabs({"A": 1, "B": 2}).value, "A")
        self.assertEqual(mo.ui.file().value, [])

    def test_dropdown_maps_key_to_value(self) -> None:
        dropdown = mo.ui.dropdown({"one": 1, "two": 2}, value="two")
        self.assertEqual(dropdown.value, 2)
        dropdown._receive("one")
        self.assertEqual(dropdown.value, 1)

    def test_array_child_change_returns_parent(self) -> None:
        child = mo.ui.slider(1, 10)
        array = mo.ui.array([child, mo.ui.text()])
        self.assertIs(child._receive(4), array)
        self.assertEqual(array.value, [4, ""])

    def test_form_value_set_on_submit_only(self) -> None:
        inner = mo.ui.text()
        form = inner.form()
        self.assertIsNone(inner._receive("draft"))
        self.assertIsNone(form.value)
        form._receive("final")
        self.assertEqual(form.value, "final")

    def test_batch_value_is_dict(self) -> None:
        batch = mo.md("{a} and {b}").batch(a=mo.ui.slider(1, 3), b=mo.ui.checkbox())
        self.assertEqual(batch.value, {"a": 1, "b": False})
        self.assertIn("openlabs-widget", batch.text)

    def test_button_on_click(self) -> None:
        button = mo.ui.button(value=0, on_click=lambda v: v + 1)
        button._receive(None)
        button._receive(None)
        self.assertEqual(button.value, 2)

    def test_range_slider_value_is_ordered_pair(self) -> None:
        widget = mo.ui.range_slider(0, 100, value=[10, 20])
        widget._receive([70, 30.0])
        self.assertEqual(widget.value, [30, 70])
        with self.assertRaises(ValueError):
            widget._receive([1, 2, 3])

    def test_slider_rejects_non_numbers(self) -> None:
        slider = mo.ui.slider(0, 10)
        slider._receive("7")
        self.assertEqual(slider.value, 7)
        for bad in ([1], None, True, "seven"):
            with self.subTest(value=bad), self.assertRaises(ValueError):
                slider._receive(bad)

    def test_slider_steps_snap_values(self) -> None:
        slider = mo.ui.slider(steps=[1, 2, 5, 10, 20])
        self.assertEqual(slider.value, 1)
        self.assertEqual(slider._props["start"], 1)
        self.assertEqual(slider._props["stop"], 20)
        self.assertEqual(slider._props["steps"], [1, 2, 5, 10, 20])
        for sent, expected in ((5, 5), (7, 5), (8, 10), ("16", 20), (-3, 1), (99, 20)):
            with self.subTest(sent=sent):
                slider._receive(sent)
                self.assertEqual(slider.value, expected)
        with self.assertRaises(ValueError):
            slider._receive("ten")

    def test_slider_steps_snap_initial_value(self) -> None:
        self.assertEqual(mo.ui.slider(steps=[0.5, 1.5, 4.0], value=1.4).value, 1.5)
        self.assertEqual(mo.ui.slider(steps=[3, 1, 2]).value, 3)
        with self.assertRaises(ValueError):
            mo.ui.slider(steps=[])

    def test_range_slider_steps_snap_both_ends(self) -> None:
        widget = mo.ui.range_slider(steps=[0, 10, 100, 1000], value=[12, 900])
        self.assertEqual(widget.value, [10, 1000])
        widget._receive([600, 40])
        self.assertEqual(widget.value, [10, 1000])
        widget._receive([0, 60])
        self.assertEqual(widget.value, [0, 100])
        self.assertEqual(mo.ui.range_slider(steps=[5, 1, 3]).value, [1, 5])

    def test_tabs_value_is_tab_name(self) -> None:
        tabs = mo.ui.tabs({"Plot": mo.md("p"), "Data": mo.md("d")}, value="Data")
        self.assertEqual(tabs.value, "Data")
        tabs._receive("Plot")
        self.assertEqual(tabs.value, "Plot")
        for bad in ("Table", 1, None):
            with self.subTest(value=bad), self.assertRaises(ValueError):
                tabs._receive(bad)
        self.assertEqual(tabs.value, "Plot")

    def test_table_selection_of_list(self) -> None:
        table = mo.ui.table([{"a": 1}, {"a": 2}, {"a": 3}])
        self.assertEqual(table.value, [])
        table._receive([2, 0])
        self.assertEqual(table.value, [{"a": 1}, {"a": 3}])
        self.assertIn('data-value="[0, 2]"', table.text)

    def test_table_selection_of_column_dict(self) -> None:
        table = mo.ui.table({"name": ["x", "y"], "n": [1, 2]}, selection="single")
        table._receive([1])
        self.assertEqual(table.value, [{"name": "y", "n": 2}])
        with self.assertRaises(ValueError):
            table._receive([0, 1])

    def test_table_selection_of_dataframe(self) -> None:
        import pandas as pd

        frame = pd.DataFrame({"x": [5, 6, 7]})
        table = mo.ui.table(frame)
        table._receive([1, 2])
        self.assertIsInstance(table.value, pd.DataFrame)
        self.assertEqual(table.value["x"].tolist(), [6, 7])

    def test_table_rows_carry_indices(self) -> None:
        text = mo.ui.table([10, 20]).text
        self.assertIn('<tr data-row="0"><td>10</td></tr>', text)
        self.assertIn('<tr data-row="1"><td>20</td></tr>', text)

    def test_table_rejects_bad_indices(self) -> None:
        table = mo.ui.table([1, 2])
        for bad in ([2], [-1], ["0"], [True], 0):
            with self.subTest(value=bad), self.assertRaises(ValueError):
                table._receive(bad)
        with self.assertRaises(ValueError):
            mo.ui.table([1], selection=None)._receive([0])

    def test_file_value_from_base64(self) -> None:
        widget = mo.ui.file()
        widget._receive([{"name": "a.txt", "contents": "aGVsbG8="}])
        self.assertEqual(widget.name(), "a.txt")
        self.assertEqual(widget.contents(), b"hello")
        self.assertEqual(widget.value[0].contents, b"hello")
        self.assertIn('data-value="[&quot;a.txt&quot;]"', widget.text)

    def test_file_value_from_staged_path(self) -> None:
        import tempfile

        with tempfile.NamedTemporaryFile() as staged:
            staged.write(b"\x00\x01binary")
            staged.flush()
            widget = mo.ui.file(multiple=True)
            widget._receive([{"name": "b.bin", "path": staged.name},
                             {"name": "c.txt", "contents": ""}])
        self.assertEqual([item.name for item in widget.value], ["b.bin", "c.txt"])
        self.assertEqual(widget.contents(0), b"\x00\x01binary")
        self.assertEqual(widget.contents(1), b"")

    def test_file_rejects_invalid_values(self) -> None:
        for bad in ("x", [{"contents": ""}], [{"name": "a"}],
                    [{"name": "a", "contents": "%%%"}],
                    [{"name": "a", "contents": ""}, {"name": "b", "contents": ""}]):
            with self.subTest(value=bad), self.assertRaises(ValueError):
                mo.ui.file()._receive(bad)

    def test_matrix_value_keeps_shape(self) -> None:
        matrix = mo.ui.matrix([[1, 0], [0, 1]], min_value=-5, max_value=5)
        matrix._receive([[2, "0.5"], [0, -1]])
        self.assertEqual(matrix.value, [[2, 0.5], [0, -1]])
        for bad in ([[1, 0]], [[1, 0, 0], [0, 1, 0]], [[9, 0], [0, 1]], [[True, 0], [0, 1]]):
            with self.subTest(value=bad), self.assertRaises(ValueError):
                matrix._receive(bad)

    def test_dictionary_child_change_returns_parent(self) -> None:
        child = mo.ui.checkbox()
        dictionary = mo.ui.dictionary({"on": child, "n": mo.ui.number(value=2)})
        self.assertIs(child._receive(True), dictionary)
        self.assertEqual(dictionary.value, {"on": True, "n": 2})

    def test_form_of_batch_submits_dict(self) -> None:
        x = mo.ui.slider(1, 10)
        form = mo.md("{x} {name}").batch(x=x, name=mo.ui.text()).form()
        self.assertIsNone(x._receive(5))
        self.assertIsNone(form.value)
        self.assertIs(form._receive({"x": 7, "name": "Ada"}), form)
        self.assertEqual(form.value, {"x": 7, "name": "Ada"})

    def test_unknown_attribute_not_supported(self) -> None:
        with self.assertRaises(NotImplementedError) as raised:
            mo.sql("select 1")
        self.assertIn("not supported", str(raised.exception))


if __name__ == "__main__":
    unittest.main()
