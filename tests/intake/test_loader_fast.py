"""The loader's fast paths read like the slow ones.

- libyaml composition gives the same data, positions and problems as the pure-Python loader;
- clean JSON is read without positions, which are looked up on demand and match YAML's.

(Moved from tests/test_perf.py; bench/run.py measures the speed.)
"""
from __future__ import annotations

import json
import os

import pytest
import yaml

from auditor.errors import AuditorError, Collector
from auditor.intake import loader
from conftest import FIXTURES


# ----------------------------------------------------------------------------- YAML: libyaml vs pure Python
SNIPPETS = [
    "a: 1\na: 2\n", "a: !!python/object:os.system x\n", "a: [1, 2\n", "a: 'x\n", "\ta: 1\n", "a:\n  - 1\n - 2\n",
    "a: &x [1,2]\nb: *x\n", "a: 2019-02-30\n", "a: .nan\n", "a: 1e400\n", "- " * 70 + "x\n", "[" * 70 + "]" * 70,
    "a: b: c\n", "? [1,2]\n: x\n", "a: 1\n---\nb: 2\n", "", "# only\n", "a: !foo x\n",
    "<<: {a: 1}\nb: 2\n", "a: |\n  x\n y\n", "a: 9007199254740993\n", "2019: x\n", "a: \"\\x\"\n", "a: @x\n",
    "{a: 1, a: 2}", "a: 1\n  b: 2\n", "- a\nb: 1\n", "名称: 和平区\n学校: [{编号: 一, 班额: 45}]\n",
    "x: &a [1,1,1,1,1,1,1,1,1,1]\ny: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a,*a]\nz: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b,*b]\nw: [*c,*c,*c,*c,*c,*c,*c,*c,*c,*c,*c,*c]\n",
]


def _parse(text: str, fast: bool):
    saved = loader._FAST_LOADER
    loader._FAST_LOADER = saved if fast else None
    try:
        collector = Collector("f.yaml", AuditorError)
        document = loader.parse_yaml(text, "f.yaml", collector)
        return document.data, document.positions, [p.format() for p in collector.problems]
    finally:
        loader._FAST_LOADER = saved


@pytest.mark.skipif(loader._FAST_LOADER is None, reason="PyYAML built without libyaml")
@pytest.mark.parametrize("text", SNIPPETS + [os.path.join(FIXTURES, n) for n in sorted(os.listdir(FIXTURES))][:3])
def test_libyaml_composition_reads_like_the_pure_python_loader(text):
    if os.path.exists(text):
        with open(text, encoding="utf-8") as handle:
            text = handle.read()
    assert _parse(text, True) == _parse(text, False)


# ----------------------------------------------------------------------------- JSON positions on demand
def _fixture_json() -> str:
    with open(os.path.join(FIXTURES, "01-hp.yaml"), encoding="utf-8") as handle:
        return json.dumps(yaml.safe_load(handle), ensure_ascii=False, indent=1, default=str)


def test_clean_json_is_read_without_positions_and_they_match_yamls_when_asked():
    text = _fixture_json()
    collector = Collector("hp.json", AuditorError)
    document = loader.parse_json(text, "hp.json", collector)
    assert not collector.problems
    assert document.locate is not None and document.positions == {}  # not looked up: nothing needed them
    path = ("schools", 2, "classes", 1, "size")
    expected = loader.parse_yaml(text, "hp.json", Collector("hp.json", AuditorError)).positions
    assert document.where(path) == expected[path] != (0, 0)
    assert document.locate is None and document.positions == expected


@pytest.mark.parametrize("bad, code", [('"\\u0007"', "E-ENCODING"), ("1e300", "E-NUMBER"), ("12345678901234567", "E-NUMBER")])
def test_a_json_value_problem_is_still_located(bad, code):
    text = _fixture_json()
    lines = text.splitlines()
    target = next(i for i, line in enumerate(lines) if '"size":' in line)
    lines[target] = lines[target].split(":")[0] + ": " + bad + ("," if lines[target].rstrip().endswith(",") else "")
    collector = Collector("hp.json", AuditorError)
    loader.parse_json("\n".join(lines), "hp.json", collector)
    assert [(p.code, p.line) for p in collector.problems] == [(code, target + 1)]
