"""Document numbers of the rectification notices (文号): one grammar for the settings, ``--number`` and the history.

A pattern holds the running number as a standalone ``N`` (``沈教督〔{year}〕N号``; the N of "No." is a word) and
may hold ``{year}``, the year of issue. A number written out is never taken for the running number: in
``沈教督〔2023〕号`` the year would be counted up. Without a history the notices are numbered from 1 in plan order;
with one, the running number continues after the highest already issued under the same pattern and year.
"""
from __future__ import annotations

import re

from auditor.errors import hint
from auditor.texts import Msg, msg

_PLACEHOLDER = re.compile(r"\{[^{}]*\}?|\}")  # {…}, or a brace left unclosed or unopened
PLACEHOLDERS = ("{year}",)  # the only placeholder a pattern may hold: anything else would be printed on the notices as written
_RUNNING = re.compile(r"(?<![A-Za-z])N(?![A-Za-z])")  # a standalone N: the N of "No." is a word, not the running number
MAX_PATTERN = 60
DEFAULT_PATTERN = "沈教督〔{year}〕N号"


def number_problem(pattern: str) -> Msg | None:
    """Why ``pattern`` cannot number notices (None when it can)."""
    if len(pattern) > MAX_PATTERN:
        return msg("number.too-long", limit=MAX_PATTERN)
    for m in _PLACEHOLDER.finditer(pattern):
        if m.group() not in PLACEHOLDERS:
            return msg("number.placeholder", pattern=pattern, placeholder=m.group(), hint=hint(m.group(), PLACEHOLDERS))
    if not _RUNNING.search(pattern):
        return msg("number.no-running", pattern=pattern)
    return None


def split(pattern: str, year: int) -> tuple[str, str]:
    """(text before the running number, text after it) for the year of issue."""
    text = pattern.replace("{year}", str(year))
    m = list(_RUNNING.finditer(text))[-1]
    return text[:m.start()], text[m.end():]


def highest(prefix: str, suffix: str, issued: list[str]) -> int:
    """The highest running number among ``issued`` numbers written as prefix + digits + suffix (0 if none)."""
    top = 0
    for text in issued:
        middle = text[len(prefix):len(text) - len(suffix)] if suffix else text[len(prefix):]
        if text.startswith(prefix) and text.endswith(suffix) and middle.isdigit():
            top = max(top, int(middle))
    return top


def numbers(pattern: str, year: int, count: int, issued: list[str] = ()) -> list[str]:
    """``count`` numbers from ``pattern``, after any already ``issued`` under it ("" each where there is no pattern)."""
    if not pattern:
        return [""] * count
    prefix, suffix = split(pattern, year)
    start = highest(prefix, suffix, list(issued)) + 1
    return [f"{prefix}{start + i}{suffix}" for i in range(count)]
