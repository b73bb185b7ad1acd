"""The performance benchmark: a synthetic province audited end to end, stage by stage.

    .venv/bin/python bench/run.py                        # 100 districts, 1,000,000 class records
    .venv/bin/python bench/run.py --classes 100000 --districts 20 --engines reference
    .venv/bin/python bench/run.py --policies ../other/policies --jobs 1

What it prints (see the README's "Performance" section for figures):

1. **End to end**, once per engine (``reference``, ``durable``), each in a fresh
   process: every district's submission is generated once (untimed) as the
   same dict the YAML loader produces and kept as JSON under
   ``bench/out/data/``; the timed run reads those files with the real loader
   (``auditor.submission.load_submission``, as ``auditor audit`` reads a .json
   submission), validates them, derives, evaluates (and, for
   ``durable``, asserted into durable_rules and reconciled with the reference
   evaluator record by record), judged, rendered (findings.json, findings.xlsx,
   HTML, in the worker processes) and
   written to ``bench/out/<engine>/`` — the pipeline of ``auditor audit``, with
   ``--jobs`` worker processes. Stage seconds are summed over processes; wall
   time, records per second and peak memory (the largest sum of resident
   memory over the process and its workers, sampled every 0.1 s, proportional (PSS) and resident, plus
   ``ru_maxrss`` of the process and of its largest child) are printed.
2. **Linearity**: the same with a tenth of the records; 10× the records should
   cost at most 11× the time.
3. **Evaluation only**, in one process on the first ``--compare-districts``
   districts: the reference evaluator, the durable_rules engine as the
   auditor drives it, durable_rules' own ``assert_facts`` on the same facts
   with the same conditions and no auditor around it, and a vectorised lower
   bound with numpy (a measuring stick: numpy is only a bench dependency,
   ``pip install -e '.[bench]'``). Ratios: engine / reference, reference /
   numpy, auditor engine / raw durable_rules (target ≤ 1.5×), and what the
   reconciliation (the reference evaluation plus the comparison) adds to
   the durable path (target ≤ 10%).
4. **Loading from disk**: ``--disk-districts`` districts written as JSON, YAML, CSV sets and xlsx workbooks (the
   filled-in template), each loaded with the real loader (schema and content checks included) and read by the
   fastest plain reader of the same files with no checks (orjson, libyaml's CSafeLoader, the csv module,
   python-calamine): records per second, the ratio loader / plain reader (target <= 3x) and each format's
   records per second against the JSON path's (target >= 0.5x). The loader pauses the cyclic garbage collector
   while it reads (as the audit does), so the plain readers are timed with it paused too; ``--formats`` chooses
   the formats (YAML takes most of the section's time). For JSON also the floor under that ratio: orjson plus
   making the auditor's records (``submission.to_facts``) with no check at all.

``--scale national`` is 2,900 districts and 3,500,000 class records, one run each; ``--sources json,xlsx`` runs the
end-to-end figures from JSON and from the filled-in xlsx templates. Linearity compares the full set with a tenth of
it (a tenth of the districts and of the records).

The data is invented (see ``bench/synth.py``); the province's districts get
synthetic names (虚构县001, ...), registered in the process for the run.
"""
from __future__ import annotations

import argparse
import datetime as _dt
import gc
import json
import os
import platform
import resource
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, ROOT)

from bench import synth  # noqa: E402


# ----------------------------------------------------------------------------- memory
def _tree_memory(pid: int) -> tuple[int, int, int, int]:
    """(resident bytes, proportional bytes) of ``pid`` and all its descendants. Resident memory counts a page
    shared by a forked worker and its parent in each (an upper bound: a worker starts as a copy of the parent);
    the proportional set size (PSS, /proc/PID/smaps_rollup) divides each shared page among its sharers, so the
    sum is the memory the tree really holds. Also the proportional bytes of ``pid`` itself and of its largest
    descendant."""
    rss = pss = own = largest = 0
    stack = [pid]
    while stack:
        p = stack.pop()
        try:
            with open(f"/proc/{p}/status") as handle:
                for line in handle:
                    if line.startswith("VmRSS:"):
                        rss += int(line.split()[1]) * 1024
                        break
            try:
                with open(f"/proc/{p}/smaps_rollup") as handle:
                    for line in handle:
                        if line.startswith("Pss:"):
                            mine = int(line.split()[1]) * 1024
                            pss += mine
                            if p == pid:
                                own = mine
                            else:
                                largest = max(largest, mine)
                            break
            except OSError:
                pass
            with open(f"/proc/{p}/task/{p}/children") as handle:
                stack.extend(int(c) for c in handle.read().split())
        except (OSError, ValueError):
            continue
    return rss, pss, own, largest


class PeakSampler:
    def __init__(self, interval: float = 0.1):
        self.interval = interval
        self.peak = self.peak_pss = self.peak_parent = self.peak_child = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self):
        while not self._stop.is_set():
            self._sample()
            self._stop.wait(self.interval)

    def _sample(self):
        rss, pss, own, child = _tree_memory(os.getpid())
        self.peak, self.peak_pss = max(self.peak, rss), max(self.peak_pss, pss)
        self.peak_parent, self.peak_child = max(self.peak_parent, own), max(self.peak_child, child)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()
        self._sample()


