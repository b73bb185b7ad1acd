"""Frozen data: what the loaders produce and the stages pass along."""
from __future__ import annotations

import datetime as _dt
import re
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from typing import Any, NamedTuple

import yaml


Node = Any  # an expression tree of auditor.rules.expr (built and read there; held here as data)

KINDS = ("class", "school", "school_stage", "document", "district", "city")  # school_stage: derived, a school per stage
STATUSES = ("fail", "missing", "not_due", "waived", "pass", "not_applicable")
SEVERITIES = ("critical", "major", "minor")
METHODS = ("automated", "evidence", "manual")


@lru_cache(maxsize=1)
def plan() -> dict:
    """The city and its districts (auditor/data/plan.yaml). The documents audited against are policy packs."""
    text = resources.files("auditor").joinpath("data/plan.yaml").read_text(encoding="utf-8")
    return yaml.safe_load(text)


def covers_city(districts) -> bool:
    """Whether an audit of ``districts`` includes every district of the city: only such an audit judges the
    city-wide targets (the city's figures over all its districts)."""
    return set(plan()["districts"]) <= set(districts)


_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_NUMBER = re.compile(r"[0-9]+|[零〇一二两三四五六七八九十百]+")


def _chinese(text: str) -> int:
    """一 -> 1, 十 -> 10, 十三 -> 13, 二十一 -> 21, 一百零五 -> 105."""
    total, current = 0, 0
    for ch in text:
        if ch == "百":
            total += (current or 1) * 100
            current = 0
        elif ch == "十":
            total += (current or 1) * 10
            current = 0
        else:
            current = _DIGITS[ch]
    return total + current


def clause_order(clause: str) -> tuple:
    """A sort key for a clause as its document numbers it, whatever the document: the numbers it is made of,
    in order (二（一）4 -> (2, 1, 4), 第六条（十三） -> (6, 13)). Clauses without a number come last.

    Each pack lists its clauses in this order (the test suite holds them to it), so sorting by this key is the
    document's own order, and the audit history (which keeps clause numbers, not packs) sorts the same way."""
    numbers = tuple(int(m) if m.isdigit() else _chinese(m) for m in _NUMBER.findall(clause or ""))
    return (0, numbers, clause) if numbers else (1, (), clause or "")


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
    agg: str  # count share sum min max mean ratio cv
    of: str  # record kind aggregated
    where: Node | None
    that: Node | None
    value: str | None
    per: str | None
    title: dict
    source: Source
    policy: str
    weight: str | None = None  # cv: the field weighting each record (a school's pupils)


@dataclass(frozen=True)
class Computed:
    """A per-record figure computed before the engine (``computed:`` of a policy): ``value`` over the record's
    fields, e.g. ``teachers_bachelor_plus * 100 / pupils``; absent when an input is absent or a divisor is zero."""

    id: str
    of: str  # record kind
    value: Node
    value_text: str
    title: dict
    unit: str  # the x-unit it is shown with ("" for none)
    source: Source
    policy: str
    short: dict | None = None  # a short name for table headings


@dataclass(frozen=True)
class KOfN:
    """A check's ``require_k_of_n``: at least ``k`` of the items meet their threshold and none is below ``floor``
    of its threshold. Derived before the engine into two per-record figures, ``met`` (items at or above their
    threshold) and ``lowest`` (the lowest value / threshold over the items), which ``require`` judges."""

    k: int
    floor: float
    items: tuple  # of (field, threshold): each item holds when the record's field is at least the threshold
    met: str  # the per-record field names
    lowest: str

    @property
    def fields(self) -> tuple:
        return tuple(f for f, _ in self.items)


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
    document: str = ""  # the id of the pack (the document) whose clause the check cites
    k_of_n: KOfN | None = None  # require_k_of_n: the items behind the require (``met >= k and lowest >= floor``)
    undated: bool = False  # the plan gives the duty no date: due at the end of the plan period (a reading)
    compare: dict | None = None  # a self-report against a computed measure: {reported, computed, tolerance} (its require is made from it)

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
    document: str = ""  # the id of its pack
    computed: tuple = ()  # of Computed: per-record figures it defines


LEVELS = ("city", "province", "national")  # packs are listed in this order: the city's own plan first


@dataclass(frozen=True)
class Pack:
    """A document the policies of one folder encode (its pack.yaml): the 文号, title, period and clauses."""

    id: str
    ref: str
    title: dict
    short: dict
    issuer: dict | None
    level: str
    issued: _dt.date
    start: _dt.date
    end: _dt.date | None  # None: a standing standard without an end
    clauses: tuple
    notes: str
    folder: str
    source: Source
    assessment: dict | None = None  # the assessment page: {"title", "file", "parts": [{"title", "clauses"}]}

    def info(self) -> dict:
        """What findings.json says about the document."""
        return {"id": self.id, "ref": self.ref, "title": dict(self.title), "short": dict(self.short), "level": self.level,
                "issued": self.issued.isoformat(),
                "period": {"start": self.start.isoformat(), **({"end": self.end.isoformat()} if self.end else {})},
                "clauses": list(self.clauses), **({"assessment": self.assessment} if self.assessment else {})}


@dataclass(frozen=True)
class PolicySet:
    policies: tuple
    digest: str  # sha256 of the policy files' bytes (pack.yaml included), by pack-relative name
    folder: str  # the --policies argument(s), as given (several are joined with a space)
    packs: tuple = ()  # of Pack, city first, then province, then national (then by id)
    files: tuple = ()  # of (pack-relative name, path): every file of the packs, pack.yaml included

    def pack(self, pack_id: str) -> Pack:
        for p in self.packs:
            if p.id == pack_id:
                return p
        raise KeyError(pack_id)

    @property
    def lead(self) -> Pack | None:
        """The first document (the city's own plan when it is audited): what the reports' title blocks cite."""
        return self.packs[0] if self.packs else None

    @property
    def checks(self) -> list[Check]:
        return [c for p in self.policies for c in p.checks]

    @property
    def measures(self) -> list[Measure]:
        return [m for p in self.policies for m in p.measures]

    @property
    def computed(self) -> list[Computed]:
        return [c for p in self.policies for c in p.computed]

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
    # (record key, field) -> the exact value, (numerator, denominator > 0), of a figure derived by division, of which
    # the record holds the float (evaluate/records.py): a school's share of a combined school's resources, a ratio
    exact: dict = field(default_factory=dict)

    def gap_reasons(self) -> dict:
        """placeholder key -> why those records are missing (evaluate/completeness.py)."""
        return {record.key: reason for pairs in self.gaps.values() for record, reason in pairs}

    def of(self, kind: str) -> list[Record]:
        return self.records.get(kind, [])
