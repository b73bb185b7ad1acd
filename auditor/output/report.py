"""findings -> the files of an audit: findings.json, findings.xlsx and the HTML documents of reports/templates/.

Three documents come out of one audit:

* ``<district>.html`` — the district report (督导意见): headline, findings by
  severity and clause with evidence tables, what could not be judged, what is
  not yet due with progress, and an appendix with every long evidence list;
* ``<district>-整改通知.html`` (``-rectification-notice`` in English) — the
  rectification notice for a district with failed or missing items, numbered,
  each with a deadline ``rectify_days`` after its date of issue (for a number the audit history issued before:
  the date of issue and deadline it recorded), to print and sign;
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
import shlex
from pathlib import Path


from auditor import timing
from auditor.model import PolicySet, district_order, plan
from auditor.output import assessment
from auditor.output.charts import status_chart
from auditor.output.files import district_pages, notice_name
from auditor.output.findings import findings_json, write_findings_json
from auditor.output.formatter import Formatter
from auditor.output.environment import TEMPLATES, environment
from auditor.output.history import carry_over, city_history, district_history, overdue_sentence, words
from auditor.output.paging import overview_findings, overview_rows, page_findings, page_name, status_counts, summary_groups
from auditor.output.palette import STATUS_ORDER
from auditor.output.settings import Issue, load_settings, make_issue
from auditor.output.summary import summary_context
from auditor.output.views import counts, headline, pending_review, plan_key, rectification_items, view
from auditor.output.why import basis, waiver_rows, waiver_text
from auditor.output.workbook import workbook
from auditor.verdicts import as_verdicts
from auditor.output.staging import not_staged, refuse_not_staged, remove_temporaries, stage_named
from auditor.output.writer import NotStaged, Staged
from auditor.workers import forked_map

EVIDENCE_INLINE = 10  # evidence rows shown inside a finding; the longer list goes to the appendix
EVIDENCE_ROWS = 200  # rows per list in the appendix; findings.json and findings.xlsx keep every one
DEFAULT_RECTIFY_DAYS = 30


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
    not the first (教督〔2017〕6号 第五条). findings.json and findings.xlsx keep the two apart. The verdicts are cited
    as they are read (:meth:`auditor.verdicts.Verdicts.mapped`): nothing is copied here."""
    return {**findings, "verdicts": as_verdicts(findings["verdicts"]).mapped(lambda v: _cite(v, fmt))}


