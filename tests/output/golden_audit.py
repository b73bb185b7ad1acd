"""The small fixed audits behind the report goldens, and their fixtures (import them into a test module).

``golden_out``: one audit without an audit history (``--no-db``: the documents leave the history's sections out).
``golden_history_out``: the same audit recorded into a fresh store, then the two districts re-inspected half a
year later (tests/golden/input/history/); the documents of that second audit show 复查情况, 与上次督导比较,
an item carried over as 逾期未整改, the projection of a check not yet due, and the city's trends.

Their inputs are tests/golden/input/ (two policies and small submissions, one district with hostile school names),
not policies/ and fixtures/, so that extending those does not churn the goldens.
"""
from __future__ import annotations

import os

import pytest

from auditor.cli import main
from conftest import ROOT

GOLDEN = os.path.join("tests", "golden")
INPUT = os.path.join(GOLDEN, "input")
COMMON = ["--policies", os.path.join(INPUT, "policies"), "--districts", "和平区,大东区", "--engine", "reference",
          "--number", "沈教督〔{year}〕N号"]
FIRST = [os.path.join(INPUT, "dd-hostile.yaml"), os.path.join(INPUT, "hp.yaml"), *COMMON, "--as-of", "2022-12-31",
         "--issued", "2023-01-10"]
GOLDEN_ARGS = [*FIRST, "--no-db"]
GOLDEN_FILES = ["大东区.html", "大东区-整改通知.html", "和平区.html", "index.html"]
# the re-inspection: the notices of the first audit were due by 2023-02-09
SECOND = [os.path.join(INPUT, "history", "dd-2023.yaml"), os.path.join(INPUT, "history", "hp-2023.yaml"), *COMMON,
          "--as-of", "2023-06-30", "--issued", "2023-07-10"]
HISTORY = os.path.join(GOLDEN, "history")
HISTORY_FILES = ["大东区.html", "大东区-整改通知.html", "index.html"]


def audit_into(out: str, *args: str) -> int:
    cwd = os.getcwd()
    os.chdir(ROOT)  # paths in the findings are relative to the project, as a user would type them
    try:
        return main(["audit", *args, "--out", out])
    finally:
        os.chdir(cwd)


@pytest.fixture(scope="module")
def golden_out(tmp_path_factory):
    """The golden audit (hostile school names included), written once per test module that uses it."""
    out = str(tmp_path_factory.mktemp("golden"))
    assert audit_into(out, *GOLDEN_ARGS) == 0
    return out


@pytest.fixture(scope="module")
def golden_history_out(tmp_path_factory):
    """The re-inspection's output folder; the first audit's is ``first`` beside it, the store ``history.sqlite``."""
    folder = tmp_path_factory.mktemp("golden-history")
    store = str(folder / "history.sqlite")
    assert audit_into(str(folder / "first"), *FIRST, "--db", store) == 0
    assert audit_into(str(folder / "second"), *SECOND, "--db", store) == 0
    return str(folder / "second")


def read(folder: str, name: str) -> str:
    with open(os.path.join(folder, name), encoding="utf-8") as handle:
        return handle.read()
