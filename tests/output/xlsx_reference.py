"""findings.xlsx as it was written before issue 18's cut (one cell at a time, from a dict per row, the evidence
formatted once per sheet): the reference the fast writer (auditor/output/workbook.py) is held byte-equal to.
Kept as it was; only this docstring is new."""
from __future__ import annotations

import datetime as _dt
import io
import re

import xlsxwriter
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from auditor.intake.values import BIDI, neutral
from auditor.output.formatter import Formatter
from auditor.output.palette import STATUS_COLOURS
from auditor.output.views import default_remedy, evidence_rows, missing_rows, pending_review

FINDINGS_COLUMNS = ["district", "document", "clause", "check", "title", "status", "severity", "method", "due", "requirement",
                    "responsible", "checked", "pass", "fail", "missing", "not_applicable", "observed", "evidence", "remedy",
                    "source"]
FINDINGS_WIDTHS = [10, 18, 10, 30, 34, 10, 8, 10, 12, 30, 24, 9, 7, 7, 7, 7, 20, 50, 30, 34]
EVIDENCE_COLUMNS = ["district", "document", "clause", "check", "problem", "record", "unit", "class", "value", "limit", "message", "owed_by"]
EVIDENCE_WIDTHS = [10, 18, 10, 30, 10, 22, 28, 14, 24, 28, 50, 10]


# a character that cannot be stored in a worksheet or a bidirectional control: text without one is written as it is
_ODD = re.compile(f"{ILLEGAL_CHARACTERS_RE.pattern}|{BIDI.pattern}")


def _cell_text(value):
    """A value for a spreadsheet cell; text never becomes a formula."""
    if value is None:
        return ""
    if isinstance(value, (list, tuple)):
        value = "、".join(str(x) for x in value)
    if isinstance(value, str) and _ODD.search(value) is not None:
        # control characters cannot be stored in a worksheet: show them, escaped, instead of failing;
        # bidirectional controls would reverse the cell: left out
        value = neutral(ILLEGAL_CHARACTERS_RE.sub(lambda m: f"\\x{ord(m.group()):02x}", value))
    return value


def _remedy(v: dict, fmt: Formatter) -> str:
    """What must be done: only where something must (a failed or missing item the district owes)."""
    if v["status"] not in ("fail", "missing") or pending_review(v):
        return ""
    given = (v.get("remedy") or {}).get(fmt.lang)  # a check's remedy is for a failure; data owed is asked for
    return given if given and v["status"] != "missing" else default_remedy(v, fmt)


def _finding_rows(findings: dict, fmt: Formatter):
    """One row per finding, made as the sheet is written (a nation's 300,000 are never held together)."""
    words = fmt.words
    status_names, severity_names, method_names = words["status"], words["severity"], words["method"]
    for v in findings["verdicts"]:
        ev = evidence_rows(v, fmt)
        gaps = missing_rows(v, fmt)
        summary = [r["message"] or r["value"] for r in ev[:5]] + [f"{g['unit']} {g['class']} {g['lacks'] or g['via']}".strip() for g in gaps[:5]]
        yield {"district": v["district"], "document": v.get("document", ""), "clause": v["clause"], "check": v["check"], "title": v["title"].get(fmt.lang, ""),
               "status": status_names[v["status"]], "severity": severity_names[v["severity"]],
               "method": method_names.get(v.get("method"), v.get("method")), "due": _dt.date.fromisoformat(v["due"]),
               "requirement": fmt.requirement(v["requirement"]), "responsible": v["responsible"],
               **{k: v["counts"][k] for k in ("checked", "pass", "fail", "missing", "not_applicable")},
               "observed": fmt.values(v.get("observed") or {}), "evidence": "\n".join(summary),
               "remedy": _remedy(v, fmt), "source": v.get("source", "")}


def _detail_rows(findings: dict, fmt: Formatter):
    """One row per failing or missing record of the failed and missing checks, made as the sheet is written."""
    status_names = fmt.words["status"]
    for v in findings["verdicts"]:
        if v["status"] not in ("fail", "missing"):
            continue  # a not-yet-due check's "if due now" evidence is progress, not a problem
        for r in evidence_rows(v, fmt):
            yield {"district": v["district"], "document": v.get("document", ""), "clause": v["clause"], "check": v["check"],
                   "problem": status_names["fail"],
                   "record": r["record"], "unit": r["unit"], "class": r["class"], "value": r["value"], "limit": r["limit"],
                   "message": r["message"], "owed_by": ""}
        for g in missing_rows(v, fmt):
            yield {"district": v["district"], "document": v.get("document", ""), "clause": v["clause"], "check": v["check"],
                   "problem": status_names["missing"],
                   "record": g["record"], "unit": g["unit"], "class": g["class"], "value": "", "limit": g["lacks"] or g["via"],
                   "message": g["reason"], "owed_by": g["owed_by"]}


