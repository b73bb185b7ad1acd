"""Reconciliation: every outcome the engine judged held against the reference evaluator, record by record.

The reference evaluator (``reference.py``) judges every record in three-valued logic; durable_rules judges
the same records with rules of its own (``rules/outcomes.py``): which fail, which the filter excludes, which
lack data — every other record it holds passes. For every rule the three sets must equal the reference's
exactly, and the engine must pass as many records as the reference. A record on one side only stops the
audit with ``I-DISAGREE`` (exit 3), naming the district, the check, the step, the outcome and a few records
on each side. The engine never decides a verdict.
"""
from __future__ import annotations

from auditor.errors import EngineError, Problem
from auditor.evaluate.reference import FAIL, MISSING, NA, PASS, Judged
from auditor.rules.compiler import Rule
from auditor.texts import Msg, Sentences, msg

SHOWN = 3  # records named on each side of a disagreement
OUTCOMES = (FAIL, MISSING, NA)


def disagreements(judged: Judged, found: dict[str, set], held: set) -> list[Msg]:
    """What differs between the reference's ``judged`` and the engine's ``found`` (outcome -> keys; ``held``:
    every record the engine holds) for one rule, one sentence per outcome; [] when they agree."""
    out = []
    engine_judged: set = set()
    for outcome in OUTCOMES:
        expected = judged.keys(outcome) - judged.gaps  # placeholders of absent records: the engine never sees them
        got = found.get(outcome, set())
        engine_judged |= got
        if expected != got:
            out.append(msg("engine.disagree-outcome", outcome=outcome, engine=str(sorted(got - expected)[:SHOWN]),
                           reference=str(sorted(expected - got)[:SHOWN])))
    passed = len(held - engine_judged)
    if not out and passed != judged.counts[PASS]:
        out.append(msg("engine.disagree-pass", engine=passed, reference=judged.counts[PASS]))
    return out


def reconcile(district: str, rules: list[Rule], outcomes: dict[str, Judged], found) -> None:
    """Raise :class:`EngineError` with one ``I-DISAGREE`` problem per rule whose engine outcomes differ
    from the reference evaluator's (``found``: an ``engine.Found``); return quietly when every rule agrees."""
    problems = []
    for rule in rules:
        differences = disagreements(outcomes[rule.name], found.outcomes.get(rule.name, {}),
                                    found.held.get(rule.kind, set()))
        if differences:
            problems.append(Problem(
                str(rule.check.source), 0, 0, "I-DISAGREE",
                msg("engine.disagree", district=district, check=rule.check.id, step=rule.step + 1,
                    differences=Sentences(differences))))
    if problems:
        raise EngineError(problems)
