"""json_reader.py's fast path: clean JSON is read without positions, which are looked up on demand and match
YAML's; a value problem is still located. (libyaml against pure-Python composition: tests/intake/test_yaml_reader.py.)"""
from __future__ import annotations

import json
import os

import pytest
import yaml

from auditor.errors import AuditorError, Collector
from auditor.intake.json_reader import parse_json
from auditor.intake.yaml_reader import parse_yaml
from conftest import FIXTURES


# ----------------------------------------------------------------------------- JSON positions on demand
def _fixture_json() -> str:
    with open(os.path.join(FIXTURES, "01-hp.yaml"), encoding="utf-8") as handle:
        return json.dumps(yaml.safe_load(handle), ensure_ascii=False, indent=1, default=str)


def test_clean_json_is_read_without_positions_and_they_match_yamls_when_asked():
    text = _fixture_json()
    collector = Collector("hp.json", AuditorError)
    document = parse_json(text, "hp.json", collector)
    assert not collector.problems
    assert document.locate is not None and document.positions == {}  # not looked up: nothing needed them
    path = ("schools", 2, "classes", 1, "size")
    expected = parse_yaml(text, "hp.json", Collector("hp.json", AuditorError)).positions
    assert document.where(path) == expected[path] != (0, 0)
    assert document.locate is None and document.positions == expected


@pytest.mark.parametrize("bad, code", [('"\\u0007"', "E-ENCODING"), ("1e300", "E-NUMBER"), ("12345678901234567", "E-NUMBER")])
def test_a_json_value_problem_is_still_located(bad, code):
    text = _fixture_json()
    lines = text.splitlines()
    target = next(i for i, line in enumerate(lines) if '"size":' in line)
    lines[target] = lines[target].split(":")[0] + ": " + bad + ("," if lines[target].rstrip().endswith(",") else "")
    collector = Collector("hp.json", AuditorError)
    parse_json("\n".join(lines), "hp.json", collector)
    assert [(p.code, p.line) for p in collector.problems] == [(code, target + 1)]
