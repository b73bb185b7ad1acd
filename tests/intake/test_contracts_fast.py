"""The compiled schema check (``contracts.fast_check``) never accepts what jsonschema refuses.

(Moved from tests/test_perf.py: the fast path says what the slow one says; bench/run.py measures.)
"""
from __future__ import annotations

import copy
import functools
import os

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
    fast = contracts.fast_check("submission")(data)
    column = contracts.column_check("submission")([data])
    errors = list(contracts.validator("submission").iter_errors(data))
    if fast or column:
        assert not errors


@given(picks=st.lists(st.tuples(st.integers(0, 10**6), st.integers(0, 10**6), st.sampled_from(MUTATIONS)), min_size=1, max_size=3),
       copies=st.integers(1, 3))
def test_the_column_check_never_accepts_what_jsonschema_refuses_in_many_records(picks, copies):
    """Columns of many records with several key sets (a key removed or added here and there): the column check
    groups mappings by their keys, and one bad value among many valid ones must still say "not certainly"."""
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
    if contracts.column_check("submission")([data]):
        assert not list(contracts.validator("submission").iter_errors(data))


def test_fast_schema_check_accepts_the_fixtures_and_the_policies():
    check, column = contracts.fast_check("submission"), contracts.column_check("submission")
    for name in sorted(os.listdir(FIXTURES)):
        document = loader.load_document(os.path.join(FIXTURES, name), AuditorError)
        assert check(document.data), name
        assert column([document.data]), name
    policy = contracts.fast_check("policy")  # its oneOf (due or schedule) is compiled too (tests/intake/test_contracts.py)
    policy_columns = contracts.column_check("policy")
    for name in sorted(os.listdir(POLICIES)):
        if name.endswith(".yaml"):
            document = loader.load_document(os.path.join(POLICIES, name), AuditorError)
            assert policy(document.data), name
            assert policy_columns([document.data]), name