def _maxrss() -> dict:
    me, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return {"self_mb": me.ru_maxrss / 1024, "children_mb": children.ru_maxrss / 1024,
            "cpu": me.ru_utime + me.ru_stime + children.ru_utime + children.ru_stime}


# ----------------------------------------------------------------------------- set-up
def _setup(args):
    from auditor.rules.policies import load_policies

    names = synth.district_names(args.districts)
    synth.register_districts(names)
    policy_set = load_policies(args.policies)
    return names, policy_set


def _generate_one(job) -> str:
    path, name, classes, seed, source, policies = job
    if not os.path.exists(path):
        data = synth.submission(name, classes, seed)
        tmp = path + f".{os.getpid()}.tmp"
        if source == "xlsx":
            from auditor.rules.policies import load_policies
            _write_xlsx(load_policies(policies), data, tmp)
        else:
            with open(tmp, "w", encoding="utf-8") as handle:
                json.dump(data, handle, ensure_ascii=False)
        os.replace(tmp, path)
    return path


def generate(args, names: list[str], sizes: list[int]) -> list[str]:
    """The submissions under bench/out/data/ (made once, untimed): JSON files (the same dicts the loader produces),
    or with ``--source xlsx`` each district's template filled in with them (as ``auditor template`` writes it)."""
    import multiprocessing

    folder = os.path.join(args.out, "data", f"seed{args.seed}-{args.classes}-{len(names)}" + ("-xlsx" if args.source == "xlsx" else ""))
    os.makedirs(folder, exist_ok=True)
    suffix = ".xlsx" if args.source == "xlsx" else ".json"
    jobs = [(os.path.join(folder, f"{i:04d}{suffix}"), n, k, args.seed, args.source, args.policies)
            for i, (n, k) in enumerate(zip(names, sizes))]
    with multiprocessing.get_context("fork").Pool(args.jobs) as pool:
        return pool.map(_generate_one, jobs, chunksize=1)


# ----------------------------------------------------------------------------- 1. end to end
def one(args) -> dict:
    """End to end in this process (and its workers); returns figures as a dict."""
    from auditor import timing
    from auditor.audit import Auditor
    from auditor.output.report import render
    from auditor.output.files import write_reports
    from auditor.output.claims import claim, release_folder

    names, policy_set = _setup(args)
    sizes = synth.split(args.classes, len(names))
    paths = generate(args, names, sizes)
    out = os.path.join(args.out, f"{args.one}-{args.source}-{args.classes}")
    gc.collect()
    cpu_before = _maxrss()["cpu"]
    with PeakSampler() as sampler:
        start = time.perf_counter()
        auditor = Auditor(policy_set, args.one)
        findings = auditor.audit_files(paths, _dt.date.fromisoformat(args.as_of), names, args.jobs)
        audited = time.perf_counter()
        claim(out)  # as `auditor audit` does: each file is written into the claimed folder as it is rendered
        files = render(findings, policy_set, "zh", jobs=args.jobs, stage=out)
        rendered = time.perf_counter()
        with timing.stage("write"):
            write_reports(files, out)
        release_folder(out)
        wall = time.perf_counter() - start
    statuses: dict = {}
    for v in findings["verdicts"]:
        statuses[v["status"]] = statuses.get(v["status"], 0) + 1
    return {"engine": args.one, "source": args.source, "load": os.getloadavg()[0], "districts": len(names), "classes": args.classes, "jobs": args.jobs,
            "wall": wall, "audit_wall": audited - start, "render_wall": rendered - audited, "stages": timing.seconds(), "stages_cpu": timing.seconds(cpu=True), "peak_tree_mb": sampler.peak / 2**20,
            "peak_pss_mb": sampler.peak_pss / 2**20, "peak_parent_pss_mb": sampler.peak_parent / 2**20,
            "peak_child_pss_mb": sampler.peak_child / 2**20,
            **_maxrss(), "cpu_before": cpu_before, "verdicts": len(findings["verdicts"]), "statuses": statuses,
            "evidence": sum(len(v["evidence"]) for v in findings["verdicts"]),
            "bytes": {name: os.path.getsize(os.path.join(out, name)) for name in files if name in ("findings.json", "index.html")},
            "html_bytes": sum(os.path.getsize(os.path.join(out, n)) for n in files if n.endswith(".html")), "out": out}


def _child(args, **overrides) -> dict:
    argv = [sys.executable, os.path.abspath(__file__), "--districts", str(args.districts), "--classes", str(args.classes),
            "--seed", str(args.seed), "--policies", args.policies, "--jobs", str(args.jobs), "--as-of", args.as_of,
            "--out", args.out, "--compare-districts", str(args.compare_districts), "--disk-districts", str(args.disk_districts), "--formats", args.formats,
            "--repeat", str(args.repeat), "--source", args.source]
    for key, value in overrides.items():
        flag = "--" + key.replace("_", "-")
        if flag in argv:
            argv[argv.index(flag) + 1] = str(value)
        else:
            argv += [flag, str(value)]
    done = subprocess.run(argv, capture_output=True, text=True, cwd=ROOT)
    if done.returncode != 0:
        sys.stderr.write(done.stderr)
        raise SystemExit(f"bench: {' '.join(argv[2:])} failed with status {done.returncode}")
    return json.loads(done.stdout.strip().splitlines()[-1])


