"""Plain dicts the reports need from the history: one district's, and the city's.

``district_view(connection, audit, district)`` — for a district's report (督导意见:
复查情况, 与上次督导比较) and its rectification notice (items carried over):

    {"district", "audit": {audit, as_of, recorded_at, engine, policy_set},
     "covered": bool,                                      # False (and nothing else): the audit did not cover the district
     "submission": {"version", "sha256", "files", "versions": [{"version", "sha256", "files", "first_audit"}]} | None,
     "previous": {audit dict} | None,                      # the last audit of the round before
     "previous_notice": {"number", "as_of", "issued", "deadline", "audit",
                         "items": [{"check", "clause", "title", "state", "label": {zh, en},
                                    "fixed", "not_fixed", "unknown", "total", "rule_changed", "by_rule", "waived",
                                    "findings": [{"item", "label", "then", "now", "why",
                                                  "instead": [{"item", "label", "now"}],  # a placeholder for missing
                                                  #  data whose records, supplied, fail: not rectified (see query.review)
                                                  "waiver": {"id", "document", "reason", "valid_from", "valid_until"}}]}]}
                                                  # (instead, waiver: only when there is one)
                        | None,
     "comparison": {"counts": {state: n}, "findings": {state: [finding]}},
     "carried_over": [finding + {"overdue": bool, "notices": [notice], "first_overdue": notice | None,
                                 "in_notice": bool}],    # in_notice: the notice issued from this audit names it again
     "notice": {"number", "as_of", "issued", "deadline", "audit", "items": n} | None,
                                                           # the notice issued from this audit (or, re-audited unchanged
                                                           # after another district's correction, from the earlier one)
     "projections": [projection]}                          # see projection.py

where a finding is {"district", "check", "clause", "title": {zh, en}, "item", "label": {zh, en}, "state", "since",
"rounds_open", "rule_changed", "overdue_notices", "was", "now", "why", "message": {zh, en} (when the evidence has one),
"waiver" (when it is waived now)},
a notice is {"number", "as_of", "issued", "deadline", "audit"}, states are lifecycle.STATES (labels in
lifecycle.LABELS), notice item states lifecycle.NOTICE_STATES, observations fail | missing | clear | unknown | waived.

``report_views(connection, audit_id)`` — both, for the documents of one recorded audit (each district's view
computed once): ``{"audit", "districts": {district: district_view}, "city": city_view}``.

``city_view(connection, audit)`` — for the city summary (trend charts, overdue list):

    {"audit", "rounds": [as_of...],
     "districts": [{"district", "fail": [n per round | None], "missing": [...], "checks_failing": [...],
                    "checks_missing": [...]}],           # evidence items of failed/missing checks, per round
     "clauses": [{"clause", "districts_failing": [n per round]}],
     "overdue": [finding + {"notices", "first_overdue"}],
     "comparison": {district: counts}, "projections": {district: [projection]}}
"""
from __future__ import annotations

import json

from auditor.model import clause_order, district_order, plan
from auditor.store import identity, lifecycle, projection
from auditor.store.history import audit_dict, kinds_zh, notice_dict, stood_for_records
from auditor.store.lifecycle import OPEN, STATES

SEEN = (*OPEN, lifecycle.WAIVED)  # a finding the comparison lists when it is so at either audit
from auditor.store.query import Audit, DistrictHistory, all_audits, audits_of, last_per_round


def _verdicts(connection, district: str, audits: list[Audit], audit: Audit) -> dict[int, dict[str, dict]]:
    """The district's verdicts in ``audits`` of the checks not yet due in ``audit`` (the only ones projected)."""
    checks = [c for (c,) in connection.execute(
        "SELECT check_id FROM verdicts WHERE district = ? AND audit_id = ? AND status = 'not_due'", (district, audit.id))]
    if not checks:
        return {}
    ids = ",".join(str(a.id) for a in audits) or "NULL"
    out: dict[int, dict[str, dict]] = {}
    for audit_id, check, data in connection.execute(
            f"SELECT audit_id, check_id, data FROM verdicts WHERE district = ? AND audit_id IN ({ids})"
            f" AND check_id IN ({','.join('?' * len(checks))})", (district, *checks)):
        out.setdefault(audit_id, {})[check] = json.loads(data)
    return out


def _finding(h: DistrictHistory, fid: int, kinds: dict, state, was, now, audit: Audit) -> dict:
    check, item = h.findings[fid]
    meta = h.checks.get(check, {"clause": "", "title": {"zh": check, "en": check}})
    entry = h.entry(fid, audit.id) or h.latest_entry(fid)
    return {"district": h.district, "check": check, "clause": meta["clause"], "title": meta["title"], "item": item,
            "label": identity.label(item, entry, kinds), "state": state.state, "since": state.since,
            "rounds_open": state.rounds, "rule_changed": state.rule_changed,
            "overdue_notices": [notice_dict(n) for n in state.overdue],
            "was": was.status if was else None, "now": now.status, "why": now.why,
            **({"message": entry["message"]} if entry.get("message") else {}), **stood_for_records(h, now, kinds),
            **({"waiver": h.waiver(fid, now.audit)} if now.status == lifecycle.WAIVED else {})}


