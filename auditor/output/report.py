"""findings -> findings.json, findings.xlsx and the HTML documents rendered from reports/templates/.

Three documents come out of one audit:

* ``<district>.html`` — the district report (督导意见): headline, findings by
  severity and clause with evidence tables, what could not be judged, what is
  not yet due with progress, and an appendix with every long evidence list;
* ``<district>-整改通知.html`` (``-rectification-notice`` in English) — the
  rectification notice for a district with failed or missing items, numbered,
  each with a deadline ``rectify_days`` after the audit date, to print and sign;
* ``index.html`` — the city summary: districts × clauses matrix, city-wide
  targets with each district's contribution, inline SVG charts.

Templates receive plain dicts only (the findings, the policies' clause texts,
labels and pre-computed chart geometry). Autoescaping is on for every template,
so whatever a submission or policy contributes is shown, never executed; the
one value that goes into CSS (the page header) is CSS-escaped. Nothing is
loaded from outside the page: no scripts, fonts or images, so a report opens
from a USB stick. Output file names are derived from district names through
:func:`safe_name` and checked to stay inside the output folder. Everything is
rendered in memory first and then written file by file through a temporary file
and ``os.replace``, so a failure leaves the previous report or none, never half.
"""
from __future__ import annotations

import datetime as _dt
import functools
import io
import json
import re
from pathlib import Path

from markupsafe import Markup
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from auditor import timing
from auditor.intake.contracts import scalar_fields
from auditor.model import PolicySet, clause_order, plan
from auditor.output.files import district_pages, notice_name
from auditor.workers import forked_map

TEMPLATES = Path(__file__).resolve().parents[2] / "reports" / "templates"

STATUS_ZH = {"pass": "达标", "fail": "未达标", "missing": "数据缺失", "not_due": "未到期", "not_applicable": "不适用", "waived": "已豁免"}
STATUS_EN = {"pass": "pass", "fail": "fail", "missing": "missing data", "not_due": "not yet due", "not_applicable": "not applicable", "waived": "waived"}
SEVERITY_ZH = {"critical": "严重", "major": "重要", "minor": "一般"}
SEVERITY_EN = {"critical": "critical", "major": "major", "minor": "minor"}
METHOD_ZH = {"automated": "数据核验", "evidence": "佐证材料", "manual": "人工核查"}
METHOD_EN = {"automated": "data check", "evidence": "documentary evidence", "manual": "manual review"}
STATUS_ORDER = ["fail", "missing", "not_due", "waived", "pass", "not_applicable"]
SEVERITY_ORDER = {"critical": 0, "major": 1, "minor": 2}
# background, text: the one palette, used by the stylesheet, the charts and the browser tests
STATUS_COLOURS = {"pass": ("#d4edda", "#155724"), "fail": ("#f8d7da", "#721c24"), "missing": ("#fff3cd", "#7a5a00"),
                  "not_due": ("#d1ecf1", "#0c5460"), "not_applicable": ("#eeeeee", "#555555"), "waived": ("#e2d9f3", "#3d2a6b")}
# bar colours in charts (stronger than the badge backgrounds)
BAR_COLOURS = {"pass": "#2e8b57", "fail": "#c0392b", "missing": "#d4a017", "not_due": "#17a2b8",
               "not_applicable": "#999999", "waived": "#6f42c1"}
ISSUER = {"zh": "沈阳市人民政府教育督导室", "en": "Education Supervision Office, Shenyang Municipal People's Government"}
EVIDENCE_INLINE = 10  # evidence rows shown inside a finding; the longer list goes to the appendix
EVIDENCE_ROWS = 200  # rows per list in the appendix; findings.json and findings.xlsx keep every one
DEFAULT_RECTIFY_DAYS = 30

