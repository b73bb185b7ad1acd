"""One error hierarchy with stable codes.

Errors are split by whose fault they are: the policy author's (``PolicyError``),
the submitter's (``SubmissionError``), the person at the command line
(``UsageError``) or the program's own (``InternalError``, ``EngineError``).
Every problem is a :class:`Problem` — data, not an exception — so a loader can
collect all problems of a file, sort them by position and raise them together
in one :class:`AuditorError`.
"""
from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field

from auditor.texts import Msg, msg, render

# What a run may echo back. Every problem goes through these limits in one place: Collector.add
# (while reading a file) and AuditorError (whatever raised it), so no input can make the error
# output grow with its size.
MAX_PER_KIND = 20  # problems of one code shown per file (per column of a sheet); the rest are counted in one line
MAX_PER_FILE = 100  # problems shown per file in all
MAX_ECHO = 80  # characters of a value from a file quoted in a message (see excerpt)
MAX_MESSAGE = 600  # characters of one message, whatever it quotes
_NAME_CHAR = re.compile(r"[A-Za-z0-9_.\-]")
_NAME_TAIL = re.compile(r"[A-Za-z0-9_.\-]+$")
MAX_SUGGEST = 100  # a word longer than this gets no "did you mean" (difflib is quadratic)


def excerpt(value, limit: int = MAX_ECHO) -> str:
    """A value from a file as it may be quoted in a message: text as is (other values as ``str``),
    control characters and lone surrogates escaped, cut to ``limit`` characters with the full length
    said. The one way a message echoes what a file holds — an API key or /etc/passwd in an unreadable
    file, a 19 MB key, a 5,000-digit number are never repeated in full."""
    text = value if isinstance(value, str) else repr(value) if isinstance(value, bytes) else str(value)
    if len(text) > limit:
        text = _printable(text[:limit]) + f"…（共{len(text)}个字符 {len(text)} characters）"
        return text
    return _printable(text)


@dataclass(frozen=True, order=True)
class Problem:
    """One located problem. ``line``/``column`` are 1-based; 0 means unknown."""

    file: str
    line: int
    column: int
    code: str
    message: str
    path: str = ""  # e.g. "checks[1].require" or "schools[3].classes[2].size"
    sheet: str = ""  # a workbook's sheet: line/column are then its row and column (和平区.xlsx:班级!D17)
    more: int = field(default=0, compare=False)  # a summary line: this many problems of the code are not shown
    # The message as data (a message id and its parameters, see auditor/texts/): worded in the language asked
    # for when printed. ``message`` keeps its English wording (a Problem made from plain text has no ``text``).
    text: Msg | None = field(default=None, compare=False, repr=False)

    def __post_init__(self):
        if isinstance(self.message, Msg):
            object.__setattr__(self, "text", self.message)
            object.__setattr__(self, "message", render(self.message, "en"))

    def words(self, lang: str = "en") -> str:
        """The message in ``lang`` ("en" or "zh")."""
        return self.message if self.text is None else render(self.text, lang)

    def format(self, lang: str = "en") -> str:
        """``file:line: CODE: message (at path, column N)``; positions and codes are the same in every language."""
        if self.sheet:
            where = f"{self.file}:{self.sheet}" + (f"!{_cell(self.line, self.column)}" if self.line else "")
        else:
            where = f"{self.file}:{self.line}" if self.line else self.file
        message = self.words(lang)
        if len(message) > MAX_MESSAGE:
            cut = message[:MAX_MESSAGE]
            if _NAME_CHAR.match(message[MAX_MESSAGE]):  # never a name cut in half (a key list: "special_school_public…")
                cut = _NAME_TAIL.sub("", cut) or cut
            message = cut + "…"
        text = f"{excerpt(where, 300)}: {self.code}: {message}"
        column = self.column if self.column and not self.sheet else 0
        if self.path:
            text += render(msg("at.path-column" if column else "at.path", path=excerpt(self.path, 200), column=column), lang)
        elif column:
            text += render(msg("at.column", column=column), lang)
        return _printable(text)

    def as_dict(self, lang: str = "en") -> dict:
        return {
            "file": self.file,
            "line": self.line,
            "column": self.column,
            "code": self.code,
            "message": self.words(lang),
            "path": self.path,
            **({"sheet": self.sheet} if self.sheet else {}),
        }


