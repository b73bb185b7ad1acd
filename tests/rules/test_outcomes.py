"""auditor/rules/outcomes.py: the engine's rules for every outcome, held to three-valued logic and to durable_rules' limits.

The whole path (durable_rules against the reference and a naive third evaluator, record by record) is
tests/evaluate/test_differential.py; here the parts: the DNF of "true", "false" and "cannot be told" on every
assignment of a filter's atoms, the divisions the engine is kept from, and the limits of durable_rules' rules.
"""
from __future__ import annotations

import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from auditor.rules import expr, outcomes
from auditor.rules.compiler import RULES_PER_RULESET, compile_policies, engine_rules, paths
from auditor.rules.expr import And, Not, Or
from auditor.rules.policies import load_policies
from conftest import POLICIES

T, F, U = outcomes.T, outcomes.F, outcomes.U

atoms = st.sampled_from(["a == 1", "a > 2", "b", "not b", "c <= a", "s in [\"x\", \"y\"]", "a + c >= 3", "d < a / c"])
filters = st.recursive(atoms, lambda inner: st.one_of(
    st.tuples(inner, inner).map(lambda t: f"({t[0]} and {t[1]})"),
    st.tuples(inner, inner).map(lambda t: f"({t[0]} or {t[1]})"),
    inner.map(lambda t: f"not ({t})")), max_leaves=5)


def _atoms(node) -> list:
    if isinstance(node, Not):
        return _atoms(node.item)
    if isinstance(node, (And, Or)):
        return [a for item in node.items for a in _atoms(item)]
    return [_atom(node)]


def _atom(node):
    """An atom as the DNF names it: one per text."""
    return outcomes._canonical(expr.to_text(expr.as_condition(node)))


def _kleene(node, states: dict) -> str:
    if isinstance(node, Not):
        return {T: F, F: T, U: U}[_kleene(node.item, states)]
    if isinstance(node, (And, Or)):
        values = [_kleene(item, states) for item in node.items]
        decisive, other = (F, T) if isinstance(node, And) else (T, F)
        return decisive if decisive in values else U if U in values else other
    return states[_atom(node)]


def _consistent(states: dict) -> bool:
    """An assignment that records can produce: a field absent (the single field of an unknown atom without
    division) cannot be read by an atom that is known true or false."""
    absent = {p for atom, state in states.items() if state == U and not outcomes.divisors(atom)
              for p in expr.fields(atom) if len(expr.fields(atom)) == 1}
    return not any(state != U and expr.fields(atom) & absent for atom, state in states.items())


@settings(max_examples=150)
@given(filters)
def test_the_dnf_of_each_state_holds_exactly_where_kleene_says_so(text):
    node = expr.as_condition(expr.parse(text))
    distinct = list(dict.fromkeys(_atoms(node)))
    dnfs = {state: outcomes.dnf(node, state) for state in (T, F, U)}
    for combination in itertools.product((T, F, U), repeat=len(distinct)):
        states = dict(zip(distinct, combination))
        if not _consistent(states):
            continue
        value = _kleene(node, states)
        for state, terms in dnfs.items():
            holds = any(all(states[atom] == s for atom, s in term) for term in terms)
            assert holds == (value == state), (text, combination, state)


def test_contradictory_and_absorbed_terms_are_dropped():
    node = expr.as_condition(expr.parse("(b and not b) or (s == \"x\" and s != \"x\")"))
    assert len(outcomes.dnf(node, U)) == 5  # 21 before fields shared by atoms were taken into account
    assert outcomes.dnf(expr.as_condition(expr.parse("a == 1 and a == 1")), T) == {frozenset({(_atom(expr.parse("a == 1")), T)})}


def test_junctions_are_flattened_and_repeats_dropped():
    x, y, z = {"a": 1}, {"b": 2}, {"c": 3}
    assert outcomes.junction("$and", [x, {"$and": [y, x]}, z]) == {"$and": [x, y, z]}
    assert outcomes.junction("$or", [{"$and": [x, y]}]) == {"$and": [x, y]}
    assert outcomes.flat({"$and": [{"$and": [x, {"$and": [y]}]}, {"$or": [z, {"$or": [x]}]}]}) == {"$and": [x, y, {"$or": [z, x]}]}


# --------------------------------------------------------------------------- divisions
@pytest.mark.parametrize("text, fields", [("a <= b / c", {"c"}), ("a <= b / 2", set()), ("a <= (b + 1) / c", {"c"})])
def test_a_division_by_a_field_is_known(text, fields):
    assert outcomes.divisors(expr.parse(text)) == fields


@pytest.mark.parametrize("text", ["a <= b / (c - 1)", "a <= b / 0", "a <= b / (2 - 2)"])
def test_any_other_divisor_is_refused(text):
    with pytest.raises(expr.ExprError) as info:
        outcomes.divisors(expr.parse(text))
    assert info.value.code == "P-ENGINE"


def test_a_division_is_guarded_before_it_is_made_and_made_in_floats():
    """durable_rules divides two integers as C does (7 / 2 == 3) and crashes the process on an integer division by
    zero: the divisor is tested first, and the division is made in floating point."""
    holds = outcomes.holds(expr.parse("a <= b / c"))
    assert holds["$and"][0] == {"$neq": {"c": 0}}
    assert holds["$and"][-1] == {"$lte": {"a": {"$div": {"$l": {"$mul": {"$l": 1.0, "$r": {"$m": "b"}}}, "$r": {"$m": "c"}}}}}
    assert expr.to_engine(expr.parse("2 * a >= b + c"))["$and"][-1] == {"$gte": {"a": {"$div": {
        "$l": {"$add": {"$l": {"$m": "b"}, "$r": {"$m": "c"}}}, "$r": 2.0}}}}


# --------------------------------------------------------------------------- durable_rules' limits
def test_a_long_missing_condition_is_split_within_the_junction_limit():
    where = expr.as_condition(expr.parse("a < b / c and (a < b / d and e) and (f or g)"))
    condition = outcomes.conditions("school", "_kind", where, expr.parse("a < b / b"))[outcomes.MISSING]
    assert outcomes.junctions(condition) > outcomes.MAX_JUNCTIONS
    parts = outcomes.split(condition)
    assert len(parts) > 1
    assert all(outcomes.junctions(p) <= outcomes.MAX_JUNCTIONS and p["$and"][0] == {"_kind": "school"} for p in parts)
    assert [alt for p in parts for alt in p["$and"][1]["$or"]] == condition["$and"][1]["$or"]


def test_the_policies_rules_stay_within_durable_rules_limits():
    compiled = compile_policies(load_policies(POLICIES))
    for rule in compiled.rules:
        family = engine_rules(rule)
        assert all(outcomes.junctions(r["all"][0]["m"]) <= outcomes.MAX_JUNCTIONS for r in family.values()), rule.check.id
    for name, ruleset in compiled.rulesets.items():
        assert paths(ruleset["rules"]) <= RULES_PER_RULESET, name
    kinds = {rs["kind"] for rs in compiled.rulesets.values()}
    assert kinds == {r.kind for r in compiled.rules}


def test_every_rule_has_its_outcomes():
    compiled = compile_policies(load_policies(POLICIES))
    for rule in compiled.rules:
        names = {compiled.outcome_of(name)[1] for name in engine_rules(rule)}
        assert names == ({outcomes.FAIL, outcomes.MISSING} | ({outcomes.NA} if rule.where is not None else set())), rule.check.id
