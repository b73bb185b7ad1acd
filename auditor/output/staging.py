"""Files written into the claimed output folder as they are made (the writer's rules: ``writer``).

A report rendered in a worker process is written by that worker into an exclusive temporary of the claimed
``--out`` (:func:`stage_file`), and only its name travels back (:class:`writer.Staged`); ``writer.write_set``
then renames the whole set into place, all or nothing. A write the system refuses (a full disk, a file size
limit) comes back as a :class:`writer.NotStaged` problem, never an exception from a worker; a failed render
removes every temporary of this run (:func:`remove_temporaries`).
"""
from __future__ import annotations

import os
import tempfile
from pathlib import Path

from auditor.errors import Problem, UsageError, excerpt
from auditor.output.claims import TEMP_PREFIX, TEMP_SUFFIX, is_claimed, reason, remove_own_temporaries, umask, unlink
from auditor.output.writer import NotStaged, Staged, discard
from auditor.texts import msg


def stage_file(out_dir: str, write) -> Staged:
    """``write(handle)`` writes a file's bytes into a new exclusive temporary in the claimed folder ``out_dir``."""
    folder = Path(out_dir)
    if not is_claimed(out_dir):
        raise RuntimeError(f"stage_file: {out_dir} is not claimed by this run")  # a bug, never the user's
    fd, tmp = tempfile.mkstemp(prefix=TEMP_PREFIX, suffix=TEMP_SUFFIX, dir=str(folder))  # O_EXCL, 0600
    try:
        with os.fdopen(fd, "wb") as handle:
            write(handle)
            handle.flush()
            os.fsync(handle.fileno())
            os.fchmod(handle.fileno(), 0o666 & ~umask())
            size = handle.tell()
    except BaseException:
        unlink(tmp)
        raise
    return Staged(tmp, size)


def stage_named(out_dir: str, name: str, write) -> Staged | NotStaged:
    """:func:`stage_file` for the file ``name`` of the set; a write the system refuses is a :class:`NotStaged`
    (U-OUT "cannot write", as :func:`write_set` says it), never an exception."""
    try:
        return stage_file(out_dir, write)
    except OSError as exc:
        return not_staged(out_dir, name, exc)


def not_staged(out_dir: str, name: str, exc: OSError) -> NotStaged:
    """U-OUT "cannot write" for the file ``name`` of the set, as plain data."""
    return NotStaged(Problem(excerpt(os.path.join(out_dir, name), 200), 0, 0, "U-OUT", msg("out.cannot-write", reason=reason(exc))))


def refuse_not_staged(files: dict) -> None:
    """U-OUT for the files that could not be staged (their temporaries and the others' removed first)."""
    problems = [value.problem for value in files.values() if isinstance(value, NotStaged)]
    if problems:
        discard(files)
        raise UsageError(problems)


def remove_temporaries(out_dir: str) -> list[str]:
    """Every temporary of ours in the claimed folder ``out_dir`` (after a failed render: the lock says they are this run's)."""
    if not is_claimed(out_dir):
        return []
    return remove_own_temporaries(Path(out_dir))
