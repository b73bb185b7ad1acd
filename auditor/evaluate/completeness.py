"""Completeness at every level: records that a parent record says exist but that were not submitted.

"Missing is never pass" needs more than a check of each record's fields: a
district that lists a school of 900 pupils and sends no class for it would
otherwise pass every class check. The submission schema declares, on each list
of child records, when its parent expects children (``x-completeness``)::

    "classes": {"x-completeness": {"parent": "school", "child": "class",
                "count": "classes_declared", "expected_unless": "pupils_compulsory == 0",
                "total": {"sum": "size", "declared": "pupils_compulsory"}, "parent_as": "school",
                "variants": {"from": "stage", "map": {"primary": [{"grade": 1, "stage": "primary"}, ...], ...}}}}

A parent leaves a *gap* in its children when

* it has no child record and ``expected_unless`` is not known to hold (a school
  whose stage implies classes, unless it declares no compulsory-stage pupils, or
  declares no classes and its enrolment is not on file);
* it declares a count (``count``) larger than the child records found;
* it declares a total (``total.declared``) that the child records' ``total.sum``
  falls short of (class sizes adding up to fewer pupils than the school's
  compulsory-stage enrolment).

A gap in a kind is a gap in every kind below it (the classes of schools not
submitted). Each gap is a placeholder record that carries what is known of the
absent records (the parent's fields, the district) and the values they can take
(``variants``: the grades a school of its stage has), so a check's filter can
still rule it out when it is false for every variant (a junior school's missing
classes are not primary classes, nor grades 1-2); any check it may concern gets ``missing`` with the
parent named in the evidence, and so does any measure over that kind. The
engine never sees placeholders (they are not records): the reference
judgement of a gap is shared by both engines, so they agree by construction.

What no declared figure covers cannot be detected: a school dropped from a
district that declares no ``schools_declared``, a class dropped from a school that
declares neither ``classes_declared`` nor its enrolment.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from auditor.intake import contracts
from auditor.model import Facts, Record
from auditor.rules import expr

RECORDS = "{kind} records"  # the "field" a gap lacks, as the evidence of a kind not submitted at all says
VARIANTS = "_variants"  # a placeholder's key: the values the absent records can take


@dataclass(frozen=True)
class Expectation:
    parent: str
    child: str
    count: str | None
    unless: object | None  # expression node: the parent expects no children when it holds
    total_sum: str | None
    total_declared: str | None
    variants_from: str | None  # the parent's field that decides what the absent children can be
    variants: tuple  # ((parent value, ({child field: value}, ...)), ...): the children a parent of that value can have
    parent_as: str | None  # the child's field holding the parent's scalars


@lru_cache(maxsize=1)
def expectations() -> tuple[Expectation, ...]:
    """Every ``x-completeness`` declaration of the submission schema, parents before children."""
    found = []
    for spec in contracts.completeness_specs():
        total = spec.get("total") or {}
        found.append(Expectation(
            spec["parent"], spec["child"], spec.get("count"),
            expr.parse(spec["expected_unless"]) if spec.get("expected_unless") else None,
            total.get("sum"), total.get("declared"),
            (spec.get("variants") or {}).get("from"),
            tuple((value, tuple(options)) for value, options in sorted(((spec.get("variants") or {}).get("map") or {}).items())),
            spec.get("parent_as")))
    order = {"district": 0, "school": 1, "class": 2, "document": 3}
    return tuple(sorted(found, key=lambda e: order.get(e.parent, 9)))


def _children_by_parent(kind: str, children: list[Record]) -> dict:
    """The children grouped by their ``kind`` parent's identity, in their order (once per expectation: looking
    them up parent by parent was quadratic, 0.5 s for a district of 10,000 classes in 500 schools)."""
    grouped: dict = {}
    for c in children:
        grouped.setdefault(c.ident.get(kind), []).append(c)
    return grouped


def _children_of(parent: Record, kind: str, children: list[Record], grouped: dict) -> list[Record]:
    if kind == "district":
        return children
    return grouped.get(parent.ident.get(kind), [])


def _shortfall(e: Expectation, parent: Record, children: list[Record]) -> dict | None:
    """Why ``parent`` leaves a gap in its ``e.child`` records, or None."""
    data = parent.data
    declared = expr.lookup(data, e.count) if e.count else expr.MISSING
    declared = declared if isinstance(declared, int) and not isinstance(declared, bool) else None
    base = {"kind": e.child, "parent": e.parent, "found": len(children)}
    if not children:
        unless = expr.evaluate(e.unless, data) if e.unless is not None else expr.MISSING
        # no children expected; a declaration outweighs the other way in neither direction: a declared count of 0
        # does not outweigh pupils on record, and no pupils on record do not outweigh a declared count above 0
        if (unless is True and not declared) or (declared == 0 and unless is not False):
            return None
        return {"code": "no_child_records", **base, **({"declared": declared, "field": e.count} if declared else {})}
    if declared is not None and declared > len(children):
        return {"code": "fewer_records_than_declared", **base, "declared": declared, "field": e.count}
    if e.total_sum and e.total_declared:
        total = expr.lookup(data, e.total_declared)
        sizes = list(map(expr.getter(e.total_sum), [c.data for c in children]))
        if isinstance(total, int) and all(isinstance(s, int) for s in sizes) and sum(sizes) < total:
            return {"code": "records_short_of_total", **base, "declared": total, "field": e.total_declared,
                    "sum": sum(sizes), "of": e.total_sum}
    return None


def _placeholder(e: Expectation, parent: Record | None, district: str, reason: dict, source: str) -> Record:
    data: dict = {"district": district}
    ident: dict = {}
    if parent is not None and parent.kind != "district":
        scalars = {k: v for k, v in parent.data.items() if k != "district"}
        if e.parent_as:
            data[e.parent_as] = scalars
        options = dict(e.variants).get(scalars.get(e.variants_from)) if e.variants_from else None
        if options:
            data[VARIANTS] = options  # read by judge_gap only: a placeholder never reaches the engine
        ident = dict(parent.ident)
    key = f"{e.child}:{ident.get(e.parent, '*')}/*" if ident else f"{e.child}:*"
    return Record(e.child, key, data, ident, source)


def find_gaps(facts: Facts) -> dict[str, list[tuple[Record, dict]]]:
    """kind -> [(placeholder record, reason)] for the records ``facts`` lacks by its own declarations."""
    gaps: dict[str, list[tuple[Record, dict]]] = {}
    district = facts.district
    for e in expectations():
        children = facts.of(e.child)
        grouped = _children_by_parent(e.parent, children) if e.parent != "district" else {}
        for parent in facts.of(e.parent):
            reason = _shortfall(e, parent, _children_of(parent, e.parent, children, grouped))
            if reason is not None:
                gaps.setdefault(e.child, []).append((_placeholder(e, parent, district, reason, parent.source), reason))
        # the parent's own gaps: records not submitted have no children on file either
        for placeholder, reason in list(gaps.get(e.parent, ())):
            inherited = {"code": "parent_records_incomplete", "kind": e.child, "parent": e.parent, "because": reason}
            gaps.setdefault(e.child, []).append((_placeholder(e, None, district, inherited, placeholder.source), inherited))
    return gaps


def judge_gap(where, data: dict) -> str:
    """``not_applicable`` when the filter rules the absent records out (false for every variant of
    them, or for the placeholder itself when it has none), else ``missing``."""
    if where is None:
        return "missing"
    options = data.get(VARIANTS) or ({},)
    if all(expr.evaluate(where, {**data, **option}) is False for option in options):
        return "not_applicable"
    return "missing"
