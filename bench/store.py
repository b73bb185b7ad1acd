"""The audit history at province scale: recording cost, ``history`` speed, bytes per verdict and evidence item.

    .venv/bin/python bench/store.py                       # 100 districts, 1,000,000 class records, 10 rounds
    .venv/bin/python bench/store.py --districts 20 --classes 100000 --rounds 4 --repeat 1   # a quick look

What it prints (the README's "Performance" section quotes it):

1. **Recording** — the pipeline of ``auditor audit`` (read, validate, audit with
   the reference engine, render, write) timed without a store and with one
   (``--db``: the inventory of each district's records taken in the workers,
   the store's pre-flight check, and the one-transaction recording), each the
   best of ``--repeat`` runs, alternating; the recording step on its own too.
   Target: recording adds at most 25% to the audit's wall time.
2. **Ten rounds** — the same province's findings recorded as ten yearly rounds
   into one store (each round with a different tenth of the evidence fixed, so
   findings move between states); the file's size after each round, and the
   bytes per verdict, per evidence item and per submitted record (the
   inventory), from SQLite's ``dbstat`` table. Target: linear growth.
3. **History** — ``auditor history --district D --format json`` for the
   district with the most findings, over the ten rounds: the command (a fresh
   process, interpreter start included) and the query alone. Target: < 1 s.
4. **Documents with their history** — what ``auditor audit --db`` adds after
   recording: the store's views of the last round (``report_views``: every
   district's 复查 and comparison, the city's trends) and rendering the
   documents with them, against rendering without.

The data is bench/synth.py's invented province (bench/run.py makes the same files).
"""
from __future__ import annotations

import argparse
import copy
import datetime as _dt
import gc
import hashlib
import json
import os
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, ROOT)

from bench import run, synth  # noqa: E402


def audit_once(args, names, policy_set, paths, db_path: str | None) -> dict:
    """One `auditor audit` pipeline; with ``db_path`` it records as the command does. Seconds by phase."""
    from auditor import timing
    from auditor.audit import Auditor
    from auditor.output.files import write_reports
    from auditor.output.report import render
    from auditor.store import db, record

    timing.reset()
    gc.collect()
    out = tempfile.mkdtemp(prefix="store-bench-out-", dir=args.out)
    start = time.perf_counter()
    if db_path:
        db.preflight(db_path)
    preflight = time.perf_counter() - start
    inventory = {} if db_path else None
    findings = Auditor(policy_set, "reference").audit_files(paths, _dt.date.fromisoformat(args.as_of), names, args.jobs,
                                                            inventory=inventory)
    audited = time.perf_counter()
    files = render(findings, policy_set, "zh", jobs=args.jobs)
    rendered = time.perf_counter()
    recorded = rendered
    if db_path:
        record.record(db_path, findings, policy_set, inventory, issued=_dt.date(2023, 1, 16), rectify_days=30)
        recorded = time.perf_counter()
    write_reports(files, out)
    wall = time.perf_counter() - start
    return {"wall": wall, "preflight": preflight, "audit": audited - start - preflight, "render": rendered - audited,
            "inventory": timing.seconds().get("inventory", 0.0),
            "record": recorded - rendered, "findings": findings if db_path else None,
            "items": inventory, "verdicts": len(findings["verdicts"]),
            "evidence": sum(len(v["evidence"]) for v in findings["verdicts"])}


def dbstat(path: str) -> dict[str, int]:
    import sqlite3
    connection = sqlite3.connect(path)
    try:
        return dict(connection.execute("SELECT name, sum(pgsize) FROM dbstat GROUP BY name"))
    finally:
        connection.close()


