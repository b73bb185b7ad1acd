"""The audit pipeline: facts -> derive -> engine + reference -> reconcile -> verdicts -> findings."""
from __future__ import annotations

import datetime as _dt
import os

from . import derive
from . import parallel, timing
from .spreadsheet import unit_label
from .compiler import CompiledSet, Rule, compile_policies
from .errors import EngineError, Problem, SubmissionError
from .model import Facts, PolicySet, clause_order, district_order, plan
from .policies import field_types_for
from .reference import judge_rule
from .submission import one_per_district
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
        with timing.stage("reference"):
            outcomes = {rule.name: judge_rule(rule, facts.of(rule.kind)) for rule in self.compiled.rules}
        if self.engine_name == "durable":
            with timing.stage("reconcile"):
                expected = {rule.name: outcomes[rule.name].failing() for rule in self.compiled.rules}
            with timing.stage("engine"):
                hits = self.engine.run(facts.district, facts.records, expected)
            with timing.stage("reconcile"):
                self._reconcile(facts, outcomes, hits)
        return outcomes

    def audit_district(self, facts: Facts, as_of: _dt.date) -> list[dict]:
        """One district's verdicts (its measures are derived in place first)."""
        with timing.stage("derive"):
            derive.derive_district(facts, self.policy_set.measures)
        outcomes = self._evaluate(facts)
        policies = {p.id: p for p in self.policy_set.policies}
        with timing.stage("verdicts"):
            return [judge_check(check, self.compiled.by_check[check.id], facts, as_of, policies[check.policy],
                                self.types[check.over], outcomes)
                    for check in self.policy_set.checks if check.over != "city"]

    def _reconcile(self, facts: Facts, outcomes: dict[str, list], hits: dict[str, set]) -> None:
        problems = []
        for rule in self.compiled.rules:
            expected = outcomes[rule.name].failing()
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

    def audit(self, submissions: list[Facts], as_of: _dt.date, districts: list[str] | None = None, jobs: int = 1) -> dict:
        """Findings for ``submissions`` as of ``as_of``; ``districts`` is the set expected (default: all).

        ``jobs`` > 1 audits the districts in that many worker processes (see :meth:`audit_files`).
        """
        by_name = {f.district: f for f in submissions}  # a district given twice: the last one counts
        return self._audit([f for f in submissions if by_name[f.district] is f], as_of, districts, jobs)

    def audit_files(self, files: list[str], as_of: _dt.date, districts: list[str] | None = None, jobs: int = 1) -> dict:
        """Load, validate and audit submission files (paths, or callables returning ``Facts``), each district in a worker when ``jobs`` > 1.

        Districts are independent: a worker loads a file, derives its measures,
        evaluates and reconciles its records and returns its verdicts with the
        district record (city-wide measures need every district's). The parent
        derives the city, judges the city-wide checks and sorts everything, so
        the findings are the same, byte for byte, whatever ``jobs`` is. Every
        file's problems are reported together, as :func:`submission.load_submissions` does.
        """
        return self._audit(list(files), as_of, districts, jobs)

    def _audit(self, sources: list, as_of: _dt.date, districts: list[str] | None, jobs: int) -> dict:
        expected = list(districts) if districts else list(plan()["districts"])
        results = parallel.run_districts(self, sources, as_of, jobs)
        problems = [p for r in results if r.load_problems for p in r.load_problems]
        submissions, duplicates = one_per_district(
            [(source if isinstance(source, str) else unit_label(source) if isinstance(source, tuple) else result.facts.district, result.facts)
             for source, result in zip(sources, results) if result.facts is not None])
        problems += duplicates
        if problems:
            raise SubmissionError(problems)
        for result in results:
            if result.error is not None:
                error_class, error_problems = result.error
                raise error_class(error_problems)
        by_name = {f.district: f for f in submissions}
        verdicts_of = {r.facts.district: r.verdicts for r in results if r.facts is not None}
        measures = self.policy_set.measures
        with timing.stage("derive"):
            city = derive.derive_city(submissions, measures, expected)
        policies = {p.id: p for p in self.policy_set.policies}
        verdicts = []
        for name in sorted(set(expected) | set(by_name), key=lambda n: (district_order(n), n)):
            if name in by_name:
                verdicts.extend(verdicts_of[name])
                continue
            for check in self.policy_set.checks:
                if check.over != "city":
                    verdicts.append(not_submitted(check, name, as_of, policies[check.policy]))
        if any(c.over == "city" for c in self.policy_set.checks):
            outcomes = self._evaluate(city)
            with timing.stage("verdicts"):
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
