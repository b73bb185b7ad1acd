"""The audit pipeline: facts -> derive -> engine + reference -> reconcile -> verdicts -> findings."""
from __future__ import annotations

import datetime as _dt
import os

import gc
from dataclasses import dataclass, field

from auditor import timing
from auditor.errors import AuditorError, PolicyError, Problem, SubmissionError, UsageError
from auditor.evaluate import derive, trace, waive
from auditor.evaluate.engine import Engine
from auditor.evaluate.reconcile import reconcile
from auditor.evaluate.records import explainer
from auditor.evaluate.reference import judge_rule
from auditor.evaluate.verdict import judge_check, not_submitted
from auditor.intake.submissions import load_submission, one_per_district, unit_label
from auditor.model import Facts, PolicySet, covers_city, district_order, plan
from auditor.output.formatter import shares_printed
from auditor.rules.compiler import CompiledSet, compile_policies
from auditor.rules.fields import field_types_for
from auditor.store import identity
from auditor.texts import msg
from auditor.verdicts import Verdicts, decode, encode, tally
from auditor.workers import forked_map

FORMAT = "auditor-findings/2"  # 2: a reason is a code with parameters (in 1, English text)
ENGINES = ("durable", "reference")


def unnamed(named: list[str], submissions: list[Facts]) -> None:
    """Refuses (U-ARGS) an audit of ``named`` districts whose inputs also hold other districts' submissions: each
    would be audited and sent a notice beside the ones named (``--districts 和平区`` over a round's folder audited
    and recorded all thirteen, the city-wide targets unjudged)."""
    others = sorted((f for f in submissions if f.district not in named), key=lambda f: (district_order(f.district), f.district))
    if others:
        files = [os.path.normpath(path) for f in others for path in sorted(f.files)]
        raise UsageError(Problem("--districts", 0, 0, "U-ARGS", msg(
            "args.unnamed-submitted", named=named, others=[f.district for f in others], files=files[:3],
            more=msg("args.more-files", count=len(files) - 3) if len(files) > 3 else "")))


