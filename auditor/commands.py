"""What each `auditor` subcommand does (the argument parser and `main` are in ``auditor.cli``).

Every command validates its arguments before anything is read or written, loads what it needs, and prints its
result (text in the chosen language, or JSON); problems are raised as ``AuditorError`` and printed by ``main``.
"""
from __future__ import annotations

import json
import os
import sys
from pathlib import Path

from auditor import changes, console, explain, timing
from auditor.arguments import (DEFAULT_DB, db_path, load_waiver_folder, parse_date, parse_districts, parse_issue, parse_jobs,
                               parse_rectify_days, period_end, recorded_dates, waiver_warnings)
from auditor.audit import Auditor
from auditor.errors import PolicyError, Problem, UsageError, hint
from auditor.evaluate.engine import validate_rulesets
from auditor.examples import junit_xml, report_lines, run_examples
from auditor.intake.sheets.reader import group_units, unit_label
from auditor.intake.submissions import expand_paths, load_submissions
from auditor.model import plan
from auditor.output.files import write_reports
from auditor.output.changes import ChangeWords
from auditor.output.formatter import Formatter
from auditor.output.report import render
from auditor.output.templates import write_templates
from auditor.output.claims import check_folder_name, claim, refuse_input_folders
from auditor.progress import Progress
from auditor.rules.compiler import compile_policies, refusal_problems
from auditor.rules.coverage import coverage, render_json, render_text
from auditor.rules.lint import lint
from auditor.rules import revisions
from auditor.rules.policies import load_policies
from auditor.rules.packs import pack_folders
from auditor.rules.waivers import default_folder as default_waivers, waiver_files
from auditor.store import db, history, query, record, text, views
from auditor.texts import msg, render as words



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


# ----------------------------------------------------------------------------- audit and validate
def input_folders(args) -> tuple[list[str], list[str]]:
    """Where a run reads its inputs, for :func:`refuse_input_folders`: the folders it reads files from (a folder
    given as a submission, each --policies path and every pack in it, the waivers folder) and the files read where
    they are (a submission file given, the --settings file)."""
    submissions = list(getattr(args, "submissions", ()))
    policies = list(args.policies)
    folders = [p for p in submissions if os.path.isdir(p)] + policies
    try:  # every pack, found as the loader finds them (a folder of packs: each pack in it)
        folders += [f for f in pack_folders(policies) if f not in folders]
    except PolicyError:
        pass  # the loader reports what is wrong with the policies, once the output folder is known to be safe
    if "waivers" in vars(args):
        folders.append(args.waivers or default_waivers(args.policies))
    files = [p for p in submissions if not os.path.isdir(p)] + [getattr(args, "settings", None)]
    return folders, files


def cmd_audit(args) -> int:
    as_of = parse_date(args.as_of)
    districts = parse_districts(args.districts)
    rectify_days = parse_rectify_days(args.rectify_days)
    issue = parse_issue(args, as_of)
    store = db_path(args)
    check_folder_name(args.out)  # U-ARGS first: an empty name, /, a system folder, the home folder
    refuse_input_folders(args.out, *input_folders(args))  # never among the inputs, before anything is created
    claim(args.out, "audit")  # checked, created and locked before any work; released (and removed if unused) by main
    out = os.path.abspath(args.out)
    if store and os.path.realpath(os.path.dirname(os.path.abspath(store))) == os.path.realpath(out) \
            and os.path.basename(store) != DEFAULT_DB:
        raise UsageError(Problem(store, 0, 0, "U-OUT", msg("out.db-name", name=DEFAULT_DB)))
    jobs = parse_jobs(args.jobs)
    if store:
        db.preflight(store, args.lang)  # a store that cannot be recorded into stops the audit before it runs
    # everything is loaded, validated and audited before anything is written; each report is written to a temporary
    # in --out as it is rendered (never all in memory), and the set is renamed into place all or nothing, inside the transaction that records the audit (the same audit recorded again changes
    # nothing), so the documents carry the notice numbers the history gave them
    policy_set = load_policies(args.policies)
    engine_problems(policy_set)
    waivers, waiver_folder = load_waiver_folder(args, policy_set)
    units = group_units(expand_paths(args.submissions))  # a district's CSV files are one unit
    inventory: dict | None = {} if store else None
    show = None if not getattr(args, "quiet", False) else False  # on a terminal only, unless --quiet
    with Progress(len(units), "audit", args.lang, enabled=show) as progress:
        findings = Auditor(policy_set, args.engine, waivers).audit_files(units, as_of, districts, jobs, inventory=inventory,
                                                                         progress=progress)

    def rendered(issue, history=None) -> dict:
        with Progress(0, "render", args.lang, enabled=show) as progress:
            return render(findings, policy_set, args.lang, rectify_days=rectify_days, jobs=jobs, issue=issue, history=history,
                          progress=progress, stage=args.out)  # each file written into --out as it is rendered

    inputs = tuple(f for u in units for f in (u if isinstance(u, tuple) else (u,))) + tuple(f for _, f in policy_set.files) \
        + tuple(waiver_files(waiver_folder) if waiver_folder else ())
    done = None
    if store:
        # one transaction around recording, the reports' history, rendering and writing: the audit is in the history
        # exactly when its reports were written (a failure anywhere, even kill -9, leaves the history as it was; a
        # history this run created is removed again, so a failed run writes nothing outside --out)
        with db.created_by_this_run(store), timing.stage("record"), \
                record.recording(store, findings, policy_set, inventory, issued=issue.issued, rectify_days=rectify_days,
                                 lang=args.lang, number=issue.pattern or record.DEFAULT_NUMBER) as (connection, done):
            # an audit already recorded: its documents carry the dates its notices were recorded with (a different
            # --issued or --rectify-days is refused); every notice a number the history issued shows that notice's dates
            issue, rectify_days = recorded_dates(args, done, issue, rectify_days, store)
            issue = issue.with_numbers(done.numbers, done.dates)
            with timing.stage("history"):
                past = views.report_views(connection, done.audit)  # plain dicts: 复查, comparison, trends, projections
            files = rendered(issue, past)
            with timing.stage("write"):
                write_reports(files, args.out, protect=inputs)
    else:
        files = rendered(issue)
        with timing.stage("write"):
            write_reports(files, args.out, protect=inputs)
    summary = console.audit_summary(findings, files, args.out, args.lang)
    if "waivers" in findings:  # what became of every waiver: one not applied is never silent
        summary["waivers"] = {w["id"]: w["status"] for w in findings["waivers"]}
        for line in waiver_warnings(findings["waivers"], args.lang, waivers):
            print(line, file=sys.stderr)
    if done is not None:
        summary["history"] = {"db": store, "audit": done.audit, "new": done.new, "notices": done.notices}
    sys.stdout.write(console.as_json(summary) if args.format == "json" else console.audit_text(summary, args.lang))
    if done is not None and args.format != "json":
        print(text.recorded_line(done, store, args.lang))
    return 0


