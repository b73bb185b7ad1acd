"""findings.xlsx: one row per finding, one row per evidence item, and the audit's basis, for staff who work in Excel."""
from __future__ import annotations

import datetime as _dt
import io
import re

import xlsxwriter
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from auditor.intake.values import BIDI_CONTROLS, neutral
from auditor.output.formatter import Formatter
from auditor.output.palette import STATUS_COLOURS
from auditor.output.views import evidence_rows, missing_rows, pending_review, remedy

FINDINGS_COLUMNS = ["district", "document", "clause", "check", "title", "status", "severity", "method", "due", "requirement",
                    "responsible", "checked", "pass", "fail", "missing", "not_applicable", "observed", "evidence", "remedy",
                    "source"]
FINDINGS_WIDTHS = [10, 18, 10, 30, 34, 10, 8, 10, 12, 30, 24, 9, 7, 7, 7, 7, 20, 50, 30, 34]
EVIDENCE_COLUMNS = ["district", "document", "clause", "check", "problem", "record", "unit", "class", "value", "limit", "message", "owed_by"]
EVIDENCE_WIDTHS = [10, 18, 10, 30, 10, 22, 28, 14, 24, 28, 50, 10]
COUNTS = ("checked", "pass", "fail", "missing", "not_applicable")
SUMMARY = 5  # evidence items (and as many missing-data items) summed up in a finding's row

# a character that cannot be stored in a worksheet (openpyxl's ILLEGAL_CHARACTERS_RE) or a bidirectional control,
# in one character class (tests hold it equal to the two patterns): text without one is written as it is
_ODD = re.compile(f"[\x00-\x08\x0b\x0c\x0e-\x1f{BIDI_CONTROLS}]")


def _cell_text(value):
    """A value for a spreadsheet cell; text never becomes a formula."""
    if type(value) is str:
        return value if _ODD.search(value) is None else _shown(value)
    if value is None:
        return ""
    if isinstance(value, (list, tuple)):
        value = "、".join(str(x) for x in value)
    if isinstance(value, str) and _ODD.search(value) is not None:
        value = _shown(value)
    return value


def _shown(text: str) -> str:
    # control characters cannot be stored in a worksheet: show them, escaped, instead of failing;
    # bidirectional controls would reverse the cell: left out
    return neutral(ILLEGAL_CHARACTERS_RE.sub(lambda m: f"\\x{ord(m.group()):02x}", text))


class _Texts(dict):
    """Cell text of the values every district's row of a check repeats (its title, requirement, responsible units,
    source; the district, status and severity words): each made once. Keyed by the value itself, so a value that
    differs between districts is simply another entry; never the evidence (a nation's messages are not kept)."""

    def __missing__(self, key):
        text = self[key] = _cell_text(key)
        return text


def _remedy(v: dict, fmt: Formatter) -> str:
    """What must be done: only where something must (a failed or missing item the district owes)."""
    if v["status"] not in ("fail", "missing") or pending_review(v):
        return ""
    return remedy(v, fmt)[0]


def _shown_rows(v: dict, fmt: Formatter, owed: bool) -> tuple[list, list]:
    """(evidence_rows, missing_rows) of a verdict: all of them for a failed or missing check (the evidence sheet
    lists them), else only the first ``SUMMARY`` of each (its finding's row shows no more): the same rows, as the
    views make them from the first items of each kind."""
    evidence = v["evidence"]
    if not evidence:
        return [], []
    if owed:
        return evidence_rows(v, fmt), missing_rows(v, fmt)
    first = [e for e in evidence if e["problem"] == "fail"][:SUMMARY] + [e for e in evidence if e["problem"] == "missing"][:SUMMARY]
    short = {**v, "evidence": first}
    return evidence_rows(short, fmt)[:SUMMARY], missing_rows(short, fmt)[:SUMMARY]


