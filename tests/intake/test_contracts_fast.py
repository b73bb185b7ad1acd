"""The quick schema answer (``contracts.certainly_valid``, jsonschema-rs) never accepts what jsonschema refuses.

jsonschema-rs reads patterns as ECMA-262 regular expressions, jsonschema as Python's: the schemas' patterns are
held here to mean the same in both wherever the quick answer could say "valid" (bench/run.py measures the speed).
"""
from __future__ import annotations

import copy
import json
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


def _mutated(picks) -> dict:
    """The sample submission with each pick's value put at a key (or a new key) of one of its mappings."""
    data = _sample_submission()
    for where, key, value in picks:
        targets = list(_mappings(data))
        target = targets[where % len(targets)]
        keys = sorted(target) + ["unknown_key"]
        target[keys[key % len(keys)]] = copy.deepcopy(value)
    return data


@given(picks=st.lists(st.tuples(st.integers(0, 10**6), st.integers(0, 10**6), st.sampled_from(MUTATIONS)), min_size=1, max_size=3))
def test_fast_schema_check_never_accepts_what_jsonschema_refuses(picks):
    data = _mutated(picks)
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


# ----------------------------------------------------------------------------- the shape of a valid document
@given(picks=st.lists(st.tuples(st.integers(0, 10**6), st.integers(0, 10**6), st.sampled_from(MUTATIONS + [2**53, -2**60, [[[1]]]])),
                      min_size=0, max_size=3))
def test_a_valid_documents_pairs_are_counted_as_the_full_walk_counts_them(picks):
    """valid_pairs answers only for a valid document, and then as json_reader's walk over every value would:
    the same number of key-value pairs, nesting within MAX_DEPTH, no number of 2**53 or more."""
    from auditor.intake.json_reader import _shape
    from auditor.intake.values import MAX_DEPTH

    data = _mutated(picks)
    pairs = contracts.valid_pairs("submission", data)
    assert (pairs is not None) == contracts.certainly_valid("submission", data)
    if pairs is not None:
        depth, counted, large = _shape(data)
        assert (pairs, large) == (counted, False) and depth <= MAX_DEPTH


def test_the_submission_schema_bounds_a_valid_documents_shape():
    """Else every JSON submission would be walked value by value (the fast path would never be taken)."""
    plan = contracts.shape_plan("submission")
    assert plan is not None and dict(plan[1])["schools"] == ("array", ("object", (("classes", ("array", ("object", ()))),)))


_INT = {"type": "integer", "minimum": 0, "maximum": 100}


@pytest.mark.parametrize("node, bounded", [
    ({"type": "object", "additionalProperties": False, "properties": {"a": _INT}}, True),
    ({"type": "object", "properties": {"a": _INT}}, False),  # open to other keys of any shape
    ({"type": "object", "additionalProperties": False, "properties": {"a": {}}}, False),  # a value of any shape
    ({"type": "object", "additionalProperties": False, "properties": {"a": {"type": "integer", "minimum": 0}}}, False),
    ({"type": "object", "additionalProperties": False, "properties": {"a": {"type": "number", "minimum": 0, "maximum": 2**53}}}, False),
    ({"type": "object", "additionalProperties": False, "properties": {"a": {"$ref": "#/$defs/n", "maximum": 5}}}, True),
    ({"type": "object", "additionalProperties": False, "properties": {"a": {"$ref": "#/$defs/open"}}}, False),
    # keywords that shape the value beside its definition's (both apply: the merged node would hide one of them)
    ({"type": "object", "additionalProperties": False, "properties": {"a": {"$ref": "#/$defs/closed", "properties": {"b": _INT}}}}, False),
    ({"type": "object", "additionalProperties": False, "properties": {"a": {"$ref": "#/$defs/shut", "title": "甲", "x-unit": "个"}}}, True),
    ({"type": "object", "additionalProperties": False, "properties": {"a": {"$ref": "#/$defs/loop"}}}, False),  # recursive
    ({"type": "object", "additionalProperties": False, "properties": {"a": {"oneOf": [_INT, {"type": "string"}]}}}, False),
    ({"type": "object", "additionalProperties": False, "properties": {"a": {"type": ["integer", "string"]}}}, False),
    ({"type": "object", "additionalProperties": False, "properties": {"a": {"type": "array"}}}, False),  # items of any shape
    ({"type": "object", "additionalProperties": False, "properties": {"a": {"type": "array", "items": {"enum": ["x", None, True]}}}}, True),
    ({"type": "object", "additionalProperties": False, "properties": {"a": {"enum": [1, 2**60]}}}, False),
])
def test_only_a_schema_that_bounds_nesting_and_numbers_has_a_shape_plan(node, bounded, monkeypatch):
    root = {**node, "$defs": {"n": {"type": "integer", "minimum": -5}, "open": {"type": "object"},
                              "closed": {"type": "object", "additionalProperties": False, "properties": {"c": {}}},
                              "shut": {"type": "object", "additionalProperties": False, "properties": {"c": _INT}},
                              "loop": {"type": "object", "additionalProperties": False, "properties": {"next": {"$ref": "#/$defs/loop"}}}}}
    monkeypatch.setattr(contracts, "schema", lambda name: root)
    contracts.shape_plan.cache_clear()
    try:
        assert (contracts.shape_plan("x") is not None) == bounded
    finally:
        contracts.shape_plan.cache_clear()


def test_a_key_given_twice_in_a_valid_submission_is_still_found(tmp_path):
    """The pairs counted along the schema's map miss one when orjson kept only the last of a key given twice:
    the file goes to the hooked parse, which says where."""
    from auditor.errors import SubmissionError
    from auditor.intake.submissions import load_submission

    data = _sample_submission()
    text = json.dumps(data, ensure_ascii=False, indent=1)
    klass = data["schools"][0]["classes"][0]
    size = f'"size": {klass["size"]}'
    assert text.count(size) >= 1
    path = tmp_path / "和平区.json"
    path.write_text(text.replace(size, size + f', "size": {klass["size"] + 1}', 1), encoding="utf-8")
    assert contracts.certainly_valid("submission", json.loads(path.read_text(encoding="utf-8")))
    with pytest.raises(SubmissionError) as caught:
        load_submission(str(path))
    assert [p.code for p in caught.value.problems] == ["E-DUPLICATE-KEY"] and caught.value.problems[0].line > 1
