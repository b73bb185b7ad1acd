"""sheets/located.py: a problem found in the submission dict moved to the cell its value came from."""
from __future__ import annotations

import pytest

from auditor.errors import Problem
from auditor.intake.sheets.located import Ledger, Loc


@pytest.fixture
def ledger():
    ledger = Ledger("和平区.xlsx")
    ledger.place(("schools",), Loc("和平区.xlsx", "学校", 0, 0))
    ledger.place(("schools", 0), Loc("和平区.xlsx", "学校", 2, 1))
    ledger.place(("schools", 0, "pupils"), Loc("和平区.xlsx", "学校", 2, 5, "在校生数"))
    return ledger


@pytest.mark.parametrize("path, where", [
    ("schools[0].pupils", "和平区.xlsx:学校!E2: S-SCHEMA: 「在校生数」bad"),  # the cell, named by its header
    ("schools[0].classes[3].size", "和平区.xlsx:学校!A2: S-SCHEMA: bad"),  # the nearest placed ancestor: the row
    ("schools[1]", "和平区.xlsx:学校: S-SCHEMA: bad"),
    ("figures.pupils_total", "x.yaml:7: S-SCHEMA: bad"),  # nowhere placed: as it was
])
def test_a_problem_lands_on_the_cell_its_path_came_from(ledger, path, where):
    problem = ledger.locate(Problem("x.yaml", 7, 0, "S-SCHEMA", "bad", path))
    assert problem.format() == f"{where} (at {path})"


def test_a_problem_spoils_its_row(ledger):
    ledger.add(Loc("和平区.xlsx", "学校", 3, 2), "S-SCHEMA", "x", ("schools", 1, "name"))
    assert ledger.bad_rows == {("和平区.xlsx", "学校", 3)}
    assert ledger.problems[0].path == "schools[1].name" and ledger.positions[("schools", 0)] == (2, 1)
