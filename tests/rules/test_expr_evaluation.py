"""auditor/rules/expr/evaluation.py: three-valued evaluation, where a missing field is unknown, never a verdict."""
from __future__ import annotations

import pytest

from auditor.rules import expr

EVALUATIONS = [
    ("size <= 55", {"size": 55}, True),
    ("size <= 55", {"size": 56}, False),
    ("size <= 55", {}, expr.MISSING),
    ("a and b", {"a": False}, False),  # false and unknown is false
    ("a or b", {"a": True}, True),  # true or unknown is true
    ("a or b", {"a": False}, expr.MISSING),
    ("not a", {}, expr.MISSING),
    ("x / y > 1", {"x": 1, "y": 0}, expr.MISSING),  # undefined is unknown, never a verdict
    ('s in ["a", "b"]', {"s": "b"}, True),
    ('s not in ["a", "b"]', {"s": "b"}, False),
    ("school.rural", {"school": {"rural": True}}, True),
    ('d <= date("2019-08-31")', {"d": 737302}, True),
    ("-x + 2 * 3 == 1", {"x": 5}, True),
]


@pytest.mark.parametrize("text, record, want", EVALUATIONS)
def test_three_valued_evaluation(text, record, want):
    got = expr.evaluate(expr.as_condition(expr.parse(text)), record)
    assert got is want if isinstance(want, (bool, type(expr.MISSING))) else got == want


@pytest.mark.parametrize("text, record, want", EVALUATIONS)
def test_compiled_closures_evaluate_the_table_alike(text, record, want):
    got = expr.compile_expr(expr.as_condition(expr.parse(text)))(record)
    assert got is want if isinstance(want, (bool, type(expr.MISSING))) else got == want


def test_missing_has_no_truth_value():
    with pytest.raises(TypeError):
        bool(expr.MISSING)