def _printable(text: str) -> str:
    """No control characters, lone surrogates or bidi controls from a file reach the terminal as such."""
    if text.isprintable():
        return text
    return "".join(ch if ch.isprintable() or ch == " " else ch.encode("unicode_escape", "backslashreplace").decode("ascii")
                   for ch in text)


def summary(first: Problem, hidden: int, last_line: int = 0) -> Problem:
    """The line that stands for ``hidden`` problems like ``first`` that are not shown."""
    spans = last_line and first.line and last_line != first.line
    if first.sheet:
        text = msg("more.column-rows", hidden=hidden, code=first.code, first=first.line, last=last_line) if spans \
            else msg("more.column", hidden=hidden, code=first.code)
        return Problem(first.file, first.line, first.column, first.code, text, "", sheet=first.sheet, more=hidden)
    text = msg("more.code-lines", hidden=hidden, code=first.code, first=first.line, last=last_line) if spans \
        else msg("more.code", hidden=hidden, code=first.code)
    return Problem(first.file, first.line, 0, first.code, text, more=hidden)


def cap(problems: list[Problem]) -> list[Problem]:
    """At most MAX_PER_KIND problems of one code per file (per column in a spreadsheet) and MAX_PER_FILE per
    file, in position order; what is left out is counted in one summary line per kind (or per file)."""
    groups: dict[tuple, list[Problem]] = {}
    for p in sorted(problems, key=_position):
        groups.setdefault((p.file, p.sheet, p.column if p.sheet else 0, p.code), []).append(p)
    kept: list[Problem] = []
    for items in groups.values():
        shown = [p for p in items if not p.more]
        hidden = sum(p.more for p in items)
        if len(shown) > MAX_PER_KIND:
            hidden += len(shown) - MAX_PER_KIND
            rest = shown[MAX_PER_KIND:]
            shown = shown[:MAX_PER_KIND]
            kept.extend(shown)
            kept.append(summary(rest[0], hidden, rest[-1].line))
        else:
            kept.extend(shown)
            summaries = [p for p in items if p.more]
            if len(summaries) == 1:
                kept.append(summaries[0])
            elif summaries:
                kept.append(summary(summaries[0], hidden))
    by_file: dict[str, list[Problem]] = {}
    for p in sorted(kept, key=_position):
        by_file.setdefault(p.file, []).append(p)
    out = []
    for file, items in by_file.items():
        if len(items) > MAX_PER_FILE:
            rest = items[MAX_PER_FILE - 1:]
            hidden = sum(p.more or 1 for p in rest)
            items = items[:MAX_PER_FILE - 1] + [Problem(file, 0, 0, rest[0].code, msg("more.file", hidden=hidden), more=hidden)]
        out.extend(items)
    return out


def _position(p: Problem) -> tuple:
    return (p.file, p.sheet, p.line, p.column, p.code, p.path, p.message)


def _cell(row: int, column: int) -> str:
    """(17, 4) -> "D17"; a whole row when the column is unknown."""
    letters = ""
    while column > 0:
        column, rest = divmod(column - 1, 26)
        letters = chr(65 + rest) + letters
    return f"{letters}{row}" if letters else f"{row}:{row}"


class AuditorError(Exception):
    """Base of every error the auditor raises on purpose. Holds one or more problems."""

    exit_status = 2
    kind = "error"

    def __init__(self, problems: list[Problem] | Problem):
        if isinstance(problems, Problem):
            problems = [problems]
        self.problems = sorted(cap(list(dict.fromkeys(problems))), key=_position)
        super().__init__("\n".join(p.format() for p in self.problems))

    @property
    def codes(self) -> list[str]:
        return [p.code for p in self.problems]


