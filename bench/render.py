"""The render stage alone, at national density: what the documents of one district cost.

    .venv/bin/python bench/render.py                       # 60 districts, 72,000 class records (national density)
    .venv/bin/python bench/render.py --repeat 3 --profile bench/out/render.prof

The submissions are made with ``bench/synth.py`` as ``bench/run.py`` makes them (JSON under ``bench/out/data/``)
and audited once with the reference engine (untimed; the findings are kept as a pickle under
``bench/out/render/`` and reused by the next run). Then ``report.render`` runs in this one process (``jobs=1``, so
every CPU second is this process's), best of ``--repeat``, and each of its parts is timed as it finishes (the
progress hook; the findings frozen out of the cyclic collector, as the render workers have them): findings.xlsx,
findings.json, each district's pages (district report, notice, assessment pages),
the city summary. Printed: CPU seconds per part kind, per district, and the bytes of HTML with a digest of every
file, findings.xlsx included (the same digest before and after a change: the same documents, byte for byte).
Then findings.xlsx against its floor (XlsxWriter alone writing the same cells), and the same cells written in
XlsxWriter's default shared-string mode in a forked child: its CPU, file size and peak memory, the price of the
constant-memory mode findings.xlsx is written in.

``--profile FILE`` writes a cProfile of one more pass (``python -m pstats FILE``, or ``-s tottime``).
The load average is printed at the start and the end: other processes on the machine slow every figure.
"""
from __future__ import annotations

import argparse
import datetime as _dt
import gc
import hashlib
import os
import pickle
import sys
import time
from types import SimpleNamespace

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, ROOT)

from bench import synth  # noqa: E402


def findings_for(args, names, policy_set) -> dict:
    from bench.run import generate
    from auditor.audit import Auditor

    folder = os.path.join(args.out, "render")
    os.makedirs(folder, exist_ok=True)
    cache = os.path.join(folder, f"findings-seed{args.seed}-{args.classes}-{args.districts}.pickle")
    if os.path.exists(cache) and os.path.getmtime(cache) > max(os.path.getmtime(os.path.join(r, f))
                                                               for r, _, fs in os.walk(args.policies) for f in fs):
        with open(cache, "rb") as handle:
            return pickle.load(handle)
    sizes = synth.split(args.classes, len(names))
    paths = generate(SimpleNamespace(out=args.out, seed=args.seed, classes=args.classes, source="json",
                                     policies=args.policies, jobs=2), names, sizes)
    findings = Auditor(policy_set, "reference").audit_files(paths, _dt.date.fromisoformat(args.as_of), names, 2)
    with open(cache + ".tmp", "wb") as handle:
        pickle.dump(findings, handle, protocol=pickle.HIGHEST_PROTOCOL)
    os.replace(cache + ".tmp", cache)
    return findings


class Clock:
    """The progress hook of ``report.render``: the process CPU time when the parts are counted (the end of the
    set-up: the environment, the templates compiled, the findings indexed) and at each finished part."""

    def __init__(self):
        self.marks = [time.process_time()]

    @property
    def total(self):
        return len(self.marks)

    @total.setter
    def total(self, parts):
        self.marks.append(time.process_time())

    def step(self):
        self.marks.append(time.process_time())


def once(findings, policy_set):
    from auditor.output.report import render

    gc.collect()
    gc.freeze()  # as in the render workers (workers.forked_map): collections do not scan the findings over and over
    try:
        clock = Clock()
        files = render(findings, policy_set, "zh", jobs=1, progress=clock)
    finally:
        gc.unfreeze()
    cpu = [b - a for a, b in zip(clock.marks, clock.marks[1:])]
    return files, cpu


