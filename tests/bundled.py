"""The bundled audit (fixtures/shenyang-2022 as of 2022-12-31) reduced to its verdicts, for golden comparisons.

Shared by tests/test_golden.py (the verdicts match tests/golden/) and
tests/rules/test_silent_edit.py (an edited rule set changes them).
"""
from __future__ import annotations

import copy
import datetime as _dt
import json
import os
from functools import lru_cache

from auditor.audit import Auditor
from auditor.intake.submissions import load_submissions
from conftest import FIXTURES, ROOT

AS_OF = _dt.date(2022, 12, 31)
GOLDEN = os.path.join(ROOT, "tests", "golden", f"verdicts-{AS_OF}.json")


@lru_cache(maxsize=1)
def _facts():
    return load_submissions([FIXTURES])


def fixture_facts():
    """The fixtures, loaded once per process; a fresh copy each call (derive writes measures in place)."""
    return copy.deepcopy(_facts())


def summary(findings: dict) -> list[list[str]]:
    """Sorted [district, check, status] triples."""
    return sorted([v["district"], v["check"], v["status"]] for v in findings["verdicts"])


def bundled_summary(policy_set, engine: str = "reference") -> list[list[str]]:
    return summary(Auditor(policy_set, engine).audit(fixture_facts(), AS_OF))


def dump(rows: list[list[str]]) -> str:
    """One triple per line, so a changed verdict is a one-line diff."""
    return "[\n" + ",\n".join(json.dumps(r, ensure_ascii=False) for r in rows) + "\n]\n"


def read_golden() -> list[list[str]]:
    with open(GOLDEN, encoding="utf-8") as handle:
        return json.load(handle)
