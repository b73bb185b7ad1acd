"""auditor audits / history / compare on the four fixture rounds, as `make audit` records them (auditor/store/history.py)."""
from __future__ import annotations

import json
import os

import jsonschema
import pytest
from referencing import Registry, Resource

from auditor.cli import main
from auditor.store.lifecycle import LABELS
from auditor.store.text import clip, width

from auditor.rules.policies import load_policies
from recorded_rounds import POLICIES, ROOT, rounds_db  # noqa: F401 — the session fixture

SCHEMAS = {name: json.load(open(os.path.join(ROOT, "auditor", "schemas", f"{name}.schema.json"), encoding="utf-8"))
           for name in ("audits", "history", "compare")}
REGISTRY = Registry().with_resources([(s["$id"], Resource.from_contents(s)) for s in SCHEMAS.values()])


def run(capsys, *argv) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def as_json(capsys, schema: str, *argv) -> dict:
    code, out, err = run(capsys, *argv, "--format", "json")
    assert code == 0, err
    data = json.loads(out)
    jsonschema.Draft202012Validator(SCHEMAS[schema], registry=REGISTRY).validate(data)
    return data


def test_audits_lists_the_five_recorded_audits_with_the_correction(capsys, rounds_db):
    data = as_json(capsys, "audits", "audits", "--db", rounds_db)
    assert [(a["audit"], a["as_of"]) for a in data["audits"]] == [
        (1, "2019-12-31"), (2, "2020-12-31"), (3, "2021-12-31"), (4, "2021-12-31"), (5, "2022-12-31")]
    assert data["audits"][3]["resubmitted"] == [{"district": "于洪区", "version": 2}]
    assert all(not a["resubmitted"] for i, a in enumerate(data["audits"]) if i != 3)
    numbers = [n["number"] for a in data["audits"] for n in a["notices"]]
    assert len(numbers) == len(set(numbers)) and "沈教督〔2023〕1号" in numbers
    code, out, _ = run(capsys, "audits", "--db", rounds_db)
    assert code == 0 and "于洪区 第2版" in out and "督导基准日" in out


def test_history_of_dadong_shows_every_lifecycle_state(capsys, rounds_db):
    data = as_json(capsys, "history", "history", "--db", rounds_db, "--district", "大东区")
    states = {(f["check"], f["item"]): f for f in data["findings"]}
    assert {f["state"] for f in data["findings"]} >= {"new", "persisting", "overdue", "rectified", "reopened"}
    big = states[("large-classes.56", "class:DD001/2-1")]
    assert (big["state"], big["since"], big["rounds_open"]) == ("overdue", "2019-12-31", 4)
    assert big["overdue_notices"][0]["deadline"] == "2020-04-14"
    assert [r["status"] for r in big["rounds"]] == ["fail"] * 4
    grown = states[("large-classes.56", "class:DD002/4-1")]
    assert (grown["state"], grown["since"], grown["overdue_notices"]) == ("persisting", "2021-12-31", [])
    homework = states[("homework.grades-1-2-none", "class:DD001/2-1")]
    assert homework["state"] == "reopened" and [r["status"] for r in homework["rounds"]] == ["fail", "clear", "clear", "fail"]
    assert states[("quality-education.pe-hour", "school:DD009")]["state"] == "rectified"
    assert states[("supervision.review", "document:manual_review")]["state"] == "new"
    firsts = [next(r["as_of"] for r in f["rounds"] if r["state"]) for f in data["findings"]]
    assert firsts == sorted(firsts)  # oldest first


def test_history_text_is_a_chinese_table_aligned_by_display_width(capsys, rounds_db):
    data = as_json(capsys, "history", "history", "--db", rounds_db, "--district", "大东区")
    code, out, _ = run(capsys, "history", "--db", rounds_db, "--district", "大东区")
    assert code == 0
    lines = out.splitlines()
    table = lines[next(i for i, line in enumerate(lines) if line.startswith("条款")):]
    assert len(table) == len(data["findings"]) + 1
    assert all(LABELS["zh"][s] in out for s in ("new", "persisting", "overdue", "rectified", "reopened"))
    column = width(table[0][:table[0].index("2019-12-31")])
    for row, finding in zip(table[1:], data["findings"]):
        # the first round's cell starts where the header's first round does, whatever the CJK text before it
        label = clip(finding["label"]["zh"], 36)  # a long label (a document with its number) is cut with "…"
        after_label = row.index(label) + len(label)
        rest = row[after_label:]
        start = width(row[:after_label]) + (len(rest) - len(rest.lstrip(" ")))
        assert start == column, row
    code, out, _ = run(capsys, "history", "--db", rounds_db, "--district", "大东区", "--lang", "en")
    assert code == 0 and "overdue" in out and "reopened" in out and "条款" not in out


