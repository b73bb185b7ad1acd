"""A verdict as the documents show it: evidence rows, missing-data rows, progress, rectification items.

Every function takes a verdict of findings.json (a plain dict) and a :class:`Formatter`, and returns plain
dicts of text for the templates.
"""
from __future__ import annotations

import datetime as _dt
import functools

from auditor.model import clause_order
from auditor.output.formatter import Formatter
from auditor.output.palette import SEVERITY_ORDER, STATUS_ORDER
from auditor.output.plain import simple, tree
from auditor.rules.expr import fields

OPS = {"<=": "≤", ">=": "≥", "==": "=", "!=": "≠", "<": "<", ">": ">"}  # a target beside a progress bar or chart line


def sort_key(v: dict):
    """The more severe first, then by clause (the city summary's pick of a clause's worst check)."""
    return (SEVERITY_ORDER.get(v["severity"], 9), clause_order(v["clause"]), v["clause"], v["check"])


def plan_key(v: dict, fmt: Formatter):
    """Plan order: the documents in order (the city's plan first), each by clause as it numbers them, then the
    checks in their policy's order."""
    return (fmt.rank.get(v.get("document", ""), len(fmt.rank)), fmt.order.get(v["check"], len(fmt.order)),
            clause_order(v["clause"]), v["clause"], v["check"])


def pending_review(v: dict) -> bool:
    """A manual check without a signed review: the office's own work, never asked of a district."""
    return v.get("method") == "manual" and v["status"] == "missing"


def units(v: dict, district: str, fmt: Formatter) -> tuple[list[str], list[str]]:
    """(the district's own responsible units, the city's departments that support), for ``district``'s documents.

    The plan names every district's government at once (各区、县（市）政府); a district's documents name its own.
    The city's documents (沈阳市) list the plan's units as they are."""
    split = v.get("responsible_units") or {"district": v["responsible"], "city": []}
    if district == fmt.city:
        return list(v["responsible"]), []
    own = [fmt.t["district_government"].format(district=district) if u == fmt.t["all_district_governments"] else u
           for u in split["district"]]
    return own, list(split["city"])


def counts(verdicts: list[dict]) -> dict[str, int]:
    return {s: sum(1 for v in verdicts if v["status"] == s) for s in STATUS_ORDER}


def headline(numbers: dict[str, int], fmt: Formatter) -> str:
    """本次督导共核查7项：未达标2项，达标5项。"""
    t, names = fmt.t, fmt.words["status"]
    parts = [t["headline_count"].format(status=names[s], n=numbers[s]) for s in STATUS_ORDER if numbers.get(s)]
    return t["headline_text"].format(total=sum(numbers.values()), counts=t["headline_sep"].join(parts))


def target(requirement: str | None) -> tuple[str, str, int | float] | None:
    """(field, op, number) when a verdict's requirement is one field against a number, from its expression tree."""
    return simple(tree(requirement)) if requirement else None


@functools.lru_cache(maxsize=None)
def _read(requirement: str) -> frozenset:
    return frozenset(fields(tree(requirement)))


def _unit(e: dict, fmt: Formatter) -> str:
    """Which school, document or district an evidence item is about."""
    if e.get("school_name"):
        if str(e.get("record", e.get("key", ""))).startswith("school_stage:") and e.get("stage"):  # a school in one stage
            return fmt.t["school_stage"].format(school=e["school_name"], stage=fmt.value("stage", e["stage"]))
        return str(e["school_name"])
    if e.get("document") or e.get("ref"):
        name = e.get("title") or fmt.value("kind", e.get("document")) if e.get("document") else ""
        ref = e.get("ref")
        if ref in fmt.checks:  # a review record that names the check it reviews: its title says which already
            ref = None
        return f"{name}（{ref}）" if ref else str(name)
    if e.get("district"):
        return str(e["district"])
    if e.get("city"):
        return str(e["city"])
    return str(e.get("record", ""))


