"""The grids of a workbook or CSV set -> the submission dict the YAML loader would have built.

The district sheet gives the district and the figures; the record sheets give
documents and schools; a class row names its school by the school's id and is
attached to it. Every record's row is placed in the :class:`Ledger` (with the column of each field), so that
a problem found later by ``submission.facts_from_document`` lands on its cell.
Broken rows (already reported) are left out; a child row whose parent row was
broken is not called an orphan.
"""
from __future__ import annotations

from collections import deque
from functools import partial
from itertools import repeat

from auditor.intake.sheets.layout import Sheet, guess, sheets, sheets_by_kind
from auditor.intake.sheets.located import Grid, Ledger, Loc
from auditor.intake.sheets.rows import RecordRow, read_figures, read_records
from auditor.model import plan
from auditor.texts import msg

_consume = partial(deque, maxlen=0)  # runs a map() to its end, keeping nothing


def build_submission(grids: dict[str, Grid], ledger: Ledger, district_hint: str | None = None) -> dict:
    """The submission dict from ``grids`` (kind -> Grid); ``district_hint`` is the district a CSV set's file names give."""
    by_kind = sheets_by_kind()
    data: dict = {}
    if district_hint:
        data["district"] = district_hint
    grid = grids.get("district")
    rows_of = read_figures(grid, by_kind["district"], data, ledger) if grid is not None else {}
    _check_district(data, district_hint, ledger, rows_of.get("district") or (grid.loc(1, 1) if grid is not None else None), by_kind["district"])
    top_level = [s for s in sheets() if not s.vertical and not s.parent]
    children = [s for s in sheets() if s.parent]
    rows_by_kind: dict[str, list[RecordRow]] = {}
    unreadable: set[str] = set()  # kinds whose sheet could not be read at all
    for sheet in top_level + children:
        if sheet.kind in grids:
            rows = read_records(grids[sheet.kind], sheet, ledger)
            grids[sheet.kind].rows.clear()  # the cells are read: let them go (a problem's place needs only the grid's name)
            if rows is None:
                unreadable.add(sheet.kind)
            rows_by_kind[sheet.kind] = rows or []
    dropped: set = set()  # (kind, id) of broken parent rows: their children are not orphans
    for sheet in top_level:
        rows = rows_by_kind.get(sheet.kind)
        if rows:
            data[sheet.key] = _records(sheet, rows, ledger, dropped)
            ledger.place((sheet.key,), grids[sheet.kind].loc(0, 0))
    for sheet in children:
        rows = rows_by_kind.get(sheet.kind)
        if rows:
            parent_sheet = by_kind[sheet.parent]
            _attach(sheet, parent_sheet, data.get(parent_sheet.key, []), rows, ledger, dropped,
                    blame_orphans=parent_sheet.kind not in unreadable)  # else that sheet's own problem explains it
    return data


def _check_district(data: dict, district_hint: str | None, ledger: Ledger, where: Loc | None, sheet: Sheet) -> None:
    """The district named, one of the thirteen, and the one the CSV file names give."""
    if district_hint and data.get("district") != district_hint:
        loc = ledger.loc(("district",))
        if loc is not None:
            ledger.add(loc, "S-DISTRICT", msg("sheet.district-mismatch", name=data.get("district"), named=district_hint))
    districts = plan()["districts"]
    if "district" in data and data["district"] not in districts and ledger.loc(("district",)):
        ledger.add(ledger.loc(("district",)), "S-DISTRICT", msg("sheet.unknown-district", name=data["district"], hint=guess(data["district"], districts), names=list(districts)))
    if "district" not in data:
        ledger.bad_rows.add((ledger.label, "", 0))  # the schema's "required key district" says the same
        ledger.add(where or Loc(ledger.label, "", 0, 0), "S-SCHEMA", msg("sheet.no-district", sheet=sheet.name, title=sheet.field("district").title))


