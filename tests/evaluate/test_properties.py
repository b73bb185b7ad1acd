"""Hypothesis properties of the rule set, run over EVERY check of EVERY policy in policies/.

The checks are discovered when the tests are collected (a new policy file is
covered without editing this file); submissions are generated from the
submission schema (tests/strategies.py). A check's properties draw only what
the check reads (its record kinds and fields, and its measures'), aimed at its
filters, requirements and thresholds (``strategies.focus``); the
whole-rule-set properties draw every kind and field (``strategies.everything``).
Auditors are compiled once and reused by every example: per check one for
durable_rules and one for the reference evaluator over that check alone (so an
example's cost does not grow with the rule set), and one pair over the whole
rule set.

Every property reports whether each example exercised it (tests/exercised.py;
the share is printed at the end of the run); the definition is in the
docstring of each property's function.

Properties, per check:

* durable_rules and the reference evaluator give the same verdicts;
* improving a value in the direction the check prefers never turns pass into fail;
* removing a field the check needs from some records never yields pass, nor
  fail (an optional field: missing, not_due or not_applicable; a required one:
  the submission is refused);
* before the check's first deadline nothing is fail (it is not_due);
* the order of records and submissions, and other districts' submissions,
  never change a district's verdicts;
* a threshold never loosens as deadlines advance (the check's earlier steps
  and earlier checks on the same field with the same preferred direction);

and for the whole rule set, on submissions of every record kind and field:
durable_rules and the reference agree with every check compiled together;
each check's verdicts are the same on what it reads alone (the premise of
drawing only that); findings survive a JSON round trip and match
auditor/schemas/findings.schema.json.

Examples per property: the "ci" profile (60, the default), "deep" (1000) with
HYPOTHESIS_PROFILE=deep .venv/bin/pytest tests/evaluate/test_properties.py
"""
from __future__ import annotations

import copy
import dataclasses
import datetime as _dt
import json
import os

import pytest
from hypothesis import given, note
from hypothesis import strategies as st

import strategies as gen
from exercised import exercised
from auditor.intake import contracts
from auditor.rules import expr
from auditor.audit import Auditor
from auditor.rules.compiler import compile_policies
from auditor.evaluate.derive import derive_city, derive_district
from auditor.errors import SubmissionError
from auditor.rules.lint import directions, field_domains, satisfiable
from auditor.intake.document import Document
from auditor.model import PolicySet, plan
from auditor.rules.policies import load_policies
from auditor.evaluate.reference import FAIL, NA, PASS, judge
from auditor.intake.submission import facts_from_document
from conftest import ROOT

POLICY_SET = load_policies(os.path.join(ROOT, "policies"))
CHECKS = {c.id: c for c in POLICY_SET.checks}
IDS = sorted(CHECKS)
WHOLE = gen.everything(POLICY_SET)  # every record kind and field, for the whole-rule-set properties
AUDITORS: dict[tuple, Auditor] = {}
CITY = plan()["city"]


def only(check_id: str | None) -> PolicySet:
    """The rule set with one check (every measure kept), or the whole set for None."""
    if check_id is None:
        return POLICY_SET
    policies = tuple(dataclasses.replace(p, checks=tuple(c for c in p.checks if c.id == check_id)) for p in POLICY_SET.policies)
    return dataclasses.replace(POLICY_SET, policies=policies)


def auditor(engine: str, check_id: str | None = None) -> Auditor:
    """One compiled auditor per (engine, check), reused by every example (compile once, audit many times).

    A check's properties are judged by an auditor of that check alone, so the
    cost of an example does not grow with the size of the rule set.
    """
    key = (engine, check_id)
    if key not in AUDITORS:
        AUDITORS[key] = Auditor(only(check_id), engine, whole_city=True)  # the example's districts are its city
    return AUDITORS[key]


def audit(subs: list[dict], as_of: _dt.date, engine: str = "reference", check_id: str | None = None) -> dict:
    facts = gen.to_facts(copy.deepcopy(subs))
    return auditor(engine, check_id).audit(facts, as_of, [s["district"] for s in subs])


def statuses(findings: dict, check_id: str | None = None) -> dict[tuple, str]:
    return {(v["district"], v["check"]): v["status"] for v in findings["verdicts"] if check_id in (None, v["check"])}


# --------------------------------------------------------------------------- the properties, one function each
def engine_agrees_with_reference(check, subs, as_of, reference: dict) -> None:
    """Exercised when some record was judged pass or fail (by both engines, or they disagree)."""
    durable = audit(subs, as_of, "durable", check.id if check else None)  # the durable audit also reconciles record by record (I-DISAGREE)
    assert statuses(durable) == statuses(reference), "durable_rules and the reference evaluator give different verdicts"
    assert [v["counts"] for v in durable["verdicts"]] == [v["counts"] for v in reference["verdicts"]]
    exercised("engine agrees with reference" + ("" if check else " (whole rule set)"),
              any(v["counts"]["pass"] + v["counts"]["fail"] for v in reference["verdicts"]), "no record judged")


