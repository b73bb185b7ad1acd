"""The city summary at scale: a province's or a nation's districts on pages of :data:`SUMMARY_PAGE`, with an overview.

Up to :data:`SUMMARY_PAGE` districts the summary (index.html) is one page, as it always was. Beyond, a 2,900-column
matrix would be a wall no one reads and tens of megabytes: index.html becomes an overview (the totals, one row
per page with its first and last district and its results, the city-wide targets) and each page of districts,
``summary-001.html``, ``summary-002.html``, …, is the summary of its districts alone, laid out as the one-page
summary (matrix, worklist, charts, per-check table, files), with the city's column and targets (their
contributions limited to the page's districts). Every page's size is bounded by the page size, not by the
number of districts; the overview grows by one row per page.
"""
from __future__ import annotations

from collections import Counter

from auditor.output.palette import STATUS_ORDER
from auditor.verdicts import Verdicts

SUMMARY_PAGE = 100  # districts on one page of the city summary


def summary_groups(districts: list[str], size: int = SUMMARY_PAGE) -> list[list[str]]:
    """The districts in pages of ``size``, in their order; [] when one page holds them all (no paging)."""
    if len(districts) <= size:
        return []
    return [districts[i:i + size] for i in range(0, len(districts), size)]


def page_name(number: int) -> str:
    """The file of page ``number`` (1-based)."""
    return f"summary-{number:03d}.html"


def _limited(verdict: dict, members: set) -> dict:
    """A city verdict whose measures' contributions are limited to ``members`` (the city's own figures kept)."""
    measures = verdict.get("measures")
    if not measures:
        return verdict
    return {**verdict, "measures": {name: {**m, "contributions": [c for c in m.get("contributions") or []
                                                                      if c.get("district") in members]}
                                    for name, m in measures.items()}}


def page_findings(findings: dict, by_district: dict, group: list[str], city: str) -> tuple[dict, dict]:
    """(findings, by_district) of one page: its districts' verdicts and the city's (contributions of the page's
    districts only); the files and expected districts are the page's. ``by_district``: district -> its verdicts, in
    the findings' order (``group`` is in that order too), each district's verdicts together."""
    members = set(group)
    city_verdicts = [_limited(v, members) for v in by_district.get(city, [])]
    own = {d: by_district[d] for d in group if d in by_district}  # each district's verdicts decoded once
    verdicts = [v for vs in own.values() for v in vs]
    submitted = {d: f for d, f in (findings.get("submitted_by") or {}).items() if d in members}
    page = {**findings, "verdicts": verdicts + city_verdicts, "submitted_by": submitted,
            "districts": [d for d in findings.get("districts") or [] if d in members],
            "submissions": sorted(f for files in submitted.values() for f in files),
            "sample_data": [d for d in findings.get("sample_data") or [] if d in members]}
    return page, {**own, **({city: city_verdicts} if city_verdicts else {})}


def overview_findings(findings: dict, by_district: dict, city: str) -> tuple[dict, dict]:
    """(findings, by_district) of the overview: the city's verdicts alone, without per-district contributions
    (each page shows its own districts')."""
    city_verdicts = [_limited(v, set()) for v in by_district.get(city, [])]
    return {**findings, "verdicts": city_verdicts}, ({city: city_verdicts} if city_verdicts else {})


def status_counts(statuses: Counter) -> dict[str, int]:
    """:func:`views.counts` from a tally of (status, method) -> verdicts (``Verdicts.statuses``): nothing decoded."""
    return {s: sum(n for (status, _), n in statuses.items() if status == s) for s in STATUS_ORDER}


def overview_rows(groups: list[list[str]], verdicts: Verdicts, notices: dict, label: str) -> list[dict]:
    """One row per page: its number, file, first and last district, how many districts, results and notices.
    ``label``: the chart's row label, with ``{n}`` for the page number. The results are counted from the
    verdicts' tallies (:meth:`Verdicts.statuses`), not decoded."""
    rows = []
    for number, group in enumerate(groups, start=1):
        statuses: Counter = Counter()
        for d in group:
            statuses.update(verdicts.statuses(d))
        rows.append({"number": number, "href": page_name(number), "first": group[0], "last": group[-1],
                     "districts": len(group), "counts": status_counts(statuses), "label": label.format(n=number),
                     "notices": sum(1 for d in group if d in notices)})
    return rows
