"""What a value of plain data may be, for YAML and JSON alike.

Text must be text (no control characters other than tab and newlines, no lone
surrogates); numbers must be finite and below 2**53, where floats and the engine
stay exact; nesting is at most :data:`MAX_DEPTH` levels.
"""
from __future__ import annotations

import math
import re
from typing import Any

from auditor.texts import Msg, msg

MAX_DEPTH = 64
MAX_SAFE_INT = 2**53  # beyond this, floats (and the engine) lose exactness

# Bidirectional embeddings, overrides and isolates: U+202E in a school name reverses the rest of a
# notice's line or cell ("Trojan Source"); no name, reference or title in a submission needs them.
BIDI_CONTROLS = "\u202a-\u202e\u2066-\u2069"
BIDI = _BIDI = re.compile(f"[{BIDI_CONTROLS}]")
BAD_TEXT = _BAD_TEXT = re.compile(f"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff{BIDI_CONTROLS}]")  # bad_character's


def text_problem(value: str) -> Msg | None:
    """Text written with escapes ("\\u0000", "\\ud800") must still be text: no control
    characters (tab and newlines aside), no lone surrogates, which cannot be written out, and no
    bidirectional controls, which would make the text read differently from what it holds."""
    code = bad_character(value)
    if code is None:
        return None
    kind = "surrogate" if 0xD800 <= code <= 0xDFFF else "bidi" if is_bidi(code) else "control"
    return msg("value.bad-character", code=f"{code:04X}", kind=msg(f"value.character-{kind}"))


def bad_character(value: str) -> int | None:
    """The first character text may not hold (see :func:`text_problem`), as a code point, or None."""
    bad = _BAD_TEXT.search(value)
    return None if bad is None else ord(bad.group())


def is_bidi(code: int) -> bool:
    return 0x202A <= code <= 0x202E or 0x2066 <= code <= 0x2069


def neutral(text: str) -> str:
    """``text`` without bidirectional controls: what every output (HTML, spreadsheet) shows, whatever reached it."""
    return _BIDI.sub("", text) if _BIDI.search(text) else text


def number_problem(value: Any) -> Msg | None:
    """Why ``value`` is not a number an audit can use (NaN, infinite, 2**53 or more), or None."""
    if isinstance(value, float) and (math.isnan(value) or math.isinf(value)):
        return msg("value.not-a-number", value=value)
    if isinstance(value, (int, float)) and not isinstance(value, bool) and abs(value) >= MAX_SAFE_INT:
        return msg("value.too-large", value=value)
    return None