def _improve(value, prop: dict, direction: int, amount):
    if isinstance(value, bool):
        return direction > 0
    if prop.get("format") == "date":
        return (_dt.date.fromisoformat(value) + _dt.timedelta(days=direction * amount)).isoformat()
    if isinstance(value, (int, float)):
        new = value + direction * (amount if prop.get("type") == "integer" else amount / 100)
        new = max(prop.get("minimum", new), min(prop.get("maximum", new), new))
        return int(new) if prop.get("type") == "integer" else round(new, 6)
    return value


def improving_never_turns_pass_into_fail(check, subs, as_of, before: dict, data) -> None:
    """Exercised when the value changed in a district (or the city) whose verdict was pass.

    The draw is aimed: among the values that can still improve (a ``false`` flag
    the check wants ``true``, a rate below 1), those in a district that passes."""
    prop = "improving never turns pass into fail"
    better = gen.preferred(POLICY_SET, check)
    if not better:
        exercised(prop, None, "nothing ordered")
        return  # nothing is ordered: a check of kinds or flags only
    improved = copy.deepcopy(subs)
    targets = [(defname, name, direction, s["district"], r) for (defname, name), direction in sorted(better.items())
               for s in improved for r in gen.records(s, defname)
               if name in r and _improve(r[name], gen.properties(defname)[name], direction, 100) != r[name]]
    passing = [t for t in targets if PASS in (before.get((t[3], check.id)), before.get((CITY, check.id)))]
    if not targets:
        exercised(prop, False, "no value can improve")
        return
    defname, name, direction, district, record = data.draw(st.sampled_from(passing or targets), label="improved value")
    amount = data.draw(st.sampled_from([1, 2, 10, 100]), label="by")
    old = record[name]
    record[name] = _improve(old, gen.properties(defname)[name], direction, amount)
    note(f"improved {defname}.{name} in {district}: {old} -> {record[name]}")
    after = statuses(audit(improved, as_of, check_id=check.id), check.id)
    exercised(prop, record[name] != old and bool(passing), "no pass where a value can improve")
    turned = {k: (before[k], after.get(k)) for k in before if before[k] == PASS and after.get(k) == FAIL}
    assert not turned, f"improving {defname}.{name} ({old} -> {record[name]}) turned pass into fail: {turned}"


def removing_a_needed_field_never_yields_pass(check, subs, as_of, before: dict, data) -> None:
    """Exercised when a required field was removed (the refusal is asserted), or when there was a
    pass or fail in a district (or the city) that lost data.

    The field is drawn among those some record holds, and it is removed from a
    drawn subset of those records (one, several or all of them): a measure over
    records of which only some lack data must be missing too."""
    prop = "removing a needed field never yields pass"
    stripped = copy.deepcopy(subs)
    holders = {field: [(s["district"], r) for s in stripped for r in gen.records(s, field[0]) if field[1] in r]
               for field in sorted(gen.needed_fields(POLICY_SET, check))}
    present = [field for field, found in holders.items() if found]
    if not present:
        exercised(prop, False if holders else None, "no needed field present" if holders else "no field needed")
        return
    defname, name = data.draw(st.sampled_from(present), label="removed field")
    found = holders[(defname, name)]
    chosen = data.draw(st.lists(st.sampled_from(range(len(found))), min_size=1, unique=True), label="from records")
    touched = {CITY}
    for index in chosen:
        district, record = found[index]
        del record[name]
        touched.add(district)
    note(f"removed {defname}.{name} from {len(chosen)} of {len(found)} record(s)")
    if name in gen.required(defname) or not all(gen.has_content(s) for s in stripped):
        with pytest.raises(SubmissionError):  # a required field, or nothing left: refused, never audited
            [facts_from_document(Document("stripped", s)) for s in stripped]
        exercised(prop, True)
        return
    after = statuses(audit(stripped, as_of, check_id=check.id), check.id)
    exercised(prop, any(v in (PASS, FAIL) and k[0] in touched for k, v in before.items()), "no pass or fail where data went")
    # A record that needed the field is now missing, so no new pass or fail can be established.
    # The only judgement allowed to survive is the one already there before, where the filter
    # short-circuits ("district in [...] and nutrition_pilot" never reads the flag of an urban school).
    judged = {k: (before.get(k), v) for k, v in after.items() if v in (PASS, FAIL) and before.get(k) != v}
    assert not judged, f"without {defname}.{name} the check is judged differently: {judged}"
    assert not any(v == PASS and before.get(k) != PASS for k, v in after.items())


