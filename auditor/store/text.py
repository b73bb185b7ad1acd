"""Text tables for ``auditor audits``, ``history`` and ``compare`` (Chinese by default, ``--lang en``).

Columns are aligned by display width: a CJK character takes two terminal cells
(``unicodedata.east_asian_width`` W or F), everything else one.
"""
from __future__ import annotations

import unicodedata

from auditor.store.lifecycle import LABELS, STATES

OBS = {
    "zh": {"fail": "未达标", "missing": "数据缺失", "clear": "已达标", "not_due": "未到期", "no_rule": "无此规则",
           "not_submitted": "未报送", "not_reported": "记录未报", "not_audited": "未审计", "unknown": "无法判断",
           "waived": "已豁免"},
    "en": {"fail": "fail", "missing": "missing", "clear": "clear", "not_due": "not due", "no_rule": "no rule",
           "not_submitted": "not submitted", "not_reported": "not reported", "not_audited": "not audited",
           "unknown": "cannot tell", "waived": "waived"},
}
WORDS = {
    "zh": {"clause": "条款", "check": "检查项", "item": "对象", "state": "当前状态", "district": "区县", "audit": "编号",
           "as_of": "督导基准日", "recorded": "记录时间", "engine": "引擎", "districts": "区县数", "submitted": "报送数",
           "verdicts": "未达标/缺失/未到期/达标", "notices": "整改通知", "resubmitted": "更正报送", "total": "合计",
           "since": "自{since}起{rounds}轮", "deadline": "{number}限{deadline}", "none": "（无）",
           "history": "督导历史", "rounds": "{n}轮", "order": "按首次发现排序", "counts": "状态统计",
           "no_findings": "没有记录到问题。", "no_audits": "督导历史库中还没有记录审计。",
           "compare": "比较", "arrow": "→", "rule_changes": "规则变更的检查项", "audit_n": "第{id}次审计（{as_of}）",
           "version": "第{v}版", "changed": {"changed": "定义变更", "added": "新增", "removed": "删除"},
           "no_changes": "两次审计之间没有问题变化。", "all": "全部区县"},
    "en": {"clause": "clause", "check": "check", "item": "item", "state": "state now", "district": "district", "audit": "audit",
           "as_of": "as of", "recorded": "recorded", "engine": "engine", "districts": "districts", "submitted": "submitted",
           "verdicts": "fail/missing/not due/pass", "notices": "notices", "resubmitted": "resubmitted", "total": "total",
           "since": "since {since}, {rounds} rounds", "deadline": "{number} due {deadline}", "none": "(none)",
           "history": "Audit history", "rounds": "{n} rounds", "order": "oldest first", "counts": "states",
           "no_findings": "No findings recorded.", "no_audits": "No audits recorded in this history yet.",
           "compare": "Compare", "arrow": "->", "rule_changes": "Checks whose rule changed", "audit_n": "audit #{id} ({as_of})",
           "version": "v{v}", "changed": {"changed": "definition changed", "added": "added", "removed": "removed"},
           "no_changes": "No finding changed between the two audits.", "all": "all districts"},
}


def width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else 0 if unicodedata.combining(ch) else 1
               for ch in text)


def table(header: list[str], rows: list[list[str]], indent: str = "") -> list[str]:
    """Rows aligned by display width, two spaces between columns; the last column is not padded."""
    widths = [max(width(r[i]) for r in [header] + rows) for i in range(len(header))]
    lines = []
    for row in [header] + rows:
        cells = [cell + " " * (widths[i] - width(cell)) if i < len(row) - 1 else cell for i, cell in enumerate(row)]
        lines.append((indent + "  ".join(cells)).rstrip())
    return lines


def clip(text: str, cells: int) -> str:
    """``text`` cut to ``cells`` terminal cells, with "…" when cut (the JSON output keeps it whole)."""
    if width(text) <= cells:
        return text
    out = ""
    for ch in text:
        if width(out + ch) > cells - 1:
            break
        out += ch
    return out + "…"


def _title(title: dict, lang: str, cells: int = 36) -> str:
    return clip(title.get(lang) or title.get("zh") or "", cells)


def _state(f: dict, lang: str) -> str:
    w = WORDS[lang]
    text = LABELS[lang][f["state"]]
    details = []
    if f["state"] in ("persisting", "overdue"):
        details.append(w["since"].format(since=f["since"], rounds=f["rounds_open"]))
    elif f["state"] in ("rectified", "reopened", "new", "rule_changed", "unknown", "waived") and f.get("since"):
        details.append(f["since"])
    for n in f.get("overdue_notices", [])[:1]:  # the first notice whose deadline passed
        details.append(w["deadline"].format(number=n["number"], deadline=n["deadline"]))
    return text + ("：" if lang == "zh" else ": ") + ("；" if lang == "zh" else "; ").join(details) if details else text


def _cell(one: dict, lang: str) -> str:
    words = OBS[lang]

    def word(status, why=""):
        return words.get(why) if status == "unknown" and why in words else words.get(status, status)

    text = word(one["status"], one.get("why", ""))
    if one.get("earlier"):
        v = WORDS[lang]["version"]
        parts = [f'{v.format(v=e["version"]) if e.get("version") else "#" + str(e["audit"])} '
                 f'{word(e["status"], e.get("why", ""))}' for e in one["earlier"]]
        mine = v.format(v=one["version"]) if one.get("version") else "#" + str(one["audit"])
        text = "→".join(parts + [f"{mine} {text}"])
    return text