STAGES = [("read + validate", ("load",), ()), ("derive", ("derive",), ()), ("reference evaluation", ("reference",), ()),
          ("durable_rules engine", ("engine",), ()), ("reconciliation", ("reconcile",), ()), ("verdicts", ("verdicts",), ()),
          ("render", ("render",), ()), ("write", ("write",), ())]


def print_one(r: dict, cores: int) -> None:
    n = r["classes"]
    print(f"\n== end to end, --engine {r['engine']} from {r['source']}: {r['districts']} districts, {n:,} class records, "
          f"--jobs {r['jobs']}; load average {r['load']:.2f} at the end of the run")
    s, c = r["stages"], r.get("stages_cpu", {})
    print(f"   {'stage':24s} {'seconds':>8s} {'records/s':>12s} {'CPU s':>8s} {'µs CPU/record':>14s}   (summed over processes)")
    total_cpu = 0.0
    for label, keys, minus in STAGES:
        seconds = sum(s.get(k, 0) for k in keys) - sum(s.get(k, 0) for k in minus)
        cpu = sum(c.get(k, 0) for k in keys) - sum(c.get(k, 0) for k in minus)
        total_cpu += cpu
        if seconds <= 0 and label.startswith(("durable", "reconc")):
            continue
        rate = f"{n / seconds:12,.0f}" if seconds > 0 else " " * 12
        print(f"   {label:24s} {seconds:8.2f} {rate} {cpu:8.2f} {1e6 * cpu / n:14.2f}")
    print(f"   {'all stages':24s} {'':8s} {'':12s} {total_cpu:8.2f} {1e6 * total_cpu / n:14.2f}")
    cpu = r["cpu"] - r["cpu_before"]
    print(f"   wall: {r['wall']:.2f} s end to end (read, validate, audit, render, write), {n / r['wall']:,.0f} records/s "
          f"(audit {r['audit_wall']:.2f} s, render {r['render_wall']:.2f} s, write {r['wall'] - r['audit_wall'] - r['render_wall']:.2f} s); "
          f"CPU {cpu:.1f} s over the process and its workers (/ {min(r['jobs'], cores)} cores = {cpu / min(r['jobs'], cores):.1f} s)")
    if len(r.get("walls", [])) > 1:
        print(f"   (the fastest of {len(r['walls'])} runs, each in a fresh process; wall times {r['walls']})")
    pss = r.get("peak_pss_mb", 0)
    print(f"   peak memory, process + workers sampled every 0.1 s: {pss:.0f} MB proportional (PSS: shared pages divided "
          f"among their sharers; target < 2,048 MB: {'ok' if 0 < pss < 2048 else 'MISSED'}), {r['peak_tree_mb']:.0f} MB resident "
          f"(each worker's copy-on-write pages of the parent counted again); ru_maxrss {r['self_mb']:.0f} MB, "
          f"largest child {r['children_mb']:.0f} MB; proportional peaks: the process {r.get('peak_parent_pss_mb', 0):.0f} MB, "
          f"its largest worker {r.get('peak_child_pss_mb', 0):.0f} MB")
    print(f"   {r['verdicts']} verdicts {r['statuses']}, {r['evidence']:,} evidence items; "
          f"findings.json {r['bytes'].get('findings.json', 0) / 2**20:.1f} MB, HTML {r['html_bytes'] / 2**20:.1f} MB in {r['out']}")


