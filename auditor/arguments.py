"""The command line's arguments checked before anything is read or written: dates, districts, --jobs, the
documents' issue, the audit history's path, waiver folders (each refusal a U-ARGS problem naming its option)."""
from __future__ import annotations

import datetime as _dt
import os
import re

from auditor.dates import real_date, today
from auditor.errors import Problem, UsageError, hint
from auditor.model import plan
from auditor.output.report import DEFAULT_RECTIFY_DAYS
from auditor.output.settings import load_settings, make_issue, number_problem
from auditor.rules.waivers import default_folder as default_waivers, load_waivers
from auditor.texts import msg, render as words
from auditor.workers import default_jobs

DEFAULT_DB = "history.sqlite"  # the audit history: inside the --out folder for audit, in the current folder otherwise
DATE_RANGE = (_dt.date(2000, 1, 1), _dt.date(2100, 12, 31))  # beyond it, a date plus the rectification days overflowed


def parse_date(text: str, option: str = "--as-of") -> _dt.date:
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text or ""):
        raise UsageError(Problem(option, 0, 0, "U-ARGS", msg("args.not-a-date", text=text)))
    date = real_date(text)
    if date is None:
        raise UsageError(Problem(option, 0, 0, "U-ARGS", msg("args.not-a-real-date", text=text)))
    if not DATE_RANGE[0] <= date <= DATE_RANGE[1]:
        raise UsageError(Problem(option, 0, 0, "U-ARGS", msg("args.date-range", text=text, first=DATE_RANGE[0],
                                                                     last=DATE_RANGE[1])))
    return date


def parse_districts(text: str | None, option: str = "--districts") -> list[str] | None:
    """The districts named in ``text``; problems name ``option``, the option as the user typed it."""
    if not text:
        return None
    names = [n.strip() for n in text.split(",") if n.strip()]
    known = plan()["districts"]
    bad = [n for n in names if n not in known]
    if bad:
        raise UsageError(Problem(option, 0, 0, "U-ARGS", msg("args.unknown-district", name=bad[0], hint=hint(bad[0], known))))
    twice = sorted({n for n in names if names.count(n) > 1})
    if twice:  # it would be counted twice in city-wide figures
        raise UsageError(Problem(option, 0, 0, "U-ARGS", msg("args.district-twice", name=twice[0])))
    return names


def parse_rectify_days(text: str | None) -> int:
    """--rectify-days N (1 to 3650); 30 when not given."""
    if text is None:
        return DEFAULT_RECTIFY_DAYS
    if not re.fullmatch(r"[0-9]{1,4}", text or "") or not 1 <= int(text) <= 3650:
        raise UsageError(Problem("--rectify-days", 0, 0, "U-ARGS", msg("args.rectify-days", text=text)))
    return int(text)


def parse_jobs(text: str | None) -> int:
    if text is None:
        return default_jobs()
    if not re.fullmatch(r"[1-9][0-9]{0,3}", text.strip()):
        raise UsageError(Problem("--jobs", 0, 0, "U-ARGS", msg("args.jobs", text=text)))
    return int(text)


def parse_issue(args, as_of: _dt.date):
    """The documents' issue from --issued, --number and --settings (validated before anything is audited).

    Without --issued the documents are issued today (in China Standard Time), or on the audit's base date when that is later."""
    if args.issued:
        issued = parse_date(args.issued, "--issued")
        if issued < as_of:
            raise UsageError(Problem("--issued", 0, 0, "U-ARGS", msg("args.issued-early", issued=issued, as_of=as_of)))
    else:
        issued = max(today(), as_of)  # today in China Standard Time, not the machine's zone
    if args.number and number_problem(args.number):
        raise UsageError(Problem("--number", 0, 0, "U-ARGS", number_problem(args.number)))
    return make_issue(load_settings(args.settings), args.lang, issued, args.number)


