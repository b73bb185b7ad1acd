"""Submission files -> one validated ``Facts`` per district, whatever their format.

A submission is a YAML or JSON document, an Excel workbook, or a district's
CSV set (one file per sheet, read as one unit). Folders contribute their
submission files. Every file's problems are reported together.
"""
from __future__ import annotations

import gc
import os

from auditor.errors import Problem, SubmissionError
from auditor.intake.loader import load_partial
from auditor.intake.sheets.layout import SPREADSHEET_SUFFIXES
from auditor.intake.sheets.reader import group_units, load_spreadsheet, unit_label
from auditor.intake.submission import facts_from_document
from auditor.intake.textfile import folder_names, link_outside
from auditor.model import Facts
from auditor.texts import msg

SUBMISSION_SUFFIXES = (".yaml", ".yml", ".json", ".xlsx", ".xls", ".csv")
# a submission saved under a name that would leave it out of the folder's audit, and its district with it (the
# district then sent "nothing"): Windows Notepad's x.yaml.txt, a macro-enabled workbook
MISNAMED_SUFFIXES = tuple(s + ".txt" for s in SUBMISSION_SUFFIXES) + (".xlsm",)
LINK_OUTSIDE = msg("read.link-submission")


def _missing(path: str) -> bool:
    """Whether ``path`` does not exist (rather than cannot be looked at: "no such file" would be a wrong answer)."""
    try:
        os.stat(path)
    except (FileNotFoundError, NotADirectoryError):
        return True
    except (OSError, ValueError):
        return False
    return False


def expand_paths(paths: list[str]) -> list[str]:
    """Files as given; folders contribute their submission files (sorted, not recursive)."""
    files: list[str] = []
    problems: list[Problem] = []
    for path in paths:
        if os.path.isdir(path):
            try:
                listed = folder_names(path, SubmissionError)
            except SubmissionError as exc:  # a folder without read permission: E-READ, with the other paths' problems
                problems.extend(exc.problems)
                continue
            names = sorted(n for n in listed if n.lower().endswith(SUBMISSION_SUFFIXES) and not n.startswith((".", "~$")))
            misnamed = sorted(n for n in listed if n.lower().endswith(MISNAMED_SUFFIXES) and not n.startswith((".", "~$")))
            problems.extend(Problem(os.path.join(path, n), 0, 0, "E-READ", msg("submissions.misnamed")) for n in misnamed)
            if not names and not misnamed:
                problems.append(Problem(path, 0, 0, "S-NONE", msg("submissions.empty-folder", suffixes=list(SUBMISSION_SUFFIXES))))
            for name in names:
                if link_outside(path, name) is not None:
                    problems.append(Problem(os.path.join(path, name), 0, 0, "E-READ", LINK_OUTSIDE))
                else:
                    files.append(os.path.join(path, name))
        elif os.path.exists(path) or not _missing(path):
            files.append(path)  # one that cannot be looked at (a folder on its way not searchable): E-READ, why, when read
        else:
            problems.append(Problem(path, 0, 0, "E-READ", msg("read.no-such")))
    if problems:
        raise SubmissionError(problems)
    if not files:
        raise SubmissionError(Problem("<command line>", 0, 0, "S-NONE", msg("submissions.none")))
    return files


def load_submission(file) -> Facts:
    """One submission: a YAML/JSON file, a workbook, or a district's CSV files (a tuple).

    Reading makes hundreds of thousands of mappings, lists and Records and no reference cycle: the cyclic
    collector, which would walk the growing heap again and again while they are made, is paused meanwhile (as
    ``audit.audit_one`` does around the whole district) and runs again afterwards."""
    collecting = gc.isenabled()
    gc.disable()
    try:
        if isinstance(file, tuple) or file.lower().endswith(SPREADSHEET_SUFFIXES):
            return load_spreadsheet(file)
        document, problems = load_partial(file, SubmissionError, "submission")
        return facts_from_document(document, problems, own=True)
    finally:
        if collecting:
            gc.enable()


def one_per_district(submitted: list[tuple[str, Facts]]) -> tuple[list[Facts], list[Problem]]:
    """The first submission of each district, and an S-DUPLICATE-ID problem (at its file) for every later one."""
    seen: dict[str, str] = {}
    kept, problems = [], []
    for label, facts in submitted:
        if facts.district in seen:
            problems.append(Problem(label, 0, 0, "S-DUPLICATE-ID", msg("submissions.twice", district=facts.district, first=seen[facts.district])))
            continue
        seen[facts.district] = label
        kept.append(facts)
    return kept, problems


def load_submissions(paths: list[str]) -> list[Facts]:
    """Every file, all problems of all files together; one Facts per district."""
    problems: list[Problem] = []
    submitted: list[tuple[str, Facts]] = []
    for unit in group_units(expand_paths(paths)):  # a district's CSV files are one unit
        try:
            submitted.append((unit_label(unit), load_submission(unit)))
        except SubmissionError as exc:
            problems.extend(exc.problems)
    out, duplicates = one_per_district(submitted)
    problems += duplicates
    if problems:
        raise SubmissionError(problems)
    return out