def replay(source, fmt, tape, last) -> bytes:
    """The workbook set up, the recorded cells (``workbook.cells``) written one XlsxWriter call each, the filters, the
    sheet 说明, the bytes: XlsxWriter alone writing what findings.xlsx holds."""
    from auditor.output.workbook import Book

    book = Book(source, fmt)
    calls = [book.calls(ws) for ws in book.sheets]
    formats = book.formats
    for sheet, kind, row, col, value, key in tape:
        calls[sheet][kind](row, col, value, formats.get(key))
    return book.finish(last)


def xlsx_floor(findings, policy_set, repeat: int) -> None:
    """findings.xlsx against its floor: XlsxWriter alone (constant_memory) writing the same cells in a plain loop.

    The cells are recorded first (``workbook.cells``: every data cell with its format, untimed); the floor is then
    the workbook set up, the recorded cells replayed one write call each, the filters, the sheet 说明, the bytes:
    what XlsxWriter costs whatever we do. ``workbook`` itself is timed beside it, best of ``repeat`` each, the
    findings frozen out of the cyclic collector as in ``once``. Printed: both, their ratio, and whether the floor's
    bytes are the workbook's (they must be: the same cells)."""
    from auditor.output.formatter import Formatter
    from auditor.output.workbook import cells, workbook
    from auditor.verdicts import as_verdicts

    source = {**findings, "verdicts": as_verdicts(findings["verdicts"])}  # as report.render hands it over
    fmt = Formatter(policy_set, "zh")
    tape, last = cells(source, fmt)
    floor = ours = float("inf")
    gc.collect()
    gc.freeze()
    try:
        for _ in range(max(1, repeat)):
            start = time.process_time()
            plain = replay(source, fmt, tape, last)
            floor = min(floor, time.process_time() - start)
            start = time.process_time()
            data = workbook(source, fmt)
            ours = min(ours, time.process_time() - start)
    finally:
        gc.unfreeze()
    print(f"findings.xlsx alone, CPU seconds, best of {max(1, repeat)}: ours {ours:.2f}, XlsxWriter alone writing the "
          f"same {len(tape):,} cells (the floor) {floor:.2f}, ratio {ours / floor:.2f} "
          f"({1e6 * ours / len(tape):.1f} / {1e6 * floor / len(tape):.1f} µs a cell); "
          f"the floor's bytes {'are' if plain == data else 'are NOT'} ours; load average {os.getloadavg()[0]:.2f}")
    shared = _shared_strings(source, fmt, tape, last)
    print(f"the same cells with XlsxWriter's shared strings instead of constant memory (not what we write: every cell is "
          f"held until the end): {shared['cpu']:.2f} CPU s ({shared['cpu'] / floor:.2f}× the floor), "
          f"{shared['bytes'] / 2**20:.1f} MB against {len(data) / 2**20:.1f} MB, the process's peak resident memory "
          f"{shared['grown'] / 2**20:+.0f} MB while writing; load average {os.getloadavg()[0]:.2f}")


def _resident(field: str = "VmRSS:") -> int:
    """This process's resident bytes now (or, with "VmHWM:", at its peak), from /proc/self/status."""
    with open("/proc/self/status") as handle:
        return next(int(line.split()[1]) * 1024 for line in handle if line.startswith(field))


