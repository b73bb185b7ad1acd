"""Recording an audit into the history: one transaction, stored whole or not at all.

What is kept: the audit date, the run time, the policy set's hash and every
policy file's content, the engine, each district's submission (content hash,
file names, version within the round), which records each district submitted
(to tell a fixed record from one no longer reported), every verdict and each of
its evidence items under its stable finding identity, and the rectification
notices issued from the audit (number, issue date, deadline, items).

The same audit recorded twice — the same audit date, expected districts,
submission contents and policy files — is stored once: the second time
returns the first record, with every notice its documents show as the history
holds it (number, date of issue, deadline): a notice number once issued keeps
its dates. A district whose corrected submission arrives for a
round already recorded gets a new version beside the old one (both kept), and
a new notice; districts whose submissions did not change are not notified twice.
"""
from __future__ import annotations

import datetime as _dt
import hashlib
import json
import os
import zlib
from contextlib import contextmanager
from dataclasses import dataclass, field

from auditor.errors import Problem, UsageError
from auditor.model import district_order, plan
from auditor import dates
from auditor.store import db, identity, numbering
from auditor.verdicts import as_verdicts

DEFAULT_NUMBER = numbering.DEFAULT_PATTERN
NOTICE_STATUSES = ("fail", "missing")


@dataclass
class Recorded:
    audit: int
    new: bool  # False: this audit was recorded before (nothing written)
    notices: list = field(default_factory=list)  # [{district, number, issued, deadline, items}] issued by this audit
    numbers: dict = field(default_factory=dict)  # district -> its notice's number, issued now or for this round before
    dates: dict = field(default_factory=dict)  # district -> (date of issue, deadline) of that notice as recorded (ISO)
    issue: tuple | None = None  # (date of issue, deadline) of the notices this audit issued (ISO); None if it issued none


def check_number_pattern(pattern: str) -> str:
    """``--number``: a pattern of auditor/store/numbering.py (a running number N, optionally ``{year}``)."""
    problem = numbering.number_problem(pattern)
    if problem:
        raise UsageError(Problem("--number", 0, 0, "U-ARGS", problem))
    return pattern


def file_sha256(path: str) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def submission_hash(files: list[str]) -> str:
    """A submission's content hash: the file's sha256, or for a CSV set the sha256 of its files' sorted hashes."""
    hashes = sorted(file_sha256(f) for f in files)
    if len(hashes) == 1:
        return "sha256:" + hashes[0]
    return "sha256:" + hashlib.sha256("\n".join(hashes).encode()).hexdigest()


def _dumps(value) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str)


def audit_identity(as_of: str, policy_hash: str, districts: list[str], submissions: dict[str, str]) -> str:
    body = {"as_of": as_of, "policies": policy_hash, "districts": sorted(districts), "submissions": submissions}
    return "sha256:" + hashlib.sha256(_dumps(body).encode()).hexdigest()


def notice_items(verdicts: list[dict]) -> list[tuple[str, str, str]]:
    """(check, item, problem) a district's notice names: the evidence of its failed and missing checks.

    The office's own pending manual reviews (a ``manual`` check whose review is missing) are the
    office's work, not the district's, and are left out."""
    out = []
    for v in verdicts:
        if v["status"] not in NOTICE_STATUSES or (v["method"] == "manual" and v["status"] == "missing"):
            continue
        for item, entry in identity.verdict_items(v):
            out.append((v["check"], item, entry.get("problem", v["status"])))
    return out


def plan_notices(connection, findings: dict, number: str, issued: _dt.date,
                 hashes: dict[str, str]) -> dict[str, tuple[str, bool, tuple[str, str] | None]]:
    """district -> (its notice's number, whether it is issued now, (date of issue, deadline) as recorded for a notice
    issued before, else None), in plan order, for every district (and the city, whose notice goes to 市教育局 and the
    district governments) whose notice has items: a notice issued for this round from the same submission before
    (for the city: in this round) keeps its number and its dates; the others take the next numbers of ``number``
    after those in the history. ``connection``: the history, or None when there is none yet."""
    as_of = findings["as_of"]
    by_district = as_verdicts(findings["verdicts"]).by_district()  # one district's verdicts decoded at a time
    taken = [text for (text,) in connection.execute("SELECT number FROM notices")] if connection is not None else []
    planned: dict[str, tuple[str, bool]] = {}
    for district in sorted(by_district, key=lambda d: (district_order(d), d)):
        if not notice_items(by_district[district]):
            continue
        earlier = None
        if connection is not None and district == plan()["city"]:  # the city submits nothing: one notice a round
            earlier = connection.execute("SELECT n.number, n.issued, n.deadline FROM notices n JOIN audits a ON a.id = n.audit_id"
                                         " WHERE n.district = ? AND a.as_of = ? ORDER BY n.id", (district, as_of)).fetchone()
        elif connection is not None and district in hashes:
            row = connection.execute("SELECT id FROM submissions WHERE district = ? AND as_of = ? AND sha256 = ?",
                                     (district, as_of, hashes[district])).fetchone()
            earlier = _already_notified(connection, district, as_of, row[0]) if row else None
        if earlier:
            planned[district] = (earlier[0], False, (earlier[1], earlier[2]))
            continue
        text = numbering.numbers(number, issued.year, 1, taken)[0]
        taken.append(text)
        planned[district] = (text, True, None)
    return planned


