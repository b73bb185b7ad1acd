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


@contextmanager
def stage(name: str):
    start = time.perf_counter()
    try:
        yield
    finally:
        _SECONDS[name] = _SECONDS.get(name, 0.0) + time.perf_counter() - start


def add(figures: dict[str, float]) -> None:
    for name, seconds in figures.items():
        _SECONDS[name] = _SECONDS.get(name, 0.0) + seconds


def seconds() -> dict[str, float]:
    return dict(_SECONDS)


def reset() -> None:
    _SECONDS.clear()
