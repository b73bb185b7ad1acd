"""The small fixed audit behind the report goldens, and its fixture ``golden_out`` (import it into a test module).

Its inputs are tests/golden/input/ (two policies and two small submissions, one with hostile school names),
not policies/ and fixtures/, so that extending those does not churn the goldens.
"""
from __future__ import annotations

import os

import pytest

from auditor.cli import main
from conftest import ROOT

GOLDEN = os.path.join("tests", "golden")
INPUT = os.path.join(GOLDEN, "input")
GOLDEN_ARGS = [os.path.join(INPUT, "dd-hostile.yaml"), os.path.join(INPUT, "hp.yaml"), "--policies", os.path.join(INPUT, "policies"),
               "--districts", "和平区,大东区", "--as-of", "2022-12-31", "--engine", "reference", "--issued", "2023-01-10",
               "--number", "沈教督〔{year}〕N号"]
GOLDEN_FILES = ["大东区.html", "大东区-整改通知.html", "和平区.html", "index.html"]


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


def read(folder: str, name: str) -> str:
    with open(os.path.join(folder, name), encoding="utf-8") as handle:
        return handle.read()
