"""Why a verdict: the ``trace`` each verdict carries, made by the evaluation that reached it.

The verdict stage knows the step of the schedule in force on the audit date, the rule, the records and their
outcomes, and the derived figures with their inputs; this module writes that down, compactly — counts and the
first ``FIRST`` records of each list (the full lists are the verdict's ``evidence``), so that a province's
findings.json grows by a few hundred bytes per verdict, not by its records:

``as_of``, ``step`` (which step of the schedule is in force and why: its deadline and parameters, the next
step), ``failed`` and ``lacking`` (how many records failed or lacked data, and the first of them: their values
and the fields they lack are in the evidence), ``measures`` (each derived figure the rule reads: how it is
computed, its value, numerator and denominator, and which records were counted, which the measure's filter
left out and which lacked data), and ``because`` — the reason for the status, a code. The filter and the
requirement judged, and the count of records per outcome, are the verdict's own ``applies_to``,
``requirement`` and ``counts``.

It also tells a late filing from a missing one (:func:`filing`): a failing record whose date is past a
deadline the requirement sets carries ``filing: {status: late, days, due, filed_on}``; a document of a kind the
check requires that was not submitted at all carries ``filing: {status: not_filed, due}``.
"""
from __future__ import annotations

import datetime as _dt
import functools

from auditor.evaluate.reference import FAIL, MISSING, NA, PASS, Judged
from auditor.intake.contracts import DATE
from auditor.model import Check, Facts, Measure
from auditor.rules import expr
from auditor.rules.compiler import Rule

FIRST = 3  # records named per list in a trace; the verdict's evidence has them all

# why a verdict has its status
BECAUSE = {
    "not_due": "before_first_deadline",
    FAIL: "records_fail",
    PASS: "all_applicable_pass",
    NA: "none_applicable",
}


def _step(check: Check, as_of: _dt.date) -> dict:
    current = check.step_for(as_of)
    index = 0 if current is None else current[0]
    step = check.steps[index]
    out = {"number": index + 1, "of": len(check.steps), "due": step.due.isoformat(),
           "in_force": current is not None, "params": dict(step.params)}
    if step.cite:
        out["cite"] = step.cite
    if index + 1 < len(check.steps) and current is not None:
        later = check.steps[index + 1]
        out["next"] = {"due": later.due.isoformat(), "params": dict(later.params)}
    return out


def _because(verdict: dict, judged: Judged, records: list) -> str:
    status = verdict["status"]
    if status in BECAUSE:
        return BECAUSE[status]
    reasons = {(e.get("reason") or {}).get("code") for e in verdict["evidence"]}
    for code in ("no_submission", "no_records", "no_match"):
        if code in reasons:
            return code
    return "records_lack_data"


def _first(items: list, count: int | None = None) -> dict:
    return {"count": len(items) if count is None else count, "first": items[:FIRST]}


@functools.lru_cache(maxsize=512)
def _compiled(node: expr.Node | None):
    """A measure's filter or condition as the reference evaluator's closure (None for none)."""
    return None if node is None else expr.compile_expr(node)


def _results(where: expr.Node | None, records: list, cache: dict | None) -> list | None:
    """The filter's result per record (None for no filter), worked once per district for every measure with the
    same filter over the same records (``cache``: the district's trace cache; keyed by the filter's repr, which
    tells 1 from 1.0 and true, and by the records' list)."""
    if where is None:
        return None
    key = ("filter", repr(where), id(records))
    if cache is not None and key in cache:
        return cache[key][1]
    results = list(map(_compiled(where), [record.data for record in records]))
    if cache is not None:
        cache[key] = (records, results)  # the list held too, so that its id is not reused while cached
    return results


def measure_inputs(measure: Measure, records: list, note: dict, cache: dict | None = None) -> dict:
    """How a derived figure came about: its definition, value, and which records counted, which its filter left
    out and which lacked data (counts and the first keys). ``cache``: see :func:`build`."""
    out = {"id": measure.id, "agg": measure.agg, "of": measure.of, "status": note.get("status")}
    for key in ("value", "numerator", "denominator", "mean", "sd", "schools", "reason"):  # mean, sd, schools: a 差异系数
        if key in note:
            out[key] = note[key]
    if measure.where is not None:
        out["where"] = expr.to_text(measure.where)
    if measure.that is not None:
        out["that"] = expr.to_text(measure.that)
    for key in ("value", "per", "weight"):
        if getattr(measure, key):
            out[key + "_field"] = getattr(measure, key)
    if measure.level == "city":
        contributions = note.get("contributions") or []
        out["districts"] = {"count": len(contributions), "submitted": sum(1 for c in contributions if c.get("submitted"))}
        return out
    lacking = {item.get("key") for item in note.get("lacking") or []}
    that = _compiled(measure.that)
    results = _results(measure.where, records, cache)
    rows = list(zip(records, results)) if results is not None else [(r, True) for r in records]
    if lacking:
        rows = [(r, a) for r, a in rows if r.key not in lacking]
    missing = expr.MISSING
    applicable = [r for r, a in rows if a is not missing and a]
    counted = [r.key for r in applicable]
    left_out = [r.key for r, a in rows if a is missing or not a] if measure.where is not None else []
    hits = [r.key for r in applicable if that(r.data) is True] if that is not None else []
    out["counted"] = _first(counted)
    if measure.where is not None:
        out["left_out"] = _first(left_out)
    if measure.that is not None:
        out["meeting"] = _first(hits)
    if lacking:
        out["lacking"] = _first([item.get("key") for item in note.get("lacking") or []])
    return out