LABELS = {
    "zh": {
        "report": "义务教育一体化优质均衡发展专项督导意见", "notice": "整改通知", "report_short": "督导意见", "summary_short": "督导结果汇总", "summary": "义务教育一体化优质均衡发展专项督导结果汇总",
        "as_of": "督导基准日", "policy_hash": "规则集", "engine": "引擎", "submissions": "数据来源",
        "plan": "依据", "checks_n": "项检查", "reproduce": "审计依据与复现信息", "command": "复现命令",
        "sample": "本文件所用数据为虚构样例数据，仅供演示。", "headline": "总体情况",
        "problems": "存在的问题", "unjudged": "无法判定的事项（数据缺失）", "not_due": "尚未到期的事项及进展",
        "passed": "达标事项", "appendix": "附件：完整问题清单", "none": "无。",
        "clause": "条款", "clause_text": "条款原文", "check": "检查内容", "standard": "判定标准", "applies": "适用范围",
        "deadline": "完成时限", "responsible": "责任单位", "scope": "核查范围", "records": "条记录",
        "rule": "规则来源", "evidence": "问题清单", "no": "序号", "unit": "学校/单位", "class": "班级",
        "value": "数值", "limit": "标准", "finding": "说明", "lacks": "缺少的数据", "owed_by": "应报送单位",
        "reason": "原因", "more": "其余{n}条见附件", "full_list": "完整清单（共{n}条）", "unlisted": "另有{n}条未列出，完整清单见 findings.json 与 findings.xlsx",
        "if_due_now": "若现在到期", "progress": "当前进展", "days_left": "距截止还有{n}天", "target": "目标",
        "current": "当前", "complying": "符合要求的记录", "measure": "指标",
        "district": "区县（市）", "status": "结论", "matrix": "各区县（市）× 条款督导结论", "city_targets": "全市目标及各区贡献",
        "charts": "各区县（市）指标对照", "files": "文件", "district_reports": "督导意见", "notices": "整改通知",
        "data_exports": "数据导出", "total": "合计", "not_submitted": "未报送",
        "status_by_district": "各区县（市）检查结论分布",
        "value_missing": "缺失", "back": "← 全市汇总", "notice_link": "整改通知",
        "report_link": "督导意见", "what_to_do": "整改要求", "rectify_by": "整改时限", "problem": "存在问题",
        "issue_no": "编号：", "seal": "（盖章）", "signer": "签发人：", "date": "日期：",
        "receipt": "回执", "receipt_unit": "签收单位（盖章）：", "receipt_person": "签收人：", "receipt_date": "签收日期：",
        "cc": "抄送：沈阳市教育局", "notice_none": "本区县（市）无需整改的事项。", "page": "第", "of": "页，共", "pages": "页",
        "share": "占全市", "by_district": "各区县（市）贡献见全市汇总", "colon": "：", "comma": "，", "city_value": "全市",
    },
    "en": {
        "report": "compulsory-education balance: supervision report", "notice": "rectification notice",
        "report_short": "supervision report", "summary_short": "city summary",
        "summary": "compulsory-education balance: city summary",
        "as_of": "Audit date", "policy_hash": "Policy set", "engine": "Engine", "submissions": "Submissions",
        "plan": "Under", "checks_n": "checks", "reproduce": "Basis and reproduction", "command": "Command",
        "sample": "This document is based on invented sample data, for demonstration only.", "headline": "Summary",
        "problems": "Findings", "unjudged": "Could not be judged (missing data)", "not_due": "Not yet due: progress",
        "passed": "Requirements met", "appendix": "Appendix: full evidence lists", "none": "None.",
        "clause": "Clause", "clause_text": "Clause text", "check": "Check", "standard": "Requirement", "applies": "Applies to",
        "deadline": "Deadline", "responsible": "Responsible", "scope": "Checked", "records": "records",
        "rule": "Rule", "evidence": "Evidence", "no": "#", "unit": "School / unit", "class": "Class",
        "value": "Value", "limit": "Limit", "finding": "Finding", "lacks": "Data lacking", "owed_by": "Owed by",
        "reason": "Reason", "more": "{n} more in the appendix", "full_list": "Full list ({n})", "unlisted": "{n} more not listed; the full list is in findings.json and findings.xlsx",
        "if_due_now": "If due now", "progress": "Progress", "days_left": "{n} days left", "target": "Target",
        "current": "Now", "complying": "records complying", "measure": "Measure",
        "district": "District", "status": "Status", "matrix": "Districts × clauses", "city_targets": "City-wide targets and each district's contribution",
        "charts": "Districts against their targets", "files": "Files", "district_reports": "Reports", "notices": "Rectification notices",
        "data_exports": "Data", "total": "Total", "not_submitted": "not submitted",
        "status_by_district": "Check results by district",
        "value_missing": "missing", "back": "← City summary", "notice_link": "Rectification notice",
        "report_link": "Report", "what_to_do": "Required action", "rectify_by": "Rectify by", "problem": "Problem",
        "issue_no": "No.", "seal": "(seal)", "signer": "Signed:", "date": "Date:",
        "receipt": "Acknowledgement of receipt", "receipt_unit": "Received by (seal):", "receipt_person": "Name:", "receipt_date": "Date:",
        "cc": "Copy to: Shenyang Municipal Education Bureau", "notice_none": "Nothing to rectify.", "page": "Page", "of": "of", "pages": "",
        "share": "share of the city", "by_district": "each district's contribution: see the city summary", "colon": ": ", "comma": ", ", "city_value": "City",
    },
}

KIND_ZH = {"class": "班级", "school": "学校", "document": "报备文件", "district": "区级指标", "city": "全市指标"}
REASONS_ZH = [
    (r"no submission received from this district", "未收到该区县（市）的报送材料"),
    (r"no (\w+) records submitted", "未报送{0}台账"),
    (r"(\d+) (\w+) record\(s\) lack data", "{0}条{1}记录缺少数据"),
    (r"no (\w+) record matches: (.*)", "没有符合条件（{cond}）的{0}记录"),
    (r"(\d+) district\(s\) did not submit", "{0}个区县（市）未报送"),
    (r"no applicable (\w+) records", "没有适用的{0}记录"),
]
OPS = {"<=": "≤", ">=": "≥", "==": "=", "!=": "≠", "<": "<", ">": ">"}
_SIMPLE = re.compile(r"^\s*([A-Za-z_][A-Za-z0-9_.]*)\s*(<=|>=|==|<|>)\s*(-?[0-9]+(?:\.[0-9]+)?)\s*$")
_IDENT = re.compile(r"(?<![\"\w.])([A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*)(?![\"\w(])")
_KEYWORDS = {"and", "or", "not", "in", "true", "false", "date"}


# ----------------------------------------------------------------------------- files and names
def findings_json(findings: dict) -> str:
    """The canonical serialisation: sorted keys, UTF-8, stable — byte-identical for the same input."""
    return json.dumps(findings, ensure_ascii=False, sort_keys=True, indent=1) + "\n"