def nothing_is_fail_before_the_deadline(check, subs, data) -> None:
    """Exercised when a verdict held back a fail (``progress.status_if_due_now`` is fail)."""
    first = check.steps[0].due
    early = data.draw(st.one_of(st.just(first - _dt.timedelta(days=1)), st.dates(gen.FIRST_DATE, first - _dt.timedelta(days=1))), label="early as_of")
    findings = audit(subs, early, check_id=check.id)
    got = statuses(findings, check.id)
    assert set(got.values()) == {"not_due"}, f"before {first} the check is {got}"
    exercised("nothing is fail before the deadline",
              any(v.get("progress", {}).get("status_if_due_now") == FAIL for v in findings["verdicts"]), "no fail held back")


def _shuffle(value, rnd):
    if isinstance(value, dict):
        return {k: _shuffle(v, rnd) for k, v in value.items()}
    if isinstance(value, list):
        items = [_shuffle(v, rnd) for v in value]
        rnd.shuffle(items)
        return items
    return value


def _canonical(value):
    """Lists sorted: evidence follows the order of the records, which is the submitter's to choose."""
    if isinstance(value, dict):
        return {k: _canonical(v) for k, v in value.items()  # documents are keyed by position
                if k != "record" and not (k == "key" and str(v).startswith("document:"))}
    if isinstance(value, list):
        return sorted((_canonical(v) for v in value), key=lambda v: json.dumps(v, sort_keys=True, ensure_ascii=False))
    return value


def _district_view(findings: dict, district: str) -> dict:
    return {v["check"]: (v["status"], v["counts"], _canonical(v["evidence"]), _canonical(v["measures"]))
            for v in findings["verdicts"] if v["district"] == district}


def order_and_other_districts_do_not_matter(check, subs, as_of, reference: dict, data) -> None:
    """Exercised when something moved (other districts, or records reordered) and the compared verdicts
    judged some record (pass, fail or missing).

    A district's verdicts alone and among the others, shuffled, are the same; a
    city-wide check's verdict is the same whatever the order of districts and records."""
    target = subs[0]
    alone = _district_view(reference if len(subs) == 1 else audit([target], as_of, check_id=check.id), target["district"])
    crowd = _shuffle(subs, data.draw(st.randoms(use_true_random=False), label="shuffle"))
    shuffled = audit(crowd, as_of, check_id=check.id)
    together = _district_view(shuffled, target["district"])
    assert together == alone, f"{target['district']}'s verdicts change with record order or other districts"
    city = _district_view(reference, CITY)
    assert _district_view(shuffled, CITY) == city, "the city-wide verdicts change with the order of districts or records"
    moved = len(subs) > 1 or crowd[0] != target
    judged = [c for _, c, _, _ in list(alone.values()) + list(city.values()) if c["pass"] + c["fail"] + c["missing"]]
    exercised("order and other districts do not matter", moved and bool(judged), "nothing judged or nothing moved")


@pytest.mark.parametrize("check_id", IDS)
@given(data=st.data())
def test_check_properties(check_id, data):
    """Every property that concerns one check, on the same generated submissions.

    (One test per check, not per property: each example is drawn once and audited
    at most six times, the reference audit shared by every property.)
    """
    check = CHECKS[check_id]
    subs = data.draw(gen.submissions(gen.focus(POLICY_SET, [check])), label="submissions")
    as_of = data.draw(gen.as_of_for(check), label="as_of")
    reference = audit(subs, as_of, "reference", check_id)
    before = statuses(reference, check_id)
    engine_agrees_with_reference(check, subs, as_of, reference)
    improving_never_turns_pass_into_fail(check, subs, as_of, before, data)
    removing_a_needed_field_never_yields_pass(check, subs, as_of, before, data)
    nothing_is_fail_before_the_deadline(check, subs, data)
    order_and_other_districts_do_not_matter(check, subs, as_of, reference, data)


# --------------------------------------------------------------------------- thresholds never loosen
COMPILED = compile_policies(POLICY_SET)


DOMAINS = field_domains(POLICY_SET)


def _earlier_rules(check) -> list[tuple]:
    """(later rule, earlier rule) pairs of one document on the same kind, fields and preferred directions, whose
    filters can both hold for one record (``kind == "layout_plan"`` and ``kind == "action_plan"`` never do: no
    record is judged by both, so such a pair could never be compared). Two documents set their own thresholds
    and dates (the national standard's classes of 45 from 2017, the plan's 55 from 2019): a threshold tightens
    over time within a document, not across them."""
    rules = COMPILED.by_check[check.id]
    out = []
    for later in rules:
        shape = (later.kind, frozenset(expr.fields(later.require)), tuple(sorted(directions(later.require).items())))
        for other in COMPILED.rules:
            other_shape = (other.kind, frozenset(expr.fields(other.require)), tuple(sorted(directions(other.require).items())))
            if (other_shape == shape and other.check.document == check.document
                    and other.check.steps[other.step].due < check.steps[later.step].due
                    and satisfiable([later.where, other.where], DOMAINS.get(later.kind, {})) is not False):
                out.append((later, other))
    return out