def recorded_dates(args, done, issue, rectify_days: int, store: str):
    """(issue, rectify_days) for the documents of an audit the history ``store`` already holds (``done``: the
    store's ``Recorded``, ``done.new`` False): the date of issue and deadline its notices were recorded with. A
    notice number once issued keeps its dates, so an ``--issued`` or ``--rectify-days`` given that would date them
    otherwise is refused (U-ARGS at the option, naming the recorded dates and how to proceed), before anything is
    written; the options left out follow the record. Unchanged for a new audit, or one that issued no notice."""
    if done.new or not done.issue:
        return issue, rectify_days
    issued, deadline = (_dt.date.fromisoformat(d) for d in done.issue)
    days = (deadline - issued).days
    wanted_issued = issue.issued if args.issued else issued
    wanted_days = rectify_days if args.rectify_days is not None else days
    if (wanted_issued, wanted_days) != (issued, days):
        numbers = [n["number"] for n in done.notices]
        span = numbers[0] if len(numbers) == 1 else f"{numbers[0]}…{numbers[-1]}"
        option = "--issued" if wanted_issued != issued else "--rectify-days"
        raise UsageError(Problem(option, 0, 0, "U-ARGS", msg(
            "args.recorded-dates", db=store, audit=done.audit, numbers=span or "-", count=len(numbers),
            issued=issued.isoformat(), deadline=deadline.isoformat(), days=days,
            given_issued=wanted_issued.isoformat(), given_deadline=(wanted_issued + _dt.timedelta(days=wanted_days)).isoformat())))
    return issue.dated_on(issued), days


def db_path(args) -> str | None:
    """The audit history an audit records into: --db, else history.sqlite inside the --out folder (so that an audit
    writes nothing outside --out; the writer never replaces or removes it); None with --no-db."""
    if args.no_db:
        if args.db:
            raise UsageError(Problem("--no-db", 0, 0, "U-ARGS", msg("args.db-and-no-db")))
        return None
    if args.db:
        return args.db
    return os.path.join(os.path.abspath(args.out), DEFAULT_DB)


def load_waiver_folder(args, policy_set) -> tuple[tuple | None, str | None]:
    """The waivers of --waivers DIR, else of waivers/ beside the folder of policy packs when it exists; (None, None) without."""
    folder = args.waivers or default_waivers(args.policies)
    if not folder:
        return None, None
    return load_waivers(folder, policy_set), folder


WAIVER_STATUS = {"expired": "waiver.expired", "not_yet_valid": "waiver.not-yet-valid", "unused": "waiver.unused"}
UNUSED = {"nothing_to_waive": "waiver.unused", "records_not_failing": "waiver.unused-records", "no_verdict": "waiver.unused-no-verdict",
          "not_submitted": "waiver.unused-not-submitted"}


def waiver_warnings(reports: list[dict], lang: str, waivers=()) -> list[str]:
    """One stderr line for every waiver not applied (expired, not yet valid, unused: worded by why), in ``lang``,
    at the waiver's file as given (``--waivers /tmp/x/a1`` -> ``/tmp/x/a1/2022.yaml:23``, as every other problem
    in a waiver file is located) when ``waivers`` (the loaded ones) are given, else at its ``source``."""
    where = {w.id: f"{w.file}:{w.line}" for w in waivers}
    lines = []
    for w in reports:
        if w["status"] == "applied":
            continue
        key = UNUSED.get(w.get("unused"), "waiver.unused") if w["status"] == "unused" else WAIVER_STATUS[w["status"]]
        lines.append(f"{where.get(w['id'], w['source'])}: {w['id']}: " + words(msg(
            key, until=w["valid_until"], since=w["valid_from"], checks=", ".join(w["applied_to"]) or "-",
            records=", ".join(w.get("records", ())) or "-", district=w["district"]), lang))
    return lines


def period_end(policy_set) -> _dt.date:
    """The end of the first document's period (the city's plan), else the latest end of any, else today."""
    ends = [p.end for p in policy_set.packs if p.end]
    return ends[0] if ends else today()
