"""findings -> the files of an audit: findings.json, findings.xlsx and the HTML documents of reports/templates/.

Three documents come out of one audit:

* ``<district>.html`` — the district report (督导意见): headline, findings by
  severity and clause with evidence tables, what could not be judged, what is
  not yet due with progress, and an appendix with every long evidence list;
* ``<district>-整改通知.html`` (``-rectification-notice`` in English) — the
  rectification notice for a district with failed or missing items, numbered,
  each with a deadline ``rectify_days`` after the audit date, to print and sign;
* ``index.html`` — the city summary: districts × clauses matrix, city-wide
  targets with each district's contribution, inline SVG charts.

The stage's modules: ``labels`` (the words, from auditor/data/labels.yaml), ``plain`` (conditions in plain
words from their expression trees), ``formatter`` (fields, values, reasons), ``views`` (a verdict's rows,
progress and rectification items), ``charts`` (geometry), ``workbook`` (findings.xlsx), ``findings``
(findings.json) and ``files`` (names and all-or-nothing writing); this module puts them together.

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
import operator
import re
import shlex
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from markupsafe import Markup, escape

from auditor import timing
from auditor.intake.values import neutral
from auditor.model import PolicySet, clause_order, district_order, plan
from auditor.output.charts import bar_chart, status_chart
from auditor.output.files import district_pages, notice_name
from auditor.output.findings import findings_json, write_findings_json
from auditor.dates import zh_date
from auditor.output.formatter import Formatter
from auditor.output.history import carry_over, city_history, district_history, overdue_sentence, words
from auditor.output.labels import METHOD_EN, METHOD_ZH, SEVERITY_EN, SEVERITY_ZH, STATUS_EN, STATUS_ZH
from auditor.output.paging import overview_findings, overview_rows, page_findings, page_name, summary_groups
from auditor.output.palette import LIFECYCLE_COLOURS, NOTICE_STATE_COLOURS, PROJECTION_COLOURS, STATUS_COLOURS, STATUS_ORDER
from auditor.output.settings import Issue, load_settings, make_issue
from auditor.output.views import counts, headline, pending_review, plan_key, rectification_items, sort_key, target, view, worklist
from auditor.output.workbook import workbook
from auditor.output.staging import not_staged, refuse_not_staged, remove_temporaries, stage_named
from auditor.output.writer import NotStaged, Staged
from auditor.workers import forked_map

TEMPLATES = Path(__file__).resolve().parents[2] / "reports" / "templates"
EVIDENCE_INLINE = 10  # evidence rows shown inside a finding; the longer list goes to the appendix
EVIDENCE_ROWS = 200  # rows per list in the appendix; findings.json and findings.xlsx keep every one
DEFAULT_RECTIFY_DAYS = 30
_HOLDS = {"<=": operator.le, ">=": operator.ge, "<": operator.lt, ">": operator.gt, "==": operator.eq}


def css_string(text: str) -> Markup:
    """``text`` as a CSS string literal in which only letters and digits stay literal (safe inside <style>)."""
    out = "".join(ch if ch.isalnum() or ch == " " else f"\\{ord(ch):06x}" for ch in str(text))
    return Markup(f'"{out}"')


# tokens that must not break across lines: dates, document numbers (沈教督〔2023〕5号), clause numbers (二（一）4)
_TOKENS = re.compile(r"[0-9]{4}年[0-9]{1,2}月[0-9]{1,2}日|[0-9]{4}-[0-9]{2}-[0-9]{2}|[\u4e00-\u9fff]{0,8}〔[0-9]{4}〕[0-9]+号"
                     r"|[一二三四五六七八九十]+（[一二三四五六七八九十]+）[0-9]*")


def keep_tokens(text) -> Markup:
    """``text`` escaped, with its dates, document numbers and clause numbers kept on one line."""
    out, last = [], 0
    text = str(text)
    for m in _TOKENS.finditer(text):
        out.append(escape(text[last:m.start()]))
        out.append(Markup('<span class="nw">') + escape(m.group()) + Markup("</span>"))
        last = m.end()
    out.append(escape(text[last:]))
    return Markup("").join(out)


def _neutral(value):
    """Every value a page prints, without bidirectional controls (a U+202E in a name would reverse the line)."""
    if isinstance(value, Markup):
        return Markup(neutral(str(value)))
    return neutral(value) if isinstance(value, str) else value


def environment(templates: Path = TEMPLATES) -> Environment:
    env = Environment(loader=FileSystemLoader(str(templates)), autoescape=select_autoescape(["html", "xml", "svg"], default=True),
                      undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True, finalize=_neutral)
    env.globals.update(STATUS_ZH=STATUS_ZH, STATUS_EN=STATUS_EN, SEVERITY_ZH=SEVERITY_ZH, SEVERITY_EN=SEVERITY_EN,
                       METHOD_ZH=METHOD_ZH, METHOD_EN=METHOD_EN, STATUS_ORDER=STATUS_ORDER, STATUS_COLOURS=STATUS_COLOURS,
                       LIFECYCLE_COLOURS=LIFECYCLE_COLOURS, NOTICE_STATE_COLOURS=NOTICE_STATE_COLOURS,
                       PROJECTION_COLOURS=PROJECTION_COLOURS)
    env.filters["css_string"] = css_string
    env.filters["zh_date"] = zh_date
    env.filters["keep"] = keep_tokens
    return env


def _policy_info(policy_set: PolicySet) -> dict:
    return {p.clause: {"clause": p.clause, "title": p.title, "text": p.text, "responsible": list(p.responsible), "id": p.id,
                       "source": str(p.source)}
            for p in policy_set.policies}


def _addressee(district: str, fmt: Formatter) -> tuple[str, str]:
    """Whom a notice is addressed to, and how the body refers to them ("你区")."""
    t = fmt.t
    if district == plan()["city"]:
        return t["addressee_city"], t["you_city"]
    suffix = district[-1] if district[-1] in "区县市" else "区"
    return t["addressee"].format(district=district), t["you"].format(suffix=suffix)


def default_issue(findings: dict, lang: str) -> Issue:
    """Without an explicit issue: the packaged settings, dated the audit date (so that the output stays the same)."""
    return make_issue(load_settings(), lang, _dt.date.fromisoformat(findings["as_of"]))


def _command(findings: dict, lang: str, rectify_days: int, issue: Issue) -> str:
    """The command that reproduces the audit (shown in the city summary's technical appendix only)."""
    command = ["auditor", "audit", *findings["submissions"], "--as-of", findings["as_of"], "--policies",
               findings["policy_set"].get("folder", "policies"), "--engine", findings["engine"], "--lang", lang,
               "--rectify-days", str(rectify_days), "--issued", issue.issued.isoformat()]
    if issue.pattern:
        command += ["--number", issue.pattern]
    if findings.get("districts") and list(findings["districts"]) != list(plan()["districts"]):
        command += ["--districts", ",".join(findings["districts"])]
    return shlex.join(command)  # quoted: a file named "hp;touch PWNED;.yaml" must not run anything when pasted


def render(findings: dict, policy_set: PolicySet, lang: str = "zh", templates: Path = TEMPLATES,
           rectify_days: int = DEFAULT_RECTIFY_DAYS, jobs: int = 1, issue: Issue | None = None,
           history: dict | None = None, progress=None, stage: str | None = None) -> dict[str, str | bytes | Staged]:
    """file name -> text (or bytes for the spreadsheet), all in memory.

    ``issue``: the date of issue, issuing office, signer, copies and document numbers of the notices (by default the
    packaged settings, dated the audit date); a notice's deadline is ``rectify_days`` after its date of issue.
    The files are independent: with ``jobs`` > 1 they are rendered in that many forked worker
    processes (the spreadsheet, the largest, first) and come back the same, byte for byte.
    ``history``: what the audit history says about this audit, as the store's plain dicts
    (``auditor.store.views.report_views``: {"districts": {district: view}, "city": view}); None without a
    history (``--no-db``), when the documents leave its sections out.
    Times itself as the stage "render" (summed over processes, as the audit's stages are). ``progress``: an
    :class:`auditor.progress.Progress` (``what="render"``) told the number of parts and stepped as each is done.
    ``stage``: the claimed output folder; each file is then written there as soon as it is rendered (by the worker
    that rendered it, findings.json piece by piece) and returned as a :class:`Staged` temporary for ``write_reports``
    to rename into place, so the reports are never all in memory at once (a failure removes the temporaries).
    """
    with timing.stage("render"):
        env = environment(templates)
        for name in ("district.html", "notice.html", "index.html"):
            env.get_template(name)  # compiled once here, not once per worker
        fmt = Formatter(policy_set, lang)
        t = fmt.t
        issue = issue or default_issue(findings, lang)
        clauses = _policy_info(policy_set)
        pages = district_pages(findings)
        as_of = findings["as_of"]
        deadline = issue.deadline(rectify_days)
        by_district: dict[str, list] = {}
        for v in findings["verdicts"]:
            by_district.setdefault(v["district"], []).append(v)
        notices = {d: notice_name(pages[d], lang) for d, vs in by_district.items()
                   if any(v["status"] in ("fail", "missing") and not pending_review(v) for v in vs)}
        numbers = issue.numbers(sorted(notices, key=lambda d: (district_order(d), d)))
        sample_any = bool(findings.get("sample_data"))
        common = {"findings": findings, "clauses": clauses, "pages": pages, "notices": notices, "lang": lang, "t": t,
                  "plan": plan()["plan"], "city": plan()["city"], "issuer": issue.issuer, "signer": issue.signer,
                  "cc": list(issue.cc), "issued": issue.issued.isoformat(), "rectify_days": rectify_days,
                  "rectify_by": deadline, "command": _command(findings, lang, rectify_days, issue),
                  "exports": ["findings.json", "findings.xlsx"], "hw": words(fmt)["text"]}
        history_of = (history or {}).get("districts", {})

    def header(district: str, document: str, sample: bool) -> str:
        return f"{district} · {document}" + (f" · {t['sample_marker']}" if sample else "")

    def district_files(district: str) -> dict[str, str]:
        verdicts = by_district[district]
        views = [view(v, fmt, as_of) for v in verdicts]
        groups = {s: sorted((x for x in views if x["status"] == s and not x["pending_review"]), key=lambda x: plan_key(x, fmt))
                  for s in STATUS_ORDER}
        pending = sorted((x for x in views if x["pending_review"]), key=lambda x: plan_key(x, fmt))
        # the city's own page rests on every district's submission
        sample = district in findings.get("sample_data", []) or (district == plan()["city"] and sample_any)
        context = {**common, "district": district, "counts": counts(verdicts), "groups": groups, "pending": pending,
                   "total": len(verdicts), "headline": headline(counts(verdicts), fmt), "sample": sample,
                   "appendix": [x for x in groups["fail"] + groups["missing"]
                                if len(x["rows"]) > EVIDENCE_INLINE or len(x["gaps"]) > EVIDENCE_INLINE],
                   "inline": EVIDENCE_INLINE, "appendix_rows": EVIDENCE_ROWS,
                   "page_header": header(district, t["report_short"], sample),
                   "history": district_history(history_of.get(district), fmt, {v["check"] for v in verdicts}) if history else None}
        out = {pages[district]: env.get_template("district.html").render(**context)}
        if district in notices:
            addressee, you = _addressee(district, fmt)
            items, overdue = carry_over(rectification_items(verdicts, fmt, clauses, deadline), history_of.get(district), fmt)
            context["page_header"] = header(district, t["notice"], sample)
            out[notices[district]] = env.get_template("notice.html").render(
                items=items, addressee=addressee, you=you, number=numbers.get(district, ""),
                overdue_sentence=overdue_sentence(overdue, you, fmt), **context)
        return out

    city = plan()["city"]
    groups = summary_groups([d for d in by_district if d != city])  # [] up to SUMMARY_PAGE districts: one page
    city_view = (lambda: city_history(history.get("city"), fmt, pages, notices, clauses, numbers)) if history else (lambda: None)

    def index() -> dict[str, str]:
        if groups:
            return overview()
        return {"index.html": env.get_template("index.html").render(
            **common, **summary_context(findings, by_district, clauses, pages, fmt),
            files=findings["submissions"], page_header=header(city, t["summary_short"], sample_any),
            history=city_view(), summary_page=None, summary_pages=None)}

    def overview() -> dict[str, str]:
        shown, shown_by = overview_findings(findings, by_district, city)
        sample = findings.get("sample_data") or []
        shown["sample_data"] = sample[:10] + (["…"] if len(sample) > 10 else [])
        context = summary_context(shown, shown_by, clauses, pages, fmt)
        rows = overview_rows(groups, by_district, notices, t["summary_page_label"])
        totals = counts(findings["verdicts"])
        context.update(totals=totals, headline=headline(totals, fmt), status_chart=status_chart(rows))
        return {"index.html": env.get_template("index.html").render(
            **{**common, "findings": shown}, **context, files=[], page_header=header(city, t["summary_short"], sample_any),
            history=city_view(), summary_page=None, summary_pages=rows)}

    def summary_page(number: int) -> dict[str, str]:
        group = groups[number - 1]
        shown, shown_by = page_findings(findings, by_district, group, city)
        nav = {"number": number, "of": len(groups), "first": group[0], "last": group[-1],
               "previous": page_name(number - 1) if number > 1 else "", "next": page_name(number + 1) if number < len(groups) else ""}
        label = f"{t['summary_short']} · {t['summary_page_label'].format(n=number)}"
        return {page_name(number): env.get_template("index.html").render(
            **{**common, "findings": shown}, **summary_context(shown, shown_by, clauses, pages, fmt),
            files=shown["submissions"], page_header=header(city, label, bool(shown["sample_data"])),
            history=None, summary_page=nav, summary_pages=None)}

    def json_part() -> dict:
        if stage:
            return {"findings.json": stage_named(stage, "findings.json", lambda handle: write_findings_json(findings, handle))}
        return {"findings.json": findings_json(findings)}

    def xlsx_part() -> dict:
        try:
            return {"findings.xlsx": workbook(findings, fmt)}
        except OSError as exc:  # XlsxWriter's constant-memory rows go through temporary files: a full disk, a size limit
            return {"findings.xlsx": not_staged(stage or "", "findings.xlsx", exc)}

    parts = [xlsx_part, json_part,
             *[(lambda d: lambda: district_files(d))(d) for d in by_district], index,
             *[(lambda n: lambda: summary_page(n))(n) for n in range(1, len(groups) + 1)]]

    def part(number: int) -> dict:
        with timing.stage("render"):
            files = parts[number]()
            if stage:
                files = {name: data if isinstance(data, (Staged, NotStaged)) else _staged(stage, name, data)
                         for name, data in files.items()}
            return files

    def step(result) -> None:
        if progress is not None:
            progress.step()

    def serial(number: int) -> dict:
        result = part(number)
        step(result)
        return result

    if progress is not None:
        progress.total = len(parts)
    try:
        done = forked_map(part, len(parts), jobs, on_done=step) or [serial(number) for number in range(len(parts))]
    except BaseException:
        if stage:  # the temporaries of the parts already done (the folder is ours: it is claimed and locked)
            remove_temporaries(stage)
        raise
    out: dict[str, str | bytes | Staged] = {}
    for files in done:
        out.update(files)
    refuse_not_staged(out)  # a full disk: U-OUT, and no temporary left
    return out


def _staged(folder: str, name: str, data: str | bytes):
    return stage_named(folder, name, lambda handle: handle.write(data.encode("utf-8") if isinstance(data, str) else data))


def _measure_entry(name: str, m: dict, aim: tuple | None, pages: dict, fmt: Formatter) -> dict:
    """A city-wide measure with each district's contribution: a table and a chart."""
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
    number = aim[2] if aim and aim[0] == name else None
    op = aim[1] if aim else ">="
    if number is not None:
        for r in rows:  # a district's own figure against the city target (ratios); sums are shares of it
            if ratio and r["value"] is not None:
                r["status"] = "pass" if _HOLDS[op](r["value"], number) else "fail"
    chart = bar_chart(rows, fmt, name, number if ratio else None, op, title=fmt.label(name)) if rows else None
    definition = fmt.measures.get(name)
    return {"name": name, "label": fmt.label(name), "value": fmt.value(name, m.get("value")),
            "value_label": fmt.label(definition.value) if definition and definition.value else fmt.t["value"],
            "per_label": fmt.label(definition.per) if definition and definition.per else "",
            "reason": fmt.reason(m.get("reason")), "ratio": ratio, "table": table, "chart": chart,
            "target": fmt.value(name, number) if number is not None else "",
            "numerator": m.get("numerator"), "denominator": m.get("denominator"),
            "progress": round(min(100.0, m["value"] / number * 100), 1)
            if number and isinstance(m.get("value"), (int, float)) else None}


def summary_context(findings: dict, by_district: dict, clauses: dict, pages: dict, fmt: Formatter) -> dict:
    """The city summary: matrix, status chart, city targets with contributions, district figures against targets."""
    city = plan()["city"]
    names = fmt.words["status"]
    districts = [d for d in by_district if d != city] + ([city] if city in by_district else [])
    matrix_clauses = sorted({v["clause"] for v in findings["verdicts"]}, key=lambda c: (clause_order(c), c))
    matrix: dict[str, dict] = {}
    detail: dict[str, list] = {c: [] for c in matrix_clauses}
    for d in districts:
        row = {}
        for c in matrix_clauses:
            vs = [v for v in by_district[d] if v["clause"] == c]
            if not vs:
                continue
            applicable = [v for v in vs if v["status"] != "not_applicable"]
            worst = min(vs, key=lambda v: (STATUS_ORDER.index(v["status"]), sort_key(v)))
            n = sum(1 for v in vs if v["status"] == worst["status"])
            fraction = f"{n}/{len(applicable)}" if applicable and len(vs) > 1 else ""
            skipped = len(vs) - len(applicable)
            row[c] = {"status": worst["status"], "n": n, "of": len(applicable), "fraction": fraction,
                      "href": f"detail-{c}",
                      "title": "; ".join(f"{v['title'].get(fmt.lang, v['check'])}: {names[v['status']]}" for v in vs)
                      + (f" ({fmt.t['matrix_na'].format(n=skipped)})" if skipped and applicable else "")}
        matrix[d] = row
    checks_by_clause: dict[str, list] = {}
    for v in sorted(findings["verdicts"], key=lambda v: plan_key(v, fmt)):
        rows = checks_by_clause.setdefault(v["clause"], [])
        if not rows or rows[-1]["check"] != v["check"]:
            found = [r for r in rows if r["check"] == v["check"]]
            if not found:
                rows.append({"check": v["check"], "title": v["title"].get(fmt.lang, v["check"]), "cells": {}})
        row = next(r for r in rows if r["check"] == v["check"])
        row["cells"][v["district"]] = {"status": v["status"], "href": f"{pages[v['district']]}#v-{v['check']}"}
    for c in matrix_clauses:
        detail[c] = checks_by_clause.get(c, [])
    totals = counts(findings["verdicts"])
    status_rows = [{"label": d, "href": pages[d], "counts": counts(by_district[d])} for d in districts]
    # city-wide targets: each city check with its measures' contributions
    targets = []
    for v in by_district.get(city, []):
        aim = target(v["requirement"])
        targets.append({"check": v["check"], "clause": v["clause"], "title": v["title"].get(fmt.lang, v["check"]),
                        "status": v["status"], "due": v["due"], "requirement_text": fmt.requirement(v["requirement"]),
                        "href": f"{pages[city]}#v-{v['check']}", "observed": fmt.values(v.get("observed") or {}),
                        "measures": [_measure_entry(name, m, aim, pages, fmt) for name, m in sorted((v.get("measures") or {}).items())]})
    # district figures against their targets: every district-level check that compares one figure with a number
    charts = []
    seen = []
    for v in findings["verdicts"]:
        if v.get("over") == "district" and v["check"] not in seen and target(v["requirement"]):
            seen.append(v["check"])
    for check in seen:
        vs = [v for v in findings["verdicts"] if v["check"] == check and v["district"] != city]
        field, op, number = target(vs[0]["requirement"])
        rows = [{"label": v["district"], "value": (v.get("observed") or {}).get(field), "status": v["status"],
                 "href": f"{pages[v['district']]}#v-{check}"} for v in vs]
        title = vs[0]["title"].get(fmt.lang, check)
        charts.append({"check": check, "clause": vs[0]["clause"], "title": title, "due": vs[0]["due"],
                       "chart": bar_chart(rows, fmt, field, number, op, title=fmt.label(field))})
    expected = findings.get("districts") or []
    absent = [d for d in expected if d not in (findings.get("submitted_by") or {})]
    return {"districts": districts, "matrix": matrix, "matrix_clauses": matrix_clauses, "totals": totals,
            "detail": detail, "worklist": worklist(findings["verdicts"], fmt, pages),
            "absent": fmt.t["absent"].format(n=len(absent), names=fmt.t["list_sep"].join(absent)) if absent else "",
            "headline": headline(totals, fmt),
            "status_chart": status_chart(status_rows), "targets": targets, "charts": charts,
            "counts_by_district": {d: counts(by_district[d]) for d in districts}}
