"""The `auditor` command: its arguments and exit status (what each subcommand does: ``auditor.commands``).

    auditor audit SUBMISSION... --as-of YYYY-MM-DD --out DIR [--policies PACK...] [--lang zh|en] [--engine durable|reference]
                  [--districts A,B] [--waivers DIR] [--rectify-days N] [--jobs N] [--issued YYYY-MM-DD] [--number PATTERN]
                  [--settings FILE] [--db FILE | --no-db] [--format text|json]
    auditor explain SUBMISSION... --as-of YYYY-MM-DD --district D --check C [--item KEY] [--policies PACK...]
                  [--engine durable|reference] [--waivers DIR] [--districts A,B] [--jobs N] [--lang zh|en] [--format text|json]
    auditor validate SUBMISSION... [--policies PACK...] [--as-of YYYY-MM-DD] [--lang zh|en] [--format text|json]
    auditor check [--policies PACK...] [--format text|json] [--lang zh|en]
    auditor test [--policies PACK...] [--engine durable|reference] [--format text|json|junit] [--lang zh|en]
    auditor template --out DIR [--district NAME] [--policies PACK...] [--force] [--format text|json] [--lang zh|en]
    auditor coverage [--policies PACK...] [--format text|json] [--lang zh|en]
    auditor audits [--db FILE] [--format text|json] [--lang zh|en]
    auditor history [--db FILE] [--district D] [--check C] [--format text|json] [--lang zh|en]
    auditor compare A B [--db FILE] [--format text|json] [--lang zh|en]
    auditor diff OLD NEW [--against SUBMISSION... --as-of YYYY-MM-DD] [--lang zh|en] [--format text|json] [--jobs N]
    auditor --version

--policies takes one or more policy packs (a folder with pack.yaml naming its document) or folders of packs; it
defaults to the folder of packs installed with the package (the repository's policies/), wherever the command is
run from.

Error messages are in Chinese, or in English with ``--lang en``; codes and positions are the same in both.

Exit status: 0 done; 1 `check`/`test` found a problem in valid files (or
`coverage` found a clause without a policy, or `diff` a change that can change a verdict); 2 bad
input or usage (one ``file:line: code: message`` line per problem on stderr,
nothing written); 3 an internal error (a bug, or the engine disagreeing with
the reference evaluator).
"""
from __future__ import annotations

import argparse
import os
import re
import sys

from auditor import __version__
from auditor.commands import COMMANDS, DEFAULT_DB, default_policies
from auditor.errors import AuditorError, hint
from auditor.output.claims import release
from auditor.texts import LANGS, msg, render


# argparse's own complaints (Python 3.11-3.13), matched to worded messages; anything else is shown as it is
_COMPLAINTS = [(re.compile(pattern), key) for pattern, key in (
    (r"the following arguments are required: (?P<names>.+)", "usage.required"),
    (r"unrecognized arguments: (?P<args>.+)", "usage.unrecognized"),
    (r"argument (?P<arg>[^:]+): invalid choice: (?P<value>.+?) \(choose from (?P<choices>.+)\)", "usage.invalid-choice"),
    (r"argument (?P<arg>[^:]+): expected one argument", "usage.expected-one"),
    (r"argument (?P<arg>[^:]+): expected at least one argument", "usage.expected-some"),
    (r"argument (?P<arg>[^:]+): invalid (?P<type>\w+) value: (?P<value>.+)", "usage.invalid-value"),
    (r"argument (?P<arg>[^:]+): not allowed with argument (?P<other>.+)", "usage.not-allowed"),
    (r"one of the arguments (?P<names>.+) is required", "usage.one-of"),
    (r"ambiguous option: (?P<option>\S+) could match (?P<matches>.+)", "usage.ambiguous"),
)]


def _requested_lang(argv: list[str]) -> str:
    """The --lang of a command line that may not parse (its complaint is worded in that language; default zh)."""
    for i, word in enumerate(argv):
        value = argv[i + 1] if word == "--lang" and i + 1 < len(argv) else word[len("--lang="):] if word.startswith("--lang=") else None
        if value is not None:
            return value if value in LANGS else "zh"
    return "zh"


def complaint(prog: str, text: str, lang: str) -> str:
    """argparse's complaint ``text`` as one ``prog: U-ARGS: message`` line in ``lang``."""
    for pattern, key in _COMPLAINTS:
        found = pattern.fullmatch(text)
        if found:
            params = found.groupdict()
            if "value" in params:  # argparse quotes it as Python would: the message quotes it per language
                params["value"] = re.sub(r"^'(.*)'$", r"\1", params["value"])
            if key == "usage.invalid-choice":
                choices = [c.strip("'") for c in params["choices"].split(", ")]
                params.update(choices=choices, hint=hint(params["value"], choices))
            for name in ("names", "matches"):
                if name in params:
                    params[name] = params[name].split(", ")
            return render(msg("usage.line", prog=prog, code="U-ARGS", help="-h", message=msg(key, **params)), lang)
    return render(msg("usage.line", prog=prog, code="U-ARGS", help="-h", message=msg("usage.other", text=text)), lang)