# ----------------------------------------------------------------------------- formatting
def css_string(text: str) -> Markup:
    """``text`` as a CSS string literal in which only letters and digits stay literal (safe inside <style>)."""
    out = "".join(ch if ch.isalnum() or ch == " " else f"\\{ord(ch):06x}" for ch in str(text))
    return Markup(f'"{out}"')


def zh_date(iso: str) -> str:
    d = _dt.date.fromisoformat(iso)
    return f"{d.year}年{d.month}月{d.day}日"


def _percent_fields(policy_set: PolicySet) -> set[str]:
    fields = {name for name, prop in scalar_fields("figures").items() if str(prop.get("x-unit", "")).startswith("比例")}
    return fields | {m.id for m in policy_set.measures if m.agg in ("share", "ratio")}


def field_labels(policy_set: PolicySet, lang: str) -> dict[str, str]:
    """Field path -> a reader's label (the schema's Chinese titles, the measures' titles)."""
    if lang != "zh":
        return {m.id: m.title.get("en", m.id) for m in policy_set.measures if m.title}
    labels = {}
    for kind in ("figures", "school", "class", "document"):
        for name, prop in scalar_fields(kind).items():
            if prop.get("title"):
                labels.setdefault(name, prop["title"])
    for name, prop in scalar_fields("school").items():
        if prop.get("title"):
            labels[f"school.{name}"] = "学校" + prop["title"]
    labels.setdefault("stage", "学段")
    labels.update({m.id: m.title.get("zh", m.id) for m in policy_set.measures if m.title})
    return labels


def enum_labels() -> dict[str, str]:
    """Enumerated values -> their Chinese names, from the submission schema (``primary`` -> 小学)."""
    out = {}
    for kind in ("school", "class", "document"):
        for prop in scalar_fields(kind).values():
            out.update(prop.get("x-enum-zh") or {})
    return out


class Formatter:
    """Numbers, fields and requirements as a reader sees them."""

    def __init__(self, policy_set: PolicySet, lang: str):
        self.lang = lang
        self.labels = field_labels(policy_set, lang)
        self.percent = _percent_fields(policy_set)
        self.enums = enum_labels() if lang == "zh" else {}
        self.measures = {m.id: m for m in policy_set.measures}
        # a province's evidence repeats a handful of requirements tens of thousands of times
        self.requirement = functools.lru_cache(maxsize=None)(self.requirement)

    def label(self, path: str) -> str:
        return self.labels.get(path, path)

    def value(self, path: str, value) -> str:
        if value is None:
            return LABELS[self.lang]["value_missing"]
        if isinstance(value, bool):
            return ("是" if value else "否") if self.lang == "zh" else ("yes" if value else "no")
        if isinstance(value, (int, float)) and path in self.percent:
            return f"{value * 100:.4g}%"
        if isinstance(value, float):
            return f"{value:.6g}"
        return self.enums.get(value, str(value)) if isinstance(value, str) else str(value)

    def requirement(self, text: str | None) -> str:
        """``size <= 55`` -> ``班额 ≤ 55``; percent fields show their limits as percentages."""
        if not text:
            return ""
        simple = _SIMPLE.match(text)
        if simple:
            field, op, number = simple.groups()
            return f"{self.label(field)} {OPS[op]} {self.value(field, float(number) if '.' in number else int(number))}"
        out = _IDENT.sub(lambda m: m.group(1) if m.group(1) in _KEYWORDS else self.label(m.group(1)), text)
        out = re.sub(r'"([A-Za-z_]+)"', lambda m: f'"{self.enums.get(m.group(1), m.group(1))}"', out)
        out = re.sub(r'date\("([0-9-]+)"\)', r"\1", out)
        if self.lang == "zh":
            for word, zh in ((" not in ", " 不属于 "), (" in ", " 属于 "), (" and ", " 且 "), (" or ", " 或 "), ("not ", "非 ")):
                out = out.replace(word, zh)
        for op in ("<=", ">=", "!=", "=="):
            out = out.replace(f" {op} ", f" {OPS[op]} ")
        return out

    def lacking(self, name: str) -> str:
        """A name in a ``missing`` list: a field, ``submission``, ``class records``, or a filter no record matched."""
        if self.lang == "zh":
            if name == "submission":
                return "报送材料"
            kind = re.fullmatch(r"(\w+) records", name)
            if kind:
                return KIND_ZH.get(kind.group(1), kind.group(1)) + "台账"
        if re.search(r"[ =<>!]", name):
            return self.requirement(name)
        return self.label(name)

    def reason(self, text: str) -> str:
        """The verdict stage's English reasons, in Chinese for a Chinese report."""
        if self.lang != "zh" or not text:
            return text or ""
        for pattern, zh in REASONS_ZH:
            match = re.fullmatch(pattern, text)
            if match:
                groups = [KIND_ZH.get(g, g) for g in match.groups()]
                if "{cond}" in zh:
                    return zh.format(*groups[:-1], cond=self.requirement(match.groups()[-1]))
                return zh.format(*groups)
        return text

    def values(self, values: dict) -> str:
        return LABELS[self.lang]["comma"].join(f"{self.label(k)} {self.value(k, v)}" for k, v in sorted(values.items()))


def simple_requirement(text: str | None):
    """(field, op, number) when the requirement is one field against a number, else None."""
    match = _SIMPLE.match(text or "")
    if not match:
        return None
    field, op, number = match.groups()
    return field, op, float(number)


