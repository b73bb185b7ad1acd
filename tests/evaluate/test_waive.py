"""Waivers applied to an audit (fixtures/waivers on the 2022 fixtures): waived with the document cited and the
underlying status kept; expired left failed and marked; unused reported; only named records waived."""
from __future__ import annotations

import datetime as _dt
import json
import os
import re

import pytest

from auditor.audit import Auditor
from auditor.cli import main
from auditor.evaluate import waive
from auditor.intake.contracts import validator
from auditor.intake.submissions import load_submissions
from auditor.output import paging
from auditor.output.findings import findings_json
from auditor.output.report import render
from auditor.rules.policies import load_policies
from auditor.rules.waivers import load_waivers

from conftest import FIXTURES, POLICIES, ROOT

WAIVERS = os.path.join(ROOT, "fixtures", "waivers")
AS_OF = _dt.date(2022, 12, 31)


@pytest.fixture(scope="module")
def audited():
    policy_set = load_policies(POLICIES)
    waivers = load_waivers(WAIVERS, policy_set)
    facts = load_submissions([FIXTURES])
    plain = Auditor(policy_set, "reference").audit(load_submissions([FIXTURES]), AS_OF)
    return policy_set, plain, Auditor(policy_set, "reference", waivers).audit(facts, AS_OF)


def _v(findings, district, check):
    return next(v for v in findings["verdicts"] if v["district"] == district and v["check"] == check)


def test_the_findings_keep_their_contract(audited):
    _, plain, waived = audited
    validator("findings").validate(json.loads(findings_json(waived)))  # as findings.json has them
    assert "waivers" not in plain  # without a waiver folder nothing changes
    assert {w["id"]: w["status"] for w in waived["waivers"]} == {
        "hn-layout-2019": "applied", "hn-action-plan-2020": "expired", "hp-large-classes": "unused", "dd-one-class": "applied"}


def test_waivers_applied_district_by_district_are_those_applied_to_all_the_verdicts(audited):
    """The audit keeps each district's verdicts apart (encoded) and applies the waivers district by district: the
    same verdicts and the same reports, in the waivers' order, as applying them to the whole list at once."""
    policy_set, plain, waived = audited
    waivers = load_waivers(WAIVERS, policy_set)
    assert len({w.district for w in waivers}) > 1  # more than one district, so the order of the reports is tested
    verdicts = list(plain["verdicts"])
    assert waive.apply(verdicts, waivers, AS_OF) == waived["waivers"]
    assert verdicts == waived["verdicts"] and verdicts != plain["verdicts"]


def test_a_waiver_in_force_waives_and_cites_its_document(audited):
    _, plain, waived = audited
    before, after = _v(plain, "浑南区", "layout.plan-filed"), _v(waived, "浑南区", "layout.plan-filed")
    assert before["status"] == "fail"
    assert after["status"] == "waived" and after["underlying_status"] == "fail"
    assert after["waiver"]["document"]["ref"] == "沈教发〔2019〕88号" and after["waiver"]["status"] == "applied"
    assert after["evidence"][0]["record"] == before["evidence"][0]["record"] and after["evidence"][0]["waived"] == "hn-layout-2019"
    assert after["counts"] == before["counts"]  # nothing hidden


def test_an_expired_waiver_leaves_the_item_failed_and_marked(audited):
    policy_set, _, waived = audited
    v = _v(waived, "浑南区", "leadership.action-plan-filed")
    assert v["status"] == "fail" and v["waiver"]["status"] == "expired" and "underlying_status" not in v
    files = render(waived, policy_set, "zh")
    for name in ("浑南区.html", "浑南区-整改通知.html"):
        text = re.sub(r"<[^>]+>", "", files[name])
        assert "豁免已过期" in text and "沈教发〔2020〕5号" in text, name
    assert "WAIVER EXPIRED" in render(waived, policy_set, "en")["浑南区.html"]


def test_an_unused_waiver_is_reported(audited):
    _, _, waived = audited
    unused = next(w for w in waived["waivers"] if w["id"] == "hp-large-classes")
    assert unused["applied_to"] == [] and unused["unused"] == "nothing_to_waive"
    assert _v(waived, "和平区", "large-classes.56")["status"] == "pass" and "waiver" not in _v(waived, "和平区", "large-classes.56")


