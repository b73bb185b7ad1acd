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
import shlex
from pathlib import Path


from auditor import timing
from auditor.model import PolicySet, district_order, plan
from auditor.output import assessment
from auditor.output.charts import bar_chart, status_chart
from auditor.output.files import district_pages, notice_name
from auditor.output.findings import findings_json
from auditor.output.formatter import Formatter
from auditor.output.environment import TEMPLATES, environment
from auditor.output.history import carry_over, city_history, district_history, overdue_sentence, words
from auditor.output.palette import STATUS_ORDER
from auditor.output.settings import Issue, load_settings, make_issue
from auditor.output.views import counts, headline, pending_review, plan_key, rectification_items, sort_key, target, view, worklist
from auditor.output.workbook import workbook
from auditor.workers import forked_map

EVIDENCE_INLINE = 10  # evidence rows shown inside a finding; the longer list goes to the appendix
EVIDENCE_ROWS = 200  # rows per list in the appendix; findings.json and findings.xlsx keep every one
DEFAULT_RECTIFY_DAYS = 30
_HOLDS = {"<=": operator.le, ">=": operator.ge, "<": operator.lt, ">": operator.gt, "==": operator.eq}


def _policy_info(policy_set: PolicySet, fmt: Formatter) -> dict:
    """Each clause's title and quoted text, keyed by the clause as the documents cite it (:meth:`Formatter.cite`)."""
    refs = {p.id: p.ref for p in policy_set.packs}
    out = {}
    for p in policy_set.policies:
        cited = fmt.cite(refs.get(p.document, ""), p.clause)
        out.setdefault(cited, {"clause": cited, "title": p.title, "text": p.text, "responsible": list(p.responsible),
                               "id": p.id, "source": str(p.source)})
    return out


def cited(findings: dict, fmt: Formatter) -> dict:
    """The findings as the HTML documents show them: each verdict's clause cited with its document where that is
    not the first (教督〔2017〕6号 第五条). findings.json and findings.xlsx keep the two apart."""
    return {**findings, "verdicts": [{**v, "clause": fmt.cite(v.get("document"), v["clause"])} for v in findings["verdicts"]]}


