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

    def test_unknown_attribute_not_supported(self) -> None:
        with self.assertRaises(NotImplementedError) as raised:
            mo.sql("select 1")
        self.assertIn("not supported", str(raised.exception))


if __name__ == "__main__":
    unittest.main()