class Auditor:
    """Compile once, audit many times."""

    def __init__(self, policy_set: PolicySet, engine: str = "durable", waivers: tuple | None = None,
                 whole_city: bool = False):
        """``waivers``: approved exceptions (auditor.rules.waivers) applied to the verdicts, reported in the
        findings' ``waivers``; None: no waiver folder (findings.json has no ``waivers``). ``whole_city``: the
        districts an audit expects are the whole city, its city-wide targets judged over them (a policy's
        examples, each a city in miniature); otherwise those targets are judged only by an audit of every district
        of the plan (:func:`auditor.model.covers_city`)."""
        if engine not in ENGINES:
            raise ValueError(engine)
        self.policy_set = policy_set
        self.compiled: CompiledSet = compile_policies(policy_set)
        self.engine_name = engine
        self.waivers = waivers
        self.whole_city = whole_city
        # district -> record keys whose presence in its submission the run needs (a waiver's records, explain's --item)
        self.asked: dict[str, set] = {}
        for w in waivers or ():
            self.asked.setdefault(w.district, set()).update(w.records)
        self.present: dict[str, frozenset] = {}  # after an audit: district -> those of its asked keys it holds
        self._engine = None
        self.types = field_types_for(policy_set.measures, policy_set.computed, policy_set.checks)
        self._policies = {p.id: p for p in policy_set.policies}
        self._measures = {m.id: m for m in policy_set.measures}
        self.explain = explainer(policy_set)
        self.refs = {p.id: p.ref for p in policy_set.packs}  # pack id -> the document's reference number (文号)
        self.shares = shares_printed(policy_set)  # check -> the names its message prints as percentages

    def ask(self, district: str, key: str) -> None:
        """Have the next audit tell (in ``present``) whether ``district``'s submission holds the record ``key``."""
        self.asked.setdefault(district, set()).add(key)

    def document(self, check) -> str:
        return self.refs.get(check.document, "")

    @property
    def engine(self):
        if self._engine is None and self.engine_name == "durable":
            self._engine = Engine(self.compiled)
        return self._engine

    def _evaluate(self, facts: Facts) -> dict[str, list]:
        """Reference outcomes for every rule on this district's records, reconciled with the engine."""
        durable = self.engine_name == "durable"
        with timing.stage("reference"):
            outcomes = {rule.name: judge_rule(rule, facts.of(rule.kind), facts.gaps.get(rule.kind, ()), keep_na=durable)
                        for rule in self.compiled.rules}
        if durable:
            with timing.stage("engine"):
                found = self.engine.run(facts.district, facts.records)
            with timing.stage("reconcile"):
                reconcile(facts.district, self.compiled.rules, outcomes, found)
        return outcomes

    def audit_district(self, facts: Facts, as_of: _dt.date) -> list[dict]:
        """One district's verdicts (its measures are derived in place first)."""
        with timing.stage("derive"):
            derive.derive_district(facts, self.policy_set.measures, self.policy_set)
        outcomes = self._evaluate(facts)
        with timing.stage("verdicts"):
            traced: dict = {}
            return [self._verdict(check, facts, as_of, outcomes, traced, self.explain)
                    for check in self.policy_set.checks if check.over != "city"]

    def _verdict(self, check, facts: Facts, as_of: _dt.date, outcomes: dict, traced: dict | None = None,
                 explain=None) -> dict:
        """One check's verdict for one district (or the city), with its trace and the filing dates' detail."""
        rules = self.compiled.by_check[check.id]
        verdict = judge_check(check, rules, facts, as_of, self._policies[check.policy], self.types[check.over], outcomes,
                              self.document(check), explain, self.shares.get(check.id, frozenset()))
        current = check.step_for(as_of)
        rule = rules[0 if current is None else current[0]]
        trace.filing(check, rule, facts, verdict, self.types[check.over])
        compared = trace.discrepancy(check, facts)
        if compared is not None:
            verdict["discrepancy"] = compared
        verdict["trace"] = trace.build(check, rule, facts, as_of, outcomes[rule.name], verdict, self._measures, traced)
        return verdict

    def audit(self, submissions: list[Facts], as_of: _dt.date, districts: list[str] | None = None, jobs: int = 1) -> dict:
        """Findings for ``submissions`` as of ``as_of``; ``districts`` is the set expected (default: all).

        ``jobs`` > 1 audits the districts in that many worker processes (see :meth:`audit_files`).
        """
        by_name = {f.district: f for f in submissions}  # a district given twice: the last one counts
        return self._audit([f for f in submissions if by_name[f.district] is f], as_of, districts, jobs)

    def audit_files(self, files: list[str], as_of: _dt.date, districts: list[str] | None = None, jobs: int = 1,
                    inventory: dict | None = None, progress=None) -> dict:
        """Load, validate and audit submission files (paths, or callables returning ``Facts``), each district in a worker when ``jobs`` > 1.

        Districts are independent: a worker loads a file, derives its measures,
        evaluates and reconciles its records and returns its verdicts with the
        district record (city-wide measures need every district's). The parent
        derives the city, judges the city-wide checks and sorts everything, so
        the findings are the same, byte for byte, whatever ``jobs`` is. Every
        file's problems are reported together, as :func:`submission.load_submissions` does.

        ``inventory``: a dict to fill with each audited district's items (``store.identity.inventory``:
        which classes, schools and document kinds it submitted), for the audit history. ``progress``: an
        :class:`auditor.progress.Progress` stepped as each district is done (with its records).
        """
        return self._audit(list(files), as_of, districts, jobs, inventory, progress)

    def _audit(self, sources: list, as_of: _dt.date, districts: list[str] | None, jobs: int,
               inventory: dict | None = None, progress=None) -> dict:
        expected = list(districts) if districts else list(plan()["districts"])
        results = run_districts(self, sources, as_of, jobs, items=inventory is not None, progress=progress)
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
        if districts:
            unnamed(expected, submissions)
        # each district's verdicts as its worker sent them: one encoded block (auditor.verdicts)
        blocks: dict[str, list | bytes] = {r.facts.district: r.verdicts for r in results if r.facts is not None}
        tallies = {r.facts.district: r.tally for r in results if r.facts is not None}
        measures = self.policy_set.measures
        with timing.stage("derive"):
            city = derive.derive_city(submissions, measures, expected)
        if inventory is not None:
            inventory.update({r.facts.district: r.items for r in results
                              if r.facts is not None and by_name.get(r.facts.district) is r.facts})
            inventory[city.district] = identity.inventory(city)
        policies = {p.id: p for p in self.policy_set.policies}
        order = {c.id: i for i, c in enumerate(self.policy_set.checks)}
        names = sorted(set(expected) | set(by_name), key=lambda n: (district_order(n), n))
        for name in names:
            if name in by_name:
                continue
            blocks[name] = []
            for check in self.policy_set.checks:
                if check.over != "city":
                    verdict = not_submitted(check, name, as_of, policies[check.policy], self.document(check))
                    verdict["trace"] = trace.not_submitted(check, as_of, verdict)
                    blocks[name].append(verdict)
        # the city-wide targets are the city's figures, over every one of its districts: judged only by an audit of
        # them all (a re-inspection of one district judged 全市 coverage from that district alone, and passed it)
        if any(c.over == "city" for c in self.policy_set.checks) and (self.whole_city or covers_city(expected)):
            outcomes = self._evaluate(city)
            with timing.stage("verdicts"):
                mine = [self._verdict(check, city, as_of, outcomes) for check in self.policy_set.checks if check.over == "city"]
            if city.district in blocks:  # a district named as the city: one block, in the checks' order
                mine = sorted(_decoded(blocks[city.district]) + mine, key=lambda v: order[v["check"]])
            else:
                names.append(city.district)
            blocks[city.district] = mine
        self.present = {r.facts.district: r.present for r in results if r.facts is not None and by_name.get(r.facts.district) is r.facts}
        self.present[city.district] = waive.present_keys(city, self.asked.get(city.district, ()))
        waivers = None
        if self.waivers is not None:  # per district, before its block is encoded; reported in the waivers' order
            absent = waive.absent_records(self.waivers, self.present, as_of)
            if absent:
                raise PolicyError(absent)
            def opened(district: str) -> list:
                blocks[district] = _decoded(blocks.get(district, []))
                return blocks[district]
            waivers = waive.apply_by_district(opened, self.waivers, as_of, self.present)
        # by district, then in the documents' order (the city's plan first), each in its own clause order
        names.sort(key=lambda n: (district_order(n), n))
        with timing.stage("verdicts"):
            verdicts = Verdicts.encoded([(name, blocks[name], tallies.get(name)) for name in names if name in blocks])
        files = sorted({os.path.normpath(f) for s in submissions for f in s.files})
        findings = {
            "format": FORMAT,
            "as_of": as_of.isoformat(),
            "plan": self.policy_set.lead.ref if self.policy_set.lead else "",
            "documents": [p.info() for p in self.policy_set.packs],
            "policy_set": {"hash": "sha256:" + self.policy_set.digest, "folder": self.policy_set.folder,
                           "packs": [p.id for p in self.policy_set.packs],
                           "policies": len(self.policy_set.policies), "checks": len(self.policy_set.checks)},
            "engine": self.engine_name,
            "submissions": files,
            "submitted_by": {s.district: sorted(os.path.normpath(f) for f in s.files) for s in submissions},
            "districts": expected,
            # in plan order, as the documents list districts everywhere else (not 于洪区、和平区…, by code point)
            "sample_data": sorted((s.district for s in submissions if s.sample_data), key=lambda d: (district_order(d), d)),
            "verdicts": verdicts,
        }
        if waivers is not None:
            findings["waivers"] = waivers
        return findings


