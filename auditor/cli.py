"""The `auditor` command.

    auditor audit SUBMISSION... --as-of YYYY-MM-DD --out DIR [--policies DIR] [--lang zh|en] [--engine durable|reference]
                  [--districts A,B] [--rectify-days N] [--jobs N]
    auditor validate SUBMISSION...
    auditor check [--policies DIR]
    auditor test [--policies DIR]
    auditor template --out DIR [--district NAME] [--policies DIR] [--force]
    auditor coverage [--policies DIR] [--format text|json]
    auditor audits [--db FILE] [--format text|json] [--lang zh|en]
    auditor history [--db FILE] [--district D] [--check C] [--format text|json] [--lang zh|en]
    auditor compare A B [--db FILE] [--format text|json] [--lang zh|en]

Exit status: 0 done; 1 `check`/`test` found a problem in valid files (or
`coverage` found a clause without a policy); 2 bad
input or usage (one ``file:line: code: message`` line per problem on stderr,
nothing written); 3 an internal error (a bug, or the engine disagreeing with
the reference evaluator).
"""
from __future__ import annotations

import argparse
import datetime as _dt
import json
import os
import re
import sys

from auditor import timing
from auditor.audit import Auditor
from auditor.dates import real_date
from auditor.errors import AuditorError, Problem, UsageError, did_you_mean
from auditor.examples import run_examples
from auditor.intake.sheets.reader import group_units, unit_label
from auditor.intake.submissions import expand_paths, load_submissions
from auditor.model import plan
from auditor.output.files import write_reports
from auditor.output.report import render
from auditor.output.templates import write_templates
from auditor.rules.coverage import coverage, render_json, render_text
from auditor.rules.lint import lint
from auditor.rules.policies import load_policies, policy_files
from auditor.store import db, history, query, record, text
from auditor.workers import default_jobs

DEFAULT_POLICIES = "policies"
DEFAULT_DB = "history.sqlite"  # the audit history: beside the --out folder for audit, in the current folder otherwise