class Parser(argparse.ArgumentParser):
    """argparse, with its complaints worded in the command line's --lang (Chinese by default) and exit status 2."""

    lang = "zh"  # set by main() from the command line before parsing

    def error(self, message: str):
        self.print_usage(sys.stderr)
        self.exit(2, complaint(self.prog, message, Parser.lang) + "\n")


def _parser() -> argparse.ArgumentParser:
    parser = Parser(prog="auditor", description="Audit district submissions against policy packs: the city's plan (沈政办发〔2019〕23号) and the national standard (教督〔2017〕6号).")
    parser.add_argument("--version", action="version", version=f"auditor {__version__}", help="print the version and exit")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    policies_help = ("policy packs: one or more packs (a folder with pack.yaml) or folders of packs, after the "
                     "submissions (default: every pack installed with the auditor)")
    policies_default = [default_policies()]  # where the installation is, seen from the current directory now
    policies = {"nargs": "+", "default": policies_default, "metavar": "PACK", "help": policies_help}

    audit = sub.add_parser("audit", help="audit submissions and write findings.json, findings.xlsx and the HTML reports",
                           description="Audit submissions and write findings.json, findings.xlsx, each district's report "
                                       "(督导意见), the rectification notices (整改通知) and the city summary (index.html).")
    audit.add_argument("submissions", nargs="+", metavar="SUBMISSION", help="submission files (YAML, JSON, xlsx, CSV) or folders of them")
    audit.add_argument("--as-of", required=True, help="the audit's base date (督导基准日), YYYY-MM-DD")
    audit.add_argument("--out", required=True, help="output folder (not a folder the inputs are read from, nor one inside a submission, policy or waiver folder)")
    audit.add_argument("--policies", **policies)
    audit.add_argument("--lang", choices=("zh", "en"), default="zh", help="language of the documents and of this command's output (default: zh)")
    audit.add_argument("--engine", choices=("durable", "reference"), default="durable",
                       help="durable: durable_rules, reconciled with the reference evaluator (default); reference: the plain-Python evaluator alone")
    audit.add_argument("--districts", help="comma-separated districts expected (default: all thirteen)")
    audit.add_argument("--waivers", default=None, metavar="DIR",
                       help="folder of waivers (approved exceptions, YAML; default: waivers/ beside the policy folder, when it exists)")
    audit.add_argument("--rectify-days", default=None, metavar="N",
                       help="rectification deadline in the notices: N days after the date of issue (default: 30; an audit "
                            "already recorded keeps the dates its notices were recorded with)")
    audit.add_argument("--jobs", default=None, metavar="N",
                       help="worker processes auditing districts, then rendering the reports, side by side (default: all cores); the output does not depend on N")
    add_issue_options(audit)
    audit.add_argument("--db", metavar="FILE",
                       help=f"record the audit in this audit history (default: {DEFAULT_DB} inside the --out folder)")
    audit.add_argument("--no-db", action="store_true", help="do not record the audit in any history")
    audit.add_argument("--format", choices=("text", "json"), default="text", help="the closing summary as a table (default) or JSON")
    audit.add_argument("--quiet", action="store_true",
                       help="no progress line on stderr (it is shown only when stderr is a terminal)")

    why = sub.add_parser("explain", help="why one verdict: the rule, the deadline in force, the records and the figures behind it",
                         description="Audit the submissions as `audit` does (nothing is written) and print the trace of one "
                                     "verdict: the clause, the step of the schedule in force, the filter and the requirement in "
                                     "plain words, a derived figure's inputs, the failing and lacking records, the result.")
    why.add_argument("submissions", nargs="+", metavar="SUBMISSION", help="submission files or folders of them (all of them: city-wide figures need every district)")
    why.add_argument("--as-of", required=True, help="the audit's base date, YYYY-MM-DD")
    why.add_argument("--district", required=True, help="the district (沈阳市 for a city-wide check)")
    why.add_argument("--check", required=True, help="the check id (as in findings.json)")
    why.add_argument("--item", default=None, metavar="KEY", help="also one record's evidence, by its key (as in findings.json: class:HP001/3-2)")
    why.add_argument("--policies", **policies)
    why.add_argument("--engine", choices=("durable", "reference"), default="durable", help="engine (default: durable, reconciled with the reference)")
    why.add_argument("--waivers", default=None, metavar="DIR", help="folder of waivers (default: as audit)")
    why.add_argument("--districts", help="comma-separated districts expected (default: all thirteen)")
    why.add_argument("--jobs", default=None, metavar="N", help="worker processes (default: as audit)")
    why.add_argument("--lang", choices=("zh", "en"), default="zh", help="language of the text (default: zh)")
    why.add_argument("--format", choices=("text", "json"), default="text", help="text (default) or JSON")

    validate = sub.add_parser("validate", help="check submissions and say which checks each can feed",
                              description="Check submission files (nothing is written) and report, per district, how many "
                                          "checks the data can feed and which data is missing for which check.")
    validate.add_argument("submissions", nargs="+", metavar="SUBMISSION", help="submission files or folders of them")
    validate.add_argument("--policies", **policies)
    validate.add_argument("--as-of", default=None, help="judge completeness as of this date (default: the end of the plan period)")
    validate.add_argument("--lang", choices=("zh", "en"), default="zh", help="language of the output (default: zh)")
    validate.add_argument("--format", choices=("text", "json"), default="text", help="text (default) or JSON")

    check = sub.add_parser("check", help="check that the policy files are valid and their rules consistent (exit 1 on a finding)")
    check.add_argument("--policies", **policies)
    check.add_argument("--format", choices=("text", "json"), default="text", help="text (default) or JSON (findings on stdout)")
    lang_option(check)

    template = sub.add_parser("template", help="write a fill-in workbook (.xlsx) per district, generated from the policies")
    template.add_argument("--out", required=True, help="output folder")
    template.add_argument("--district", help="only this district (default: all thirteen)")
    template.add_argument("--policies", **policies)
    template.add_argument("--force", action="store_true", help="overwrite workbooks that already exist in --out")
    template.add_argument("--format", choices=("text", "json"), default="text", help="text (default) or JSON")
    lang_option(template)

    test = sub.add_parser("test", help="run the examples each policy carries")
    test.add_argument("--policies", **policies)
    test.add_argument("--engine", choices=("durable", "reference"), default="durable", help="engine to run the examples with (default: durable)")
    test.add_argument("--format", choices=("text", "json", "junit"), default="text",
                      help="text (default), JSON, or JUnit XML on stdout (for CI; problems still on stderr)")
    lang_option(test)

    cover = sub.add_parser("coverage", help="list every clause of the plan with its checks (automated, evidence, manual) and deadlines")
    cover.add_argument("--policies", **policies)
    cover.add_argument("--format", choices=("text", "json"), default="text", help="text table (default) or JSON")
    lang_option(cover)

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

    diff = sub.add_parser("diff", help="what changed between two rule sets, in plain words (exit 1 when a verdict can change)",
                          description="Compare two rule sets as --policies takes them (a pack, or a folder of packs) "
                                      "or git revisions of one (HEAD~1:policies), pack by pack (per document), clause and "
                                      "check; with "
                                      "--against and --as-of, which districts' verdicts change on those submissions. Exit 0 "
                                      "when nothing that decides a verdict changed, 1 when something did, 2 on bad input.")
    diff.add_argument("old", metavar="OLD", help="the rule set before: a pack or a folder of packs, or REV:path (git, e.g. HEAD~1:policies)")
    diff.add_argument("new", metavar="NEW", help="the rule set after: a pack or a folder of packs, or REV:path")
    diff.add_argument("--against", nargs="+", metavar="SUBMISSION", help="audit these submissions under both rule sets and list the verdicts that change")
    diff.add_argument("--as-of", default=None, help="the audit's base date for --against, YYYY-MM-DD")
    diff.add_argument("--lang", choices=("zh", "en"), default="zh", help="language of the output (default: zh)")
    diff.add_argument("--format", choices=("text", "json"), default="text", help="text (default) or JSON (auditor/schemas/diff.schema.json)")
    diff.add_argument("--jobs", default=None, metavar="N", help="worker processes for --against (default: all cores)")
    return parser


