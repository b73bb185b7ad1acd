"""The plain dicts the reports read from the history (auditor/store/views.py)."""
from __future__ import annotations

import json
import os
import shutil

import pytest

from auditor.cli import main
from auditor.store import db, query, views

from recorded_rounds import SHENYANG_2022, rounds_db  # noqa: F401 — the session fixture


@pytest.fixture(scope="module")
def at(rounds_db):
    def view(audit: str, district: str | None = None):
        with db.opened(rounds_db, write=False) as connection:
            a = query.resolve(connection, audit)
            data = views.city_view(connection, a) if district is None else views.district_view(connection, a, district)
        assert json.loads(json.dumps(data)) == data  # plain data, nothing else
        return data
    return view


def test_the_2022_review_of_dadongs_2021_notice(at):
    v = at("5", "大东区")
    notice = v["previous_notice"]
    assert (notice["as_of"], notice["issued"], notice["deadline"]) == ("2021-12-31", "2022-01-14", "2023-01-14")
    items = {i["check"]: i for i in notice["items"]}
    assert (items["large-classes.56"]["state"], items["large-classes.56"]["fixed"], items["large-classes.56"]["total"]) == (
        "not_rectified", 0, 2)
    assert items["large-classes.56"]["label"] == {"zh": "未整改", "en": "not rectified"}
    assert (items["quality-education.pe-hour"]["state"], items["quality-education.pe-hour"]["fixed"]) == ("rectified", 1)
    assert v["previous"]["as_of"] == "2021-12-31" and v["notice"]["number"] == "沈教督〔2023〕1号"


def test_a_district_re_audited_unchanged_keeps_its_notice(at):
    first, again = at("3", "大东区")["notice"], at("4", "大东区")["notice"]  # 2021, before and after 于洪区's correction
    assert first == again and first["audit"] == 3 and first["number"].startswith("沈教督〔2022〕")
    assert at("4", "于洪区")["notice"] is None  # its corrected submission left nothing to rectify


def test_partly_rectified_items_say_how_many(at):
    items = {i["check"]: i for i in at("2", "铁西区")["previous_notice"]["items"]}
    assert (items["large-classes.56"]["state"], items["large-classes.56"]["fixed"], items["large-classes.56"]["total"]) == (
        "partly_rectified", 2, 3)
    assert [f["now"] for f in items["large-classes.56"]["findings"]].count("clear") == 2


def test_items_carried_over_name_the_earlier_notice_and_its_deadline(at):
    carried = {f["item"]: f for f in at("5", "大东区")["carried_over"] if f["check"] == "large-classes.56"}
    old = carried["class:DD001/2-1"]
    assert old["overdue"] and old["first_overdue"]["deadline"] == "2020-04-14"
    assert old["first_overdue"]["number"].startswith("沈教督〔2020〕") and len(old["notices"]) == 3
    recent = carried["class:DD002/4-1"]
    assert not recent["overdue"] and recent["first_overdue"] is None and recent["state"] == "persisting"


def test_comparison_counts_match_the_lists(at):
    comparison = at("5", "大东区")["comparison"]
    assert {k: len(v) for k, v in comparison["findings"].items()} == comparison["counts"]
    assert comparison["counts"]["reopened"] == 1 and comparison["counts"]["overdue"] == 1
    assert comparison["counts"]["rectified"] == 1  # the school's PE time, fixed since 2021 (2019's fixes are not news)


def test_a_round_with_nothing_due_later_has_projections_and_the_2022_round_none(at):
    late = {p["check"]: p for p in at("4", "苏家屯区")["projections"]}
    rate = late["special-groups.disabled-enrolment-district"]  # 2019 reported the rate only: counts from 2020
    assert [v["value"] for v in rate["values"]] == pytest.approx([0.938, 0.945], abs=0.002)  # counts of ~200 children
    assert rate["on_track"] is False and rate["label"]["zh"] == "进度滞后" and rate["deadline"] == "2022-12-31"
    assert late["large-classes.junior-50"]["on_track"] is True
    assert at("5", "苏家屯区")["projections"] == []


def test_city_trends_overdue_and_projections(at):
    city = at("5")
    assert city["rounds"] == ["2019-12-31", "2020-12-31", "2021-12-31", "2022-12-31"]
    dadong = next(d for d in city["districts"] if d["district"] == "大东区")
    assert len(dadong["fail"]) == 4 and dadong["fail"][-1] >= 6
    classes = next(c for c in city["clauses"] if c["clause"] == "二（一）4")["districts_failing"]
    assert classes[0] > classes[1] > classes[2]  # oversized classes: fewer districts each year
    assert ("大东区", "class:DD001/2-1") in {(f["district"], f["item"]) for f in city["overdue"]}
    assert all(f["overdue"] for f in city["overdue"])
    assert set(city["comparison"]) >= {"大东区", "沈阳市"}
    assert "沈北新区" in at("4")["projections"]


def test_a_record_no_longer_reported_cannot_be_told_fixed(tmp_path, capsys):
    subs = tmp_path / "subs"
    shutil.copytree(SHENYANG_2022, subs)
    base = ["audit", str(subs), "--engine", "reference", "--jobs", "1", "--db", str(tmp_path / "h.sqlite")]
    assert main(base + ["--as-of", "2022-12-31", "--issued", "2023-01-16", "--out", str(tmp_path / "a")]) == 0
    path = subs / "03-dd.yaml"
    text = path.read_text(encoding="utf-8")
    line = next(line for line in text.splitlines() if "id: 2-1, grade: 2, size: 57" in line)
    path.write_text(text.replace(line + "\n", ""), encoding="utf-8")  # class 2-1 left out of the ledger
    assert main(base + ["--as-of", "2023-06-30", "--issued", "2023-07-01", "--out", str(tmp_path / "b")]) == 0
    with db.opened(str(tmp_path / "h.sqlite"), write=False) as connection:
        v = views.district_view(connection, query.resolve(connection, "2"), "大东区")
    items = {i["check"]: i for i in v["previous_notice"]["items"]}
    assert items["homework.grades-1-2-none"]["state"] == "unknown"
    assert [(f["now"], f["why"]) for f in items["homework.grades-1-2-none"]["findings"]] == [("unknown", "not_reported")]
    big = items["large-classes.56"]
    assert (big["state"], big["fixed"], big["not_fixed"], big["unknown"]) == ("not_rectified", 0, 1, 1)
    assert os.path.exists(tmp_path / "b" / "findings.json")


def test_the_documents_views_are_each_districts_and_the_citys(rounds_db):
    """report_views (what `auditor audit` hands the renderer) computes each district's view once and the city's from them."""
    with db.opened(rounds_db, write=False) as connection:
        audit = query.resolve(connection, "4")  # the 2021 round after 于洪区's correction: projections too
        data = views.report_views(connection, audit.id)
        covered = [r[0] for r in connection.execute("SELECT district FROM audit_districts WHERE audit_id = ?", (audit.id,))]
        assert sorted(data["districts"]) == sorted(covered) and "沈阳市" in covered
        for district in covered:
            assert data["districts"][district] == views.district_view(connection, audit, district)
        assert data["city"] == views.city_view(connection, audit)
    assert any(v["projections"] for v in data["districts"].values())