def _rows(findings: dict, fmt: Formatter):
    """Per verdict, in the findings' order: (its row of sheet 检查结论, its rows of sheet 问题明细), each a tuple of
    cell values in column order ("" for a cell left empty). One pass: a verdict is decoded and its evidence
    formatted once for both sheets; nothing is held beyond the verdict (a nation's 300,000 are never together)."""
    words, lang = fmt.words, fmt.lang
    status_names, severity_names, method_names = words["status"], words["severity"], words["method"]
    text = _Texts()
    fail_word, missing_word = text[status_names["fail"]], text[status_names["missing"]]
    days: dict[str, _dt.datetime] = {}
    for v in findings["verdicts"]:
        status = v["status"]
        owed = status in ("fail", "missing")  # a not-yet-due check's "if due now" evidence is progress, not a problem
        ev, gaps = _shown_rows(v, fmt, owed)
        summary = [r["message"] or r["value"] for r in ev[:SUMMARY]] + \
                  [f"{g['unit']} {g['class']} {g['lacks'] or g['via']}".strip() for g in gaps[:SUMMARY]]
        due = days.get(v["due"])
        if due is None:
            due = days[v["due"]] = _dt.datetime.combine(_dt.date.fromisoformat(v["due"]), _dt.time())
        method = v.get("method")
        responsible = v["responsible"]
        counts = v["counts"]
        head = (text[v["district"]], text[v.get("document", "")], text[v["clause"]], text[v["check"]])
        row = (*head, text[v["title"].get(lang, "")], text[status_names[status]], text[severity_names[v["severity"]]],
               text[method_names.get(method, method)], due, text[fmt.requirement(v["requirement"])],
               text[tuple(responsible) if isinstance(responsible, list) else responsible],
               *[n if type(n) is int else _cell_text(n) for n in (counts[k] for k in COUNTS)], _cell_text(fmt.values(v.get("observed") or {})), _cell_text("\n".join(summary)),
               _cell_text(_remedy(v, fmt)), text[v.get("source", "")])
        details = []
        if owed:
            for r in ev:
                details.append((*head, fail_word, _cell_text(r["record"]), _cell_text(r["unit"]), _cell_text(r["class"]),
                                _cell_text(r["value"]), text[r["limit"]], _cell_text(r["message"]), ""))
            for g in gaps:
                details.append((*head, missing_word, _cell_text(g["record"]), _cell_text(g["unit"]), _cell_text(g["class"]),
                                "", text[g["lacks"] or g["via"]], _cell_text(g["reason"]), _cell_text(g["owed_by"])))
        yield row, details


def _rich(write_rich_string):
    """write_string for a text XlsxWriter would take for rich-text XML: in constant-memory mode it writes a string
    that begins with "<r>" and ends with "</r>" into the sheet unescaped (a school name of that shape made the
    workbook unreadable, or added cells of its own). Written as plain runs instead, escaped, read back as the same
    text: cut after "<" and after "r", and after the "_" of every "_xHHHH_" inside (XlsxWriter escapes such a
    sequence in a run and again in the cell's whole XML, so whole it would read back escaped once more)."""
    def write(row: int, col: int, text: str, cell_format=None) -> None:
        cuts = [0, 1, 2, *(m.start() + 1 for m in _EXCEL_ESCAPE.finditer(text)), len(text)]
        fragments = [text[a:b] for a, b in zip(cuts, cuts[1:])]
        write_rich_string(row, col, *fragments, *((cell_format,) if cell_format else ()))
    return write


_EXCEL_ESCAPE = re.compile(r"(?=_x[0-9A-Fa-f]{4}_)")  # where an "_xHHHH_" begins, overlapping ones too


