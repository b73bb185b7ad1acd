"""Completeness at every level (auditor/evaluate/completeness.py): records a parent declares or implies but
that were not submitted make every check over them ``missing``, with the parent named.

The property: from submissions whose declared counts are true (every school the district declares, every
class each school declares, class sizes adding up to the school's compulsory-stage enrolment), deleting any
subset of schools, classes and optional fields never turns a verdict into ``pass``. That is exactly the set
of deletions the declarations can detect. Two kinds of deletion are outside it, and the README says so:
a record whose parent declares nothing (a school dropped from a district without ``schools_declared``, a class
dropped from a school that declares neither its classes nor its enrolment), and filed documents, of which
no count is declared (withholding a late document while an on-time one of the same kind is filed is not
detectable from the submission).
"""
from __future__ import annotations

import copy
import datetime as _dt
import os

import pytest
from hypothesis import given, note, settings
from hypothesis import strategies as st

import strategies as gen
from exercised import exercised
from auditor.audit import Auditor
from auditor.evaluate.completeness import find_gaps
from auditor.intake.document import Document
from auditor.intake.submission import facts_from_document
from auditor.rules.policies import load_policies
from conftest import ROOT

POLICY_SET = load_policies(os.path.join(ROOT, "policies"))
WHOLE = gen.everything(POLICY_SET)
REFERENCE = Auditor(POLICY_SET, "reference")
DURABLE = Auditor(POLICY_SET, "durable")
AS_OF = _dt.date(2023, 1, 1)
TRACES = {"schools_declared", "classes_declared", "pupils", "pupils_compulsory"}  # the declarations themselves
COMPULSORY_ONLY = ("primary", "junior", "nine_year")


def facts(*subs):
    return [facts_from_document(Document(f"case[{i}]", copy.deepcopy(s))) for i, s in enumerate(subs)]


def school(ident, stage="primary", sizes=(), **more):
    return {"id": ident, "name": f"{ident}校", "stage": stage, **more,
            "classes": [{"id": str(i), "grade": 1 if stage != "junior" else 7, "size": s} for i, s in enumerate(sizes)]}


# --------------------------------------------------------------------------- the declared rule, case by case
GAPS = [
    ("no classes, pupils on file", [school("a", pupils=900)], {"class": ["no_child_records"]}),
    ("no classes, nothing declared: the stage implies classes", [school("a")], {"class": ["no_child_records"]}),
    ("no classes and no pupils: none expected", [school("a", pupils=0)], {}),
    ("no classes declared and no enrolment on file: none expected", [school("a", classes_declared=0)], {}),
    ("no classes declared but 900 pupils: the pupils win", [school("a", pupils=900, classes_declared=0)], {"class": ["no_child_records"]}),
    ("fewer classes than declared", [school("a", sizes=(40,), classes_declared=2)], {"class": ["fewer_records_than_declared"]}),
    ("classes holding fewer pupils than enrolled", [school("a", sizes=(40,), pupils=41)], {"class": ["records_short_of_total"]}),
    ("a complete ledger", [school("a", sizes=(40, 41), pupils=81, classes_declared=2)], {}),
    ("a twelve-year school counts grades 1-9 only", [school("a", "twelve_year", sizes=(40,), pupils=900, pupils_compulsory=40)], {}),
    ("a twelve-year school without its compulsory count: its pupils are no trace", [school("a", "twelve_year", sizes=(40,), pupils=900)], {}),
]


@pytest.mark.parametrize("name, schools, expected", GAPS, ids=[g[0] for g in GAPS])
def test_gaps_follow_the_declarations(name, schools, expected):
    (f,) = facts({"district": "和平区", "schools": schools})
    gaps = find_gaps(f)
    assert {kind: [reason["code"] for _, reason in pairs] for kind, pairs in gaps.items()} == expected


def test_schools_fewer_than_declared_leave_their_classes_missing_too():
    (f,) = facts({"district": "和平区", "figures": {"schools_declared": 2}, "schools": [school("a", sizes=(40,), pupils=40)]})
    gaps = find_gaps(f)
    assert [r["code"] for _, r in gaps["school"]] == ["fewer_records_than_declared"]
    assert [r["code"] for _, r in gaps["class"]] == ["parent_records_incomplete"]
    assert gaps["class"][0][1]["because"] == gaps["school"][0][1]