def perturb(findings: dict, round_index: int) -> dict:
    """The findings of round ``round_index``: a different tenth of the evidence fixed each round, a new audit date."""
    out = copy.copy(findings)
    out["as_of"] = f"{2013 + round_index}-12-31"
    verdicts = []
    for v in findings["verdicts"]:
        kept = [e for e in v["evidence"]
                if hashlib.sha1(f"{round_index}/{v['district']}/{v['check']}/{e.get('record')}".encode()).digest()[0] >= 26]
        verdicts.append({**v, "evidence": kept})
    out["verdicts"] = verdicts
    return out


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--districts", type=int, default=100)
    parser.add_argument("--classes", type=int, default=1_000_000)
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--policies", default=os.path.join(ROOT, "policies"))
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--as-of", default="2022-12-31")
    parser.add_argument("--repeat", type=int, default=3, help="runs with and without the store, alternating; the best of each")
    parser.add_argument("--out", default=os.path.join(HERE, "out"))
    args = parser.parse_args(argv)
    args.out = os.path.abspath(args.out)
    args.policies = os.path.abspath(args.policies)
    os.makedirs(args.out, exist_ok=True)

    print(f"audit history benchmark — {run.machine()}; load average {os.getloadavg()[0]:.2f} at start")
    print(f"{args.districts} districts, {args.classes:,} class records, seed {args.seed}, --jobs {args.jobs}, reference engine")
    names, policy_set = run._setup(args)
    paths = run.generate(args, names, synth.split(args.classes, len(names)))

    # 1. recording
    work = tempfile.mkdtemp(prefix="store-bench-", dir=args.out)
    plain, stored = [], []
    for attempt in range(max(1, args.repeat)):
        plain.append(audit_once(args, names, policy_set, paths, None))
        stored.append(audit_once(args, names, policy_set, paths, os.path.join(work, f"one-{attempt}.sqlite")))
    a, b = min(plain, key=lambda r: r["wall"]), min(stored, key=lambda r: r["wall"])
    step = b["preflight"] + b["record"] + b["inventory"] / max(1, args.jobs)
    print(f"\n1. recording one province audit ({b['verdicts']:,} verdicts, {b['evidence']:,} evidence items), best of {len(plain)}:")
    print(f"   without a store: {a['wall']:.2f} s (audit {a['audit']:.2f}, render {a['render']:.2f}); runs {[round(r['wall'], 2) for r in plain]}")
    print(f"   with a store:    {b['wall']:.2f} s (pre-flight {b['preflight']:.2f}, audit incl. inventory {b['audit']:.2f}, "
          f"render {b['render']:.2f}, record {b['record']:.2f}); runs {[round(r['wall'], 2) for r in stored]}")
    print(f"   the inventory of submitted records, in the workers: {b['inventory']:.2f} s summed over {args.jobs} processes")
    print(f"   recording (pre-flight + inventory per worker + one transaction): {step:.2f} s = {100 * step / a['wall']:.1f}% of the audit's wall time; "
          f"with and without the store differ by {100 * (b['wall'] - a['wall']) / a['wall']:+.1f}% (target <= +25%)")

    # 2. ten rounds
    findings, inventory = b["findings"], b["items"]
    path = os.path.join(work, "rounds.sqlite")
    sizes, seconds, evidence, verdicts = [], [], 0, 0
    from auditor.store import record
    for index in range(args.rounds):
        this = perturb(findings, index)
        start = time.perf_counter()
        record.record(path, this, policy_set, inventory, issued=_dt.date(2014 + index, 1, 16), rectify_days=90)
        seconds.append(time.perf_counter() - start)
        sizes.append(os.path.getsize(path))
        evidence += sum(len(v["evidence"]) for v in this["verdicts"])
        verdicts += len(this["verdicts"])
    stat = dbstat(path)
    groups = {"verdicts": ["verdicts", "sqlite_autoindex_verdicts_1", "verdicts_district"],
              "evidence": ["evidence", "sqlite_autoindex_evidence_1", "evidence_finding"],
              "findings": ["findings", "sqlite_autoindex_findings_1"],
              "inventory": ["audit_districts", "sqlite_autoindex_audit_districts_1"]}
    used = {k: sum(stat.get(n, 0) for n in v) for k, v in groups.items()}
    records = sum(len(v) for v in inventory.values())
    steps = [sizes[0]] + [b2 - b1 for b1, b2 in zip(sizes, sizes[1:])]
    print(f"\n2. {args.rounds} rounds in one store: {sizes[-1] / 2**20:.1f} MB; recording each took "
          f"{min(seconds):.2f}–{max(seconds):.2f} s; growth per round {', '.join(f'{s / 2**20:.1f}' for s in steps)} MB")
    print(f"   bytes per verdict {used['verdicts'] / verdicts:,.0f} (its JSON and index); per evidence item "
          f"{used['evidence'] / evidence:,.0f} (JSON and indexes) + {used['findings'] / evidence:,.1f} (the finding identities, "
          f"shared across rounds); per submitted record {used['inventory'] / (records * args.rounds):,.1f} (the inventory, compressed)")
    print(f"   {verdicts:,} verdicts, {evidence:,} evidence items, {records * args.rounds:,} inventory entries; "
          f"policy files {stat.get('policy_files', 0) / 1024:,.0f} KB once")
    from auditor.store import db
    checks = []
    for _ in range(3):
        start = time.perf_counter()
        db.preflight(path)
        checks.append(time.perf_counter() - start)
    print(f"   the pre-flight check before recording into it (quick_check of {sizes[-1] / 2**20:.0f} MB): {min(checks):.2f} s "
          f"(runs {[round(c, 2) for c in checks]}); recording one more round: pre-flight + {seconds[-1]:.2f} s = "
          f"{100 * (min(checks) + seconds[-1] + b['inventory'] / max(1, args.jobs)) / a['wall']:.1f}% of the audit's wall time")

    # 3. history
    from auditor.store import history
    with db.opened(path, write=False) as connection:
        district = connection.execute("SELECT district FROM findings GROUP BY district ORDER BY count(*) DESC LIMIT 1").fetchone()[0]
        start = time.perf_counter()
        data = history.history(connection, district)
        query = time.perf_counter() - start
    commands = []
    for _ in range(3):
        start = time.perf_counter()
        done = subprocess.run([os.path.join(os.path.dirname(sys.executable), "auditor"), "history", "--db", path,
                               "--district", district, "--format", "json"], capture_output=True, text=True)
        commands.append(time.perf_counter() - start)
        assert done.returncode == 0, done.stderr
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", "import auditor.cli"], check=True)
    bare = time.perf_counter() - start
    print(f"\n3. history of {district} over {args.rounds} rounds ({len(data['findings']):,} findings): "
          f"the command {min(commands):.2f} s (runs {[round(c, 2) for c in commands]}; starting Python and importing the "
          f"auditor alone {bare:.2f} s), the query alone {query:.2f} s (target < 1 s)")

    # 4. the documents with their history
    from auditor.output.report import render
    from auditor.store import query, views
    with db.opened(path, write=False) as connection:
        last = query.all_audits(connection)[-1]
        reads = []
        for _ in range(3):
            start = time.perf_counter()
            past = views.report_views(connection, last.id)
            reads.append(time.perf_counter() - start)
    renders = {}
    for label, given in (("without", None), ("with", past)):
        runs = []
        for _ in range(2):
            gc.collect()
            start = time.perf_counter()
            render(this, policy_set, "zh", jobs=args.jobs, history=given)
            runs.append(time.perf_counter() - start)
        renders[label] = min(runs)
    overdue = len(past["city"]["overdue"])
    print(f"\n4. the documents of round {args.rounds} with its history ({len(past['districts'])} district views, "
          f"{overdue:,} overdue items): reading the views {min(reads):.2f} s (runs {[round(r, 2) for r in reads]}); "
          f"rendering {renders['without']:.2f} s without them, {renders['with']:.2f} s with them; together "
          f"{100 * (min(reads) + renders['with'] - renders['without']) / a['wall']:.1f}% of the audit's wall time")
    print(f"\nload average {os.getloadavg()[0]:.2f} at the end (other processes on the machine slow every figure above)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
