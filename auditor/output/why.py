"""Why a verdict, in words: the 判定依据 block of the HTML reports and the text of ``auditor explain``.

Everything here is read from the verdict's own ``trace`` (written by the evaluation, auditor/evaluate/trace.py),
its ``requirement`` / ``applies_to`` (in plain words by :mod:`auditor.output.plain`, through the
:class:`Formatter`), its ``counts``, ``measures`` and ``evidence``: nothing is judged again here.
:func:`basis` returns rows ``{"key", "label", "text"}``; ``full`` adds what only ``auditor explain`` shows
(the clause, the filter, the requirement and the counts, which the reports' finding table shows already, and
the failing records' values).
"""
from __future__ import annotations

from auditor.output.formatter import Formatter
from auditor.output.views import _class, _unit


def _w(fmt: Formatter) -> dict:
    return fmt.words["why"]


def _params(params: dict, fmt: Formatter, check: str = "") -> str:
    """A step's parameters: one compared with a field reads as that field's target, in its format (全市优质教育资源覆盖面的
    目标值 100%), never as the policy's own name for it (target 1)."""
    compared = fmt.param_fields.get(check, {})

    def one(k, v):
        field = compared.get(k)
        if k in fmt.labels or not field:
            return f"{fmt.label(k)} {fmt.value(k, v)}"
        return f"{_w(fmt)['param_target'].format(label=fmt.label(field))} {fmt.value(field, v)}"
    return fmt.t["comma"].join(one(k, v) for k, v in sorted(params.items()))


def step_text(step: dict, fmt: Formatter, check: str = "") -> str:
    w = _w(fmt)
    if not step["in_force"]:
        text = w["step_first"].format(due=fmt.date(step["due"]), of=step["of"])
    elif step["of"] == 1:
        text = w["step_single"].format(due=fmt.date(step["due"]))
    else:
        text = w["step_text"].format(number=step["number"], of=step["of"], due=fmt.date(step["due"]))
    if step.get("params"):
        text += w["step_params"].format(params=_params(step["params"], fmt, check))
    if step.get("cite"):
        text += f"（{step['cite']}）" if fmt.lang == "zh" else f" ({step['cite']})"
    if step.get("next"):
        nxt = step["next"]
        text += w["step_next"].format(due=fmt.date(nxt["due"]),
                                      params=w["step_params"].format(params=_params(nxt["params"], fmt, check)) if nxt.get("params") else "")
    return text


def measure_text(m: dict, fmt: Formatter, evidence: dict | None = None) -> str:
    w = _w(fmt)
    label = fmt.label(m["id"])
    if "value" not in m:
        return w["measure_none"].format(label=label, reason=fmt.reason(m.get("reason"))) + _lacking(m, fmt, evidence or {})
    text = w["measure_value"].format(label=label, value=fmt.value(m["id"], m["value"]))
    if "numerator" in m:
        text += w["measure_ratio"].format(numerator=fmt.value(None, m["numerator"]), denominator=fmt.value(None, m["denominator"]))
    if "mean" in m:  # a 差异系数: over how many schools, about which mean
        text += w["measure_cv"].format(schools=m.get("schools", 0), mean=fmt.value(None, round(m["mean"], 3)),
                                         sd=fmt.value(None, round(m["sd"], 3)))
    parts = []
    if "districts" in m:
        parts.append(w["measure_districts"].format(**m["districts"]))
    for key in ("counted", "meeting", "left_out", "lacking"):
        if key in m:
            parts.append(w["measure_" + key].format(n=m[key]["count"]))
    if parts:
        text += ("：" if fmt.lang == "zh" else ": ") + fmt.t["comma"].join(parts)
    return text


def _lacking(m: dict, fmt: Formatter, evidence: dict) -> str:
    """The records a measure lacks data from, named as the verdict's evidence names them (school, class, what is
    missing), never by their keys (如：class:YH002/*)."""
    block = m.get("lacking")
    if not block or not block["count"]:
        return ""
    items = fmt.t["list_sep"].join(_record(k, evidence, fmt, False) for k in block["first"])
    return ("：" if fmt.lang == "zh" else ": ") + _w(fmt)["first"].format(n=block["count"], items=items)


def _record(key: str, evidence: dict, fmt: Formatter, values: bool) -> str:
    e = evidence.get(key)
    if e is None:
        return key
    whole = key == "submission" or key.endswith(":*")  # the whole ledger, or the whole submission
    name = fmt.lacks(e) if whole else " ".join(x for x in (_unit(e, fmt), _class(e, fmt)) if x) or key
    if values and e.get("values"):
        name += f"（{fmt.values(e['values'])}）" if fmt.lang == "zh" else f" ({fmt.values(e['values'])})"
    if e.get("filing"):
        name += fmt.t["comma"] + filing_text(e["filing"], fmt)
    elif e.get("missing") and e.get("problem") == "missing" and not whole:
        name += ("：" if fmt.lang == "zh" else ": ") + fmt.lacks(e)
    return name


