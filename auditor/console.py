"""What the commands print: the audit's summary table per district, and what a submission can feed (`validate`).

Each result is built once as plain data (what ``--format json`` prints) and worded per language from the
tables below (``--lang``, Chinese by default). Columns are aligned by display width, so Chinese names line
up in a terminal.
"""
from __future__ import annotations

import datetime as _dt
import json
import os
import unicodedata

from auditor.model import PolicySet, plan
from auditor.output.files import district_pages, notice_name
from auditor.output.formatter import Formatter
from auditor.output.palette import STATUS_ORDER
from auditor.output.labels import labels
from auditor.output.views import missing_rows
from auditor.verdicts import as_verdicts

SHOWN = ["fail", "missing", "not_due", "pass", "not_applicable"]

MESSAGES = {
    "zh": {
        "audited": "督导完成：督导基准日{as_of}，{n}个区县（市）报送{files}个文件，共{verdicts}项结论。",
        "district": "区县（市）",
        "notice": "整改通知",
        "total": "合计",
        "yes": "有",
        "no": "—",
        "absent": "{n}个区县（市）未报送：{names}",
        "wrote": "已写入{n}个文件：{index}（结果汇总）",
        "valid": "{file}：格式正确 — {district}：{schools}所学校，{classes}个班级，{documents}份文件",
        "feeds": "  可判定的检查：{fed}/{total}项（按{as_of}计；另有{manual}项人工复核由督导室完成）",
        "gaps": "  缺少数据，无法判定：",
        "gap": "    {title}：{lacks}",
        "more": "等，共{n}处",
        "complete": "  数据齐全。",
    },
    "en": {
        "audited": "audited as of {as_of}: {n} district submission(s) in {files} file(s), {verdicts} verdicts.",
        "district": "district",
        "notice": "notice",
        "total": "total",
        "yes": "yes",
        "no": "-",
        "absent": "{n} district(s) sent nothing: {names}",
        "wrote": "wrote {n} files: {index} (city summary)",
        "valid": "{file}: ok — {district}: {schools} schools, {classes} classes, {documents} documents",
        "feeds": "  checks it can feed: {fed} of {total} (as of {as_of}; {manual} more are the office's manual reviews)",
        "gaps": "  missing data, cannot be judged:",
        "gap": "    {title}: {lacks}",
        "more": " and more, {n} in all",
        "complete": "  nothing missing.",
    },
}


def width(text: str) -> int:
    """Display width in a terminal: Chinese characters take two columns."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in str(text))


def table(rows: list[list], right: set[int] = frozenset()) -> str:
    """Rows of cells as aligned text: the first row is the header; columns in ``right`` align right."""
    widths = [max(width(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = []
    for row in rows:
        cells = []
        for i, cell in enumerate(row):
            pad = " " * (widths[i] - width(cell))
            cells.append(pad + str(cell) if i in right else str(cell) + pad)
        lines.append("  ".join(cells).rstrip())
    return "\n".join(lines)


def audit_summary(findings: dict, files: dict, out: str, lang: str) -> dict:
    """The audit's result as data: counts per district (in plan order), its report and notice, who sent nothing."""
    pages = district_pages(findings)
    verdicts = as_verdicts(findings["verdicts"])  # counted, not decoded (auditor.verdicts)
    tallies = {name: dict.fromkeys(STATUS_ORDER, 0) for name in pages}
    for name, tally in tallies.items():
        for (status, _method), n in verdicts.statuses(name).items():
            if status in tally:
                tally[status] += n
    districts = []
    for name in pages:
        notice = notice_name(pages[name], lang)
        districts.append({"district": name, "counts": tallies[name],
                          "report": os.path.join(out, pages[name]),
                          "notice": os.path.join(out, notice) if notice in files else None})
    absent = [d for d in findings.get("districts") or [] if d not in findings.get("submitted_by", {})]
    return {"as_of": findings["as_of"], "submitted": len(findings.get("submitted_by", {})), "files": len(findings["submissions"]),
            "verdicts": len(findings["verdicts"]), "districts": districts, "absent": absent,
            "totals": {s: sum(d["counts"][s] for d in districts) for s in STATUS_ORDER},
            "index": os.path.join(out, "index.html"), "written": len(files)}