def test_a_waiver_for_some_records_waives_only_them(audited):
    _, _, waived = audited
    v = _v(waived, "大东区", "large-classes.56")
    assert v["status"] == "fail" and v["waiver"]["status"] == "partial"  # the other oversized class still fails
    assert {e["record"]: e.get("waived") for e in v["evidence"]} == {"class:DD001/2-1": "dd-one-class", "class:DD002/4-1": None}


def test_a_waiver_not_yet_valid_is_not_applied(audited):
    policy_set, _, _ = audited
    waivers = load_waivers(WAIVERS, policy_set)
    out = Auditor(policy_set, "reference", waivers).audit(load_submissions([FIXTURES]), _dt.date(2019, 8, 31))
    statuses = {w["id"]: w["status"] for w in out["waivers"]}
    assert statuses["hn-layout-2019"] == "not_yet_valid" and statuses["hp-large-classes"] == "not_yet_valid"


def test_the_command_says_what_became_of_each_waiver(tmp_path, capsys):
    assert main(["audit", FIXTURES, "--as-of", "2022-12-31", "--out", str(tmp_path / "o"), "--no-db", "--jobs", "1",
                 "--waivers", WAIVERS]) == 0
    captured = capsys.readouterr()
    assert "hn-action-plan-2020: 豁免已过期" in captured.err and "hp-large-classes: 豁免未使用" in captured.err
    assert "已豁免" in captured.out  # a column of the summary when some verdict is waived


def test_a_bad_waiver_stops_the_audit_before_anything_is_written(tmp_path, capsys):
    folder = tmp_path / "w"
    folder.mkdir()
    text = open(os.path.join(WAIVERS, "2022.yaml"), encoding="utf-8").read().replace("check: layout.plan-filed", "check: layout.plan-file")
    (folder / "w.yaml").write_text(text, encoding="utf-8")
    out = tmp_path / "o"
    assert main(["audit", FIXTURES, "--as-of", "2022-12-31", "--out", str(out), "--no-db", "--waivers", str(folder)]) == 2
    err = capsys.readouterr().err
    line = text[:text.index("check: layout.plan-file")].count("\n") + 1  # the first line is the editor's modeline
    assert f"w.yaml:{line}: W-SCOPE" in err and "政策中没有检查项“layout.plan-file”（是否应为“layout.plan-filed”？）" in err
    assert not out.exists() or not os.listdir(out)


def test_the_city_summary_lists_every_waiver_and_its_outcome(audited):
    policy_set, plain, waived = audited
    page = render(waived, policy_set, "zh")["index.html"]
    rows = re.findall(r'<tr data-waiver="(\w+)"><td>([\w.-]+)<br>', page)
    assert {waiver: status for status, waiver in rows} == {w["id"]: w["status"] for w in waived["waivers"]} and len(rows) == 4
    text = re.sub(r"<[^>]+>", "", page)
    assert "豁免已过期，未予适用" in text and "未使用：所涉事项无未达标或数据缺失" in text
    assert "豁免情况" not in render(plain, policy_set, "zh")["index.html"]  # no waiver folder, no section


def test_a_paged_city_summary_keeps_the_waiver_table(audited, monkeypatch):
    """Beyond SUMMARY_PAGE districts the summary is an overview and pages: the overview lists every waiver,
    each page those of its own districts."""
    policy_set, _, waived = audited
    monkeypatch.setattr(paging.summary_groups, "__defaults__", (5,))
    files = render(waived, policy_set, "zh")
    rows = lambda html: re.findall(r'<tr data-waiver="(\w+)"><td>([\w-]+)<br>', html)
    assert sorted(i for _, i in rows(files["index.html"])) == sorted(w["id"] for w in waived["waivers"])
    on_pages = [i for name in sorted(files) if name.startswith("summary-") for _, i in rows(files[name])]
    assert sorted(on_pages) == sorted(w["id"] for w in waived["waivers"])


# A waiver naming a record that does not exist: it was reported "unused: nothing it covers fails or lacks data" while
# large-classes.56 failed for 大东区, the record named not being there at all, and its line printed at a shortened path.
# Now a key that the district's submission does not hold is W-SCOPE at its line (exit 2, nothing written) for a waiver
# in force; every other unused waiver is worded by why; the stderr lines name the waiver file as given.
def _waivers_naming(tmp_path, records: str, until: str = "2023-03-31"):
    folder = tmp_path / "w" / "a1"
    folder.mkdir(parents=True)
    text = open(os.path.join(WAIVERS, "2022.yaml"), encoding="utf-8").read()
    text = text.replace("records: [class:DD001/2-1]", f"records: [{records}]").replace("valid_until: 2023-03-31", f"valid_until: {until}")
    (folder / "2022.yaml").write_text(text, encoding="utf-8")
    return folder, text[:text.index("id: dd-one-class")].count("\n") + 4  # the scope's line


