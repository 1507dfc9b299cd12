"""Tests of the static analysis of cells and of the dependency graph."""

import unittest

from openlabs_kernel import analysis


def defs_refs(code: str) -> tuple[set[str], set[str]]:
    result = analysis.analyze_cell(code)
    return result.defs, result.refs


class AnalyzeCellTest(unittest.TestCase):
    def test_assignment_defines_and_reads(self) -> None:
        defs, refs = defs_refs("y = x + 1")
        self.assertEqual(defs, {"y"})
        self.assertEqual(refs, {"x"})

    def test_imports_define_bound_names(self) -> None:
        defs, _ = defs_refs("import numpy as np\nimport os.path\nfrom math import pi as p, e")
        self.assertEqual(defs, {"np", "os", "p", "e"})

    def test_private_names_are_neither(self) -> None:
        defs, refs = defs_refs("_tmp = a\nfor _i in range(3):\n    print(_i, _other)")
        self.assertEqual(defs, set())
        self.assertEqual(refs, {"a", "range", "print"})

    def test_function_locals_are_not_refs(self) -> None:
        defs, refs = defs_refs("def f(a, *rest, k=default):\n    b = a + c\n    return b")
        self.assertEqual(defs, {"f"})
        self.assertEqual(refs, {"default", "c"})

    def test_comprehension_variables_are_local(self) -> None:
        _, refs = defs_refs("squares = [i * i for i in items if i > limit]")
        self.assertEqual(refs, {"items", "limit"})

    def test_class_body_names_hidden_from_methods(self) -> None:
        code = "class A:\n    size = 1\n    def f(self):\n        return size\n"
        defs, refs = defs_refs(code)
        self.assertEqual(defs, {"A"})
        self.assertEqual(refs, {"size"})

    def test_global_in_function_defines(self) -> None:
        defs, _ = defs_refs("def f():\n    global counter\n    counter = 1\n")
        self.assertEqual(defs, {"f", "counter"})

    def test_augmented_assignment_defines(self) -> None:
        # A cell cannot read its own definition from another cell, so `x` is no reference.
        defs, refs = defs_refs("x += 1")
        self.assertEqual(defs, {"x"})
        self.assertEqual(refs, set())

    def test_name_defined_later_in_cell_is_not_ref(self) -> None:
        _, refs = defs_refs("def g():\n    return helper()\ndef helper():\n    return 1\n")
        self.assertEqual(refs, set())

    def test_top_level_await_detected(self) -> None:
        self.assertTrue(analysis.analyze_cell("await asyncio.sleep(0)").is_async)
        self.assertFalse(analysis.analyze_cell("async def f():\n    await g()").is_async)

    def test_syntax_error_reported(self) -> None:
        result = analysis.analyze_cell("x = (")
        self.assertIsNotNone(result.syntax_error)

    def test_star_import_flagged(self) -> None:
        self.assertTrue(analysis.analyze_cell("from math import *").star_import)


class GraphTest(unittest.TestCase):
    def build(self, cells: dict[str, str]) -> analysis.Graph:
        return analysis.build_graph(
            [(cell_id, analysis.analyze_cell(code)) for cell_id, code in cells.items()]
        )

    def test_order_follows_dependencies_not_page(self) -> None:
        graph = self.build({"a": "z = y + 1", "b": "y = x * 2", "c": "x = 1"})
        self.assertEqual(graph.order, ["c", "b", "a"])
        self.assertEqual(graph.errors, {})

    def test_multiple_definitions_error_on_both(self) -> None:
        graph = self.build({"a": "x = 1", "b": "x = 2", "c": "y = 3"})
        self.assertIn("'x'", graph.errors["a"])
        self.assertIn("'x'", graph.errors["b"])
        self.assertNotIn("c", graph.errors)

    def test_cycle_reported_on_members_only(self) -> None:
        graph = self.build({"a": "x = y", "b": "y = x", "c": "z = x"})
        self.assertIn("cycle", graph.errors["a"])
        self.assertIn("cycle", graph.errors["b"])
        self.assertNotIn("c", graph.errors)

    def test_descendants_are_transitive(self) -> None:
        graph = self.build({"a": "x = 1", "b": "y = x", "c": "z = y", "d": "w = 2"})
        self.assertEqual(analysis.descendants(graph, {"a"}), {"b", "c"})


if __name__ == "__main__":
    unittest.main()