# ----------------------------------------------------------------------------- 3. evaluation only
def _numpy_bound(rules, records_by_kind):
    """Vectorised three-valued evaluation of the same rules; (conversion s, compute s, counts by rule)."""
    import numpy as np

    from auditor.rules import expr

    t0 = time.perf_counter()
    columns: dict = {}
    for rule in rules:
        records = records_by_kind.get(rule.kind, [])
        for path in sorted(rule.fields):
            if (rule.kind, path) in columns:
                continue
            get = expr.getter(path)
            raw = [get(r.data) for r in records]
            known = np.fromiter((v is not expr.MISSING for v in raw), bool, len(raw))
            if any(isinstance(v, str) for v in raw):
                values = np.array([None if v is expr.MISSING else v for v in raw], dtype=object)
            else:
                values = np.array([np.nan if v is expr.MISSING else float(v) for v in raw], dtype=float)
            columns[(rule.kind, path)] = (values, known)
    t1 = time.perf_counter()

    def ev(node, kind, n):
        if isinstance(node, (expr.Const, expr.Date)):
            value = node.value
            return (np.full(n, value, dtype=object if isinstance(value, str) else float)), np.ones(n, bool)
        if isinstance(node, expr.Field):
            return columns[(kind, node.path)]
        if isinstance(node, expr.Arith):
            (a, ka), (b, kb) = ev(node.left, kind, n), ev(node.right, kind, n)
            known = ka & kb
            if node.op == "/":
                known &= b != 0
                with np.errstate(divide="ignore", invalid="ignore"):
                    return a / b, known
            return {"+": np.add, "-": np.subtract, "*": np.multiply}[node.op](a, b), known
        if isinstance(node, expr.Compare):
            (a, ka), (b, kb) = ev(node.left, kind, n), ev(node.right, kind, n)
            fn = {"==": np.equal, "!=": np.not_equal, "<": np.less, "<=": np.less_equal, ">": np.greater, ">=": np.greater_equal}[node.op]
            with np.errstate(invalid="ignore"):
                return fn(a, b).astype(bool), ka & kb
        if isinstance(node, expr.Member):
            a, ka = ev(node.item, kind, n)
            found = np.zeros(n, bool)
            for c in node.choices:
                found |= (a == c.value).astype(bool)
            return (~found if node.negated else found), ka
        if isinstance(node, (expr.And, expr.Or)):
            parts = [ev(i, kind, n) for i in node.items]
            if isinstance(node, expr.And):
                any_false = np.zeros(n, bool)
                all_true = np.ones(n, bool)
                for v, k in parts:
                    any_false |= k & ~v
                    all_true &= k & v
                return all_true, any_false | all_true
            any_true = np.zeros(n, bool)
            all_false = np.ones(n, bool)
            for v, k in parts:
                any_true |= k & v
                all_false &= k & ~v
            return any_true, any_true | all_false
        if isinstance(node, expr.Not):
            v, k = ev(node.item, kind, n)
            return ~v, k
        raise TypeError(node)

    counts = {}
    for rule in rules:
        n = len(records_by_kind.get(rule.kind, []))
        applies = np.ones(n, bool)
        missing = np.zeros(n, bool)
        if rule.where is not None:
            w, kw = ev(expr.as_condition(rule.where), rule.kind, n)
            missing |= ~kw
            applies = kw & w
        present = np.ones(n, bool)
        for path in expr.fields(rule.require):
            present &= columns[(rule.kind, path)][1]
        r, kr = ev(expr.as_condition(rule.require), rule.kind, n)
        judged = applies & present & kr
        missing |= applies & ~(present & kr)
        fail = judged & ~r
        counts[rule.name] = {"pass": int((judged & r).sum()), "fail": int(fail.sum()), "missing": int(missing.sum()),
                             "not_applicable": int(n - judged.sum() - missing.sum())}
    t2 = time.perf_counter()
    return t1 - t0, t2 - t1, counts


