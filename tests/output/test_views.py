"""A verdict as the documents show it (auditor/output/views.py): rows, progress, remedies, headline."""
from __future__ import annotations

import os

import pytest

from auditor.output.formatter import Formatter
from auditor.output.views import (default_remedy, evidence_rows, headline, missing_rows, progress, rectification_items, target,
                                  units, view, worklist)
from auditor.rules.policies import load_policies
from conftest import ROOT

POLICY_SET = load_policies(os.path.join(ROOT, "policies"))
ZH, EN = Formatter(POLICY_SET, "zh"), Formatter(POLICY_SET, "en")


def verdict(**fields) -> dict:
    base = {"district": "和平区", "clause": "二（一）4", "check": "x.check", "title": {"zh": "标题", "en": "Title"},
            "status": "fail", "severity": "major", "due": "2023-12-31", "requirement": "size <= 45", "responsible": ["市教育局"],
            "counts": {"checked": 3, "pass": 1, "fail": 1, "missing": 1, "not_applicable": 0}, "evidence": []}
    return {**base, **fields}


@pytest.mark.parametrize("requirement, observed, expected", [
    ("disabled_enrolment_rate >= 0.97", {"disabled_enrolment_rate": 0.951},
     {"kind": "figure", "label": "残疾儿童少年义务教育入学率", "value": "95.1%", "target": "≥ 97%", "percent": 98.0}),
    ("0.97 <= disabled_enrolment_rate", {"disabled_enrolment_rate": 0.951},
     {"kind": "figure", "value": "95.1%", "target": "≥ 97%", "percent": 98.0}),  # the tree, not the text's order
    ("dropouts_not_returned <= 3", {"dropouts_not_returned": 5}, {"kind": "figure", "value": "5", "target": "≤ 3"}),
    ("practice_room_share >= 0.5 and demo_schools_created >= 1", {"practice_room_share": 0.2},
     {"kind": "records", "complying": 1, "applicable": 3, "percent": 33.3}),
    ("disabled_enrolment_rate >= 0.97", {}, {"kind": "records", "complying": 1, "applicable": 3}),
])
def test_progress_takes_one_field_against_a_number_from_the_tree(requirement, observed, expected):
    got = progress(verdict(status="not_due", requirement=requirement, observed=observed), ZH, "2022-12-31")
    assert got["days_left"] == 365
    assert {k: got.get(k) for k in expected} == expected
    if "percent" not in expected and expected["kind"] == "figure":
        assert "percent" not in got  # an upper limit has no progress bar


def test_target_is_none_for_anything_but_one_field_against_a_number():
    assert target("size <= 45") == ("size", "<=", 45)
    assert target(None) is None and target('stage == "primary"') is None and target("teachers >= teacher_posts") is None


def test_evidence_rows_show_the_requirements_fields_in_words():
    v = verdict(evidence=[{"problem": "fail", "record": "S1/1-1", "school_name": "一校", "class": "1-1", "grade": 1,
                           "values": {"size": 57, "stage": "primary"}, "requirement": "size <= 45",
                           "message": {"zh": "一校 班额57人", "en": "一校: 57 pupils"}},
                          {"problem": "missing", "record": "S1/1-2", "missing": ["size"], "owed_by": "和平区"}])
    (row,) = evidence_rows(v, ZH)
    assert row == {"n": 1, "record": "S1/1-1", "unit": "一校", "class": "1年级 1-1班", "value": "班额 57人",
                   "limit": "班额不超过45人", "message": "一校 班额57人"}
    (row,) = evidence_rows(v, EN)
    assert (row["class"], row["value"], row["limit"]) == ("grade 1, 1-1", "class size 57", "class size is at most 45")


def test_missing_rows_say_what_is_lacking_from_the_reason():
    v = verdict(status="missing", evidence=[
        {"problem": "missing", "record": "class:*", "missing": ["class records"], "owed_by": "和平区",
         "reason": {"code": "no_records", "kind": "class"}},
        {"problem": "missing", "record": "document:*", "missing": ['kind == "safety_ledger"'], "owed_by": "和平区",
         "reason": {"code": "no_match", "kind": "document", "filter": 'kind == "safety_ledger"'}},
        {"problem": "missing", "record": "S2", "school_name": "二校", "missing": ["pupils", "rural"], "owed_by": "和平区"},
        {"problem": "missing", "record": "district", "district": "和平区", "missing": ["practice_room_share"], "owed_by": "和平区",
         "because": [{"status": "missing", "reason": {"code": "records_lack_data", "kind": "school", "count": 1},
                      "lacking": [{"key": "S3", "school_name": "三校", "district": "和平区", "missing": ["has_practice_room"]}]}]},
    ])
    rows = missing_rows(v, ZH)
    assert [(r["unit"], r["lacks"], r["via"], r["reason"]) for r in rows] == [
        ("", "班级台账", "", "未报送班级台账"),
        ("", "报备文件“学校安全工作台账”", "", "没有符合条件（文件类别为学校安全工作台账）的报备文件记录"),
        ("二校", "在校生数、乡村学校", "", ""),
        ("三校", "有综合实践活动专用教室", "有综合实践活动专用教室的学校占比", "1条学校记录缺少数据"),
    ]
    assert [r["n"] for r in rows] == [1, 2, 3, 4]
    assert missing_rows(v, EN)[0]["reason"] == "no class records submitted"
    remedy = default_remedy(v, ZH)
    assert remedy.startswith("补报“标题”所需数据（") and "班级台账" in remedy and "在校生数、乡村学校" in remedy


