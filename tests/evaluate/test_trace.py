"""The trace each verdict carries (auditor/evaluate/trace.py): its numbers are the verdict's own, it stays
compact, and a late filing is told from one never made."""
from __future__ import annotations

import copy
import datetime as _dt
import json

import pytest

from auditor.audit import Auditor
from auditor.intake.contracts import validator
from auditor.intake.document import Document
from auditor.intake.submission import facts_from_document
from auditor.intake.submissions import load_submissions
from auditor.output.findings import findings_json
from auditor.rules.policies import load_policies

from conftest import FIXTURES, POLICIES

AS_OF = _dt.date(2022, 12, 31)


@pytest.fixture(scope="module")
def policy_set():
    return load_policies(POLICIES)


@pytest.fixture(scope="module")
def findings(policy_set):
    return Auditor(policy_set, "reference").audit(load_submissions([FIXTURES]), AS_OF)


def test_the_trace_is_in_the_contract_and_agrees_with_the_verdict(findings):
    validator("findings").validate(json.loads(findings_json(findings)))  # as findings.json has them
    for v in findings["verdicts"]:
        t = v["trace"]
        failed = [e["record"] for e in v["evidence"] if e["problem"] == "fail"]
        lacking = [e["record"] for e in v["evidence"] if e["problem"] == "missing"]
        assert t["as_of"] == findings["as_of"]
        assert t["failed"]["count"] == v["counts"]["fail"] == len(failed), v["check"]
        assert t["failed"]["first"] == failed[:3] and t["lacking"]["first"] == lacking[:3]
        assert t["step"]["due"] == v["due"]
        expected = {"fail": "records_fail", "pass": "all_applicable_pass", "not_applicable": "none_applicable",
                    "not_due": "before_first_deadline"}.get(v["status"])
        if expected:
            assert t["because"] == expected
        else:
            assert v["status"] == "missing" and t["lacking"]["count"] >= 1
        for m in t.get("measures", []):  # the figure the trace explains is the one judged
            note = v["measures"][m["id"]]
            assert m["status"] == note["status"] and m.get("value") == note.get("value")
            if "numerator" in note:
                assert (m["numerator"], m["denominator"]) == (note["numerator"], note["denominator"])


def test_a_measure_names_the_records_it_counted_and_left_out(findings):
    """A share over schools: counted + left out by its filter + lacking data = every school of the district."""
    shown = [(v, m) for v in findings["verdicts"] for m in v["trace"].get("measures", []) if m["of"] == "school" and "left_out" in m]
    assert shown
    for v, m in shown:
        assert m["counted"]["count"] + m["left_out"]["count"] + m.get("lacking", {}).get("count", 0) >= 1
        if "denominator" in m and m["agg"] == "share":
            assert m["counted"]["count"] == m["denominator"]
            assert m["meeting"]["count"] == m["numerator"]


def test_the_trace_stays_small_however_many_records_fail(policy_set):
    """1,000 oversized classes: the trace names three of them and counts the rest (the evidence has all)."""
    classes = [{"id": f"3-{i}", "grade": 3, "size": 60} for i in range(1000)]
    schools = [{"id": "S1", "name": "一校", "stage": "primary", "rural": False, "classes": classes}]
    facts = facts_from_document(Document("hp.yaml", {"district": "和平区", "schools": schools}))
    out = Auditor(policy_set, "reference").audit([facts], AS_OF, ["和平区"])
    big = [v for v in out["verdicts"] if v["counts"]["fail"] == 1000]
    assert big
    for v in big:
        assert v["trace"]["failed"] == {"count": 1000, "first": [e["record"] for e in v["evidence"][:3]]}
        assert len(json.dumps(v["trace"], ensure_ascii=False)) < 2000


def _filings(findings):
    return {(v["district"], v["check"], e["record"]): e["filing"]
            for v in findings["verdicts"] for e in v["evidence"] if "filing" in e}


def test_late_is_not_never(findings):
    filings = _filings(findings)
    assert filings  # the fixtures file some documents late and leave some out
    for (district, check, record), filing in filings.items():
        v = next(v for v in findings["verdicts"] if v["district"] == district and v["check"] == check)
        if filing["status"] == "late":
            assert v["status"] == "fail"  # late stays a failure
            e = next(e for e in v["evidence"] if e["record"] == record)
            filed = _dt.date.fromisoformat(filing["filed_on"])
            assert e["values"]["filed_on"] == filing["filed_on"]
            assert (filed - _dt.date.fromisoformat(filing["due"])).days == filing["days"] > 0
        else:
            assert filing["status"] == "not_filed" and v["status"] == "missing" and record == "document:*"
    statuses = {f["status"] for f in filings.values()}
    assert statuses == {"late", "not_filed"}


def test_filing_a_day_late_and_on_the_day(policy_set):
    """The action plan was due on 2019-12-31: filed that day passes, filed a day later fails one day late."""
    def audit(filed_on):
        doc = {"district": "和平区", "documents": [{"kind": "action_plan", "filed_on": filed_on, "filed_with": "市教育局"}]}
        out = Auditor(policy_set, "reference").audit([facts_from_document(Document("hp.yaml", doc))], AS_OF, ["和平区"])
        return next(v for v in out["verdicts"] if v["check"] == "leadership.action-plan-filed")

    on_time = audit("2019-12-31")
    assert on_time["status"] == "pass" and not any("filing" in e for e in on_time["evidence"])
    late = audit("2020-01-01")
    assert late["status"] == "fail"
    assert late["evidence"][0]["filing"] == {"status": "late", "days": 1, "due": "2019-12-31", "filed_on": "2020-01-01"}


def test_a_scheduled_check_names_the_step_in_force(policy_set, findings):
    scheduled = next(c for c in policy_set.checks if len(c.steps) > 1)
    facts = load_submissions([FIXTURES])
    for index, step in enumerate(scheduled.steps):
        out = Auditor(policy_set, "reference").audit(copy.deepcopy(facts), step.due)
        v = next(v for v in out["verdicts"] if v["check"] == scheduled.id)
        assert v["trace"]["step"]["number"] == index + 1 and v["trace"]["step"]["in_force"]
        assert v["trace"]["step"]["params"] == dict(step.params)
        assert ("next" in v["trace"]["step"]) == (index + 1 < len(scheduled.steps))