def test_history_shows_the_correction_side_by_side(capsys, rounds_db):
    data = as_json(capsys, "history", "history", "--db", rounds_db, "--district", "于洪区")
    funds = next(f for f in data["findings"] if f["check"] == "funding.per-pupil-paid")
    r2021 = next(r for r in funds["rounds"] if r["as_of"] == "2021-12-31")
    assert r2021["version"] == 2 and r2021["status"] == "clear"
    assert [(e["version"], e["status"]) for e in r2021["earlier"]] == [(1, "missing")]
    on_file = [(s["as_of"], s["version"], s["files"][0].split("fixtures/")[-1]) for s in data["submissions"]]
    assert on_file[2:4] == [("2021-12-31", 1, "rounds/2021/09-yh.yaml"), ("2021-12-31", 2, "rounds/2021-corrected/09-yh.yaml")]
    assert funds["state"] == "reopened"  # fixed by the correction, missing again in 2022
    pe = next(f for f in data["findings"] if f["check"] == "quality-education.pe-hour")
    assert pe["state"] == "rectified" and pe["since"] == "2021-12-31"
    code, out, _ = run(capsys, "history", "--db", rounds_db, "--district", "于洪区")
    assert "第1版 数据缺失→第2版 已达标" in out


def test_compare_2021_2022_names_the_rule_change_and_does_not_call_it_rectified(capsys, rounds_db):
    data = as_json(capsys, "compare", "compare", "2021-12-31", "2022-12-31", "--db", rounds_db)
    assert (data["from"]["audit"], data["to"]["audit"]) == (4, 5)  # a date names its round's last audit
    changes = [(c["check"], c["change"]) for c in data["rule_changes"]]
    assert [c for c in changes if c[1] != "added"] == [("homework.primary-60", "changed")]
    # the national standard's pack is audited from 2022 on (fixtures/rounds/policies-2019-2021 holds the plan only)
    assert {check for check, change in changes if change == "added"} == {
        c.id for c in load_policies(POLICIES).checks if c.document == "national-2017-6"}
    rows = [f for d in data["districts"] for c in d["clauses"] for f in c["findings"]]
    changed = [f for f in rows if f["check"] == "homework.primary-60" and f["district"] == "沈河区"]
    assert [(f["state"], f["was"], f["now"]) for f in changed] == [("rule_changed", "fail", "clear")]
    assert not any(f["state"] == "rectified" and f["check"] == "homework.primary-60" for f in rows)
    assert data["totals"]["rule_changed"] == 1
    code, out, _ = run(capsys, "compare", "2021-12-31", "2022-12-31", "--db", rounds_db)
    assert code == 0 and "规则变更的检查项：二（二）11" in out and "沈河区" in out


def test_compare_takes_audit_numbers_in_either_order(capsys, rounds_db):
    one = as_json(capsys, "compare", "compare", "#1", "2", "--db", rounds_db)
    other = as_json(capsys, "compare", "compare", "2", "1", "--db", rounds_db)
    assert one == other and one["totals"]["rectified"] > one["totals"]["persisting"] + one["totals"]["overdue"]


@pytest.mark.parametrize("argv, code, fragment", [
    (["compare", "7", "1"], "D-AUDIT", "#1 2019-12-31"),
    (["compare", "2018-12-31", "1"], "D-AUDIT", "没有编号或日期"),
    (["history", "--district", "大东"], "U-ARGS", "是否应为“大东区”"),
    (["history", "--check", "large-classes.55"], "U-ARGS", "large-classes.56"),
])
def test_bad_arguments_are_located_and_exit_2(capsys, rounds_db, argv, code, fragment):
    status, out, err = run(capsys, *argv, "--db", rounds_db)
    assert status == 2 and out == ""
    assert f": {code}: " in err and fragment in err and "Traceback" not in err


def test_history_of_a_check_across_districts(capsys, rounds_db):
    data = as_json(capsys, "history", "history", "--db", rounds_db, "--check", "large-classes.56")
    assert {f["check"] for f in data["findings"]} == {"large-classes.56"}
    assert len({f["district"] for f in data["findings"]}) >= 8
    code, out, _ = run(capsys, "history", "--db", rounds_db, "--check", "large-classes.56")
    assert out.splitlines()[3].startswith("区县")
