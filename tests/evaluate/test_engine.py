"""Provoke each durable_rules fault through auditor/engine.py.

For every fault the audit either accounts for every record (the engine's hits equal
the reference evaluator's violations) or stops with an EngineError — never a silent
difference. See the docstring of auditor/engine.py and ../shared/notes/durable-rules.md.
"""
from __future__ import annotations

import datetime as _dt
import json
import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from auditor.evaluate import engine as engine_mod
from auditor.audit import Auditor
from auditor.cli import main
from auditor.rules.compiler import KEY_FIELD
from auditor.evaluate.engine import Engine, dumps
from auditor.errors import EngineError
from auditor.intake.document import Document
from auditor.rules.policies import load_policies
from auditor.output.report import findings_json
from auditor.intake.submission import facts_from_document
from conftest import POLICIES


AS_OF = _dt.date(2022, 12, 31)


@pytest.fixture(scope="module")
def policy_set():
    return load_policies(POLICIES)


def submission(district="大东区", sizes=(30, 57, 46, 40), rate=1.0):
    """One primary school whose classes have ``sizes``: 57 and 46 violate, 30 and 40 do not; its video
    monitoring covers ``rate`` of its key locations."""
    data = {
        "district": district,
        "figures": {"disabled_enrolment_rate": rate, "pupils_total": 100, "pupils_quality_covered": 100},
        "schools": [{"id": "S1", "name": "第一小学", "stage": "primary", "pupils": sum(sizes), "has_practice_room": True,
                     "monitoring_coverage": rate,
                     "classes": [{"id": f"c{i}", "grade": 1, "size": s} for i, s in enumerate(sizes)]}],
    }
    return facts_from_document(Document(f"{district}.yaml", data))


def statuses(findings, district="大东区"):
    return {v["check"]: v["status"] for v in findings["verdicts"] if v["district"] == district}


def violators(findings, check, district="大东区"):
    for v in findings["verdicts"]:
        if v["district"] == district and v["check"] == check:
            return sorted(e.get("class") for e in v["evidence"] if "class" in e)
    raise KeyError(check)


def audit(policy_set, facts, engine="durable"):
    return Auditor(policy_set, engine).audit(facts, AS_OF, [f.district for f in facts])


# --------------------------------------------------------------------------- unmatched facts
def test_unmatched_fact_in_a_batch_is_drained(policy_set, monkeypatch):
    """A passing class matches no rule: durable_rules raises for the whole batch and leaves
    the violating facts' actions pending. We drain them: every violation is still reported."""
    drained = []
    original = Engine._drain

    def spy(ruleset):
        drained.append(ruleset)
        return original(ruleset)

    monkeypatch.setattr(Engine, "_drain", staticmethod(spy))
    facts = [submission()]
    findings = audit(policy_set, facts)
    assert drained, "the batch with unmatched facts did not go through _drain"
    assert violators(findings, "large-classes.56") == ["c1"]
    assert violators(findings, "large-classes.primary-45") == ["c1", "c2"]
    assert findings_json(findings) == findings_json(audit(policy_set, [submission()], "reference")).replace(
        '"engine": "reference"', '"engine": "durable"')


def test_without_draining_the_audit_stops(policy_set, monkeypatch):
    """If the pending actions were not run, the violations would be lost: the reconciliation catches it."""
    monkeypatch.setattr(Engine, "_drain", staticmethod(lambda ruleset: None))
    try:
        findings = audit(policy_set, [submission()])
    except EngineError as exc:
        assert set(exc.codes) <= {"I-DISAGREE", "I-ENGINE"}
    else:  # durable_rules ran the pending actions with the next batch: then nothing may be lost
        assert violators(findings, "large-classes.primary-45") == ["c1", "c2"]


# --------------------------------------------------------------------------- "already observed"
def _dropping(drop_key, times):
    """An Engine._assert that drops the fact ``drop_key`` from its batch ``times`` times, as
    durable_rules does when a fact's 32-bit identity hash collides with a stored fact."""
    original = Engine._assert
    dropped = []

    def fake(self, ruleset, facts, *rest):
        kept = []
        for fact in facts:
            if fact.get(KEY_FIELD) == drop_key and len(dropped) < times:
                dropped.append(fact.get("_salt"))
                continue
            kept.append(fact)
        if kept:
            original(self, ruleset, kept, *rest)

    return fake, dropped


def test_fact_refused_once_is_resalted_and_found(policy_set, monkeypatch):
    fake, dropped = _dropping("class:S1/c2", times=1)
    monkeypatch.setattr(Engine, "_assert", fake)
    auditor = Auditor(policy_set, "durable")
    findings = auditor.audit([submission()], AS_OF, ["大东区"])
    assert dropped == [None], "the fact was not refused on its first assertion"
    assert violators(findings, "large-classes.primary-45") == ["c1", "c2"]
    assert auditor.engine.refused >= 1


