"""Chart geometry for the city summary and the district reports: plain numbers and texts; the SVG is drawn by the
templates (macros.html: bars; history.html: trends across rounds and projections)."""
from __future__ import annotations

import datetime as _dt

from auditor.output.formatter import Formatter
from auditor.output.palette import BAR_COLOURS, STATUS_ORDER
from auditor.output.views import OPS


def _nice_ticks(lo: float, hi: float, n: int = 5) -> list[float]:
    span = hi - lo
    if span <= 0:
        return [lo]
    raw = span / n
    mag = 10 ** int(f"{raw:e}".split("e")[1])
    step = next(s * mag for s in (1, 2, 2.5, 5, 10) if s * mag >= raw)
    first = int(lo / step) * step
    ticks, t = [], first
    while t <= hi + 1e-9:
        if t >= lo - 1e-9:
            ticks.append(round(t, 10))
        t += step
    return ticks


def bar_chart(rows: list[dict], fmt: Formatter, field: str, target: float | None = None, op: str = ">=",
              title: str = "", width: int = 680) -> dict:
    """Horizontal bars, one per row ({label, value, status, href}), against a target line."""
    label_w, value_w, row_h, top, bottom = 96, 86, 22, 20, 20  # the target's label goes above the bars
    plot_w = width - label_w - value_w
    numbers = [r["value"] for r in rows if isinstance(r.get("value"), (int, float)) and r.get("status") != "not_applicable"] + ([target] if target is not None else [])
    hi = max(numbers) if numbers else 1.0
    lo = 0.0
    if field in fmt.percent:
        hi = max(hi, 1.0)
        low = min(numbers) if numbers else 0.0
        if low > 0.6:  # rates close to 1: start the axis lower than zero would show them, and say so on the axis
            lo = max(0.0, int((low - 0.05) * 20) / 20)
    elif hi > 0:
        hi = hi * 1.05  # counts: a little room past the longest bar
    else:
        hi = 1.0
    scale = plot_w / (hi - lo) if hi > lo else 0

    def x(value: float) -> float:
        return round(label_w + (value - lo) * scale, 1)

    bars = []
    for i, r in enumerate(rows):
        y = top + i * row_h
        value = r.get("value")
        bar = {"label": r["label"], "y": y, "ty": y + row_h - 7, "status": r.get("status", "pass"), "href": r.get("href"),
               "colour": BAR_COLOURS.get(r.get("status", "pass"), "#999"), "text": fmt.value(field, value)}
        if r.get("status") == "not_applicable":  # no bar and no figure: "not applicable" is not zero
            bar["text"] = fmt.words["status"]["not_applicable"]
        elif isinstance(value, (int, float)):
            bar.update(x=label_w, w=max(1.0, round(x(max(value, lo)) - label_w, 1)), h=row_h - 6)
        bar["tx"] = (bar.get("x", label_w) + bar.get("w", 0)) + 4
        if r.get("submitted") is False:
            bar["text"] = fmt.t["not_submitted"]
        bars.append(bar)
    height = top + len(rows) * row_h + bottom
    ticks = [{"x": x(t), "label": fmt.value(field, t if t != int(t) or field in fmt.percent else int(t))}
             for t in _nice_ticks(lo, hi)]
    chart = {"width": width, "height": height, "bars": bars, "ticks": ticks, "axis_y": top + len(rows) * row_h,
             "plot_x": label_w, "plot_w": plot_w, "title": title, "truncated": lo > 0, "top": top}
    if target is not None:
        chart["target"] = {"x": x(target), "label": f"{OPS.get(op, op)} {fmt.value(field, target)}"}
    return chart


def status_chart(rows: list[dict], width: int = 680) -> dict:
    """One stacked bar per district: how many checks in each status."""
    label_w, row_h, top = 96, 22, 8
    plot_w = width - label_w - 20
    most = max((sum(r["counts"].values()) for r in rows), default=1) or 1
    out = []
    for i, r in enumerate(rows):
        x, segments = float(label_w), []
        for s in STATUS_ORDER:
            n = r["counts"].get(s, 0)
            if not n:
                continue
            w = round(n / most * plot_w, 1)
            segments.append({"x": x, "w": w, "status": s, "n": n, "colour": BAR_COLOURS[s], "tx": round(x + w / 2, 1)})
            x += w
        out.append({"label": r["label"], "href": r.get("href"), "y": top + i * row_h, "ty": top + i * row_h + row_h - 7,
                    "segments": segments})
    return {"width": width, "height": top + len(rows) * row_h + 8, "rows": out, "h": row_h - 6}


