"""Reading the history: recorded audits, and one district's findings across them.

A *round* is an audit date (``as_of``). A round may hold several audits of a
district: a corrected submission is recorded beside the first one, and the
lifecycle follows both versions in turn (the correction can rectify a finding
within the round); an audit that saw the same submission again (re-run after
another district's correction) counts once.
"""
from __future__ import annotations

import json
import zlib
from dataclasses import dataclass
from functools import cached_property

from auditor.errors import Problem, StoreError
from auditor.texts import msg
from auditor.model import clause_order, district_order
from auditor.store import identity, lifecycle
from auditor.store.lifecycle import Notice, Obs

JUDGED = ("pass", "fail", "missing", "not_applicable", "waived")


@dataclass(frozen=True)
class Audit:
    id: int
    as_of: str
    recorded_at: str
    policy_hash: str
    engine: str
    districts: tuple


def all_audits(connection) -> list[Audit]:
    rows = connection.execute("SELECT id, as_of, recorded_at, policy_hash, engine, districts FROM audits ORDER BY as_of, id")
    return [Audit(i, a, r, p, e, tuple(json.loads(d))) for i, a, r, p, e, d in rows]


def resolve(connection, text: str, lang: str = "zh", path: str = "") -> Audit:
    """An audit named by its number (``3`` or ``#3``) or by its date (the round's last audit)."""
    audits = all_audits(connection)
    key = text.strip().lstrip("#")
    found = [a for a in audits if key.isdigit() and a.id == int(key)] or [a for a in audits if a.as_of == key][-1:]
    if not found:
        known = [f"#{a.id} {a.as_of}" for a in audits] or msg("store.no-audits")
        raise StoreError(Problem(path or "--db", 0, 0, "D-AUDIT", msg("store.no-audit", text=text, known=known)))
    return found[0]


def audits_of(connection, district: str, upto: Audit | None = None) -> list[Audit]:
    """The audits that covered ``district`` (up to and including ``upto``), oldest first."""
    covered = {r[0] for r in connection.execute("SELECT audit_id FROM audit_districts WHERE district = ?", (district,))}
    out = [a for a in all_audits(connection) if a.id in covered]
    if upto is not None:
        out = [a for a in out if a.as_of < upto.as_of or a.as_of == upto.as_of and a.id <= upto.id]
    return out


def last_per_round(audits: list[Audit]) -> list[Audit]:
    latest: dict[str, Audit] = {}
    for a in audits:
        if a.as_of not in latest or a.id > latest[a.as_of].id:
            latest[a.as_of] = a
    return [latest[k] for k in sorted(latest)]


def _in(ids) -> str:
    return ",".join(str(int(i)) for i in ids) or "NULL"


