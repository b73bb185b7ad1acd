"""Reconciliation (``auditor/evaluate/reconcile.py``): every outcome set of the engine must equal the reference's.

tests/evaluate/test_engine.py provokes disagreements through whole audits and the CLI (exit 3), a broken
engine rule for ``missing`` among them; here the function is held to its contract directly: silent when every
rule agrees on fail, missing, not applicable and the number passed; one ``I-DISAGREE`` problem per
disagreeing rule otherwise, naming the district, the check, the step, the outcome and the records.
"""
from __future__ import annotations

import pytest

from auditor.errors import EngineError
from auditor.evaluate.engine import Found
from auditor.evaluate.reconcile import OUTCOMES, disagreements, reconcile
from auditor.texts import render
from auditor.evaluate.reference import judge_rule
from auditor.intake.document import Document
from auditor.intake.submission import facts_from_document
from auditor.rules.compiler import compile_policies
from auditor.rules.policies import load_policies
from conftest import POLICIES

MINUTES = (30, 75, 61, None)  # homework.primary-60: pass, fail, fail, missing


@pytest.fixture(scope="module")
def judged():
    """The class rules' outcomes for one primary school (grade-3 classes with 30, 75 and 61 minutes of homework
    and one without the figure) and one junior school (a grade-7 class)."""
    compiled = compile_policies(load_policies(POLICIES))
    facts = facts_from_document(Document("dd.yaml", {"district": "大东区", "schools": [
        {"id": "S1", "name": "第一小学", "stage": "primary",
         "classes": [{"id": f"c{i}", "grade": 3, "size": 40, **({"homework_minutes": m} if m else {})}
                     for i, m in enumerate(MINUTES)]},
        {"id": "S2", "name": "第二中学", "stage": "junior", "classes": [{"id": "j1", "grade": 7, "size": 40, "homework_minutes": 60}]}]}))
    rules = [r for r in compiled.rules if r.kind == "class"]
    outcomes = {rule.name: judge_rule(rule, facts.of("class"), keep_na=True) for rule in rules}
    held = {"class": {r.key for r in facts.of("class")}}
    return rules, outcomes, held


def _rule(rules, check_id):
    return next(r for r in rules if r.check.id == check_id)


def _agreeing(rules, outcomes, held) -> Found:
    return Found({r.name: {o: outcomes[r.name].keys(o) for o in OUTCOMES} for r in rules}, dict(held))


def test_the_reference_keeps_every_outcome_set(judged):
    rules, outcomes, _ = judged
    primary = outcomes[_rule(rules, "homework.primary-60").name]
    assert primary.keys("fail") == {"class:S1/c1", "class:S1/c2"}
    assert primary.keys("missing") == {"class:S1/c3"}
    assert primary.keys("not_applicable") == {"class:S2/j1"}
    assert primary.counts["pass"] == 1
    with pytest.raises(ValueError):  # not kept unless asked for: the reference path does not pay for them
        judge_rule(_rule(rules, "homework.primary-60"), []).keys("not_applicable")


def test_agreeing_outcomes_pass_quietly_and_an_absent_outcome_means_none(judged):
    rules, outcomes, held = judged
    found = _agreeing(rules, outcomes, held)
    found.outcomes = {name: {o: keys for o, keys in sets.items() if keys} for name, sets in found.outcomes.items()}
    reconcile("大东区", rules, outcomes, found)


@pytest.mark.parametrize("outcome, change, engine_only, reference_only", [
    ("fail", "drop", [], ["class:S1/c2"]),
    ("fail", "add", ["class:S1/c0"], []),
    ("missing", "drop", [], ["class:S1/c3"]),
    ("missing", "add", ["class:S1/c0"], []),
    ("not_applicable", "drop", [], ["class:S2/j1"]),
    ("not_applicable", "add", ["class:S1/c0"], []),
])
def test_each_disagreeing_outcome_is_named_with_its_records(judged, outcome, change, engine_only, reference_only):
    rules, outcomes, held = judged
    found = _agreeing(rules, outcomes, held)
    rule = _rule(rules, "homework.primary-60")
    keys = found.outcomes[rule.name][outcome]
    found.outcomes[rule.name][outcome] = keys - set(reference_only) if change == "drop" else keys | set(engine_only)
    with pytest.raises(EngineError) as info:
        reconcile("大东区", rules, outcomes, found)
    assert info.value.codes == ["I-DISAGREE"]
    (problem,) = info.value.problems
    assert problem.file == str(rule.check.source)
    assert problem.message == (
        f"大东区: check homework.primary-60 (step {rule.step + 1}): durable_rules and the reference evaluator "
        f"disagree; {outcome}: only the engine says so of {engine_only}, only the reference of {reference_only}")


def test_a_record_the_engine_holds_in_no_set_is_a_pass_too_many(judged):
    """A record the engine's rules all missed would pass there: the counts differ even when no set does."""
    rules, outcomes, held = judged
    rule = _rule(rules, "large-classes.56")
    found = _agreeing(rules, outcomes, {"class": held["class"] | {"class:S9/ghost"}})
    assert outcomes[rule.name].counts["pass"] == 5
    said = disagreements(outcomes[rule.name], found.outcomes[rule.name], found.held["class"])
    assert [str(m) for m in said] == [
        f"pass: the engine passes {outcomes[rule.name].counts['pass'] + 1} record(s), the reference {outcomes[rule.name].counts['pass']}"]
    assert [render(m, "zh") for m in said] == ["“pass”：引擎判为合格的有 6 条，参考求值器 5 条"]


def test_one_record_in_two_engine_sets_disagrees(judged):
    rules, outcomes, held = judged
    found = _agreeing(rules, outcomes, held)
    rule = _rule(rules, "homework.primary-60")
    found.outcomes[rule.name]["missing"] = found.outcomes[rule.name]["missing"] | {"class:S1/c1"}  # also failing
    with pytest.raises(EngineError, match=r"missing: only the engine says so of \['class:S1/c1'\]"):
        reconcile("大东区", rules, outcomes, found)


def test_at_most_three_records_are_named_on_each_side(judged):
    rules, outcomes, held = judged
    found = _agreeing(rules, outcomes, held)
    rule = _rule(rules, "homework.primary-60")
    found.outcomes[rule.name]["fail"] = {f"class:S9/x{i}" for i in range(5)}
    with pytest.raises(EngineError) as info:
        reconcile("大东区", rules, outcomes, found)
    message = info.value.problems[0].message
    assert "['class:S9/x0', 'class:S9/x1', 'class:S9/x2']" in message and "x3" not in message
    assert "only the reference of ['class:S1/c1', 'class:S1/c2']" in message
