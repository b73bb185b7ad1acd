"""json_reader.py: JSON read by the C parser under the same rules as YAML (duplicate keys, depth, text,
numbers), each problem at its line — positions being found only when a problem needs one."""
from __future__ import annotations

import math

import pytest

from auditor.errors import AuditorError, Collector
from auditor.intake.json_reader import parse_json

CASES = [  # (JSON text, data read, problems as printed)
    ("", None, []),  # empty: the caller says what the file should hold
    # a value is located at its key (line 1 below, the value being on line 2)
    ('{"a": 1e-05, "b": [1, 2.5, "和平区"]}', {"a": 1e-05, "b": [1, 2.5, "和平区"]}, []),
    ('{"a": 1,\n "a": 2}', {"a": 1}, ['f.json:2: E-DUPLICATE-KEY: key "a" appears twice (first at line 1) (at a, column 2)']),
    ('{"a": [1, 2', None, ["f.json:1: E-SYNTAX: Expecting ',' delimiter; the file ends here: is it truncated? (at column 12)"]),
    ("[" * 70 + "]" * 70, None, ["f.json:1: E-DEPTH: nesting is deeper than 64 levels (at column 65)"]),
    ('{"a":\n "x\\u0007"}', {"a": "x\x07"}, ["f.json:1: E-ENCODING: text contains U+0007, a control character (at a, column 2)"]),
    ('{"b": {"\\u0000k": 1}}', {"b": {}}, ["f.json:1: E-ENCODING: text contains U+0000, a control character (at b, column 2)"]),
    ('{"a": "\x85"}', {"a": "\x85"}, ["f.json:1: E-ENCODING: text contains U+0085, a control character (at a, column 2)"]),
    ('{"a": 12345678901234567}', {"a": 12345678901234567},
     ["f.json:1: E-NUMBER: 12345678901234567 is too large; numbers must be below 2**53 (at a, column 2)"]),
]


@pytest.mark.parametrize("text, data, problems", CASES)
def test_json_is_read_under_the_rules_of_plain_data(text, data, problems):
    collector = Collector("f.json", AuditorError)
    assert parse_json(text, "f.json", collector).data == data
    assert [p.format() for p in collector.problems] == problems


def test_nan_and_infinity_are_read_and_refused():
    collector = Collector("f.json", AuditorError)
    data = parse_json('{"a": NaN,\n "b": -Infinity}', "f.json", collector).data
    assert math.isnan(data["a"]) and data["b"] == -math.inf
    assert [p.format() for p in collector.problems] == [
        "f.json:1: E-NUMBER: nan is not a number that can be audited (at a, column 2)",
        "f.json:2: E-NUMBER: -inf is not a number that can be audited (at b, column 2)"]