def build(check: Check, rule: Rule, facts: Facts, as_of: _dt.date, judged: Judged, verdict: dict,
          measures: dict[str, Measure], cache: dict | None = None) -> dict:
    """The trace of ``verdict`` (one check, one district or the city), from what the evaluation used
    (``cache``: a dict kept for one district's verdicts, so that a measure read by several checks is traced once)."""
    records = facts.of(check.over)
    failed = [e["record"] for e in verdict["evidence"] if e["problem"] == FAIL]
    lacking = [e["record"] for e in verdict["evidence"] if e["problem"] == MISSING]
    out = {
        "as_of": as_of.isoformat(),
        "step": _step(check, as_of),
        "failed": _first(failed, judged.counts[FAIL]),
        "lacking": _first(lacking, len(lacking)),
        "because": _because(verdict, judged, records),
    }
    used = [measures[name] for name in sorted(rule.fields) if name in measures and name in facts.notes]
    if used:
        cache = {} if cache is None else cache
        for m in used:
            if m.id not in cache:
                cache[m.id] = measure_inputs(m, facts.of(m.of) if m.level == "district" else [], facts.notes[m.id], cache)
        out["measures"] = [cache[m.id] for m in used]
    return out


def not_submitted(check: Check, as_of: _dt.date, verdict: dict) -> dict:
    """The trace of a verdict for a district that sent nothing."""
    return {"as_of": as_of.isoformat(), "step": _step(check, as_of), "failed": _first([]), "lacking": _first(["submission"]),
            "because": "before_first_deadline" if verdict["status"] == "not_due" else "no_submission"}


# --------------------------------------------------------------------------- late is not never
def deadlines(node: expr.Node) -> list[tuple[str, int]]:
    """(date field, last day allowed as an ordinal) for every ``field <= date(...)`` / ``field < date(...)`` of a
    requirement (either way round)."""
    out = []
    if isinstance(node, (expr.And, expr.Or)):
        for item in node.items:
            out += deadlines(item)
    elif isinstance(node, expr.Compare):
        left, op, right = node.left, node.op, node.right
        if isinstance(left, expr.Date) and isinstance(right, expr.Field):
            left, right, op = right, left, {">=": "<=", ">": "<"}.get(op, op)
        if isinstance(left, expr.Field) and isinstance(right, expr.Date) and op in ("<=", "<"):
            out.append((left.path, right.value - (1 if op == "<" else 0)))
    return out


def filing(check: Check, rule: Rule, facts: Facts, verdict: dict, types: dict[str, str]) -> None:
    """Mark each failing record filed after the requirement's deadline ``late`` (with the days), and a required
    document that was not submitted at all ``not_filed`` (in place, on the verdict's evidence)."""
    due = [(path, day) for path, day in deadlines(rule.require) if types.get(path) == DATE]
    if not due:
        return
    by_key = {r.key: r for r in facts.of(check.over)}
    for item in verdict["evidence"]:
        if item["problem"] == FAIL and item["record"] in by_key:
            data = by_key[item["record"]].data
            for path, day in due:
                value = expr.lookup(data, path)
                if isinstance(value, int) and value > day:
                    item["filing"] = {"status": "late", "days": value - day, "due": _dt.date.fromordinal(day).isoformat(),
                                      "filed_on": _dt.date.fromordinal(value).isoformat()}
                    break
        elif item["problem"] == MISSING and (item.get("reason") or {}).get("code") in ("no_match", "no_records") \
                and check.over == "document":
            item["filing"] = {"status": "not_filed", "due": _dt.date.fromordinal(min(day for _, day in due)).isoformat()}


# --------------------------------------------------------------------------- self-reports against the ledgers
def discrepancy(check: Check, facts: Facts) -> dict | None:
    """For a ``compare`` check (自评 vs 复核): the district's own figure, the one computed from its records, their
    difference and the tolerance, and whether it is beyond (数据不一致). None when either figure is lacking (the
    verdict is then missing) or the check compares nothing."""
    if not check.compare or not facts.of(check.over):
        return None
    data = facts.of(check.over)[0].data
    reported, computed = (expr.lookup(data, check.compare[key]) for key in ("reported", "computed"))
    if reported is expr.MISSING or computed is expr.MISSING or reported is None or computed is None:
        return None
    difference = round(reported - computed, 10)
    return {"reported": {"field": check.compare["reported"], "value": reported},
            "computed": {"measure": check.compare["computed"], "value": computed},
            "difference": difference, "tolerance": check.compare["tolerance"],
            "beyond": abs(difference) > check.compare["tolerance"]}
