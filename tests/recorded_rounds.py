"""The four fixture rounds recorded into an audit history once per test session (as `make audit` records them).

ROUNDS mirrors the Makefile's `audit` recipe (tests/store/test_store_record.py holds the two together).
Used by the store tests and by the documents' tests (tests/output/), which read the documents each round wrote.
"""
from __future__ import annotations

import glob
import os

import pytest

from auditor.cli import main

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
R = os.path.join(ROOT, "fixtures", "rounds")
OLD = os.path.join(R, "policies-2019-2021")
POLICIES = os.path.join(ROOT, "policies")
SHENYANG_2022 = os.path.join(ROOT, "fixtures", "shenyang-2022")
CORRECTED_2021 = sorted(f for f in glob.glob(os.path.join(R, "2021", "*.yaml")) if not f.endswith("09-yh.yaml")) + \
    [os.path.join(R, "2021-corrected", "09-yh.yaml")]

# (submissions, --as-of, --policies, --issued, --rectify-days, out folder name)
ROUNDS = [
    ([os.path.join(R, "2019")], "2019-12-31", OLD, "2020-01-15", "90", "2019"),
    ([os.path.join(R, "2020")], "2020-12-31", OLD, "2021-01-15", "90", "2020"),
    ([os.path.join(R, "2021")], "2021-12-31", OLD, "2022-01-14", "365", "2021"),
    (CORRECTED_2021, "2021-12-31", OLD, "2022-02-08", "340", "2021-corrected"),
    ([SHENYANG_2022], "2022-12-31", POLICIES, "2023-01-16", "30", "out"),
]


def record_rounds(folder: str, rounds=ROUNDS) -> str:
    db = os.path.join(folder, "history.sqlite")
    for submissions, as_of, policies, issued, days, name in rounds:
        assert main(["audit", *submissions, "--as-of", as_of, "--policies", policies, "--issued", issued,
                     "--rectify-days", days, "--out", os.path.join(folder, name), "--db", db,
                     "--engine", "reference", "--jobs", "1"]) == 0
    return db


_CACHE: dict[str, str] = {}


@pytest.fixture(scope="session")
def rounds_db(tmp_path_factory) -> str:
    """The history of `make audit`: 5 audits (2021 twice). Tests must not write to it (copy it first)."""
    if "db" not in _CACHE:
        _CACHE["db"] = record_rounds(str(tmp_path_factory.mktemp("rounds")))
    return _CACHE["db"]


@pytest.fixture(scope="session")
def rounds_folder(rounds_db) -> str:
    """Where rounds_db recorded the rounds: the store, and each round's documents in the folder named last in
    ROUNDS (the 2022 round's in out/, as `make audit` writes them). Tests must not write to it."""
    return os.path.dirname(rounds_db)
