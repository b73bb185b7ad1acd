"""Reconciliation (``auditor/evaluate/reconcile.py``): the engine's hits must equal the reference's violations.

tests/evaluate/test_engine.py provokes the same disagreement through a whole audit and the CLI (exit 3);
here the function is held to its contract directly: silent when every rule agrees, one ``I-DISAGREE``
problem per disagreeing rule otherwise, naming the district, the check, the step and the records.
"""
from __future__ import annotations

import pytest

from auditor.errors import EngineError
from auditor.evaluate.reconcile import expected_hits, reconcile
from auditor.evaluate.reference import judge_rule
from auditor.intake.document import Document
from auditor.intake.submission import facts_from_document
from auditor.rules.compiler import compile_policies
from auditor.rules.policies import load_policies
from conftest import POLICIES


@pytest.fixture(scope="module")
def judged():
    """The class rules' outcomes for one primary school with classes of 30, 57 and 46 pupils."""
    compiled = compile_policies(load_policies(POLICIES))
    facts = facts_from_document(Document("dd.yaml", {"district": "大东区", "schools": [
        {"id": "S1", "name": "第一小学", "stage": "primary",
         "classes": [{"id": f"c{i}", "grade": 3, "size": s} for i, s in enumerate((30, 57, 46))]}]}))
    rules = [r for r in compiled.rules if r.kind == "class"]
    return rules, {rule.name: judge_rule(rule, facts.of("class")) for rule in rules}


def _rule(rules, check_id):
    return next(r for r in rules if r.check.id == check_id)


def test_expected_hits_are_the_reference_violations(judged):
    rules, outcomes = judged
    expected = expected_hits(rules, outcomes)
    assert set(expected) == {r.name for r in rules}
    assert expected[_rule(rules, "large-classes.56").name] == {"class:S1/c1"}
    assert expected[_rule(rules, "large-classes.primary-45").name] == {"class:S1/c1", "class:S1/c2"}
    assert expected[_rule(rules, "large-classes.junior-50").name] == set()


def test_agreeing_hits_pass_quietly_and_an_absent_rule_means_no_hits(judged):
    rules, outcomes = judged
    hits = {name: keys for name, keys in expected_hits(rules, outcomes).items() if keys}
    reconcile("大东区", rules, outcomes, hits)


@pytest.mark.parametrize("change, engine_only, reference_only", [
    ("miss", [], ["class:S1/c2"]), ("extra", ["class:S1/c0"], []),
], ids=["engine-misses", "engine-extra"])
def test_each_disagreeing_rule_is_one_problem_naming_district_check_step_and_records(judged, change, engine_only, reference_only):
    rules, outcomes = judged
    hits = expected_hits(rules, outcomes)
    rule = _rule(rules, "large-classes.primary-45")
    if change == "miss":
        hits[rule.name] = hits[rule.name] - {"class:S1/c2"}
    else:
        hits[rule.name] = hits[rule.name] | {"class:S1/c0"}
    with pytest.raises(EngineError) as info:
        reconcile("大东区", rules, outcomes, hits)
    assert info.value.codes == ["I-DISAGREE"]
    (problem,) = info.value.problems
    assert problem.file == str(rule.check.source)
    assert problem.message == (
        f"大东区: check large-classes.primary-45 (step {rule.step + 1}): durable_rules and the reference evaluator "
        f"disagree; only the engine flags {engine_only}, only the reference flags {reference_only}")


def test_at_most_three_records_are_named_on_each_side(judged):
    rules, outcomes = judged
    hits = expected_hits(rules, outcomes)
    rule = _rule(rules, "large-classes.56")
    hits[rule.name] = {f"class:S9/x{i}" for i in range(5)}
    with pytest.raises(EngineError) as info:
        reconcile("大东区", rules, outcomes, hits)
    message = info.value.problems[0].message
    assert "['class:S9/x0', 'class:S9/x1', 'class:S9/x2']" in message and "x3" not in message
    assert "only the reference flags ['class:S1/c1']" in message
