"""values.py: text that is text, and numbers an audit can hold exactly."""
from __future__ import annotations

import pytest

from auditor.intake.values import MAX_SAFE_INT, number_problem, text_problem


@pytest.mark.parametrize("text, problem", [
    ("和平区\t第一\n小学\r", None),
    ("a\x1bb", "text contains U+001B, a control character"),
    ("\x00", "text contains U+0000, a control character"),
    ("a\x85", "text contains U+0085, a control character"),
    ("\ud800", "text contains U+D800, a lone surrogate, not a character"),
])
def test_text_problem(text, problem):
    found = text_problem(text)
    assert (None if found is None else str(found)) == problem


@pytest.mark.parametrize("value, problem", [
    (0.97, None), (MAX_SAFE_INT - 1, None), (True, None), ("1e400", None),
    (float("nan"), "nan is not a number that can be audited"),
    (float("-inf"), "-inf is not a number that can be audited"),
    (MAX_SAFE_INT, f"{MAX_SAFE_INT} is too large; numbers must be below 2**53"),
    (-1e300, "-1e+300 is too large; numbers must be below 2**53"),
])
def test_number_problem(value, problem):
    found = number_problem(value)
    assert (None if found is None else str(found)) == problem
