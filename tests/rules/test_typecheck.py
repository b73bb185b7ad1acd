"""auditor/rules/typecheck.py: a loaded policy set's fields and types, and what durable_rules can take, located."""
from __future__ import annotations

import pytest
import yaml

from auditor.errors import PolicyError
from auditor.rules.policies import load_policies
from auditor.rules.typecheck import unreadable_number
from conftest import make_pack

CHECK = {"id": "t.c", "title": {"zh": "t", "en": "t"}, "over": "class", "due": "2020-01-01", "severity": "minor",
         "message": {"zh": "x", "en": "x"}}


def _problems(tmp_path, checks, measures=()):
    policy = {"clause": "一", "id": "t", "title": {"zh": "t", "en": "t"}, "text": "t", "responsible": ["市教育局"],
              "checks": [dict(CHECK, **c) for c in checks]}
    if measures:
        policy["measures"] = list(measures)
    make_pack(tmp_path)
    (tmp_path / "t.yaml").write_text(yaml.safe_dump(policy, allow_unicode=True, sort_keys=False), encoding="utf-8")
    with pytest.raises(PolicyError) as info:
        load_policies(str(tmp_path))
    return [(p.code, p.path, p.message) for p in info.value.problems]


def test_an_unknown_field_is_named_with_its_record_kind_and_a_suggestion(tmp_path):
    got = _problems(tmp_path, [{"where": "grade <= 2", "require": "size <= 45 and school.rurall"}])
    assert got == [("P-FIELD", "checks[0].require", 'class records have no field "school.rurall"; did you mean "school.rural"?')]


def test_a_measure_value_is_checked_like_an_expression_field(tmp_path):
    measure = {"id": "big", "title": {"zh": "m", "en": "m"}, "agg": "sum", "of": "school", "value": "pupil"}
    got = _problems(tmp_path, [{"over": "district", "require": "big >= 1"}], [measure])
    assert got == [("P-FIELD", "measures[0].value", 'school records have no field "pupil"; did you mean "pupils"?')]


def test_a_number_durable_rules_cannot_read_is_refused(tmp_path):
    got = _problems(tmp_path, [{"require": "size >= 0.00001"}])
    assert [(code, path) for code, path, _ in got] == [("P-ENGINE", "checks[0].require")]
    assert got[0][2].startswith("the number 1e-05 cannot be given to durable_rules")


@pytest.mark.parametrize("condition, want", [
    ({"$lte": {"size": 45}}, None),
    ({"$and": [{"$gte": {"rate": 0.0001}}, {"$lt": {"n": 2 ** 53 - 1}}]}, None),
    ({"$and": [{"$gte": {"rate": 0.00001}}]}, 0.00001),
    ({"$or": [{"n": 2 ** 53}]}, 2 ** 53),
    ({"$lte": {"size": float("inf")}}, float("inf")),
])
def test_unreadable_number(condition, want):
    assert unreadable_number(condition) == want