def compare(args) -> dict:
    """Evaluation only, one process, the first --compare-districts districts."""
    from auditor.evaluate import derive
    from auditor.rules.compiler import KEY_FIELD, KIND_FIELD, compile_policies
    from auditor.evaluate.engine import Engine, _project, host
    from auditor.intake.document import Document
    from auditor.evaluate.reference import judge_rule
    from auditor.evaluate.reconcile import OUTCOMES, disagreements
    from auditor.intake.submission import facts_from_document

    names, policy_set = _setup(args)
    sizes = synth.split(args.classes, len(names))
    k = min(args.compare_districts, len(names))
    facts = [facts_from_document(Document(n, synth.submission(n, c, args.seed))) for n, c in zip(names[:k], sizes[:k])]
    for f in facts:
        derive.derive_district(f, policy_set.measures)
    compiled = compile_policies(policy_set)
    rules = [r for r in compiled.rules if r.kind != "city"]
    records = sum(len(f.of("class")) for f in facts)
    kinds = sorted({r.kind for r in rules})
    facts_asserted = sum(len(f.of(kind)) for f in facts for kind in kinds)
    out = {"repeat": max(1, args.repeat), "districts": k, "classes": records, "facts_asserted": facts_asserted, "rules": len(rules),
           "rules_by_kind": {kind: sum(1 for r in rules if r.kind == kind) for kind in kinds}}

    repeat = max(1, args.repeat)

    def best(run) -> float:
        """The fastest of ``repeat`` runs: the least disturbed by other processes on the machine."""
        times = []
        for _ in range(repeat):
            t = time.perf_counter()
            run()
            times.append(time.perf_counter() - t)
        return min(times)

    # the reference evaluator
    judged: list = []
    out["reference"] = best(lambda: judged.__setitem__(slice(None), [{r.name: judge_rule(r, f.of(r.kind), keep_na=True) for r in rules} for f in facts]))
    expected = [{name: {o: j.keys(o) for o in OUTCOMES} for name, j in d.items()} for d in judged]
    reference_counts = {r.name: {s: sum(d[r.name].counts[s] for d in judged) for s in ("pass", "fail", "missing", "not_applicable")} for r in rules}

    # the reconciliation proper: the reference's outcome sets compared with the engine's (here: with themselves)
    def reconcile():
        for f, d, e in zip(facts, judged, expected):
            held = {kind: {r.key for r in f.of(kind)} for kind in kinds}
            for r in rules:
                disagreements(d[r.name], e[r.name], held[r.kind])
    out["compare_sets"] = best(reconcile)

    # the engine as the auditor drives it (projection, batches, re-salting, sentinel, state deletion)
    engine = Engine(compiled)

    def drive():
        for f, d in zip(facts, judged):
            found = engine.run(f.district, f.records)
            for r in rules:
                if disagreements(d[r.name], found.outcomes.get(r.name, {}), found.held.get(r.kind, set())):
                    raise SystemExit(f"bench: engine and reference disagree on {r.check.id} in {f.district}")
    out["engine"] = best(drive)
    out["refused"] = engine.refused

    # durable_rules alone: the same conditions, the same projected facts, json.dumps + assert_facts + actions
    import durable_rules_engine as core
    from durable.engine import MessageNotHandledException, MessageObservedException

    prefix = f"raw{os.getpid()}_"
    fired: set = set()
    definitions = compiled.definitions()
    for rs in definitions.values():
        for rule_name, rule in rs.items():
            rule["run"] = (lambda rule_name: (lambda c: fired.update((m["sid"], rule_name, m[KEY_FIELD]) for m in (c.m if isinstance(c.m, list) else [c.m]))))(rule_name)
    host().set_rulesets({prefix + name: rs for name, rs in definitions.items()})
    rounds = []
    for round_no in range(repeat):
        batches = []
        for i, f in enumerate(facts):
            for name in definitions:
                kind = compiled.rulesets[name]["kind"]
                paths = compiled.projection.get(kind, [])
                items = []
                for record in f.of(kind):
                    fact = _project(record.data, paths)
                    fact.update({"sid": f"raw{round_no}_{i}", KEY_FIELD: record.key, KIND_FIELD: kind})
                    items.append(fact)
                ruleset = host().get_ruleset(prefix + name)
                batches += [(ruleset, items[s:s + 1000]) for s in range(0, len(items), 1000)]
        rounds.append(batches)

    def raw(batches):
        for ruleset, batch in batches:
            try:
                state = ruleset.assert_facts(batch)
                ruleset.do_actions(state, lambda e, s: None)
            except (MessageNotHandledException, MessageObservedException):
                while True:  # actions left pending by a batch that raised
                    result = core.start_action(ruleset._handle)
                    if not result:
                        break
                    ruleset._flush_actions(json.loads(result[0]), {"message": json.loads(result[1])}, result[2], lambda e, s: None)
    times = []
    for batches in rounds:
        t = time.perf_counter()
        raw(batches)
        times.append(time.perf_counter() - t)
    out["raw_durable"] = min(times)
    out["raw_fired"] = len([x for x in fired if x[0].startswith("raw0_")])
    out["expected_fired"] = sum(len(keys) for d in expected for v in d.values() for keys in v.values())

    # numpy, as a measuring stick
    try:
        merged: dict = {}
        for f in facts:
            for kind in kinds:
                merged.setdefault(kind, []).extend(f.of(kind))
        runs = [_numpy_bound(rules, merged) for _ in range(repeat)]
        conversion, compute, counts = min(r[0] for r in runs), min(r[1] for r in runs), runs[0][2]
        out["numpy_conversion"], out["numpy_compute"] = conversion, compute
        out["numpy_agrees"] = counts == reference_counts
        if not out["numpy_agrees"]:
            out["numpy_diff"] = {k: (counts[k], reference_counts[k]) for k in counts if counts[k] != reference_counts[k]}
    except ImportError:
        out["numpy_conversion"] = None
    return out


def print_compare(c: dict, e2e: dict | None) -> None:
    n = c["facts_asserted"]
    print(f"\n== evaluation only, one process, best of {c['repeat']}: {c['districts']} districts, {c['classes']:,} class records, "
          f"{n:,} records judged by {c['rules']} rules {c['rules_by_kind']}")
    rows = [("reference evaluator (compiled closures)", c["reference"]),
            ("durable_rules, as the auditor drives it", c["engine"]),
            ("durable_rules alone (assert_facts, same conditions)", c["raw_durable"])]
    if c.get("numpy_conversion") is not None:
        rows += [("numpy: records -> columns", c["numpy_conversion"]), ("numpy: vectorised evaluation", c["numpy_compute"]),
                 ("numpy: both (the lower bound used)", c["numpy_conversion"] + c["numpy_compute"])]
    for label, seconds in rows:
        print(f"   {label:52s} {seconds:8.3f} s {n / seconds:12,.0f} records/s")
    print(f"   engine / reference:                      {c['engine'] / c['reference']:6.1f}x")
    print(f"   auditor engine / durable_rules alone:    {c['engine'] / c['raw_durable']:6.2f}x   (target <= 1.5x)")
    reconcile = c["reference"] + c["compare_sets"]
    print(f"   reconciliation: comparing hits with the reference adds {100 * c['compare_sets'] / c['engine']:.2f}% to the engine; "
          f"with the reference evaluation itself (which the verdicts need on either path) {100 * reconcile / c['engine']:.0f}%   (target <= 10%)")
    if c.get("numpy_conversion") is not None:
        bound = c["numpy_conversion"] + c["numpy_compute"]
        print(f"   reference / numpy (incl. conversion):    {c['reference'] / bound:6.1f}x   (target <= 10x); "
              f"/ numpy compute only: {c['reference'] / c['numpy_compute']:.0f}x; numpy counts agree with the reference: {c['numpy_agrees']}")
    else:
        print("   numpy is not installed (pip install -e '.[bench]'): no vectorised bound")
    print(f"   outcomes judged by rules (fail, missing, not applicable): {c['expected_fired']:,} expected, durable_rules alone reported {c['raw_fired']:,}; "
          f"facts refused as already observed and re-asserted by the auditor: {c['refused']}")