def _class(e: dict, fmt: Formatter) -> str:
    if e.get("class") is None:
        return ""
    if e.get("grade") is None:
        return str(e["class"])
    return fmt.t["grade_class"].format(grade=e["grade"], **{"class": e["class"]})


def evidence_rows(v: dict, fmt: Formatter) -> list[dict]:
    """One row per failing record: which school, which class, what value, what limit."""
    rows = []
    for e in v["evidence"]:
        if e["problem"] != "fail":
            continue
        values = e.get("values", {})
        requirement = e.get("requirement") or v["requirement"]
        read = _read(requirement) if requirement else frozenset()
        shown = {k: x for k, x in values.items() if k in read} or values  # the requirement's fields, not the filter's
        rows.append({"n": len(rows) + 1, "record": e.get("record", ""), "unit": _unit(e, fmt), "class": _class(e, fmt),
                     "value": fmt.values(shown), "limit": fmt.requirement(requirement),
                     "message": (e.get("message") or {}).get(fmt.lang, "") + late(e, fmt)
                                + (fmt.words["why"]["waived_suffix"] if e.get("waived") else "")})
    return rows


def late(e: dict, fmt: Formatter) -> str:
    """（逾期15天） after a late filing's message (late is not never: findings.json's evidence ``filing``)."""
    filing = e.get("filing") or {}
    return fmt.words["why"]["late_suffix"].format(days=filing["days"]) if filing.get("status") == "late" else ""


def not_filed(e: dict, fmt: Formatter) -> str:
    """未报送（应于2022年12月31日前报送） for a required document never filed; "" otherwise."""
    filing = e.get("filing") or {}
    return fmt.words["why"]["filing_not_filed"].format(due=fmt.date(filing["due"])) if filing.get("status") == "not_filed" else ""


def missing_rows(v: dict, fmt: Formatter) -> list[dict]:
    """One row per record lacking data (through measures down to the school that lacks the field)."""
    rows = []
    for e in v["evidence"]:
        if e["problem"] != "missing":
            continue
        because = e.get("because") or []
        nested = [item for b in because for item in b.get("lacking", [])]
        if nested:
            via = fmt.lacks(e)
            reasons = "；".join(fmt.reason(b.get("reason")) for b in because)
            for item in nested:
                rows.append({"record": item.get("key", ""), "unit": _unit(item, fmt), "class": _class(item, fmt),
                             "lacks": fmt.lacks(item), "via": via, "owed_by": item.get("district") or e.get("owed_by", ""),
                             "reason": reasons})
        else:
            whole = e.get("record") in ("district", "submission") or str(e.get("record", "")).endswith(":*")
            rows.append({"record": e.get("record", ""), "unit": "" if whole else _unit(e, fmt),
                         "class": _class(e, fmt), "lacks": fmt.lacks(e), "via": "",
                         "owed_by": e.get("owed_by", ""), "reason": not_filed(e, fmt) or fmt.reason(e.get("reason")),
                         "filing": not_filed(e, fmt)})
    for i, row in enumerate(rows):
        row["n"] = i + 1
    return rows