def lang_option(command: argparse.ArgumentParser) -> None:
    """--lang for a command whose only words are its error messages."""
    command.add_argument("--lang", choices=("zh", "en"), default="zh", help="language of the error messages (default: zh)")


def add_issue_options(audit: argparse.ArgumentParser) -> None:
    """How the documents are issued: date, number, the office and signer (issue 17)."""
    audit.add_argument("--issued", default=None, metavar="YYYY-MM-DD",
                       help="date of issue printed on the notices and reports (default: today in China Standard Time, UTC+8, "
                            "or the audit date if later; never before it; an audit already recorded keeps its notices' "
                            "recorded date); the deadline counts from it")
    audit.add_argument("--number", default=None, metavar="PATTERN",
                       help="the notices' document number, numbered per district in plan order: N is the running number "
                            "(沈教督〔{year}〕N号); {year} is the year of issue; with an audit history the numbers continue after "
                            "those it issued (default: the settings file's)")
    audit.add_argument("--settings", default=None, metavar="FILE",
                       help="settings file: issuing office, signer, copies, default number (default: the one installed, "
                            "auditor/data/settings.yaml)")


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
    Parser.lang = _requested_lang(sys.argv[1:] if argv is None else argv)
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
            print(problem.format(args.lang), file=sys.stderr)
        return exc.exit_status
    except KeyboardInterrupt:
        print(render(msg("cli.interrupted"), args.lang), file=sys.stderr)
        return 130
    except Exception as exc:  # a bug: one line, no traceback (AUDITOR_DEBUG=1 shows it)
        if os.environ.get("AUDITOR_DEBUG"):
            raise
        print(render(msg("cli.bug", kind=type(exc).__name__, detail=str(exc)[:300]), args.lang), file=sys.stderr)
        return 3


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
