"""L-CONFLICT: pairs of checks whose requirements cannot both hold — found through an index, not by trying every pair.

Two checks conflict when they judge the same kind of record, their filters
certainly overlap, steps of theirs are in force at the same time, each
requirement can hold on its own, and the two cannot hold together
(:func:`pair_conflict`, the definition). Trying every pair made `auditor check`
quadratic (2,000 checks: 87 s). :func:`conflicts` finds the same findings from
far fewer pairs:

1. **Checks with the same logic are one class.** Checks of the same kind with
   the same filter and the same requirements and periods (copies, or the same
   rule for several clauses) are compared once, through one representative.
   Two checks of one class never conflict with each other.
2. **Only pairs that share a field can conflict.** Satisfiability is decided
   field by field on each conjunction of the normal form, so when both
   filters are plain conjunctions a conflict needs a field that both
   requirements read; when a filter has an ``or``, the two checks must share
   some field (filter or requirement) — otherwise the question splits into two
   independent halves, each satisfiable. An index from each field to the
   classes that read it yields exactly those pairs.
3. **Filters that certainly exclude each other** (``kind == "action_plan"``
   against ``kind == "layout_plan"``, ``grade <= 2`` against ``grade >= 3``)
   are set aside by comparing the values each filter allows per field, before
   any normal form is combined.

Each step is exact — it only drops pairs :func:`pair_conflict` would find
without a conflict — so the findings are those of comparing every pair; a
checked class pair is reported at each check of one class that comes after a
check of the other (citing the first such check), as comparing the checks
pairwise in file order reports it. Normal forms are computed once per check.
"""
from __future__ import annotations

import datetime as _dt
import math
from dataclasses import dataclass

from auditor.model import Check
from auditor.rules import expr
from auditor.rules.expr.analysis import Domain, dnf, satisfiable_forms


@dataclass
class Shape:
    """A check's logic in normal form, computed once."""

    check: Check
    order: int  # position in the policy set
    where_form: list | None  # None: too large to reason about (such a check never conflicts)
    steps: list  # [(start, end, require node, require form)]
    require_fields: frozenset
    fields: frozenset  # filter and requirement
    disjunctive: bool  # the filter has more than one conjunction
    allowed: dict  # field -> ("set", values) | ("range", lo, hi): what every conjunction of the filter allows
    key: tuple  # checks with equal keys have the same logic

    @property
    def usable(self) -> bool:
        return self.where_form is not None or self.check.where is None


def _allowed(form: list | None) -> dict:
    """Per field, the values the filter can let through: a finite set, or a numeric range (conservative)."""
    if not form:
        return {}
    per_conjunct = []
    for conjunct in form:
        here: dict = {}
        for atom in conjunct:
            if atom[0] == "in" and not atom[3]:
                values = frozenset(atom[2])
                old = here.get(atom[1])
                here[atom[1]] = ("set", values if old is None or old[0] != "set" else old[1] & values)
            elif atom[0] == "cmp" and atom[2] == "==" and not isinstance(atom[3], float):
                old = here.get(atom[1])
                values = frozenset([atom[3]])
                here[atom[1]] = ("set", values if old is None or old[0] != "set" else old[1] & values)
            elif atom[0] == "cmp" and atom[2] in ("<", "<=", ">", ">=") and _number(atom[3]):
                old = here.get(atom[1])
                if old is not None and old[0] == "set":
                    continue
                lo, hi = (old[1], old[2]) if old else (-math.inf, math.inf)
                if atom[2] in ("<", "<="):
                    hi = min(hi, atom[3])
                else:
                    lo = max(lo, atom[3])
                here[atom[1]] = ("range", lo, hi)
        per_conjunct.append(here)
    out = {}
    for field in set.intersection(*(set(c) for c in per_conjunct)):
        kinds = {c[field][0] for c in per_conjunct}
        if kinds == {"set"}:
            out[field] = ("set", frozenset().union(*(c[field][1] for c in per_conjunct)))
        elif kinds == {"range"}:
            out[field] = ("range", min(c[field][1] for c in per_conjunct), max(c[field][2] for c in per_conjunct))
    return out


def _number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _apart(a: dict, b: dict) -> bool:
    """True when the two filters certainly let no record through together (some field's values are disjoint)."""
    for field, x in a.items():
        y = b.get(field)
        if y is None:
            continue
        if x[0] == "set" and y[0] == "set":
            if not (x[1] & y[1]):
                return True
        elif x[0] == "range" and y[0] == "range":
            if x[2] < y[1] or y[2] < x[1]:
                return True
    return False


def steps_in_force(check: Check) -> list[tuple[_dt.date, _dt.date]]:
    """[start, end] of each step (the last step is in force for ever)."""
    out = []
    for i, step in enumerate(check.steps):
        end = check.steps[i + 1].due - _dt.timedelta(days=1) if i + 1 < len(check.steps) else _dt.date.max
        out.append((step.due, end))
    return out


