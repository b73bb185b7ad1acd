"""The plain-Python reference evaluator of compiled rules.

It judges every record for every rule with three-valued logic, so it knows
what the engine cannot tell: which records were applicable and which lacked
the data. Every audit holds the engine's hits against its ``fail`` set, record
by record; ``--engine reference`` uses it alone.
"""
from __future__ import annotations

from . import expr
from .compiler import Rule
from .model import Record

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


def judge_all(rule: Rule, records: list[Record]) -> list[tuple[Record, str, list[str]]]:
    return [(record, *judge(rule, record)) for record in records]


def violations(rule: Rule, records: list[Record]) -> set[str]:
    return {record.key for record in records if judge(rule, record)[0] == FAIL}