def cite_documents(documents: list[dict], lang: str) -> str:
    """The documents a notice rests on, as the body names them: 《沈阳市…行动计划》（沈政办发〔2019〕23号）和《…》（教督〔2017〕6号）."""
    if lang == "zh":
        names = [f"《{d['title']}》（{d['ref']}）" for d in documents]
        return names[0] if len(names) == 1 else "、".join(names[:-1]) + "和" + names[-1]
    names = [f"the {d['title']} ({d['ref']})" for d in documents]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def documents_context(findings: dict, lang: str) -> tuple[dict, list[dict]]:
    """(the first document, every document) for the title blocks: reference number and title in ``lang``."""
    docs = [{"ref": d["ref"], "title": d["title"].get(lang) or d["title"]["zh"], "id": d["id"], "level": d["level"],
             "short": (d.get("short") or d["title"]).get(lang) or d["title"]["zh"]}
            for d in findings.get("documents") or []]
    if not docs:  # findings of an older auditor: the plan's reference number alone
        docs = [{"ref": findings.get("plan", ""), "title": findings.get("plan", ""), "id": "", "level": "city", "short": ""}]
    return docs[0], docs


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
           history: dict | None = None) -> dict[str, str | bytes]:
    """file name -> text (or bytes for the spreadsheet), all in memory.

    ``issue``: the date of issue, issuing office, signer, copies and document numbers of the notices (by default the
    packaged settings, dated the audit date); a notice's deadline is ``rectify_days`` after its date of issue.
    The files are independent: with ``jobs`` > 1 they are rendered in that many forked worker
    processes (the spreadsheet, the largest, first) and come back the same, byte for byte.
    ``history``: what the audit history says about this audit, as the store's plain dicts
    (``auditor.store.views.report_views``: {"districts": {district: view}, "city": view}); None without a
    history (``--no-db``), when the documents leave its sections out.
    Times itself as the stage "render" (summed over processes, as the audit's stages are).
    """
    with timing.stage("render"):
        env = environment(templates)
        for name in ("district.html", "notice.html", "index.html", "assessment.html"):
            env.get_template(name)  # compiled once here, not once per worker
        fmt = Formatter(policy_set, lang)
        t = fmt.t
        issue = issue or default_issue(findings, lang)
        source = findings  # findings.json and findings.xlsx: document and clause apart
        findings = cited(findings, fmt)
        lead, documents = documents_context(findings, lang)
        clauses = _policy_info(policy_set, fmt)
        pages = district_pages(findings)
        as_of = findings["as_of"]
        deadline = issue.deadline(rectify_days)
        by_district: dict[str, list] = {}
        for v in findings["verdicts"]:
            by_district.setdefault(v["district"], []).append(v)
        raw_by_district: dict[str, list] = {}  # as findings.json has them (the clause apart from its document)
        for v in source["verdicts"]:
            raw_by_district.setdefault(v["district"], []).append(v)
        # the documents with an assessment page (the national standard), and each district's page of each
        assessed = assessment.assessed(source)
        assessment_pages = {(d, doc["ref"]): assessment.page_name(pages[d], doc, lang)
                            for doc in assessed for d in by_district if d != plan()["city"]}
        links = {(v["district"], v["check"]): (f"{assessment_pages[(v['district'], v['document'])]}#v-{v['check']}"
                                               if v["status"] == "pass" and (v["district"], v.get("document")) in assessment_pages
                                               else f"{pages[v['district']]}#v-{v['check']}") for v in source["verdicts"]}
        notices = {d: notice_name(pages[d], lang) for d, vs in by_district.items()
                   if any(v["status"] in ("fail", "missing") and not pending_review(v) for v in vs)}
        numbers = issue.numbers(sorted(notices, key=lambda d: (district_order(d), d)))
        sample_any = bool(findings.get("sample_data"))
        common = {"findings": findings, "clauses": clauses, "pages": pages, "notices": notices, "lang": lang, "t": t,
                  "plan": lead, "documents": documents, "city": plan()["city"], "issuer": issue.issuer, "signer": issue.signer,
                  "cc": list(issue.cc), "issued": issue.issued.isoformat(), "rectify_days": rectify_days,
                  "rectify_by": deadline, "command": _command(findings, lang, rectify_days, issue),
                  "exports": ["findings.json", "findings.xlsx"], "hw": words(fmt)["text"],
                  "assessments": {d: [{"ref": doc["ref"], "href": assessment_pages[(d, doc["ref"])],
                                       "title": doc["assessment"]["title"].get(lang, "")} for doc in assessed if (d, doc["ref"]) in assessment_pages]
                                  for d in by_district}}
        history_of = (history or {}).get("districts", {})

    def header(district: str, document: str, sample: bool) -> str:
        return f"{district} · {document}" + (f" · {t['sample_marker']}" if sample else "")

    def district_files(district: str) -> dict[str, str]:
        verdicts = by_district[district]
        views = [view(v, fmt, as_of) for v in verdicts]
        # a document with its own assessment page lists its passed requirements there; the report names how many
        elsewhere = []
        for doc in assessed:
            if (district, doc["ref"]) in assessment_pages:
                n = sum(1 for x in views if x["status"] == "pass" and x.get("document") == doc["ref"])
                elsewhere.append({"document": doc["ref"], "n": n, "href": assessment_pages[(district, doc["ref"])]})
        moved = {e["document"] for e in elsewhere}
        groups = {s: sorted((x for x in views if x["status"] == s and not x["pending_review"]
                             and not (s == "pass" and x.get("document") in moved)), key=lambda x: plan_key(x, fmt))
                  for s in STATUS_ORDER}
        pending = sorted((x for x in views if x["pending_review"]), key=lambda x: plan_key(x, fmt))
        # the city's own page rests on every district's submission
        sample = district in findings.get("sample_data", []) or (district == plan()["city"] and sample_any)
        context = {**common, "district": district, "counts": counts(verdicts), "groups": groups, "pending": pending,
                   "total": len(verdicts), "headline": headline(counts(verdicts), fmt), "sample": sample,
                   "appendix": [x for x in groups["fail"] + groups["missing"]
                                if len(x["rows"]) > EVIDENCE_INLINE or len(x["gaps"]) > EVIDENCE_INLINE],
                   "inline": EVIDENCE_INLINE, "appendix_rows": EVIDENCE_ROWS, "elsewhere": elsewhere,
                   "page_header": header(district, t["report_short"], sample),
                   "history": district_history(history_of.get(district), fmt, {v["check"] for v in verdicts}) if history else None}
        out = {pages[district]: env.get_template("district.html").render(**context)}
        for doc in assessed:
            if (district, doc["ref"]) in assessment_pages:
                a = assessment.district_assessment(doc, raw_by_district[district], fmt, pages, district)
                out[assessment_pages[(district, doc["ref"])]] = env.get_template("assessment.html").render(
                    **{**context, "page_header": header(district, t["assess_short"], sample)}, a=a)
        if district in notices:
            addressee, you = _addressee(district, fmt)
            items, overdue = carry_over(rectification_items(verdicts, fmt, clauses, deadline), history_of.get(district), fmt)
            context["page_header"] = header(district, t["notice"], sample)
            cited = {v.get("document") for v in verdicts if v["status"] in ("fail", "missing") and not pending_review(v)}
            out[notices[district]] = env.get_template("notice.html").render(
                items=items, addressee=addressee, you=you, number=numbers.get(district, ""),
                notice_documents=cite_documents([d for d in documents if d["ref"] in cited] or documents[:1], lang),
                overdue_sentence=overdue_sentence(overdue, you, fmt), **context)
        return out

    def index() -> dict[str, str]:
        matrices = [x for doc in assessed
                    if (x := assessment.matrix(doc, {d: vs for d, vs in raw_by_district.items() if d != plan()["city"]}, fmt, pages,
                                               {d: p for (d, ref), p in assessment_pages.items() if ref == doc["ref"]}))]
        return {"index.html": env.get_template("index.html").render(
            **common, **summary_context(findings, by_district, clauses, pages, fmt, links), cv_matrices=matrices,
            files=findings["submissions"], page_header=header(plan()["city"], t["summary_short"], sample_any),
            history=city_history(history.get("city"), fmt, pages, notices, clauses, numbers) if history else None)}

    parts = [lambda: {"findings.xlsx": workbook(source, fmt)}, lambda: {"findings.json": findings_json(source)},
             *[(lambda d: lambda: district_files(d))(d) for d in by_district], index]

    def part(number: int) -> dict:
        with timing.stage("render"):
            return parts[number]()

    done = forked_map(part, len(parts), jobs) or [part(number) for number in range(len(parts))]
    out: dict[str, str | bytes] = {}
    for files in done:
        out.update(files)
    return out


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


def summary_context(findings: dict, by_district: dict, clauses: dict, pages: dict, fmt: Formatter, links: dict | None = None) -> dict:
    """The city summary: matrix, status chart, city targets with contributions, district figures against targets.

    ``links``: (district, check) -> where the verdict is shown (a district's report, or its assessment page for a
    requirement met there); by default the district's report."""
    links = links or {}

    def link(v: dict) -> str:
        return links.get((v["district"], v["check"])) or f"{pages[v['district']]}#v-{v['check']}"
    city = plan()["city"]
    names = fmt.words["status"]
    districts = [d for d in by_district if d != city] + ([city] if city in by_district else [])
    first: dict[str, tuple] = {}  # each clause (as cited) where its first check stands in the documents' order
    for v in findings["verdicts"]:
        key = plan_key(v, fmt)
        if v["clause"] not in first or key < first[v["clause"]]:
            first[v["clause"]] = key
    matrix_clauses = sorted(first, key=first.get)
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
        row["cells"][v["district"]] = {"status": v["status"], "href": link(v)}
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
                 "href": link(v)} for v in vs]
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