# ----------------------------------------------------------------------------- districts, one by one or in workers
@dataclass
class Result:
    facts: Facts | None  # the district's facts (in a worker: only its district record, measures and notes)
    verdicts: bytes | list = field(default_factory=list)  # from run_districts: encoded (auditor.verdicts.encode)
    tally: tuple = ()  # how many verdicts of each status (auditor.verdicts.tally)
    load_problems: list | None = None  # the submission's problems, when it could not be loaded
    error: tuple | None = None  # (AuditorError subclass, problems) raised while auditing
    items: list | None = None  # the district's items (store.identity.inventory), when asked for
    records: int = 0  # how many records the district submitted (for progress)
    present: frozenset = frozenset()  # which of the record keys asked about (Auditor.asked) the district holds


def _decoded(block: bytes | list) -> list:
    return decode(block) if isinstance(block, bytes) else block


def load(source) -> Facts:
    if isinstance(source, Facts):
        return source
    if isinstance(source, (str, tuple)):  # a file, or a district's CSV files
        return load_submission(source)
    return source()


def audit_one(auditor, source, as_of) -> Result:
    # One district builds hundreds of thousands of objects and no reference
    # cycles worth collecting: the cyclic collector only slows that down
    # (by a third when loading, as measured). It runs again after each district.
    collecting = gc.isenabled()
    gc.disable()
    try:
        try:
            with timing.stage("load"):
                facts = load(source)
        except SubmissionError as exc:
            return Result(None, load_problems=list(exc.problems))
        submitted = sum(len(v) for v in facts.records.values())  # before derived records (school stages) join them
        try:
            verdicts = auditor.audit_district(facts, as_of)
        except AuditorError as exc:
            return Result(facts, error=(type(exc), list(exc.problems)), records=submitted)
        return Result(facts, verdicts, records=submitted)
    finally:
        if collecting:
            gc.enable()