# ----------------------------------------------------------------------------- 4. loading from disk
FORMATS = ("json", "yaml", "csv", "xlsx")
PLAIN = {"json": "orjson.loads", "yaml": "yaml CSafeLoader", "csv": "csv.reader", "xlsx": "python-calamine"}


def _plain_read(kind: str, unit) -> int:
    """The fastest plain reader of the same file(s), no checks: the measuring stick. Returns the rows/values read
    (so that nothing is optimised away)."""
    if kind == "json":
        try:
            import orjson
            with open(unit, "rb") as handle:
                return len(orjson.loads(handle.read()))
        except ImportError:  # pip install -e '.[bench]'
            with open(unit, "rb") as handle:
                return len(json.loads(handle.read()))
    if kind == "yaml":
        import yaml
        with open(unit, "rb") as handle:
            return len(yaml.load(handle.read(), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader)))
    if kind == "csv":
        import csv
        count = 0
        for path in unit:
            with open(path, encoding="utf-8-sig", newline="") as handle:
                count += len(list(csv.reader(handle)))
        return count
    from python_calamine import CalamineWorkbook
    book = CalamineWorkbook.from_path(unit)
    return sum(len(book.get_sheet_by_name(name).to_python()) for name in book.sheet_names)


def _write_xlsx(policy_set, data: dict, path: str) -> None:
    """The district's template filled in with its data, as ``auditor template`` makes it and a district returns it."""
    from auditor.output.templates import build_workbook, workbook_bytes

    with open(path, "wb") as handle:
        handle.write(workbook_bytes(build_workbook(policy_set, data["district"], data)))


def _write_unit(job) -> dict:
    """One district's submission in every format under ``folder`` (written once, untimed)."""
    import yaml

    from auditor.intake.sheets.reader import group_units
    from spreadsheets import write_csv_set  # fixtures/spreadsheets.py (on the path through bench.synth)

    i, name, size, seed, folder, policies = job
    base = os.path.join(folder, f"{i:04d}")
    units = {"json": base + ".json", "yaml": base + ".yaml", "xlsx": os.path.join(folder, f"{name}.xlsx")}
    done = base + ".done"
    if not os.path.exists(done):
        from auditor.rules.policies import load_policies
        policy_set = load_policies(policies)
        data = synth.submission(name, size, seed)
        with open(units["yaml"], "w", encoding="utf-8") as handle:
            handle.write(yaml.safe_dump(data, allow_unicode=True, sort_keys=False, default_flow_style=None, width=200))
        with open(units["json"], "w", encoding="utf-8") as handle:
            json.dump(data, handle, ensure_ascii=False, indent=1)
        os.makedirs(os.path.join(folder, "csv"), exist_ok=True)
        write_csv_set(policy_set, data, "utf-8-sig", os.path.join(folder, "csv"))
        _write_xlsx(policy_set, data, units["xlsx"])
        open(done, "w").close()
    csv_folder = os.path.join(folder, "csv")
    units["csv"] = group_units(sorted(os.path.join(csv_folder, f) for f in os.listdir(csv_folder) if f.startswith(name + "-")))[0]
    return units


def _records_alone(files: list, repeat: int) -> dict:
    """The JSON files read by orjson, given to jsonschema-rs for its yes/no answer and made into the auditor's
    records (``submission.to_facts``, as the loader does), the collector paused, each step timed apart: what the
    loader's output and its first schema check cost before any located or content check, the floor under the
    ratio to the plain reader. Returns the best of ``repeat`` runs of each step's total: ``{"records_alone":
    orjson + records, "schema_answer": jsonschema-rs alone}`` (seconds)."""
    import orjson

    from auditor.intake import contracts
    from auditor.intake.document import Document
    from auditor.intake.submission import to_facts

    records = schema = float("inf")
    for _ in range(max(1, repeat)):
        gc.disable()
        try:
            spent = [0.0, 0.0]
            for path in files:
                t = time.perf_counter()
                with open(path, "rb") as handle:
                    data = orjson.loads(handle.read())
                t1 = time.perf_counter()
                if not contracts.certainly_valid("submission", data):
                    raise SystemExit(f"bench: {path} is not a valid submission")
                t2 = time.perf_counter()
                to_facts(Document(path, data), own=True)
                spent[0] += (t1 - t) + (time.perf_counter() - t2)
                spent[1] += t2 - t1
            records, schema = min(records, spent[0]), min(schema, spent[1])
        finally:
            gc.enable()
    return {"records_alone": records, "schema_answer": schema}


