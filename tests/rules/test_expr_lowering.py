"""auditor/rules/expr/lowering.py: durable_rules conditions from expressions, and the engine against the reference."""
from __future__ import annotations

import datetime as dt
import os
import tempfile

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from auditor.audit import Auditor
from auditor.intake.document import Document
from auditor.intake.submission import facts_from_document
from auditor.rules import expr
from auditor.rules.policies import load_policies
from conftest import make_pack


def test_text_round_trip():
    for text in ["size <= 55", 'stage == "primary" and not school.rural', "a + b * 2 >= c - 1", '(a or b) and c in [1, 2]']:
        node = expr.parse(text)
        assert expr.parse(expr.to_text(node)) == node or expr.to_text(expr.parse(expr.to_text(node))) == expr.to_text(node)


def test_engine_lowering_uses_only_verified_operators():
    node = expr.as_condition(expr.parse('a + 5 <= 50 and (s in ["x", "y"] or not b) and d != 3'))
    allowed = {"$and", "$or", "$lt", "$lte", "$gt", "$gte", "$neq", "$add", "$sub", "$mul", "$div", "$m", "$l", "$r"}

    def walk(value):
        if isinstance(value, dict):
            for key, item in value.items():
                assert not key.startswith("$") or key in allowed, key
                walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)

    for negate in (False, True):
        walk(expr.to_engine(node, negate))


def test_constant_arithmetic_is_folded():
    # durable_rules cannot compute 7 / 2 itself: the compiler must fold it
    assert expr.to_engine(expr.parse("a >= 7 / 2")) == {"$gte": {"a": 3.5}}


# --------------------------------------------------------------------------- engine vs reference
FIELDS = ["size", "grade"]
comparison = st.builds(
    lambda f, op, k, g: f"{f} {op} {k}" if g is None else f"{f} + {g} {op} {k}",
    st.sampled_from(FIELDS), st.sampled_from(["<", "<=", ">", ">=", "==", "!="]), st.integers(0, 60),
    st.one_of(st.none(), st.sampled_from(FIELDS)),
)
stage = st.sampled_from(['stage == "primary"', 'stage != "junior"', 'stage in ["junior"]'])
leaf = st.one_of(comparison, stage)
condition = st.recursive(leaf, lambda inner: st.one_of(
    st.tuples(inner, inner).map(lambda t: f"({t[0]} and {t[1]})"),
    st.tuples(inner, inner).map(lambda t: f"({t[0]} or {t[1]})"),
    inner.map(lambda t: f"not ({t})"),
), max_leaves=5)
klass = st.fixed_dictionaries({"grade": st.integers(1, 9)}, optional={"size": st.integers(0, 60)})


@settings(max_examples=40)
@given(condition, st.lists(klass, min_size=1, max_size=12))
def test_engine_agrees_with_reference_on_random_conditions(require, classes):
    """The durable path reconciles with the reference record by record and raises on any difference."""
    policy = {
        "clause": "二（一）4", "id": "p", "title": {"zh": "t", "en": "t"}, "text": "t", "responsible": ["市教育局"],
        "checks": [{"id": "p.c", "title": {"zh": "t", "en": "t"}, "over": "class", "due": "2020-01-01",
                    "require": require, "severity": "minor", "message": {"zh": "x", "en": "x"}}],
    }
    with tempfile.TemporaryDirectory() as tmp:
        make_pack(tmp)
        with open(os.path.join(tmp, "p.yaml"), "w", encoding="utf-8") as handle:
            yaml.safe_dump(policy, handle, allow_unicode=True)
        policy_set = load_policies(tmp)
    rows = [{"id": str(i), **c} for i, c in enumerate(classes)]
    for row in rows:
        row.setdefault("size", None)
        if row["size"] is None:
            del row["size"]
    # a class lacking size is invalid in a submission; test the engine on records directly
    facts = facts_from_document(Document("t", {"district": "和平区", "schools": [
        {"id": "s", "name": "s", "stage": "nine_year", "classes": [dict(r, size=r.get("size", 0)) for r in rows]}]}))
    for record, row in zip(facts.of("class"), rows):
        if "size" not in row:
            del record.data["size"]
    durable = Auditor(policy_set, "durable").audit([facts], dt.date(2020, 1, 1), ["和平区"])
    reference = Auditor(policy_set, "reference").audit([facts], dt.date(2020, 1, 1), ["和平区"])
    assert [v["status"] for v in durable["verdicts"]] == [v["status"] for v in reference["verdicts"]]


# text, the error's code and position (the node that cannot be lowered)
ENGINE_LIMITS = [
    ("pupils * classes <= 45", "P-ENGINE", 7),
    ("1 / a <= 3", "P-ENGINE", 2),
    ("a >= 7 / 0", "P-EXPR", 7),
]


@pytest.mark.parametrize("text, code, position", ENGINE_LIMITS)
def test_what_durable_rules_cannot_take_is_refused_where_it_stands(text, code, position):
    with pytest.raises(expr.ExprError) as info:
        expr.to_engine(expr.parse(text))
    assert (info.value.code, info.value.position) == (code, position)


def test_a_comparison_is_rearranged_until_one_side_is_a_field():
    assert expr.to_engine(expr.parse("3 <= a")) == {"$gte": {"a": 3}}
    assert expr.to_engine(expr.parse("a - 3 >= 2")) == {"$gte": {"a": 5}}
    assert expr.to_engine(expr.parse("a * -2 <= 4")) == {"$gte": {"a": -2.0}}
    # a field on the right-hand side is guarded: durable_rules would compute with it as if present
    assert expr.to_engine(expr.parse("a <= b + 1")) == {"$and": [{"$ex": {"b": 1}}, {"$lte": {"a": {"$add": {"$l": {"$m": "b"}, "$r": 1}}}}]}