def _records(sheet: Sheet, rows: list[RecordRow], ledger: Ledger, dropped: set) -> list[dict]:
    """A top-level sheet's records (documents, schools); a repeated id is refused, a broken row left out."""
    records = []
    seen_ids: dict = {}
    for values, _, row, grid, columns, first, broken in rows:
        if broken:
            if "id" in values:
                dropped.add((sheet.kind, values["id"]))
            continue
        if "id" in values:
            ident = values["id"]
            if ident in seen_ids:
                column, header = columns["id"]
                ledger.add(grid.loc(row, column, header), "S-DUPLICATE-ID", msg("sheet.duplicate-id", title=sheet.field("id").title, id=ident, row=seen_ids[ident]))
                continue
            seen_ids[ident] = row
        ledger.place_row((sheet.key, len(records)), grid, row, first, columns)
        records.append(values)
    return records


def _attach(sheet: Sheet, parent_sheet: Sheet, parents: list[dict], rows: list[RecordRow], ledger: Ledger,
            dropped: set, blame_orphans: bool) -> None:
    """A child sheet's records (classes) into their parents' lists; one problem per unknown parent id."""
    index = {}
    for i, p in enumerate(parents):
        index.setdefault(p.get("id"), i)
    if _attach_at_once(sheet, parent_sheet, parents, rows, ledger, dropped, index):
        return
    seen_ids = {}
    orphans: dict = {}  # parent id -> [the first row naming it, rows]
    link = f"{parent_sheet.kind}.id"
    for record in rows:
        values, parent, row, grid, columns, first, broken = record
        if parent is None or broken:
            continue  # already reported
        if "id" in values:
            ident = values["id"]
            if (parent, ident) in seen_ids:
                ledger.add(record.at("id"), "S-DUPLICATE-ID", msg("sheet.duplicate-child-id", parent_sheet=parent_sheet.name, parent=parent,
                                                                          title=sheet.field("id").title, id=ident, row=seen_ids[(parent, ident)]))
                continue
            seen_ids[(parent, ident)] = row
        if (parent_sheet.kind, parent) in dropped:
            continue
        if parent not in index:
            orphans.setdefault(parent, [record, 0])[1] += 1
            continue
        i = index[parent]
        children_list = parents[i].setdefault(sheet.key, [])
        ledger.place_row((parent_sheet.key, i, sheet.key, len(children_list)), grid, row, first, columns)
        children_list.append(values)
    if not blame_orphans:
        return
    for parent, (record, count) in orphans.items():  # one problem per unknown parent, at its first row
        rows_text = msg("sheet.rows", count=count) if count > 1 else ""
        ledger.add(record.at(link), "S-SCHEMA", msg("sheet.no-parent", title=parent_sheet.field("id").title, parent=parent,
                                                    sheet=parent_sheet.name, rows=rows_text, hint=guess(parent, index)))


def _attach_at_once(sheet: Sheet, parent_sheet: Sheet, parents: list[dict], rows: list[RecordRow], ledger: Ledger,
                    dropped: set, index: dict) -> bool:
    """:func:`_attach` by map() over C functions when it would find nothing to say: no broken row, every row names
    a known parent none of whose rows was broken, every child id given and none twice under one parent. Each
    row's place in the ledger is worked out only when a problem asks for one. False (nothing done) otherwise."""
    values, named = [r.values for r in rows], [r.parent for r in rows]
    if any(r.broken for r in rows) or None in named:
        return False
    ids = list(map(dict.get, values, repeat("id")))
    if None in ids or len(set(zip(named, ids))) != len(ids):
        return False
    distinct = set(named)
    if not index.keys() >= distinct or any((parent_sheet.kind, parent) in dropped for parent in distinct):
        return False
    lists = {parent: parents[index[parent]].setdefault(sheet.key, []) for parent in distinct}
    before = {parent: len(children) for parent, children in lists.items()}
    _consume(map(list.append, map(lists.__getitem__, named), values))

    def place():
        counts = dict(before)
        for record in rows:
            i = index[record.parent]
            position = counts[record.parent]
            counts[record.parent] = position + 1
            ledger.place_row((parent_sheet.key, i, sheet.key, position), record.grid, record.row, record.first, record.columns)

    ledger.place_later(place)
    return True
