"""Waivers (特殊情况 / 暂缓执行): approved exceptions to checks, read from a folder of YAML files.

Each file holds ``waivers:``, a list; each waiver names its approving document (``ref`` 文号, ``date``,
``approved_by``), the ``reason``, its ``scope`` (a ``district`` and a ``check`` id or a ``clause`` — every
check of the clause —, optionally the ``pack`` meant (its id or 文号: required when the clause number is in more
than one pack) and only some ``records`` by their keys in findings.json) and ``valid_from`` /
``valid_until``. The files are validated like policies: against ``auditor/schemas/waiver.schema.json`` with
file, line and column (``W-SCHEMA``); an unknown district, check or clause is ``W-SCOPE`` with a did-you-mean, and
so is a record key that names no record, or a record of another kind than the checks judge (:func:`record_kind`; a
well-formed key the district's submission does not hold is W-SCOPE at audit time, :func:`auditor.evaluate.waive.absent_records`);
``valid_until`` before ``valid_from`` is ``W-DATES``; two waivers that cover the same check of the same district
(and the same records, or all of them) on some same day are ``W-OVERLAP`` at the second, naming the first; an id
used twice is ``W-DUPLICATE-ID``.

Dates are calendar dates in China Standard Time (UTC+8), as the audit date is: a waiver applies to an audit
whose base date (``--as-of``) lies from ``valid_from`` to ``valid_until``, both days included; no times.
How they are applied to the verdicts: :mod:`auditor.evaluate.waive`.
"""
from __future__ import annotations

import datetime as _dt
import os
import re
from dataclasses import dataclass

from auditor.dates import real_date
from auditor.errors import Collector, PolicyError, Problem, hint
from auditor.intake import contracts
from auditor.intake.document import path_text, unshadowed
from auditor.intake.loader import load_partial
from auditor.intake.textfile import folder_names, link_outside
from auditor.model import PolicySet, plan
from auditor.rules.packs import PACK_FILE
from auditor.texts import Msg, msg

DEFAULT_FOLDER = "waivers"  # beside the folder of policy packs; used when it exists

# a record's key as findings.json writes it (auditor/intake/submission.py, evaluate/records.py, completeness.py):
# class:SCHOOL/CLASS, school:SCHOOL, school_stage:SCHOOL/primary|junior, document:N (its place in the list),
# district, city; "*" for the list itself (class:SCHOOL/*, class:*, document:*: a list the submission lacks)
_SCHOOL = re.compile(r"[^\s/\\]{1,40}")  # the submission schema's school id: no space, no slash
STAGES = ("primary", "junior")


def record_kind(key: str) -> str | None:
    """The kind of record ``key`` names (class, school, school_stage, document, district, city), or None when it
    is not a record key at all."""
    kind, colon, rest = key.partition(":")
    if not colon:
        return kind if kind in ("district", "city") else None
    if rest == "*" and kind in ("class", "school", "school_stage", "document"):
        return kind
    if kind in ("class", "school_stage"):
        school, slash, item = rest.partition("/")
        if not slash or not _SCHOOL.fullmatch(school) or not item or len(item) > 40:  # a class id: any text
            return None
        return kind if kind == "class" or item in STAGES + ("*",) else None
    if kind == "school":
        return kind if _SCHOOL.fullmatch(rest) else None
    if kind == "document":
        return kind if rest.isascii() and rest.isdigit() else None
    return None


def record_key_problem(key: str, kinds) -> Msg | None:
    """Why ``key`` can name no record of a check judging ``kinds`` (malformed, or of another kind), else None."""
    kind = record_kind(key)
    if kind is None:
        return msg("waiver.record-key", record=key)
    if kind not in kinds:
        return msg("waiver.record-kind", record=key, kind=kind, kinds="、".join(sorted(kinds)))
    return None