def _order(f: dict) -> tuple:
    return (clause_order(f["clause"]), f["check"], f["item"])


def district_view(connection, audit: Audit, district: str) -> dict:
    kinds = kinds_zh()
    h = DistrictHistory(connection, district, audits_of(connection, district, upto=audit))
    rounds = h.rounds
    if not rounds or rounds[-1].id != audit.id:
        return {"district": district, "audit": audit_dict(audit), "covered": False}
    previous = next((a for a in reversed(rounds) if a.as_of < audit.as_of), None)  # the round before
    at_previous = rounds.index(previous) if previous else None
    comparison = {s: [] for s in STATES}
    carried = []
    own = [n for n in h.notices if n["notice"].audit == audit.id] or [
        n for n in h.notices if n["notice"].as_of == audit.as_of and h.submission(n["notice"].audit) == h.submission(audit.id)]
    listed = {fid for fid, _, _ in own[0]["items"]} if own else set()
    for fid in h.findings:
        observations = h.observations(fid, rounds)
        state = lifecycle.states(observations, h.named.get(fid, []))[-1]
        now, was = observations[-1], observations[at_previous] if previous else None
        if state is None:
            continue
        if now.status in SEEN or (was is not None and was.status in SEEN):
            comparison[state.state].append(_finding(h, fid, kinds, state, was, now, audit))
        earlier = [n for n in h.named.get(fid, []) if n.as_of < audit.as_of and n.as_of >= state.since]
        if now.status in OPEN and earlier and state.state in ("persisting", "overdue"):
            first_late = next((n for n in earlier if n.deadline < audit.as_of), None)
            carried.append({**_finding(h, fid, kinds, state, was, now, audit), "overdue": state.state == "overdue",
                            "notices": [notice_dict(n) for n in earlier],
                            "first_overdue": notice_dict(first_late) if first_late else None,
                            "in_notice": fid in listed})  # this audit's notice names it again
    for rows in comparison.values():
        rows.sort(key=_order)
    carried.sort(key=_order)
    verdicts = _verdicts(connection, district, rounds, audit)
    earlier_verdicts: dict[str, list] = {}
    for a in last_per_round([a for a in rounds if a.as_of < audit.as_of]):
        for check, v in verdicts.get(a.id, {}).items():
            earlier_verdicts.setdefault(check, []).append((a.as_of, v))
    current = sorted(verdicts.get(audit.id, {}).values(), key=lambda v: (clause_order(v["clause"]), v["check"]))
    submission = h.submission(audit.id)
    if submission is not None:
        submission["versions"] = [{"version": v, "sha256": sha, "files": files, "first_audit": first}
                                  for v, sha, files, first in connection.execute(
                                      "SELECT version, sha256, files, first_audit FROM submissions WHERE district = ? AND as_of = ?"
                                      " ORDER BY version", (district, audit.as_of))]
        for v in submission["versions"]:
            v["files"] = json.loads(v["files"])
    return {
        "district": district, "audit": audit_dict(audit), "covered": True, "submission": submission,
        "previous": audit_dict(previous) if previous else None,
        "previous_notice": _previous_notice(h, audit, kinds),
        "comparison": {"counts": {s: len(rows) for s, rows in comparison.items()}, "findings": comparison},
        "carried_over": carried,
        "notice": ({**notice_dict(own[0]["notice"]), "items": len(own[0]["items"])} if own else None),
        "projections": projection.projections(current, audit.as_of, earlier_verdicts),
    }


def _previous_notice(h: DistrictHistory, audit: Audit, kinds: dict) -> dict | None:
    """The last notice issued to the district before this audit's round, each item's state now (复查) — or, for a
    corrected submission audited in the same round, the notice issued from the earlier version: the correction is
    the district's answer to it (a district re-audited unchanged keeps its own notice and reviews the one before)."""
    before = [n for n in h.notices if n["notice"].as_of < audit.as_of
              or (n["notice"].as_of == audit.as_of and n["notice"].audit < audit.id
                  and h.submission(n["notice"].audit) != h.submission(audit.id))]
    if not before:
        return None
    chosen = before[-1]
    notice = chosen["notice"]
    by_check: dict[str, list] = {}
    for fid, check, problem in chosen["items"]:
        by_check.setdefault(check, []).append((fid, problem))
    items = []
    for check, named in by_check.items():
        issued_by = next((a for a in h.audits if a.id == notice.audit), None)
        reviewed = [h.review(fid, audit, issued_by) for fid, _ in named]
        now = [o for o, _ in reviewed]
        then_def = h.defs.get((notice.audit, check))
        changed = then_def is not None and h.defs.get((audit.id, check)) != then_def
        result = lifecycle.notice_item([o.status for o in now], changed, [problem for _, problem in named])
        meta = h.checks.get(check, {"clause": "", "title": {"zh": check, "en": check}})
        items.append({"check": check, "clause": meta["clause"], "title": meta["title"], "state": result.state,
                      "label": {lang: lifecycle.NOTICE_LABELS[lang][result.state] for lang in ("zh", "en")},
                      "fixed": result.fixed, "not_fixed": result.not_fixed, "unknown": result.unknown,
                      "total": result.total, "rule_changed": changed, "by_rule": result.by_rule, "waived": result.waived,
                      "findings": [{"item": h.findings[fid][1],
                                    "label": identity.label(h.findings[fid][1], h.entry(fid, notice.audit) or h.latest_entry(fid), kinds),
                                    "then": problem, "now": o.status, "why": o.why,
                                    **({"instead": [{"item": h.findings[g][1], "now": h.observe(g, audit).status,
                                                     "label": identity.label(h.findings[g][1], h.entry(g, audit.id), kinds)}
                                                    for g in instead]} if instead else {}),
                                    **({"waiver": h.waiver(fid, audit.id)} if o.status == lifecycle.WAIVED else {})}
                                   for (fid, problem), o, (_, instead) in zip(named, now, reviewed)]})
    items.sort(key=lambda i: (clause_order(i["clause"]), i["check"]))
    return {**notice_dict(notice), "items": items}


