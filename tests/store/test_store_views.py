"""The plain dicts the reports read from the history (auditor/store/views.py)."""
from __future__ import annotations

import json
import os
import shutil

import pytest

from auditor.cli import main
from auditor.store import db, history, query, views

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


def test_a_corrected_submission_reviews_the_notice_issued_on_the_first(at):
    """于洪区's corrected 2021 submission answers 沈教督〔2022〕8号, issued on its first one in the same round: its report's
    复查 reviews that notice (every item now rectified), not 2019's again; a district re-audited unchanged keeps
    reviewing the round before's notice (its own notice of this round is not its own re-inspection)."""
    first, corrected = at("3", "于洪区"), at("4", "于洪区")
    issued = first["notice"]
    assert issued["number"].startswith("沈教督〔2022〕") and issued["audit"] == 3
    review = corrected["previous_notice"]
    assert (review["number"], review["audit"]) == (issued["number"], 3)
    assert sum(i["total"] for i in review["items"]) == issued["items"] and {i["state"] for i in review["items"]} == {"rectified"}
    assert at("4", "大东区")["previous_notice"]["number"] == at("3", "大东区")["previous_notice"]["number"]
    assert at("4", "大东区")["previous_notice"]["as_of"] == "2020-12-31"


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


# ----------------------------------------------------------------------------- the re-inspection of a notice (复查)
ROUNDS_DIR = os.path.join(os.path.dirname(SHENYANG_2022), "rounds")
OLD_POLICIES = os.path.join(ROUNDS_DIR, "policies-2019-2021")
DEFERRAL = """waivers:
  - id: dd-56
    document: {ref: 沈教发〔2022〕31号, date: 2022-06-15, approved_by: 沈阳市教育局}
    reason: 经批准暂缓
    scope: {district: 大东区, check: large-classes.56}
    valid_from: 2022-06-15
    valid_until: 2023-03-31
"""


def two_rounds(folder, first: str, first_args: list[str], second_args: list[str]) -> str:
    """大东区 audited in 2021 from ``first``, then in 2022 from the fixture round's submission; the store's path."""
    store = str(folder / "h.sqlite")
    common = ["--districts", "大东区", "--engine", "reference", "--jobs", "1", "--db", store, "--quiet"]
    assert main(["audit", first, "--as-of", "2021-12-31", "--issued", "2022-01-14", "--rectify-days", "90",
                 "--out", str(folder / "2021"), *common, *first_args]) == 0
    assert main(["audit", os.path.join(SHENYANG_2022, "03-dd.yaml"), "--as-of", "2022-12-31", "--issued", "2023-01-16",
                 "--out", str(folder / "2022"), *common, *second_args]) == 0
    return store


@pytest.fixture(scope="module")
def deferred(tmp_path_factory):
    """2021: two classes over 55 named by 沈教督〔2022〕1号 (due 2022-04-14); 2022: still over 55, under an approved
    deferral in force (沈教发〔2022〕31号, to 2023-03-31)."""
    folder = tmp_path_factory.mktemp("deferred")
    (folder / "waivers").mkdir()
    (folder / "waivers" / "w.yaml").write_text(DEFERRAL, encoding="utf-8")
    return folder, two_rounds(folder, os.path.join(ROUNDS_DIR, "2021", "03-dd.yaml"), ["--policies", OLD_POLICIES],
                              ["--waivers", str(folder / "waivers")])


@pytest.fixture(scope="module")
def ledger_supplied(tmp_path_factory):
    """2021: the class ledger missing (every class check names its placeholders, 数据缺失); 2022: the ledger supplied,
    with classes of 57 and 56 pupils and 20 minutes of homework in grade 2."""
    import yaml
    folder = tmp_path_factory.mktemp("ledger")
    with open(os.path.join(ROUNDS_DIR, "2021", "03-dd.yaml"), encoding="utf-8") as handle:
        data = yaml.safe_load(handle)
    for school in data["schools"]:
        school.pop("classes", None)
    path = folder / "dd21-nocls.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return folder, two_rounds(folder, str(path), [], [])


def view_of(store: str, audit: str = "2", district: str = "大东区") -> dict:
    with db.opened(store, write=False) as connection:
        return views.district_view(connection, query.resolve(connection, audit), district)


def test_a_deferral_in_force_is_waived_not_overdue(deferred):
    _, store = deferred
    v = view_of(store)
    item = next(i for i in v["previous_notice"]["items"] if i["check"] == "large-classes.56")
    assert (item["state"], item["fixed"], item["not_fixed"], item["waived"], item["total"]) == ("waived", 0, 0, 2, 2)
    assert item["label"] == {"zh": "已豁免", "en": "waived"}
    assert {f["now"] for f in item["findings"]} == {"waived"}
    assert {f["waiver"]["document"]["ref"] for f in item["findings"]} == {"沈教发〔2022〕31号"}
    compared = v["comparison"]["findings"]
    assert [f["item"] for f in compared["waived"]] == ["class:DD001/2-1", "class:DD002/4-1"]
    assert all(f["check"] != "large-classes.56" for f in compared["overdue"] + compared["persisting"])
    assert all(f["check"] != "large-classes.56" for f in v["carried_over"])
    with db.opened(store, write=False) as connection:
        city = views.city_view(connection, query.resolve(connection, "2"))
        found = history.history(connection, "大东区", "large-classes.56")
    assert all(f["check"] != "large-classes.56" for f in city["overdue"])
    assert [(f["state"], [r["status"] for r in f["rounds"]]) for f in found["findings"]] == [
        ("waived", ["fail", "waived"]), ("waived", ["fail", "waived"])]
    assert found["counts"]["overdue"] == 0 and found["counts"]["waived"] == 2


