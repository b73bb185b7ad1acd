"""The city summary's context: the clauses × districts matrix, status chart, city-wide targets with each district's
contribution, and each district-level check's figures against its target (plain dicts for index.html)."""
from __future__ import annotations

import operator
from collections.abc import Callable

from auditor.model import covers_city, plan
from auditor.output.charts import bar_chart, status_chart
from auditor.output.formatter import Formatter
from auditor.output.palette import STATUS_ORDER
from auditor.output.views import counts, headline, plan_key, sort_key, target, worklist

_HOLDS = {"<=": operator.le, ">=": operator.ge, "<": operator.lt, ">": operator.gt, "==": operator.eq}


def _measure_entry(name: str, m: dict, aim: tuple | None, pages: dict, fmt: Formatter) -> dict:
    """A city-wide measure with each district's contribution: a table and a chart."""
    contributions = m.get("contributions") or []
    ratio = any("per" in c for c in contributions)
    rows, table = [], []
    for c in contributions:
        value = c.get("value")
        if ratio:
            per = c.get("per")
            figure = value / per if isinstance(value, (int, float)) and isinstance(per, (int, float)) and per else None
        else:
            figure = value
        rows.append({"label": c["district"], "value": figure, "submitted": c.get("submitted", True),
                     "status": "missing" if figure is None else "pass", "href": pages.get(c["district"])})
        table.append({"district": c["district"], "href": pages.get(c["district"]), "value": fmt.value("", value),
                      "per": fmt.value("", c.get("per")) if ratio else "", "figure": fmt.value(name, figure),
                      "submitted": c.get("submitted", True),
                      "share": f"{value / m['value'] * 100:.1f}%" if not ratio and isinstance(value, (int, float)) and m.get("value") else ""})
    number = aim[2] if aim and aim[0] == name else None
    op = aim[1] if aim else ">="
    if number is not None:
        for r in rows:  # a district's own figure against the city target (ratios); sums are shares of it
            if ratio and r["value"] is not None:
                r["status"] = "pass" if _HOLDS[op](r["value"], number) else "fail"
    chart = bar_chart(rows, fmt, name, number if ratio else None, op, title=fmt.label(name)) if rows else None
    definition = fmt.measures.get(name)
    return {"name": name, "label": fmt.label(name), "value": fmt.value(name, m.get("value")),
            "value_label": fmt.label(definition.value) if definition and definition.value else fmt.t["value"],
            "per_label": fmt.label(definition.per) if definition and definition.per else "",
            "reason": fmt.reason(m.get("reason")), "ratio": ratio, "table": table, "chart": chart,
            "target": fmt.value(name, number) if number is not None else "",
            "numerator": m.get("numerator"), "denominator": m.get("denominator"),
            "progress": round(min(100.0, m["value"] / number * 100), 1)
            if number and isinstance(m.get("value"), (int, float)) else None}


