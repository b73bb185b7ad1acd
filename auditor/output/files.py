"""Output files: safe names inside the output folder, and all-or-nothing writing.

File names are derived from district names through :func:`safe_name` and
checked by :func:`inside` to stay inside the output folder. Everything is
rendered in memory first and then written by :func:`write_reports` through
``writer.write_set`` (every file or none, the previous set replaced as a whole).
"""
from __future__ import annotations

import unicodedata
from pathlib import Path

from auditor.errors import Problem, UsageError
from auditor.texts import msg
from auditor.verdicts import as_verdicts
from auditor.output.writer import write_set


def safe_name(name: str) -> str:
    """A file name from a district name: letters and digits (any script) only."""
    name = unicodedata.normalize("NFKC", name)
    cleaned = "".join(ch if (ch.isalnum() or ch in "-_") else "_" for ch in name).strip("._")
    return cleaned[:60] or "district"


def inside(folder: Path, name: str) -> Path:
    target = (folder / name).resolve()
    if target.parent != folder.resolve():
        raise UsageError(Problem(str(folder), 0, 0, "U-OUT", msg("out.name-leaves", name=name)))
    return target


def district_pages(findings: dict) -> dict[str, str]:
    """district name -> file name, for every district (and the city) in the findings."""
    names = as_verdicts(findings["verdicts"]).districts()
    pages, used = {}, set()
    for name in names:
        base = safe_name(name)
        candidate, n = base, 2
        while candidate in used:
            candidate, n = f"{base}-{n}", n + 1
        used.add(candidate)
        pages[name] = candidate + ".html"
    return pages


def notice_name(page: str, lang: str) -> str:
    return page[:-len(".html")] + ("-整改通知.html" if lang == "zh" else "-rectification-notice.html")


def write_reports(files: dict[str, str | bytes], out_dir: str, protect: tuple[str, ...] = ()) -> list[str]:
    """An audit's files, every one or none, replacing the previous audit's set as a whole
    (``writer.write_set``: claimed and locked folder, exclusive temporaries, every target checked
    first, a manifest). ``protect``: files that must never be overwritten (the inputs)."""
    return write_set(files, out_dir, protect=protect, replace=True, kind="audit")
