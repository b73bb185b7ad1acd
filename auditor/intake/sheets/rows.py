"""Reading a sheet's rows: the district sheet (one figure per row) and the record sheets (one record per row).

Each cell goes through ``cells.convert``; a problem is recorded at its cell in
the :class:`Ledger`. A record row that lacks a required value (absent or
unreadable, already reported) is marked broken: the submission is built
without it, so that the rest of the data still goes through every other check.
"""
from __future__ import annotations

from functools import partial
from itertools import compress, repeat
from operator import is_, is_not
from typing import NamedTuple

from auditor.errors import excerpt
from auditor.intake import contracts
from auditor.intake.sheets.cells import ABSENT, Refusal, convert, convert_column
from auditor.intake.sheets.headers import fill_merges, find_header, match_columns
from auditor.intake.sheets.layout import SPACES, VERTICAL_HEADERS, Sheet, guess, header_names, norm
from auditor.intake.sheets.located import Grid, Ledger, Loc
from auditor.intake.values import BAD_TEXT, bad_character, is_bidi
from auditor.texts import Both, msg

_Absent = type(ABSENT)
_PRESENT = partial(is_not, ABSENT)
_BAD_TEXT_SEARCH = BAD_TEXT.search
_VERTICAL_NAMES = {role: frozenset(map(norm, names)) for role, names in VERTICAL_HEADERS.items()}  # normalised once


def read_figures(grid: Grid, sheet: Sheet, data: dict, ledger: Ledger) -> dict[str, Loc]:
    """The district sheet (指标 | 数值 rows) into ``data``: the submission's own fields (district,
    reported_on) at the top, the rest under ``figures``. Returns each figure's value cell, filled or not."""
    rows_of: dict[str, Loc] = {}
    known = set().union(*_VERTICAL_NAMES.values())
    found = find_header(grid, known, ledger)
    if found is False:
        return rows_of
    if found is None:
        ledger.add(grid.loc(1, 1), "S-SHEET", msg("sheet.no-header-figures", sheet=grid.title))
        return rows_of
    header_row, first = found
    cols = {}
    for c, v in grid.rows[header_row].items():
        for role, names in _VERTICAL_NAMES.items():
            if isinstance(v, str) and norm(v) in names:
                cols[role] = c
    if "name" not in cols or "value" not in cols:
        ledger.add(grid.loc(header_row, 1), "S-SHEET", msg("sheet.figures-columns", sheet=grid.title))
        return rows_of
    fill_merges(grid, first, ledger)
    top = set(contracts.schema("submission")["properties"])
    fields = [(f, header_names(f)) for f in sheet.fields]
    by_name: dict[str, object] = {}
    for f, names in fields:  # a name two fields share names the first
        for n in names:
            by_name.setdefault(n, f)
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
        f = by_name.get(norm(name))
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
        if f.type == "string" and bad_character(value) is not None:
            refuse_text(ledger, loc, value)
        if path[0] == "figures":
            data.setdefault("figures", {})
            ledger.place(("figures",), grid.loc(header_row, 1, grid.title))
        data_target = data if len(path) == 1 else data["figures"]
        data_target[path[-1]] = value
        ledger.place(path, loc)
    return rows_of


def refuse_text(ledger: Ledger, loc: Loc, value: str) -> None:
    """What YAML and JSON refuse as they are read: control and bidirectional characters in text (the row is
    still read, so that its other problems are reported too)."""
    code = bad_character(value)
    what = msg("sheet.character-bidi") if is_bidi(code) else msg("sheet.character-control")
    header = Both(f"「{loc.header}」 ", f"「{loc.header}」") if loc.header else ""
    ledger.problems.append(loc.problem("E-ENCODING", msg("sheet.bad-character", header=header, code=f"{code:04X}", kind=what)))