def summary_context(findings: dict, by_district: dict, clauses: dict, pages: dict, fmt: Formatter,
                    link: Callable[[dict], str] | None = None) -> dict:
    """The city summary: matrix, status chart, city targets with contributions, district figures against targets.

    ``link(verdict)``: where the verdict is shown (a district's report, or its assessment page for a requirement met
    there); by default the district's report."""
    link = link or (lambda v: f"{pages[v['district']]}#v-{v['check']}")
    city = plan()["city"]
    names = fmt.words["status"]
    districts = [d for d in by_district if d != city] + ([city] if city in by_district else [])
    first: dict[str, tuple] = {}  # each clause (as cited) where its first check stands in the documents' order
    for v in findings["verdicts"]:
        key = plan_key(v, fmt)
        if v["clause"] not in first or key < first[v["clause"]]:
            first[v["clause"]] = key
    matrix_clauses = sorted(first, key=first.get)
    matrix: dict[str, dict] = {}
    detail: dict[str, list] = {c: [] for c in matrix_clauses}
    for d in districts:
        row = {}
        by_clause: dict[str, list] = {}  # the district's verdicts of each clause, in their order
        for v in by_district[d]:
            by_clause.setdefault(v["clause"], []).append(v)
        for c in matrix_clauses:
            vs = by_clause.get(c)
            if not vs:
                continue
            applicable = [v for v in vs if v["status"] != "not_applicable"]
            worst = min(vs, key=lambda v: (STATUS_ORDER.index(v["status"]), sort_key(v)))
            n = sum(1 for v in vs if v["status"] == worst["status"])
            fraction = f"{n}/{len(applicable)}" if applicable and len(vs) > 1 else ""
            skipped = len(vs) - len(applicable)
            row[c] = {"status": worst["status"], "n": n, "of": len(applicable), "fraction": fraction,
                      "href": f"detail-{c}",
                      "title": "; ".join(f"{v['title'].get(fmt.lang, v['check'])}: {names[v['status']]}" for v in vs)
                      + (f" ({fmt.t['matrix_na'].format(n=skipped)})" if skipped and applicable else "")}
        matrix[d] = row
    checks_by_clause: dict[str, list] = {}
    for v in sorted(findings["verdicts"], key=lambda v: plan_key(v, fmt)):
        rows = checks_by_clause.setdefault(v["clause"], [])
        if not rows or rows[-1]["check"] != v["check"]:
            found = [r for r in rows if r["check"] == v["check"]]
            if not found:
                rows.append({"check": v["check"], "title": v["title"].get(fmt.lang, v["check"]), "cells": {}})
        row = next(r for r in rows if r["check"] == v["check"])
        row["cells"][v["district"]] = {"status": v["status"], "href": link(v)}
    for c in matrix_clauses:
        detail[c] = checks_by_clause.get(c, [])
    totals = counts(findings["verdicts"])
    status_rows = [{"label": d, "href": pages[d], "counts": counts(by_district[d])} for d in districts]
    # city-wide targets: each city check with its measures' contributions
    targets = []
    for v in by_district.get(city, []):
        aim = target(v["requirement"])
        targets.append({"check": v["check"], "clause": v["clause"], "title": v["title"].get(fmt.lang, v["check"]),
                        "status": v["status"], "due": v["due"], "requirement_text": fmt.requirement(v["requirement"]),
                        "href": f"{pages[city]}#v-{v['check']}", "observed": fmt.values(v.get("observed") or {}),
                        "measures": [_measure_entry(name, m, aim, pages, fmt) for name, m in sorted((v.get("measures") or {}).items())]})
    # district figures against their targets: every district-level check that compares one figure with a number
    charts = []
    seen: dict[str, None] = {}  # each such check, in the order of the findings
    for v in findings["verdicts"]:
        if v.get("over") == "district" and v["check"] not in seen and target(v["requirement"]):
            seen[v["check"]] = None
    of_check: dict[str, list] = {}  # their districts' verdicts, in the order of the findings
    for v in findings["verdicts"]:
        if v["check"] in seen and v["district"] != city:
            of_check.setdefault(v["check"], []).append(v)
    for check in seen:
        vs = of_check.get(check, [])
        field, op, number = target(vs[0]["requirement"])
        rows = [{"label": v["district"], "value": (v.get("observed") or {}).get(field), "status": v["status"],
                 "href": link(v)} for v in vs]
        title = vs[0]["title"].get(fmt.lang, check)
        charts.append({"check": check, "clause": vs[0]["clause"], "title": title, "due": vs[0]["due"],
                       "chart": bar_chart(rows, fmt, field, number, op, title=fmt.label(field))})
    expected = findings.get("districts") or []
    absent = [d for d in expected if d not in (findings.get("submitted_by") or {})]
    # an audit of some of the districts does not judge the city-wide targets (auditor.audit): say so where they stand
    everyone = plan()["districts"]
    not_judged = fmt.t["city_not_judged"].format(n=len(expected), total=len(everyone)) \
        if fmt.city_checks and not targets and not covers_city(expected) else ""
    return {"districts": districts, "matrix": matrix, "matrix_clauses": matrix_clauses, "totals": totals,
            "detail": detail, "worklist": worklist(findings["verdicts"], fmt, pages),
            "absent": fmt.t["absent"].format(n=len(absent), names=fmt.t["list_sep"].join(absent)) if absent else "",
            "headline": headline(totals, fmt),
            "status_chart": status_chart(status_rows), "targets": targets, "city_not_judged": not_judged, "charts": charts,
            "counts_by_district": {d: counts(by_district[d]) for d in districts}}
