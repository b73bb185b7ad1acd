"""Frozen data: what the loaders produce and the stages pass along."""
from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from typing import Any, NamedTuple

import yaml


Node = Any  # an expression tree of auditor.rules.expr (built and read there; held here as data)

KINDS = ("class", "school", "document", "district", "city")
STATUSES = ("fail", "missing", "not_due", "waived", "pass", "not_applicable")
SEVERITIES = ("critical", "major", "minor")
METHODS = ("automated", "evidence", "manual")


@lru_cache(maxsize=1)
def plan() -> dict:
    text = resources.files("auditor").joinpath("data/plan.yaml").read_text(encoding="utf-8")
    data = yaml.safe_load(text)
    for key in ("issued",):
        data["plan"][key] = str(data["plan"][key])
    data["plan"]["period"] = {k: str(v) for k, v in data["plan"]["period"].items()}
    return data


def clause_order(clause: str) -> int:
    clauses = plan()["clauses"]
    return clauses.index(clause) if clause in clauses else len(clauses)


def district_order(name: str) -> int:
    names = plan()["districts"]
    return names.index(name) if name in names else len(names)


@dataclass(frozen=True)
class Source:
    file: str
    line: int = 0

    def __str__(self) -> str:
        return f"{self.file}:{self.line}" if self.line else self.file


@dataclass(frozen=True)
class Measure:
    id: str
    level: str  # district | city
    agg: str  # count share sum min max mean ratio
    of: str  # record kind aggregated
    where: Node | None
    that: Node | None
    value: str | None
    per: str | None
    title: dict
    source: Source
    policy: str


@dataclass(frozen=True)
class Step:
    due: _dt.date
    params: dict
    cite: str = ""


@dataclass(frozen=True)
class Check:
    id: str
    policy: str
    clause: str
    title: dict
    method: str
    over: str
    where_text: str | None
    require_text: str
    where: Node | None
    require: Node
    steps: tuple  # of Step, ascending by due; a plain `due:` is one step with no params
    scheduled: bool
    if_none: str
    severity: str
    message: dict
    remedy: dict | None
    notes: str
    source: Source
    reading: dict | None = None  # how the check reads the plan (zh, en, source), where it is not literal
    undated: bool = False  # the plan gives the duty no date: due at the end of the plan period (a reading)

    @property
    def final_due(self) -> _dt.date:
        return self.steps[-1].due

    def step_for(self, as_of: _dt.date) -> tuple[int, Step] | None:
        """The step in force on ``as_of`` (the last one already due), or None."""
        current = None
        for index, step in enumerate(self.steps):
            if step.due <= as_of:
                current = (index, step)
        return current


@dataclass(frozen=True)
class Example:
    name: str
    as_of: _dt.date
    submissions: tuple  # of dict
    districts: tuple | None
    expect: dict
    source: Source


@dataclass(frozen=True)
class Policy:
    id: str
    clause: str
    title: dict
    text: str
    responsible: tuple
    notes: str
    references: tuple
    measures: tuple
    checks: tuple
    examples: tuple
    source: Source
    units: dict = field(default_factory=dict)  # responsible units by level: {"district": (...), "city": (...)}


@dataclass(frozen=True)
class PolicySet:
    policies: tuple
    digest: str  # sha256 of the policy files' bytes, in name order
    folder: str

    @property
    def checks(self) -> list[Check]:
        return [c for p in self.policies for c in p.checks]

    @property
    def measures(self) -> list[Measure]:
        return [m for p in self.policies for m in p.measures]

    def policy(self, policy_id: str) -> Policy:
        for p in self.policies:
            if p.id == policy_id:
                return p
        raise KeyError(policy_id)


class Record(NamedTuple):
    """One record as evaluated: ``data`` holds engine-ready values (dates as ordinals). A named tuple, not a
    frozen dataclass: a national audit builds millions, and a tuple is made three times faster."""

    kind: str
    key: str
    data: dict
    ident: dict  # identifying keys for evidence: school, school_name, class, grade, ...
    source: str  # "file" or "file:path"


@dataclass
class Facts:
    """One district's records, by kind."""

    district: str
    files: tuple
    records: dict = field(default_factory=dict)  # kind -> list[Record]
    notes: dict = field(default_factory=dict)  # measure id -> {"status": ..., "evidence": [...]}
    sample_data: bool = False
    gaps: dict = field(default_factory=dict)  # kind -> [(placeholder Record, reason)]: records declared but absent

    def gap_reasons(self) -> dict:
        """placeholder key -> why those records are missing (evaluate/completeness.py)."""
        return {record.key: reason for pairs in self.gaps.values() for record, reason in pairs}

    def of(self, kind: str) -> list[Record]:
        return self.records.get(kind, [])