def cmd_validate(args) -> int:
    policy_set = load_policies(args.policies)
    as_of = parse_date(args.as_of) if args.as_of else period_end(policy_set)
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


def cmd_explain(args) -> int:
    """The trace of one verdict: the submissions audited as `audit` audits them, nothing written."""
    as_of = parse_date(args.as_of)
    policy_set = load_policies(args.policies)
    engine_problems(policy_set)
    checks = [c.id for c in policy_set.checks]
    if args.check not in checks:  # before the audit: a misspelt check costs nothing
        explain.pick({"districts": [], "verdicts": []}, args.district, args.check, checks)
    if args.item is not None:  # a key that can name no record of the check is refused before the audit too
        explain.check_item(args.item, next(c for c in policy_set.checks if c.id == args.check))
    waivers, _ = load_waiver_folder(args, policy_set)
    units = group_units(expand_paths(args.submissions))
    auditor = Auditor(policy_set, args.engine, waivers)
    if args.item is not None:
        auditor.ask(args.district, args.item)
    findings = auditor.audit_files(units, as_of, parse_districts(args.districts), parse_jobs(args.jobs))
    verdict = explain.pick(findings, args.district, args.check, checks)
    held = args.item is not None and args.item in auditor.present.get(args.district, ())
    explained = explain.explanation(verdict, policy_set, args.lang, args.item, held=held)
    sys.stdout.write(console.as_json(explained) if args.format == "json" else explain.text(explained, args.lang))
    return 0


# ----------------------------------------------------------------------------- the policies
def engine_problems(policy_set) -> None:
    """Every rule built by durable_rules' own ruleset creation before it is used (check, audit, test):
    P-ENGINE at the policy for a rule it refuses (the rules stage cannot import the engine, so the command
    layer joins them). An audit with --engine reference is held to it too: the policy must run on both."""
    compiled = compile_policies(policy_set)
    refused = validate_rulesets(compiled)
    if refused:
        raise PolicyError(refusal_problems(compiled, refused))


def cmd_check(args) -> int:
    policy_set = load_policies(args.policies)
    engine_problems(policy_set)
    findings = lint(policy_set)
    for problem in findings:
        print(problem.format(args.lang), file=sys.stderr)
    if args.format == "json":
        sys.stdout.write(console.as_json({"policies": len(policy_set.policies), "checks": len(policy_set.checks),
                                          "packs": [{"id": p.id, "document": p.ref, "folder": p.folder,
                                                     "policies": sum(1 for x in policy_set.policies if x.document == p.id),
                                                     "checks": sum(len(x.checks) for x in policy_set.policies if x.document == p.id)}
                                                    for p in policy_set.packs],
                                          "problems": [p.as_dict(args.lang) for p in findings]}))
    else:
        for pack in policy_set.packs:  # per document: which pack, how many policies and checks, how many problems
            policies = [p for p in policy_set.policies if p.document == pack.id]
            checks = sum(len(p.checks) for p in policies)
            files = {p.source.file for p in policies}
            mine = [f for f in findings if f.file in files]
            folder = f"{pack.folder} ({pack.ref})"
            line = msg("check.problems", folder=folder, count=len(mine), policies=len(policies), checks=checks) if mine \
                else msg("check.ok", folder=folder, policies=len(policies), checks=checks)
            print(words(line, args.lang))
    return 1 if findings else 0


