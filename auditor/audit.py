"""The audit pipeline: facts -> derive -> engine + reference -> reconcile -> verdicts -> findings."""
from __future__ import annotations

import datetime as _dt
import os

from . import derive
from .compiler import CompiledSet, Rule, compile_policies
from .errors import EngineError, Problem
from .model import Facts, PolicySet, clause_order, district_order, plan
from .policies import field_types_for
from .reference import FAIL, judge_all
from .verdict import judge_check, not_submitted

FORMAT = "auditor-findings/1"
ENGINES = ("durable", "reference")


class Auditor:
    """Compile once, audit many times."""

    def __init__(self, policy_set: PolicySet, engine: str = "durable"):
        if engine not in ENGINES:
            raise ValueError(engine)
        self.policy_set = policy_set
        self.compiled: CompiledSet = compile_policies(policy_set)
        self.engine_name = engine
        self._engine = None
        self.types = field_types_for(policy_set.measures)

    @property
    def engine(self):
        if self._engine is None and self.engine_name == "durable":
            from .engine import Engine  # the only import of durable_rules, loaded on demand

            self._engine = Engine(self.compiled)
        return self._engine

    def _evaluate(self, facts: Facts) -> dict[str, list]:
        """Reference outcomes for every rule on this district's records, reconciled with the engine."""
        outcomes = {rule.name: judge_all(rule, facts.of(rule.kind)) for rule in self.compiled.rules}
        if self.engine_name == "durable":
            expected = {rule.name: {record.key for record, outcome, _ in outcomes[rule.name] if outcome == FAIL}
                        for rule in self.compiled.rules}
            hits = self.engine.run(facts.district, facts.records, expected)
            self._reconcile(facts, outcomes, hits)
        return outcomes

    def _reconcile(self, facts: Facts, outcomes: dict[str, list], hits: dict[str, set]) -> None:
        problems = []
        for rule in self.compiled.rules:
            expected = {record.key for record, outcome, _ in outcomes[rule.name] if outcome == FAIL}
            found = hits.get(rule.name, set())
            if expected != found:
                only_engine = sorted(found - expected)[:3]
                only_reference = sorted(expected - found)[:3]
                problems.append(Problem(
                    str(rule.check.source), 0, 0, "I-DISAGREE",
                    f"{facts.district}: check {rule.check.id} (step {rule.step + 1}): durable_rules and the reference "
                    f"evaluator disagree; only the engine flags {only_engine}, only the reference flags {only_reference}"))
        if problems:
            raise EngineError(problems)

    def audit(self, submissions: list[Facts], as_of: _dt.date, districts: list[str] | None = None) -> dict:
        """Findings for ``submissions`` as of ``as_of``; ``districts`` is the set expected (default: all)."""
        expected = list(districts) if districts else list(plan()["districts"])
        measures = self.policy_set.measures
        submissions = [derive.derive_district(facts, measures) for facts in submissions]
        by_name = {f.district: f for f in submissions}
        city = derive.derive_city(submissions, measures, expected)
        policies = {p.id: p for p in self.policy_set.policies}
        verdicts = []
        for name in sorted(set(expected) | set(by_name), key=lambda n: (district_order(n), n)):
            facts = by_name.get(name)
            outcomes = self._evaluate(facts) if facts else None
            for check in self.policy_set.checks:
                if check.over == "city":
                    continue
                policy = policies[check.policy]
                if facts is None:
                    verdicts.append(not_submitted(check, name, as_of, policy))
                else:
                    verdicts.append(judge_check(check, self.compiled.by_check[check.id], facts, as_of, policy,
                                                self.types[check.over], outcomes))
        if any(c.over == "city" for c in self.policy_set.checks):
            outcomes = self._evaluate(city)
            for check in self.policy_set.checks:
                if check.over == "city":
                    verdicts.append(judge_check(check, self.compiled.by_check[check.id], city, as_of,
                                                policies[check.policy], self.types["city"], outcomes))
        order = {c.id: i for i, c in enumerate(self.policy_set.checks)}
        verdicts.sort(key=lambda v: (district_order(v["district"]), v["district"], clause_order(v["clause"]), order[v["check"]]))
        files = sorted({os.path.normpath(f) for s in submissions for f in s.files})
        return {
            "format": FORMAT,
            "as_of": as_of.isoformat(),
            "plan": plan()["plan"]["ref"],
            "policy_set": {"hash": "sha256:" + self.policy_set.digest, "folder": os.path.normpath(self.policy_set.folder),
                           "policies": len(self.policy_set.policies), "checks": len(self.policy_set.checks)},
            "engine": self.engine_name,
            "submissions": files,
            "submitted_by": {s.district: sorted(os.path.normpath(f) for f in s.files) for s in submissions},
            "districts": expected,
            "sample_data": sorted(s.district for s in submissions if s.sample_data),
            "verdicts": verdicts,
        }
