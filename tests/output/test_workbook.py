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


# ---------------------------------------------------------------- the fast writer against the one it replaced
# auditor/output/workbook.py writes both data sheets in one pass, from tuples, with the texts a check repeats made
# once; tests/output/xlsx_reference.py is the writer as it was (a dict per row, one cell at a time, the evidence
# formatted once per sheet). The bytes must be the same: for the golden audit, and for verdicts made hostile.

import copy
import re
import sys

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

import xlsx_reference
from auditor.intake.values import BIDI
from auditor.output import workbook as fast
from auditor.output.formatter import Formatter
from auditor.rules.policies import load_policies
from golden_audit import INPUT


@pytest.fixture(scope="module")
def golden(golden_out):
    """(the golden audit's findings as findings.json has them, its policy set)."""
    return json.loads(read(golden_out, "findings.json")), load_policies(os.path.join(INPUT, "policies"))


def replayed(findings, fmt) -> bytes:
    """What bench/render.py's floor writes: the recorded cells, one XlsxWriter call each."""
    tape, last = fast.cells(findings, fmt)
    book = fast.Book(findings, fmt)
    write = [book.calls(ws) for ws in book.sheets]
    for sheet, kind, row, col, value, key in tape:
        write[sheet][kind](row, col, value, book.formats.get(key))
    return book.finish(last)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_golden_workbook_is_byte_for_byte_the_reference_writers(golden, lang):
    findings, policy_set = golden
    assert any(v["status"] in ("fail", "missing") for v in findings["verdicts"])
    assert any(v["status"] not in ("fail", "missing") and v["evidence"] for v in findings["verdicts"])  # summary only
    data = fast.workbook(findings, Formatter(policy_set, lang))
    assert data == xlsx_reference.workbook(findings, Formatter(policy_set, lang))
    assert replayed(findings, Formatter(policy_set, lang)) == data  # the floor writes the very same cells


def test_one_class_finds_what_the_two_patterns_found():
    old = re.compile(f"{ILLEGAL_CHARACTERS_RE.pattern}|{BIDI.pattern}")
    differ = [c for c in range(sys.maxunicode + 1) if bool(old.match(chr(c))) != bool(fast._ODD.match(chr(c)))]
    assert differ == []


# pieces of hostile text: control characters (shown escaped), a carriage return and Excel's own _xHHHH_ escape
# (XlsxWriter escapes both), bidirectional controls (left out), XML's specials, formulas, edge whitespace
PIECES = ["学校", "a", " ", "\n", "\r", "\t", "\x00", "\x07", "\x1b", "\x7f", "\u202e", "\u2067", "\ufffe", "_x0041_",
          "&", "<", ">", '"', "=SUM(A1)", "https://x.cn", "、", "9"]
hostile = st.lists(st.sampled_from(PIECES), max_size=6).map("".join)
odd_values = st.one_of(hostile, st.none(), st.integers(-3, 10**6), st.floats(-1e9, 1e9, allow_nan=False), st.booleans(),
                       st.lists(hostile, max_size=3))
STATUSES = ["pass", "fail", "missing", "not_due", "not_applicable"]


@st.composite
def made_hostile(draw, findings):
    findings = copy.deepcopy(findings)
    verdicts = findings["verdicts"]
    for _ in range(draw(st.integers(1, 8))):
        v = verdicts[draw(st.integers(0, len(verdicts) - 1))]
        field = draw(st.sampled_from(["district", "title", "responsible", "source", "clause", "method", "status", "counts",
                                      "remedy", "evidence", "document"]))
        if field == "title":
            v["title"] = {"zh": draw(hostile), "en": draw(hostile)}
        elif field == "remedy":
            v["remedy"] = {"zh": draw(hostile)}
        elif field == "status":
            v["status"] = draw(st.sampled_from(STATUSES))
        elif field == "counts":
            v["counts"][draw(st.sampled_from(list(fast.COUNTS)))] = draw(odd_values)
        elif field == "responsible":
            v["responsible"] = draw(st.one_of(st.lists(hostile, max_size=3), hostile))
        elif field == "evidence":
            for e in v["evidence"]:
                e["message"] = {"zh": draw(hostile), "en": draw(hostile)}
                if draw(st.booleans()):
                    e["school_name"] = draw(hostile)
                if draw(st.booleans()):
                    e["record"] = draw(hostile)
        elif field == "method":
            v["method"] = draw(st.sampled_from(["manual", "records", None, "\x01odd"]))
        else:
            v[field] = draw(hostile)
    # more evidence than a finding's row sums up (five of each kind), for a check that owes it and one that does not
    v = draw(st.sampled_from([v for v in verdicts if v["evidence"]]))
    v["evidence"] = v["evidence"] * draw(st.integers(1, 7))
    v["status"] = draw(st.sampled_from(STATUSES))
    findings["submissions"] = draw(st.lists(hostile, max_size=2))
    return findings


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(data=st.data())
def test_hostile_verdicts_give_the_reference_writers_bytes(golden, data):
    findings, policy_set = golden
    changed = data.draw(made_hostile(findings))
    fmt = Formatter(policy_set, "zh")
    data_ = fast.workbook(changed, fmt)
    assert data_ == xlsx_reference.workbook(changed, Formatter(policy_set, "zh"))
    assert replayed(changed, fmt) == data_


@pytest.mark.parametrize("text", ['<r>x</t></is></c></row><row r="90"><c r="A90"><v>1</v></c></row><row r="91"></r>',
                                  "<r></r>", "<r> 学校 & <b> </r>", "<r>_x0041_ 学校 _x005F_x0042_x0043_</r>"])
def test_text_shaped_like_rich_text_xml_is_written_as_text(golden, text):
    """XlsxWriter (constant memory) writes a string that begins with <r> and ends with </r> as XML: a school name,
    a message or a file name of that shape broke the workbook (the reference writer's output does not parse)."""
    findings, policy_set = golden
    changed = copy.deepcopy(findings)
    v = next(v for v in changed["verdicts"] if v["status"] == "fail" and v["evidence"])
    v["evidence"][0]["message"] = {"zh": text, "en": text}
    v["title"] = {"zh": text, "en": text}
    changed["submissions"] = [text]
    data = fast.workbook(changed, Formatter(policy_set, "zh"))
    book = load_workbook(io.BytesIO(data))
    assert book["检查结论"].max_row == 1 + len(changed["verdicts"])
    titles = [r[4] for r in book["检查结论"].iter_rows(min_row=2, values_only=True)]
    messages = [r[10] for r in book["问题明细"].iter_rows(min_row=2, values_only=True)]
    assert titles.count(text) == 1 and messages.count(text) == 1 and book["说明"]["B5"].value == text
    assert replayed(changed, Formatter(policy_set, "zh")) == data
