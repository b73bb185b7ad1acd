"""Workbook and CSV files -> :class:`Grid` s, one per sheet, with the file-level problems.

A workbook must be a real .xlsx package (not .xls, not password-protected, not
damaged) that unpacks to at most ``MAX_UNZIPPED_BYTES``; formulas are read as
the values Excel saved with them. Its sheets are matched to the layout's sheets
by name (填表说明 and the hidden options sheet are skipped). A CSV file is read
as UTF-8 or GB18030/GBK text.
"""
from __future__ import annotations

import csv
import io
import re
import warnings
import zipfile

from auditor.errors import Collector, Problem, SubmissionError
from auditor.intake.sheets.cells import ExcelError, NoResult
from auditor.intake.sheets.layout import (
    CSV_ENCODINGS, GUIDE, MAX_UNZIPPED_BYTES, OLD_EXCEL_SUFFIXES, OPTIONS, SPACES, Sheet, norm, paren, sheets,
    sheets_by_name, suggest)
from auditor.intake.sheets.located import Grid, Ledger, Loc
from auditor.intake.textfile import decode_bytes, read_bytes
from auditor.texts import Both, Msg, msg


def workbook_grids(file: str, ledger: Ledger) -> dict[str, Grid] | None:
    """kind -> Grid for each known sheet of a workbook; raises SubmissionError when the file cannot be read at all."""
    collector = Collector(file, SubmissionError)
    if file.lower().endswith(OLD_EXCEL_SUFFIXES):
        collector.add("E-READ", "旧版 Excel 97-2003 文件（.xls）不能读取：请在 Excel 中“另存为”Excel 工作簿（.xlsx）")
        collector.raise_if_any()
    raw = read_bytes(file, collector)
    collector.raise_if_any()
    try:
        with zipfile.ZipFile(io.BytesIO(raw)) as archive:
            total = sum(info.file_size for info in archive.infolist())
    except zipfile.BadZipFile:
        if raw.startswith(b"\xd0\xcf\x11\xe0"):  # an OLE container: Excel 97-2003, or an encrypted workbook
            collector.add("E-READ", "这是设置了打开密码的工作簿或 Excel 97-2003 文件：请取消密码，另存为 Excel 工作簿（.xlsx）")
        else:
            collector.add("E-READ", "不是有效的 .xlsx 工作簿（文件已损坏，或只是改了扩展名）；请用 Excel 另存为 .xlsx")
        collector.raise_if_any()
    if total > MAX_UNZIPPED_BYTES:
        collector.add("E-SIZE", msg("sheet.unzipped", size=total, limit=MAX_UNZIPPED_BYTES))
        collector.raise_if_any()
    from openpyxl import load_workbook  # here, not at the top: importing openpyxl costs ~70 ms that YAML, JSON and CSV need not pay

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            wb = load_workbook(io.BytesIO(raw), data_only=False)
            formulas = any(c.data_type == "f" for ws in wb.worksheets for row in ws.iter_rows() for c in row)
            values = load_workbook(io.BytesIO(raw), data_only=True) if formulas else wb
    except Exception as exc:  # openpyxl raises many kinds for a damaged package
        collector.add("E-READ", f"不是有效的 .xlsx 工作簿：{type(exc).__name__}: {str(exc)[:200]}")
        collector.raise_if_any()
    grids: dict[str, Grid] = {}
    by_name = sheets_by_name()
    for ws in wb.worksheets:
        vs = values[ws.title]
        title = ws.title
        name = norm(title)
        if name in (norm(GUIDE), norm(OPTIONS)):
            continue
        rows: dict = {}
        for row in ws.iter_rows():
            for cell in row:
                value = vs[cell.coordinate].value
                if cell.data_type == "f" and value is None:
                    value = NoResult(str(cell.value))
                if cell.data_type == "e" or vs[cell.coordinate].data_type == "e":
                    value = ExcelError(value)
                if value is not None:
                    rows.setdefault(cell.row, {})[cell.column] = value
        merges = [(m.min_row, m.min_col, m.max_row, m.max_col) for m in ws.merged_cells.ranges]
        sheet = by_name.get(name)
        if sheet is None:
            if rows:
                known = [s.name for s in sheets()]
                ledger.add(Loc(file, title, 0, 0), "S-SHEET", f"不认识的工作表“{title}”{paren(suggest(title, known))}；工作表应为 {'、'.join(known)}（不要改工作表名）")
            continue
        if sheet.kind in grids:
            ledger.add(Loc(file, title, 0, 0), "S-SHEET", f"工作表「{sheet.name}」出现了两次")
            continue
        grids[sheet.kind] = Grid(file, title, rows, merges, title)
    return grids


def csv_grid(file: str, ledger: Ledger, sheet: Sheet) -> Grid | None:
    """One CSV file as the grid of ``sheet``; None (with its problems in ``ledger``) when it cannot be read."""
    collector = Collector(file, SubmissionError)
    raw = read_bytes(file, collector)
    text = decode_bytes(raw, collector, CSV_ENCODINGS) if raw is not None else None
    if text is None:
        for p in collector.problems:
            if p.code == "E-ENCODING" and p.text is not None:  # its "save it as UTF-8" becomes how to save a CSV file
                params = tuple((k, msg("encoding.save-csv") if k == "save" else v) for k, v in p.text.params)
                p = Problem(p.file, p.line, p.column, p.code, Msg(p.text.key, params), p.path)
            ledger.problems.append(p)
        return None
    rows: dict = {}
    try:
        for r, record in enumerate(csv.reader(io.StringIO(text, newline="")), start=1):
            cells = {c: v for c, v in enumerate(record, start=1) if v.strip(SPACES)}
            if cells:
                rows[r] = cells
    except csv.Error as exc:
        ledger.add(Loc(file, "", 0, 0), "E-SYNTAX", msg("sheet.csv", detail=Both(f": {exc}", "")))
        return None
    return Grid(file, "", rows, [], sheet.name)
