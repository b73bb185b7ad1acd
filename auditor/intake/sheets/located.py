"""Cells and where they are: a sheet's cells as a :class:`Grid`, a cell's place as a :class:`Loc`,
and the :class:`Ledger` one reading keeps of the problems it found and of where each value came from."""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from auditor.errors import Problem
from auditor.intake.document import path_text
from auditor.texts import Msg, msg


@dataclass(frozen=True)
class Loc:
    file: str
    sheet: str  # "" for a CSV file
    row: int
    column: int
    header: str = ""

    def problem(self, code: str, message: str | Msg, path: str = "") -> Problem:
        return Problem(self.file, self.row, self.column, code, message, path, sheet=self.sheet)


@dataclass
class Grid:
    """One sheet (or one CSV file): cell values by row, and merged ranges."""

    file: str
    sheet: str  # the sheet's name in a workbook; "" for CSV
    rows: dict  # row -> {column: value}
    merges: list = field(default_factory=list)  # (min_row, min_col, max_row, max_col)
    title: str = ""  # how the sheet is called in messages
    filled: bool = False  # no cell held is text of spaces only: every row held has a value, none needs looking at

    def loc(self, row: int, column: int, header: str = "") -> Loc:
        return Loc(self.file, self.sheet, row, column, header)

    def ordered_rows(self) -> list[int]:
        """The rows holding values, in order."""
        return sorted(self.rows)


class Ledger:
    """What one reading of a workbook or CSV set has found: problems at their cells (and the rows
    they spoil), and where each value of the submission came from.

    Where a value came from is kept per record row (its sheet, row and the column of each field), not per
    cell: a cell's place is worked out only when a problem needs it (a 900,000-class CSV set kept a path, a
    text and a Loc for each of its 4.5 million values). Single values (the district sheet's figures) are
    placed one by one."""

    def __init__(self, label: str):
        self.label = label  # the Document's file name
        self.problems: list[Problem] = []
        self.bad_rows: set = set()  # (file, sheet, row) already reported
        self._cells: dict[tuple, Loc] = {}  # path -> where a single value (or a list) came from
        self._rows: dict[tuple, tuple] = {}  # record path -> (grid, row, first column, {key: (column, header)})
        self.positions = _Positions(self)  # path -> (row, column), for the Document
        self._later: list = []  # place_row calls put off until a place is first asked for (place_later)

    def add(self, loc: Loc, code: str, message: str, path=()) -> None:
        """A problem at ``loc``; later problems about the same row are left to this one."""
        self.problems.append(loc.problem(code, message, path_text(path) if path else ""))
        self.bad_rows.add((loc.file, loc.sheet, loc.row))

    def place(self, path: tuple, loc: Loc) -> None:
        """The value at ``path`` in the submission came from ``loc``."""
        self._cells[tuple(path)] = loc

    def place_row(self, path: tuple, grid: Grid, row: int, first: int, columns: dict) -> None:
        """The record at ``path`` came from ``row`` of ``grid``; its field ``key`` from column ``columns[key][0]``."""
        self._rows[path] = (grid, row, first, columns)

    def place_later(self, place) -> None:
        """``place()`` makes place_row calls; it is called only when a place is first asked for (most readings
        find no problem after the rows are built, and a national CSV set has millions of rows)."""
        self._later.append(place)

    def loc(self, path: tuple) -> Loc | None:
        """Where the value at ``path`` came from, or None when it was not placed."""
        while self._later:
            self._later.pop(0)()
        loc = self._cells.get(path)
        if loc is not None:
            return loc
        placed = self._rows.get(path)
        if placed is not None:
            grid, row, first, _ = placed
            return grid.loc(row, first)
        if path and isinstance(path[-1], str):
            placed = self._rows.get(path[:-1])
            if placed is not None:
                grid, row, _, columns = placed
                column = columns.get(path[-1])
                if column is not None:
                    return grid.loc(row, column[0], column[1])
        return None

    def locate(self, problem: Problem) -> Problem:
        """A problem from facts_from_document, moved to the cell its path came from (or its nearest placed ancestor)."""
        path = parse_path(problem.path)
        while True:
            loc = self.loc(path)
            if loc is not None or not path:
                break
            path = path[:-1]
        if loc is None:
            return problem
        text = problem.text if problem.text is not None else problem.message
        return loc.problem(problem.code, msg("sheet.in-column", header=loc.header, text=text) if loc.header else text, problem.path)


class _Positions:
    """``path in positions`` and ``positions[path]`` -> (row, column), worked out from the ledger when asked."""

    def __init__(self, ledger: Ledger):
        self._ledger = ledger

    def __contains__(self, path) -> bool:
        return self._ledger.loc(tuple(path)) is not None

    def __getitem__(self, path) -> tuple[int, int]:
        loc = self._ledger.loc(tuple(path))
        if loc is None:
            raise KeyError(path)
        return (loc.row, loc.column)


_PART = re.compile(r"\[(\d+)\]|([^.\[\]]+)")


def parse_path(text: str) -> tuple:
    """'schools[3].classes[2].size' -> ("schools", 3, "classes", 2, "size") (the inverse of path_text)."""
    return tuple(int(index) if index else key for index, key in _PART.findall(text or ""))
