"""Workbook and CSV files -> :class:`Grid` s, one per sheet, with the file-level problems.

A workbook must be a real .xlsx package (not .xls, not password-protected, not
damaged) that unpacks to at most ``MAX_UNZIPPED_BYTES``; formulas are read as
the values Excel saved with them. Its sheets are matched to the layout's sheets
by name (填表说明 and the hidden options sheet are skipped). A CSV file is read
as UTF-8 or GB18030/GBK text.

Library: **python-calamine** (Rust's calamine, wheels on PyPI, maintained) reads the values — fifteen to thirty
times faster than openpyxl's cell objects, which stay for writing the templates. Each sheet's XML is looked
over first (``package.survey``): calamine would allocate a sheet's whole used range at once, and reads error
values and formulas without a saved result as empty cells, which the reading rules refuse instead.
"""
from __future__ import annotations

import bisect
import csv
import datetime as _dt
import io
import zipfile
import zlib
from itertools import repeat

from auditor.errors import Collector, Problem, SubmissionError, excerpt
from auditor.intake.sheets import package
from auditor.intake.sheets.cells import ExcelError, NoResult
from auditor.intake.sheets.layout import (
    CSV_ENCODINGS, GUIDE, MAX_UNZIPPED_BYTES, OLD_EXCEL_SUFFIXES, OPTIONS, SPACES, Sheet, guess, norm, sheets,
    sheets_by_name)
from auditor.intake.sheets.located import Grid, Ledger, Loc
from auditor.intake.textfile import decode_bytes, read_bytes
from auditor.texts import Both, Msg, msg


def workbook_grids(file: str, ledger: Ledger) -> dict[str, Grid] | None:
    """kind -> Grid for each known sheet of a workbook; raises SubmissionError when the file cannot be read at all."""
    collector = Collector(file, SubmissionError)
    if file.lower().endswith(OLD_EXCEL_SUFFIXES):
        collector.add("E-READ", msg("sheet.xls"))
        collector.raise_if_any()
    raw = read_bytes(file, collector)
    collector.raise_if_any()
    damaged = msg("sheet.not-xlsx")
    parts: dict[str, str] = {}
    try:
        with zipfile.ZipFile(io.BytesIO(raw)) as archive:
            total = sum(info.file_size for info in archive.infolist())
            if total > MAX_UNZIPPED_BYTES:
                collector.add("E-SIZE", msg("sheet.unzipped", size=total, limit=MAX_UNZIPPED_BYTES))
                collector.raise_if_any()
            parts = package.sheet_parts(archive)
            surveys = {title: package.survey(archive, part) for title, part in parts.items()
                       if norm(title) not in (norm(GUIDE), norm(OPTIONS))}
    except package.Unpacking as exc:  # a part's compressed data is broken: the file is damaged, named where
        titles = [title for title, part in parts.items() if part == exc.part]
        where = (msg("sheet.damaged-sheet", title=excerpt(titles[0], 30)) if titles
                 else msg("sheet.damaged-part", part=excerpt(exc.part, 60)))
        collector.add("E-READ", msg("sheet.damaged", where=where))
        collector.raise_if_any()
    except zipfile.BadZipFile:
        if raw.startswith(b"\xd0\xcf\x11\xe0"):  # an OLE container: Excel 97-2003, or an encrypted workbook
            collector.add("E-READ", msg("sheet.password"))
        else:
            collector.add("E-READ", damaged)
        collector.raise_if_any()
    except (package.Damaged, zipfile.LargeZipFile, NotImplementedError, EOFError, OSError, ValueError, zlib.error) as exc:
        collector.add("E-READ", msg("sheet.not-xlsx-detail", detail=excerpt(str(exc), 200)))
        collector.raise_if_any()
    from python_calamine import CalamineWorkbook  # here, not at the top: YAML, JSON and CSV need not load it

    try:
        book = CalamineWorkbook.from_filelike(io.BytesIO(raw))
        titles = list(book.sheet_names)
    except Exception as exc:  # calamine raises its own kinds for a damaged package
        collector.add("E-READ", _damaged_reader(exc))
        collector.raise_if_any()
    grids: dict[str, Grid] = {}
    by_name = sheets_by_name()
    for title in titles:
        name = norm(title)
        if name in (norm(GUIDE), norm(OPTIONS)):
            continue
        found = surveys.get(title)
        if found is None:
            collector.add("E-READ", msg("sheet.not-in-directory", damaged=damaged, title=excerpt(title, 30)))
            collector.raise_if_any()
        if found.too_large():
            ledger.add(Loc(file, title, found.last[0], found.last[1]), "E-SIZE",
                       msg("sheet.range-too-large", title=title, range=package.range_text(found.first, found.last),
                           columns=package.MAX_COLUMNS, cells=f"{package.MAX_CELLS:,}"))
            continue
        sheet = by_name.get(name)
        if sheet is None:
            if found.first is not None:
                known = [s.name for s in sheets()]
                ledger.add(Loc(file, title, 0, 0), "S-SHEET", msg("sheet.unknown-sheet", title=title, hint=guess(title, known), names=known))
            continue
        if sheet.kind in grids:
            ledger.add(Loc(file, title, 0, 0), "S-SHEET", msg("sheet.sheet-twice", sheet=sheet.name))
            continue
        try:
            values = book.get_sheet_by_name(title)
            rows, filled = _rows(values)
            ranges = values.merged_cell_ranges or []
        except Exception as exc:  # a damaged sheet the survey did not meet (calamine reads more than the sheet XML)
            collector.add("E-READ", _damaged_reader(exc, title))
            collector.raise_if_any()
        for (row, column), value in found.errors.items():
            rows.setdefault(row, {})[column] = cell = ExcelError(value)
            filled = filled and not _blank(cell)
        for (row, column), formula in found.no_result.items():
            rows.setdefault(row, {})[column] = cell = NoResult(formula)
            filled = filled and not _blank(cell)
        merges = _merges(Loc(file, title, 0, 0), ranges, rows, ledger)
        grids[sheet.kind] = Grid(file, title, rows, merges, title, filled=filled)
    return grids