def record(path: str, findings: dict, policy_set, inventory: dict, *, issued: _dt.date, rectify_days: int,
           number: str = DEFAULT_NUMBER, lang: str = "zh", now: _dt.datetime | None = None, on_progress=None) -> Recorded:
    """Record ``findings`` (an audit's result) in the store at ``path`` in one transaction."""
    with recording(path, findings, policy_set, inventory, issued=issued, rectify_days=rectify_days, number=number,
                   lang=lang, now=now, on_progress=on_progress) as (_connection, done):
        return done


@contextmanager
def recording(path: str, findings: dict, policy_set, inventory: dict, *, issued: _dt.date, rectify_days: int,
              number: str = DEFAULT_NUMBER, lang: str = "zh", now: _dt.datetime | None = None, on_progress=None):
    """``with recording(...) as (connection, done):`` — ``findings`` recorded in one transaction that stays open
    for the body and commits when it ends without an error (an error, or ``kill -9``, leaves the store as it was).

    The body sees the recorded audit through ``connection`` (``done.audit``; the notices' numbers are
    ``done.numbers``): `auditor audit` builds the reports' history from it and writes the reports inside, so the
    audit is in the history exactly when its reports were written. ``inventory``: district -> its items
    (``Auditor.audit_files(..., inventory=)``). ``on_progress``: called with a stage name inside the transaction
    (the tests kill the process there)."""
    as_of = findings["as_of"]
    now = now or dates.now()
    recorded_at = now.isoformat(timespec="seconds")
    city = plan()["city"]
    hashes = {d: submission_hash(files) for d, files in sorted(findings["submitted_by"].items())}
    files = list(policy_set.files)  # (pack-relative name: shenyang-2019-23/2-1-4-large-classes.yaml, path), pack.yaml included
    policies = []
    for name, full in files:
        with open(full, "rb") as handle:
            content = handle.read()
        policies.append((name, hashlib.sha256(content).hexdigest(), content))
    policy_hash = findings["policy_set"]["hash"]
    expected = list(findings["districts"])
    key = audit_identity(as_of, policy_hash, expected, hashes)
    measures = {m.id: m for m in policy_set.measures}
    computed = {c.id: c for c in policy_set.computed}
    definitions = [(c.id, c.policy, c.clause, _dumps(c.title), identity.definition(c, measures, computed))
                   for c in policy_set.checks]
    by_district: dict[str, list[dict]] = {}
    for v in findings["verdicts"]:
        by_district.setdefault(v["district"], []).append(v)
    info = {k: v for k, v in findings.items() if k != "verdicts"}
    deadline = issued + _dt.timedelta(days=rectify_days)

    with db.opened(path, write=True, lang=lang, check=False) as connection, db.transaction(connection):
        row = connection.execute("SELECT id FROM audits WHERE identity = ?", (key,)).fetchone()
        if row:
            # the same audit again: nothing is recorded, and its documents show every notice as the history holds it
            # (those this audit issued and those it kept from the round), found as the first recording found them
            earlier = _notices_of(connection, row[0])
            kept = {d: (text, dates) for d, (text, new, dates) in plan_notices(connection, findings, number, issued, hashes).items()
                    if not new}
            yield connection, Recorded(row[0], False, earlier, {d: text for d, (text, _) in kept.items()},
                                       {d: dates for d, (_, dates) in kept.items()},
                                       (earlier[0]["issued"], earlier[0]["deadline"]) if earlier else None)
            return
        cursor = connection.execute(
            "INSERT INTO audits (as_of, recorded_at, policy_hash, engine, plan, format, districts, identity, info)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (as_of, recorded_at, policy_hash, findings["engine"], findings["plan"], findings["format"],
             _dumps(expected), key, _dumps(info)))
        audit = cursor.lastrowid
        planned = plan_notices(connection, findings, number, issued, hashes)
        connection.executemany("INSERT OR IGNORE INTO policy_files (sha256, content) VALUES (?, ?)",
                               [(sha, content) for _, sha, content in policies])
        connection.executemany("INSERT INTO audit_policies (audit_id, name, sha256) VALUES (?, ?, ?)",
                               [(audit, name, sha) for name, sha, _ in policies])
        connection.executemany("INSERT INTO check_defs (audit_id, check_id, policy, clause, title, definition) VALUES (?, ?, ?, ?, ?, ?)",
                               [(audit, *d) for d in definitions])
        submission_ids = {}
        for district in sorted(by_district, key=lambda d: (district_order(d), d)):
            submission_id = None
            if district in hashes:
                submission_id = _submission(connection, district, as_of, hashes[district],
                                            findings["submitted_by"][district], audit, recorded_at)
            submission_ids[district] = submission_id
            items = "\n".join(inventory.get(district, [])) if (district in hashes or district == city) else ""
            connection.execute("INSERT INTO audit_districts (audit_id, district, submission_id, items) VALUES (?, ?, ?, ?)",
                               (audit, district, submission_id, zlib.compress(items.encode("utf-8"), 6)))
        connection.executemany(
            "INSERT INTO verdicts (audit_id, district, check_id, status, data) VALUES (?, ?, ?, ?, ?)",
            [(audit, v["district"], v["check"], v["status"], _dumps({k: x for k, x in v.items() if k != "evidence"}))
             for v in findings["verdicts"]])
        if on_progress:
            on_progress("verdicts")
        ids = _finding_ids(connection, findings["verdicts"])
        connection.executemany(
            "INSERT INTO evidence (audit_id, finding_id, position, problem, data) VALUES (?, ?, ?, ?, ?)",
            [(audit, ids[(v["district"], v["check"], item)], position, entry.get("problem", ""), _dumps(entry))
             for v in findings["verdicts"] for position, (item, entry) in enumerate(identity.verdict_items(v))])
        if on_progress:
            on_progress("evidence")
        notices = []
        for district, (text, new, _) in planned.items():
            if not new:
                continue
            items = notice_items(by_district[district])
            cursor = connection.execute(
                "INSERT INTO notices (audit_id, district, number, issued, deadline) VALUES (?, ?, ?, ?, ?)",
                (audit, district, text, issued.isoformat(), deadline.isoformat()))
            connection.executemany(
                "INSERT INTO notice_items (notice_id, finding_id, check_id, problem) VALUES (?, ?, ?, ?)",
                [(cursor.lastrowid, ids[(district, check, item)], check, problem) for check, item, problem in items])
            notices.append({"district": district, "number": text, "issued": issued.isoformat(),
                            "deadline": deadline.isoformat(), "items": len(items)})
        if on_progress:
            on_progress("notices")
        run = (issued.isoformat(), deadline.isoformat())
        yield connection, Recorded(audit, True, notices, {d: text for d, (text, _, _) in planned.items()},
                                   {d: dates or run for d, (_, _, dates) in planned.items()}, run if notices else None)


