"""The assessment page of a document that asks for one (a pack.yaml with ``assessment``): the national standard's
优质均衡 assessment form, per district, and the city summary's district × indicator matrix of 差异系数.

Everything is read from findings.json, nothing from the engine: a ``require_k_of_n`` verdict carries its items
and the table of every school it applies to (``indicators``); a ``cv`` measure's note carries the district mean,
the deviation, the coefficient, the schools counted and the per-school figure it was computed over (``field``),
which pairs each coefficient with its indicator; the stage comes from each one's filter (``stage == "primary"``).
The page has, in the form county offices use: the overall result (达到 / 未达到, with the items that hold it
back), per stage the indicators with mean, deviation and coefficient against the limit, the school-by-indicator
table with each value marked met / within the floor / below, and every other item of the document part by part.
Returns plain dicts of text for ``reports/templates/assessment.html``.
"""
from __future__ import annotations

from auditor.output.files import safe_name
from auditor.output.formatter import Formatter, coefficient
from auditor.output.plain import simple, tree
from auditor.output.views import pending_review, plan_key, reading
from auditor.rules.expr import And, Compare, Const, Field


def assessed(findings: dict) -> list[dict]:
    """The documents of the findings that ask for an assessment page."""
    return [d for d in findings.get("documents") or [] if d.get("assessment")]


def page_name(page: str, document: dict, lang: str) -> str:
    """The assessment page beside a district's report: 大东区-优质均衡评估.html."""
    return f"{page[:-len('.html')]}-{safe_name(document['assessment']['file'][lang])}.html"


def pinned(text: str | None, field: str) -> str | None:
    """The value a filter pins ``field`` to (``stage == "primary" and ...`` -> primary), or None."""
    if not text:
        return None
    node = tree(text)
    for part in node.items if isinstance(node, And) else (node,):
        if isinstance(part, Compare) and part.op == "==":
            for a, b in ((part.left, part.right), (part.right, part.left)):
                if isinstance(a, Field) and a.path == field and isinstance(b, Const):
                    return b.value
    return None


def figure(value, threshold) -> float:
    """A school's figure as shown beside its threshold: two decimals, more where two would show the threshold
    itself for a figure that misses it (4.1996 of 4.2 is 4.1996, not 4.20)."""
    for places in range(2, 12):
        shown = round(value, places)
        if shown != threshold or value == threshold:
            return shown
    return value


def _cv_entries(verdicts: list[dict]) -> dict:
    """(stage, per-school field) -> (the CV check's verdict, its measure note, the limit)."""
    out = {}
    for v in verdicts:
        for note in (v.get("measures") or {}).values():
            if note.get("agg") == "cv":
                aim = simple(tree(v["requirement"])) if v.get("requirement") else None
                out[(pinned(note.get("filter"), "stage"), note["field"])] = (v, note, aim[2] if aim else None)
    return out


def _mark_words(fmt: Formatter) -> dict:
    t = fmt.t
    return {"met": t["assess_mark_met"], "within": t["assess_mark_within"], "below": t["assess_mark_below"],
            "missing": t["assess_mark_missing"]}


def _stage(v: dict, cvs: dict, fmt: Formatter) -> dict:
    """One stage: the k-of-n check's items with their coefficients, and its table of schools."""
    table = v["indicators"]
    stage = pinned(v.get("applies_to"), "stage")
    words = _mark_words(fmt)
    indicators = []
    for item in table["items"]:
        field = item["field"]
        entry = cvs.get((stage, field))
        row = {"field": field, "label": fmt.label(field), "short": fmt.short(field), "value": fmt.quantity(field, item["at_least"]),
               "cv": None}
        if entry:
            cv_verdict, note, limit = entry
            row.update(cv_status=cv_verdict["status"], cv_anchor="v-" + cv_verdict["check"],
                       limit=coefficient(limit) if limit is not None else "",
                       cv=coefficient(note["value"], limit) if note.get("value") is not None else None,
                       mean=fmt.quantity(field, round(note["mean"], 2)) if note.get("mean") is not None else "",
                       sd=fmt.quantity(field, round(note["sd"], 2)) if note.get("sd") is not None else "",
                       schools=note.get("schools", ""), reason=fmt.reason(note.get("reason")) if note.get("value") is None else "")
        indicators.append(row)
    schools = []
    texts = fmt.memo.setdefault("school_figures", {})  # a figure as rounded, with its unit: the same few thousand over and over
    if len(texts) > 1 << 15:
        texts.clear()
    columns = [(item["field"], item["at_least"]) for item in table["items"]]
    for r in table["records"]:
        cells = []
        values, marks = r["values"], r["marks"]
        for field, at_least in columns:
            value = values.get(field)
            mark = marks[field]
            if value is None:
                text = "—"
            else:
                shown = round(value, 2)  # figure()'s first try, which nearly every figure takes
                if shown == at_least and value != at_least:
                    shown = figure(value, at_least)
                key = (field, type(shown), shown)
                text = texts.get(key)
                if text is None:
                    text = texts[key] = fmt.quantity(field, shown)
            cells.append({"text": text, "mark": mark, "mark_text": words[mark]})
        schools.append({"name": r.get("school_name") or r.get("school") or r["record"], "cells": cells, "status": r["status"],
                        "met": r.get("met")})
    return {"stage": stage, "label": fmt.value("stage", stage) if stage else "", "check": v["check"], "anchor": "v-" + v["check"],
            "title": v["title"].get(fmt.lang, v["check"]), "status": v["status"], "indicators": indicators, "schools": schools,
            "k": table["k"], "n": len(table["items"]), "floor": f"{round(table['floor'] * 100, 2):g}%"}


