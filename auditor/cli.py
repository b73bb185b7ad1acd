"""The `auditor` command.

    auditor audit SUBMISSION... --as-of YYYY-MM-DD --out DIR [--policies DIR] [--lang zh|en] [--engine durable|reference]
                  [--districts A,B] [--rectify-days N] [--jobs N]
    auditor validate SUBMISSION...
    auditor check [--policies DIR]
    auditor test [--policies DIR]
    auditor template --out DIR [--district NAME] [--policies DIR] [--force]
    auditor coverage [--policies DIR] [--format text|json]

Exit status: 0 done; 1 `check`/`test` found a problem in valid files (or
`coverage` found a clause without a policy); 2 bad
input or usage (one ``file:line: code: message`` line per problem on stderr,
nothing written); 3 an internal error (a bug, or the engine disagreeing with
the reference evaluator).
"""
from __future__ import annotations

import argparse
import datetime as _dt
import os
import re
import sys

from auditor import timing
from auditor.audit import Auditor
from auditor.dates import real_date
from auditor.errors import AuditorError, PolicyError, Problem, UsageError, did_you_mean
from auditor.evaluate.engine import validate_rulesets
from auditor.examples import run_examples
from auditor.intake.sheets.reader import group_units, unit_label
from auditor.intake.submissions import expand_paths, load_submissions
from auditor.model import plan
from auditor.output.files import write_reports
from auditor.output.writer import claim, release
from auditor.output.report import render
from auditor.output.templates import write_templates
from auditor.rules.compiler import compile_policies, refusal_problems
from auditor.rules.coverage import coverage, render_json, render_text
from auditor.rules.lint import lint
from auditor.rules.policies import load_policies, policy_files
from auditor.workers import default_jobs

DEFAULT_POLICIES = "policies"
AS_OF_RANGE = (_dt.date(2000, 1, 1), _dt.date(2100, 12, 31))


def _date(text: str) -> _dt.date:
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text or ""):
        raise UsageError(Problem("--as-of", 0, 0, "U-ARGS", f'"{text}" is not a date in YYYY-MM-DD form'))
    date = real_date(text)
    if date is None:
        raise UsageError(Problem("--as-of", 0, 0, "U-ARGS", f'"{text}" is not a real date'))
    if not AS_OF_RANGE[0] <= date <= AS_OF_RANGE[1]:  # 9999-12-31 + the rectification days overflowed
        raise UsageError(Problem("--as-of", 0, 0, "U-ARGS", f'"{text}" is outside the dates an audit can be made for '
                                 f"({AS_OF_RANGE[0]}..{AS_OF_RANGE[1]})"))
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


def cmd_audit(args) -> int:

    as_of = _date(args.as_of)
    districts = _districts(args.districts)
    rectify_days = _rectify_days(args.rectify_days)
    claim(args.out, "audit")  # checked, created and locked before any work; released (and removed if unused) by main
    out = os.path.abspath(args.out)
    for path in list(args.submissions) + [args.policies]:
        if os.path.realpath(path) == os.path.realpath(out):
            raise UsageError(Problem(args.out, 0, 0, "U-OUT", "the output folder must not be a submission or policy folder"))
    jobs = _jobs(args.jobs)
    # everything is loaded, validated, audited and rendered in memory before anything is written
    policy_set = load_policies(args.policies)
    _engine_problems(policy_set)
    units = group_units(expand_paths(args.submissions))  # a district's CSV files are one unit
    findings = Auditor(policy_set, args.engine).audit_files(units, as_of, districts, jobs)
    files = render(findings, policy_set, args.lang, rectify_days=rectify_days, jobs=jobs)
    inputs = tuple(f for u in units for f in (u if isinstance(u, tuple) else (u,))) + tuple(policy_files(args.policies))
    with timing.stage("write"):
        write_reports(files, args.out, protect=inputs)
    totals: dict[str, int] = {}
    for v in findings["verdicts"]:
        totals[v["status"]] = totals.get(v["status"], 0) + 1
    summary = ", ".join(f"{k} {totals[k]}" for k in sorted(totals))
    print(f"audited {len(findings['submitted_by'])} district submission(s) ({len(findings['submissions'])} files) as of {as_of}: {len(findings['verdicts'])} verdicts ({summary}); wrote {len(files)} files to {args.out}")
    return 0


def cmd_validate(args) -> int:


    submissions = load_submissions(args.submissions)
    for s in submissions:
        n = {k: len(v) for k, v in s.records.items()}
        print(f"{unit_label(s.files if len(s.files) > 1 else s.files[0])}: ok — {s.district}: {n.get('school', 0)} schools, {n.get('class', 0)} classes, {n.get('document', 0)} documents")
    return 0


def _engine_problems(policy_set) -> None:
    """Every rule built by durable_rules' own ruleset creation before it is used (check, audit, test):
    P-ENGINE at the policy for a rule it refuses (the rules stage cannot import the engine, so the command
    layer joins them). An audit with --engine reference is held to it too: the policy must run on both."""
    compiled = compile_policies(policy_set)
    refused = validate_rulesets(compiled)
    if refused:
        raise PolicyError(refusal_problems(compiled, refused))


def cmd_check(args) -> int:

    policy_set = load_policies(args.policies)
    _engine_problems(policy_set)
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
    if args.engine == "durable":
        _engine_problems(policy_set)
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
            "template": cmd_template}


def _escaping_streams() -> None:
    """stdout and stderr that cannot encode Chinese (PYTHONIOENCODING=ascii, the C locale without UTF-8
    mode) write it as escapes (\\u548c) instead of failing after the work is done."""
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.reconfigure(errors="backslashreplace")
        except (AttributeError, ValueError):  # not a text file (a test's capture): it copes
            pass


def _quiet_unraisable() -> None:
    """An exception Python can only ignore (in a library's generator collected after a full disk) is not
    printed as a traceback; AUDITOR_DEBUG=1 shows it."""
    if not os.environ.get("AUDITOR_DEBUG"):
        sys.unraisablehook = lambda unraisable: None


def main(argv: list[str] | None = None) -> int:
    _escaping_streams()
    _quiet_unraisable()
    args = _parser().parse_args(argv)
    try:
        return _run(args)
    finally:
        release()  # output folders this run claimed: unlocked; one it created and wrote nothing to, removed


def _run(args) -> int:
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