def _submission(connection, district: str, as_of: str, sha: str, files: list[str], audit: int, recorded_at: str) -> int:
    row = connection.execute("SELECT id FROM submissions WHERE district = ? AND as_of = ? AND sha256 = ?",
                             (district, as_of, sha)).fetchone()
    if row:
        return row[0]
    version = connection.execute("SELECT coalesce(max(version), 0) + 1 FROM submissions WHERE district = ? AND as_of = ?",
                                 (district, as_of)).fetchone()[0]
    cursor = connection.execute(
        "INSERT INTO submissions (district, as_of, sha256, files, version, first_audit, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
        (district, as_of, sha, _dumps(sorted(files)), version, audit, recorded_at))
    return cursor.lastrowid


def _finding_ids(connection, verdicts: list[dict]) -> dict[tuple, int]:
    wanted = {(v["district"], v["check"], item) for v in verdicts for item, _ in identity.verdict_items(v)}
    districts = sorted({d for d, _, _ in wanted})
    ids: dict[tuple, int] = {}
    for district in districts:
        for fid, check, item in connection.execute("SELECT id, check_id, item FROM findings WHERE district = ?", (district,)):
            ids[(district, check, item)] = fid
    for key in sorted(wanted - set(ids)):
        ids[key] = connection.execute("INSERT INTO findings (district, check_id, item) VALUES (?, ?, ?)", key).lastrowid
    return ids


def _already_notified(connection, district: str, as_of: str, submission_id) -> tuple[str, str, str] | None:
    """(number, date of issue, deadline) of a notice issued for this round from the same submission (a re-audit after
    another district's correction), or None."""
    return connection.execute(
        "SELECT n.number, n.issued, n.deadline FROM notices n JOIN audits a ON a.id = n.audit_id JOIN audit_districts d"
        " ON d.audit_id = n.audit_id AND d.district = n.district"
        " WHERE n.district = ? AND a.as_of = ? AND d.submission_id = ? ORDER BY n.id",
        (district, as_of, submission_id)).fetchone()


def _notices_of(connection, audit: int) -> list[dict]:
    rows = connection.execute(
        "SELECT n.district, n.number, n.issued, n.deadline, count(i.finding_id) FROM notices n"
        " LEFT JOIN notice_items i ON i.notice_id = n.id WHERE n.audit_id = ? GROUP BY n.id ORDER BY n.id", (audit,))
    return [{"district": d, "number": num, "issued": iss, "deadline": dl, "items": k} for d, num, iss, dl, k in rows]
