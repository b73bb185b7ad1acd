"""Who issues the documents, who signs them, and how they are dated and numbered.

The issuing office, the signer, the copies (抄送) and a default document number come from a small settings
file: ``auditor/data/settings.yaml``, or the file given with ``auditor audit --settings FILE`` (validated
against ``auditor/schemas/settings.schema.json``; problems located as ``file:line: U-SETTINGS: …``). The date
of issue and the numbers come from the command line (``--issued``, ``--number``); :class:`Issue` carries all
of it to the renderer. The audit's own date (督导基准日) is not changed by any of this: the deadline of a
notice counts from its date of issue.
"""
from __future__ import annotations

import datetime as _dt
import dataclasses
from dataclasses import dataclass, field
from importlib import resources

from auditor.errors import Collector, Problem, UsageError
from auditor.intake import contracts
from auditor.intake.loader import load_partial
from auditor.store.numbering import number_problem, numbers
from auditor.texts import Msg, msg

DEFAULT_SETTINGS = "data/settings.yaml"


@dataclass(frozen=True)
class Settings:
    issuer: dict
    signer: dict = field(default_factory=dict)
    cc: dict = field(default_factory=dict)
    number: str = ""
    source: str = ""


@dataclass(frozen=True)
class Issue:
    """How this run's documents are issued: the date, the office, the signer, copies and numbers per district."""

    issued: _dt.date
    issuer: str
    signer: str = ""
    cc: tuple = ()
    pattern: str = ""  # the document number pattern (auditor/store/numbering.py); "" leaves the number blank to fill in
    given: tuple = ()  # (district, number) pairs the audit history issued; they take precedence over the pattern
    dated: tuple = ()  # (district, date of issue, deadline) of those notices as the history holds them (ISO dates)

    def deadline(self, days: int) -> str:
        return (self.issued + _dt.timedelta(days=days)).isoformat()

    def notice_dates(self, district: str, days: int) -> tuple[str, str]:
        """(date of issue, deadline) on ``district``'s notice: as the history recorded them for a number it issued
        (a notice number once issued keeps its dates), else this run's date of issue and ``days`` after it."""
        for d, issued, deadline in self.dated:
            if d == district:
                return issued, deadline
        return self.issued.isoformat(), self.deadline(days)

    def numbers(self, districts: list[str]) -> dict[str, str]:
        """district -> its notice's number: the one the history issued, else counted in the order given from the
        pattern after the history's ("" where no pattern is set)."""
        given = dict(self.given)
        rest = [d for d in districts if d not in given]
        counted = dict(zip(rest, numbers(self.pattern, self.issued.year, len(rest), list(given.values()))))
        return {d: given.get(d) or counted[d] for d in districts}

    def numbers_given(self) -> dict[str, str]:
        return dict(self.given)

    def with_numbers(self, given: dict[str, str], dated: dict[str, tuple[str, str]] | None = None) -> "Issue":
        """The numbers the history gave the notices, and their recorded (date of issue, deadline) per district."""
        return dataclasses.replace(self, given=tuple(sorted(given.items())),
                                   dated=tuple(sorted((d, *dates) for d, dates in (dated or {}).items())))

    def dated_on(self, issued: _dt.date) -> "Issue":
        return dataclasses.replace(self, issued=issued)


def _problem(file: str, message: Msg, path: str = "") -> UsageError:
    return UsageError(Problem(file, 0, 0, "U-SETTINGS", message, path))


def load_settings(path: str | None = None) -> Settings:
    """The settings file (the packaged default when ``path`` is None), validated; every problem located."""
    if path is None:
        file = str(resources.files("auditor").joinpath(DEFAULT_SETTINGS))
    else:
        file = path
    collector = Collector(file, UsageError)
    document, loaded = load_partial(file, UsageError)
    if document.data is None:
        raise _problem(file, msg("settings.empty"))
    collector.problems.extend(loaded)
    contracts.validate(document, "settings", collector, "U-SETTINGS")
    collector.raise_if_any()
    data = document.data
    number = data.get("number", "")
    if number and number_problem(number):
        line, column = document.where(("number",))
        raise UsageError(Problem(file, line, column, "U-SETTINGS", number_problem(number), "number"))
    return Settings(issuer=data["issuer"], signer=data.get("signer") or {}, cc=data.get("cc") or {}, number=number,
                    source=file)


def make_issue(settings: Settings, lang: str, issued: _dt.date, pattern: str | None = None) -> Issue:
    """This run's issue: the settings in ``lang``, the date of issue, the number pattern (the settings' by default)."""
    return Issue(issued=issued, issuer=settings.issuer.get(lang) or settings.issuer["zh"],
                 signer=(settings.signer or {}).get(lang, ""), cc=tuple((settings.cc or {}).get(lang, ())),
                 pattern=settings.number if pattern is None else pattern)
