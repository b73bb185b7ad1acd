"""Cells and where they are: a sheet's cells as a :class:`Grid`, a cell's place as a :class:`Loc`,
and the :class:`Ledger` one reading keeps of the problems it found and of where each value came from."""
from __future__ import annotations

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

    def loc(self, row: int, column: int, header: str = "") -> Loc:
        return Loc(self.file, self.sheet, row, column, header)


class Ledger:
    """What one reading of a workbook or CSV set has found: problems at their cells (and the rows
    they spoil), and the cell each value of the submission came from."""

    def __init__(self, label: str):
        self.label = label  # the Document's file name
        self.problems: list[Problem] = []
        self.bad_rows: set = set()  # (file, sheet, row) already reported
        self.locs: dict[str, Loc] = {}  # path_text -> where it came from
        self.positions: dict = {}  # path -> (row, column), for the Document

    def add(self, loc: Loc, code: str, message: str, path=()) -> None:
        """A problem at ``loc``; later problems about the same row are left to this one."""
        self.problems.append(loc.problem(code, message, path_text(path) if path else ""))
        self.bad_rows.add((loc.file, loc.sheet, loc.row))

    def place(self, path: tuple, loc: Loc) -> None:
        """The value at ``path`` in the submission came from ``loc``."""
        self.locs[path_text(path)] = loc
        self.positions[path] = (loc.row, loc.column)

    def locate(self, problem: Problem) -> Problem:
        """A problem from facts_from_document, moved to the cell its path came from."""
        text = problem.path
        while True:
            loc = self.locs.get(text)
            if loc is not None or not text:
                break
            text = text[: text.rfind("[")] if text.endswith("]") else text[: text.rfind(".")] if "." in text else ""
        if loc is None:
            return problem
        text = problem.text if problem.text is not None else problem.message
        return loc.problem(problem.code, msg("sheet.in-column", header=loc.header, text=text) if loc.header else text, problem.path)