def _cite(v: dict, fmt: Formatter) -> dict:
    return {**v, "clause": fmt.cite(v.get("document"), v["clause"])}


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
        for name in ("district.html", "notice.html", "index.html", "assessment.html", "base.html", "macros.html",
                     "history.html", "history.css", "assessment_matrix.html"):
            env.get_template(name)  # compiled once here (the ones they extend, import and include too), not once per worker
        fmt = Formatter(policy_set, lang)
        t = fmt.t
        issue = issue or default_issue(findings, lang)
        # findings.json and findings.xlsx: document and clause apart; the verdicts in blocks, one per district,
        # decoded only where they are read (auditor.verdicts): no dict per verdict is kept here
        source = {**findings, "verdicts": as_verdicts(findings["verdicts"])}
        findings = cited(source, fmt)
        lead, documents = documents_context(findings, lang)
        clauses = _policy_info(policy_set, fmt)
        pages = district_pages(findings)
        as_of = findings["as_of"]
        deadline = issue.deadline(rectify_days)
        by_district = findings["verdicts"].by_district()  # district -> its verdicts, decoded at each look-up
        raw_by_district = source["verdicts"].by_district()  # as findings.json has them (the clause apart from its document)
        # the documents with an assessment page (the national standard), and each district's page of each
        assessed = assessment.assessed(source)
        assessment_pages = {(d, doc["ref"]): assessment.page_name(pages[d], doc, lang)
                            for doc in assessed for d in by_district if d != plan()["city"]}

        def link(v: dict) -> str:
            """Where the summary links a verdict: its report, or its assessment page for a requirement met there."""
            if v["status"] == "pass" and (v["district"], v.get("document")) in assessment_pages:
                return f"{assessment_pages[(v['district'], v['document'])]}#v-{v['check']}"
            return f"{pages[v['district']]}#v-{v['check']}"
        notices = {d: notice_name(pages[d], lang) for d in raw_by_district  # counted, not decoded (auditor.verdicts)
                   if any(status in ("fail", "missing") and not pending_review({"status": status, "method": method})
                          for status, method in source["verdicts"].statuses(d))}
        numbers = issue.numbers(sorted(notices, key=lambda d: (district_order(d), d)))
        sample_any = bool(findings.get("sample_data"))
        common = {"findings": findings, "clauses": clauses, "pages": pages, "notices": notices, "lang": lang, "t": t,
                  "plan": lead, "documents": documents, "city": plan()["city"], "issuer": issue.issuer, "signer": issue.signer,
                  "cc": list(issue.cc), "issued": issue.issued.isoformat(), "rectify_days": rectify_days,
                  "rectify_by": deadline, "command": _command(findings, lang, rectify_days, issue),
                  "exports": ["findings.json", "findings.xlsx"], "hw": words(fmt)["text"],
                  "assessments": {d: [{"ref": doc["ref"], "href": assessment_pages[(d, doc["ref"])],
                                       "title": doc["assessment"]["title"].get(lang, "")} for doc in assessed if (d, doc["ref"]) in assessment_pages]
                                  for d in by_district},
                  "why_heading": fmt.words["why"]["heading"], "waiver_heading": fmt.words["why"]["waiver"]}
        history_of = (history or {}).get("districts", {})

    def header(district: str, document: str, sample: bool) -> str:
        return f"{district} · {document}" + (f" · {t['sample_marker']}" if sample else "")

    def district_files(district: str) -> dict[str, str]:
        raw = raw_by_district[district]  # decoded here, in the worker that renders the district
        verdicts = [_cite(v, fmt) for v in raw]
        views = [{**view(v, fmt, as_of), "why": basis(v, fmt), "waiver_view": waiver_text(v, fmt)} for v in verdicts]
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
                a = assessment.district_assessment(doc, raw, fmt, pages, district)
                out[assessment_pages[(district, doc["ref"])]] = env.get_template("assessment.html").render(
                    **{**context, "page_header": header(district, t["assess_short"], sample)}, a=a)
        if district in notices:
            addressee, you = _addressee(district, fmt)
            shown = {x["check"]: x for x in views}  # their evidence rows and gaps, made once
            # the notice's own dates: as the history recorded them when its number was issued before (a re-run, or a
            # district kept from an earlier audit of the round), else this run's
            notice_issued, notice_deadline = issue.notice_dates(district, rectify_days)
            items, overdue = carry_over(rectification_items(verdicts, fmt, clauses, notice_deadline, shown),
                                        history_of.get(district), fmt)
            by_check = {v["check"]: v for v in verdicts}
            for it in items:  # an expired waiver is said loudly where the item is, a partial one too
                it["waiver_view"] = waiver_text(by_check[it["check"]], fmt)
            context["page_header"] = header(district, t["notice"], sample)
            cited = {v.get("document") for v in verdicts if v["status"] in ("fail", "missing") and not pending_review(v)}
            out[notices[district]] = env.get_template("notice.html").render(
                items=items, addressee=addressee, you=you, number=numbers.get(district, ""),
                notice_documents=cite_documents([d for d in documents if d["ref"] in cited] or documents[:1], lang),
                overdue_sentence=overdue_sentence(overdue, you, fmt), **{**context, "issued": notice_issued,
                                                                          "rectify_by": notice_deadline})
        return out

    city = plan()["city"]
    groups = summary_groups([d for d in by_district if d != city])  # [] up to SUMMARY_PAGE districts: one page
    city_view = (lambda: city_history(history.get("city"), fmt, pages, notices, clauses, numbers)) if history else (lambda: None)

    def decoded(members: set | None) -> tuple[dict, dict]:
        """(as findings.json has them, as the documents cite them): the verdicts of ``members`` (None: every district)
        and the city's, each district decoded once."""
        raw = {d: raw_by_district[d] for d in raw_by_district if members is None or d in members or d == city}
        return raw, {d: [_cite(v, fmt) for v in vs] for d, vs in raw.items()}

    def cv_matrices(raw: dict) -> list[dict]:
        """The 差异系数 matrices of the districts of ``raw`` (all of them, or one page's), one per assessed document."""
        return [x for doc in assessed
                if (x := assessment.matrix(doc, {d: vs for d, vs in raw.items() if d != city},
                                           fmt, pages, {d: p for (d, ref), p in assessment_pages.items() if ref == doc["ref"]}))]

    def index() -> dict[str, str]:
        if groups:
            return overview()
        raw, every = decoded(None)  # one page of districts (up to SUMMARY_PAGE): decoded once, here
        matrices = cv_matrices(raw)
        shown = {**findings, "verdicts": [v for vs in every.values() for v in vs]}
        return {"index.html": env.get_template("index.html").render(
            **common, **summary_context(shown, every, clauses, pages, fmt, link), cv_matrices=matrices, **waiver_context(),
            files=findings["submissions"], page_header=header(city, t["summary_short"], sample_any),
            history=city_view(), summary_page=None, summary_pages=None)}

    def waiver_context(group: list[str] | None = None) -> dict:
        """The 豁免情况 table: every waiver on the summary (or its overview), a page's districts' on that page."""
        rows = waiver_rows(findings, fmt)
        return {"waivers": rows if group is None else [w for w in rows if w["district"] in group],
                "waiver_words": fmt.words["why"]}

    def overview() -> dict[str, str]:
        shown, shown_by = overview_findings(findings, by_district, city)
        sample = findings.get("sample_data") or []
        shown["sample_data"] = sample[:10] + (["…"] if len(sample) > 10 else [])
        context = summary_context(shown, shown_by, clauses, pages, fmt, link)
        rows = overview_rows(groups, source["verdicts"], notices, t["summary_page_label"])
        totals = status_counts(source["verdicts"].statuses())
        context.update(totals=totals, headline=headline(totals, fmt), status_chart=status_chart(rows))
        return {"index.html": env.get_template("index.html").render(
            **{**common, "findings": shown}, **context, **waiver_context(), files=[],
            page_header=header(city, t["summary_short"], sample_any), history=city_view(), summary_page=None, summary_pages=rows,
            cv_matrices=[])}

    def summary_page(number: int) -> dict[str, str]:
        group = groups[number - 1]
        raw, cited_by = decoded(set(group))
        shown, shown_by = page_findings(findings, cited_by, group, city)
        nav = {"number": number, "of": len(groups), "first": group[0], "last": group[-1],
               "previous": page_name(number - 1) if number > 1 else "", "next": page_name(number + 1) if number < len(groups) else ""}
        label = f"{t['summary_short']} · {t['summary_page_label'].format(n=number)}"
        return {page_name(number): env.get_template("index.html").render(
            **{**common, "findings": shown}, **summary_context(shown, shown_by, clauses, pages, fmt, link), **waiver_context(group),
            files=shown["submissions"], page_header=header(city, label, bool(shown["sample_data"])),
            history=None, summary_page=nav, summary_pages=None, cv_matrices=cv_matrices(raw))}

    def json_part() -> dict:
        if stage:
            return {"findings.json": stage_named(stage, "findings.json", lambda handle: write_findings_json(source, handle))}
        return {"findings.json": findings_json(source)}

    def xlsx_part() -> dict:
        try:
            return {"findings.xlsx": workbook(source, fmt)}
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