class DistrictHistory:
    """Everything recorded about one district over ``audits``, and each finding's observations."""

    def __init__(self, connection, district: str, audits: list[Audit], check: str | None = None):
        self.connection = connection
        self.district = district
        self.audits = list(audits)
        ids = _in(a.id for a in self.audits)
        self.status = {(a, c): s for a, c, s in connection.execute(
            f"SELECT audit_id, check_id, status FROM verdicts WHERE district = ? AND audit_id IN ({ids})", (district,))}
        self.defs: dict[tuple, str] = {}
        self.checks: dict[str, dict] = {}  # check -> {clause, title, policy} (from its latest audit)
        for a, c, d, clause, title, policy in connection.execute(
                f"SELECT audit_id, check_id, definition, clause, title, policy FROM check_defs WHERE audit_id IN ({ids})"
                " ORDER BY audit_id"):
            self.defs[(a, c)] = d
            self.checks[c] = {"clause": clause, "title": json.loads(title), "policy": policy}
        query = "SELECT id, check_id, item FROM findings WHERE district = ?" + (" AND check_id = ?" if check else "")
        self.findings = {fid: (c, item) for fid, c, item in connection.execute(query, (district, check) if check else (district,))}
        self.evidence: dict[tuple, tuple] = {}
        for a, fid, problem, data in connection.execute(
                f"SELECT e.audit_id, e.finding_id, e.problem, e.data FROM evidence e JOIN findings f ON f.id = e.finding_id"
                f" WHERE f.district = ? AND e.audit_id IN ({ids})", (district,)):
            if fid in self.findings:
                self.evidence[(a, fid)] = (problem, data)
        self._items = {a: (s, blob) for a, s, blob in connection.execute(
            f"SELECT audit_id, submission_id, items FROM audit_districts WHERE district = ? AND audit_id IN ({ids})", (district,))}
        self.versions = {sid: (v, sha, json.loads(files)) for sid, v, sha, files in connection.execute(
            "SELECT id, version, sha256, files FROM submissions WHERE district = ?", (district,))}
        self.notices: list[dict] = []
        self.named: dict[int, list[Notice]] = {}  # finding -> notices naming it
        for nid, audit, number, issued, deadline, as_of in connection.execute(
                "SELECT n.id, n.audit_id, n.number, n.issued, n.deadline, a.as_of FROM notices n JOIN audits a ON a.id = n.audit_id"
                " WHERE n.district = ? ORDER BY a.as_of, n.audit_id", (district,)):
            notice = Notice(number, as_of, issued, deadline, audit)
            items = connection.execute("SELECT finding_id, check_id, problem FROM notice_items WHERE notice_id = ?", (nid,)).fetchall()
            self.notices.append({"id": nid, "notice": notice, "items": items})
            for fid, _, _ in items:
                self.named.setdefault(fid, []).append(notice)

    @cached_property
    def rounds(self) -> list[Audit]:
        """The audits the lifecycle follows: per round, each version of the district's submission (its last audit)."""
        out: list[Audit] = []
        for a in self.audits:
            if out and out[-1].as_of == a.as_of and self.submission(out[-1].id) == self.submission(a.id):
                out[-1] = a  # the same submission audited again (another district's correction): the later audit
            else:
                out.append(a)
        return out

    def submission(self, audit: int) -> dict | None:
        sid = self._items.get(audit, (None, None))[0]
        if sid is None or sid not in self.versions:
            return None
        version, sha, files = self.versions[sid]
        return {"version": version, "sha256": sha, "files": files}

    def items(self, audit: int) -> set[str] | None:
        """The items the district's submission held in ``audit`` (None: it sent nothing)."""
        cache = self.__dict__.setdefault("_item_sets", {})
        if audit not in cache:
            sid, blob = self._items.get(audit, (None, None))
            text = zlib.decompress(blob).decode("utf-8") if blob else ""
            cache[audit] = set(text.split("\n")) if text else set()
            if sid is not None:
                cache[audit].add("submission")
            elif not cache[audit]:
                cache[audit] = None
        return cache[audit]

    def observe(self, fid: int, audit: Audit) -> Obs:
        check, item = self.findings[fid]
        definition = self.defs.get((audit.id, check))
        status = self.status.get((audit.id, check))
        if definition is None:
            return Obs(audit.id, audit.as_of, "unknown", None, "no_rule")
        if status is None or status not in JUDGED:
            return Obs(audit.id, audit.as_of, "unknown", definition, "not_due" if status == "not_due" else "not_audited")
        found = self.evidence.get((audit.id, fid))
        if found:
            problem = found[0] if found[0] in lifecycle.OPEN else "fail"
            if status == "waived" or self._waived(audit.id, fid):  # an approved deferral in force: not open
                return Obs(audit.id, audit.as_of, lifecycle.WAIVED, definition, underlying=problem)
            return Obs(audit.id, audit.as_of, problem, definition)
        items = self.items(audit.id)
        if items is None:
            return Obs(audit.id, audit.as_of, "unknown", definition, "not_submitted")
        if not identity.present(item, items):
            return Obs(audit.id, audit.as_of, "unknown", definition, "not_reported")
        return Obs(audit.id, audit.as_of, "clear", definition)

    def _waived(self, audit: int, fid: int) -> bool:
        """Whether the evidence entry is a record a waiver in force covers (``waived: <id>``, in a verdict that kept
        its status because the waiver names only some of its records)."""
        return '"waived":' in self.evidence[(audit, fid)][1] and bool(json.loads(self.evidence[(audit, fid)][1]).get("waived"))

    def waiver(self, fid: int, audit: int) -> dict | None:
        """The waiver in force that covers the finding at ``audit`` (its id, the approving document, validity), or None."""
        entry = self.entry(fid, audit) or {}
        if not entry.get("waived"):
            return None
        check = self.findings[fid][0]
        row = self.connection.execute("SELECT data FROM verdicts WHERE audit_id = ? AND district = ? AND check_id = ?",
                                      (audit, self.district, check)).fetchone()
        cited = (json.loads(row[0]).get("waiver") or {}) if row else {}
        return {"id": entry["waived"], "document": cited.get("document") or {}, "reason": cited.get("reason", ""),
                "valid_from": cited.get("valid_from", ""), "valid_until": cited.get("valid_until", "")}

    def stood_for(self, fid: int, audit: Audit, since: Audit | None = None) -> list[int]:
        """For a placeholder finding (``class:*``, ``class:DD001/*``, ``submission``: missing data), the findings of the
        same check open at ``audit`` whose records it stood for: the data was supplied, and the check fails (or still
        lacks data) on those records. A record judged (open, clear or waived) at an audit from ``since`` (the audit
        that issued the notice naming the placeholder) up to ``audit`` was not stood for: it had its data then, and
        what it shows now is its own finding."""
        check, item = self.findings[fid]
        if not identity.placeholder(item):
            return []
        key = (audit.as_of, audit.id)
        between = [a for a in self.audits if since is not None and (since.as_of, since.id) <= (a.as_of, a.id) < key]
        by_check = self.__dict__.setdefault("_by_check", {})
        if not by_check:
            for other, (c, _) in self.findings.items():
                by_check.setdefault(c, []).append(other)
        found = [other for other in by_check.get(check, ())
                 if (audit.id, other) in self.evidence and identity.covers(item, self.findings[other][1])
                 and self.observe(other, audit).status in lifecycle.OPEN
                 and all(self.observe(other, a).status == "unknown" for a in between)]
        return sorted(found, key=lambda other: self.findings[other][1])

    def review(self, fid: int, audit: Audit, since: Audit | None = None) -> tuple[Obs, list[int]]:
        """How a finding a notice named stands at ``audit`` for the notice's re-inspection (复查): its observation,
        except that a placeholder for missing data that is gone because the data was supplied, while the check
        fails on the records it stood for (:meth:`stood_for`; ``since``: the audit that issued the notice), is not
        rectified — it is open, with those records (the second value)."""
        obs = self.observe(fid, audit)
        if obs.status != "clear":
            return obs, []
        instead = self.stood_for(fid, audit, since)
        if not instead:
            return obs, []
        statuses = {self.observe(other, audit).status for other in instead}
        return Obs(obs.audit, obs.as_of, "fail" if "fail" in statuses else "missing", obs.definition), instead

    def observations(self, fid: int, audits: list[Audit] | None = None) -> list[Obs]:
        """The finding's observation at each audit (the lifecycle's input). A placeholder for missing data that is
        gone because the data was supplied, while the check is open on the records it stood for, is open, as the
        re-inspection (:meth:`review`) finds it — with those records (``instead``) — and stays open while any of
        them is: it is rectified once the records it stood for are (so 与上次督导比较, ``history`` and ``compare``
        never call 已整改 what the 复查 calls 未整改 or 部分整改)."""
        out: list[Obs] = []
        placeholder = identity.placeholder(self.findings[fid][1])
        last_open: Audit | None = None  # the last audit at which the placeholder itself was in the evidence
        resolved: tuple = ()  # the records the supplied data showed it stood for
        for a in (self.rounds if audits is None else audits):
            obs = self.observe(fid, a)
            if placeholder and obs.status in lifecycle.OPEN:
                last_open, resolved = a, ()
            elif placeholder and obs.status == "clear" and last_open is not None:
                if not resolved:
                    resolved = tuple(self.stood_for(fid, a, last_open))
                seen = {g: self.observe(g, a).status for g in resolved}
                still = tuple(g for g in resolved if seen[g] in lifecycle.OPEN)
                if still:
                    status = "fail" if "fail" in {seen[g] for g in still} else "missing"
                    obs = Obs(obs.audit, obs.as_of, status, obs.definition, instead=still)
                elif any(s == "unknown" for s in seen.values()):
                    obs = Obs(obs.audit, obs.as_of, "unknown", obs.definition, "not_reported")
                else:
                    last_open, resolved = None, ()
            out.append(obs)
        return out

    def states(self, fid: int, audits: list[Audit] | None = None) -> list:
        return lifecycle.states(self.observations(fid, audits), self.named.get(fid, []))

    def latest_entry(self, fid: int) -> dict:
        for audit in reversed(self.audits):
            found = self.evidence.get((audit.id, fid))
            if found:
                return json.loads(found[1])
        return {}

    def entry(self, fid: int, audit: int) -> dict | None:
        found = self.evidence.get((audit, fid))
        return json.loads(found[1]) if found else None

    def order(self, fid: int, first_open: str) -> tuple:
        check, item = self.findings[fid]
        return (first_open, clause_order(self.checks.get(check, {}).get("clause", "")), check, item)


def districts_of(connection) -> list[str]:
    names = [r[0] for r in connection.execute("SELECT DISTINCT district FROM audit_districts")]
    return sorted(names, key=lambda d: (district_order(d), d))


def checks_of(connection) -> list[str]:
    return sorted(r[0] for r in connection.execute("SELECT DISTINCT check_id FROM check_defs"))


def findings_of(connection, audit: int) -> list[dict]:
    """The verdicts of a recorded audit, each with its evidence in the order the audit gave it."""
    evidence: dict[tuple, list] = {}
    for district, check, position, data in connection.execute(
            "SELECT f.district, f.check_id, e.position, e.data FROM evidence e JOIN findings f ON f.id = e.finding_id"
            " WHERE e.audit_id = ? ORDER BY e.position", (audit,)):
        evidence.setdefault((district, check), []).append(json.loads(data))
    out = []
    for district, check, data in connection.execute(
            "SELECT district, check_id, data FROM verdicts WHERE audit_id = ? ORDER BY rowid", (audit,)):
        out.append({**json.loads(data), "evidence": evidence.get((district, check), [])})
    return out