DISK_REPEAT = 5


def disk(args) -> dict:
    """The same districts written as JSON, YAML, CSV sets and xlsx workbooks; each loaded by the real loader and read
    by the fastest plain reader of its format (no checks), side by side, the best of --repeat runs (at least DISK_REPEAT)."""
    import multiprocessing

    from auditor.intake.submissions import load_submission

    names, policy_set = _setup(args)
    sizes = synth.split(args.classes, len(names))
    k = min(args.disk_districts, len(names))
    folder = os.path.join(args.out, "disk", f"seed{args.seed}-{args.classes}-{len(names)}")
    os.makedirs(folder, exist_ok=True)
    jobs = [(i, n, s, args.seed, folder, args.policies) for i, (n, s) in enumerate(zip(names[:k], sizes[:k]))]
    with multiprocessing.get_context("fork").Pool(max(1, args.jobs)) as pool:
        written = pool.map(_write_unit, jobs, chunksize=1)
    out = {"files": k, "formats": [f for f in FORMATS if f in args.formats.split(",")]}
    # at least DISK_REPEAT runs whatever --repeat says: at national density five districts are a few milliseconds
    # to read, and one run of each (--repeat 1, the national default) measured the first call's noise
    repeat = max(DISK_REPEAT, args.repeat)
    gc.collect()
    for kind in out["formats"]:
        items = [w[kind] for w in written]
        files = [f for u in items for f in (u if isinstance(u, tuple) else (u,))]
        loads, plains, classes = [], [], 0
        for _ in range(repeat):
            t = time.perf_counter()
            for u in items:
                facts = load_submission(u)
                classes = len(facts.of("class")) if len(items) == 1 else classes
                del facts
            loads.append(time.perf_counter() - t)
            gc.disable()  # as load_submission does while it reads
            try:
                t = time.perf_counter()
                for u in items:
                    _plain_read(kind, u)
                plains.append(time.perf_counter() - t)
            finally:
                gc.enable()
        classes = sum(len(load_submission(u).of("class")) for u in items)
        out[kind] = {"classes": classes, "seconds": min(loads), "plain": min(plains),
                     "bytes": sum(os.path.getsize(f) for f in files)}
        if kind == "json":
            out[kind].update(_records_alone(items, repeat))
    out["load"] = os.getloadavg()[0]
    return out


def print_disk(d: dict, total: int) -> None:
    print(f"\n== loading from disk, one process, {d['files']} districts, best of --repeat (at least {DISK_REPEAT}): the real loader (schema and content "
          "checks, located problems) against the fastest plain reader of the same files (no checks); load average "
          f"{d['load']:.2f}")
    print(f"   {'format':6s} {'MB':>6s} {'classes':>9s} {'loader s':>9s} {'records/s':>10s} {'plain reader':>18s} {'plain s':>8s} "
          f"{'ratio':>6s} {'of JSON':>8s}")
    json_rate = d["json"]["classes"] / d["json"]["seconds"] if "json" in d else float("nan")
    for kind in d.get("formats", FORMATS):
        r = d[kind]
        rate = r["classes"] / r["seconds"]
        ratio = r["seconds"] / r["plain"]
        print(f"   {kind:6s} {r['bytes'] / 2**20:6.1f} {r['classes']:9,} {r['seconds']:9.2f} {rate:10,.0f} {PLAIN[kind]:>18s} "
              f"{r['plain']:8.3f} {ratio:5.1f}x {rate / json_rate:7.2f}x   "
              f"ratio <= 3x: {'ok' if ratio <= 3 else 'MISSED'}, >= 0.5x JSON: {'ok' if rate >= json_rate / 2 else 'MISSED'}; "
              f"{total:,} records: {total / rate:.0f} s in one process")
    alone, schema = d.get("json", {}).get("records_alone"), d.get("json", {}).get("schema_answer")
    if alone:
        plain = d["json"]["plain"]
        print(f"   JSON read by orjson and made into the auditor's records with no check at all: {alone:.3f} s, "
              f"{alone / plain:.1f}x orjson — the floor under the loader's ratio (its checks: "
              f"{(d['json']['seconds'] - alone) / plain:.1f}x orjson more)")
        if schema is not None:
            least = (alone + schema) / plain
            print(f"   jsonschema-rs's yes/no answer alone on the same data: {schema:.3f} s, {schema / plain:.1f}x orjson; "
                  f"records + that answer, before any content check or located error: {least:.1f}x orjson "
                  f"({'above' if least > 3 else 'within'} the 3x target)")
    # what the plain readers alone manage against JSON's loader: a format whose plain reader alone is below half
    # JSON's records/s cannot meet "no format below half JSON" whatever its loader does
    slow = [(kind, (d[kind]["classes"] / d[kind]["plain"]) / json_rate) for kind in d.get("formats", FORMATS)
            if kind != "json" and kind in d]
    if slow and "json" in d:
        print("   the plain readers alone (no checks, no records) against JSON's loader's records/s: "
              + ", ".join(f"{PLAIN[kind]} {share:.2f}x" + (" (below half: out of any loader's reach)" if share < 0.5 else "")
                          for kind, share in slow))


