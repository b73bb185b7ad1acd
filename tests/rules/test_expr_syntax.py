"""auditor/rules/expr/syntax.py (and nodes.py): parsing, its errors with their positions, the canonical text."""
from __future__ import annotations

import datetime as dt

import pytest

from auditor.rules import expr

# text, a fragment of the message, the character offset the error points at
PARSE_ERRORS = [
    ("size = 45", 'use "=="', 5),
    ("size <= ", "expected a value", 8),
    ("size <= 45 <= 50", "cannot be chained", 11),
    ("(size <= 45", 'expected ")"', 11),
    ("size && grade", 'use "and" / "or"', 5),
    ('x in []', "empty list", 7),
    ('date("2019-02-30")', "not a real date", 5),
    ("size （ 3", "ASCII", 5),
    ("", "empty", 0),
    ("and", "keyword", 0),
]


@pytest.mark.parametrize("text, fragment, position", PARSE_ERRORS)
def test_parse_errors_say_what_is_allowed(text, fragment, position):
    with pytest.raises(expr.ExprError) as info:
        expr.parse(text)
    assert fragment in info.value.message
    assert (info.value.code, info.value.position, info.value.field) == ("P-EXPR", position, None)


def test_text_round_trip():
    for text in ["size <= 55", 'stage == "primary" and not school.rural', "a + b * 2 >= c - 1", '(a or b) and c in [1, 2]']:
        node = expr.parse(text)
        assert expr.parse(expr.to_text(node)) == node or expr.to_text(expr.parse(expr.to_text(node))) == expr.to_text(node)


def test_nesting_beyond_the_bound_is_refused():
    deep = "(" * expr.MAX_NESTING + "a" + ")" * expr.MAX_NESTING
    assert expr.parse(deep) == expr.Field("a", expr.MAX_NESTING)  # parentheses alone add no level
    with pytest.raises(expr.ExprError, match="nested more than 32 levels"):
        expr.parse("not " * expr.MAX_NESTING + "a")
    assert expr.fields(expr.parse("not " * (expr.MAX_NESTING - 1) + "a")) == {"a"}


def test_fields_and_substitute_walk_every_kind_of_node():
    node = expr.parse('not (a + b.c * 2 >= k and s in ["x"]) or d <= due')
    assert expr.fields(node) == {"a", "b.c", "k", "s", "d", "due"}
    substituted = expr.substitute(node, {"k": 3, "due": dt.date(2020, 1, 2)})
    assert expr.fields(substituted) == {"a", "b.c", "s", "d"}
    assert expr.to_text(substituted) == 'not (a + b.c * 2 >= 3 and s in ["x"]) or d <= date("2020-01-02")'


def test_as_condition_reads_a_bare_field_as_true_only_in_boolean_positions():
    node = expr.as_condition(expr.parse("rural and not (closed or size > 3)"))
    assert expr.to_text(node) == "rural == true and not (closed == true or size > 3)"
