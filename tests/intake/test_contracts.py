"""contracts.py: the field types the submission schema gives each record kind (what policies may read)."""
from __future__ import annotations

import pytest

from auditor.intake import contracts


@pytest.mark.parametrize("defname, field, kind", [
    ("school", "stage", contracts.STRING),  # an enum of text
    ("school", "rural", contracts.BOOL),
    ("class", "size", contracts.NUMBER),  # integer or number
    ("figures", "disabled_enrolment_rate", contracts.NUMBER),
    ("document", "filed_on", contracts.DATE),  # a string with format: date, through its $ref
])
def test_type_of_a_schema_field(defname, field, kind):
    root = contracts.schema("submission")
    node = root["$defs"][defname]["properties"][field]
    assert contracts.type_of(node, root) == kind
    assert "$ref" not in contracts.resolve(node, root)
    assert contracts.base_field_types()[{"figures": "district"}.get(defname, defname)][field] == kind


def test_containers_are_not_scalar_fields():
    root = contracts.schema("submission")
    assert contracts.type_of(root["$defs"]["school"]["properties"]["classes"], root) is None
    assert "classes" not in contracts.scalar_fields("school") and "size" in contracts.scalar_fields("class")
    assert contracts.base_field_types()["class"]["school.rural"] == contracts.BOOL  # a class reads its school's fields


# --------------------------------------------------------------------------- the fast path
import copy  # noqa: E402
import glob  # noqa: E402
import os  # noqa: E402

from hypothesis import given, settings, strategies as st  # noqa: E402

from auditor.errors import AuditorError  # noqa: E402
from auditor.intake.loader import load_document  # noqa: E402

POLICIES = sorted(p for p in glob.glob(os.path.join(os.path.dirname(__file__), "..", "..", "policies", "*", "*.yaml"))
                  if os.path.basename(p) != "pack.yaml")  # every pack's policy files
MUTATIONS = [None, 1, -1, 2.5, True, "x", "", [], {}, {"x": 1}, [{"due": "2019-12-31"}], "2019-12-31", {"target": []}]


def _mappings(value):
    if isinstance(value, dict):
        yield value
        for item in value.values():
            yield from _mappings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _mappings(item)


@settings(max_examples=150, deadline=None)
@given(which=st.integers(0, 10**6), picks=st.lists(st.tuples(st.integers(0, 10**6), st.integers(0, 10**6),
                                                               st.sampled_from(MUTATIONS)), min_size=1, max_size=3))
def test_the_policy_fast_path_never_accepts_what_jsonschema_refuses(which, picks):
    """The policy schema's oneOf (due or schedule), minItems, minProperties and typed additional
    properties: the quick answer (jsonschema-rs) may only say "valid" when jsonschema agrees."""
    data = copy.deepcopy(load_document(POLICIES[which % len(POLICIES)], AuditorError).data)
    for where, key, value in picks:
        targets = list(_mappings(data))
        target = targets[where % len(targets)]
        keys = sorted(target) + ["due", "schedule", "unknown_key"]
        name = keys[key % len(keys)]
        if value is None and name in target and key % 2:
            del target[name]  # a key removed (due and schedule: neither, or both when added elsewhere)
        else:
            target[name] = copy.deepcopy(value)
    if contracts.certainly_valid("policy", data):
        assert not list(contracts.validator("policy").iter_errors(data))


def test_the_policy_fast_path_accepts_every_policy():
    for path in POLICIES:
        assert contracts.certainly_valid("policy", load_document(path, AuditorError).data), path