def _date(text: str, option: str = "--as-of") -> _dt.date:
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text or ""):
        raise UsageError(Problem(option, 0, 0, "U-ARGS", f'"{text}" is not a date in YYYY-MM-DD form'))
    date = real_date(text)
    if date is None:
        raise UsageError(Problem(option, 0, 0, "U-ARGS", f'"{text}" is not a real date'))
    return date


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="auditor", description="Audit district submissions against the plan's policies (沈政办发〔2019〕23号).")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    audit = sub.add_parser("audit", help="audit submissions and write findings.json and HTML reports")
    audit.add_argument("submissions", nargs="+", metavar="SUBMISSION", help="submission files or folders of them")
    audit.add_argument("--as-of", required=True, help="the audit date, YYYY-MM-DD")
    audit.add_argument("--out", required=True, help="output folder")
    audit.add_argument("--policies", default=DEFAULT_POLICIES, help="policy folder (default: policies)")
    audit.add_argument("--lang", choices=("zh", "en"), default="zh", help="report language (default: zh)")
    audit.add_argument("--engine", choices=("durable", "reference"), default="durable",
                       help="durable: durable_rules, reconciled with the reference evaluator (default); reference: the plain-Python evaluator alone")
    audit.add_argument("--districts", help="comma-separated districts expected (default: all thirteen)")
    audit.add_argument("--rectify-days", default="30", metavar="N",
                       help="rectification deadline in the notices: N days after the audit date (default: 30)")
    audit.add_argument("--jobs", default=None, metavar="N",
                       help="worker processes auditing districts, then rendering the reports, side by side (default: all cores); the output does not depend on N")
    audit.add_argument("--db", metavar="FILE",
                       help=f"record the audit in this audit history (default: {DEFAULT_DB} beside the --out folder)")
    audit.add_argument("--no-db", action="store_true", help="do not record the audit in any history")
    audit.add_argument("--issued", metavar="YYYY-MM-DD",
                       help="issue date of the rectification notices (default: today, or the audit date if later); the deadline is --rectify-days after it")
    audit.add_argument("--number", default=record.DEFAULT_NUMBER, metavar="PATTERN",
                       help="notice number pattern: {n} is each notice's sequence number (continuing the history's), {year} the issue year (default: %(default)s)")

    validate = sub.add_parser("validate", help="validate submissions only")
    validate.add_argument("submissions", nargs="+", metavar="SUBMISSION")

    check = sub.add_parser("check", help="check that the policy files are valid and their rules consistent (exit 1 on a finding)")
    check.add_argument("--policies", default=DEFAULT_POLICIES)

    template = sub.add_parser("template", help="write a fill-in workbook (.xlsx) per district, generated from the policies")
    template.add_argument("--out", required=True, help="output folder")
    template.add_argument("--district", help="only this district (default: all thirteen)")
    template.add_argument("--policies", default=DEFAULT_POLICIES)
    template.add_argument("--force", action="store_true", help="overwrite workbooks that already exist in --out")

    test = sub.add_parser("test", help="run the examples each policy carries")
    test.add_argument("--policies", default=DEFAULT_POLICIES)
    test.add_argument("--engine", choices=("durable", "reference"), default="durable")

    cover = sub.add_parser("coverage", help="list every clause of the plan with its checks (automated, evidence, manual) and deadlines")
    cover.add_argument("--policies", default=DEFAULT_POLICIES)
    cover.add_argument("--format", choices=("text", "json"), default="text", help="text table (default) or JSON")

    def store_options(command, db_help=f"the audit history (default: {DEFAULT_DB} in the current folder)"):
        command.add_argument("--db", default=DEFAULT_DB, metavar="FILE", help=db_help)
        command.add_argument("--format", choices=("text", "json"), default="text", help="text table (default) or JSON")
        command.add_argument("--lang", choices=("zh", "en"), default="zh", help="language of the text (default: zh)")

    listing = sub.add_parser("audits", help="list the audits recorded in the audit history")
    store_options(listing)
    lifecycle = sub.add_parser("history", help="each finding's lifecycle across the recorded audits, oldest first")
    store_options(lifecycle)
    lifecycle.add_argument("--district", help="only this district (or 沈阳市 for the city-wide checks)")
    lifecycle.add_argument("--check", help="only this check id")
    between = sub.add_parser("compare", help="what changed between two recorded audits, per district and clause")
    between.add_argument("first", metavar="A", help="an audit number (3 or #3) or an audit date (its round's last audit)")
    between.add_argument("second", metavar="B", help="the other audit")
    store_options(between)
    return parser


def _districts(text: str | None) -> list[str] | None:
    if not text:
        return None

    names = [n.strip() for n in text.split(",") if n.strip()]
    known = plan()["districts"]
    bad = [n for n in names if n not in known]
    if bad:
        raise UsageError(Problem("--districts", 0, 0, "U-ARGS", f'unknown district "{bad[0]}"{did_you_mean(bad[0], known)}'))
    twice = sorted({n for n in names if names.count(n) > 1})
    if twice:  # it would be counted twice in city-wide figures
        raise UsageError(Problem("--districts", 0, 0, "U-ARGS", f'district "{twice[0]}" is named twice'))
    return names


def _rectify_days(text: str) -> int:
    if not re.fullmatch(r"[0-9]{1,4}", text or "") or not 1 <= int(text) <= 3650:
        raise UsageError(Problem("--rectify-days", 0, 0, "U-ARGS", f'"{text}" is not a number of days from 1 to 3650'))
    return int(text)


def _jobs(text: str | None) -> int:

    if text is None:
        return default_jobs()
    if not re.fullmatch(r"[1-9][0-9]{0,3}", text.strip()):
        raise UsageError(Problem("--jobs", 0, 0, "U-ARGS", f'"{text}" is not a number of worker processes (1 or more)'))
    return int(text)


def _issued(text: str | None, as_of: _dt.date) -> _dt.date:
    if text is None:
        return max(_dt.date.today(), as_of)
    issued = _date(text, "--issued")
    if issued < as_of:
        raise UsageError(Problem("--issued", 0, 0, "U-ARGS", f"the notices cannot be issued ({issued}) before the audit date ({as_of})"))
    return issued