@pytest.mark.parametrize("auditor", [REFERENCE, DURABLE], ids=["reference", "durable"])
def test_the_school_is_named_in_the_evidence_and_both_engines_agree(auditor):
    sub = {"district": "大东区", "schools": [school("DD9", pupils=900), school("DD1", sizes=(40, 57), pupils=97)]}
    findings = auditor.audit(facts(sub), _dt.date(2020, 1, 1), ["大东区"])
    verdict = next(v for v in findings["verdicts"] if v["check"] == "large-classes.56")
    assert verdict["status"] == "fail"  # the class of 57 it shows still fails
    gap = next(e for e in verdict["evidence"] if e["problem"] == "missing")
    assert (gap["school"], gap["school_name"], gap["missing"], gap["reason"]["code"]) == ("DD9", "DD9校", ["class records"], "no_child_records")
    assert verdict["counts"]["missing"] == 1
    other = REFERENCE.audit(facts(sub), _dt.date(2020, 1, 1), ["大东区"])
    assert [(v["check"], v["status"], v["counts"]) for v in findings["verdicts"]] == \
        [(v["check"], v["status"], v["counts"]) for v in other["verdicts"]]


def test_a_gap_never_reaches_the_engine():
    """Placeholders are not records: the engine's facts are the submitted records alone."""
    (f,) = facts({"district": "和平区", "schools": [school("a", pupils=900)]})
    DURABLE.audit([f], AS_OF, ["和平区"])
    assert f.gaps and all(r.key.endswith("/*") or r.key.endswith(":*") for pairs in f.gaps.values() for r, _ in pairs)
    assert not any(r.key.endswith("*") for kind in f.records.values() for r in kind)


# --------------------------------------------------------------------------- the property
def declare(sub: dict) -> dict:
    """The submission with true declared counts: the district's schools, each school's classes and
    compulsory-stage enrolment (the class sizes' sum)."""
    sub = copy.deepcopy(sub)
    schools = sub.get("schools") or []
    if schools:
        sub.setdefault("figures", {})["schools_declared"] = len(schools)
    for s in schools:
        classes = s.get("classes") or []
        total = sum(c["size"] for c in classes)
        s["classes_declared"] = len(classes)
        if s["stage"] in COMPULSORY_ONLY:
            s["pupils"] = total
            s.pop("pupils_compulsory", None)
        else:
            s["pupils_compulsory"] = total
            s["pupils"] = max(s.get("pupils", 0), total)
    return sub


@st.composite
def deletions(draw, subs: list[dict]) -> tuple[list[dict], list[str]]:
    """Some schools, classes and optional fields (not the declarations) deleted from ``subs``."""
    subs = copy.deepcopy(subs)
    done = []
    for sub in subs:
        schools = sub.get("schools") or []
        for s in list(schools):
            if draw(st.integers(0, 5)) == 0:
                schools.remove(s)
                done.append(f"{sub['district']}: school {s['id']}")
                continue
            for c in list(s.get("classes") or []):
                if draw(st.integers(0, 4)) == 0:
                    s["classes"].remove(c)
                    done.append(f"{sub['district']}: class {s['id']}/{c['id']}")
        records = [("figures", sub.get("figures") or {})] + [("school", s) for s in schools] + \
                  [("class", c) for s in schools for c in s.get("classes") or []]
        for defname, record in records:
            optional = sorted(k for k in record if k not in TRACES and k not in gen.required(defname) and k != "classes")
            for name in optional:
                if draw(st.integers(0, 7)) == 0:
                    del record[name]
                    done.append(f"{sub['district']}: {defname}.{name}")
    return subs, done


def statuses(findings: dict) -> dict:
    return {(v["district"], v["check"]): v["status"] for v in findings["verdicts"]}


@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_deleting_records_or_fields_never_yields_pass(data):
    """Exercised when something was deleted from a submission in which some check passed."""
    subs = [declare(s) for s in data.draw(gen.submissions(WHOLE), label="submissions")]
    as_of = data.draw(st.sampled_from([_dt.date(2020, 1, 1), _dt.date(2021, 1, 1), _dt.date(2023, 1, 1)]), label="as_of")
    districts = [s["district"] for s in subs]
    before = statuses(REFERENCE.audit(gen.to_facts(subs), as_of, districts))
    stripped, done = data.draw(deletions(subs), label="deletions")
    note(f"deleted: {done}")
    if not all(gen.has_content(s) for s in stripped):
        exercised("deleting records or fields never yields pass", None, "nothing left to audit")
        return
    after = statuses(REFERENCE.audit(gen.to_facts(stripped), as_of, districts))
    turned = {k: (before.get(k), v) for k, v in after.items() if v == "pass" and before.get(k) != "pass"}
    exercised("deleting records or fields never yields pass", bool(done) and "pass" in before.values(),
              "nothing deleted or nothing passed")
    assert not turned, f"deleting {done} turned verdicts into pass: {turned}"
