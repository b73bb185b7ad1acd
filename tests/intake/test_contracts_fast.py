"""The quick schema answer (``contracts.certainly_valid``, jsonschema-rs) never accepts what jsonschema refuses.

jsonschema-rs reads patterns as ECMA-262 regular expressions, jsonschema as Python's: the schemas' patterns are
held here to mean the same in both wherever the quick answer could say "valid" (bench/run.py measures the speed).
"""
from __future__ import annotations

import copy
import functools
import os
import re
import string

import jsonschema_rs
import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from auditor.errors import AuditorError
from auditor.intake import contracts, loader
from conftest import FIXTURES, POLICIES
from test_contracts import _mappings  # every mapping in a document, outermost first


# ----------------------------------------------------------------------------- schema fast path
def _sample_submission() -> dict:
    return copy.deepcopy(_sample())


@functools.lru_cache(maxsize=1)
def _sample() -> dict:
    with open(os.path.join(FIXTURES, "03-dd.yaml"), encoding="utf-8") as handle:
        data = yaml.safe_load(handle)
    data["reported_on"] = str(data["reported_on"])
    for d in data["documents"]:
        d["filed_on"] = str(d["filed_on"])
    data["schools"] = data["schools"][:2]
    return data


MUTATIONS = [None, 1, -1, 2.5, 3.0, True, "x", "", " ", "2019-1-1", [], {}, 10**9, "a/b", "x" * 200]


@given(picks=st.lists(st.tuples(st.integers(0, 10**6), st.integers(0, 10**6), st.sampled_from(MUTATIONS)), min_size=1, max_size=3))
def test_fast_schema_check_never_accepts_what_jsonschema_refuses(picks):
    data = _sample_submission()
    for where, key, value in picks:
        targets = list(_mappings(data))
        target = targets[where % len(targets)]
        keys = sorted(target) + ["unknown_key"]
        target[keys[key % len(keys)]] = copy.deepcopy(value)
    if contracts.certainly_valid("submission", data):
        assert not list(contracts.validator("submission").iter_errors(data))


@given(picks=st.lists(st.tuples(st.integers(0, 10**6), st.integers(0, 10**6), st.sampled_from(MUTATIONS)), min_size=1, max_size=3),
       copies=st.integers(1, 3))
def test_the_quick_check_never_accepts_what_jsonschema_refuses_in_many_records(picks, copies):
    """Many records with several key sets (a key removed or added here and there): one bad value among many
    valid ones must still say "not certainly"."""
    data = _sample_submission()
    for school in data["schools"]:
        school["classes"] = [dict(c, id=f"{c['id']}-{n}") for n in range(copies) for c in school.get("classes", [])]
    for where, key, value in picks:
        targets = list(_mappings(data))
        target = targets[where % len(targets)]
        keys = sorted(target) + ["unknown_key"]
        name = keys[key % len(keys)]
        if value is None and name in target and key % 2:
            del target[name]  # a key removed: another key set in the column
        else:
            target[name] = copy.deepcopy(value)
    if contracts.certainly_valid("submission", data):
        assert not list(contracts.validator("submission").iter_errors(data))


def test_fast_schema_check_accepts_the_fixtures_and_the_policies():
    """The quick answer is "valid" for what is valid (else every file would pay for jsonschema's walk)."""
    for name in sorted(os.listdir(FIXTURES)):
        document = loader.load_document(os.path.join(FIXTURES, name), AuditorError)
        assert contracts.certainly_valid("submission", document.data), name
    for name in sorted(os.listdir(POLICIES)):
        if name.endswith(".yaml"):
            document = loader.load_document(os.path.join(POLICIES, name), AuditorError)
            assert contracts.certainly_valid("policy", document.data), name


