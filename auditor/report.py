"""findings -> findings.json and HTML reports rendered from reports/templates/.

Templates receive plain dicts only. Autoescaping is on for every template, so
whatever a submission or policy contributes is shown, never executed. Output
file names are derived from district names through :func:`safe_name` and
checked to stay inside the output folder. Everything is rendered in memory
first and then written file by file through a temporary file and
``os.replace``, so a failure leaves the previous report or none, never half.
"""
from __future__ import annotations

import json
import os
import re
import tempfile
import unicodedata
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from .errors import Problem, UsageError
from .model import PolicySet, plan

TEMPLATES = Path(__file__).resolve().parent.parent / "reports" / "templates"

STATUS_ZH = {"pass": "达标", "fail": "未达标", "missing": "数据缺失", "not_due": "未到期", "not_applicable": "不适用", "waived": "已豁免"}
STATUS_EN = {"pass": "pass", "fail": "fail", "missing": "missing data", "not_due": "not yet due", "not_applicable": "not applicable", "waived": "waived"}
SEVERITY_ZH = {"critical": "严重", "major": "重要", "minor": "一般"}
METHOD_ZH = {"automated": "数据核验", "evidence": "佐证材料", "manual": "人工核查"}
STATUS_ORDER = ["fail", "missing", "not_due", "waived", "pass", "not_applicable"]
EVIDENCE_ROWS = 200  # rows of evidence per check on an HTML page; findings.json keeps every one
SEVERITY_ORDER = {"critical": 0, "major": 1, "minor": 2}


def findings_json(findings: dict) -> str:
    """The canonical serialisation: sorted keys, UTF-8, stable — byte-identical for the same input.

    The text is ``json.dumps(findings, ensure_ascii=False, sort_keys=True, indent=1)``;
    with ``indent`` the standard library encodes in pure Python, so a direct
    writer of the same bytes does it (3× faster on a province's findings) and
    hands anything unusual back to ``json.dumps``.
    """
    try:
        parts: list[str] = []
        _indented(findings, "\n", parts.append)
        return "".join(parts) + "\n"
    except _Unusual:
        return json.dumps(findings, ensure_ascii=False, sort_keys=True, indent=1) + "\n"


class _Unusual(Exception):
    pass


_STRING = json.encoder.encode_basestring  # the C encoder json.dumps uses with ensure_ascii=False


def _indented(value, newline: str, out) -> None:
    kind = type(value)
    if kind is str:
        out(_STRING(value))
    elif kind is int:
        out(int.__repr__(value))
    elif kind is bool:
        out("true" if value else "false")
    elif value is None:
        out("null")
    elif kind is float:
        if value != value or value in (float("inf"), float("-inf")):
            raise _Unusual
        out(float.__repr__(value))
    elif kind is dict:
        if not value:
            out("{}")
            return
        inner = newline + " "
        first = True
        try:
            items = sorted(value.items())
        except TypeError:
            raise _Unusual from None
        for key, item in items:
            if type(key) is not str:
                raise _Unusual
            out(("{" if first else ",") + inner + _STRING(key) + ": ")
            first = False
            _indented(item, inner, out)
        out(newline + "}")
    elif kind is list or kind is tuple:
        if not value:
            out("[]")
            return
        inner = newline + " "
        first = True
        for item in value:
            out(("[" if first else ",") + inner)
            first = False
            _indented(item, inner, out)
        out(newline + "]")
    else:
        raise _Unusual


def safe_name(name: str) -> str:
    """A file name from a district name: letters and digits (any script) only."""
    name = unicodedata.normalize("NFKC", name)
    cleaned = "".join(ch if (ch.isalnum() or ch in "-_") else "_" for ch in name).strip("._")
    return cleaned[:60] or "district"


def _inside(folder: Path, name: str) -> Path:
    target = (folder / name).resolve()
    if target.parent != folder.resolve():
        raise UsageError(Problem(str(folder), 0, 0, "U-OUT", f'output name "{name}" would leave the output folder'))
    return target


def environment(templates: Path = TEMPLATES) -> Environment:
    env = Environment(loader=FileSystemLoader(str(templates)), autoescape=select_autoescape(["html", "xml"], default=True),
                      undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    env.globals.update(STATUS_ZH=STATUS_ZH, STATUS_EN=STATUS_EN, SEVERITY_ZH=SEVERITY_ZH, METHOD_ZH=METHOD_ZH,
                       STATUS_ORDER=STATUS_ORDER, EVIDENCE_ROWS=EVIDENCE_ROWS)
    return env


def _policy_info(policy_set: PolicySet) -> dict:
    return {p.clause: {"clause": p.clause, "title": p.title, "text": p.text, "responsible": list(p.responsible), "id": p.id}
            for p in policy_set.policies}


def district_pages(findings: dict) -> dict[str, str]:
    """district name -> file name, for every district (and the city) in the findings."""
    names = []
    for v in findings["verdicts"]:
        if v["district"] not in names:
            names.append(v["district"])
    pages, used = {}, set()
    for name in names:
        base = safe_name(name)
        candidate, n = base, 2
        while candidate in used:
            candidate, n = f"{base}-{n}", n + 1
        used.add(candidate)
        pages[name] = candidate + ".html"
    return pages


def render(findings: dict, policy_set: PolicySet, lang: str = "zh", templates: Path = TEMPLATES) -> dict[str, str]:
    """file name -> text, all in memory."""
    env = environment(templates)
    clauses = _policy_info(policy_set)
    pages = district_pages(findings)
    out = {"findings.json": findings_json(findings)}
    common = {"findings": findings, "clauses": clauses, "pages": pages, "lang": lang, "plan": plan()["plan"], "city": plan()["city"]}
    by_district: dict[str, list] = {}
    for v in findings["verdicts"]:
        by_district.setdefault(v["district"], []).append(v)
    for district, verdicts in by_district.items():
        counts = {s: sum(1 for v in verdicts if v["status"] == s) for s in STATUS_ORDER}
        ordered = sorted(verdicts, key=lambda v: (STATUS_ORDER.index(v["status"]), SEVERITY_ORDER[v["severity"]], plan()["clauses"].index(v["clause"]) if v["clause"] in plan()["clauses"] else 99, v["check"]))
        out[pages[district]] = env.get_template("district.html").render(district=district, verdicts=ordered, counts=counts, **common)
    matrix_clauses = [c for c in plan()["clauses"] if c in clauses]
    matrix = {}
    for v in findings["verdicts"]:
        cell = matrix.setdefault(v["district"], {}).setdefault(v["clause"], {})
        cell[v["status"]] = cell.get(v["status"], 0) + 1
    out["index.html"] = env.get_template("index.html").render(matrix=matrix, matrix_clauses=matrix_clauses, districts=list(by_district), **common)
    return out


def write_reports(files: dict[str, str], out_dir: str) -> list[str]:
    folder = Path(out_dir)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UsageError(Problem(out_dir, 0, 0, "U-OUT", f"cannot create the output folder: {exc.strerror or exc}")) from None
    targets = [(_inside(folder, name), text) for name, text in sorted(files.items())]
    written = []
    for target, text in targets:
        try:
            fd, tmp = tempfile.mkstemp(prefix=".tmp-", dir=str(folder))
            with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
                handle.write(text)
            os.replace(tmp, target)
        except OSError as exc:
            try:
                os.unlink(tmp)
            except OSError:
                pass
            raise UsageError(Problem(str(target), 0, 0, "U-OUT", f"cannot write: {exc.strerror or exc}")) from None
        written.append(str(target))
    return written