class RecordRow(NamedTuple):
    values: dict  # field -> value
    parent: object  # the parent's id on a child sheet, or None
    row: int
    grid: Grid
    columns: dict  # field key -> (column, header) of the sheet: where each value came from
    first: int  # the row's first column
    broken: bool  # a required value is absent or unreadable (already reported)

    @property
    def loc(self) -> Loc:
        """The row (its first column)."""
        return self.grid.loc(self.row, self.first)

    def at(self, key: str) -> Loc:
        """The cell of field ``key`` on this row."""
        column, header = self.columns[key]
        return self.grid.loc(self.row, column, header)


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
    if grid.filled:  # every row held has a value
        data_rows = [r for r in sorted(grid.rows) if r >= first]
    else:
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
    first_col = min(columns) if columns else 1
    placed = {f.key: (c, f.title) for c, f in columns.items()}
    known_columns = set(columns)
    header_cells = grid.rows[header_row]
    rows_cells = [grid.rows[row] for row in data_rows]
    extra = set().union(*rows_cells) - known_columns if rows_cells else set()
    for row, cells in zip(data_rows, rows_cells) if extra else ():
        if not known_columns.issuperset(cells):  # a value in a column without a known header
            for c, raw in sorted(cells.items()):
                if c not in known_columns and raw not in (None, "") and c not in headerless \
                        and not (isinstance(raw, str) and not raw.strip(SPACES)) and header_cells.get(c) in (None, ""):
                    headerless.add(c)
                    ledger.add(grid.loc(row, c), "S-SHEET", msg("sheet.unnamed-column"))
    # column by column: each column's cells converted together, then each row put together
    converted = [(c, f, convert_column(f, list(map(dict.get, rows_cells, repeat(c))))) for c, f in sorted(columns.items())]
    quick = None if missing_column else _rows_at_once(converted, data_rows, grid, placed, first_col)
    if quick is not None:
        return quick
    for i, row in enumerate(data_rows):
        record: dict = {}
        parent = None
        broken = missing_column  # a required value is absent or unreadable: the row is left out of the data
        for c, f, values in converted:
            value = values[i]
            if value is ABSENT:
                if f.required:
                    ledger.add(grid.loc(row, c, f.title), "S-SCHEMA", msg("cell.required", title=f.title, expected=f.expected_words()))
                    broken = True
            elif type(value) is Refusal:
                ledger.add(grid.loc(row, c, f.title), "S-SCHEMA", value.message)
                broken |= f.required
            elif f.link:
                parent = value
            else:
                if f.type == "string" and bad_character(value) is not None:
                    refuse_text(ledger, grid.loc(row, c, f.title), value)
                record[f.key] = value
        out.append(RecordRow(record, parent, row, grid, placed, first_col, broken))
    return out


def _rows_at_once(converted: list, data_rows: list, grid: Grid, placed: dict, first: int) -> list[RecordRow] | None:
    """The record rows built column by column (zip and dict in C) when no cell of any column has anything to
    say: no refusal, no required value absent, no text :func:`bad_character` refuses. None otherwise: then the
    rows are put together one by one, each problem at its cell, as before."""
    keys, columns, gaps, parents = [], [], [], None
    for _, f, values in converted:
        kinds = set(map(type, values))
        if Refusal in kinds:
            return None
        absent = _Absent in kinds
        if absent and f.required:
            return None
        if f.type == "string" and any(map(_BAD_TEXT_SEARCH, filter(_PRESENT, values))):
            return None
        if f.link:
            parents = [None if v is ABSENT else v for v in values] if absent else values
            continue
        keys.append(f.key)
        columns.append(values)
        if absent:
            gaps.append((f.key, values))
    records = list(map(dict, map(zip, repeat(keys), zip(*columns)))) if columns else [{} for _ in data_rows]
    for key, values in gaps:  # an optional cell left empty: the key is left out, as row by row
        for record in compress(records, map(is_, values, repeat(ABSENT))):
            del record[key]
    return list(map(tuple.__new__, repeat(RecordRow), zip(records, parents or repeat(None), data_rows, repeat(grid),
                                                          repeat(placed), repeat(first), repeat(False))))