class PolicyError(AuditorError):
    kind = "policy"


class SubmissionError(AuditorError):
    kind = "submission"


class UsageError(AuditorError):
    kind = "usage"


class StoreError(AuditorError):
    """The audit history (``--db``) cannot be used: missing, not a store, damaged, newer, read-only, busy."""

    kind = "store"


class InternalError(AuditorError):
    """The program's own fault: a bug, never the user's."""

    exit_status = 3
    kind = "internal"


class EngineError(InternalError):
    """durable_rules lost, refused or disagreed about a record."""

    kind = "engine"


def closest(word, choices) -> str | None:
    """The one choice closest to ``word`` (the "did you mean" of every message), or None."""
    if len(str(word)) > MAX_SUGGEST:
        return None
    match = difflib.get_close_matches(str(word), sorted(str(c) for c in choices), n=1, cutoff=0.6)
    return match[0] if match else None


def did_you_mean(word: str, choices) -> str:
    """A '; did you mean "x"?' suffix, or '' (English only: messages use :func:`hint`)."""
    match = closest(word, choices)
    return f'; did you mean "{match}"?' if match else ""


def hint(word, choices) -> Msg | str:
    """The "did you mean" suffix of a message as a message parameter (worded per language), or ''."""
    match = closest(word, choices)
    return msg("hint.did-you-mean", word=match) if match else ""


class Collector:
    """Collects problems for one file; raises them all together.

    Keeps at most MAX_PER_KIND problems of one code; further ones are only counted, in one summary
    problem, so that 300,000 duplicate keys cost no more than twenty."""

    def __init__(self, file: str, error_class: type[AuditorError]):
        self.file = file
        self.error_class = error_class
        self.problems: list[Problem] = []
        self._counts: dict[str, int] = {}
        self._summaries: dict[str, int] = {}  # code -> index of its summary in self.problems

    def add(self, code: str, message: str | Msg, line: int = 0, column: int = 0, path: str = "") -> None:
        count = self._counts[code] = self._counts.get(code, 0) + 1
        if count <= MAX_PER_KIND:
            self.problems.append(Problem(self.file, line, column, code, message, path))
            return
        first = Problem(self.file, line, column, code, message, path)
        index = self._summaries.get(code)
        if index is None:
            self._summaries[code] = len(self.problems)
            self.problems.append(summary(first, 1))
        else:
            old = self.problems[index]
            self.problems[index] = summary(Problem(self.file, old.line, 0, code, ""), old.more + 1, line)

    def count(self, code: str) -> int:
        """How many problems of ``code`` were added, shown or not."""
        return self._counts.get(code, 0)

    def raise_if_any(self) -> None:
        if self.problems:
            raise self.error_class(self.problems)