def _writer(write, day, fills: dict, status_column: int | None):
    """put(number, row): a row's cells written with ``write`` = (write_string, write_number, write_datetime,
    write_boolean, write_rich). Text is always written as text (a school name beginning with "=" is never a
    formula, a URL never a link, "<r>…</r>" never XML); an empty cell is not written at all; the status cell takes
    its status's fill."""
    write_plain, write_number, write_datetime, write_boolean, write_rich = write

    def write_string(number: int, index: int, value: str, cell_format) -> None:
        if value.startswith("<r>") and value.endswith("</r>"):
            write_rich(number, index, value, cell_format)
        else:
            write_plain(number, index, value, cell_format)

    def put(number: int, row: tuple) -> None:
        for index, value in enumerate(row):
            kind = type(value)
            if kind is str:
                if value:
                    if value[:1] == "<" and value.startswith("<r>") and value.endswith("</r>"):
                        write_rich(number, index, value, fills.get(value) if index == status_column else None)
                    else:
                        write_plain(number, index, value, fills.get(value) if index == status_column else None)
            elif kind is int or kind is float:
                write_number(number, index, value)
            elif kind is _dt.datetime:
                write_datetime(number, index, value, day)
            else:  # anything else a verdict might hold, as a cell shows it
                value = _cell_text(value)
                if value == "":
                    continue
                if isinstance(value, str):
                    write_string(number, index, value, fills.get(value) if index == status_column else None)
                elif isinstance(value, bool):
                    write_boolean(number, index, value)
                elif isinstance(value, _dt.date):
                    write_datetime(number, index, _dt.datetime.combine(value, _dt.time()), day)
                else:
                    write_number(number, index, value)
    return put


class Book:
    """The workbook around the rows: its formats, the two data sheets with their headings and column formats,
    and :meth:`finish` (the filters, the sheet 说明, the bytes). ``formats``: ``"day"`` and each status word
    (its fill) -> the format; ``sheets``: the two data sheets."""

    def __init__(self, findings: dict, fmt: Formatter):
        self.findings, self.fmt = findings, fmt
        columns = fmt.words["columns"]
        stamp = _dt.datetime.combine(_dt.date.fromisoformat(findings["as_of"]), _dt.time())
        self.raw = io.BytesIO()
        # constant_memory: each row goes to a temporary file as soon as the next begins (a national audit's 310,000
        # rows held as cell objects took more than a gigabyte); strings are then written inline, not in a shared table
        wb = self.wb = xlsxwriter.Workbook(self.raw, {"constant_memory": True, "strings_to_formulas": False,
                                                      "strings_to_urls": False, "strings_to_numbers": False})
        wb.set_properties({"author": "auditor", "created": stamp})
        bold = wb.add_format({"bold": True})
        self.day = wb.add_format({"num_format": "yyyy\"年\"m\"月\"d\"日\"" if fmt.lang == "zh" else "yyyy-mm-dd",
                                  "valign": "top"})
        wrap = wb.add_format({"text_wrap": True, "valign": "top"})
        self.fills = {fmt.words["status"][s]: wb.add_format({"text_wrap": True, "valign": "top", "bg_color": colours[0].upper()})
                      for s, colours in STATUS_COLOURS.items()}
        self.formats = {"day": self.day, **self.fills}
        self.sheets = []
        for title, keys, headings, widths in ((columns["sheets"]["findings"], FINDINGS_COLUMNS, columns["findings"], FINDINGS_WIDTHS),
                                              (columns["sheets"]["evidence"], EVIDENCE_COLUMNS, columns["evidence"], EVIDENCE_WIDTHS)):
            ws = wb.add_worksheet(title)
            for index, width in enumerate(widths):
                ws.set_column(index, index, width, wrap)  # the cells below take the column's format
            for index, key in enumerate(keys):
                ws.write_string(0, index, headings[key], bold)
            self.sheets.append(ws)

    @staticmethod
    def calls(ws) -> tuple:
        """A sheet's writes by kind (see :func:`cells`): write_string, write_number, write_datetime, write_boolean,
        and the rich-text way for the text XlsxWriter would write unescaped."""
        return ws.write_string, ws.write_number, ws.write_datetime, ws.write_boolean, _rich(ws.write_rich_string)

    def writers(self):
        """put(number, row) for sheet 检查结论 and for sheet 问题明细."""
        return [_writer(self.calls(ws), self.day, fills, status)
                for ws, fills, status in ((self.sheets[0], self.fills, FINDINGS_COLUMNS.index("status")), (self.sheets[1], {}, None))]

    def finish(self, last: tuple[int, int]) -> bytes:
        """The filters over the rows written (``last``: each data sheet's last row number), the sheet 说明, the bytes."""
        findings, fmt = self.findings, self.fmt
        for ws, number, keys in zip(self.sheets, last, (FINDINGS_COLUMNS, EVIDENCE_COLUMNS)):
            ws.freeze_panes(1, 0)
            ws.autofilter(0, 0, number, len(keys) - 1)
        columns = fmt.words["columns"]
        info = self.wb.add_worksheet(columns["sheets"]["about"])
        about = columns["about"]
        lines = [(about["as_of"], _dt.date.fromisoformat(findings["as_of"])), (about["plan"], findings["plan"]),
                 (about["policy_set"], findings["policy_set"]["hash"]), (about["engine"], findings["engine"])]
        lines += [(about["submission"], _cell_text(f)) for f in findings["submissions"]]
        for number, (label, value) in enumerate(lines):
            info.write_string(number, 0, label)
            if isinstance(value, _dt.date):
                info.write_datetime(number, 1, _dt.datetime.combine(value, _dt.time()), self.day)
            elif str(value).startswith("<r>") and str(value).endswith("</r>"):
                _rich(info.write_rich_string)(number, 1, str(value))
            else:
                info.write_string(number, 1, str(value))
        info.set_column(0, 0, 14)
        info.set_column(1, 1, 80)
        self.wb.close()
        return self.raw.getvalue()