def _count_axis(high: float, n: int = 3) -> list[int]:
    """Whole-number ticks from 0 to at least ``high``, about ``n`` steps."""
    step = max(1, -(-int(high) // n))
    for nice in (1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000):
        if nice >= step:
            step = nice
            break
    top = max(step, -(-int(high) // step) * step)
    return list(range(0, top + 1, step))


def trend_chart(series: list[dict], rounds: list[str], high: float, title: str = "", width: int = 300,
                height: int = 120) -> dict:
    """Lines across rounds on a shared scale (0 to ``high``): ``series`` [{key, name, colour, values: [n | None]}].

    A round without a value (the district was not audited) leaves a gap in its line."""
    left, right, top, bottom = 30, 20, 10, 22
    plot_w, plot_h = width - left - right, height - top - bottom
    ticks = _count_axis(high)
    ymax = ticks[-1] or 1

    def x(i: int) -> float:
        return round(left + (plot_w * i / (len(rounds) - 1) if len(rounds) > 1 else plot_w / 2), 1)

    def y(v: float) -> float:
        return round(top + plot_h * (1 - v / ymax), 1)

    lines = []
    for s in series:
        runs, run = [], []
        for i, v in enumerate(s["values"]):
            if v is None:
                if run:
                    runs.append(run)
                run = []
            else:
                run.append((x(i), y(v)))
        if run:
            runs.append(run)
        lines.append({"key": s["key"], "name": s["name"], "colour": s["colour"],
                      "runs": [" ".join(f"{a},{b}" for a, b in r) for r in runs if len(r) > 1],
                      "points": [{"x": x(i), "y": y(v), "value": v, "round": rounds[i]}
                                 for i, v in enumerate(s["values"]) if v is not None]})
    return {"width": width, "height": height, "title": title, "lines": lines, "left": left, "right": width - right,
            "axis_y": top + plot_h, "top": top,
            "yticks": [{"y": y(t), "label": str(t)} for t in ticks],
            "xticks": [{"x": x(i), "label": r} for i, r in enumerate(rounds)]}


def projection_chart(p: dict, value_text, date_text, title: str = "", width: int = 220, height: int = 70) -> dict:
    """A not-yet-due check's recorded values (dots), the straight line through them (solid) extended to the
    deadline (dashed), the projected value there (a ring: green on track, red behind) and the target (a line)."""
    left, right, top, bottom = 6, 8, 8, 16
    plot_w, plot_h = width - left - right, height - top - bottom
    day = [_dt.date.fromisoformat(v["as_of"]).toordinal() for v in p["values"]]
    end = _dt.date.fromisoformat(p["deadline"]).toordinal()
    start = min(day)
    span = max(1, end - start)
    slope = p["per_year"] / 365.25
    ys = [v["value"] for v in p["values"]] + [p["target"], p["projected"]]
    lo, hi = min(ys), max(ys)
    pad = (hi - lo) * 0.12 or (abs(hi) * 0.1 or 1)
    lo, hi = lo - pad, hi + pad

    def x(d: int) -> float:
        return round(left + plot_w * (d - start) / span, 1)

    def y(v: float) -> float:
        return round(top + plot_h * (hi - v) / (hi - lo), 1)

    def line(d: int) -> float:
        return p["projected"] - slope * (end - d)

    last = max(day)
    colour = BAR_COLOURS["pass"] if p["on_track"] else BAR_COLOURS["fail"]
    return {"width": width, "height": height, "title": title, "colour": colour,
            "points": [{"x": x(d), "y": y(v["value"]), "text": f"{date_text(v['as_of'])} {value_text(v['value'])}"}
                       for d, v in zip(day, p["values"])],
            "fit": {"x1": x(start), "y1": y(line(start)), "x2": x(last), "y2": y(line(last))},
            "extension": {"x1": x(last), "y1": y(line(last)), "x2": x(end), "y2": y(p["projected"])},
            "end": {"x": x(end), "y": y(p["projected"]), "text": f"{date_text(p['deadline'])} {value_text(p['projected'])}"},
            "target": {"y": y(p["target"]), "x1": left, "x2": width - right},
            "labels": [{"x": x(start), "anchor": "start", "text": p["values"][0]["as_of"][:4]},
                       {"x": x(end), "anchor": "end", "text": p["deadline"][:4]}],
            "axis_y": height - 4}