# The stable codes, one line each. The README's table is generated from this
# dictionary's meaning (tests assert that every code raised is listed here).
CODES: dict[str, str] = {
    # loading (any file)
    "E-READ": "the file cannot be read (missing, a folder, unreadable, a link out of the folder given)",
    "E-SIZE": "the file is larger than the per-file limit",
    "E-ENCODING": "the bytes are not valid UTF-8 text (UTF-16, GBK, binary, control or bidirectional characters)",
    "E-SYNTAX": "the YAML or JSON is malformed or truncated",
    "E-YAML-TAG": "a YAML tag that could construct objects (only plain data is allowed)",
    "E-DUPLICATE-KEY": "the same key appears twice in one mapping",
    "E-ALIAS": "too many nodes or too much text reached through YAML aliases or merge keys (alias bombs are refused)",
    "E-DEPTH": "nesting deeper than allowed",
    "E-NUMBER": "a number that is NaN, infinite, too large to evaluate exactly, or not plain decimal",
    "E-DATE": "a date that does not exist or is not YYYY-MM-DD",
    # policies
    "P-SCHEMA": "a policy does not match the policy schema (unknown key, wrong type, missing key)",
    "P-EXPR": "an expression in require/where/that does not parse",
    "P-FIELD": "an expression reads a field that no submission of that record kind can contain",
    "P-TYPE": "an expression compares or computes with values of the wrong type",
    "P-ENGINE": "an expression cannot be compiled for durable_rules, or durable_rules refuses to build its rule",
    "P-DUPLICATE-ID": "two checks, policies or measures share an id",
    "P-CLAUSE": "a clause number that the document of the policy's pack does not have (its pack.yaml)",
    "P-MESSAGE": "a message template that does not parse or is not allowed in the sandbox",
    "P-SCHEDULE": "a dated schedule that is out of order or names different parameters",
    "P-EXAMPLE": "a policy example that is malformed (unknown check, bad status)",
    "P-NONE": "no policy pack or policy file where --policies points",
    "P-PACK": "a policy pack that cannot be used: policy files without a pack.yaml, or a pack.yaml whose period ends before it starts",
    # waivers (--waivers, auditor/rules/waivers.py)
    "W-SCHEMA": "a waiver file does not match the waiver schema (unknown key, wrong type, missing key), or the waiver folder does not exist",
    "W-SCOPE": "a waiver names a district, check, clause, pack or record that does not exist",
    "W-DATES": "a waiver's valid_until is before its valid_from",
    "W-OVERLAP": "two waivers cover the same check of the same district (and the same records) on some of the same days",
    "W-DUPLICATE-ID": "two waivers share an id",
    # policy logic (`auditor check`, auditor/lint.py): valid files whose rules cannot be right
    "L-NEVER": "a where filter that no record can satisfy, so the check never applies",
    "L-IMPOSSIBLE": "a requirement that no applicable record can satisfy",
    "L-TAUTOLOGY": "a requirement that every possible record satisfies, so the check can never fail",
    "L-CONFLICT": "two checks on the same records and period whose requirements cannot both hold",
    "L-LOOSER": "a dated schedule whose later threshold is laxer than an earlier one",
    "L-PERIOD": "a deadline outside the period of the document it cites (its pack.yaml: 2019-01-01..2022-12-31 for the plan)",
    # submissions
    "S-SCHEMA": "a submission does not match the submission schema",
    "S-DISTRICT": "an unknown district name",
    "S-DUPLICATE-ID": "two schools or classes share an id, or a district is submitted twice",
    "S-NONE": "nothing to audit (no submission files given or found)",
    "S-SHEET": "a workbook or CSV set whose layout cannot be read (unknown sheet or column, missing required column, merged header cells)",
    # the audit history (auditor/store/, --db)
    "D-NONE": "no audit history at that path (history, audits and compare never create one)",
    "D-NOT-STORE": "the file is not an SQLite database, or an SQLite database that is not an audit history",
    "D-CORRUPT": "the audit history is damaged (truncated, overwritten, failed its integrity check)",
    "D-NEWER": "the audit history was written by a newer version of the auditor",
    "D-READONLY": "the audit history (or its folder) cannot be written",
    "D-BUSY": "another process held the audit history for longer than the wait allowed",
    "D-AUDIT": "no recorded audit matches what was asked for",
    # usage
    "U-ARGS": "a bad command-line argument (for example --as-of, or an --out that is empty, / or a system folder)",
    "U-OUT": "the output folder cannot be written, a name would leave it, an input would be overwritten, or another run holds it",
    "U-SETTINGS": "the settings file (issuer, signer, copies, document number) does not match its schema",
    # the program's own
    "I-ENGINE": "durable_rules lost, refused or mis-evaluated a record",
    "I-DISAGREE": "durable_rules and the reference evaluator disagree",
    "I-BUG": "an unexpected internal error",
}