# ----------------------------------------------------------------------------- main
SCALES = {"province": {"districts": 100, "classes": 1_000_000, "repeat": 3},
          "national": {"districts": 2_900, "classes": 3_500_000, "repeat": 1}}


def machine() -> str:
    model = ""
    try:
        with open("/proc/cpuinfo") as handle:
            model = next((line.split(":", 1)[1].strip() for line in handle if line.startswith("model name")), "")
    except OSError:
        pass
    return f"{os.cpu_count()} cores ({model or platform.processor()}), Python {platform.python_version()}, {platform.system()}"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", choices=tuple(SCALES), default="province",
                        help="province (default): 100 districts, 1,000,000 classes; national: 2,900 districts, 3,500,000 "
                             "classes, one run each (long: about half an hour on 2 cores)")
    parser.add_argument("--districts", type=int, help="districts (default: the scale's)")
    parser.add_argument("--classes", type=int, help="class records in total (default: the scale's)")
    parser.add_argument("--source", choices=("json", "xlsx"), default="json",
                        help="end to end from JSON submissions or from the filled-in xlsx templates (--sources: several)")
    parser.add_argument("--sources", help="end to end from each of these, comma-separated (default: --source)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--policies", default=os.path.join(ROOT, "policies"))
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--engines", default="reference,durable")
    parser.add_argument("--as-of", default="2022-12-31")
    parser.add_argument("--out", default=os.path.join(HERE, "out"))
    parser.add_argument("--compare-districts", type=int, default=10, help="districts for the evaluation-only comparison (0: skip)")
    parser.add_argument("--disk-districts", type=int, default=5, help="districts written to disk to time loading (0: skip)")
    parser.add_argument("--formats", default=",".join(FORMATS), help="the formats timed when loading from disk, comma-separated "
                                                                     "(default: all: " + ",".join(FORMATS) + ")")
    parser.add_argument("--repeat", type=int, help="timings: the best of this many runs (the machine may be busy; default: "
                                                   "3 at province scale, 1 at national)")
    parser.add_argument("--no-linearity", action="store_true", help="skip the run with a tenth of the records")
    parser.add_argument("--one", choices=("reference", "durable"), help=argparse.SUPPRESS)
    parser.add_argument("--section", choices=("compare", "disk"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    scale = SCALES[args.scale]
    args.districts = args.districts or scale["districts"]
    args.classes = args.classes or scale["classes"]
    args.repeat = args.repeat if args.repeat is not None else scale["repeat"]
    args.policies = os.path.abspath(args.policies)
    args.out = os.path.abspath(args.out)
    if args.one:
        print(json.dumps(one(args)))
        return 0
    if args.section:
        print(json.dumps(compare(args) if args.section == "compare" else disk(args)))
        return 0

    cores = os.cpu_count() or 1
    print(f"auditor benchmark — {machine()}; load average {os.getloadavg()[0]:.2f} at start")
    print(f"policies: {args.policies}; --scale {args.scale}: {args.districts:,} districts, {args.classes:,} class records, "
          f"seed {args.seed}, --jobs {args.jobs}")
    results = {}
    def best(**overrides) -> dict:
        """The run with the least wall time of --repeat runs (each in a fresh process), with all the wall times."""
        runs = [_child(args, **overrides) for _ in range(max(1, args.repeat))]
        chosen = min(runs, key=lambda r: r["wall"])
        chosen["walls"] = [round(r["wall"], 2) for r in runs]
        return chosen

    sources = [s.strip() for s in (args.sources or args.source).split(",") if s.strip() in ("json", "xlsx")]
    for source, engine in [(s, e.strip()) for s in sources for e in args.engines.split(",") if e.strip() in ("reference", "durable")]:
        big = best(one=engine, source=source)
        print_one(big, cores)
        results[(source, engine)] = big
        if not args.no_linearity and source == sources[0]:
            small = best(one=engine, source=source, classes=args.classes // 10, districts=max(1, args.districts // 10))
            ratio = big["wall"] / small["wall"]
            cpu_small, cpu_big = small["cpu"] - small["cpu_before"], big["cpu"] - big["cpu_before"]
            print(f"   linearity: {args.classes // 10:,} records in {small['wall']:.2f} s, {args.classes:,} in {big['wall']:.2f} s: "
                  f"10x the records cost {ratio:.1f}x the time; in CPU seconds {cpu_small:.1f} -> {cpu_big:.1f}: {cpu_big / cpu_small:.1f}x "
                  f"(target <= 11x: {'ok' if cpu_big / cpu_small <= 11 else 'MISSED'}); load average {os.getloadavg()[0]:.2f}")
    if args.compare_districts:
        print_compare(_child(args, section="compare"), results.get(("json", "durable")))
    if args.disk_districts:
        print_disk(_child(args, section="disk"), args.classes)
    print(f"\nload average {os.getloadavg()[0]:.2f} at the end (other processes on the machine slow every figure above)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
