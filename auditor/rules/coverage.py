"""`auditor coverage`: every document's clauses in its own order, with the checks that cover each.

For every pack (a document: the city's plan, the national standard) and every clause its ``pack.yaml`` lists, it
lists the policies that name the clause and their checks, each with its method — ``automated`` (computed from
figures), ``evidence`` (a filed document or a ledger entry stands for the fact) or ``manual`` (a supervisor's
signed review is needed) — its record kind, and its deadlines. A clause that no policy names is flagged, so the
office sees at a glance what an audit does and does not establish, document by document.
"""
from __future__ import annotations

import json
import os
import unicodedata

from auditor.model import Pack, PolicySet

# the same words as the reports and findings.xlsx (auditor/data/labels.yaml, method; tests/rules hold them equal)
METHOD_ZH = {"automated": "数据核验", "evidence": "佐证材料核查", "manual": "人工复核"}
OVER_ZH = {"class": "班级", "school": "学校", "school_stage": "学校学段", "document": "文件", "district": "区县", "city": "全市"}


def _methods(clauses: list[dict]) -> dict:
    methods = {m: 0 for m in METHOD_ZH}
    for item in clauses:
        for check in item["checks"]:
            methods[check["method"]] = methods.get(check["method"], 0) + 1
    return methods


def _totals(clauses: list[dict]) -> dict:
    return {"clauses": len(clauses), "covered": sum(1 for c in clauses if c["covered"]),
            "uncovered": [c["clause"] for c in clauses if not c["covered"]],
            "checks": sum(len(c["checks"]) for c in clauses), "methods": _methods(clauses)}


def _clauses(policy_set: PolicySet, pack: Pack) -> list[dict]:
    clauses = []
    for clause in pack.clauses:
        policies = [p for p in policy_set.policies if p.document == pack.id and p.clause == clause]
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
            "document": pack.ref,
            "clause": clause,
            "covered": bool(policies),
            "policies": [{"id": p.id, "title": p.title, "responsible": list(p.responsible), "source": str(p.source)}
                         for p in policies],
            "checks": checks,
        })
    return clauses


def coverage(policy_set: PolicySet) -> dict:
    """The coverage matrix as plain data: per document (pack), its clauses in its own order.

    ``clauses`` and ``totals`` at the top level run over every document (each clause names its ``document``);
    ``documents`` gives each document's own."""
    documents = []
    for pack in policy_set.packs:
        clauses = _clauses(policy_set, pack)
        documents.append({"document": pack.ref, "pack": pack.id, "title": pack.title, "folder": os.path.normpath(pack.folder),
                          "clauses": clauses, "totals": _totals(clauses)})
    every = [c for d in documents for c in d["clauses"]]
    totals = _totals(every)
    totals["uncovered"] = [f'{c["document"]} {c["clause"]}' for c in every if not c["covered"]]
    return {
        "plan": policy_set.lead.ref if policy_set.lead else "",
        "policies": policy_set.folder,
        "documents": documents,
        "clauses": every,
        "totals": totals,
    }


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1 for ch in text)


def _pad(text: str, width: int) -> str:
    return text + " " * max(0, width - _width(text))


def render_text(matrix: dict) -> str:
    """A readable table per document: one line per check, clauses in the document's order, uncovered clauses flagged."""
    header = ["条款 clause", "检查 check", "方式 method", "对象 over", "期限 due", "要求 title"]
    lines = [f'条款覆盖矩阵 / coverage — policies: {matrix["policies"]}']
    for document in matrix["documents"]:
        rows = []
        for item in document["clauses"]:
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
        lines += ["", f'{document["document"]} {document["title"]["zh"]}（{document["pack"]}）', ""]
        for row in [header] + rows:
            lines.append("  ".join(_pad(cell, widths[i]) for i, cell in enumerate(row[:-1])) + "  " + row[-1])
        totals = document["totals"]
        methods = totals["methods"]
        lines.append("")
        lines.append(f'{document["document"]}：条款 {totals["covered"]}/{totals["clauses"]} 有政策 (clauses covered); '
                     f'检查 {totals["checks"]} checks: '
                     f'{METHOD_ZH["automated"]} automated {methods.get("automated", 0)}, {METHOD_ZH["evidence"]} evidence {methods.get("evidence", 0)}, '
                     f'人工复核 manual {methods.get("manual", 0)}')
        if totals["uncovered"]:
            lines.append(f'{document["document"]} 无政策的条款 clauses without a policy: ' + ", ".join(totals["uncovered"]))
    return "\n".join(lines) + "\n"


def render_json(matrix: dict) -> str:
    return json.dumps(matrix, ensure_ascii=False, indent=2, sort_keys=False) + "\n"