LOOSEN = {cid: _earlier_rules(c) for cid, c in CHECKS.items()}
LOOSEN_IDS = sorted(cid for cid, pairs in LOOSEN.items() if pairs) or ["(no check has an earlier threshold)"]


def _records(subs: list[dict], kind: str):
    facts = gen.to_facts(copy.deepcopy(subs))
    for f in facts:
        derive_district(f, POLICY_SET.measures, POLICY_SET)
    if kind == "city":
        return derive_city(facts, POLICY_SET.measures, [s["district"] for s in subs]).of("city")
    return [r for f in facts for r in f.of(kind)]


@pytest.mark.parametrize("check_id", LOOSEN_IDS)
@given(data=st.data())
def test_thresholds_never_loosen_as_deadlines_advance(check_id, data):
    if check_id not in LOOSEN:
        pytest.skip(check_id)
    """Exercised when some record was judged pass or fail by both the later and the earlier rule."""
    subs = data.draw(gen.submissions(gen.focus(POLICY_SET, [CHECKS[check_id]] + [e.check for _, e in LOOSEN[check_id]])))
    judged = False
    for later, earlier in LOOSEN[check_id]:
        for record in _records(subs, later.kind):
            now, then = judge(later, record)[0], judge(earlier, record)[0]
            judged |= {now, then} <= {PASS, FAIL}
            if NA in (now, then):
                continue
            assert not (now == PASS and then == FAIL), (
                f"{record.key} passes {later.check.id} ({later.requirement_text}, due {later.check.steps[later.step].due}) "
                f"but fails the earlier {earlier.check.id} ({earlier.requirement_text}, due {earlier.check.steps[earlier.step].due})")
    exercised("thresholds never loosen", judged, "no record judged by both")


# --------------------------------------------------------------------------- the whole rule set at once
@given(subs=gen.submissions(WHOLE), as_of=st.dates(gen.FIRST_DATE, gen.LAST_DATE))
def test_whole_rule_set_engine_agrees_with_reference(subs, as_of):
    """As above, with every check compiled together (shared rulesets, projections, partitions), on
    submissions of every record kind and field."""
    engine_agrees_with_reference(None, subs, as_of, audit(subs, as_of, "reference"))


# --------------------------------------------------------------------------- the premise of focused draws
FOCUS = {cid: gen.focus(POLICY_SET, [c]) for cid, c in CHECKS.items()}


@given(subs=gen.submissions(WHOLE), as_of=st.dates(gen.FIRST_DATE, gen.LAST_DATE))
def test_a_check_is_judged_on_what_it_reads_alone(subs, as_of):
    """Every check's verdicts (status and counts) on submissions of every kind and field are those on
    the same submissions cut down to what the check reads (``strategies.cut_down``): what the
    per-check properties leave out when they draw (other kinds, other fields) never matters.

    Exercised, per check and example, when the cut-down submissions could be audited (none is empty)
    and the check judged some record pass or fail."""
    whole = {(v["district"], v["check"]): (v["status"], v["counts"]) for v in audit(subs, as_of)["verdicts"]}
    for check_id in IDS:
        cut = [gen.cut_down(s, FOCUS[check_id]) for s in subs]
        if not all(gen.has_content(s) for s in cut):
            exercised("a check is judged on what it reads alone", False, "nothing it reads was drawn")
            continue
        alone = {(v["district"], v["check"]): (v["status"], v["counts"]) for v in audit(cut, as_of, check_id=check_id)["verdicts"]}
        differ = {k: (whole[k], v) for k, v in alone.items() if whole[k] != v}
        assert not differ, f"{check_id} judges differently on the whole submissions and on what it reads: {differ}"
        exercised("a check is judged on what it reads alone",
                  any(c["pass"] + c["fail"] for _, c in alone.values()), "no record judged pass or fail")


# --------------------------------------------------------------------------- findings as JSON
@given(subs=gen.submissions(WHOLE), as_of=st.dates(gen.FIRST_DATE, gen.LAST_DATE))
def test_findings_survive_a_json_round_trip(subs, as_of):
    """Exercised when some verdict carries evidence."""
    findings = audit(subs, as_of)
    text = json.dumps(findings, ensure_ascii=False, sort_keys=True, default=list)
    assert json.loads(text) == findings
    assert json.dumps(json.loads(text), ensure_ascii=False, sort_keys=True) == text
    errors = list(contracts.validator("findings").iter_errors(json.loads(text)))
    assert not errors, errors[0].message
    exercised("findings survive a JSON round trip", any(v["evidence"] for v in findings["verdicts"]), "no evidence")