@dataclass(frozen=True)
class Waiver:
    id: str
    file: str
    line: int
    district: str
    checks: tuple[str, ...]  # the check ids it covers (a clause's checks, or one)
    scope: dict  # as written: district, check or clause, records
    records: tuple[str, ...]  # empty: every record of the check
    document: dict  # ref, date, approved_by
    reason: str
    valid_from: _dt.date
    valid_until: _dt.date
    records_at: tuple = ()  # (line, column, path) of each of ``records`` in its file

    @property
    def source(self) -> str:
        return f"{os.path.basename(os.path.dirname(os.path.abspath(self.file)))}/{os.path.basename(self.file)}:{self.line}"

    def cite(self) -> dict:
        """What a waived verdict carries: the waiver, its document, reason and validity."""
        return {"id": self.id, "source": self.source, "document": dict(self.document), "reason": self.reason,
                "valid_from": self.valid_from.isoformat(), "valid_until": self.valid_until.isoformat(),
                **({"records": list(self.records)} if self.records else {})}


def default_folder(policies) -> str | None:
    """``waivers/`` beside the folder of policy packs, when it exists: for ``--policies`` paths (packs, or folders
    of packs), the first path's folder of packs (a pack's parent) is the one looked beside."""
    paths = [policies] if isinstance(policies, str) else list(policies)
    if not paths:
        return None
    first = os.path.abspath(paths[0])
    packs = os.path.dirname(first) if os.path.isfile(os.path.join(first, PACK_FILE)) else first
    folder = os.path.join(os.path.dirname(packs), DEFAULT_FOLDER)
    return folder if os.path.isdir(folder) else None


def waiver_files(folder: str) -> list[str]:
    if not os.path.isdir(folder):
        raise PolicyError(Problem(folder, 0, 0, "W-SCHEMA", msg("waiver.not-folder" if os.path.exists(folder) else "waiver.no-folder")))
    names = sorted(n for n in folder_names(folder, PolicyError, "W-SCHEMA") if n.endswith((".yaml", ".yml")) and not n.startswith("."))
    outside = [n for n in names if link_outside(folder, n) is not None]
    if outside:
        raise PolicyError([Problem(os.path.join(folder, n), 0, 0, "E-READ", msg("read.link-outside")) for n in outside])
    return [os.path.join(folder, n) for n in names]


def _date(text: str, collector: Collector, document, path) -> _dt.date | None:
    date = real_date(text)
    if date is None:
        line, column = document.where(path)
        collector.add("E-DATE", msg("content.date", value=text), line, column, path_text(path))
    return date


def load_waivers(folder: str, policy_set: PolicySet) -> tuple[Waiver, ...]:
    """Every waiver of the folder, validated against the policies; every problem of every file together."""
    checks = {c.id: c for c in policy_set.checks}
    by_clause: dict[str, list] = {}
    for c in policy_set.checks:
        by_clause.setdefault(c.clause, []).append(c)
    packs = {p.id: p.id for p in policy_set.packs} | {p.ref: p.id for p in policy_set.packs if p.ref}  # id or 文号 -> id
    districts = list(plan()["districts"]) + [plan()["city"]]
    problems: list[Problem] = []
    out: list[Waiver] = []
    seen: dict[str, Waiver] = {}
    for file in waiver_files(folder):
        collector = Collector(file, PolicyError)
        document, loaded = load_partial(file, PolicyError)
        if document.data is None:
            collector.add("W-SCHEMA", msg("waiver.file-empty"))
        elif loaded:
            schema = Collector(file, PolicyError)
            contracts.validate(document, "waiver", schema, "W-SCHEMA")
            collector.problems.extend(loaded + unshadowed(loaded, schema.problems))
        elif contracts.validate(document, "waiver", collector, "W-SCHEMA"):
            for index, item in enumerate(document.data["waivers"]):
                waiver = _build(item, ("waivers", index), document, collector, checks, by_clause, districts, packs)
                if waiver is None:
                    continue
                line = waiver.line
                if waiver.id in seen:
                    collector.add("W-DUPLICATE-ID", msg("waiver.duplicate-id", id=waiver.id, source=seen[waiver.id].source), line, 0,
                                  path_text(("waivers", index, "id")))
                    continue
                clash = next((w for w in out if _overlap(w, waiver)), None)
                if clash is not None:
                    collector.add("W-OVERLAP", msg("waiver.overlap", id=waiver.id, other=clash.id, source=clash.source),
                                  line, 0, path_text(("waivers", index, "scope")))
                    continue
                seen[waiver.id] = waiver
                out.append(waiver)
        problems.extend(collector.problems)
    if problems:
        raise PolicyError(problems)
    return tuple(out)


