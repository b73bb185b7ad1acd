"""auditor/rules/expr/types.py: static types, and errors that name the field and point at it."""
from __future__ import annotations

import pytest

from auditor.rules import expr

TYPES = {"size": "number", "school.rural": "boolean", "stage": "string", "filed_on": "date"}

# text, the type, or the error's (code, position, field)
CASES = [
    ("size <= 45", "boolean"),
    ("size * 2 + 1", "number"),
    ('filed_on <= date("2019-08-31") and stage in ["primary"]', "boolean"),
    ("size <= 45 and school.rurall", ("P-FIELD", 15, "school.rurall")),
    ('size <= "x"', ("P-TYPE", 5, None)),
    ("stage < stage", ("P-TYPE", 6, None)),
    ("stage + 1 > 2", ("P-TYPE", 6, None)),
    ('size in [1, "a"]', ("P-TYPE", 12, None)),
    ("size <= 45 or size", ("P-TYPE", 14, None)),
    ("not size", ("P-TYPE", 0, None)),
]


@pytest.mark.parametrize("text, want", CASES)
def test_types_and_located_type_errors(text, want):
    node = expr.parse(text)
    if isinstance(want, str):
        assert expr.infer_type(node, TYPES) == want
        return
    with pytest.raises(expr.ExprError) as info:
        expr.infer_type(node, TYPES)
    assert (info.value.code, info.value.position, info.value.field) == want
