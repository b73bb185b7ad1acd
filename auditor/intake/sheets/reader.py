"""Reading Excel workbooks and CSV sets into a submission, every problem located at its cell.

:func:`load_spreadsheet` turns a workbook or a district's CSV set into the same
submission dict the YAML loader builds (``grids`` reads the files, ``build``
the submission, ``rows``/``headers``/``cells`` the sheets), runs it through
``intake.submission.facts_from_document`` and reports every problem at its cell
(``和平区.xlsx:班级!D17``). The reading rules for hand-made sheets are
``layout.READING_RULES``. A district's CSV files are one submission unit
(:func:`group_units`).
"""
from __future__ import annotations

import os

from auditor.errors import MAX_PER_KIND, SubmissionError
from auditor.intake.document import Document
from auditor.intake.sheets.build import build_submission
from auditor.intake.sheets.grids import csv_grid, workbook_grids
from auditor.intake.sheets.layout import CSV_SUFFIX, Sheet, norm, sheets
from auditor.intake.sheets.located import Grid, Ledger, Loc
from auditor.intake.submission import facts_from_document
from auditor.model import Facts
from auditor.texts import msg


def csv_parts(file: str) -> tuple[str, Sheet] | None:
    """(prefix, sheet) from a name like 和平区-学校.csv, or None."""
    stem = os.path.basename(file)[: -len(CSV_SUFFIX)]
    for sheet in sheets():
        for name in (sheet.name, sheet.key):
            for sep in ("-", "_", "－", " "):
                if stem.lower().endswith((sep + name).lower()):
                    return stem[: -len(sep + name)], sheet
            if norm(stem) == norm(name):
                return "", sheet
    return None


def group_units(files: list[str]) -> list:
    """Files as submission units: a workbook or YAML file alone, a district's CSV files together."""
    units: list = []
    groups: dict[tuple, list[str]] = {}
    for file in files:
        if file.lower().endswith(CSV_SUFFIX):
            parts = csv_parts(file)
            key = (os.path.dirname(file), parts[0] if parts else file)
            if key not in groups:
                groups[key] = []
                units.append(key)
            groups[key].append(file)
        else:
            units.append(file)
    return [tuple(groups[u]) if isinstance(u, tuple) else u for u in units]


def unit_label(unit) -> str:
    """How a unit is named in messages: the file, or ``folder/和平区-*.csv`` for a CSV set."""
    if isinstance(unit, tuple):
        parts = csv_parts(unit[0])
        prefix = parts[0] if parts else ""
        return os.path.join(os.path.dirname(unit[0]), f"{prefix}-*.csv" if prefix else "*.csv")
    return unit


MAX_PER_COLUMN = MAX_PER_KIND  # problems of one code per column; the rest are counted (errors.cap, for every file)


def load_spreadsheet(unit) -> Facts:
    """A workbook (path) or a CSV set (tuple of paths) -> validated Facts; every problem located at its cell."""
    label = unit_label(unit)
    ledger = Ledger(label)
    district_hint = None
    if isinstance(unit, tuple):
        files = list(unit)
        grids: dict[str, Grid] = {}
        for file in files:
            parts = csv_parts(file)
            if parts is None:
                ledger.add(Loc(file, "", 0, 0), "S-SHEET", msg("sheet.csv-name", names=[s.name for s in sheets()]))
                continue
            prefix, sheet = parts
            district_hint = prefix or None
            if sheet.kind in grids:
                ledger.add(Loc(file, "", 0, 0), "S-SHEET", msg("sheet.given-by", sheet=sheet.name, file=grids[sheet.kind].file))
                continue
            grid = csv_grid(file, ledger, sheet)
            if grid is not None:
                grids[sheet.kind] = grid
    else:
        files = [unit]
        grids = workbook_grids(unit, ledger)
    data = build_submission(grids, ledger, district_hint) if not any(p.code in ("E-ENCODING", "E-READ", "E-SIZE") for p in ledger.problems) else {}
    problems = list(ledger.problems)
    facts = None
    if data:
        try:
            facts = facts_from_document(Document(label, data, ledger.positions), own=True)
        except SubmissionError as exc:
            for p in exc.problems:
                located = ledger.locate(p)
                if (located.file, located.sheet, located.line) in ledger.bad_rows:
                    continue  # the cell's own problem already says it, in the clerk's words
                problems.append(located)
    if problems:
        raise SubmissionError(problems)  # capped per column by errors.cap
    facts.files = tuple(files)
    return facts