def shape(check: Check, order: int) -> Shape:
    requires = [expr.substitute(check.require, step.params) for step in check.steps]
    where_form = dnf(check.where) if check.where is not None else None
    steps = [(start, end, node, dnf(node)) for (start, end), node in zip(steps_in_force(check), requires)]
    require_fields = frozenset().union(*(expr.fields(n) for n in requires))
    where_fields = frozenset(expr.fields(check.where)) if check.where is not None else frozenset()
    key = (check.over, expr.to_text(check.where) if check.where is not None else None,
           tuple((start, end, expr.to_text(node)) for start, end, node, _ in steps))
    return Shape(check, order, where_form, steps, require_fields, require_fields | where_fields,
                 bool(where_form) and len(where_form) > 1, _allowed(where_form), key)


def _both(a: Shape, b: Shape) -> list:
    return [f for s in (a, b) if s.check.where is not None for f in [s.where_form]]


def pair_conflict(a: Shape, b: Shape, domains: dict[str, Domain]) -> tuple | None:
    """The definition: (start, a's requirement, b's requirement) of the first steps of ``a`` and ``b``
    in force together whose requirements cannot both hold on records both filters certainly let
    through — each requirement being satisfiable alone there — or None."""
    both = _both(a, b)
    if both and satisfiable_forms(both, domains) is not True:
        return None
    for a_start, a_end, ra, fa in a.steps:
        for b_start, b_end, rb, fb in b.steps:
            if max(a_start, b_start) > min(a_end, b_end):
                continue
            if satisfiable_forms(both + [fa], domains) is False or satisfiable_forms(both + [fb], domains) is False:
                continue  # already reported as impossible
            if satisfiable_forms(both + [fa, fb], domains) is False:
                return max(a_start, b_start), ra, rb
    return None


def _could_conflict(a: Shape, b: Shape) -> bool:
    """False only when :func:`pair_conflict` certainly finds nothing (see the module's notes)."""
    if a.key == b.key or not a.usable or not b.usable or _apart(a.allowed, b.allowed):
        return False
    if a.disjunctive or b.disjunctive:
        return bool(a.fields & b.fields)
    return bool(a.require_fields & b.require_fields)


def conflicts(checks: list[Check], domains_of: dict[str, dict[str, Domain]]) -> list[tuple[Check, Check, tuple]]:
    """Every (earlier check, later check, (since, earlier's requirement, later's requirement)) that conflict,
    reported once per later check and class of earlier checks (see the module's notes)."""
    classes: dict[tuple, list[Shape]] = {}
    for order, check in enumerate(checks):
        s = shape(check, order)
        classes.setdefault(s.key, []).append(s)
    reps = [members[0] for members in classes.values()]
    out = []
    by_kind: dict[str, list[int]] = {}
    for i, rep in enumerate(reps):
        by_kind.setdefault(rep.check.over, []).append(i)
    for kind, indices in by_kind.items():
        domains = domains_of[kind]
        reading: dict[str, list[int]] = {}  # field -> classes whose requirement reads it
        touching: dict[str, list[int]] = {}  # field -> classes that read it anywhere
        disjunctive: dict[str, list[int]] = {}  # the same, for classes whose filter has an "or"
        for i in indices:
            for f in reps[i].require_fields:
                reading.setdefault(f, []).append(i)
            for f in reps[i].fields:
                touching.setdefault(f, []).append(i)
                if reps[i].disjunctive:
                    disjunctive.setdefault(f, []).append(i)
        for i in indices:
            a = reps[i]
            found: set[int] = set()
            for f in a.require_fields:
                found.update(reading.get(f, ()))
            for f in a.fields:
                found.update((touching if a.disjunctive else disjunctive).get(f, ()))
            for j in sorted(found):
                if j <= i or not _could_conflict(a, reps[j]):
                    continue
                out.extend(_report(classes[a.key], classes[reps[j].key], domains))
    out.sort(key=lambda item: (item[1].source.file, item[1].source.line, item[0].source.line))
    return out


def _report(first: list[Shape], second: list[Shape], domains: dict[str, Domain]) -> list[tuple[Check, Check, tuple]]:
    """The two classes conflict or not; if they do, each member that comes after a member of the other class
    is reported, citing the earliest such member."""
    found: dict[bool, tuple | None] = {}
    out = []
    for later_class, earlier_class, flipped in ((second, first, False), (first, second, True)):
        head = earlier_class[0]
        for x in later_class:
            if head.order > x.order:
                continue
            if flipped not in found:  # the earlier class's check plays "a", as comparing in file order does
                found[flipped] = pair_conflict(head, x, domains)
            if found[flipped] is None:
                break
            out.append((head.check, x.check, found[flipped]))
    return out