def _shared_strings(source, fmt, tape, last) -> dict:
    """The floor's cells written by XlsxWriter in its default mode (a shared string table, every cell held in memory
    until ``close``), in a forked child so that its peak resident memory is its own: what constant memory costs in
    CPU and file size, and what it saves in memory. Returns {"cpu", "bytes", "grown"} (grown: the child's peak
    resident bytes while writing less its resident bytes before)."""
    import xlsxwriter

    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: write, report, leave without running the parent's clean-up
        try:
            os.close(read)
            before = _resident()
            with open("/proc/self/clear_refs", "w") as handle:
                handle.write("5")  # the peak resident size starts again from now (Linux)
            plain_workbook = xlsxwriter.Workbook

            def shared(target, options):
                return plain_workbook(target, {**options, "constant_memory": False})
            xlsxwriter.Workbook = shared  # Book's one call; this child only
            gc.collect()
            gc.freeze()
            start = time.process_time()
            written = replay(source, fmt, tape, last)
            cpu = time.process_time() - start
            peak = _resident("VmHWM:")
            os.write(write, f"{cpu} {len(written)} {peak - before}".encode())
        finally:
            os._exit(0)
    os.close(write)
    with os.fdopen(read) as handle:
        cpu, size, grown = handle.read().split()
    os.waitpid(pid, 0)
    return {"cpu": float(cpu), "bytes": int(size), "grown": int(grown)}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--districts", type=int, default=60)
    parser.add_argument("--classes", type=int, default=72_000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--as-of", default="2022-12-31")
    parser.add_argument("--policies", default=os.path.join(ROOT, "policies"))
    parser.add_argument("--out", default=os.path.join(HERE, "out"))
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--profile", help="write a cProfile of one more pass to this file")
    args = parser.parse_args(argv)
    args.policies, args.out = os.path.abspath(args.policies), os.path.abspath(args.out)

    from auditor.rules.policies import load_policies

    names = synth.district_names(args.districts)
    synth.register_districts(names)
    policy_set = load_policies(args.policies)
    findings = findings_for(args, names, policy_set)
    districts = len({v["district"] for v in findings["verdicts"]})
    print(f"render at national density — {args.districts} districts, {args.classes:,} class records, "
          f"{len(findings['verdicts']):,} verdicts, {sum(len(v['evidence']) for v in findings['verdicts']):,} evidence items; "
          f"load average {os.getloadavg()[0]:.2f} at start")
    runs = []
    for _ in range(max(1, args.repeat)):
        files, cpu = once(findings, policy_set)
        # the set-up, then the parts: findings.xlsx, findings.json, one per district (the city's own page too), the
        # summary's pages
        runs.append({"setup": cpu[0], "xlsx": cpu[1], "json": cpu[2], "pages": sum(cpu[3:3 + districts]),
                     "summary": sum(cpu[3 + districts:]), "total": sum(cpu)})
    best = {k: min(r[k] for r in runs) for k in runs[0]}
    html = {n: d for n, d in files.items() if n.endswith(".html")}
    digest, pages_digest = hashlib.sha256(), hashlib.sha256()
    for name in sorted(files):
        data = files[name]  # findings.xlsx too: dated the audit date, the same bytes each time
        digest.update(name.encode() + b"\0" + (data.encode() if isinstance(data, str) else data) + b"\0")
        if name in html:  # the HTML alone: unchanged by a change to findings.xlsx or findings.json
            pages_digest.update(name.encode() + b"\0" + data.encode() + b"\0")
    print(f"CPU seconds, best of {len(runs)} (one process): district pages {best['pages']:.2f} "
          f"({1000 * best['pages'] / districts:.1f} ms a district, {districts} with the city), "
          f"findings.xlsx {best['xlsx']:.2f}, findings.json {best['json']:.2f}, summary {best['summary']:.2f}, "
          f"set-up (once per audit) {best['setup']:.2f}, "
          f"all {best['total']:.2f}; runs {[round(r['total'], 2) for r in runs]}")
    print(f"HTML: {len(html)} files, {sum(len(d.encode()) for d in html.values()) / 2**20:.1f} MB; "
          f"digest of every file {digest.hexdigest()[:16]}, of the HTML {pages_digest.hexdigest()[:16]}")
    xlsx_floor(findings, policy_set, args.repeat)
    if args.profile:
        import cProfile

        profiler = cProfile.Profile()
        profiler.enable()
        once(findings, policy_set)
        profiler.disable()
        profiler.dump_stats(args.profile)
        print(f"profile: {args.profile}")
    print(f"load average {os.getloadavg()[0]:.2f} at the end")
    return 0


if __name__ == "__main__":
    sys.exit(main())