def test_fact_refused_always_stops_the_audit(policy_set, monkeypatch):
    fake, dropped = _dropping("class:S1/c2", times=10**6)
    monkeypatch.setattr(Engine, "_assert", fake)
    with pytest.raises(EngineError) as info:
        audit(policy_set, [submission()])
    assert info.value.codes == ["I-ENGINE"]
    assert "re-salt" in str(info.value)
    assert len(dropped) == 1 + engine_mod.MAX_SALT
    assert [s for s in dropped[1:]] == list(range(1, engine_mod.MAX_SALT + 1)), "each retry must change the salt"


@pytest.mark.parametrize("raised, reason", [(MemoryError(), "out of memory"), (Exception(""), "Exception without a message"),
                                            (Exception("error 113"), "error 113")])
def test_a_batch_the_engine_refuses_names_the_district_and_the_reason(policy_set, monkeypatch, raised, reason):
    """Under a memory cap the C core's MemoryError said nothing ('durable_rules refused a batch: ' and exit 3):
    the error names the district, the kind of records and the reason."""
    def refuse(handle, text):
        raise raised

    monkeypatch.setattr(engine_mod._core, "assert_facts", refuse)
    with pytest.raises(EngineError) as info:
        audit(policy_set, [submission()])
    message = str(info.value)
    assert info.value.codes == ["I-ENGINE"]
    assert "大东区" in message and "records" in message and reason in message, message


def test_identical_facts_are_one_fact_but_never_reach_the_engine(policy_set):
    """durable_rules treats two identical facts as one ("already observed"). Records reach
    it with a unique key, so two classes with the same values stay two facts."""
    facts = submission(sizes=(57, 57, 57))
    records = facts.records["class"]
    assert len({r.key for r in records}) == len(records)
    findings = audit(policy_set, [facts])
    assert violators(findings, "large-classes.56") == ["c0", "c1", "c2"]


def test_an_identical_fact_asserted_twice_does_not_raise(policy_set):
    eng = Engine(Auditor(policy_set, "reference").compiled)
    name = next(n for n in eng._rulesets if eng.compiled.rulesets[n]["kind"] == "class")
    fact = {"sid": "twice", KEY_FIELD: "k1", "_kind": "class", "size": 60, "stage": "primary"}
    eng._assert(eng._rulesets[name], [fact])
    eng._assert(eng._rulesets[name], [dict(fact)])  # "already observed": refused, not raised
    assert {rule: keys for rule, keys in eng._hits.items()} and all(keys == {"k1"} for keys in eng._hits.values())
    eng._sentinel(eng._rulesets[name], "twice")
    eng._rulesets[name].delete_state("twice")


# --------------------------------------------------------------------------- exceptions in actions
def test_exception_inside_an_action_stops_the_audit(policy_set, monkeypatch):
    """durable_rules swallows exceptions raised in actions; the sentinel and state check surface them."""
    original = Engine._recorder

    def broken(self, rule_name):
        record = original(self, rule_name)
        if rule_name == engine_mod.SENTINEL:
            return record

        def action(c):
            raise RuntimeError("boom inside an action")

        return action

    monkeypatch.setattr(Engine, "_recorder", broken)
    with pytest.raises(EngineError) as info:
        audit(policy_set, [submission()])
    assert info.value.codes == ["I-ENGINE"]


def test_sentinel_action_that_does_not_run_stops_the_audit(policy_set, monkeypatch):
    original = Engine._recorder

    def silent(self, rule_name):
        return (lambda c: None) if rule_name == engine_mod.SENTINEL else original(self, rule_name)

    monkeypatch.setattr(Engine, "_recorder", silent)
    with pytest.raises(EngineError) as info:
        audit(policy_set, [submission()])
    assert "sentinel" in str(info.value)


# --------------------------------------------------------------------------- disagreement
def _flip(monkeypatch, drop=True):
    original = Engine.run

    def flipped(self, district, records, expected):
        hits = original(self, district, records, expected)
        rule = sorted(r for r in hits if hits[r]) [0] if drop else sorted(expected)[0]
        if drop:
            hits[rule] = set(sorted(hits[rule])[1:])
        else:
            hits.setdefault(rule, set()).add("class:S1/c0")
        return hits

    monkeypatch.setattr(Engine, "run", flipped)


@pytest.mark.parametrize("drop", [True, False], ids=["engine-misses", "engine-extra"])
def test_engine_reference_disagreement_stops_the_audit(policy_set, monkeypatch, drop):
    _flip(monkeypatch, drop)
    with pytest.raises(EngineError) as info:
        audit(policy_set, [submission()])
    assert "I-DISAGREE" in info.value.codes
    assert "disagree" in str(info.value)


