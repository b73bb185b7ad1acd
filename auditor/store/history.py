"""What ``auditor audits``, ``auditor history`` and ``auditor compare`` print, as plain dicts.

The JSON forms are these dicts; their schemas are ``auditor/schemas/audits.schema.json``,
``history.schema.json`` and ``compare.schema.json``.
"""
from __future__ import annotations

import json

from auditor.intake import contracts
from auditor.model import clause_order, district_order
from auditor.store import identity
from auditor.store.lifecycle import OPEN, STATES, WAIVED

SEEN = (*OPEN, WAIVED)  # compare lists a finding open or waived at either audit
from auditor.store.query import Audit, DistrictHistory, all_audits, audits_of, districts_of

HISTORY_FORMAT = "auditor-history/1"
COMPARE_FORMAT = "auditor-compare/1"
AUDITS_FORMAT = "auditor-audits/1"


def kinds_zh() -> dict:
    """Document kinds' Chinese names, from the submission schema."""
    return contracts.scalar_fields("document")["kind"].get("x-enum-zh", {})


def audit_dict(a: Audit) -> dict:
    return {"audit": a.id, "as_of": a.as_of, "recorded_at": a.recorded_at, "engine": a.engine, "policy_set": a.policy_hash}


def notice_dict(n) -> dict:
    return {"number": n.number, "as_of": n.as_of, "issued": n.issued, "deadline": n.deadline, "audit": n.audit}


def audits(connection) -> dict:
    """Every recorded audit, oldest first, with its verdict counts, notices and corrected submissions."""
    out = []
    counts: dict[int, dict] = {}
    for audit, status, n in connection.execute("SELECT audit_id, status, count(*) FROM verdicts GROUP BY audit_id, status"):
        counts.setdefault(audit, {})[status] = n
    notices: dict[int, list] = {}
    for audit, district, number in connection.execute("SELECT audit_id, district, number FROM notices ORDER BY id"):
        notices.setdefault(audit, []).append({"district": district, "number": number})
    submitted: dict[int, list] = {}
    for audit, district, version in connection.execute(
            "SELECT d.audit_id, d.district, s.version FROM audit_districts d JOIN submissions s ON s.id = d.submission_id"):
        submitted.setdefault(audit, []).append((district, version))
    for a in all_audits(connection):
        rows = submitted.get(a.id, [])
        out.append({**audit_dict(a), "districts": len(a.districts), "submitted": len(rows),
                    "verdicts": dict(sorted(counts.get(a.id, {}).items())),
                    "notices": notices.get(a.id, []),
                    "resubmitted": [{"district": d, "version": v}
                                    for d, v in sorted(rows, key=lambda r: (district_order(r[0]), r[0])) if v > 1]})
    return {"format": AUDITS_FORMAT, "audits": out}


def _finding(h: DistrictHistory, fid: int, kinds: dict) -> dict:
    check, item = h.findings[fid]
    meta = h.checks.get(check, {"clause": "", "title": {"zh": check, "en": check}})
    return {"district": h.district, "check": check, "clause": meta["clause"], "title": meta["title"], "item": item,
            "label": identity.label(item, h.latest_entry(fid), kinds)}


def stood_for_records(h: DistrictHistory, obs, kinds: dict) -> dict:
    """``{"instead": [{"item", "label", "now"}]}`` for a placeholder for missing data open on the records it stood
    for (``Obs.instead``: the data was supplied and those records fail or still lack data), else ``{}``."""
    if not obs.instead:
        return {}
    return {"instead": [{"item": h.findings[g][1], "now": h.observe(g, next(a for a in h.audits if a.id == obs.audit)).status,
                         "label": identity.label(h.findings[g][1], h.entry(g, obs.audit) or h.latest_entry(g), kinds)}
                        for g in obs.instead]}


def _state_fields(state) -> dict:
    return {"state": state.state, "since": state.since, "rounds_open": state.rounds, "rule_changed": state.rule_changed,
            "overdue_notices": [notice_dict(n) for n in state.overdue]}