def _build(item: dict, at: tuple, document, collector: Collector, checks: dict, by_clause: dict, districts: list,
           packs: dict) -> Waiver | None:
    scope = item["scope"]
    ok = True

    def bad(key, message):
        line, column = document.where(at + ("scope", key))
        collector.add("W-SCOPE", message, line, column, path_text(at + ("scope", key)))

    if scope["district"] not in districts:
        bad("district", msg("waiver.district", district=scope["district"], hint=hint(scope["district"], districts)))
        ok = False
    pack = packs.get(scope.get("pack"))  # the pack's id; None when none is named (or an unknown one)
    if "pack" in scope and pack is None:
        bad("pack", msg("waiver.pack", pack=scope["pack"], hint=hint(scope["pack"], list(packs))))
        ok = False
    if "check" in scope:
        covered = (scope["check"],)
        if scope["check"] not in checks:
            bad("check", msg("waiver.check", check=scope["check"], hint=hint(scope["check"], list(checks))))
            ok = False
        elif pack is not None and checks[scope["check"]].document != pack:
            bad("check", msg("waiver.check-pack", check=scope["check"], pack=scope["pack"], other=checks[scope["check"]].document))
            ok = False
    else:
        listed = by_clause.get(scope["clause"], [])
        owners = sorted({c.document for c in listed})
        covered = tuple(c.id for c in listed if pack is None or c.document == pack)
        if not listed:
            bad("clause", msg("waiver.clause", clause=scope["clause"], hint=hint(scope["clause"], list(by_clause))))
            ok = False
        elif "pack" not in scope and len(owners) > 1:  # a clause number two documents share: which one is meant
            bad("clause", msg("waiver.clause-packs", clause=scope["clause"], packs="、".join(owners)))
            ok = False
        elif pack is not None and not covered:
            bad("clause", msg("waiver.clause-pack", clause=scope["clause"], pack=scope["pack"], others="、".join(owners)))
            ok = False
    records_at = []
    if ok and "records" in scope:  # each key a record the checks covered judge: a misspelt one would waive nothing
        kinds = {checks[c].over for c in covered}
        for i, key in enumerate(scope["records"]):
            where = at + ("scope", "records", i)
            line, column = document.where(where)
            records_at.append((line, column, path_text(where)))
            problem = record_key_problem(key, kinds)
            if problem is not None:
                collector.add("W-SCOPE", problem, line, column, path_text(where))
                ok = False
    valid_from = _date(item["valid_from"], collector, document, at + ("valid_from",))
    valid_until = _date(item["valid_until"], collector, document, at + ("valid_until",))
    signed = _date(item["document"]["date"], collector, document, at + ("document", "date"))
    if None in (valid_from, valid_until, signed) or not ok:
        return None
    if valid_until < valid_from:
        line, column = document.where(at + ("valid_until",))
        collector.add("W-DATES", msg("waiver.dates", until=valid_until.isoformat(), since=valid_from.isoformat()), line, column,
                      path_text(at + ("valid_until",)))
        return None
    line, _ = document.where(at)
    return Waiver(item["id"], document.file, line, scope["district"], covered, dict(scope), tuple(scope.get("records", ())),
                  dict(item["document"]), item["reason"], valid_from, valid_until, tuple(records_at))


def _overlap(a: Waiver, b: Waiver) -> bool:
    if a.district != b.district or not set(a.checks) & set(b.checks):
        return False
    if a.valid_until < b.valid_from or b.valid_until < a.valid_from:
        return False
    return not a.records or not b.records or bool(set(a.records) & set(b.records))
