"""The `auditor` command.

    auditor audit SUBMISSION... --as-of YYYY-MM-DD --out DIR [--policies DIR] [--lang zh|en] [--engine durable|reference]
                  [--districts A,B] [--rectify-days N] [--jobs N] [--issued YYYY-MM-DD] [--number PATTERN]
                  [--settings FILE] [--format text|json]
    auditor validate SUBMISSION... [--policies DIR] [--as-of YYYY-MM-DD] [--lang zh|en] [--format text|json]
    auditor check [--policies DIR] [--format text|json]
    auditor test [--policies DIR] [--engine durable|reference] [--format text|json]
    auditor template --out DIR [--district NAME] [--policies DIR] [--force] [--format text|json]
    auditor coverage [--policies DIR] [--format text|json]
    auditor --version

The policy folder defaults to the one installed with the package (the repository's policies/), wherever the
command is run from.

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
from pathlib import Path

from auditor import __version__, console, timing
from auditor.audit import Auditor
from auditor.dates import real_date
from auditor.errors import AuditorError, Problem, UsageError, did_you_mean
from auditor.examples import run_examples
from auditor.intake.sheets.reader import group_units, unit_label
from auditor.intake.submissions import expand_paths, load_submissions
from auditor.model import plan
from auditor.output.files import write_reports
from auditor.output.formatter import Formatter
from auditor.output.report import render
from auditor.output.settings import load_settings, make_issue, number_problem
from auditor.output.templates import write_templates
from auditor.rules.coverage import coverage, render_json, render_text
from auditor.rules.lint import lint
from auditor.rules.policies import load_policies, policy_files
from auditor.workers import default_jobs

def default_policies() -> str:
    """The policies installed with the package (the repository's policies/), not the current directory's.

    Written relative to the current directory when it lies below it (so that findings.json records
    "policies" when the audit runs from the repository), absolute otherwise."""
    folder = Path(__file__).resolve().parent.parent / "policies"
    try:
        relative = os.path.relpath(folder)
    except ValueError:  # another drive
        return str(folder)
    return str(folder) if relative.startswith("..") else relative



def _date(text: str, option: str = "--as-of") -> _dt.date:
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text or ""):
        raise UsageError(Problem(option, 0, 0, "U-ARGS", f'"{text}" is not a date in YYYY-MM-DD form'))
    date = real_date(text)
    if date is None:
        raise UsageError(Problem(option, 0, 0, "U-ARGS", f'"{text}" is not a real date'))
    return date


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="auditor", description="Audit district submissions against the plan's policies (沈政办发〔2019〕23号).")
    parser.add_argument("--version", action="version", version=f"auditor {__version__}", help="print the version and exit")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    policies_help = "policy folder (default: the policies installed with the auditor)"
    policies_default = default_policies()  # where the installation is, seen from the current directory now

    audit = sub.add_parser("audit", help="audit submissions and write findings.json, findings.xlsx and the HTML reports",
                           description="Audit submissions and write findings.json, findings.xlsx, each district's report "
                                       "(督导意见), the rectification notices (整改通知) and the city summary (index.html).")
    audit.add_argument("submissions", nargs="+", metavar="SUBMISSION", help="submission files (YAML, JSON, xlsx, CSV) or folders of them")
    audit.add_argument("--as-of", required=True, help="the audit's base date (督导基准日), YYYY-MM-DD")
    audit.add_argument("--out", required=True, help="output folder")
    audit.add_argument("--policies", default=policies_default, help=policies_help)
    audit.add_argument("--lang", choices=("zh", "en"), default="zh", help="language of the documents and of this command's output (default: zh)")
    audit.add_argument("--engine", choices=("durable", "reference"), default="durable",
                       help="durable: durable_rules, reconciled with the reference evaluator (default); reference: the plain-Python evaluator alone")
    audit.add_argument("--districts", help="comma-separated districts expected (default: all thirteen)")
    audit.add_argument("--rectify-days", default="30", metavar="N",
                       help="rectification deadline in the notices: N days after the date of issue (default: 30)")
    audit.add_argument("--jobs", default=None, metavar="N",
                       help="worker processes auditing districts, then rendering the reports, side by side (default: all cores); the output does not depend on N")
    add_issue_options(audit)
    audit.add_argument("--format", choices=("text", "json"), default="text", help="the closing summary as a table (default) or JSON")

    validate = sub.add_parser("validate", help="check submissions and say which checks each can feed",
                              description="Check submission files (nothing is written) and report, per district, how many "
                                          "checks the data can feed and which data is missing for which check.")
    validate.add_argument("submissions", nargs="+", metavar="SUBMISSION", help="submission files or folders of them")
    validate.add_argument("--policies", default=policies_default, help=policies_help)
    validate.add_argument("--as-of", default=None, help="judge completeness as of this date (default: the end of the plan period)")
    validate.add_argument("--lang", choices=("zh", "en"), default="zh", help="language of the output (default: zh)")
    validate.add_argument("--format", choices=("text", "json"), default="text", help="text (default) or JSON")

    check = sub.add_parser("check", help="check that the policy files are valid and their rules consistent (exit 1 on a finding)")
    check.add_argument("--policies", default=policies_default, help=policies_help)
    check.add_argument("--format", choices=("text", "json"), default="text", help="text (default) or JSON (findings on stdout)")

    template = sub.add_parser("template", help="write a fill-in workbook (.xlsx) per district, generated from the policies")
    template.add_argument("--out", required=True, help="output folder")
    template.add_argument("--district", help="only this district (default: all thirteen)")
    template.add_argument("--policies", default=policies_default, help=policies_help)
    template.add_argument("--force", action="store_true", help="overwrite workbooks that already exist in --out")
    template.add_argument("--format", choices=("text", "json"), default="text", help="text (default) or JSON")

    test = sub.add_parser("test", help="run the examples each policy carries")
    test.add_argument("--policies", default=policies_default, help=policies_help)
    test.add_argument("--engine", choices=("durable", "reference"), default="durable", help="engine to run the examples with (default: durable)")
    test.add_argument("--format", choices=("text", "json"), default="text", help="text (default) or JSON")

    cover = sub.add_parser("coverage", help="list every clause of the plan with its checks (automated, evidence, manual) and deadlines")
    cover.add_argument("--policies", default=policies_default, help=policies_help)
    cover.add_argument("--format", choices=("text", "json"), default="text", help="text table (default) or JSON")
    return parser


def add_issue_options(audit: argparse.ArgumentParser) -> None:
    """How the documents are issued: date, number, the office and signer (issue 17)."""
    audit.add_argument("--issued", default=None, metavar="YYYY-MM-DD",
                       help="date of issue printed on the notices and reports (default: today); the deadline counts from it")
    audit.add_argument("--number", default=None, metavar="PATTERN",
                       help="the notices' document number, numbered per district in plan order: N is the running number "
                            "(沈教督〔2023〕N号), or write the first number (沈教督〔2023〕15号); {year} is the year of issue "
                            "(default: the settings file's, else a blank to fill in)")
    audit.add_argument("--settings", default=None, metavar="FILE",
                       help="settings file: issuing office, signer, copies, default number (default: the one installed, "
                            "auditor/data/settings.yaml)")


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


def _issue(args, as_of: _dt.date):
    """The documents' issue from --issued, --number and --settings (validated before anything is audited)."""
    issued = _date(args.issued, "--issued") if args.issued else _dt.date.today()
    if args.number is not None and args.number and number_problem(args.number):
        raise UsageError(Problem("--number", 0, 0, "U-ARGS", number_problem(args.number)))
    return make_issue(load_settings(args.settings), args.lang, issued, args.number)


def cmd_audit(args) -> int:

    as_of = _date(args.as_of)
    districts = _districts(args.districts)
    rectify_days = _rectify_days(args.rectify_days)
    issue = _issue(args, as_of)
    out = os.path.abspath(args.out)
    for path in list(args.submissions) + [args.policies]:
        if os.path.realpath(path) == os.path.realpath(out):
            raise UsageError(Problem(args.out, 0, 0, "U-OUT", "the output folder must not be a submission or policy folder"))
    jobs = _jobs(args.jobs)
    # everything is loaded, validated, audited and rendered in memory before anything is written
    policy_set = load_policies(args.policies)
    units = group_units(expand_paths(args.submissions))  # a district's CSV files are one unit
    findings = Auditor(policy_set, args.engine).audit_files(units, as_of, districts, jobs)
    files = render(findings, policy_set, args.lang, rectify_days=rectify_days, jobs=jobs, issue=issue)
    inputs = tuple(f for u in units for f in (u if isinstance(u, tuple) else (u,))) + tuple(policy_files(args.policies))
    with timing.stage("write"):
        write_reports(files, args.out, protect=inputs)
    summary = console.audit_summary(findings, files, args.out, args.lang)
    sys.stdout.write(console.as_json(summary) if args.format == "json" else console.audit_text(summary, args.lang))
    return 0


def cmd_validate(args) -> int:

    policy_set = load_policies(args.policies)
    as_of = _date(args.as_of) if args.as_of else real_date(plan()["plan"]["period"]["end"])
    submissions = load_submissions(args.submissions)
    findings = Auditor(policy_set, "reference").audit(submissions, as_of, [s.district for s in submissions])
    fmt = Formatter(policy_set, args.lang)
    entries = console.completeness(policy_set, findings, fmt)
    results = []
    for s in submissions:
        label = unit_label(s.files if len(s.files) > 1 else s.files[0])
        results.append((label, s, entries.get(s.district, {})))
    if args.format == "json":
        sys.stdout.write(console.as_json({"as_of": as_of.isoformat(), "submissions": [
            {"file": label, "district": s.district, "records": {k: len(v) for k, v in sorted(s.records.items())}, **entry}
            for label, s, entry in results]}))
        return 0
    for label, s, entry in results:
        sys.stdout.write(console.completeness_text(label, s, entry, as_of.isoformat(), args.lang))
    return 0


def cmd_check(args) -> int:

    policy_set = load_policies(args.policies)
    findings = lint(policy_set)
    for problem in findings:
        print(problem.format(), file=sys.stderr)
    if args.format == "json":
        sys.stdout.write(console.as_json({"policies": len(policy_set.policies), "checks": len(policy_set.checks),
                                          "problems": [p.as_dict() for p in findings]}))
    elif findings:
        print(f"{args.policies}: {len(findings)} problem(s) in the rules — {len(policy_set.policies)} policies, {len(policy_set.checks)} checks")
    else:
        print(f"{args.policies}: ok — {len(policy_set.policies)} policies, {len(policy_set.checks)} checks")
    return 1 if findings else 0


def cmd_template(args) -> int:

    districts = _districts(args.district) or plan()["districts"]
    policy_set = load_policies(args.policies)
    written = write_templates(policy_set, args.out, districts, force=args.force)
    if args.format == "json":
        sys.stdout.write(console.as_json({"written": list(written)}))
    else:
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
    if args.format == "json":
        sys.stdout.write(console.as_json({"passed": len(results) - len(failed), "failed": len(failed), "failures": [
            {"source": str(r.source), "policy": r.policy, "name": r.name, "error": r.error or "",
             "checks": [{"check": c, "expected": w, "got": g} for c, w, g in r.failures]} for r in failed]}))
    else:
        print(f"{len(results) - len(failed)} passed, {len(failed)} failed")
    return 1 if failed else 0


def cmd_coverage(args) -> int:

    matrix = coverage(load_policies(args.policies))
    sys.stdout.write(render_json(matrix) if args.format == "json" else render_text(matrix))
    return 1 if matrix["totals"]["uncovered"] else 0


COMMANDS = {"audit": cmd_audit, "validate": cmd_validate, "check": cmd_check, "test": cmd_test, "coverage": cmd_coverage,
            "template": cmd_template}


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
