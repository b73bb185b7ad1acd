"""The derive and verdicts stages alone, in CPU microseconds per class record (issue 18).

    .venv/bin/python bench/derive.py                           # 10 districts, 100,000 classes, best of 3
    .venv/bin/python bench/derive.py --districts 20 --classes 200000 --repeat 5
    .venv/bin/python bench/derive.py --digest                  # also a sha256 of every verdict and derived figure

The synthetic submissions (``bench/synth.py``) are built in memory (untimed), then for each district, in this one
process: ``derive_district`` (per-record figures, completeness gaps, the district's measures) is timed, the
reference evaluator judges its records (untimed), and the verdicts stage is timed as ``auditor audit`` runs it
(``Auditor._verdict`` per check — verdict, filing, discrepancy, trace — then the tally and the encoded block).
CPU seconds (``time.process_time``), the best of ``--repeat`` passes over the same facts (derive clears what an
earlier pass left), with the load average beside each figure: other processes on the machine slow every figure.

``--digest`` prints one sha256 over every district's encoded verdicts, its derived records' data and its notes,
to show a change leaves the output byte-identical (compare the digest before and after).
"""
from __future__ import annotations

import argparse
import datetime as _dt
import gc
import hashlib
import json
import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, ROOT)

from bench import synth  # noqa: E402


def _load() -> str:
    return " ".join(open("/proc/loadavg").read().split()[:3]) if os.path.exists("/proc/loadavg") else \
        " ".join(f"{x:.2f}" for x in os.getloadavg())


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--districts", type=int, default=10)
    parser.add_argument("--classes", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--as-of", default="2022-12-31")
    parser.add_argument("--policies", default=os.path.join(ROOT, "policies"))
    parser.add_argument("--digest", action="store_true", help="print a sha256 of the verdicts and derived figures")
    parser.add_argument("--profile", choices=("derive", "verdicts"), help="cProfile one pass of the stage instead")
    args = parser.parse_args(argv)

    from auditor.audit import Auditor
    from auditor.evaluate import derive
    from auditor.evaluate.reference import judge_rule
    from auditor.intake.document import Document
    from auditor.intake.submission import facts_from_document
    from auditor.rules.policies import load_policies
    from auditor.verdicts import encode, tally

    names = synth.district_names(args.districts)
    synth.register_districts(names)
    policy_set = load_policies(os.path.abspath(args.policies))
    auditor = Auditor(policy_set, "reference")
    as_of = _dt.date.fromisoformat(args.as_of)
    order = {c.id: i for i, c in enumerate(policy_set.checks)}
    sizes = synth.split(args.classes, len(names))
    all_facts = [facts_from_document(Document(n, synth.submission(n, c, args.seed))) for n, c in zip(names, sizes)]
    classes = sum(len(f.of("class")) for f in all_facts)
    checks = [c for c in policy_set.checks if c.over != "city"]

    def derive_all() -> None:
        for facts in all_facts:
            derive.derive_district(facts, policy_set.measures, policy_set)

    outcomes = []

    def judge_all() -> None:
        outcomes.clear()
        for facts in all_facts:
            outcomes.append({rule.name: judge_rule(rule, facts.of(rule.kind), facts.gaps.get(rule.kind, ()), keep_na=False)
                             for rule in auditor.compiled.rules})

    blocks = []

    def verdicts_all() -> None:
        blocks.clear()
        for facts, judged in zip(all_facts, outcomes):
            traced: dict = {}
            verdicts = [auditor._verdict(check, facts, as_of, judged, traced, auditor.explain) for check in checks]
            blocks.append((tally(verdicts), encode(sorted(verdicts, key=lambda v: order[v["check"]]))))

    if args.profile:
        import cProfile
        import pstats
        derive_all()
        judge_all()
        gc.disable()
        profiler = cProfile.Profile()
        profiler.runcall(derive_all if args.profile == "derive" else verdicts_all)
        pstats.Stats(profiler).sort_stats("tottime").print_stats(25)
        return 0

    print(f"bench/derive.py: {len(names)} districts, {classes:,} class records, {len(checks)} checks, "
          f"best of {args.repeat}; load average {_load()} at start")
    best = {"derive": float("inf"), "verdicts": float("inf")}
    for _ in range(max(1, args.repeat)):
        gc.collect()
        gc.disable()  # as audit_one runs a district
        try:
            start = time.process_time()
            derive_all()
            best["derive"] = min(best["derive"], time.process_time() - start)
            judge_all()
            start = time.process_time()
            verdicts_all()
            best["verdicts"] = min(best["verdicts"], time.process_time() - start)
        finally:
            gc.enable()
    for stage in ("derive", "verdicts"):
        print(f"  {stage:9s} {best[stage] * 1e6 / classes:6.2f} µs CPU per class record "
              f"({best[stage]:.3f} s); load average {_load()}")
    if args.digest:
        digest = hashlib.sha256()
        for facts, (counts, block) in zip(all_facts, blocks):
            digest.update(json.dumps(counts, sort_keys=True, default=str).encode())
            digest.update(block)
            digest.update(json.dumps(facts.notes, sort_keys=True, default=repr).encode())
            for kind in sorted(facts.records):
                for record in facts.records[kind]:
                    digest.update(json.dumps([record.key, record.data], sort_keys=True, default=repr).encode())
        print(f"  digest    sha256:{digest.hexdigest()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
