"""Stable finding identity and check definitions (auditor/store/identity.py)."""
from __future__ import annotations

import datetime as _dt
import os
import shutil

import pytest
import yaml

from auditor.audit import Auditor
from auditor.intake.document import Document
from auditor.intake.submission import facts_from_document
from auditor.rules.policies import load_policies
from auditor.store import identity

from recorded_rounds import POLICIES, SHENYANG_2022

with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "identity.yaml"), encoding="utf-8") as _handle:
    CASES = yaml.safe_load(_handle)["cases"]


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_items(case):
    verdict = {"applies_to": case.get("applies_to"), "evidence": case["evidence"]}
    assert [item for item, _ in identity.verdict_items(verdict)] == case["items"]


def test_a_document_keeps_its_identity_when_the_list_is_reordered():
    policy_set = load_policies(POLICIES)
    with open(os.path.join(SHENYANG_2022, "07-hn.yaml"), encoding="utf-8") as handle:
        data = yaml.safe_load(handle.read())
    reordered = {**data, "documents": list(reversed(data["documents"]))}
    auditor = Auditor(policy_set, "reference")

    def items(d):
        findings = auditor.audit([facts_from_document(Document("hn.yaml", _dates(d)))], _dt.date(2022, 12, 31), ["浑南区"])
        return {(v["check"], item) for v in findings["verdicts"] for item, _ in identity.verdict_items(v)}, \
            {e["record"] for v in findings["verdicts"] for e in v["evidence"]}

    (first, records_first), (second, records_second) = items(data), items(reordered)
    assert first == second and ("layout.plan-filed", "document:layout_plan") in first
    assert records_first != records_second  # the evidence's own list index did change


def _dates(data):
    """yaml.safe_load made dates; the submission loader keeps them as text."""
    if isinstance(data, dict):
        return {k: _dates(v) for k, v in data.items()}
    if isinstance(data, list):
        return [_dates(v) for v in data]
    return data.isoformat() if isinstance(data, _dt.date) else data


def test_inventory_holds_every_record_the_district_submitted():
    with open(os.path.join(SHENYANG_2022, "03-dd.yaml"), encoding="utf-8") as handle:
        data = _dates(yaml.safe_load(handle.read()))
    facts = facts_from_document(Document("dd.yaml", data))
    items = set(identity.inventory(facts))
    classes = {f"class:{s['id']}/{c['id']}" for s in data["schools"] for c in s["classes"]}
    assert classes <= items and {f"school:{s['id']}" for s in data["schools"]} <= items
    assert {f"document:{d['kind']}" for d in data["documents"]} <= items
    assert {"district", "class:*", "school:*", "document:*"} <= items
    # a school with classes on file: its class list's completeness is judged again (the gap item class:<code>/*)
    assert {f"class:{s['id']}/*" for s in data["schools"] if s["classes"]} <= items
    assert not any(i.endswith("/*") and i[len("class:"):-2] not in {s["id"] for s in data["schools"]}
                   for i in items if i.startswith("class:") and i != "class:*")
    assert identity.present("document:school_closure/A号#2", {"document:school_closure/A号"})


@pytest.mark.parametrize("stand_in, item, covered", [
    ("class:*", "class:DD001/2-1", True),           # no class ledger at all: it stood for every class
    ("class:*", "class:DD001/*", True),             # ... and for a school's list found short later
    ("class:DD001/*", "class:DD001/2-1", True),     # a school's short list: its own classes
    ("class:DD001/*", "class:DD002/4-1", False),    # ... not another school's
    ("class:DD001/*", "class:DD0011/1-1", False),   # ... nor a school whose code merely starts the same
    ("school:*", "school:DD009", True),
    ("school:*", "school_stage:DD008/primary", False),
    ("document:*", "document:layout_plan", True),
    ("submission", "district", True),               # a district that sent nothing: everything
    ("class:DD001/2-1", "class:DD001/2-1", False),  # a record stands for itself only
    ("class:DD001/2-1", "class:DD001/2-2", False),
    ("district", "district", False),
    ("class:*", "class:*", False),
])
def test_what_a_placeholder_for_missing_data_stood_for(stand_in, item, covered):
    assert identity.covers(stand_in, item) is covered
    assert identity.placeholder(stand_in) == (stand_in in ("class:*", "class:DD001/*", "school:*", "document:*", "submission"))


