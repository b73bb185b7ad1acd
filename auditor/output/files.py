"""Output files: safe names inside the output folder, and all-or-nothing writing.

File names are derived from district names through :func:`safe_name` and
checked by :func:`inside` to stay inside the output folder. Everything is
rendered in memory first and then written by :func:`write_reports` file by
file through a temporary file and ``os.replace``, so a failure leaves the
previous reports or none, never half.
"""
from __future__ import annotations

import os
import tempfile
import unicodedata
from pathlib import Path

from auditor.errors import Problem, UsageError


def safe_name(name: str) -> str:
    """A file name from a district name: letters and digits (any script) only."""
    name = unicodedata.normalize("NFKC", name)
    cleaned = "".join(ch if (ch.isalnum() or ch in "-_") else "_" for ch in name).strip("._")
    return cleaned[:60] or "district"


def inside(folder: Path, name: str) -> Path:
    target = (folder / name).resolve()
    if target.parent != folder.resolve():
        raise UsageError(Problem(str(folder), 0, 0, "U-OUT", f'output name "{name}" would leave the output folder'))
    return target


def district_pages(findings: dict) -> dict[str, str]:
    """district name -> file name, for every district (and the city) in the findings."""
    names = []
    for v in findings["verdicts"]:
        if v["district"] not in names:
            names.append(v["district"])
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
    """Write every file or none: each is written in full to a temporary file in the output
    folder first; only when all of them are complete are they renamed into place (a rename
    within one folder is atomic). On a failure the temporary files are removed, so the
    previous reports stay as they were — and a folder this call created is removed again.
    ``protect``: files that must never be overwritten (the inputs)."""
    folder = Path(out_dir)
    created = not folder.exists()
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UsageError(Problem(out_dir, 0, 0, "U-OUT", f"cannot create the output folder: {exc.strerror or exc}")) from None
    protected = {os.path.realpath(p) for p in protect}
    staged: list[tuple[str, Path]] = []
    try:
        targets = [(inside(folder, name), text) for name, text in sorted(files.items())]
        for target, _text in targets:
            if os.path.realpath(target) in protected:
                raise UsageError(Problem(str(target), 0, 0, "U-OUT", "the output would overwrite an input file; choose another --out"))
        for target, text in targets:
            try:
                fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix=".part", dir=str(folder))
                staged.append((tmp, target))
                if isinstance(text, bytes):
                    handle = os.fdopen(fd, "wb")
                else:
                    handle = os.fdopen(fd, "w", encoding="utf-8", newline="\n")
                with handle:
                    handle.write(text)
                    handle.flush()
                    os.fsync(handle.fileno())
            except OSError as exc:
                raise UsageError(Problem(str(target), 0, 0, "U-OUT", f"cannot write: {exc.strerror or exc}")) from None
        written = []
        while staged:
            tmp, target = staged[0]
            os.replace(tmp, target)
            staged.pop(0)
            written.append(str(target))
        return written
    finally:
        for tmp, _target in staged:  # only after a failure
            try:
                os.unlink(tmp)
            except OSError:
                pass
        if created:
            try:
                if not any(folder.iterdir()):
                    folder.rmdir()
            except OSError:
                pass