def district_findings(h: DistrictHistory, kinds: dict) -> list[dict]:
    """Each finding of the district that was ever open, with its state at each round, oldest first.

    A round with two versions of the district's submission shows the last one, the earlier ones beside it."""
    out = []
    for fid in h.findings:
        observations = h.observations(fid)
        states = h.states(fid)
        if all(s is None for s in states):
            continue
        first = next(o.as_of for o, s in zip(observations, states) if s is not None)
        rounds: list[dict] = []
        for audit, obs, state in zip(h.rounds, observations, states):
            submission = h.submission(audit.id)
            one = {"audit": audit.id, "as_of": audit.as_of, "status": obs.status, "why": obs.why,
                   "state": state.state if state else None, "version": submission["version"] if submission else None}
            entry = h.entry(fid, audit.id)
            if entry and entry.get("message"):
                one["message"] = entry["message"]
            if rounds and rounds[-1]["as_of"] == audit.as_of:  # a corrected submission in the same round
                earlier = rounds.pop()
                one["earlier"] = earlier.pop("earlier", []) + [
                    {k: earlier[k] for k in ("audit", "status", "why", "state", "version")}]
            rounds.append(one)
        current = states[-1]
        out.append({**_finding(h, fid, kinds), **_state_fields(current), **stood_for_records(h, observations[-1], kinds),
                    "notices": [notice_dict(n) for n in h.named.get(fid, [])], "rounds": rounds,
                    "_order": h.order(fid, first)})
    out.sort(key=lambda f: f.pop("_order"))
    return out


def history(connection, district: str | None = None, check: str | None = None) -> dict:
    districts = [district] if district else districts_of(connection)
    findings, submissions = [], []
    rounds: set[str] = set()
    kinds = kinds_zh()
    for name in districts:
        h = DistrictHistory(connection, name, audits_of(connection, name), check)
        rounds.update(a.as_of for a in h.rounds)
        findings.extend(district_findings(h, kinds))
        for a in h.rounds:  # what was on file at each audit the lifecycle follows
            on_file = h.submission(a.id)
            submissions.append({"district": name, "audit": a.id, "as_of": a.as_of,
                                **(on_file or {"version": None, "sha256": None, "files": []})})
    counts = {s: sum(1 for f in findings if f["state"] == s) for s in STATES}
    return {"format": HISTORY_FORMAT, "district": district, "check": check, "rounds": sorted(rounds),
            "counts": counts, "submissions": submissions, "findings": findings}


def compare(connection, first: Audit, second: Audit) -> dict:
    """What changed from audit ``first`` to audit ``second``, per district and clause."""
    if (second.as_of, second.id) < (first.as_of, first.id):
        first, second = second, first
    kinds = kinds_zh()
    districts = sorted(set(first.districts) | set(second.districts) | _audited(connection, first, second),
                       key=lambda d: (district_order(d), d))
    out, totals = [], {s: 0 for s in STATES}
    for name in districts:
        h = DistrictHistory(connection, name, audits_of(connection, name, upto=first) + [second])
        before = [a for a in h.rounds if a.id != second.id]
        if not before or before[-1].id != first.id:
            continue  # the first audit did not cover this district
        sequence = before + [second]
        if not any(audit == second.id for audit, _ in h.status):
            continue  # the second audit did not cover it
        rows = []
        for fid in h.findings:
            observations = h.observations(fid, sequence)
            was, now = observations[-2], observations[-1]
            if was.status not in SEEN and now.status not in SEEN:
                continue
            state = h.states(fid, sequence)[-1]
            rows.append({**_finding(h, fid, kinds), **_state_fields(state), "was": was.status, "now": now.status,
                         "why": now.why, **stood_for_records(h, now, kinds)})
        if not rows:
            continue
        counts = {s: sum(1 for r in rows if r["state"] == s) for s in STATES}
        for s in STATES:
            totals[s] += counts[s]
        clauses: dict[str, list] = {}
        for r in sorted(rows, key=_order):
            clauses.setdefault(r["clause"], []).append(r)
        out.append({"district": name, "counts": counts,
                    "clauses": [{"clause": c, "findings": fs} for c, fs in clauses.items()]})
    return {"format": COMPARE_FORMAT, "from": audit_dict(first), "to": audit_dict(second),
            "rule_changes": rule_changes(connection, first, second), "totals": totals, "districts": out}


def _order(row: dict) -> tuple:
    return (clause_order(row["clause"]), row["check"], row["item"])


def _audited(connection, *audits: Audit) -> set[str]:
    ids = ",".join(str(a.id) for a in audits)
    return {r[0] for r in connection.execute(f"SELECT DISTINCT district FROM audit_districts WHERE audit_id IN ({ids})")}


def rule_changes(connection, first: Audit, second: Audit) -> list[dict]:
    """Checks whose definition differs between two audits (added and removed ones too)."""
    def defs(audit):
        return {c: (d, clause, json.loads(t)) for c, d, clause, t in connection.execute(
            "SELECT check_id, definition, clause, title FROM check_defs WHERE audit_id = ?", (audit.id,))}
    a, b = defs(first), defs(second)
    out = []
    for check in sorted(set(a) | set(b)):
        if check in a and check in b and a[check][0] == b[check][0]:
            continue
        _, clause, title = b.get(check) or a[check]
        change = "added" if check not in a else "removed" if check not in b else "changed"
        out.append({"check": check, "clause": clause, "title": title, "change": change})
    out.sort(key=lambda r: (clause_order(r["clause"]), r["check"]))
    return out
