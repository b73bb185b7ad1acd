"""The plain-Python reference evaluator of compiled rules.

It judges every record for every rule with three-valued logic, so it knows
what the engine cannot tell: which records were applicable and which lacked
the data. Every audit holds the engine's hits against its ``fail`` set, record
by record; ``--engine reference`` uses it alone.
"""
from __future__ import annotations

from auditor.evaluate.completeness import RECORDS, judge_gap
from auditor.rules import expr
from auditor.rules.compiler import Rule
from auditor.model import Record

NA, MISSING, PASS, FAIL = "not_applicable", "missing", "pass", "fail"


def judge(rule: Rule, record: Record) -> tuple[str, list[str]]:
    """(outcome, lacking fields) for one record.

    A record is judged only when every field the rule reads is present — the
    same guard the compiled engine rule carries — so a missing value can never
    be taken for a passing one.
    """
    data = record.data
    if rule.where is not None:
        applies = expr.evaluate(rule.where, data)
        if applies is expr.MISSING:
            return MISSING, sorted(p for p in expr.fields(rule.where) if expr.lookup(data, p) is expr.MISSING)
        if not applies:
            return NA, []
    lacking = sorted(p for p in expr.fields(rule.require) if expr.lookup(data, p) is expr.MISSING)
    if lacking:
        return MISSING, lacking
    holds = expr.evaluate(rule.require, data)
    if holds is expr.MISSING:  # e.g. a division by zero: undefined, so not judged
        return MISSING, []
    return (PASS if holds else FAIL), []


# --------------------------------------------------------------------------- compiled, for scale
_NA_RESULT = (NA, [])
_PASS_RESULT = (PASS, [])
_FAIL_RESULT = (FAIL, [])
_UNDEFINED_RESULT = (MISSING, [])
_JUDGES: dict[int, tuple] = {}


def judger(rule: Rule):
    """``judge`` compiled once per rule: a closure ``record data -> (outcome, lacking fields)``.

    The same decisions as :func:`judge` (``tests/evaluate/test_reference.py`` holds them
    together); the expressions are turned into closures by ``expr.compile_expr``.
    Results that carry no lacking fields are shared tuples: treat them as read-only.
    """
    cached = _JUDGES.get(id(rule))
    if cached is not None and cached[0] is rule:
        return cached[1]
    require = expr.compile_expr(rule.require)
    required = [(p, expr.getter(p)) for p in sorted(expr.fields(rule.require))]
    # Without and/or, a missing field makes the requirement itself MISSING: the
    # presence test can wait until the evaluation says MISSING (same outcome).
    strict = not _has_junction(rule.require)
    where = expr.compile_expr(rule.where) if rule.where is not None else None
    conditioned = [(p, expr.getter(p)) for p in sorted(expr.fields(rule.where))] if rule.where is not None else []
    missing = expr.MISSING

    def judge_data(data: dict) -> tuple[str, list[str]]:
        if where is not None:
            applies = where(data)
            if applies is missing:
                return MISSING, [p for p, get in conditioned if get(data) is missing]
            if not applies:
                return _NA_RESULT
        if not strict:
            for _, get in required:
                if get(data) is missing:
                    return MISSING, [p for p, get in required if get(data) is missing]
        holds = require(data)
        if holds is missing:
            lacking = [p for p, get in required if get(data) is missing]
            return (MISSING, lacking) if lacking else _UNDEFINED_RESULT
        return _PASS_RESULT if holds else _FAIL_RESULT

    _JUDGES[id(rule)] = (rule, judge_data)
    return judge_data


def _has_junction(node) -> bool:
    if isinstance(node, (expr.And, expr.Or)):
        return True
    if isinstance(node, (expr.Arith, expr.Compare)):
        return _has_junction(node.left) or _has_junction(node.right)
    if isinstance(node, expr.Member):
        return _has_junction(node.item)
    if isinstance(node, expr.Not):
        return _has_junction(node.item)
    return False


class Judged:
    """One rule's outcomes over a list of records: counts, plus the failing and missing records.

    Iterating yields ``(record, outcome, lacking)`` for the failing and missing
    records only, in record order (passing and not-applicable ones are counted).
    ``not_applicable`` holds the keys of the records the filter excludes when they were
    kept (for the reconciliation with the engine), else None; ``gaps`` the keys of the placeholders
    judged for records declared but absent (counted, and missing when the filter admits them).
    """

    __slots__ = ("counts", "entries", "not_applicable", "gaps")

    def __init__(self, counts: dict, entries: list, not_applicable: list | None = None, gaps: frozenset = frozenset()):
        self.counts = counts
        self.entries = entries
        self.not_applicable = not_applicable
        self.gaps = gaps  # keys of placeholders for records declared but not submitted (never asserted to the engine)

    def __iter__(self):
        return iter(self.entries)

    def failing(self) -> set[str]:
        return {record.key for record, outcome, _ in self.entries if outcome == FAIL}

    def keys(self, outcome: str) -> set[str]:
        """The keys of the records judged ``outcome`` (fail, missing, or not_applicable when kept)."""
        if outcome == NA:
            if self.not_applicable is None:
                raise ValueError("the not-applicable records were not kept")
            return set(self.not_applicable)
        return {record.key for record, judged, _ in self.entries if judged == outcome}



def judge_rule(rule: Rule, records: list[Record], gaps=(), keep_na: bool = False) -> Judged:
    """Every record judged by the compiled rule; what the verdict and the reconciliation need
    (``keep_na``: also the keys of the records the filter excludes).

    ``gaps``: placeholders of records declared but not submitted (``completeness.find_gaps``):
    each is ``missing`` unless the rule's filter rules it out; never pass or fail. The engine never
    sees them: their keys are kept apart (``Judged.gaps``) so that the reconciliation leaves them out."""
    judge_data = judger(rule)
    results = [judge_data(record.data) for record in records]
    counts = {PASS: results.count(_PASS_RESULT), FAIL: results.count(_FAIL_RESULT), NA: results.count(_NA_RESULT)}
    counts[MISSING] = len(results) - counts[PASS] - counts[FAIL] - counts[NA]
    entries = [(record, result[0], list(result[1])) for record, result in zip(records, results)
               if result is not _PASS_RESULT and result is not _NA_RESULT]
    excluded = [record.key for record, result in zip(records, results) if result is _NA_RESULT] if keep_na else None
    placeholders = []
    for placeholder, _reason in gaps:
        outcome = judge_gap(rule.where, placeholder.data)
        counts[outcome] += 1
        placeholders.append(placeholder.key)
        if outcome == MISSING:
            entries.append((placeholder, MISSING, [RECORDS.format(kind=placeholder.kind)]))
    return Judged({PASS: counts[PASS], FAIL: counts[FAIL], MISSING: counts[MISSING], NA: counts[NA]}, entries, excluded,
                  frozenset(placeholders))