def _db_path(args) -> str | None:
    if args.no_db:
        if args.db:
            raise UsageError(Problem("--no-db", 0, 0, "U-ARGS", "--db and --no-db contradict each other"))
        return None
    if args.db:
        return args.db
    folder = os.path.abspath(args.out)
    while not os.path.lexists(folder):  # the default store sits beside --out: a file in the way is --out's problem
        folder = os.path.dirname(folder)
    if not os.path.isdir(folder):
        raise UsageError(Problem(args.out, 0, 0, "U-OUT", f"cannot create the output folder: {folder} is not a folder"))
    return os.path.join(os.path.dirname(os.path.abspath(args.out)), DEFAULT_DB)


def _recorded_line(done: record.Recorded, path: str, lang: str) -> str:
    numbers = [n["number"] for n in done.notices]
    span = (numbers[0] if len(numbers) == 1 else f"{numbers[0]}…{numbers[-1]}") if numbers else ""
    if lang == "en":
        if not done.new:
            return f"audit history {path}: this audit is already recorded as audit #{done.audit}; not recorded again"
        return f"recorded in the audit history {path} as audit #{done.audit}; {len(numbers)} notice(s) issued" + (f": {span}" if span else "")
    if not done.new:
        return f"督导历史 {path} 已记录同一审计（第{done.audit}次），未重复记录"
    return f"已记入督导历史 {path}：第{done.audit}次审计；整改通知{len(numbers)}份" + (f"（{span}）" if span else "")


def cmd_audit(args) -> int:

    as_of = _date(args.as_of)
    districts = _districts(args.districts)
    rectify_days = _rectify_days(args.rectify_days)
    issued = _issued(args.issued, as_of)
    number = record.check_number_pattern(args.number)
    db_path = _db_path(args)
    out = os.path.abspath(args.out)
    for path in list(args.submissions) + [args.policies]:
        if os.path.realpath(path) == os.path.realpath(out):
            raise UsageError(Problem(args.out, 0, 0, "U-OUT", "the output folder must not be a submission or policy folder"))
    jobs = _jobs(args.jobs)
    if db_path:
        db.preflight(db_path, args.lang)  # a store that cannot be recorded into stops the audit before it runs
    # everything is loaded, validated, audited and rendered in memory before anything is written
    policy_set = load_policies(args.policies)
    units = group_units(expand_paths(args.submissions))  # a district's CSV files are one unit
    inventory: dict | None = {} if db_path else None
    findings = Auditor(policy_set, args.engine).audit_files(units, as_of, districts, jobs, inventory=inventory)
    files = render(findings, policy_set, args.lang, rectify_days=rectify_days, jobs=jobs)
    inputs = tuple(f for u in units for f in (u if isinstance(u, tuple) else (u,))) + tuple(policy_files(args.policies))
    done = None
    if db_path and os.path.realpath(db_path) in {os.path.realpath(os.path.join(args.out, name)) for name in files}:
        raise UsageError(Problem(db_path, 0, 0, "U-OUT", "a report would overwrite the audit history; choose another --db or --out"))
    if db_path:
        with timing.stage("record"):
            done = record.record(db_path, findings, policy_set, inventory, issued=issued, rectify_days=rectify_days,
                                 number=number, lang=args.lang)
    with timing.stage("write"):
        write_reports(files, args.out, protect=inputs)
    totals: dict[str, int] = {}
    for v in findings["verdicts"]:
        totals[v["status"]] = totals.get(v["status"], 0) + 1
    summary = ", ".join(f"{k} {totals[k]}" for k in sorted(totals))
    print(f"audited {len(findings['submitted_by'])} district submission(s) ({len(findings['submissions'])} files) as of {as_of}: {len(findings['verdicts'])} verdicts ({summary}); wrote {len(files)} files to {args.out}")
    if done is not None:
        print(_recorded_line(done, db_path, args.lang))
    return 0


def _print(data: dict, args, text) -> None:
    if args.format == "json":
        sys.stdout.write(json.dumps(data, ensure_ascii=False) + "\n")  # one line: the C encoder (indent is ten times slower)
    else:
        sys.stdout.write(text(data, args.lang))


def cmd_audits(args) -> int:
    with db.opened(args.db, write=False, lang=args.lang) as connection:
        data = history.audits(connection)
    _print(data, args, text.render_audits)
    return 0


