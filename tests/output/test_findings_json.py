"""findings.json: the contract (auditor/schemas/findings.schema.json), reasons as codes with parameters."""
from __future__ import annotations

import datetime as _dt
import json

import pytest

from auditor.audit import Auditor
from auditor.intake.contracts import validator
from auditor.intake.document import Document
from auditor.intake.submission import facts_from_document
from auditor.output.findings import findings_json
from auditor.model import plan
from auditor.rules.policies import load_policies

from golden_audit import ROOT, golden_out, read  # noqa: F401  (golden_out: a fixture)
from conftest import POLICIES



def test_findings_still_match_their_schema(golden_out):
    findings = json.loads(read(golden_out, "findings.json"))
    validator("findings").validate(findings)
    assert findings["submitted_by"] == {"和平区": ["tests/golden/input/hp.yaml"], "大东区": ["tests/golden/input/dd-hostile.yaml"]}
    rate = next(v for v in findings["verdicts"] if v["check"] == "golden-special.disabled-97" and v["district"] == "和平区")
    assert rate["status"] == "not_due" and rate["observed"] == {"disabled_enrolment_rate": 0.985}


def test_serialisation_is_canonical():
    text = findings_json({"b": [1, {"z": "沈阳", "a": None}], "a": 0.5})
    assert text == '{\n  "a": 0.5,\n  "b": [\n    1,\n    {\n      "a": null,\n      "z": "沈阳"\n    }\n  ]\n}\n'
    # the standard library's layout (two-space indent, sorted keys, UTF-8 text), from a C encoder
    assert text == json.dumps({"b": [1, {"z": "沈阳", "a": None}], "a": 0.5}, ensure_ascii=False, sort_keys=True, indent=2) + "\n"


def _reasons(value):
    """Every reason anywhere in the findings (evidence, measures, a measure's "because")."""
    if isinstance(value, dict):
        if "reason" in value:
            yield value["reason"]
        for item in value.values():
            yield from _reasons(item)
    elif isinstance(value, list):
        for item in value:
            yield from _reasons(item)


@pytest.fixture(scope="module")
def sparse_findings():
    """Two districts that submitted little, so that every kind of reason comes up; the eleven others absent (an
    audit of every district: only such an audit judges the city-wide targets)."""
    sparse = {"district": "和平区", "figures": {"pupils_total": 1000, "cohort_entrants": 0, "cohort_completers": 0},
              "documents": [{"kind": "action_plan", "filed_on": "2019-06-01"}],
              "schools": [{"id": "S1", "name": "一校", "stage": "primary", "rural": True}]}
    facts = [facts_from_document(Document("hp.yaml", sparse)),
             facts_from_document(Document("dd.yaml", {"district": "大东区", "figures": {"pupils_total": 1}}))]
    policy_set = load_policies(POLICIES)
    # as findings.json has them (the audit keeps its verdicts encoded, in blocks: auditor.verdicts)
    return json.loads(findings_json(Auditor(policy_set, "reference").audit(
        facts, _dt.date(2022, 12, 31), list(plan()["districts"]))))


def test_every_reason_is_a_code_with_its_parameters(sparse_findings):
    validator("findings").validate(sparse_findings)
    reasons = list(_reasons(sparse_findings))
    codes = {r["code"] for r in reasons}
    assert {"no_submission", "no_records", "no_match", "records_lack_data", "districts_not_submitted"} <= codes, codes
    assert all(isinstance(r, dict) for r in reasons)
    assert {"code": "no_records", "kind": "class"} in reasons
    assert {"code": "districts_not_submitted", "count": 11} in reasons


def test_a_reason_in_english_text_is_refused_by_the_schema(sparse_findings):
    findings = json.loads(json.dumps(sparse_findings))
    item = next(e for v in findings["verdicts"] for e in v["evidence"] if "reason" in e)
    for bad in ("no class records submitted", {"code": "no_records"}, {"code": "no_records", "kind": "pupil"},
                {"code": "lost", "kind": "class"}, {"code": "no_submission", "kind": "class"}):
        item["reason"] = bad
        assert list(validator("findings").iter_errors(findings)), bad