def _damaged_reader(exc: Exception, title: str | None = None) -> Msg:
    """A workbook python-calamine could not read: damaged, with the sheet when known. The reader's own words
    (English, about its internals) are given in the English message only."""
    reason = f"{type(exc).__name__}: {excerpt(str(exc), 200)}"
    if title is None:
        return msg("sheet.damaged", where=Both(f"python-calamine: {reason}", "读取器无法读取"))
    return msg("sheet.damaged", where=msg("sheet.damaged-read", title=excerpt(title, 30), reason=Both(f" (python-calamine: {reason})", "")))


_LARGEST = 2**53


def _merges(where: Loc, ranges: list, rows: dict, ledger: Ledger) -> list[tuple[int, int, int, int]]:
    """calamine's merged ranges, 1-based (r1, c1, r2, c2); the cells a merge covers (all but its top-left one) are
    emptied, as Excel shows them and as openpyxl read them. Never walked cell by cell: only rows holding values.
    A range wider than the reading limits, or beyond the merged cells a sheet may have in all, is refused."""
    merges = []
    budget = package.MAX_CELLS
    ordered = sorted(rows)
    for (r1, c1), (r2, c2) in ranges:
        first, last = (r1 + 1, c1 + 1), (r2 + 1, c2 + 1)
        area = (last[0] - first[0] + 1) * (last[1] - first[1] + 1)
        if last[1] - first[1] + 1 > package.MAX_COLUMNS or area > budget:
            ledger.add(Loc(where.file, where.sheet, first[0], first[1]), "E-SIZE",
                       msg("sheet.merge-too-large", range=package.range_text(first, last), columns=package.MAX_COLUMNS,
                           cells=f"{package.MAX_CELLS:,}"))
            continue
        budget -= area
        for r in ordered[bisect.bisect_left(ordered, first[0]):bisect.bisect_right(ordered, last[0])]:
            cells = rows.get(r)
            if cells is None:
                continue
            for c in [c for c in cells if first[1] <= c <= last[1] and (r, c) != first]:
                del cells[c]
            if not cells:
                del rows[r]
        merges.append((first[0], first[1], last[0], last[1]))
    return merges