def test_disagreement_exits_3_from_the_cli(monkeypatch, tmp_path, capsys):
    _flip(monkeypatch)
    out = tmp_path / "out"
    rc = main(["audit", "fixtures/shenyang-2022/03-dd.yaml", "--districts", "大东区", "--as-of", "2022-12-31",
               "--out", str(out), "--policies", POLICIES])
    err = capsys.readouterr().err
    assert rc == 3
    assert "I-DISAGREE" in err and "Traceback" not in err
    assert not out.exists(), "an audit that stopped must write nothing"


# --------------------------------------------------------------------------- state between audits
def test_two_audits_in_one_process_do_not_leak(policy_set):
    failing, passing = submission("大东区"), submission("和平区", sizes=(30, 31))
    shared = Auditor(policy_set, "durable")
    first = shared.audit([failing], AS_OF, ["大东区"])
    second = shared.audit([passing], AS_OF, ["和平区"])
    alone = Auditor(policy_set, "durable").audit([passing], AS_OF, ["和平区"])
    assert findings_json(second) == findings_json(alone)
    assert "fail" not in statuses(second, "和平区").values()
    again = shared.audit([submission("大东区")], AS_OF, ["大东区"])
    assert findings_json(again) == findings_json(first)


def test_district_state_is_deleted_after_each_audit(policy_set):
    auditor = Auditor(policy_set, "durable")
    auditor.audit([submission()], AS_OF, ["大东区"])
    eng = auditor.engine
    for ruleset in eng._rulesets.values():
        for (rid, sid), _seen in eng._sentinel_seen.items():
            if rid == id(ruleset):
                try:
                    facts = json.loads(engine_mod._core.get_facts(ruleset._handle, sid))
                except Exception as exc:  # durable_rules: error 309, no such state
                    assert "309" in str(exc)
                    continue
                assert facts == [], "a district's facts survived its audit"


# --------------------------------------------------------------------------- exponent floats
@pytest.mark.parametrize("rate", [1e-05, 1e-07, 0.96999999, 5e-324])
def test_exponent_form_floats_reach_the_engine(policy_set, rate):
    assert "e" not in repr(rate) or "e" not in dumps(rate)
    findings = audit(policy_set, [submission(rate=rate)])
    assert statuses(findings)["safety.monitoring-full"] == "fail"


@pytest.mark.parametrize("rate, status", [(math.nextafter(1.0, 0), "fail"), (1.0, "pass")])
def test_a_float_one_ulp_from_a_threshold_is_compared_unrounded(policy_set, rate, status):
    """Figures (a coefficient of variation, a share) reach durable_rules at full precision: a value one unit in the
    last place below the threshold fails there as in Python (the audit reconciles the two record by record)."""
    findings = audit(policy_set, [submission(rate=rate)])
    assert statuses(findings)["safety.monitoring-full"] == status


@given(st.floats(allow_nan=False, allow_infinity=False, min_value=-(2.0**53), max_value=2.0**53))
def test_dumps_writes_floats_positionally_and_exactly(value):
    """Within the range the loader admits (below 2**53), no exponent and no change of value."""
    text = dumps({"x": value})
    assert "e" not in text.lower()
    assert float(json.loads(text)["x"]) == value


def test_a_ruleset_durable_rules_refuses_is_an_engine_error(policy_set, monkeypatch):
    """Policies are checked for numbers durable_rules cannot read (P-ENGINE); should one slip
    through, registering the rules stops with I-ENGINE, not a crash."""
    from auditor.rules.compiler import CompiledSet

    original = CompiledSet.definitions

    def poisoned(self):
        definitions = original(self)
        for rules in definitions.values():
            for rule in rules.values():
                rule["all"][0]["m"] = {"$lt": {"size": 1e-05}}
        return definitions

    monkeypatch.setattr(CompiledSet, "definitions", poisoned)
    with pytest.raises(EngineError) as info:
        audit(policy_set, [submission()])
    assert info.value.codes == ["I-ENGINE"] and "refused the compiled rules" in str(info.value)


# ----------------------------------------------------------------------------- engine encoding
@pytest.mark.parametrize("value", [0.5, 1e-05, 1e16, 12345678901234567.0, -0.0001, 3, True, "班额\"55\"", None])
def test_engine_batches_encode_like_dumps(value):
    pytest.importorskip("durable")
    from auditor.evaluate import engine

    fact = {"a": value, "school": {"b": value}}
    projected, plain = engine.projector(["a", "school.b"])(fact)
    text = engine.encode([projected], plain)
    assert json.loads(text) == json.loads(engine.dumps([projected]))
    if isinstance(value, float) and "e" in repr(value):
        assert not plain and "e" not in text  # durable_rules refuses exponent-form floats
