"""findings.xlsx: one row per finding, one per evidence item, text never a formula, headings in the report's language."""
from __future__ import annotations

import io
import json
import os

from openpyxl import load_workbook

from golden_audit import GOLDEN_ARGS, audit_into, golden_out, read  # noqa: F401  (golden_out: a fixture)


def test_spreadsheet_one_row_per_finding(golden_out):
    findings = json.loads(read(golden_out, "findings.json"))
    with open(os.path.join(golden_out, "findings.xlsx"), "rb") as handle:
        book = load_workbook(io.BytesIO(handle.read()))
    sheet = book["检查结论"]
    rows = list(sheet.iter_rows(values_only=True))
    assert len(rows) == 1 + len(findings["verdicts"])
    header = rows[0]
    got = {(r[header.index("区县（市）")], r[header.index("检查项")]): r[header.index("结论")] for r in rows[1:]}
    names = {"pass": "达标", "fail": "未达标", "missing": "数据缺失", "not_due": "未到期", "not_applicable": "不适用"}
    assert got == {(v["district"], v["check"]): names[v["status"]] for v in findings["verdicts"]}
    detail = book["问题明细"]
    assert [c.value for c in detail[1]][:3] == ["区县（市）", "依据文件", "条款"]  # the document beside its clause
    units = [c.value for c in detail["G"]]
    formula = [c for c in detail["G"] if isinstance(c.value, str) and c.value.startswith("=HYPERLINK")]
    assert formula and all(c.data_type == "s" for c in formula), units  # shown as text, never a formula
    assert book["说明"]["B3"].value == findings["policy_set"]["hash"]


def test_requirements_and_reasons_are_in_words(golden_out):
    with open(os.path.join(golden_out, "findings.xlsx"), "rb") as handle:
        book = load_workbook(io.BytesIO(handle.read()))
    rows = list(book["检查结论"].iter_rows(values_only=True))
    requirement = {r[rows[0].index("检查项")]: r[rows[0].index("判定标准")] for r in rows[1:]}
    assert requirement["golden-classes.primary-45"] == "班额不超过45人"
    assert requirement["golden-special.disabled-97"] == "残疾儿童少年义务教育入学率不低于97%"
    detail = list(book["问题明细"].iter_rows(values_only=True))
    limits = {r[detail[0].index("标准/缺少的数据")] for r in detail[1:]}
    assert "班额不超过55人" in limits and "在校生数" in limits


def test_english_workbook_has_english_sheets_and_headings(tmp_path):
    assert audit_into(str(tmp_path), *GOLDEN_ARGS, "--lang", "en") == 0
    with open(tmp_path / "findings.xlsx", "rb") as handle:
        book = load_workbook(io.BytesIO(handle.read()))
    assert book.sheetnames == ["findings", "evidence", "about"]
    header = next(book["findings"].iter_rows(values_only=True))
    assert header[:6] == ("district", "document", "clause", "check", "title", "status")
    rows = list(book["findings"].iter_rows(values_only=True))
    requirement = {r[header.index("check")]: r[header.index("requirement")] for r in rows[1:]}
    assert requirement["golden-classes.primary-45"] == "class size is at most 45"


def test_dates_are_dates_and_remedies_only_where_something_must_be_done(golden_out):
    import datetime as _dt
    findings = json.loads(read(golden_out, "findings.json"))
    with open(os.path.join(golden_out, "findings.xlsx"), "rb") as handle:
        book = load_workbook(io.BytesIO(handle.read()))
    rows = list(book["检查结论"].iter_rows(values_only=True))
    header = rows[0]
    status = {(v["district"], v["check"]): v["status"] for v in findings["verdicts"]}
    for r in rows[1:]:
        assert isinstance(r[header.index("完成时限")], _dt.datetime)  # a real date Excel can sort and filter
        remedy = r[header.index("整改要求")]
        if status[(r[header.index("区县（市）")], r[header.index("检查项")])] in ("fail", "missing"):
            assert remedy, r
        else:
            assert remedy is None, r  # nothing to rectify on a passing, not-due or not-applicable row
    assert isinstance(book["说明"]["B1"].value, _dt.datetime)
