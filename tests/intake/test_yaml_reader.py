"""yaml_reader.py: merge keys give explicit keys precedence; libyaml composition reads exactly like the
pure-Python loader (data, positions and problems), over hostile snippets and real fixtures."""
from __future__ import annotations

import os

import pytest

from auditor.errors import AuditorError, Collector, SubmissionError
from auditor.intake import yaml_reader
from auditor.intake.loader import load_document

FIXTURES = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))), "fixtures", "shenyang-2022")


def test_a_merge_key_gives_explicit_keys_precedence(tmp_path):
    file = tmp_path / "m.yaml"
    file.write_text("a: &a {x: 1, y: 1}\nb: {<<: [*a, {y: 2, z: 2}], x: 0}\n", encoding="utf-8")
    assert load_document(str(file), SubmissionError).data["b"] == {"x": 0, "y": 1, "z": 2}


SNIPPETS = [
    "a: 1\na: 2\n", "a: !!python/object:os.system x\n", "a: [1, 2\n", "a: 'x\n", "\ta: 1\n", "a:\n  - 1\n - 2\n",
    "a: &x [1,2]\nb: *x\n", "a: 2019-02-30\n", "a: .nan\n", "a: 1e400\n", "- " * 70 + "x\n", "[" * 70 + "]" * 70,
    "a: b: c\n", "? [1,2]\n: x\n", "a: 1\n---\nb: 2\n", "", "# only\n", "a: !foo x\n",
    "<<: {a: 1}\nb: 2\n", "a: |\n  x\n y\n", "a: 9007199254740993\n", "2019: x\n", "a: \"\\x\"\n", "a: @x\n",
    "{a: 1, a: 2}", "a: 1\n  b: 2\n", "- a\nb: 1\n", "名称: 和平区\n学校: [{编号: 一, 班额: 45}]\n",
    "x: &a [1,1,1,1,1,1,1,1,1,1]\ny: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a,*a]\nz: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b,*b]\nw: [*c,*c,*c,*c,*c,*c,*c,*c,*c,*c,*c,*c]\n",
]


def _parse(text: str, fast: bool, monkeypatch):
    monkeypatch.setattr(yaml_reader, "_FAST_LOADER", yaml_reader._FAST_LOADER if fast else None)
    collector = Collector("f.yaml", AuditorError)
    document = yaml_reader.parse_yaml(text, "f.yaml", collector)
    monkeypatch.undo()
    return document.data, document.positions, [p.format() for p in collector.problems]


@pytest.mark.skipif(yaml_reader._FAST_LOADER is None, reason="PyYAML built without libyaml")
@pytest.mark.parametrize("text", SNIPPETS + [os.path.join(FIXTURES, n) for n in sorted(os.listdir(FIXTURES))][:3])
def test_libyaml_composition_reads_like_the_pure_python_loader(text, monkeypatch):
    if os.path.exists(text):
        with open(text, encoding="utf-8") as handle:
            text = handle.read()
    assert _parse(text, True, monkeypatch) == _parse(text, False, monkeypatch)