def cmd_template(args) -> int:
    districts = parse_districts(args.district, "--district") or plan()["districts"]
    check_folder_name(args.out)
    refuse_input_folders(args.out, *input_folders(args))  # a fill-in workbook never lands among the policies
    policy_set = load_policies(args.policies)
    written = write_templates(policy_set, args.out, districts, force=args.force)
    if args.format == "json":
        sys.stdout.write(console.as_json({"written": list(written)}))
    else:
        print(words(msg("templates.written", count=len(written), folder=args.out,
                        files=tuple(os.path.basename(w) for w in written)), args.lang))
    return 0


def cmd_test(args) -> int:
    policy_set = load_policies(args.policies)
    if args.engine == "durable":
        engine_problems(policy_set)
    results = run_examples(policy_set, args.engine)
    failed = [r for r in results if not r.ok]
    documents = [{"document": p.ref, "pack": p.id,
                  "passed": sum(1 for r in results if r.document == p.ref and r.ok),
                  "failed": sum(1 for r in results if r.document == p.ref and not r.ok)} for p in policy_set.packs]
    problems, counts = report_lines(results, documents, args.lang)
    for line in problems:
        print(line, file=sys.stderr)
    if args.format == "junit":
        sys.stdout.write(junit_xml(results, args.lang))
    elif args.format == "json":
        sys.stdout.write(console.as_json({"passed": len(results) - len(failed), "failed": len(failed), "documents": documents,
                                          "failures": [
            {"source": str(r.source), "document": r.document, "policy": r.policy, "name": r.name, "error": words(r.error, args.lang),
             "checks": [{"check": c, "expected": w, "got": g} for c, w, g in r.failures]} for r in failed]}))
    else:
        print("\n".join(counts))
    return 1 if failed else 0


def cmd_coverage(args) -> int:
    matrix = coverage(load_policies(args.policies))
    sys.stdout.write(render_json(matrix) if args.format == "json" else render_text(matrix))
    return 1 if matrix["totals"]["uncovered"] else 0


# ----------------------------------------------------------------------------- the audit history
def _print(data: dict, args, render_text) -> None:
    if args.format == "json":
        sys.stdout.write(json.dumps(data, ensure_ascii=False) + "\n")  # one line: the C encoder (indent is ten times slower)
    else:
        sys.stdout.write(render_text(data, args.lang))


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
                raise UsageError(Problem("--district", 0, 0, "U-ARGS", msg("args.unknown-district", name=args.district, hint=hint(args.district, known))))
        if args.check:
            checks = query.checks_of(connection)
            if args.check not in checks:
                raise UsageError(Problem("--check", 0, 0, "U-ARGS", msg("args.unknown-check", check=args.check, hint=hint(args.check, checks))))
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


# ----------------------------------------------------------------------------- rule changes
def cmd_diff(args) -> int:
    """What changed between two rule sets (folders or git revisions), and with --against whose verdicts change.
    Exit 1 when anything can change a verdict, 0 when only wording changed (or nothing)."""
    if bool(args.against) != bool(args.as_of):
        raise UsageError(Problem("--against" if args.as_of else "--as-of", 0, 0, "U-ARGS", msg("diff.against-as-of")))
    as_of = parse_date(args.as_of) if args.as_of else None
    jobs = parse_jobs(args.jobs)
    with revisions.opened(args.old) as (old_name, old_folder), revisions.opened(args.new) as (new_name, new_folder):
        old, new = changes.load(old_folder), changes.load(new_folder)
    found = changes.compare(old, new)
    words = ChangeWords(old, new, args.lang)
    for change in found:
        change["text"] = words.sentence(change)
    data = {"format": changes.FORMAT, "lang": args.lang,
            "old": {"source": old_name, "packs": [p.id for p in old.packs], "checks": len(old.checks)},
            "new": {"source": new_name, "packs": [p.id for p in new.packs], "checks": len(new.checks)},
            "judgement_changed": any(c["judgement"] for c in found), "packs": changes.summary(old, new, found),
            "changes": found, "verdicts": None}
    if args.against:
        data["verdicts"] = changes.verdict_changes(old, new, group_units(expand_paths(args.against)), as_of, jobs)
    sys.stdout.write(console.as_json(data) if args.format == "json" else words.text(data))
    return 1 if data["judgement_changed"] else 0


COMMANDS = {"diff": cmd_diff, "audit": cmd_audit, "explain": cmd_explain, "validate": cmd_validate, "check": cmd_check, "test": cmd_test, "coverage": cmd_coverage,
            "template": cmd_template, "audits": cmd_audits, "history": cmd_history, "compare": cmd_compare}