@pytest.mark.parametrize("folder", ["shenyang-2022-xlsx", "shenyang-2022-csv"])
def test_workbooks_and_csv_sets_are_answered_quickly(folder, monkeypatch):
    """What the spreadsheet readers make of the bundled workbooks and CSV sets is valid at the first answer:
    jsonschema's walk (the slow path) is never called for them."""
    from auditor.intake.sheets.reader import group_units
    from auditor.intake.submissions import expand_paths, load_submission

    def slow(name):
        raise AssertionError(f"jsonschema walked a valid {name}")

    monkeypatch.setattr(contracts, "validator", slow)
    units = group_units(expand_paths([os.path.join(os.path.dirname(FIXTURES), folder)]))
    assert len(units) == 2  # two districts in each of these folders
    for unit in units:
        assert load_submission(unit).of("school")


def test_values_json_has_no_word_for_are_not_certainly_valid():
    """jsonschema-rs raises on a date, a key that is not text, a lone surrogate: "not certainly", and the Python
    validator says what is wrong."""
    import datetime

    data = _sample_submission()
    for odd in (datetime.date(2019, 8, 31), "\ud800"):
        data["reported_on"] = odd
        assert not contracts.certainly_valid("submission", data)
        assert list(contracts.validator("submission").iter_errors(data))
    data = _sample_submission()
    data["figures"][1] = 2
    assert not contracts.certainly_valid("submission", data)


# ----------------------------------------------------------------------------- patterns: ECMA-262 and Python alike
VALIDATED = ("submission", "policy", "pack", "waiver", "settings")  # the schemas contracts.validate is called with


def _patterns(node) -> set[str]:
    if isinstance(node, dict):
        own = {node["pattern"]} if isinstance(node.get("pattern"), str) else set()
        return own.union(*map(_patterns, node.values()))
    if isinstance(node, list):
        return set().union(*map(_patterns, node))
    return set()


PATTERNS = sorted(set().union(*(_patterns(contracts.schema(name)) for name in VALIDATED)))
# Python's \s, ECMA-262's \s and other spaces, line ends, controls, Unicode digits, and what the patterns name
ALPHABET = ("".join(c for c in map(chr, range(0x3001)) if c.isspace()) + "\ufeff\u180e\u200b\x00\x7f\u0660\uff10"
            + string.ascii_letters + string.digits + "/\\.-_:")


def _rs_refuses_all(pattern: str, texts: list[str]) -> list[str]:
    """Those of ``texts`` that jsonschema-rs accepts under ``pattern`` (one call for all of them)."""
    refuses = jsonschema_rs.Draft202012Validator({"type": "array", "items": {"not": {"pattern": pattern}}})
    if refuses.is_valid(texts):
        return []
    return [texts[error.instance_path[0]] for error in refuses.iter_errors(texts)]


def test_the_schemas_have_patterns_to_hold():
    assert len(PATTERNS) >= 5 and any(p.startswith("^[^") for p in PATTERNS)
    assert not any("\\s" in p or "\\d" in p or "\\w" in p or "\\b" in p for p in PATTERNS), \
        "\\s, \\d, \\w and \\b mean different sets in ECMA-262 and Python: name the characters"


@pytest.mark.parametrize("pattern", PATTERNS)
def test_every_character_is_read_alike_by_both_engines(pattern):
    """Each code point between two letters, in the middle of a run of letters and as the whole text: whatever
    Python's re (jsonschema's engine) refuses, jsonschema-rs refuses too."""
    points = [chr(c) for c in range(0x110000) if not 0xD800 <= c < 0xE000]
    search = re.compile(pattern).search
    for texts in ([f"a{c}b" for c in points], [f"ab{c}cd" for c in points], points):
        wrong = _rs_refuses_all(pattern, [t for t in texts if search(t) is None])
        assert not wrong, f"{pattern}: jsonschema-rs accepts {[ascii(t) for t in wrong[:5]]}, Python refuses"


@given(texts=st.lists(st.text(alphabet=st.sampled_from(ALPHABET) | st.characters(exclude_categories=("Cs",)),
                              max_size=12), min_size=1, max_size=20))
def test_whatever_jsonschema_rs_accepts_python_accepts(texts):
    for pattern in PATTERNS:
        search = re.compile(pattern).search
        assert not _rs_refuses_all(pattern, [t for t in texts if search(t) is None]), pattern