def city_view(connection, audit: Audit, views: dict | None = None) -> dict:
    """``views``: the district views of ``audit`` already computed (``report_views``), else computed here."""
    city = plan()["city"]
    rounds = last_per_round([a for a in all_audits(connection)
                             if a.as_of < audit.as_of or a.as_of == audit.as_of and a.id <= audit.id])
    covered = sorted({r[0] for r in connection.execute("SELECT district FROM audit_districts WHERE audit_id = ?", (audit.id,))},
                     key=lambda d: (district_order(d), d))
    trend: dict[str, dict[str, list]] = {d: {k: [None] * len(rounds) for k in ("fail", "missing", "checks_failing", "checks_missing")}
                                         for d in covered}
    clauses: dict[str, list] = {}
    for index, a in enumerate(rounds):
        for district, status, n in connection.execute(
                "SELECT district, status, count(*) FROM verdicts WHERE audit_id = ? GROUP BY district, status", (a.id,)):
            if district in trend:
                row = trend[district]
                for key in ("fail", "missing", "checks_failing", "checks_missing"):
                    row[key][index] = row[key][index] or 0
                if status in OPEN:
                    row["checks_failing" if status == "fail" else "checks_missing"][index] = n
        for district, problem, n in connection.execute(
                "SELECT f.district, e.problem, count(*) FROM evidence e JOIN findings f ON f.id = e.finding_id"
                " JOIN verdicts v ON v.audit_id = e.audit_id AND v.district = f.district AND v.check_id = f.check_id"
                " WHERE e.audit_id = ? AND v.status IN ('fail', 'missing') GROUP BY f.district, e.problem", (a.id,)):
            if district in trend and problem in OPEN:
                trend[district][problem][index] = n
        for clause, n in connection.execute(
                "SELECT c.clause, count(DISTINCT v.district) FROM verdicts v JOIN check_defs c"
                " ON c.audit_id = v.audit_id AND c.check_id = v.check_id WHERE v.audit_id = ? AND v.status = 'fail'"
                " AND v.district != ? GROUP BY c.clause", (a.id, city)):
            clauses.setdefault(clause, [0] * len(rounds))[index] = n
    views = {d: (views or {}).get(d) or district_view(connection, audit, d) for d in covered}
    overdue = [f for d in covered for f in views[d].get("carried_over", []) if f["overdue"]]
    return {
        "audit": audit_dict(audit), "rounds": [a.as_of for a in rounds],
        "districts": [{"district": d, **trend[d]} for d in covered],
        # every clause the audit's checks cite (each document's, in clause order; the store keeps clauses, not packs)
        "clauses": [{"clause": c, "districts_failing": clauses.get(c, [0] * len(rounds))} for c in sorted(
            {row[0] for row in connection.execute("SELECT DISTINCT clause FROM check_defs WHERE audit_id = ?", (audit.id,))}
            | set(clauses), key=clause_order)],
        "overdue": overdue,
        "comparison": {d: views[d]["comparison"]["counts"] for d in covered if views[d].get("covered")},
        "projections": {d: views[d]["projections"] for d in covered if views[d].get("covered") and views[d]["projections"]},
    }


def report_views(connection, audit_id: int) -> dict:
    """What the documents of recorded audit ``audit_id`` read from the history, each district's view computed once:
    ``{"audit": {audit dict}, "districts": {district: district_view}, "city": city_view}`` (every district the
    audit covered, the city included)."""
    audit = next(a for a in all_audits(connection) if a.id == audit_id)
    covered = [r[0] for r in connection.execute("SELECT district FROM audit_districts WHERE audit_id = ?", (audit.id,))]
    districts = {d: district_view(connection, audit, d) for d in sorted(covered, key=lambda d: (district_order(d), d))}
    return {"audit": audit_dict(audit), "districts": districts, "city": city_view(connection, audit, districts)}
