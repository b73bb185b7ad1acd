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

TALLY: dict[str, list[int]] = {}  # property -> [examples run, exercised, the property does not apply]


def exercised(prop: str, did: bool | None, why: str = "") -> None:
    """Record whether this example exercised ``prop`` (``why``: a short reason it did not).

    ``None``: the property does not apply to the check at all (no value of it has a preferred
    direction, say); such examples are counted apart and left out of the share."""
    if did is None:
        event(f"{prop}: does not apply ({why})")
    else:
        event(f"{prop}: exercised" if did else f"{prop}: not exercised" + (f" ({why})" if why else ""))
    counts = TALLY.setdefault(prop, [0, 0, 0])
    if did is None:
        counts[2] += 1
    else:
        counts[0] += 1
        counts[1] += bool(did)


def summary_lines() -> list[str]:
    if not TALLY:
        return []
    width = max(len(p) for p in TALLY)
    lines = [f"{'property':<{width}}  {'run':>6}  {'exercised':>9}  {'share':>6}  {'n/a':>5}"]
    for prop in sorted(TALLY):
        run, hit, moot = TALLY[prop]
        share = f"{hit / run:6.1%}" if run else "     -"
        lines.append(f"{prop:<{width}}  {run:>6}  {hit:>9}  {share}  {moot:>5}")
    lines.append("(run: examples the property applied to; n/a: examples of checks it does not apply to)")
    return lines
