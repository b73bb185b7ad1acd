"""Bidirectional controls never reach a page or a cell (issue 19 item 14).

Intake refuses them (tests/bad: bidi-override.yaml), so this drives the output stage past it: a school
name with U+202E (which reversed the rest of a notice's line and cell) is put into the facts directly,
audited and rendered; no HTML page and no findings.xlsx cell may hold a bidirectional control, while
the name's letters are all still shown.
"""
from __future__ import annotations

import datetime as _dt
import io
import json
import os
import re
import zipfile

from auditor.audit import Auditor
from auditor.intake.submissions import load_submission
from auditor.output.report import render
from auditor.rules.policies import load_policies

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
INPUT = os.path.join(ROOT, "tests", "golden", "input")
BIDI = re.compile("[\u202a-\u202e\u2066-\u2069]")


def test_no_page_or_cell_holds_a_bidirectional_control():
    policy_set = load_policies(os.path.join(INPUT, "policies"))
    facts = load_submission(os.path.join(INPUT, "dd-hostile.yaml"))
    for record in facts.records["school"]:
        record.ident["school_name"] = "第一\u202e学小\u2066x\u2069"
    for record in facts.records["class"]:
        record.ident["school_name"] = "第一\u202e学小\u2066x\u2069"
    findings = Auditor(policy_set, "reference").audit([facts], _dt.date(2022, 12, 31), ["大东区"])
    assert BIDI.search(json.dumps(findings, ensure_ascii=False, default=list)), "the test did not get its name into the findings"
    files = render(findings, policy_set, "zh")
    pages = {name: text for name, text in files.items() if name.endswith(".html")}
    assert any("第一学小x" in text for text in pages.values())
    for name, text in pages.items():
        assert not BIDI.search(text), name
    with zipfile.ZipFile(io.BytesIO(files["findings.xlsx"])) as book:
        for part in book.namelist():
            assert not BIDI.search(book.read(part).decode("utf-8", "replace")), part
