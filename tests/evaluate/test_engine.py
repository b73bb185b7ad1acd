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
from auditor.rules.compiler import KEY_FIELD, compile_policies
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
def test_every_fact_is_matched_so_no_batch_goes_unhandled(policy_set, monkeypatch):
    """Every ruleset has a rule each fact of its kind matches (``_all``): durable_rules never raises
    "not handled" for a batch, and the engine accounts for every fact it holds."""
    drained = []
    original = Engine._drain
    monkeypatch.setattr(Engine, "_drain", lambda self, ruleset: drained.append(ruleset) or original(self, ruleset))
    findings = audit(policy_set, [submission()])
    assert drained == []
    assert violators(findings, "large-classes.56") == ["c1"]
    assert violators(findings, "large-classes.primary-45") == ["c1", "c2"]
    assert findings_json(findings) == findings_json(audit(policy_set, [submission()], "reference")).replace(
        '"engine": "reference"', '"engine": "durable"')


def test_pending_actions_of_a_batch_that_raised_are_drained(policy_set):
    """A fact no rule matches makes the whole batch raise and leaves the other facts' actions pending;
    they are run by _drain, so nothing of the batch is lost."""
    eng = Engine(compile_policies(policy_set))
    name = eng._by_kind["class"][0]
    ruleset = eng._rulesets[name]
    eng._hits.clear()
    facts = [{"sid": "drain", KEY_FIELD: "nobody", "_kind": "no-such-kind"},
             {"sid": "drain", KEY_FIELD: "k57", "_kind": "class", "size": 57, "stage": "primary", "grade": 1}]
    eng._assert(ruleset, facts)
    assert eng._hits[engine_mod.ALL] == {"k57"}
    assert "k57" in eng._hits[eng.compiled.by_check["large-classes.56"][0].name + "_fail"]
    eng._sentinel(ruleset, "drain")
    ruleset.delete_state("drain")


# --------------------------------------------------------------------------- "already observed"
def _dropping(drop_key, times):
    """An Engine._assert_text that drops the fact ``drop_key`` from its batch ``times`` times, as
    durable_rules does when a fact's 32-bit identity hash collides with a stored fact."""
    original = Engine._assert_text
    dropped = []

    def fake(self, ruleset, text, count):
        kept = []
        for fact in json.loads(text):
            if fact.get(KEY_FIELD) == drop_key and len(dropped) < times:
                dropped.append(fact.get("_salt"))
                continue
            kept.append(fact)
        if kept:
            original(self, ruleset, dumps(kept), len(kept))

    return fake, dropped


def test_fact_refused_once_is_resalted_and_found(policy_set, monkeypatch):
    fake, dropped = _dropping("class:S1/c2", times=1)
    monkeypatch.setattr(Engine, "_assert_text", fake)
    auditor = Auditor(policy_set, "durable")
    findings = auditor.audit([submission()], AS_OF, ["大东区"])
    assert dropped == [None], "the fact was not refused on its first assertion"
    assert violators(findings, "large-classes.primary-45") == ["c1", "c2"]
    assert auditor.engine.refused >= 1


def test_a_refused_passing_fact_is_found_too(policy_set, monkeypatch):
    """Re-assertion does not depend on the reference's answer: a refused record that passes every rule
    (no hit was expected of it) is missed by _all and re-asserted all the same."""
    fake, dropped = _dropping("class:S1/c0", times=1)
    monkeypatch.setattr(Engine, "_assert_text", fake)
    auditor = Auditor(policy_set, "durable")
    findings = auditor.audit([submission()], AS_OF, ["大东区"])
    assert dropped == [None] and auditor.engine.refused == 1
    assert findings_json(findings) == findings_json(audit(policy_set, [submission()], "reference")).replace(
        '"engine": "reference"', '"engine": "durable"')


def test_fact_refused_always_stops_the_audit(policy_set, monkeypatch):
    fake, dropped = _dropping("class:S1/c2", times=10**6)
    monkeypatch.setattr(Engine, "_assert_text", fake)
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


# --------------------------------------------------------------------------- actions
def test_an_action_the_engine_cannot_read_stops_the_audit(policy_set, monkeypatch):
    """The engine reads each action's rule and facts straight from durable_rules' C core; a message it
    cannot read is I-ENGINE, never a silently empty set."""
    real = engine_mod._core

    class Garbled:
        def __getattr__(self, name):
            return getattr(real, name)

        @staticmethod
        def start_action_for_state(handle, state):
            result = real.start_action_for_state(handle, state)
            return (result[0], '{"r14_fail": [{"m": {"sid": "x"}}]}', *result[2:]) if result else result

    monkeypatch.setattr(engine_mod, "_core", Garbled())
    with pytest.raises(EngineError) as info:
        audit(policy_set, [submission()])
    assert info.value.codes == ["I-ENGINE"] and "without its facts" in str(info.value)


