"""The HTML report lists at most ``EVIDENCE_ROWS`` evidence rows per check; findings.json keeps them all.
(Moved from tests/test_perf.py.)
"""
from __future__ import annotations

import datetime as _dt

from auditor.audit import Auditor
from auditor.rules.policies import load_policies
from conftest import POLICIES


def test_html_lists_at_most_evidence_rows_per_check_and_findings_json_keeps_all():
    from auditor.intake.document import Document
    from auditor.output.report import EVIDENCE_ROWS, render
    from auditor.intake.submission import facts_from_document

    extra = 7
    schools = [{"id": f"s{i}", "name": f"校{i}", "stage": "primary", "pupils": 60, "has_practice_room": True,
                "classes": [{"id": "1", "grade": 1, "size": 60}]} for i in range(EVIDENCE_ROWS + extra)]
    policy_set = load_policies(POLICIES)
    facts = facts_from_document(Document("big.yaml", {"district": "和平区", "schools": schools}))
    findings = Auditor(policy_set, "reference").audit([facts], _dt.date(2022, 12, 31), ["和平区"])
    verdict = next(v for v in findings["verdicts"] if v["check"] == "large-classes.56")
    assert verdict["counts"]["fail"] == len(verdict["evidence"]) == EVIDENCE_ROWS + extra
    page = render(findings, policy_set, "zh")["和平区.html"]
    assert f"另有{extra}条未列出" in page
    assert f"校{EVIDENCE_ROWS - 1} " in page and f"校{EVIDENCE_ROWS + extra - 1} " not in page