def _rows(values) -> tuple[dict, bool]:
    """A calamine sheet as {row: {column: value}} (1-based, cells holding a value only), values as openpyxl gave
    them: whole numbers as int, dates as datetime; and whether no cell held is text of spaces only (the grid is
    ``filled``: every row held has a value, and none needs looking over for blanks). One loop over the cells, the
    conversions inline: a column-wise reading (each column's distinct values converted once, rows put together
    by zip) was measured 10-15% slower, as building each row's dict is most of the work either way."""
    start = values.start
    if start is None:
        return {}, True
    rows: dict = {}
    blank = False
    first_column = start[1] + 1
    for r, row in enumerate(values.iter_rows(), start[0] + 1):
        cells = {}
        for c, value in enumerate(row, first_column):
            kind = type(value)
            if kind is str:
                if value:
                    cells[c] = value
                    if not value.strip(SPACES):
                        blank = True
            elif kind is float:
                cells[c] = int(value) if value.is_integer() and -_LARGEST < value < _LARGEST else value
            elif kind is _dt.date:
                cells[c] = _dt.datetime(value.year, value.month, value.day)
            else:
                cells[c] = value
        if cells:
            rows[r] = cells
    return rows, not blank


def _blank(value) -> bool:
    """Whether a cell's value is text of spaces only (or none): it reads as empty."""
    return isinstance(value, str) and not value.strip(SPACES)


def _csv_error(file: str, text: str, exc: csv.Error) -> tuple[Loc, Msg]:
    """Where and why the csv module refused ``text``. Its field limit (a cell over 131,072 characters, or a
    missing closing quote that makes the rest of the file one cell) is named with the cell's line, column and
    header, and the line where the cell ends; any other refusal with the line it was met on."""
    limit = csv.field_size_limit()
    reader = csv.reader(io.StringIO(text, newline=""))
    start, header = 1, []
    if "field limit" in str(exc):
        csv.field_size_limit(max(limit, len(text) + 1))  # read the record whole, once, to find the cell
        try:
            for record in reader:
                long = [c for c, value in enumerate(record, 1) if len(value) > limit]
                if long:
                    column = long[0]
                    title = header[column - 1] if column <= len(header) and start > 1 else ""
                    runs = msg("sheet.csv-runs-to", end=reader.line_num) if reader.line_num > start else ""
                    named = Both(f" 「{excerpt(title, 30)}」", f"「{excerpt(title, 30)}」") if title.strip() else ""
                    return (Loc(file, "", start, column),
                            msg("sheet.csv-cell-too-long", header=named, limit=f"{limit:,}", runs=runs))
                header = header or record
                start = reader.line_num + 1
        except csv.Error:
            pass
        finally:
            csv.field_size_limit(limit)
        reader = csv.reader(io.StringIO(text, newline=""))
    try:
        for _ in reader:
            pass
    except csv.Error:
        pass
    return Loc(file, "", max(reader.line_num, 1), 0), msg("sheet.csv", detail=Both(f": {exc}", "（格式有误）"))


def csv_grid(file: str, ledger: Ledger, sheet: Sheet) -> Grid | None:
    """One CSV file as the grid of ``sheet``; None (with its problems in ``ledger``) when it cannot be read."""
    collector = Collector(file, SubmissionError)
    raw = read_bytes(file, collector)
    if raw == b"":  # not even a header row: an export or a transfer that failed, not a sheet without rows
        ledger.add(Loc(file, "", 0, 0), "S-SCHEMA", msg("sheet.csv-empty"))
        return None
    text = decode_bytes(raw, collector, CSV_ENCODINGS) if raw is not None else None
    if text is None:
        for p in collector.problems:
            if p.code == "E-ENCODING" and p.text is not None:  # its "save it as UTF-8" becomes how to save a CSV file
                params = tuple((k, msg("encoding.save-csv") if k == "save" else v) for k, v in p.text.params)
                p = Problem(p.file, p.line, p.column, p.code, Msg(p.text.key, params), p.path)
            ledger.problems.append(p)
        return None
    try:
        records = list(csv.reader(io.StringIO(text, newline="")))
    except csv.Error as exc:
        loc, message = _csv_error(file, text, exc)
        ledger.add(loc, "E-SYNTAX", message)
        return None
    # a row with no blank cell (most rows) becomes its dict by zip in C; the others cell by cell
    columns = range(1, 1 + max(map(len, records), default=0))  # column numbers, shared by every row's zip
    full = list(map(all, map(map, repeat(str.strip), records, repeat(repeat(SPACES)))))
    if all(full) and all(records):
        rows = dict(zip(range(1, 1 + len(records)), map(dict, map(zip, repeat(columns), records))))
    else:
        rows = {}
        for r, (record, whole) in enumerate(zip(records, full), start=1):
            cells = dict(zip(columns, record)) if whole else {c: v for c, v in enumerate(record, start=1) if v.strip(SPACES)}
            if cells:
                rows[r] = cells
    return Grid(file, "", rows, [], sheet.name, filled=True)