@pytest.mark.parametrize("scenario", ["deferred", "ledger_supplied"])
def test_every_overdue_item_is_on_the_new_notice_or_says_it_is_not(scenario, request):
    """The summary's overdue list links 本次整改通知 only for the items that notice names. (One district's audits:
    the city's own targets are not judged in them, so the items are 大东区's — none of them the deferred classes.)"""
    _, store = request.getfixturevalue(scenario)
    with db.opened(store, write=False) as connection:
        audit = query.resolve(connection, "2")
        listed = {(d, f) for d, f in connection.execute(
            "SELECT n.district, i.finding_id FROM notice_items i JOIN notices n ON n.id = i.notice_id WHERE n.audit_id = ?",
            (audit.id,))}
        ids = {(d, c, i): fid for fid, d, c, i in connection.execute("SELECT id, district, check_id, item FROM findings")}
        city = views.city_view(connection, audit)
    if scenario == "ledger_supplied":
        assert city["overdue"]  # the classes of 57 and 56 pupils, named in 2021 and past their deadline
    assert not any(f["check"] == "large-classes.56" and f["district"] == "大东区" for f in city["overdue"]) \
        or scenario != "deferred"  # deferred (暂缓), never overdue
    for f in city["overdue"]:
        assert f["in_notice"] == ((f["district"], ids[(f["district"], f["check"], f["item"])]) in listed)


def test_placeholders_gone_while_the_check_fails_on_their_records_are_not_rectified(ledger_supplied):
    _, store = ledger_supplied
    items = {i["check"]: i for i in view_of(store)["previous_notice"]["items"]}
    with db.opened(store, write=False) as connection:
        now = dict(connection.execute("SELECT check_id, status FROM verdicts WHERE audit_id = 2 AND district = '大东区'"))
    for check, item in items.items():  # a check that still fails is never 已整改
        assert item["state"] != "rectified" or now[check] not in ("fail", "missing"), check
    big = items["large-classes.56"]
    assert (big["state"], big["fixed"], big["not_fixed"], big["total"]) == ("partly_rectified", 16, 3, 19)
    replaced = {f["item"]: [r["item"] for r in f["instead"]] for f in big["findings"] if f.get("instead")}
    assert replaced == {"class:*": ["class:DD001/2-1", "class:DD002/4-1"], "class:DD001/*": ["class:DD001/2-1"],
                        "class:DD002/*": ["class:DD002/4-1"]}
    assert {f["now"] for f in big["findings"] if f["item"] in replaced} == {"fail"}
    homework = items["homework.grades-1-2-none"]
    assert (homework["state"], homework["not_fixed"]) == ("partly_rectified", 2)
    assert items["large-classes.no-new"]["state"] == "rectified"  # its records pass now: the data supplied fixed it
    # 与上次督导比较, `auditor history` and `auditor compare` say the same of each placeholder as the 复查 does: one
    # that the review finds failing on its records is not 已整改 (overdue: the notice's deadline has passed), and
    # names those records; one whose records pass is
    v = view_of(store)
    compared = {(f["check"], f["item"]): f for rows in v["comparison"]["findings"].values() for f in rows}
    with db.opened(store, write=False) as connection:
        lives = {(f["check"], f["item"]): f for f in history.history(connection, "大东区")["findings"]}
        rows = {(f["check"], f["item"]): f for d in history.compare(connection, query.resolve(connection, "1"),
                                                                    query.resolve(connection, "2"))["districts"]
                for c in d["clauses"] for f in c["findings"]}
    for check, item in items.items():
        for f in item["findings"]:
            key = (check, f["item"])
            expected = "overdue" if f["now"] in ("fail", "missing") else "rectified" if f["now"] == "clear" else None
            if expected is None or f["then"] != "missing":
                continue
            assert (compared[key]["state"], lives[key]["state"], rows[key]["state"]) == (expected,) * 3, key
            if f.get("instead"):
                assert [r["item"] for r in compared[key]["instead"]] == [r["item"] for r in f["instead"]], key
                assert [r["item"] for r in rows[key]["instead"]] == [r["item"] for r in f["instead"]], key
    assert compared[("large-classes.56", "class:*")]["state"] == "overdue"
    assert compared[("large-classes.no-new", "class:*")]["state"] == "rectified"
    carried = {(f["check"], f["item"]) for f in v["carried_over"]}
    assert ("large-classes.56", "class:*") in carried  # not rectified, past its deadline: carried over as overdue


def test_missing_data_supplied_under_a_changed_rule_is_rectified(at):
    """沈教督〔2022〕8号 named 于洪区's homework.primary-60 records as missing; the corrected submission supplied them, and
    the rule went from < 60 to <= 60 meanwhile: the data supplied is rectified, not explained by the rule."""
    item = next(i for i in at("5", "于洪区")["previous_notice"]["items"] if i["check"] == "homework.primary-60")
    assert item["rule_changed"] and {f["then"] for f in item["findings"]} == {"missing"}
    assert (item["state"], item["fixed"], item["by_rule"], item["total"]) == ("rectified", 2, 0, 2)
    assert item["label"]["zh"] == "已整改"
