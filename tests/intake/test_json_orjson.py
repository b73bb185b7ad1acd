"""json_reader's first reading by orjson (``_plain``): whatever it accepts reads exactly as the standard library's
hooked parse reads it — the same data, the same problems with the same positions — and whatever could hide a
refused value (a key given twice, nesting beyond MAX_DEPTH, NaN, a huge or long number, an escape) is either
handed to that parse or walked as before."""
from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from auditor.errors import AuditorError, Collector
from auditor.intake import json_reader
from auditor.intake.values import MAX_DEPTH


def _read(text: str, plain, monkeypatch=None):
    """``plain``: True reads the text, "bytes" its UTF-8 bytes (as the loader does), False the hooked parse alone."""
    collector = Collector("x.json", AuditorError)
    if plain == "bytes":
        document = json_reader.parse_json_bytes(text.encode("utf-8", "surrogatepass"), "x.json", collector)
        document.where(())  # the positions are found from the bytes when first asked for
    elif plain:
        document = json_reader.parse_json(text, "x.json", collector)
    else:
        original = json_reader._plain
        json_reader._plain = lambda *args: None  # the standard library's parse alone
        try:
            document = json_reader.parse_json(text, "x.json", collector)
        finally:
            json_reader._plain = original
    return document.data, [(p.code, p.line, p.column, p.path, str(p.message)) for p in collector.problems]


CASES = [
    ('{"a": 1, "a": 2}', "E-DUPLICATE-KEY"),
    ('{"a": "08:30", "b": {"c": 1, "c": 2}}', "E-DUPLICATE-KEY"),  # a colon inside a string, and a key twice
    ('{"t": "\\":", "a" : 1, "a" :2}', "E-DUPLICATE-KEY"),  # a quote-colon inside a string
    ('{"a": NaN}', "E-NUMBER"),
    ('{"a": [Infinity]}', "E-NUMBER"),
    ('{"a": 1e300}', "E-NUMBER"),
    ('{"a": 1E16}', "E-NUMBER"),
    ('{"a": 9007199254740993}', "E-NUMBER"),
    ('{"a": 18446744073709551616}', "E-NUMBER"),  # beyond 64 bits: orjson refuses, the hooks say why
    ('{"a": -9007199254740993.5}', "E-NUMBER"),
    ('{"a": "\\u0007"}', "E-ENCODING"),
    ('{"a": "\\ud800"}', "E-ENCODING"),
    ('{"a": "x\u202ey"}', "E-ENCODING"),
    ('{"a": 1,}', "E-SYNTAX"),
    ("[" * MAX_DEPTH + "1" + "]" * MAX_DEPTH, None),
    ("[" * (MAX_DEPTH + 1) + "1" + "]" * (MAX_DEPTH + 1), "E-DEPTH"),
    ("[" * 2000 + "]" * 2000, "E-DEPTH"),
    ('{"a": 0.1234567890123456789, "b": "e", "c": "1e5"}', None),
    ('{"id": "S1e3", "n": 12, "m": [1.5, -2, 0], "t": "12:00:00"}', None),
]


@pytest.mark.parametrize("text, code", CASES)
def test_orjson_first_reads_as_the_hooked_parse(text, code):
    plain, slow = _read(text, True), _read(text, False)
    assert plain == slow == _read(text, "bytes")
    assert [p[0] for p in plain[1]] == ([code] if code else [])


_keys = st.sampled_from(["a", "b", "id", "名称", "a:b", 'q"', "e1"])
_scalars = (st.none() | st.booleans() | st.integers(-2**60, 2**60) | st.floats(allow_nan=True, allow_infinity=True)
            | st.text(alphabet=st.sampled_from('ab:"\\e1 \u202e\x07沈'), max_size=6))
_values = st.recursive(_scalars, lambda inner: st.lists(inner, max_size=4)
                       | st.lists(st.tuples(_keys, inner), max_size=4), max_leaves=20)


def _dump(value, spaced: bool) -> str:
    """JSON text of ``value``, where a list of (key, value) pairs is an object that may give a key twice."""
    colon = " : " if spaced else ":"
    if isinstance(value, list) and value and all(isinstance(x, tuple) for x in value):
        return "{" + ", ".join(json.dumps(k) + colon + _dump(v, spaced) for k, v in value) + "}"
    if isinstance(value, list):
        return "[" + ",".join(_dump(x, spaced) for x in value) + "]"
    return json.dumps(value, ensure_ascii=bool(spaced))


@settings(max_examples=300, deadline=None)
@given(_values, st.booleans())
def test_any_text_reads_as_the_hooked_parse(value, spaced):
    text = _dump(value, spaced)
    assert _read(text, True) == _read(text, False) == _read(text, "bytes")


def _shape_by_recursion(value) -> tuple[int, int, bool]:
    """What json_reader._shape finds, one value at a time: depth, key-value pairs, a number of 2**53 or more."""
    if isinstance(value, dict):
        inner = [_shape_by_recursion(v) for v in value.values()]
    elif isinstance(value, list):
        inner = [_shape_by_recursion(v) for v in value]
    else:
        number = type(value) in (int, float)
        return 0, 0, number and (value >= json_reader.MAX_SAFE_INT or value <= -json_reader.MAX_SAFE_INT)
    return (1 + max(d for d, _, _ in inner) if inner else 0,
            (len(value) if isinstance(value, dict) else 0) + sum(p for _, p, _ in inner),
            any(large for _, _, large in inner))


_plain_values = st.recursive(
    st.none() | st.booleans() | st.integers(-2**60, 2**60) | st.floats(allow_nan=False) | st.text(max_size=3),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=2), inner, max_size=4), max_leaves=30)


@settings(max_examples=300, deadline=None)
@given(_plain_values)
def test_the_shape_walk_finds_what_a_recursive_walk_finds(value):
    """The level-by-level walk (picking values out by type only for the types a level holds) against the plain
    recursive reading: same depth, same number of key-value pairs, same verdict on large numbers."""
    assert json_reader._shape(value) == _shape_by_recursion(value)


def test_the_byte_scan_for_raw_controls_agrees_with_the_text_scan_on_every_code_point():
    """_raw_control (bytes: a byte search, then patterns on UTF-8 lead bytes) finds exactly what the text pattern
    _JSON_RAW_CONTROL finds, for each code point between plain text and a Chinese character."""
    for c in range(0x110000):
        if not 0xD800 <= c < 0xE000:
            text = f"ab{chr(c)}沈"
            assert json_reader._raw_control(text.encode()) == bool(json_reader._JSON_RAW_CONTROL.search(text)), hex(c)
