"""A record sheet's header: which row it is, which field each column holds, and merged cells.

The header is the first of the top ``HEADER_SEARCH_ROWS`` rows holding a known
column name; header cells merged downwards are one header, a sub-header below
them is refused. Vertically merged data cells count as filled on every row;
horizontally merged cells, merged header cells across columns, unknown and
repeated column names are refused (columns whose name starts with 备注 are not
read).
"""
from __future__ import annotations

from auditor.errors import excerpt
from auditor.intake.sheets.layout import HEADER_SEARCH_ROWS, IGNORED_HEADERS, SPACES, Field, guess, norm
from auditor.intake.sheets.located import Grid, Ledger
from auditor.texts import msg

# openpyxl is imported where a merged range is named in a message (get_column_letter), not at the top
# of the module: importing it costs ~70 ms, which loading YAML, JSON or CSV need not pay.


def find_header(grid: Grid, known: set[str], ledger: Ledger) -> tuple[int, int] | None | bool:
    """(header row, first data row); None when no header is found; False when it is reported unreadable."""
    for row in sorted(grid.rows)[:HEADER_SEARCH_ROWS]:
        cells = grid.rows[row]
        if any(norm(v) in known for v in cells.values() if isinstance(v, str)):
            bottom = row
            for r1, c1, r2, c2 in grid.merges:
                if r1 <= row <= r2:
                    if c2 > c1:
                        from openpyxl.utils import get_column_letter as L  # lazy: see the top of the module

                        ledger.add(grid.loc(row, c1), "S-SHEET", msg("sheet.merged-header", cells=f"{L(c1)}{r1}:{L(c2)}{r2}"))
                    bottom = max(bottom, r2)
            for r in range(row + 1, bottom + 1):
                for c, v in grid.rows.get(r, {}).items():
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
            from openpyxl.utils import get_column_letter as L  # lazy: see the top of the module

            ledger.add(grid.loc(r1, c1), "S-SHEET", msg("sheet.merged-across", cells=f"{L(c1)}{r1}:{L(c2)}{r2}"))
            continue
        value = grid.rows.get(r1, {}).get(c1)
        for r in range(max(r1, first_data), r2 + 1):
            grid.rows.setdefault(r, {})[c1] = value


def match_columns(grid: Grid, header_row: int, candidates: list[tuple[Field, set]], ledger: Ledger) -> dict[int, Field]:
    """Column -> the field its header names, from ``candidates`` (field, its header names)."""
    out: dict[int, Field] = {}
    seen: dict[str, int] = {}
    allowed = [f.header for f, _ in candidates]
    for c, v in sorted(grid.rows[header_row].items()):
        if v is None or (isinstance(v, str) and not v.strip(SPACES)):
            continue
        name = norm(v)
        if any(name.startswith(norm(p)) for p in IGNORED_HEADERS):
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
