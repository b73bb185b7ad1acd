"""Waivers applied to the verdicts (the waivers themselves: :mod:`auditor.rules.waivers`).

A waiver in force on the audit date (``valid_from`` <= as_of <= ``valid_until``, calendar dates in China
Standard Time) turns a ``fail`` or ``missing`` verdict of its district and check into ``waived``: the verdict
keeps its ``underlying_status``, its evidence and counts, and carries ``waiver`` (the document cited, the
reason, the validity, ``status: applied``). A waiver limited to some records waives the verdict only when every
failing or lacking record is among them; otherwise the records it names are marked (``waived`` on their
evidence item) and the verdict keeps its status. Nothing is hidden: every output still shows what was found.

A waiver whose validity ended before the audit date is not applied: a failing or missing verdict in its scope
keeps its status and carries ``waiver`` with ``status: expired`` (the reports say 豁免已过期). Every waiver is
reported in findings.json's ``waivers`` with what became of it — ``applied``, ``expired``, ``not_yet_valid``
or ``unused`` (in force, but what it covers passes, is not due or not applicable, the records it names are
not among the failing ones, or their district sent nothing) — so that no waiver is ever silently ignored. A record
key that a waiver in force names and its district's submission does not hold is an error (``W-SCOPE``,
:func:`absent_records`): such a waiver would waive nothing while it seemed to.
"""
from __future__ import annotations

import datetime as _dt
from collections.abc import Callable

from auditor.errors import Problem
from auditor.rules.waivers import Waiver
from auditor.texts import msg

WAIVABLE = ("fail", "missing")


def present_keys(facts, keys) -> frozenset:
    """Which of the record keys ``keys`` the district's records (``facts``, after derivation) hold. A key standing
    for a list (``class:DD001/*``) is there when its school is; ``class:*``, ``document:*``, always."""
    keys = set(keys)
    if not keys:
        return frozenset()
    held = {r.key for records in facts.records.values() for r in records}
    out = set()
    for key in keys:
        if key in held or (key.endswith(":*")):
            out.add(key)
        elif key.endswith("/*") and ":" in key:
            school = key[key.index(":") + 1:-2]
            if f"school:{school}" in held:
                out.add(key)
    return frozenset(out)


def absent_records(waivers: tuple[Waiver, ...], present: dict, as_of: _dt.date) -> list[Problem]:
    """W-SCOPE at each record key that a waiver in force names and its district's submission does not hold
    (``present``: district -> the named keys it holds; a district that sent nothing is not in it: its verdicts say
    so). Such a waiver would silently waive nothing — a misspelt class, or one renumbered since it was approved."""
    problems = []
    for w in waivers:
        if not w.records or w.district not in present or not w.valid_from <= as_of <= w.valid_until:
            continue
        for key, (line, column, path) in zip(w.records, w.records_at or [(w.line, 0, "")] * len(w.records)):
            if key not in present[w.district]:
                problems.append(Problem(w.file, line, column, "W-SCOPE", msg("waiver.record-absent", record=key, district=w.district), path))
    return problems


def apply(verdicts: list[dict], waivers: tuple[Waiver, ...], as_of: _dt.date, present: dict | None = None) -> list[dict]:
    """Apply ``waivers`` to ``verdicts`` in place; one report per waiver, in the order given. ``present``: the
    districts that submitted (district -> the record keys named that they hold); None: not known."""
    reports = []
    for w in waivers:
        scoped = [v for v in verdicts if v["district"] == w.district and v["check"] in w.checks]
        open_ = [v for v in scoped if v["status"] in WAIVABLE]
        report = {**w.cite(), "district": w.district, "checks": list(w.checks), "applied_to": []}
        if as_of > w.valid_until:
            for v in open_:
                v["waiver"] = {**w.cite(), "status": "expired"}
                report["applied_to"].append(v["check"])
            report["status"] = "expired"
        elif as_of < w.valid_from:
            report["status"] = "not_yet_valid"
        else:
            for v in open_:
                if _waive(v, w):
                    report["applied_to"].append(v["check"])
            report["status"] = "applied" if report["applied_to"] else "unused"
            if not report["applied_to"]:
                report["unused"] = ("no_verdict" if not scoped
                                    else "not_submitted" if w.records and present is not None and w.district not in present
                                    else "records_not_failing" if w.records and open_ else "nothing_to_waive")
        reports.append(report)
    return reports


def apply_by_district(verdicts_of: Callable[[str], list[dict]], waivers: tuple[Waiver, ...], as_of: _dt.date,
                      present: dict | None = None) -> list[dict]:
    """:func:`apply`, one district at a time: ``verdicts_of(district)`` gives that district's verdicts as a list
    to change in place (the audit keeps each district's verdicts encoded apart); the reports in the order given."""
    reports: list[dict | None] = [None] * len(waivers)
    for district in dict.fromkeys(w.district for w in waivers):
        mine = [i for i, w in enumerate(waivers) if w.district == district]
        for i, report in zip(mine, apply(verdicts_of(district), tuple(waivers[i] for i in mine), as_of, present)):
            reports[i] = report
    return reports


def _waive(v: dict, w: Waiver) -> bool:
    """Waive ``v`` (or the records of it ``w`` names); False when ``w`` covers nothing of it that fails or lacks."""
    problems = [e for e in v["evidence"] if e["problem"] in WAIVABLE]
    covered = [e for e in problems if not w.records or e["record"] in w.records]
    if not covered:
        return False
    for e in covered:
        e["waived"] = w.id
    if len(covered) == len(problems):
        v["underlying_status"] = v["status"]
        v["status"] = "waived"
        v["waiver"] = {**w.cite(), "status": "applied"}
    else:
        v["waiver"] = {**w.cite(), "status": "partial"}
    return True