def workbook(findings: dict, fmt: Formatter) -> bytes:
    """findings.xlsx: sheet 检查结论 (one row per finding), sheet 问题明细 (one row per evidence item), sheet 说明.

    Written with XlsxWriter in constant-memory mode, row by row (a province's 40,000 evidence rows take seconds,
    not the half minute openpyxl's cell objects took; a nation's 310,000 rows are never all in memory as cells). Text is always written as text: a school name beginning with "=" is
    never a formula, a URL never a link. Byte-identical for the same findings: the workbook's dates are the audit
    date and XlsxWriter gives every zip entry the same fixed time.
    """
    columns = fmt.words["columns"]
    stamp = _dt.datetime.combine(_dt.date.fromisoformat(findings["as_of"]), _dt.time())
    raw = io.BytesIO()
    # constant_memory: each row goes to a temporary file as soon as the next begins (a national audit's 310,000 rows
    # held as cell objects took more than a gigabyte); strings are then written inline, not in a shared table
    wb = xlsxwriter.Workbook(raw, {"constant_memory": True, "strings_to_formulas": False, "strings_to_urls": False,
                                   "strings_to_numbers": False})
    wb.set_properties({"author": "auditor", "created": stamp})
    bold = wb.add_format({"bold": True})
    day = wb.add_format({"num_format": "yyyy\"年\"m\"月\"d\"日\"" if fmt.lang == "zh" else "yyyy-mm-dd",
                         "valign": "top"})
    wrap = wb.add_format({"text_wrap": True, "valign": "top"})
    fills = {fmt.words["status"][s]: wb.add_format({"text_wrap": True, "valign": "top", "bg_color": colours[0].upper()})
             for s, colours in STATUS_COLOURS.items()}

    def sheet(title, keys, headings, rows, widths, status_column=None):
        ws = wb.add_worksheet(title)
        for index, width in enumerate(widths):
            ws.set_column(index, index, width, wrap)  # the cells below take the column's format
        for index, key in enumerate(keys):
            ws.write_string(0, index, headings[key], bold)
        number = 0
        columns = list(enumerate(keys))
        write_string = ws.write_string
        for number, row in enumerate(rows, start=1):
            for index, key in columns:
                value = _cell_text(row.get(key))
                if value == "":
                    continue  # an empty cell is not written at all
                if isinstance(value, str):
                    write_string(number, index, value, fills.get(value) if index == status_column else None)
                elif isinstance(value, bool):
                    ws.write_boolean(number, index, value)
                elif isinstance(value, _dt.date):
                    ws.write_datetime(number, index, _dt.datetime.combine(value, _dt.time()), day)
                else:
                    ws.write_number(number, index, value)
        ws.freeze_panes(1, 0)
        ws.autofilter(0, 0, number, len(keys) - 1)

    # the rows are made as they are written (constant memory): the evidence of the failed and missing checks is
    # formatted a second time for the second sheet rather than held
    sheet(columns["sheets"]["findings"], FINDINGS_COLUMNS, columns["findings"], _finding_rows(findings, fmt), FINDINGS_WIDTHS,
          status_column=FINDINGS_COLUMNS.index("status"))
    sheet(columns["sheets"]["evidence"], EVIDENCE_COLUMNS, columns["evidence"], _detail_rows(findings, fmt), EVIDENCE_WIDTHS)
    info = wb.add_worksheet(columns["sheets"]["about"])
    about = columns["about"]
    lines = [(about["as_of"], _dt.date.fromisoformat(findings["as_of"])), (about["plan"], findings["plan"]),
             (about["policy_set"], findings["policy_set"]["hash"]), (about["engine"], findings["engine"])]
    lines += [(about["submission"], _cell_text(f)) for f in findings["submissions"]]
    for number, (label, value) in enumerate(lines):
        info.write_string(number, 0, label)
        if isinstance(value, _dt.date):
            info.write_datetime(number, 1, _dt.datetime.combine(value, _dt.time()), day)
        else:
            info.write_string(number, 1, str(value))
    info.set_column(0, 0, 14)
    info.set_column(1, 1, 80)
    wb.close()
    return raw.getvalue()