# ----------------------------------------------------------------------------- verdict views
def _unit(e: dict, fmt: Formatter) -> str:
    """Which school, document or district an evidence item is about."""
    if e.get("school_name"):
        return str(e["school_name"])
    if e.get("document") or e.get("ref"):
        name = e.get("title") or fmt.value("kind", e.get("document")) if e.get("document") else ""
        return f"{name}（{e['ref']}）" if e.get("ref") else str(name)
    if e.get("district"):
        return str(e["district"])
    if e.get("city"):
        return str(e["city"])
    return str(e.get("record", ""))


def _class(e: dict, lang: str) -> str:
    if e.get("class") is None:
        return ""
    grade = e.get("grade")
    if grade is None:
        return str(e["class"])
    return f"{grade}年级 {e['class']}班" if lang == "zh" else f"grade {grade}, {e['class']}"


@functools.lru_cache(maxsize=None)
def _names(requirement: str) -> frozenset:
    return frozenset(_IDENT.findall(requirement))


def evidence_rows(v: dict, fmt: Formatter) -> list[dict]:
    """One row per failing record: which school, which class, what value, what limit."""
    rows = []
    for e in v["evidence"]:
        if e["problem"] != "fail":
            continue
        values = e.get("values", {})
        read = _names(e.get("requirement") or v["requirement"] or "")
        shown = {k: x for k, x in values.items() if k in read} or values  # the requirement's fields, not the filter's
        rows.append({"n": len(rows) + 1, "record": e.get("record", ""), "unit": _unit(e, fmt), "class": _class(e, fmt.lang),
                     "value": fmt.values(shown), "limit": fmt.requirement(e.get("requirement") or v["requirement"]),
                     "message": (e.get("message") or {}).get(fmt.lang, "")})
    return rows


def missing_rows(v: dict, fmt: Formatter) -> list[dict]:
    """One row per record lacking data (through measures down to the school that lacks the field)."""
    rows = []
    for e in v["evidence"]:
        if e["problem"] != "missing":
            continue
        lacking = [fmt.lacking(f) for f in e.get("missing", [])]
        because = e.get("because") or []
        nested = [item for b in because for item in b.get("lacking", [])]
        if nested:
            for item in nested:
                rows.append({"record": item.get("key", ""), "unit": _unit(item, fmt), "class": _class(item, fmt.lang),
                             "lacks": "、".join(fmt.lacking(f) for f in item.get("missing", [])),
                             "via": "、".join(lacking), "owed_by": item.get("district") or e.get("owed_by", ""),
                             "reason": "；".join(fmt.reason(b.get("reason", "")) for b in because)})
        else:
            rows.append({"record": e.get("record", ""), "unit": _unit(e, fmt) if e.get("record") not in ("district", "submission") and not str(e.get("record", "")).endswith(":*") else "",
                         "class": _class(e, fmt.lang), "lacks": "、".join(lacking), "via": "",
                         "owed_by": e.get("owed_by", ""), "reason": fmt.reason(e.get("reason", ""))})
    for i, row in enumerate(rows):
        row["n"] = i + 1
    return rows


def progress(v: dict, fmt: Formatter, as_of: str) -> dict:
    """How far a not-yet-due check is from its target: a figure against the limit, or the share of records complying."""
    out = {"days_left": (_dt.date.fromisoformat(v["due"]) - _dt.date.fromisoformat(as_of)).days}
    p = v.get("progress") or {}
    out["status_if_due_now"] = p.get("status_if_due_now", "missing")
    simple = simple_requirement(v["requirement"])
    observed = v.get("observed") or {}
    if simple and simple[0] in observed:
        field, op, target = simple
        value = observed[field]
        out.update(kind="figure", label=fmt.label(field), value=fmt.value(field, value), target=f"{OPS[op]} {fmt.value(field, target)}")
        if isinstance(value, (int, float)) and target and op in (">=", ">"):
            out["percent"] = max(0.0, min(100.0, round(value / target * 100, 1)))
        return out
    c = v["counts"]
    applicable = c["pass"] + c["fail"] + c["missing"]
    out.update(kind="records", complying=c["pass"], applicable=applicable,
               percent=round(c["pass"] / applicable * 100, 1) if applicable else None)
    return out


def sort_key(v: dict):
    return (SEVERITY_ORDER.get(v["severity"], 9), clause_order(v["clause"]), v["clause"], v["check"])


def view(v: dict, fmt: Formatter, as_of: str) -> dict:
    """A verdict with everything a template shows, already formatted (a plain dict)."""
    out = dict(v)
    out["anchor"] = "v-" + v["check"]
    out["requirement_text"] = fmt.requirement(v["requirement"])
    out["applies_text"] = fmt.requirement(v.get("applies_to"))
    out["rows"] = evidence_rows(v, fmt)
    out["gaps"] = missing_rows(v, fmt)
    out["observed_text"] = fmt.values(v.get("observed") or {})
    if v["status"] == "not_due":
        out["progress_view"] = progress(v, fmt, as_of)
    out["measure_rows"] = []
    for name, m in sorted((v.get("measures") or {}).items()):
        row = {"label": fmt.label(name), "value": fmt.value(name, m.get("value")) if "value" in m else fmt.reason(m.get("reason", "")),
               "detail": f"{m['numerator']} / {m['denominator']}" if "numerator" in m else "",
               "contributions": bool(m.get("contributions"))}
        out["measure_rows"].append(row)
    return out


