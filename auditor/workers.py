"""Work side by side in forked worker processes: :func:`forked_map`.

durable_rules holds the GIL, so threads would not help. The districts of an
audit (``audit.run_districts``) and the rendered reports (``output.report.render``)
are spread over forked workers by the same helper; results come back in index
order, so the output does not depend on the number of workers. Where ``fork``
is not available the caller does the work in this process.
"""
from __future__ import annotations

import ctypes
import ctypes.util
import gc
import multiprocessing
import os
import signal
import threading
import time
import traceback
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool

from auditor import timing


def default_jobs() -> int:
    return os.cpu_count() or 1


_WORK = None  # the function a forked worker calls with an index (inherited, never pickled)


def _call(index: int):
    timing.reset()
    try:
        result = _WORK(index)
    except Exception:  # a bug: send it back as text (exceptions may not pickle)
        return None, traceback.format_exc(), {}, {}
    return result, "", timing.seconds(), timing.seconds(cpu=True)


def _die_with_parent(parent: int) -> None:
    """A worker never outlives the audit that started it (a kill -9 of the parent left both --jobs workers
    running for minutes): Linux kills it when its parent dies (PR_SET_PDEATHSIG); elsewhere a thread
    watches the parent and ends the worker when it is gone."""
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        if libc.prctl(1, signal.SIGKILL, 0, 0, 0) != 0:  # PR_SET_PDEATHSIG
            raise OSError(ctypes.get_errno(), "prctl")
    except (OSError, AttributeError):
        def watch():
            while os.getppid() == parent:
                time.sleep(0.5)
            os._exit(1)

        threading.Thread(target=watch, daemon=True).start()
    if os.getppid() != parent:  # the parent died before the signal was armed
        os._exit(1)


def forked_map(work, count: int, jobs: int, on_done=None) -> list | None:
    """``[work(0), ..., work(count - 1)]`` computed in ``jobs`` forked worker processes, in index order.

    ``work`` is inherited by the workers (it may be a closure over anything); only the results are
    pickled back. Each worker's stage timings are added to this process's. ``None`` when fork is not
    available or one process is asked for: the caller then does the work itself. A worker's
    unexpected exception is raised here as a RuntimeError with its traceback; a worker that dies
    is a RuntimeError too, never a wait without end. Workers die with this process (``_die_with_parent``).
    ``on_done(result)`` is called here as each result arrives (in index order), for progress.
    """
    global _WORK
    jobs = min(jobs or 1, count)
    if jobs <= 1 or "fork" not in multiprocessing.get_all_start_methods():
        return None
    _WORK = work
    # Objects the workers inherit are frozen out of the cyclic collector first: a collection in a worker would
    # otherwise write to every inherited object's header and copy the parent's memory page by page (a national
    # audit's findings, 600 MB, into each worker). Nothing is collected less: the parent unfreezes them after.
    gc.freeze()
    try:
        # not multiprocessing.Pool: it waits for ever when a worker dies (a crash, the OOM killer),
        # where the executor raises BrokenProcessPool
        with ProcessPoolExecutor(jobs, mp_context=multiprocessing.get_context("fork"), initializer=_die_with_parent,
                                 initargs=(os.getpid(),)) as pool:
            answers = []
            for answer in pool.map(_call, range(count)):
                answers.append(answer)
                if on_done is not None and not answer[1]:
                    on_done(answer[0])
    except BrokenProcessPool:
        raise RuntimeError("a worker process died (killed, out of memory or crashed) before finishing its work") from None
    finally:
        _WORK = None
        gc.unfreeze()
    results = []
    for result, bug, seconds, cpu_seconds in answers:
        if bug:  # its last line (the exception) for the one I-BUG line; the whole traceback with AUDITOR_DEBUG=1
            lines = bug.strip().splitlines() or ["?"]
            raise RuntimeError("a worker process failed: " + (bug if os.environ.get("AUDITOR_DEBUG") else lines[-1]))
        timing.add(seconds, cpu_seconds)
        results.append(result)
    return results