def progress(v: dict, fmt: Formatter, as_of: str) -> dict:
    """How far a not-yet-due check is from its target: a figure against the limit, or the share of records complying."""
    out = {"days_left": (_dt.date.fromisoformat(v["due"]) - _dt.date.fromisoformat(as_of)).days}
    p = v.get("progress") or {}
    out["status_if_due_now"] = p.get("status_if_due_now", "missing")
    out["undated"] = bool(p.get("undated"))
    # what is still missing today: a document not yet filed, or fields (records) not yet reported
    lacks = []
    if p.get("reason"):
        lacks.append(fmt.lacks({"reason": p["reason"], "missing": []}))
    for item in p.get("lacking") or []:
        lacks.append(fmt.t["progress_records"].format(what=fmt.label(item["field"]), n=item["records"]))
    out["lacks_text"] = fmt.t["progress_lacks"].format(what=fmt.t["list_sep"].join(lacks)) if lacks else ""
    out["counts_text"] = (fmt.t["progress_counts"].format(fail=p.get("failing", 0), missing=p["missing"])
                          if p.get("failing") or p.get("missing") else "")
    aim = target(v["requirement"])
    observed = v.get("observed") or {}
    if aim and aim[0] in observed:
        field, op, number = aim
        value = observed[field]
        out.update(kind="figure", label=fmt.label(field), value=fmt.value(field, value),
                   target=f"{OPS[op]} {fmt.value(field, number)}", counts_text="")  # one figure: no counts to give
        if isinstance(value, (int, float)) and number and op in (">=", ">"):
            out["percent"] = max(0.0, min(100.0, round(value / number * 100, 1)))
        return out
    c = v["counts"]
    applicable = c["pass"] + c["fail"] + c["missing"]
    out.update(kind="records", complying=c["pass"], applicable=applicable,
               percent=round(c["pass"] / applicable * 100, 1) if applicable else None)
    return out


def view(v: dict, fmt: Formatter, as_of: str) -> dict:
    """A verdict with everything a template shows, already formatted (a plain dict)."""
    out = dict(v)
    out["anchor"] = "v-" + v["check"]
    manual = v.get("method") == "manual"
    title = v["title"].get(fmt.lang) or v["title"].get("zh", v["check"])
    # a manual check's filter and requirement are the review's mechanics (which document, signed): say what it means
    out["requirement_text"] = fmt.t["manual_standard"].format(title=title) if manual else fmt.requirement(v["requirement"])
    out["applies_text"] = "" if manual else fmt.requirement(v.get("applies_to"))
    out["rows"] = evidence_rows(v, fmt)
    out["gaps"] = missing_rows(v, fmt)
    out["observed_text"] = fmt.values(v.get("observed") or {})
    out["due_text"] = fmt.date(v["due"])
    out["schedule_text"] = [{"due": fmt.date(s["due"]), "cite": s.get("cite", "")} for s in v.get("schedule") or []]
    out["reading_text"] = reading(v, fmt)
    out["units"], out["city_units"] = units(v, v["district"], fmt)
    out["pending_review"] = pending_review(v)
    if v["status"] == "not_due":
        out["progress_view"] = progress(v, fmt, as_of)
    out["measure_rows"] = []
    for name, m in sorted((v.get("measures") or {}).items()):
        row = {"label": fmt.label(name), "value": fmt.value(name, m.get("value")) if "value" in m else fmt.reason(m.get("reason")),
               "detail": f"{m['numerator']} / {m['denominator']}" if "numerator" in m else "",
               "contributions": bool(m.get("contributions"))}
        out["measure_rows"].append(row)
    return out


def reading(v: dict, fmt: Formatter) -> str:
    """How the check reads the plan, in one line with its source ("" where it reads it literally)."""
    r = v.get("reading")
    if not r:
        return ""
    text = r.get(fmt.lang) or r.get("zh", "")
    return fmt.t["reading_text"].format(text=text, source=r["source"]) if r.get("source") else text


def remedy(v: dict, fmt: Formatter, gaps: list[dict] | None = None) -> tuple[str, bool]:
    """What the district must do for a failed or missing item, and whether the policy says it: the check's own
    ``remedy`` for a failure; for data it owes, to supply that data (:func:`default_remedy`) — a policy's remedy is
    written for a failure (分流超额学生，将班额降至55人以内), which is not what a 数据缺失 item asks for."""
    given = (v.get("remedy") or {}).get(fmt.lang)
    if given and v["status"] != "missing":
        return given, True
    return default_remedy(v, fmt, gaps), False


