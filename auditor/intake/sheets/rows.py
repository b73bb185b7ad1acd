"""Reading a sheet's rows: the district sheet (one figure per row) and the record sheets (one record per row).

Each cell goes through ``cells.convert``; a problem is recorded at its cell in
the :class:`Ledger`. A record row that lacks a required value (absent or
unreadable, already reported) is marked broken: the submission is built
without it, so that the rest of the data still goes through every other check.
"""
from __future__ import annotations

from typing import NamedTuple

from auditor.errors import excerpt
from auditor.intake import contracts
from auditor.intake.sheets.cells import ABSENT, convert
from auditor.intake.sheets.headers import fill_merges, find_header, match_columns
from auditor.intake.sheets.layout import SPACES, VERTICAL_HEADERS, Sheet, guess, header_names, norm
from auditor.intake.sheets.located import Grid, Ledger, Loc
from auditor.texts import msg


def read_figures(grid: Grid, sheet: Sheet, data: dict, ledger: Ledger) -> dict[str, Loc]:
    """The district sheet (指标 | 数值 rows) into ``data``: the submission's own fields (district,
    reported_on) at the top, the rest under ``figures``. Returns each figure's value cell, filled or not."""
    rows_of: dict[str, Loc] = {}
    known = {n for names in VERTICAL_HEADERS.values() for n in map(norm, names)}
    found = find_header(grid, known, ledger)
    if found is False:
        return rows_of
    if found is None:
        ledger.add(grid.loc(1, 1), "S-SHEET", msg("sheet.no-header-figures", sheet=grid.title))
        return rows_of
    header_row, first = found
    cols = {}
    for c, v in grid.rows[header_row].items():
        for role, names in VERTICAL_HEADERS.items():
            if isinstance(v, str) and norm(v) in map(norm, names):
                cols[role] = c
    if "name" not in cols or "value" not in cols:
        ledger.add(grid.loc(header_row, 1), "S-SHEET", msg("sheet.figures-columns", sheet=grid.title))
        return rows_of
    fill_merges(grid, first, ledger)
    top = set(contracts.schema("submission")["properties"])
    fields = [(f, header_names(f)) for f in sheet.fields]
    seen: dict[str, int] = {}
    for row in sorted(r for r in grid.rows if r >= first):
        cells = grid.rows[row]
        name, raw = cells.get(cols["name"]), cells.get(cols["value"])
        if all(v is None or (isinstance(v, str) and not v.strip(SPACES)) for v in cells.values()):
            continue
        if name is None or not str(name).strip(SPACES):
            if raw not in (None, ""):
                ledger.add(grid.loc(row, cols["name"]), "S-SHEET", msg("sheet.value-without-name"))
            continue
        f = next((f for f, names in fields if norm(name) in names), None)
        if f is None:
            hint = guess(str(name).strip(), [x.title for x, _ in fields])
            ledger.add(grid.loc(row, cols["name"]), "S-SHEET", msg("sheet.unknown-indicator", name=excerpt(str(name).strip(), 30), hint=hint))
            continue
        if f.key in seen:
            ledger.add(grid.loc(row, cols["name"]), "S-SHEET", msg("sheet.indicator-twice", title=f.title, row=seen[f.key]))
            continue
        seen[f.key] = row
        loc = grid.loc(row, cols["value"], f.title)
        rows_of[f.key] = loc
        value, problem = convert(f, raw)
        path = (f.key,) if f.key in top else ("figures", f.key)
        if problem:
            ledger.add(loc, "S-SCHEMA", problem, path)
            continue
        if value is ABSENT:
            continue
        if path[0] == "figures":
            data.setdefault("figures", {})
            ledger.place(("figures",), grid.loc(header_row, 1, grid.title))
        data_target = data if len(path) == 1 else data["figures"]
        data_target[path[-1]] = value
        ledger.place(path, loc)
    return rows_of


class RecordRow(NamedTuple):
    values: dict  # field -> (value, loc)
    parent: tuple | None  # (the parent's id, its loc) on a child sheet
    row: int
    loc: Loc  # the row's first column
    broken: bool  # a required value is absent or unreadable (already reported)


def read_records(grid: Grid, sheet: Sheet, ledger: Ledger) -> list[RecordRow] | None:
    """The rows of a record sheet; None when its header cannot be found or read (the sheet is unreadable)."""
    candidates = [(f, header_names(f)) for f in sheet.fields]
    known = set().union(*(names for _, names in candidates))
    found = find_header(grid, known, ledger)
    if found is False:
        return None
    if found is None:
        if grid.rows:
            ledger.add(grid.loc(1, 1), "S-SHEET", msg("sheet.no-header", sheet=grid.title, names=[f.header for f, _ in candidates[:4]]))
        return None
    header_row, first = found
    columns = match_columns(grid, header_row, candidates, ledger)
    fill_merges(grid, first, ledger)
    data_rows = [r for r in sorted(grid.rows) if r >= first and any(
        v is not None and not (isinstance(v, str) and not v.strip(SPACES)) for v in grid.rows[r].values())]
    present = {f.key for f in columns.values()}
    for f, _ in candidates:
        if f.required and f.key not in present and data_rows:
            ledger.add(grid.loc(header_row, 0), "S-SHEET", msg("sheet.missing-column", sheet=grid.title, title=f.title))
            ledger.bad_rows.update((grid.file, grid.sheet, r) for r in data_rows)
    out = []
    headerless = set()
    missing_column = any(f.required and f.key not in present for f, _ in candidates)
    for row in data_rows:
        cells = grid.rows[row]
        record: dict = {}
        parent = None
        broken = missing_column  # a required value is absent or unreadable: the row is left out of the data
        for c, raw in sorted(cells.items()):
            if c not in columns:
                if raw not in (None, "") and c not in headerless and not (isinstance(raw, str) and not raw.strip(SPACES)) \
                        and grid.rows[header_row].get(c) in (None, ""):
                    headerless.add(c)
                    ledger.add(grid.loc(row, c), "S-SHEET", msg("sheet.unnamed-column"))
                continue
        first_col = min(columns) if columns else 1
        for c, f in columns.items():
            loc = grid.loc(row, c, f.title)
            value, problem = convert(f, cells.get(c))
            if problem:
                ledger.add(loc, "S-SCHEMA", problem)
                broken |= f.required
            elif value is ABSENT:
                if f.required:
                    ledger.add(loc, "S-SCHEMA", msg("cell.required", title=f.title, expected=f.expected_words()))
                    broken = True
            elif f.link:
                parent = (value, loc)
            else:
                record[f.key] = (value, loc)
        out.append(RecordRow(record, parent, row, grid.loc(row, first_col), broken))
    return out