def audit_text(summary: dict, lang: str) -> str:
    m = MESSAGES[lang]
    status = labels(lang)["status"]
    as_of = _dt.date.fromisoformat(summary["as_of"])
    shown = SHOWN[:3] + ["waived"] + SHOWN[3:] if summary["totals"].get("waived") else SHOWN  # a column for waivers applied
    rows = [[m["district"], *(status[s] for s in shown), m["notice"]]]
    for d in summary["districts"]:
        rows.append([d["district"], *(d["counts"][s] for s in shown), m["yes"] if d["notice"] else m["no"]])
    rows.append([m["total"], *(summary["totals"][s] for s in shown), ""])
    lines = [m["audited"].format(as_of=f"{as_of.year}年{as_of.month}月{as_of.day}日" if lang == "zh" else summary["as_of"],
                                 n=summary["submitted"], files=summary["files"], verdicts=summary["verdicts"]), "",
             table(rows, right=set(range(1, len(shown) + 1))), ""]
    if summary["absent"]:
        lines.append(m["absent"].format(n=len(summary["absent"]), names=("、" if lang == "zh" else ", ").join(summary["absent"])))
    lines.append(m["wrote"].format(n=summary["written"], index=summary["index"]))
    return "\n".join(lines) + "\n"


def completeness(policy_set: PolicySet, findings: dict, fmt: Formatter) -> dict[str, dict]:
    """Per district: how many checks its submission can feed, and what is missing for which check.

    Judged by auditing the submission (reference evaluator) as of the given date: a check it cannot feed is one
    that would come out ``missing``. Manual checks are the office's own reviews, counted apart."""
    city = plan()["city"]
    out: dict[str, dict] = {}
    for v in findings["verdicts"]:
        if v["district"] == city or v["district"] not in findings.get("submitted_by", {}):
            continue
        entry = out.setdefault(v["district"], {"checks": 0, "fed": 0, "manual": 0, "gaps": []})
        if v.get("method") == "manual":
            entry["manual"] += 1
            continue
        entry["checks"] += 1
        if v["status"] != "missing":
            entry["fed"] += 1
            continue
        gaps = missing_rows(v, fmt)
        lacks = []
        for g in gaps:
            what = " ".join(x for x in (g["unit"], g["class"], g["lacks"] or g["via"]) if x)
            if what not in lacks:
                lacks.append(what)
        entry["gaps"].append({"check": v["check"], "document": v.get("document", ""),
                              "clause": fmt.cite(v.get("document"), v["clause"]),  # with its document unless the first
                              "title": v["title"].get(fmt.lang, v["check"]), "lacks": lacks})
    return out


def completeness_text(file: str, facts, entry: dict, as_of: str, lang: str) -> str:
    m = MESSAGES[lang]
    n = {k: len(v) for k, v in facts.records.items()}
    lines = [m["valid"].format(file=file, district=facts.district, schools=n.get("school", 0), classes=n.get("class", 0),
                               documents=n.get("document", 0))]
    if entry:
        day = _dt.date.fromisoformat(as_of)
        lines.append(m["feeds"].format(fed=entry["fed"], total=entry["checks"], manual=entry["manual"],
                                       as_of=f"{day.year}年{day.month}月{day.day}日" if lang == "zh" else as_of))
        if entry["gaps"]:
            lines.append(m["gaps"])
            for g in entry["gaps"]:
                shown = ("；" if lang == "zh" else "; ").join(g["lacks"][:3])
                if len(g["lacks"]) > 3:
                    shown += m["more"].format(n=len(g["lacks"]))
                lines.append(m["gap"].format(title=f"{g['clause']} {g['title']}", lacks=shown))
        else:
            lines.append(m["complete"])
    return "\n".join(lines) + "\n"


def as_json(data) -> str:
    return json.dumps(data, ensure_ascii=False, indent=1, sort_keys=True) + "\n"