def default_remedy(v: dict, fmt: Formatter, gaps: list[dict] | None = None) -> str:
    """What must be done, when the policy gives no remedy: built from the requirement or the data lacking
    (``gaps``: the verdict's ``missing_rows`` when made already)."""
    title = v["title"].get(fmt.lang) or v["title"].get("zh", v["check"])
    if v.get("method") == "manual":
        return fmt.t["remedy_manual"].format(title=title)
    if v["status"] == "missing":
        gaps = missing_rows(v, fmt) if gaps is None else gaps
        lacks = fmt.t["list_sep"].join(sorted({g["lacks"] or g["via"] for g in gaps if g["lacks"] or g["via"]})) or title
        return fmt.t["remedy_missing"].format(title=title, lacks=lacks)
    return fmt.t["remedy_fail"].format(title=title, requirement=fmt.requirement(v["requirement"]))


def rectification_items(verdicts: list[dict], fmt: Formatter, clauses: dict, deadline: str,
                        views: dict[str, dict] | None = None) -> list[dict]:
    """The numbered items of a rectification notice: failed, then missing, each in plan order.

    A manual check still waiting for the office's review is the office's own work: it goes to the office's
    worklist (the city summary), never to a district's notice. A review that concluded "not met" is a finding.
    ``views``: check -> the verdict's :func:`view` when the report has made them (its rows and gaps are reused)."""
    items = []
    district = verdicts[0]["district"] if verdicts else ""
    for v in sorted((v for v in verdicts if v["status"] in ("fail", "missing") and not pending_review(v)),
                    key=lambda v: (STATUS_ORDER.index(v["status"]), *plan_key(v, fmt))):
        shown = views.get(v["check"]) if views else None
        if shown is not None:
            rows = shown["rows"] if v["status"] == "fail" else []
            gaps = shown["gaps"] if v["status"] == "missing" else []
        else:
            rows = evidence_rows(v, fmt) if v["status"] == "fail" else []
            gaps = missing_rows(v, fmt) if v["status"] == "missing" else []
        if rows:
            problem = [r["message"] or f"{r['unit']} {r['class']} {r['value']}" for r in rows[:3]]
            more = len(rows) - len(problem)
        else:
            problem = [" ".join(x for x in (g["unit"], g["class"], fmt.t["lacks_prefix"] + (g["lacks"] or g["via"])) if x)
                       + (fmt.t["comma"] + g["filing"] if g.get("filing") else "") for g in gaps[:3]]
            more = len(gaps) - len(problem)
        remedy_text, remedy_given = remedy(v, fmt, gaps if v["status"] == "missing" else None)
        clause = clauses.get(v["clause"], {})
        title = v["title"].get(fmt.lang, v["check"])
        own, city = units(v, district, fmt)
        manual = v.get("method") == "manual"
        items.append({"n": len(items) + 1, "status": v["status"], "clause": v["clause"], "check": v["check"],
                      "clause_title": (clause.get("title") or {}).get(fmt.lang, ""), "title": title,
                      "severity": v["severity"], "problem": problem, "more": more, "total": len(rows) or len(gaps),
                      "remedy": remedy_text, "remedy_given": remedy_given, "deadline": deadline,
                      "responsible": own, "city_units": city, "reading": reading(v, fmt),
                      "requirement_text": fmt.t["manual_standard"].format(title=title) if manual else fmt.requirement(v["requirement"]),
                      "anchor": "v-" + v["check"]})
    return items


def worklist(verdicts: list[dict], fmt: Formatter, pages: dict) -> list[dict]:
    """The office's own pending work: every manual check still without a signed review, by district in plan order."""
    rows = []
    for v in verdicts:
        if pending_review(v):
            rows.append({"district": v["district"], "clause": v["clause"], "title": v["title"].get(fmt.lang, v["check"]),
                         "due": fmt.date(v["due"]), "href": f"{pages[v['district']]}#v-{v['check']}" if v["district"] in pages else "",
                         "reason": fmt.t["review_unsigned"] if any(e.get("record", "").startswith("document:") and not e["record"].endswith(":*")
                                                                for e in v["evidence"]) else fmt.t["review_none"]})
    return rows
