"""Reconciliation: the engine's hits held against the reference evaluator, record by record.

durable_rules only reports which records violate which rule; the reference
evaluator (``reference.py``) judges every record. Every rule's hits must equal
the reference's ``fail`` set exactly — a record only one of them flags stops
the audit with ``I-DISAGREE`` (exit 3), naming the district, the check, the
step and a few records on each side. The engine never decides a verdict.
"""
from __future__ import annotations

from auditor.errors import EngineError, Problem
from auditor.evaluate.reference import Judged
from auditor.rules.compiler import Rule
from auditor.texts import msg

SHOWN = 3  # records named on each side of a disagreement


def expected_hits(rules: list[Rule], outcomes: dict[str, Judged]) -> dict[str, set[str]]:
    """The record keys the engine must report per rule: the reference evaluator's violations."""
    return {rule.name: outcomes[rule.name].failing() for rule in rules}


def reconcile(district: str, rules: list[Rule], outcomes: dict[str, Judged], hits: dict[str, set]) -> None:
    """Raise :class:`EngineError` with one ``I-DISAGREE`` problem per rule whose engine hits differ
    from the reference evaluator's violations; return quietly when every rule agrees."""
    problems = []
    for rule in rules:
        expected = outcomes[rule.name].failing()
        found = hits.get(rule.name, set())
        if expected != found:
            only_engine = sorted(found - expected)[:SHOWN]
            only_reference = sorted(expected - found)[:SHOWN]
            problems.append(Problem(
                str(rule.check.source), 0, 0, "I-DISAGREE",
                msg("engine.disagree", district=district, check=rule.check.id, step=rule.step + 1, engine=str(only_engine),
                    reference=str(only_reference))))
    if problems:
        raise EngineError(problems)
