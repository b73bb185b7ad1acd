"""What a value of plain data may be, for YAML and JSON alike.

Text must be text (no control characters other than tab and newlines, no lone
surrogates); numbers must be finite and below 2**53, where floats and the engine
stay exact; nesting is at most :data:`MAX_DEPTH` levels.
"""
from __future__ import annotations

import math
import re
from typing import Any

MAX_DEPTH = 64
MAX_SAFE_INT = 2**53  # beyond this, floats (and the engine) lose exactness

_BAD_TEXT = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")


def text_problem(value: str) -> str | None:
    """Text written with escapes ("\\u0000", "\\ud800") must still be text: no control
    characters (tab and newlines aside) and no lone surrogates, which cannot be written out."""
    bad = _BAD_TEXT.search(value)
    if bad is None:
        return None
    kind = "a lone surrogate, not a character" if 0xD800 <= ord(bad.group()) <= 0xDFFF else "a control character"
    return f"text contains U+{ord(bad.group()):04X}, {kind}"


def number_problem(value: Any) -> str | None:
    """Why ``value`` is not a number an audit can use (NaN, infinite, 2**53 or more), or None."""
    if isinstance(value, float) and (math.isnan(value) or math.isinf(value)):
        return f"{value} is not a number that can be audited"
    if isinstance(value, (int, float)) and not isinstance(value, bool) and abs(value) >= MAX_SAFE_INT:
        return f"{value} is too large; numbers must be below 2**53"
    return None
