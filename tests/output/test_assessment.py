"""output/assessment.py and reports/templates/assessment.html: the national standard's assessment page per district
and the city summary's matrix of 差异系数, held against the findings and against a hand computation from the
fixture."""
from __future__ import annotations

import html
import json
import math
import os
import re

import pytest
import yaml

from auditor.cli import main
from auditor.output.formatter import coefficient
from conftest import FIXTURES, POLICIES

REF = "教督〔2017〕6号"


@pytest.fixture(scope="module")
def audited(tmp_path_factory):
    out = tmp_path_factory.mktemp("assessment")
    assert main(["audit", FIXTURES, "--as-of", "2022-12-31", "--out", str(out), "--engine", "reference", "--no-db",
                 "--issued", "2023-01-16", "--policies", POLICIES]) == 0
    with open(out / "findings.json", encoding="utf-8") as handle:
        return out, json.load(handle)


def _page(out, name: str) -> str:
    return (out / name).read_text(encoding="utf-8")


def _by_hand_equipment_cv(file: str) -> tuple[float, float]:
    """The weighted and the plain CV of equipment value per primary pupil, from the fixture file alone: a nine-year
    school's equipment shared 1 : 1.1 per pupil between its stages; special schools and teaching points under 50
    pupils left out."""
    with open(os.path.join(FIXTURES, file), encoding="utf-8") as handle:
        data = yaml.safe_load(handle)
    pairs = []
    for s in data["schools"]:
        if s.get("school_type") == "special" or s.get("school_type") == "teaching_point" and s["pupils"] < 50:
            continue
        if s["stage"] == "primary":
            pupils, value = s["pupils"], s["equipment_value"]
        elif s["stage"] == "nine_year":
            pupils = s["pupils_primary"]
            value = s["equipment_value"] * pupils / (pupils + 1.1 * s["pupils_junior"])
        else:
            continue
        pairs.append((value / pupils, pupils))
    total = sum(p for _, p in pairs)
    mean = sum(x * p for x, p in pairs) / total
    weighted = math.sqrt(sum(p / total * (x - mean) ** 2 for x, p in pairs)) / mean
    plain_mean = sum(x for x, _ in pairs) / len(pairs)
    plain = math.sqrt(sum((x - plain_mean) ** 2 for x, _ in pairs) / len(pairs)) / plain_mean
    return weighted, plain


def test_the_cv_computed_by_hand_from_the_fixture_matches_the_findings_and_the_pages(audited):
    out, findings = audited
    weighted, plain = _by_hand_equipment_cv("05-tx.yaml")
    verdict = next(v for v in findings["verdicts"] if v["district"] == "铁西区" and v["check"] == "nat-resources.cv-equipment-primary")
    note = verdict["measures"]["cv_equipment_primary"]
    assert note["value"] == pytest.approx(weighted, rel=1e-12) and verdict["status"] == "fail"
    assert weighted > 0.5 >= plain  # the weighted CV fails where the plain one, as spreadsheets compute it, passes
    page = _page(out, "铁西区-优质均衡评估.html")
    row = re.search(r'<tr id="v-nat-resources.cv-equipment-primary" data-status="fail">.*?</tr>', page, re.S).group()
    assert f'data-cv="{weighted:.3f}"' in row and ">0.553<" in row
    index = _page(out, "index.html")
    assert re.search(r'data-district="铁西区" data-status="fail"[^>]*><a href="铁西区-优质均衡评估.html#v-nat-resources.cv-equipment-primary">0.553</a>', index)


def test_every_cv_on_every_page_is_the_findings_value_to_three_decimals(audited):
    out, findings = audited
    for v in findings["verdicts"]:
        if v["document"] != REF or not v["check"].startswith("nat-resources.cv-") or v["district"] == "沈阳市":
            continue
        (note,) = v["measures"].values()
        page = _page(out, f"{v['district']}-优质均衡评估.html")
        row = re.search(rf'<tr id="v-{re.escape(v["check"])}" data-status="{v["status"]}">.*?</tr>', page, re.S).group()
        if note.get("value") is None:
            assert v["status"] == "missing" and 'data-cv=""' in row
        else:
            assert f'data-cv="{coefficient(note["value"], 0.5 if v["check"].endswith("primary") else 0.45)}"' in row


def test_the_overall_result_and_what_holds_it_back(audited):
    out, findings = audited
    met = _page(out, "和平区-优质均衡评估.html")
    assert 'data-result="met"' in met and "达到国家优质均衡标准" in met and "未达到" not in met
    tiexi = _page(out, "铁西区-优质均衡评估.html")
    assert 'data-result="not_met"' in tiexi and "未达标2项，数据缺失0项，待督导室复核0项" in tiexi
    holding = re.search(r'<table class="wide holding">.*?</table>', tiexi, re.S).group()
    assert holding.count("<tr data-status=") == 2 and "生均教学仪器设备值校际差异系数" in holding and "第六条（四）" in holding
    yh = _page(out, "于洪区-优质均衡评估.html")  # no failure, data lacking: not met, and says why
    assert 'data-result="not_met"' in yh and "不能认定达到" in yh
    for district in ("和平区", "铁西区", "于洪区"):
        mine = [v for v in findings["verdicts"] if v["district"] == district and v["document"] == REF]
        assert (f'data-result="met"' in _page(out, f"{district}-优质均衡评估.html")) == all(
            v["status"] in ("pass", "not_applicable") for v in mine)


