"""A record sheet's header: which row it is, which field each column holds, and merged cells.

The header is the first of the top ``HEADER_SEARCH_ROWS`` rows holding a known
column name; header cells merged downwards are one header, a sub-header below
them is refused. Vertically merged data cells count as filled on every row;
horizontally merged cells, merged header cells across columns, unknown and
repeated column names are refused (columns whose name starts with 备注 are not
read). A merged range fills only the rows below it that hold values: it is never expanded cell by cell.
"""
from __future__ import annotations

import bisect

from auditor.errors import excerpt
from auditor.intake.sheets.layout import HEADER_SEARCH_ROWS, IGNORED_HEADERS, SPACES, Field, guess, norm
from auditor.intake.sheets.located import Grid, Ledger
from auditor.intake.sheets.package import range_text
from auditor.texts import msg

_IGNORED = tuple(map(norm, IGNORED_HEADERS))  # normalised once



def find_header(grid: Grid, known: set[str], ledger: Ledger) -> tuple[int, int] | None | bool:
    """(header row, first data row); None when no header is found; False when it is reported unreadable."""
    for row in sorted(grid.rows)[:HEADER_SEARCH_ROWS]:
        cells = grid.rows[row]
        if any(norm(v) in known for v in cells.values() if isinstance(v, str)):
            bottom = row
            for r1, c1, r2, c2 in grid.merges:
                if r1 <= row <= r2:
                    if r2 - row >= HEADER_SEARCH_ROWS:  # a header merged down over the sheet would hide every row
                        ledger.add(grid.loc(row, c1), "S-SHEET", msg("sheet.merged-down", cells=_range(r1, c1, r2, c2), row=r2))
                        return False
                    if c2 > c1:
                        ledger.add(grid.loc(row, c1), "S-SHEET", msg("sheet.merged-header", cells=_range(r1, c1, r2, c2)))
                    bottom = max(bottom, r2)
            for r in _rows_between(grid, row + 1, bottom):  # rows holding values, never every row of a tall merge
                for c, v in grid.rows[r].items():
                    if v not in (None, "") and not any(r1 <= r <= r2 and c1 <= c <= c2 for r1, c1, r2, c2 in grid.merges):
                        ledger.add(grid.loc(r, c), "S-SHEET", msg("sheet.header-rows"))
                        return False
            return row, bottom + 1
    return None


def fill_merges(grid: Grid, first_data: int, ledger: Ledger) -> None:
    """Vertically merged data cells count as filled on every row; horizontal merges are refused."""
    for r1, c1, r2, c2 in grid.merges:
        if r2 < first_data:
            continue
        if c2 > c1:
            ledger.add(grid.loc(r1, c1), "S-SHEET", msg("sheet.merged-across", cells=_range(r1, c1, r2, c2)))
            continue
        value = grid.rows.get(r1, {}).get(c1)
        if value is None:
            continue
        for r in _rows_between(grid, max(r1, first_data), r2):  # only rows that hold values: never cell by cell
            grid.rows[r][c1] = value


def _range(r1: int, c1: int, r2: int, c2: int) -> str:
    return range_text((r1, c1), (r2, c2))


def _rows_between(grid: Grid, low: int, high: int) -> list[int]:
    """The rows from ``low`` to ``high`` that hold a value (a merge down to row 1,048,576 is not a million rows)."""
    if high - low < 64:
        return [r for r in range(low, high + 1) if r in grid.rows]
    ordered = grid.ordered_rows()
    return ordered[bisect.bisect_left(ordered, low):bisect.bisect_right(ordered, high)]


def match_columns(grid: Grid, header_row: int, candidates: list[tuple[Field, set]], ledger: Ledger) -> dict[int, Field]:
    """Column -> the field its header names, from ``candidates`` (field, its header names)."""
    out: dict[int, Field] = {}
    seen: dict[str, int] = {}
    allowed = [f.header for f, _ in candidates]
    for c, v in sorted(grid.rows[header_row].items()):
        if v is None or (isinstance(v, str) and not v.strip(SPACES)):
            continue
        name = norm(v)
        if name.startswith(_IGNORED):
            continue
        match = next((f for f, names in candidates if name in names), None)
        if match is None:
            ledger.add(grid.loc(header_row, c), "S-SHEET", msg("sheet.unknown-column", name=excerpt(str(v).strip(), 30),
                                                               hint=guess(str(v).strip(), allowed), sheet=grid.title, names=list(allowed)))
            continue
        if match.key in seen:
            ledger.add(grid.loc(header_row, c), "S-SHEET", msg("sheet.column-twice", title=match.title, column=seen[match.key]))
            continue
        seen[match.key] = c
        out[c] = match
    return out