def render_history(data: dict, lang: str = "zh") -> str:
    w = WORDS[lang]
    findings = data["findings"]
    who = data["district"] or w["all"]
    rounds = data["rounds"]
    lines = [f'{w["history"]} · {who}' + (f'（{w["rounds"].format(n=len(rounds))}：{"、".join(rounds)}；{w["order"]}）'
                                          if lang == "zh" else f' ({w["rounds"].format(n=len(rounds))}: {", ".join(rounds)}; {w["order"]})')]
    if not findings:
        return "\n".join(lines + ["", w["no_findings"]]) + "\n"
    sep = "，" if lang == "zh" else ", "
    lines.append(w["counts"] + ("：" if lang == "zh" else ": ") +
                 sep.join(f'{LABELS[lang][s]} {data["counts"][s]}' for s in STATES))
    lines.append("")
    many = data["district"] is None
    header = ([w["district"]] if many else []) + [w["clause"], w["check"], w["item"]] + rounds + [w["state"]]
    rows = []
    for f in findings:
        by_round = {r["as_of"]: r for r in f["rounds"]}
        cells = [_cell(by_round[r], lang) if r in by_round else "" for r in rounds]
        rows.append(([f["district"]] if many else []) + [f["clause"], _title(f["title"], lang), clip(f["label"][lang], 36)]
                    + cells + [_state(f, lang)])
    return "\n".join(lines + table(header, rows)) + "\n"


def render_audits(data: dict, lang: str = "zh") -> str:
    w = WORDS[lang]
    if not data["audits"]:
        return w["no_audits"] + "\n"
    header = [w["audit"], w["as_of"], w["recorded"], w["engine"], w["districts"], w["submitted"], w["verdicts"],
              w["notices"], w["resubmitted"]]
    rows = []
    for a in data["audits"]:
        v = a["verdicts"]
        counts = "/".join(str(v.get(k, 0)) for k in ("fail", "missing", "not_due", "pass"))
        notices = a["notices"]
        shown = (f'{len(notices)}（{notices[0]["number"]}…）' if lang == "zh" else f'{len(notices)} ({notices[0]["number"]}…)') \
            if len(notices) > 1 else notices[0]["number"] if notices else "—"
        resub = "、".join(f'{r["district"]} {w["version"].format(v=r["version"])}' for r in a["resubmitted"]) or "—"
        rows.append([f'#{a["audit"]}', a["as_of"], a["recorded_at"], a["engine"], str(a["districts"]), str(a["submitted"]),
                     counts, shown, resub])
    return "\n".join(table(header, rows)) + "\n"


def render_compare(data: dict, lang: str = "zh") -> str:
    w = WORDS[lang]
    first, second = data["from"], data["to"]
    lines = [f'{w["compare"]} {w["audit_n"].format(id=first["audit"], as_of=first["as_of"])} {w["arrow"]} '
             f'{w["audit_n"].format(id=second["audit"], as_of=second["as_of"])}']
    changes = data["rule_changes"]
    colon = "：" if lang == "zh" else ": "
    lines.append(w["rule_changes"] + colon + (("；" if lang == "zh" else "; ").join(
        f'{c["clause"]} {_title(c["title"], lang, 80)}（{w["changed"][c["change"]]}）' if lang == "zh"
        else f'{c["clause"]} {_title(c["title"], lang, 80)} ({w["changed"][c["change"]]})' for c in changes) or w["none"]))
    lines.append("")
    if not data["districts"]:
        return "\n".join(lines + [w["no_changes"]]) + "\n"
    header = [w["district"]] + [LABELS[lang][s] for s in STATES]
    rows = [[d["district"]] + [str(d["counts"][s]) for s in STATES] for d in data["districts"]]
    rows.append([w["total"]] + [str(data["totals"][s]) for s in STATES])
    lines += table(header, rows)
    for d in data["districts"]:
        lines += ["", d["district"]]
        for c in d["clauses"]:
            lines.append(f'  {c["clause"]}')
            body = [[LABELS[lang][f["state"]], _title(f["title"], lang), f["label"][lang],
                     f'{OBS[lang].get(f["was"], f["was"])} {w["arrow"]} {OBS[lang].get(f["why"] or f["now"], f["now"])}']
                    for f in c["findings"]]
            lines += table(["", "", "", ""], body, indent="    ")[1:]
    return "\n".join(lines) + "\n"


def recorded_line(done, path: str, lang: str) -> str:
    """The line `auditor audit` prints after recording: which audit, how many notices and their numbers."""
    numbers = [n["number"] for n in done.notices]
    span = (numbers[0] if len(numbers) == 1 else f"{numbers[0]}…{numbers[-1]}") if numbers else ""
    dated = getattr(done, "issue", None)  # an audit recorded before: the dates its notices were recorded with
    if lang == "en":
        if not done.new:
            return f"audit history {path}: this audit is already recorded as audit #{done.audit}; not recorded again" + (
                f"; the notices keep their recorded dates (issued {dated[0]}, deadline {dated[1]})" if dated else "")
        return f"recorded in the audit history {path} as audit #{done.audit}; {len(numbers)} notice(s) issued" + (f": {span}" if span else "")
    if not done.new:
        return f"督导历史 {path} 已记录同一审计（第{done.audit}次），未重复记录" + (
            f"；整改通知按记录的日期写出（印发日期 {dated[0]}，整改期限 {dated[1]}）" if dated else "")
    return f"已记入督导历史 {path}：第{done.audit}次审计；整改通知{len(numbers)}份" + (f"（{span}）" if span else "")