def workbook(findings: dict, fmt: Formatter) -> bytes:
    """findings.xlsx: sheet 检查结论 (one row per finding), sheet 问题明细 (one row per evidence item), sheet 说明.

    Written with XlsxWriter in constant-memory mode, row by row, both data sheets in one pass over the verdicts (a
    province's 40,000 evidence rows take seconds, not the half minute openpyxl's cell objects took; a nation's
    310,000 rows are never all in memory as cells). Byte-identical for the same findings: the workbook's dates are
    the audit date and XlsxWriter gives every zip entry the same fixed time; the formats are numbered in the
    order they are first written, the same whether the sheets are written one after the other or together.
    """
    book = Book(findings, fmt)
    put_finding, put_detail = book.writers()
    number = detail = 0
    for number, (row, details) in enumerate(_rows(findings, fmt), start=1):
        put_finding(number, row)
        for cells in details:
            detail += 1
            put_detail(detail, cells)
    return book.finish((number, detail))


def cells(findings: dict, fmt: Formatter) -> tuple[list[tuple], tuple[int, int]]:
    """Every data cell :func:`workbook` writes, as ``(sheet, kind, row, column, value, format)`` in the order it
    writes them (``kind`` 0-4: string, number, datetime, boolean, text XlsxWriter would take for XML (see ``_rich``); ``format`` a key of :attr:`Book.formats` or
    None), and each data sheet's last row: what bench/render.py replays with XlsxWriter alone (the floor)."""
    tape: list[tuple] = []

    def recorder(sheet: int):
        return tuple((lambda kind: lambda row, col, value, cell_format=None: tape.append((sheet, kind, row, col, value, cell_format)))(k)
                     for k in range(5))

    words = {word: word for word in (fmt.words["status"][s] for s in STATUS_COLOURS)}
    put_finding = _writer(recorder(0), "day", words, FINDINGS_COLUMNS.index("status"))
    put_detail = _writer(recorder(1), "day", {}, None)
    number = detail = 0
    for number, (row, details) in enumerate(_rows(findings, fmt), start=1):
        put_finding(number, row)
        for row_cells in details:
            detail += 1
            put_detail(detail, row_cells)
    return tape, (number, detail)
