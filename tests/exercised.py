"""How many hypothesis examples actually exercised each property, for the end-of-run summary.

A property test can pass without testing anything: "improving a value never turns pass into fail"
says nothing about an example that had no ``pass`` to lose. Each property reports, per example,
whether it was exercised (its own definition is in the property's docstring) with
:func:`exercised`, which records a hypothesis ``event`` (``pytest --hypothesis-show-statistics``
lists them per test) and adds to :data:`TALLY`, which tests/conftest.py prints at the end of the
run: examples run, exercised, share.
"""
from __future__ import annotations

from hypothesis import event

TALLY: dict[str, list[int]] = {}  # property -> [examples run, examples that exercised it]


def exercised(prop: str, did: bool, why: str = "") -> bool:
    """Record whether this example exercised ``prop`` (``why``: a short reason it did not)."""
    event(f"{prop}: exercised" if did else f"{prop}: not exercised" + (f" ({why})" if why else ""))
    counts = TALLY.setdefault(prop, [0, 0])
    counts[0] += 1
    counts[1] += bool(did)
    return did


def summary_lines() -> list[str]:
    if not TALLY:
        return []
    width = max(len(p) for p in TALLY)
    lines = [f"{'property':<{width}}  {'run':>6}  {'exercised':>9}  share"]
    for prop in sorted(TALLY):
        run, hit = TALLY[prop]
        lines.append(f"{prop:<{width}}  {run:>6}  {hit:>9}  {hit / run:6.1%}")
    return lines
