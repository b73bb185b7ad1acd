"""Conditions in plain words: the table of cases in plain_words.yaml, every policy's conditions, and a property.

The renderer walks the expression tree of ``auditor.rules.expr``; the reports give it the verdict's canonical
text (``expr.to_text``), parsed back with ``expr.parse``, so the property also holds that round trip.
"""
from __future__ import annotations

import os
import re

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from auditor.output.formatter import Formatter
from auditor.output.plain import simple, tree
from auditor.rules import expr
from auditor.rules.expr import And, Arith, Compare, Const, Date, Field, Member, Not, Or
from auditor.rules.policies import load_policies
from conftest import ROOT

POLICY_SET = load_policies(os.path.join(ROOT, "policies"))
FORMATTERS = {lang: Formatter(POLICY_SET, lang) for lang in ("zh", "en")}
NODE_TYPES = {And, Arith, Compare, Const, Date, Field, Member, Not, Or}
CASE_KEYS = {"name", "condition", "zh", "en"}


def _cases() -> list[dict]:
    with open(os.path.join(os.path.dirname(__file__), "plain_words.yaml"), encoding="utf-8") as handle:
        cases = yaml.safe_load(handle)["cases"]
    for index, case in enumerate(cases):
        if set(case) != CASE_KEYS:
            raise ValueError(f"plain_words.yaml case {index} ({case.get('name')!r}): keys expected {sorted(CASE_KEYS)}, "
                             f"got {sorted(case)}")
        wrong = {k: v for k, v in case.items() if not isinstance(v, str)}
        if wrong:  # YAML reads 2022-12-31 as a date and yes as true: quote them
            raise ValueError(f"plain_words.yaml case {index} ({case.get('name')!r}): expected text, got {wrong}")
    return cases


CASES = _cases()


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_plain_words(case, lang):
    got = FORMATTERS[lang].requirement(case["condition"])
    assert got == case[lang], f"{case['condition']!r} in {lang}: expected {case[lang]!r}, got {got!r}"


def _node_types(node) -> set:
    found = {type(node)}
    for value in vars(node).values():
        for child in value if isinstance(value, tuple) else (value,):
            if type(child) in NODE_TYPES:
                found |= _node_types(child)
    return found


def test_the_cases_use_every_node_type():
    used = set().union(*(_node_types(expr.parse(c["condition"])) for c in CASES))
    assert used == NODE_TYPES, f"no case uses {sorted(t.__name__ for t in NODE_TYPES - used)}"


# --------------------------------------------------------------------------- every policy's conditions
def _policy_conditions() -> list[str]:
    texts = []
    for check in POLICY_SET.checks:
        texts += [expr.to_text(expr.substitute(check.require, step.params)) for step in check.steps]
        texts += [check.where_text] if check.where_text else []
    for measure in POLICY_SET.measures:
        texts += [expr.to_text(node) for node in (measure.where, measure.that) if node is not None]
    return sorted(set(texts))


CODE = re.compile(r'[A-Za-z_=<>!"]|\bdate\(')  # operators, quotes, field names: code, not Chinese


@pytest.mark.parametrize("condition", _policy_conditions())
def test_every_policy_condition_reads_as_chinese_without_code(condition):
    zh = FORMATTERS["zh"].requirement(condition)
    assert zh and not CODE.search(zh), f"{condition!r} -> {zh!r}"
    en = FORMATTERS["en"].requirement(condition)
    assert en and not re.search(r'[=<>!"_]|\bdate\(', en), f"{condition!r} -> {en!r}"


# --------------------------------------------------------------------------- any tree
NUMBERS = {"size": st.integers(0, 120), "pupils": st.integers(0, 3000), "grade": st.integers(1, 9),
           "disabled_enrolment_rate": st.integers(0, 100).map(lambda n: n / 100)}
FLAGS = ["rural", "is_paired", "anti_collision_barrier", "school.rural"]
OPS = ["<", "<=", ">", ">=", "==", "!="]


def _comparison():
    number = st.sampled_from(sorted(NUMBERS)).flatmap(
        lambda name: st.tuples(st.sampled_from(OPS), NUMBERS[name]).map(lambda t: Compare(t[0], Field(name), Const(t[1]))))
    stage = st.lists(st.sampled_from(["primary", "junior", "nine_year"]), min_size=1, max_size=3, unique=True).flatmap(
        lambda values: st.booleans().map(lambda negated: Member(Field("stage"), tuple(Const(v) for v in values), negated)))
    flag = st.sampled_from(FLAGS).map(Field)
    dated = st.tuples(st.sampled_from(OPS), st.dates().map(lambda d: d.isoformat())).map(
        lambda t: Compare(t[0], Field("filed_on"), Date(t[1])))
    filled = st.sampled_from(["==", "!="]).map(lambda op: Compare(op, Field("reviewed_by"), Const("")))
    product = st.integers(1, 60).map(lambda k: Compare("<=", Field("pupils"), Arith("*", Const(k), Field("teachers"))))
    return st.one_of(number, stage, flag, dated, filled, product)


CONDITIONS = st.recursive(
    _comparison(),
    lambda inner: st.one_of(inner.map(Not), st.lists(inner, min_size=2, max_size=3).map(lambda xs: And(tuple(xs))),
                            st.lists(inner, min_size=2, max_size=3).map(lambda xs: Or(tuple(xs)))),
    max_leaves=8)


@given(CONDITIONS)
def test_any_condition_reads_in_both_languages_from_its_canonical_text(node):
    text = expr.to_text(node)
    zh = FORMATTERS["zh"].wording.sentence(node)
    assert zh == FORMATTERS["zh"].requirement(text), text  # the canonical text reads as the tree does
    assert zh and not CODE.search(zh), f"{text!r} -> {zh!r}"
    en = FORMATTERS["en"].requirement(text)
    assert en and not re.search(r'[=<>!"_]', en), f"{text!r} -> {en!r}"
    # brackets balance: every group that opens closes
    assert zh.count("（") == zh.count("）") and en.count("(") == en.count(")"), (zh, en)


# --------------------------------------------------------------------------- one field against a number
@pytest.mark.parametrize("condition, expected", [
    ("disabled_enrolment_rate >= 0.97", ("disabled_enrolment_rate", ">=", 0.97)),
    ("0.97 <= disabled_enrolment_rate", ("disabled_enrolment_rate", ">=", 0.97)),
    ("size <= 45", ("size", "<=", 45)),
    ("city_demo_schools > 300", ("city_demo_schools", ">", 300)),
    ("size != 45", None),
    ("size <= 45 and grade >= 7", None),
    ("teachers >= teacher_posts", None),
    ('stage == "primary"', None),
    ("rural == true", None),
    ("rural", None),
    ("pupils <= 45 * teachers", None),
])
def test_simple_finds_one_field_against_a_number_in_the_tree(condition, expected):
    assert simple(tree(condition)) == expected
