"""Policy set -> engine rule definitions, in named stages.

Stages (each a function below, run in this order by :func:`compile_policies`):

1. ``expand``   — one rule per (check, schedule step), parameters substituted;
2. ``lower``    — each rule's violation condition as a durable_rules dict:
                  ``kind == K and every field present and where and not require``;
3. ``partition``— rules grouped by record kind, in rulesets of at most
                  ``RULES_PER_RULESET`` rules (durable_rules lets one fact match at
                  most 64 rules of a ruleset, and then silently fires none);
4. ``project``  — per kind, the fields the engine needs (facts carry nothing else).

The output is plain data: dicts for durable_rules, never generated Python.
"""
from __future__ import annotations

import copy
from dataclasses import dataclass, field

from auditor.errors import PolicyError, Problem, excerpt
from auditor.intake.document import path_text
from auditor.intake.loader import load_document
from auditor.model import Check, PolicySet
from auditor.rules import expr
from auditor.texts import Both, msg

RULES_PER_RULESET = 48
KIND_FIELD = "_kind"
KEY_FIELD = "_key"


@dataclass(frozen=True)
class Rule:
    name: str  # engine rule name, unique in the compiled set
    check: Check
    step: int  # index into check.steps
    kind: str
    where: expr.Node | None
    require: expr.Node  # parameters substituted
    fields: frozenset  # every field path the rule reads
    condition: dict  # durable_rules condition for a violation

    @property
    def requirement_text(self) -> str:
        return expr.to_text(self.require)


@dataclass
class CompiledSet:
    policy_set: PolicySet
    rules: list
    rulesets: dict  # ruleset suffix -> {"kind": kind, "rules": {rule name: definition}}
    projection: dict  # kind -> sorted list of field paths sent to the engine
    by_check: dict = field(default_factory=dict)  # check id -> [Rule by step]

    def rulesets_for(self, kind: str) -> list[str]:
        return [name for name, rs in self.rulesets.items() if rs["kind"] == kind]

    def definitions(self) -> dict:
        """A deep copy (durable_rules mutates what it is given)."""
        return copy.deepcopy({name: rs["rules"] for name, rs in self.rulesets.items()})


def expand(policy_set: PolicySet) -> list[tuple[Check, int, expr.Node]]:
    out = []
    for check in policy_set.checks:
        for index, step in enumerate(check.steps):
            out.append((check, index, expr.substitute(check.require, step.params)))
    return out


def lower(check: Check, require: expr.Node) -> tuple[dict, frozenset]:
    """The engine condition for a violation: ``kind and where is true and require is false``.

    The reference evaluator judges a record's requirement only when every field the
    requirement reads is present, so those fields are guarded with ``$ex`` here.
    The filter is three-valued (``rural and (a or b)`` is true with ``b`` absent when
    ``a`` holds), so it is not guarded as a whole: an absent field never matches a
    comparison in durable_rules, and the fields on the right-hand side of a
    comparison, which durable_rules would otherwise treat as values, are guarded
    comparison by comparison (``expr.to_engine``).
    """
    where_paths = expr.fields(check.where) if check.where is not None else set()
    require_paths = expr.fields(require)
    parts: list[dict] = [{KIND_FIELD: check.over}]
    parts += [{"$ex": {path: 1}} for path in sorted(require_paths)]
    if check.where is not None:
        parts.append(expr.to_engine(check.where))
    parts.append(expr.to_engine(require, negate=True))
    return {"$and": parts}, frozenset(where_paths | require_paths)


def partition(rules: list[Rule]) -> dict:
    rulesets: dict = {}
    kinds = sorted({r.kind for r in rules})
    for kind in kinds:
        of_kind = [r for r in rules if r.kind == kind]
        for chunk_no, start in enumerate(range(0, len(of_kind), RULES_PER_RULESET)):
            chunk = of_kind[start:start + RULES_PER_RULESET]
            rulesets[f"{kind}{chunk_no}"] = {
                "kind": kind,
                "rules": {r.name: {"all": [{"m": r.condition}]} for r in chunk},
            }
    return rulesets


def project(rules: list[Rule]) -> dict:
    out: dict = {}
    for rule in rules:
        out.setdefault(rule.kind, set()).update(rule.fields)
    return {kind: sorted(paths) for kind, paths in out.items()}


def compile_policies(policy_set: PolicySet) -> CompiledSet:
    rules: list[Rule] = []
    for number, (check, step, require) in enumerate(expand(policy_set)):
        condition, paths = lower(check, require)
        rules.append(Rule(f"r{number}", check, step, check.over, check.where, require, paths, condition))
    compiled = CompiledSet(policy_set, rules, partition(rules), project(rules))
    for rule in rules:
        compiled.by_check.setdefault(rule.check.id, []).append(rule)
    return compiled


def refusal_problems(compiled: CompiledSet, refused: dict[str, str]) -> list[Problem]:
    """P-ENGINE problems at the ``require`` of each check whose rule durable_rules refused to build
    (``refused``: rule name -> durable_rules' error, from ``evaluate.engine.validate_rulesets``)."""
    rules = {rule.name: rule for rule in compiled.rules}
    problems = []
    for name, error in sorted(refused.items()):
        rule = rules[name]
        check = rule.check
        policy = next(p for p in compiled.policy_set.policies if p.id == check.policy)
        index = next(i for i, c in enumerate(policy.checks) if c.id == check.id)
        path = ("checks", index, "schedule", rule.step, "params") if check.scheduled and rule.step else ("checks", index, "require")
        try:
            line, column = load_document(policy.source.file, PolicyError).where(path)
        except PolicyError:  # pragma: no cover - it loaded a moment ago
            line, column = check.source.line, 0
        problems.append(Problem(policy.source.file, line, column, "P-ENGINE",
                                msg("engine.refused", check=check.id, error=Both(f" ({excerpt(error, 100)})", ""),
                                    condition=excerpt(rule.requirement_text, 120), hint=msg("engine.113") if "113" in error else ""),
                                path_text(path)))
    return problems