def filing_text(filing: dict, fmt: Formatter) -> str:
    """逾期15天报送（应于2019年12月31日前报送，2020年1月15日报送） / 未报送（应于…前报送）."""
    w = _w(fmt)
    if filing["status"] == "late":
        return w["filing_late"].format(days=filing["days"], due=fmt.date(filing["due"]), filed_on=fmt.date(filing["filed_on"]))
    return w["filing_not_filed"].format(due=fmt.date(filing["due"]))


def _first(block: dict, evidence: dict, fmt: Formatter, values: bool) -> str:
    items = fmt.t["list_sep"].join(_record(k, evidence, fmt, values) for k in block["first"])
    return _w(fmt)["first"].format(n=block["count"], items=items)


def basis(v: dict, fmt: Formatter, clauses: dict | None = None, full: bool = False) -> list[dict]:
    """The rows of a verdict's 判定依据 (empty when it has no trace)."""
    t = v.get("trace")
    if not t:
        return []
    w = _w(fmt)
    rows = []

    def add(key, text):
        rows.append({"key": key, "label": w[key], "text": text})

    if full:
        clause = (clauses or {}).get(v["clause"]) or {}
        quoted = f"“{clause['text']}”" if clause.get("text") else ""
        add("clause", f"{v['clause']} {(clause.get('title') or {}).get(fmt.lang, '')} {quoted}".strip())
    if full:  # a report names its base date once, at the top
        add("as_of", fmt.date(t["as_of"]))
    add("step", step_text(t["step"], fmt, v.get("check", "")))
    if full:  # the reports show these in the finding's own table already
        if v.get("applies_to"):
            add("applies", fmt.requirement(v["applies_to"]))
        else:
            add("applies", w["applies_all"].format(kind=fmt.kind_name(v.get("over", ""))))
        if v.get("requirement"):
            add("requirement", fmt.requirement(v["requirement"]))
    if v.get("discrepancy"):
        add("discrepancy" if v["discrepancy"]["beyond"] else "consistent", discrepancy_text(v["discrepancy"], fmt))
    lacking = {x["key"]: {**x, "problem": "missing"} for e in v["evidence"] for b in e.get("because") or []
               for x in b.get("lacking") or [] if x.get("key")}  # the records a measure lacks data from, with their names
    for m in t.get("measures", []):
        add("measure", measure_text(m, fmt, lacking))
    if full:
        add("records", w["records_text"].format(**v["counts"]))
    evidence = {e["record"]: e for e in v["evidence"]}
    if full and t["failed"]["count"]:  # the reports list them below, in full
        add("failed", _first(t["failed"], evidence, fmt, full))
    if full and t["lacking"]["count"]:
        add("lacking", _first(t["lacking"], evidence, fmt, full))
    waiver = waiver_text(v, fmt) if full else None  # the reports show it on its own, above
    if waiver:
        add("waiver", waiver["text"])
    status = fmt.words["status"][v["status"]]
    add("result", f"{status}：{w['because'][t['because']]}" if fmt.lang == "zh" else f"{status}: {w['because'][t['because']]}")
    return rows



def waiver_text(v: dict, fmt: Formatter) -> dict | None:
    """A verdict's waiver in words: {"status": applied | partial | expired, "text"}; None without one."""
    waiver = v.get("waiver")
    if not waiver:
        return None
    w = _w(fmt)
    doc = waiver["document"]
    params = {"ref": doc["ref"], "approved_by": doc["approved_by"], "date": fmt.date(doc["date"]), "reason": waiver["reason"],
              "since": fmt.date(waiver["valid_from"]), "until": fmt.date(waiver["valid_until"]),
              "status": fmt.words["status"].get(v.get("underlying_status", v["status"]), ""),
              "records": fmt.t["list_sep"].join(waiver.get("records", []))}
    return {"status": waiver["status"], "text": w["waiver_" + waiver["status"]].format(**params)}


def discrepancy_text(d: dict, fmt: Formatter) -> str:
    """自报12个，据台账计算10个，相差2（允许误差0）."""
    reported, computed = d["reported"], d["computed"]
    return _w(fmt)["discrepancy_text"].format(
        reported_label=fmt.label(reported["field"]), reported=fmt.quantity(reported["field"], reported["value"]),
        computed_label=fmt.label(computed["measure"]), computed=fmt.quantity(computed["measure"], computed["value"]),
        difference=fmt.value(computed["measure"], abs(d["difference"])), tolerance=fmt.value(computed["measure"], d["tolerance"]))


def waiver_rows(findings: dict, fmt: Formatter) -> list[dict]:
    """The city summary's table of every waiver and what became of it ([] without a waiver folder)."""
    w = _w(fmt)
    rows = []
    for item in findings.get("waivers") or []:
        doc = item["document"]
        scope = fmt.t["list_sep"].join(fmt.checks.get(c, c) for c in (item["applied_to"] or item["checks"]))
        if item.get("records"):
            scope += f"（{fmt.t['list_sep'].join(item['records'])}）"
        rows.append({"id": item["id"], "district": item["district"], "scope": scope, "status": item["status"],
                     "document": f"{doc['approved_by']} {doc['ref']}（{fmt.date(doc['date'])}）",
                     "valid": f"{fmt.date(item['valid_from'])}—{fmt.date(item['valid_until'])}",
                     "outcome": w["waiver_status"][item["status"]], "source": item["source"]})
    return rows
