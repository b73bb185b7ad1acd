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
do not depend on ``jobs``.

Where ``fork`` is not available the districts are audited in this process.
"""
from __future__ import annotations

import gc
import multiprocessing
import os
import traceback
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
    bug: str = ""  # an unexpected exception in a worker, formatted
    seconds: dict = field(default_factory=dict)
    cpu_seconds: dict = field(default_factory=dict)


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


_WORK: tuple | None = None  # (auditor, sources, as_of), inherited by forked workers


def _task(index: int) -> Result:
    auditor, sources, as_of = _WORK
    timing.reset()
    try:
        result = audit_one(auditor, sources[index], as_of)
    except Exception:  # a bug: send it back as text (exceptions may not pickle)
        return Result(None, bug=traceback.format_exc())
    if result.facts is not None:
        result.facts = _slim(result.facts)
    result.seconds, result.cpu_seconds = timing.seconds(), timing.seconds(cpu=True)
    return result


def run_districts(auditor, sources: list, as_of, jobs: int = 1) -> list[Result]:
    """One :class:`Result` per source, in the order of ``sources``."""
    jobs = max(1, min(jobs or 1, len(sources)))
    if jobs == 1 or "fork" not in multiprocessing.get_all_start_methods():
        results = []
        for source in sources:
            result = audit_one(auditor, source, as_of)
            if result.facts is not None and not isinstance(source, Facts):
                result.facts = _slim(result.facts)  # let the records go
            results.append(result)
        return results
    global _WORK
    _WORK = (auditor, sources, as_of)
    try:
        with multiprocessing.get_context("fork").Pool(jobs) as pool:
            results = list(pool.imap(_task, range(len(sources)), chunksize=1))
    finally:
        _WORK = None
    for source, result in zip(sources, results):
        if result.bug:
            raise RuntimeError("a worker process failed:\n" + result.bug)
        timing.add(result.seconds, result.cpu_seconds)
        if isinstance(source, Facts) and result.facts is not None:
            # as in one process: the caller's facts carry the derived measures afterwards
            source.records["district"] = result.facts.records["district"]
            source.notes.update(result.facts.notes)
            result.facts = source
    return results
