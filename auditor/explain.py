"""`auditor explain`: the trace of one verdict, as the audit reached it.

The submissions are audited exactly as ``auditor audit`` audits them (every district given: a city-wide figure
needs them all), nothing is written, and the verdict asked for is printed: its document (文号), the clause and its text, the schedule
step in force and why, the filter and the requirement in plain words (:mod:`auditor.output.plain`), a derived
figure's inputs, the failing and lacking records, and the result (:func:`auditor.output.why.basis`). With
``--item KEY`` the one record's own evidence is printed as well. ``--format json`` prints the verdict's
``trace`` from findings.json with the rows in words.
"""
from __future__ import annotations

from auditor.errors import Problem, UsageError, hint
from auditor.model import plan
from auditor.output.formatter import Formatter
from auditor.output.why import basis, filing_text
from auditor.rules.waivers import record_key_problem, record_kind
from auditor.texts import msg

ZH_COLON, EN_COLON = "：", ": "


def pick(findings: dict, district: str, check: str, checks: list[str]) -> dict:
    """The verdict of ``check`` for ``district`` (沈阳市 for a city-wide check); a located usage error otherwise."""
    if check not in checks:
        raise UsageError(Problem("--check", 0, 0, "U-ARGS", msg("explain.check", check=check, hint=hint(check, checks))))
    known = list(findings["districts"]) + [plan()["city"]]
    if district not in known:
        raise UsageError(Problem("--district", 0, 0, "U-ARGS", msg("explain.district", district=district, hint=hint(district, known))))
    for v in findings["verdicts"]:
        if v["district"] == district and v["check"] == check:
            return v
    key = "explain.district-check" if district == plan()["city"] else "explain.city-check"
    raise UsageError(Problem("--district", 0, 0, "U-ARGS", msg(key, check=check, district=district)))


def check_item(key: str, check) -> None:
    """``--item`` must be a record key (as findings.json writes them) of the kind ``check`` judges: U-ARGS otherwise,
    rather than an answer that the record passed."""
    problem = record_key_problem(key, {check.over})
    if problem is not None and record_kind(key) is not None:
        problem = msg("explain.item-kind", check=check.id, kinds=check.over, record=key, kind=record_kind(key))
    if problem is not None:
        raise UsageError(Problem("--item", 0, 0, "U-ARGS", problem))


def item_of(v: dict, key: str | None, held: bool = True) -> dict | None:
    """The evidence of one record (``--item``); a record of the submission that is not in the evidence passed or
    was not applicable; one the submission does not hold (``held`` False) is said to be absent."""
    if key is None:
        return None
    for e in v["evidence"]:
        if e["record"] == key:
            return e
    return {"record": key, "problem": None} if held else {"record": key, "problem": None, "in_submission": False}


def explanation(v: dict, policy_set, lang: str, key: str | None = None, held: bool = True) -> dict:
    fmt = Formatter(policy_set, lang)
    clauses = {p.clause: {"title": p.title, "text": p.text} for p in policy_set.policies}
    out = {"district": v["district"], "document": v.get("document", ""), "check": v["check"], "clause": v["clause"],
           "status": v["status"],
           "title": v["title"].get(lang) or v["title"].get("zh"), "trace": v["trace"],
           "basis": [{"label": r["label"], "text": r["text"]} for r in basis(v, fmt, clauses, full=True)]}
    item = item_of(v, key, held)
    if item is not None:
        out["item"] = item
        out["item_text"] = _item_text(item, fmt)
    return out


def _item_text(e: dict, fmt: Formatter) -> str:
    zh = fmt.lang == "zh"
    if e["problem"] is None and e.get("in_submission") is False:
        return (f"{e['record']}：报送材料中没有这条记录" if zh
                else f"{e['record']}: no such record in the submission")
    if e["problem"] is None:
        return (f"{e['record']}：不在未达标或缺数据记录之列（达标或不适用）" if zh
                else f"{e['record']}: not among the failing or lacking records (it passes or is not applicable)")
    parts = [e["record"]]
    if e["problem"] == "fail":
        parts.append(fmt.values(e.get("values") or {}))
        message = (e.get("message") or {}).get(fmt.lang)
        if message:
            parts.append(message)
    else:
        parts.append(("缺少" if zh else "lacks ") + fmt.lacks(e))
    if e.get("filing"):
        parts.append(filing_text(e["filing"], fmt))
    return (ZH_COLON if zh else EN_COLON).join(p for p in parts if p)


def text(explained: dict, lang: str) -> str:
    colon = ZH_COLON if lang == "zh" else EN_COLON
    where = " · ".join(x for x in (explained["district"], explained["document"], explained["clause"]) if x)
    lines = [f"{where} · {explained['title']}（{explained['check']}）" if lang == "zh"
             else f"{where} · {explained['title']} ({explained['check']})"]
    width = max(len(r["label"]) for r in explained["basis"])
    for r in explained["basis"]:
        pad = ("\u3000" if lang == "zh" else " ") * (width - len(r["label"]))
        lines.append(f"  {r['label']}{pad}{colon}{r['text']}")
    if "item_text" in explained:
        lines.append(f"  {'记录' if lang == 'zh' else 'Record'}{colon}{explained['item_text']}")
    return "\n".join(lines) + "\n"
