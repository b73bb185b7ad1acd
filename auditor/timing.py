"""Seconds spent per pipeline stage in this process (read by bench/run.py; costs one clock read per stage).

    with stage("derive"):
        ...
    seconds()  -> {"derive": 0.12, ...}

Worker processes of a parallel audit send their figures back with their
results and the parent adds them up, so the totals are CPU-side seconds
summed over processes, not wall-clock time.
"""
from __future__ import annotations

import time
from contextlib import contextmanager

_SECONDS: dict[str, float] = {}
_CPU: dict[str, float] = {}  # the same stages in CPU seconds of this process (less disturbed by a busy machine)


@contextmanager
def stage(name: str):
    start, start_cpu = time.perf_counter(), time.process_time()
    try:
        yield
    finally:
        _SECONDS[name] = _SECONDS.get(name, 0.0) + time.perf_counter() - start
        _CPU[name] = _CPU.get(name, 0.0) + time.process_time() - start_cpu


def add(figures: dict[str, float], cpu: dict[str, float] | None = None) -> None:
    for table, more in ((_SECONDS, figures), (_CPU, cpu or {})):
        for name, seconds in more.items():
            table[name] = table.get(name, 0.0) + seconds


def seconds(cpu: bool = False) -> dict[str, float]:
    return dict(_CPU if cpu else _SECONDS)


def reset() -> None:
    _SECONDS.clear()
    _CPU.clear()