def test_sentinel_action_that_does_not_run_stops_the_audit(policy_set, monkeypatch):
    original = Engine._actions

    def silent(self, ruleset, first, handle):
        if first and first.lstrip("{ ").startswith(f'"{engine_mod.SENTINEL}"'):
            return None
        return original(self, ruleset, first, handle)

    monkeypatch.setattr(Engine, "_actions", silent)
    with pytest.raises(EngineError) as info:
        audit(policy_set, [submission()])
    assert "sentinel" in str(info.value)


# --------------------------------------------------------------------------- disagreement
def _flip(monkeypatch, outcome="fail", drop=True):
    original = Engine.run

    def flipped(self, district, records):
        found = original(self, district, records)
        rules = sorted((r for r, sets in found.outcomes.items() if sets.get(outcome)), key=lambda r: int(r[1:]))
        if drop:
            found.outcomes[rules[0]][outcome] = set(sorted(found.outcomes[rules[0]][outcome])[1:])
        else:
            first = sorted(found.outcomes, key=lambda r: int(r[1:]))[0]
            found.outcomes[first].setdefault(outcome, set()).add("class:S1/c0")
        return found

    monkeypatch.setattr(Engine, "run", flipped)


@pytest.mark.parametrize("outcome", ["fail", "missing", "not_applicable"])
@pytest.mark.parametrize("drop", [True, False], ids=["engine-misses", "engine-extra"])
def test_engine_reference_disagreement_stops_the_audit(policy_set, monkeypatch, drop, outcome):
    _flip(monkeypatch, outcome, drop)
    facts = submission(sizes=(30, 57, 46, 40))
    facts.records["class"][0].data.pop("homework_minutes", None)
    with pytest.raises(EngineError) as info:
        audit(policy_set, [facts])
    assert "I-DISAGREE" in info.value.codes
    assert f"; {outcome}: only the engine" in str(info.value)


def test_disagreement_exits_3_from_the_cli(monkeypatch, tmp_path, capsys):
    _flip(monkeypatch)
    out = tmp_path / "out"
    rc = main(["audit", "fixtures/shenyang-2022/03-dd.yaml", "--districts", "大东区", "--as-of", "2022-12-31",
               "--out", str(out), "--policies", POLICIES, "--no-db"])
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


# --------------------------------------------------------------------------- a broken rule for "missing"
def _nex_to(condition, change):
    """``condition`` with every ``$nex`` test rewritten by ``change``."""
    if isinstance(condition, dict):
        return {key: (change(value) if key == "$nex" else _nex_to(value, change)) for key, value in condition.items()} \
            if "$nex" not in condition else change(condition["$nex"])
    if isinstance(condition, list):
        return [_nex_to(item, change) for item in condition]
    return condition


BROKEN_MISSING = {
    # the engine has no opinion on missing data: every record that lacks data would be taken for a pass
    "no rule": lambda missing: None,
    # a typo: the field looked for is not the field the requirement reads (every record "lacks" it)
    "misspelt field": lambda missing: _nex_to(missing, lambda test: {"$nex": {f"{k}_": 1 for k in test}}),
    # "$ex" written for "$nex": records that have the data are taken for missing, those without for a pass
    "ex for nex": lambda missing: _nex_to(missing, lambda test: {"$ex": dict(test)}),
}


@pytest.mark.parametrize("breakage", sorted(BROKEN_MISSING))
def test_a_broken_engine_rule_for_missing_is_caught_on_the_fixtures(monkeypatch, breakage):
    """The fixtures, audited with an engine whose rule for missing data is broken, stop with I-DISAGREE
    naming the outcome — the reconciliation does not depend on the reference telling the engine anything."""
    from auditor.intake.submissions import load_submissions
    from auditor.rules import outcomes
    from conftest import FIXTURES

    original = outcomes.conditions

    def broken(*args):
        out = original(*args)
        if outcomes.MISSING in out:
            changed = BROKEN_MISSING[breakage](out[outcomes.MISSING])
            if changed is None:
                del out[outcomes.MISSING]
            else:
                out[outcomes.MISSING] = changed
        return out

    monkeypatch.setattr(outcomes, "conditions", broken)
    policy_set = load_policies(POLICIES)
    submissions = load_submissions([FIXTURES])
    with pytest.raises(EngineError) as info:
        Auditor(policy_set, "durable").audit(submissions, AS_OF)
    assert set(info.value.codes) == {"I-DISAGREE"}
    assert all("; missing: only the engine says so of" in p.message for p in info.value.problems)
    assert len(info.value.problems) >= 1


def test_the_fixtures_reconcile_with_the_rules_intact():
    """The same audit with the engine's own rules as compiled: every outcome set agrees."""
    from auditor.intake.submissions import load_submissions
    from conftest import FIXTURES

    findings = Auditor(load_policies(POLICIES), "durable").audit(load_submissions([FIXTURES]), AS_OF)
    assert any(v["status"] == "missing" and any(e.get("missing") and not e["record"].endswith("*") for e in v["evidence"])
               for v in findings["verdicts"]), "the fixtures must hold records that lack data"
