"""Compiled expressions (``expr.compile_expr``) evaluate like the tree-walking ``expr.evaluate``.

(Moved from tests/test_perf.py: the fast path says what the slow one says; bench/run.py measures.)
"""
from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from auditor.rules import expr

# ----------------------------------------------------------------------------- compiled expressions
EXPRESSIONS = [
    "size <= 55", "size > 45 and stage == \"primary\"", "not (size < 10)", "size + 5 <= 50", "size * 2 >= pupils / 3",
    "pupils / size > 2", "stage in [\"primary\", \"junior\"]", "stage not in [\"junior\"]", "rural or size > 40",
    "rural and (size > 40 or pupils < 100)", "not rural", "size - pupils == 0", "filed_on <= date(\"2019-12-31\")",
    "(stage == \"primary\" and size <= 45) or (stage == \"junior\" and size <= 50)", "-size < -3", "size / 0 > 1",
]
values = st.one_of(st.none(), st.integers(-5, 60), st.floats(-5, 60, allow_nan=False), st.sampled_from(["primary", "junior"]), st.booleans())
records = st.fixed_dictionaries({}, optional={"size": values, "pupils": values, "stage": values, "rural": values, "filed_on": st.integers(737000, 738000)})


def _same(a, b) -> bool:
    return (a is expr.MISSING) == (b is expr.MISSING) and (a is expr.MISSING or a == b)


@given(record=records, text=st.sampled_from(EXPRESSIONS))
def test_compiled_expression_evaluates_like_the_tree(record, text):
    node = expr.parse(text)
    try:
        want = expr.evaluate(node, record)
    except TypeError:  # mixed types (a string compared with a number): refused statically in policies
        return
    assert _same(expr.compile_expr(node)(record), want)