def test_the_school_table_marks_each_value(audited):
    out, findings = audited
    verdict = next(v for v in findings["verdicts"] if v["district"] == "大东区" and v["check"] == "nat-resources.primary-schools")
    failing = [r for r in verdict["indicators"]["records"] if r["status"] == "fail"]
    assert len(failing) == 1 and failing[0]["marks"]["sports_area_per_pupil"] == "below"
    assert list(failing[0]["marks"].values()).count("met") == 6
    page = _page(out, "大东区-优质均衡评估.html")
    row = re.search(rf'<tr data-status="fail"><td class="name">{failing[0]["school_name"]}</td>.*?</tr>', page, re.S).group()
    assert row.count('data-mark="met"') == 6 and row.count('data-mark="below"') == 1
    marks = re.findall(r'data-mark="(\w+)"', page)
    expected = [r["marks"][item["field"]] for v in findings["verdicts"] if v["district"] == "大东区" and v.get("indicators")
                for r in v["indicators"]["records"] for item in v["indicators"]["items"]]
    assert marks == expected


def test_the_district_report_lists_the_standards_failures_and_points_to_the_page(audited):
    out, findings = audited
    report = _page(out, "铁西区.html")
    passed = sum(1 for v in findings["verdicts"] if v["district"] == "铁西区" and v["document"] == REF and v["status"] == "pass")
    assert f"{REF}的达标事项{passed}项，逐项列于" in report and 'href="铁西区-优质均衡评估.html"' in report
    assert "教督〔2017〕6号 第五条" in report  # its failed CV, cited with its document
    assert 'id="v-nat-resources.cv-equipment-primary"' in report and 'id="v-nat-class-size.primary-45"' not in report


def test_english_and_a_hostile_school_name(tmp_path):
    name = '<script>window.__pwned=1</script>小学'
    school = {"id": "s1", "name": name, "stage": "primary", "school_type": "regular", "pupils": 1000, "teachers_associate_plus": 42,
              "backbone_teachers": 10, "pe_arts_teachers": 9, "teaching_area": 4500, "sports_area": 7500, "equipment_value": 2000000,
              "multimedia_rooms": 23}
    sub = tmp_path / "s.yaml"
    sub.write_text(yaml.safe_dump({"district": "和平区", "schools": [school]}, allow_unicode=True), encoding="utf-8")
    out = tmp_path / "out"
    assert main(["audit", str(sub), "--districts", "和平区", "--as-of", "2022-12-31", "--out", str(out), "--no-db", "--lang", "en",
                 "--policies", os.path.join(POLICIES, "national-2017-6")]) == 0
    page = (out / "和平区-national-standard-assessment.html").read_text(encoding="utf-8")
    assert html.escape(name, quote=False) in page and name not in page
    assert "Does not meet the national high-quality balance standard" in page and "<script" not in page


@pytest.mark.parametrize("value, at_least, shown", [
    (4.1996, 4.2, "4.1996"),   # two decimals would show the threshold itself for a figure that misses it
    (4.2, 4.2, "4.2"), (4.2049, 4.2, "4.2"),  # the threshold met (rounded up to it by two decimals: met, shown as it)
    (5.678, 4.2, "5.68"), (12, 4.2, "12"), (0.004, 0.0, "0.004"), (None, 4.2, "—"),
])
def test_a_school_figure_is_shown_as_figure_rounds_it_and_remembered_apart_by_field(value, at_least, shown):
    """_stage's cells: each figure as figure() rounds it, with its field's unit, the same when it comes back (the texts
    are remembered per field and figure) and for another field with another unit."""
    from auditor.output.assessment import _stage, figure
    from auditor.output.formatter import Formatter
    from auditor.rules.policies import load_policies

    fmt = Formatter(load_policies(POLICIES), "zh")
    fields = ["teaching_area_per_pupil", "backbone_per100"]
    items = [{"field": f, "at_least": at_least} for f in fields]
    record = {"record": "S1", "school_name": "一校", "status": "met", "values": {f: value for f in fields},
              "marks": {f: "met" for f in fields}}
    v = {"check": "x", "title": {"zh": "x"}, "status": "pass", "indicators": {"items": items, "records": [record, record],
                                                                            "k": 1, "floor": 0.85}}
    for _ in range(2):
        stage = _stage(v, {}, fmt)
        for row in stage["schools"]:
            texts = [c["text"] for c in row["cells"]]
            expected = [fmt.quantity(f, figure(value, at_least)) if value is not None else "—" for f in fields]
            assert texts == expected and texts[0].startswith(shown)
    if value is not None:
        assert texts[0] != texts[1]  # 平方米 and 人: remembered per field
