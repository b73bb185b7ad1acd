"""On-track projection for a check not yet due: its values per round, and a straight line to the deadline.

The measure of a check over a district (or the city) is the figure its
requirement compares with a number (``disabled_enrolment_rate >= 0.97``: the
rate); over classes or schools it is the number of failing records (target 0).
The line is the least-squares straight line through the recorded rounds
(``statistics.linear_regression``; through two points it is the line joining
them) — a plain trend, stated as such, not a forecast model. Where the line
meets the requirement at the deadline (a count rounded to a whole number, any
other figure to four decimals) the check is 进度正常 (on track), otherwise
进度滞后 (behind).
"""
from __future__ import annotations

import datetime as _dt
import operator
import statistics

from auditor.rules import expr

METHOD = {"zh": "按已记录各轮数值作直线（最小二乘）外推至期限", "en": "a straight line (least squares) through the recorded rounds, extended to the deadline"}
LABEL = {True: {"zh": "进度正常", "en": "on track"}, False: {"zh": "进度滞后", "en": "behind"}}
_OPS = {"<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge, "==": operator.eq}
_FLIP = {"<": ">", "<=": ">=", ">": "<", ">=": "<=", "==": "=="}
FAILING = "failing_records"


def _number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def comparison(requirement: str) -> tuple[str, str, float] | None:
    """(field, op, target) when a requirement compares one field with a number, else None."""
    try:
        node = expr.parse(requirement)
    except expr.ExprError:
        return None
    if not isinstance(node, expr.Compare) or node.op not in _OPS:
        return None
    if isinstance(node.left, expr.Field) and isinstance(node.right, expr.Const) and _number(node.right.value):
        return node.left.path, node.op, node.right.value
    if isinstance(node.right, expr.Field) and isinstance(node.left, expr.Const) and _number(node.left.value):
        return node.right.path, _FLIP[node.op], node.left.value
    return None


def measure(verdict: dict) -> tuple[str, str, float, float] | None:
    """(measure, op, target, value) of one verdict, or None when it has no numeric measure (or does not apply)."""
    if "not_applicable" in (verdict["status"], (verdict.get("progress") or {}).get("status_if_due_now")):
        return None
    if verdict["over"] in ("district", "city"):
        found = comparison(verdict.get("requirement") or "")
        if not found:
            return None
        name, op, target = found
        value = (verdict.get("observed") or {}).get(name)
        return (name, op, target, value) if _number(value) else None
    if verdict.get("method") != "automated" or not verdict["counts"]["checked"]:
        return None
    failing = verdict["progress"]["failing"] if verdict["status"] == "not_due" else verdict["counts"]["fail"]
    return FAILING, "<=", 0, failing


def project(points: list[tuple[str, float]], deadline: str, op: str, target: float) -> dict | None:
    """The straight line through ``points`` ((as_of, value), two or more rounds) evaluated at ``deadline``."""
    if len(points) < 2:
        return None
    xs = [_dt.date.fromisoformat(day).toordinal() for day, _ in points]
    ys = [float(v) for _, v in points]
    slope, intercept = statistics.linear_regression(xs, ys)
    projected = slope * _dt.date.fromisoformat(deadline).toordinal() + intercept
    # a count (every value whole) is judged as a whole number, a rate or figure to four decimals
    digits = 0 if all(isinstance(v, int) for _, v in points) else 4
    on_track = bool(_OPS[op](round(projected, digits), target))
    return {"values": [{"as_of": day, "value": value} for day, value in points], "deadline": deadline, "op": op,
            "target": target, "projected": round(projected, 4), "per_year": round(slope * 365.25, 4),
            "on_track": on_track, "label": LABEL[on_track], "method": METHOD}


def projections(current: list[dict], as_of: str, earlier: dict[str, list[tuple[str, dict]]]) -> list[dict]:
    """For each not-yet-due verdict of ``current`` (an audit as of ``as_of``) with a numeric measure and
    earlier rounds: its values per round and the projection to its deadline. ``earlier``: check -> [(as_of, verdict)]."""
    out = []
    for v in current:
        if v["status"] != "not_due":
            continue
        now = measure(v)
        if now is None:
            continue
        name, op, target, value = now
        points = []
        for then, old in earlier.get(v["check"], []):
            past = measure(old)
            if past is not None and past[0] == name:
                points.append((then, past[3]))
        line = project(points + [(as_of, value)], v["due"], op, target)
        if line is None:
            continue
        out.append({"district": v["district"], "check": v["check"], "clause": v["clause"], "title": v["title"],
                    "measure": name, **line})
    return out
