"""Policy set -> engine rule definitions, in named stages.

Stages (each a function below, run in this order by :func:`compile_policies`):

1. ``expand``   — one rule per (check, schedule step), parameters substituted;
2. ``lower``    — each rule's violation condition as a durable_rules dict:
                  ``kind == K and every field present and where and not require``;
3. ``partition``— each rule's engine rules, one per outcome (fail, not applicable,
                  missing: :mod:`auditor.rules.outcomes`), grouped by record kind in
                  rulesets of at most ``RULES_PER_RULESET`` paths (durable_rules lets
                  one fact have at most 64 matching tests pending in a ruleset, error
                  303; a rule with a disjunction is one path per term);
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
from auditor.rules import expr, outcomes
from auditor.texts import Both, msg

RULES_PER_RULESET = 48  # paths (terms of the outcome rules' disjunctions) per ruleset; durable_rules' limit is 64
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

    def outcome_of(self, engine_rule: str) -> tuple[str, str]:
        """(rule name, outcome) of an engine rule's name (``r12_fail`` -> ("r12", "fail"))."""
        name, short = engine_rule.split("_")[:2]
        return name, SHORT_OUTCOME[short]


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


OUTCOME_SHORT = {outcomes.FAIL: "fail", outcomes.NA: "na", outcomes.MISSING: "missing"}
SHORT_OUTCOME = {short: outcome for outcome, short in OUTCOME_SHORT.items()}


def engine_rules(rule: Rule) -> dict[str, dict]:
    """{engine rule name: durable_rules rule} judging every outcome of ``rule`` (``r12_fail``, ``r12_na``,
    ``r12_missing``; a condition split to stay within durable_rules' limits: ``r12_missing_1``, ...)."""
    out = {}
    for outcome, condition in outcomes.conditions(rule.kind, KIND_FIELD, rule.where, rule.require).items():
        for index, part in enumerate(outcomes.split(condition)):
            out[f"{rule.name}_{OUTCOME_SHORT[outcome]}" + (f"_{index}" if index else "")] = {"all": [{"m": part}]}
    return out


def paths(definitions: dict) -> int:
    """The paths ``definitions`` (engine rules) take in durable_rules' network."""
    return sum(outcomes.alternatives(d["all"][0]["m"]) for d in definitions.values())


def partition(rules: list[Rule]) -> dict:
    """Rulesets per record kind, each rule's outcome rules kept together, at most ``RULES_PER_RULESET`` paths each."""
    rulesets: dict = {}
    kinds = sorted({r.kind for r in rules})
    for kind in kinds:
        chunks: list[dict] = []
        size = 0
        for r in (r for r in rules if r.kind == kind):
            family = engine_rules(r)
            weight = paths(family)
            if not chunks or size + weight > RULES_PER_RULESET:
                chunks.append({})
                size = 0
            chunks[-1].update(family)
            size += weight
        for chunk_no, chunk in enumerate(chunks):
            rulesets[f"{kind}{chunk_no}"] = {"kind": kind, "rules": chunk}
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
    by_rule: dict[str, str] = {}
    for name, error in sorted(refused.items()):  # an engine rule per outcome: one problem per rule
        by_rule.setdefault(name.partition("_")[0], error)
    problems = []
    for name, error in sorted(by_rule.items(), key=lambda item: int(item[0][1:])):
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
