"""A data file's bytes and text: size limits, read-only opening, and decoding with located errors.

Files are opened read-only and never modified. A file over :data:`MAX_FILE_BYTES`,
a folder or a device is refused (E-SIZE, E-READ); text must be UTF-8 (with or
without BOM) unless the caller lists other encodings, and UTF-16/UTF-32, NUL
bytes and undecodable bytes are refused with the line and column of the first
bad byte (E-ENCODING).
"""
from __future__ import annotations

import os
import stat

from auditor.errors import Collector, Problem
from auditor.texts import Both, msg, os_reason

MAX_FILE_BYTES = 20 * 1024 * 1024
BOM = b"\xef\xbb\xbf"


def link_outside(folder: str, name: str) -> str | None:
    """Where ``folder/name`` leads when it is a symbolic link (or passes through one) to a place outside
    ``folder``; None when it stays inside. A folder's files are read only from the folder itself: a link
    planted in it must not make the auditor read, and quote, /etc/passwd or a key file."""
    inside = os.path.realpath(folder)
    target = os.path.realpath(os.path.join(folder, name))
    if os.path.commonpath([inside, target]) != inside:
        return target
    return None


def folder_names(folder: str, error_class: type, code: str = "E-READ") -> list[str]:
    """The names in ``folder`` (``os.listdir``); a folder that cannot be listed (no read permission, gone, too
    many open files) raises ``error_class`` with ``code`` at the folder, the system's reason worded, never an
    internal error."""
    try:
        return os.listdir(folder)
    except OSError as exc:
        raise error_class(Problem(folder, 0, 0, code, msg("read.folder-cannot", reason=os_reason(exc)))) from None


def read_text(file: str, collector: Collector, encodings=("utf-8",)) -> str | None:
    """Read a file as text. UTF-8 with or without BOM; other encodings only if listed."""
    raw = read_bytes(file, collector)
    return None if raw is None else decode_bytes(raw, collector, encodings)


def read_bytes(file: str, collector: Collector) -> bytes | None:
    """A file's bytes, or None with E-READ/E-SIZE in ``collector``. Opened read-only."""
    try:
        if os.path.isdir(file):
            collector.add("E-READ", msg("read.folder"))
            return None
        if not stat.S_ISREG(os.stat(file).st_mode):  # a device or pipe could block or never end
            collector.add("E-READ", msg("read.not-regular"))
            return None
        size = os.path.getsize(file)
        if size > MAX_FILE_BYTES:
            collector.add("E-SIZE", msg("read.size", size=size, limit=MAX_FILE_BYTES))
            return None
        with open(file, "rb") as handle:
            raw = handle.read(MAX_FILE_BYTES + 1)  # the file may grow while we read
        if len(raw) > MAX_FILE_BYTES:
            collector.add("E-SIZE", msg("read.size-over", limit=MAX_FILE_BYTES))
            return None
        return raw
    except OSError as exc:
        collector.add("E-READ", msg("read.cannot", reason=os_reason(exc)))
        return None


def _looks_utf16(raw: bytes) -> bool:
    sample = raw[:4000]
    even, odd = sample[0::2], sample[1::2]
    return len(sample) >= 4 and (even.count(0) > 0.4 * len(even) or odd.count(0) > 0.4 * len(odd))


def decode_bytes(raw: bytes, collector: Collector, encodings=("utf-8",)) -> str | None:
    """``raw`` as text in the first of ``encodings`` that reads it, or None with E-ENCODING in ``collector``."""
    if raw.startswith(BOM):
        raw = raw[len(BOM):]
    elif raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        collector.add("E-ENCODING", msg("encoding.utf16", save=msg("encoding.save-utf8")))
        return None
    if raw.startswith((b"\x00\x00\xfe\xff",)):
        collector.add("E-ENCODING", msg("encoding.utf32", save=msg("encoding.save-utf8")))
        return None
    if b"\x00" in raw and _looks_utf16(raw):
        collector.add("E-ENCODING", msg("encoding.utf16-no-bom", save=msg("encoding.save-utf8")))
        return None
    if b"\x00" in raw:
        line = raw[: raw.index(b"\x00")].count(b"\n") + 1
        collector.add("E-ENCODING", msg("encoding.nul"), line=line)
        return None
    errors = []
    for encoding in encodings:
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError as exc:
            errors.append(exc)
    # the place where the most plausible encoding fails: the one that reads furthest (a GBK CSV file with one bad
    # byte on line 392 fails as UTF-8 in its header, at line 1, and as GB18030 only at line 392), the first on a tie
    exc = max(errors, key=lambda e: e.start)
    line = raw[: exc.start].count(b"\n") + 1
    column = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
    names = [e.upper() for e in encodings]
    accepted = Both(" or ".join(names), " 或 ".join(names))
    hint = ""
    try:
        raw.decode("gb18030")
        hint = msg("encoding.gbk-hint")
    except UnicodeDecodeError:
        pass
    collector.add(
        "E-ENCODING",
        msg("encoding.bad-byte", byte=f"{raw[exc.start]:02x}", offset=exc.start, accepted=accepted, hint=hint,
            save=msg("encoding.save-file-utf8")),
        line=line,
        column=column,
    )
    return None
