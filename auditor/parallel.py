"""Districts audited one by one, or side by side in worker processes.

Districts are independent, so ``Auditor`` hands each submission (a file to
load, a callable that returns ``Facts``, or ``Facts`` already loaded) to
:func:`run_districts`. With ``jobs`` > 1 the work is spread over forked worker
processes — durable_rules holds the GIL, so threads would not help. A worker
loads and validates its file, derives the district's measures, evaluates and
reconciles its records and returns the verdicts plus the district record
(which the city-wide measures need), never the records themselves: the
parent holds only one district record per district, whatever the size of the
submissions. Results come back in the order of the sources, so the findings
do not depend on ``jobs``. The same helper, :func:`forked_map`, renders the
reports side by side (``report.render``).

Where ``fork`` is not available the work is done in this process.
"""
from __future__ import annotations

import gc
import multiprocessing
import os
import traceback
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field

from . import submission, timing
from .errors import AuditorError, SubmissionError
from .model import Facts


@dataclass
class Result:
    facts: Facts | None  # the district's facts (in a worker: only its district record, measures and notes)
    verdicts: list = field(default_factory=list)
    load_problems: list | None = None  # the submission's problems, when it could not be loaded
    error: tuple | None = None  # (AuditorError subclass, problems) raised while auditing


def default_jobs() -> int:
    return os.cpu_count() or 1


def load(source) -> Facts:
    if isinstance(source, Facts):
        return source
    if isinstance(source, (str, tuple)):  # a file, or a district's CSV files
        return submission.load_submission(source)
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
        try:
            verdicts = auditor.audit_district(facts, as_of)
        except AuditorError as exc:
            return Result(facts, error=(type(exc), list(exc.problems)))
        return Result(facts, verdicts)
    finally:
        if collecting:
            gc.enable()


def _slim(facts: Facts) -> Facts:
    return Facts(facts.district, facts.files, {"district": facts.of("district")}, facts.notes, facts.sample_data)


_WORK = None  # the function a forked worker calls with an index (inherited, never pickled)


def _call(index: int):
    timing.reset()
    try:
        result = _WORK(index)
    except Exception:  # a bug: send it back as text (exceptions may not pickle)
        return None, traceback.format_exc(), {}, {}
    return result, "", timing.seconds(), timing.seconds(cpu=True)


def forked_map(work, count: int, jobs: int) -> list | None:
    """``[work(0), ..., work(count - 1)]`` computed in ``jobs`` forked worker processes, in index order.

    ``work`` is inherited by the workers (it may be a closure over anything); only the results are
    pickled back. Each worker's stage timings are added to this process's. ``None`` when fork is not
    available or one process is asked for: the caller then does the work itself. A worker's
    unexpected exception is raised here as a RuntimeError with its traceback; a worker that dies
    is a RuntimeError too, never a wait without end.
    """
    global _WORK
    jobs = min(jobs or 1, count)
    if jobs <= 1 or "fork" not in multiprocessing.get_all_start_methods():
        return None
    _WORK = work
    try:
        # not multiprocessing.Pool: it waits for ever when a worker dies (a crash, the OOM killer),
        # where the executor raises BrokenProcessPool
        with ProcessPoolExecutor(jobs, mp_context=multiprocessing.get_context("fork")) as pool:
            answers = list(pool.map(_call, range(count)))
    except BrokenProcessPool:
        raise RuntimeError("a worker process died (killed, out of memory or crashed) before finishing its work") from None
    finally:
        _WORK = None
    results = []
    for result, bug, seconds, cpu_seconds in answers:
        if bug:
            raise RuntimeError("a worker process failed:\n" + bug)
        timing.add(seconds, cpu_seconds)
        results.append(result)
    return results


def run_districts(auditor, sources: list, as_of, jobs: int = 1) -> list[Result]:
    """One :class:`Result` per source, in the order of ``sources``."""
    def work(index: int) -> Result:
        result = audit_one(auditor, sources[index], as_of)
        if result.facts is not None:
            result.facts = _slim(result.facts)  # let the records go
        return result

    results = forked_map(work, len(sources), jobs) or [work(index) for index in range(len(sources))]
    for source, result in zip(sources, results):
        if isinstance(source, Facts) and result.facts is not None:
            # the caller's facts carry the derived measures afterwards, whichever process derived them
            source.records["district"] = result.facts.records["district"]
            source.notes.update(result.facts.notes)
            result.facts = source
    return results