def cmd_history(args) -> int:
    with db.opened(args.db, write=False, lang=args.lang) as connection:
        if args.district:
            known = query.districts_of(connection) or list(plan()["districts"]) + [plan()["city"]]
            if args.district not in known:
                raise UsageError(Problem("--district", 0, 0, "U-ARGS", f'unknown district "{args.district}"{did_you_mean(args.district, known)}'))
        if args.check:
            checks = query.checks_of(connection)
            if args.check not in checks:
                raise UsageError(Problem("--check", 0, 0, "U-ARGS", f'no check "{args.check}" in the recorded audits{did_you_mean(args.check, checks)}'))
        data = history.history(connection, args.district, args.check)
    _print(data, args, text.render_history)
    return 0


def cmd_compare(args) -> int:
    with db.opened(args.db, write=False, lang=args.lang) as connection:
        first = query.resolve(connection, args.first, args.lang, args.db)
        second = query.resolve(connection, args.second, args.lang, args.db)
        data = history.compare(connection, first, second)
    _print(data, args, text.render_compare)
    return 0


def cmd_validate(args) -> int:


    submissions = load_submissions(args.submissions)
    for s in submissions:
        n = {k: len(v) for k, v in s.records.items()}
        print(f"{unit_label(s.files if len(s.files) > 1 else s.files[0])}: ok — {s.district}: {n.get('school', 0)} schools, {n.get('class', 0)} classes, {n.get('document', 0)} documents")
    return 0


def cmd_check(args) -> int:

    policy_set = load_policies(args.policies)
    findings = lint(policy_set)
    for problem in findings:
        print(problem.format(), file=sys.stderr)
    if findings:
        print(f"{args.policies}: {len(findings)} problem(s) in the rules — {len(policy_set.policies)} policies, {len(policy_set.checks)} checks")
        return 1
    print(f"{args.policies}: ok — {len(policy_set.policies)} policies, {len(policy_set.checks)} checks")
    return 0


def cmd_template(args) -> int:

    districts = _districts(args.district) or plan()["districts"]
    policy_set = load_policies(args.policies)
    written = write_templates(policy_set, args.out, districts, force=args.force)
    print(f"wrote {len(written)} template(s) to {args.out}: {', '.join(os.path.basename(w) for w in written)}")
    return 0


def cmd_test(args) -> int:

    policy_set = load_policies(args.policies)
    results = run_examples(policy_set, args.engine)
    failed = [r for r in results if not r.ok]
    for r in failed:
        if r.error:
            print(f"{r.source}: P-EXAMPLE: {r.policy}: {r.name}: {r.error}", file=sys.stderr)
        for check, want, got in r.failures:
            print(f"{r.source}: P-EXAMPLE: {r.policy}: {r.name}: {check} expected {want}, got {got}", file=sys.stderr)
    print(f"{len(results) - len(failed)} passed, {len(failed)} failed")
    return 1 if failed else 0


def cmd_coverage(args) -> int:

    matrix = coverage(load_policies(args.policies))
    sys.stdout.write(render_json(matrix) if args.format == "json" else render_text(matrix))
    return 1 if matrix["totals"]["uncovered"] else 0


COMMANDS = {"audit": cmd_audit, "validate": cmd_validate, "check": cmd_check, "test": cmd_test, "coverage": cmd_coverage,
            "template": cmd_template, "audits": cmd_audits, "history": cmd_history, "compare": cmd_compare}


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        return COMMANDS[args.command](args)
    except AuditorError as exc:
        for problem in exc.problems:
            print(problem.format(), file=sys.stderr)
        return exc.exit_status
    except KeyboardInterrupt:
        print("auditor: interrupted; nothing written", file=sys.stderr)
        return 130
    except Exception as exc:  # a bug: one line, no traceback (AUDITOR_DEBUG=1 shows it)
        if os.environ.get("AUDITOR_DEBUG"):
            raise
        print(f"auditor: I-BUG: internal error {type(exc).__name__}: {str(exc)[:300]} (rerun with AUDITOR_DEBUG=1 for details)", file=sys.stderr)
        return 3


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