def test_default_remedy_points_to_the_standard_beside_it():
    assert default_remedy(verdict(), ZH) == "逐项整改上述问题，使其符合判定标准；整改完成后报送整改情况及佐证材料。"
    assert "requirement" in default_remedy(verdict(), EN)
    manual = default_remedy(verdict(method="manual"), ZH)
    assert "“标题”" in manual and "督导室复核" in manual


def test_rectification_items_failures_first_then_in_plan_order_without_pending_reviews():
    checks = [c.id for c in POLICY_SET.checks]
    first, second, third, manual = checks[0], checks[10], checks[20], next(c.id for c in POLICY_SET.checks if c.method == "manual")
    vs = [verdict(check=first, status="missing", severity="critical",
                  evidence=[{"problem": "missing", "record": "S", "school_name": "一校", "missing": ["pupils"], "owed_by": "和平区"}]),
          verdict(check=third, severity="critical"), verdict(check=second, severity="minor"), verdict(check="d", status="pass"),
          verdict(check=manual, status="missing", method="manual",
                  evidence=[{"problem": "missing", "record": "document:*", "missing": ["x"], "owed_by": "和平区"}])]
    items = rectification_items(vs, ZH, {}, "2023-01-30")
    assert [(i["n"], i["check"]) for i in items] == [(1, second), (2, third), (3, first)]  # the severity does not reorder
    assert items[2]["problem"] == ["一校 缺少在校生数"] and items[0]["requirement_text"] == "班额不超过45人"
    assert manual not in [i["check"] for i in items]  # the office's own pending review is not the district's to do
    assert [w["title"] for w in worklist(vs, ZH, {"和平区": "和平区.html"})] == ["标题"]
    failed_review = rectification_items([verdict(check=manual, method="manual")], ZH, {}, "2023-01-30")
    assert failed_review[0]["requirement_text"] == "经督导室人工复核：标题"  # a review that concluded "not met" is a finding


def test_units_name_the_addressee_and_the_city_departments_apart():
    v = verdict(responsible=["各区、县（市）政府", "市教育局", "市公安局"],
                responsible_units={"district": ["各区、县（市）政府"], "city": ["市教育局", "市公安局"]})
    assert units(v, "皇姑区", ZH) == (["皇姑区人民政府"], ["市教育局", "市公安局"])
    assert units(v, "沈阳市", ZH) == (["各区、县（市）政府", "市教育局", "市公安局"], [])  # the city's notice: the plan's list
    assert units(verdict(), "皇姑区", ZH) == (["市教育局"], [])  # a list without levels is shown as it is


def test_headline():
    counts = {"fail": 2, "missing": 0, "not_due": 1, "waived": 0, "pass": 4, "not_applicable": 0}
    assert headline(counts, ZH) == "本次督导共核查7项：未达标2项，未到期1项，达标4项。"
    assert headline(counts, EN) == "7 checks: 2 fail, 1 not yet due, 4 pass."


@pytest.mark.parametrize("status, remedy, expected", [
    ("fail", {"zh": "分流超额学生，将班额降至55人以内"}, "分流超额学生，将班额降至55人以内"),  # the policy's, for a failure
    ("fail", None, "逐项整改上述问题"),
    # data the district owes: to supply it — never the policy's remedy for a failure (于洪区 was told to 分流超额学生
    # for a class ledger it had not sent in full)
    ("missing", {"zh": "分流超额学生，将班额降至55人以内"}, "补报“标题”所需数据（在校生数）"),
    ("missing", None, "补报“标题”所需数据（在校生数）"),
])
def test_a_notice_item_asks_for_what_the_district_owes(status, remedy, expected):
    evidence = [{"problem": "missing", "record": "S", "school_name": "一校", "missing": ["pupils"], "owed_by": "和平区"}] \
        if status == "missing" else [{"problem": "fail", "record": "S/1-1", "school_name": "一校", "class": "1-1", "grade": 1,
                                      "values": {"size": 57}, "message": {"zh": "班额57人"}}]
    v = verdict(status=status, evidence=evidence, **({"remedy": remedy} if remedy else {}))
    (item,) = rectification_items([v], ZH, {}, "2023-01-30")
    assert expected in item["remedy"] and item["remedy_given"] == (status == "fail" and remedy is not None)
    assert "分流超额学生" not in item["remedy"] or status == "fail"


def test_rectification_items_from_the_reports_views_are_the_items_made_afresh():
    """The report hands its views (check -> view) to rectification_items, which then reuses their evidence rows and
    gaps instead of making them again: the items must be the same, the default remedy of a missing check too."""
    checks = [c.id for c in POLICY_SET.checks]
    vs = [verdict(check=checks[0], status="missing",
                  evidence=[{"problem": "missing", "record": "S", "school_name": "一校", "missing": ["pupils"], "owed_by": "和平区"},
                            {"problem": "missing", "record": "T", "school_name": "二校", "missing": ["teachers"], "owed_by": "和平区"}]),
          verdict(check=checks[5], evidence=[{"problem": "fail", "record": f"S{i}/1-{i}", "school_name": f"{i}校", "class": f"1-{i}",
                                              "grade": 1, "values": {"size": 50 + i}, "message": {"zh": f"班额{50 + i}人"}}
                                             for i in range(5)]),
          verdict(check=checks[9], remedy={"zh": "按期整改"}), verdict(check="d", status="pass")]
    for fmt in (ZH, EN):
        views = {v["check"]: view(v, fmt, "2022-12-31") for v in vs}
        assert rectification_items(vs, fmt, {}, "2023-01-30", views) == rectification_items(vs, fmt, {}, "2023-01-30")
    items = rectification_items(vs, ZH, {}, "2023-01-30", {v["check"]: view(v, ZH, "2022-12-31") for v in vs})
    assert [i["more"] for i in items] == [2, 0, 0] and "在岗教师数、在校生数" in items[2]["remedy"]  # from the view's gaps
