"""The `auditor` command.

    auditor audit SUBMISSION... --as-of YYYY-MM-DD --out DIR [--policies DIR] [--lang zh|en] [--engine durable|reference] [--jobs N]
    auditor validate SUBMISSION...
    auditor check [--policies DIR]
    auditor test [--policies DIR]

Exit status: 0 done; 1 `check`/`test` found a problem in valid files; 2 bad
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

from . import timing
from .errors import AuditorError, Problem, UsageError

DEFAULT_POLICIES = "policies"


def _date(text: str) -> _dt.date:
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text or ""):
        raise UsageError(Problem("--as-of", 0, 0, "U-ARGS", f'"{text}" is not a date in YYYY-MM-DD form'))
    try:
        return _dt.date.fromisoformat(text)
    except ValueError:
        raise UsageError(Problem("--as-of", 0, 0, "U-ARGS", f'"{text}" is not a real date')) from None


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
    audit.add_argument("--jobs", default=None, metavar="N",
                       help="worker processes auditing districts side by side (default: all cores); the findings do not depend on N")

    validate = sub.add_parser("validate", help="validate submissions only")
    validate.add_argument("submissions", nargs="+", metavar="SUBMISSION")

    check = sub.add_parser("check", help="check that the policy files are valid")
    check.add_argument("--policies", default=DEFAULT_POLICIES)

    test = sub.add_parser("test", help="run the examples each policy carries")
    test.add_argument("--policies", default=DEFAULT_POLICIES)
    test.add_argument("--engine", choices=("durable", "reference"), default="durable")
    return parser


def _districts(text: str | None) -> list[str] | None:
    if not text:
        return None
    from .errors import did_you_mean
    from .model import plan

    names = [n.strip() for n in text.split(",") if n.strip()]
    known = plan()["districts"]
    bad = [n for n in names if n not in known]
    if bad:
        raise UsageError(Problem("--districts", 0, 0, "U-ARGS", f'unknown district "{bad[0]}"{did_you_mean(bad[0], known)}'))
    return names


def _jobs(text: str | None) -> int:
    from .parallel import default_jobs

    if text is None:
        return default_jobs()
    if not re.fullmatch(r"[1-9][0-9]{0,3}", text.strip()):
        raise UsageError(Problem("--jobs", 0, 0, "U-ARGS", f'"{text}" is not a number of worker processes (1 or more)'))
    return int(text)


def cmd_audit(args) -> int:
    from .audit import Auditor
    from .policies import load_policies
    from .report import render, write_reports
    from .submission import expand_paths

    as_of = _date(args.as_of)
    districts = _districts(args.districts)
    out = os.path.abspath(args.out)
    for path in args.submissions:
        if os.path.abspath(path) == out:
            raise UsageError(Problem(args.out, 0, 0, "U-OUT", "the output folder must not be a submission folder"))
    jobs = _jobs(args.jobs)
    policy_set = load_policies(args.policies)
    findings = Auditor(policy_set, args.engine).audit_files(expand_paths(args.submissions), as_of, districts, jobs)
    with timing.stage("render"):
        files = render(findings, policy_set, args.lang)
    with timing.stage("write"):
        write_reports(files, args.out)
    totals: dict[str, int] = {}
    for v in findings["verdicts"]:
        totals[v["status"]] = totals.get(v["status"], 0) + 1
    summary = ", ".join(f"{k} {totals[k]}" for k in sorted(totals))
    print(f"audited {len(findings['submissions'])} submission(s) as of {as_of}: {len(findings['verdicts'])} verdicts ({summary}); wrote {len(files)} files to {args.out}")
    return 0


def cmd_validate(args) -> int:
    from .submission import load_submissions

    submissions = load_submissions(args.submissions)
    for s in submissions:
        n = {k: len(v) for k, v in s.records.items()}
        print(f"{s.files[0]}: ok — {s.district}: {n.get('school', 0)} schools, {n.get('class', 0)} classes, {n.get('document', 0)} documents")
    return 0


def cmd_check(args) -> int:
    from .policies import load_policies

    policy_set = load_policies(args.policies)
    print(f"{args.policies}: ok — {len(policy_set.policies)} policies, {len(policy_set.checks)} checks")
    return 0


def cmd_test(args) -> int:
    from .examples import run_examples
    from .policies import load_policies

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


COMMANDS = {"audit": cmd_audit, "validate": cmd_validate, "check": cmd_check, "test": cmd_test}


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