@pytest.mark.parametrize("text, kind", [
    ('kind == "layout_plan"', "layout_plan"), ('"layout_plan" == kind', "layout_plan"),
    ('kind == "manual_review" and review_of == "x"', "manual_review"), ('kind != "layout_plan"', None),
    ('kind == "a" or kind == "b"', None), (None, None), ("kind ==", None)])
def test_pinned_kind(text, kind):
    assert identity.pinned_kind(text) == kind


EDITS = [  # (file, old text, new text, does the definition of `check` change?)
    ("2-1-4-large-classes.yaml", "large-classes.56", "{zh: 消除56人以上大班额,", "{zh: 消除五十六人以上大班额,", False),
    ("2-1-4-large-classes.yaml", "large-classes.56", "班额{{ size }}人，超过55人", "班额{{ size }}人（超过55人）", False),
    ("2-1-4-large-classes.yaml", "large-classes.56", "remedy: {zh: 分流超额学生", "remedy: {zh: 尽快分流超额学生", False),
    ("2-1-4-large-classes.yaml", "large-classes.56", "    due: 2019-12-31\n    require: size <= 55\n", "    due: 2019-12-31\n    require: size<=55\n", False),
    ("2-1-4-large-classes.yaml", "large-classes.56", "    due: 2019-12-31\n    require: size <= 55\n    severity: major", "    due: 2019-12-31\n    require: size <= 55\n    severity: minor", False),
    ("2-1-4-large-classes.yaml", "large-classes.56", "    due: 2019-12-31\n    require: size <= 55\n", "    due: 2019-12-31\n    require: size <= 54\n", True),
    ("2-1-4-large-classes.yaml", "large-classes.56", "    due: 2019-12-31\n    require: size <= 55\n", "    due: 2020-12-31\n    require: size <= 55\n", True),
    ("2-1-4-large-classes.yaml", "large-classes.no-new", "where: grade in [1, 7]", "where: grade in [1]", True),
    ("2-1-4-large-classes.yaml", "large-classes.ledger", "    if_none: missing\n    due: 2022-12-31", "    if_none: not_applicable\n    due: 2022-12-31", True),
    ("1-overall-goals.yaml", "overall-goals.coverage", "params: {target: 0.9}", "params: {target: 0.85}", True),
    ("1-overall-goals.yaml", "overall-goals.coverage", "- {due: 2020-12-31, params", "- {due: 2021-06-30, params", True),
    ("2-2-10-practice.yaml", "practice.room-share-50", "    that: has_practice_room", "    where: rural\n    that: has_practice_room", True),
    ("2-2-10-practice.yaml", "practice.room-share-50", "{zh: 有综合实践活动专用教室的学校占比,", "{zh: 有专用教室的学校占比,", False),
]


@pytest.mark.parametrize("file, check, old, new, changes", EDITS, ids=[f"{e[1]}: {e[3][:30]}" for e in EDITS])
def test_the_definition_changes_with_what_decides_verdicts_only(tmp_path, file, check, old, new, changes):
    before = load_policies(POLICIES)
    folder = tmp_path / "policies"
    shutil.copytree(POLICIES, folder)
    path = folder / "shenyang-2019-23" / file
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, old
    path.write_text(text.replace(old, new), encoding="utf-8")
    after = load_policies(str(folder))

    def definitions(policy_set):
        measures = {m.id: m for m in policy_set.measures}
        return {c.id: identity.definition(c, measures) for c in policy_set.checks}

    a, b = definitions(before), definitions(after)
    assert (a[check] != b[check]) is changes
    assert {c for c in a if a[c] != b[c]} <= {check}  # no other check's definition moved