def default_remedy(v: dict, fmt: Formatter) -> str:
    """What must be done, when the policy gives no remedy: built from the requirement or the data lacking."""
    title = v["title"].get(fmt.lang) or v["title"].get("zh", v["check"])
    if v["status"] == "missing":
        gaps = missing_rows(v, fmt)
        lacks = "、".join(sorted({g["lacks"] or g["via"] for g in gaps if g["lacks"] or g["via"]})) or title
        if fmt.lang == "zh":
            return f"补报“{title}”所需数据（{lacks}），并附佐证材料。"
        return f"Submit the data that “{title}” needs ({lacks}), with supporting evidence."
    requirement = fmt.requirement(v["requirement"])
    if fmt.lang == "zh":
        return f"对照“{title}”的要求（{requirement}）逐项整改，整改完成后报送整改情况及佐证材料。"
    return f"Bring every item listed into line with “{title}” ({requirement}) and report the rectification with evidence."


def rectification_items(verdicts: list[dict], fmt: Formatter, clauses: dict, deadline: str) -> list[dict]:
    items = []
    for v in sorted((v for v in verdicts if v["status"] in ("fail", "missing")), key=lambda v: (STATUS_ORDER.index(v["status"]), *sort_key(v))):
        rows = evidence_rows(v, fmt) if v["status"] == "fail" else []
        gaps = missing_rows(v, fmt) if v["status"] == "missing" else []
        if rows:
            problem = [r["message"] or f"{r['unit']} {r['class']} {r['value']}" for r in rows[:3]]
            more = len(rows) - len(problem)
        else:
            problem = [" ".join(x for x in (g["unit"], g["class"], ("缺少" if fmt.lang == "zh" else "lacks ") + (g["lacks"] or g["via"])) if x)
                       for g in gaps[:3]]
            more = len(gaps) - len(problem)
        remedy = (v.get("remedy") or {}).get(fmt.lang)
        clause = clauses.get(v["clause"], {})
        items.append({"n": len(items) + 1, "status": v["status"], "clause": v["clause"], "check": v["check"],
                      "clause_title": (clause.get("title") or {}).get(fmt.lang, ""), "title": v["title"].get(fmt.lang, v["check"]),
                      "severity": v["severity"], "problem": problem, "more": more, "total": len(rows) or len(gaps),
                      "remedy": remedy or default_remedy(v, fmt), "remedy_given": bool(remedy), "deadline": deadline,
                      "responsible": v["responsible"], "requirement_text": fmt.requirement(v["requirement"]),
                      "anchor": "v-" + v["check"]})
    return items


# ----------------------------------------------------------------------------- charts (geometry only; SVG in the template)
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
    numbers = [r["value"] for r in rows if isinstance(r.get("value"), (int, float))] + ([target] if target is not None else [])
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
        if isinstance(value, (int, float)):
            bar.update(x=label_w, w=max(1.0, round(x(max(value, lo)) - label_w, 1)), h=row_h - 6)
        bar["tx"] = (bar.get("x", label_w) + bar.get("w", 0)) + 4
        if r.get("submitted") is False:
            bar["text"] = LABELS[fmt.lang]["not_submitted"]
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


