"""`auditor check` on large policy sets: loading and lint, timed separately, at growing sizes.

    .venv/bin/python bench/check.py                      # 500, 1,000, 2,000 and 10,000 checks
    .venv/bin/python bench/check.py --checks 10000 --repeat 1

The sets are copies of ``policies/`` with moved thresholds (``bench/policyset.py``),
written once under ``bench/out/policies-<N>/``. Each size runs in a fresh process
(the best of ``--repeat``); printed: seconds to load (YAML, schema, expressions,
types), seconds to lint (per-check findings and L-CONFLICT through the index of
``auditor/rules/conflicts.py``), seconds to build every rule with durable_rules' own
ruleset creation (what ``auditor check`` adds to load and lint), the findings, µs per
check, and the growth from one size to the next against the growth of the checks. The load average is printed
with every figure: the machine is shared.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, ROOT)


def one(folder: str) -> dict:
    from auditor.rules.lint import lint
    from auditor.rules.policies import load_policies

    start = time.perf_counter()
    policy_set = load_policies(folder)
    loaded = time.perf_counter()
    findings = lint(policy_set)
    done = time.perf_counter()
    try:  # what `auditor check` adds: every rule built by durable_rules' own ruleset creation
        from auditor.evaluate.engine import validate_rulesets
        from auditor.rules.compiler import compile_policies
    except ImportError:  # an older auditor, for comparison
        engine = None
    else:
        validate_rulesets(compile_policies(policy_set))
        engine = time.perf_counter() - done
    return {"checks": len(policy_set.checks), "policies": len(policy_set.policies), "load": loaded - start,
            "lint": done - loaded, "engine": engine, "findings": len(findings)}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--checks", default="500,1000,2000,10000", help="sizes, comma-separated")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--out", default=os.path.join(HERE, "out"))
    parser.add_argument("--one", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.one:
        print(json.dumps(one(args.one)))
        return 0
    from bench.policyset import write_policy_set

    print(f"auditor check on copies of policies/ (bench/policyset.py); load average {os.getloadavg()[0]:.2f}")
    print(f"{'checks':>7} {'files':>6} {'load s':>8} {'lint s':>8} {'engine s':>9} {'µs/check (lint)':>16} {'findings':>9} {'growth (lint)':>15}  load avg")
    previous = None
    for size in [int(n) for n in args.checks.split(",")]:
        folder = os.path.join(args.out, f"policies-{size}")
        if not os.path.isdir(folder):
            write_policy_set(folder, size)
        runs = []
        for _ in range(args.repeat):
            done = subprocess.run([sys.executable, os.path.abspath(__file__), "--one", folder], capture_output=True, text=True, cwd=ROOT)
            if done.returncode != 0:
                sys.stderr.write(done.stderr)
                return 1
            runs.append(json.loads(done.stdout.strip().splitlines()[-1]))
        best = min(runs, key=lambda r: r["load"] + r["lint"])
        growth = ""
        if previous:
            growth = f"{best['lint'] / previous['lint']:.1f}× for {best['checks'] / previous['checks']:.1f}×"
        engine = "—" if best["engine"] is None else f"{best['engine']:.2f}"
        print(f"{best['checks']:>7} {best['policies']:>6} {best['load']:>8.2f} {best['lint']:>8.2f} {engine:>9} "
              f"{best['lint'] / best['checks'] * 1e6:>16.0f} {best['findings']:>9} {growth:>15}  {os.getloadavg()[0]:.2f}")
        previous = best
    return 0


if __name__ == "__main__":
    sys.exit(main())