def _item(v: dict, fmt: Formatter, pages: dict, district: str) -> dict:
    manual = v.get("method") == "manual"
    title = v["title"].get(fmt.lang) or v["title"].get("zh", v["check"])
    detail = pages.get(district) and v["status"] != "pass"
    return {"anchor": "v-" + v["check"], "clause": v["clause"], "title": title, "status": v["status"], "method": v.get("method"),
            "requirement": fmt.t["manual_standard"].format(title=title) if manual else fmt.requirement(v["requirement"]),
            "observed": fmt.values(v.get("observed") or {}), "reading": reading(v, fmt), "pending": pending_review(v),
            "href": f"{pages[district]}#v-{v['check']}" if detail else ""}


def district_assessment(document: dict, verdicts: list[dict], fmt: Formatter, pages: dict, district: str) -> dict:
    """The assessment page's context for one district (its verdicts of ``document`` only, as findings.json has
    them: the clause apart from the document)."""
    mine = sorted((v for v in verdicts if v.get("document") == document["ref"]), key=lambda v: plan_key(v, fmt))
    cvs = _cv_entries(mine)
    in_table = {e[0]["check"] for e in cvs.values()}
    stages = [_stage(v, cvs, fmt) for v in mine if v.get("indicators")]
    in_table |= {s["check"] for s in stages}
    parts = []
    for part in document["assessment"]["parts"]:
        clauses = part["clauses"]
        items = [_item(v, fmt, pages, district) for v in mine if v["clause"] in clauses and v["check"] not in in_table]
        tables = bool(stages) and any(v["check"] in in_table and v["clause"] in clauses for v in mine)
        parts.append({"title": part["title"].get(fmt.lang, ""), "rows": items, "tables": tables})
    failing = [_item(v, fmt, pages, district) for v in mine if v["status"] == "fail"]
    lacking = [_item(v, fmt, pages, district) for v in mine if v["status"] == "missing" and not pending_review(v)]
    pending = [_item(v, fmt, pages, district) for v in mine if pending_review(v)]
    not_due = [_item(v, fmt, pages, district) for v in mine if v["status"] == "not_due"]
    met = bool(mine) and not (failing or lacking or pending or not_due)
    t = fmt.t
    counts = t["assess_counts"].format(fail=len(failing), missing=len(lacking), pending=len(pending)) if not met else ""
    return {"document": document, "document_title": document["title"].get(fmt.lang) or document["title"]["zh"],
            "title": document["assessment"]["title"].get(fmt.lang, ""), "met": met,
            "verdict": t["assess_met" if met else "assess_not_met"], "counts": counts,
            "undecided": not met and not failing, "failing": failing, "lacking": lacking, "pending": pending, "not_due": not_due,
            "stages": stages, "parts": parts, "total": len(mine),
            "passed": sum(1 for v in mine if v["status"] == "pass")}


def matrix(document: dict, by_district: dict, fmt: Formatter, pages: dict, names: dict) -> dict | None:
    """The city summary's district × indicator matrix of 差异系数 for ``document`` (None without coefficients).

    ``names``: district -> its assessment page."""
    columns: list[dict] = []
    rows = []
    for district, verdicts in by_district.items():
        mine = [v for v in verdicts if v.get("document") == document["ref"]]
        cvs = _cv_entries(mine)
        if not cvs:
            continue
        order = []
        for v in sorted((v for v in mine if v.get("indicators")), key=lambda v: plan_key(v, fmt)):
            stage = pinned(v.get("applies_to"), "stage")
            order += [(stage, item["field"]) for item in v["indicators"]["items"]]
        order += [key for key in cvs if key not in order]
        if not columns:
            columns = [{"key": key, "stage": fmt.value("stage", key[0]) if key[0] else "", "label": fmt.label(key[1]),
                        "short": fmt.short(key[1]),
                        "limit": coefficient(cvs[key][2]) if cvs[key][2] is not None else ""} for key in order if key in cvs]
        cells = []
        for column in columns:
            entry = cvs.get(column["key"])
            if entry is None:
                cells.append({"text": "—", "status": "not_applicable", "href": ""})
                continue
            v, note, limit = entry
            text = coefficient(note["value"], limit) if note.get("value") is not None else fmt.t["value_missing"]
            cells.append({"text": text, "status": v["status"], "title": v["title"].get(fmt.lang, v["check"]),
                          "href": f"{names[district]}#v-{v['check']}" if district in names else ""})
        rows.append({"district": district, "href": names.get(district, ""), "cells": cells})
    if not rows:
        return None
    return {"document": document["ref"], "title": document["assessment"]["title"].get(fmt.lang, ""), "columns": columns, "rows": rows}