def _slim(facts: Facts) -> Facts:
    return Facts(facts.district, facts.files, {"district": facts.of("district")}, facts.notes, facts.sample_data)


def run_districts(auditor, sources: list, as_of, jobs: int = 1, items: bool = False, progress=None) -> list[Result]:
    """One :class:`Result` per source, in the order of ``sources`` (``items``: with each district's inventory).

    Each district is read, audited and let go before the next (in each worker): only its verdicts and its
    district record stay, so memory holds one district's records per process, not the whole set's."""
    order = {c.id: i for i, c in enumerate(auditor.policy_set.checks)}

    def work(index: int) -> Result:
        result = audit_one(auditor, sources[index], as_of)
        if result.facts is not None:
            if items:
                with timing.stage("inventory"):
                    result.items = identity.inventory(result.facts)
            result.present = waive.present_keys(result.facts, auditor.asked.get(result.facts.district, ()))
            result.facts = _slim(result.facts)  # let the records go
            with timing.stage("verdicts"):  # sent back and kept encoded: bytes, not 300,000 dicts (auditor.verdicts)
                result.tally = tally(result.verdicts)
                result.verdicts = encode(sorted(result.verdicts, key=lambda v: order[v["check"]]))
        return result

    def done(result: Result) -> None:
        if progress is not None:
            progress.step(result.records)

    def serial(index: int) -> Result:
        result = work(index)
        done(result)
        return result

    results = forked_map(work, len(sources), jobs, on_done=done) or [serial(index) for index in range(len(sources))]
    for source, result in zip(sources, results):
        if isinstance(source, Facts) and result.facts is not None:
            # the caller's facts carry the derived measures afterwards, whichever process derived them
            source.records["district"] = result.facts.records["district"]
            source.notes.update(result.facts.notes)
            result.facts = source
    return results
