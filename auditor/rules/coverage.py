"""`auditor coverage`: the plan's clauses in order, with the checks that cover each.

For every clause of the plan (auditor/data/plan.yaml) it lists the policies
that name it and their checks, each with its method — ``automated`` (computed
from figures), ``evidence`` (a filed document or a ledger entry stands for the
fact) or ``manual`` (a supervisor's signed review is needed) — its record kind,
and its deadlines. A clause that no policy names is flagged, so the office
sees at a glance what an audit does and does not establish.
"""
from __future__ import annotations

import json
import os
import unicodedata

from auditor.model import PolicySet, plan

# the same words as the reports and findings.xlsx (auditor/data/labels.yaml, method; tests/rules hold them equal)
METHOD_ZH = {"automated": "数据核验", "evidence": "佐证材料核查", "manual": "人工复核"}
OVER_ZH = {"class": "班级", "school": "学校", "document": "文件", "district": "区县", "city": "全市"}


def coverage(policy_set: PolicySet) -> dict:
    """The coverage matrix as plain data (clauses in plan order)."""
    clauses = []
    known = plan()["clauses"]
    for clause in known:
        policies = [p for p in policy_set.policies if p.clause == clause]
        checks = []
        for policy in policies:
            for check in policy.checks:
                checks.append({
                    "check": check.id,
                    "policy": policy.id,
                    "title": check.title,
                    "method": check.method,
                    "over": check.over,
                    "applies_to": check.where_text,
                    "requirement": check.require_text,
                    "due": [step.due.isoformat() for step in check.steps],
                    "severity": check.severity,
                    "source": str(check.source),
                })
        clauses.append({
            "clause": clause,
            "covered": bool(policies),
            "policies": [{"id": p.id, "title": p.title, "responsible": list(p.responsible), "source": str(p.source)}
                         for p in policies],
            "checks": checks,
        })
    methods = {m: 0 for m in METHOD_ZH}
    for item in clauses:
        for check in item["checks"]:
            methods[check["method"]] = methods.get(check["method"], 0) + 1
    return {
        "plan": plan()["plan"]["ref"],
        "policies": os.path.normpath(policy_set.folder),
        "clauses": clauses,
        "totals": {
            "clauses": len(clauses),
            "covered": sum(1 for c in clauses if c["covered"]),
            "uncovered": [c["clause"] for c in clauses if not c["covered"]],
            "checks": sum(len(c["checks"]) for c in clauses),
            "methods": methods,
        },
    }


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1 for ch in text)


def _pad(text: str, width: int) -> str:
    return text + " " * max(0, width - _width(text))


def render_text(matrix: dict) -> str:
    """A readable table: one line per check, clauses in plan order, uncovered clauses flagged."""
    header = ["条款 clause", "检查 check", "方式 method", "对象 over", "期限 due", "要求 title"]
    rows = []
    for item in matrix["clauses"]:
        if not item["covered"]:
            rows.append([item["clause"], "!! 无政策 NO POLICY", "", "", "", ""])
            continue
        for index, check in enumerate(item["checks"]):
            rows.append([
                item["clause"] if index == 0 else "",
                check["check"],
                f'{METHOD_ZH[check["method"]]} {check["method"]}',
                f'{OVER_ZH[check["over"]]} {check["over"]}',
                " → ".join(check["due"]),
                check["title"]["zh"],
            ])
    widths = [max(_width(r[i]) for r in rows + [header]) for i in range(len(header) - 1)]
    lines = [f'{matrix["plan"]} 条款覆盖矩阵 / coverage of the plan — policies: {matrix["policies"]}', ""]
    for row in [header] + rows:
        lines.append("  ".join(_pad(cell, widths[i]) for i, cell in enumerate(row[:-1])) + "  " + row[-1])
    totals = matrix["totals"]
    methods = totals["methods"]
    lines.append("")
    lines.append(f'条款 {totals["covered"]}/{totals["clauses"]} 有政策 (clauses covered); 检查 {totals["checks"]} checks: '
                 f'{METHOD_ZH["automated"]} automated {methods.get("automated", 0)}, {METHOD_ZH["evidence"]} evidence {methods.get("evidence", 0)}, '
                 f'人工复核 manual {methods.get("manual", 0)}')
    if totals["uncovered"]:
        lines.append("无政策的条款 clauses without a policy: " + ", ".join(totals["uncovered"]))
    return "\n".join(lines) + "\n"


def render_json(matrix: dict) -> str:
    return json.dumps(matrix, ensure_ascii=False, indent=2, sort_keys=False) + "\n"