NAMED = [  # (case, records, valid_until, submissions, exit status, stderr fragments, dd-one-class's status and reason)
    ("a class that does not exist", "class:DD001/9-9", "2023-03-31", [FIXTURES], 2,
     ["W-SCOPE: 所列记录“class:DD001/9-9”不在大东区的报送材料中"], None),
    ("a school that does not exist, with one that does", "class:DD001/2-1, class:DD099/2-1", "2023-03-31", [FIXTURES], 2,
     ["W-SCOPE: 所列记录“class:DD099/2-1”不在大东区的报送材料中"], None),
    ("a document key on a class check", "class:DD001/2-1, document:999", "2023-03-31", [FIXTURES], 2,
     ["W-SCOPE: 记录“document:999”是 document 记录"], None),  # refused as the waivers load
    ("a class that passes", "class:DD001/2-2", "2023-03-31", [FIXTURES], 0,
     ["dd-one-class: 豁免未使用：所列记录（class:DD001/2-2）均已达标或不适用"], ("unused", "records_not_failing")),
    ("a class that does not exist, the waiver expired", "class:DD001/9-9", "2022-12-30", [FIXTURES], 0,
     ["dd-one-class: 豁免已过期"], ("expired", None)),
    ("a district that sent nothing", "class:DD001/9-9", "2023-03-31", [os.path.join(FIXTURES, "01-hp.yaml")], 0,
     ["dd-one-class: 豁免未使用：大东区未报送材料，无从核对所列记录（class:DD001/9-9）"], ("unused", "not_submitted")),
    ("the class that fails", "class:DD001/2-1", "2023-03-31", [FIXTURES], 0, [], ("applied", None)),
]


@pytest.mark.parametrize("case, records, until, submissions, rc, fragments, outcome", NAMED, ids=[c[0] for c in NAMED])
def test_a_waiver_naming_records(case, records, until, submissions, rc, fragments, outcome, tmp_path, capsys):
    folder, line = _waivers_naming(tmp_path, records, until)
    out = tmp_path / "o"
    districts = ["--districts", "和平区,大东区"] if len(submissions) == 1 and submissions[0].endswith(".yaml") else []
    assert main(["audit", *submissions, *districts, "--as-of", "2022-12-31", "--out", str(out), "--no-db", "--jobs", "2",
                 "--engine", "reference", "--waivers", str(folder)]) == rc
    err = capsys.readouterr().err
    assert "Traceback" not in err
    for fragment in fragments:
        assert fragment in err, err
    if rc == 2:
        assert all(x.startswith(f"{folder}/2022.yaml:{line}: W-SCOPE: ") for x in err.splitlines()), err
        assert not out.exists()
        return
    for x in err.splitlines():  # every waiver not applied, at the file as given
        assert x.startswith(f"{folder}/2022.yaml:"), x
    report = next(w for w in json.loads((out / "findings.json").read_text(encoding="utf-8"))["waivers"] if w["id"] == "dd-one-class")
    assert (report["status"], report.get("unused")) == outcome


def test_a_waiver_for_records_of_a_district_is_checked_against_its_records(audited):
    """The same in the library: a key the submission does not hold is a located W-SCOPE, whichever process audited it."""
    from auditor.errors import PolicyError

    policy_set, _, _ = audited
    waivers = load_waivers(WAIVERS, policy_set)
    dd = next(w for w in waivers if w.id == "dd-one-class")
    assert waive.absent_records(waivers, {"大东区": frozenset({"class:DD001/2-1"})}, AS_OF) == []
    (problem,) = waive.absent_records(waivers, {"大东区": frozenset()}, AS_OF)
    assert (problem.file, problem.line, problem.code) == (dd.file, dd.records_at[0][0], "W-SCOPE")
    assert waive.absent_records(waivers, {}, AS_OF) == []  # a district that sent nothing: its verdicts say so
    import dataclasses
    typo = dataclasses.replace(dd, records=("class:DD001/9-9",))
    with pytest.raises(PolicyError):
        Auditor(policy_set, "reference", (typo,)).audit(load_submissions([FIXTURES]), AS_OF)