# ----------------------------------------------------------------------------- the documents
def environment(templates: Path = TEMPLATES) -> Environment:
    env = Environment(loader=FileSystemLoader(str(templates)), autoescape=select_autoescape(["html", "xml", "svg"], default=True),
                      undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    env.globals.update(STATUS_ZH=STATUS_ZH, STATUS_EN=STATUS_EN, SEVERITY_ZH=SEVERITY_ZH, SEVERITY_EN=SEVERITY_EN,
                       METHOD_ZH=METHOD_ZH, METHOD_EN=METHOD_EN, STATUS_ORDER=STATUS_ORDER, STATUS_COLOURS=STATUS_COLOURS)
    env.filters["css_string"] = css_string
    env.filters["zh_date"] = zh_date
    return env


def _policy_info(policy_set: PolicySet) -> dict:
    return {p.clause: {"clause": p.clause, "title": p.title, "text": p.text, "responsible": list(p.responsible), "id": p.id,
                       "source": str(p.source)}
            for p in policy_set.policies}


def _counts(verdicts: list[dict]) -> dict[str, int]:
    return {s: sum(1 for v in verdicts if v["status"] == s) for s in STATUS_ORDER}


def headline(counts: dict[str, int], lang: str) -> str:
    """本次督导共核查7项：未达标2项，达标5项。"""
    names = STATUS_ZH if lang == "zh" else STATUS_EN
    total = sum(counts.values())
    if lang == "zh":
        return f"本次督导共核查{total}项：" + "，".join(f"{names[s]}{counts[s]}项" for s in STATUS_ORDER if counts.get(s)) + "。"
    return f"{total} checks: " + ", ".join(f"{counts[s]} {names[s]}" for s in STATUS_ORDER if counts.get(s)) + "."


def _addressee(district: str, lang: str) -> tuple[str, str]:
    """Whom a notice is addressed to, and how the body refers to them ("你区")."""
    if district == plan()["city"]:
        return ("市教育局，各区、县（市）人民政府：", "全市") if lang == "zh" else ("Municipal Education Bureau and the district governments:", "the city")
    if lang != "zh":
        return (f"People's Government of {district}:", "your district")
    suffix = district[-1] if district[-1] in "区县市" else "区"
    return f"{district}人民政府：", f"你{suffix}"


def render(findings: dict, policy_set: PolicySet, lang: str = "zh", templates: Path = TEMPLATES,
           rectify_days: int = DEFAULT_RECTIFY_DAYS, jobs: int = 1) -> dict[str, str | bytes]:
    """file name -> text (or bytes for the spreadsheet), all in memory.

    The files are independent: with ``jobs`` > 1 they are rendered in that many forked worker
    processes (the spreadsheet, the largest, first) and come back the same, byte for byte.
    Times itself as the stage "render" (summed over processes, as the audit's stages are).
    """
    with timing.stage("render"):
        env = environment(templates)
        for name in ("district.html", "notice.html", "index.html"):
            env.get_template(name)  # compiled once here, not once per worker
        fmt = Formatter(policy_set, lang)
        t = LABELS[lang]
        clauses = _policy_info(policy_set)
        pages = district_pages(findings)
        as_of = findings["as_of"]
        deadline = (_dt.date.fromisoformat(as_of) + _dt.timedelta(days=rectify_days)).isoformat()
        by_district: dict[str, list] = {}
        for v in findings["verdicts"]:
            by_district.setdefault(v["district"], []).append(v)
        notices = {d: notice_name(pages[d], lang) for d, vs in by_district.items() if any(v["status"] in ("fail", "missing") for v in vs)}
        command = ["auditor", "audit", *findings["submissions"], "--as-of", as_of, "--policies", findings["policy_set"].get("folder", "policies"),
                   "--engine", findings["engine"], "--lang", lang, "--rectify-days", str(rectify_days)]
        if findings.get("districts") and list(findings["districts"]) != list(plan()["districts"]):
            command += ["--districts", ",".join(findings["districts"])]
        common = {"findings": findings, "clauses": clauses, "pages": pages, "notices": notices, "lang": lang, "t": t,
                  "plan": plan()["plan"], "city": plan()["city"], "issuer": ISSUER[lang], "rectify_days": rectify_days,
                  "rectify_by": deadline, "command": " ".join(command), "exports": ["findings.json", "findings.xlsx"]}

    def district_files(district: str) -> dict[str, str]:
        verdicts = by_district[district]
        views = [view(v, fmt, as_of) for v in verdicts]
        groups = {s: sorted((x for x in views if x["status"] == s), key=sort_key) for s in STATUS_ORDER}
        files = (findings.get("submitted_by") or {}).get(district)
        if files is None:
            files = findings["submissions"] if district == plan()["city"] else []
        context = {**common, "district": district, "counts": _counts(verdicts), "groups": groups, "total": len(verdicts),
                   "headline": headline(_counts(verdicts), lang),
                   "files": files, "appendix": [x for x in groups["fail"] + groups["missing"]
                                                if len(x["rows"]) > EVIDENCE_INLINE or len(x["gaps"]) > EVIDENCE_INLINE],
                   "inline": EVIDENCE_INLINE, "appendix_rows": EVIDENCE_ROWS, "page_header": f"{district} · {t['report_short']}"}
        out = {pages[district]: env.get_template("district.html").render(**context)}
        if district in notices:
            addressee, you = _addressee(district, lang)
            items = rectification_items(verdicts, fmt, clauses, deadline)
            context["page_header"] = f"{district} · {t['notice']}"
            out[notices[district]] = env.get_template("notice.html").render(items=items, addressee=addressee, you=you, **context)
        return out

    def index() -> dict[str, str]:
        return {"index.html": env.get_template("index.html").render(
            **common, **summary_context(findings, by_district, clauses, pages, fmt),
            files=findings["submissions"], page_header=f"{plan()['city']} · {t['summary_short']}")}

    parts = [lambda: {"findings.xlsx": spreadsheet(findings, fmt)}, lambda: {"findings.json": findings_json(findings)},
             *[(lambda d: lambda: district_files(d))(d) for d in by_district], index]

    def part(number: int) -> dict:
        with timing.stage("render"):
            return parts[number]()

    done = forked_map(part, len(parts), jobs) or [part(number) for number in range(len(parts))]
    out: dict[str, str | bytes] = {}
    for files in done:
        out.update(files)
    return out


def summary_context(findings: dict, by_district: dict, clauses: dict, pages: dict, fmt: Formatter) -> dict:
    """The city summary: matrix, status chart, city targets with contributions, district figures against targets."""
    city = plan()["city"]
    t = LABELS[fmt.lang]
    districts = [d for d in by_district if d != city] + ([city] if city in by_district else [])
    matrix_clauses = sorted({v["clause"] for v in findings["verdicts"]}, key=lambda c: (clause_order(c), c))
    matrix = {}
    for d in districts:
        row = {}
        for c in matrix_clauses:
            vs = [v for v in by_district[d] if v["clause"] == c]
            if not vs:
                continue
            worst = min(vs, key=lambda v: (STATUS_ORDER.index(v["status"]), sort_key(v)))
            row[c] = {"status": worst["status"], "n": sum(1 for v in vs if v["status"] == worst["status"]), "of": len(vs),
                      "href": f"{pages[d]}#v-{worst['check']}",
                      "title": "; ".join(f"{v['title'].get(fmt.lang, v['check'])}: {(STATUS_ZH if fmt.lang == 'zh' else STATUS_EN)[v['status']]}" for v in vs)}
        matrix[d] = row
    totals = _counts(findings["verdicts"])
    status_rows = [{"label": d, "href": pages[d], "counts": _counts(by_district[d])} for d in districts]
    # city-wide targets: each city check with its measures' contributions
    targets = []
    for v in by_district.get(city, []):
        simple = simple_requirement(v["requirement"])
        entry = {"check": v["check"], "clause": v["clause"], "title": v["title"].get(fmt.lang, v["check"]), "status": v["status"],
                 "due": v["due"], "requirement_text": fmt.requirement(v["requirement"]), "href": f"{pages[city]}#v-{v['check']}",
                 "observed": fmt.values(v.get("observed") or {}), "measures": []}
        for name, m in sorted((v.get("measures") or {}).items()):
            contributions = m.get("contributions") or []
            ratio = any("per" in c for c in contributions)
            rows, table = [], []
            for c in contributions:
                value = c.get("value")
                if ratio:
                    per = c.get("per")
                    figure = round(value / per, 6) if isinstance(value, (int, float)) and isinstance(per, (int, float)) and per else None
                else:
                    figure = value
                rows.append({"label": c["district"], "value": figure, "submitted": c.get("submitted", True),
                             "status": "missing" if figure is None else "pass", "href": pages.get(c["district"])})
                table.append({"district": c["district"], "href": pages.get(c["district"]), "value": fmt.value("", value),
                              "per": fmt.value("", c.get("per")) if ratio else "", "figure": fmt.value(name, figure),
                              "submitted": c.get("submitted", True),
                              "share": f"{value / m['value'] * 100:.1f}%" if not ratio and isinstance(value, (int, float)) and m.get("value") else ""})
            target = simple[2] if simple and simple[0] == name else None
            if target is not None:
                for r in rows:  # a district's own figure against the city target (ratios); sums are shares of it
                    if ratio and r["value"] is not None:
                        r["status"] = "pass" if _holds(r["value"], simple[1], target) else "fail"
            chart = bar_chart(rows, fmt, name, target if ratio else None, simple[1] if simple else ">=",
                              title=fmt.label(name)) if rows else None
            definition = fmt.measures.get(name)
            entry["measures"].append({"name": name, "label": fmt.label(name), "value": fmt.value(name, m.get("value")),
                                      "value_label": fmt.label(definition.value) if definition and definition.value else t["value"],
                                      "per_label": fmt.label(definition.per) if definition and definition.per else "",
                                      "reason": fmt.reason(m.get("reason", "")), "ratio": ratio, "table": table, "chart": chart,
                                      "target": fmt.value(name, target) if target is not None else "",
                                      "numerator": m.get("numerator"), "denominator": m.get("denominator"),
                                      "progress": round(min(100.0, m["value"] / target * 100), 1)
                                      if target and isinstance(m.get("value"), (int, float)) else None})
        targets.append(entry)
    # district figures against their targets: every district-level check that compares one figure with a number
    charts = []
    seen = []
    for v in findings["verdicts"]:
        if v.get("over") == "district" and v["check"] not in seen and simple_requirement(v["requirement"]):
            seen.append(v["check"])
    for check in seen:
        vs = [v for v in findings["verdicts"] if v["check"] == check and v["district"] != city]
        field, op, target = simple_requirement(vs[0]["requirement"])
        rows = [{"label": v["district"], "value": (v.get("observed") or {}).get(field), "status": v["status"],
                 "href": f"{pages[v['district']]}#v-{check}"} for v in vs]
        title = vs[0]["title"].get(fmt.lang, check)
        charts.append({"check": check, "clause": vs[0]["clause"], "title": title, "due": vs[0]["due"],
                       "chart": bar_chart(rows, fmt, field, target, op, title=fmt.label(field))})
    return {"districts": districts, "matrix": matrix, "matrix_clauses": matrix_clauses, "totals": totals,
            "headline": headline(totals, fmt.lang),
            "status_chart": status_chart(status_rows), "targets": targets, "charts": charts,
            "counts_by_district": {d: _counts(by_district[d]) for d in districts}}


def _holds(value: float, op: str, target: float) -> bool:
    return {"<=": value <= target, ">=": value >= target, "<": value < target, ">": value > target, "==": value == target}[op]


# ----------------------------------------------------------------------------- spreadsheet
XLSX_COLUMNS = [("district", "区县（市）"), ("clause", "条款"), ("check", "检查项"), ("title", "检查内容"), ("status", "结论"),
                ("severity", "严重程度"), ("method", "核查方式"), ("due", "完成时限"), ("requirement", "判定标准"),
                ("responsible", "责任单位"), ("checked", "核查记录数"), ("pass", "达标"), ("fail", "未达标"), ("missing", "缺失"),
                ("not_applicable", "不适用"), ("observed", "当前数值"), ("evidence", "问题摘要"), ("remedy", "整改要求"), ("source", "规则来源")]
EVIDENCE_COLUMNS = [("district", "区县（市）"), ("clause", "条款"), ("check", "检查项"), ("problem", "问题类别"), ("record", "记录"),
                    ("unit", "学校/单位"), ("class", "班级"), ("value", "数值"), ("limit", "标准/缺少的数据"), ("message", "说明"),
                    ("owed_by", "应报送单位")]


from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE  # noqa: E402  (beside its one use)


def _cell_text(value):
    """A value for a spreadsheet cell; text never becomes a formula."""
    if value is None:
        return ""
    if isinstance(value, (list, tuple)):
        value = "、".join(str(x) for x in value)
    if isinstance(value, str):
        # control characters cannot be stored in a worksheet: show them, escaped, instead of failing
        value = ILLEGAL_CHARACTERS_RE.sub(lambda m: f"\\x{ord(m.group()):02x}", value)
    return value


def spreadsheet(findings: dict, fmt: Formatter) -> bytes:
    """findings.xlsx: sheet 检查结论 (one row per finding), sheet 问题明细 (one row per evidence item), sheet 说明.

    Written with XlsxWriter, which streams rows (a province's 40,000 evidence rows take seconds, not the half
    minute openpyxl's cell objects took). Text is always written as text: a school name beginning with "=" is
    never a formula, a URL never a link. Byte-identical for the same findings: the workbook's dates are the audit
    date and XlsxWriter gives every zip entry the same fixed time.
    """
    import xlsxwriter

    stamp = _dt.datetime.combine(_dt.date.fromisoformat(findings["as_of"]), _dt.time())
    raw = io.BytesIO()
    wb = xlsxwriter.Workbook(raw, {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False,
                                   "strings_to_numbers": False})
    wb.set_properties({"author": "auditor", "created": stamp})
    status_names = STATUS_ZH if fmt.lang == "zh" else STATUS_EN
    severity_names = SEVERITY_ZH if fmt.lang == "zh" else SEVERITY_EN
    method_names = METHOD_ZH if fmt.lang == "zh" else METHOD_EN
    bold = wb.add_format({"bold": True})
    wrap = wb.add_format({"text_wrap": True, "valign": "top"})
    fills = {status_names[s]: wb.add_format({"text_wrap": True, "valign": "top", "bg_color": colours[0].upper()})
             for s, colours in STATUS_COLOURS.items()}

    def sheet(title, columns, rows, widths, status_column=None):
        ws = wb.add_worksheet(title)
        for index, width in enumerate(widths):
            ws.set_column(index, index, width, wrap)  # the cells below take the column's format
        for index, (_, heading) in enumerate(columns):
            ws.write_string(0, index, heading, bold)
        keys = [key for key, _ in columns]
        for number, row in enumerate(rows, start=1):
            for index, key in enumerate(keys):
                value = _cell_text(row.get(key))
                if value == "":
                    continue  # an empty cell is not written at all
                if isinstance(value, str):
                    ws.write_string(number, index, value, fills.get(value) if index == status_column else None)
                elif isinstance(value, bool):
                    ws.write_boolean(number, index, value)
                else:
                    ws.write_number(number, index, value)
        ws.freeze_panes(1, 0)
        ws.autofilter(0, 0, len(rows), len(columns) - 1)

    rows, details = [], []
    for v in findings["verdicts"]:
        ev = evidence_rows(v, fmt)
        gaps = missing_rows(v, fmt)
        summary = [r["message"] or r["value"] for r in ev[:5]] + [f"{g['unit']} {g['class']} {g['lacks'] or g['via']}".strip() for g in gaps[:5]]
        rows.append({"district": v["district"], "clause": v["clause"], "check": v["check"], "title": v["title"].get(fmt.lang, ""),
                     "status": status_names[v["status"]], "severity": severity_names[v["severity"]],
                     "method": method_names.get(v.get("method"), v.get("method")), "due": v["due"],
                     "requirement": fmt.requirement(v["requirement"]), "responsible": v["responsible"],
                     **{k: v["counts"][k] for k in ("checked", "pass", "fail", "missing", "not_applicable")},
                     "observed": fmt.values(v.get("observed") or {}), "evidence": "\n".join(summary),
                     "remedy": (v.get("remedy") or {}).get(fmt.lang, ""), "source": v.get("source", "")})
        if v["status"] not in ("fail", "missing"):
            continue  # a not-yet-due check's "if due now" evidence is progress, not a problem
        for r in ev:
            details.append({"district": v["district"], "clause": v["clause"], "check": v["check"], "problem": status_names["fail"],
                            "record": r["record"], "unit": r["unit"], "class": r["class"], "value": r["value"], "limit": r["limit"],
                            "message": r["message"], "owed_by": ""})
        for g in gaps:
            details.append({"district": v["district"], "clause": v["clause"], "check": v["check"], "problem": status_names["missing"],
                            "record": g["record"], "unit": g["unit"], "class": g["class"], "value": "", "limit": g["lacks"] or g["via"],
                            "message": g["reason"], "owed_by": g["owed_by"]})
    sheet("检查结论" if fmt.lang == "zh" else "findings", XLSX_COLUMNS, rows,
          [10, 10, 30, 34, 10, 8, 10, 12, 30, 24, 9, 7, 7, 7, 7, 20, 50, 30, 34], status_column=4)
    sheet("问题明细" if fmt.lang == "zh" else "evidence", EVIDENCE_COLUMNS, details, [10, 10, 30, 10, 22, 28, 14, 24, 28, 50, 10])
    info = wb.add_worksheet("说明" if fmt.lang == "zh" else "about")
    about = [("督导基准日" if fmt.lang == "zh" else "audit date", findings["as_of"]), ("依据" if fmt.lang == "zh" else "plan", findings["plan"]),
             ("规则集" if fmt.lang == "zh" else "policy set", findings["policy_set"]["hash"]),
             ("引擎" if fmt.lang == "zh" else "engine", findings["engine"])]
    about += [("数据来源" if fmt.lang == "zh" else "submission", _cell_text(f)) for f in findings["submissions"]]
    for number, (label, value) in enumerate(about):
        info.write_string(number, 0, label)
        info.write_string(number, 1, str(value))
    info.set_column(0, 0, 14)
    info.set_column(1, 1, 80)
    wb.close()
    return raw.getvalue()
